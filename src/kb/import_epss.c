/* import_epss.c - FIRST EPSS daily scores: "#model_version:…,score_date:…", a header
 * "cve,epss,percentile", then one row per CVE. Replaces the epss table; the model version
 * and score date go to the source stamp, since scores from different models differ. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/import.h"
#include "kb/input.h"

struct epss {
    struct tk_kb *kb;
    const char *path;
    sqlite3_stmt *st;
    struct tk_import_stats *stats;
    tk_import_progress_fn progress;
    void *ud;
    char model[64], date[40];
    bool header;
};

static bool parse_prob(struct tk_str s, double *out)
{
    char buf[32];
    if (s.n == 0 || s.n >= sizeof buf)
        return false;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0' && *out >= 0 && *out <= 1;
}

static int on_line(void *ud, struct tk_str line, uint64_t lineno, struct tk_err *err)
{
    struct epss *e = ud;
    if (line.n && line.p[0] == '#') {
        /* #model_version:v2023.03.01,score_date:2024-01-01T00:00:00+0000 */
        struct tk_str rest = { line.p + 1, line.n - 1 }, part;
        while (rest.n) {
            struct tk_str after, k, v;
            tk_str_cut(rest, ',', &part, &after);
            rest = after;
            tk_str_cut(part, ':', &k, &v);
            if (tk_str_eq_c(k, "model_version"))
                snprintf(e->model, sizeof e->model, "%.*s", (int)v.n, v.p);
            else if (tk_str_eq_c(k, "score_date"))
                snprintf(e->date, sizeof e->date, "%.*s", (int)v.n, v.p);
        }
        return 0;
    }
    if (!e->header) {
        if (!tk_str_has_prefix(line, "cve,epss,percentile"))
            return tk_err_set(err, TK_EPARSE, "%s:%llu: expected the header cve,epss,percentile",
                              e->path, (unsigned long long)lineno);
        e->header = true;
        return 0;
    }
    if (!line.n)
        return 0;
    struct tk_str cve, rest, score, pct;
    double s, p;
    if (!tk_str_cut(line, ',', &cve, &rest) || !tk_str_cut(rest, ',', &score, &pct) ||
        !tk_str_has_prefix(cve, "CVE-") || !parse_prob(score, &s) || !parse_prob(pct, &p))
        return tk_err_set(err, TK_EPARSE, "%s:%llu: expected CVE-ID,score,percentile", e->path,
                          (unsigned long long)lineno);
    sqlite3_bind_text(e->st, 1, cve.p, (int)cve.n, SQLITE_TRANSIENT);
    sqlite3_bind_double(e->st, 2, s);
    sqlite3_bind_double(e->st, 3, p);
    if (sqlite3_step(e->st) != SQLITE_DONE)
        return tk_err_set(err, TK_EIO, "%s: %s", tk_kb_name(e->kb),
                          sqlite3_errmsg(tk_kb_db(e->kb)));
    sqlite3_reset(e->st);
    e->stats->records++;
    e->stats->rows++;
    if (e->progress && e->stats->records % 50000 == 0)
        e->progress(e->ud, e->stats);
    return 0;
}

int tk_import_epss(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                   tk_import_progress_fn progress, void *ud, struct tk_err *err)
{
    struct epss e = { .kb = kb, .path = path, .stats = stats, .progress = progress, .ud = ud };
    struct tk_input in;
    stats->what = "scores";
    int rc = tk_input_open(&in, path, err);
    if (rc)
        return rc;
    if ((rc = tk_kb_begin(kb, err))) {
        tk_input_close(&in);
        return rc;
    }
    rc = tk_kb_exec(kb, "DELETE FROM epss", err);
    if (!rc && sqlite3_prepare_v2(tk_kb_db(kb), "INSERT OR REPLACE INTO epss VALUES(?1,?2,?3)",
                                  -1, &e.st, NULL) != SQLITE_OK)
        rc = tk_err_set(err, TK_EIO, "%s: %s", tk_kb_name(kb), sqlite3_errmsg(tk_kb_db(kb)));
    if (!rc)
        rc = tk_input_each_line(&in, 4096, on_line, &e, &stats->bytes, err);
    if (!rc && !e.header)
        rc = tk_err_set(err, TK_EPARSE, "%s: no EPSS header line (cve,epss,percentile)", path);
    sqlite3_finalize(e.st);
    tk_input_close(&in);
    if (!rc) {
        struct tk_kb_source src = { "epss", e.model[0] ? e.model : NULL,
                                    e.date[0] ? e.date : NULL, path, stats->records };
        rc = tk_kb_source_set(kb, &src, err);
    }
    if (rc) {
        tk_kb_rollback(kb);
        return rc;
    }
    return tk_kb_commit(kb, err);
}
