/* assess.h - one observation judged: product and version (fp.h), vulnerabilities from the
 * knowledge base (kb/match.h), exposure findings, and the output record (JSONL, CSV).
 *
 * The record is what `tenken surface identify` writes per service; its fields are
 * documented in docs/observation.md. */
#ifndef TK_SURFACE_ASSESS_H
#define TK_SURFACE_ASSESS_H

#include <pthread.h>

#include "core/buf.h"
#include "core/json.h"
#include "kb/match.h"
#include "surface/fp.h"
#include "surface/obs.h"

struct tk_surface {
    const struct tk_fpdb *fp;
    struct tk_matcher *matcher; /* may be NULL: no assessment */
    pthread_mutex_t *lock;      /* serialises the matcher across threads */
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
};

/* Judges o (strings go to o->arena). */
void tk_surface_judge(const struct tk_surface *s, const struct tk_obs *o, struct tk_device *sv);

void tk_device_write_json(const struct tk_device *sv, struct tk_json *w);
/* The CSV header, and one row per (service x CVE), or one row without CVE. Every field is
 * escaped against spreadsheet formulas (tk_escape_csv). */
void tk_device_csv_header(struct tk_buf *out);
int tk_device_write_csv(const struct tk_device *sv, struct tk_buf *out);

#endif
