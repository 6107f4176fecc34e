/* jdoc.c - JSON text into a tree of struct tk_jv in an arena (see jdoc.h).
 *
 * Two readers build the same tree. The fast one walks the text in memory once, copying
 * strings straight into the arena and finding the ends of plain runs 16 bytes at a time; it
 * accepts exactly what the streaming reader (jsonr.c) accepts and gives up at the first
 * thing it does not. Then the streaming reader reads the text again, in an arena of its own,
 * only to say where and why, in its words: errors are rare, and their messages and
 * positions stay those of one strict reader. */
#include "core/jdoc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/jsonr.h"
#include "core/utf8.h"

struct frame {
    struct tk_jv *node, *last;
};

/* One of 31 bits for a key (NUL-terminated, n bytes), from its length and three bytes. */
static inline uint32_t key_bit(const char *key, size_t n)
{
    const unsigned char *k = (const unsigned char *)key;
    uint32_t h = ((uint32_t)n << 24 ^ (uint32_t)k[0] << 16 ^ (uint32_t)k[n / 2] << 8 ^
                  k[n ? n - 1 : 0]) * 0x9E3779B1u >> 27;
    return 1u << (h == 31 ? 0 : h);
}

/* Appends v to the array or object of f (with its key). An object's lookups stop at the
 * first member with their key unless it may hold that key twice: a key whose bit was seen
 * is compared with the members before it, and past 64 members the object is marked so
 * without comparing (the later of duplicates is the value, as in jansson). */
static void add_member(struct frame *f, struct tk_jv *v, const char *key, size_t keylen)
{
    struct tk_jv *o = f->node;
    if (o->type == TK_JV_OBJECT) {
        v->key = key;
        v->keylen = keylen;
        uint32_t bit = key_bit(key, keylen);
        if (o->bits & TK_JV_DUPS) {
        } else if (o->len >= 64) {
            o->bits |= TK_JV_DUPS;
        } else if (o->bits & bit) {
            for (const struct tk_jv *m = o->u.first; m; m = m->next)
                if (m->keylen == keylen && memcmp(m->key, key, keylen) == 0) {
                    o->bits |= TK_JV_DUPS;
                    break;
                }
        }
        o->bits |= bit;
    }
    if (f->last)
        f->last->next = v;
    else
        o->u.first = v;
    f->last = v;
    o->len++;
}

static struct tk_jv *node(struct tk_arena *a, enum tk_jv_type t)
{
    struct tk_jv *v = tk_arena_alloc(a, sizeof *v);
    if (v)
        memset(v, 0, sizeof *v), v->type = t;
    return v;
}

static int number(struct tk_jv *v, struct tk_str s)
{
    char buf[400];
    if (s.n >= sizeof buf)
        return TK_EPARSE;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    char *end;
    errno = 0;
    if (!memchr(s.p, '.', s.n) && !memchr(s.p, 'e', s.n) && !memchr(s.p, 'E', s.n)) {
        long long i = strtoll(buf, &end, 10);
        if (errno == ERANGE)
            return TK_EPARSE;
        v->type = TK_JV_INT;
        v->u.i = i;
    } else {
        double d = strtod(buf, &end);
        if (errno == ERANGE && (d > 1 || d < -1))
            return TK_EPARSE;
        v->type = TK_JV_REAL;
        v->u.d = d;
    }
    return 0;
}

/* ---- the streaming reader's tree (and every error message) -------------------------- */

static int slow_parse(struct tk_arena *a, const char *text, size_t n, const char *name,
                      struct tk_jv **out, struct tk_err *err)
{
    struct tk_jsonr_mem mem = { (const unsigned char *)text, n };
    struct tk_jsonr r;
    int rc = tk_jsonr_init(&r, tk_jsonr_mem_read, &mem, name, n + 1, err);
    if (rc)
        return rc;
    struct frame stack[TK_JSONR_MAX_DEPTH + 1];
    size_t depth = 0;
    const char *key = NULL;
    size_t keylen = 0;
    struct tk_str t;
    int tok;
    while ((tok = tk_jsonr_next(&r, &t, err)) > 0) {
        if (tok == TK_J_OBJ_END || tok == TK_J_ARR_END) {
            depth--;
            continue;
        }
        if (tok == TK_J_KEY) {
            if (memchr(t.p, '\0', t.n)) {
                rc = tk_err_set(err, TK_EPARSE, "%s:%llu:%llu: a key with a NUL character", name,
                                (unsigned long long)r.line, (unsigned long long)r.col);
                break;
            }
            if (!(key = tk_arena_strndup(a, t.p, t.n)))
                break;
            keylen = t.n;
            continue;
        }
        static const enum tk_jv_type types[] = {
            [TK_J_OBJ_BEGIN] = TK_JV_OBJECT, [TK_J_ARR_BEGIN] = TK_JV_ARRAY,
            [TK_J_STRING] = TK_JV_STRING,    [TK_J_NUMBER] = TK_JV_INT,
            [TK_J_TRUE] = TK_JV_TRUE,        [TK_J_FALSE] = TK_JV_FALSE,
            [TK_J_NULL] = TK_JV_NULL,
        };
        struct tk_jv *v = node(a, types[tok]);
        if (!v)
            break;
        if (tok == TK_J_STRING) {
            char *copy = tk_arena_alloc(a, t.n + 1); /* every byte: strings may hold NUL */
            if (!copy)
                break;
            memcpy(copy, t.p, t.n);
            copy[t.n] = '\0';
            v->u.s = copy;
            v->len = t.n;
            if (memchr(copy, '\0', t.n))
                v->bits |= TK_JV_NUL;
        } else if (tok == TK_J_NUMBER && (rc = number(v, t)) != 0) {
            rc = tk_err_set(err, TK_EPARSE, "%s:%llu:%llu: number out of range", name,
                            (unsigned long long)r.line, (unsigned long long)r.col);
            break;
        }
        if (depth)
            add_member(&stack[depth - 1], v, key, keylen);
        else
            *out = v;
        if (tok == TK_J_OBJ_BEGIN || tok == TK_J_ARR_BEGIN)
            stack[depth++] = (struct frame){ v, NULL };
    }
    if (!rc && tok > 0)
        rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory while reading", name);
    else if (!rc && tok < 0)
        rc = tok;
    tk_jsonr_release(&r);
    if (rc)
        *out = NULL;
    return rc;
}

/* ---- the fast reader ------------------------------------------------------------------- */

enum { FAST_OK, FAST_SYNTAX, FAST_NOMEM };

struct fast {
    const unsigned char *p, *end;
    struct tk_arena *a;
    bool nul; /* the last string read held a NUL character (a \u0000) */
};

/* The first byte from p on that is a quote, a backslash or a control character (end when
 * none is); *high gets the bits of every byte passed, for the UTF-8 check. */
static const unsigned char *plain_run(const unsigned char *p, const unsigned char *end,
                                      unsigned *high)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  ctl = _mm_set1_epi8(0x1f);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i stop =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                         _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
        unsigned m = (unsigned)_mm_movemask_epi8(stop);
        if (m) {
            unsigned k = (unsigned)__builtin_ctz(m);
            *high |= (unsigned)_mm_movemask_epi8(v) & ((1u << k) - 1);
            return p + k;
        }
        *high |= (unsigned)_mm_movemask_epi8(v);
        p += 16;
    }
#endif
    for (; p < end; p++) {
        if (*p == '"' || *p == '\\' || *p < 0x20)
            return p;
        *high |= *p & 0x80;
    }
    return end;
}

/* The closing quote of a string whose text starts at p, escapes skipped over; NULL when
 * there is none. */
static const unsigned char *string_end(const unsigned char *p, const unsigned char *end)
{
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            unsigned m = (unsigned)_mm_movemask_epi8(
                _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)));
            if (m) {
                p += __builtin_ctz(m);
                break;
            }
            p += 16;
        }
#endif
        while (p < end && *p != '"' && *p != '\\')
            p++;
        if (p >= end)
            return NULL;
        if (*p == '"')
            return p;
        p += 2; /* the escaped byte, whatever it is: checked when decoding */
        if (p > end)
            return NULL;
    }
}

static int hexdigit(unsigned char c)
{
    return c >= '0' && c <= '9'                 ? c - '0'
           : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10
                                                : -1;
}

static bool hex4(const unsigned char *p, const unsigned char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4)
        return false;
    for (int i = 0; i < 4; i++) {
        int d = hexdigit(p[i]);
        if (d < 0)
            return false;
        v = v << 4 | (unsigned)d;
    }
    *out = v;
    return true;
}

/* A string at f->p (its opening quote), decoded into the arena, NUL-terminated. */
static int fast_string(struct fast *f, const char **out, size_t *len)
{
    const unsigned char *p = f->p + 1, *end = f->end;
    unsigned high = 0;
    const unsigned char *q = plain_run(p, end, &high);
    f->nul = false;
    if (q < end && *q == '"') {
        /* no escape: the common case */
        size_t n = (size_t)(q - p);
        char *s = tk_arena_alloc(f->a, n + 1);
        if (!s)
            return FAST_NOMEM;
        memcpy(s, p, n);
        s[n] = '\0';
        if (high && !tk_utf8_valid(s, n))
            return FAST_SYNTAX;
        *out = s;
        *len = n;
        f->p = q + 1;
        return FAST_OK;
    }
    const unsigned char *close = string_end(q, end);
    if (!close)
        return FAST_SYNTAX;
    char *s = tk_arena_alloc(f->a, (size_t)(close - p) + 1); /* decoded is never longer */
    if (!s)
        return FAST_NOMEM;
    size_t n = (size_t)(q - p);
    memcpy(s, p, n);
    for (p = q; p < close;) {
        if (*p < 0x20)
            return FAST_SYNTAX;
        if (*p != '\\') {
            q = plain_run(p, close, &high);
            memcpy(s + n, p, (size_t)(q - p));
            n += (size_t)(q - p);
            p = q;
            continue;
        }
        if (p + 1 >= close)
            return FAST_SYNTAX;
        unsigned char e = p[1];
        p += 2;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            s[n++] = (char)e;
            break;
        case 'b':
            s[n++] = '\b';
            break;
        case 'f':
            s[n++] = '\f';
            break;
        case 'n':
            s[n++] = '\n';
            break;
        case 'r':
            s[n++] = '\r';
            break;
        case 't':
            s[n++] = '\t';
            break;
        case 'u': {
            unsigned hi, lo;
            if (!hex4(p, close, &hi))
                return FAST_SYNTAX;
            p += 4;
            uint32_t cp = hi;
            if (hi >= 0xD800 && hi <= 0xDBFF) {
                if (close - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, close, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return FAST_SYNTAX;
                p += 6;
                cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            } else if (hi >= 0xDC00 && hi <= 0xDFFF) {
                return FAST_SYNTAX;
            }
            f->nul |= cp == 0;
            n += tk_utf8_encode(cp, (unsigned char *)s + n);
            break;
        }
        default:
            return FAST_SYNTAX;
        }
    }
    s[n] = '\0';
    /* as the streaming reader: the decoded text is checked when raw bytes >= 0x80 came */
    if (high && !tk_utf8_valid(s, n))
        return FAST_SYNTAX;
    *out = s;
    *len = n;
    f->p = close + 1;
    return FAST_OK;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* A number at f->p: the streaming reader's token (every byte of [0-9+-.eE]), its grammar,
 * then the same conversion. */
static int fast_number(struct fast *f, struct tk_jv *v)
{
    const unsigned char *s = f->p, *e = s;
    while (e < f->end &&
           (is_digit(*e) || *e == '-' || *e == '+' || *e == '.' || *e == 'e' || *e == 'E'))
        e++;
    const unsigned char *p = s;
    bool integer = true;
    if (p < e && *p == '-')
        p++;
    if (p < e && *p == '0')
        p++;
    else if (p < e && *p >= '1' && *p <= '9')
        while (p < e && is_digit(*p))
            p++;
    else
        return FAST_SYNTAX;
    size_t digits = (size_t)(p - s) - (*s == '-');
    if (p < e && *p == '.') {
        integer = false;
        if (++p >= e || !is_digit(*p))
            return FAST_SYNTAX;
        while (p < e && is_digit(*p))
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        integer = false;
        if (++p < e && (*p == '+' || *p == '-'))
            p++;
        if (p >= e || !is_digit(*p))
            return FAST_SYNTAX;
        while (p < e && is_digit(*p))
            p++;
    }
    if (p != e)
        return FAST_SYNTAX;
    f->p = e;
    if (integer && digits <= 18) {
        int64_t i = 0;
        for (const unsigned char *d = s + (*s == '-'); d < e; d++)
            i = i * 10 + (*d - '0');
        v->type = TK_JV_INT;
        v->u.i = *s == '-' ? -i : i;
        return FAST_OK;
    }
    return number(v, (struct tk_str){ (const char *)s, (size_t)(e - s) }) ? FAST_SYNTAX : FAST_OK;
}

static const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static int fast_parse(struct tk_arena *a, const char *text, size_t n, struct tk_jv **out)
{
    struct fast f = { (const unsigned char *)text, (const unsigned char *)text + n, a, false };
    struct frame stack[TK_JSONR_MAX_DEPTH + 1];
    size_t depth = 0;
    const char *key = NULL;
    size_t keylen = 0;
    int rc;
    *out = NULL;
    f.p = skip_ws(f.p, f.end);
    for (;;) {
        /* a value */
        if (f.p >= f.end)
            return FAST_SYNTAX;
        struct tk_jv *v = node(a, TK_JV_NULL);
        if (!v)
            return FAST_NOMEM;
        unsigned char c = *f.p;
        if (c == '{' || c == '[') {
            if (depth >= TK_JSONR_MAX_DEPTH)
                return FAST_SYNTAX;
            v->type = c == '{' ? TK_JV_OBJECT : TK_JV_ARRAY;
            f.p++;
        } else if (c == '"') {
            v->type = TK_JV_STRING;
            if ((rc = fast_string(&f, &v->u.s, &v->len)) != FAST_OK)
                return rc;
            if (f.nul)
                v->bits |= TK_JV_NUL;
        } else if (c == '-' || is_digit(c)) {
            if ((rc = fast_number(&f, v)) != FAST_OK)
                return rc;
        } else if (c == 't' && f.end - f.p >= 4 && memcmp(f.p, "true", 4) == 0) {
            v->type = TK_JV_TRUE;
            f.p += 4;
        } else if (c == 'f' && f.end - f.p >= 5 && memcmp(f.p, "false", 5) == 0) {
            v->type = TK_JV_FALSE;
            f.p += 5;
        } else if (c == 'n' && f.end - f.p >= 4 && memcmp(f.p, "null", 4) == 0) {
            f.p += 4;
        } else {
            return FAST_SYNTAX;
        }
        if (depth)
            add_member(&stack[depth - 1], v, key, keylen);
        else
            *out = v;
        bool opened = v->type == TK_JV_OBJECT || v->type == TK_JV_ARRAY;
        if (opened)
            stack[depth++] = (struct frame){ v, NULL };
        /* what may follow: the first member of what just opened, a comma, or closers */
        f.p = skip_ws(f.p, f.end);
        bool member = false;
        if (opened) {
            if (f.p < f.end && *f.p == (v->type == TK_JV_OBJECT ? '}' : ']')) {
                f.p++;
                depth--;
            } else {
                member = true;
            }
        }
        while (!member) {
            f.p = skip_ws(f.p, f.end);
            if (!depth)
                return f.p == f.end ? FAST_OK : FAST_SYNTAX;
            if (f.p >= f.end)
                return FAST_SYNTAX;
            bool obj = stack[depth - 1].node->type == TK_JV_OBJECT;
            if (*f.p == ',') {
                f.p = skip_ws(f.p + 1, f.end);
                member = true;
            } else if (*f.p == (obj ? '}' : ']')) {
                f.p++;
                depth--;
            } else {
                return FAST_SYNTAX;
            }
        }
        if (stack[depth - 1].node->type == TK_JV_OBJECT) {
            /* "key" : */
            if (f.p >= f.end || *f.p != '"')
                return FAST_SYNTAX;
            if ((rc = fast_string(&f, &key, &keylen)) != FAST_OK)
                return rc;
            if (f.nul)
                return FAST_SYNTAX;
            f.p = skip_ws(f.p, f.end);
            if (f.p >= f.end || *f.p != ':')
                return FAST_SYNTAX;
            f.p = skip_ws(f.p + 1, f.end);
        }
    }
}

int tk_jdoc_parse(struct tk_arena *a, const char *text, size_t n, const char *name,
                  struct tk_jv **out, struct tk_err *err)
{
    *out = NULL;
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3, n -= 3;
    int rc = fast_parse(a, text, n, out);
    if (rc == FAST_OK)
        return 0;
    *out = NULL;
    if (rc == FAST_NOMEM)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory while reading", name);
    /* the streaming reader names the error; in an arena of its own, as the text is refused */
    struct tk_arena scratch;
    tk_arena_init(&scratch, a->max);
    struct tk_jv *v = NULL;
    rc = slow_parse(&scratch, text, n, name, &v, err);
    tk_arena_release(&scratch);
    if (rc == 0) /* never expected: the fast reader refused what the strict one reads */
        rc = slow_parse(a, text, n, name, out, err);
    return rc;
}

const struct tk_jv *tk_jv_get(const struct tk_jv *obj, const char *key)
{
    const struct tk_jv *found = NULL;
    if (!tk_jv_is(obj, TK_JV_OBJECT))
        return NULL;
    size_t n = strlen(key);
    if (!(obj->bits & key_bit(key, n)))
        return NULL;
    for (const struct tk_jv *m = obj->u.first; m; m = m->next)
        if (m->keylen == n && m->key[0] == key[0] && memcmp(m->key, key, n) == 0) {
            if (!(obj->bits & TK_JV_DUPS))
                return m;
            found = m; /* the later of duplicates, as jansson */
        }
    return found;
}

const struct tk_jv *tk_jv_path(const struct tk_jv *v, const char *const *keys)
{
    for (; *keys && v; keys++)
        v = tk_jv_get(v, *keys);
    return v;
}
