/* test_arena.c - the bump allocator: alignment, the total-size bound, string copies (embedded
 * NUL, slices, printf), allocation failure, and release/reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"

static void test_alloc_aligned_and_distinct(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    char *prev = NULL;
    for (size_t n = 1; n < 100; n += 7) {
        char *p = tk_arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xAB, n); /* writable for its whole size (ASan checks the bounds) */
        if (prev)
            assert_true(p != prev);
        prev = p;
    }
    tk_arena_release(&a);
}

static void test_limit_respected(void **state)
{
    (void)state;
    const size_t max = 256 * 1024;
    struct tk_arena a;
    tk_arena_init(&a, max);
    size_t got = 0;
    for (int i = 0; i < 10000; i++) {
        void *p = tk_arena_alloc(&a, 1000);
        if (!p)
            break;
        got += 1000;
        assert_true(a.total <= max);
    }
    assert_true(got > 0);
    assert_true(got <= max);
    assert_true(a.total <= max);
    /* Once full, it stays refused; nothing past the bound is ever handed out. */
    assert_null(tk_arena_alloc(&a, 1000));
    assert_null(tk_arena_alloc(&a, max));
    assert_true(a.total <= max);
    tk_arena_release(&a);
}

/* A failed allocation is remembered until the arena is reset or released. */
static void test_failed_flag(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 8192);
    assert_false(a.failed);
    assert_non_null(tk_arena_alloc(&a, 100));
    assert_false(a.failed);
    assert_null(tk_arena_alloc(&a, 100000));
    assert_true(a.failed);
    assert_non_null(tk_arena_alloc(&a, 100)); /* smaller requests still fit: the flag stays */
    assert_true(a.failed);
    tk_arena_reset(&a);
    assert_false(a.failed);
    assert_null(tk_arena_strdup(&a, NULL)); /* no allocation asked: not a failure */
    assert_false(a.failed);
    tk_arena_release(&a);
}

static void test_oversized_requests(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    assert_null(tk_arena_alloc(&a, SIZE_MAX));
    assert_null(tk_arena_alloc(&a, SIZE_MAX / 2 + 1));
    assert_null(tk_arena_alloc(&a, (1 << 20) + 1));
    assert_int_equal(a.total, 0);
    /* A single request of exactly the bound fits. */
    void *p = tk_arena_alloc(&a, 1 << 20);
    assert_non_null(p);
    memset(p, 0, 1 << 20);
    assert_null(tk_arena_alloc(&a, 1));
    tk_arena_release(&a);
}

static void test_large_block_keeps_head_room(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 4 << 20);
    char *small = tk_arena_alloc(&a, 100);
    assert_non_null(small);
    size_t after_small = a.total;
    char *big = tk_arena_alloc(&a, 200 * 1024);
    assert_non_null(big);
    memset(big, 1, 200 * 1024);
    size_t after_big = a.total;
    assert_true(after_big > after_small);
    /* Further small allocations still come from the first block: no new block. */
    for (int i = 0; i < 10; i++)
        assert_non_null(tk_arena_alloc(&a, 100));
    assert_int_equal(a.total, after_big);
    tk_arena_release(&a);
}

/* Regression: an arena bounded below the default block size still allocates within its
 * bound (the block is clamped to the room left). */
static void test_small_bound_allocates(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 4096);
    char *p = tk_arena_alloc(&a, 100);
    assert_non_null(p);
    assert_true(a.total <= 4096);
    assert_non_null(tk_arena_strdup(&a, "fits"));
    tk_arena_release(&a);
}

static void test_strndup_embedded_nul(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    static const char with_nul[] = { 'a', 'b', '\0', 'c', 'd' };
    char *s = tk_arena_strndup(&a, with_nul, sizeof with_nul);
    assert_non_null(s);
    assert_string_equal(s, "ab"); /* stops at the NUL, like strndup(3) */
    s = tk_arena_strndup(&a, "hello", 3);
    assert_string_equal(s, "hel");
    s = tk_arena_strndup(&a, "xyz", 0);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_null(tk_arena_strndup(&a, NULL, 3));
    tk_arena_release(&a);
}

static void test_strdup_and_str(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    char src[] = "mutable";
    char *s = tk_arena_strdup(&a, src);
    src[0] = 'X';
    assert_string_equal(s, "mutable"); /* a copy, not a reference */
    assert_null(tk_arena_strdup(&a, NULL));
    assert_string_equal(tk_arena_strdup(&a, ""), "");

    char *sl = tk_arena_str(&a, (struct tk_str){ "slice-of-text", 5 });
    assert_string_equal(sl, "slice");
    char *empty = tk_arena_str(&a, tk_str_c(NULL));
    assert_non_null(empty);
    assert_string_equal(empty, "");
    tk_arena_release(&a);
}

static void test_printf(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    assert_string_equal(tk_arena_printf(&a, "%s-%d-%05.1f", "x", 42, 3.14159), "x-42-003.1");
    assert_string_equal(tk_arena_printf(&a, "%s", ""), "");
    char *wide = tk_arena_printf(&a, "%100000d", 7);
    assert_non_null(wide);
    assert_int_equal(strlen(wide), 100000);
    assert_int_equal(wide[99999], '7');
    /* Output that would pass the bound is refused. */
    assert_null(tk_arena_printf(&a, "%2000000d", 7));
    tk_arena_release(&a);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    tk_alloc_fail_after(0);
    assert_null(tk_arena_alloc(&a, 10));
    assert_int_equal(a.total, 0);
    /* The arena is still usable after a failure. */
    assert_non_null(tk_arena_strdup(&a, "ok"));
    /* Within an existing block no allocation happens, so no failure either. */
    tk_alloc_fail_after(0);
    assert_non_null(tk_arena_alloc(&a, 10));
    tk_alloc_fail_after(-1);
    tk_arena_release(&a);
}

static void test_release_and_reuse(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    tk_arena_release(&a); /* never allocated */
    tk_arena_release(&a); /* twice */
    assert_null(a.head);
    assert_non_null(tk_arena_strdup(&a, "again"));
    assert_true(a.total > 0);
    tk_arena_release(&a);
    assert_int_equal(a.total, 0);
    assert_null(a.head);
    assert_int_equal(a.max, 1 << 20); /* the bound survives release */
    assert_non_null(tk_arena_alloc(&a, 1));
    tk_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_aligned_and_distinct),
        cmocka_unit_test(test_limit_respected),
        cmocka_unit_test(test_failed_flag),
        cmocka_unit_test(test_oversized_requests),
        cmocka_unit_test(test_large_block_keeps_head_room),
        cmocka_unit_test(test_small_bound_allocates),
        cmocka_unit_test(test_strndup_embedded_nul),
        cmocka_unit_test(test_strdup_and_str),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_release_and_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
