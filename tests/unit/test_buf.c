/* test_buf.c - bounded buffers never pass their maximum and stay NUL-terminated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"

static void test_add_and_cstr(void **state)
{
    (void)state;
    struct tk_buf b = TK_BUF_INIT(100);
    assert_string_equal(tk_buf_cstr(&b), "");
    assert_int_equal(tk_buf_adds(&b, "abc"), 0);
    assert_int_equal(tk_buf_addf(&b, "-%d", 42), 0);
    assert_string_equal(tk_buf_cstr(&b), "abc-42");
    assert_int_equal(b.len, 6);
    tk_buf_release(&b);
}

static void test_limit(void **state)
{
    (void)state;
    struct tk_buf b = TK_BUF_INIT(5);
    assert_int_equal(tk_buf_adds(&b, "12345"), 0);
    assert_int_equal(tk_buf_addc(&b, 'x'), TK_ELIMIT);
    assert_string_equal(tk_buf_cstr(&b), "12345");
    assert_int_equal(tk_buf_addf(&b, "%s", "y"), TK_ELIMIT);
    tk_buf_reset(&b);
    assert_int_equal(tk_buf_addf(&b, "%s", "123456"), TK_ELIMIT);
    assert_int_equal(b.len, 0);
    tk_buf_release(&b);
}

static void test_detach_and_truncate(void **state)
{
    (void)state;
    struct tk_buf b = TK_BUF_INIT(64);
    char *empty = tk_buf_detach(&b);
    assert_string_equal(empty, "");
    tk_free(empty);
    tk_buf_adds(&b, "hello world");
    tk_buf_truncate(&b, 5);
    char *s = tk_buf_detach(&b);
    assert_string_equal(s, "hello");
    assert_null(b.ptr);
    tk_free(s);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    struct tk_buf b = TK_BUF_INIT(1 << 20);
    tk_alloc_fail_after(0);
    assert_int_equal(tk_buf_adds(&b, "x"), TK_ENOMEM);
    assert_int_equal(b.len, 0);
    tk_alloc_fail_after(-1);
    assert_int_equal(tk_buf_adds(&b, "x"), 0);
    tk_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_cstr),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_detach_and_truncate),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
