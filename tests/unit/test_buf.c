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

static void test_exact_bound_and_binary(void **state)
{
    (void)state;
    /* Exactly max bytes fit, through every append function; one more never does. */
    struct tk_buf b = TK_BUF_INIT(8);
    assert_int_equal(tk_buf_addf(&b, "%08d", 42), 0);
    assert_string_equal(tk_buf_cstr(&b), "00000042");
    assert_int_equal(tk_buf_add(&b, "", 0), 0);
    assert_int_equal(tk_buf_add(&b, "x", 1), TK_ELIMIT);
    assert_int_equal(b.len, 8);
    assert_true(b.cap <= 9);

    /* Binary content with NUL bytes is kept whole and still terminated. */
    tk_buf_reset(&b);
    assert_int_equal(tk_buf_add(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.ptr, "a\0b", 4);
    tk_buf_release(&b);

    /* A zero bound accepts only empty appends. */
    struct tk_buf z = TK_BUF_INIT(0);
    assert_int_equal(tk_buf_add(&z, "", 0), 0);
    assert_string_equal(tk_buf_cstr(&z), "");
    assert_int_equal(tk_buf_addc(&z, 'a'), TK_ELIMIT);
    tk_buf_release(&z);
}

static void test_reset_keeps_memory(void **state)
{
    (void)state;
    struct tk_buf b;
    tk_buf_init(&b, 1 << 20);
    tk_buf_reset(&b); /* on a buffer that never allocated */
    assert_string_equal(tk_buf_cstr(&b), "");
    for (int i = 0; i < 1000; i++)
        assert_int_equal(tk_buf_addc(&b, 'x'), 0);
    char *p = b.ptr;
    size_t cap = b.cap;
    tk_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(tk_buf_cstr(&b), "");
    assert_ptr_equal(b.ptr, p);
    assert_int_equal(b.cap, cap);
    tk_buf_truncate(&b, 10); /* n >= len: no change */
    assert_int_equal(b.len, 0);
    tk_buf_release(&b);
    tk_buf_release(&b); /* release twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_cstr),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_detach_and_truncate),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_exact_bound_and_binary),
        cmocka_unit_test(test_reset_keeps_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
