/* domains.h - `tenken domains` split over files: domains.c (the command and its options),
 * domains_permute.c (lookalike candidates of brands), domains_watch.c (names from feeds that
 * imitate brands or carry lures). */
#ifndef TK_CMD_DOMAINS_H
#define TK_CMD_DOMAINS_H

#include <stdbool.h>

#include "cmd/cmd.h"

struct tk_domains_args {
    const char *format;     /* permute: list (default), csv, json; watch: jsonl, csv, text */
    const char *algorithms; /* permute: comma-separated subset, NULL all */
    const char *dictionary; /* permute: words for the dictionary algorithm */
    const char *tlds;       /* permute: TLDs for tld-swap */
    const char *brands;     /* watch: brand file (NULL: the shipped set) */
    const char *keywords;   /* watch: keyword file (NULL: the shipped set) */
    const char *output;     /* -o FILE */
    int threshold;          /* watch: alerts at or above this score (0: the default) */
    bool resolve;           /* watch: DNS A/AAAA/MX for flagged names */
    const char *resolver;   /* watch: resolver address (default: the system's) */
    int timeout_ms;
    char **pos; /* pos[0] is the subcommand */
    int npos;
};

int tk_domains_permute_cmd(struct tk_cli *cli, const struct tk_domains_args *a);
int tk_domains_watch_cmd(struct tk_cli *cli, const struct tk_domains_args *a);

#endif
