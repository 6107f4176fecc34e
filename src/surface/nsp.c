/* nsp.c - nmap-service-probes (see nsp.h): the parser, lazy PCRE2 compilation, and nmap's
 * rules for which match line answers a response and how its version fields are filled.
 *
 * The file's text is kept whole and probes and match lines are slices into it, so loading
 * is one pass that allocates little. Each regex is compiled the first time a banner reaches
 * it and published with an atomic compare-and-swap: threads sharing a database never lock,
 * and at worst two of them compile the same regex once each. There is no JIT: measured on
 * nmap 7.93's 11,917 regexes, most of which fail on a banner's first bytes, the interpreter
 * matched 4 to 8 times faster (12,000 JIT-compiled functions thrash the caches), compiled 3
 * times faster and used a third of the memory; and the interpreter applies the depth limit,
 * which JIT code ignores. Neither limit bounds the quadratic work of two overlapping repeats,
 * such as ^220 ([\w._-]+)[^\r\n]*\r\n250 on "220 " and a long run of letters: that is why
 * only the first TK_NSP_MAX_BANNER bytes of a banner are considered.
 *
 * Most lines cannot match a given banner, and trying them all was most of the cost: a banner
 * no line answers went through every regex (about 3,600 of them for an HTTP response). So
 * each line names the literals its regex requires (core/relit.h: 11,744 of nmap 7.93's 11,917
 * lines have one), one pass over the banner finds which of all of them it contains, and only
 * the lines with a literal present, or with none at all, are tried: about 30 regexes for an
 * HTTP response, in the same order as before, so the answer is the same (test_nsp.c checks
 * every line's own sample banner both ways). */
#include "core/attr.h"
#include "surface/nsp.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "compat/fs.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/relit.h"
#include "core/str.h"

#define CACHE_SLOTS 16384  /* answers remembered */
#define CACHE_MAX_KEY 2048 /* longest banner (with probe, transport, port) remembered */

struct cache_slot {
    uint64_t hash;
    unsigned char *key; /* NULL: empty */
    size_t keylen;
    int rc;
    struct tk_nsp_result r;
};

#define MAX_NAME 63      /* probe and service names (nmap 7.93: at most 26 bytes) */
#define MAX_CPE_TMPL 8   /* cpe: templates on one line (nmap 7.93: at most 3) */
#define MAX_FALLBACKS 16 /* probes named by one fallback directive */
#define MAX_MATCHES ((size_t)1 << 20)
#define MAX_RANGES ((size_t)1 << 20)
#define OVEC_PAIRS 32       /* $1..$9 are all a template can name */
#define MATCH_LIMIT 200000  /* backtracking steps per regex and banner */
#define DEPTH_LIMIT 10000   /* nested backtracking (interpreter only) */
#define HEAP_LIMIT_KIB 8192 /* interpreter's backtracking memory */
#define ARG_MAX_LEN 128     /* a string argument of $SUBST */

enum { F_PRODUCT, F_VERSION, F_INFO, F_HOSTNAME, F_OS, F_DEVICETYPE, NFIELDS };

struct nsp_range {
    uint16_t lo, hi;
};

struct nsp_match {
    struct tk_str service, regex;
    struct tk_str tmpl[NFIELDS];     /* .p NULL: the line has no such field */
    struct tk_str cpe[MAX_CPE_TMPL]; /* the text after "cpe:/", e.g. "a:openbsd:openssh:$2" */
    uint8_t ncpe;
    bool soft;
    uint32_t opts; /* PCRE2 options from the flags after the regex */
    uint32_t line;
    uint32_t lit0; /* the prefilter: literals lit0.. of the set, one of which the banner */
    uint8_t nlits; /* must contain for the regex to match; nlits 0: always run it */
    _Atomic(pcre2_code *) code; /* NULL until compiled; REFUSED when PCRE2 refused it */
};

struct nsp_probe {
    struct tk_str name;
    bool udp;
    uint32_t line;
    size_t first, n;        /* its match lines: matches[first, first + n) */
    size_t range0, nranges; /* its ports and sslports: ranges[range0, range0 + nranges) */
    struct tk_str fallback; /* the last fallback directive's text, resolved after parsing */
    uint32_t fallback_line;
    uint16_t fb[MAX_FALLBACKS];
    uint8_t nfb;
};

struct tk_nsp {
    char *text; /* the whole file; every slice points into it */
    size_t len;
    char *name;
    struct nsp_probe *probes;
    size_t nprobes, cap_probes;
    struct nsp_match *matches;
    size_t nmatches, cap_matches;
    struct nsp_range *ranges;
    size_t nranges, cap_ranges;
    size_t softmatches, bad_lines;
    char first_bad[256];
    long null_probe, get_probe; /* the TCP probes named NULL and GetRequest, or -1 */
    struct tk_litset *lits;     /* every match line's literals (index_literals) */
    uint32_t *by_bit0, *by_bit; /* the match lines of literal bit b: by_bit[by_bit0[b] ...] */
    uint64_t *always;           /* bitmap of the match lines without literals */
    size_t fwords, mwords;      /* words of a bitmap of literals, of match lines */
    bool no_prefilter;          /* tk_nsp_set_prefilter(db, false) */
    pcre2_general_context *gctx;
    pcre2_compile_context *cctx;
    pcre2_match_context *mctx;
    atomic_size_t compiled, skipped, limit_hits;
    atomic_size_t first_skipped; /* index + 1 of the earliest refused regex seen, or 0 */
    /* Answers already given, for banners that repeat (the same server software answers the
     * same way everywhere): direct-mapped by hash, the newest answer wins a slot. */
    pthread_mutex_t cache_lock;
    struct cache_slot *cache; /* CACHE_SLOTS, or NULL when it could not be allocated */
    size_t cache_hits;
};

static char refused_tag;
#define REFUSED ((pcre2_code *)(void *)&refused_tag)

const char *tk_nsp_default_path(void)
{
    return "/usr/share/nmap/nmap-service-probes";
}

/* ---- small ASCII helpers (no locale) --------------------------------------------------- */

static bool is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_alpha(unsigned char c)
{
    return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 32) : c;
}

static int hexval(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f')
        return (c | 32) - 'a' + 10;
    return -1;
}

/* Copies s into a buffer of cap bytes; false (and dst "") when it does not fit. */
static bool copy_str(char *dst, size_t cap, struct tk_str s)
{
    if (s.n >= cap) {
        dst[0] = '\0';
        return false;
    }
    memcpy(dst, s.p, s.n);
    dst[s.n] = '\0';
    return true;
}

/* ---- PCRE2 memory goes through the project's allocator --------------------------------- */

static void *pcre_alloc(size_t n, void *ud)
{
    (void)ud;
    return tk_malloc(n);
}

static void pcre_release(void *p, void *ud)
{
    (void)ud;
    tk_free(p);
}

/* ---- parsing ----------------------------------------------------------------------------- */

struct parser {
    struct tk_nsp *db;
    uint32_t lineno;
    long cur;      /* current probe, or -1 before the first */
    bool skipping; /* inside a section whose Probe line was malformed */
    bool excluded; /* an Exclude directive was seen */
};

TK_PRINTF(2, 3) static void bad(struct parser *ps, const char *fmt, ...)
{
    struct tk_nsp *db = ps->db;
    if (db->bad_lines++ == 0) {
        int k = snprintf(db->first_bad, sizeof db->first_bad, "%s:%u: ", db->name, ps->lineno);
        if (k > 0 && (size_t)k < sizeof db->first_bad) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(db->first_bad + k, sizeof db->first_bad - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
}

/* One "<mode><delim><body><delim><flags>" item of a match line, as in p/OpenSSH/ or
 * m|^SSH-|i or cpe:/a:openbsd:openssh/a. Returns 1 and advances *s, 0 at the end of the
 * line, -1 when malformed. The body ends at the next delimiter: there is no escaping. */
static int next_item(struct tk_str *s, struct tk_str *mode, struct tk_str *body,
                     struct tk_str *flags)
{
    const char *p = s->p, *e = s->p + s->n;
    while (p < e && is_space((unsigned char)*p))
        p++;
    if (p == e)
        return 0;
    const char *q = p;
    while (q < e && (is_alpha((unsigned char)*q) || *q == ':'))
        q++;
    if (q == e || is_space((unsigned char)*q))
        return -1;
    *mode = (struct tk_str){ p, (size_t)(q - p) };
    char delim = *q++;
    const char *end = memchr(q, delim, (size_t)(e - q));
    if (!end)
        return -1;
    *body = (struct tk_str){ q, (size_t)(end - q) };
    q = end + 1;
    const char *f = q;
    while (q < e && is_alpha((unsigned char)*q))
        q++;
    *flags = (struct tk_str){ f, (size_t)(q - f) };
    *s = (struct tk_str){ q, (size_t)(e - q) };
    return 1;
}

static int parse_match(struct parser *ps, struct tk_str rest, bool soft)
{
    struct tk_nsp *db = ps->db;
    const char *sp = memchr(rest.p, ' ', rest.n);
    if (!sp) {
        bad(ps, "%s without a regex", soft ? "softmatch" : "match");
        return 0;
    }
    struct tk_str service = { rest.p, (size_t)(sp - rest.p) };
    if (service.n == 0 || service.n > MAX_NAME) {
        bad(ps, "service name empty or longer than %d bytes", MAX_NAME);
        return 0;
    }
    struct tk_str s = { sp, (size_t)(rest.p + rest.n - sp) }, mode, body, flags;
    if (next_item(&s, &mode, &body, &flags) != 1 || !tk_str_eq_c(mode, "m")) {
        bad(ps, "expected m/regex/ after the service name");
        return 0;
    }
    uint32_t opts = 0;
    for (size_t i = 0; i < flags.n; i++) {
        if (flags.p[i] == 'i') {
            opts |= PCRE2_CASELESS;
        } else if (flags.p[i] == 's') {
            opts |= PCRE2_DOTALL;
        } else {
            bad(ps, "unknown regex flag '%c'", flags.p[i]);
            return 0;
        }
    }
    struct nsp_match m = {
        .service = service, .regex = body, .soft = soft, .opts = opts, .line = ps->lineno
    };
    static const char fields[NFIELDS] = { 'p', 'v', 'i', 'h', 'o', 'd' };
    int rc;
    while ((rc = next_item(&s, &mode, &body, &flags)) == 1) {
        if (tk_str_eq_c(mode, "cpe:")) {
            if (m.ncpe == MAX_CPE_TMPL) {
                bad(ps, "more than %d cpe: fields", MAX_CPE_TMPL);
                return 0;
            }
            m.cpe[m.ncpe++] = body;
            continue;
        }
        const char *f = mode.n == 1 ? memchr(fields, mode.p[0], NFIELDS) : NULL;
        if (!f) {
            bad(ps, "unknown field \"%.*s\"", (int)(mode.n > 16 ? 16 : mode.n), mode.p);
            return 0;
        }
        m.tmpl[f - fields] = body; /* a repeated field replaces the earlier one, as in nmap */
    }
    if (rc < 0) {
        bad(ps, "field without its closing delimiter");
        return 0;
    }
    rc = tk_grow((void **)&db->matches, &db->cap_matches, db->nmatches + 1, sizeof *db->matches,
                 MAX_MATCHES);
    if (rc)
        return rc;
    struct nsp_match *slot = &db->matches[db->nmatches++];
    memset(slot, 0, sizeof *slot);
    slot->service = m.service;
    slot->regex = m.regex;
    memcpy(slot->tmpl, m.tmpl, sizeof m.tmpl);
    memcpy(slot->cpe, m.cpe, sizeof m.cpe);
    slot->ncpe = m.ncpe;
    slot->soft = m.soft;
    slot->opts = m.opts;
    slot->line = m.line;
    atomic_init(&slot->code, NULL);
    db->probes[ps->cur].n++;
    if (soft)
        db->softmatches++;
    return 0;
}

/* Parses a number of at most 5 digits at *p; false when there is none. */
static bool parse_port(const char **p, const char *e, unsigned *out)
{
    const char *q = *p;
    unsigned v = 0;
    while (q < e && is_digit((unsigned char)*q) && q - *p < 6)
        v = v * 10 + (unsigned)(*q++ - '0');
    if (q == *p || v > 65535 || (q < e && is_digit((unsigned char)*q)))
        return false;
    *p = q;
    *out = v;
    return true;
}

/* "21,23,1040-1043": appends the ranges to the current probe. With `exclude`, only checks
 * the syntax of an Exclude list, whose items may carry a T:, U: or S: prefix. */
static int parse_ports(struct parser *ps, struct tk_str list, bool exclude)
{
    struct tk_nsp *db = ps->db;
    const char *p = list.p, *e = list.p + list.n;
    size_t added = 0;
    for (;;) {
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (exclude && e - p >= 2 && p[1] == ':' && strchr("TUS", p[0]))
            p += 2;
        unsigned lo, hi;
        if (!parse_port(&p, e, &lo))
            goto malformed;
        hi = lo;
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (p < e && *p == '-') {
            p++;
            if (!parse_port(&p, e, &hi) || hi < lo)
                goto malformed;
        }
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (!exclude) {
            int rc = tk_grow((void **)&db->ranges, &db->cap_ranges, db->nranges + 1,
                             sizeof *db->ranges, MAX_RANGES);
            if (rc)
                return rc;
            db->ranges[db->nranges++] = (struct nsp_range){ (uint16_t)lo, (uint16_t)hi };
            added++;
        }
        if (p == e)
            break;
        if (*p != ',')
            goto malformed;
        p++;
    }
    if (!exclude)
        db->probes[ps->cur].nranges += added;
    return 0;
malformed:
    db->nranges -= added;
    bad(ps, "malformed port list (expected e.g. \"21-25,53,80\")");
    return 0;
}

static int parse_probe(struct parser *ps, struct tk_str rest)
{
    struct tk_nsp *db = ps->db;
    ps->skipping = true;
    bool udp;
    if (tk_str_has_prefix(rest, "TCP ")) {
        udp = false;
    } else if (tk_str_has_prefix(rest, "UDP ")) {
        udp = true;
    } else {
        bad(ps, "Probe without TCP or UDP");
        return 0;
    }
    const char *p = rest.p + 4, *e = rest.p + rest.n;
    const char *sp = memchr(p, ' ', (size_t)(e - p));
    if (!sp || !(is_alpha((unsigned char)*p) || is_digit((unsigned char)*p)) || sp - p > MAX_NAME) {
        bad(ps, "Probe name missing, longer than %d bytes or without a probe string", MAX_NAME);
        return 0;
    }
    struct tk_str name = { p, (size_t)(sp - p) };
    p = sp + 1;
    if (e - p < 2 || *p != 'q' || !memchr(p + 2, p[1], (size_t)(e - p - 2))) {
        bad(ps, "Probe string must be q|...| with a closing delimiter");
        return 0;
    }
    if (db->nprobes == TK_NSP_MAX_PROBES)
        return TK_ELIMIT;
    int rc = tk_grow((void **)&db->probes, &db->cap_probes, db->nprobes + 1, sizeof *db->probes,
                     TK_NSP_MAX_PROBES);
    if (rc)
        return rc;
    ps->cur = (long)db->nprobes;
    struct nsp_probe *pr = &db->probes[db->nprobes++];
    *pr = (struct nsp_probe){
        .name = name, .udp = udp, .line = ps->lineno, .first = db->nmatches, .range0 = db->nranges
    };
    if (!udp && tk_str_eq_c(name, "NULL") && db->null_probe < 0)
        db->null_probe = ps->cur;
    if (!udp && tk_str_eq_c(name, "GetRequest") && db->get_probe < 0)
        db->get_probe = ps->cur;
    ps->skipping = false;
    return 0;
}

static bool parse_number(struct tk_str s, uint64_t lo, uint64_t hi)
{
    uint64_t v;
    return tk_str_to_u64(tk_str_trim(s), &v) && v >= lo && v <= hi;
}

static int parse_line(struct parser *ps, struct tk_str line)
{
    if (line.n == 0 || line.p[0] == '#')
        return 0;
    if (memchr(line.p, '\0', line.n)) {
        bad(ps, "NUL byte in the line");
        return 0;
    }
    if (tk_str_trim(line).n == 0)
        return 0;
    struct tk_str word, rest;
    if (!tk_str_cut(line, ' ', &word, &rest)) {
        bad(ps, "directive without arguments");
        return 0;
    }
    if (tk_str_eq_c(word, "Exclude")) {
        if (ps->excluded || ps->db->nprobes) {
            bad(ps, "Exclude must come once, before the first Probe");
            return 0;
        }
        ps->excluded = true;
        return parse_ports(ps, rest, true);
    }
    if (tk_str_eq_c(word, "Probe"))
        return parse_probe(ps, rest);
    if (ps->skipping)
        return 0; /* the malformed Probe line was reported; its section goes with it */
    static const char *const known[] = { "match",  "softmatch", "ports",       "sslports",
                                         "rarity", "fallback",  "totalwaitms", "tcpwrappedms" };
    size_t k = 0;
    while (k < sizeof known / sizeof known[0] && !tk_str_eq_c(word, known[k]))
        k++;
    if (k == sizeof known / sizeof known[0]) {
        bad(ps, "unknown directive \"%.*s\"", (int)(word.n > 32 ? 32 : word.n), word.p);
        return 0;
    }
    if (ps->cur < 0) {
        bad(ps, "%s before the first Probe", known[k]);
        return 0;
    }
    struct nsp_probe *pr = &ps->db->probes[ps->cur];
    switch (k) {
    case 0:
    case 1:
        return parse_match(ps, rest, k == 1);
    case 2:
    case 3:
        return parse_ports(ps, rest, false);
    case 4:
        if (!parse_number(rest, 1, 9))
            bad(ps, "rarity must be 1 to 9");
        return 0;
    case 5:
        pr->fallback = rest;
        pr->fallback_line = ps->lineno;
        return 0;
    default:
        if (!parse_number(rest, 100, 300000))
            bad(ps, "%s must be 100 to 300000", known[k]);
        return 0;
    }
}

static long find_probe(const struct tk_nsp *db, struct tk_str name, int udp)
{
    for (size_t i = 0; i < db->nprobes; i++)
        if ((udp < 0 || db->probes[i].udp == (udp != 0)) && tk_str_eq(db->probes[i].name, name))
            return (long)i;
    return -1;
}

/* Fallback names are looked up among probes of the same transport first, then of any (nmap
 * 7.93's TCP DNSVersionBindReqTCP falls back to the UDP DNSVersionBindReq). */
static void resolve_fallbacks(struct parser *ps)
{
    struct tk_nsp *db = ps->db;
    for (size_t i = 0; i < db->nprobes; i++) {
        struct nsp_probe *pr = &db->probes[i];
        if (!pr->fallback.p)
            continue;
        const char *p = pr->fallback.p, *e = p + pr->fallback.n;
        ps->lineno = pr->fallback_line;
        while (p < e) {
            while (p < e && (*p == ',' || is_space((unsigned char)*p)))
                p++;
            const char *q = p;
            while (q < e && *q != ',' && !is_space((unsigned char)*q))
                q++;
            if (q == p)
                break;
            struct tk_str name = { p, (size_t)(q - p) };
            long k = find_probe(db, name, pr->udp);
            if (k < 0)
                k = find_probe(db, name, -1);
            if (k < 0)
                bad(ps, "fallback names unknown probe \"%.*s\"", (int)(name.n > 32 ? 32 : name.n),
                    name.p);
            else if (pr->nfb == MAX_FALLBACKS)
                bad(ps, "more than %d fallbacks", MAX_FALLBACKS);
            else
                pr->fb[pr->nfb++] = (uint16_t)k;
            p = q;
        }
    }
}

static int parse(struct tk_nsp *db, struct tk_err *err)
{
    struct parser ps = { .db = db, .cur = -1 };
    struct tk_str rest = { db->text, db->len }, line;
    while (tk_str_next_line(&rest, &line)) {
        ps.lineno++;
        int rc = parse_line(&ps, line);
        if (rc == TK_ELIMIT)
            return tk_err_set(err, rc,
                              "%s:%u: too many probes or match lines (the limit is "
                              "%d probes)",
                              db->name, ps.lineno, TK_NSP_MAX_PROBES);
        if (rc)
            return tk_err_set(err, rc, "%s:%u: out of memory", db->name, ps.lineno);
    }
    if (db->nprobes == 0)
        return tk_err_set(err, TK_EPARSE,
                          "%s: no Probe directive: not an nmap-service-probes "
                          "file",
                          db->name);
    resolve_fallbacks(&ps);
    return 0;
}

/* The prefilter: the literals core/relit.h reads from each match line's regex (about three
 * lines in four have one), so that one pass over a banner rules out most of the file's
 * thousands of regexes before any of them runs. */
static int index_literals(struct tk_nsp *db)
{
    if (!(db->lits = tk_litset_new()))
        return TK_ENOMEM;
    for (size_t i = 0; i < db->nmatches; i++) {
        struct nsp_match *m = &db->matches[i];
        struct tk_relit lit[TK_RELIT_MAX_ALTS];
        unsigned flags = m->opts & PCRE2_CASELESS ? TK_RELIT_CASELESS : 0;
        size_t n = tk_relit_of(m->regex.p, m->regex.n, flags, lit, TK_RELIT_MAX_ALTS);
        for (size_t k = 0; k < n; k++) {
            uint32_t id;
            int rc = tk_litset_add(db->lits, lit[k].s, lit[k].n, &id);
            if (rc)
                return rc;
            if (k == 0)
                m->lit0 = id;
        }
        m->nlits = (uint8_t)n;
    }
    int rc = tk_litset_finish(db->lits);
    if (rc)
        return rc;
    /* from each literal to the lines that name it, and the lines that name none */
    db->fwords = tk_litset_words(db->lits);
    db->mwords = (db->nmatches + 63) / 64;
    size_t nbits = db->fwords * 64, total = 0;
    db->by_bit0 = tk_calloc(nbits + 1, sizeof *db->by_bit0);
    db->always = tk_calloc(db->mwords + 1, sizeof *db->always);
    if (!db->by_bit0 || !db->always)
        return TK_ENOMEM;
    for (size_t i = 0; i < db->nmatches; i++) {
        const struct nsp_match *m = &db->matches[i];
        if (!m->nlits)
            db->always[i >> 6] |= (uint64_t)1 << (i & 63);
        for (uint32_t k = 0; k < m->nlits; k++, total++)
            db->by_bit0[tk_litset_bit(db->lits, m->lit0 + k) + 1]++;
    }
    for (size_t b = 0; b < nbits; b++)
        db->by_bit0[b + 1] += db->by_bit0[b];
    uint32_t *fill = tk_calloc(nbits + 1, sizeof *fill);
    db->by_bit = tk_calloc(total + 1, sizeof *db->by_bit);
    if (!fill || !db->by_bit) {
        tk_free(fill);
        return TK_ENOMEM;
    }
    for (size_t i = 0; i < db->nmatches; i++) {
        const struct nsp_match *m = &db->matches[i];
        for (uint32_t k = 0; k < m->nlits; k++) {
            uint32_t b = tk_litset_bit(db->lits, m->lit0 + k);
            db->by_bit[db->by_bit0[b] + fill[b]++] = (uint32_t)i;
        }
    }
    tk_free(fill);
    return 0;
}

/* The first line of [from, end) set in the bitmap cand, or end. */
static size_t next_candidate(const uint64_t *cand, size_t from, size_t end)
{
    while (from < end) {
        uint64_t w = cand[from >> 6] >> (from & 63);
        if (w) {
            size_t j = from + (size_t)__builtin_ctzll(w);
            return j < end ? j : end;
        }
        from = (from | 63) + 1;
    }
    return end;
}

/* Takes ownership of text (freed with the database, even on failure). */
static int load_owned(struct tk_nsp **out, char *text, size_t n, const char *name,
                      struct tk_err *err)
{
    *out = NULL;
    struct tk_nsp *db = tk_calloc(1, sizeof *db);
    if (!db) {
        tk_free(text);
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
    }
    db->text = text;
    db->len = n;
    db->null_probe = db->get_probe = -1;
    atomic_init(&db->compiled, 0);
    atomic_init(&db->skipped, 0);
    atomic_init(&db->limit_hits, 0);
    atomic_init(&db->first_skipped, 0);
    pthread_mutex_init(&db->cache_lock, NULL);
    db->cache = tk_calloc(CACHE_SLOTS, sizeof *db->cache); /* none: every banner is matched */
    int rc;
    db->name = tk_strdup(name);
    db->gctx = pcre2_general_context_create(pcre_alloc, pcre_release, NULL);
    db->cctx = db->gctx ? pcre2_compile_context_create(db->gctx) : NULL;
    db->mctx = db->gctx ? pcre2_match_context_create(db->gctx) : NULL;
    if (!db->name || !db->mctx || !db->cctx) {
        rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
        goto fail;
    }
    pcre2_set_match_limit(db->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(db->mctx, DEPTH_LIMIT);
    pcre2_set_heap_limit(db->mctx, HEAP_LIMIT_KIB);
    if ((rc = parse(db, err)) != 0)
        goto fail;
    if ((rc = index_literals(db)) != 0) {
        rc = tk_err_set(err, rc, "%s: out of memory", name);
        goto fail;
    }
    *out = db;
    return 0;
fail:
    tk_nsp_free(db);
    return rc;
}

int tk_nsp_load(struct tk_nsp **out, const char *path, struct tk_err *err)
{
    *out = NULL;
    struct tk_buf b = TK_BUF_INIT(TK_NSP_MAX_FILE);
    int rc = tk_read_file(path, &b, err);
    if (rc) {
        tk_buf_release(&b);
        return rc;
    }
    size_t n = b.len;
    char *text = tk_buf_detach(&b);
    if (!text)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", path);
    return load_owned(out, text, n, path, err);
}

int tk_nsp_load_mem(struct tk_nsp **out, const char *text, size_t n, const char *name,
                    struct tk_err *err)
{
    *out = NULL;
    if (!name)
        name = "nmap-service-probes";
    if (!text && n)
        return tk_err_set(err, TK_EINVAL, "%s: no text", name);
    if (n > TK_NSP_MAX_FILE)
        return tk_err_set(err, TK_ELIMIT, "%s: larger than %zu MB", name, TK_NSP_MAX_FILE >> 20);
    char *copy = tk_malloc(n + 1);
    if (!copy)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
    if (n)
        memcpy(copy, text, n);
    copy[n] = '\0';
    return load_owned(out, copy, n, name, err);
}

void tk_nsp_free(struct tk_nsp *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->nmatches; i++) {
        pcre2_code *c = atomic_load(&db->matches[i].code);
        if (c && c != REFUSED)
            pcre2_code_free(c);
    }
    for (size_t i = 0; db->cache && i < CACHE_SLOTS; i++)
        tk_free(db->cache[i].key);
    tk_free(db->cache);
    tk_litset_free(db->lits);
    tk_free(db->by_bit0);
    tk_free(db->by_bit);
    tk_free(db->always);
    pthread_mutex_destroy(&db->cache_lock);
    pcre2_match_context_free(db->mctx);
    pcre2_compile_context_free(db->cctx);
    pcre2_general_context_free(db->gctx);
    tk_free(db->matches);
    tk_free(db->probes);
    tk_free(db->ranges);
    tk_free(db->name);
    tk_free(db->text);
    tk_free(db);
}

/* ---- compiling ----------------------------------------------------------------------------- */

static pcre2_code *compile_one(const struct tk_nsp *db, const struct nsp_match *m, int *ec,
                               PCRE2_SIZE *off)
{
    return pcre2_compile((PCRE2_SPTR)m->regex.p, m->regex.n, m->opts | PCRE2_NEVER_UTF, ec, off,
                         db->cctx);
}

/* The compiled regex of m in *out, NULL when PCRE2 refused it. 0 or TK_ENOMEM. */
static int code_of(struct tk_nsp *db, struct nsp_match *m, pcre2_code **out)
{
    pcre2_code *c = atomic_load_explicit(&m->code, memory_order_acquire);
    if (!c) {
        int ec;
        PCRE2_SIZE off;
        pcre2_code *mine = compile_one(db, m, &ec, &off);
        if (!mine && ec == PCRE2_ERROR_HEAP_FAILED)
            return TK_ENOMEM;
        pcre2_code *want = mine ? mine : REFUSED, *seen = NULL;
        if (atomic_compare_exchange_strong_explicit(&m->code, &seen, want, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            c = want;
            if (mine) {
                atomic_fetch_add(&db->compiled, 1);
            } else {
                atomic_fetch_add(&db->skipped, 1);
                size_t idx = (size_t)(m - db->matches) + 1;
                size_t cur = atomic_load(&db->first_skipped);
                while ((cur == 0 || idx < cur) &&
                       !atomic_compare_exchange_weak(&db->first_skipped, &cur, idx))
                    ;
            }
        } else {
            pcre2_code_free(mine); /* another thread was first */
            c = seen;
        }
    }
    *out = c == REFUSED ? NULL : c;
    return 0;
}

void tk_nsp_set_prefilter(struct tk_nsp *db, bool on)
{
    db->no_prefilter = !on;
}

int tk_nsp_compile_all(struct tk_nsp *db, struct tk_err *err)
{
    for (size_t i = 0; i < db->nmatches; i++) {
        pcre2_code *c;
        if (code_of(db, &db->matches[i], &c) != 0)
            return tk_err_set(err, TK_ENOMEM, "%s:%u: out of memory compiling the regex", db->name,
                              db->matches[i].line);
    }
    return 0;
}

void tk_nsp_stats(const struct tk_nsp *db, struct tk_nsp_stats *st)
{
    memset(st, 0, sizeof *st);
    st->probes = db->nprobes;
    st->matches = db->nmatches;
    st->softmatches = db->softmatches;
    st->bad_lines = db->bad_lines;
    memcpy(st->first_bad, db->first_bad, sizeof st->first_bad);
    st->compiled = atomic_load(&((struct tk_nsp *)db)->compiled);
    st->skipped = atomic_load(&((struct tk_nsp *)db)->skipped);
    st->limit_hits = atomic_load(&((struct tk_nsp *)db)->limit_hits);
    pthread_mutex_lock(&((struct tk_nsp *)db)->cache_lock);
    st->cache_hits = db->cache_hits;
    pthread_mutex_unlock(&((struct tk_nsp *)db)->cache_lock);
    size_t idx = atomic_load(&((struct tk_nsp *)db)->first_skipped);
    if (idx) {
        /* Compiled again for the message: cheaper than keeping one per refused regex. */
        const struct nsp_match *m = &db->matches[idx - 1];
        int ec = 0;
        PCRE2_SIZE off = 0;
        pcre2_code *c = compile_one(db, m, &ec, &off);
        PCRE2_UCHAR msg[120] = "";
        if (c)
            pcre2_code_free(c);
        else
            pcre2_get_error_message(ec, msg, sizeof msg);
        snprintf(st->first_skipped, sizeof st->first_skipped,
                 "%s:%u: PCRE2 refused the regex at offset %zu: %s", db->name, m->line, (size_t)off,
                 (const char *)msg);
    }
}

/* ---- version templates --------------------------------------------------------------------- */

/* Output of one template: bounded, and once full the whole field is dropped (as nmap does). */
struct out {
    char *p;
    size_t n, cap;
    bool full;
    bool cpe;      /* escape substituted text the way nmap does inside CPE names */
    bool sub_done; /* the substitution being copied reached a NUL: nmap stops there */
};

static void put(struct out *o, unsigned char c)
{
    if (o->n + 1 >= o->cap) {
        o->full = true;
        return;
    }
    o->p[o->n++] = (char)c;
}

static void put_sub(struct out *o, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    if (o->sub_done)
        return;
    if (c == '\0') {
        o->sub_done = true;
    } else if (!o->cpe) {
        put(o, c);
    } else if (strchr(":/?#[]@!$&'()*+,;=%<>\"", c)) {
        put(o, '%');
        put(o, (unsigned char)hex[c >> 4]);
        put(o, (unsigned char)hex[c & 15]);
    } else {
        put(o, c == ' ' ? '_' : lower(c));
    }
}

struct subject {
    const unsigned char *p;
    size_t n;
    const PCRE2_SIZE *ov;
    uint32_t pairs; /* pairs of ov that pcre2_match set */
};

/* Capture number k (1..9) in *cap; false when the regex has no such group. A group that
 * took no part in the match is empty. */
static bool capture(const struct subject *sj, long k, struct tk_str *cap)
{
    if (k < 1 || k > 9 || (uint32_t)k >= sj->pairs)
        return false;
    PCRE2_SIZE a = sj->ov[2 * k], b = sj->ov[2 * k + 1];
    if (a == PCRE2_UNSET || b < a || b > sj->n)
        *cap = (struct tk_str){ (const char *)sj->p, 0 };
    else
        *cap = (struct tk_str){ (const char *)sj->p + a, b - a };
    return true;
}

struct args {
    int n;
    bool str[3];
    long num[3];
    char s[3][ARG_MAX_LEN];
    size_t len[3];
};

/* Decodes the C escapes of a quoted argument (between its quotes, in raw). */
static bool unescape(struct tk_str raw, char *dst, size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < raw.n; i++) {
        unsigned char c = (unsigned char)raw.p[i];
        if (c == '\\' && i + 1 < raw.n) {
            c = (unsigned char)raw.p[++i];
            static const char from[] = "0abfnrtv", to[] = "\0\a\b\f\n\r\t\v";
            const char *f = c ? strchr(from, c) : NULL;
            if (f) {
                c = (unsigned char)to[f - from];
            } else if (c == 'x' && i + 2 < raw.n && hexval((unsigned char)raw.p[i + 1]) >= 0 &&
                       hexval((unsigned char)raw.p[i + 2]) >= 0) {
                c = (unsigned char)(hexval((unsigned char)raw.p[i + 1]) * 16 +
                                    hexval((unsigned char)raw.p[i + 2]));
                i += 2;
            }
        }
        if (n + 1 >= ARG_MAX_LEN)
            return false;
        dst[n++] = (char)c;
    }
    dst[n] = '\0';
    *len = n;
    return true;
}

/* Parses "1,\"_\",\".\")" at *p (just after the '('), leaving *p after the ')'. */
static bool parse_args(const char **pp, const char *e, struct args *a)
{
    const char *p = *pp;
    a->n = 0;
    for (;;) {
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (p == e)
            return false;
        if (*p == ')')
            break;
        if (a->n == 3)
            return false;
        int k = a->n++;
        if (*p == '"') {
            const char *s = ++p;
            while (p < e && *p != '"')
                p += (*p == '\\' && p + 1 < e) ? 2 : 1;
            if (p >= e)
                return false;
            a->str[k] = true;
            if (!unescape((struct tk_str){ s, (size_t)(p - s) }, a->s[k], &a->len[k]))
                return false;
            p++;
        } else {
            const char *s = p;
            long v = 0;
            while (p < e && is_digit((unsigned char)*p) && p - s < 6)
                v = v * 10 + (*p++ - '0');
            if (p == s)
                return false;
            a->str[k] = false;
            a->num[k] = v;
        }
        while (p < e && is_space((unsigned char)*p))
            p++;
        if (p < e && *p == ',')
            p++;
        else if (p >= e || *p != ')')
            return false;
    }
    *pp = p + 1;
    return true;
}

/* Expands one "$..." at *pp (pointing at the '$'); false when it is malformed or names a
 * group the regex does not have, which empties the field. */
static bool expand(const char **pp, const char *e, const struct subject *sj, struct out *o)
{
    const char *p = *pp + 1;
    struct tk_str cap;
    o->sub_done = false;
    if (p < e && is_digit((unsigned char)*p)) {
        if (!capture(sj, *p - '0', &cap))
            return false;
        for (size_t i = 0; i < cap.n; i++)
            put_sub(o, (unsigned char)cap.p[i]);
        *pp = p + 1;
        return true;
    }
    const char *name = p;
    while (p < e && is_alpha((unsigned char)*p))
        p++;
    struct tk_str cmd = { name, (size_t)(p - name) };
    struct args a;
    if (cmd.n == 0 || p == e || *p != '(')
        return false;
    p++;
    if (!parse_args(&p, e, &a) || a.n < 1 || a.str[0] || !capture(sj, a.num[0], &cap))
        return false;
    if (tk_str_eq_c(cmd, "P") && a.n == 1) {
        for (size_t i = 0; i < cap.n; i++)
            if (cap.p[i] >= 0x20 && cap.p[i] < 0x7f)
                put_sub(o, (unsigned char)cap.p[i]);
    } else if (tk_str_eq_c(cmd, "SUBST") && a.n == 3 && a.str[1] && a.str[2]) {
        for (size_t i = 0; i < cap.n;) {
            if (a.len[1] && cap.n - i >= a.len[1] && !memcmp(cap.p + i, a.s[1], a.len[1])) {
                for (size_t j = 0; j < a.len[2]; j++)
                    put_sub(o, (unsigned char)a.s[2][j]);
                i += a.len[1];
            } else {
                put_sub(o, (unsigned char)cap.p[i++]);
            }
        }
    } else if (tk_str_eq_c(cmd, "I") && a.n == 2 && a.str[1] && a.len[1] == 1 &&
               (a.s[1][0] == '<' || a.s[1][0] == '>') && cap.n >= 1 && cap.n <= 8) {
        uint64_t v = 0;
        for (size_t i = 0; i < cap.n; i++) {
            size_t at = a.s[1][0] == '>' ? i : cap.n - 1 - i;
            v = v << 8 | (unsigned char)cap.p[at];
        }
        char num[24];
        int k = snprintf(num, sizeof num, "%llu", (unsigned long long)v);
        for (int i = 0; i < k; i++)
            put_sub(o, (unsigned char)num[i]);
    } else {
        return false;
    }
    *pp = p;
    return true;
}

/* Fills dst (cap bytes) from a template; "" when the template is malformed or the text does
 * not fit. Trailing blanks and commas are dropped, as nmap does. */
static void fill(char *dst, size_t cap, const char *prefix, struct tk_str tmpl, bool cpe,
                 const struct subject *sj)
{
    struct out o = { .p = dst, .cap = cap, .cpe = cpe };
    for (const char *c = prefix; *c; c++)
        put(&o, (unsigned char)*c);
    const char *p = tmpl.p, *e = tmpl.p + tmpl.n;
    while (p < e && !o.full) {
        if (*p != '$') {
            put(&o, (unsigned char)*p++);
        } else if (!expand(&p, e, sj, &o)) {
            o.full = true;
        }
    }
    if (o.full) {
        dst[0] = '\0';
        return;
    }
    while (o.n && (is_space((unsigned char)dst[o.n - 1]) || dst[o.n - 1] == ','))
        o.n--;
    dst[o.n] = '\0';
}

static void fill_result(struct tk_nsp_result *r, const struct nsp_match *m,
                        const struct nsp_probe *pr, const struct subject *sj)
{
    memset(r, 0, sizeof *r);
    copy_str(r->service, sizeof r->service, m->service);
    copy_str(r->probe, sizeof r->probe, pr->name);
    r->soft = m->soft;
    r->line = (int)m->line;
    char *const dst[NFIELDS] = {
        r->product, r->version, r->info, r->hostname, r->os, r->devicetype
    };
    const size_t cap[NFIELDS] = { sizeof r->product,  sizeof r->version, sizeof r->info,
                                  sizeof r->hostname, sizeof r->os,      sizeof r->devicetype };
    for (int f = 0; f < NFIELDS; f++)
        if (m->tmpl[f].p)
            fill(dst[f], cap[f], "", m->tmpl[f], false, sj);
    /* nmap keeps one CPE per part, the line's last, and lists them a, h, o. */
    static const char parts[] = "aho";
    char part[3][sizeof r->cpe[0]] = { "", "", "" };
    for (int i = 0; i < m->ncpe; i++) {
        const char *k = m->cpe[i].n ? memchr(parts, m->cpe[i].p[0], 3) : NULL;
        char tmp[sizeof r->cpe[0]];
        if (!k)
            continue;
        fill(tmp, sizeof tmp, "cpe:/", m->cpe[i], true, sj);
        if (tmp[0])
            memcpy(part[k - parts], tmp, sizeof tmp);
    }
    for (int i = 0; i < 3; i++)
        if (part[i][0])
            memcpy(r->cpe[r->ncpe++], part[i], sizeof part[i]);
}

/* ---- matching ------------------------------------------------------------------------------ */

static bool port_probable(const struct tk_nsp *db, const struct nsp_probe *pr, unsigned port)
{
    for (size_t i = 0; i < pr->nranges; i++) {
        const struct nsp_range *g = &db->ranges[pr->range0 + i];
        if (port >= g->lo && port <= g->hi)
            return true;
    }
    return false;
}

struct order {
    uint16_t v[TK_NSP_MAX_PROBES];
    bool seen[TK_NSP_MAX_PROBES];
    size_t n;
};

static void order_add(struct order *o, long k)
{
    if (k >= 0 && !o->seen[k]) {
        o->seen[k] = true;
        o->v[o->n++] = (uint16_t)k;
    }
}

static int match_uncached(struct tk_nsp *db, const unsigned char *banner, size_t n, unsigned port,
                          const char *transport, const char *probe, struct tk_nsp_result *r,
                          struct tk_err *err)
{
    if (r)
        memset(r, 0, sizeof *r);
    if (!db || !r || (!banner && n))
        return tk_err_set(err, TK_EINVAL, "nmap-service-probes: no database, banner or result");
    bool udp;
    if (!transport || tk_str_eqcase_c(tk_str_c(transport), "tcp")) {
        udp = false;
    } else if (tk_str_eqcase_c(tk_str_c(transport), "udp")) {
        udp = true;
    } else {
        return tk_err_set(err, TK_EINVAL, "%s: unknown transport \"%.16s\" (tcp or udp)", db->name,
                          transport);
    }
    if (n > TK_NSP_MAX_BANNER)
        n = TK_NSP_MAX_BANNER;

    struct order *ord = tk_calloc(1, sizeof *ord);
    if (!ord)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", db->name);
    if (probe) {
        long k = find_probe(db, tk_str_c(probe), udp);
        if (k < 0) {
            tk_free(ord);
            return tk_err_set(err, TK_ENOENT, "%s: no %s probe named \"%.64s\"", db->name,
                              udp ? "UDP" : "TCP", probe);
        }
        order_add(ord, k);
        for (int i = 0; i < db->probes[k].nfb; i++)
            order_add(ord, db->probes[k].fb[i]);
        if (!udp)
            order_add(ord, db->null_probe);
    } else {
        if (!udp) {
            order_add(ord, db->null_probe);
            order_add(ord, db->get_probe);
        }
        for (size_t i = 0; i < db->nprobes; i++)
            if (db->probes[i].udp == udp && port_probable(db, &db->probes[i], port))
                order_add(ord, (long)i);
        for (size_t i = 0; i < db->nprobes; i++)
            if (db->probes[i].udp == udp)
                order_add(ord, (long)i);
    }

    int rc = 0;
    pcre2_match_data *md = pcre2_match_data_create(OVEC_PAIRS, db->gctx);
    /* the literals the banner contains, then the lines that may match it */
    uint64_t *found = tk_calloc(db->fwords + db->mwords + 1, sizeof *found);
    if (!md || !found) {
        rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory", db->name);
        goto done;
    }
    const struct nsp_match *soft = NULL;
    static const unsigned char empty[1] = "";
    const unsigned char *subject = banner ? banner : empty;
    tk_litset_scan(db->lits, subject, n, found);
    uint64_t *cand = found + db->fwords;
    if (db->no_prefilter)
        memset(cand, 0xff, db->mwords * sizeof *cand);
    else
        memcpy(cand, db->always, db->mwords * sizeof *cand);
    for (size_t w = 0; w < db->fwords && !db->no_prefilter; w++)
        for (uint64_t bits = found[w]; bits; bits &= bits - 1) {
            size_t b = w * 64 + (size_t)__builtin_ctzll(bits);
            for (uint32_t k = db->by_bit0[b]; k < db->by_bit0[b + 1]; k++)
                cand[db->by_bit[k] >> 6] |= (uint64_t)1 << (db->by_bit[k] & 63);
        }
    for (size_t i = 0; i < ord->n && rc == 0; i++) {
        const struct nsp_probe *pr = &db->probes[ord->v[i]];
        size_t end = pr->first + pr->n;
        for (size_t j = next_candidate(cand, pr->first, end); j < end;
             j = next_candidate(cand, j + 1, end)) {
            struct nsp_match *m = &db->matches[j];
            if (soft && (m->soft || !tk_str_eq(m->service, soft->service)))
                continue;
            pcre2_code *code;
            if (code_of(db, m, &code) != 0) {
                rc = tk_err_set(err, TK_ENOMEM, "%s:%u: out of memory compiling the regex",
                                db->name, m->line);
                break;
            }
            if (!code)
                continue;
            int mr = pcre2_match(code, subject, n, 0, 0, md, db->mctx);
            if (mr == PCRE2_ERROR_NOMATCH)
                continue;
            if (mr == PCRE2_ERROR_NOMEMORY) {
                rc = tk_err_set(err, TK_ENOMEM, "%s:%u: out of memory matching", db->name, m->line);
                break;
            }
            if (mr < 0) {
                if (mr == PCRE2_ERROR_MATCHLIMIT || mr == PCRE2_ERROR_DEPTHLIMIT ||
                    mr == PCRE2_ERROR_HEAPLIMIT || mr == PCRE2_ERROR_JIT_STACKLIMIT)
                    atomic_fetch_add(&db->limit_hits, 1);
                continue;
            }
            struct subject sj = { subject, n, pcre2_get_ovector_pointer(md),
                                  mr == 0 ? pcre2_get_ovector_count(md) : (uint32_t)mr };
            fill_result(r, m, pr, &sj);
            if (!m->soft) {
                rc = 1;
                break;
            }
            soft = m;
        }
    }
    if (rc == 0 && soft)
        rc = 1;
    if (rc < 0)
        memset(r, 0, sizeof *r);
done:
    pcre2_match_data_free(md);
    tk_free(found);
    tk_free(ord);
    return rc;
}

/* The cache key: what decides the answer. The port only matters when the probe is unknown
 * (it picks which probes are tried). */
static size_t cache_key(unsigned char *key, const unsigned char *banner, size_t n, unsigned port,
                        const char *transport, const char *probe)
{
    /* the transport as tk_nsp_match reads it: NULL and any case of "tcp" are one question */
    bool udp = transport && tk_str_eqcase_c(tk_str_c(transport), "udp");
    if (transport && !udp && !tk_str_eqcase_c(tk_str_c(transport), "tcp"))
        return 0; /* not a transport: the uncached path says so */
    if (probe && strlen(probe) > MAX_NAME)
        return 0;
    int k = snprintf((char *)key, 200, "%s|%c|%u|", probe ? probe : "", udp ? 'u' : 't',
                     probe ? 0u : port);
    if (k < 0 || (size_t)k + n > CACHE_MAX_KEY + 200)
        return 0;
    memcpy(key + k, banner, n);
    return (size_t)k + n;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

int tk_nsp_match(struct tk_nsp *db, const unsigned char *banner, size_t n, unsigned port,
                 const char *transport, const char *probe, struct tk_nsp_result *r,
                 struct tk_err *err)
{
    if (!db || !db->cache || !r || !banner || n > CACHE_MAX_KEY)
        return match_uncached(db, banner, n, port, transport, probe, r, err);
    unsigned char key[CACHE_MAX_KEY + 200];
    size_t klen = cache_key(key, banner, n, port, transport, probe);
    if (!klen)
        return match_uncached(db, banner, n, port, transport, probe, r, err);
    uint64_t h = fnv1a(key, klen);
    struct cache_slot *slot = &db->cache[h & (CACHE_SLOTS - 1)];
    pthread_mutex_lock(&db->cache_lock);
    if (slot->key && slot->hash == h && slot->keylen == klen && memcmp(slot->key, key, klen) == 0) {
        *r = slot->r;
        int rc = slot->rc;
        db->cache_hits++;
        pthread_mutex_unlock(&db->cache_lock);
        return rc;
    }
    pthread_mutex_unlock(&db->cache_lock);
    int rc = match_uncached(db, banner, n, port, transport, probe, r, err);
    if (rc != 0 && rc != 1)
        return rc; /* errors are not remembered */
    unsigned char *copy = tk_malloc(klen);
    if (!copy)
        return rc;
    memcpy(copy, key, klen);
    pthread_mutex_lock(&db->cache_lock);
    unsigned char *old = slot->key;
    *slot = (struct cache_slot){ .hash = h, .key = copy, .keylen = klen, .rc = rc, .r = *r };
    pthread_mutex_unlock(&db->cache_lock);
    tk_free(old);
    return rc;
}
