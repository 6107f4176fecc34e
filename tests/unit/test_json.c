/* test_json.c - the streaming JSON writer: exact compact and pretty output, string escaping
 * and UTF-8 repair, number formatting, and the sticky errors for misuse and depth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"

struct fixture {
    struct tk_buf b;
    struct tk_json w;
};

static struct fixture fx;

static struct tk_json *start(unsigned flags)
{
    tk_buf_init(&fx.b, 1 << 20);
    tk_json_init_buf(&fx.w, &fx.b, flags);
    return &fx.w;
}

static int teardown(void **state)
{
    (void)state;
    tk_buf_release(&fx.b);
    return 0;
}

/* Finishes the document, expects success and the exact text. */
static void expect_doc(const char *want)
{
    assert_int_equal(tk_json_finish(&fx.w), 0);
    assert_string_equal(tk_buf_cstr(&fx.b), want);
}

/* Writes one string value at top level and expects its exact encoding. */
static void expect_strn(const char *s, size_t n, const char *want)
{
    struct tk_json *w = start(0);
    tk_json_strn(w, s, n);
    expect_doc(want);
    tk_buf_release(&fx.b);

    /* tk_json_escape produces the same text. */
    struct tk_buf b = TK_BUF_INIT(1 << 16);
    assert_int_equal(tk_json_escape(&b, s, n), 0);
    assert_string_equal(tk_buf_cstr(&b), want);
    tk_buf_release(&b);
}

#define EXPECT_STR(lit, want) expect_strn((lit), sizeof(lit) - 1, (want))

static void test_scalars_top_level(void **state)
{
    (void)state;
    struct tk_json *w = start(0);
    tk_json_int(w, -42);
    expect_doc("-42");
    tk_buf_release(&fx.b);

    w = start(0);
    tk_json_int(w, INT64_MIN);
    expect_doc("-9223372036854775808");
    tk_buf_release(&fx.b);

    w = start(0);
    tk_json_uint(w, UINT64_MAX);
    expect_doc("18446744073709551615");
    tk_buf_release(&fx.b);

    w = start(0);
    tk_json_bool(w, false);
    expect_doc("false");
    tk_buf_release(&fx.b);

    w = start(0);
    tk_json_str(w, NULL);
    expect_doc("null");
}

static void test_compact_nesting(void **state)
{
    (void)state;
    struct tk_json *w = start(0);
    tk_json_obj_begin(w);
    tk_json_kstr(w, "name", "tenken");
    tk_json_kint(w, "n", 3);
    tk_json_kbool(w, "ok", true);
    tk_json_key(w, "list");
    tk_json_arr_begin(w);
    tk_json_int(w, 1);
    tk_json_str(w, "two");
    tk_json_null(w);
    tk_json_obj_begin(w);
    tk_json_obj_end(w);
    tk_json_arr_begin(w);
    tk_json_arr_end(w);
    tk_json_arr_end(w);
    tk_json_key(w, "nested");
    tk_json_obj_begin(w);
    tk_json_key(w, "a");
    tk_json_arr_begin(w);
    tk_json_arr_begin(w);
    tk_json_bool(w, false);
    tk_json_arr_end(w);
    tk_json_arr_end(w);
    tk_json_obj_end(w);
    tk_json_obj_end(w);
    expect_doc("{\"name\":\"tenken\",\"n\":3,\"ok\":true,\"list\":[1,\"two\",null,{},[]],"
               "\"nested\":{\"a\":[[false]]}}");
}

static void test_pretty(void **state)
{
    (void)state;
    struct tk_json *w = start(TK_JSON_PRETTY);
    tk_json_obj_begin(w);
    tk_json_kstr(w, "a", "x");
    tk_json_key(w, "b");
    tk_json_arr_begin(w);
    tk_json_int(w, 1);
    tk_json_obj_begin(w);
    tk_json_kint(w, "c", 2);
    tk_json_obj_end(w);
    tk_json_arr_end(w);
    tk_json_key(w, "empty_obj");
    tk_json_obj_begin(w);
    tk_json_obj_end(w);
    tk_json_key(w, "empty_arr");
    tk_json_arr_begin(w);
    tk_json_arr_end(w);
    tk_json_obj_end(w);
    expect_doc("{\n"
               "  \"a\": \"x\",\n"
               "  \"b\": [\n"
               "    1,\n"
               "    {\n"
               "      \"c\": 2\n"
               "    }\n"
               "  ],\n"
               "  \"empty_obj\": {},\n"
               "  \"empty_arr\": []\n"
               "}");
}

static void test_pretty_deep_indent(void **state)
{
    (void)state;
    /* Indentation deeper than the writer's internal run of spaces (32) is still exact. */
    struct tk_json *w = start(TK_JSON_PRETTY);
    for (int i = 0; i < 20; i++)
        tk_json_arr_begin(w);
    tk_json_int(w, 7);
    for (int i = 0; i < 20; i++)
        tk_json_arr_end(w);
    assert_int_equal(tk_json_finish(w), 0);
    const char *out = tk_buf_cstr(&fx.b);
    char want[80];
    snprintf(want, sizeof want, "\n%*s7\n", 40, "");
    assert_non_null(strstr(out, want));
    assert_int_equal(out[fx.b.len - 1], ']');
}

static void test_escape_specials(void **state)
{
    (void)state;
    EXPECT_STR("plain", "\"plain\"");
    EXPECT_STR("", "\"\"");
    EXPECT_STR("a\"b", "\"a\\\"b\"");
    EXPECT_STR("a\\b", "\"a\\\\b\"");
    EXPECT_STR("\\\"", "\"\\\\\\\"\"");
    EXPECT_STR("l1\nl2\tt\rr", "\"l1\\nl2\\tt\\rr\"");
    EXPECT_STR("/", "\"/\"");
}

static void test_escape_controls(void **state)
{
    (void)state;
    EXPECT_STR("\x1f", "\"\\u001f\"");
    EXPECT_STR("\x01", "\"\\u0001\"");
    EXPECT_STR("\x1b[31m", "\"\\u001b[31m\"");
    EXPECT_STR("\x08\x0c", "\"\\u0008\\u000c\"");
    EXPECT_STR("\x7f", "\"\\u007f\"");
    /* NUL inside a counted string is escaped, not a terminator. */
    EXPECT_STR("a\0b", "\"a\\u0000b\"");
}

static void test_utf8_passthrough(void **state)
{
    (void)state;
    EXPECT_STR("caf\xC3\xA9", "\"caf\xC3\xA9\"");                  /* U+00E9 */
    EXPECT_STR("\xE2\x82\xAC", "\"\xE2\x82\xAC\"");                /* U+20AC */
    EXPECT_STR("\xE7\x82\xB9\xE6\xA4\x9C", "\"\xE7\x82\xB9\xE6\xA4\x9C\""); /* 点検 */
    EXPECT_STR("\xF0\x9F\x98\x80", "\"\xF0\x9F\x98\x80\"");        /* U+1F600 */
    EXPECT_STR("\xF4\x8F\xBF\xBF", "\"\xF4\x8F\xBF\xBF\"");        /* U+10FFFF */
}

static void test_utf8_invalid_replaced(void **state)
{
    (void)state;
    EXPECT_STR("a\xFF" "b", "\"a\xEF\xBF\xBD" "b\"");
    EXPECT_STR("\x80", "\"\xEF\xBF\xBD\"");
    EXPECT_STR("\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");          /* overlong '/' */
    EXPECT_STR("\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""); /* surrogate */
    EXPECT_STR("\xF4\x90\x80\x80",
               "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""); /* > U+10FFFF */
    /* Truncated sequence at the end, then after it valid text resumes. */
    EXPECT_STR("x\xE2\x82", "\"x\xEF\xBF\xBD\xEF\xBF\xBD\"");
    EXPECT_STR("\xE2\x82" "A", "\"\xEF\xBF\xBD\xEF\xBF\xBD" "A\"");
}

static void test_keys_escaped(void **state)
{
    (void)state;
    struct tk_json *w = start(0);
    tk_json_obj_begin(w);
    tk_json_kstr(w, "k\"\n\xFF", "v");
    tk_json_obj_end(w);
    expect_doc("{\"k\\\"\\n\xEF\xBF\xBD\":\"v\"}");
}

static void test_kstr_opt_and_kint_opt(void **state)
{
    (void)state;
    struct tk_json *w = start(0);
    tk_json_obj_begin(w);
    tk_json_kstr_opt(w, "absent", NULL);
    tk_json_kstr(w, "a", "1");
    tk_json_kstr_opt(w, "absent2", NULL);
    tk_json_kstr_opt(w, "present", "");
    tk_json_kint_opt(w, "neg", -1);
    tk_json_kint_opt(w, "zero", 0);
    tk_json_kstr(w, "nul", NULL);
    tk_json_obj_end(w);
    expect_doc("{\"a\":\"1\",\"present\":\"\",\"zero\":0,\"nul\":null}");

    /* Skipping the first member leaves no stray comma. */
    tk_buf_release(&fx.b);
    w = start(0);
    tk_json_obj_begin(w);
    tk_json_kstr_opt(w, "absent", NULL);
    tk_json_kstr_opt(w, "b", "2");
    tk_json_obj_end(w);
    expect_doc("{\"b\":\"2\"}");
}

static void expect_double(double v, const char *want)
{
    struct tk_json *w = start(0);
    tk_json_arr_begin(w);
    tk_json_double(w, v);
    tk_json_arr_end(w);
    char doc[64];
    snprintf(doc, sizeof doc, "[%s]", want);
    expect_doc(doc);
    tk_buf_release(&fx.b);
}

static void test_double(void **state)
{
    (void)state;
    expect_double(0.1, "0.1");
    expect_double(1e300, "1e+300");
    expect_double(-2.5, "-2.5");
    expect_double(1.0, "1");
    expect_double(0.0, "0");
    expect_double(1.0 / 3.0, "0.3333333333333333"); /* shortest round-trip form */
    expect_double(5e-324, "5e-324");
    expect_double(123456789012345678.0, "1.2345678901234568e+17");
    expect_double(NAN, "null");
    expect_double(INFINITY, "null");
    expect_double(-INFINITY, "null");

    /* Non-finite values in an object keep the separators right. */
    struct tk_json *w = start(0);
    tk_json_arr_begin(w);
    tk_json_double(w, NAN);
    tk_json_double(w, 0.5);
    tk_json_arr_end(w);
    expect_doc("[null,0.5]");
}

/* Regression: whole numbers come out plain ("100", not "1e+02"). */
static void test_double_integral_values(void **state)
{
    (void)state;
    expect_double(100.0, "100");
    expect_double(20.0, "20");
    expect_double(1500.0, "1500");
    expect_double(12.5, "12.5");
}

static void test_error_wrong_close(void **state)
{
    (void)state;
    struct tk_json *w = start(0);
    tk_json_obj_begin(w);
    tk_json_arr_end(w);
    assert_int_not_equal(tk_json_finish(w), 0);
    tk_buf_release(&fx.b);

    w = start(0);
    tk_json_arr_begin(w);
    tk_json_obj_end(w);
    assert_int_not_equal(tk_json_finish(w), 0);
    tk_buf_release(&fx.b);

    w = start(0);
    tk_json_obj_end(w); /* nothing open */
    assert_int_not_equal(tk_json_finish(w), 0);
    tk_buf_release(&fx.b);

    /* Closing an object right after a key leaves a member without a value. */
    w = start(0);
    tk_json_obj_begin(w);
    tk_json_key(w, "k");
    tk_json_obj_end(w);
    assert_int_not_equal(tk_json_finish(w), 0);
}

static void test_error_key_outside_object(void **state)
{
    (void)state;
    struct tk_json *w = start(0);
    tk_json_key(w, "k");
    assert_int_not_equal(tk_json_finish(w), 0);
    tk_buf_release(&fx.b);

    w = start(0);
    tk_json_arr_begin(w);
    tk_json_key(w, "k");
    assert_int_not_equal(tk_json_finish(w), 0);
    tk_buf_release(&fx.b);

    /* Two keys in a row. */
    w = start(0);
    tk_json_obj_begin(w);
    tk_json_key(w, "a");
    tk_json_key(w, "b");
    assert_int_not_equal(tk_json_finish(w), 0);
}

static void test_error_open_at_finish(void **state)
{
    (void)state;
    struct tk_json *w = start(0);
    tk_json_obj_begin(w);
    assert_int_not_equal(tk_json_finish(w), 0);
    tk_buf_release(&fx.b);

    w = start(0);
    tk_json_arr_begin(w);
    tk_json_arr_begin(w);
    tk_json_arr_end(w);
    assert_int_not_equal(tk_json_finish(w), 0);
    tk_buf_release(&fx.b);

    /* A dangling key at finish. */
    w = start(0);
    tk_json_obj_begin(w);
    tk_json_key(w, "k");
    assert_int_not_equal(tk_json_finish(w), 0);
}

static void test_error_sticks(void **state)
{
    (void)state;
    /* The first error is kept even after later correct calls. */
    struct tk_json *w = start(0);
    tk_json_arr_begin(w);
    tk_json_key(w, "bad");
    int first = tk_json_finish(w);
    assert_int_not_equal(first, 0);
    tk_json_arr_end(w);
    assert_int_equal(tk_json_finish(w), first);
}

static void test_depth_limit(void **state)
{
    (void)state;
    struct tk_json *w = start(0);
    for (int i = 0; i < TK_JSON_MAX_DEPTH; i++)
        tk_json_arr_begin(w);
    for (int i = 0; i < TK_JSON_MAX_DEPTH; i++)
        tk_json_arr_end(w);
    assert_int_equal(tk_json_finish(w), 0);
    assert_int_equal(fx.b.len, 2 * TK_JSON_MAX_DEPTH);
    tk_buf_release(&fx.b);

    w = start(0);
    for (int i = 0; i < TK_JSON_MAX_DEPTH + 1; i++)
        tk_json_arr_begin(w);
    assert_int_equal(tk_json_finish(w), TK_ELIMIT);
    tk_buf_release(&fx.b);

    /* Closing what was opened does not clear the limit error. */
    w = start(0);
    for (int i = 0; i < TK_JSON_MAX_DEPTH + 1; i++) {
        tk_json_obj_begin(w);
        tk_json_key(w, "k");
    }
    for (int i = 0; i < TK_JSON_MAX_DEPTH; i++)
        tk_json_obj_end(w);
    assert_int_equal(tk_json_finish(w), TK_ELIMIT);
}

static void test_sink_error(void **state)
{
    (void)state;
    /* A full sink: the buffer's bound is reached and the error is reported at finish. */
    struct tk_buf small = TK_BUF_INIT(8);
    struct tk_json w;
    tk_json_init_buf(&w, &small, 0);
    tk_json_arr_begin(&w);
    tk_json_str(&w, "0123456789");
    tk_json_arr_end(&w);
    assert_int_equal(tk_json_finish(&w), TK_ELIMIT);
    assert_true(small.len <= 8);
    tk_buf_release(&small);
}

static int calls;
static int failing_sink(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    (void)p;
    (void)n;
    calls++;
    return TK_EIO;
}

static void test_custom_sink_error(void **state)
{
    (void)state;
    struct tk_json w;
    calls = 0;
    tk_json_init(&w, failing_sink, NULL, TK_JSON_PRETTY);
    tk_json_obj_begin(&w);
    tk_json_kstr(&w, "a", "b");
    tk_json_obj_end(&w);
    assert_int_equal(tk_json_finish(&w), TK_EIO);
    /* After the first failure nothing more is sent to the sink. */
    assert_int_equal(calls, 1);
}

static void test_file_sink(void **state)
{
    (void)state;
    char mem[64] = { 0 };
    FILE *fp = fmemopen(mem, sizeof mem, "w");
    assert_non_null(fp);
    struct tk_json w;
    tk_json_init_file(&w, fp, 0);
    tk_json_obj_begin(&w);
    tk_json_kint(&w, "x", 1);
    tk_json_obj_end(&w);
    assert_int_equal(tk_json_finish(&w), 0);
    fclose(fp);
    assert_string_equal(mem, "{\"x\":1}");
}

static void test_escape_appends(void **state)
{
    (void)state;
    struct tk_buf b = TK_BUF_INIT(64);
    tk_buf_adds(&b, "x=");
    assert_int_equal(tk_json_escape(&b, "a\"b", 3), 0);
    assert_string_equal(tk_buf_cstr(&b), "x=\"a\\\"b\"");
    tk_buf_release(&b);

    struct tk_buf tiny = TK_BUF_INIT(4);
    assert_int_equal(tk_json_escape(&tiny, "abcdef", 6), TK_ELIMIT);
    tk_buf_release(&tiny);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
        T(test_scalars_top_level),
        T(test_compact_nesting),
        T(test_pretty),
        T(test_pretty_deep_indent),
        T(test_escape_specials),
        T(test_escape_controls),
        T(test_utf8_passthrough),
        T(test_utf8_invalid_replaced),
        T(test_keys_escaped),
        T(test_kstr_opt_and_kint_opt),
        T(test_double),
        T(test_double_integral_values),
        T(test_error_wrong_close),
        T(test_error_key_outside_object),
        T(test_error_open_at_finish),
        T(test_error_sticks),
        T(test_depth_limit),
        T(test_sink_error),
        T(test_custom_sink_error),
        T(test_file_sink),
        T(test_escape_appends),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
