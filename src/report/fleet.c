/* fleet.c - digests gathered into an organisation's figures; the JSON and CSV writers
 * (fleet_html.c writes the HTML page). */
#include "report/fleet.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/escape.h"
#include "core/json.h"
#include "core/jdoc.h"
#include "core/map.h"
#include "core/time.h"

void tk_fleet_init(struct tk_fleet *f, const char *org_name, const char *org_id)
{
    memset(f, 0, sizeof *f);
    tk_arena_init(&f->arena, (size_t)4 << 30);
    f->org_name = org_name;
    f->org_id = org_id;
    f->generated = tk_time_now();
}

void tk_fleet_release(struct tk_fleet *f)
{
    tk_arena_release(&f->arena);
    for (size_t i = 0; i < f->ngroups; i++) {
        tk_free(f->groups[i].key);
        tk_free(f->groups[i].endpoints);
    }
    tk_free(f->endpoints);
    tk_free(f->groups);
    memset(f, 0, sizeof *f);
}

const char *tk_fleet_str(const struct tk_jv *o, const char *key)
{
    const char *s = tk_jv_str(tk_jv_get(o, key));
    return s ? s : "";
}

int64_t tk_fleet_int(const struct tk_jv *o, const char *key)
{
    return (int64_t)tk_jv_int(tk_jv_get(o, key));
}

/* Grows an array of elements of size sz to hold one more; NULL when refused. */
static void *grow(void **arr, size_t *n, size_t *cap, size_t sz, size_t max)
{
    if (*n >= max)
        return NULL;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        void *p = tk_realloc(*arr, nc * sz);
        if (!p)
            return NULL;
        *arr = p;
        *cap = nc;
    }
    char *slot = (char *)*arr + (*n)++ * sz;
    memset(slot, 0, sz);
    return slot;
}

static int severity_of(const struct tk_jv *finding)
{
    enum tk_severity s;
    return tk_severity_parse(tk_fleet_str(finding, "severity"), &s) == 0 ? (int)s : 0;
}

int tk_fleet_add(struct tk_fleet *f, const void *digest, size_t n)
{
    struct tk_jv *d = NULL;
    struct tk_err e = { 0 };
    if (tk_jdoc_parse(&f->arena, digest, n, "digest", &d, &e) != 0 ||
        !tk_jv_is(d, TK_JV_OBJECT) ||
        tk_jv_int(tk_jv_get(d, "digest")) != TK_DIGEST_VERSION ||
        !tk_jv_is(tk_jv_get(d, "findings"), TK_JV_ARRAY)) {
        if (!f->unreadable++)
            f->err = e.msg[0] ? e : (struct tk_err){ .code = TK_EPARSE,
                                                     .msg = "digest: not a version 1 digest" };
        return 0; /* what it parsed stays in the arena until the report is written */
    }
    struct tk_fleet_endpoint *ep = grow((void **)&f->endpoints, &f->nendpoints, &f->cendpoints,
                                        sizeof *ep, TK_FLEET_MAX_ENDPOINTS);
    if (!ep) {
        return f->nendpoints >= TK_FLEET_MAX_ENDPOINTS ? TK_ELIMIT : TK_ENOMEM;
    }
    ep->digest = d;
    return 0;
}

static void group_key(const struct tk_jv *finding, struct tk_buf *key)
{
    tk_buf_reset(key);
    tk_buf_adds(key, tk_fleet_str(finding, "id"));
    if (tk_jv_get(finding, "product")) {
        tk_buf_addc(key, '\x1f');
        tk_buf_adds(key, tk_fleet_str(finding, "product"));
    }
}

static int cmp_groups(const void *a, const void *b)
{
    const struct tk_fleet_group *x = a, *y = b;
    if (x->severity != y->severity)
        return (int)y->severity - (int)x->severity;
    if ((x->kev > 0) != (y->kev > 0))
        return y->kev > 0 ? 1 : -1;
    if (x->pcs != y->pcs)
        return x->pcs < y->pcs ? 1 : -1;
    return strcmp(x->key, y->key);
}

static int cmp_endpoints(const void *a, const void *b)
{
    const struct tk_fleet_endpoint *x = a, *y = b;
    if (x->worst_rank != y->worst_rank)
        return y->worst_rank - x->worst_rank;
    return strcmp(tk_fleet_str(x->digest, "hostname"), tk_fleet_str(y->digest, "hostname"));
}

int tk_fleet_finish(struct tk_fleet *f)
{
    for (size_t e = 0; e < f->nendpoints; e++) { /* the sort key first */
        struct tk_fleet_endpoint *ep = &f->endpoints[e];
        size_t i;
        const struct tk_jv *fi;
        ep->worst_rank = -1;
        tk_jv_foreach(tk_jv_get(ep->digest, "findings"), i, fi)
            if (severity_of(fi) > ep->worst_rank)
                ep->worst_rank = severity_of(fi);
    }
    if (f->nendpoints) /* qsort wants an array, even an empty one */
        qsort(f->endpoints, f->nendpoints, sizeof *f->endpoints, cmp_endpoints);
    struct tk_map idx;
    struct tk_buf key = TK_BUF_INIT(4096);
    tk_map_init(&idx, 1000000);
    int rc = 0;
    for (size_t e = 0; e < f->nendpoints && !rc; e++) {
        struct tk_fleet_endpoint *ep = &f->endpoints[e];
        const struct tk_jv *d = ep->digest;
        const char *kb = tk_fleet_str(d, "kb_date");
        if (strcmp(kb, f->kb_date) > 0)
            snprintf(f->kb_date, sizeof f->kb_date, "%s", kb);
        const struct tk_jv *facts = tk_jv_get(d, "facts");
        for (size_t k = 0; k < TK_FACT_COUNT; k++)
            if (tk_jv_is(tk_jv_get(facts, tk_fact_defs[k].name), TK_JV_TRUE)) {
                ep->facts |= 1u << k;
                f->facts[k]++;
            }
        size_t i;
        const struct tk_jv *fi;
        tk_jv_foreach(tk_jv_get(d, "findings"), i, fi) {
            int sev = severity_of(fi);
            group_key(fi, &key);
            struct tk_str k = { key.ptr ? key.ptr : "", key.len };
            size_t gi = (size_t)(uintptr_t)tk_map_get(&idx, k);
            struct tk_fleet_group *g;
            if (!gi) {
                g = grow((void **)&f->groups, &f->ngroups, &f->cgroups, sizeof *g, 1000000);
                if (!g || !(g->key = tk_strndup(k.p, k.n)) ||
                    tk_map_put(&idx, k, (void *)(uintptr_t)f->ngroups) != 0) {
                    rc = TK_ENOMEM;
                    break;
                }
                g->severity = (enum tk_severity)sev;
                g->top = fi;
                g->kev = tk_fleet_int(fi, "kev");
            } else {
                g = &f->groups[gi - 1];
                int64_t kev = tk_fleet_int(fi, "kev");
                if (sev > (int)g->severity || (sev == (int)g->severity && kev > g->kev)) {
                    g->severity = (enum tk_severity)sev;
                    g->top = fi;
                    g->kev = kev;
                }
            }
            /* one PC counts once per group, however many findings it has in it */
            if (g->nendpoints && g->endpoints[g->nendpoints - 1] == e)
                continue;
            size_t *slot = grow((void **)&g->endpoints, &g->nendpoints, &g->cendpoints,
                                sizeof *slot, TK_FLEET_MAX_ENDPOINTS);
            if (!slot) {
                rc = TK_ENOMEM;
                break;
            }
            *slot = e;
            g->pcs++;
        }
        ep->worst = ep->worst_rank < 0 ? TK_SEV_INFO : (enum tk_severity)ep->worst_rank;
        f->by_worst[ep->worst_rank + 1]++;
    }
    tk_map_release(&idx);
    tk_buf_release(&key);
    if (!rc && f->ngroups)
        qsort(f->groups, f->ngroups, sizeof *f->groups, cmp_groups);
    return rc;
}

int tk_report_format_parse(const char *s, enum tk_report_format *out)
{
    if (strcmp(s, "html") == 0)
        *out = TK_REPORT_HTML;
    else if (strcmp(s, "json") == 0)
        *out = TK_REPORT_JSON;
    else if (strcmp(s, "csv") == 0)
        *out = TK_REPORT_CSV;
    else
        return TK_EINVAL;
    return 0;
}

const char *tk_report_content_type(enum tk_report_format fmt)
{
    return fmt == TK_REPORT_HTML   ? "text/html; charset=utf-8"
           : fmt == TK_REPORT_JSON ? "application/json"
                                   : "text/csv; charset=utf-8";
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void both(struct tk_json *w, const char *key, const struct tk_jv *o, const char *field)
{
    char k[64];
    tk_json_key(w, key);
    tk_json_obj_begin(w);
    snprintf(k, sizeof k, "%s_en", field);
    tk_json_kstr(w, "en", tk_fleet_str(o, k));
    snprintf(k, sizeof k, "%s_ja", field);
    tk_json_kstr(w, "ja", tk_fleet_str(o, k));
    tk_json_obj_end(w);
}

static double share(size_t n, size_t of)
{
    return of ? (double)n / (double)of : 0.0;
}

static int write_json(const struct tk_fleet *f, struct tk_buf *out)
{
    struct tk_json w;
    char t[32];
    tk_json_init_buf(&w, out, TK_JSON_PRETTY);
    tk_json_obj_begin(&w);
    tk_json_kstr(&w, "format", "tenken-report");
    tk_json_kint(&w, "format_version", 1);
    tk_json_key(&w, "org");
    tk_json_obj_begin(&w);
    tk_json_kstr(&w, "name", f->org_name);
    tk_json_kstr(&w, "id", f->org_id);
    tk_json_obj_end(&w);
    tk_time_iso8601(f->generated, t);
    tk_json_kstr(&w, "generated", t);
    tk_json_kstr(&w, "kb_date", f->kb_date[0] ? f->kb_date : NULL);
    tk_json_kint(&w, "endpoints", (int64_t)f->nendpoints);
    tk_json_kint(&w, "pending", f->pending);
    tk_json_kint(&w, "unreadable", (int64_t)f->unreadable);
    tk_json_key(&w, "shares");
    tk_json_obj_begin(&w);
    for (size_t k = 0; k < TK_FACT_COUNT; k++) {
        tk_json_key(&w, tk_fact_defs[k].name);
        tk_json_obj_begin(&w);
        tk_json_kint(&w, "endpoints", (int64_t)f->facts[k]);
        tk_json_key(&w, "share");
        tk_json_double(&w, share(f->facts[k], f->nendpoints));
        tk_json_obj_end(&w);
    }
    tk_json_obj_end(&w);
    tk_json_key(&w, "worst_severity");
    tk_json_obj_begin(&w);
    tk_json_kint(&w, "none", (int64_t)f->by_worst[0]);
    for (int s = TK_SEV_INFO; s <= TK_SEV_CRITICAL; s++)
        tk_json_kint(&w, tk_severity_name((enum tk_severity)s), (int64_t)f->by_worst[s + 1]);
    tk_json_obj_end(&w);
    tk_json_key(&w, "top_findings");
    tk_json_arr_begin(&w);
    for (size_t i = 0; i < f->ngroups; i++) {
        const struct tk_fleet_group *g = &f->groups[i];
        tk_json_obj_begin(&w);
        tk_json_kstr(&w, "id", tk_fleet_str(g->top, "id"));
        tk_json_kstr_opt(&w, "product", tk_jv_str(tk_jv_get(g->top, "product")));
        tk_json_kstr(&w, "severity", tk_severity_name(g->severity));
        tk_json_kstr(&w, "category", tk_fleet_str(g->top, "category"));
        tk_json_kint(&w, "kev", g->kev);
        tk_json_kint(&w, "endpoints", (int64_t)g->pcs);
        tk_json_key(&w, "share");
        tk_json_double(&w, share(g->pcs, f->nendpoints));
        both(&w, "title", g->top, "title");
        both(&w, "remediation", g->top, "remediation");
        tk_json_key(&w, "hostnames");
        tk_json_arr_begin(&w);
        for (size_t k = 0; k < g->nendpoints; k++)
            tk_json_str(&w, tk_fleet_str(f->endpoints[g->endpoints[k]].digest, "hostname"));
        tk_json_arr_end(&w);
        tk_json_obj_end(&w);
    }
    tk_json_arr_end(&w);
    tk_json_key(&w, "endpoints_detail");
    tk_json_arr_begin(&w);
    for (size_t e = 0; e < f->nendpoints; e++) {
        const struct tk_jv *d = f->endpoints[e].digest;
        tk_json_obj_begin(&w);
        static const char *const keys[] = { "hostname", "endpoint_id", "os", "collected",
                                            "received", "source", "probe", "bundle_id",
                                            "kb_date" };
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            tk_json_kstr(&w, keys[k], tk_jv_str(tk_jv_get(d, keys[k])));
        tk_json_kstr(&w, "worst_severity", f->endpoints[e].worst_rank < 0
                                               ? NULL
                                               : tk_severity_name(f->endpoints[e].worst));
        tk_json_key(&w, "facts");
        tk_json_obj_begin(&w);
        for (size_t k = 0; k < TK_FACT_COUNT; k++)
            tk_json_kbool(&w, tk_fact_defs[k].name, (f->endpoints[e].facts >> k) & 1u);
        tk_json_obj_end(&w);
        tk_json_key(&w, "findings");
        tk_json_arr_begin(&w);
        size_t i;
        const struct tk_jv *fi;
        tk_jv_foreach(tk_jv_get(d, "findings"), i, fi) {
            tk_json_obj_begin(&w);
            tk_json_kstr(&w, "id", tk_fleet_str(fi, "id"));
            tk_json_kstr(&w, "severity", tk_fleet_str(fi, "severity"));
            tk_json_kstr(&w, "category", tk_fleet_str(fi, "category"));
            both(&w, "title", fi, "title");
            if (tk_jv_get(fi, "product")) {
                tk_json_kstr(&w, "product", tk_fleet_str(fi, "product"));
                tk_json_kstr_opt(&w, "version", tk_jv_str(tk_jv_get(fi, "version")));
                tk_json_kstr_opt(&w, "update_to",
                                 tk_jv_str(tk_jv_get(fi, "update_to")));
                tk_json_kint(&w, "kev", tk_fleet_int(fi, "kev"));
            }
            tk_json_key(&w, "evidence");
            tk_json_arr_begin(&w);
            size_t k;
            const struct tk_jv *ev;
            tk_jv_foreach(tk_jv_get(fi, "evidence"), k, ev)
                tk_json_str(&w, tk_jv_str(ev));
            tk_json_arr_end(&w);
            tk_json_obj_end(&w);
        }
        tk_json_arr_end(&w);
        tk_json_obj_end(&w);
    }
    tk_json_arr_end(&w);
    tk_json_obj_end(&w);
    int rc = tk_json_finish(&w);
    return rc ? rc : tk_buf_addc(out, '\n');
}

/* ---- CSV ----------------------------------------------------------------------------------- */

static int csv_field(struct tk_buf *out, const char *s, bool last)
{
    int rc = tk_escape_csv(out, s ? s : "", s ? strlen(s) : 0);
    return rc ? rc : tk_buf_adds(out, last ? "\r\n" : ",");
}

static int write_csv(const struct tk_fleet *f, enum tk_lang lang, struct tk_buf *out)
{
    static const char *const head[] = { "org", "hostname", "endpoint_id", "os", "collected",
                                        "source", "finding", "severity", "category", "title",
                                        "product", "version", "update_to", "kev" };
    const size_t nh = sizeof head / sizeof head[0];
    int rc = 0;
    for (size_t i = 0; i < nh && !rc; i++)
        rc = csv_field(out, head[i], i + 1 == nh);
    for (size_t e = 0; e < f->nendpoints && !rc; e++) {
        const struct tk_jv *d = f->endpoints[e].digest;
        const struct tk_jv *list = tk_jv_get(d, "findings");
        size_t n = tk_jv_size(list);
        const struct tk_jv *fi_next = NULL;
        for (size_t i = 0; i < (n ? n : 1) && !rc; i++) {
            const struct tk_jv *fi = n ? (i ? fi_next : list->u.first) : NULL;
            fi_next = fi ? fi->next : NULL;
            char kev[24] = "";
            if (fi && tk_jv_get(fi, "kev"))
                snprintf(kev, sizeof kev, "%lld", (long long)tk_fleet_int(fi, "kev"));
            const char *row[] = {
                f->org_name,
                tk_fleet_str(d, "hostname"),
                tk_fleet_str(d, "endpoint_id"),
                tk_fleet_str(d, "os"),
                tk_fleet_str(d, "collected"),
                tk_fleet_str(d, "source"),
                fi ? tk_fleet_str(fi, "id") : "",
                fi ? tk_fleet_str(fi, "severity") : "",
                fi ? tk_fleet_str(fi, "category") : "",
                fi ? tk_fleet_str(fi, lang == TK_LANG_JA ? "title_ja" : "title_en") : "",
                fi ? tk_fleet_str(fi, "product") : "",
                fi ? tk_fleet_str(fi, "version") : "",
                fi ? tk_fleet_str(fi, "update_to") : "",
                kev,
            };
            for (size_t k = 0; k < nh && !rc; k++)
                rc = csv_field(out, row[k], k + 1 == nh);
        }
    }
    return rc;
}

int tk_fleet_write(const struct tk_fleet *f, enum tk_report_format fmt, enum tk_lang lang,
                   struct tk_buf *out)
{
    switch (fmt) {
    case TK_REPORT_JSON:
        return write_json(f, out);
    case TK_REPORT_CSV:
        return write_csv(f, lang, out);
    case TK_REPORT_HTML:
    default:
        return tk_fleet_write_html(f, lang, out);
    }
}
