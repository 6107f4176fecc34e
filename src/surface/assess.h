/* assess.h - one observation judged: product and version (fp.h), vulnerabilities from the
 * knowledge base (kb/match.h), exposure findings, the owner (attrib.h), what nmap's service
 * probes say of services no fingerprint knows (nsp.h), and the output record (JSONL, and
 * rows for CSV and spreadsheets).
 *
 * The record is what `tenken surface identify` writes per service; its fields are
 * documented in docs/observation.md. */
#ifndef TK_SURFACE_ASSESS_H
#define TK_SURFACE_ASSESS_H

#include <pthread.h>

#include "core/buf.h"
#include "core/json.h"
#include "kb/match.h"
#include "surface/attrib.h"
#include "surface/fp.h"
#include "surface/nsp.h"
#include "surface/obs.h"

struct tk_surface {
    const struct tk_fpdb *fp;
    struct tk_matcher *matcher;   /* may be NULL: no assessment */
    pthread_mutex_t *lock;        /* serialises the matcher across threads */
    struct tk_nsp *nsp;           /* may be NULL: no service probes */
    const struct tk_attrib *attrib; /* may be NULL: no attribution (not even the source's) */
};

/* Which devices to keep (tk_device_wanted); zero members keep everything. */
struct tk_device_filter {
    char country[3];     /* "JP": located there */
    int prefecture;      /* 1..47: located or attributed there */
    const char *product; /* fingerprint id, KB product or vendor (any case), or part of the name */
    bool kev_only;       /* affected or possibly affected by a KEV vulnerability */
};

#define TK_DEVICE_MAX_EXPOSURES 4

struct tk_device {
    const struct tk_obs *o;
    bool identified;
    struct tk_fp_hit hit;
    const struct tk_assessment *as; /* NULL: not assessed (no KB product) */
    enum tk_verdict verdict;
    const char *exposures[TK_DEVICE_MAX_EXPOSURES]; /* smb-exposed, rdp-exposed, ... */
    size_t nexposures;
    bool kev;                  /* affected or possibly by a KEV vulnerability */
    bool attributed;           /* at holds a lookup */
    struct tk_attribution at;
    /* Not identified by a fingerprint: what nmap's probes (or the source) say it runs. */
    bool has_service;
    const char *service_from; /* "nmap-service-probes" or "source" */
    struct tk_nsp_result service;
};

/* Judges o (strings go to o->arena). Thread-safe. */
void tk_surface_judge(const struct tk_surface *s, const struct tk_obs *o, struct tk_device *sv);
bool tk_device_wanted(const struct tk_device *sv, const struct tk_device_filter *f);

void tk_device_write_json(const struct tk_device *sv, struct tk_json *w);

/* The table form: one row per (service x CVE), or one row without a CVE, with the columns
 * below (ip, port, ..., org_name, prefecture, ...). Fields are NUL-terminated, "" when
 * empty; row(ud, fields) for each, stopping at a non-zero return. */
#define TK_DEVICE_MAX_COLUMNS 32 /* room a caller needs for one row's fields */
extern const char *const tk_device_columns[];
extern const size_t tk_device_ncolumns;
typedef int (*tk_device_row_fn)(void *ud, const char *const *fields);
int tk_device_rows(const struct tk_device *sv, tk_device_row_fn row, void *ud);
/* CSV of those rows: the header line, and a device's rows; every field escaped against
 * spreadsheet formulas (tk_escape_csv). */
void tk_device_csv_header(struct tk_buf *out);
int tk_device_write_csv(const struct tk_device *sv, struct tk_buf *out);

#endif
