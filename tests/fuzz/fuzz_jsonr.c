/* fuzz_jsonr.c - the streaming JSON reader (core/jsonr.h) that walks the NVD feeds.
 *
 * The whole input is the document. It is read three ways: in one read; in small chunks of
 * pseudo-random sizes seeded by the input's first byte (the tokens, the verdict and the
 * message must not change); and with tk_jsonr_skip over some of the containers (same
 * verdict and message). A small string bound may only turn success into TK_ELIMIT. Keys and
 * strings must come out as valid UTF-8 and numbers in the strict grammar. Whenever jansson
 * (JSON_DECODE_ANY) accepts the document the reader must too, and the other way round, save
 * where jansson's own limits decide (numbers out of range, NUL in keys, depth) or its quirks
 * (NUL bytes in the input). */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/jsonr.h"
#include "core/utf8.h"
#include "fuzz.h"

#define NAME "fuzz.json"
#define TRACE_MAX ((size_t)64 << 20)

struct src {
    const uint8_t *p;
    size_t n, off;
    uint32_t seed; /* 0: everything in one read */
};

static long src_read(void *ctx, void *buf, size_t cap)
{
    struct src *s = ctx;
    size_t k = s->n - s->off;
    if (s->seed) {
        s->seed = s->seed * 1103515245u + 12345u;
        size_t chunk = 1 + (s->seed >> 16) % 17; /* 1..17 bytes */
        if (k > chunk)
            k = chunk;
    }
    if (k > cap)
        k = cap;
    memcpy(buf, s->p + s->off, k);
    s->off += k;
    return (long)k;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? over the whole slice. */
static bool number_ok(struct tk_str t)
{
    size_t i = 0, n = t.n;
    const char *p = t.p;
#define DIGIT(k) ((k) < n && p[k] >= '0' && p[k] <= '9')
    if (i < n && p[i] == '-')
        i++;
    if (i < n && p[i] == '0')
        i++;
    else if (DIGIT(i) && p[i] != '0')
        while (DIGIT(i))
            i++;
    else
        return false;
    if (i < n && p[i] == '.') {
        i++;
        if (!DIGIT(i))
            return false;
        while (DIGIT(i))
            i++;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        if (!DIGIT(i))
            return false;
        while (DIGIT(i))
            i++;
    }
#undef DIGIT
    return i == n;
}

struct result {
    int rc;
    unsigned max_depth;
    struct tk_err err;
};

/* Reads the document to the end. With skip_every > 0, every skip_every-th container is
 * skipped with tk_jsonr_skip rather than walked. Tokens go to out when it is not NULL. */
static void run(const uint8_t *data, size_t size, uint32_t seed, size_t max_string,
                unsigned skip_every, struct tk_buf *out, struct result *res)
{
    struct src s = { data, size, 0, seed };
    struct tk_jsonr r;
    unsigned containers = 0;
    memset(res, 0, sizeof *res);
    FUZZ_CHECK(tk_jsonr_init(&r, src_read, &s, NAME, max_string, &res->err) == 0);
    for (size_t guard = 0;; guard++) {
        FUZZ_CHECK(guard <= size + 1); /* every token consumes at least one byte */
        struct tk_str t;
        int k = tk_jsonr_next(&r, &t, &res->err);
        if (k < 0) {
            res->rc = k;
            FUZZ_CHECK(k == TK_EPARSE || k == TK_ELIMIT);
            FUZZ_CHECK(res->err.code == k);
            FUZZ_CHECK(strncmp(res->err.msg, NAME ":", strlen(NAME ":")) == 0);
            break;
        }
        FUZZ_CHECK(k <= TK_J_NULL);
        if (r.depth > res->max_depth)
            res->max_depth = r.depth;
        FUZZ_CHECK(r.depth <= TK_JSONR_MAX_DEPTH);
        if (k == TK_J_KEY || k == TK_J_STRING) {
            FUZZ_CHECK(tk_utf8_valid(t.p, t.n));
            FUZZ_CHECK(t.p[t.n] == '\0');
        } else if (k == TK_J_NUMBER) {
            FUZZ_CHECK(number_ok(t));
        }
        if (out) {
            FUZZ_CHECK(tk_buf_addf(out, "%d:%zu:", k, t.n) == 0);
            if (k == TK_J_KEY || k == TK_J_STRING || k == TK_J_NUMBER)
                FUZZ_CHECK(tk_buf_add(out, t.p, t.n) == 0);
        }
        if (k == TK_J_EOF)
            break;
        if (skip_every && (k == TK_J_OBJ_BEGIN || k == TK_J_ARR_BEGIN) &&
            ++containers % skip_every == 0) {
            unsigned depth = r.depth;
            int rc = tk_jsonr_skip(&r, k, &res->err);
            if (rc) {
                res->rc = rc;
                FUZZ_CHECK(rc == TK_EPARSE || rc == TK_ELIMIT);
                break;
            }
            FUZZ_CHECK(r.depth == depth - 1);
        }
    }
    tk_jsonr_release(&r);
}

static bool jansson_limit(const char *text)
{
    return strstr(text, "too big") || strstr(text, "overflow") ||
           strstr(text, "NUL byte in object key") || strstr(text, "maximum parsing depth");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_buf whole = TK_BUF_INIT(TRACE_MAX), chunked = TK_BUF_INIT(TRACE_MAX);
    struct result a, b, c, d;
    uint32_t seed = size ? 0x9e3779b9u ^ data[0] : 1;

    run(data, size, 0, 0, 0, &whole, &a);
    run(data, size, seed, 0, 0, &chunked, &b);
    FUZZ_CHECK(a.rc == b.rc);
    FUZZ_CHECK(whole.len == chunked.len);
    FUZZ_CHECK(whole.len == 0 || memcmp(whole.ptr, chunked.ptr, whole.len) == 0);
    if (a.rc)
        FUZZ_CHECK(strcmp(a.err.msg, b.err.msg) == 0);

    /* Skipping reaches the same verdict at the same place. */
    run(data, size, seed, 0, 1 + (size ? data[size - 1] % 3 : 0), NULL, &c);
    FUZZ_CHECK(c.rc == a.rc);
    if (a.rc)
        FUZZ_CHECK(strcmp(a.err.msg, c.err.msg) == 0);

    /* A tight string bound can only add TK_ELIMIT. */
    run(data, size, seed, 8, 0, NULL, &d);
    FUZZ_CHECK(d.rc == a.rc || d.rc == TK_ELIMIT);

    /* jansson swallows a NUL byte right after a number ("4\0" is accepted; its stream
     * takes the NUL for the end of its buffer), so inputs with NUL bytes are not compared. */
    if (memchr(data, '\0', size)) {
        tk_buf_release(&whole);
        tk_buf_release(&chunked);
        return 0;
    }
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (j) {
        /* jansson accepts: so must we, unless the document nests past our bound. */
        if (a.rc != 0 && !(a.rc == TK_ELIMIT && strstr(a.err.msg, "deep")))
            fprintf(stderr, "jansson accepts, jsonr: %s\n", a.err.msg);
        FUZZ_CHECK(a.rc == 0 || (a.rc == TK_ELIMIT && strstr(a.err.msg, "deep")));
        json_decref(j);
    } else if (!jansson_limit(je.text)) {
        if (a.rc == 0)
            fprintf(stderr, "jansson refuses (%d:%d: %s), jsonr accepts\n", je.line, je.column,
                    je.text);
        FUZZ_CHECK(a.rc != 0);
    }
    tk_buf_release(&whole);
    tk_buf_release(&chunked);
    return 0;
}
