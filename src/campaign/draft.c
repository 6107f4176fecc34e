/* draft.c - a surface result (`tenken surface identify` JSONL) read into the cases of a new
 * campaign, and a newer result read for verification (campaign.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "campaign/campaign.h"
#include "core/addr.h"
#include "core/alloc.h"
#include "core/jdoc.h"
#include "core/time.h"
#include "kb/input.h"
#include "surface/prefecture.h"

#define MAX_LINE ((size_t)16 << 20) /* one identify record; the writer's own are far smaller */

/* ---- one identify record ------------------------------------------------------------- */

static const char *text_of(struct tk_arena *a, const struct tk_jv *v)
{
    const char *s = tk_jv_str(v);
    return s && *s ? tk_arena_strndup(a, s, tk_jv_strlen(v)) : NULL;
}

static bool is_vulnerable(const char *verdict)
{
    return verdict &&
           (strcmp(verdict, "affected") == 0 || strcmp(verdict, "possibly-affected") == 0);
}

/* The prefecture of a record: its organisation's, else where the address is (1..47, 0). */
static int record_prefecture(const struct tk_jv *rec)
{
    int p = tk_prefecture_parse_str(tk_jv_text(tk_jv_get(tk_jv_get(rec, "org"), "prefecture")));
    const char *country = tk_jv_str(tk_jv_get(rec, "country"));
    if (!p && country && strcmp(country, "JP") == 0)
        p = tk_prefecture_parse_str(tk_jv_text(tk_jv_get(rec, "region")));
    return p;
}

static bool contains_ci(const char *h, const char *n)
{
    size_t k = strlen(n);
    for (; h && *h; h++)
        if (strncasecmp(h, n, k) == 0)
            return true;
    return false;
}

static bool wanted(const struct tk_jv *rec, const struct tk_campaign_filter *f)
{
    const char *product = tk_jv_str(tk_jv_get(rec, "product"));
    if (!product)
        return false; /* no fingerprint named it: nothing to notify about */
    if (!f->all && !is_vulnerable(tk_jv_str(tk_jv_get(rec, "verdict"))))
        return false;
    if (f->kev_only && !tk_jv_is(tk_jv_get(rec, "kev"), TK_JV_TRUE))
        return false;
    if (f->prefecture && record_prefecture(rec) != f->prefecture)
        return false;
    if (f->product && !contains_ci(product, f->product) &&
        !contains_ci(tk_jv_str(tk_jv_get(rec, "vendor")), f->product))
        return false;
    return true;
}

/* The CVE list, compact: [{"id":"CVE-..","kev":true}, ...] in the draft's arena. */
static const char *cves_json(struct tk_arena *a, const struct tk_jv *cves)
{
    struct tk_buf b = TK_BUF_INIT(1 << 20);
    int rc = tk_buf_addc(&b, '[');
    size_t n = 0;
    for (const struct tk_jv *c = tk_jv_is(cves, TK_JV_ARRAY) ? cves->u.first : NULL; c && !rc;
         c = c->next) {
        const char *id = tk_jv_str(tk_jv_get(c, "id"));
        if (!id || strlen(id) > 32 || strspn(id, "CVE-0123456789") != strlen(id))
            continue; /* an id is CVE-YYYY-NNNN...: anything else is not carried over */
        rc = tk_buf_addf(&b, "%s{\"id\":\"%s\",\"kev\":%s}", n++ ? "," : "", id,
                         tk_jv_is(tk_jv_get(c, "kev"), TK_JV_TRUE) ? "true" : "false");
    }
    if (!rc)
        rc = tk_buf_addc(&b, ']');
    const char *out = rc ? NULL : tk_arena_strndup(a, b.ptr, b.len);
    tk_buf_release(&b);
    return out;
}

/* ---- the draft ------------------------------------------------------------------------- */

struct reader {
    struct tk_campaign_draft *d;
    const struct tk_campaign_filter *f;
    const char *name;
    struct tk_arena line; /* one record's document */
};

static bool canon_ip(const char *ip, char out[TK_IP_STRLEN]);

static int add_device(struct tk_campaign_draft *d, const struct tk_jv *rec, struct tk_err *err)
{
    struct tk_arena *a = &d->arena;
    const struct tk_jv *org = tk_jv_get(rec, "org");
    char ip[TK_IP_STRLEN];
    canon_ip(tk_jv_str(tk_jv_get(rec, "ip")), ip); /* checked by malformed() */
    int port = (int)tk_jv_int(tk_jv_get(rec, "port"));
    /* one device per address and port, however often the result lists it */
    char service[TK_IP_STRLEN + 8];
    snprintf(service, sizeof service, "%s|%d", ip, port);
    if (tk_map_get(&d->services, tk_str_c(service))) {
        d->duplicates++;
        return 0;
    }
    if (tk_map_put(&d->services, tk_str_c(service), (void *)1) != 0)
        return tk_err_set(err, TK_ELIMIT, "more than %d devices", TK_CAMPAIGN_MAX_DEVICES);
    const char *org_id = tk_jv_str(tk_jv_get(org, "id"));
    char key[TK_CAMPAIGN_FIELD_MAX + 4];
    if (org_id && *org_id)
        snprintf(key, sizeof key, "%s", org_id); /* bounded by malformed() */
    else
        snprintf(key, sizeof key, "ip:%s", ip);
    size_t ci = (size_t)(uintptr_t)tk_map_get(&d->by_key, tk_str_c(key));
    if (!ci) {
        if (tk_grow((void **)&d->cases, &d->cap_cases, d->ncases + 1, sizeof *d->cases,
                    TK_CAMPAIGN_MAX_CASES) != 0)
            return tk_err_set(err, TK_ELIMIT, "more than %d organisations", TK_CAMPAIGN_MAX_CASES);
        int rp = record_prefecture(rec);
        char pref[8];
        snprintf(pref, sizeof pref, "JP-%02d", rp);
        d->cases[d->ncases] = (struct tk_case_new){
            .org_key = tk_arena_strdup(a, key),
            .org_name = text_of(a, tk_jv_get(org, "name")),
            .corporate_number = text_of(a, tk_jv_get(org, "corporate_number")),
            .prefecture = rp ? tk_arena_strdup(a, pref) : NULL,
        };
        ci = ++d->ncases;
        if (tk_map_put(&d->by_key, tk_str_c(key), (void *)(uintptr_t)ci) != 0)
            return tk_err_set(err, TK_ENOMEM, "out of memory");
        if (!(org_id && *org_id))
            d->unattributed++;
    }
    if (tk_grow((void **)&d->devs, &d->cap_devs, d->ndevs + 1, sizeof *d->devs,
                TK_CAMPAIGN_MAX_DEVICES) != 0 ||
        tk_grow((void **)&d->dev_case, &d->cap_dev_case, d->ndevs + 1, sizeof *d->dev_case,
                TK_CAMPAIGN_MAX_DEVICES) != 0)
        return tk_err_set(err, TK_ELIMIT, "more than %d devices", TK_CAMPAIGN_MAX_DEVICES);
    d->devs[d->ndevs] = (struct tk_case_device){
        .ip = tk_arena_strdup(a, ip),
        .port = port,
        .vendor = text_of(a, tk_jv_get(rec, "vendor")),
        .product = text_of(a, tk_jv_get(rec, "product")),
        .version = text_of(a, tk_jv_get(rec, "version")),
        .precision = text_of(a, tk_jv_get(rec, "precision")),
        .verdict = text_of(a, tk_jv_get(rec, "verdict")),
        .cves = cves_json(a, tk_jv_get(rec, "cves")),
        .kev = tk_jv_is(tk_jv_get(rec, "kev"), TK_JV_TRUE),
        .state = "vulnerable",
        .seen = text_of(a, tk_jv_get(rec, "seen")),
    };
    d->dev_case[d->ndevs++] = ci - 1;
    return a->failed ? tk_err_set(err, TK_ENOMEM, "out of memory") : 0;
}

/* The canonical text of an address (RFC 5952 for IPv6), so that records of one service written
 * differently meet; false when it is not an address. */
static bool canon_ip(const char *ip, char out[TK_IP_STRLEN])
{
    struct tk_ip a;
    if (!ip || !tk_ip_parse(tk_str_c(ip), &a))
        return false;
    tk_ip_format(&a, out);
    return true;
}

/* Checks the shape of an identify record: an address, a port, and text fields of bounded
 * length (what the store and the spreadsheets keep). */
static const char *malformed(const struct tk_jv *rec)
{
    if (!tk_jv_is(rec, TK_JV_OBJECT))
        return "not a JSON object";
    char ip[TK_IP_STRLEN];
    if (!canon_ip(tk_jv_str(tk_jv_get(rec, "ip")), ip))
        return "no \"ip\" address";
    const struct tk_jv *port = tk_jv_get(rec, "port");
    if (!tk_jv_is(port, TK_JV_INT) || tk_jv_int(port) < 0 || tk_jv_int(port) > 65535)
        return "no \"port\" from 0 to 65535";
    static const char *const fields[] = { "vendor",    "product", "version",
                                          "precision", "verdict", "seen" };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (tk_jv_strlen(tk_jv_get(rec, fields[i])) > TK_CAMPAIGN_FIELD_MAX)
            return "a text field longer than 1,024 bytes";
    const struct tk_jv *org = tk_jv_get(rec, "org");
    static const char *const ofields[] = { "id", "name", "corporate_number", "prefecture" };
    for (size_t i = 0; i < sizeof ofields / sizeof *ofields; i++)
        if (tk_jv_strlen(tk_jv_get(org, ofields[i])) > TK_CAMPAIGN_FIELD_MAX)
            return "an organisation field longer than 1,024 bytes";
    return NULL;
}

static int bad(struct tk_campaign_draft *d, const char *name, uint64_t lineno, const char *why)
{
    if (!d->bad++)
        snprintf(d->first_bad, sizeof d->first_bad, "%.100s:%llu: %.120s", name,
                 (unsigned long long)lineno, why);
    return 0;
}

static int on_line(void *ud, struct tk_str line, uint64_t lineno, struct tk_err *err)
{
    struct reader *r = ud;
    struct tk_campaign_draft *d = r->d;
    if (!tk_str_trim(line).n)
        return 0;
    d->records++;
    tk_arena_reset(&r->line);
    struct tk_jv *rec;
    struct tk_err perr = { 0 };
    if (tk_jdoc_parse(&r->line, line.p, line.n, r->name, &rec, &perr) != 0)
        return bad(d, r->name, lineno,
                   strchr(perr.msg, ' ') ? strchr(perr.msg, ' ') + 1 : perr.msg);
    const char *why = malformed(rec);
    if (why)
        return bad(d, r->name, lineno, why);
    if (!wanted(rec, r->f))
        return 0;
    return add_device(d, rec, err);
}

static int cmp_dev(const void *a, const void *b)
{
    const struct tk_case_device *x = a, *y = b;
    return strcmp(x->ip, y->ip) ? strcmp(x->ip, y->ip) : (x->port > y->port) - (x->port < y->port);
}

void tk_campaign_draft_init(struct tk_campaign_draft *d)
{
    memset(d, 0, sizeof *d);
    tk_arena_init(&d->arena, (size_t)1 << 30);
    tk_map_init(&d->by_key, TK_CAMPAIGN_MAX_CASES);
    tk_map_init(&d->services, TK_CAMPAIGN_MAX_DEVICES);
}

void tk_campaign_draft_release(struct tk_campaign_draft *d)
{
    tk_free(d->cases);
    tk_free(d->devs);
    tk_free(d->dev_case);
    tk_free(d->sorted);
    tk_map_release(&d->by_key);
    tk_map_release(&d->services);
    tk_arena_release(&d->arena);
    memset(d, 0, sizeof *d);
}

int tk_campaign_draft_read(struct tk_campaign_draft *d, const char *path,
                           const struct tk_campaign_filter *f, struct tk_err *err)
{
    struct tk_input in;
    int rc = tk_input_open(&in, path, err);
    if (rc)
        return rc;
    struct reader r = { d, f, in.name, { 0 } };
    tk_arena_init(&r.line, MAX_LINE * 8);
    rc = tk_input_each_line(&in, MAX_LINE, on_line, &r, NULL, err);
    tk_arena_release(&r.line);
    tk_input_close(&in);
    return rc;
}

int tk_campaign_draft_finish(struct tk_campaign_draft *d, struct tk_err *err)
{
    /* each case's devices together, by address and port, cases in order of appearance */
    d->sorted = tk_calloc(d->ndevs + 1, sizeof *d->sorted);
    size_t *start = tk_calloc(d->ncases + 2, sizeof *start);
    if (!d->sorted || !start) {
        tk_free(start);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < d->ndevs; i++)
        start[d->dev_case[i] + 1]++;
    for (size_t c = 0; c < d->ncases; c++)
        start[c + 1] += start[c];
    size_t *fill = tk_calloc(d->ncases + 1, sizeof *fill);
    if (!fill) {
        tk_free(start);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        size_t c = d->dev_case[i];
        d->sorted[start[c] + fill[c]++] = d->devs[i];
    }
    for (size_t c = 0; c < d->ncases; c++) {
        d->cases[c].devices = d->sorted + start[c];
        d->cases[c].ndevices = start[c + 1] - start[c];
        qsort(d->sorted + start[c], start[c + 1] - start[c], sizeof *d->sorted, cmp_dev);
    }
    tk_free(fill);
    tk_free(start);
    return 0;
}

/* ---- verification ----------------------------------------------------------------------- */

struct vreader {
    struct tk_campaign_check *c;
    const char *name;
    struct tk_arena line;
};

static int on_check_line(void *ud, struct tk_str line, uint64_t lineno, struct tk_err *err)
{
    struct vreader *r = ud;
    struct tk_campaign_check *c = r->c;
    if (!tk_str_trim(line).n)
        return 0;
    c->records++;
    tk_arena_reset(&r->line);
    struct tk_jv *rec;
    if (tk_jdoc_parse(&r->line, line.p, line.n, r->name, &rec, NULL) != 0 || malformed(rec)) {
        if (!c->bad++)
            snprintf(c->first_bad, sizeof c->first_bad, "%s:%llu: skipped", r->name,
                     (unsigned long long)lineno);
        return 0;
    }
    char ip[TK_IP_STRLEN], key[TK_IP_STRLEN + 8];
    canon_ip(tk_jv_str(tk_jv_get(rec, "ip")), ip);
    snprintf(key, sizeof key, "%s|%lld", ip, (long long)tk_jv_int(tk_jv_get(rec, "port")));
    int64_t seen = 0;
    tk_time_parse(tk_jv_text(tk_jv_get(rec, "seen")), &seen);
    if (seen > c->latest)
        c->latest = seen;
    /* what the newer survey says of the service: still affected (3), identified and no
     * longer affected (2), or seen but not judged (1: no product, or verdict unknown) */
    const char *verdict = tk_jv_str(tk_jv_get(rec, "verdict"));
    bool identified = tk_jv_str(tk_jv_get(rec, "product")) != NULL;
    uintptr_t v = is_vulnerable(verdict)                                          ? 3
                  : identified && verdict && strcmp(verdict, "not-affected") == 0 ? 2
                                                                                  : 1;
    uintptr_t old = (uintptr_t)tk_map_get(&c->seen, tk_str_c(key));
    if (old && (old & 3) >= v)
        return 0;
    /* the value packs the class (2 bits) and the time seen (seconds, >= 0); the strongest
     * answer wins when the result lists the service twice */
    uintptr_t packed = v | (uintptr_t)(seen > 0 ? seen : 0) << 2;
    if (tk_map_put(&c->seen, tk_str_c(key), (void *)packed) != 0)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory or more than %d services", r->name,
                          TK_CAMPAIGN_MAX_CHECKED);
    return 0;
}

void tk_campaign_check_init(struct tk_campaign_check *c)
{
    memset(c, 0, sizeof *c);
    tk_map_init(&c->seen, TK_CAMPAIGN_MAX_CHECKED);
}

void tk_campaign_check_release(struct tk_campaign_check *c)
{
    tk_map_release(&c->seen);
    memset(c, 0, sizeof *c);
}

int tk_campaign_check_read(struct tk_campaign_check *c, const char *path, struct tk_err *err)
{
    struct tk_input in;
    int rc = tk_input_open(&in, path, err);
    if (rc)
        return rc;
    struct vreader r = { c, in.name, { 0 } };
    tk_arena_init(&r.line, MAX_LINE * 8);
    rc = tk_input_each_line(&in, MAX_LINE, on_check_line, &r, NULL, err);
    tk_arena_release(&r.line);
    tk_input_close(&in);
    return rc;
}

const char *tk_campaign_check_state(const struct tk_campaign_check *c, const char *ip, int port,
                                    int64_t *at)
{
    char canon[TK_IP_STRLEN], key[TK_IP_STRLEN + 8];
    snprintf(key, sizeof key, "%s|%d", canon_ip(ip, canon) ? canon : ip, port);
    uintptr_t v = (uintptr_t)tk_map_get(&c->seen, tk_str_c(key));
    *at = v ? (int64_t)(v >> 2) : c->latest;
    if (!*at)
        *at = c->latest ? c->latest : tk_time_now();
    return !v ? "gone" : (v & 3) == 3 ? "vulnerable" : (v & 3) == 2 ? "fixed" : NULL;
}
