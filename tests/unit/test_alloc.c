/* test_alloc.c - the allocation wrapper: tk_alloc_fail_after fails exactly the Nth
 * allocation of every kind, strdup/strndup copies, and tk_grow's growth and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

static int reset_hook(void **state)
{
    (void)state;
    tk_alloc_fail_after(-1);
    return 0;
}

static void test_fail_first(void **state)
{
    (void)state;
    tk_alloc_fail_after(0);
    assert_null(tk_malloc(16));
    /* Only one allocation fails; the hook then disarms itself. */
    void *p = tk_malloc(16);
    assert_non_null(p);
    tk_free(p);
}

static void test_fail_nth(void **state)
{
    (void)state;
    for (long n = 0; n < 5; n++) {
        void *ptrs[8] = { 0 };
        tk_alloc_fail_after(n);
        for (long i = 0; i < 8; i++) {
            ptrs[i] = tk_malloc(8);
            if (i == n)
                assert_null(ptrs[i]);
            else
                assert_non_null(ptrs[i]);
        }
        for (int i = 0; i < 8; i++)
            tk_free(ptrs[i]);
    }
}

static void test_disabled(void **state)
{
    (void)state;
    tk_alloc_fail_after(-1);
    for (int i = 0; i < 100; i++) {
        void *p = tk_malloc(1);
        assert_non_null(p);
        tk_free(p);
    }
    /* Re-arming after disabling works, and disabling cancels a pending failure. */
    tk_alloc_fail_after(1);
    tk_alloc_fail_after(-1);
    void *a = tk_malloc(1), *b = tk_malloc(1);
    assert_non_null(a);
    assert_non_null(b);
    tk_free(a);
    tk_free(b);
}

static void test_every_kind_counts(void **state)
{
    (void)state;
    /* calloc, realloc, strdup and strndup go through the same counter. */
    tk_alloc_fail_after(0);
    assert_null(tk_calloc(4, 4));
    tk_alloc_fail_after(0);
    assert_null(tk_strdup("x"));
    tk_alloc_fail_after(0);
    assert_null(tk_strndup("xyz", 2));

    char *p = tk_malloc(4);
    assert_non_null(p);
    memcpy(p, "abc", 4);
    tk_alloc_fail_after(0);
    assert_null(tk_realloc(p, 1 << 16));
    assert_string_equal(p, "abc"); /* the original block survives a failed realloc */

    tk_alloc_fail_after(2);
    void *m = tk_malloc(1);         /* 1st: ok */
    void *c = tk_calloc(1, 1);      /* 2nd: ok */
    char *d = tk_strdup("fail");    /* 3rd: fails */
    assert_non_null(m);
    assert_non_null(c);
    assert_null(d);
    tk_free(m);
    tk_free(c);
    tk_free(p);
}

static void test_zero_sizes(void **state)
{
    (void)state;
    void *a = tk_malloc(0), *b = tk_calloc(0, 0), *c = tk_realloc(NULL, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    tk_free(a);
    tk_free(b);
    tk_free(c);
    tk_free(NULL);
}

static void test_calloc_zeroed(void **state)
{
    (void)state;
    unsigned char *p = tk_calloc(64, 4);
    assert_non_null(p);
    for (int i = 0; i < 256; i++)
        assert_int_equal(p[i], 0);
    tk_free(p);
}

static void test_strdup_strndup(void **state)
{
    (void)state;
    char *s = tk_strdup("hello");
    assert_string_equal(s, "hello");
    tk_free(s);
    s = tk_strndup("hello", 3);
    assert_string_equal(s, "hel");
    tk_free(s);
    static const char with_nul[] = { 'a', '\0', 'b' };
    s = tk_strndup(with_nul, sizeof with_nul);
    assert_string_equal(s, "a");
    tk_free(s);
    s = tk_strndup("abc", 0);
    assert_string_equal(s, "");
    tk_free(s);
}

static void test_grow(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    assert_int_equal(tk_grow((void **)&v, &cap, 1, sizeof *v, 1000), 0);
    assert_non_null(v);
    assert_int_equal(cap, 8); /* first growth starts at 8 elements */
    v[7] = 7;

    /* Room already there: nothing changes. */
    int *before = v;
    assert_int_equal(tk_grow((void **)&v, &cap, 8, sizeof *v, 1000), 0);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 8);

    assert_int_equal(tk_grow((void **)&v, &cap, 9, sizeof *v, 1000), 0);
    assert_int_equal(cap, 16); /* doubles */
    assert_int_equal(v[7], 7); /* contents kept */
    assert_int_equal(tk_grow((void **)&v, &cap, 100, sizeof *v, 1000), 0);
    assert_int_equal(cap, 128);
    v[127] = 1;
    tk_free(v);
}

static void test_grow_limit(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    /* Growth is clamped to max, and a need past max is refused. */
    assert_int_equal(tk_grow((void **)&v, &cap, 3, sizeof *v, 5), 0);
    assert_int_equal(cap, 5);
    v[4] = 4;
    assert_int_equal(tk_grow((void **)&v, &cap, 5, sizeof *v, 5), 0);
    assert_int_equal(tk_grow((void **)&v, &cap, 6, sizeof *v, 5), TK_ELIMIT);
    assert_int_equal(cap, 5);
    assert_int_equal(v[4], 4);

    assert_int_equal(tk_grow((void **)&v, &cap, 100, sizeof *v, 64), TK_ELIMIT);
    assert_int_equal(tk_grow((void **)&v, &cap, 64, sizeof *v, 64), 0);
    assert_int_equal(cap, 64);
    tk_free(v);

    /* Element size times count overflowing size_t is a limit, not a wrapped allocation. */
    void *p = NULL;
    size_t c2 = 0;
    assert_int_equal(tk_grow(&p, &c2, 2, SIZE_MAX / 2, SIZE_MAX), TK_ELIMIT);
    assert_null(p);
    assert_int_equal(c2, 0);
}

static void test_grow_enomem(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    assert_int_equal(tk_grow((void **)&v, &cap, 4, sizeof *v, 100), 0);
    v[0] = 42;
    int *before = v;
    tk_alloc_fail_after(0);
    assert_int_equal(tk_grow((void **)&v, &cap, 50, sizeof *v, 100), TK_ENOMEM);
    /* On failure the array and its capacity are unchanged. */
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 8);
    assert_int_equal(v[0], 42);
    tk_free(v);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, reset_hook)
    const struct CMUnitTest tests[] = {
        T(test_fail_first),
        T(test_fail_nth),
        T(test_disabled),
        T(test_every_kind_counts),
        T(test_zero_sizes),
        T(test_calloc_zeroed),
        T(test_strdup_strndup),
        T(test_grow),
        T(test_grow_limit),
        T(test_grow_enomem),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
