/* fleet.h - the organisation report: the newest digest of every endpoint (report/digest.h)
 * gathered into fleet figures, findings grouped across PCs and ranked, and per-endpoint
 * sections; written as JSON, CSV (one row per endpoint and finding) or a self-contained
 * printable HTML page with inline SVG charts, in Japanese or English. Format: docs/server.md.
 *
 * Nothing here knows about the store: the caller feeds digests (tk_fleet_add) and the
 * organisation's name, so the same code serves `tenken report` and the server's route. */
#ifndef TK_REPORT_FLEET_H
#define TK_REPORT_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle.h"
#include "core/buf.h"
#include "core/jdoc.h"
#include "report/digest.h"
#include "report/summary.h"

#define TK_FLEET_MAX_ENDPOINTS 100000

/* One finding as many PCs share it: the same id (and, for vulnerabilities, product). */
struct tk_fleet_group {
    char *key;
    const struct tk_jv *top;            /* the most severe member (borrowed from a digest) */
    enum tk_severity severity;
    int64_t kev;            /* known-exploited CVEs in the most severe member */
    size_t pcs;
    size_t *endpoints;      /* indices into tk_fleet.endpoints */
    size_t nendpoints, cendpoints;
};

struct tk_fleet_endpoint {
    const struct tk_jv *digest;         /* in tk_fleet.arena */
    enum tk_severity worst; /* of its findings; -1 none */
    int worst_rank;         /* worst as int, -1 without findings */
    unsigned facts;
};

struct tk_fleet {
    struct tk_arena arena;  /* every digest's document */
    const char *org_name, *org_id;
    int64_t generated;
    int64_t pending;        /* endpoints whose newest bundle is not analysed yet */
    struct tk_fleet_endpoint *endpoints;
    size_t nendpoints, cendpoints;
    struct tk_fleet_group *groups;
    size_t ngroups, cgroups;
    size_t facts[TK_FACT_COUNT];
    size_t by_worst[TK_SEV_CRITICAL + 2]; /* [0]: no findings, [1 + severity] */
    char kb_date[32];       /* the newest among the digests */
    struct tk_err err;      /* the first digest that could not be read */
    size_t unreadable;
};

void tk_fleet_init(struct tk_fleet *f, const char *org_name, const char *org_id);
void tk_fleet_release(struct tk_fleet *f);
/* Adds one digest; an unreadable one is counted (f->unreadable, f->err), not fatal. Returns
 * 0 or TK_ENOMEM / TK_ELIMIT. */
int tk_fleet_add(struct tk_fleet *f, const void *digest, size_t n);
/* Groups, ranks and counts; call once after the last tk_fleet_add. */
int tk_fleet_finish(struct tk_fleet *f);

enum tk_report_format { TK_REPORT_HTML, TK_REPORT_JSON, TK_REPORT_CSV };
int tk_report_format_parse(const char *s, enum tk_report_format *out);
const char *tk_report_content_type(enum tk_report_format fmt);

/* Appends the report to out. 0, TK_ENOMEM or TK_ELIMIT. */
int tk_fleet_write(const struct tk_fleet *f, enum tk_report_format fmt, enum tk_lang lang,
                   struct tk_buf *out);
int tk_fleet_write_html(const struct tk_fleet *f, enum tk_lang lang, struct tk_buf *out);

/* Helpers shared by the writers. */
const char *tk_fleet_str(const struct tk_jv *o, const char *key); /* "" when absent */
int64_t tk_fleet_int(const struct tk_jv *o, const char *key);

#endif
