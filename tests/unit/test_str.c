/* test_str.c - string slices: trimming, cutting, line and field splitting, strict number
 * conversions, prefix/suffix and case-insensitive comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"

/* Asserts that slice s holds exactly the text want. */
#define assert_str(s, want)                                                                    \
    do {                                                                                       \
        struct tk_str s_ = (s);                                                                \
        assert_int_equal(s_.n, strlen(want));                                                  \
        assert_memory_equal(s_.p, (want), s_.n);                                               \
    } while (0)

static void test_c_and_lit(void **state)
{
    (void)state;
    struct tk_str s = tk_str_c("abc");
    assert_str(s, "abc");
    struct tk_str e = tk_str_c(NULL);
    assert_int_equal(e.n, 0);
    assert_non_null(e.p);
    struct tk_str l = TK_STR_LIT("xy");
    assert_int_equal(l.n, 2);
}

static void test_trim(void **state)
{
    (void)state;
    assert_str(tk_str_trim(tk_str_c("  a b \t\r\n")), "a b");
    assert_str(tk_str_trim(tk_str_c("\r\n\tx")), "x");
    assert_str(tk_str_trim(tk_str_c("x")), "x");
    assert_int_equal(tk_str_trim(tk_str_c(" \t\r\n \v\f")).n, 0);
    assert_int_equal(tk_str_trim(tk_str_c("")).n, 0);
    /* Non-ASCII bytes are not blanks. */
    assert_str(tk_str_trim(tk_str_c(" \xC2\xA0 ")), "\xC2\xA0");
}

static void test_eq(void **state)
{
    (void)state;
    assert_true(tk_str_eq(tk_str_c("abc"), tk_str_c("abc")));
    assert_false(tk_str_eq(tk_str_c("abc"), tk_str_c("abd")));
    assert_false(tk_str_eq(tk_str_c("abc"), tk_str_c("ab")));
    assert_true(tk_str_eq(tk_str_c(""), tk_str_c(NULL)));
    assert_true(tk_str_eq_c((struct tk_str){ "abcdef", 3 }, "abc"));
    assert_false(tk_str_eq_c((struct tk_str){ "abcdef", 3 }, "abcd"));
}

static void test_eqcase(void **state)
{
    (void)state;
    assert_true(tk_str_eqcase_c(tk_str_c("Package"), "package"));
    assert_true(tk_str_eqcase_c(tk_str_c("PACKAGE"), "PaCkAgE"));
    assert_true(tk_str_eqcase_c(tk_str_c(""), ""));
    assert_false(tk_str_eqcase_c(tk_str_c("Package"), "Packages"));
    assert_false(tk_str_eqcase_c(tk_str_c("Packagf"), "package"));
    /* ASCII only: '@' (0x40) and '`' (0x60) differ by the case bit but are not letters. */
    assert_false(tk_str_eqcase_c(tk_str_c("@"), "`"));
    assert_false(tk_str_eqcase_c(tk_str_c("["), "{"));
    /* Non-ASCII bytes compare exactly. */
    assert_false(tk_str_eqcase_c(tk_str_c("\xC3\xA9"), "\xC3\x89"));
}

static void test_prefix_suffix(void **state)
{
    (void)state;
    struct tk_str s = tk_str_c("linux-image-6.1");
    assert_true(tk_str_has_prefix(s, "linux-"));
    assert_true(tk_str_has_prefix(s, ""));
    assert_true(tk_str_has_prefix(s, "linux-image-6.1"));
    assert_false(tk_str_has_prefix(s, "linux-image-6.1x"));
    assert_false(tk_str_has_prefix(s, "Linux"));
    assert_true(tk_str_has_suffix(s, "6.1"));
    assert_true(tk_str_has_suffix(s, ""));
    assert_true(tk_str_has_suffix(s, "linux-image-6.1"));
    assert_false(tk_str_has_suffix(s, "xlinux-image-6.1"));
    assert_false(tk_str_has_suffix(s, "6.2"));
    assert_false(tk_str_has_prefix(tk_str_c(""), "a"));
    assert_false(tk_str_has_suffix(tk_str_c(""), "a"));
}

static void test_cut(void **state)
{
    (void)state;
    struct tk_str before, after;
    assert_true(tk_str_cut(tk_str_c("key=value=x"), '=', &before, &after));
    assert_str(before, "key");
    assert_str(after, "value=x");

    assert_true(tk_str_cut(tk_str_c("=v"), '=', &before, &after));
    assert_str(before, "");
    assert_str(after, "v");

    assert_true(tk_str_cut(tk_str_c("k="), '=', &before, &after));
    assert_str(before, "k");
    assert_str(after, "");

    assert_false(tk_str_cut(tk_str_c("novalue"), '=', &before, &after));
    assert_str(before, "novalue");
    assert_int_equal(after.n, 0);

    assert_false(tk_str_cut(tk_str_c(""), '=', &before, &after));
    assert_int_equal(before.n, 0);
    assert_int_equal(after.n, 0);

    /* The separator is searched only within the slice, not past its end. */
    assert_false(tk_str_cut((struct tk_str){ "ab=c", 2 }, '=', &before, &after));
    assert_str(before, "ab");
}

static void test_next_line_lf(void **state)
{
    (void)state;
    struct tk_str rest = tk_str_c("one\ntwo\n\nfour"), line;
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "one");
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "two");
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "");
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "four"); /* last line without a newline */
    assert_false(tk_str_next_line(&rest, &line));
    assert_false(tk_str_next_line(&rest, &line));
}

static void test_next_line_crlf(void **state)
{
    (void)state;
    struct tk_str rest = tk_str_c("a\r\nb\r\n\r\nc\r"), line;
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "a");
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "b");
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "");
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "c");
    assert_false(tk_str_next_line(&rest, &line));

    /* Only one CR before the LF belongs to the line ending; a lone CR inside stays. */
    rest = tk_str_c("x\ry\r\r\n");
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "x\ry\r");
    assert_false(tk_str_next_line(&rest, &line));
}

static void test_next_line_edges(void **state)
{
    (void)state;
    struct tk_str rest = tk_str_c(""), line;
    assert_false(tk_str_next_line(&rest, &line));

    /* A trailing newline does not produce an extra empty line. */
    rest = tk_str_c("only\n");
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "only");
    assert_false(tk_str_next_line(&rest, &line));

    rest = tk_str_c("\n");
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "");
    assert_false(tk_str_next_line(&rest, &line));

    /* Embedded NUL bytes are ordinary content. */
    static const char nul[] = "a\0b\nc";
    rest = (struct tk_str){ nul, sizeof nul - 1 };
    assert_true(tk_str_next_line(&rest, &line));
    assert_int_equal(line.n, 3);
    assert_memory_equal(line.p, "a\0b", 3);
    assert_true(tk_str_next_line(&rest, &line));
    assert_str(line, "c");
}

static void test_next_field(void **state)
{
    (void)state;
    struct tk_str rest = tk_str_c("  sl  local_address\t\trem \r\n"), f;
    assert_true(tk_str_next_field(&rest, &f));
    assert_str(f, "sl");
    assert_true(tk_str_next_field(&rest, &f));
    assert_str(f, "local_address");
    assert_true(tk_str_next_field(&rest, &f));
    assert_str(f, "rem");
    assert_false(tk_str_next_field(&rest, &f));
    assert_int_equal(rest.n, 0);

    rest = tk_str_c("");
    assert_false(tk_str_next_field(&rest, &f));
    rest = tk_str_c(" \t ");
    assert_false(tk_str_next_field(&rest, &f));
    assert_int_equal(rest.n, 0);

    rest = tk_str_c("single");
    assert_true(tk_str_next_field(&rest, &f));
    assert_str(f, "single");
    assert_false(tk_str_next_field(&rest, &f));
}

static void test_to_u64(void **state)
{
    (void)state;
    uint64_t v = 77;
    assert_true(tk_str_to_u64(tk_str_c("0"), &v));
    assert_int_equal(v, 0);
    assert_true(tk_str_to_u64(tk_str_c("12345"), &v));
    assert_int_equal(v, 12345);
    assert_true(tk_str_to_u64(tk_str_c("007"), &v));
    assert_int_equal(v, 7);
    assert_true(tk_str_to_u64(tk_str_c("18446744073709551615"), &v));
    assert_true(v == UINT64_MAX);

    v = 77;
    assert_false(tk_str_to_u64(tk_str_c("18446744073709551616"), &v)); /* UINT64_MAX + 1 */
    assert_false(tk_str_to_u64(tk_str_c("18446744073709551620"), &v));
    assert_false(tk_str_to_u64(tk_str_c("99999999999999999999"), &v));
    assert_false(tk_str_to_u64(tk_str_c("100000000000000000000"), &v)); /* 21 digits */
    assert_false(tk_str_to_u64(tk_str_c(""), &v));
    assert_false(tk_str_to_u64(tk_str_c("-1"), &v));
    assert_false(tk_str_to_u64(tk_str_c("+1"), &v));
    assert_false(tk_str_to_u64(tk_str_c(" 1"), &v));
    assert_false(tk_str_to_u64(tk_str_c("1 "), &v));
    assert_false(tk_str_to_u64(tk_str_c("12a"), &v));
    assert_false(tk_str_to_u64(tk_str_c("0x10"), &v));
    assert_false(tk_str_to_u64(tk_str_c("1.5"), &v));
    assert_int_equal(v, 77); /* untouched on failure */

    /* Only the slice counts, not what follows it in memory. */
    assert_true(tk_str_to_u64((struct tk_str){ "42abc", 2 }, &v));
    assert_int_equal(v, 42);
}

static void test_hex_to_u64(void **state)
{
    (void)state;
    uint64_t v = 77;
    assert_true(tk_str_hex_to_u64(tk_str_c("0"), &v));
    assert_int_equal(v, 0);
    assert_true(tk_str_hex_to_u64(tk_str_c("0A"), &v));
    assert_int_equal(v, 10);
    assert_true(tk_str_hex_to_u64(tk_str_c("ff"), &v));
    assert_int_equal(v, 255);
    assert_true(tk_str_hex_to_u64(tk_str_c("0100007F"), &v));
    assert_int_equal(v, 0x0100007F);
    assert_true(tk_str_hex_to_u64(tk_str_c("DeadBeef"), &v));
    assert_int_equal(v, 0xDEADBEEF);
    assert_true(tk_str_hex_to_u64(tk_str_c("ffffffffffffffff"), &v));
    assert_true(v == UINT64_MAX);

    v = 77;
    assert_false(tk_str_hex_to_u64(tk_str_c("10000000000000000"), &v)); /* 17 digits */
    assert_false(tk_str_hex_to_u64(tk_str_c(""), &v));
    assert_false(tk_str_hex_to_u64(tk_str_c("0x1"), &v));
    assert_false(tk_str_hex_to_u64(tk_str_c("g"), &v));
    assert_false(tk_str_hex_to_u64(tk_str_c("12 "), &v));
    assert_false(tk_str_hex_to_u64(tk_str_c("-1"), &v));
    assert_int_equal(v, 77);
}

static void test_dup(void **state)
{
    (void)state;
    char *d = tk_str_dup((struct tk_str){ "hello world", 5 });
    assert_non_null(d);
    assert_string_equal(d, "hello");
    tk_free(d);
    d = tk_str_dup(tk_str_c(""));
    assert_non_null(d);
    assert_string_equal(d, "");
    tk_free(d);

    tk_alloc_fail_after(0);
    assert_null(tk_str_dup(tk_str_c("x")));
    tk_alloc_fail_after(-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c_and_lit),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_eq),
        cmocka_unit_test(test_eqcase),
        cmocka_unit_test(test_prefix_suffix),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_next_line_lf),
        cmocka_unit_test(test_next_line_crlf),
        cmocka_unit_test(test_next_line_edges),
        cmocka_unit_test(test_next_field),
        cmocka_unit_test(test_to_u64),
        cmocka_unit_test(test_hex_to_u64),
        cmocka_unit_test(test_dup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
