/* summary.c - counting devices into tables (summary.h). Each table is a map from the joined
 * key to its row; rows live in one arena, and a sorted copy is made when a table is read. */
#include "surface/summary.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/map.h"

#define MAX_KEYS ((size_t)1 << 20) /* per table */

struct table {
    struct tk_map map;        /* joined key -> struct tk_sum_row * */
    struct tk_sum_row **rows; /* in order of first appearance */
    size_t n, cap;
    struct tk_sum_row *view; /* sorted copy for readers */
};

struct tk_summary {
    pthread_mutex_t lock;
    struct tk_arena arena;
    struct table t[TK_SUM_DIMS];
    struct tk_sum_totals totals;
};

#define TOTAL(key, en, ja, member) { key, en, ja, offsetof(struct tk_sum_totals, member) }
const struct tk_sum_total_field tk_sum_total_fields[] = {
    TOTAL("services", "Services", "サービス数", services),
    TOTAL("identified", "Identified products", "製品を特定", identified),
    TOTAL("affected", "Affected", "脆弱性あり", affected),
    TOTAL("possibly_affected", "Possibly affected", "脆弱性の可能性", possibly),
    TOTAL("not_affected", "Not affected", "既知の脆弱性なし", not_affected),
    TOTAL("kev", "Known exploited (KEV)", "悪用が確認された脆弱性 (KEV)", kev),
    TOTAL("attributed", "Attributed to an organisation", "組織を特定", attributed),
    TOTAL("smb_exposed", "SMB exposed", "SMB公開", smb),
    TOTAL("rdp_exposed", "RDP exposed", "RDP公開", rdp),
    TOTAL("management_exposed", "Management interface exposed", "管理画面公開", management),
};
#undef TOTAL
const size_t tk_sum_ntotal_fields = sizeof tk_sum_total_fields / sizeof *tk_sum_total_fields;

struct tk_summary *tk_summary_new(void)
{
    struct tk_summary *s = tk_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    tk_arena_init(&s->arena, (size_t)1 << 30);
    for (int i = 0; i < TK_SUM_DIMS; i++)
        tk_map_init(&s->t[i].map, MAX_KEYS);
    return s;
}

void tk_summary_free(struct tk_summary *s)
{
    if (!s)
        return;
    for (int i = 0; i < TK_SUM_DIMS; i++) {
        tk_map_release(&s->t[i].map);
        tk_free(s->t[i].rows);
        tk_free(s->t[i].view);
    }
    tk_arena_release(&s->arena);
    pthread_mutex_destroy(&s->lock);
    tk_free(s);
}

/* The row under key a|b|c, created when new; NULL when out of memory or past the bound. */
static struct tk_sum_row *row_of(struct tk_summary *s, enum tk_sum_dim dim, const char *a,
                                 const char *b, const char *c)
{
    struct table *t = &s->t[dim];
    const char *parts[3] = { a ? a : "", b ? b : "", c ? c : "" };
    struct tk_buf key = TK_BUF_INIT(4096);
    for (int i = 0; i < 3; i++) {
        if (i)
            tk_buf_addc(&key, '\x1f');
        tk_buf_adds(&key, parts[i]);
    }
    struct tk_str k = { key.ptr ? key.ptr : "", key.len };
    struct tk_sum_row *r = tk_map_get(&t->map, k);
    if (!r) {
        bool ok = (r = tk_arena_alloc(&s->arena, sizeof *r)) != NULL;
        for (int i = 0; ok && i < 3; i++)
            ok = (r->key[i] = tk_arena_strdup(&s->arena, parts[i])) != NULL;
        ok = ok && !tk_grow((void **)&t->rows, &t->cap, t->n + 1, sizeof *t->rows, MAX_KEYS) &&
             !tk_map_put(&t->map, k, r);
        if (ok) {
            r->services = r->affected = r->possibly = r->kev = 0;
            t->rows[t->n++] = r;
        } else {
            r = NULL;
        }
    }
    tk_buf_release(&key);
    return r;
}

static void count(struct tk_sum_row *r, const struct tk_device *d, int *rc)
{
    if (!r) {
        *rc = TK_ENOMEM;
        return;
    }
    r->services++;
    r->affected += d->verdict == TK_VERDICT_AFFECTED;
    r->possibly += d->verdict == TK_VERDICT_POSSIBLY;
    r->kev += d->kev;
}

int tk_summary_add(struct tk_summary *s, const struct tk_device *d)
{
    int rc = 0;
    const struct tk_attribution *at = d->attributed ? &d->at : NULL;
    pthread_mutex_lock(&s->lock);
    struct tk_sum_totals *t = &s->totals;
    t->services++;
    t->identified += d->identified;
    t->affected += d->verdict == TK_VERDICT_AFFECTED;
    t->possibly += d->verdict == TK_VERDICT_POSSIBLY;
    t->not_affected += d->verdict == TK_VERDICT_NOT_AFFECTED;
    t->kev += d->kev;
    t->attributed += at && at->org;
    for (size_t i = 0; i < d->nexposures; i++) {
        t->smb += strcmp(d->exposures[i], "smb-exposed") == 0;
        t->rdp += strcmp(d->exposures[i], "rdp-exposed") == 0;
        t->management += strcmp(d->exposures[i], "management-exposed") == 0;
    }
    if (d->identified) {
        const struct tk_fp_hit *h = &d->hit;
        const char *vendor = tk_fp_vendor(h->fp), *name = tk_fp_name(h->fp);
        count(row_of(s, TK_SUM_PRODUCT, vendor, name, NULL), d, &rc);
        if (!h->nversions)
            count(row_of(s, TK_SUM_VERSION, vendor, name, ""), d, &rc);
        for (size_t i = 0; i < h->nversions; i++)
            count(row_of(s, TK_SUM_VERSION, vendor, name, h->versions[i]), d, &rc);
    }
    for (size_t i = 0; d->as && i < d->as->n; i++) {
        const struct tk_assessed *a = &d->as->items[i];
        struct tk_sum_row *r = row_of(s, TK_SUM_CVE, a->cve->cve, a->cve->kev_added ? "kev" : "",
                                      tk_severity_name(a->cve->severity));
        if (!r) {
            rc = TK_ENOMEM;
            continue;
        }
        r->services++;
        r->affected += a->verdict == TK_VERDICT_AFFECTED;
        r->possibly += a->verdict == TK_VERDICT_POSSIBLY;
    }
    int pref = at && at->org && at->org->prefecture ? at->org->prefecture
               : at                                  ? at->prefecture
                                                     : 0;
    if (pref) {
        char code[8];
        snprintf(code, sizeof code, "JP-%02d", pref);
        count(row_of(s, TK_SUM_PREFECTURE, code, NULL, NULL), d, &rc);
    }
    if (at && at->org) {
        char code[8] = "";
        if (at->org->prefecture)
            snprintf(code, sizeof code, "JP-%02d", at->org->prefecture);
        count(row_of(s, TK_SUM_ORG, at->org->id, at->org->name, code), d, &rc);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void tk_summary_totals(const struct tk_summary *s, struct tk_sum_totals *t)
{
    *t = s->totals;
}

static int by_count(const void *pa, const void *pb)
{
    const struct tk_sum_row *a = pa, *b = pb;
    if (a->services != b->services)
        return a->services > b->services ? -1 : 1;
    for (int i = 0; i < 3; i++) {
        int c = strcmp(a->key[i], b->key[i]);
        if (c)
            return c;
    }
    return 0;
}

const struct tk_sum_row *tk_summary_table(struct tk_summary *s, enum tk_sum_dim dim, size_t *n)
{
    struct table *t = &s->t[dim];
    tk_free(t->view);
    t->view = t->n ? tk_calloc(t->n, sizeof *t->view) : NULL;
    *n = t->view ? t->n : 0;
    for (size_t i = 0; i < *n; i++)
        t->view[i] = *t->rows[i];
    if (*n)
        qsort(t->view, *n, sizeof *t->view, by_count);
    return t->view;
}

const char *tk_sum_dim_name(enum tk_sum_dim dim)
{
    static const char *const names[] = { "product", "version", "vulnerability", "prefecture",
                                         "organisation" };
    return dim < TK_SUM_DIMS ? names[dim] : "?";
}

void tk_summary_write_json(struct tk_summary *s, struct tk_json *w)
{
    static const char *const keys[TK_SUM_DIMS][3] = {
        [TK_SUM_PRODUCT] = { "vendor", "product", NULL },
        [TK_SUM_VERSION] = { "vendor", "product", "version" },
        [TK_SUM_CVE] = { "cve", NULL, "severity" },
        [TK_SUM_PREFECTURE] = { "prefecture", NULL, NULL },
        [TK_SUM_ORG] = { "org_id", "org_name", "prefecture" },
    };
    const struct tk_sum_totals *t = &s->totals;
    tk_json_obj_begin(w);
    tk_json_key(w, "totals");
    tk_json_obj_begin(w);
    for (size_t i = 0; i < tk_sum_ntotal_fields; i++)
        tk_json_kint(w, tk_sum_total_fields[i].key, (int64_t)tk_sum_total(t, i));
    tk_json_obj_end(w);
    for (int d = 0; d < TK_SUM_DIMS; d++) {
        size_t n;
        const struct tk_sum_row *rows = tk_summary_table(s, (enum tk_sum_dim)d, &n);
        tk_json_key(w, tk_sum_dim_name((enum tk_sum_dim)d));
        tk_json_arr_begin(w);
        for (size_t i = 0; i < n; i++) {
            const struct tk_sum_row *r = &rows[i];
            tk_json_obj_begin(w);
            for (int k = 0; k < 3; k++)
                if (keys[d][k])
                    tk_json_kstr(w, keys[d][k], r->key[k][0] ? r->key[k] : NULL);
            if (d == TK_SUM_CVE)
                tk_json_kbool(w, "kev", r->key[1][0] != '\0');
            tk_json_kint(w, "services", (int64_t)r->services);
            tk_json_kint(w, "affected", (int64_t)r->affected);
            tk_json_kint(w, "possibly_affected", (int64_t)r->possibly);
            if (d != TK_SUM_CVE)
                tk_json_kint(w, "kev", (int64_t)r->kev);
            tk_json_obj_end(w);
        }
        tk_json_arr_end(w);
    }
    tk_json_obj_end(w);
}
