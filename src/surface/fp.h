/* fp.h - the fingerprint database: which product an observation is, and which version.
 *
 * One data file per product (data/fingerprints/NAME.txt, embedded at build time; more with
 * --fingerprints DIR), in the stanza syntax of tenken's data files. The format is documented
 * in docs/fingerprints.md; in short, the first stanza describes the product:
 *
 *   fingerprint: fortinet-fortigate      id of this fingerprint
 *   product: fortinet-fortios            knowledge-base product for assessment (optional)
 *   vendor / name / kind                 for reports (kind: vpn, firewall, gateway, ...)
 *   fetch: /remote/login                 public paths `surface probe` requests (repeatable)
 *   detect: WEIGHT CONDITION             a signal; detected when the weights reach
 *   threshold: 100                       the threshold (default 100)
 *   version: CONDITION => TEMPLATE [line]   version from a regex ($1..$9), exact or a line
 *   date: SOURCE [table NAME] [tolerance SECONDS] [line]   version from a build time
 *   source: URL                          where the facts come from (repeatable)
 *
 * CONDITION is TARGET [ARG] [OP VALUE] [at PATH]: targets body, title, header NAME,
 * cookie NAME (a trailing * matches a prefix), status, favicon, cert.subject, cert.issuer,
 * cert.san, banner, port, source (what the scan source itself named); OP is `=` (equal,
 * case-insensitive), `contains` (case-insensitive), `~ /PCRE/flags`; without OP the target
 * only has to be present. `at PATH` limits it to that path's response. SOURCE for dates:
 * etag, last-modified, gzip-mtime [name TEXT], or `CONDITION format yymmddhhmmss|unix`.
 *
 * Every later stanza is a test case: `case: NAME`, `expect: FINGERPRINT VERSION PRECISION`
 * or `expect: none`, and `obs:` lines in tenken's JSONL form; tk_fp_check runs them. */
#ifndef TK_SURFACE_FP_H
#define TK_SURFACE_FP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "kb/match.h"
#include "surface/obs.h"

struct tk_fpdb;
struct tk_fp;

#define TK_FP_MAX_VERSIONS 8
#define TK_FP_MAX_EVIDENCE 8

struct tk_fp_hit {
    const struct tk_fp *fp;
    int score;
    enum tk_vprec prec;
    const char *versions[TK_FP_MAX_VERSIONS]; /* in the observation's arena */
    size_t nversions;
    int64_t build_time;                       /* from a date rule; 0 when none */
    const char *evidence[TK_FP_MAX_EVIDENCE]; /* "header server = ...", "etag at / ..." */
    size_t nevidence;
};

/* Loads the built-in files, then every NAME.txt in dir when dir is not NULL (a file there
 * with the id of a built-in one replaces it). Errors name file:line. */
int tk_fpdb_load(struct tk_fpdb **out, const char *dir, struct tk_err *err);
/* Loads from given texts only (tests, fuzzing): names[i] is used in messages. */
int tk_fpdb_load_texts(struct tk_fpdb **out, const char *const *names, const char *const *texts,
                       const size_t *lens, size_t n, struct tk_err *err);
void tk_fpdb_free(struct tk_fpdb *db);

size_t tk_fpdb_count(const struct tk_fpdb *db);
const struct tk_fp *tk_fpdb_at(const struct tk_fpdb *db, size_t i);

const char *tk_fp_id(const struct tk_fp *fp);
const char *tk_fp_product(const struct tk_fp *fp); /* KB id, or NULL */
const char *tk_fp_vendor(const struct tk_fp *fp);
const char *tk_fp_name(const struct tk_fp *fp);
const char *tk_fp_kind(const struct tk_fp *fp);
const char *tk_fp_file(const struct tk_fp *fp);
/* The paths to fetch, NULL-terminated. */
const char *const *tk_fp_fetch(const struct tk_fp *fp);

/* "exact", "line", "range" (candidates from a date), "undetermined" */
const char *tk_fp_precision_name(const struct tk_fp_hit *h);

/* Identifies o: fills hits (best first, at most max) and returns how many. Strings go to
 * o->arena. Thread-safe: the database is read-only after loading. */
size_t tk_fp_identify(const struct tk_fpdb *db, const struct tk_obs *o, struct tk_fp_hit *hits,
                      size_t max);

/* Runs every test case of every file; report(ud, file, case, message) for each failure.
 * Returns the number of failures (and counts cases in *ncases). */
typedef void (*tk_fp_report_fn)(void *ud, const char *file, const char *name, const char *why);
size_t tk_fp_check(const struct tk_fpdb *db, tk_fp_report_fn report, void *ud, size_t *ncases);

#endif
