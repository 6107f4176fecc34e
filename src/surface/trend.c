/* trend.c - two datasets of device records compared (trend.h): a compact set of services
 * shared by both datasets, one counted table per dimension, the line reader, and the text,
 * JSON-lines and CSV forms of the result. */
#include "surface/trend.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/attr.h"
#include "core/addr.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/jdoc.h"
#include "core/map.h"
#include "core/time.h"
#include "core/utf8.h"

#define MAX_EXPOSURES 16    /* distinct exposures counted per record */
#define KEY_COLUMN_WIDTH 48 /* text: wider keys are cut */
#define KEV_KEY "affected-or-possibly"
#define MAX_TIME INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

static const char *const dim_names[TK_TREND_NDIMS] = {
    [TK_TREND_SERVICES] = "services", [TK_TREND_PORT] = "port",
    [TK_TREND_PRODUCT] = "product",   [TK_TREND_COUNTRY] = "country",
    [TK_TREND_EXPOSURE] = "exposure", [TK_TREND_VERDICT] = "verdict",
    [TK_TREND_KEV] = "kev",
};

const char *tk_trend_dim_name(enum tk_trend_dim d)
{
    return d < TK_TREND_NDIMS ? dim_names[d] : "?";
}

/* ---- the set of services ------------------------------------------------------------- */

/* One service in 20 bytes: the address (IPv4 mapped into IPv6, so the families never
 * meet), port and transport, and the datasets it was counted in. Strings would cost three
 * times as much, and this set is what grows with a country-wide dataset. */
struct svc {
    unsigned char ip[16];
    uint16_t port;
    uint8_t udp;
    uint8_t in; /* 1 << side for each dataset; 0: an empty slot */
};

struct svcset {
    struct svc *slots;
    size_t cap, n, max;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t svc_hash(const struct svc *s)
{
    uint64_t a, b;
    memcpy(&a, s->ip, 8);
    memcpy(&b, s->ip + 8, 8);
    return mix(a ^ mix(b ^ mix(((uint64_t)s->port << 1) | s->udp)));
}

/* The slot holding k, or the empty slot where it belongs. */
static struct svc *svc_slot(const struct svcset *set, const struct svc *k)
{
    size_t i = (size_t)svc_hash(k) & (set->cap - 1);
    for (;;) {
        struct svc *s = &set->slots[i];
        if (!s->in || (s->port == k->port && s->udp == k->udp && memcmp(s->ip, k->ip, 16) == 0))
            return s;
        i = (i + 1) & (set->cap - 1);
    }
}

static int svc_grow(struct svcset *set)
{
    size_t ncap = set->cap ? set->cap * 2 : 1024;
    struct svc *old = set->slots;
    size_t ocap = set->cap;
    struct svc *slots = tk_calloc(ncap, sizeof *slots);
    if (!slots)
        return TK_ENOMEM;
    set->slots = slots;
    set->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].in)
            *svc_slot(set, &old[i]) = old[i];
    tk_free(old);
    return 0;
}

/* ---- the tables ---------------------------------------------------------------------- */

struct dim {
    struct tk_map map; /* key -> row index + 1 */
    struct tk_trend_row *rows;
    size_t nrows, cap;
    size_t none; /* row index + 1 of the row without a key; 0: none yet */
};

struct tk_trend {
    struct tk_trend_opts o;
    struct svcset set;
    struct dim dims[TK_TREND_NDIMS];
    struct tk_arena keys; /* the rows' keys */
    struct tk_arena rec;  /* one record, reset after each */
    struct tk_trend_stats st[2];
    uint64_t kept; /* services in both datasets */
    bool new_begun, finished;
};

/* The row of key (NULL: the row without a key) in table d, made when missing. The key
 * holds no NUL byte (cut_key): the map keeps its keys as C strings. */
static int dim_row(struct tk_trend *t, enum tk_trend_dim d, const char *key, size_t n, size_t *idx)
{
    struct dim *dm = &t->dims[d];
    struct tk_str k = { key, n };
    uintptr_t v = key ? (uintptr_t)tk_map_get(&dm->map, k) : dm->none;
    if (v) {
        *idx = (size_t)v - 1;
        return 0;
    }
    if (dm->nrows >= t->o.max_keys)
        return TK_ELIMIT;
    int rc = tk_grow((void **)&dm->rows, &dm->cap, dm->nrows + 1, sizeof *dm->rows, t->o.max_keys);
    if (rc)
        return rc;
    char *copy = NULL;
    if (key) {
        if (!(copy = tk_arena_alloc(&t->keys, n + 1)))
            return TK_ENOMEM;
        memcpy(copy, key, n);
        copy[n] = '\0';
        if ((rc = tk_map_put(&dm->map, k, (void *)(uintptr_t)(dm->nrows + 1))) != 0)
            return rc;
    } else {
        dm->none = dm->nrows + 1;
    }
    dm->rows[dm->nrows] = (struct tk_trend_row){ .key = copy, .keylen = key ? n : 0 };
    *idx = dm->nrows++;
    return 0;
}

/* Counts one service of side under key in table d; a table past its limit drops the key. */
static int count(struct tk_trend *t, enum tk_trend_side side, enum tk_trend_dim d, const char *key,
                 size_t n)
{
    size_t idx;
    int rc = dim_row(t, d, key, n, &idx);
    if (rc == TK_ELIMIT) {
        t->st[side].keys_dropped++;
        return 0;
    }
    if (rc)
        return rc;
    t->dims[d].rows[idx].n[side]++;
    return 0;
}

int tk_trend_new(struct tk_trend **out, const struct tk_trend_opts *opts)
{
    static const char *const verdicts[] = { "affected", "possibly-affected", "not-affected",
                                            "unknown" };
    static const char *const exposures[] = { "smb-exposed", "rdp-exposed", "management-exposed" };
    *out = NULL;
    struct tk_trend *t = tk_calloc(1, sizeof *t);
    if (!t)
        return TK_ENOMEM;
    t->o = *opts;
    if (!t->o.max_services)
        t->o.max_services = TK_TREND_MAX_SERVICES;
    if (!t->o.max_keys)
        t->o.max_keys = TK_TREND_MAX_KEYS;
    if (t->o.max_keys < 8)
        t->o.max_keys = 8; /* room for the fixed vocabulary */
    if (!t->o.max_line)
        t->o.max_line = (size_t)64 << 20;
    t->set.max = t->o.max_services;
    for (int d = 0; d < TK_TREND_NDIMS; d++)
        tk_map_init(&t->dims[d].map, t->o.max_keys);
    tk_arena_init(&t->keys, (size_t)1 << 32);
    tk_arena_init(&t->rec, 16 * t->o.max_line + ((size_t)16 << 20));
    /* the documented vocabulary is always shown, with its zeros */
    size_t idx;
    int rc = dim_row(t, TK_TREND_KEV, KEV_KEY, strlen(KEV_KEY), &idx);
    for (size_t i = 0; !rc && i < sizeof verdicts / sizeof *verdicts; i++)
        rc = dim_row(t, TK_TREND_VERDICT, verdicts[i], strlen(verdicts[i]), &idx);
    for (size_t i = 0; !rc && i < sizeof exposures / sizeof *exposures; i++)
        rc = dim_row(t, TK_TREND_EXPOSURE, exposures[i], strlen(exposures[i]), &idx);
    if (rc) {
        tk_trend_free(t);
        return TK_ENOMEM;
    }
    *out = t;
    return 0;
}

void tk_trend_free(struct tk_trend *t)
{
    if (!t)
        return;
    for (int d = 0; d < TK_TREND_NDIMS; d++) {
        tk_map_release(&t->dims[d].map);
        tk_free(t->dims[d].rows);
    }
    tk_free(t->set.slots);
    tk_arena_release(&t->keys);
    tk_arena_release(&t->rec);
    tk_free(t);
}

/* ---- one record ---------------------------------------------------------------------- */

struct rec {
    struct svc svc;
    struct tk_str product; /* the table's key: "Vendor Product"; p NULL: unidentified */
    char joined[2 * TK_TREND_MAX_KEY + 1];
    char country[3]; /* "" when not located */
    struct tk_str verdict;
    struct tk_str exposures[MAX_EXPOSURES];
    size_t nexposures;
    bool kev;
    bool has_seen;
    int64_t seen;
};

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool is_alpha(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* ASCII case-insensitive: s equals b / s contains b. */
static bool same(struct tk_str s, const char *b)
{
    return s.p && tk_str_eqcase_c(s, b);
}

static bool contains(struct tk_str s, const char *b)
{
    size_t n = strlen(b);
    for (size_t i = 0; s.p && n <= s.n && i <= s.n - n; i++) {
        size_t j = 0;
        while (j < n && lower((unsigned char)s.p[i + j]) == lower((unsigned char)b[j]))
            j++;
        if (j == n)
            return true;
    }
    return false;
}

/* A key ends at a NUL byte (keys are C strings in the map and in every output) and has at
 * most TK_TREND_MAX_KEY bytes, cut where a UTF-8 sequence begins. */
static struct tk_str cut_key(struct tk_str s)
{
    const char *nul = s.n ? memchr(s.p, '\0', s.n) : NULL;
    if (nul)
        s.n = (size_t)(nul - s.p);
    if (s.n <= TK_TREND_MAX_KEY)
        return s;
    size_t n = TK_TREND_MAX_KEY;
    while (n && ((unsigned char)s.p[n] & 0xC0) == 0x80)
        n--;
    return (struct tk_str){ s.p, n };
}

/* A member that must be a string when present: 1 with its text, 0 when absent or null,
 * -1 when it is something else. */
static int opt_string(const struct tk_jv *rec, const char *key, struct tk_str *out)
{
    const struct tk_jv *v = tk_jv_get(rec, key);
    *out = (struct tk_str){ 0 };
    if (!v || v->type == TK_JV_NULL)
        return 0;
    if (v->type != TK_JV_STRING)
        return -1;
    *out = tk_jv_text(v);
    return 1;
}

static bool kev_verdict(struct tk_str v)
{
    return tk_str_eq_c(v, "affected") || tk_str_eq_c(v, "possibly-affected");
}

static int bad(struct tk_err *why, const char *what)
{
    return tk_err_set(why, TK_EPARSE, "%s", what);
}

/* The product's key: vendor and product name, the vendor left out when the name already
 * starts with it; joined in r->joined. */
static void product_key(struct rec *r, struct tk_str vendor, struct tk_str name)
{
    r->product = (struct tk_str){ 0 };
    vendor = cut_key(vendor);
    name = cut_key(name);
    if (!vendor.n && !name.n)
        return;
    bool prefixed = vendor.n && name.n >= vendor.n &&
                    strncasecmp(name.p, vendor.p, vendor.n) == 0 &&
                    (name.n == vendor.n || name.p[vendor.n] == ' ');
    if (!vendor.n || !name.n || prefixed) {
        r->product = name.n ? name : vendor;
        return;
    }
    memcpy(r->joined, vendor.p, vendor.n);
    r->joined[vendor.n] = ' ';
    memcpy(r->joined + vendor.n + 1, name.p, name.n);
    r->product = cut_key((struct tk_str){ r->joined, vendor.n + 1 + name.n });
}

static int parse(struct tk_trend *t, struct tk_str line, struct rec *r, bool *wanted,
                 struct tk_err *why)
{
    struct tk_jv *root = NULL;
    struct tk_err perr = { 0 };
    if (tk_jdoc_parse(&t->rec, line.p, line.n, "", &root, &perr)) {
        if (perr.code == TK_ENOMEM || perr.code == TK_ELIMIT)
            return bad(why, "the record exceeds the memory bound for one record");
        unsigned long long l = 0, col = 0;
        int used = 0;
        if (sscanf(perr.msg, ":%llu:%llu: %n", &l, &col, &used) == 2 && used > 0)
            return tk_err_set(why, TK_EPARSE, "invalid JSON at column %llu: %s", col,
                              perr.msg + used);
        return tk_err_set(why, TK_EPARSE, "invalid JSON: %s", perr.msg);
    }
    if (!tk_jv_is(root, TK_JV_OBJECT))
        return bad(why, "not a JSON object");

    struct tk_ip ip;
    struct tk_str s = tk_jv_text(tk_jv_get(root, "ip"));
    if (!s.n || !tk_ip_parse(s, &ip))
        return bad(why, "\"ip\" is missing or not an IP address");
    tk_ip_unmap(&ip);
    if (ip.family == 4) {
        memset(r->svc.ip, 0, 10);
        r->svc.ip[10] = r->svc.ip[11] = 0xff;
        memcpy(r->svc.ip + 12, ip.b, 4);
    } else {
        memcpy(r->svc.ip, ip.b, 16);
    }
    const struct tk_jv *port = tk_jv_get(root, "port");
    if (!tk_jv_is(port, TK_JV_INT) || port->u.i < 1 || port->u.i > 65535)
        return bad(why, "\"port\" is missing or not a port number (1-65535)");
    r->svc.port = (uint16_t)port->u.i;
    int k = opt_string(root, "transport", &s);
    if (k < 0 || (k > 0 && !tk_str_eqcase_c(s, "tcp") && !tk_str_eqcase_c(s, "udp")))
        return bad(why, "\"transport\" is neither \"tcp\" nor \"udp\"");
    r->svc.udp = k > 0 && tk_str_eqcase_c(s, "udp");

    /* country: a two-letter code, or nothing known */
    r->country[0] = '\0';
    if ((k = opt_string(root, "country", &s)) < 0 ||
        (s.n && (s.n != 2 || !is_alpha(s.p[0]) || !is_alpha(s.p[1]))))
        return bad(why, "\"country\" is not a two-letter country code");
    if (s.n) {
        r->country[0] = (char)(lower(s.p[0]) - 32);
        r->country[1] = (char)(lower(s.p[1]) - 32);
        r->country[2] = '\0';
    }

    struct tk_str vendor, name, fpid, kbp;
    if (opt_string(root, "vendor", &vendor) < 0 || opt_string(root, "product", &name) < 0)
        return bad(why, "\"vendor\" or \"product\" is neither a string nor null");
    opt_string(root, "fingerprint", &fpid);
    opt_string(root, "kb_product", &kbp);
    product_key(r, vendor, name);

    if ((k = opt_string(root, "verdict", &s)) < 0)
        return bad(why, "\"verdict\" is not a string");
    s = cut_key(s);
    r->verdict = s.n ? s : TK_STR_LIT("unknown");

    const struct tk_jv *cves = tk_jv_get(root, "cves"), *el;
    size_t i;
    if (cves && cves->type != TK_JV_NULL && cves->type != TK_JV_ARRAY)
        return bad(why, "\"cves\" is not an array");
    r->kev = false;
    tk_jv_foreach(cves, i, el)
    {
        if (!tk_jv_is(el, TK_JV_OBJECT))
            return bad(why, "\"cves\" holds something other than an object");
        if (!tk_jv_is(tk_jv_get(el, "kev"), TK_JV_TRUE))
            continue;
        struct tk_str cv;
        int has = opt_string(el, "verdict", &cv);
        if (kev_verdict(has > 0 ? cv : r->verdict))
            r->kev = true;
    }

    const struct tk_jv *exp = tk_jv_get(root, "exposures");
    if (exp && exp->type != TK_JV_NULL && exp->type != TK_JV_ARRAY)
        return bad(why, "\"exposures\" is not an array");
    r->nexposures = 0;
    tk_jv_foreach(exp, i, el)
    {
        if (!tk_jv_is(el, TK_JV_STRING))
            return bad(why, "\"exposures\" holds something other than a string");
        struct tk_str e = cut_key(tk_jv_text(el));
        bool dup = !e.n;
        for (size_t j = 0; j < r->nexposures && !dup; j++)
            dup = tk_str_eq(r->exposures[j], e);
        if (!dup && r->nexposures < MAX_EXPOSURES)
            r->exposures[r->nexposures++] = e;
    }

    /* "seen" that is not a time leaves the dates alone: the service still counts */
    const struct tk_jv *seen = tk_jv_get(root, "seen");
    r->has_seen = false;
    if (tk_jv_is(seen, TK_JV_INT)) {
        r->seen = seen->u.i;
        r->has_seen = true;
    } else if (tk_jv_is(seen, TK_JV_STRING)) {
        r->has_seen = tk_time_parse(tk_jv_text(seen), &r->seen);
    }
    if (r->has_seen && (r->seen < 0 || r->seen > MAX_TIME))
        r->has_seen = false;

    /* the filters, as identify applies them */
    *wanted = true;
    if (t->o.country && !(r->country[0] && strcasecmp(r->country, t->o.country) == 0))
        *wanted = false;
    if (t->o.product && !(same(fpid, t->o.product) || same(kbp, t->o.product) ||
                          same(vendor, t->o.product) || contains(name, t->o.product)))
        *wanted = false;
    return 0;
}

static int count_record(struct tk_trend *t, enum tk_trend_side side, const struct rec *r)
{
    char port[16];
    int n = snprintf(port, sizeof port, "%u/%s", (unsigned)r->svc.port, r->svc.udp ? "udp" : "tcp");
    int rc = count(t, side, TK_TREND_PORT, port, (size_t)n);
    if (!rc)
        rc = count(t, side, TK_TREND_PRODUCT, r->product.p, r->product.n);
    if (!rc)
        rc = count(t, side, TK_TREND_COUNTRY, r->country[0] ? r->country : NULL, 2);
    for (size_t i = 0; !rc && i < r->nexposures; i++)
        rc = count(t, side, TK_TREND_EXPOSURE, r->exposures[i].p, r->exposures[i].n);
    if (!rc)
        rc = count(t, side, TK_TREND_VERDICT, r->verdict.p, r->verdict.n);
    if (!rc && r->kev)
        rc = count(t, side, TK_TREND_KEV, KEV_KEY, strlen(KEV_KEY));
    return rc;
}

int tk_trend_add(struct tk_trend *t, enum tk_trend_side side, struct tk_str line,
                 struct tk_err *why)
{
    if (t->finished || (side == TK_TREND_OLD && t->new_begun))
        return tk_err_set(why, TK_EINVAL, "the old dataset must be read before the new one");
    if (side == TK_TREND_NEW)
        t->new_begun = true;
    line = tk_str_trim(line);
    if (!line.n)
        return 0;
    struct tk_trend_stats *st = &t->st[side];
    st->records++;
    struct rec r = { 0 };
    bool wanted = false;
    int rc = parse(t, line, &r, &wanted, why);
    if (rc == TK_EPARSE)
        st->malformed++;
    if (rc || !wanted) {
        st->filtered += !rc;
        goto done;
    }
    if (r.has_seen) {
        if (!st->has_seen || r.seen < st->first_seen)
            st->first_seen = r.seen;
        if (!st->has_seen || r.seen > st->last_seen)
            st->last_seen = r.seen;
        st->has_seen = true;
    }
    struct svc *slot = t->set.cap ? svc_slot(&t->set, &r.svc) : NULL;
    uint8_t bit = (uint8_t)(1u << side);
    if (slot && slot->in & bit) {
        st->duplicates++;
        goto done;
    }
    if (!slot || !slot->in) {
        if (t->set.n >= t->set.max) {
            st->beyond_limit++;
            goto done;
        }
        if ((t->set.n + 1) * 4 > t->set.cap * 3) {
            if ((rc = svc_grow(&t->set)) != 0)
                goto done;
        }
        slot = svc_slot(&t->set, &r.svc);
        *slot = r.svc;
        t->set.n++;
    } else {
        t->kept++; /* in OLD, now in NEW */
    }
    slot->in |= bit;
    st->services++;
    rc = count_record(t, side, &r);
done:
    tk_arena_reset(&t->rec);
    return rc;
}

/* ---- reading a dataset --------------------------------------------------------------- */

static int load_line(struct tk_trend *t, enum tk_trend_side side, const char *p, size_t n,
                     const char *name, uint64_t lineno, struct tk_err *err)
{
    if (n && p[n - 1] == '\r')
        n--;
    struct tk_err why = { 0 };
    int rc = tk_trend_add(t, side, (struct tk_str){ p, n }, &why);
    if (rc == TK_EPARSE) {
        if (t->o.bad)
            t->o.bad(t->o.ud, name, lineno, why.msg);
        return 0;
    }
    if (rc)
        return tk_err_set(err, rc, "%s:%llu: %s", name, (unsigned long long)lineno,
                          rc == TK_ENOMEM ? "out of memory" : why.msg);
    return 0;
}

/* A line too long to be a record: counted and reported as malformed. */
static void too_long(struct tk_trend *t, enum tk_trend_side side, const char *name, uint64_t lineno)
{
    t->st[side].records++;
    t->st[side].malformed++;
    if (t->o.bad) {
        char why[96];
        snprintf(why, sizeof why, "the line is longer than %zu bytes", t->o.max_line);
        t->o.bad(t->o.ud, name, lineno, why);
    }
}

int tk_trend_load(struct tk_trend *t, enum tk_trend_side side, tk_trend_read_fn rd, void *ctx,
                  const char *name, struct tk_err *err)
{
    size_t max = t->o.max_line, most = max + 65536;
    size_t cap = max < ((size_t)1 << 20) ? most : ((size_t)1 << 20) + 65536;
    size_t start = 0, end = 0, scanned = 0; /* scanned: bytes after start with no newline */
    uint64_t lineno = 0;
    bool skipping = false, eof = false;
    int rc = 0;
    char *buf = tk_malloc(cap);
    if (!buf)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
    for (;;) {
        /* search only the bytes not searched before: tiny reads of a long line stay linear */
        char *nl = end > start + scanned
                       ? memchr(buf + start + scanned, '\n', end - start - scanned)
                       : NULL;
        if (nl) {
            size_t len = (size_t)(nl - (buf + start));
            if (skipping)
                skipping = false; /* the end of a line already reported */
            else if (len > max)
                too_long(t, side, name, ++lineno);
            else if ((rc = load_line(t, side, buf + start, len, name, ++lineno, err)) != 0)
                break;
            start += len + 1;
            scanned = 0;
            continue;
        }
        scanned = end - start;
        if (eof) {
            if (end > start && !skipping) {
                if (end - start > max)
                    too_long(t, side, name, ++lineno);
                else
                    rc = load_line(t, side, buf + start, end - start, name, ++lineno, err);
            }
            break;
        }
        if (!skipping && end - start > max) {
            /* too long to be a record: reported now, skipped up to its newline */
            too_long(t, side, name, ++lineno);
            skipping = true;
        }
        if (skipping) {
            start = end = scanned = 0;
        } else if (start) {
            memmove(buf, buf + start, end - start);
            end -= start;
            start = 0;
        }
        if (end == cap) {
            size_t ncap = cap * 2 < most ? cap * 2 : most;
            char *nb = tk_realloc(buf, ncap);
            if (!nb) {
                rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        long got = rd(ctx, buf + end, cap - end);
        if (got < 0) {
            rc = tk_err_set(err, TK_EIO,
                            "%s: read failed after line %llu (a truncated or corrupt gzip "
                            "stream?)",
                            name, (unsigned long long)lineno);
            break;
        }
        if (got == 0)
            eof = true;
        end += (size_t)got;
        t->st[side].bytes += (uint64_t)got;
    }
    tk_free(buf);
    return rc;
}

int tk_trend_input_open(struct tk_input *in, const char *path, struct tk_err *err)
{
    in->gz = NULL;
    in->name = path;
    if (strcmp(path, "-") != 0) {
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            return tk_err_set(err, TK_EINVAL, "%s: cannot open: is a directory", path);
        return tk_input_open(in, path, err);
    }
    int fd = dup(STDIN_FILENO);
    if (fd < 0)
        return tk_err_sys(err, errno, "standard input: cannot read");
    if (!(in->gz = gzdopen(fd, "rb"))) {
        close(fd);
        return tk_err_set(err, TK_ENOMEM, "standard input: out of memory");
    }
    gzbuffer(in->gz, 256 * 1024);
    return 0;
}

/* ---- the result ---------------------------------------------------------------------- */

static int cmp_rows(const void *pa, const void *pb)
{
    const struct tk_trend_row *a = pa, *b = pb;
    if (a->n[TK_TREND_NEW] != b->n[TK_TREND_NEW])
        return a->n[TK_TREND_NEW] > b->n[TK_TREND_NEW] ? -1 : 1;
    if (a->n[TK_TREND_OLD] != b->n[TK_TREND_OLD])
        return a->n[TK_TREND_OLD] > b->n[TK_TREND_OLD] ? -1 : 1;
    if (!a->key || !b->key)
        return (a->key == NULL) - (b->key == NULL); /* the row without a key last */
    size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
    int c = memcmp(a->key, b->key, n);
    return c ? c : (a->keylen > b->keylen) - (a->keylen < b->keylen);
}

void tk_trend_finish(struct tk_trend *t)
{
    if (t->finished)
        return;
    t->finished = true;
    /* the services table: four fixed rows, from the set's counts */
    static const char *const names[4] = { "total", "kept", "appeared", "disappeared" };
    struct dim *sv = &t->dims[TK_TREND_SERVICES];
    uint64_t o = t->st[TK_TREND_OLD].services, n = t->st[TK_TREND_NEW].services;
    const uint64_t counts[4][2] = {
        { o, n }, { t->kept, t->kept }, { 0, n - t->kept }, { o - t->kept, 0 }
    };
    if (tk_grow((void **)&sv->rows, &sv->cap, 4, sizeof *sv->rows, 4) == 0) {
        for (size_t i = 0; i < 4; i++)
            sv->rows[i] =
                (struct tk_trend_row){ names[i], strlen(names[i]), { counts[i][0], counts[i][1] } };
        sv->nrows = 4;
    }
    for (int d = TK_TREND_SERVICES + 1; d < TK_TREND_NDIMS; d++)
        if (t->dims[d].nrows > 1)
            qsort(t->dims[d].rows, t->dims[d].nrows, sizeof *t->dims[d].rows, cmp_rows);
}

const struct tk_trend_stats *tk_trend_stats(const struct tk_trend *t, enum tk_trend_side side)
{
    return &t->st[side];
}

size_t tk_trend_rows(const struct tk_trend *t, enum tk_trend_dim d,
                     const struct tk_trend_row **rows)
{
    *rows = d < TK_TREND_NDIMS && t->finished ? t->dims[d].rows : NULL;
    return *rows ? t->dims[d].nrows : 0;
}

int64_t tk_trend_change(const struct tk_trend_row *r)
{
    return (int64_t)(r->n[TK_TREND_NEW] - r->n[TK_TREND_OLD]);
}

bool tk_trend_pct(const struct tk_trend_row *r, double *pct)
{
    if (!r->n[TK_TREND_OLD])
        return false;
    double old = (double)r->n[TK_TREND_OLD], now = (double)r->n[TK_TREND_NEW];
    *pct = round((now - old) * 1000.0 / old) / 10.0;
    if (*pct == 0)
        *pct = 0; /* no "-0.0" */
    return true;
}

int tk_trend_format_parse(const char *name, enum tk_trend_format *out)
{
    static const char *const names[] = {
        [TK_TREND_TEXT] = "text", [TK_TREND_JSONL] = "jsonl", [TK_TREND_CSV] = "csv"
    };
    for (size_t i = 0; name && i < sizeof names / sizeof *names; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (enum tk_trend_format)i;
            return 0;
        }
    }
    return TK_EINVAL;
}

/* ---- writing ------------------------------------------------------------------------- */

struct out {
    const struct tk_trend *t;
    const struct tk_trend_out *o;
    tk_json_sink_fn sink;
    void *ctx;
    struct tk_buf b; /* what is being formatted; handed to the sink in pieces */
    int err;
};

static void flush(struct out *w)
{
    if (!w->err && w->b.len)
        w->err = w->sink(w->ctx, w->b.ptr, w->b.len);
    tk_buf_reset(&w->b);
}

static void addf(struct out *w, const char *fmt, ...) TK_PRINTF(2, 3);
static void addf(struct out *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = tk_buf_vaddf(&w->b, fmt, ap);
    va_end(ap);
    if (rc && !w->err)
        w->err = rc;
}

static void adds(struct out *w, const char *s)
{
    int rc = tk_buf_adds(&w->b, s);
    if (rc && !w->err)
        w->err = rc;
}

static void iso(const struct tk_trend_stats *st, bool last, char *out)
{
    if (st->has_seen)
        tk_time_iso8601(last ? st->last_seen : st->first_seen, out);
    else
        out[0] = '\0';
}

/* What a row without a key stands for, per table. */
static const char *no_key(enum tk_trend_dim d)
{
    return d == TK_TREND_PRODUCT   ? "(unidentified)"
           : d == TK_TREND_COUNTRY ? "(unknown)"
                                   : "(none)";
}

/* text ---------------------------------------------------------------------------------- */

struct cell {
    char key[KEY_COLUMN_WIDTH * 8 + 8]; /* escaped and cut */
    size_t width;
    char old[24], now[24], change[24], pct[24];
};

/* key escaped for the terminal into c->key, cut to KEY_COLUMN_WIDTH columns with "…" */
static int cell_key(struct cell *c, const char *key, size_t n)
{
    struct tk_buf e = TK_BUF_INIT((size_t)TK_TREND_MAX_KEY * 8);
    int rc = tk_escape_term(&e, key, n);
    const char *s = tk_buf_cstr(&e);
    size_t len = strlen(s), used = 0, width = 0, total = tk_utf8_width(s, len);
    while (used < len) {
        uint32_t cp;
        size_t k = tk_utf8_decode((const unsigned char *)s + used, len - used, &cp);
        k = k ? k : 1;
        size_t cw = tk_utf8_width(s + used, k);
        if (total > KEY_COLUMN_WIDTH && width + cw > KEY_COLUMN_WIDTH - 1)
            break;
        if (used + k + 4 > sizeof c->key)
            break;
        width += cw;
        used += k;
    }
    memcpy(c->key, s, used);
    c->key[used] = '\0';
    if (used < len) {
        memcpy(c->key + used, "\xE2\x80\xA6", 4); /* … */
        width++;
    }
    c->width = width;
    tk_buf_release(&e);
    return rc;
}

static void cell_numbers(struct cell *c, const struct tk_trend_row *r)
{
    snprintf(c->old, sizeof c->old, "%" PRIu64, r->n[TK_TREND_OLD]);
    snprintf(c->now, sizeof c->now, "%" PRIu64, r->n[TK_TREND_NEW]);
    int64_t ch = tk_trend_change(r);
    snprintf(c->change, sizeof c->change, ch ? "%+" PRId64 : "0", ch);
    double pct;
    if (!tk_trend_pct(r, &pct))
        snprintf(c->pct, sizeof c->pct, "n/a");
    else
        snprintf(c->pct, sizeof c->pct, pct != 0 ? "%+.1f%%" : "0.0%%", pct);
}

static size_t max_len(size_t a, const char *s)
{
    size_t n = strlen(s);
    return n > a ? n : a;
}

static void text_table(struct out *w, enum tk_trend_dim d)
{
    const struct tk_trend_row *rows;
    size_t n = tk_trend_rows(w->t, d, &rows);
    size_t top = w->o->top, shown = top && n > top + 1 ? top : n;
    struct cell *cells = tk_calloc(shown + 1, sizeof *cells);
    if (!cells) {
        w->err = w->err ? w->err : TK_ENOMEM;
        return;
    }
    size_t ncells = 0;
    int rc = 0;
    for (size_t i = 0; i < shown && !rc; i++, ncells++) {
        rc = rows[i].key ? cell_key(&cells[ncells], rows[i].key, rows[i].keylen)
                         : cell_key(&cells[ncells], no_key(d), strlen(no_key(d)));
        cell_numbers(&cells[ncells], &rows[i]);
    }
    if (shown < n) {
        struct tk_trend_row other = { 0 };
        for (size_t i = shown; i < n; i++) {
            other.n[0] += rows[i].n[0];
            other.n[1] += rows[i].n[1];
        }
        char label[48];
        snprintf(label, sizeof label, "(%zu others)", n - shown);
        rc = rc ? rc : cell_key(&cells[ncells], label, strlen(label));
        cell_numbers(&cells[ncells++], &other);
    }
    if (rc) {
        w->err = w->err ? w->err : rc;
        tk_free(cells);
        return;
    }
    size_t wk = strlen(tk_trend_dim_name(d)), wo = 3, wn = 3, wc = 6, wp = 8;
    for (size_t i = 0; i < ncells; i++) {
        wk = cells[i].width > wk ? cells[i].width : wk;
        wo = max_len(wo, cells[i].old);
        wn = max_len(wn, cells[i].now);
        wc = max_len(wc, cells[i].change);
        wp = max_len(wp, cells[i].pct);
    }
    addf(w, "%-*s  %*s  %*s  %*s  %*s\n", (int)wk, tk_trend_dim_name(d), (int)wo, "old", (int)wn,
         "new", (int)wc, "change", (int)wp, "change %");
    for (size_t i = 0; i < ncells; i++) {
        adds(w, cells[i].key);
        addf(w, "%*s  %*s  %*s  %*s  %*s\n", (int)(wk - cells[i].width), "", (int)wo, cells[i].old,
             (int)wn, cells[i].now, (int)wc, cells[i].change, (int)wp, cells[i].pct);
    }
    if (!ncells)
        adds(w, "(no services)\n");
    adds(w, "\n");
    tk_free(cells);
    flush(w);
}

static void text_escaped(struct out *w, const char *s)
{
    int rc = tk_escape_term(&w->b, s, strlen(s));
    if (rc && !w->err)
        w->err = rc;
}

static void write_text(struct out *w)
{
    static const char *const sides[2] = { "old", "new" };
    for (int s = 0; s < 2; s++) {
        const struct tk_trend_stats *st = tk_trend_stats(w->t, (enum tk_trend_side)s);
        addf(w, "%s  ", sides[s]);
        text_escaped(w, w->o->names[s] ? w->o->names[s] : "-");
        addf(w,
             ": %" PRIu64 " services in %" PRIu64 " records (duplicates: %" PRIu64
             ", filtered out: %" PRIu64 ", malformed: %" PRIu64,
             st->services, st->records, st->duplicates, st->filtered, st->malformed);
        if (st->beyond_limit)
            addf(w, ", beyond the limit of services, not counted: %" PRIu64, st->beyond_limit);
        adds(w, ")");
        char first[32], last[32];
        iso(st, false, first);
        iso(st, true, last);
        if (st->has_seen)
            addf(w, ", seen %s to %s\n", first, last);
        else
            adds(w, ", no dates\n");
    }
    if (w->t->o.country || w->t->o.product) {
        adds(w, "filter:");
        if (w->t->o.country) {
            adds(w, " country ");
            text_escaped(w, w->t->o.country);
        }
        if (w->t->o.product) {
            adds(w, " product ");
            text_escaped(w, w->t->o.product);
        }
        adds(w, "\n");
    }
    adds(w, "\n");
    flush(w);
    for (int d = 0; d < TK_TREND_NDIMS && !w->err; d++)
        text_table(w, (enum tk_trend_dim)d);
}

/* JSON lines ---------------------------------------------------------------------------- */

static void json_line_end(struct out *w, struct tk_json *j)
{
    int rc = tk_json_finish(j);
    if (rc && !w->err)
        w->err = rc;
    adds(w, "\n");
    flush(w);
}

static void write_jsonl(struct out *w)
{
    static const char *const sides[2] = { "old", "new" };
    struct tk_json j;
    for (int s = 0; s < 2; s++) {
        const struct tk_trend_stats *st = tk_trend_stats(w->t, (enum tk_trend_side)s);
        char first[32], last[32];
        iso(st, false, first);
        iso(st, true, last);
        tk_json_init_buf(&j, &w->b, 0);
        tk_json_obj_begin(&j);
        tk_json_kstr(&j, "dimension", "dataset");
        tk_json_kstr(&j, "key", sides[s]);
        tk_json_kstr(&j, "file", w->o->names[s] ? w->o->names[s] : "-");
        tk_json_key(&j, "records");
        tk_json_uint(&j, st->records);
        tk_json_key(&j, "services");
        tk_json_uint(&j, st->services);
        tk_json_key(&j, "duplicates");
        tk_json_uint(&j, st->duplicates);
        tk_json_key(&j, "filtered");
        tk_json_uint(&j, st->filtered);
        tk_json_key(&j, "malformed");
        tk_json_uint(&j, st->malformed);
        tk_json_key(&j, "beyond_limit");
        tk_json_uint(&j, st->beyond_limit);
        tk_json_kstr(&j, "first_seen", st->has_seen ? first : NULL);
        tk_json_kstr(&j, "last_seen", st->has_seen ? last : NULL);
        tk_json_key(&j, "filter");
        tk_json_obj_begin(&j);
        tk_json_kstr(&j, "country", w->t->o.country);
        tk_json_kstr(&j, "product", w->t->o.product);
        tk_json_obj_end(&j);
        tk_json_obj_end(&j);
        json_line_end(w, &j);
    }
    for (int d = 0; d < TK_TREND_NDIMS && !w->err; d++) {
        const struct tk_trend_row *rows;
        size_t n = tk_trend_rows(w->t, (enum tk_trend_dim)d, &rows);
        for (size_t i = 0; i < n && !w->err; i++) {
            tk_json_init_buf(&j, &w->b, 0);
            tk_json_obj_begin(&j);
            tk_json_kstr(&j, "dimension", tk_trend_dim_name((enum tk_trend_dim)d));
            tk_json_key(&j, "key");
            if (rows[i].key)
                tk_json_strn(&j, rows[i].key, rows[i].keylen);
            else
                tk_json_null(&j);
            tk_json_key(&j, "old");
            tk_json_uint(&j, rows[i].n[TK_TREND_OLD]);
            tk_json_key(&j, "new");
            tk_json_uint(&j, rows[i].n[TK_TREND_NEW]);
            tk_json_kint(&j, "change", tk_trend_change(&rows[i]));
            double pct;
            tk_json_key(&j, "pct");
            if (tk_trend_pct(&rows[i], &pct))
                tk_json_double(&j, pct);
            else
                tk_json_null(&j);
            tk_json_obj_end(&j);
            json_line_end(w, &j);
        }
    }
}

/* CSV ----------------------------------------------------------------------------------- */

static void csv_field(struct out *w, const char *s, size_t n)
{
    int rc = tk_escape_csv(&w->b, s ? s : "", s ? n : 0);
    if (rc && !w->err)
        w->err = rc;
}

static void write_csv(struct out *w)
{
    static const char *const inputs[] = { "records",  "services",  "duplicates",
                                          "filtered", "malformed", "beyond_limit" };
    const struct tk_trend_stats *st[2] = { tk_trend_stats(w->t, TK_TREND_OLD),
                                           tk_trend_stats(w->t, TK_TREND_NEW) };
    adds(w, "dimension,key,old,new,change,pct\r\n");
    for (int last = 0; last < 2; last++) {
        char a[32], b[32];
        iso(st[0], last, a);
        iso(st[1], last, b);
        addf(w, "\"seen\",\"%s\",%s,%s,,\r\n", last ? "last" : "first", a, b);
    }
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        uint64_t v[2];
        for (int s = 0; s < 2; s++) {
            const struct tk_trend_stats *x = st[s];
            const uint64_t all[] = { x->records,  x->services,  x->duplicates,
                                     x->filtered, x->malformed, x->beyond_limit };
            v[s] = all[i];
        }
        addf(w, "\"input\",\"%s\",%" PRIu64 ",%" PRIu64 ",,\r\n", inputs[i], v[0], v[1]);
    }
    flush(w);
    for (int d = 0; d < TK_TREND_NDIMS && !w->err; d++) {
        const struct tk_trend_row *rows;
        size_t n = tk_trend_rows(w->t, (enum tk_trend_dim)d, &rows);
        for (size_t i = 0; i < n && !w->err; i++) {
            const char *dim = tk_trend_dim_name((enum tk_trend_dim)d);
            csv_field(w, dim, strlen(dim));
            adds(w, ",");
            csv_field(w, rows[i].key, rows[i].keylen);
            int64_t ch = tk_trend_change(&rows[i]);
            addf(w, ",%" PRIu64 ",%" PRIu64 ",%" PRId64 ",", rows[i].n[TK_TREND_OLD],
                 rows[i].n[TK_TREND_NEW], ch);
            double pct;
            if (tk_trend_pct(&rows[i], &pct))
                addf(w, "%.1f", pct);
            adds(w, "\r\n");
            flush(w);
        }
    }
}

int tk_trend_write(const struct tk_trend *t, const struct tk_trend_out *o, tk_json_sink_fn sink,
                   void *ctx)
{
    struct out w = { .t = t, .o = o, .sink = sink, .ctx = ctx, .b = TK_BUF_INIT((size_t)16 << 20) };
    if (!t->finished)
        return TK_EINVAL;
    switch (o->format) {
    case TK_TREND_TEXT:
        write_text(&w);
        break;
    case TK_TREND_JSONL:
        write_jsonl(&w);
        break;
    case TK_TREND_CSV:
        write_csv(&w);
        break;
    default:
        w.err = TK_EINVAL;
        break;
    }
    flush(&w);
    tk_buf_release(&w.b);
    return w.err;
}
