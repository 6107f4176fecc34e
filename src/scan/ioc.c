/* ioc.c - loading IOC lists (LOKI/THOR text formats, STIX 2.1 bundles) and looking them up;
 * see ioc.h for the formats. Hashes and exact C2 values live in hash maps, CIDR ranges in a
 * list, file-name patterns as core/regex.h programs (PCRE2, or minire in builds without).
 * Each pattern keeps the literals every match must contain (core/relit.h); one pass over a
 * path finds which literals it holds, and only the patterns with one there are run. */
#include "scan/ioc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat/fs.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/hash.h"
#include "core/jdoc.h"
#include "core/map.h"
#include "core/regex.h"
#include "core/relit.h"
#include "scan/embedded.h"
#include "tk_config.h"

/* Filename IOCs are PCRE2 patterns (core/regex.h: PCRE2, or in a build without it the
 * matcher that refuses, with a warning naming the line, what it cannot match as PCRE2 would). */
typedef struct tk_regex re_t;
static void re_free(re_t *c)
{
    tk_regex_free(c);
}

#define IOC_FILE_MAX (256 << 20)
#define MAX_ENTRIES 10000000
#define MAX_WARNINGS 100
#define DEFAULT_SCORE 100
#define DEFAULT_FILENAME_SCORE 75

struct fname {
    struct tk_ioc ioc;
    re_t *re, *fp;
    size_t lit;   /* offset in tk_iocs.lits of its literals: each a length byte, then bytes */
    uint8_t nlit; /* 0: no prefilter, always run */
};


struct tk_iocs {
    struct tk_arena arena;
    struct tk_map hashes, c2;
    struct fname *fnames;
    size_t nfnames, capfnames;
    struct tk_buf lits; /* the file-name patterns' literals */
    struct tk_map ranges;  /* "network/prefix" (network masked) -> IOC */
    bool plens[2][129];    /* prefix lengths present, IPv4 and IPv6 */
    struct tk_buf *warnings;
    struct tk_ioc_counts counts;
    struct tk_hash3 digest; /* of every entry loaded; its SHA-256 names the set */
    bool digesting;
    char hash[TK_SHA256_HEX_LEN + 1];
    char ignored[9][TK_SHA256_HEX_LEN + 1]; /* digests of "", "\n", "\r\n" */
};

/* ---- life cycle --------------------------------------------------------------------------- */

int tk_iocs_new(struct tk_iocs **out, struct tk_buf *warnings, struct tk_err *err)
{
    *out = NULL;
    struct tk_iocs *s = tk_calloc(1, sizeof *s);
    if (!s)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    tk_arena_init(&s->arena, (size_t)2 << 30);
    tk_map_init(&s->hashes, MAX_ENTRIES);
    tk_map_init(&s->c2, MAX_ENTRIES);
    tk_map_init(&s->ranges, MAX_ENTRIES);
    tk_buf_init(&s->lits, (size_t)1 << 30);
    s->warnings = warnings;
    if (tk_hash3_init(&s->digest) != 0 || tk_hash3_start(&s->digest) != 0) {
        tk_iocs_free(s);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    s->digesting = true;
    static const char *const trivial[] = { "", "\n", "\r\n" };
    for (int i = 0; i < 3; i++) {
        struct tk_digests d;
        if (tk_hash3(trivial[i], strlen(trivial[i]), &d) != 0) {
            tk_iocs_free(s);
            return tk_err_set(err, TK_ENOMEM, "out of memory");
        }
        memcpy(s->ignored[3 * i], d.md5, sizeof d.md5);
        memcpy(s->ignored[3 * i + 1], d.sha1, sizeof d.sha1);
        memcpy(s->ignored[3 * i + 2], d.sha256, sizeof d.sha256);
    }
    *out = s;
    return 0;
}

void tk_iocs_free(struct tk_iocs *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nfnames; i++) {
        re_free(s->fnames[i].re);
        re_free(s->fnames[i].fp);
    }
    tk_free(s->fnames);
    tk_buf_release(&s->lits);
    tk_map_release(&s->hashes);
    tk_map_release(&s->c2);
    tk_map_release(&s->ranges);
    tk_arena_release(&s->arena);
    tk_hash3_release(&s->digest);
    tk_free(s);
}

struct tk_ioc_counts tk_iocs_counts(const struct tk_iocs *s)
{
    return s->counts;
}

const char *tk_iocs_hash(struct tk_iocs *s)
{
    if (!s->hash[0] && s->digesting) {
        struct tk_digests d;
        if (tk_hash3_final(&s->digest, &d) == 0)
            memcpy(s->hash, d.sha256, sizeof s->hash);
        s->digesting = false;
    }
    return s->hash;
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* "203.0.113.0/24": the address masked to its first bits, and the prefix length. */
static void range_key(const struct tk_ip *ip, unsigned bits, char *out, size_t n)
{
    struct tk_ip net = *ip;
    size_t len = net.family == 6 ? 16 : 4;
    for (size_t i = 0; i < len; i++) {
        unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * (unsigned)i : 0;
        net.b[i] &= (unsigned char)(0xff00u >> keep);
    }
    char a[TK_IP_STRLEN];
    tk_ip_format(&net, a);
    snprintf(out, n, "%s/%u", a, bits);
}

static void warn(struct tk_iocs *s, const char *name, size_t line, const char *why)
{
    s->counts.warnings++;
    if (s->warnings && s->counts.warnings <= MAX_WARNINGS)
        tk_buf_addf(s->warnings, "%s:%zu: %s\n", name, line, why);
}

static void digest_entry(struct tk_iocs *s, int kind, struct tk_str v, int score)
{
    if (!s->digesting) /* loading after the hash was read: the hash would be stale */
        return;
    unsigned char head[8] = { (unsigned char)kind, (unsigned char)(score & 0xff),
                              (unsigned char)((score >> 8) & 0xff) };
    uint32_t n = (uint32_t)v.n;
    memcpy(head + 4, &n, 4);
    tk_hash3_update(&s->digest, head, sizeof head);
    tk_hash3_update(&s->digest, v.p, v.n);
}

static bool all_digits(struct tk_str s)
{
    if (!s.n || s.n > 4)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!isdigit((unsigned char)s.p[i]))
            return false;
    return true;
}

/* A signed score ("-60", "80"); false when it is not a number in -100..100. */
static bool parse_score(struct tk_str t, int *out)
{
    t = tk_str_trim(t);
    bool neg = t.n && t.p[0] == '-';
    if (neg) {
        t.p++;
        t.n--;
    }
    if (!all_digits(t))
        return false;
    int v = 0;
    for (size_t i = 0; i < t.n; i++)
        v = v * 10 + (t.p[i] - '0');
    if (v > 100)
        return false;
    *out = neg ? -v : v;
    return true;
}

static struct tk_ioc *new_ioc(struct tk_iocs *s, enum tk_ioc_kind kind, struct tk_str value,
                              const char *desc, const char *name, size_t line, int score)
{
    struct tk_ioc *ioc = tk_arena_alloc(&s->arena, sizeof *ioc);
    if (!ioc)
        return NULL;
    ioc->kind = kind;
    ioc->value = tk_arena_str(&s->arena, value);
    ioc->description = desc;
    ioc->source = tk_arena_printf(&s->arena, "%s:%zu", name, line);
    ioc->score = score;
    return ioc->value && ioc->source ? ioc : NULL;
}

/* ---- hashes ------------------------------------------------------------------------------- */

static bool is_ignored(const struct tk_iocs *s, const char *hex)
{
    for (int i = 0; i < 9; i++)
        if (strcmp(s->ignored[i], hex) == 0)
            return true;
    return false;
}

static int add_hash(struct tk_iocs *s, struct tk_str line, const char *desc, const char *name,
                    size_t lineno)
{
    struct tk_str h, rest, f2, f3;
    tk_str_cut(line, ';', &h, &rest);
    h = tk_str_trim(h);
    if (h.n != 32 && h.n != 40 && h.n != 64) {
        warn(s, name, lineno, "not an MD5, SHA-1 or SHA-256 hash");
        return 0;
    }
    char hex[65];
    for (size_t i = 0; i < h.n; i++) {
        if (!isxdigit((unsigned char)h.p[i])) {
            warn(s, name, lineno, "not an MD5, SHA-1 or SHA-256 hash");
            return 0;
        }
        hex[i] = (char)tolower((unsigned char)h.p[i]);
    }
    hex[h.n] = '\0';
    if (is_ignored(s, hex))
        return 0;
    int score = DEFAULT_SCORE;
    struct tk_str comment = rest;
    if (tk_str_cut(rest, ';', &f2, &f3) && all_digits(tk_str_trim(f2))) {
        parse_score(f2, &score);
        comment = f3;
    } else if (all_digits(tk_str_trim(rest))) {
        parse_score(rest, &score);
        comment = (struct tk_str){ "", 0 };
    }
    comment = tk_str_trim(comment);
    const char *d = comment.n ? tk_arena_str(&s->arena, comment) : desc;
    struct tk_ioc *ioc = new_ioc(s, TK_IOC_HASH, (struct tk_str){ hex, h.n }, d, name, lineno,
                                 score);
    if (!ioc || tk_map_put(&s->hashes, tk_str_c(ioc->value), ioc) != 0)
        return TK_ENOMEM;
    digest_entry(s, TK_IOC_HASH, tk_str_c(ioc->value), score);
    s->counts.hashes++;
    return 0;
}

const struct tk_ioc *tk_iocs_find_hash(const struct tk_iocs *s, const char *hex)
{
    return tk_map_get(&s->hashes, tk_str_c(hex));
}

/* ---- file names --------------------------------------------------------------------------- */

/* Rewrites a pattern written for Windows paths so it matches '/' as well: the regex text
 * "\\" (a literal backslash) becomes "[\\/]", or "\\/" inside a character class. */
static int portable_pattern(struct tk_str re, struct tk_buf *out)
{
    int rc = 0;
    bool in_class = false;
    for (size_t i = 0; i < re.n && !rc; i++) {
        char c = re.p[i];
        if (c == '\\' && i + 1 < re.n) {
            if (re.p[i + 1] == '\\')
                rc = tk_buf_adds(out, in_class ? "\\\\/" : "[\\\\/]");
            else
                rc = tk_buf_add(out, re.p + i, 2);
            i++;
            continue;
        }
        if (!in_class && c == '[') {
            in_class = true;
            rc = tk_buf_addc(out, c);
            /* "[]..." and "[^]...": the first ']' is a member, not the end. */
            if (i + 1 < re.n && re.p[i + 1] == '^' && !rc)
                rc = tk_buf_addc(out, re.p[++i]);
            if (i + 1 < re.n && re.p[i + 1] == ']' && !rc)
                rc = tk_buf_addc(out, re.p[++i]);
            continue;
        }
        if (in_class && c == ']')
            in_class = false;
        rc = tk_buf_addc(out, c);
    }
    return rc;
}

/* Compiles re; with lits, also the literals every match contains (*nlits, 0 for none). */
static re_t *compile_re(struct tk_str re, bool literal_nocase, char *why, size_t whylen,
                        struct tk_relit *lits, size_t *nlits)
{
    struct tk_buf pat = TK_BUF_INIT(1 << 20);
    if (portable_pattern(re, &pat) != 0) {
        snprintf(why, whylen, "pattern too long");
        tk_buf_release(&pat);
        return NULL;
    }
    if (lits) { /* a leading (?i), common in LOKI's lists, is the caseless flag */
        const char *p = pat.ptr ? pat.ptr : "";
        bool ci = pat.len >= 4 && memcmp(p, "(?i)", 4) == 0;
        *nlits = tk_relit_of(p + (ci ? 4 : 0), pat.len - (ci ? 4 : 0),
                             TK_RELIT_UTF | (literal_nocase || ci ? TK_RELIT_CASELESS : 0), lits,
                             TK_RELIT_MAX_ALTS);
    }
    size_t off;
    char msg[200];
    re_t *c = tk_regex_compile(pat.ptr ? pat.ptr : "", pat.len, literal_nocase, &off, msg,
                               sizeof msg);
    tk_buf_release(&pat);
    if (!c)
        snprintf(why, whylen, "bad regex at offset %zu: %s", off, msg);
    return c;
}

static bool has_meta(struct tk_str s)
{
    for (size_t i = 0; i < s.n; i++)
        if (strchr(".^$*+?()[]{}|\\", s.p[i]))
            return true;
    return false;
}

static int add_filename(struct tk_iocs *s, struct tk_str line, const char *desc,
                        const char *name, size_t lineno)
{
    struct tk_str re, rest, sc, fp = { "", 0 };
    tk_str_cut(line, ';', &re, &rest);
    if (!re.n) {
        warn(s, name, lineno, "empty pattern");
        return 0;
    }
    int score = DEFAULT_FILENAME_SCORE;
    if (rest.n) {
        tk_str_cut(rest, ';', &sc, &fp);
        if (!parse_score(sc, &score)) {
            warn(s, name, lineno, "score must be a number from -100 to 100");
            return 0;
        }
    }
    char why[240];
    struct tk_relit lits[TK_RELIT_MAX_ALTS];
    size_t nlits = 0;
    re_t *c = compile_re(re, !has_meta(re), why, sizeof why, lits, &nlits);
    if (!c) {
        warn(s, name, lineno, why);
        return 0;
    }
    re_t *f = NULL;
    fp = tk_str_trim(fp);
    if (fp.n && !(f = compile_re(fp, !has_meta(fp), why, sizeof why, NULL, NULL))) {
        re_free(c);
        warn(s, name, lineno, why);
        return 0;
    }
    if (s->nfnames == s->capfnames) {
        size_t cap = s->capfnames ? s->capfnames * 2 : 64;
        struct fname *grown = cap <= MAX_ENTRIES ? tk_realloc(s->fnames, cap * sizeof *grown)
                                                 : NULL;
        if (!grown) {
            re_free(c);
            re_free(f);
            return TK_ENOMEM;
        }
        s->fnames = grown;
        s->capfnames = cap;
    }
    struct tk_ioc *ioc = new_ioc(s, TK_IOC_FILENAME, re, desc, name, lineno, score);
    if (!ioc) {
        re_free(c);
        re_free(f);
        return TK_ENOMEM;
    }
    size_t at = s->lits.len;
    for (size_t k = 0; k < nlits; k++) {
        unsigned char len = (unsigned char)lits[k].n; /* at most TK_RELIT_MAX_LEN */
        if (tk_buf_add(&s->lits, &len, 1) != 0 || tk_buf_add(&s->lits, lits[k].s, len) != 0) {
            re_free(c);
            re_free(f);
            return TK_ENOMEM;
        }
    }
    s->fnames[s->nfnames++] = (struct fname){ *ioc, c, f, at, (uint8_t)nlits };
    digest_entry(s, TK_IOC_FILENAME, line, score);
    s->counts.filenames++;
    return 0;
}

/* A thread's matching state, with its own literal set: the patterns loaded when it was made
 * (nbuilt) are prefiltered, any loaded later are always run. */
struct tk_ioc_scratch {
    struct tk_regex_scratch *rx;
    struct tk_litset *set; /* NULL: no prefilter */
    uint32_t *bits;        /* each pattern's literals' bits in found, pattern after pattern */
    uint64_t *found;
    size_t words, nbuilt;
};

static int build_prefilter(const struct tk_iocs *s, struct tk_ioc_scratch *x)
{
    size_t total = 0;
    for (size_t i = 0; i < s->nfnames; i++)
        total += s->fnames[i].nlit;
    if (!total)
        return 0;
    if (!(x->set = tk_litset_new()) || !(x->bits = tk_calloc(total, sizeof *x->bits)))
        return TK_ENOMEM;
    const unsigned char *p = (const unsigned char *)s->lits.ptr;
    for (size_t i = 0, j = 0; i < s->nfnames; i++)
        for (size_t k = 0, at = s->fnames[i].lit; k < s->fnames[i].nlit; k++, j++) {
            int rc = tk_litset_add(x->set, p + at + 1, p[at], &x->bits[j]);
            if (rc)
                return rc;
            at += 1 + (size_t)p[at];
        }
    int rc = tk_litset_finish(x->set);
    if (rc)
        return rc;
    for (size_t j = 0; j < total; j++)
        x->bits[j] = tk_litset_bit(x->set, x->bits[j]);
    x->words = tk_litset_words(x->set);
    if (!(x->found = tk_calloc(x->words ? x->words : 1, sizeof *x->found)))
        return TK_ENOMEM;
    x->nbuilt = s->nfnames;
    return 0;
}

static struct tk_ioc_scratch *scratch_new(const struct tk_iocs *s, bool prefilter)
{
    struct tk_ioc_scratch *x = tk_calloc(1, sizeof *x);
    int rc = x && (x->rx = tk_regex_scratch_new()) ? 0 : TK_ENOMEM;
    if (!rc && prefilter)
        rc = build_prefilter(s, x);
    /* every pattern is tried once on an empty text, so that the scratch has grown to the
     * largest before the scan (memory runs out here, not silently on a file) */
    for (size_t i = 0; i < s->nfnames && rc >= 0; i++) {
        rc = tk_regex_search(s->fnames[i].re, x->rx, "", 0);
        if (rc >= 0 && s->fnames[i].fp)
            rc = tk_regex_search(s->fnames[i].fp, x->rx, "", 0);
    }
    if (rc < 0) {
        tk_ioc_scratch_free(x);
        x = NULL;
    }
    return x;
}

struct tk_ioc_scratch *tk_ioc_scratch_new(const struct tk_iocs *s)
{
    return scratch_new(s, true);
}

struct tk_ioc_scratch *tk_ioc_scratch_new_unfiltered(const struct tk_iocs *s)
{
    return scratch_new(s, false);
}

void tk_ioc_scratch_free(struct tk_ioc_scratch *x)
{
    if (x) {
        tk_regex_scratch_free(x->rx);
        tk_litset_free(x->set);
        tk_free(x->bits);
        tk_free(x->found);
    }
    tk_free(x);
}

/* A pattern loaded after the scratch was made grows it; should that fail, it is no hit. */
static bool search(const re_t *c, struct tk_ioc_scratch *x, const char *path, size_t n)
{
    return tk_regex_search(c, x->rx, path, n) == 1;
}

size_t tk_iocs_match_filename(const struct tk_iocs *s, struct tk_ioc_scratch *x,
                              const char *path, const struct tk_ioc **hits, size_t max)
{
    size_t n = strlen(path), k = 0, j = 0;
    if (x->set) {
        memset(x->found, 0, x->words * sizeof *x->found);
        tk_litset_scan(x->set, (const unsigned char *)path, n, x->found);
    }
    for (size_t i = 0; i < s->nfnames; i++) {
        const struct fname *f = &s->fnames[i];
        if (i < x->nbuilt && f->nlit) { /* run only with one of its literals in the path */
            bool any = false;
            for (size_t e = j + f->nlit; j < e; j++)
                any |= tk_litset_found(x->found, x->bits[j]);
            if (!any)
                continue;
        }
        if (!search(f->re, x, path, n) || (f->fp && search(f->fp, x, path, n)))
            continue;
        if (k < max)
            hits[k] = &f->ioc;
        k++;
    }
    return k;
}

/* ---- C2 ----------------------------------------------------------------------------------- */

static bool valid_domain(struct tk_str d)
{
    if (d.n < 3 || d.n > 253 || !memchr(d.p, '.', d.n))
        return false;
    for (size_t i = 0; i < d.n; i++) {
        unsigned char c = (unsigned char)d.p[i];
        if (!(isalnum(c) || c == '-' || c == '.' || c == '_'))
            return false;
    }
    return d.p[0] != '.' && d.p[0] != '-';
}

static int add_c2_value(struct tk_iocs *s, struct tk_str v, int score, const char *desc,
                        const char *name, size_t lineno)
{
    v = tk_str_trim(v);
    while (v.n && v.p[v.n - 1] == '.')
        v.n--;
    char low[256];
    if (v.n < 4 || v.n >= sizeof low) {
        warn(s, name, lineno, "not an IP address, CIDR range or domain name");
        return 0;
    }
    for (size_t i = 0; i < v.n; i++)
        low[i] = (char)tolower((unsigned char)v.p[i]);
    low[v.n] = '\0';
    struct tk_str lv = { low, v.n }, addr, plen;
    struct tk_ip ip;
    if (tk_str_cut(lv, '/', &addr, &plen)) {
        uint64_t bits;
        if (!tk_ip_parse(addr, &ip) || !tk_str_to_u64(plen, &bits) ||
            bits > (ip.family == 4 ? 32u : 128u)) {
            warn(s, name, lineno, "not a CIDR range");
            return 0;
        }
        struct tk_ioc *ioc = new_ioc(s, TK_IOC_C2, lv, desc, name, lineno, score);
        if (!ioc)
            return TK_ENOMEM;
        char key[TK_IP_STRLEN + 8];
        range_key(&ip, (unsigned)bits, key, sizeof key);
        if (!tk_map_get(&s->ranges, tk_str_c(key)) &&
            tk_map_put(&s->ranges, tk_str_c(key), ioc) == TK_ENOMEM)
            return TK_ENOMEM;
        s->plens[ip.family == 6][bits] = true;
    } else {
        char canon[TK_IP_STRLEN];
        struct tk_str key = lv;
        if (tk_ip_parse(lv, &ip)) {
            tk_ip_format(&ip, canon);
            key = tk_str_c(canon);
        } else if (!valid_domain(lv)) {
            warn(s, name, lineno, "not an IP address, CIDR range or domain name");
            return 0;
        }
        struct tk_ioc *ioc = new_ioc(s, TK_IOC_C2, key, desc, name, lineno, score);
        if (!ioc || tk_map_put(&s->c2, key, ioc) != 0)
            return TK_ENOMEM;
    }
    digest_entry(s, TK_IOC_C2, lv, score);
    s->counts.c2++;
    return 0;
}

static int add_c2(struct tk_iocs *s, struct tk_str line, const char *desc, const char *name,
                  size_t lineno)
{
    struct tk_str v, sc;
    int score = DEFAULT_SCORE;
    if (tk_str_cut(line, ';', &v, &sc) && !parse_score(sc, &score)) {
        warn(s, name, lineno, "score must be a number from -100 to 100");
        return 0;
    }
    return add_c2_value(s, v, score, desc, name, lineno);
}

const struct tk_ioc *tk_iocs_find_ip(const struct tk_iocs *s, const struct tk_ip *ip)
{
    char canon[TK_IP_STRLEN];
    tk_ip_format(ip, canon);
    const struct tk_ioc *ioc = tk_map_get(&s->c2, tk_str_c(canon));
    /* ranges: one lookup per prefix length in use, the most specific first */
    bool v6 = ip->family == 6;
    for (int bits = v6 ? 128 : 32; !ioc && bits >= 0; bits--) {
        if (!s->plens[v6][bits])
            continue;
        char key[TK_IP_STRLEN + 8];
        range_key(ip, (unsigned)bits, key, sizeof key);
        ioc = tk_map_get(&s->ranges, tk_str_c(key));
    }
    return ioc;
}

const struct tk_ioc *tk_iocs_find_domain(const struct tk_iocs *s, const char *domain)
{
    char low[256];
    size_t n = strlen(domain);
    while (n && domain[n - 1] == '.')
        n--;
    if (n >= sizeof low)
        return NULL;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)domain[i]);
    low[n] = '\0';
    /* The name itself, then each parent that still has a dot ("a.b.evil.com" -> "evil.com"). */
    for (const char *p = low; p && strchr(p, '.'); p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL) {
        const struct tk_ioc *ioc = tk_map_get(&s->c2, tk_str_c(p));
        if (ioc)
            return ioc;
    }
    return NULL;
}

/* ---- text lists --------------------------------------------------------------------------- */

int tk_iocs_load_text(struct tk_iocs *s, enum tk_ioc_kind kind, const char *name,
                      const char *text, size_t n, struct tk_err *err)
{
    struct tk_str rest = { text, n }, line;
    const char *desc = NULL;
    size_t lineno = 0;
    int rc = 0;
    while (!rc && tk_str_next_line(&rest, &line)) {
        lineno++;
        if (lineno == 1 && tk_str_has_prefix(line, "\xEF\xBB\xBF")) {
            line.p += 3;
            line.n -= 3;
        }
        line = tk_str_trim(line);
        if (!line.n)
            continue;
        if (line.p[0] == '#') {
            struct tk_str c = tk_str_trim((struct tk_str){ line.p + 1, line.n - 1 });
            desc = c.n ? tk_arena_str(&s->arena, c) : desc;
            continue;
        }
        if (memchr(line.p, '\0', line.n)) {
            warn(s, name, lineno, "NUL byte in the line");
            continue;
        }
        switch (kind) {
        case TK_IOC_HASH:
            rc = add_hash(s, line, desc, name, lineno);
            break;
        case TK_IOC_FILENAME:
            rc = add_filename(s, line, desc, name, lineno);
            break;
        case TK_IOC_C2:
            rc = add_c2(s, line, desc, name, lineno);
            break;
        }
    }
    if (rc)
        return tk_err_set(err, rc, "%s:%zu: out of memory loading IOCs", name, lineno);
    return 0;
}

/* ---- STIX 2.1 ----------------------------------------------------------------------------- */

/* Splits a STIX pattern into its comparisons when it is an OR of "path = 'value'" terms;
 * false for anything else (AND, FOLLOWEDBY, qualifiers, other operators). Calls add for
 * each term. */
static bool stix_terms(const char *pat, bool (*add)(void *ud, const char *path, size_t pn,
                                                    const char *val, size_t vn),
                       void *ud)
{
    char val[2048];
    const char *p = pat;
    size_t terms = 0;
    for (;;) {
        while (*p == ' ' || *p == '[' || *p == '(' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        const char *path = p;
        while (*p && *p != ' ' && *p != '=' && *p != '!' && *p != '<' && *p != '>')
            p++;
        size_t pn = (size_t)(p - path);
        while (*p == ' ')
            p++;
        if (*p != '=' || !pn)
            return false;
        p++;
        while (*p == ' ')
            p++;
        if (*p != '\'')
            return false;
        p++;
        size_t vn = 0;
        while (*p && *p != '\'') {
            if (*p == '\\' && p[1])
                p++;
            if (vn + 1 >= sizeof val)
                return false;
            val[vn++] = *p++;
        }
        if (*p != '\'')
            return false;
        p++;
        val[vn] = '\0';
        if (!add(ud, path, pn, val, vn))
            return false;
        terms++;
        while (*p == ' ' || *p == ']' || *p == ')' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        if (strncmp(p, "OR", 2) != 0 || (p[2] != ' ' && p[2] != '['))
            return false;
        p += 2;
    }
    return terms > 0;
}

struct stix_ctx {
    struct tk_iocs *s;
    const char *name, *desc;
    size_t index;
    int score;
    bool check_only, failed;
};

static bool stix_known_path(const char *path, size_t pn)
{
    static const char *const paths[] = {
        "file:hashes.MD5",        "file:hashes.'MD5'",   "file:hashes.'SHA-1'",
        "file:hashes.SHA1",       "file:hashes.'SHA-256'", "file:hashes.SHA256",
        "file:name",              "domain-name:value",   "ipv4-addr:value",
        "ipv6-addr:value",        "url:value",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (pn == strlen(paths[i]) && memcmp(path, paths[i], pn) == 0)
            return true;
    return false;
}

static bool stix_add(void *ud, const char *path, size_t pn, const char *val, size_t vn)
{
    struct stix_ctx *c = ud;
    if (!stix_known_path(path, pn))
        return false;
    if (c->check_only)
        return true;
    struct tk_iocs *s = c->s;
    struct tk_str v = { val, vn };
    int rc = 0;
    if (pn >= 12 && memcmp(path, "file:hashes.", 12) == 0) {
        char line[160];
        if (vn > 64)
            return true;
        snprintf(line, sizeof line, "%.*s;%d", (int)vn, val, c->score);
        rc = add_hash(s, tk_str_c(line), c->desc, c->name, c->index);
    } else if (pn == 9 && memcmp(path, "file:name", 9) == 0) {
        /* An exact file name: a pattern anchored to the last path component. */
        struct tk_buf re = TK_BUF_INIT(8192);
        tk_buf_adds(&re, "(^|/|\\\\)");
        for (size_t i = 0; i < vn; i++) {
            if (strchr(".^$*+?()[]{}|\\", val[i]))
                tk_buf_addc(&re, '\\');
            tk_buf_addc(&re, val[i]);
        }
        tk_buf_addf(&re, "$;%d", c->score);
        rc = add_filename(s, (struct tk_str){ re.ptr, re.len }, c->desc, c->name, c->index);
        tk_buf_release(&re);
    } else if (pn == 9 && memcmp(path, "url:value", 9) == 0) {
        /* scheme://[user@]host[:port]/... -> host */
        const char *h = strstr(val, "://");
        h = h ? h + 3 : val;
        const char *at = strchr(h, '@'), *end = h + strcspn(h, "/?#");
        if (at && at < end)
            h = at + 1;
        const char *colon = h[0] == '[' ? strchr(h, ']') : memchr(h, ':', (size_t)(end - h));
        if (h[0] == '[' && colon) {
            h++;
            end = colon;
        } else if (colon && colon < end) {
            end = colon;
        }
        rc = add_c2_value(s, (struct tk_str){ h, (size_t)(end - h) }, c->score, c->desc, c->name,
                          c->index);
    } else {
        rc = add_c2_value(s, v, c->score, c->desc, c->name, c->index);
    }
    if (rc)
        c->failed = true;
    return rc == 0;
}

int tk_iocs_load_stix(struct tk_iocs *s, const char *name, const char *text, size_t n,
                      struct tk_err *err)
{
    struct tk_arena a;
    struct tk_jv *root;
    tk_arena_init(&a, (n + 4096) * 8);
    int rc = tk_jdoc_parse(&a, text, n, name, &root, err);
    if (rc) {
        tk_arena_release(&a);
        return rc;
    }
    const struct tk_jv *objs = tk_jv_get(root, "objects");
    const char *btype = tk_jv_str(tk_jv_get(root, "type"));
    if (!btype || strcmp(btype, "bundle") != 0 || !tk_jv_is(objs, TK_JV_ARRAY)) {
        tk_arena_release(&a);
        return tk_err_set(err, TK_EPARSE, "%s: not a STIX 2.1 bundle (no \"type\": \"bundle\" "
                                          "with \"objects\")",
                          name);
    }
    size_t i;
    const struct tk_jv *o;
    tk_jv_foreach(objs, i, o)
    {
        const char *type = tk_jv_str(tk_jv_get(o, "type"));
        if (!type || strcmp(type, "indicator") != 0)
            continue;
        const char *pattern = tk_jv_str(tk_jv_get(o, "pattern"));
        const char *ptype = tk_jv_str(tk_jv_get(o, "pattern_type"));
        const struct tk_jv *conf = tk_jv_get(o, "confidence");
        struct stix_ctx c = { .s = s, .name = name, .index = i + 1, .score = DEFAULT_SCORE };
        if (tk_jv_is(conf, TK_JV_INT) && tk_jv_int(conf) >= 0 && tk_jv_int(conf) <= 100)
            c.score = (int)tk_jv_int(conf);
        const char *d = tk_jv_str(tk_jv_get(o, "name"));
        if (!d)
            d = tk_jv_str(tk_jv_get(o, "description"));
        c.desc = d ? tk_arena_strdup(&s->arena, d) : NULL;
        /* Check the whole pattern first, so a half-understood one adds nothing. */
        c.check_only = true;
        if (!pattern || (ptype && strcmp(ptype, "stix") != 0) ||
            !stix_terms(pattern, stix_add, &c)) {
            s->counts.unsupported++;
            continue;
        }
        c.check_only = false;
        stix_terms(pattern, stix_add, &c);
        if (c.failed) {
            rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory loading IOCs", name);
            break;
        }
    }
    tk_arena_release(&a);
    return rc;
}

/* ---- files -------------------------------------------------------------------------------- */

int tk_ioc_kind_of_name(const char *filename)
{
    const char *base = strrchr(filename, '/');
    base = base ? base + 1 : filename;
    int kind = -1;
    bool fp = false;
    /* Whole words: runs of letters and digits. */
    for (const char *p = base; *p;) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *w = p;
        while (isalnum((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - w);
        char word[32];
        if (!n || n >= sizeof word)
            continue;
        for (size_t i = 0; i < n; i++)
            word[i] = (char)tolower((unsigned char)w[i]);
        word[n] = '\0';
        if (!strcmp(word, "hash") || !strcmp(word, "hashes"))
            kind = TK_IOC_HASH;
        else if (!strcmp(word, "filename") || !strcmp(word, "filenames"))
            kind = TK_IOC_FILENAME;
        else if (!strcmp(word, "c2") || !strcmp(word, "domains"))
            kind = TK_IOC_C2;
        else if (!strcmp(word, "falsepositive") || !strcmp(word, "trusted"))
            fp = true;
    }
    return fp ? -1 : kind; /* false-positive hash lists are not IOCs */
}

static bool is_json(const char *path)
{
    size_t n = strlen(path);
    return n > 5 && strcasecmp(path + n - 5, ".json") == 0;
}

static int load_file(struct tk_iocs *s, const char *path, bool from_dir, struct tk_err *err)
{
    int kind = tk_ioc_kind_of_name(path);
    bool stix = is_json(path);
    if (kind < 0 && !stix) {
        if (from_dir)
            return 0; /* READMEs and other files beside the lists */
        return tk_err_set(err, TK_EINVAL,
                          "%s: the name says no IOC kind (it must contain the word hash, "
                          "filename or c2, or end in .json for STIX)",
                          path);
    }
    struct tk_buf text = TK_BUF_INIT(IOC_FILE_MAX);
    int rc = tk_read_file(path, &text, err);
    if (!rc)
        rc = stix ? tk_iocs_load_stix(s, path, text.ptr ? text.ptr : "", text.len, err)
                  : tk_iocs_load_text(s, kind, path, text.ptr ? text.ptr : "", text.len, err);
    tk_buf_release(&text);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int tk_iocs_load_path(struct tk_iocs *s, const char *path, struct tk_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return tk_err_sys(err, errno, "%s: cannot open", path);
    if (!S_ISDIR(st.st_mode))
        return load_file(s, path, false, err);
    /* a directory: its regular files, in name order (the same set loads the same way) */
    struct tk_fs *dir = NULL;
    struct tk_fs_dir *d = NULL;
    int rc = tk_fs_open(&dir, path, path, err);
    if (!rc)
        rc = tk_fs_dir_open(dir, "/", &d, err);
    struct tk_arena names;
    tk_arena_init(&names, 64u << 20);
    const char **list = NULL;
    size_t n = 0, cap = 0;
    const char *name;
    bool is_dir;
    while (!rc && d && (name = tk_fs_dir_next(d, &is_dir)) != NULL) {
        if (is_dir || name[0] == '.')
            continue;
        const char *copy = tk_arena_strdup(&names, name);
        if (!copy || tk_grow((void **)&list, &cap, n + 1, sizeof *list, 1 << 20))
            rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory listing the directory", path);
        else
            list[n++] = copy;
    }
    tk_fs_dir_close(d);
    tk_fs_free(dir);
    if (n > 1)
        qsort(list, n, sizeof *list, by_name);
    for (size_t i = 0; i < n && !rc; i++) {
        struct tk_buf p = TK_BUF_INIT(1 << 16);
        tk_buf_addf(&p, "%s/%s", path, list[i]);
        struct stat s2;
        if (stat(tk_buf_cstr(&p), &s2) == 0 && S_ISREG(s2.st_mode))
            rc = load_file(s, tk_buf_cstr(&p), true, err);
        tk_buf_release(&p);
    }
    tk_free(list);
    tk_arena_release(&names);
    return rc;
}

int tk_iocs_load_builtin(struct tk_iocs *s, struct tk_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < tk_builtin_iocs_count && !rc; i++) {
        const struct tk_embedded *e = &tk_builtin_iocs[i];
        int kind = tk_ioc_kind_of_name(e->name);
        if (kind < 0)
            continue;
        char *t = tk_embedded_text(e);
        rc = t ? tk_iocs_load_text(s, kind, e->name, t, e->size, err)
               : tk_err_set(err, TK_ENOMEM, "out of memory");
        tk_free(t);
    }
    return rc;
}
