/* test_escape.c - escaping of untrusted strings for terminals (controls, C1, DEL, bidi,
 * invalid bytes), HTML (entities, U+FFFD) and CSV (quoting, formula-injection apostrophe). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/escape.h"

#define FFFD "\xEF\xBF\xBD"

typedef int (*escape_fn)(struct tk_buf *out, const char *s, size_t n);

static void expect(escape_fn fn, const char *s, size_t n, const char *want)
{
    struct tk_buf b = TK_BUF_INIT(1 << 16);
    assert_int_equal(fn(&b, s, n), 0);
    assert_string_equal(tk_buf_cstr(&b), want);
    tk_buf_release(&b);
}

#define TERM(lit, want) expect(tk_escape_term, (lit), sizeof(lit) - 1, (want))
#define HTML(lit, want) expect(tk_escape_html, (lit), sizeof(lit) - 1, (want))
#define CSV(lit, want) expect(tk_escape_csv, (lit), sizeof(lit) - 1, (want))

static void test_term_printable_passes(void **state)
{
    (void)state;
    TERM("", "");
    TERM("hello world ~!", "hello world ~!");
    TERM("caf\xC3\xA9 \xE7\x82\xB9\xE6\xA4\x9C \xF0\x9F\x98\x80",
         "caf\xC3\xA9 \xE7\x82\xB9\xE6\xA4\x9C \xF0\x9F\x98\x80");
    TERM("\xC2\xA0", "\xC2\xA0"); /* U+00A0, first code point after C1 */
}

static void test_term_c0_and_del(void **state)
{
    (void)state;
    TERM("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
    TERM("\x1b]0;title\x07", "\\x1b]0;title\\x07");
    TERM("a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd");
    TERM("\x08\x7f", "\\x08\\x7f");
    TERM("a\0b", "a\\x00b");
    TERM("\x1f", "\\x1f");
}

static void test_term_c1(void **state)
{
    (void)state;
    TERM("\xC2\x9B" "2J", "\\x9b2J"); /* U+009B CSI */
    TERM("\xC2\x80", "\\x80");
    TERM("\xC2\x85", "\\x85"); /* NEL */
    TERM("\xC2\x9F", "\\x9f");
}

static void test_term_bidi(void **state)
{
    (void)state;
    TERM("evil\xE2\x80\xAEtxt.exe", "evil\\u{202e}txt.exe"); /* RLO */
    TERM("\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD",
         "\\u{202a}\\u{202b}\\u{202c}\\u{202d}");
    TERM("\xE2\x81\xA6\xE2\x81\xA7\xE2\x81\xA8\xE2\x81\xA9",
         "\\u{2066}\\u{2067}\\u{2068}\\u{2069}");
    TERM("\xE2\x80\x8E\xE2\x80\x8F", "\\u{200e}\\u{200f}"); /* LRM, RLM */
    TERM("\xD8\x9C", "\\u{061c}");                         /* ALM */
    /* Neighbours of the bidi ranges are ordinary text. */
    TERM("\xE2\x80\xAF", "\xE2\x80\xAF"); /* U+202F */
    TERM("\xE2\x81\xAA", "\xE2\x81\xAA"); /* U+206A */
}

static void test_term_invalid_bytes(void **state)
{
    (void)state;
    TERM("a\xFF" "b", "a\\xffb");
    TERM("\x9b", "\\x9b"); /* a raw C1 byte is not UTF-8 */
    TERM("\xC0\xAF", "\\xc0\\xaf");
    TERM("\xED\xA0\x80", "\\xed\\xa0\\x80");
    TERM("\xE2\x80", "\\xe2\\x80"); /* truncated RLO */
    TERM("\xF4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
}

static void test_html(void **state)
{
    (void)state;
    HTML("", "");
    HTML("plain text", "plain text");
    HTML("<script>alert(\"x\" & 'y')</script>",
         "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
    HTML("&amp;", "&amp;amp;");
    HTML("a\tb\nc", "a\tb\nc");
    HTML("a\rb", "a" FFFD "b");
    HTML("\x1b[31m", FFFD "[31m");
    HTML("\x7f", FFFD);
    HTML("a\0b", "a" FFFD "b");
    HTML("\xC2\x85", FFFD); /* C1 */
    HTML("\xFF", FFFD);
    HTML("\xC0\xAF", FFFD FFFD);
    HTML("caf\xC3\xA9", "caf\xC3\xA9");
    HTML("\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80");
}

static void test_csv_quoting(void **state)
{
    (void)state;
    CSV("", "\"\"");
    CSV("abc", "\"abc\"");
    CSV("a\"b", "\"a\"\"b\"");
    CSV("\"", "\"\"\"\"");
    CSV("a,b\nc", "\"a,b\nc\"");
    CSV("caf\xC3\xA9", "\"caf\xC3\xA9\"");
    CSV("x\xFFy", "\"x" FFFD "y\"");
}

static void test_csv_formula(void **state)
{
    (void)state;
    CSV("=1+1", "\"'=1+1\"");
    CSV("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
    CSV("+1", "\"'+1\"");
    CSV("-2+3", "\"'-2+3\"");
    CSV("@SUM(A1)", "\"'@SUM(A1)\"");
    CSV("\t=1", "\"'\t=1\"");
    CSV("\r=1", "\"'\r=1\"");
    /* Only the first character matters. */
    CSV("a=1", "\"a=1\"");
    CSV("1-2", "\"1-2\"");
    CSV(" =1", "\" =1\"");
}

static void test_append_and_limits(void **state)
{
    (void)state;
    /* Each escaper appends to what is already there. */
    struct tk_buf b = TK_BUF_INIT(64);
    tk_buf_adds(&b, "x:");
    assert_int_equal(tk_escape_term(&b, "\x1b", 1), 0);
    assert_int_equal(tk_escape_html(&b, "<", 1), 0);
    assert_int_equal(tk_escape_csv(&b, "=", 1), 0);
    assert_string_equal(tk_buf_cstr(&b), "x:\\x1b&lt;\"'=\"");
    tk_buf_release(&b);

    /* A bounded output reports TK_ELIMIT and never passes its maximum. */
    struct tk_buf small = TK_BUF_INIT(5);
    assert_int_equal(tk_escape_term(&small, "\x1b\x1b", 2), TK_ELIMIT);
    assert_true(small.len <= 5);
    tk_buf_release(&small);

    struct tk_buf small2 = TK_BUF_INIT(4);
    assert_int_equal(tk_escape_html(&small2, "<<", 2), TK_ELIMIT);
    assert_true(small2.len <= 4);
    tk_buf_release(&small2);

    struct tk_buf small3 = TK_BUF_INIT(3);
    assert_int_equal(tk_escape_csv(&small3, "abc", 3), TK_ELIMIT);
    assert_true(small3.len <= 3);
    tk_buf_release(&small3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_term_printable_passes),
        cmocka_unit_test(test_term_c0_and_del),
        cmocka_unit_test(test_term_c1),
        cmocka_unit_test(test_term_bidi),
        cmocka_unit_test(test_term_invalid_bytes),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_formula),
        cmocka_unit_test(test_append_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
