/* attrib.c - attribution of observations to organisations: the directory loaders (CSV,
 * JSON), the WHOIS text reader, the lookup structures and the lookup itself.
 *
 * Address blocks (the directory's and WHOIS ranges) are flattened at finish into sorted,
 * disjoint segments, each carrying the most specific block covering it, so a lookup is one
 * binary search per address family however the blocks nest. Domains and normalised names
 * are hash maps; a host name is looked up once per label suffix ("vpn.example.co.jp",
 * "example.co.jp", "co.jp"), so the first hit is the longest matching domain and a match
 * always ends at a label boundary. Nothing changes after tk_attrib_finish, which is what
 * makes lookups safe from many threads. */
#include "surface/attrib.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "core/addr.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/jdoc.h"
#include "core/json.h"
#include "core/map.h"
#include "core/utf8.h"
#include "kb/input.h"

#define NONE UINT32_MAX
#define CSV_MAX_COLS 64
#define WHOIS_MAX_NAMES 8
#define WHOIS_MAX_RANGES 8
#define MAX_CANDIDATES 16
#define DOMAIN_MAX 253

/* ---- prefectures ------------------------------------------------------------------- */

static const struct {
    const char *ja, *en;
} prefectures[TK_PREF_COUNT] = {
    { "北海道", "Hokkaido" },    { "青森県", "Aomori" },     { "岩手県", "Iwate" },
    { "宮城県", "Miyagi" },      { "秋田県", "Akita" },      { "山形県", "Yamagata" },
    { "福島県", "Fukushima" },   { "茨城県", "Ibaraki" },    { "栃木県", "Tochigi" },
    { "群馬県", "Gunma" },       { "埼玉県", "Saitama" },    { "千葉県", "Chiba" },
    { "東京都", "Tokyo" },       { "神奈川県", "Kanagawa" }, { "新潟県", "Niigata" },
    { "富山県", "Toyama" },      { "石川県", "Ishikawa" },   { "福井県", "Fukui" },
    { "山梨県", "Yamanashi" },   { "長野県", "Nagano" },     { "岐阜県", "Gifu" },
    { "静岡県", "Shizuoka" },    { "愛知県", "Aichi" },      { "三重県", "Mie" },
    { "滋賀県", "Shiga" },       { "京都府", "Kyoto" },      { "大阪府", "Osaka" },
    { "兵庫県", "Hyogo" },       { "奈良県", "Nara" },       { "和歌山県", "Wakayama" },
    { "鳥取県", "Tottori" },     { "島根県", "Shimane" },    { "岡山県", "Okayama" },
    { "広島県", "Hiroshima" },   { "山口県", "Yamaguchi" },  { "徳島県", "Tokushima" },
    { "香川県", "Kagawa" },      { "愛媛県", "Ehime" },      { "高知県", "Kochi" },
    { "福岡県", "Fukuoka" },     { "佐賀県", "Saga" },       { "長崎県", "Nagasaki" },
    { "熊本県", "Kumamoto" },    { "大分県", "Oita" },       { "宮崎県", "Miyazaki" },
    { "鹿児島県", "Kagoshima" }, { "沖縄県", "Okinawa" },
};

const char *tk_prefecture_name(int code, bool ja)
{
    if (code < 1 || code > TK_PREF_COUNT)
        return NULL;
    return ja ? prefectures[code - 1].ja : prefectures[code - 1].en;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int pref_number(struct tk_str s)
{
    if (s.n < 1 || s.n > 2)
        return 0;
    int v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (!is_digit(s.p[i]))
            return 0;
        v = v * 10 + (s.p[i] - '0');
    }
    return v >= 1 && v <= TK_PREF_COUNT ? v : 0;
}

/* Drops one of the romanised suffixes ("-ken", " prefecture", ...) from the end of buf. */
static size_t strip_pref_suffix(const char *buf, size_t n)
{
    static const char *const suffixes[] = { "prefecture", "pref.", "pref", "metropolis",
                                            "ken",        "to",    "fu",   "do" };
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k + 1 && memcmp(buf + n - k, suffixes[i], k) == 0 &&
            (buf[n - k - 1] == '-' || buf[n - k - 1] == ' '))
            return n - k - 1;
    }
    return n;
}

int tk_prefecture_parse_str(struct tk_str text)
{
    struct tk_str s = tk_str_trim(text);
    if (!s.n || s.n > 64)
        return 0;
    int v = pref_number(s);
    if (v)
        return v;
    if (s.n >= 3 && lower(s.p[0]) == 'j' && lower(s.p[1]) == 'p') {
        struct tk_str rest = { s.p + 2, s.n - 2 };
        if (rest.p[0] == '-')
            rest = (struct tk_str){ rest.p + 1, rest.n - 1 };
        if ((v = pref_number(rest)))
            return v;
    }
    /* Japanese: the full name, or the name without 都/道/府/県 (each 3 bytes in UTF-8). */
    for (int i = 0; i < TK_PREF_COUNT; i++) {
        const char *ja = prefectures[i].ja;
        size_t k = strlen(ja);
        if ((s.n == k || s.n == k - 3) && memcmp(s.p, ja, s.n) == 0)
            return i + 1;
    }
    /* English: ASCII case-folded, macrons (ō ū, either case) taken off. */
    char buf[72];
    size_t n = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == 0xC5 && i + 1 < s.n) {
            unsigned char d = (unsigned char)s.p[i + 1];
            if (d == 0x8C || d == 0x8D || d == 0xAA || d == 0xAB) {
                buf[n++] = d <= 0x8D ? 'o' : 'u';
                i++;
                continue;
            }
        }
        if (c >= 0x80)
            return 0;
        buf[n++] = lower((char)c);
    }
    n = strip_pref_suffix(buf, n);
    if (n == 6 && memcmp(buf, "hokkai", 6) == 0)
        return 1;
    for (int i = 0; i < TK_PREF_COUNT; i++) {
        const char *en = prefectures[i].en;
        size_t k = strlen(en);
        if (n != k)
            continue;
        size_t j = 0;
        while (j < k && lower(en[j]) == buf[j])
            j++;
        if (j == k)
            return i + 1;
    }
    return 0;
}

int tk_prefecture_parse(const char *text)
{
    return text ? tk_prefecture_parse_str(tk_str_c(text)) : 0;
}

/* ---- organisation names ----------------------------------------------------------- */

#define FOLD_MAX 1024
#define NORM_MAX_WORDS 128

static const char *const ja_forms[] = { "株式会社", "有限会社", "合同会社", "合資会社",
                                        "合名会社", "(株)",     "(有)",     "(同)" };

/* Trailing English legal forms, as words (NULL-terminated). */
static const char *const en_forms[][3] = {
    { "co", "ltd", NULL },
    { "co", "limited", NULL },
    { "company", "limited", NULL },
    { "kabushiki", "kaisha", NULL },
    { "k", "k", NULL },
    { "ltd", NULL },
    { "limited", NULL },
    { "inc", NULL },
    { "incorporated", NULL },
    { "corp", NULL },
    { "corporation", NULL },
    { "kk", NULL },
    { "llc", NULL },
    { "gk", NULL },
    { "plc", NULL },
    { "co", NULL },
};

static bool fold_put(char *buf, size_t *n, const char *s, size_t k)
{
    if (*n + k > FOLD_MAX)
        return false;
    memcpy(buf + *n, s, k);
    *n += k;
    return true;
}

static char *find_bytes(char *hay, size_t n, const char *needle, size_t k)
{
    for (size_t i = 0; k && i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

static bool word_is(struct tk_str w, const char *s)
{
    return tk_str_eq_c(w, s);
}

bool tk_org_name_normalize(struct tk_str name, char *out, size_t outsz)
{
    char buf[FOLD_MAX];
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)name.p;
    for (size_t i = 0; i < name.n;) {
        uint32_t cp;
        size_t len = tk_utf8_decode(p + i, name.n - i, &cp);
        if (!len)
            return false;
        char c;
        bool ok;
        if (cp >= 0xFF01 && cp <= 0xFF5E)
            cp -= 0xFEE0;
        if (cp < 0x80) {
            c = lower((char)cp);
            ok = fold_put(buf, &n, &c, 1);
        } else if (cp == 0x3000 || cp == 0x30FB || cp == 0xFF65) {
            ok = fold_put(buf, &n, " ", 1);
        } else if (cp == 0x3231) {
            ok = fold_put(buf, &n, "(株)", strlen("(株)"));
        } else if (cp == 0x3232) {
            ok = fold_put(buf, &n, "(有)", strlen("(有)"));
        } else if (cp == 0x337F) {
            ok = fold_put(buf, &n, "株式会社", strlen("株式会社"));
        } else {
            ok = fold_put(buf, &n, (const char *)p + i, len);
        }
        if (!ok)
            return false;
        i += len;
    }
    for (size_t f = 0; f < sizeof ja_forms / sizeof ja_forms[0]; f++) {
        size_t k = strlen(ja_forms[f]);
        char *at;
        while ((at = find_bytes(buf, n, ja_forms[f], k)) != NULL) {
            /* Removing leaves the words on either side apart. */
            *at = ' ';
            memmove(at + 1, at + k, n - (size_t)(at - buf) - k);
            n -= k - 1;
        }
    }
    struct tk_str words[NORM_MAX_WORDS];
    size_t nw = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)buf[i];
        bool wordc = c >= 0x80 || is_digit((char)c) || is_alpha((char)c) || c == '&';
        if (!wordc) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n) {
            unsigned char d = (unsigned char)buf[j];
            if (!(d >= 0x80 || is_digit((char)d) || is_alpha((char)d) || d == '&'))
                break;
            j++;
        }
        if (nw == NORM_MAX_WORDS)
            return false;
        words[nw++] = (struct tk_str){ buf + i, j - i };
        i = j;
    }
    size_t first = 0;
    if (nw > 2 && word_is(words[0], "kabushiki") && word_is(words[1], "kaisha"))
        first = 2;
    for (bool again = true; again;) {
        again = false;
        for (size_t f = 0; f < sizeof en_forms / sizeof en_forms[0]; f++) {
            size_t k = 0;
            while (k < 3 && en_forms[f][k])
                k++;
            if (nw - first <= k)
                continue;
            size_t j = 0;
            while (j < k && word_is(words[nw - k + j], en_forms[f][j]))
                j++;
            if (j == k) {
                nw -= k;
                again = true;
                break;
            }
        }
    }
    size_t len = 0;
    for (size_t i = first; i < nw; i++) {
        if (len + words[i].n >= outsz)
            return false;
        memcpy(out + len, words[i].p, words[i].n);
        len += words[i].n;
    }
    if (!len || len >= outsz)
        return false;
    out[len] = '\0';
    return true;
}

/* ---- 128-bit address keys -------------------------------------------------------------- */

struct u128 {
    uint64_t hi, lo;
};

static int u128_cmp(struct u128 a, struct u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

static struct u128 u128_sub(struct u128 a, struct u128 b)
{
    struct u128 r = { a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo };
    return r;
}

static struct u128 u128_inc(struct u128 a)
{
    struct u128 r = { a.hi + (a.lo == UINT64_MAX), a.lo + 1 };
    return r;
}

static unsigned fam_bits(int family)
{
    return family == 4 ? 32u : 128u;
}

static struct u128 fam_max(int family)
{
    struct u128 m = { family == 4 ? 0 : UINT64_MAX, family == 4 ? 0xFFFFFFFFu : UINT64_MAX };
    return m;
}

static struct u128 ip_key(const struct tk_ip *ip)
{
    struct u128 k = { 0, 0 };
    if (ip->family == 4) {
        for (int i = 0; i < 4; i++)
            k.lo = k.lo << 8 | ip->b[i];
        return k;
    }
    for (int i = 0; i < 8; i++)
        k.hi = k.hi << 8 | ip->b[i];
    for (int i = 8; i < 16; i++)
        k.lo = k.lo << 8 | ip->b[i];
    return k;
}

static struct tk_ip key_ip(int family, struct u128 k)
{
    struct tk_ip ip = { .family = family };
    if (family == 4) {
        for (int i = 3; i >= 0; i--, k.lo >>= 8)
            ip.b[i] = (unsigned char)k.lo;
        return ip;
    }
    for (int i = 15; i >= 8; i--, k.lo >>= 8)
        ip.b[i] = (unsigned char)k.lo;
    for (int i = 7; i >= 0; i--, k.hi >>= 8)
        ip.b[i] = (unsigned char)k.hi;
    return ip;
}

/* The host part of a prefix of length plen. */
static struct u128 host_mask(int family, unsigned plen)
{
    unsigned hb = fam_bits(family) - plen;
    struct u128 m = { 0, 0 };
    if (hb >= 128) {
        m.hi = m.lo = UINT64_MAX;
    } else if (hb >= 64) {
        m.lo = UINT64_MAX;
        m.hi = hb == 64 ? 0 : (UINT64_C(1) << (hb - 64)) - 1;
    } else if (hb) {
        m.lo = (UINT64_C(1) << hb) - 1;
    }
    return m;
}

/* plen when [lo, hi] is exactly one prefix, else -1. */
static int range_plen(int family, struct u128 lo, struct u128 hi)
{
    for (unsigned plen = 0; plen <= fam_bits(family); plen++) {
        struct u128 m = host_mask(family, plen);
        if ((lo.hi & m.hi) == 0 && (lo.lo & m.lo) == 0 && hi.hi == (lo.hi | m.hi) &&
            hi.lo == (lo.lo | m.lo))
            return (int)plen;
    }
    return -1;
}

/* "192.0.2.0/24" when the range is one prefix, else "192.0.2.0 - 192.0.2.9". */
static const char *range_text(struct tk_arena *ar, int family, struct u128 lo, struct u128 hi)
{
    char a[TK_IP_STRLEN], b[TK_IP_STRLEN];
    struct tk_ip ip = key_ip(family, lo);
    tk_ip_format(&ip, a);
    int plen = range_plen(family, lo, hi);
    if (plen >= 0)
        return tk_arena_printf(ar, "%s/%d", a, plen);
    ip = key_ip(family, hi);
    tk_ip_format(&ip, b);
    return tk_arena_printf(ar, "%s - %s", a, b);
}

/* Pads a short IPv4 network as APNIC and LACNIC write them ("192.0.2/24"). */
static bool parse_ip_lenient(struct tk_str s, bool lenient, struct tk_ip *ip)
{
    if (tk_ip_parse(s, ip))
        return true;
    if (!lenient || s.n == 0 || s.n > 12)
        return false;
    unsigned dots = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '.')
            dots++;
        else if (!is_digit(s.p[i]))
            return false;
    }
    if (dots > 2 || s.p[s.n - 1] == '.')
        return false;
    char buf[24];
    memcpy(buf, s.p, s.n);
    size_t n = s.n;
    for (; dots < 3; dots++) {
        memcpy(buf + n, ".0", 2);
        n += 2;
    }
    return tk_ip_parse((struct tk_str){ buf, n }, ip);
}

/* A CIDR block or a bare address; "first - last" too when lenient (WHOIS). Strict mode
 * refuses host bits, lenient mode clears them. */
static bool parse_range(struct tk_str s, bool lenient, int *family, struct u128 *lo,
                        struct u128 *hi)
{
    struct tk_ip a, b;
    struct tk_str x, y;
    s = tk_str_trim(s);
    if (lenient && tk_str_cut(s, '-', &x, &y)) {
        if (!tk_ip_parse(tk_str_trim(x), &a) || !tk_ip_parse(tk_str_trim(y), &b) ||
            a.family != b.family)
            return false;
        *family = a.family;
        *lo = ip_key(&a);
        *hi = ip_key(&b);
        return u128_cmp(*lo, *hi) <= 0;
    }
    unsigned plen;
    if (tk_str_cut(s, '/', &x, &y)) {
        uint64_t v;
        if (!parse_ip_lenient(x, lenient && !memchr(x.p, ':', x.n), &a) || !y.n || y.n > 3 ||
            !tk_str_to_u64(y, &v) || v > fam_bits(a.family))
            return false;
        plen = (unsigned)v;
    } else {
        if (!tk_ip_parse(s, &a))
            return false;
        plen = fam_bits(a.family);
    }
    struct u128 k = ip_key(&a), m = host_mask(a.family, plen);
    if (!lenient && ((k.hi & m.hi) || (k.lo & m.lo)))
        return false;
    k.hi &= ~m.hi;
    k.lo &= ~m.lo;
    *family = a.family;
    *lo = k;
    hi->hi = k.hi | m.hi;
    hi->lo = k.lo | m.lo;
    return true;
}

/* ---- range sets: blocks added, then flattened into disjoint segments ----------------- */

struct rent {
    struct u128 lo, hi;
    uint32_t val;   /* org index (directory) or WHOIS record index */
    uint32_t order; /* insertion order: the earlier of two equal blocks wins */
    const char *text;
};

struct rset {
    int family;
    struct rent *v;
    size_t n, cap;
    /* after flattening */
    size_t nseg;
    uint32_t *start4;    /* IPv4 segment starts */
    uint32_t *cum16;     /* IPv4: segments starting below each /16, 65537 counts */
    struct u128 *start6; /* IPv6 segment starts */
    uint32_t *seg;       /* index into v, NONE for a gap */
};

static void rset_release(struct rset *r)
{
    tk_free(r->v);
    tk_free(r->start4);
    tk_free(r->cum16);
    tk_free(r->start6);
    tk_free(r->seg);
    memset(r, 0, sizeof *r);
}

static int rset_add(struct rset *r, struct u128 lo, struct u128 hi, uint32_t val, const char *text,
                    size_t max)
{
    int rc = tk_grow((void **)&r->v, &r->cap, r->n + 1, sizeof *r->v, max);
    if (rc)
        return rc;
    r->v[r->n] = (struct rent){ lo, hi, val, (uint32_t)r->n, text };
    r->n++;
    return 0;
}

static int cmp_rent(const void *pa, const void *pb)
{
    const struct rent *a = pa, *b = pb;
    int c = u128_cmp(a->lo, b->lo);
    if (!c)
        c = u128_cmp(a->hi, b->hi);
    if (!c)
        c = a->order < b->order ? -1 : a->order > b->order;
    return c;
}

static int cmp_u128(const void *pa, const void *pb)
{
    return u128_cmp(*(const struct u128 *)pa, *(const struct u128 *)pb);
}

/* Does entry i cover less than entry j (or as much and come first)? */
static bool rent_better(const struct rent *v, uint32_t i, uint32_t j)
{
    int c = u128_cmp(u128_sub(v[i].hi, v[i].lo), u128_sub(v[j].hi, v[j].lo));
    return c < 0 || (c == 0 && i < j);
}

static void heap_push(const struct rent *v, uint32_t *h, size_t *n, uint32_t x)
{
    size_t i = (*n)++;
    h[i] = x;
    while (i && rent_better(v, h[i], h[(i - 1) / 2])) {
        uint32_t t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void heap_pop(const struct rent *v, uint32_t *h, size_t *n)
{
    h[0] = h[--*n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < *n && rent_better(v, h[l], h[best]))
            best = l;
        if (r < *n && rent_better(v, h[r], h[best]))
            best = r;
        if (best == i)
            break;
        uint32_t t = h[i];
        h[i] = h[best];
        h[best] = t;
        i = best;
    }
}

/* Sorts the blocks and cuts the address space at every block's first address and after
 * its last: each piece gets the smallest block covering it (a sweep with a heap of the
 * blocks open at that point), neighbours with the same block are merged. Works for any
 * overlap, not only nesting, which WHOIS ranges need. */
static int rset_flatten(struct rset *r)
{
    int rc = TK_ENOMEM;
    struct u128 *b = NULL;
    uint32_t *heap = NULL;
    if (!r->n)
        return 0;
    qsort(r->v, r->n, sizeof *r->v, cmp_rent);
    struct u128 max = fam_max(r->family);
    b = tk_calloc(2 * r->n, sizeof *b);
    heap = tk_calloc(r->n, sizeof *heap);
    r->seg = tk_calloc(2 * r->n, sizeof *r->seg);
    if (r->family == 4)
        r->start4 = tk_calloc(2 * r->n, sizeof *r->start4);
    else
        r->start6 = tk_calloc(2 * r->n, sizeof *r->start6);
    if (!b || !heap || !r->seg || (!r->start4 && !r->start6))
        goto done;
    size_t nb = 0;
    for (size_t i = 0; i < r->n; i++) {
        b[nb++] = r->v[i].lo;
        if (u128_cmp(r->v[i].hi, max) != 0)
            b[nb++] = u128_inc(r->v[i].hi);
    }
    qsort(b, nb, sizeof *b, cmp_u128);
    size_t nh = 0, next = 0;
    r->nseg = 0;
    for (size_t i = 0; i < nb; i++) {
        if (i && u128_cmp(b[i], b[i - 1]) == 0)
            continue;
        while (next < r->n && u128_cmp(r->v[next].lo, b[i]) <= 0)
            heap_push(r->v, heap, &nh, (uint32_t)next++);
        while (nh && u128_cmp(r->v[heap[0]].hi, b[i]) < 0)
            heap_pop(r->v, heap, &nh);
        uint32_t val = nh ? heap[0] : NONE;
        if (r->nseg ? r->seg[r->nseg - 1] == val : val == NONE)
            continue;
        if (r->family == 4)
            r->start4[r->nseg] = (uint32_t)b[i].lo;
        else
            r->start6[r->nseg] = b[i];
        r->seg[r->nseg++] = val;
    }
    /* IPv4: the first 16 bits pick a short run of segments, the search is within it. */
    if (r->family == 4) {
        if (!(r->cum16 = tk_calloc(65537, sizeof *r->cum16)))
            goto done;
        size_t j = 0;
        for (uint32_t h = 0; h <= 65536; h++) {
            while (j < r->nseg && (r->start4[j] >> 16) < h)
                j++;
            r->cum16[h] = (uint32_t)j;
        }
    }
    rc = 0;
done:
    tk_free(b);
    tk_free(heap);
    return rc;
}

/* The index of the most specific entry holding k, or NONE. */
static uint32_t rset_find(const struct rset *r, struct u128 k)
{
    size_t lo = 0, hi = r->nseg; /* the answer is the last start <= k */
    if (!r->nseg)
        return NONE;
    if (r->family == 4) {
        uint32_t k4 = (uint32_t)k.lo;
        /* Segments before cum16[h] start below k4, those from cum16[h + 1] above it. */
        lo = r->cum16[k4 >> 16];
        hi = r->cum16[(k4 >> 16) + 1];
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (r->start4[mid] <= k4)
                lo = mid + 1;
            else
                hi = mid;
        }
    } else {
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (u128_cmp(r->start6[mid], k) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    return lo ? r->seg[lo - 1] : NONE;
}

/* ---- the matcher --------------------------------------------------------------------- */

struct dom {
    const char *name; /* lower case, no trailing dot, no "*." */
    uint32_t org;
};

struct whois_rec {
    const char *names[WHOIS_MAX_NAMES];
    unsigned nnames;
    const char *netname, *handle, *origin;
    uint32_t org;      /* the directory's org its names match, NONE when none does */
    const char *shown; /* the name shown as evidence */
};

struct tk_attrib {
    struct tk_arena arena; /* every string */
    struct tk_org *orgs;
    size_t norgs, orgcap;
    struct tk_map ids;   /* org_id -> index + 1 */
    struct rset nets[2]; /* directory blocks, [0] IPv4 and [1] IPv6 */
    struct dom *doms;
    size_t ndoms, domcap;
    uint32_t *dom_next;   /* the next domain entry with the same name, NONE */
    struct tk_map dommap; /* domain -> first entry + 1 */
    uint32_t *name_next;  /* the next org with the same normalised name, NONE */
    struct tk_map names;  /* normalised org name -> first org + 1 */
    struct whois_rec *whois;
    size_t nwhois, whoiscap, whois_skipped;
    struct tk_map handles; /* RPSL organisation handle -> org-name */
    struct rset wnets[2];
    MMDB_s mmdb;
    bool has_mmdb, finished, broken;
};

static void *idx_ptr(size_t i)
{
    return (void *)(uintptr_t)(i + 1);
}

static uint32_t ptr_idx(void *p)
{
    return p ? (uint32_t)((uintptr_t)p - 1) : NONE;
}

struct tk_attrib *tk_attrib_new(void)
{
    struct tk_attrib *a = tk_calloc(1, sizeof *a);
    if (!a)
        return NULL;
    tk_arena_init(&a->arena, SIZE_MAX / 2);
    tk_map_init(&a->ids, TK_ATTRIB_MAX_ORGS);
    tk_map_init(&a->dommap, TK_ATTRIB_MAX_DOMAINS);
    tk_map_init(&a->names, TK_ATTRIB_MAX_ORGS);
    tk_map_init(&a->handles, TK_ATTRIB_MAX_WHOIS);
    a->nets[0].family = a->wnets[0].family = 4;
    a->nets[1].family = a->wnets[1].family = 6;
    return a;
}

void tk_attrib_free(struct tk_attrib *a)
{
    if (!a)
        return;
    if (a->has_mmdb)
        MMDB_close(&a->mmdb);
    for (int i = 0; i < 2; i++) {
        rset_release(&a->nets[i]);
        rset_release(&a->wnets[i]);
    }
    tk_map_release(&a->ids);
    tk_map_release(&a->dommap);
    tk_map_release(&a->names);
    tk_map_release(&a->handles);
    tk_free(a->orgs);
    tk_free(a->doms);
    tk_free(a->dom_next);
    tk_free(a->name_next);
    tk_free(a->whois);
    tk_arena_release(&a->arena);
    tk_free(a);
}

size_t tk_attrib_org_count(const struct tk_attrib *a)
{
    return a->norgs;
}

const struct tk_org *tk_attrib_org(const struct tk_attrib *a, size_t i)
{
    return i < a->norgs ? &a->orgs[i] : NULL;
}

const struct tk_org *tk_attrib_org_by_id(const struct tk_attrib *a, const char *id)
{
    uint32_t i = ptr_idx(tk_map_get(&a->ids, tk_str_c(id)));
    return i == NONE ? NULL : &a->orgs[i];
}

size_t tk_attrib_whois_count(const struct tk_attrib *a)
{
    return a->wnets[0].n + a->wnets[1].n;
}

size_t tk_attrib_whois_skipped(const struct tk_attrib *a)
{
    return a->whois_skipped;
}

/* ---- directory rows ----------------------------------------------------------------- */

enum col {
    COL_ID,
    COL_NAME,
    COL_CORP,
    COL_PREF,
    COL_ADDR,
    COL_CIDRS,
    COL_DOMAINS,
    COL_CONTACTS,
    COL_N
};

static const char *const col_names[COL_N] = { "org_id",  "name",  "corporate_number", "prefecture",
                                              "address", "cidrs", "domains",          "contacts" };

/* A short printable form of untrusted text for error messages. */
static const char *shown(struct tk_str s, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < s.n && n + 4 < size; i++)
        buf[n++] = s.p[i] >= 0x20 && s.p[i] < 0x7f && s.p[i] != '"' ? s.p[i] : '?';
    if (n < s.n && n + 4 <= size) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

static bool list_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == ',';
}

/* Takes the next item of a list separated by blanks, ';' or ','. */
static bool next_item(struct tk_str *rest, struct tk_str *item)
{
    size_t i = 0;
    while (i < rest->n && list_sep(rest->p[i]))
        i++;
    size_t j = i;
    while (j < rest->n && !list_sep(rest->p[j]))
        j++;
    *item = (struct tk_str){ rest->p + i, j - i };
    *rest = (struct tk_str){ rest->p + j, rest->n - j };
    return item->n > 0;
}

static int add_cidrs(struct tk_attrib *a, uint32_t org, struct tk_str list, const char *where,
                     struct tk_err *err)
{
    struct tk_str item;
    char sb[80];
    while (next_item(&list, &item)) {
        int family;
        struct u128 lo, hi;
        if (!parse_range(item, false, &family, &lo, &hi))
            return tk_err_set(err, TK_EPARSE,
                              "%s: \"%s\" is not an address block (CIDR without host bits)", where,
                              shown(item, sb, sizeof sb));
        const char *text = range_text(&a->arena, family, lo, hi);
        if (!text)
            return tk_err_set(err, TK_ENOMEM, "%s: out of memory", where);
        int rc = rset_add(&a->nets[family == 6], lo, hi, org, text, TK_ATTRIB_MAX_NETS);
        if (rc)
            return tk_err_set(err, rc, "%s: %s", where,
                              rc == TK_ELIMIT ? "too many address blocks" : "out of memory");
    }
    return 0;
}

/* Lower-cases a domain into buf, without a trailing dot or a leading "*." or "."; false when
 * it is not a plausible DNS name. */
static bool domain_norm(struct tk_str s, char *buf, size_t size, size_t *len)
{
    s = tk_str_trim(s);
    if (s.n && s.p[s.n - 1] == '.')
        s.n--;
    if (tk_str_has_prefix(s, "*."))
        s = (struct tk_str){ s.p + 2, s.n - 2 };
    else if (s.n && s.p[0] == '.')
        s = (struct tk_str){ s.p + 1, s.n - 1 };
    if (!s.n || s.n > DOMAIN_MAX || s.n >= size)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c <= 0x20 || c == 0x7f || c == '/' || c == '@' || c == '*' || c == ':')
            return false;
        if (c == '.' && (i == 0 || s.p[i - 1] == '.'))
            return false;
        buf[i] = lower((char)c);
    }
    buf[s.n] = '\0';
    *len = s.n;
    return true;
}

static int add_domains(struct tk_attrib *a, uint32_t org, struct tk_str list, const char *where,
                       struct tk_err *err)
{
    struct tk_str item;
    char sb[80], buf[DOMAIN_MAX + 1];
    while (next_item(&list, &item)) {
        size_t n;
        bool ok = domain_norm(item, buf, sizeof buf, &n) && tk_utf8_valid(buf, n);
        const char *dot = ok ? strrchr(buf, '.') : NULL;
        /* Two labels at least, and a last label that is not a number (no addresses). */
        bool numeric = true;
        for (const char *q = dot ? dot + 1 : ""; *q; q++)
            numeric = numeric && is_digit(*q);
        if (!dot || numeric)
            return tk_err_set(err, TK_EPARSE, "%s: \"%s\" is not a domain with at least two labels",
                              where, shown(item, sb, sizeof sb));
        /* "co.jp" or "github.io" would claim every name under it for one organisation */
        if (psl_is_public_suffix(psl_builtin(), buf))
            return tk_err_set(err, TK_EPARSE,
                              "%s: \"%s\" is a public suffix, not an organisation's domain", where,
                              shown(item, sb, sizeof sb));
        int rc = tk_grow((void **)&a->doms, &a->domcap, a->ndoms + 1, sizeof *a->doms,
                         TK_ATTRIB_MAX_DOMAINS);
        if (rc)
            return tk_err_set(err, rc, "%s: %s", where,
                              rc == TK_ELIMIT ? "too many domains" : "out of memory");
        const char *d = tk_arena_strndup(&a->arena, buf, n);
        if (!d)
            return tk_err_set(err, TK_ENOMEM, "%s: out of memory", where);
        a->doms[a->ndoms++] = (struct dom){ d, org };
    }
    return 0;
}

static bool has_nul(struct tk_str s)
{
    return memchr(s.p, '\0', s.n) != NULL;
}

/* Appends one organisation from its fields (cidrs and domains added separately). */
static int add_org(struct tk_attrib *a, const struct tk_str f[COL_N], const char *where,
                   uint32_t *out, struct tk_err *err)
{
    struct tk_str v[COL_N];
    char sb[80];
    for (int c = 0; c < COL_N; c++) {
        v[c] = tk_str_trim(f[c]);
        if (has_nul(v[c]) || !tk_utf8_valid(v[c].p, v[c].n))
            return tk_err_set(err, TK_EPARSE, "%s: %s is not UTF-8 text", where, col_names[c]);
    }
    if (!v[COL_ID].n)
        return tk_err_set(err, TK_EPARSE, "%s: org_id is empty", where);
    if (v[COL_ID].n > 128)
        return tk_err_set(err, TK_EPARSE, "%s: org_id is longer than 128 bytes", where);
    for (size_t i = 0; i < v[COL_ID].n; i++)
        if ((unsigned char)v[COL_ID].p[i] < 0x20 || v[COL_ID].p[i] == 0x7f)
            return tk_err_set(err, TK_EPARSE, "%s: org_id holds a control character", where);
    if (!v[COL_NAME].n)
        return tk_err_set(err, TK_EPARSE, "%s: name is empty", where);
    if (v[COL_CORP].n) {
        bool ok = v[COL_CORP].n == 13;
        for (size_t i = 0; ok && i < 13; i++)
            ok = is_digit(v[COL_CORP].p[i]);
        if (!ok)
            return tk_err_set(err, TK_EPARSE, "%s: corporate_number \"%s\" is not 13 digits", where,
                              shown(v[COL_CORP], sb, sizeof sb));
    }
    int pref = 0;
    if (v[COL_PREF].n && !(pref = tk_prefecture_parse_str(v[COL_PREF])))
        return tk_err_set(err, TK_EPARSE, "%s: unknown prefecture \"%s\"", where,
                          shown(v[COL_PREF], sb, sizeof sb));
    int rc =
        tk_grow((void **)&a->orgs, &a->orgcap, a->norgs + 1, sizeof *a->orgs, TK_ATTRIB_MAX_ORGS);
    if (rc)
        return tk_err_set(err, rc, "%s: %s", where,
                          rc == TK_ELIMIT ? "too many organisations" : "out of memory");
    struct tk_org *o = &a->orgs[a->norgs];
    o->id = tk_arena_str(&a->arena, v[COL_ID]);
    o->name = tk_arena_str(&a->arena, v[COL_NAME]);
    o->corporate_number = tk_arena_str(&a->arena, v[COL_CORP]);
    o->address = tk_arena_str(&a->arena, v[COL_ADDR]);
    o->contacts = tk_arena_str(&a->arena, v[COL_CONTACTS]);
    o->origin = tk_arena_strdup(&a->arena, where);
    o->prefecture = pref;
    if (!o->id || !o->name || !o->corporate_number || !o->address || !o->contacts || !o->origin)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", where);
    *out = (uint32_t)a->norgs++;
    return 0;
}

/* Registers the ids of orgs [from, norgs): none may be known already or repeat. */
static int commit_ids(struct tk_attrib *a, size_t from, struct tk_err *err)
{
    struct tk_map fresh;
    int rc = 0;
    tk_map_init(&fresh, TK_ATTRIB_MAX_ORGS);
    for (size_t i = from; i < a->norgs && !rc; i++) {
        struct tk_str id = tk_str_c(a->orgs[i].id);
        uint32_t j = ptr_idx(tk_map_get(&a->ids, id));
        if (j == NONE)
            j = ptr_idx(tk_map_get(&fresh, id));
        if (j != NONE) {
            char sb[80];
            rc = tk_err_set(err, TK_EPARSE, "%s: org_id \"%s\" is already used (%s)",
                            a->orgs[i].origin, shown(id, sb, sizeof sb), a->orgs[j].origin);
        } else if (tk_map_put(&fresh, id, idx_ptr(i))) {
            rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory", a->orgs[i].origin);
        }
    }
    for (size_t i = from; i < a->norgs && !rc; i++) {
        if (tk_map_put(&a->ids, tk_str_c(a->orgs[i].id), idx_ptr(i))) {
            a->broken = true; /* some ids are in, some not: refuse to finish */
            rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory", a->orgs[i].origin);
        }
    }
    tk_map_release(&fresh);
    return rc;
}

/* ---- CSV ------------------------------------------------------------------------------ */

struct csv {
    const char *p, *end;
    size_t line;       /* of the next byte */
    struct tk_buf buf; /* the fields of one row, NUL-separated */
    size_t off[CSV_MAX_COLS], len[CSV_MAX_COLS], n;
};

/* Reads one row. 1: a row (starting at *row_line), 0: the end, <0: an error. */
static int csv_row(struct csv *c, const char *name, size_t *row_line, struct tk_err *err)
{
    /* Blank lines and '#' comments between rows. */
    for (;;) {
        if (c->p >= c->end)
            return 0;
        const char *q = c->p;
        while (q < c->end && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < c->end && *q != '\n' && *q != '#')
            break;
        while (q < c->end && *q != '\n')
            q++;
        c->p = q < c->end ? q + 1 : q;
        c->line++;
    }
    *row_line = c->line;
    tk_buf_reset(&c->buf);
    c->n = 0;
    for (;;) {
        if (c->n == CSV_MAX_COLS)
            return tk_err_set(err, TK_EPARSE, "%s:%zu: more than %d fields", name, *row_line,
                              CSV_MAX_COLS);
        size_t start = c->buf.len;
        int rc = 0;
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            for (;;) {
                if (c->p >= c->end)
                    return tk_err_set(err, TK_EPARSE, "%s:%zu: quoted field never ends", name,
                                      *row_line);
                if (*c->p == '"') {
                    if (c->p + 1 < c->end && c->p[1] == '"') {
                        rc = tk_buf_addc(&c->buf, '"');
                        c->p += 2;
                    } else {
                        c->p++;
                        break;
                    }
                } else {
                    if (*c->p == '\n')
                        c->line++;
                    rc = tk_buf_addc(&c->buf, *c->p++);
                }
                if (rc)
                    return tk_err_set(err, rc, "%s:%zu: out of memory", name, *row_line);
            }
            while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
                c->p++;
            if (c->p < c->end && *c->p != ',' && *c->p != '\n')
                return tk_err_set(err, TK_EPARSE, "%s:%zu: text after a closing quote", name,
                                  c->line);
        } else {
            const char *q = c->p;
            while (q < c->end && *q != ',' && *q != '\n')
                q++;
            rc = tk_buf_add(&c->buf, c->p, (size_t)(q - c->p));
            c->p = q;
            if (rc)
                return tk_err_set(err, rc, "%s:%zu: out of memory", name, *row_line);
        }
        c->off[c->n] = start;
        c->len[c->n] = c->buf.len - start;
        c->n++;
        if (tk_buf_addc(&c->buf, '\0'))
            return tk_err_set(err, TK_ENOMEM, "%s:%zu: out of memory", name, *row_line);
        if (c->p >= c->end)
            return 1;
        if (*c->p++ == '\n') {
            c->line++;
            return 1;
        }
    }
}

static struct tk_str csv_field(const struct csv *c, size_t i)
{
    return (struct tk_str){ c->buf.ptr + c->off[i], c->len[i] };
}

static int load_csv(struct tk_attrib *a, const char *name, const char *text, size_t n,
                    struct tk_err *err)
{
    struct csv c = { .p = text, .end = text + n, .line = 1 };
    int map[CSV_MAX_COLS];
    size_t line;
    char where[320];
    tk_buf_init(&c.buf, TK_ATTRIB_MAX_TEXT);
    int rc = csv_row(&c, name, &line, err);
    if (rc <= 0) {
        if (rc == 0)
            rc = tk_err_set(err, TK_EPARSE, "%s: no header row", name);
        goto done;
    }
    bool seen[COL_N] = { false };
    size_t ncols = c.n;
    for (size_t i = 0; i < ncols; i++) {
        struct tk_str h = tk_str_trim(csv_field(&c, i));
        map[i] = -1;
        for (int k = 0; k < COL_N; k++) {
            if (!tk_str_eqcase_c(h, col_names[k]))
                continue;
            if (seen[k]) {
                rc = tk_err_set(err, TK_EPARSE, "%s:%zu: column %s appears twice", name, line,
                                col_names[k]);
                goto done;
            }
            seen[k] = true;
            map[i] = k;
        }
    }
    if (!seen[COL_ID] || !seen[COL_NAME]) {
        rc = tk_err_set(err, TK_EPARSE, "%s:%zu: the header row must name org_id and name", name,
                        line);
        goto done;
    }
    while ((rc = csv_row(&c, name, &line, err)) == 1) {
        snprintf(where, sizeof where, "%s:%zu", name, line);
        if (c.n > ncols) {
            rc =
                tk_err_set(err, TK_EPARSE, "%s: %zu fields, the header has %zu", where, c.n, ncols);
            goto done;
        }
        struct tk_str f[COL_N];
        for (int k = 0; k < COL_N; k++)
            f[k] = (struct tk_str){ "", 0 };
        for (size_t i = 0; i < c.n; i++)
            if (map[i] >= 0)
                f[map[i]] = csv_field(&c, i);
        uint32_t org;
        if ((rc = add_org(a, f, where, &org, err)) ||
            (rc = add_cidrs(a, org, f[COL_CIDRS], where, err)) ||
            (rc = add_domains(a, org, f[COL_DOMAINS], where, err)))
            goto done;
    }
done:
    tk_buf_release(&c.buf);
    return rc;
}

/* ---- JSON ------------------------------------------------------------------------------ */

/* A member as text: a string without NUL, or (when allowed) an integer. */
static int jv_text(struct tk_arena *tmp, const struct tk_jv *obj, const char *key, bool num_ok,
                   struct tk_str *out, const char *where, struct tk_err *err)
{
    const struct tk_jv *v = tk_jv_get(obj, key);
    *out = (struct tk_str){ "", 0 };
    if (!v || tk_jv_is(v, TK_JV_NULL))
        return 0;
    if (tk_jv_is(v, TK_JV_STRING)) {
        *out = (struct tk_str){ tk_jv_str(v), tk_jv_strlen(v) };
        return 0;
    }
    if (num_ok && tk_jv_is(v, TK_JV_INT) && v->u.i >= 0) {
        char *s = tk_arena_printf(tmp, "%lld", (long long)v->u.i);
        if (!s)
            return tk_err_set(err, TK_ENOMEM, "%s: out of memory", where);
        *out = tk_str_c(s);
        return 0;
    }
    return tk_err_set(err, TK_EPARSE, "%s: \"%s\" must be a string%s", where, key,
                      num_ok ? " or a number" : "");
}

/* cidrs / domains: one string (a list itself) or an array of them. */
static int jv_list(struct tk_attrib *a, uint32_t org, const struct tk_jv *obj, const char *key,
                   int (*add)(struct tk_attrib *, uint32_t, struct tk_str, const char *,
                              struct tk_err *),
                   const char *where, struct tk_err *err)
{
    const struct tk_jv *v = tk_jv_get(obj, key), *el;
    size_t i;
    if (!v || tk_jv_is(v, TK_JV_NULL))
        return 0;
    if (tk_jv_is(v, TK_JV_STRING))
        return add(a, org, (struct tk_str){ tk_jv_str(v), tk_jv_strlen(v) }, where, err);
    if (!tk_jv_is(v, TK_JV_ARRAY))
        return tk_err_set(err, TK_EPARSE, "%s: \"%s\" must be a string or an array of strings",
                          where, key);
    tk_jv_foreach(v, i, el)
    {
        struct tk_str s = { tk_jv_str(el), tk_jv_strlen(el) };
        if (!s.p || has_nul(s))
            return tk_err_set(err, TK_EPARSE, "%s: \"%s\" item %zu is not a string", where, key,
                              i + 1);
        int rc = add(a, org, s, where, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int load_json(struct tk_attrib *a, const char *name, const char *text, size_t n,
                     struct tk_err *err)
{
    struct tk_arena tmp;
    struct tk_jv *root = NULL;
    const struct tk_jv *arr, *el;
    size_t i;
    char where[400], sb[80];
    /* Generous for any JSON text (a node per two bytes at most), yet bounded by it. */
    tk_arena_init(&tmp, ((size_t)1 << 20) + (n < SIZE_MAX / 64 ? n * 32 : SIZE_MAX / 4));
    int rc = tk_jdoc_parse(&tmp, text, n, name, &root, err);
    if (rc)
        goto done;
    arr = tk_jv_is(root, TK_JV_OBJECT) ? tk_jv_get(root, "orgs") : root;
    if (!tk_jv_is(arr, TK_JV_ARRAY)) {
        rc = tk_err_set(err, TK_EPARSE, "%s: expected an array of organisations", name);
        goto done;
    }
    tk_jv_foreach(arr, i, el)
    {
        snprintf(where, sizeof where, "%s: org %zu", name, i + 1);
        if (!tk_jv_is(el, TK_JV_OBJECT)) {
            rc = tk_err_set(err, TK_EPARSE, "%s: expected an object", where);
            goto done;
        }
        struct tk_str f[COL_N];
        for (int k = 0; k < COL_N && !rc; k++) {
            if (k == COL_CIDRS || k == COL_DOMAINS) {
                f[k] = (struct tk_str){ "", 0 };
                continue;
            }
            rc = jv_text(&tmp, el, col_names[k], k == COL_ID || k == COL_PREF || k == COL_CORP,
                         &f[k], where, err);
            if (k == COL_ID && !rc && f[k].n)
                snprintf(where, sizeof where, "%s: org %zu (\"%s\")", name, i + 1,
                         shown(f[k], sb, sizeof sb));
        }
        uint32_t org;
        if (rc || (rc = add_org(a, f, where, &org, err)) ||
            (rc = jv_list(a, org, el, "cidrs", add_cidrs, where, err)) ||
            (rc = jv_list(a, org, el, "domains", add_domains, where, err)))
            goto done;
    }
done:
    tk_arena_release(&tmp);
    return rc;
}

static bool looks_like_json(const char *text, size_t n)
{
    size_t i = 0;
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    return i < n && (text[i] == '[' || text[i] == '{');
}

int tk_attrib_add_directory(struct tk_attrib *a, const char *name, const char *text, size_t n,
                            enum tk_attrib_format fmt, struct tk_err *err)
{
    if (!name)
        name = "directory";
    if (a->finished)
        return tk_err_set(err, TK_EINVAL, "%s: the matcher is already finished", name);
    if (n > TK_ATTRIB_MAX_TEXT)
        return tk_err_set(err, TK_ELIMIT, "%s: larger than %zu MiB", name,
                          TK_ATTRIB_MAX_TEXT >> 20);
    size_t norgs = a->norgs, nn4 = a->nets[0].n, nn6 = a->nets[1].n, ndoms = a->ndoms;
    if (fmt == TK_ATTRIB_AUTO)
        fmt = looks_like_json(text, n) ? TK_ATTRIB_JSON : TK_ATTRIB_CSV;
    int rc;
    if (fmt == TK_ATTRIB_JSON) {
        rc = load_json(a, name, text, n, err);
    } else {
        if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
            text += 3;
            n -= 3;
        }
        rc = load_csv(a, name, text, n, err);
    }
    if (!rc)
        rc = commit_ids(a, norgs, err);
    if (rc && !a->broken) {
        a->norgs = norgs;
        a->nets[0].n = nn4;
        a->nets[1].n = nn6;
        a->ndoms = ndoms;
    }
    return rc;
}

/* ---- WHOIS text ------------------------------------------------------------------------ */

enum wstyle { W_NONE, W_JPNIC, W_RPSL, W_ARIN };

struct wrange {
    int family;
    struct u128 lo, hi;
};

struct wparse {
    struct tk_attrib *a;
    const char *name;
    size_t *skipped;
    enum wstyle style; /* of the record being read, W_NONE between records */
    bool bad;          /* its range was malformed: ignore it */
    struct whois_rec rec;
    struct wrange ranges[WHOIS_MAX_RANGES];
    unsigned nranges;
    const char *org_object; /* in an RPSL organisation object: its handle */
};

static int wp_nomem(struct wparse *w, struct tk_err *err)
{
    return tk_err_set(err, TK_ENOMEM, "%s: out of memory", w->name);
}

/* Keeps the record read so far, one range entry per range. */
static int wp_flush(struct wparse *w, struct tk_err *err)
{
    struct tk_attrib *a = w->a;
    int rc = 0;
    if (w->style != W_NONE && !w->bad && w->nranges && (w->rec.nnames || w->rec.handle)) {
        rc = tk_grow((void **)&a->whois, &a->whoiscap, a->nwhois + 1, sizeof *a->whois,
                     TK_ATTRIB_MAX_WHOIS);
        if (!rc) {
            uint32_t idx = (uint32_t)a->nwhois;
            a->whois[a->nwhois++] = w->rec;
            for (unsigned i = 0; i < w->nranges && !rc; i++) {
                const struct wrange *r = &w->ranges[i];
                const char *text = range_text(&a->arena, r->family, r->lo, r->hi);
                rc = text ? rset_add(&a->wnets[r->family == 6], r->lo, r->hi, idx, text,
                                     TK_ATTRIB_MAX_WHOIS)
                          : TK_ENOMEM;
            }
        }
        if (rc)
            rc = tk_err_set(err, rc, "%s: %s", w->name,
                            rc == TK_ELIMIT ? "too many WHOIS ranges" : "out of memory");
    }
    w->style = W_NONE;
    w->bad = false;
    w->nranges = 0;
    memset(&w->rec, 0, sizeof w->rec);
    return rc;
}

static int wp_start(struct wparse *w, enum wstyle style, size_t line, struct tk_err *err)
{
    int rc = wp_flush(w, err);
    if (rc)
        return rc;
    w->style = style;
    w->org_object = NULL;
    w->rec.org = NONE;
    w->rec.origin = tk_arena_printf(&w->a->arena, "%s:%zu", w->name, line);
    return w->rec.origin ? 0 : wp_nomem(w, err);
}

/* Adds the ranges of a value ("a/n", "a - b", ARIN's "a/n, b/m"). */
static void wp_ranges(struct wparse *w, struct tk_str v)
{
    struct tk_str item, rest = v;
    bool list = !memchr(v.p, '-', v.n);
    while (rest.n) {
        if (list) {
            tk_str_cut(rest, ',', &item, &rest);
        } else {
            item = rest;
            rest.n = 0;
        }
        item = tk_str_trim(item);
        if (!item.n)
            continue;
        struct wrange r;
        if (!parse_range(item, true, &r.family, &r.lo, &r.hi)) {
            w->bad = true;
            if (w->skipped)
                (*w->skipped)++;
            return;
        }
        if (w->nranges < WHOIS_MAX_RANGES)
            w->ranges[w->nranges++] = r;
    }
    if (!w->nranges) {
        w->bad = true;
        if (w->skipped)
            (*w->skipped)++;
    }
}

static int wp_name(struct wparse *w, struct tk_str v, struct tk_err *err)
{
    v = tk_str_trim(v);
    if (!v.n || w->style == W_NONE || w->rec.nnames == WHOIS_MAX_NAMES || v.n > 512 ||
        !tk_utf8_valid(v.p, v.n) || has_nul(v))
        return 0;
    const char *s = tk_arena_str(&w->a->arena, v);
    if (!s)
        return wp_nomem(w, err);
    w->rec.names[w->rec.nnames++] = s;
    return 0;
}

static int wp_str(struct wparse *w, const char **dst, struct tk_str v, struct tk_err *err)
{
    v = tk_str_trim(v);
    if (!v.n || w->style == W_NONE || v.n > 512 || !tk_utf8_valid(v.p, v.n) || has_nul(v))
        return 0;
    if (!(*dst = tk_arena_str(&w->a->arena, v)))
        return wp_nomem(w, err);
    return 0;
}

static bool key_in(struct tk_str k, const char *const *list)
{
    for (; *list; list++)
        if (tk_str_eqcase_c(k, *list))
            return true;
    return false;
}

/* "[key]   value", after an optional "a. " item letter. */
static bool jpnic_line(struct tk_str line, struct tk_str *key, struct tk_str *val)
{
    struct tk_str s = tk_str_trim(line);
    if (s.n >= 3 && is_alpha(s.p[0]) && s.p[1] == '.' && (s.p[2] == ' ' || s.p[2] == '\t'))
        s = tk_str_trim((struct tk_str){ s.p + 3, s.n - 3 });
    if (!s.n || s.p[0] != '[')
        return false;
    const char *close = memchr(s.p, ']', s.n);
    if (!close)
        return false;
    *key = tk_str_trim((struct tk_str){ s.p + 1, (size_t)(close - s.p - 1) });
    *val = tk_str_trim((struct tk_str){ close + 1, s.n - (size_t)(close - s.p) - 1 });
    return true;
}

/* "key: value" with the key at the start of the line. */
static bool rpsl_line(struct tk_str line, struct tk_str *key, struct tk_str *val)
{
    size_t i = 0;
    while (i < line.n &&
           (is_alpha(line.p[i]) || is_digit(line.p[i]) || line.p[i] == '-' || line.p[i] == '_'))
        i++;
    if (!i || i >= line.n || line.p[i] != ':')
        return false;
    *key = (struct tk_str){ line.p, i };
    *val = tk_str_trim((struct tk_str){ line.p + i + 1, line.n - i - 1 });
    return true;
}

static const char *const jp_range_keys[] = { "IPネットワークアドレス", "Network Number",
                                             "IPv6ネットワークアドレス", NULL };
static const char *const jp_name_keys[] = { "組織名", "Organization", NULL };
static const char *const jp_netname_keys[] = { "ネットワーク名", "Network Name", NULL };
static const char *const jp_end_keys[] = { "JPNICハンドル", "JPNIC Handle", "グループハンドル",
                                           "Group Handle", NULL };
static const char *const jp_headings[] = { "上位情報", "下位情報", "Less Specific Info.",
                                           "More Specific Info.", NULL };
static const char *const rpsl_other[] = { "person",         "role",   "mntner", "aut-num",
                                          "route",          "route6", "domain", "irt",
                                          "as-block",       "as-set", "OrgId",  "OrgTechHandle",
                                          "OrgAbuseHandle", NULL };

static int wp_line(struct wparse *w, struct tk_str line, size_t lineno, struct tk_err *err)
{
    struct tk_str key, val, t = tk_str_trim(line);
    if (!t.n) {
        w->org_object = NULL;
        return w->style == W_RPSL || w->style == W_ARIN ? wp_flush(w, err) : 0;
    }
    if (t.p[0] == '%' || t.p[0] == '#')
        return 0;
    if (jpnic_line(line, &key, &val)) {
        if (key_in(key, jp_range_keys)) {
            int rc = wp_start(w, W_JPNIC, lineno, err);
            if (!rc)
                wp_ranges(w, val);
            return rc;
        }
        if (key_in(key, jp_end_keys))
            return wp_flush(w, err);
        if (w->style != W_JPNIC)
            return 0;
        if (key_in(key, jp_name_keys))
            return wp_name(w, val, err);
        if (key_in(key, jp_netname_keys))
            return wp_str(w, &w->rec.netname, val, err);
        return 0;
    }
    for (const char *const *h = jp_headings; *h; h++)
        if (tk_str_has_prefix(t, *h))
            return w->style == W_JPNIC ? wp_flush(w, err) : 0;
    if (line.p[0] == ' ' || line.p[0] == '\t' || line.p[0] == '+' || !rpsl_line(line, &key, &val))
        return 0;
    int rc = 0;
    if (tk_str_eqcase_c(key, "inetnum") || tk_str_eqcase_c(key, "inet6num")) {
        if (!(rc = wp_start(w, W_RPSL, lineno, err)))
            wp_ranges(w, val);
    } else if (tk_str_eqcase_c(key, "NetRange") ||
               (tk_str_eqcase_c(key, "CIDR") && !(w->style == W_ARIN && w->nranges))) {
        if (!(rc = wp_start(w, W_ARIN, lineno, err)))
            wp_ranges(w, val);
    } else if (tk_str_eqcase_c(key, "organisation")) {
        rc = wp_flush(w, err);
        if (!rc && val.n && val.n <= 128 && !(w->org_object = tk_arena_str(&w->a->arena, val)))
            rc = wp_nomem(w, err);
    } else if (key_in(key, rpsl_other)) {
        w->org_object = NULL;
        rc = wp_flush(w, err);
    } else if (w->org_object && tk_str_eqcase_c(key, "org-name")) {
        const char *s = val.n <= 512 && tk_utf8_valid(val.p, val.n) && !has_nul(val)
                            ? tk_arena_str(&w->a->arena, val)
                            : "";
        if (!s)
            rc = wp_nomem(w, err);
        else if (*s && !tk_map_get(&w->a->handles, tk_str_c(w->org_object)))
            rc = tk_map_put(&w->a->handles, tk_str_c(w->org_object), (void *)s);
        if (rc)
            rc = tk_err_set(err, rc, "%s: %s", w->name,
                            rc == TK_ELIMIT ? "too many organisation objects" : "out of memory");
    } else if (w->style == W_RPSL || w->style == W_ARIN) {
        if (key_in(key, (const char *const[]){ "org-name", "descr", "owner", "OrgName", NULL }))
            rc = wp_name(w, val, err);
        else if (tk_str_eqcase_c(key, "netname"))
            rc = wp_str(w, &w->rec.netname, val, err);
        else if (tk_str_eqcase_c(key, "org") && w->style == W_RPSL)
            rc = wp_str(w, &w->rec.handle, val, err);
    }
    return rc;
}

int tk_attrib_add_whois(struct tk_attrib *a, const char *name, const char *text, size_t n,
                        size_t *skipped, struct tk_err *err)
{
    if (!name)
        name = "whois";
    if (a->finished)
        return tk_err_set(err, TK_EINVAL, "%s: the matcher is already finished", name);
    if (n > TK_ATTRIB_MAX_TEXT)
        return tk_err_set(err, TK_ELIMIT, "%s: larger than %zu MiB", name,
                          TK_ATTRIB_MAX_TEXT >> 20);
    struct wparse w = { .a = a, .name = name, .skipped = skipped };
    struct tk_str rest = { text, n }, line;
    size_t lineno = 0, before = skipped ? *skipped : 0;
    size_t nwhois = a->nwhois, nw4 = a->wnets[0].n, nw6 = a->wnets[1].n;
    int rc = 0;
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        rest = (struct tk_str){ text + 3, n - 3 };
    while (!rc && tk_str_next_line(&rest, &line))
        rc = wp_line(&w, line, ++lineno, err);
    if (!rc)
        rc = wp_flush(&w, err);
    if (rc) {
        /* Nothing of this text is kept (organisation handles may stay: they name nothing
         * by themselves). */
        a->nwhois = nwhois;
        a->wnets[0].n = nw4;
        a->wnets[1].n = nw6;
        if (skipped)
            *skipped = before;
        return rc;
    }
    if (skipped)
        a->whois_skipped += *skipped - before;
    return 0;
}

/* ---- MaxMind DB ------------------------------------------------------------------------ */

int tk_attrib_open_mmdb(struct tk_attrib *a, const char *path, struct tk_err *err)
{
    if (a->has_mmdb)
        return tk_err_set(err, TK_EINVAL, "%s: a MaxMind DB is open already", path);
    int st = MMDB_open(path, MMDB_MODE_MMAP, &a->mmdb);
    if (st != MMDB_SUCCESS) {
        int code = st == MMDB_FILE_OPEN_ERROR || st == MMDB_IO_ERROR ? TK_EIO
                   : st == MMDB_OUT_OF_MEMORY_ERROR                  ? TK_ENOMEM
                                                                     : TK_EPARSE;
        return tk_err_set(err, code, "%s: cannot use as a MaxMind DB: %s", path, MMDB_strerror(st));
    }
    a->has_mmdb = true;
    return 0;
}

/* A short code of letters and digits from the database, upper-cased; false otherwise. */
static bool mmdb_code(MMDB_entry_s *e, char *out, size_t maxlen, const char *const *path)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
        d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size < 1 || d.data_size > maxlen)
        return false;
    for (uint32_t i = 0; i < d.data_size; i++) {
        char c = d.utf8_string[i];
        if (!is_alpha(c) && !is_digit(c))
            return false;
        out[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    out[d.data_size] = '\0';
    return true;
}

/* By socket address: the text form would go through getaddrinfo on every lookup. */
static void mmdb_lookup(const struct tk_attrib *a, const struct tk_ip *ip, char cc[3],
                        char region[12])
{
    static const char *const country_path[] = { "country", "iso_code", NULL };
    static const char *const sub_path[] = { "subdivisions", "0", "iso_code", NULL };
    struct sockaddr_in v4 = { .sin_family = AF_INET };
    struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
    const struct sockaddr *sa;
    if (ip->family == 4) {
        memcpy(&v4.sin_addr, ip->b, 4);
        sa = (const struct sockaddr *)&v4;
    } else {
        memcpy(&v6.sin6_addr, ip->b, 16);
        sa = (const struct sockaddr *)&v6;
    }
    int merr = 0;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&a->mmdb, sa, &merr);
    if (merr != MMDB_SUCCESS || !r.found_entry)
        return;
    char sub[4];
    if (!mmdb_code(&r.entry, cc, 2, country_path) || strlen(cc) != 2) {
        cc[0] = '\0';
        return;
    }
    if (mmdb_code(&r.entry, sub, 3, sub_path))
        snprintf(region, 12, "%s-%s", cc, sub);
}

/* ---- finish ------------------------------------------------------------------------------ */

static int finish_names(struct tk_attrib *a)
{
    char norm[TK_ORG_NAME_NORM_MAX];
    a->name_next = tk_calloc(a->norgs ? a->norgs : 1, sizeof *a->name_next);
    if (!a->name_next)
        return TK_ENOMEM;
    /* Backwards, so each chain lists organisations in directory order. */
    for (size_t i = a->norgs; i-- > 0;) {
        a->name_next[i] = NONE;
        if (!tk_org_name_normalize(tk_str_c(a->orgs[i].name), norm, sizeof norm))
            continue;
        struct tk_str k = tk_str_c(norm);
        a->name_next[i] = ptr_idx(tk_map_get(&a->names, k));
        int rc = tk_map_put(&a->names, k, idx_ptr(i));
        if (rc)
            return rc;
    }
    return 0;
}

static int finish_domains(struct tk_attrib *a)
{
    a->dom_next = tk_calloc(a->ndoms ? a->ndoms : 1, sizeof *a->dom_next);
    if (!a->dom_next)
        return TK_ENOMEM;
    for (size_t i = a->ndoms; i-- > 0;) {
        struct tk_str k = tk_str_c(a->doms[i].name);
        uint32_t first = ptr_idx(tk_map_get(&a->dommap, k));
        /* One org listing a domain twice needs it once. */
        bool dup = false;
        for (uint32_t j = first; j != NONE && !dup; j = a->dom_next[j])
            dup = a->doms[j].org == a->doms[i].org;
        if (dup) {
            a->dom_next[i] = NONE;
            continue;
        }
        a->dom_next[i] = first;
        int rc = tk_map_put(&a->dommap, k, idx_ptr(i));
        if (rc)
            return rc;
    }
    return 0;
}

/* Names each WHOIS record by the directory and drops ranges naming nobody. */
static void finish_whois(struct tk_attrib *a)
{
    char norm[TK_ORG_NAME_NORM_MAX];
    for (size_t i = 0; i < a->nwhois; i++) {
        struct whois_rec *w = &a->whois[i];
        if (w->handle && w->nnames < WHOIS_MAX_NAMES) {
            const char *s = tk_map_get(&a->handles, tk_str_c(w->handle));
            if (s)
                w->names[w->nnames++] = s;
        }
        w->org = NONE;
        w->shown = w->nnames ? w->names[0] : NULL;
        for (unsigned k = 0; k < w->nnames && w->org == NONE; k++) {
            if (!tk_org_name_normalize(tk_str_c(w->names[k]), norm, sizeof norm))
                continue;
            w->org = ptr_idx(tk_map_get(&a->names, tk_str_c(norm)));
            if (w->org != NONE)
                w->shown = w->names[k];
        }
    }
    for (int f = 0; f < 2; f++) {
        struct rset *r = &a->wnets[f];
        size_t k = 0;
        for (size_t i = 0; i < r->n; i++)
            if (a->whois[r->v[i].val].nnames)
                r->v[k++] = r->v[i];
        r->n = k;
    }
}

int tk_attrib_finish(struct tk_attrib *a, struct tk_err *err)
{
    if (a->finished)
        return tk_err_set(err, TK_EINVAL, "attribution: finished already");
    if (a->broken)
        return tk_err_set(err, TK_ENOMEM, "attribution: an earlier load ran out of memory");
    int rc = finish_names(a);
    if (!rc)
        rc = finish_domains(a);
    if (!rc) {
        finish_whois(a);
        for (int f = 0; f < 2 && !rc; f++)
            if (!(rc = rset_flatten(&a->nets[f])))
                rc = rset_flatten(&a->wnets[f]);
    }
    if (rc) {
        a->broken = true;
        return tk_err_set(err, rc, "attribution: %s",
                          rc == TK_ELIMIT ? "too many names" : "out of memory");
    }
    a->finished = true;
    return 0;
}

int tk_attrib_load(struct tk_attrib **out, const struct tk_attrib_opts *o, struct tk_err *err)
{
    struct tk_buf buf = TK_BUF_INIT(TK_ATTRIB_MAX_TEXT);
    struct tk_attrib *a = tk_attrib_new();
    int rc = 0;
    *out = NULL;
    if (!a)
        return tk_err_set(err, TK_ENOMEM, "attribution: out of memory");
    if (o && o->directory) {
        enum tk_attrib_format fmt = TK_ATTRIB_AUTO;
        size_t k = strlen(o->directory);
        const char *d = o->directory;
        if ((k >= 5 && strcmp(d + k - 5, ".json") == 0) ||
            (k >= 8 && strcmp(d + k - 8, ".json.gz") == 0))
            fmt = TK_ATTRIB_JSON;
        else if ((k >= 4 && strcmp(d + k - 4, ".csv") == 0) ||
                 (k >= 7 && strcmp(d + k - 7, ".csv.gz") == 0))
            fmt = TK_ATTRIB_CSV;
        if (!(rc = tk_input_slurp(d, &buf, err)))
            rc = tk_attrib_add_directory(a, d, buf.ptr ? buf.ptr : "", buf.len, fmt, err);
    }
    for (const char *const *w = o ? o->whois : NULL; !rc && w && *w; w++) {
        size_t skipped = 0;
        tk_buf_reset(&buf);
        if (!(rc = tk_input_slurp(*w, &buf, err)))
            rc = tk_attrib_add_whois(a, *w, buf.ptr ? buf.ptr : "", buf.len, &skipped, err);
    }
    if (!rc && o && o->mmdb)
        rc = tk_attrib_open_mmdb(a, o->mmdb, err);
    if (!rc)
        rc = tk_attrib_finish(a, err);
    tk_buf_release(&buf);
    if (rc) {
        tk_attrib_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

/* ---- lookups ------------------------------------------------------------------------------ */

/* How much each kind of evidence weighs when organisations compete. */
static const int kind_weight[TK_EV_COUNT] = {
    [TK_EV_CIDR] = 6,     [TK_EV_CERT_SAN] = 5, [TK_EV_CERT_CN] = 5, [TK_EV_CERT_O] = 4,
    [TK_EV_HOSTNAME] = 3, [TK_EV_WHOIS] = 2,    [TK_EV_MMDB] = 0,    [TK_EV_SOURCE] = 0,
};

static const char *const kind_names[TK_EV_COUNT] = {
    [TK_EV_CIDR] = "cidr",     [TK_EV_CERT_SAN] = "cert-san", [TK_EV_CERT_CN] = "cert-cn",
    [TK_EV_CERT_O] = "cert-o", [TK_EV_HOSTNAME] = "hostname", [TK_EV_WHOIS] = "whois",
    [TK_EV_MMDB] = "mmdb",     [TK_EV_SOURCE] = "source",
};

const char *tk_evidence_kind_name(enum tk_evidence_kind k)
{
    return (unsigned)k < TK_EV_COUNT ? kind_names[k] : "?";
}

const char *tk_attrib_confidence_name(enum tk_attrib_confidence c)
{
    static const char *const names[] = { "none", "low", "medium", "high" };
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

struct cand {
    uint32_t org;
    int best;
    unsigned count, first;
};

struct lk {
    const struct tk_attrib *a;
    struct tk_attribution *r;
    struct cand c[MAX_CANDIDATES];
    size_t nc;
    unsigned seq;
};

/* Cuts s to fit size bytes without splitting a UTF-8 sequence. */
static void copy_detail(char *dst, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (n >= size) {
        n = size - 1;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void note(struct lk *x, enum tk_evidence_kind kind, uint32_t org, const char *detail)
{
    char cut[TK_ATTRIB_DETAIL_MAX];
    copy_detail(cut, sizeof cut, detail);
    const struct tk_org *o = org == NONE ? NULL : &x->a->orgs[org];
    struct tk_attribution *r = x->r;
    for (size_t i = 0; i < r->nevidence; i++)
        if (r->evidence[i].kind == kind && r->evidence[i].org == o &&
            strcmp(r->evidence[i].detail, cut) == 0)
            return;
    if (r->nevidence < TK_ATTRIB_MAX_EVIDENCE) {
        struct tk_attrib_evidence *e = &r->evidence[r->nevidence++];
        e->kind = kind;
        e->org = o;
        e->conflict = false;
        memcpy(e->detail, cut, strlen(cut) + 1);
    } else {
        r->evidence_dropped++;
    }
    if (org == NONE)
        return;
    unsigned seq = x->seq++;
    for (size_t i = 0; i < x->nc; i++) {
        if (x->c[i].org == org) {
            if (kind_weight[kind] > x->c[i].best)
                x->c[i].best = kind_weight[kind];
            x->c[i].count++;
            return;
        }
    }
    if (x->nc < MAX_CANDIDATES)
        x->c[x->nc++] = (struct cand){ org, kind_weight[kind], 1, seq };
}

static void match_domain(struct lk *x, enum tk_evidence_kind kind, const char *name)
{
    char buf[DOMAIN_MAX + 1];
    size_t n;
    if (!name || !domain_norm(tk_str_c(name), buf, sizeof buf, &n))
        return;
    const struct tk_attrib *a = x->a;
    for (const char *p = buf; p;) {
        uint32_t d = ptr_idx(tk_map_get(&a->dommap, tk_str_c(p)));
        if (d != NONE) {
            for (; d != NONE; d = a->dom_next[d])
                note(x, kind, a->doms[d].org, name);
            return;
        }
        p = strchr(p, '.');
        if (p)
            p++;
    }
}

static void match_org_name(struct lk *x, const char *o)
{
    char norm[TK_ORG_NAME_NORM_MAX];
    if (!o || !tk_org_name_normalize(tk_str_c(o), norm, sizeof norm))
        return;
    for (uint32_t i = ptr_idx(tk_map_get(&x->a->names, tk_str_c(norm))); i != NONE;
         i = x->a->name_next[i])
        note(x, TK_EV_CERT_O, i, o);
}

static void match_cidr(struct lk *x, const struct tk_ip *ip)
{
    const struct rset *r = &x->a->nets[ip->family == 6];
    struct u128 k = ip_key(ip);
    uint32_t e = rset_find(r, k);
    if (e == NONE)
        return;
    /* The winner first, then other organisations listing the very same block. */
    note(x, TK_EV_CIDR, r->v[e].val, r->v[e].text);
    for (size_t j = e + 1;
         j < r->n && u128_cmp(r->v[j].lo, r->v[e].lo) == 0 && u128_cmp(r->v[j].hi, r->v[e].hi) == 0;
         j++)
        note(x, TK_EV_CIDR, r->v[j].val, r->v[j].text);
}

static void match_whois(struct lk *x, const struct tk_ip *ip)
{
    const struct rset *r = &x->a->wnets[ip->family == 6];
    uint32_t e = rset_find(r, ip_key(ip));
    if (e == NONE)
        return;
    const struct whois_rec *w = &x->a->whois[r->v[e].val];
    char detail[TK_ATTRIB_DETAIL_MAX * 2];
    snprintf(detail, sizeof detail, "%s %s (%s)", r->v[e].text, w->shown ? w->shown : "",
             w->origin ? w->origin : "");
    note(x, TK_EV_WHOIS, w->org, detail);
}

/* The scan source's region as ISO 3166-2 ("JP-14") when it is recognisable. */
static void source_region(const char *cc, const char *region, char out[12])
{
    out[0] = '\0';
    if (!region || !*region)
        return;
    if (strcmp(cc, "JP") == 0) {
        int p = tk_prefecture_parse(region);
        if (p)
            snprintf(out, 12, "JP-%02d", p);
        return;
    }
    const char *sub = region;
    size_t n = strlen(region);
    if (n > 3 && region[2] == '-' && lower(region[0]) == lower(cc[0]) &&
        lower(region[1]) == lower(cc[1]))
        sub = region + 3;
    n = strlen(sub);
    if (n < 1 || n > 3)
        return;
    for (size_t i = 0; i < n; i++)
        if (!is_alpha(sub[i]) && !is_digit(sub[i]))
            return;
    snprintf(out, 12, "%s-%s", cc, sub);
    for (char *q = out + 3; *q; q++)
        *q = *q >= 'a' && *q <= 'z' ? (char)(*q - 'a' + 'A') : *q;
}

static int region_prefecture(const char *cc, const char *region)
{
    if (strcmp(cc, "JP") != 0 || strncmp(region, "JP-", 3) != 0)
        return 0;
    return pref_number(tk_str_c(region + 3));
}

int tk_attrib_lookup(const struct tk_attrib *a, const struct tk_obs *o, struct tk_attribution *res)
{
    /* Not a memset: the evidence array is 4 KiB, and lookups run by the million. */
    res->org = NULL;
    res->confidence = TK_CONF_NONE;
    res->country[0] = res->region[0] = res->mmdb_country[0] = res->mmdb_region[0] = '\0';
    res->prefecture = 0;
    res->place_from = "";
    res->nevidence = 0;
    res->evidence_dropped = 0;
    if (!a->finished)
        return TK_EINVAL;
    struct lk x = { .a = a, .r = res };
    struct tk_ip ip;
    bool have_ip = tk_ip_parse(tk_str_c(o->ip), &ip);
    if (have_ip) {
        tk_ip_unmap(&ip);
        match_cidr(&x, &ip);
    }
    if (o->has_cert) {
        for (size_t i = 0; i < o->cert.nsans && o->cert.sans; i++)
            match_domain(&x, TK_EV_CERT_SAN, o->cert.sans[i]);
        match_domain(&x, TK_EV_CERT_CN, o->cert.subject_cn);
        match_org_name(&x, o->cert.subject_o);
    }
    for (size_t i = 0; i < o->nhostnames && o->hostnames; i++)
        match_domain(&x, TK_EV_HOSTNAME, o->hostnames[i]);
    if (have_ip)
        match_whois(&x, &ip);
    if (have_ip && a->has_mmdb) {
        mmdb_lookup(a, &ip, res->mmdb_country, res->mmdb_region);
        if (res->mmdb_country[0]) {
            char detail[32];
            snprintf(detail, sizeof detail, "%s%s%s", res->mmdb_country,
                     res->mmdb_region[0] ? " " : "", res->mmdb_region);
            note(&x, TK_EV_MMDB, NONE, detail);
        }
    }
    char src_cc[3] = "", src_region[12] = "";
    if (o->country && strlen(o->country) == 2 && is_alpha(o->country[0]) &&
        is_alpha(o->country[1])) {
        src_cc[0] = (char)(lower(o->country[0]) - 'a' + 'A');
        src_cc[1] = (char)(lower(o->country[1]) - 'a' + 'A');
        source_region(src_cc, o->region, src_region);
        char detail[32];
        snprintf(detail, sizeof detail, "%s%s%s", src_cc, src_region[0] ? " " : "", src_region);
        note(&x, TK_EV_SOURCE, NONE, detail);
    }

    /* The strongest evidence wins; then more items; then whatever was seen first. */
    const struct cand *best = NULL;
    for (size_t i = 0; i < x.nc; i++) {
        const struct cand *c = &x.c[i];
        if (!best || c->best > best->best || (c->best == best->best && c->count > best->count) ||
            (c->best == best->best && c->count == best->count && c->first < best->first))
            best = c;
    }
    if (best) {
        res->org = &a->orgs[best->org];
        res->confidence = best->best >= kind_weight[TK_EV_CERT_O] ? TK_CONF_HIGH : TK_CONF_MEDIUM;
        for (size_t i = 0; i < res->nevidence; i++) {
            struct tk_attrib_evidence *e = &res->evidence[i];
            e->conflict = e->org ? e->org != res->org : e->kind == TK_EV_WHOIS;
        }
    } else if (res->mmdb_country[0]) {
        res->confidence = TK_CONF_LOW;
    }

    if (res->org && res->org->prefecture) {
        memcpy(res->country, "JP", 3);
        snprintf(res->region, sizeof res->region, "JP-%02d", res->org->prefecture);
        res->place_from = "org";
    } else if (res->mmdb_country[0]) {
        memcpy(res->country, res->mmdb_country, sizeof res->country);
        memcpy(res->region, res->mmdb_region, sizeof res->region);
        res->place_from = "mmdb";
    } else if (src_cc[0]) {
        memcpy(res->country, src_cc, sizeof res->country);
        memcpy(res->region, src_region, sizeof res->region);
        res->place_from = "source";
    }
    res->prefecture = region_prefecture(res->country, res->region);
    return 0;
}

void tk_attribution_write_json(const struct tk_attribution *r, struct tk_json *w)
{
    tk_json_obj_begin(w);
    tk_json_kstr(w, "org_id", r->org ? r->org->id : NULL);
    tk_json_kstr(w, "org_name", r->org ? r->org->name : NULL);
    if (r->org && r->org->prefecture) {
        char p[8];
        snprintf(p, sizeof p, "JP-%02d", r->org->prefecture);
        tk_json_kstr(w, "org_prefecture", p);
    } else {
        tk_json_kstr(w, "org_prefecture", NULL);
    }
    tk_json_kstr(w, "confidence", tk_attrib_confidence_name(r->confidence));
    tk_json_kstr(w, "country", r->country[0] ? r->country : NULL);
    tk_json_kstr(w, "region", r->region[0] ? r->region : NULL);
    tk_json_kstr(w, "place_from", r->place_from && *r->place_from ? r->place_from : NULL);
    tk_json_key(w, "evidence");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < r->nevidence; i++) {
        const struct tk_attrib_evidence *e = &r->evidence[i];
        tk_json_obj_begin(w);
        tk_json_kstr(w, "kind", tk_evidence_kind_name(e->kind));
        tk_json_kstr(w, "detail", e->detail);
        tk_json_kstr_opt(w, "org_id", e->org ? e->org->id : NULL);
        tk_json_kbool(w, "conflict", e->conflict);
        tk_json_obj_end(w);
    }
    tk_json_arr_end(w);
    if (r->evidence_dropped)
        tk_json_kint(w, "evidence_dropped", r->evidence_dropped);
    tk_json_obj_end(w);
}
