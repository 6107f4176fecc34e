/* test_jsonr.c - the streaming JSON pull parser (core/jsonr.h): token sequences, string
 * escapes and UTF-8, the strict number grammar, error positions (line and column in
 * characters), the depth and string bounds, skipping, chunk-boundary robustness, read errors,
 * and a property test against jansson on random documents and their mutations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/jsonr.h"

#define NAME "t.json"

/* ---- helpers ------------------------------------------------------------------------------ */

/* A byte source handing out at most `chunk` bytes per call, failing with -1 once `fail_at`
 * bytes were given (fail_at < 0: never). */
struct src {
    const unsigned char *p;
    size_t n, chunk, given;
    long fail_at;
    size_t calls;
};

static long src_read(void *ctx, void *buf, size_t cap)
{
    struct src *s = ctx;
    s->calls++;
    if (s->fail_at >= 0 && s->given >= (size_t)s->fail_at)
        return -1;
    size_t k = s->n - s->given;
    if (k > cap)
        k = cap;
    if (s->chunk && k > s->chunk)
        k = s->chunk;
    if (s->fail_at >= 0 && k > (size_t)s->fail_at - s->given)
        k = (size_t)s->fail_at - s->given;
    memcpy(buf, s->p + s->given, k);
    s->given += k;
    return (long)k;
}

static const char *const tok_names[] = { "EOF", "{", "}", "[", "]", "K", "S", "N", "T", "F", "Z" };

/* Runs the parser to the end (or the first error) and writes the tokens into out as text:
 * `{ K1:a S2:xy N1:1 }`. Returns 0 at EOF or the error code. */
static int trace(const void *doc, size_t n, size_t chunk, long fail_at, size_t max_string,
                 struct tk_buf *out, struct tk_err *err)
{
    struct src s = { doc, n, chunk, 0, fail_at, 0 };
    struct tk_jsonr r;
    tk_buf_reset(out);
    tk_err_clear(err);
    int rc = tk_jsonr_init(&r, src_read, &s, NAME, max_string, err);
    assert_int_equal(rc, 0);
    for (size_t guard = 0;; guard++) {
        assert_true(guard < 4 * n + 16); /* every token consumes input */
        struct tk_str t;
        int k = tk_jsonr_next(&r, &t, err);
        if (k < 0) {
            rc = k;
            break;
        }
        assert_true(k <= TK_J_NULL);
        assert_int_equal(tk_buf_adds(out, tok_names[k]), 0);
        if (k == TK_J_KEY || k == TK_J_STRING || k == TK_J_NUMBER) {
            assert_int_equal(tk_buf_addf(out, "%zu:", t.n), 0);
            assert_int_equal(tk_buf_add(out, t.p, t.n), 0);
            assert_int_equal(t.p[t.n], '\0'); /* text is NUL-terminated for convenience */
        } else if (k != TK_J_TRUE && k != TK_J_FALSE && k != TK_J_NULL) {
            assert_int_equal(t.n, 0); /* (literals may carry stale text: unspecified) */
        }
        assert_int_equal(tk_buf_addc(out, ' '), 0);
        if (k == TK_J_EOF)
            break;
    }
    tk_jsonr_release(&r);
    return rc;
}

/* One-shot parse of a C string; returns the final code. */
static int parse_str(const char *doc, struct tk_buf *out, struct tk_err *err)
{
    return trace(doc, strlen(doc), 0, -1, 0, out, err);
}

static void expect_tokens(const char *doc, const char *tokens)
{
    struct tk_buf out = TK_BUF_INIT(1 << 20);
    struct tk_err err;
    int rc = parse_str(doc, &out, &err);
    if (rc)
        fail_msg("%s: unexpected error %d: %s", doc, rc, err.msg);
    assert_string_equal(tk_buf_cstr(&out), tokens);
    /* One byte at a time gives exactly the same tokens. */
    assert_int_equal(trace(doc, strlen(doc), 1, -1, 0, &out, &err), 0);
    assert_string_equal(tk_buf_cstr(&out), tokens);
    tk_buf_release(&out);
}

/* The document is refused with `code`, and the message starts with "t.json:LINE:COL:" where
 * COL lies in [col_lo, col_hi] and contains `what`. Chunking must not change the message. */
static void expect_error_n(const char *doc, size_t n, int code, unsigned line, unsigned col_lo,
                           unsigned col_hi, const char *what)
{
    struct tk_buf out = TK_BUF_INIT(1 << 20);
    struct tk_err err, err1;
    int rc = trace(doc, n, 0, -1, 0, &out, &err);
    if (rc != code)
        fail_msg("%.*s: expected code %d, got %d (%s)", (int)n, doc, code, rc, err.msg);
    assert_int_equal(err.code, code);
    unsigned l = 0, c = 0;
    int used = 0;
    if (sscanf(err.msg, NAME ":%u:%u:%n", &l, &c, &used) != 2 || used == 0)
        fail_msg("%.*s: message without name:line:col: %s", (int)n, doc, err.msg);
    if (line && (l != line || c < col_lo || c > col_hi))
        fail_msg("%.*s: expected %u:%u..%u, got %s", (int)n, doc, line, col_lo, col_hi, err.msg);
    if (what && !strstr(err.msg, what))
        fail_msg("%.*s: expected \"%s\" in: %s", (int)n, doc, what, err.msg);
    assert_int_equal(trace(doc, n, 1, -1, 0, &out, &err1), code);
    assert_string_equal(err1.msg, err.msg);
    tk_buf_release(&out);
}

static void expect_error(const char *doc, int code, unsigned line, unsigned col_lo, unsigned col_hi,
                         const char *what)
{
    expect_error_n(doc, strlen(doc), code, line, col_lo, col_hi, what);
}

/* ---- token sequences ---------------------------------------------------------------------- */

static void test_nested_document_tokens(void **state)
{
    (void)state;
    expect_tokens("{\"a\":[1,{\"b\":null}],\"c\":true,\"d\":false,\"e\":\"s\",\"f\":{},\"g\":[]}",
                  "{ K1:a [ N1:1 { K1:b Z } ] K1:c T K1:d F K1:e S1:s K1:f { } K1:g [ ] } EOF ");
    expect_tokens(" \t\r\n[ [ [ ] , [ { } ] ] , -0.5e+10 , 0 , 1E-2 ] \n",
                  "[ [ [ ] [ { } ] ] N8:-0.5e+10 N1:0 N4:1E-2 ] EOF ");
    expect_tokens("{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2099-0001\",\"score\":9.8}}]}",
                  "{ K15:vulnerabilities [ { K3:cve { K2:id S13:CVE-2099-0001 K5:score N3:9.8 "
                  "} } ] } EOF ");
    /* Duplicate keys are the consumer's business, not the tokenizer's. */
    expect_tokens("{\"a\":1,\"a\":2}", "{ K1:a N1:1 K1:a N1:2 } EOF ");
    expect_tokens("{\"\":\"\"}", "{ K0: S0: } EOF ");
}

static void test_top_level_scalars(void **state)
{
    (void)state;
    expect_tokens("42", "N2:42 EOF ");
    expect_tokens("-0", "N2:-0 EOF ");
    expect_tokens(" \"x\" ", "S1:x EOF ");
    expect_tokens("true", "T EOF ");
    expect_tokens("false\n", "F EOF ");
    expect_tokens("null", "Z EOF ");
    expect_tokens("123456789012345678901234567890.5e-300",
                  "N37:123456789012345678901234567890.5e-300 EOF ");
}

static void test_eof_is_sticky(void **state)
{
    (void)state;
    struct tk_jsonr_mem m = { (const unsigned char *)"[1]", 3 };
    struct tk_jsonr r;
    struct tk_err err = { 0 };
    struct tk_str t;
    assert_int_equal(tk_jsonr_init(&r, tk_jsonr_mem_read, &m, NAME, 0, &err), 0);
    assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_ARR_BEGIN);
    assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_NUMBER);
    assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_ARR_END);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_EOF);
    tk_jsonr_release(&r);
    tk_jsonr_release(&r); /* releasing twice is harmless */
}

/* ---- strings ------------------------------------------------------------------------------ */

static void want_string(const char *json, const char *decoded, size_t n)
{
    struct tk_buf out = TK_BUF_INIT(1 << 20), want = TK_BUF_INIT(1 << 20);
    struct tk_err err;
    for (size_t chunk = 0; chunk < 4; chunk++) {
        int rc = trace(json, strlen(json), chunk, -1, 0, &out, &err);
        if (rc)
            fail_msg("%s: %s", json, err.msg);
        tk_buf_reset(&want);
        tk_buf_addf(&want, "S%zu:", n);
        tk_buf_add(&want, decoded, n);
        tk_buf_adds(&want, " EOF ");
        assert_int_equal(out.len, want.len);
        assert_memory_equal(out.ptr, want.ptr, want.len);
    }
    tk_buf_release(&out);
    tk_buf_release(&want);
}

static void test_string_escapes(void **state)
{
    (void)state;
    want_string("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9\"", "\" \\ / \b \f \n \r \t \xc3\xa9",
                strlen("\" \\ / \b \f \n \r \t \xc3\xa9"));
    want_string("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4);
    want_string("\"\\uD83D\\uDE00x\"", "\xf0\x9f\x98\x80x", 5);
    want_string("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4); /* U+10FFFF */
    want_string("\"\\u0041\\u00E9\\u20ac\\uffff\"", "A\xc3\xa9\xe2\x82\xac\xef\xbf\xbf", 9);
    want_string("\"a\\u0000b\"", "a\0b", 3); /* NUL decoded; the length tells */
    want_string("\"\"", "", 0);
    want_string("\"\\\\u0041\"", "\\u0041", 6);
    /* Raw UTF-8 passes unchanged: 2-, 3- and 4-byte sequences, and DEL. */
    want_string("\"\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac\xf0\x9f\x98\x80\x7f\"",
                "\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac\xf0\x9f\x98\x80\x7f", 13);
}

static void test_invalid_strings(void **state)
{
    (void)state;
    /* Lone and mismatched surrogates. */
    expect_error("\"\\ud800\"", TK_EPARSE, 1, 2, 9, "surrogate");
    expect_error("\"\\udc00\"", TK_EPARSE, 1, 2, 9, "surrogate");
    expect_error("\"\\ud83d\\u0041\"", TK_EPARSE, 1, 2, 15, "surrogate");
    expect_error("\"\\ud83d\\ud83d\"", TK_EPARSE, 1, 2, 15, "surrogate");
    expect_error("\"\\ud83dx\"", TK_EPARSE, 1, 2, 9, "surrogate");
    expect_error("\"\\ud83d", TK_EPARSE, 1, 2, 9, NULL);
    expect_error("\"\\ude00\\ud83d\"", TK_EPARSE, 1, 2, 9, "surrogate");
    /* Bad escapes. */
    expect_error("\"\\q\"", TK_EPARSE, 1, 2, 4, "escape");
    expect_error("\"\\x41\"", TK_EPARSE, 1, 2, 4, "escape");
    expect_error("\"\\U0041\"", TK_EPARSE, 1, 2, 4, "escape");
    expect_error("\"\\u12g4\"", TK_EPARSE, 1, 2, 7, "escape");
    expect_error("\"\\u12\"", TK_EPARSE, 1, 2, 7, "escape");
    expect_error("\"\\ \"", TK_EPARSE, 1, 2, 4, "escape");
    expect_error("\"\\'\"", TK_EPARSE, 1, 2, 4, "escape");
    expect_error("\"\\", TK_EPARSE, 1, 2, 3, NULL);
    /* Control characters, raw. */
    expect_error("\"a\x01\"", TK_EPARSE, 1, 3, 3, "control");
    expect_error("\"a\nb\"", TK_EPARSE, 1, 3, 3, "control");
    expect_error("\"\t\"", TK_EPARSE, 1, 2, 2, "control");
    expect_error("\"\x1f\"", TK_EPARSE, 1, 2, 2, "control");
    expect_error_n("\"a\0\"", 4, TK_EPARSE, 1, 3, 3, "control");
    /* Invalid UTF-8: stray continuation, overlong, encoded surrogate, past U+10FFFF,
     * truncated sequences, bytes never valid. */
    static const char *const bad_utf8[] = {
        "\"\x80\"",
        "\"\xbf\"",
        "\"\xc0\xaf\"",
        "\"\xc1\xbf\"",
        "\"\xe0\x80\xaf\"",
        "\"\xed\xa0\x80\"",
        "\"\xed\xbf\xbf\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xf5\x80\x80\x80\"",
        "\"\xe3\x81\"",
        "\"\xf0\x9f\x98\"",
        "\"\xc3\"",
        "\"\xfe\"",
        "\"\xff\"",
        "\"ok\xc3\xa9\xc3\"",
        "\"\xf8\x88\x80\x80\x80\"",
    };
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
        expect_error(bad_utf8[i], TK_EPARSE, 1, 1, 10, "UTF-8");
    /* The same inside a key. */
    expect_error("{\"\xff\":1}", TK_EPARSE, 1, 1, 10, "UTF-8");
    expect_error("{\"\\ud800\":1}", TK_EPARSE, 1, 1, 10, "surrogate");
}

/* ---- numbers and literals ----------------------------------------------------------------- */

static void test_number_grammar(void **state)
{
    (void)state;
    static const char *const good[] = {
        "0",   "-0",  "1",    "-1",   "10",     "0.0", "0.5",          "-0.5",
        "1e5", "1E5", "1e+5", "1e-5", "1.5e05", "0e0", "123.456E-789", "9223372036854775808"
    };
    struct tk_buf out = TK_BUF_INIT(1 << 16), want = TK_BUF_INIT(1 << 16);
    struct tk_err err;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        tk_buf_reset(&want);
        tk_buf_addf(&want, "N%zu:%s EOF ", strlen(good[i]), good[i]);
        expect_tokens(good[i], tk_buf_cstr(&want));
        tk_buf_reset(&want);
        tk_buf_addf(&want, "[ N%zu:%s ] EOF ", strlen(good[i]), good[i]);
        tk_buf_reset(&out);
        tk_buf_addf(&out, "[%s]", good[i]);
        char doc[64];
        snprintf(doc, sizeof doc, "%s", tk_buf_cstr(&out));
        expect_tokens(doc, tk_buf_cstr(&want));
    }
    static const char *const bad[] = {
        "01",         "00",   "-01",   "1.",       "-",         "-.5",  ".5",    "1e",
        "1e+",        "1E-",  "+1",    "--1",      "1.e5",      "0x1",  "1.5.2", "1e5e5",
        "1-2",        "1+2",  "-a",    "0.",       "1.0e",      "[01]", "[1.]",  "[-]",
        "{\"a\":.5}", "[1e]", "[- 1]", "Infinity", "-Infinity", "NaN",  "[1,-]"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_str(bad[i], &out, &err);
        if (rc != TK_EPARSE)
            fail_msg("%s: accepted as %s", bad[i], tk_buf_cstr(&out));
    }
    tk_buf_release(&out);
    tk_buf_release(&want);
}

static void test_number_error_positions(void **state)
{
    (void)state;
    /* The column points at or just past the offending number. */
    expect_error("01", TK_EPARSE, 1, 1, 3, "number");
    expect_error("1.", TK_EPARSE, 1, 1, 3, "number");
    expect_error("-", TK_EPARSE, 1, 1, 2, "number");
    expect_error(".5", TK_EPARSE, 1, 1, 1, NULL);
    expect_error("1e", TK_EPARSE, 1, 1, 3, "number");
    expect_error("[\n  1,\n  01]", TK_EPARSE, 3, 3, 5, "number");
}

static void test_literals(void **state)
{
    (void)state;
    static const char *const bad[] = { "tru",        "nul",   "fals", "True",  "NULL",
                                       "nulll",      "truex", "t",    "[tru]", "[nul,1]",
                                       "{\"a\":fa}", "yes",   "none" };
    struct tk_buf out = TK_BUF_INIT(1 << 16);
    struct tk_err err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_str(bad[i], &out, &err);
        if (rc != TK_EPARSE)
            fail_msg("%s: accepted as %s", bad[i], tk_buf_cstr(&out));
        assert_int_equal(strncmp(err.msg, NAME ":1:", strlen(NAME ":1:")), 0);
    }
    tk_buf_release(&out);
}

/* ---- structure errors and their positions ------------------------------------------------- */

static void test_structure_errors(void **state)
{
    (void)state;
    /* Trailing garbage. */
    expect_error("1 2", TK_EPARSE, 1, 3, 3, "trailing");
    expect_error("{} x", TK_EPARSE, 1, 4, 4, "trailing");
    expect_error("[]]", TK_EPARSE, 1, 3, 3, "trailing");
    expect_error("null\n\n  {", TK_EPARSE, 3, 3, 3, "trailing");
    expect_error("\"a\"\"b\"", TK_EPARSE, 1, 4, 4, "trailing");
    /* Empty input and whitespace only. */
    expect_error("", TK_EPARSE, 1, 1, 1, "end of input");
    expect_error(" \n\t ", TK_EPARSE, 2, 3, 3, "end of input");
    /* Unterminated strings and containers. */
    expect_error("\"abc", TK_EPARSE, 1, 5, 5, "unterminated");
    expect_error("{\"abc", TK_EPARSE, 1, 6, 6, "unterminated");
    expect_error("[1,2", TK_EPARSE, 1, 5, 5, "end of input");
    expect_error("{\"a\":1", TK_EPARSE, 1, 7, 7, "end of input");
    expect_error("{", TK_EPARSE, 1, 2, 2, "end of input");
    expect_error("[", TK_EPARSE, 1, 2, 2, "end of input");
    expect_error("{\"a\"", TK_EPARSE, 1, 5, 5, "end of input");
    expect_error("{\"a\":", TK_EPARSE, 1, 6, 6, "end of input");
    expect_error("[[[[]]]", TK_EPARSE, 1, 8, 8, "end of input");
    /* Missing colons and commas. */
    expect_error("{\"a\" 1}", TK_EPARSE, 1, 6, 6, "':'");
    expect_error("{\"a\",1}", TK_EPARSE, 1, 5, 5, "':'");
    expect_error("{\"a\"::1}", TK_EPARSE, 1, 6, 6, NULL);
    expect_error("[1 2]", TK_EPARSE, 1, 4, 4, "','");
    expect_error("{\"a\":1 \"b\":2}", TK_EPARSE, 1, 8, 8, "','");
    expect_error("[[] {}]", TK_EPARSE, 1, 5, 5, "','");
    /* Trailing and leading commas, empty members. */
    expect_error("[1,]", TK_EPARSE, 1, 4, 4, NULL);
    expect_error("{\"a\":1,}", TK_EPARSE, 1, 8, 8, "key");
    expect_error("[,1]", TK_EPARSE, 1, 2, 2, NULL);
    expect_error("{,}", TK_EPARSE, 1, 2, 2, "key");
    expect_error("[1,,2]", TK_EPARSE, 1, 4, 4, NULL);
    expect_error("{\"a\":}", TK_EPARSE, 1, 6, 6, NULL);
    /* Mismatched brackets and non-string keys. */
    expect_error("[}", TK_EPARSE, 1, 2, 2, NULL);
    expect_error("{]", TK_EPARSE, 1, 2, 2, "key");
    expect_error("[1}", TK_EPARSE, 1, 3, 3, NULL);
    expect_error("{\"a\":1]", TK_EPARSE, 1, 7, 7, NULL);
    expect_error("{1:2}", TK_EPARSE, 1, 2, 2, "key");
    expect_error("{a:2}", TK_EPARSE, 1, 2, 2, "key");
    expect_error("{'a':2}", TK_EPARSE, 1, 2, 2, "key");
    /* Things that are not JSON at all. */
    expect_error("\xef\xbb\xbf{}", TK_EPARSE, 1, 1, 1, NULL); /* no BOM in the strict grammar */
    expect_error("/* c */ 1", TK_EPARSE, 1, 1, 1, NULL);
    expect_error("'a'", TK_EPARSE, 1, 1, 1, NULL);
    expect_error("\x0c 1", TK_EPARSE, 1, 1, 1, NULL); /* form feed is not JSON whitespace */
    expect_error_n("\0", 1, TK_EPARSE, 1, 1, 1, NULL);
    expect_error("\xc3\xa9", TK_EPARSE, 1, 1, 1, NULL);
}

static void test_columns_count_characters(void **state)
{
    (void)state;
    /* 'x' is the 7th character but the 8th byte. */
    expect_error("[\"\xc3\xa9\", x]", TK_EPARSE, 1, 7, 7, NULL);
    /* Three 3-byte characters and an emoji, then a missing comma: column 9, byte 17. */
    expect_error("[\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xf0\x9f\x98\x80\" 1]", TK_EPARSE, 1, 9, 9,
                 "','");
    /* A control character after two CJK characters sits at column 4. */
    expect_error("\"\xe6\x97\xa5\xe6\x9c\xac\x01\"", TK_EPARSE, 1, 4, 4, "control");
    /* Escapes count as the characters written, not the ones decoded. */
    expect_error("[\"\\u00e9\\n\" x]", TK_EPARSE, 1, 13, 13, NULL);
    /* Lines: LF and CRLF both end a line; the column restarts at 1. */
    expect_error("{\n  \"a\" 1}", TK_EPARSE, 2, 7, 7, "':'");
    expect_error("[\r\n1 2]", TK_EPARSE, 2, 3, 3, "','");
    expect_error("[\n\"a\",\n\"b\" \"c\"]", TK_EPARSE, 3, 5, 5, "','");
    expect_error("[\n\n\n\n\n\n\n\n\n\n1,]", TK_EPARSE, 11, 3, 3, NULL);
    /* Multi-byte characters on an earlier line do not shift later columns. */
    expect_error("[\"\xc3\xa9\xc3\xa9\xc3\xa9\",\n 1 1]", TK_EPARSE, 2, 4, 4, "','");
}

static void test_stale_error_code_not_returned(void **state)
{
    (void)state;
    /* An err still holding a caller's old code does not leak into the result: an unterminated
     * string is TK_EPARSE "unterminated". */
    struct tk_jsonr_mem m = { (const unsigned char *)"\"abc", 4 };
    struct tk_jsonr r;
    struct tk_err err = { 0 };
    struct tk_str t;
    assert_int_equal(tk_jsonr_init(&r, tk_jsonr_mem_read, &m, NAME, 0, &err), 0);
    err.code = TK_ENOENT; /* left over from something the caller did before */
    snprintf(err.msg, sizeof err.msg, "stale");
    int rc = tk_jsonr_next(&r, &t, &err);
    tk_jsonr_release(&r);
    assert_int_equal(rc, TK_EPARSE);
    assert_non_null(strstr(err.msg, "unterminated"));
}

/* Runs doc through the parser with err == NULL in a child process, so a crash fails only
 * this test. Returns the child's exit status: 0 when every error came back as TK_EPARSE. */
static int child_null_err(const char *doc)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Default actions again: cmocka's handlers would carry on with the other tests. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        signal(SIGILL, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        struct tk_jsonr_mem m = { (const unsigned char *)doc, strlen(doc) };
        struct tk_jsonr r;
        struct tk_str t;
        if (tk_jsonr_init(&r, tk_jsonr_mem_read, &m, NAME, 0, NULL))
            _exit(3);
        int k;
        while ((k = tk_jsonr_next(&r, &t, NULL)) > 0)
            ;
        tk_jsonr_release(&r);
        _exit(k == TK_EPARSE ? 0 : 4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_null_err_is_safe(void **state)
{
    (void)state;
    /* err is optional (err.h): every parse error with err == NULL still returns TK_EPARSE. */
    static const char *const docs[] = { "[1,]",     "01",          "\"a",
                                        "\"\\q\"",  "\"\\u12g4\"", "{\"\\ud800\":1}",
                                        "\"\xff\"", "\"\x01\"" };
    int failed = 0;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        int st = child_null_err(docs[i]);
        if (st != 0) {
            print_message("# %s with err == NULL: child status %d\n", docs[i], st);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* ---- bounds ------------------------------------------------------------------------------- */

static void test_depth_limit(void **state)
{
    (void)state;
    struct tk_buf doc = TK_BUF_INIT(1 << 20), out = TK_BUF_INIT(1 << 20);
    struct tk_err err;
    /* Exactly TK_JSONR_MAX_DEPTH nested containers are fine. */
    for (int i = 0; i < TK_JSONR_MAX_DEPTH; i++)
        tk_buf_adds(&doc, i % 2 ? "[" : "{\"k\":");
    for (int i = TK_JSONR_MAX_DEPTH - 1; i >= 0; i--)
        tk_buf_adds(&doc, i % 2 ? "]" : "}");
    assert_int_equal(trace(doc.ptr, doc.len, 0, -1, 0, &out, &err), 0);
    /* One more is refused with TK_ELIMIT, at the bracket that goes too deep. */
    tk_buf_reset(&doc);
    for (int i = 0; i <= TK_JSONR_MAX_DEPTH; i++)
        tk_buf_adds(&doc, "[");
    for (int i = 0; i <= TK_JSONR_MAX_DEPTH; i++)
        tk_buf_adds(&doc, "]");
    assert_int_equal(trace(doc.ptr, doc.len, 0, -1, 0, &out, &err), TK_ELIMIT);
    char want[64];
    snprintf(want, sizeof want, NAME ":1:%d:", TK_JSONR_MAX_DEPTH + 1);
    assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
    assert_non_null(strstr(err.msg, "deep"));
    /* Deep documents made of objects too, and far deeper ones, fail the same way. */
    tk_buf_reset(&doc);
    for (int i = 0; i < 5000; i++)
        tk_buf_adds(&doc, "{\"a\":");
    assert_int_equal(trace(doc.ptr, doc.len, 0, -1, 0, &out, &err), TK_ELIMIT);
    assert_int_equal(trace(doc.ptr, doc.len, 1, -1, 0, &out, &err), TK_ELIMIT);
    /* Depth is released as containers close: many siblings at the limit are fine. */
    tk_buf_reset(&doc);
    tk_buf_adds(&doc, "[");
    for (int k = 0; k < 10; k++) {
        if (k)
            tk_buf_adds(&doc, ",");
        for (int i = 1; i < TK_JSONR_MAX_DEPTH; i++)
            tk_buf_adds(&doc, "[");
        for (int i = 1; i < TK_JSONR_MAX_DEPTH; i++)
            tk_buf_adds(&doc, "]");
    }
    tk_buf_adds(&doc, "]");
    assert_int_equal(trace(doc.ptr, doc.len, 0, -1, 0, &out, &err), 0);
    tk_buf_release(&doc);
    tk_buf_release(&out);
}

static void test_max_string(void **state)
{
    (void)state;
    struct tk_buf out = TK_BUF_INIT((size_t)4 << 20);
    struct tk_err err;
    static const struct {
        const char *doc;
        int rc;
    } cases[] = {
        { "\"12345678\"", 0 },
        { "\"123456789\"", TK_ELIMIT },
        { "{\"12345678\":1}", 0 },
        { "{\"123456789\":1}", TK_ELIMIT },
        { "12345678", 0 },
        { "123456789", TK_ELIMIT },
        { "-1234567", 0 },
        { "1.2345678", TK_ELIMIT },
        /* The bound is on decoded bytes: four é (2 bytes each) fit, five do not. */
        { "\"\\u00e9\\u00e9\\u00e9\\u00e9\"", 0 },
        { "\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"", TK_ELIMIT },
        { "\"\\ud83d\\ude00\\ud83d\\ude00\"", 0 },
        { "\"\\ud83d\\ude00\\ud83d\\ude00x\"", TK_ELIMIT },
        { "\"\\n\\n\\n\\n\\n\\n\\n\\n\"", 0 },
        { "\"\\n\\n\\n\\n\\n\\n\\n\\n\\n\"", TK_ELIMIT },
        { "[\"12345678\",\"12345678\",\"1234567\"]", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t chunk = 0; chunk < 3; chunk++) {
            int rc = trace(cases[i].doc, strlen(cases[i].doc), chunk, -1, 8, &out, &err);
            if (rc != cases[i].rc)
                fail_msg("%s (chunk %zu): expected %d, got %d (%s)", cases[i].doc, chunk,
                         cases[i].rc, rc, err.msg);
            if (rc)
                assert_int_equal(strncmp(err.msg, NAME ":1:", strlen(NAME ":1:")), 0);
        }
    }
    /* The default bound (0) takes strings far larger than one read chunk. */
    size_t n = (size_t)1 << 20;
    struct tk_buf big = TK_BUF_INIT((size_t)4 << 20);
    tk_buf_addc(&big, '"');
    for (size_t i = 0; i < n; i++)
        tk_buf_addc(&big, (char)('a' + i % 26));
    tk_buf_addc(&big, '"');
    assert_int_equal(trace(big.ptr, big.len, 0, -1, 0, &out, &err), 0);
    assert_int_equal(out.len, strlen("S1048576:") + n + strlen(" EOF "));
    tk_buf_release(&big);
    tk_buf_release(&out);
}

/* ---- skip --------------------------------------------------------------------------------- */

static void test_skip(void **state)
{
    (void)state;
    const char *doc = "{\"skip\":{\"a\":[1,2,{\"b\":[]}],\"c\":\"}]\"},\"list\":[[1],[2,[3]]],"
                      "\"s\":\"x\",\"keep\":1}";
    for (size_t chunk = 0; chunk < 3; chunk++) {
        struct src s = { (const unsigned char *)doc, strlen(doc), chunk, 0, -1, 0 };
        struct tk_jsonr r;
        struct tk_err err = { 0 };
        struct tk_str t;
        assert_int_equal(tk_jsonr_init(&r, src_read, &s, NAME, 0, &err), 0);
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_OBJ_BEGIN);
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_KEY);
        assert_string_equal(t.p, "skip");
        int k = tk_jsonr_next(&r, &t, &err);
        assert_int_equal(k, TK_J_OBJ_BEGIN);
        assert_int_equal(tk_jsonr_skip(&r, k, &err), 0);
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_KEY);
        assert_string_equal(t.p, "list");
        /* Skip the first inner array only, from inside the outer one. */
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_ARR_BEGIN);
        k = tk_jsonr_next(&r, &t, &err);
        assert_int_equal(tk_jsonr_skip(&r, k, &err), 0);
        k = tk_jsonr_next(&r, &t, &err);
        assert_int_equal(k, TK_J_ARR_BEGIN);
        assert_int_equal(tk_jsonr_skip(&r, k, &err), 0);
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_ARR_END);
        /* Skipping a scalar consumes nothing more. */
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_KEY);
        k = tk_jsonr_next(&r, &t, &err);
        assert_int_equal(k, TK_J_STRING);
        assert_int_equal(tk_jsonr_skip(&r, k, &err), 0);
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_KEY);
        assert_string_equal(t.p, "keep");
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_NUMBER);
        assert_string_equal(t.p, "1");
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_OBJ_END);
        assert_int_equal(tk_jsonr_next(&r, &t, &err), TK_J_EOF);
        tk_jsonr_release(&r);
    }
}

static int skip_top(const char *doc, struct tk_err *err)
{
    struct tk_jsonr_mem m = { (const unsigned char *)doc, strlen(doc) };
    struct tk_jsonr r;
    struct tk_str t;
    tk_err_clear(err);
    assert_int_equal(tk_jsonr_init(&r, tk_jsonr_mem_read, &m, NAME, 0, err), 0);
    int k = tk_jsonr_next(&r, &t, err);
    int rc = k < 0 ? k : tk_jsonr_skip(&r, k, err);
    if (!rc)
        rc = tk_jsonr_next(&r, &t, err);
    tk_jsonr_release(&r);
    return rc;
}

static void test_skip_errors(void **state)
{
    (void)state;
    struct tk_err err;
    assert_int_equal(skip_top("[[1,{\"a\":[]}],{}]", &err), TK_J_EOF);
    assert_int_equal(skip_top("{}", &err), TK_J_EOF);
    assert_int_equal(skip_top("[1,2", &err), TK_EPARSE);
    assert_int_equal(strncmp(err.msg, NAME ":1:5:", strlen(NAME ":1:5:")), 0);
    assert_int_equal(skip_top("{\"a\":[1,]}", &err), TK_EPARSE);
    assert_int_equal(skip_top("[\"\\q\"]", &err), TK_EPARSE);
    assert_int_equal(skip_top("[1] 2", &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, "trailing"));
    /* Skipping checks the grammar just as reading does, and the depth bound. */
    struct tk_buf deep = TK_BUF_INIT(1 << 16);
    for (int i = 0; i < 200; i++)
        tk_buf_adds(&deep, "[");
    for (int i = 0; i < 200; i++)
        tk_buf_adds(&deep, "]");
    assert_int_equal(skip_top(tk_buf_cstr(&deep), &err), TK_ELIMIT);
    tk_buf_release(&deep);
}

/* ---- chunk boundaries and read errors ----------------------------------------------------- */

static const char *const corpus[] = {
    "{\"a\":[1,{\"b\":null}],\"c\":true,\"d\":false,\"e\":\"s\\u00e9\\ud83d\\ude00\\n\"}",
    "[-0.5e+10,0,1E-2,123456789,\"\xe6\x97\xa5\xe6\x9c\xac\",\"\\\\\\\"\",[],{}]",
    "  {\"long key with spaces\" : \"value with \\t tab\" , \"k\":[ true , false , null ] }  ",
    "\"\\u00e9\\u20ac\\ud83d\\ude00\"",
    "12345.678e-9",
    "[\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\",\"\xc3\xa9\"]",
    /* invalid ones: the error must be the same too */
    "[1,2,]",
    "{\"a\":\"\\ud83d\\u0041\"}",
    "[\"abc\xff\"]",
    "{\"a\" 1}",
    "[1.]",
    "[\"unterminated",
    "[truth]",
    "{\"a\":1}{",
    "[\"\xc3\xa9\xc3\xa9\xc3\xa9\", x]",
};

static void test_chunking_gives_identical_tokens(void **state)
{
    (void)state;
    struct tk_buf whole = TK_BUF_INIT(1 << 20), part = TK_BUF_INIT(1 << 20);
    struct tk_err e1, e2;
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        size_t n = strlen(corpus[i]);
        int rc = trace(corpus[i], n, 0, -1, 0, &whole, &e1);
        for (size_t chunk = 1; chunk <= 9; chunk++) {
            int rc2 = trace(corpus[i], n, chunk, -1, 0, &part, &e2);
            if (rc2 != rc || strcmp(tk_buf_cstr(&whole), tk_buf_cstr(&part)) != 0)
                fail_msg("%s: chunk %zu gives %d \"%s\", one read gives %d \"%s\"", corpus[i],
                         chunk, rc2, tk_buf_cstr(&part), rc, tk_buf_cstr(&whole));
            if (rc)
                assert_string_equal(e1.msg, e2.msg);
        }
    }
    tk_buf_release(&whole);
    tk_buf_release(&part);
}

static void test_chunk_boundary_inside_internal_buffer(void **state)
{
    (void)state;
    /* Documents longer than the reader's own 256 KiB buffer: multi-byte characters, escapes
     * and numbers straddle its refills even when the source hands everything at once. */
    struct tk_buf doc = TK_BUF_INIT((size_t)8 << 20);
    struct tk_buf a = TK_BUF_INIT((size_t)16 << 20), b = TK_BUF_INIT((size_t)16 << 20);
    struct tk_err e1, e2;
    tk_buf_adds(&doc, "[");
    for (int i = 0; i < 30000; i++)
        tk_buf_addf(&doc, "%s\"\xc3\xa9\\u00e9\\ud83d\\ude00%d\",%d.5e-3", i ? "," : "", i, i);
    tk_buf_adds(&doc, "]");
    assert_true(doc.len > 3 * 256 * 1024);
    assert_int_equal(trace(doc.ptr, doc.len, 0, -1, 0, &a, &e1), 0);
    for (size_t chunk = 1000; chunk < 1010; chunk++) {
        assert_int_equal(trace(doc.ptr, doc.len, chunk, -1, 0, &b, &e2), 0);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.ptr, b.ptr, a.len);
    }
    /* An error far into the document has the same line:col either way. */
    doc.ptr[doc.len - 1] = ',';
    tk_buf_adds(&doc, "]");
    assert_int_equal(trace(doc.ptr, doc.len, 0, -1, 0, &a, &e1), TK_EPARSE);
    assert_int_equal(trace(doc.ptr, doc.len, 7, -1, 0, &b, &e2), TK_EPARSE);
    assert_string_equal(e1.msg, e2.msg);
    tk_buf_release(&doc);
    tk_buf_release(&a);
    tk_buf_release(&b);
}

/* Fails the source after every prefix of doc (handed out `chunk` bytes at a time); returns
 * how many of those runs did not end in TK_EIO. */
static int read_errors_not_eio(const char *doc)
{
    struct tk_buf out = TK_BUF_INIT(1 << 20);
    struct tk_err err;
    size_t n = strlen(doc);
    int failed = 0;
    for (size_t chunk = 1; chunk <= 3; chunk += 2) {
        for (size_t at = 0; at < n; at++) {
            int rc = trace(doc, n, chunk, (long)at, 0, &out, &err);
            if (rc != TK_EIO) {
                print_message("# read error after %zu bytes of %s (chunk %zu) gives %d: %s\n", at, doc, chunk, rc, err.msg);
                failed++;
            }
        }
    }
    tk_buf_release(&out);
    return failed;
}

static void test_read_error_gives_eio(void **state)
{
    (void)state;
    struct tk_buf out = TK_BUF_INIT(1 << 20);
    struct tk_err err;
    assert_int_equal(trace("[1]", 3, 0, 0, 0, &out, &err), TK_EIO);
    assert_int_equal(strncmp(err.msg, NAME ":1:1:", strlen(NAME ":1:1:")), 0);
    assert_non_null(strstr(err.msg, "read"));
    tk_buf_release(&out);
    /* Whatever the parser is in the middle of (a key, a string, an escape, a number, a
     * literal, whitespace), a failing source gives TK_EIO, never a parse error. */
    assert_int_equal(read_errors_not_eio(corpus[1]), 0);
    assert_int_equal(read_errors_not_eio(corpus[2]), 0);
    assert_int_equal(read_errors_not_eio("{\"k\\u00e9\":[true,false,null,-1.5e3]}"), 0);
}

static void test_read_error_after_high_surrogate(void **state)
{
    (void)state;
    /* A source failing right after "\\ud83d" or "\\ud83d\\" is TK_EIO, not a lone-surrogate
     * parse error. */
    assert_int_equal(read_errors_not_eio("[\"\\ud83d\\ude00\"]"), 0);
}

/* ---- property test against jansson -------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static unsigned rndn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static void gen_ws(struct tk_buf *b)
{
    static const char ws[] = " \t\n\r";
    if (rndn(4) == 0)
        for (unsigned i = rndn(3); i > 0; i--)
            tk_buf_addc(b, ws[rndn(4)]);
}

static void gen_string(struct tk_buf *b)
{
    tk_buf_addc(b, '"');
    for (unsigned i = rndn(8); i > 0; i--) {
        switch (rndn(10)) {
        case 0: {
            static const char *const esc[] = { "\\\"", "\\\\", "\\/", "\\b",
                                               "\\f",  "\\n",  "\\r", "\\t" };
            tk_buf_adds(b, esc[rndn(8)]);
            break;
        }
        case 1:
            tk_buf_addf(b, "\\u%04x", 0x20 + rndn(0xD000));
            break;
        case 2: /* a surrogate pair */
            tk_buf_addf(b, "\\u%04X\\u%04x", 0xD800 + rndn(0x400), 0xDC00 + rndn(0x400));
            break;
        case 3:
            tk_buf_adds(b, "\xc3\xa9");
            break;
        case 4:
            tk_buf_adds(b, "\xe6\x97\xa5");
            break;
        case 5:
            tk_buf_adds(b, "\xf0\x9f\x98\x80");
            break;
        default: {
            char c = (char)(' ' + rndn(95));
            tk_buf_addc(b, c == '"' || c == '\\' ? 'q' : c);
        }
        }
    }
    tk_buf_addc(b, '"');
}

static void gen_number(struct tk_buf *b)
{
    switch (rndn(4)) {
    case 0:
        tk_buf_addf(b, "%d", (int)rndn(2000) - 1000);
        break;
    case 1:
        tk_buf_addf(b, "%lld", (long long)(rnd() >> 2) * (rndn(2) ? 1 : -1));
        break;
    case 2:
        tk_buf_addf(b, "%s%u.%u", rndn(2) ? "-" : "", rndn(1000), rndn(100000));
        break;
    default:
        tk_buf_addf(b, "%u%se%s%u", rndn(10), rndn(2) ? ".5" : "",
                    rndn(3) == 0 ? "-"
                    : rndn(2)    ? "+"
                                 : "",
                    rndn(300));
    }
}

static void gen_value(struct tk_buf *b, int depth)
{
    gen_ws(b);
    unsigned kind = depth > 6 ? 2 + rndn(6) : rndn(8);
    switch (kind) {
    case 0: {
        tk_buf_addc(b, '[');
        unsigned n = rndn(5);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                tk_buf_addc(b, ',');
            gen_value(b, depth + 1);
        }
        gen_ws(b);
        tk_buf_addc(b, ']');
        break;
    }
    case 1: {
        tk_buf_addc(b, '{');
        unsigned n = rndn(5);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                tk_buf_addc(b, ',');
            gen_ws(b);
            gen_string(b);
            gen_ws(b);
            tk_buf_addc(b, ':');
            gen_value(b, depth + 1);
        }
        gen_ws(b);
        tk_buf_addc(b, '}');
        break;
    }
    case 2:
    case 3:
        gen_string(b);
        break;
    case 4:
    case 5:
        gen_number(b);
        break;
    case 6:
        tk_buf_adds(b, rndn(2) ? "true" : "false");
        break;
    default:
        tk_buf_adds(b, "null");
    }
    gen_ws(b);
}

static void mutate(struct tk_buf *b)
{
    static const char interesting[] = "{}[]\",:\\u0123456789.eE+-tfn \n\x01\x7f\xc3\xa9\xff\xed";
    if (b->len == 0) {
        tk_buf_addc(b, interesting[rndn(sizeof interesting - 1)]);
        return;
    }
    size_t at = rnd() % b->len;
    switch (rndn(6)) {
    case 0: /* replace a byte */
        b->ptr[at] = interesting[rndn(sizeof interesting - 1)];
        break;
    case 1: /* flip a bit */
        b->ptr[at] ^= (char)(1u << rndn(8));
        break;
    case 2: /* delete a byte */
        memmove(b->ptr + at, b->ptr + at + 1, b->len - at - 1);
        tk_buf_truncate(b, b->len - 1);
        break;
    case 3: { /* insert a byte */
        char c = interesting[rndn(sizeof interesting - 1)];
        tk_buf_addc(b, c);
        memmove(b->ptr + at + 1, b->ptr + at, b->len - at - 1);
        b->ptr[at] = c;
        break;
    }
    case 4: /* truncate */
        tk_buf_truncate(b, at);
        break;
    default: { /* duplicate a short range at the end */
        size_t len = 1 + rnd() % 8;
        if (at + len > b->len)
            len = b->len - at;
        char tmp[8];
        memcpy(tmp, b->ptr + at, len);
        tk_buf_add(b, tmp, len);
    }
    }
}

/* jansson's verdicts that are limits of jansson, not of the grammar. */
static bool jansson_limit(const char *text)
{
    return strstr(text, "too big") || strstr(text, "overflow") ||
           strstr(text, "NUL byte in object key") || strstr(text, "maximum parsing depth");
}

struct verdicts {
    size_t agree_accept, agree_reject, skipped;
};

static void compare_with_jansson(const struct tk_buf *doc, struct verdicts *v)
{
    struct tk_buf out = TK_BUF_INIT((size_t)1 << 22);
    struct tk_buf out1 = TK_BUF_INIT((size_t)1 << 22);
    struct tk_err err, err1;
    const char *p = doc->ptr ? doc->ptr : "";
    int rc = trace(p, doc->len, 0, -1, 0, &out, &err);
    /* Random chunk sizes give the same verdict, tokens and message. */
    int rc1 = trace(p, doc->len, 1 + rndn(5), -1, 0, &out1, &err1);
    assert_int_equal(rc, rc1);
    assert_string_equal(tk_buf_cstr(&out), tk_buf_cstr(&out1));
    if (rc)
        assert_string_equal(err.msg, err1.msg);
    json_error_t je;
    /* JSON_ALLOW_NUL: without it jansson refuses "\u0000", which RFC 8259 allows. */
    json_t *j = json_loadb(p, doc->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    /* jansson accepts "4\0" (a NUL right after a number is taken for the end of its
     * buffer): documents with NUL bytes are not compared. */
    if (memchr(p, '\0', doc->len)) {
        v->skipped++;
    } else if (!j && jansson_limit(je.text)) {
        v->skipped++;
    } else if ((j != NULL) != (rc == 0)) {
        fail_msg("disagreement on \"%.*s\" (%zu bytes): jansson %s (%s), jsonr %d (%s)",
                 (int)doc->len, p, doc->len, j ? "accepts" : "refuses", j ? "" : je.text, rc,
                 rc ? err.msg : "");
    } else if (j) {
        v->agree_accept++;
    } else {
        v->agree_reject++;
    }
    json_decref(j);
    tk_buf_release(&out);
    tk_buf_release(&out1);
}

static void test_property_agrees_with_jansson(void **state)
{
    (void)state;
    struct verdicts v = { 0 };
    struct tk_buf doc = TK_BUF_INIT((size_t)1 << 22), m = TK_BUF_INIT((size_t)1 << 22);
    rng_state = 0x2545F4914F6CDD1DULL; /* fixed: failures reproduce */
    for (int i = 0; i < 2000; i++) {
        tk_buf_reset(&doc);
        gen_value(&doc, 0);
        size_t before = v.agree_accept;
        compare_with_jansson(&doc, &v);
        if (v.agree_accept != before + 1) /* generated documents are valid */
            fail_msg("generated document refused: %.*s", (int)doc.len, doc.ptr);
        for (int k = 0; k < 4; k++) {
            tk_buf_reset(&m);
            tk_buf_add(&m, doc.ptr, doc.len);
            for (unsigned n = 1 + rndn(3); n > 0; n--)
                mutate(&m);
            compare_with_jansson(&m, &v);
        }
    }
    print_message("# jsonr vs jansson: %zu accepted, %zu refused, %zu skipped (jansson limits)\n",
                  v.agree_accept, v.agree_reject, v.skipped);
    assert_true(v.agree_reject > 1000); /* the mutations do break documents */
    tk_buf_release(&doc);
    tk_buf_release(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_document_tokens),
        cmocka_unit_test(test_top_level_scalars),
        cmocka_unit_test(test_eof_is_sticky),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_invalid_strings),
        cmocka_unit_test(test_number_grammar),
        cmocka_unit_test(test_number_error_positions),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_columns_count_characters),
        cmocka_unit_test(test_stale_error_code_not_returned),
        cmocka_unit_test(test_null_err_is_safe),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_max_string),
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_skip_errors),
        cmocka_unit_test(test_chunking_gives_identical_tokens),
        cmocka_unit_test(test_chunk_boundary_inside_internal_buffer),
        cmocka_unit_test(test_read_error_gives_eio),
        cmocka_unit_test(test_read_error_after_high_surrogate),
        cmocka_unit_test(test_property_agrees_with_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
