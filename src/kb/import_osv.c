/* import_osv.c - OSV advisories (ossf/osv-schema): one row per affected range of a package in
 * an ecosystem. Distro ecosystems ("Debian:12") name the source package, which is what the
 * matcher looks up. Accepts one JSON file, a directory of them, or a ZIP such as the
 * per-ecosystem all.zip; an advisory seen again replaces the earlier one. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonval.h"
#include "kb/import.h"
#include "kb/input.h"

#define ADVISORY_MAX (32 << 20)

struct osv {
    struct tk_kb *kb;
    sqlite3 *db;
    sqlite3_stmt *del, *ins;
    struct tk_import_stats *stats;
    tk_import_progress_fn progress;
    void *ud;
    char newest[40]; /* largest "modified" seen */
};

static const char *cve_of(json_t *adv)
{
    const char *id = json_string_value(json_object_get(adv, "id"));
    if (id && strncmp(id, "CVE-", 4) == 0)
        return id;
    static const char *const lists[] = { "aliases", "upstream", "related" };
    for (int k = 0; k < 3; k++) {
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(adv, lists[k]), i, a)
        {
            const char *s = json_string_value(a);
            if (s && strncmp(s, "CVE-", 4) == 0)
                return s;
        }
    }
    return NULL;
}

static int row(struct osv *o, const char *id, const char *eco, const char *pkg, const char *intro,
               const char *fixed, const char *last, const char *cve, const char *name,
               struct tk_err *err)
{
    const char *vals[] = { id, eco, pkg, intro, fixed, last, cve };
    for (int i = 0; i < 7; i++) {
        if (vals[i])
            sqlite3_bind_text(o->ins, i + 1, vals[i], -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(o->ins, i + 1);
    }
    if (sqlite3_step(o->ins) != SQLITE_DONE)
        return tk_err_set(err, TK_EIO, "%s: %s: %s", name, tk_kb_name(o->kb),
                          sqlite3_errmsg(o->db));
    sqlite3_reset(o->ins);
    o->stats->rows++;
    return 0;
}

static int advisory(struct osv *o, json_t *adv, const char *name, struct tk_err *err)
{
    const char *id = json_string_value(json_object_get(adv, "id"));
    const char *modified = json_string_value(json_object_get(adv, "modified"));
    if (!id || !modified)
        return tk_err_set(err, TK_EPARSE, "%s: an OSV advisory needs id and modified", name);
    sqlite3_bind_text(o->del, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_step(o->del);
    sqlite3_reset(o->del);
    if (json_object_get(adv, "withdrawn")) {
        o->stats->skipped++;
        return 0;
    }
    if (strcmp(modified, o->newest) > 0)
        snprintf(o->newest, sizeof o->newest, "%s", modified);
    const char *cve = cve_of(adv);
    size_t i, k, m;
    json_t *aff, *range, *ev;
    int rc = 0;
    json_array_foreach(json_object_get(adv, "affected"), i, aff)
    {
        json_t *pkg = json_object_get(aff, "package");
        const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
        const char *pname = json_string_value(json_object_get(pkg, "name"));
        if (!eco || !pname)
            continue;
        bool any = false;
        json_array_foreach(json_object_get(aff, "ranges"), k, range)
        {
            const char *type = json_string_value(json_object_get(range, "type"));
            if (!type || strcmp(type, "GIT") == 0)
                continue;
            const char *intro = NULL;
            bool open = false;
            json_array_foreach(json_object_get(range, "events"), m, ev)
            {
                const char *v;
                if ((v = json_string_value(json_object_get(ev, "introduced")))) {
                    intro = v;
                    open = true;
                } else if ((v = json_string_value(json_object_get(ev, "fixed"))) && open) {
                    rc = row(o, id, eco, pname, intro, v, NULL, cve, name, err);
                    open = false;
                } else if ((v = json_string_value(json_object_get(ev, "last_affected"))) &&
                           open) {
                    rc = row(o, id, eco, pname, intro, NULL, v, cve, name, err);
                    open = false;
                }
                if (rc)
                    return rc;
            }
            if (open) /* no fix yet */
                rc = row(o, id, eco, pname, intro, NULL, NULL, cve, name, err);
            if (rc)
                return rc;
            any = true;
        }
        if (!any) {
            json_t *ver;
            json_array_foreach(json_object_get(aff, "versions"), k, ver)
            {
                const char *v = json_string_value(ver);
                if (v && (rc = row(o, id, eco, pname, v, NULL, v, cve, name, err)))
                    return rc;
            }
        }
    }
    o->stats->records++;
    if (o->progress && o->stats->records % 5000 == 0)
        o->progress(o->ud, o->stats);
    return 0;
}

static int document(struct osv *o, const char *text, size_t n, const char *name,
                    struct tk_err *err)
{
    json_t *doc;
    int rc = tk_json_parse(text, n, name, &doc, err);
    if (rc)
        return rc;
    o->stats->bytes += n;
    if (json_is_array(doc)) {
        size_t i;
        json_t *adv;
        json_array_foreach(doc, i, adv)
        {
            if ((rc = advisory(o, adv, name, err)))
                break;
        }
    } else {
        rc = advisory(o, doc, name, err);
    }
    json_decref(doc);
    return rc;
}

static int on_file(void *ud, const char *file, struct tk_err *err)
{
    struct tk_buf buf = TK_BUF_INIT(ADVISORY_MAX);
    int rc = tk_input_slurp(file, &buf, err);
    if (!rc)
        rc = document(ud, tk_buf_cstr(&buf), buf.len, file, err);
    tk_buf_release(&buf);
    return rc;
}

static int on_member(void *ud, const char *member, const char *data, size_t n,
                     struct tk_err *err)
{
    return document(ud, data, n, member, err);
}

int tk_import_osv(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                  tk_import_progress_fn progress, void *ud, struct tk_err *err)
{
    struct osv o = { .kb = kb, .db = tk_kb_db(kb), .stats = stats, .progress = progress,
                     .ud = ud };
    static const char *const json_suffix[] = { ".json", ".json.gz", NULL };
    static const char *const zip_suffix[] = { ".json", NULL };
    stats->what = "advisories";
    size_t n = strlen(path);
    bool zip = n > 4 && strcmp(path + n - 4, ".zip") == 0;
    int rc = tk_kb_begin(kb, err);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(o.db, "DELETE FROM osv WHERE id = ?1", -1, &o.del, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(o.db, "INSERT INTO osv VALUES(?1,?2,?3,?4,?5,?6,?7)", -1, &o.ins,
                           NULL) != SQLITE_OK)
        rc = tk_err_set(err, TK_EIO, "%s: %s", tk_kb_name(kb), sqlite3_errmsg(o.db));
    if (!rc)
        rc = zip ? tk_input_zip_each(path, zip_suffix, ADVISORY_MAX, on_member, &o, err)
                 : tk_input_each(path, json_suffix, on_file, &o, err);
    sqlite3_finalize(o.del);
    sqlite3_finalize(o.ins);
    if (!rc) {
        struct tk_kb_source src = { "osv", NULL, o.newest[0] ? o.newest : NULL, path,
                                    stats->records };
        rc = tk_kb_source_set(kb, &src, err);
    }
    if (rc) {
        tk_kb_rollback(kb);
        return rc;
    }
    return tk_kb_commit(kb, err);
}
