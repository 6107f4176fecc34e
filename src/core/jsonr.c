/* jsonr.c - a strict, incremental JSON tokenizer over chunked input. */
#include "core/jsonr.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"

#define CHUNK (256 * 1024)

/* Parser states: what the grammar allows next. */
enum {
    S_VALUE,       /* a value (top level, after ':' or after ',' in an array) */
    S_FIRST_VALUE, /* a value or ']' (just after '[') */
    S_FIRST_KEY,   /* a key or '}' (just after '{') */
    S_KEY,         /* a key (after ',' in an object) */
    S_COLON,       /* ':' */
    S_AFTER,       /* ',' or the container's end, or EOF at top level */
};

long tk_jsonr_mem_read(void *ctx, void *p, size_t n)
{
    struct tk_jsonr_mem *m = ctx;
    size_t k = n < m->n ? n : m->n;
    memcpy(p, m->p, k);
    m->p += k;
    m->n -= k;
    return (long)k;
}

int tk_jsonr_init(struct tk_jsonr *r, tk_jsonr_read_fn read, void *ctx, const char *name,
                  size_t max_string, struct tk_err *err)
{
    memset(r, 0, sizeof *r);
    r->read = read;
    r->ctx = ctx;
    r->name = name;
    r->line = 1;
    r->col = 1;
    r->state = S_VALUE;
    tk_buf_init(&r->text, max_string ? max_string : (size_t)16 << 20);
    r->buf = tk_malloc(CHUNK);
    if (!r->buf)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
    r->cap = CHUNK;
    return 0;
}

void tk_jsonr_release(struct tk_jsonr *r)
{
    tk_free(r->buf);
    tk_buf_release(&r->text);
    r->buf = NULL;
}

/* Records the error (in err when given, always in r->error) and returns its code. */
static int fail(struct tk_jsonr *r, struct tk_err *err, int code, const char *what)
{
    r->error = code;
    return tk_err_set(err, code, "%s:%llu:%llu: %s", r->name, (unsigned long long)r->line,
                      (unsigned long long)r->col, what);
}

/* Makes at least one unread byte available; 0 ok, 1 at end of input, <0 error. */
static int fill(struct tk_jsonr *r, struct tk_err *err)
{
    if (r->pos < r->len)
        return 0;
    if (r->eof)
        return 1;
    long n = r->read(r->ctx, r->buf, r->cap);
    if (n < 0)
        return fail(r, err, TK_EIO, "read error");
    if (n == 0) {
        r->eof = 1;
        return 1;
    }
    r->pos = 0;
    r->len = (size_t)n;
    return 0;
}

static void advance(struct tk_jsonr *r, unsigned char c)
{
    r->pos++;
    r->offset++;
    if (c == '\n') {
        r->line++;
        r->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        r->col++;
    }
}

/* Peeks the next byte; -1 at end of input, -2 on error (err set). */
static int peek(struct tk_jsonr *r, struct tk_err *err)
{
    int f = fill(r, err);
    if (f < 0)
        return -2;
    if (f > 0)
        return -1;
    return r->buf[r->pos];
}

static int skip_ws(struct tk_jsonr *r, struct tk_err *err)
{
    for (;;) {
        int f = fill(r, err);
        if (f)
            return f < 0 ? -2 : -1;
        /* Fast path through the buffer. */
        while (r->pos < r->len) {
            unsigned char c = r->buf[r->pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                return c;
            advance(r, c);
        }
    }
}

static int hex4(struct tk_jsonr *r, unsigned *out, struct tk_err *err)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int c = peek(r, err);
        if (c == -2)
            return -1;
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0) {
            fail(r, err, TK_EPARSE, "bad \\u escape");
            return -1;
        }
        advance(r, (unsigned char)c);
        v = v << 4 | (unsigned)d;
    }
    *out = v;
    return 0;
}

static int add_cp(struct tk_jsonr *r, uint32_t cp, struct tk_err *err)
{
    unsigned char u[4];
    size_t n = tk_utf8_encode(cp, u);
    if (tk_buf_add(&r->text, u, n))
        return fail(r, err, TK_ELIMIT, "string too long");
    return 0;
}

/* Reads a string after its opening quote into r->text, checking UTF-8. */
static int read_string(struct tk_jsonr *r, struct tk_err *err)
{
    unsigned char high = 0; /* any byte >= 0x80: the text needs a UTF-8 check */
    tk_buf_reset(&r->text);
    for (;;) {
        int f = fill(r, err);
        if (f < 0)
            return f;
        if (f > 0)
            return fail(r, err, TK_EPARSE, "unterminated string");
        /* Copy a run of plain bytes at once; columns count characters, not bytes. Eight
         * ASCII bytes at a time while none of them ends the run (a quote, a backslash, a
         * control character) or needs a closer look (a byte >= 0x80). */
        size_t start = r->pos, cont = 0;
        const unsigned char *b = r->buf;
        size_t pos = r->pos, len = r->len;
        while (pos + 8 <= len) {
            uint64_t w;
            memcpy(&w, b + pos, 8);
            const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
            uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
            uint64_t stop = ((q - ones) & ~q) | ((bs - ones) & ~bs) | (w - ones * 0x20) | w;
            if (stop & highs)
                break;
            pos += 8;
        }
        while (pos < len) {
            unsigned char c = b[pos];
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            high |= c;
            cont += (c & 0xC0) == 0x80;
            pos++;
        }
        r->pos = pos;
        size_t run = pos - start;
        if (run) {
            r->offset += run;
            r->col += run - cont;
            if (tk_buf_add(&r->text, b + start, run))
                return fail(r, err, TK_ELIMIT, "string too long");
        }
        if (r->pos == r->len)
            continue;
        unsigned char c = r->buf[r->pos];
        if (c < 0x20)
            return fail(r, err, TK_EPARSE, "control character in string");
        advance(r, c);
        if (c == '"')
            break;
        /* Escape. */
        int e = peek(r, err);
        if (e < 0)
            return e == -2 ? r->error : fail(r, err, TK_EPARSE, "unterminated string");
        advance(r, (unsigned char)e);
        char out;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            out = (char)e;
            break;
        case 'b':
            out = '\b';
            break;
        case 'f':
            out = '\f';
            break;
        case 'n':
            out = '\n';
            break;
        case 'r':
            out = '\r';
            break;
        case 't':
            out = '\t';
            break;
        case 'u': {
            unsigned hi, lo;
            if (hex4(r, &hi, err))
                return r->error;
            uint32_t cp = hi;
            if (hi >= 0xD800 && hi <= 0xDBFF) {
                int a = peek(r, err);
                if (a == -2)
                    return r->error;
                if (a != '\\')
                    return fail(r, err, TK_EPARSE, "lone surrogate in \\u escape");
                advance(r, '\\');
                a = peek(r, err);
                if (a == -2)
                    return r->error;
                if (a != 'u')
                    return fail(r, err, TK_EPARSE, "lone surrogate in \\u escape");
                advance(r, 'u');
                if (hex4(r, &lo, err))
                    return r->error;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(r, err, TK_EPARSE, "bad surrogate pair");
                cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            } else if (hi >= 0xDC00 && hi <= 0xDFFF) {
                return fail(r, err, TK_EPARSE, "lone surrogate in \\u escape");
            }
            if (add_cp(r, cp, err))
                return r->error;
            continue;
        }
        default:
            return fail(r, err, TK_EPARSE, "bad escape");
        }
        if (tk_buf_addc(&r->text, out))
            return fail(r, err, TK_ELIMIT, "string too long");
    }
    if ((high & 0x80) && !tk_utf8_valid(r->text.ptr ? r->text.ptr : "", r->text.len))
        return fail(r, err, TK_EPARSE, "invalid UTF-8 in string");
    return 0;
}

static int read_number(struct tk_jsonr *r, struct tk_err *err)
{
    tk_buf_reset(&r->text);
    for (;;) {
        int c = peek(r, err);
        if (c == -2)
            return r->error;
        if (c < 0 || !((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' ||
                       c == 'E'))
            break;
        if (tk_buf_addc(&r->text, (char)c))
            return fail(r, err, TK_ELIMIT, "number too long");
        advance(r, (unsigned char)c);
    }
    /* Check the grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
    const char *p = tk_buf_cstr(&r->text);
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return fail(r, err, TK_EPARSE, "bad number");
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return fail(r, err, TK_EPARSE, "bad number");
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return fail(r, err, TK_EPARSE, "bad number");
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p ? fail(r, err, TK_EPARSE, "bad number") : 0;
}

static int literal(struct tk_jsonr *r, const char *word, struct tk_err *err)
{
    for (const char *w = word; *w; w++) {
        int c = peek(r, err);
        if (c != *w)
            return c == -2 ? r->error : fail(r, err, TK_EPARSE, "invalid literal");
        advance(r, (unsigned char)c);
    }
    return 0;
}

/* State after a complete value. */
static void value_done(struct tk_jsonr *r)
{
    r->state = S_AFTER;
    if (r->depth == 0)
        r->done = 1;
}

int tk_jsonr_next(struct tk_jsonr *r, struct tk_str *text, struct tk_err *err)
{
    *text = (struct tk_str){ "", 0 };
    for (;;) {
        int c = skip_ws(r, err);
        if (c == -2)
            return r->error;
        if (r->done) {
            if (c == -1)
                return TK_J_EOF;
            return fail(r, err, TK_EPARSE, "trailing data after the JSON value");
        }
        if (c == -1)
            return fail(r, err, TK_EPARSE, "unexpected end of input");
        switch (r->state) {
        case S_COLON:
            if (c != ':')
                return fail(r, err, TK_EPARSE, "expected ':'");
            advance(r, (unsigned char)c);
            r->state = S_VALUE;
            continue;
        case S_AFTER:
            if (c == ',') {
                advance(r, ',');
                r->state = r->stack[r->depth - 1] == '{' ? S_KEY : S_VALUE;
                continue;
            }
            if ((c == '}' && r->stack[r->depth - 1] == '{') ||
                (c == ']' && r->stack[r->depth - 1] == '[')) {
                advance(r, (unsigned char)c);
                r->depth--;
                value_done(r);
                return c == '}' ? TK_J_OBJ_END : TK_J_ARR_END;
            }
            return fail(r, err, TK_EPARSE, "expected ',' or the end of the container");
        case S_FIRST_KEY:
        case S_KEY:
            if (c == '}' && r->state == S_FIRST_KEY) {
                advance(r, '}');
                r->depth--;
                value_done(r);
                return TK_J_OBJ_END;
            }
            if (c != '"')
                return fail(r, err, TK_EPARSE, "expected a string key");
            advance(r, '"');
            if (read_string(r, err))
                return r->error;
            r->state = S_COLON;
            *text = (struct tk_str){ tk_buf_cstr(&r->text), r->text.len };
            return TK_J_KEY;
        case S_FIRST_VALUE:
            if (c == ']') {
                advance(r, ']');
                r->depth--;
                value_done(r);
                return TK_J_ARR_END;
            }
            /* fall through */
        case S_VALUE:
            break;
        }
        /* A value. */
        if (c == '{' || c == '[') {
            if (r->depth >= TK_JSONR_MAX_DEPTH)
                return fail(r, err, TK_ELIMIT, "nesting too deep");
            advance(r, (unsigned char)c);
            r->stack[r->depth++] = (char)c;
            r->state = c == '{' ? S_FIRST_KEY : S_FIRST_VALUE;
            return c == '{' ? TK_J_OBJ_BEGIN : TK_J_ARR_BEGIN;
        }
        int tok;
        if (c == '"') {
            advance(r, '"');
            if (read_string(r, err))
                return r->error;
            tok = TK_J_STRING;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (read_number(r, err))
                return r->error;
            tok = TK_J_NUMBER;
        } else if (c == 't') {
            if (literal(r, "true", err))
                return r->error;
            tok = TK_J_TRUE;
        } else if (c == 'f') {
            if (literal(r, "false", err))
                return r->error;
            tok = TK_J_FALSE;
        } else if (c == 'n') {
            if (literal(r, "null", err))
                return r->error;
            tok = TK_J_NULL;
        } else {
            return fail(r, err, TK_EPARSE, "unexpected character");
        }
        value_done(r);
        if (tok == TK_J_STRING || tok == TK_J_NUMBER)
            *text = (struct tk_str){ tk_buf_cstr(&r->text), r->text.len };
        return tok;
    }
}

int tk_jsonr_skip(struct tk_jsonr *r, int tok, struct tk_err *err)
{
    if (tok != TK_J_OBJ_BEGIN && tok != TK_J_ARR_BEGIN)
        return 0;
    unsigned target = r->depth - 1;
    struct tk_str t;
    for (;;) {
        int k = tk_jsonr_next(r, &t, err);
        if (k < 0)
            return k;
        if (k == TK_J_EOF)
            return fail(r, err, TK_EPARSE, "unexpected end of input");
        if ((k == TK_J_OBJ_END || k == TK_J_ARR_END) && r->depth == target)
            return 0;
    }
}
