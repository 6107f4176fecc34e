/* match.c - inventory x knowledge base -> vulnerability findings.
 *
 * Identity: an item is a catalog product when one of the product's match rules fits it
 * (package name for dpkg/rpm items, flatpak id, snap name, install path, display name).
 * Version: the item's raw version normalised for the product (a distro package's epoch and
 * revision removed, Zoom's "5.17.11 (34827)" folded to 5.17.11.34827 …) and compared in the
 * product's scheme.
 * Rules, per (product, version) group: curated ranges; NVD configurations evaluated with
 * AND/OR/negate, vulnerable:false platform entries and wildcard-only entries as "possible";
 * product lines for outdated and unsupported; product end of life. dpkg packages are also
 * judged by OSV distro advisories through their source package and version.
 * One finding per (group, CVE), with every inventory item of the group as evidence. */
#include "kb/match.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/catalog.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/map.h"
#include "core/time.h"
#include "kb/vercmp.h"

#define MAX_PRODUCTS 100000

struct line {
    const char *prefix, *latest, *released, *eol;
};

/* F_OS: the name rules of products of kind os, kept apart so that they judge only items of
 * kind os (a program named after Windows, "Windows 10 Update Assistant", is not Windows) and
 * other name rules never judge the operating system. */
enum rule_field { F_NAME, F_PACKAGE, F_FLATPAK, F_SNAP, F_PATH, F_OS, F_COUNT };

struct rule {
    const char *field; /* name, package, flatpak, snap, path */
    const char *pattern;
};

/* A match rule in the identification index. */
struct indexed_rule {
    const char *pattern;
    size_t literal; /* characters other than wildcards: more is more specific */
    struct product *p;
};

struct cpe {
    const char *vendor, *product;
};

struct curated {
    const char *cve, *platform, *confidence, *title, *cvss3_vector, *cvss4_vector, *cwe;
    double cvss3, cvss4;
    struct tk_vrange *ranges;
    const char **range_text;
    size_t nranges;
    const char **fixed;
    size_t nfixed;
    const char **sources;
    size_t nsources;
};

/* NVD configurations of one product, loaded from the KB on first use: evaluating them for
 * another version then needs no database access. */
struct nvd_entry {
    bool vulnerable, ours;
    char part;
    const char *vendor, *product, *version; /* CPE fields */
    const char *bound[4];                    /* start incl/excl, end incl/excl; NULL absent */
};

struct nvd_node {
    bool and_op, negate;
    struct nvd_entry *e;
    size_t ne;
};

struct nvd_config {
    const char *cve;
    bool and_op, negate;
    struct nvd_node *nodes;
    size_t nnodes;
};

struct product {
    const char *id, *name, *vendor, *kind, *normalize, *eol;
    enum tk_vscheme scheme;
    struct rule *rules;
    size_t nrules;
    struct cpe *cpes;
    size_t ncpes;
    struct line *lines;
    size_t nlines;
    struct curated *curated;
    size_t ncurated;
    bool nvd_loaded;
    struct nvd_config *nvd;
    size_t nnvd;
};

struct kev {
    const char *cve, *added, *due, *ransomware, *name;
};

struct tk_matcher {
    struct tk_kb *kb;
    sqlite3 *db;
    struct tk_arena arena;
    struct product *products;
    size_t nproducts, cproducts;
    struct kev *kev;
    size_t nkev, ckev;
    bool has_nvd, has_osv;
    sqlite3_stmt *q_cve, *q_epss, *q_jvn, *q_nvd_cand, *q_nvd_cfg, *q_osv;
    char kb_date[32];
    const char *epss_model, *epss_date;
    /* A cache, for a matcher that judges many bundles: verdicts per (product, version,
     * platform) and per (ecosystem, package, version). */
    struct tk_map verdicts;
    struct tk_map suppressed; /* "CVE\x1fproduct" (or product "*"): known-bad NVD entries */
    /* Identification index per field: exact patterns by lower-case value, and the rules
     * with wildcards, which are few. */
    struct tk_map exact[F_COUNT];
    struct indexed_rule *wild[F_COUNT];
    size_t nwild[F_COUNT];
};

/* The CVEs judged to apply to one (product, version, platform) or (ecosystem, package,
 * version), fully resolved (scores, KEV, EPSS, JVN) and summarised once: bundles with the
 * same software share these entries. They live in the matcher's arena. */
struct verdicts {
    struct tk_vuln_cve *v;
    size_t n;
    const struct tk_vuln_cve **ptrs; /* &v[i], sorted most severe first */
    enum tk_severity severity;       /* the worst */
    const char *confidence;          /* the best among confirmed ones, else "low" */
    size_t nkev, npossible;
    const char *update_to;           /* fixes every CVE listed, when known */
    const char *summary_en, *summary_ja;
};

#define CACHE_MAX 2000000

/* ---- loading -------------------------------------------------------------------------- */

static const char *col(struct tk_matcher *m, sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? tk_arena_strdup(&m->arena, (const char *)s) : NULL;
}

static double col_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_double(st, i);
}

static struct product *find_product(struct tk_matcher *m, const char *id)
{
    for (size_t i = 0; i < m->nproducts; i++)
        if (strcmp(m->products[i].id, id) == 0)
            return &m->products[i];
    return NULL;
}

/* Appends to an arena-backed array by reallocating into the arena (arrays are small and
 * built once). */
static void *arena_push(struct tk_matcher *m, void *arr, size_t *n, size_t size)
{
    void *fresh = tk_arena_alloc(&m->arena, (*n + 1) * size);
    if (!fresh)
        return NULL;
    if (*n)
        memcpy(fresh, arr, *n * size);
    memset((char *)fresh + *n * size, 0, size);
    (*n)++;
    return fresh;
}

static int dberr(struct tk_matcher *m, struct tk_err *err)
{
    return tk_err_set(err, TK_EIO, "%s: %s", tk_kb_name(m->kb), sqlite3_errmsg(m->db));
}

static int load_products(struct tk_matcher *m, struct tk_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db,
                           "SELECT id, name, vendor, kind, scheme, normalize, eol FROM product"
                           " ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return dberr(m, err);
    int rc = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (tk_grow((void **)&m->products, &m->cproducts, m->nproducts + 1,
                    sizeof *m->products, MAX_PRODUCTS)) {
            rc = tk_err_set(err, TK_ENOMEM, "out of memory loading the catalog");
            break;
        }
        struct product *p = &m->products[m->nproducts];
        memset(p, 0, sizeof *p);
        p->id = col(m, st, 0);
        p->name = col(m, st, 1);
        p->vendor = col(m, st, 2);
        p->kind = col(m, st, 3);
        const char *scheme = (const char *)sqlite3_column_text(st, 4);
        if (!scheme || tk_vscheme_parse(scheme, &p->scheme) != 0)
            p->scheme = TK_VSCHEME_DOTTED;
        p->normalize = col(m, st, 5);
        p->eol = col(m, st, 6);
        if (!p->id || !p->name) {
            rc = tk_err_set(err, TK_ENOMEM, "out of memory loading the catalog");
            break;
        }
        m->nproducts++;
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;

    struct {
        const char *sql;
        int which;
    } parts[] = {
        { "SELECT product, field, pattern FROM product_match", 0 },
        { "SELECT product, vendor, cpe_product FROM product_cpe", 1 },
        { "SELECT product, prefix, latest, released, eol FROM product_line", 2 },
    };
    for (size_t k = 0; k < 3 && !rc; k++) {
        if (sqlite3_prepare_v2(m->db, parts[k].sql, -1, &st, NULL) != SQLITE_OK)
            return dberr(m, err);
        while (!rc && sqlite3_step(st) == SQLITE_ROW) {
            struct product *p = find_product(m, (const char *)sqlite3_column_text(st, 0));
            if (!p)
                continue;
            if (parts[k].which == 0) {
                struct rule *r = arena_push(m, p->rules, &p->nrules, sizeof *r);
                if (!r)
                    rc = TK_ENOMEM;
                else {
                    p->rules = r;
                    r[p->nrules - 1] = (struct rule){ col(m, st, 1), col(m, st, 2) };
                }
            } else if (parts[k].which == 1) {
                struct cpe *c = arena_push(m, p->cpes, &p->ncpes, sizeof *c);
                if (!c)
                    rc = TK_ENOMEM;
                else {
                    p->cpes = c;
                    c[p->ncpes - 1] = (struct cpe){ col(m, st, 1), col(m, st, 2) };
                }
            } else {
                struct line *l = arena_push(m, p->lines, &p->nlines, sizeof *l);
                if (!l)
                    rc = TK_ENOMEM;
                else {
                    p->lines = l;
                    l[p->nlines - 1] = (struct line){ col(m, st, 1), col(m, st, 2), col(m, st, 3),
                                                      col(m, st, 4) };
                }
            }
        }
        sqlite3_finalize(st);
    }
    return rc ? tk_err_set(err, rc, "out of memory loading the catalog") : 0;
}

static int load_curated(struct tk_matcher *m, struct tk_err *err)
{
    sqlite3_stmt *st, *sub;
    if (sqlite3_prepare_v2(m->db,
                           "SELECT id, cve, product, platform, confidence, title, cvss3_score,"
                           " cvss3_vector, cvss4_score, cvss4_vector, cwe FROM curated"
                           " ORDER BY product, cve",
                           -1, &st, NULL) != SQLITE_OK)
        return dberr(m, err);
    int rc = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        struct product *p = find_product(m, (const char *)sqlite3_column_text(st, 2));
        if (!p)
            continue;
        struct curated *c = arena_push(m, p->curated, &p->ncurated, sizeof *c);
        if (!c) {
            rc = TK_ENOMEM;
            break;
        }
        p->curated = c;
        c = &c[p->ncurated - 1];
        sqlite3_int64 id = sqlite3_column_int64(st, 0);
        c->cve = col(m, st, 1);
        c->platform = col(m, st, 3);
        c->confidence = col(m, st, 4);
        c->title = col(m, st, 5);
        c->cvss3 = col_num(st, 6);
        c->cvss3_vector = col(m, st, 7);
        c->cvss4 = col_num(st, 8);
        c->cvss4_vector = col(m, st, 9);
        c->cwe = col(m, st, 10);
        static const char *const subs[] = {
            "SELECT expr FROM curated_range WHERE curated = ?1 ORDER BY rowid",
            "SELECT version FROM curated_fixed WHERE curated = ?1 ORDER BY rowid",
            "SELECT url FROM curated_source WHERE curated = ?1 ORDER BY rowid",
        };
        for (int k = 0; k < 3 && !rc; k++) {
            if (sqlite3_prepare_v2(m->db, subs[k], -1, &sub, NULL) != SQLITE_OK)
                return dberr(m, err);
            sqlite3_bind_int64(sub, 1, id);
            while (!rc && sqlite3_step(sub) == SQLITE_ROW) {
                const char *v = col(m, sub, 0);
                const char ***arr = k == 0 ? &c->range_text : k == 1 ? &c->fixed : &c->sources;
                size_t *n = k == 0 ? &c->nranges : k == 1 ? &c->nfixed : &c->nsources;
                size_t before = *n;
                const char **grown = arena_push(m, (void *)*arr, n, sizeof(char *));
                if (!grown || !v) {
                    rc = TK_ENOMEM;
                    break;
                }
                grown[before] = v;
                *arr = grown;
            }
            sqlite3_finalize(sub);
        }
        /* Parse the ranges once; the KB was validated when it was built. */
        c->ranges = tk_arena_alloc(&m->arena, (c->nranges ? c->nranges : 1) * sizeof *c->ranges);
        if (!c->ranges)
            rc = TK_ENOMEM;
        for (size_t i = 0; !rc && i < c->nranges; i++)
            if (tk_vrange_parse(tk_str_c(c->range_text[i]), &c->ranges[i], NULL) != 0)
                c->ranges[i] = (struct tk_vrange){ 0 }, c->range_text[i] = NULL;
    }
    sqlite3_finalize(st);
    return rc ? tk_err_set(err, rc, "out of memory loading curated data") : 0;
}

static int cmp_kev(const void *a, const void *b)
{
    return strcmp(((const struct kev *)a)->cve, ((const struct kev *)b)->cve);
}

static int load_kev(struct tk_matcher *m, struct tk_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db,
                           "SELECT cve, date_added, due_date, ransomware, name FROM kev"
                           " ORDER BY cve",
                           -1, &st, NULL) != SQLITE_OK)
        return dberr(m, err);
    int rc = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (tk_grow((void **)&m->kev, &m->ckev, m->nkev + 1, sizeof *m->kev, 10000000)) {
            rc = tk_err_set(err, TK_ENOMEM, "out of memory loading KEV");
            break;
        }
        m->kev[m->nkev++] = (struct kev){ col(m, st, 0), col(m, st, 1), col(m, st, 2),
                                          col(m, st, 3), col(m, st, 4) };
    }
    sqlite3_finalize(st);
    /* ORDER BY used SQLite's collation; sort with strcmp for bsearch. */
    if (m->nkev)
        qsort(m->kev, m->nkev, sizeof *m->kev, cmp_kev);
    return rc;
}

static bool table_has_rows(struct tk_matcher *m, const char *sql)
{
    sqlite3_stmt *st;
    bool yes = false;
    if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) == SQLITE_OK) {
        yes = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    return yes;
}

static int load_suppressions(struct tk_matcher *m, struct tk_err *err)
{
    sqlite3_stmt *st;
    tk_map_init(&m->suppressed, 1000000);
    if (sqlite3_prepare_v2(m->db, "SELECT cve, product FROM suppress", -1, &st, NULL) != SQLITE_OK)
        return dberr(m, err);
    int rc = 0;
    char key[256];
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        int n = snprintf(key, sizeof key, "%s\x1f%s", sqlite3_column_text(st, 0),
                         sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "*");
        if (n > 0 && (size_t)n < sizeof key &&
            tk_map_put(&m->suppressed, (struct tk_str){ key, (size_t)n }, m) == TK_ENOMEM)
            rc = tk_err_set(err, TK_ENOMEM, "out of memory loading suppressions");
    }
    sqlite3_finalize(st);
    return rc;
}

static bool suppressed(struct tk_matcher *m, const char *cve, const char *product)
{
    char key[256];
    int n = snprintf(key, sizeof key, "%s\x1f%s", cve, product);
    if (n > 0 && (size_t)n < sizeof key && tk_map_get(&m->suppressed, (struct tk_str){ key, (size_t)n }))
        return true;
    n = snprintf(key, sizeof key, "%s\x1f*", cve);
    return n > 0 && (size_t)n < sizeof key && tk_map_get(&m->suppressed, (struct tk_str){ key, (size_t)n });
}

static int load_sources(struct tk_matcher *m, struct tk_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, "SELECT name, version, date FROM source", -1, &st, NULL) !=
        SQLITE_OK)
        return dberr(m, err);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *date = (const char *)sqlite3_column_text(st, 2);
        if (date && strlen(date) >= 10 && strncmp(date, m->kb_date, 10) > 0)
            snprintf(m->kb_date, sizeof m->kb_date, "%.10s", date);
        if (name && strcmp(name, "epss") == 0) {
            m->epss_model = col(m, st, 1);
            m->epss_date = col(m, st, 2);
        }
    }
    sqlite3_finalize(st);
    return 0;
}

static int field_of(const char *f)
{
    static const char *const names[F_OS] = { "name", "package", "flatpak", "snap", "path" };
    for (int i = 0; i < F_OS; i++)
        if (strcmp(f, names[i]) == 0)
            return i;
    return -1;
}

static size_t literal_len(const char *pattern)
{
    size_t n = 0;
    for (; *pattern; pattern++)
        n += *pattern != '*' && *pattern != '?';
    return n;
}

static int build_index(struct tk_matcher *m)
{
    for (int f = 0; f < F_COUNT; f++)
        tk_map_init(&m->exact[f], 1000000);
    for (size_t i = 0; i < m->nproducts; i++) {
        struct product *p = &m->products[i];
        for (size_t k = 0; k < p->nrules; k++) {
            int f = field_of(p->rules[k].field);
            const char *pat = p->rules[k].pattern;
            if (f < 0 || !pat)
                continue;
            if (f == F_NAME && p->kind && strcmp(p->kind, "os") == 0)
                f = F_OS;
            struct indexed_rule *r = tk_arena_alloc(&m->arena, sizeof *r);
            if (!r)
                return TK_ENOMEM;
            *r = (struct indexed_rule){ pat, literal_len(pat), p };
            if (strpbrk(pat, "*?")) {
                struct indexed_rule *grown = arena_push(m, m->wild[f], &m->nwild[f], sizeof *r);
                if (!grown)
                    return TK_ENOMEM;
                grown[m->nwild[f] - 1] = *r;
                m->wild[f] = grown;
                continue;
            }
            char *lower = tk_arena_strdup(&m->arena, pat);
            if (!lower)
                return TK_ENOMEM;
            for (char *c = lower; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
            if (!tk_map_get(&m->exact[f], tk_str_c(lower)) &&
                tk_map_put(&m->exact[f], tk_str_c(lower), r) == TK_ENOMEM)
                return TK_ENOMEM;
        }
    }
    return 0;
}

int tk_matcher_new(struct tk_matcher **out, struct tk_kb *kb, struct tk_err *err)
{
    *out = NULL;
    struct tk_matcher *m = tk_calloc(1, sizeof *m);
    if (!m)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    m->kb = kb;
    m->db = tk_kb_db(kb);
    tk_arena_init(&m->arena, (size_t)4 << 30);
    tk_map_init(&m->verdicts, CACHE_MAX);
    int rc = load_products(m, err);
    if (!rc && build_index(m))
        rc = tk_err_set(err, TK_ENOMEM, "out of memory indexing the catalog");
    if (!rc)
        rc = load_curated(m, err);
    if (!rc)
        rc = load_kev(m, err);
    if (!rc)
        rc = load_sources(m, err);
    if (!rc)
        rc = load_suppressions(m, err);
    m->has_nvd = table_has_rows(m, "SELECT 1 FROM nvd_match LIMIT 1");
    m->has_osv = table_has_rows(m, "SELECT 1 FROM osv LIMIT 1");
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } q[] = {
        { &m->q_cve, "SELECT description, cvss3_score, cvss3_vector, cvss3_severity,"
                     " cvss4_score, cvss4_vector, cvss4_severity, cwe FROM cve WHERE id = ?1" },
        { &m->q_epss, "SELECT score, percentile FROM epss WHERE cve = ?1" },
        { &m->q_jvn, "SELECT id, title FROM jvn WHERE cve = ?1 ORDER BY id LIMIT 1" },
        { &m->q_nvd_cand,
          "SELECT DISTINCT n.config FROM nvd_match m JOIN nvd_node n ON m.node = n.id"
          " WHERE m.vendor = ?1 AND m.product = ?2 AND m.vulnerable = 1" },
        { &m->q_nvd_cfg,
          "SELECT c.cve, c.operator, c.negate, n.id, n.operator, n.negate, m.vulnerable,"
          " m.part, m.vendor, m.product, m.version, m.start_incl, m.start_excl, m.end_incl,"
          " m.end_excl FROM nvd_config c JOIN nvd_node n ON n.config = c.id"
          " JOIN nvd_match m ON m.node = n.id WHERE c.id = ?1 ORDER BY n.id" },
        { &m->q_osv, "SELECT id, introduced, fixed, last_affected, cve FROM osv"
                     " WHERE ecosystem = ?1 AND package = ?2" },
    };
    for (size_t i = 0; !rc && i < sizeof q / sizeof q[0]; i++)
        if (sqlite3_prepare_v2(m->db, q[i].sql, -1, q[i].st, NULL) != SQLITE_OK)
            rc = dberr(m, err);
    if (rc) {
        tk_matcher_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void tk_matcher_free(struct tk_matcher *m)
{
    if (!m)
        return;
    sqlite3_stmt *all[] = { m->q_cve, m->q_epss, m->q_jvn, m->q_nvd_cand, m->q_nvd_cfg, m->q_osv };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    tk_free(m->products);
    tk_free(m->kev);
    tk_map_release(&m->verdicts);
    tk_map_release(&m->suppressed);
    for (int f = 0; f < F_COUNT; f++)
        tk_map_release(&m->exact[f]);
    tk_arena_release(&m->arena);
    tk_free(m);
}

const char *tk_matcher_kb_date(const struct tk_matcher *m)
{
    return m->kb_date[0] ? m->kb_date : NULL;
}

/* ---- identity and versions ------------------------------------------------------------- */

/* The best rule of one field for a value: exact patterns by lookup, wildcards by glob. */
static void best_in(struct tk_matcher *m, int f, const char *value, struct product **best,
                    size_t *best_len)
{
    if (!value)
        return;
    char lower[512];
    size_t n = strlen(value);
    if (n < sizeof lower) {
        for (size_t i = 0; i <= n; i++)
            lower[i] = value[i] >= 'A' && value[i] <= 'Z' ? (char)(value[i] - 'A' + 'a') : value[i];
        const struct indexed_rule *r = tk_map_get(&m->exact[f], (struct tk_str){ lower, n });
        if (r && (!*best || r->literal > *best_len)) {
            *best = r->p;
            *best_len = r->literal;
        }
    }
    for (size_t i = 0; i < m->nwild[f]; i++) {
        const struct indexed_rule *r = &m->wild[f][i];
        if ((!*best || r->literal > *best_len) && tk_glob_match(r->pattern, tk_str_c(value))) {
            *best = r->p;
            *best_len = r->literal;
        }
    }
}

/* The catalog product an item is: the most specific matching rule wins ("Mozilla Firefox *
 * ESR*" beats "Mozilla Firefox*" for an ESR name, whatever the catalog's order). Package
 * rules judge packages, flatpak and snap rules their ids, path rules install directories,
 * os products' name rules the operating system, name rules everything else. */
static struct product *identify(struct tk_matcher *m, const struct tk_item *it)
{
    if (!it->name || !it->source || (it->kind && strcmp(it->kind, "extension") == 0))
        return NULL;
    struct product *best = NULL;
    size_t best_len = 0;
    if (it->kind && strcmp(it->kind, "os") == 0) {
        best_in(m, F_OS, it->name, &best, &best_len);
    } else if (it->kind && strcmp(it->kind, "package") == 0) {
        best_in(m, F_PACKAGE, it->name, &best, &best_len);
    } else if (strcmp(it->source, "flatpak") == 0) {
        best_in(m, F_FLATPAK, it->name, &best, &best_len);
    } else if (strcmp(it->source, "snap") == 0) {
        best_in(m, F_SNAP, it->name, &best, &best_len);
    } else {
        if (strcmp(it->source, "dir") == 0)
            best_in(m, F_PATH, it->path, &best, &best_len);
        best_in(m, F_NAME, it->name, &best, &best_len);
    }
    return best;
}

/* The version to compare: distro packaging removed, the product's normaliser applied. */
static int normalize(const struct product *p, const struct tk_item *it, struct tk_buf *out)
{
    struct tk_str v = tk_str_trim(tk_str_c(it->version));
    if (!v.n)
        return TK_ENOENT;
    /* Distro packaging to strip: a package's own version, or a version an install
     * directory took from the package owning it ("dpkg:google-chrome-stable"). */
    bool packaged = (it->kind && strcmp(it->kind, "package") == 0) ||
                    (it->version_from && (strncmp(it->version_from, "dpkg:", 5) == 0 ||
                                          strncmp(it->version_from, "rpm:", 4) == 0));
    bool distro = packaged && p->scheme != TK_VSCHEME_DPKG && p->scheme != TK_VSCHEME_RPM;
    if (distro) {
        struct tk_str before, after;
        if (tk_str_cut(v, ':', &before, &after) && before.n && before.n < 5)
            v = after; /* epoch */
        const char *dash = NULL;
        for (size_t i = 0; i < v.n; i++)
            if (v.p[i] == '-')
                dash = v.p + i;
        if (dash)
            v.n = (size_t)(dash - v.p); /* Debian revision / RPM release */
        /* Repackaging suffixes: 115.5.0esr+dfsg, 1.2.3~deb12u1 */
        for (size_t i = 0; i < v.n; i++)
            if (v.p[i] == '+' || v.p[i] == '~') {
                v.n = i;
                break;
            }
    }
    tk_buf_reset(out);
    const char *norm = p->normalize ? p->normalize : "";
    if (strcmp(norm, "zoom-build") == 0) {
        /* "5.17.11 (34827)" -> "5.17.11.34827": anything but [A-Za-z0-9_-] separates. */
        bool sep = false;
        for (size_t i = 0; i < v.n; i++) {
            char c = v.p[i];
            bool word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                        (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
            if (!word) {
                sep = out->len > 0;
                continue;
            }
            if (sep)
                tk_buf_addc(out, '.');
            sep = false;
            tk_buf_addc(out, c);
        }
        return out->len ? 0 : TK_ENOENT;
    }
    if (strcmp(norm, "msi3") == 0) {
        int dots = 0;
        for (size_t i = 0; i < v.n; i++) {
            if (v.p[i] == '.' && ++dots == 3)
                break;
            tk_buf_addc(out, v.p[i]);
        }
        return 0;
    }
    if (strcmp(norm, "strip-suffix") == 0) {
        struct tk_str s = v;
        if (tk_str_has_suffix(s, " (64-bit)") || tk_str_has_suffix(s, " (32-bit)"))
            s.n -= 9;
        if (tk_str_has_suffix(s, "esr"))
            s.n -= 3;
        return tk_buf_add(out, s.p, s.n);
    }
    return tk_buf_add(out, v.p, v.n);
}

const char *tk_matcher_identify(struct tk_matcher *m, const struct tk_item *it,
                                struct tk_buf *version)
{
    const struct product *p = identify(m, it);
    if (p && version && normalize(p, it, version) != 0)
        tk_buf_reset(version);
    return p ? p->id : NULL;
}

/* ---- verdicts ------------------------------------------------------------------------- */

/* One (product, version) with the items that have it. */
struct group {
    struct product *p;
    const char *version;  /* normalised */
    const char *raw;      /* first item's raw version */
    size_t *items;
    size_t nitems, citems;
    const char *pkg_name; /* OSV groups: source package */
};

/* The state of one bundle's matching. */
struct run {
    struct tk_matcher *m;
    struct tk_bundle *b;
    struct group *groups;
    size_t ngroups, cgroups;
    const char *platform;  /* linux, windows, macos */
    const char *ecosystem; /* OSV ecosystem of the host, or NULL */
    const char *pkg_source; /* the package source its advisories speak of: dpkg or rpm */
    enum tk_vscheme pkg_scheme;
    int64_t now;           /* the scan time: re-analysis of an old bundle is reproducible */
};

/* A verdict list being built for one key. */
struct vlist {
    struct tk_matcher *m;
    struct tk_vuln_cve *v;
    size_t n, cap;
};

static const char *mstr(struct tk_matcher *m, const char *s)
{
    return s ? tk_arena_strdup(&m->arena, s) : NULL;
}

static struct tk_vuln_cve *vl_add(struct vlist *l, const char *cve)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].cve, cve) == 0)
            return NULL; /* judged already, by a more precise source */
    if (tk_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v, 1000000))
        return NULL;
    struct tk_vuln_cve *v = &l->v[l->n++];
    memset(v, 0, sizeof *v);
    v->cve = mstr(l->m, cve);
    v->cvss3 = v->cvss4 = v->epss = v->epss_percentile = -1;
    v->confidence = "high";
    return v->cve ? v : NULL;
}

/* The smallest fixed version above the installed one: what to update to. */
static const char *pick_update(enum tk_vscheme s, const char *version, const char *const *fixed,
                               size_t n)
{
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!fixed[i] || tk_vercmp(s, tk_str_c(fixed[i]), tk_str_c(version)) <= 0)
            continue;
        if (!best || tk_vercmp(s, tk_str_c(fixed[i]), tk_str_c(best)) < 0)
            best = fixed[i];
    }
    return best;
}

static bool platform_fits(const char *list, const char *platform)
{
    if (!list || !*list)
        return true;
    struct tk_str rest = tk_str_c(list), word;
    while (tk_str_next_field(&rest, &word))
        if (tk_str_eq_c(word, platform))
            return true;
    return false;
}

static void judge_curated(struct vlist *l, const struct product *p, const char *version,
                          const char *platform)
{
    for (size_t i = 0; i < p->ncurated; i++) {
        const struct curated *c = &p->curated[i];
        if (!platform_fits(c->platform, platform))
            continue;
        const char *hit = NULL;
        for (size_t k = 0; k < c->nranges && !hit; k++)
            if (c->range_text[k] && tk_vrange_contains(p->scheme, &c->ranges[k], tk_str_c(version)))
                hit = c->range_text[k];
        struct tk_vuln_cve *v = hit ? vl_add(l, c->cve) : NULL;
        if (!v)
            continue;
        v->basis = "curated";
        v->rule = tk_arena_printf(&l->m->arena, "%s %s", p->id, hit);
        v->title = c->title;
        v->cvss3 = c->cvss3;
        v->cvss3_vector = c->cvss3_vector;
        v->cvss4 = c->cvss4;
        v->cvss4_vector = c->cvss4_vector;
        v->cwe = c->cwe;
        v->confidence = c->confidence ? c->confidence : "high";
        v->possible = strcmp(v->confidence, "low") == 0;
        for (size_t k = 0; k < c->nfixed && v->nfixed < 8; k++)
            v->fixed[v->nfixed++] = c->fixed[k];
        for (size_t k = 0; k < c->nsources && v->nsources < 8; k++)
            v->sources[v->nsources++] = c->sources[k];
        v->update_to = pick_update(p->scheme, version, c->fixed, c->nfixed);
    }
}

/* ---- NVD configurations --------------------------------------------------------------- */

enum tri3 { T_NO, T_POSSIBLE, T_YES };

static const char *text_col(struct tk_matcher *m, sqlite3_stmt *st, int i);

/* Loads the NVD configurations naming one of the product's CPEs as vulnerable. */
static int load_nvd(struct tk_matcher *m, struct product *p)
{
    p->nvd_loaded = true;
    int rc = 0;
    for (size_t i = 0; i < p->ncpes && !rc; i++) {
        sqlite3_int64 *cfgs = NULL;
        size_t n = 0, cap = 0;
        sqlite3_bind_text(m->q_nvd_cand, 1, p->cpes[i].vendor, -1, SQLITE_STATIC);
        sqlite3_bind_text(m->q_nvd_cand, 2, p->cpes[i].product, -1, SQLITE_STATIC);
        while (sqlite3_step(m->q_nvd_cand) == SQLITE_ROW) {
            if (tk_grow((void **)&cfgs, &cap, n + 1, sizeof *cfgs, 10000000)) {
                rc = TK_ENOMEM;
                break;
            }
            cfgs[n++] = sqlite3_column_int64(m->q_nvd_cand, 0);
        }
        sqlite3_reset(m->q_nvd_cand);
        for (size_t k = 0; k < n && !rc; k++) {
            struct nvd_config *grown = arena_push(m, p->nvd, &p->nnvd, sizeof *grown);
            if (!grown) {
                rc = TK_ENOMEM;
                break;
            }
            p->nvd = grown;
            struct nvd_config *c = &p->nvd[p->nnvd - 1];
            sqlite3_stmt *st = m->q_nvd_cfg;
            sqlite3_bind_int64(st, 1, cfgs[k]);
            sqlite3_int64 node = -1;
            while (!rc && sqlite3_step(st) == SQLITE_ROW) {
                if (!c->cve) {
                    const char *op = (const char *)sqlite3_column_text(st, 1);
                    c->cve = text_col(m, st, 0);
                    c->and_op = op && strcmp(op, "AND") == 0;
                    c->negate = sqlite3_column_int(st, 2);
                }
                sqlite3_int64 nid = sqlite3_column_int64(st, 3);
                if (nid != node) {
                    struct nvd_node *nodes = arena_push(m, c->nodes, &c->nnodes, sizeof *nodes);
                    if (!nodes) {
                        rc = TK_ENOMEM;
                        break;
                    }
                    c->nodes = nodes;
                    const char *op = (const char *)sqlite3_column_text(st, 4);
                    nodes[c->nnodes - 1].and_op = op && strcmp(op, "AND") == 0;
                    nodes[c->nnodes - 1].negate = sqlite3_column_int(st, 5);
                    node = nid;
                }
                struct nvd_node *nd = &c->nodes[c->nnodes - 1];
                struct nvd_entry *e = arena_push(m, nd->e, &nd->ne, sizeof *e);
                if (!e) {
                    rc = TK_ENOMEM;
                    break;
                }
                nd->e = e;
                e = &e[nd->ne - 1];
                const char *part = (const char *)sqlite3_column_text(st, 7);
                e->vulnerable = sqlite3_column_int(st, 6);
                e->part = part ? part[0] : 'a';
                e->vendor = text_col(m, st, 8);
                e->product = text_col(m, st, 9);
                e->version = text_col(m, st, 10);
                for (int b = 0; b < 4; b++)
                    e->bound[b] = text_col(m, st, 11 + b);
                for (size_t j = 0; e->vendor && e->product && j < p->ncpes; j++)
                    if (strcmp(p->cpes[j].vendor, e->vendor) == 0 &&
                        strcmp(p->cpes[j].product, e->product) == 0)
                        e->ours = true;
            }
            sqlite3_reset(st);
        }
        tk_free(cfgs);
    }
    return rc;
}

/* Does one cpeMatch entry hold for this host and product version? */
static enum tri3 nvd_entry_holds(struct tk_matcher *m, const struct product *p,
                                 const char *version, const char *platform,
                                 const struct nvd_entry *e, const char **rule,
                                 const char **fixed)
{
    const char *const *b = e->bound;
    if (!e->ours) {
        /* A platform: the operating system we can judge; other software we cannot. */
        if (e->part == 'o' && e->vendor && e->product) {
            bool linux_os = strstr(e->product, "linux") != NULL;
            bool windows = strcmp(e->vendor, "microsoft") == 0 &&
                           strncmp(e->product, "windows", 7) == 0;
            bool mac = strcmp(e->vendor, "apple") == 0 && strstr(e->product, "mac") != NULL;
            bool fits = (linux_os && strcmp(platform, "linux") == 0) ||
                        (windows && strcmp(platform, "windows") == 0) ||
                        (mac && strcmp(platform, "macos") == 0);
            if (!fits)
                return linux_os || windows || mac ? T_NO : T_POSSIBLE;
            return (b[0] || b[1] || b[2] || b[3]) ? T_POSSIBLE : T_YES;
        }
        return T_POSSIBLE;
    }
    enum tk_vscheme s = p->scheme;
    struct tk_str ver = tk_str_c(version);
    /* A bound the scheme cannot read (NVD has dates as Teams versions) proves nothing. */
    for (int i = 0; i < 4; i++)
        if (b[i] && !tk_version_valid(s, tk_str_c(b[i])))
            return T_NO;
    if (e->version && strcmp(e->version, "*") != 0 && strcmp(e->version, "-") != 0) {
        /* A single version named in the CPE itself. */
        if (tk_vercmp(s, ver, tk_str_c(e->version)) != 0)
            return T_NO;
        if (rule)
            *rule = tk_arena_printf(&m->arena, "cpe %s:%s:%s", e->vendor, e->product,
                                    e->version);
        return T_YES;
    }
    if (!b[0] && !b[1] && !b[2] && !b[3]) {
        if (rule)
            *rule = tk_arena_printf(&m->arena, "cpe %s:%s:* (every version)", e->vendor,
                                    e->product);
        return T_POSSIBLE; /* a wildcard alone is never proof */
    }
    if ((b[0] && tk_vercmp(s, ver, tk_str_c(b[0])) < 0) ||
        (b[1] && tk_vercmp(s, ver, tk_str_c(b[1])) <= 0) ||
        (b[2] && tk_vercmp(s, ver, tk_str_c(b[2])) > 0) ||
        (b[3] && tk_vercmp(s, ver, tk_str_c(b[3])) >= 0))
        return T_NO;
    if (rule)
        *rule = tk_arena_printf(&m->arena, "cpe %s:%s%s%s%s%s%s%s%s%s", e->vendor, e->product,
                                b[0] ? " >= " : "", b[0] ? b[0] : "", b[1] ? " > " : "",
                                b[1] ? b[1] : "", b[2] ? " <= " : "", b[2] ? b[2] : "",
                                b[3] ? " < " : "", b[3] ? b[3] : "");
    if (fixed)
        *fixed = b[3];
    return T_YES;
}

static enum tri3 combine(bool and_op, enum tri3 acc, enum tri3 v, bool first)
{
    if (first)
        return v;
    if (and_op)
        return acc < v ? acc : v;
    return acc > v ? acc : v;
}

static enum tri3 negate_if(bool neg, enum tri3 v)
{
    return !neg ? v : v == T_YES ? T_NO : v == T_NO ? T_YES : T_POSSIBLE;
}

/* Evaluates one configuration: AND/OR over nodes, each AND/OR over its entries. */
static void judge_config(struct vlist *l, const struct product *p, const char *version,
                         const char *platform, const struct nvd_config *c)
{
    enum tri3 cfg_val = T_NO, ours_best = T_NO;
    const struct nvd_entry *best = NULL;
    for (size_t n = 0; n < c->nnodes; n++) {
        const struct nvd_node *nd = &c->nodes[n];
        enum tri3 node_val = T_NO;
        for (size_t i = 0; i < nd->ne; i++) {
            const struct nvd_entry *e = &nd->e[i];
            enum tri3 v = nvd_entry_holds(l->m, p, version, platform, e, NULL, NULL);
            /* A vulnerable entry for another product does not make ours vulnerable, but
             * it still decides whether its node holds. */
            if (e->ours && e->vulnerable && v > ours_best) {
                ours_best = v;
                best = e;
            }
            node_val = combine(nd->and_op, node_val, v, i == 0);
        }
        cfg_val = combine(c->and_op, cfg_val, negate_if(nd->negate, node_val), n == 0);
    }
    cfg_val = negate_if(c->negate, cfg_val);
    if (!c->cve || ours_best == T_NO || cfg_val == T_NO)
        return;
    struct tk_vuln_cve *v = vl_add(l, c->cve);
    if (!v)
        return;
    const char *rule = NULL, *fixed = NULL;
    nvd_entry_holds(l->m, p, version, platform, best, &rule, &fixed); /* once more, for words */
    bool sure = ours_best == T_YES && cfg_val == T_YES;
    v->basis = "nvd";
    v->rule = rule;
    v->possible = !sure;
    v->confidence = sure ? "high" : "low";
    if (fixed) {
        v->fixed[v->nfixed++] = fixed;
        v->update_to = fixed;
    }
    v->sources[v->nsources++] =
        tk_arena_printf(&l->m->arena, "https://nvd.nist.gov/vuln/detail/%s", c->cve);
}

static int judge_nvd(struct vlist *l, struct product *p, const char *version,
                     const char *platform)
{
    if (!p->nvd_loaded) {
        int rc = load_nvd(l->m, p);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < p->nnvd; i++)
        if (!p->nvd[i].cve || !suppressed(l->m, p->nvd[i].cve, p->id))
            judge_config(l, p, version, platform, &p->nvd[i]);
    return 0;
}

static void judge_osv(struct vlist *l, const char *ecosystem, enum tk_vscheme scheme,
                      const char *package, const char *version)
{
    struct tk_matcher *m = l->m;
    sqlite3_stmt *st = m->q_osv;
    sqlite3_bind_text(st, 1, ecosystem, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, package, -1, SQLITE_STATIC);
    struct tk_str ver = tk_str_c(version);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *intro = (const char *)sqlite3_column_text(st, 1);
        const char *fixed = (const char *)sqlite3_column_text(st, 2);
        const char *last = (const char *)sqlite3_column_text(st, 3);
        const char *cve = (const char *)sqlite3_column_text(st, 4);
        bool in = (!intro || strcmp(intro, "0") == 0 ||
                   tk_vercmp(scheme, ver, tk_str_c(intro)) >= 0) &&
                  (fixed  ? tk_vercmp(scheme, ver, tk_str_c(fixed)) < 0
                   : last ? tk_vercmp(scheme, ver, tk_str_c(last)) <= 0
                          : true);
        struct tk_vuln_cve *v = in && (cve || id) ? vl_add(l, cve ? cve : id) : NULL;
        if (!v)
            continue;
        v->basis = "osv";
        v->rule = tk_arena_printf(&m->arena, "%s %s: %s%s", ecosystem, package,
                                  fixed ? "fixed in " : last ? "last affected " : "",
                                  fixed ? fixed : last ? last : "no fix yet");
        if (fixed) {
            v->fixed[v->nfixed++] = mstr(m, fixed);
            v->update_to = v->fixed[0];
        }
        v->sources[v->nsources++] =
            tk_arena_printf(&m->arena, "https://osv.dev/vulnerability/%s", id ? id : "");
    }
    sqlite3_reset(st);
}

/* ---- resolving verdicts --------------------------------------------------------------- */

static const struct kev *kev_of(struct tk_matcher *m, const char *cve)
{
    struct kev key = { .cve = cve };
    return m->nkev ? bsearch(&key, m->kev, m->nkev, sizeof *m->kev, cmp_kev) : NULL;
}

static const char *text_col(struct tk_matcher *m, sqlite3_stmt *st, int i)
{
    return mstr(m, (const char *)sqlite3_column_text(st, i));
}

static enum tk_severity severity_of(double cvss, const char *named)
{
    if (named) {
        static const char *const names[] = { "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL" };
        for (int i = 0; i < 5; i++)
            if (strcasecmp(named, names[i]) == 0)
                return i == 0 ? TK_SEV_INFO : (enum tk_severity)i;
    }
    if (cvss < 0)
        return TK_SEV_MEDIUM; /* unknown: neither alarm nor dismiss */
    return cvss >= 9.0 ? TK_SEV_CRITICAL
           : cvss >= 7.0 ? TK_SEV_HIGH
           : cvss >= 4.0 ? TK_SEV_MEDIUM
           : cvss > 0    ? TK_SEV_LOW
                         : TK_SEV_INFO;
}

/* Adds what the imported feeds and KEV say about the CVE, and the severity. */
static void resolve(struct tk_matcher *m, struct tk_vuln_cve *v)
{
    const char *description = NULL;
    sqlite3_bind_text(m->q_cve, 1, v->cve, -1, SQLITE_STATIC);
    if (sqlite3_step(m->q_cve) == SQLITE_ROW) {
        description = (const char *)sqlite3_column_text(m->q_cve, 0);
        if (v->cvss3 < 0 && sqlite3_column_type(m->q_cve, 1) != SQLITE_NULL) {
            v->cvss3 = sqlite3_column_double(m->q_cve, 1);
            v->cvss3_vector = text_col(m, m->q_cve, 2);
        }
        v->cvss3_severity = text_col(m, m->q_cve, 3);
        if (v->cvss4 < 0 && sqlite3_column_type(m->q_cve, 4) != SQLITE_NULL) {
            v->cvss4 = sqlite3_column_double(m->q_cve, 4);
            v->cvss4_vector = text_col(m, m->q_cve, 5);
            v->cvss4_severity = text_col(m, m->q_cve, 6);
        }
        if (!v->cwe)
            v->cwe = text_col(m, m->q_cve, 7);
        if (!v->title && description) {
            /* The NVD description's first sentence serves as the title. */
            const char *dot = strstr(description, ". ");
            size_t len = dot ? (size_t)(dot - description) : strlen(description);
            v->title = tk_arena_strndup(&m->arena, description, len > 160 ? 160 : len);
        }
    }
    sqlite3_reset(m->q_cve);
    sqlite3_bind_text(m->q_epss, 1, v->cve, -1, SQLITE_STATIC);
    if (sqlite3_step(m->q_epss) == SQLITE_ROW) {
        v->epss = sqlite3_column_double(m->q_epss, 0);
        v->epss_percentile = sqlite3_column_double(m->q_epss, 1);
    }
    sqlite3_reset(m->q_epss);
    sqlite3_bind_text(m->q_jvn, 1, v->cve, -1, SQLITE_STATIC);
    if (sqlite3_step(m->q_jvn) == SQLITE_ROW) {
        v->jvn_id = text_col(m, m->q_jvn, 0);
        v->jvn_title = text_col(m, m->q_jvn, 1);
    }
    sqlite3_reset(m->q_jvn);
    const struct kev *k = kev_of(m, v->cve);
    if (k) {
        v->kev_added = k->added;
        v->kev_due = k->due;
        v->kev_ransomware = k->ransomware;
        v->kev_name = k->name;
    }
    enum tk_severity sev = severity_of(v->cvss3 >= 0 ? v->cvss3 : v->cvss4, v->cvss3_severity);
    if (v->kev_added) {
        /* Known exploitation outranks the base score. */
        if (sev < TK_SEV_HIGH)
            sev = TK_SEV_HIGH;
        if (v->kev_ransomware && strcmp(v->kev_ransomware, "Known") == 0)
            sev = TK_SEV_CRITICAL;
    }
    v->severity = sev;
}

/* CVE ids in numeric order ("CVE-2024-9999" before "CVE-2024-10000"); other text by bytes. */
static int cve_order(const char *a, const char *b)
{
    unsigned long long ya, na, yb, nb;
    if (sscanf(a, "CVE-%llu-%llu", &ya, &na) == 2 && sscanf(b, "CVE-%llu-%llu", &yb, &nb) == 2 &&
        (ya != yb || na != nb))
        return ya != yb ? (ya < yb ? -1 : 1) : (na < nb ? -1 : 1);
    return strcmp(a, b);
}

static int by_severity(const void *a, const void *b)
{
    const struct tk_vuln_cve *x = *(const struct tk_vuln_cve *const *)a;
    const struct tk_vuln_cve *y = *(const struct tk_vuln_cve *const *)b;
    if (x->possible != y->possible)
        return x->possible ? 1 : -1;
    if ((x->kev_added != NULL) != (y->kev_added != NULL))
        return x->kev_added ? -1 : 1;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    return cve_order(x->cve, y->cve);
}

static int conf_rank(const char *c)
{
    return strcmp(c, "high") == 0 ? 2 : strcmp(c, "medium") == 0 ? 1 : 0;
}

/* Severity order, counts, a version that fixes all, and the summary sentences. */
static void summarise(struct tk_matcher *m, struct verdicts *vs, enum tk_vscheme scheme)
{
    vs->ptrs = tk_arena_alloc(&m->arena, (vs->n ? vs->n : 1) * sizeof *vs->ptrs);
    if (!vs->ptrs) {
        vs->n = 0;
        return;
    }
    vs->severity = TK_SEV_INFO;
    vs->confidence = "low";
    size_t confirmed = 0, kev_confirmed = 0;
    for (size_t i = 0; i < vs->n; i++) {
        struct tk_vuln_cve *v = &vs->v[i];
        resolve(m, v);
        vs->ptrs[i] = v;
        vs->nkev += v->kev_added != NULL;
        if (v->possible) {
            vs->npossible++;
            continue;
        }
        confirmed++;
        kev_confirmed += v->kev_added != NULL;
        if (v->severity > vs->severity)
            vs->severity = v->severity;
        if (conf_rank(v->confidence) > conf_rank(vs->confidence))
            vs->confidence = v->confidence;
        if (v->update_to && (!vs->update_to ||
                             tk_vercmp(scheme, tk_str_c(v->update_to), tk_str_c(vs->update_to)) > 0))
            vs->update_to = v->update_to;
    }
    if (!confirmed) {
        /* Only possibilities: report them, but no louder than medium. */
        for (size_t i = 0; i < vs->n; i++)
            if (vs->v[i].severity > vs->severity)
                vs->severity = vs->v[i].severity;
        if (vs->severity > TK_SEV_MEDIUM)
            vs->severity = TK_SEV_MEDIUM;
    }
    if (vs->n)
        qsort(vs->ptrs, vs->n, sizeof *vs->ptrs, by_severity);
    const struct tk_vuln_cve *top = vs->n ? vs->ptrs[0] : NULL;
    struct tk_arena *a = &m->arena;
    if (!top) {
        vs->summary_en = vs->summary_ja = "";
    } else if (confirmed == 1) {
        vs->summary_en = tk_arena_printf(a, "%s (%s)%s%s", top->cve,
                                         top->title ? top->title : "see the advisory",
                                         top->kev_added ? ", exploited in the wild" : "",
                                         vs->npossible ? "; more possible" : "");
        vs->summary_ja = tk_arena_printf(a, "%s（%s）の脆弱性があります%s%s", top->cve,
                                         top->jvn_title ? top->jvn_title
                                         : top->title   ? top->title
                                                        : "アドバイザリを参照",
                                         top->kev_added ? "（悪用を確認）" : "",
                                         vs->npossible ? "。ほかにも可能性あり" : "");
    } else if (confirmed > 1) {
        /* The most urgent ids, so the line says what to look up first. */
        char ids[96] = "";
        for (size_t i = 0, len = 0; i < 3 && i < confirmed; i++)
            len += (size_t)snprintf(ids + len, sizeof ids - len, "%s%s", i ? ", " : "",
                                    vs->ptrs[i]->cve);
        const char *more = confirmed > 3 ? ", …" : "";
        if (kev_confirmed)
            vs->summary_en = tk_arena_printf(a, "%zu known vulnerabilities, %zu exploited in "
                                                "the wild (%s%s)%s",
                                             confirmed, kev_confirmed, ids, more,
                                             vs->npossible ? "; more possible" : "");
        else
            vs->summary_en = tk_arena_printf(a, "%zu known vulnerabilities (%s%s)%s", confirmed,
                                             ids, more, vs->npossible ? "; more possible" : "");
        if (kev_confirmed)
            vs->summary_ja = tk_arena_printf(a, "既知の脆弱性 %zu 件（うち %zu 件は悪用を確認。%s%s）%s",
                                             confirmed, kev_confirmed, ids, more,
                                             vs->npossible ? "。ほかにも可能性あり" : "");
        else
            vs->summary_ja = tk_arena_printf(a, "既知の脆弱性 %zu 件（%s%s）%s", confirmed, ids,
                                             more, vs->npossible ? "。ほかにも可能性あり" : "");
    } else {
        vs->summary_en = tk_arena_printf(a, "may be affected by %zu known vulnerabilit%s (the "
                                            "version data cannot tell for certain)",
                                         vs->n, vs->n == 1 ? "y" : "ies");
        vs->summary_ja = tk_arena_printf(a, "既知の脆弱性 %zu 件の影響を受ける可能性があります"
                                            "（バージョン情報だけでは確定できません）",
                                         vs->n);
    }
}

/* The verdicts for one group, from the cache or computed and cached. */
static const struct verdicts *verdicts_of(struct run *r, const struct group *g)
{
    struct tk_matcher *m = r->m;
    struct tk_buf key = TK_BUF_INIT(8192);
    if (g->p)
        tk_buf_addf(&key, "p\x1f%s\x1f%s\x1f%s", g->p->id, g->version, r->platform);
    else
        tk_buf_addf(&key, "o\x1f%s\x1f%s\x1f%s", r->ecosystem, g->pkg_name, g->version);
    struct tk_str k = { tk_buf_cstr(&key), key.len };
    struct verdicts *vs = tk_map_get(&m->verdicts, k);
    if (!vs) {
        struct vlist l = { .m = m };
        /* A version the product's scheme cannot read is not compared at all. */
        enum tk_vscheme scheme = g->p ? g->p->scheme : r->pkg_scheme;
        bool readable = tk_version_valid(scheme, tk_str_c(g->version));
        if (readable && g->p) {
            judge_curated(&l, g->p, g->version, r->platform);
            if (m->has_nvd)
                judge_nvd(&l, g->p, g->version, r->platform);
        } else if (readable) {
            judge_osv(&l, r->ecosystem, scheme, g->pkg_name, g->version);
        }
        vs = tk_arena_alloc(&m->arena, sizeof *vs);
        if (vs) {
            memset(vs, 0, sizeof *vs);
            vs->n = l.n;
            vs->v = l.n ? tk_arena_alloc(&m->arena, l.n * sizeof *l.v) : NULL;
            if (l.n && !vs->v)
                vs = NULL;
            else if (l.n)
                memcpy(vs->v, l.v, l.n * sizeof *l.v);
        }
        tk_free(l.v);
        if (vs) {
            summarise(m, vs, scheme);
            tk_map_put(&m->verdicts, k, vs); /* a full cache just stops caching */
        }
    }
    tk_buf_release(&key);
    return vs;
}

/* ---- findings ------------------------------------------------------------------------- */

static const char *bstr(struct run *r, const char *s)
{
    return s ? tk_bundle_strdup(r->b, s) : NULL;
}

static int add_evidence(struct run *r, struct tk_finding *f, const struct group *g)
{
    char ref[48];
    for (size_t i = 0; i < g->nitems; i++) {
        const struct tk_item *it = &r->b->items[g->items[i]];
        snprintf(ref, sizeof ref, "/inventory/%zu", g->items[i]);
        const char *text = tk_bundle_printf(r->b, "%s %s (%s%s%s)", it->name,
                                            it->version ? it->version : "?", it->source,
                                            it->path ? " " : "", it->path ? it->path : "");
        int rc = tk_finding_add_evidence(r->b, f, ref, text);
        if (rc)
            return rc;
    }
    return 0;
}

/* "TK-VULN-GOOGLE-CHROME", "TK-VULN-PKG-LIBXML2": stable per product. */
static const char *vuln_id(struct run *r, const struct group *g)
{
    struct tk_buf id = TK_BUF_INIT(256);
    tk_buf_adds(&id, g->p ? "TK-VULN-" : "TK-VULN-PKG-");
    const char *name = g->p ? g->p->id : g->pkg_name;
    bool dash = false;
    for (const char *c = name; *c && id.len < 120; c++) {
        char u = *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c;
        bool ok = (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9');
        if (ok) {
            tk_buf_addc(&id, u);
            dash = false;
        } else if (!dash) {
            tk_buf_addc(&id, '-');
            dash = true;
        }
    }
    if (dash)
        tk_buf_truncate(&id, id.len - 1);
    const char *out = bstr(r, tk_buf_cstr(&id));
    tk_buf_release(&id);
    return out;
}

static int emit(struct run *r, const struct group *g, const struct verdicts *vs)
{
    struct tk_matcher *m = r->m;
    struct tk_vuln_info *v = tk_arena_alloc(&r->b->arena, sizeof *v);
    const struct tk_vuln_cve **cves = tk_arena_alloc(&r->b->arena, vs->n * sizeof *cves);
    if (!v || !cves)
        return TK_ENOMEM;
    memcpy(cves, vs->ptrs, vs->n * sizeof *cves);
    *v = (struct tk_vuln_info){
        .product_id = g->p ? g->p->id : NULL,
        .product_name = bstr(r, g->p ? g->p->name : g->pkg_name),
        .product_kind = g->p ? g->p->kind : NULL,
        .version = g->raw, .compared = g->version, .update_to = bstr(r, vs->update_to),
        .epss_model = bstr(r, m->epss_model), .epss_date = bstr(r, m->epss_date),
        .cves = cves, .ncves = vs->n, .nkev = vs->nkev, .npossible = vs->npossible,
    };
    const char *update_en = vs->update_to
                                ? tk_bundle_printf(r->b, "version %s or later", vs->update_to)
                                : "the latest version";
    const char *update_ja = vs->update_to ? tk_bundle_printf(r->b, " %s 以降", vs->update_to)
                                          : "最新版";
    struct tk_finding_var vars[] = {
        { "product", v->product_name, NULL },
        { "version", g->raw ? g->raw : g->version, NULL },
        { "summary", vs->summary_en, vs->summary_ja },
        { "update_to", update_en, update_ja },
    };
    struct tk_finding *f =
        tk_finding_new_vars(r->b, TK_F_VULN, vuln_id(r, g), vars, sizeof vars / sizeof vars[0]);
    if (!f)
        return TK_ENOMEM;
    f->severity = vs->severity;
    f->confidence = vs->confidence;
    f->vuln = v;
    return add_evidence(r, f, g);
}

static int judge_group(struct run *r, const struct group *g)
{
    const struct verdicts *vs = verdicts_of(r, g);
    if (!vs)
        return TK_ENOMEM;
    return vs->n ? emit(r, g, vs) : 0;
}

/* ---- life cycle ----------------------------------------------------------------------- */

static bool date_passed(const char *date, int64_t now)
{
    char today[32];
    tk_time_iso8601(now, today);
    return date && strlen(date) >= 10 && strncmp(date, today, 10) < 0;
}

static const struct line *line_of(const struct product *p, const char *version)
{
    const struct line *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < p->nlines; i++) {
        const char *pre = p->lines[i].prefix;
        size_t n = strlen(pre);
        bool fits = strcmp(pre, "*") == 0 ||
                    (strncmp(version, pre, n) == 0 && (version[n] == '\0' || version[n] == '.'));
        if (fits && (!best || (strcmp(pre, "*") != 0 && n > best_len))) {
            best = &p->lines[i];
            best_len = strcmp(pre, "*") == 0 ? 0 : n;
        }
    }
    return best;
}

static int lifecycle_finding(struct run *r, const struct group *g, enum tk_finding_id id,
                             const char *latest, const char *eol)
{
    struct tk_finding_var vars[] = {
        { "product", g->p->name, NULL },
        { "version", g->raw ? g->raw : g->version, NULL },
        { "latest", latest ? latest : "?", NULL },
        { "eol", eol ? eol : "?", NULL },
    };
    struct tk_finding *f = tk_finding_new_vars(r->b, id, NULL, vars, 4);
    if (!f)
        return TK_ENOMEM;
    size_t index = r->b->nfindings - 1;
    struct tk_vuln_info *v = tk_arena_alloc(&r->b->arena, sizeof *v);
    if (!v)
        return TK_ENOMEM;
    *v = (struct tk_vuln_info){
        .product_id = g->p->id, .product_name = g->p->name, .product_kind = g->p->kind,
        .version = g->raw,
        .compared = g->version, .latest = latest, .eol = eol, .update_to = latest,
    };
    r->b->findings[index].vuln = v;
    return add_evidence(r, &r->b->findings[index], g);
}

/* The newest line of p still supported at now: what an unsupported release should move to
 * when its line does not name it (a line's latest goes stale, the catalog's dates do not). */
static const char *newest_supported(const struct product *p, int64_t now)
{
    const char *best = NULL;
    for (size_t i = 0; i < p->nlines; i++) {
        const struct line *l = &p->lines[i];
        if (strcmp(l->prefix, "*") == 0 || (l->eol && date_passed(l->eol, now)))
            continue;
        if (!best || tk_vercmp(p->scheme, tk_str_c(l->prefix), tk_str_c(best)) > 0)
            best = l->prefix;
    }
    return best;
}

static int check_lifecycle(struct run *r, const struct group *g)
{
    const struct product *p = g->p;
    if (p->eol && date_passed(p->eol, r->now))
        return lifecycle_finding(r, g, TK_F_VULN_EOL, NULL, p->eol);
    const struct line *l = line_of(p, g->version);
    if (!l)
        return 0;
    if (l->eol && date_passed(l->eol, r->now))
        return lifecycle_finding(r, g, TK_F_VULN_UNSUPPORTED,
                                 l->latest ? l->latest : newest_supported(p, r->now), l->eol);
    if (l->latest && tk_vercmp(p->scheme, tk_str_c(g->version), tk_str_c(l->latest)) < 0)
        return lifecycle_finding(r, g, TK_F_VULN_OUTDATED, l->latest, NULL);
    return 0;
}

/* ---- the run -------------------------------------------------------------------------- */

static struct group *group_for(struct run *r, struct product *p, const char *pkg,
                               const char *version, const char *raw)
{
    for (size_t i = 0; i < r->ngroups; i++) {
        struct group *g = &r->groups[i];
        if (g->p == p && strcmp(g->version, version) == 0 &&
            (!pkg || (g->pkg_name && strcmp(g->pkg_name, pkg) == 0)))
            return g;
    }
    if (tk_grow((void **)&r->groups, &r->cgroups, r->ngroups + 1, sizeof *r->groups, 10000000))
        return NULL;
    struct group *g = &r->groups[r->ngroups];
    memset(g, 0, sizeof *g);
    g->p = p;
    g->version = tk_bundle_strdup(r->b, version);
    g->raw = tk_bundle_strdup(r->b, raw);
    g->pkg_name = pkg ? tk_bundle_strdup(r->b, pkg) : NULL;
    if (!g->version)
        return NULL;
    r->ngroups++;
    return g;
}

static int group_add(struct group *g, size_t item)
{
    if (tk_grow((void **)&g->items, &g->citems, g->nitems + 1, sizeof *g->items, 10000000))
        return TK_ENOMEM;
    g->items[g->nitems++] = item;
    return 0;
}

/* "Debian:12", "Ubuntu:22.04:LTS": the OSV ecosystem of the scanned OS, or NULL. */
/* The OSV ecosystem of the scanned OS ("Debian:12", "Ubuntu:22.04:LTS", "Rocky Linux:9"),
 * with the package source and comparator its advisories use; NULL when OSV has none. */
static const char *ecosystem(struct run *r)
{
    static const struct {
        const char *os_id, *name, *source;
        enum tk_vscheme scheme;
        bool major_only, lts;
    } map[] = {
        { "debian", "Debian", "dpkg", TK_VSCHEME_DPKG, true, false },
        { "ubuntu", "Ubuntu", "dpkg", TK_VSCHEME_DPKG, false, true },
        { "rocky", "Rocky Linux", "rpm", TK_VSCHEME_RPM, true, false },
        { "almalinux", "AlmaLinux", "rpm", TK_VSCHEME_RPM, true, false },
    };
    const struct tk_host *h = &r->b->host;
    if (!h->os_id || !h->os_version_id)
        return NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(h->os_id, map[i].os_id) != 0)
            continue;
        const char *dot = strchr(h->os_version_id, '.');
        int n = map[i].major_only && dot ? (int)(dot - h->os_version_id)
                                         : (int)strlen(h->os_version_id);
        r->pkg_source = map[i].source;
        r->pkg_scheme = map[i].scheme;
        return tk_bundle_printf(r->b, "%s:%.*s%s", map[i].name, n, h->os_version_id,
                                map[i].lts ? ":LTS" : "");
    }
    return NULL;
}

int tk_match_bundle(struct tk_matcher *m, struct tk_bundle *b, struct tk_err *err)
{
    struct run r = { .m = m, .b = b };
    r.platform = b->host.os_family ? b->host.os_family : "linux";
    r.now = b->host.finished > 0 ? b->host.finished : tk_time_now();
    r.ecosystem = m->has_osv ? ecosystem(&r) : NULL;
    struct tk_buf ver = TK_BUF_INIT(4096);
    int rc = 0;
    size_t ncatalog = 0;
    for (size_t i = 0; i < b->nitems && !rc; i++) {
        const struct tk_item *it = &b->items[i];
        if (tk_item_removed(it))
            continue;
        struct product *p = identify(m, it);
        if (p && normalize(p, it, &ver) == 0) {
            struct group *g = group_for(&r, p, NULL, tk_buf_cstr(&ver), it->version);
            rc = g ? group_add(g, i) : TK_ENOMEM;
            ncatalog++;
        }
        if (!rc && r.ecosystem && it->source && strcmp(it->source, r.pkg_source) == 0 &&
            it->source_package && it->source_version) {
            struct group *g = group_for(&r, NULL, it->source_package, it->source_version,
                                        it->source_version);
            rc = g ? group_add(g, i) : TK_ENOMEM;
        }
    }
    tk_buf_release(&ver);
    for (size_t i = 0; i < r.ngroups && !rc; i++) {
        struct group *g = &r.groups[i];
        rc = judge_group(&r, g);
        if (!rc && g->p)
            rc = check_lifecycle(&r, g);
    }
    for (size_t i = 0; i < r.ngroups; i++)
        tk_free(r.groups[i].items);
    tk_free(r.groups);
    (void)ncatalog;
    if (rc)
        return tk_err_set(err, rc, "vulnerability matching failed: %s", tk_err_name(rc));
    return 0;
}

/* ---- devices seen from outside ------------------------------------------------------- */

const char *tk_verdict_name(enum tk_verdict v)
{
    switch (v) {
    case TK_VERDICT_AFFECTED: return "affected";
    case TK_VERDICT_POSSIBLY: return "possibly-affected";
    case TK_VERDICT_NOT_AFFECTED: return "not-affected";
    default: return "unknown";
    }
}

static bool curated_holds(const struct product *p, const struct curated *c, const char *v)
{
    for (size_t k = 0; k < c->nranges; k++)
        if (c->range_text[k] && tk_vrange_contains(p->scheme, &c->ranges[k], tk_str_c(v)))
            return true;
    return false;
}

/* Does a range bound name a version inside release line `line` ("13.1" -> "13.1-49.15")? */
static bool bound_in_line(const struct curated *c, const char *line)
{
    size_t k = strlen(line);
    for (size_t i = 0; i < c->nranges; i++)
        for (int b = 0; c->range_text[i] && b < c->ranges[i].nbounds; b++) {
            struct tk_str v = c->ranges[i].bound[b].version;
            if (v.n > k && memcmp(v.p, line, k) == 0 && !(v.p[k] >= '0' && v.p[k] <= '9'))
                return true;
        }
    return false;
}

static int by_assessed(const void *a, const void *b)
{
    const struct tk_assessed *x = a, *y = b;
    if (x->verdict != y->verdict)
        return x->verdict > y->verdict ? -1 : 1;
    if ((x->cve->kev_added != NULL) != (y->cve->kev_added != NULL))
        return x->cve->kev_added ? -1 : 1;
    if (x->cve->severity != y->cve->severity)
        return x->cve->severity > y->cve->severity ? -1 : 1;
    return cve_order(y->cve->cve, x->cve->cve); /* newer CVEs first */
}

const struct tk_assessment *tk_matcher_assess(struct tk_matcher *m, const char *product,
                                              enum tk_vprec prec, const char *const *versions,
                                              size_t n)
{
    struct product *p = find_product(m, product);
    if (!p)
        return NULL;
    struct tk_buf key = TK_BUF_INIT(1 << 16);
    /* lengths in the key: versions come from scan data and may hold any byte */
    int krc = tk_buf_addf(&key, "s\x1f%s\x1f%d\x1f%zu", p->id, (int)prec, n);
    for (size_t i = 0; i < n && !krc; i++)
        krc = tk_buf_addf(&key, "\x1f%zu:%s", strlen(versions[i]), versions[i]);
    if (krc) {
        tk_buf_release(&key);
        return NULL;
    }
    struct tk_str k = { tk_buf_cstr(&key), key.len };
    struct tk_assessment *as = tk_map_get(&m->verdicts, k);
    if (as) {
        tk_buf_release(&key);
        return as;
    }
    as = tk_arena_alloc(&m->arena, sizeof *as);
    struct tk_assessed *items =
        tk_arena_alloc(&m->arena, (p->ncurated ? p->ncurated : 1) * sizeof *items);
    if (!as || !items) {
        tk_buf_release(&key);
        return NULL;
    }
    *as = (struct tk_assessment){ .product_name = p->name, .items = items,
                                  .verdict = p->ncurated ? TK_VERDICT_NOT_AFFECTED
                                                         : TK_VERDICT_UNKNOWN };
    size_t count = 0;
    for (size_t i = 0; i < p->ncurated; i++) {
        const struct curated *c = &p->curated[i];
        if (suppressed(m, c->cve, p->id))
            continue;
        enum tk_verdict v = TK_VERDICT_NOT_AFFECTED;
        const char *why = NULL;
        if (prec == TK_VPREC_NONE || n == 0) {
            v = TK_VERDICT_POSSIBLY;
            why = "the version could not be determined from outside";
        } else {
            /* each version the evidence allows: in, out, or (a line) perhaps */
            size_t in = 0, maybe = 0;
            for (size_t j = 0; j < n; j++) {
                if (prec == TK_VPREC_LINE && bound_in_line(c, versions[j]))
                    maybe++;
                else
                    in += curated_holds(p, c, versions[j]);
            }
            if (in == n) {
                v = TK_VERDICT_AFFECTED;
            } else if (in || maybe) {
                v = TK_VERDICT_POSSIBLY;
                why = maybe ? "only the release is known, and a fix within it (a hotfix or "
                              "patch) is not visible from outside"
                            : "some of the versions the evidence allows are affected";
            }
        }
        if (v == TK_VERDICT_AFFECTED && c->confidence && strcmp(c->confidence, "low") == 0) {
            v = TK_VERDICT_POSSIBLY;
            why = "the fix is a hotfix or configuration that is not visible from outside";
        }
        if (v == TK_VERDICT_NOT_AFFECTED)
            continue;
        struct tk_vuln_cve *cv = tk_arena_alloc(&m->arena, sizeof *cv);
        if (!cv) {
            tk_buf_release(&key);
            return NULL;
        }
        *cv = (struct tk_vuln_cve){ .cve = c->cve, .basis = "curated", .title = c->title,
                                    .confidence = c->confidence ? c->confidence : "high",
                                    .cvss3 = c->cvss3, .cvss3_vector = c->cvss3_vector,
                                    .cvss4 = c->cvss4, .cvss4_vector = c->cvss4_vector,
                                    .cwe = c->cwe, .epss = -1, .epss_percentile = -1 };
        for (size_t j = 0; j < c->nfixed && cv->nfixed < 8; j++)
            cv->fixed[cv->nfixed++] = c->fixed[j];
        for (size_t j = 0; j < c->nsources && cv->nsources < 8; j++)
            cv->sources[cv->nsources++] = c->sources[j];
        if (prec == TK_VPREC_EXACT && n == 1)
            cv->update_to = pick_update(p->scheme, versions[0], c->fixed, c->nfixed);
        resolve(m, cv);
        cv->possible = v == TK_VERDICT_POSSIBLY;
        items[count++] = (struct tk_assessed){ cv, v, why };
        as->nkev += cv->kev_added != NULL;
        if (v > as->verdict)
            as->verdict = v;
    }
    as->n = count;
    qsort(items, count, sizeof *items, by_assessed);
    tk_map_put(&m->verdicts, k, as); /* a full cache just stops caching */
    tk_buf_release(&key);
    return as;
}
