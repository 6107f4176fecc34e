/* import_nvd.c - NVD CVE API 2.0 JSON, streamed: the reader walks the top-level object and
 * builds one jansson value per element of "vulnerabilities", so memory is bounded by the
 * largest single CVE whatever the file size. Each CVE's configurations become
 * nvd_config -> nvd_node -> nvd_match rows; a CVE imported again replaces its rows;
 * rejected CVEs are removed. */
#include <sqlite3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
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

/* Strings bound here stay alive until the statement ran (they belong to the CVE's jansson
 * value or to a buffer on the caller's stack), so SQLite need not copy them. */
static void bind_s(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
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

/* ---- one CVE, extracted straight from the token stream ----------------------------------
 * Only the fields tenken keeps are copied, into an arena reset for every CVE: no tree of
 * the whole record is built, which is what makes the import fast. Members may come in any
 * order; unknown members are skipped whatever their shape. */

struct xmatch {
    bool vulnerable;
    const char *criteria;
    const char *bound[4]; /* start incl, start excl, end incl, end excl */
};

struct xnode {
    const char *op;
    bool negate;
    struct xmatch *m;
    size_t n, cap;
};

struct xcfg {
    const char *op;
    bool negate;
    struct xnode *nodes;
    size_t n, cap;
};

struct xmetric {
    bool set, primary;
    double score;
    const char *vector, *severity;
};

struct xcve {
    const char *id, *published, *modified, *status, *desc;
    struct xmetric v31, v30, v40;
    char cwes[256];
    struct xcfg *cfgs;
    size_t n, cap;
};

struct x {
    struct nvd *n;
    struct tk_jsonr *r;
    struct tk_arena *arena;
    struct tk_err *err;
    struct xcve cve;
};

/* Grows an arena array to hold one more element; NULL when the record is too large. */
static void *xpush(struct x *x, void *arr, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        void *fresh = tk_arena_alloc(x->arena, ncap * size);
        if (!fresh)
            return NULL;
        if (*n)
            memcpy(fresh, arr, *n * size);
        *cap = ncap;
        arr = fresh;
    }
    memset((char *)arr + *n * size, 0, size);
    (*n)++;
    return arr;
}

static int next(struct x *x, struct tk_str *t)
{
    return tk_jsonr_next(x->r, t, x->err);
}

/* The value after a key: a copied string, or NULL (other types are skipped). */
static int xstring(struct x *x, const char **out)
{
    struct tk_str t;
    int tok = next(x, &t);
    if (tok < 0)
        return tok;
    if (tok == TK_J_STRING) {
        *out = tk_arena_strndup(x->arena, t.p, t.n);
        return *out ? 0 : tk_err_set(x->err, TK_ELIMIT, "%s: a CVE record is too large", x->n->file);
    }
    *out = NULL;
    return tk_jsonr_skip(x->r, tok, x->err);
}

static int xbool(struct x *x, bool *out)
{
    struct tk_str t;
    int tok = next(x, &t);
    if (tok < 0)
        return tok;
    *out = tok == TK_J_TRUE;
    return tk_jsonr_skip(x->r, tok, x->err);
}

/* Opens a container: true when the value is one of `want` (TK_J_OBJ_BEGIN or ARR_BEGIN);
 * anything else is skipped and false returned. *rc carries errors. */
static bool xopen(struct x *x, int want, int *rc)
{
    struct tk_str t;
    int tok = next(x, &t);
    if (tok < 0) {
        *rc = tok;
        return false;
    }
    if (tok == want)
        return true;
    *rc = tk_jsonr_skip(x->r, tok, x->err);
    return false;
}

/* Next member key of an open object: 1 with *key, 0 at its end, <0 on error. */
static int xkey(struct x *x, struct tk_str *key)
{
    int tok = next(x, key);
    if (tok < 0)
        return tok;
    return tok == TK_J_KEY ? 1 : 0;
}

/* Next element of an open array: 1 with its first token in *tok, 0 at the end. */
static int xelem(struct x *x, int *tok, struct tk_str *t)
{
    *tok = next(x, t);
    if (*tok < 0)
        return *tok;
    return *tok == TK_J_ARR_END ? 0 : 1;
}

static int skip_value(struct x *x)
{
    struct tk_str t;
    int tok = next(x, &t);
    return tok < 0 ? tok : tk_jsonr_skip(x->r, tok, x->err);
}

static int xmatch(struct x *x, struct xnode *nd)
{
    static const char *const keys[] = { "versionStartIncluding", "versionStartExcluding",
                                        "versionEndIncluding", "versionEndExcluding" };
    struct xmatch *m = xpush(x, nd->m, &nd->n, &nd->cap, sizeof *m);
    if (!m)
        return tk_err_set(x->err, TK_ELIMIT, "%s: a CVE record is too large", x->n->file);
    nd->m = m;
    m = &m[nd->n - 1];
    struct tk_str k;
    int rc = 0, more;
    while (!rc && (more = xkey(x, &k)) > 0) {
        if (tk_str_eq_c(k, "vulnerable"))
            rc = xbool(x, &m->vulnerable);
        else if (tk_str_eq_c(k, "criteria"))
            rc = xstring(x, &m->criteria);
        else {
            int b = -1;
            for (int i = 0; i < 4; i++)
                if (tk_str_eq_c(k, keys[i]))
                    b = i;
            rc = b >= 0 ? xstring(x, &m->bound[b]) : skip_value(x);
        }
    }
    return rc ? rc : more;
}

static int xnode(struct x *x, struct xcfg *c)
{
    struct xnode *nd = xpush(x, c->nodes, &c->n, &c->cap, sizeof *nd);
    if (!nd)
        return tk_err_set(x->err, TK_ELIMIT, "%s: a CVE record is too large", x->n->file);
    c->nodes = nd;
    nd = &nd[c->n - 1];
    struct tk_str k, t;
    int rc = 0, more, tok;
    while (!rc && (more = xkey(x, &k)) > 0) {
        if (tk_str_eq_c(k, "operator"))
            rc = xstring(x, &nd->op);
        else if (tk_str_eq_c(k, "negate"))
            rc = xbool(x, &nd->negate);
        else if (tk_str_eq_c(k, "cpeMatch")) {
            if (!xopen(x, TK_J_ARR_BEGIN, &rc))
                continue;
            while (!rc && (more = xelem(x, &tok, &t)) > 0)
                rc = tok == TK_J_OBJ_BEGIN ? xmatch(x, nd) : tk_jsonr_skip(x->r, tok, x->err);
            if (more < 0)
                rc = more;
        } else
            rc = skip_value(x);
    }
    return rc ? rc : more;
}

static int xconfig(struct x *x)
{
    struct xcve *cve = &x->cve;
    struct xcfg *c = xpush(x, cve->cfgs, &cve->n, &cve->cap, sizeof *c);
    if (!c)
        return tk_err_set(x->err, TK_ELIMIT, "%s: a CVE record is too large", x->n->file);
    cve->cfgs = c;
    c = &c[cve->n - 1];
    struct tk_str k, t;
    int rc = 0, more, tok;
    while (!rc && (more = xkey(x, &k)) > 0) {
        if (tk_str_eq_c(k, "operator"))
            rc = xstring(x, &c->op);
        else if (tk_str_eq_c(k, "negate"))
            rc = xbool(x, &c->negate);
        else if (tk_str_eq_c(k, "nodes")) {
            if (!xopen(x, TK_J_ARR_BEGIN, &rc))
                continue;
            while (!rc && (more = xelem(x, &tok, &t)) > 0)
                rc = tok == TK_J_OBJ_BEGIN ? xnode(x, c) : tk_jsonr_skip(x->r, tok, x->err);
            if (more < 0)
                rc = more;
        } else
            rc = skip_value(x);
    }
    return rc ? rc : more;
}

/* cvssMetricV31: [{ "type": "Primary", "cvssData": {baseScore, vectorString, baseSeverity} }] */
static int xmetrics(struct x *x, struct xmetric *out)
{
    struct tk_str k, t;
    int rc = 0, more, tok;
    if (!xopen(x, TK_J_ARR_BEGIN, &rc))
        return rc;
    while (!rc && (more = xelem(x, &tok, &t)) > 0) {
        if (tok != TK_J_OBJ_BEGIN) {
            rc = tk_jsonr_skip(x->r, tok, x->err);
            continue;
        }
        struct xmetric m = { .set = false };
        while (!rc && (more = xkey(x, &k)) > 0) {
            if (tk_str_eq_c(k, "type")) {
                const char *type;
                rc = xstring(x, &type);
                m.primary = type && strcmp(type, "Primary") == 0;
            } else if (tk_str_eq_c(k, "cvssData")) {
                if (!xopen(x, TK_J_OBJ_BEGIN, &rc))
                    continue;
                while (!rc && (more = xkey(x, &k)) > 0) {
                    if (tk_str_eq_c(k, "baseScore")) {
                        tok = next(x, &t);
                        if (tok == TK_J_NUMBER) {
                            m.score = strtod(t.p, NULL);
                            m.set = true;
                        } else if (tok < 0)
                            rc = tok;
                        else
                            rc = tk_jsonr_skip(x->r, tok, x->err);
                    } else if (tk_str_eq_c(k, "vectorString"))
                        rc = xstring(x, &m.vector);
                    else if (tk_str_eq_c(k, "baseSeverity"))
                        rc = xstring(x, &m.severity);
                    else
                        rc = skip_value(x);
                }
                if (more < 0)
                    rc = more;
                more = 1;
            } else
                rc = skip_value(x);
        }
        /* The NVD's own ("Primary") score wins; otherwise the first one. */
        if (!rc && m.set && (!out->set || (m.primary && !out->primary)))
            *out = m;
    }
    return rc ? rc : (more < 0 ? more : 0);
}

static int xcve(struct x *x)
{
    struct xcve *c = &x->cve;
    struct tk_str k, t;
    int rc = 0, more, tok;
    while (!rc && (more = xkey(x, &k)) > 0) {
        if (tk_str_eq_c(k, "id"))
            rc = xstring(x, &c->id);
        else if (tk_str_eq_c(k, "published"))
            rc = xstring(x, &c->published);
        else if (tk_str_eq_c(k, "lastModified"))
            rc = xstring(x, &c->modified);
        else if (tk_str_eq_c(k, "vulnStatus"))
            rc = xstring(x, &c->status);
        else if (tk_str_eq_c(k, "descriptions")) {
            if (!xopen(x, TK_J_ARR_BEGIN, &rc))
                continue;
            while (!rc && (more = xelem(x, &tok, &t)) > 0) {
                if (tok != TK_J_OBJ_BEGIN) {
                    rc = tk_jsonr_skip(x->r, tok, x->err);
                    continue;
                }
                const char *lang = NULL, *value = NULL;
                while (!rc && (more = xkey(x, &k)) > 0)
                    rc = tk_str_eq_c(k, "lang")    ? xstring(x, &lang)
                         : tk_str_eq_c(k, "value") ? xstring(x, &value)
                                                   : skip_value(x);
                if (lang && strcmp(lang, "en") == 0 && !c->desc)
                    c->desc = value;
                more = more < 0 ? more : 1;
            }
        } else if (tk_str_eq_c(k, "metrics")) {
            if (!xopen(x, TK_J_OBJ_BEGIN, &rc))
                continue;
            while (!rc && (more = xkey(x, &k)) > 0)
                rc = tk_str_eq_c(k, "cvssMetricV31")   ? xmetrics(x, &c->v31)
                     : tk_str_eq_c(k, "cvssMetricV30") ? xmetrics(x, &c->v30)
                     : tk_str_eq_c(k, "cvssMetricV40") ? xmetrics(x, &c->v40)
                                                       : skip_value(x);
            more = more < 0 ? more : 1;
        } else if (tk_str_eq_c(k, "weaknesses")) {
            if (!xopen(x, TK_J_ARR_BEGIN, &rc))
                continue;
            while (!rc && (more = xelem(x, &tok, &t)) > 0) {
                if (tok != TK_J_OBJ_BEGIN) {
                    rc = tk_jsonr_skip(x->r, tok, x->err);
                    continue;
                }
                while (!rc && (more = xkey(x, &k)) > 0) {
                    if (!tk_str_eq_c(k, "description") || !xopen(x, TK_J_ARR_BEGIN, &rc)) {
                        if (!rc && !tk_str_eq_c(k, "description"))
                            rc = skip_value(x);
                        continue;
                    }
                    while (!rc && (more = xelem(x, &tok, &t)) > 0) {
                        if (tok != TK_J_OBJ_BEGIN) {
                            rc = tk_jsonr_skip(x->r, tok, x->err);
                            continue;
                        }
                        while (!rc && (more = xkey(x, &k)) > 0) {
                            const char *v = NULL;
                            rc = tk_str_eq_c(k, "value") ? xstring(x, &v) : skip_value(x);
                            size_t len = strlen(c->cwes);
                            if (v && strncmp(v, "CWE-", 4) == 0 && !strstr(c->cwes, v) &&
                                len + strlen(v) + 2 < sizeof c->cwes)
                                snprintf(c->cwes + len, sizeof c->cwes - len, "%s%s",
                                         len ? "," : "", v);
                        }
                        more = more < 0 ? more : 1;
                    }
                    more = more < 0 ? more : 1;
                }
                more = more < 0 ? more : 1;
            }
        } else if (tk_str_eq_c(k, "configurations")) {
            if (!xopen(x, TK_J_ARR_BEGIN, &rc))
                continue;
            while (!rc && (more = xelem(x, &tok, &t)) > 0)
                rc = tok == TK_J_OBJ_BEGIN ? xconfig(x) : tk_jsonr_skip(x->r, tok, x->err);
        } else {
            rc = skip_value(x);
        }
        if (!rc && more < 0)
            rc = more;
        more = 1;
    }
    return rc ? rc : (more < 0 ? more : 0);
}

static int add_match(struct nvd *n, sqlite3_int64 node, const struct xmatch *m,
                     struct tk_err *err)
{
    char buf[1024];
    const char *c[13];
    if (!m->criteria || strlen(m->criteria) >= sizeof buf ||
        cpe_split(m->criteria, buf, sizeof buf, c) != 13 || strcmp(c[0], "cpe") != 0 ||
        strcmp(c[1], "2.3") != 0)
        return tk_err_set(err, TK_EPARSE, "%s: %s: cpeMatch criteria is not a CPE 2.3 name",
                          n->file, m->criteria ? m->criteria : "(none)");
    sqlite3_bind_int64(n->match, 1, node);
    sqlite3_bind_int(n->match, 2, m->vulnerable);
    bind_s(n->match, 3, c[2]);  /* part */
    bind_s(n->match, 4, c[3]);  /* vendor */
    bind_s(n->match, 5, c[4]);  /* product */
    bind_s(n->match, 6, c[5]);  /* version */
    bind_s(n->match, 7, c[6]);  /* update */
    bind_s(n->match, 8, c[10]); /* target_sw */
    for (int k = 0; k < 4; k++)
        bind_s(n->match, 9 + k, m->bound[k]);
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

static void bind_metric(sqlite3_stmt *st, int i, const struct xmetric *m)
{
    if (m->set)
        sqlite3_bind_double(st, i, m->score);
    else
        sqlite3_bind_null(st, i);
    bind_s(st, i + 1, m->set ? m->vector : NULL);
    bind_s(st, i + 2, m->set ? m->severity : NULL);
}

static int store_cve(struct nvd *n, const struct xcve *c, size_t index, struct tk_err *err)
{
    if (!c->id || strncmp(c->id, "CVE-", 4) != 0)
        return tk_err_set(err, TK_EPARSE, "%s: vulnerabilities[%zu]: no cve.id", n->file, index);
    int rc = n->replace ? forget(n, c->id, err) : 0;
    if (rc)
        return rc;
    if (c->status && strcmp(c->status, "Rejected") == 0) {
        n->stats->skipped++;
        return 0;
    }
    if (c->modified && strcmp(c->modified, n->newest) > 0)
        snprintf(n->newest, sizeof n->newest, "%s", c->modified);
    bind_s(n->cve, 1, c->id);
    bind_s(n->cve, 2, c->published);
    bind_s(n->cve, 3, c->modified);
    bind_s(n->cve, 4, c->desc);
    bind_metric(n->cve, 5, c->v31.set ? &c->v31 : &c->v30);
    bind_metric(n->cve, 8, &c->v40);
    bind_s(n->cve, 11, c->cwes[0] ? c->cwes : NULL);
    if ((rc = run(n, n->cve, err)))
        return rc;
    for (size_t i = 0; i < c->n; i++) {
        const struct xcfg *cfg = &c->cfgs[i];
        bind_s(n->cfg, 1, c->id);
        bind_s(n->cfg, 2, cfg->op);
        sqlite3_bind_int(n->cfg, 3, cfg->negate);
        if ((rc = run(n, n->cfg, err)))
            return rc;
        sqlite3_int64 cfg_id = sqlite3_last_insert_rowid(n->db);
        for (size_t k = 0; k < cfg->n; k++) {
            const struct xnode *nd = &cfg->nodes[k];
            sqlite3_bind_int64(n->node, 1, cfg_id);
            bind_s(n->node, 2, nd->op);
            sqlite3_bind_int(n->node, 3, nd->negate);
            if ((rc = run(n, n->node, err)))
                return rc;
            sqlite3_int64 node_id = sqlite3_last_insert_rowid(n->db);
            for (size_t m = 0; m < nd->n; m++)
                if ((rc = add_match(n, node_id, &nd->m[m], err)))
                    return rc;
        }
    }
    n->stats->records++;
    if (n->progress && n->stats->records % 10000 == 0)
        n->progress(n->ud, n->stats);
    return 0;
}

/* One element of "vulnerabilities": { "cve": { … } }. */
static int one_item(struct nvd *n, struct tk_jsonr *r, struct tk_arena *arena, int tok,
                    size_t index, struct tk_err *err)
{
    struct x x = { .n = n, .r = r, .arena = arena, .err = err };
    tk_arena_reset(arena);
    if (tok != TK_J_OBJ_BEGIN)
        return tk_err_set(err, TK_EPARSE, "%s: vulnerabilities[%zu] is not an object", n->file,
                          index);
    struct tk_str k;
    int rc = 0, more;
    while (!rc && (more = xkey(&x, &k)) > 0) {
        if (tk_str_eq_c(k, "cve") && xopen(&x, TK_J_OBJ_BEGIN, &rc))
            rc = xcve(&x);
        else if (!rc && !tk_str_eq_c(k, "cve"))
            rc = skip_value(&x);
    }
    if (!rc && more < 0)
        rc = more;
    return rc ? rc : store_cve(n, &x.cve, index, err);
}

static int one_file(void *ud, const char *file, struct tk_err *err)
{
    struct nvd *n = ud;
    struct tk_input in;
    struct tk_jsonr r;
    struct tk_arena arena;
    struct tk_str t;
    n->file = file;
    int rc = tk_input_open(&in, file, err);
    if (rc)
        return rc;
    if ((rc = tk_jsonr_init(&r, tk_input_read, &in, file, 0, err))) {
        tk_input_close(&in);
        return rc;
    }
    tk_arena_init(&arena, CVE_MAX);
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
            if ((rc = one_item(n, &r, &arena, tok, index, err)))
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
    tk_arena_release(&arena);
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

/* The NVD indexes; dropped while a first import fills empty tables (building an index
 * once at the end is much faster than maintaining it row by row), then created again. */
static const char nvd_indexes[] =
    "CREATE INDEX IF NOT EXISTS nvd_config_cve ON nvd_config(cve);"
    "CREATE INDEX IF NOT EXISTS nvd_node_config ON nvd_node(config);"
    "CREATE INDEX IF NOT EXISTS nvd_match_vp ON nvd_match(vendor, product);"
    "CREATE INDEX IF NOT EXISTS nvd_match_node ON nvd_match(node);";

int tk_import_nvd(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                  tk_import_progress_fn progress, void *ud, struct tk_err *err)
{
    struct nvd n = { .kb = kb, .db = tk_kb_db(kb), .stats = stats, .progress = progress,
                     .ud = ud };
    static const char *const suffixes[] = { ".json", ".json.gz", NULL };
    stats->what = "CVEs";
    /* A bulk load writes each page once with a rollback journal, twice with WAL (log,
     * then checkpoint); the mode returns to WAL afterwards. */
    int rc = tk_kb_exec(kb, "PRAGMA cache_size=-131072; PRAGMA journal_mode=DELETE", err);
    if (!rc)
        rc = tk_kb_begin(kb, err);
    if (rc)
        return rc;
    rc = prepare(&n, err);
    if (!rc && !n.replace)
        rc = tk_kb_exec(kb, "DROP INDEX IF EXISTS nvd_config_cve; DROP INDEX IF EXISTS"
                            " nvd_node_config; DROP INDEX IF EXISTS nvd_match_vp;"
                            " DROP INDEX IF EXISTS nvd_match_node;",
                        err);
    if (!rc)
        rc = tk_input_each(path, suffixes, one_file, &n, err);
    if (!rc)
        rc = tk_kb_exec(kb, nvd_indexes, err);
    sqlite3_stmt *all[] = { n.cve, n.del_cve, n.find_cfg, n.del_match, n.del_node,
                            n.del_cfg, n.cfg, n.node, n.match };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    if (!rc) {
        struct tk_kb_source src = { "nvd", "2.0", n.newest[0] ? n.newest : NULL, path,
                                    stats->records };
        rc = tk_kb_source_set(kb, &src, err);
    }
    if (rc)
        tk_kb_rollback(kb);
    else
        rc = tk_kb_commit(kb, err);
    tk_kb_exec(kb, "PRAGMA journal_mode=WAL", NULL);
    return rc;
}
