/* campaign.h - `tenken campaign` split over files: campaign.c (the command, create, cases,
 * show, set, contact, verify, stats), campaign_sheet.c (export and import of spreadsheets),
 * campaign_report.c (the HTML report). Each subcommand gets the parsed options. */
#ifndef TK_CMD_CAMPAIGN_H
#define TK_CMD_CAMPAIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd/cmd.h"
#include "core/err.h"

struct tk_store;

enum tk_campaign_fmt { TK_CAMPAIGN_TEXT, TK_CAMPAIGN_JSON, TK_CAMPAIGN_CSV, TK_CAMPAIGN_XLSX };

struct tk_campaign_args {
    const char *data, *who, *date, *channel, *note, *product;
    const char *output; /* -o FILE */
    const char *lang;   /* "ja" (default) or "en" */
    bool sjis;          /* --encoding shift_jis */
    enum tk_campaign_fmt fmt;
    bool fmt_set, kev_only, all;
    bool public; /* report: aggregate figures only, no organisation named */
    int prefecture;
    int64_t version;
    char **pos; /* pos[0] is the subcommand */
    int npos;
};

/* Logs err; TK_EXIT_CONFLICT for TK_ECONFLICT, else TK_EXIT_RUNTIME. */
int tk_campaign_runtime(struct tk_cli *cli, const struct tk_err *err);
/* --who, else $USER, else "unknown". */
const char *tk_campaign_who(const struct tk_campaign_args *a);

int tk_campaign_export(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a);
int tk_campaign_import(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a);
int tk_campaign_report(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a);

#endif
