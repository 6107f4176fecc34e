/* import_nvd.c - NVD CVE API 2.0 JSON, streamed: the reader walks the top-level object and
 * builds one jansson value per element of "vulnerabilities", so memory is bounded by the
 * largest single CVE whatever the file size. Each CVE's configurations become
 * nvd_config -> nvd_node -> nvd_match rows; a CVE imported again replaces its rows;
 * rejected CVEs are removed. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonr.h"
#include "kb/import.h"
#include "kb/input.h"

#define CVE_MAX (16 << 20)

struct nvd {
    struct tk_kb *kb;
    sqlite3 *db;
    sqlite3_stmt *cve, *del_cve, *find_cfg, *del_match, *del_node, *del_cfg, *cfg, *node, *match;
    bool replace; /* the KB held NVD data before: CVEs may need their old rows removed */
    struct tk_import_stats *stats;
    tk_import_progress_fn progress;
    void *ud;
    char newest[40];
    const char *file;
};

static int dberr(struct nvd *n, struct tk_err *err)
{
    return tk_err_set(err, TK_EIO, "%s: %s", tk_kb_name(n->kb), sqlite3_errmsg(n->db));
}

static int run(struct nvd *n, sqlite3_stmt *st, struct tk_err *err)
{
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : dberr(n, err);
}

static void bind_s(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* Splits a CPE 2.3 formatted string at unescaped colons, unescaping each component into
 * buf. comp[i] point into buf. Returns the number of components. */
static int cpe_split(const char *cpe, char *buf, size_t cap, const char *comp[13])
{
    int n = 0;
    size_t o = 0;
    comp[n++] = buf;
    for (const char *p = cpe; *p && o + 1 < cap; p++) {
        if (*p == '\\' && p[1]) {
            buf[o++] = *++p;
            continue;
        }
        if (*p == ':') {
            buf[o++] = '\0';
            if (n == 13)
                return -1;
            comp[n++] = buf + o;
            continue;
        }
        buf[o++] = *p;
    }
    buf[o] = '\0';
    return n;
}

static int add_match(struct nvd *n, sqlite3_int64 node, json_t *m, struct tk_err *err)
{
    const char *criteria = json_string_value(json_object_get(m, "criteria"));
    char buf[1024];
    const char *c[13];
    if (!criteria || strlen(criteria) >= sizeof buf || cpe_split(criteria, buf, sizeof buf, c) != 13 ||
        strcmp(c[0], "cpe") != 0 || strcmp(c[1], "2.3") != 0)
        return tk_err_set(err, TK_EPARSE, "%s: %s: cpeMatch criteria is not a CPE 2.3 name",
                          n->file, criteria ? criteria : "(none)");
    sqlite3_bind_int64(n->match, 1, node);
    sqlite3_bind_int(n->match, 2, json_is_true(json_object_get(m, "vulnerable")));
    bind_s(n->match, 3, c[2]);  /* part */
    bind_s(n->match, 4, c[3]);  /* vendor */
    bind_s(n->match, 5, c[4]);  /* product */
    bind_s(n->match, 6, c[5]);  /* version */
    bind_s(n->match, 7, c[6]);  /* update */
    bind_s(n->match, 8, c[10]); /* target_sw */
    static const char *const keys[] = { "versionStartIncluding", "versionStartExcluding",
                                        "versionEndIncluding", "versionEndExcluding" };
    for (int k = 0; k < 4; k++)
        bind_s(n->match, 9 + k, json_string_value(json_object_get(m, keys[k])));
    n->stats->rows++;
    return run(n, n->match, err);
}

/* Removes the configuration rows of a CVE imported before. */
static int forget(struct nvd *n, const char *id, struct tk_err *err)
{
    bind_s(n->find_cfg, 1, id);
    int rc = 0;
    while (!rc && sqlite3_step(n->find_cfg) == SQLITE_ROW) {
        sqlite3_int64 cfg = sqlite3_column_int64(n->find_cfg, 0);
        sqlite3_bind_int64(n->del_match, 1, cfg);
        sqlite3_bind_int64(n->del_node, 1, cfg);
        rc = run(n, n->del_match, err);
        if (!rc)
            rc = run(n, n->del_node, err);
    }
    sqlite3_reset(n->find_cfg);
    if (!rc) {
        bind_s(n->del_cfg, 1, id);
        rc = run(n, n->del_cfg, err);
    }
    if (!rc) {
        bind_s(n->del_cve, 1, id);
        rc = run(n, n->del_cve, err);
    }
    return rc;
}

/* The preferred metric of a list: the NVD's own ("Primary") first. */
static json_t *metric(json_t *metrics, const char *key)
{
    json_t *list = json_object_get(metrics, key), *m, *first = NULL;
    size_t i;
    json_array_foreach(list, i, m)
    {
        const char *type = json_string_value(json_object_get(m, "type"));
        if (type && strcmp(type, "Primary") == 0)
            return json_object_get(m, "cvssData");
        if (!first)
            first = json_object_get(m, "cvssData");
    }
    return first;
}

static void bind_metric(sqlite3_stmt *st, int i, json_t *data)
{
    json_t *score = json_object_get(data, "baseScore");
    if (json_is_number(score))
        sqlite3_bind_double(st, i, json_number_value(score));
    else
        sqlite3_bind_null(st, i);
    bind_s(st, i + 1, json_string_value(json_object_get(data, "vectorString")));
    bind_s(st, i + 2, json_string_value(json_object_get(data, "baseSeverity")));
}

static int one_cve(struct nvd *n, json_t *item, size_t index, struct tk_err *err)
{
    json_t *cve = json_object_get(item, "cve");
    const char *id = json_string_value(json_object_get(cve, "id"));
    if (!id || strncmp(id, "CVE-", 4) != 0)
        return tk_err_set(err, TK_EPARSE, "%s: vulnerabilities[%zu]: no cve.id", n->file, index);
    const char *status = json_string_value(json_object_get(cve, "vulnStatus"));
    const char *modified = json_string_value(json_object_get(cve, "lastModified"));
    int rc = n->replace ? forget(n, id, err) : 0;
    if (rc)
        return rc;
    if (status && strcmp(status, "Rejected") == 0) {
        n->stats->skipped++;
        return 0;
    }
    if (modified && strcmp(modified, n->newest) > 0)
        snprintf(n->newest, sizeof n->newest, "%s", modified);
    const char *desc = NULL;
    size_t i, k, m;
    json_t *d, *cfg, *node, *cm, *w;
    json_array_foreach(json_object_get(cve, "descriptions"), i, d)
    {
        const char *lang = json_string_value(json_object_get(d, "lang"));
        if (lang && strcmp(lang, "en") == 0)
            desc = json_string_value(json_object_get(d, "value"));
    }
    json_t *metrics = json_object_get(cve, "metrics");
    json_t *v3 = metric(metrics, "cvssMetricV31");
    if (!v3)
        v3 = metric(metrics, "cvssMetricV30");
    json_t *v4 = metric(metrics, "cvssMetricV40");
    char cwes[256] = "";
    json_array_foreach(json_object_get(cve, "weaknesses"), i, w)
    {
        json_array_foreach(json_object_get(w, "description"), k, d)
        {
            const char *c = json_string_value(json_object_get(d, "value"));
            size_t len = strlen(cwes);
            if (c && strncmp(c, "CWE-", 4) == 0 && !strstr(cwes, c) &&
                len + strlen(c) + 2 < sizeof cwes)
                snprintf(cwes + len, sizeof cwes - len, "%s%s", len ? "," : "", c);
        }
    }
    bind_s(n->cve, 1, id);
    bind_s(n->cve, 2, json_string_value(json_object_get(cve, "published")));
    bind_s(n->cve, 3, modified);
    bind_s(n->cve, 4, desc);
    bind_metric(n->cve, 5, v3);
    bind_metric(n->cve, 8, v4);
    bind_s(n->cve, 11, cwes[0] ? cwes : NULL);
    if ((rc = run(n, n->cve, err)))
        return rc;
    json_array_foreach(json_object_get(cve, "configurations"), i, cfg)
    {
        bind_s(n->cfg, 1, id);
        bind_s(n->cfg, 2, json_string_value(json_object_get(cfg, "operator")));
        sqlite3_bind_int(n->cfg, 3, json_is_true(json_object_get(cfg, "negate")));
        if ((rc = run(n, n->cfg, err)))
            return rc;
        sqlite3_int64 cfg_id = sqlite3_last_insert_rowid(n->db);
        json_array_foreach(json_object_get(cfg, "nodes"), k, node)
        {
            sqlite3_bind_int64(n->node, 1, cfg_id);
            bind_s(n->node, 2, json_string_value(json_object_get(node, "operator")));
            sqlite3_bind_int(n->node, 3, json_is_true(json_object_get(node, "negate")));
            if ((rc = run(n, n->node, err)))
                return rc;
            sqlite3_int64 node_id = sqlite3_last_insert_rowid(n->db);
            json_array_foreach(json_object_get(node, "cpeMatch"), m, cm)
            {
                if ((rc = add_match(n, node_id, cm, err)))
                    return rc;
            }
        }
    }
    n->stats->records++;
    if (n->progress && n->stats->records % 10000 == 0)
        n->progress(n->ud, n->stats);
    return 0;
}

static int one_file(void *ud, const char *file, struct tk_err *err)
{
    struct nvd *n = ud;
    struct tk_input in;
    struct tk_jsonr r;
    struct tk_str t;
    n->file = file;
    int rc = tk_input_open(&in, file, err);
    if (rc)
        return rc;
    if ((rc = tk_jsonr_init(&r, tk_input_read, &in, file, 0, err))) {
        tk_input_close(&in);
        return rc;
    }
    int tok = tk_jsonr_next(&r, &t, err);
    bool saw_vulns = false;
    if (tok != TK_J_OBJ_BEGIN) {
        rc = tok < 0 ? tok : tk_err_set(err, TK_EPARSE, "%s: not an NVD CVE API 2.0 document", file);
        goto done;
    }
    while ((tok = tk_jsonr_next(&r, &t, err)) == TK_J_KEY) {
        bool vulns = tk_str_eq_c(t, "vulnerabilities");
        tok = tk_jsonr_next(&r, &t, err);
        if (tok < 0)
            break;
        if (!vulns) {
            if ((rc = tk_jsonr_skip(&r, tok, err)))
                goto done;
            continue;
        }
        if (tok != TK_J_ARR_BEGIN) {
            rc = tk_err_set(err, TK_EPARSE, "%s: \"vulnerabilities\" is not an array", file);
            goto done;
        }
        saw_vulns = true;
        for (size_t index = 0;; index++) {
            tok = tk_jsonr_next(&r, &t, err);
            if (tok < 0 || tok == TK_J_ARR_END)
                break;
            json_t *item;
            if ((rc = tk_jsonr_value(&r, tok, t, CVE_MAX, &item, err)))
                goto done;
            rc = one_cve(n, item, index, err);
            json_decref(item);
            if (rc)
                goto done;
        }
        if (tok < 0)
            break;
    }
    if (tok < 0)
        rc = tok;
    else if (tok != TK_J_OBJ_END)
        rc = tk_err_set(err, TK_EPARSE, "%s: malformed top-level object", file);
    else if ((tok = tk_jsonr_next(&r, &t, err)) != TK_J_EOF)
        rc = tok < 0 ? tok : tk_err_set(err, TK_EPARSE, "%s: trailing data", file);
    else if (!saw_vulns)
        rc = tk_err_set(err, TK_EPARSE, "%s: no \"vulnerabilities\" array", file);
done:
    n->stats->bytes += r.offset;
    tk_jsonr_release(&r);
    tk_input_close(&in);
    return rc;
}

static int prepare(struct nvd *n, struct tk_err *err)
{
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } stmts[] = {
        { &n->cve, "INSERT OR REPLACE INTO cve VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)" },
        { &n->del_cve, "DELETE FROM cve WHERE id = ?1" },
        { &n->find_cfg, "SELECT id FROM nvd_config WHERE cve = ?1" },
        { &n->del_match,
          "DELETE FROM nvd_match WHERE node IN (SELECT id FROM nvd_node WHERE config = ?1)" },
        { &n->del_node, "DELETE FROM nvd_node WHERE config = ?1" },
        { &n->del_cfg, "DELETE FROM nvd_config WHERE cve = ?1" },
        { &n->cfg, "INSERT INTO nvd_config(cve, operator, negate) VALUES(?1,?2,?3)" },
        { &n->node, "INSERT INTO nvd_node(config, operator, negate) VALUES(?1,?2,?3)" },
        { &n->match, "INSERT INTO nvd_match VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)" },
    };
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
        if (sqlite3_prepare_v2(n->db, stmts[i].sql, -1, stmts[i].st, NULL) != SQLITE_OK)
            return dberr(n, err);
    sqlite3_stmt *any;
    if (sqlite3_prepare_v2(n->db, "SELECT 1 FROM nvd_config LIMIT 1", -1, &any, NULL) !=
        SQLITE_OK)
        return dberr(n, err);
    n->replace = sqlite3_step(any) == SQLITE_ROW;
    sqlite3_finalize(any);
    return 0;
}

int tk_import_nvd(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                  tk_import_progress_fn progress, void *ud, struct tk_err *err)
{
    struct nvd n = { .kb = kb, .db = tk_kb_db(kb), .stats = stats, .progress = progress,
                     .ud = ud };
    static const char *const suffixes[] = { ".json", ".json.gz", NULL };
    stats->what = "CVEs";
    int rc = tk_kb_begin(kb, err);
    if (rc)
        return rc;
    rc = prepare(&n, err);
    if (!rc)
        rc = tk_input_each(path, suffixes, one_file, &n, err);
    sqlite3_stmt *all[] = { n.cve, n.del_cve, n.find_cfg, n.del_match, n.del_node,
                            n.del_cfg, n.cfg, n.node, n.match };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    if (!rc) {
        struct tk_kb_source src = { "nvd", "2.0", n.newest[0] ? n.newest : NULL, path,
                                    stats->records };
        rc = tk_kb_source_set(kb, &src, err);
    }
    if (rc) {
        tk_kb_rollback(kb);
        return rc;
    }
    return tk_kb_commit(kb, err);
}
