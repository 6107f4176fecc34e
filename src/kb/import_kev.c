/* import_kev.c - the CISA KEV catalog (JSON): replaces the kev table, checks the declared
 * count and the per-entry required fields (cveID, dateAdded, dueDate …). */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonval.h"
#include "kb/import.h"
#include "kb/input.h"

#define KEV_MAX (256 << 20)

static const char *str_field(json_t *v, const char *key)
{
    return json_string_value(json_object_get(v, key));
}

static bool cve_id(const char *s)
{
    if (!s || strncmp(s, "CVE-", 4) != 0 || strlen(s) < 13 || s[8] != '-')
        return false;
    for (const char *p = s + 4; *p; p++)
        if (p != s + 8 && (*p < '0' || *p > '9'))
            return false;
    return true;
}

int tk_import_kev(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                  tk_import_progress_fn progress, void *ud, struct tk_err *err)
{
    struct tk_buf buf = TK_BUF_INIT(KEV_MAX);
    json_t *doc = NULL;
    sqlite3_stmt *st = NULL;
    sqlite3 *db = tk_kb_db(kb);
    stats->what = "entries";
    (void)progress;
    (void)ud;
    int rc = tk_input_slurp(path, &buf, err);
    if (!rc)
        rc = tk_json_parse(tk_buf_cstr(&buf), buf.len, path, &doc, err);
    stats->bytes = buf.len;
    tk_buf_release(&buf);
    if (rc)
        return rc;
    json_t *vulns = json_object_get(doc, "vulnerabilities");
    const char *version = str_field(doc, "catalogVersion");
    const char *released = str_field(doc, "dateReleased");
    json_t *count = json_object_get(doc, "count");
    if (!json_is_array(vulns) || !version || !released || !json_is_integer(count)) {
        rc = tk_err_set(err, TK_EPARSE,
                        "%s: not a KEV catalog (needs catalogVersion, dateReleased, count and "
                        "vulnerabilities)",
                        path);
        goto done;
    }
    if ((size_t)json_integer_value(count) != json_array_size(vulns)) {
        rc = tk_err_set(err, TK_EPARSE, "%s: declares %lld entries but holds %zu", path,
                        (long long)json_integer_value(count), json_array_size(vulns));
        goto done;
    }
    if ((rc = tk_kb_begin(kb, err)))
        goto done;
    if ((rc = tk_kb_exec(kb, "DELETE FROM kev", err)))
        goto rollback;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO kev VALUES(?1,?2,?3,?4,?5,?6,?7)", -1,
                           &st, NULL) != SQLITE_OK) {
        rc = tk_err_set(err, TK_EIO, "%s: %s", tk_kb_name(kb), sqlite3_errmsg(db));
        goto rollback;
    }
    size_t i;
    json_t *v;
    json_array_foreach(vulns, i, v)
    {
        static const char *const keys[] = { "cveID", "dateAdded", "dueDate",
                                            "knownRansomwareCampaignUse", "vendorProject",
                                            "product", "vulnerabilityName" };
        const char *cve = str_field(v, "cveID");
        if (!cve_id(cve) || !str_field(v, "dateAdded") || !str_field(v, "dueDate")) {
            rc = tk_err_set(err, TK_EPARSE,
                            "%s: vulnerabilities[%zu]: needs a cveID like CVE-2024-1234, "
                            "dateAdded and dueDate",
                            path, i);
            goto rollback;
        }
        for (int k = 0; k < 7; k++) {
            const char *s = str_field(v, keys[k]);
            /* Vendor names carry stray blanks ("SimpleHelp "): store them trimmed. */
            struct tk_str t = tk_str_trim(tk_str_c(s));
            if (s)
                sqlite3_bind_text(st, k + 1, t.p, (int)t.n, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, k + 1);
        }
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = tk_err_set(err, TK_EIO, "%s: %s", tk_kb_name(kb), sqlite3_errmsg(db));
            goto rollback;
        }
        sqlite3_reset(st);
        stats->records++;
        stats->rows++;
    }
    struct tk_kb_source src = { "kev", version, released, path, stats->records };
    if ((rc = tk_kb_source_set(kb, &src, err)))
        goto rollback;
    sqlite3_finalize(st);
    st = NULL;
    rc = tk_kb_commit(kb, err);
    goto done;
rollback:
    sqlite3_finalize(st);
    st = NULL;
    tk_kb_rollback(kb);
done:
    json_decref(doc);
    return rc;
}
