/* fp.c - the fingerprint database: loading the product files and version tables, matching
 * observations, and running each file's own test cases (fp.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "surface/fp.h"

#include <dirent.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/relit.h"
#include "core/stanza.h"
#include "core/time.h"
#include "kb/input.h"
#include "scan/embedded.h"
#include "surface/ingest.h"

enum target {
    T_BODY,
    T_TITLE,
    T_HEADER,
    T_COOKIE,
    T_STATUS,
    T_FAVICON,
    T_CERT_SUBJECT,
    T_CERT_ISSUER,
    T_CERT_SAN,
    T_BANNER,
    T_PORT,
    T_SOURCE,
    T_COUNT
};
static const char *const target_names[T_COUNT] = {
    "body",         "title",       "header",   "cookie", "status", "favicon",
    "cert.subject", "cert.issuer", "cert.san", "banner", "port",   "source",
};

enum op { OP_PRESENT, OP_EQ, OP_CONTAINS, OP_REGEX };

struct cond {
    enum target t;
    const char *arg; /* header or cookie name, lower case */
    enum op op;
    const char *value;
    size_t vlen;
    pcre2_code *re;
    bool caseless;    /* the regex has the i flag */
    const char *at;   /* path, or NULL for any response */
    const char *text; /* the condition as written, for evidence */
    /* body and title conditions: literals (indices into the database's table) one of which
     * the text must contain for the condition to hold there; nlits 0: no such prefilter */
    uint32_t *lits;
    size_t nlits;
    uint64_t namebit; /* header and cookie conditions: the bit of the name (name_bit) */
};

struct signal {
    struct cond c;
    int weight;
};

struct vrule {
    struct cond c;
    const char *template;
    bool line;
};

enum dsource { D_ETAG, D_LAST_MODIFIED, D_GZIP, D_REGEX };

struct drule {
    enum dsource src;
    struct cond c;      /* D_REGEX: where the stamp is; others: only `at` is used */
    const char *fname;  /* D_GZIP: a name the gzip header must carry */
    const char *format; /* D_REGEX: yymmddhhmmss or unix */
    const struct vtable *table;
    const char *table_name;
    int64_t tolerance;
    bool line;
    const char *text;
};

struct tcase {
    const char *name, *expect, *file;
    const char **obs;
    size_t nobs;
    size_t line;
};

struct tk_fp {
    const char *id, *product, *vendor, *name, *kind, *file;
    const char **fetch; /* NULL-terminated */
    size_t nfetch;
    struct signal *sig;
    size_t nsig;
    int threshold;
    struct vrule *ver;
    size_t nver;
    struct drule *dates;
    size_t ndates;
};

struct vrow {
    int64_t t;
    bool day; /* the table gives the day only */
    const char *version;
};

struct vtable {
    const char *name;
    struct vrow *rows; /* sorted by t */
    size_t n;
};

struct tk_fpdb {
    struct tk_arena arena;
    struct tk_fp *fps;
    size_t n, cap;
    struct vtable *tables;
    size_t ntables, ctables;
    struct tcase *cases;
    size_t ncases, ccases;
    pcre2_code **codes; /* every compiled regex, freed with the database */
    size_t ncodes, ccodes;
    struct tk_litset *lits; /* the body prefilter: every literal of a body or title condition */
};

/* ---- small parsing helpers ------------------------------------------------------------ */

static struct tk_str skip_blanks(struct tk_str s)
{
    while (s.n && (*s.p == ' ' || *s.p == '\t'))
        s.p++, s.n--;
    return s;
}

static struct tk_str word(struct tk_str *s)
{
    *s = skip_blanks(*s);
    size_t i = 0;
    while (i < s->n && s->p[i] != ' ' && s->p[i] != '\t')
        i++;
    struct tk_str w = { s->p, i };
    s->p += i;
    s->n -= i;
    return w;
}

static bool next_is(struct tk_str s, const char *kw)
{
    struct tk_str t = s;
    return tk_str_eq_c(word(&t), kw);
}

static char *lower_dup(struct tk_arena *a, struct tk_str s)
{
    char *c = tk_arena_str(a, s);
    for (char *p = c; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    return c;
}

/* A value: "quoted text" (\" and \\ escapes) or a bare word. */
static bool value_of(struct tk_arena *a, struct tk_str *s, const char **out, size_t *len)
{
    *s = skip_blanks(*s);
    if (s->n && s->p[0] == '"') {
        struct tk_buf b = TK_BUF_INIT(1 << 16);
        size_t i = 1;
        for (; i < s->n && s->p[i] != '"'; i++) {
            if (s->p[i] == '\\' && i + 1 < s->n)
                i++;
            tk_buf_addc(&b, s->p[i]);
        }
        if (i >= s->n) {
            tk_buf_release(&b);
            return false;
        }
        *out = tk_arena_strndup(a, b.ptr ? b.ptr : "", b.len);
        *len = b.len;
        tk_buf_release(&b);
        s->p += i + 1;
        s->n -= i + 1;
        return *out != NULL;
    }
    struct tk_str w = word(s);
    if (!w.n)
        return false;
    *out = tk_arena_str(a, w);
    *len = w.n;
    return *out != NULL;
}

static bool is_keyword_at(struct tk_str rest)
{
    static const char *const kw[] = { "at", "=>", "format", "line", "table", "tolerance", "name" };
    rest = skip_blanks(rest);
    if (!rest.n)
        return true;
    for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
        if (next_is(rest, kw[i]))
            return true;
    return false;
}

/* "/regex/flags": the closing delimiter is the first one followed by flags and then the
 * end or a keyword, so regexes may contain the delimiter. */
static int regex_of(struct tk_fpdb *db, struct tk_str *s, struct cond *c, char *msg, size_t nmsg)
{
    struct tk_arena *a = &db->arena;
    *s = skip_blanks(*s);
    if (!s->n)
        return -1;
    char d = s->p[0];
    for (size_t i = 1; i < s->n; i++) {
        if (s->p[i] == '\\') {
            i++;
            continue;
        }
        if (s->p[i] != d)
            continue;
        size_t f = i + 1;
        while (f < s->n && (s->p[f] == 'i' || s->p[f] == 's' || s->p[f] == 'm'))
            f++;
        if (f < s->n && s->p[f] != ' ' && s->p[f] != '\t')
            continue;
        if (!is_keyword_at((struct tk_str){ s->p + f, s->n - f }))
            continue;
        /* the pattern's UTF-8 is checked (a user file's invalid bytes made pcre2_compile
         * read out of bounds: the fuzzer found it); subjects may be invalid UTF-8 */
        uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
        for (size_t k = i + 1; k < f; k++)
            opts |= s->p[k] == 'i'   ? PCRE2_CASELESS
                    : s->p[k] == 's' ? PCRE2_DOTALL
                                     : PCRE2_MULTILINE;
        int ecode;
        PCRE2_SIZE eoff;
        c->caseless = (opts & PCRE2_CASELESS) != 0;
        c->re = pcre2_compile((PCRE2_SPTR)s->p + 1, i - 1, opts, &ecode, &eoff, NULL);
        if (!c->re) {
            PCRE2_UCHAR buf[160];
            pcre2_get_error_message(ecode, buf, sizeof buf);
            snprintf(msg, nmsg, "the regular expression does not compile at offset %zu: %s",
                     (size_t)eoff, (const char *)buf);
            return -1;
        }
        if (tk_grow((void **)&db->codes, &db->ccodes, db->ncodes + 1, sizeof *db->codes,
                    (size_t)1 << 20)) {
            pcre2_code_free(c->re);
            c->re = NULL;
            snprintf(msg, nmsg, "out of memory");
            return -1;
        }
        db->codes[db->ncodes++] = c->re;
        pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE); /* best effort */
        c->value = tk_arena_strndup(a, s->p + 1, i - 1);
        c->vlen = i - 1;
        s->p += f;
        s->n -= f;
        return 0;
    }
    snprintf(msg, nmsg, "the regular expression has no closing %c", d);
    return -1;
}

static int cond_of(struct tk_fpdb *db, struct tk_str *s, struct cond *c, char *msg, size_t nmsg)
{
    struct tk_arena *a = &db->arena;
    struct tk_str start = skip_blanks(*s);
    struct tk_str t = word(s);
    c->t = T_COUNT;
    for (int i = 0; i < T_COUNT; i++)
        if (tk_str_eq_c(t, target_names[i]))
            c->t = (enum target)i;
    if (c->t == T_COUNT) {
        snprintf(msg, nmsg,
                 "unknown target '%.*s' (body, title, header NAME, cookie NAME, "
                 "status, favicon, cert.subject, cert.issuer, cert.san, banner, "
                 "port, source)",
                 (int)(t.n > 40 ? 40 : t.n), t.p);
        return -1;
    }
    if (c->t == T_HEADER || c->t == T_COOKIE) {
        struct tk_str n = word(s);
        if (!n.n) {
            snprintf(msg, nmsg, "%s needs a name", target_names[c->t]);
            return -1;
        }
        c->arg = c->t == T_HEADER ? lower_dup(a, n) : tk_arena_str(a, n);
    }
    c->op = OP_PRESENT;
    struct tk_str peek = skip_blanks(*s);
    if (peek.n && peek.p[0] == '~') {
        s->p = peek.p + 1;
        s->n = peek.n - 1;
        c->op = OP_REGEX;
        if (regex_of(db, s, c, msg, nmsg))
            return -1;
    } else if (peek.n && peek.p[0] == '=' && !(peek.n > 1 && peek.p[1] == '>')) {
        s->p = peek.p + 1;
        s->n = peek.n - 1;
        c->op = OP_EQ;
    } else if (next_is(peek, "contains")) {
        word(s);
        c->op = OP_CONTAINS;
    }
    if ((c->op == OP_EQ || c->op == OP_CONTAINS) && !value_of(a, s, &c->value, &c->vlen)) {
        snprintf(msg, nmsg, "a value is missing after the operator");
        return -1;
    }
    if (next_is(*s, "at")) {
        word(s);
        struct tk_str p = word(s);
        if (!p.n || p.p[0] != '/') {
            snprintf(msg, nmsg, "'at' needs a path starting with /");
            return -1;
        }
        c->at = tk_arena_str(a, p);
    }
    c->text = tk_arena_str(a, tk_str_trim((struct tk_str){ start.p, (size_t)(s->p - start.p) }));
    return 0;
}

/* ---- version tables ------------------------------------------------------------------ */

static int cmp_row(const void *a, const void *b)
{
    const struct vrow *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

static int load_table(struct tk_fpdb *db, const char *name, struct tk_str text, struct tk_err *err)
{
    if (tk_grow((void **)&db->tables, &db->ctables, db->ntables + 1, sizeof *db->tables, 1000))
        return TK_ENOMEM;
    struct vtable *vt = &db->tables[db->ntables];
    *vt = (struct vtable){ 0 };
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t blen = strlen(base);
    if (blen > 4 && strcmp(base + blen - 4, ".txt") == 0)
        blen -= 4;
    vt->name = tk_arena_strndup(&db->arena, base, blen);
    size_t cap = 0;
    struct tk_str rest = text, line;
    size_t lineno = 0;
    while (tk_str_next_line(&rest, &line)) {
        lineno++;
        line = tk_str_trim(line);
        if (!line.n || line.p[0] == '#')
            continue;
        struct tk_str when = word(&line), ver = word(&line);
        struct vrow r = { .day = when.n == 10 && memchr(when.p, '-', when.n) };
        int rc = 0;
        if (!ver.n || !tk_time_parse(when, &r.t))
            rc = tk_err_set(err, TK_EPARSE, "%s:%zu: expected TIME VERSION", name, lineno);
        else if (tk_grow((void **)&vt->rows, &cap, vt->n + 1, sizeof *vt->rows, 1000000))
            rc = TK_ENOMEM;
        if (rc) {
            /* the table is not counted yet: its rows are ours to free (a fuzzer found this) */
            tk_free(vt->rows);
            vt->rows = NULL;
            return rc;
        }
        r.version = tk_arena_str(&db->arena, ver);
        vt->rows[vt->n++] = r;
    }
    if (vt->n) /* an empty table has no rows array, and qsort must not see NULL */
        qsort(vt->rows, vt->n, sizeof *vt->rows, cmp_row);
    db->ntables++;
    return 0;
}

static const struct vtable *find_table(const struct tk_fpdb *db, const char *name)
{
    for (size_t i = 0; i < db->ntables; i++)
        if (strcmp(db->tables[i].name, name) == 0)
            return &db->tables[i];
    return NULL;
}

/* Why a fetch: path is not one a browser would request as it is, or NULL. surface probe sends
 * it to devices: one path, in printable ASCII, without "." or ".." segments (also
 * percent-encoded or with backslashes, which some servers take as separators), no
 * fragment, at most 2048 bytes. */
static const char *fetch_problem(struct tk_str v)
{
    if (!v.n || v.p[0] != '/' || (v.n > 1 && v.p[1] == '/'))
        return "fetch needs a path starting with one /";
    if (v.n > 2048)
        return "fetch: the path is longer than 2048 bytes";
    size_t end = v.n, seg = 1, dots = 0, other = 0;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c <= 0x20 || c >= 0x7f || c == '#' || c == '\\')
            return "fetch: the path may hold printable ASCII only, without '#' or '\\'";
        if (c == '?' && end == v.n)
            end = i;
    }
    for (size_t i = seg; i <= end; i++) {
        if (i == end || v.p[i] == '/') {
            if (!other && (dots == 1 || dots == 2))
                return "fetch: the path has a '.' or '..' segment";
            dots = other = 0;
        } else if (v.p[i] == '.') {
            dots++;
        } else if (v.p[i] == '%' && i + 2 < end && v.p[i + 1] == '2' &&
                   (v.p[i + 2] == 'e' || v.p[i + 2] == 'E')) {
            dots++;
            i += 2;
        } else {
            other++;
        }
    }
    return NULL;
}

/* ---- fingerprint files --------------------------------------------------------------- */

struct loadctx {
    struct tk_fpdb *db;
    const char *file;
    struct tk_fp *fp; /* of this file, once its first stanza is read */
    struct tk_fp cur;
    size_t csig, cver, cdates, cfetch;
};

#define FERR(ctx, line, ...)                                                                       \
    tk_err_set(err, TK_EPARSE, "%s:%zu: %s", (ctx)->file, (line), (__VA_ARGS__))

static int product_stanza(struct loadctx *x, const struct tk_stanza *s, struct tk_err *err)
{
    struct tk_arena *a = &x->db->arena;
    struct tk_fp *fp = &x->cur;
    *fp = (struct tk_fp){ .threshold = 100, .file = x->file };
    char msg[256];
    for (size_t i = 0; i < s->n; i++) {
        const struct tk_stanza_field *f = &s->f[i];
        struct tk_str v = tk_str_trim(f->value);
        msg[0] = 0;
        if (a->failed) /* every string above came from the arena: check once per field */
            return tk_err_set(err, TK_ENOMEM, "%s: out of memory", x->file);
        if (tk_str_eq_c(f->name, "fingerprint")) {
            fp->id = tk_arena_str(a, v);
        } else if (tk_str_eq_c(f->name, "product")) {
            fp->product = tk_arena_str(a, v);
        } else if (tk_str_eq_c(f->name, "vendor")) {
            fp->vendor = tk_arena_str(a, v);
        } else if (tk_str_eq_c(f->name, "name")) {
            fp->name = tk_arena_str(a, v);
        } else if (tk_str_eq_c(f->name, "kind")) {
            fp->kind = tk_arena_str(a, v);
        } else if (tk_str_eq_c(f->name, "source")) {
            /* credit only */
        } else if (tk_str_eq_c(f->name, "threshold")) {
            uint64_t t;
            if (!tk_str_to_u64(v, &t) || t == 0 || t > 10000)
                return FERR(x, f->line, "threshold must be a number from 1 to 10000");
            fp->threshold = (int)t;
        } else if (tk_str_eq_c(f->name, "fetch")) {
            const char *why = fetch_problem(v);
            if (why)
                return FERR(x, f->line, why);
            if (tk_grow((void **)&fp->fetch, &x->cfetch, fp->nfetch + 2, sizeof *fp->fetch, 256))
                return TK_ENOMEM;
            fp->fetch[fp->nfetch++] = tk_arena_str(a, v);
            fp->fetch[fp->nfetch] = NULL;
        } else if (tk_str_eq_c(f->name, "detect")) {
            struct tk_str w = word(&v);
            uint64_t weight;
            if (!tk_str_to_u64(w, &weight) || weight > 10000)
                return FERR(x, f->line, "detect: expected WEIGHT CONDITION");
            struct signal sg = { .weight = (int)weight };
            if (cond_of(x->db, &v, &sg.c, msg, sizeof msg))
                return FERR(x, f->line, msg);
            if (skip_blanks(v).n)
                return FERR(x, f->line, "unexpected text after the condition");
            if (tk_grow((void **)&fp->sig, &x->csig, fp->nsig + 1, sizeof *fp->sig, 1000))
                return TK_ENOMEM;
            fp->sig[fp->nsig++] = sg;
        } else if (tk_str_eq_c(f->name, "version")) {
            struct vrule vr = { .template = "$1" };
            if (cond_of(x->db, &v, &vr.c, msg, sizeof msg))
                return FERR(x, f->line, msg);
            if (vr.c.op != OP_REGEX)
                return FERR(x, f->line, "version: needs a regular expression (~ /.../)");
            if (next_is(v, "=>")) {
                word(&v);
                struct tk_str t = word(&v);
                vr.template = tk_arena_str(a, t);
            }
            if (next_is(v, "line")) {
                word(&v);
                vr.line = true;
            }
            if (skip_blanks(v).n)
                return FERR(x, f->line, "unexpected text after the version rule");
            if (tk_grow((void **)&fp->ver, &x->cver, fp->nver + 1, sizeof *fp->ver, 1000))
                return TK_ENOMEM;
            fp->ver[fp->nver++] = vr;
        } else if (tk_str_eq_c(f->name, "date")) {
            struct drule d = { .tolerance = -1, .text = tk_arena_str(a, v) };
            struct tk_str t = skip_blanks(v);
            if (next_is(t, "etag") || next_is(t, "last-modified") || next_is(t, "gzip-mtime")) {
                struct tk_str src = word(&v);
                d.src = tk_str_eq_c(src, "etag")            ? D_ETAG
                        : tk_str_eq_c(src, "last-modified") ? D_LAST_MODIFIED
                                                            : D_GZIP;
                if (next_is(v, "at")) {
                    word(&v);
                    d.c.at = tk_arena_str(a, word(&v));
                }
                if (d.src == D_GZIP && next_is(v, "name")) {
                    word(&v);
                    d.fname = tk_arena_str(a, word(&v));
                }
            } else {
                d.src = D_REGEX;
                if (cond_of(x->db, &v, &d.c, msg, sizeof msg))
                    return FERR(x, f->line, msg);
                if (d.c.op != OP_REGEX || !next_is(v, "format"))
                    return FERR(x, f->line,
                                "date: expected etag, last-modified, gzip-mtime, or "
                                "a regular expression with 'format'");
                word(&v);
                struct tk_str fm = word(&v);
                if (!tk_str_eq_c(fm, "yymmddhhmmss") && !tk_str_eq_c(fm, "unix"))
                    return FERR(x, f->line, "date format must be yymmddhhmmss or unix");
                d.format = tk_arena_str(a, fm);
            }
            while (skip_blanks(v).n) {
                struct tk_str kw = word(&v);
                if (tk_str_eq_c(kw, "table")) {
                    d.table_name = tk_arena_str(a, word(&v));
                    if (!d.table_name)
                        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", x->file);
                    if (!(d.table = find_table(x->db, d.table_name)))
                        return FERR(x, f->line, "no such version table");
                } else if (tk_str_eq_c(kw, "tolerance")) {
                    uint64_t tol;
                    if (!tk_str_to_u64(word(&v), &tol) || tol > 400 * 86400)
                        return FERR(x, f->line, "tolerance is a number of seconds");
                    d.tolerance = (int64_t)tol;
                } else if (tk_str_eq_c(kw, "line")) {
                    d.line = true;
                } else {
                    return FERR(x, f->line, "unexpected text in the date rule");
                }
            }
            if (tk_grow((void **)&fp->dates, &x->cdates, fp->ndates + 1, sizeof *fp->dates, 100))
                return TK_ENOMEM;
            fp->dates[fp->ndates++] = d;
        } else {
            return FERR(x, f->line, "unknown field in a fingerprint stanza");
        }
    }
    if (a->failed)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", x->file);
    if (!fp->id || !fp->name || !fp->vendor || !fp->nsig)
        return FERR(x, s->line,
                    "a fingerprint needs fingerprint:, vendor:, name: and at least "
                    "one detect:");
    for (size_t i = 0; i < x->db->n; i++)
        if (strcmp(x->db->fps[i].id, fp->id) == 0) {
            /* a user file replaces the built-in one of the same id */
            x->db->fps[i] = *fp;
            x->fp = &x->db->fps[i];
            return 0;
        }
    if (tk_grow((void **)&x->db->fps, &x->db->cap, x->db->n + 1, sizeof *x->db->fps, 100000))
        return TK_ENOMEM;
    x->db->fps[x->db->n] = *fp;
    x->fp = &x->db->fps[x->db->n++];
    return 0;
}

static int case_stanza(struct loadctx *x, const struct tk_stanza *s, struct tk_err *err)
{
    struct tk_arena *a = &x->db->arena;
    struct tcase c = { .file = x->file, .line = s->line };
    size_t cap = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct tk_stanza_field *f = &s->f[i];
        struct tk_str v = tk_str_trim(f->value);
        if (a->failed) {
            tk_free(c.obs);
            return tk_err_set(err, TK_ENOMEM, "%s: out of memory", x->file);
        }
        if (tk_str_eq_c(f->name, "case")) {
            c.name = tk_arena_str(a, v);
        } else if (tk_str_eq_c(f->name, "expect")) {
            c.expect = tk_arena_str(a, v);
        } else if (tk_str_eq_c(f->name, "obs")) {
            if (tk_grow((void **)&c.obs, &cap, c.nobs + 1, sizeof *c.obs, 1000)) {
                tk_free(c.obs);
                return TK_ENOMEM;
            }
            c.obs[c.nobs++] = tk_arena_str(a, v);
        } else {
            tk_free(c.obs); /* the lines so far (the fuzzer found this leak) */
            return FERR(x, f->line, "unknown field in a test case (case:, expect:, obs:)");
        }
    }
    if (a->failed) {
        tk_free(c.obs);
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", x->file);
    }
    if (!c.name || !c.expect || !c.nobs) {
        tk_free(c.obs);
        return FERR(x, s->line, "a test case needs case:, expect: and at least one obs:");
    }
    /* the observation lines move into the arena: the case list keeps no heap memory */
    const char **kept = tk_arena_alloc(a, c.nobs * sizeof *kept);
    if (kept)
        memcpy(kept, c.obs, c.nobs * sizeof *kept);
    tk_free(c.obs);
    c.obs = kept;
    if (!kept || tk_grow((void **)&x->db->cases, &x->db->ccases, x->db->ncases + 1,
                         sizeof *x->db->cases, 100000))
        return TK_ENOMEM;
    x->db->cases[x->db->ncases++] = c;
    return 0;
}

static int on_stanza(void *ud, const struct tk_stanza *s, struct tk_err *err)
{
    struct loadctx *x = ud;
    if (!s->n)
        return 0;
    if (tk_str_eq_c(s->f[0].name, "case")) {
        if (!x->fp)
            return FERR(x, s->line, "a test case before the fingerprint stanza");
        return case_stanza(x, s, err);
    }
    if (x->fp)
        return FERR(x, s->line, "a second fingerprint stanza: one product per file");
    return product_stanza(x, s, err);
}

static int load_fp_text(struct tk_fpdb *db, const char *name, struct tk_str text,
                        struct tk_err *err)
{
    struct loadctx x = { .db = db, .file = tk_arena_strdup(&db->arena, name) };
    if (!x.file)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
    int rc = tk_stanza_parse(text, name, on_stanza, &x, err);
    /* the growable arrays of the fingerprint move into the arena */
    if (x.fp) {
        struct tk_fp *fp = x.fp;
        void *arrs[4] = { fp->sig, fp->ver, fp->dates, fp->fetch };
        size_t sizes[4] = { fp->nsig * sizeof *fp->sig, fp->nver * sizeof *fp->ver,
                            fp->ndates * sizeof *fp->dates, (fp->nfetch + 1) * sizeof *fp->fetch };
        void *moved[4];
        for (int i = 0; i < 4; i++) {
            moved[i] = arrs[i] ? tk_arena_alloc(&db->arena, sizes[i]) : NULL;
            if (moved[i])
                memcpy(moved[i], arrs[i], sizes[i]);
            else if (arrs[i] && !rc)
                rc = TK_ENOMEM;
            tk_free(arrs[i]);
        }
        fp->sig = moved[0];
        fp->ver = moved[1];
        fp->dates = moved[2];
        fp->fetch = moved[3];
    } else {
        tk_free(x.cur.sig);
        tk_free(x.cur.ver);
        tk_free(x.cur.dates);
        tk_free(x.cur.fetch);
        if (!rc)
            rc = tk_err_set(err, TK_EPARSE, "%s: no fingerprint stanza", name);
    }
    if (rc == TK_ENOMEM && !err->msg[0])
        tk_err_set(err, rc, "%s: out of memory", name);
    return rc;
}

static struct tk_fpdb *db_new(void)
{
    struct tk_fpdb *db = tk_calloc(1, sizeof *db);
    if (db)
        tk_arena_init(&db->arena, (size_t)256 << 20);
    return db;
}

void tk_fpdb_free(struct tk_fpdb *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->ncodes; i++)
        pcre2_code_free(db->codes[i]);
    tk_free(db->codes);
    for (size_t i = 0; i < db->ntables; i++)
        tk_free(db->tables[i].rows);
    tk_free(db->tables);
    tk_free(db->fps);
    tk_free(db->cases);
    tk_litset_free(db->lits);
    tk_arena_release(&db->arena);
    tk_free(db);
}

static bool is_table_name(const char *name)
{
    return strstr(name, "versions/") != NULL || strstr(name, ".versions.txt") != NULL;
}

/* ---- the body prefilter ----------------------------------------------------------------
 *
 * Most observations are not any product, and their bodies are the largest thing in them:
 * testing every body condition by itself meant one pass over each body per condition. So
 * each body and title condition names literals one of which the text must contain for it to
 * hold (its `contains` or `=` value, or those core/relit.h reads from its regex), and one
 * pass over a body finds which of all those literals it contains. A condition whose literals
 * are all absent does not hold there and is not tested; the rest are tested as written, so
 * the prefilter changes how fast, never what matches. */

/* One bit of 64 for a header name (lower case): an observation's names, ORed, say which
 * header conditions cannot hold in it. */
static uint64_t name_bit(const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    return (uint64_t)1 << (h >> 26);
}

/* Every condition of the database (into out when not NULL); how many. */
static size_t all_conds(struct tk_fpdb *db, struct cond **out)
{
    size_t n = 0;
    for (size_t i = 0; i < db->n; i++) {
        struct tk_fp *fp = &db->fps[i];
        for (size_t k = 0; k < fp->nsig; k++, n++)
            if (out)
                out[n] = &fp->sig[k].c;
        for (size_t k = 0; k < fp->nver; k++, n++)
            if (out)
                out[n] = &fp->ver[k].c;
        for (size_t k = 0; k < fp->ndates; k++, n++)
            if (out)
                out[n] = &fp->dates[k].c; /* only D_REGEX rules test their condition */
    }
    return n;
}

/* The literals of one condition into out; how many (0: no prefilter). */
static size_t cond_literals(const struct cond *c, struct tk_relit *out)
{
    if (c->op == OP_CONTAINS || c->op == OP_EQ) {
        /* the value (its start when long), unless it holds a NUL byte (then it is not what
         * the reader compares) */
        if (c->vlen < 2 || strlen(c->value) != c->vlen)
            return 0;
        out[0].n = c->vlen < TK_RELIT_MAX_LEN ? c->vlen : TK_RELIT_MAX_LEN;
        memcpy(out[0].s, c->value, out[0].n);
        return 1;
    }
    if (c->op != OP_REGEX || !c->value || strlen(c->value) != c->vlen)
        return 0;
    return tk_relit_of(c->value, c->vlen, TK_RELIT_UTF | (c->caseless ? TK_RELIT_CASELESS : 0), out,
                       TK_RELIT_MAX_ALTS);
}

/* Builds the prefilter of every body and title condition and the name bits of the header
 * and cookie ones (after all files are loaded: a user file may replace a built-in one). */
static int index_literals(struct tk_fpdb *db)
{
    size_t nc = all_conds(db, NULL);
    struct cond **conds = tk_calloc(nc + 1, sizeof *conds);
    struct tk_litset *set = tk_litset_new();
    int rc = conds && set ? 0 : TK_ENOMEM;
    if (!rc)
        all_conds(db, conds);
    for (size_t i = 0; i < nc && !rc; i++) {
        struct cond *c = conds[i];
        c->namebit = c->t == T_HEADER   ? name_bit(c->arg)
                     : c->t == T_COOKIE ? name_bit("set-cookie")
                                        : 0;
        c->lits = NULL;
        c->nlits = 0;
        if (c->t != T_BODY && c->t != T_TITLE)
            continue;
        struct tk_relit lit[TK_RELIT_MAX_ALTS];
        size_t n = cond_literals(c, lit);
        uint32_t *ids = n ? tk_arena_alloc(&db->arena, n * sizeof *ids) : NULL;
        if (n && !ids)
            rc = TK_ENOMEM;
        for (size_t k = 0; k < n && !rc; k++)
            rc = tk_litset_add(set, lit[k].s, lit[k].n, &ids[k]);
        c->lits = ids;
        c->nlits = rc ? 0 : n;
    }
    if (!rc)
        rc = tk_litset_finish(set);
    /* from the order of addition to the set's bits */
    for (size_t i = 0; i < nc && !rc; i++)
        for (size_t k = 0; k < conds[i]->nlits; k++)
            conds[i]->lits[k] = tk_litset_bit(set, conds[i]->lits[k]);
    tk_free(conds);
    if (rc) {
        tk_litset_free(set);
        return rc;
    }
    tk_litset_free(db->lits);
    db->lits = set;
    return 0;
}

int tk_fpdb_load_texts(struct tk_fpdb **out, const char *const *names, const char *const *texts,
                       const size_t *lens, size_t n, struct tk_err *err)
{
    struct tk_fpdb *db = db_new();
    if (!db)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    int rc = 0;
    /* tables first: fingerprints refer to them */
    for (size_t i = 0; i < n && !rc; i++)
        if (is_table_name(names[i]))
            rc = load_table(db, names[i], (struct tk_str){ texts[i], lens[i] }, err);
    for (size_t i = 0; i < n && !rc; i++)
        if (!is_table_name(names[i]))
            rc = load_fp_text(db, names[i], (struct tk_str){ texts[i], lens[i] }, err);
    if (!rc && (rc = index_literals(db)) != 0)
        tk_err_set(err, rc, "out of memory indexing the fingerprints");
    if (rc) {
        tk_fpdb_free(db);
        return rc;
    }
    *out = db;
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int tk_fpdb_load(struct tk_fpdb **out, const char *dir, struct tk_err *err)
{
    size_t n = tk_builtin_fingerprints_count;
    const char **names = tk_calloc(n + 1, sizeof *names);
    char **texts = tk_calloc(n + 1, sizeof *texts);
    size_t *lens = tk_calloc(n + 1, sizeof *lens);
    int rc = names && texts && lens ? 0 : TK_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        names[i] = tk_builtin_fingerprints[i].name;
        texts[i] = tk_embedded_text(&tk_builtin_fingerprints[i]);
        lens[i] = tk_builtin_fingerprints[i].size;
        if (!texts[i])
            rc = TK_ENOMEM;
    }
    if (!rc)
        rc = tk_fpdb_load_texts(out, names, (const char *const *)texts, lens, n, err);
    for (size_t i = 0; i < n && texts; i++)
        tk_free(texts[i]);
    tk_free(names);
    tk_free(texts);
    tk_free(lens);
    if (rc == TK_ENOMEM && !err->msg[0])
        return tk_err_set(err, rc, "out of memory loading the fingerprints");
    if (rc || !dir)
        return rc;
    /* the user's directory: tables (versions/NAME.txt or NAME.versions.txt), then fingerprints */
    DIR *d = opendir(dir);
    if (!d) {
        tk_fpdb_free(*out);
        return tk_err_set(err, TK_ENOENT, "%s: cannot open the fingerprint directory: %s", dir,
                          strerror(errno));
    }
    char **files = NULL;
    size_t nf = 0, cf = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0)
            continue;
        if (tk_grow((void **)&files, &cf, nf + 1, sizeof *files, 100000) ||
            !(files[nf] = tk_strdup(e->d_name)))
            rc = TK_ENOMEM;
        else
            nf++;
    }
    closedir(d);
    if (nf)
        qsort(files, nf, sizeof *files, cmp_name);
    for (int pass = 0; pass < 2 && !rc; pass++)
        for (size_t i = 0; i < nf && !rc; i++) {
            bool table = strstr(files[i], ".versions.txt") != NULL;
            if (table != (pass == 0))
                continue;
            struct tk_buf path = TK_BUF_INIT(8192), text = TK_BUF_INIT((size_t)64 << 20);
            tk_buf_addf(&path, "%s/%s", dir, files[i]);
            rc = tk_input_slurp(tk_buf_cstr(&path), &text, err);
            if (!rc) {
                struct tk_str t = { text.ptr ? text.ptr : "", text.len };
                rc = table ? load_table(*out, tk_buf_cstr(&path), t, err)
                           : load_fp_text(*out, tk_buf_cstr(&path), t, err);
            }
            tk_buf_release(&path);
            tk_buf_release(&text);
        }
    for (size_t i = 0; i < nf; i++)
        tk_free(files[i]);
    tk_free(files);
    if (!rc && nf && (rc = index_literals(*out)) != 0)
        tk_err_set(err, rc, "out of memory indexing the fingerprints");
    if (rc) {
        tk_fpdb_free(*out);
        *out = NULL;
        if (rc == TK_ENOMEM && !err->msg[0])
            tk_err_set(err, rc, "out of memory loading %s", dir);
    }
    return rc;
}

size_t tk_fpdb_count(const struct tk_fpdb *db)
{
    return db->n;
}
const struct tk_fp *tk_fpdb_at(const struct tk_fpdb *db, size_t i)
{
    return &db->fps[i];
}
const char *tk_fp_id(const struct tk_fp *fp)
{
    return fp->id;
}
const char *tk_fp_product(const struct tk_fp *fp)
{
    return fp->product;
}
const char *tk_fp_vendor(const struct tk_fp *fp)
{
    return fp->vendor;
}
const char *tk_fp_name(const struct tk_fp *fp)
{
    return fp->name;
}
const char *tk_fp_kind(const struct tk_fp *fp)
{
    return fp->kind ? fp->kind : "other";
}
const char *tk_fp_file(const struct tk_fp *fp)
{
    return fp->file;
}
const char *const *tk_fp_fetch(const struct tk_fp *fp)
{
    static const char *const none[] = { NULL };
    return fp->fetch ? fp->fetch : none;
}

const char *tk_fp_precision_name(const struct tk_fp_hit *h)
{
    switch (h->prec) {
    case TK_VPREC_EXACT:
        return "exact";
    case TK_VPREC_LINE:
        return "line";
    case TK_VPREC_CANDIDATES:
        return "range";
    default:
        return h->build_time ? "range" : "undetermined";
    }
}

/* ---- matching ------------------------------------------------------------------------ */

static const unsigned char *memmem_ci(const unsigned char *h, size_t hn, const char *n, size_t nn)
{
    if (!nn)
        return h;
    int first = n[0] >= 'A' && n[0] <= 'Z' ? n[0] + 32 : n[0];
    for (size_t i = 0; i + nn <= hn; i++) {
        int c = h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i];
        if (c != first)
            continue;
        size_t k = 1;
        for (; k < nn; k++) {
            int a = h[i + k] >= 'A' && h[i + k] <= 'Z' ? h[i + k] + 32 : h[i + k];
            int b = n[k] >= 'A' && n[k] <= 'Z' ? n[k] + 32 : n[k];
            if (a != b)
                break;
        }
        if (k == nn)
            return h + i;
    }
    return NULL;
}

struct mctx {
    pcre2_match_data *md;
    pcre2_match_context *mc;
    const struct tk_fpdb *db;
    /* the prefilter's findings: for text t (2 * response + 0 for its body, 1 for its title),
     * bit k of found[t * words ...] says the text contains literal k; scanned says which
     * texts were looked at */
    uint64_t *found;
    size_t words;
    uint64_t scanned;
    bool no_memory; /* then every condition is tested as written */
    bool named;     /* names holds the name bits of every header of the observation */
    uint64_t names;
    /* what the last condition that held was tested on (a regex's groups are in md) */
    const void *subj;
    size_t subjn;
    char num[32]; /* port, status or favicon hash as text */
};

_Static_assert(2 * TK_OBS_MAX_HTTP <= 64, "mctx.scanned holds two bits per response");

/* May c hold in text t (a body or a title, see mctx) of p..p+n? False only when the
 * prefilter rules it out. */
static bool may_hold(const struct cond *c, struct mctx *m, const struct tk_obs *o, size_t t,
                     const void *p, size_t n)
{
    if (!c->nlits || m->no_memory)
        return true;
    if (!m->found) {
        m->words = tk_litset_words(m->db->lits);
        m->found = tk_arena_alloc(o->arena, 2 * TK_OBS_MAX_HTTP * m->words * sizeof *m->found);
        if (!m->found) {
            m->no_memory = true;
            return true;
        }
    }
    uint64_t *found = m->found + t * m->words;
    if (!(m->scanned >> t & 1)) {
        memset(found, 0, m->words * sizeof *found);
        tk_litset_scan(m->db->lits, p, n, found);
        m->scanned |= (uint64_t)1 << t;
    }
    for (size_t k = 0; k < c->nlits; k++)
        if (tk_litset_found(found, c->lits[k]))
            return true;
    return false;
}

/* Tests one value; on a regex match, the match data holds the groups. */
static bool test_value(const struct cond *c, struct mctx *m, const void *p, size_t n)
{
    if (!p)
        return false;
    bool ok = false;
    switch (c->op) {
    case OP_PRESENT:
        ok = true;
        break;
    case OP_EQ:
        ok = n == c->vlen && memmem_ci(p, n, c->value, c->vlen) != NULL;
        break;
    case OP_CONTAINS:
        ok = memmem_ci(p, n, c->value, c->vlen) != NULL;
        break;
    case OP_REGEX:
        ok = pcre2_match(c->re, p, n, 0, 0, m->md, m->mc) >= 0;
        break;
    }
    if (ok) {
        m->subj = p;
        m->subjn = n;
    }
    return ok;
}

static bool cookie_named(const char *setcookie, const char *name, const char **value, size_t *vlen)
{
    size_t k = strlen(name);
    bool prefix = k && name[k - 1] == '*';
    if (prefix)
        k--;
    const char *eq = strchr(setcookie, '=');
    size_t nlen = eq ? (size_t)(eq - setcookie) : strlen(setcookie);
    while (nlen && setcookie[nlen - 1] == ' ')
        nlen--;
    if (prefix ? nlen < k || strncmp(setcookie, name, k) != 0
               : nlen != k || strncmp(setcookie, name, k) != 0)
        return false;
    *value = eq ? eq + 1 : "";
    const char *semi = strchr(*value, ';');
    *vlen = semi ? (size_t)(semi - *value) : strlen(*value);
    return true;
}

/* v in decimal into num (at least 24 bytes), NUL-terminated; its length. What "%lld" gives,
 * without printf's cost: status and port conditions are tested for every observation. */
static size_t decimal(char *num, long long v)
{
    char tmp[24];
    size_t n = 0, k = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        num[k++] = '-';
    while (n)
        num[k++] = tmp[--n];
    num[k] = '\0';
    return k;
}

/* Does the condition hold anywhere in o? *where names the response it held in. */
static bool cond_holds(const struct cond *c, struct mctx *m, const struct tk_obs *o,
                       const struct tk_obs_http **where)
{
    char *num = m->num;
    *where = NULL;
    switch (c->t) {
    case T_FAVICON:
        if (!o->has_favicon)
            return false;
        return test_value(c, m, num, decimal(num, o->favicon_hash));
    case T_PORT:
        return test_value(c, m, num, decimal(num, o->port));
    case T_CERT_SUBJECT:
        return o->has_cert && o->cert.subject &&
               test_value(c, m, o->cert.subject, strlen(o->cert.subject));
    case T_CERT_ISSUER:
        return o->has_cert && o->cert.issuer &&
               test_value(c, m, o->cert.issuer, strlen(o->cert.issuer));
    case T_CERT_SAN:
        for (size_t i = 0; o->has_cert && i < o->cert.nsans; i++)
            if (test_value(c, m, o->cert.sans[i], strlen(o->cert.sans[i])))
                return true;
        return false;
    case T_BANNER:
        return o->banner && test_value(c, m, o->banner, o->banner_len);
    case T_SOURCE: {
        const char *v[] = { o->src_product, o->src_cpe, o->service };
        for (int i = 0; i < 3; i++)
            if (v[i] && test_value(c, m, v[i], strlen(v[i])))
                return true;
        return false;
    }
    default:
        break;
    }
    if (c->namebit) {
        /* a header or cookie condition: nothing to look for when no header has the name */
        if (!m->named) {
            for (size_t i = 0; i < o->nhttp; i++)
                for (size_t k = 0; k < o->http[i].nheaders; k++)
                    m->names |= name_bit(o->http[i].headers[k].name);
            m->named = true;
        }
        if (!(m->names & c->namebit))
            return false;
    }
    for (size_t i = 0; i < o->nhttp; i++) {
        const struct tk_obs_http *h = &o->http[i];
        if (c->at && strcmp(c->at, h->path) != 0)
            continue;
        bool ok = false;
        switch (c->t) {
        case T_BODY:
            /* a `contains` whose value the prefilter found holds without a second look */
            ok = h->body && may_hold(c, m, o, 2 * i, h->body, h->body_len) &&
                 ((c->op == OP_CONTAINS && c->nlits && !m->no_memory) ||
                  test_value(c, m, h->body, h->body_len));
            break;
        case T_TITLE:
            ok = h->title && may_hold(c, m, o, 2 * i + 1, h->title, strlen(h->title)) &&
                 ((c->op == OP_CONTAINS && c->nlits && !m->no_memory) ||
                  test_value(c, m, h->title, strlen(h->title)));
            break;
        case T_STATUS:
            ok = h->status && test_value(c, m, num, decimal(num, h->status));
            break;
        case T_HEADER:
            for (size_t k = 0; k < h->nheaders && !ok; k++)
                ok = h->headers[k].name[0] == c->arg[0] &&
                     strcmp(h->headers[k].name, c->arg) == 0 &&
                     test_value(c, m, h->headers[k].value, strlen(h->headers[k].value));
            break;
        case T_COOKIE:
            for (size_t k = 0; k < h->nheaders && !ok; k++) {
                const char *val;
                size_t vlen;
                ok = h->headers[k].name[0] == 's' &&
                     strcmp(h->headers[k].name, "set-cookie") == 0 &&
                     cookie_named(h->headers[k].value, c->arg, &val, &vlen) &&
                     test_value(c, m, val, vlen);
            }
            break;
        default:
            break;
        }
        if (ok) {
            *where = h;
            return true;
        }
    }
    return false;
}

/* Expands $1..$9 of the last regex match into a string in the observation's arena. */
static const char *expand(const struct tk_obs *o, const char *tmpl, struct mctx *m,
                          const void *subject)
{
    struct tk_buf b = TK_BUF_INIT(256);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
    uint32_t pairs = pcre2_get_ovector_count(m->md);
    int rc = 0; /* a part that does not fit means no version, not a version with a gap */
    for (const char *t = tmpl; *t && !rc; t++) {
        if (t[0] == '$' && t[1] >= '1' && t[1] <= '9') {
            uint32_t g = (uint32_t)(t[1] - '0');
            if (g < pairs && ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] >= ov[2 * g])
                rc = tk_buf_add(&b, (const char *)subject + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
            t++;
        } else {
            rc = tk_buf_addc(&b, *t);
        }
    }
    const char *r = !rc && b.len && b.len < 128 ? tk_arena_strndup(o->arena, b.ptr, b.len) : NULL;
    tk_buf_release(&b);
    return r;
}

static void add_evidence(struct tk_fp_hit *hit, const char *text)
{
    if (text && hit->nevidence < TK_FP_MAX_EVIDENCE)
        hit->evidence[hit->nevidence++] = text;
}

/* A build time from one date rule, or 0. */
static int64_t date_of(const struct drule *d, struct mctx *m, const struct tk_obs *o)
{
    for (size_t i = 0; i < o->nhttp; i++) {
        const struct tk_obs_http *h = &o->http[i];
        if (d->c.at && strcmp(d->c.at, h->path) != 0)
            continue;
        if (d->src == D_ETAG) {
            const char *e = tk_obs_header(h, "etag");
            if (!e)
                continue;
            /* the last run of hex digits: 8 of them are Unix seconds (PAN-OS, FortiGate),
             * 13 are microseconds (BIG-IP's "xxxx-xxxxxxxxxxxxx") */
            size_t len = strlen(e), end = len;
            while (end && (e[end - 1] == '"' || e[end - 1] == ' '))
                end--;
            size_t start = end;
            while (start && ((e[start - 1] >= '0' && e[start - 1] <= '9') ||
                             ((e[start - 1] | 32) >= 'a' && (e[start - 1] | 32) <= 'f')))
                start--;
            uint64_t v;
            size_t digits = end - start;
            if (digits >= 13 && tk_str_hex_to_u64((struct tk_str){ e + end - 13, 13 }, &v))
                return (int64_t)(v / 1000000);
            if (digits >= 8 && tk_str_hex_to_u64((struct tk_str){ e + end - 8, 8 }, &v))
                return (int64_t)v;
        } else if (d->src == D_LAST_MODIFIED) {
            const char *lm = tk_obs_header(h, "last-modified");
            int64_t t;
            if (lm && tk_time_parse(tk_str_c(lm), &t))
                return t;
        } else if (d->src == D_GZIP) {
            const unsigned char *b = h->body;
            if (!b || h->body_len < 10 || b[0] != 0x1f || b[1] != 0x8b || b[2] != 8)
                continue;
            if (d->fname) {
                /* FNAME flag and the name in the header */
                if (!(b[3] & 8) || !memmem(b + 10, h->body_len - 10 < 256 ? h->body_len - 10 : 256,
                                           d->fname, strlen(d->fname)))
                    continue;
            }
            int64_t t =
                (int64_t)b[4] | (int64_t)b[5] << 8 | (int64_t)b[6] << 16 | (int64_t)b[7] << 24;
            if (t)
                return t;
        } else {
            /* a date regex holds: its groups are those of the subject it matched */
            const struct tk_obs_http *where;
            if (!cond_holds(&d->c, m, o, &where))
                continue;
            const char *txt = expand(o, "$1", m, m->subj);
            if (!txt)
                continue;
            uint64_t v;
            if (strcmp(d->format, "unix") == 0) {
                if (tk_str_to_u64(tk_str_c(txt), &v))
                    return (int64_t)v;
            } else if (strlen(txt) == 12) {
                int f[6];
                bool ok = true;
                for (int k = 0; k < 6; k++) {
                    ok &= txt[2 * k] >= '0' && txt[2 * k] <= '9' && txt[2 * k + 1] >= '0' &&
                          txt[2 * k + 1] <= '9';
                    f[k] = (txt[2 * k] - '0') * 10 + (txt[2 * k + 1] - '0');
                }
                if (ok && f[1] >= 1 && f[1] <= 12 && f[2] >= 1 && f[2] <= 31 && f[3] < 24 &&
                    f[4] < 60 && f[5] < 61)
                    return tk_time_from_civil(2000 + f[0], f[1], f[2], f[3], f[4], f[5]);
            }
            return 0;
        }
    }
    return 0;
}

/* Versions of a table near t: exact matches, else those within the tolerance. */
static void lookup_table(const struct drule *d, int64_t t, const struct tk_obs *o,
                         struct tk_fp_hit *hit)
{
    const struct vtable *vt = d->table;
    size_t exact = 0, near = 0;
    const char *ex[TK_FP_MAX_VERSIONS], *nr[TK_FP_MAX_VERSIONS];
    int64_t day = t - ((t % 86400) + 86400) % 86400;
    for (size_t i = 0; i < vt->n; i++) {
        const struct vrow *r = &vt->rows[i];
        int64_t tol = d->tolerance >= 0 ? d->tolerance : r->day ? 2 * 86400 : 97200;
        int64_t ref = r->day ? day : t;
        int64_t diff = r->t > ref ? r->t - ref : ref - r->t;
        if (diff == 0 && exact < TK_FP_MAX_VERSIONS)
            ex[exact++] = r->version;
        else if (diff <= tol && near < TK_FP_MAX_VERSIONS)
            nr[near++] = r->version;
    }
    const char **src = exact ? ex : nr;
    size_t n = exact ? exact : near;
    for (size_t i = 0; i < n; i++)
        hit->versions[i] = tk_arena_strdup(o->arena, src[i]);
    hit->nversions = n;
    hit->prec = !n           ? TK_VPREC_NONE
                : d->line    ? TK_VPREC_LINE
                : exact == 1 ? TK_VPREC_EXACT
                             : TK_VPREC_CANDIDATES;
    (void)near;
}

static void version_of(const struct tk_fp *fp, struct mctx *m, const struct tk_obs *o,
                       struct tk_fp_hit *hit)
{
    /* explicit version strings first: they are the most precise */
    for (size_t i = 0; i < fp->nver; i++) {
        const struct vrule *vr = &fp->ver[i];
        const struct tk_obs_http *where;
        if (!cond_holds(&vr->c, m, o, &where)) /* a regex (the loader insists) */
            continue;
        const char *v = expand(o, vr->template, m, m->subj);
        if (!v)
            continue;
        hit->versions[0] = v;
        hit->nversions = 1;
        hit->prec = vr->line ? TK_VPREC_LINE : TK_VPREC_EXACT;
        add_evidence(hit, tk_arena_printf(o->arena, "version: %s", vr->c.text));
        return;
    }
    for (size_t i = 0; i < fp->ndates; i++) {
        const struct drule *d = &fp->dates[i];
        int64_t t = date_of(d, m, o);
        if (!t)
            continue;
        hit->build_time = t;
        char iso[32];
        tk_time_iso8601(t, iso);
        add_evidence(hit, tk_arena_printf(o->arena, "build time %s from %s", iso, d->text));
        if (d->table)
            lookup_table(d, t, o, hit);
        if (hit->nversions)
            return;
    }
}

static void *arena_alloc(PCRE2_SIZE n, void *ud)
{
    return tk_arena_alloc(ud, n);
}

static void arena_free(void *p, void *ud)
{
    (void)p, (void)ud; /* the arena goes with the observation */
}

static int by_score(const void *a, const void *b)
{
    const struct tk_fp_hit *x = a, *y = b;
    return x->score != y->score ? (x->score > y->score ? -1 : 1)
                                : strcmp(tk_fp_id(x->fp), tk_fp_id(y->fp));
}

size_t tk_fp_identify(const struct tk_fpdb *db, const struct tk_obs *o, struct tk_fp_hit *hits,
                      size_t max)
{
    /* PCRE2's match data and context live in the observation's arena: nothing to allocate
     * from the heap or free per observation */
    pcre2_general_context *gc = pcre2_general_context_create(arena_alloc, arena_free, o->arena);
    struct mctx m = { gc ? pcre2_match_data_create(10, gc) : NULL,
                      gc ? pcre2_match_context_create(gc) : NULL, .db = db };
    size_t n = 0;
    if (!m.md || !m.mc)
        goto out;
    pcre2_set_match_limit(m.mc, 1000000);
    pcre2_set_depth_limit(m.mc, 10000);
    for (size_t i = 0; i < db->n; i++) {
        const struct tk_fp *fp = &db->fps[i];
        struct tk_fp_hit hit = { .fp = fp };
        for (size_t k = 0; k < fp->nsig; k++) {
            const struct tk_obs_http *where;
            if (!cond_holds(&fp->sig[k].c, &m, o, &where))
                continue;
            hit.score += fp->sig[k].weight;
            add_evidence(&hit, fp->sig[k].c.text);
        }
        if (hit.score < fp->threshold)
            continue;
        version_of(fp, &m, o, &hit);
        if (n < max) {
            hits[n++] = hit;
        } else if (max && hit.score > hits[max - 1].score) {
            hits[max - 1] = hit;
        }
        if (max)
            qsort(hits, n, sizeof *hits, by_score);
    }
out:
    pcre2_match_data_free(m.md);
    pcre2_match_context_free(m.mc);
    pcre2_general_context_free(gc);
    return n;
}

/* ---- the files' own test cases ------------------------------------------------------ */

struct caserun {
    const struct tk_fpdb *db;
    char got[512];
};

static int on_case_obs(void *ud, const struct tk_obs *o)
{
    struct caserun *r = ud;
    struct tk_fp_hit hits[4];
    size_t n = tk_fp_identify(r->db, o, hits, 4);
    if (!n) {
        snprintf(r->got, sizeof r->got, "none");
        return 0;
    }
    struct tk_buf b = TK_BUF_INIT(4096);
    tk_buf_addf(&b, "%s ", tk_fp_id(hits[0].fp));
    for (size_t i = 0; i < hits[0].nversions; i++)
        tk_buf_addf(&b, "%s%s", i ? "|" : "", hits[0].versions[i]);
    tk_buf_addf(&b, "%s%s", hits[0].nversions ? " " : "- ", tk_fp_precision_name(&hits[0]));
    snprintf(r->got, sizeof r->got, "%s", tk_buf_cstr(&b));
    tk_buf_release(&b);
    return 0;
}

size_t tk_fp_check(const struct tk_fpdb *db, tk_fp_report_fn report, void *ud, size_t *ncases)
{
    size_t failed = 0;
    *ncases = db->ncases;
    for (size_t i = 0; i < db->ncases; i++) {
        const struct tcase *c = &db->cases[i];
        struct tk_buf text = TK_BUF_INIT((size_t)64 << 20);
        for (size_t k = 0; k < c->nobs; k++)
            tk_buf_addf(&text, "%s\n", c->obs[k]);
        struct caserun r = { .db = db };
        snprintf(r.got, sizeof r.got, "no observation");
        FILE *fp = fmemopen(text.ptr, text.len, "r");
        struct tk_ingest_opts opts = { .format = TK_FMT_TENKEN, .emit = on_case_obs, .ud = &r };
        struct tk_ingest_stats st = { 0 };
        struct tk_err err = { 0 };
        int rc = fp ? tk_ingest_stream(fp, c->name, &opts, &st, &err) : TK_ENOMEM;
        if (fp)
            fclose(fp);
        char why[1024];
        if (rc || st.malformed) {
            snprintf(why, sizeof why, "the obs: lines do not parse (%llu malformed)%s%s",
                     (unsigned long long)st.malformed, err.msg[0] ? ": " : "", err.msg);
            report(ud, c->file, c->name, why);
            failed++;
        } else if (strcmp(r.got, c->expect) != 0) {
            snprintf(why, sizeof why, "expected \"%s\", got \"%s\"", c->expect, r.got);
            report(ud, c->file, c->name, why);
            failed++;
        }
        tk_buf_release(&text);
    }
    return failed;
}
