/* test_misc.c - the small core modules: UTC formatting, digests, logging in both formats,
 * terminal widths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/time.h"
#include "core/utf8.h"

static void test_time_formats(void **state)
{
    (void)state;
    char buf[32];
    tk_time_iso8601(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    tk_time_iso8601(951782400, buf); /* leap day 2000 */
    assert_string_equal(buf, "2000-02-29T00:00:00Z");
    tk_time_iso8601(1795324884, buf);
    assert_string_equal(buf, "2026-11-22T05:21:24Z");
    tk_time_compact(1795324884, buf);
    assert_string_equal(buf, "20261122T052124Z");
    tk_time_iso8601(-1, buf);
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    assert_true(tk_time_now() > 1700000000);
    double a = tk_time_mono(), b2 = tk_time_mono();
    assert_true(b2 >= a);
}

static void test_digests(void **state)
{
    (void)state;
    char out[TK_SHA256_HEX_LEN + 1];
    assert_int_equal(tk_sha256_hex("abc", 3, out), 0);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* RFC 4231 test case 2 */
    assert_int_equal(tk_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, out), 0);
    assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static char *capture(enum tk_log_format fmt, const char *msg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    struct tk_log log;
    tk_log_init(&log, fp, fmt, TK_LOG_INFO);
    tk_log(&log, TK_LOG_DEBUG, "hidden");
    tk_log(&log, TK_LOG_WARN, "%s", msg);
    fclose(fp);
    return buf;
}

static void test_log_text_escapes(void **state)
{
    (void)state;
    char *s = capture(TK_LOG_TEXT, "bad \x1b[2J path");
    assert_string_equal(s, "tenken: warning: bad \\x1b[2J path\n");
    free(s);
}

static void test_log_json_lines(void **state)
{
    (void)state;
    char *s = capture(TK_LOG_JSON, "quote \" and \x1b");
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "level")), "warning");
    assert_string_equal(json_string_value(json_object_get(j, "msg")), "quote \" and \x1b");
    assert_non_null(json_string_value(json_object_get(j, "time")));
    assert_int_equal(s[strlen(s) - 1], '\n');
    json_decref(j);
    free(s);
    enum tk_log_format f;
    assert_int_equal(tk_log_format_parse("json", &f), 0);
    assert_int_equal(f, TK_LOG_JSON);
    assert_int_not_equal(tk_log_format_parse("xml", &f), 0);
}

static void test_terminal_width(void **state)
{
    (void)state;
    assert_int_equal(tk_utf8_width("abc", 3), 3);
    const char *ja = "ネットワーク";
    assert_int_equal(tk_utf8_width(ja, strlen(ja)), 12);
    assert_int_equal(tk_utf8_width("\xff", 1), 1);
    const char *full = "ＡＢ"; /* fullwidth forms */
    assert_int_equal(tk_utf8_width(full, strlen(full)), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_formats),
        cmocka_unit_test(test_digests),
        cmocka_unit_test(test_log_text_escapes),
        cmocka_unit_test(test_log_json_lines),
        cmocka_unit_test(test_terminal_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
