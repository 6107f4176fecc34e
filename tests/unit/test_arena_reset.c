/* test_arena_reset.c - tk_arena_reset (core/arena.h), the per-record reuse of an arena: the kept
 * block is reused without allocating, large and extra blocks are dropped, the total-size
 * bound holds across resets, and nothing leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"

#define BLOCK (64 * 1024) /* the arena's default block size (arena.c) */

static int reset_hook(void **state)
{
    (void)state;
    tk_alloc_fail_after(-1);
    return 0;
}

static void test_reset_of_unused_arena(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    tk_arena_reset(&a);
    tk_arena_reset(&a);
    assert_null(a.head);
    assert_int_equal(a.total, 0);
    assert_non_null(tk_arena_alloc(&a, 10));
    tk_arena_release(&a);
    tk_arena_reset(&a); /* after release: still harmless */
    assert_int_equal(a.total, 0);
}

static void test_reuse_after_reset(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    char *p = tk_arena_alloc(&a, 100);
    assert_non_null(p);
    memset(p, 1, 100);
    assert_int_equal(a.total, BLOCK);
    tk_arena_reset(&a);
    assert_int_equal(a.total, BLOCK);
    /* The kept block is handed out again from its start, with no new allocation. */
    long before = tk_alloc_count();
    char *q = tk_arena_alloc(&a, 100);
    assert_ptr_equal(q, p);
    assert_int_equal(tk_alloc_count(), before);
    /* The whole block is available again: another ~64 KiB without allocating. */
    size_t got = 112; /* 100 rounded up to the alignment */
    while (got + 1024 <= BLOCK) {
        char *r = tk_arena_alloc(&a, 1024);
        assert_non_null(r);
        memset(r, 2, 1024); /* ASan: really writable */
        got += 1024;
    }
    assert_int_equal(tk_alloc_count(), before);
    assert_int_equal(a.total, BLOCK);
    tk_arena_release(&a);
}

static void test_allocation_failure_after_reset(void **state)
{
    (void)state;
    /* With the kept block, a record that fits needs no allocation at all: failing every
     * allocation does not stop it. */
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    assert_non_null(tk_arena_alloc(&a, 1));
    tk_arena_reset(&a);
    tk_alloc_fail_after(0);
    assert_non_null(tk_arena_strdup(&a, "fits in the kept block"));
    tk_alloc_fail_after(0);
    assert_null(tk_arena_alloc(&a, 2 * BLOCK)); /* this one needs a new block */
    tk_alloc_fail_after(-1);
    assert_int_equal(a.total, BLOCK);
    tk_arena_release(&a);
}

static void test_extra_blocks_dropped(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 16 << 20);
    /* Several default blocks' worth. */
    for (int i = 0; i < 300; i++)
        assert_non_null(tk_arena_alloc(&a, 1000));
    assert_true(a.total >= 4 * BLOCK);
    tk_arena_reset(&a);
    assert_int_equal(a.total, BLOCK);
    assert_non_null(a.head);
    /* A large one-off block goes behind the head; reset drops it and keeps the head. */
    assert_non_null(tk_arena_alloc(&a, 10));
    char *big = tk_arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    memset(big, 3, 1 << 20);
    assert_int_equal(a.total, BLOCK + (1 << 20));
    tk_arena_reset(&a);
    assert_int_equal(a.total, BLOCK);
    /* A first allocation that is large makes the head itself large: reset drops it all. */
    tk_arena_release(&a);
    assert_non_null(tk_arena_alloc(&a, 4 * BLOCK));
    assert_int_equal(a.total, 4 * BLOCK);
    tk_arena_reset(&a);
    assert_int_equal(a.total, 0);
    assert_null(a.head);
    assert_non_null(tk_arena_alloc(&a, 10)); /* and it works afterwards */
    assert_int_equal(a.total, BLOCK);
    tk_arena_release(&a); /* LSan checks that nothing dropped was lost */
}

static void test_per_record_loop_stays_bounded(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 8 << 20);
    for (int rec = 0; rec < 2000; rec++) {
        /* Records of varying size, some needing large blocks. */
        size_t n = (size_t)(rec % 7) * 20000 + 1;
        char *p = tk_arena_alloc(&a, n);
        assert_non_null(p);
        memset(p, rec & 0xff, n);
        assert_non_null(tk_arena_printf(&a, "record %d", rec));
        tk_arena_reset(&a);
        assert_true(a.total <= BLOCK);
    }
    tk_arena_release(&a);
}

static void test_limit_respected_across_resets(void **state)
{
    (void)state;
    const size_t max = 300 * 1024;
    struct tk_arena a;
    tk_arena_init(&a, max);
    size_t first = 0;
    for (int round = 0; round < 5; round++) {
        size_t got = 0;
        void *p;
        while ((p = tk_arena_alloc(&a, 1000)) != NULL) {
            got += 1000;
            assert_true(a.total <= max);
        }
        assert_true(got > 0);
        assert_true(got <= max);
        /* Every round can use as much as the first: the kept block counts once, not twice. */
        if (round == 0)
            first = got;
        else
            assert_int_equal(got, first);
        assert_null(tk_arena_alloc(&a, max));
        tk_arena_reset(&a);
        assert_true(a.total <= max);
    }
    tk_arena_release(&a);
}

static void test_small_bound_block_dropped(void **state)
{
    (void)state;
    /* A bound below the default block size gives a smaller block, which reset drops; the
     * arena must still hand out up to its bound afterwards. */
    struct tk_arena a;
    tk_arena_init(&a, 1000);
    assert_non_null(tk_arena_alloc(&a, 500));
    tk_arena_reset(&a);
    assert_true(a.total <= 1000);
    char *p = tk_arena_alloc(&a, 900);
    assert_non_null(p);
    memset(p, 4, 900);
    assert_null(tk_arena_alloc(&a, 200));
    assert_true(a.total <= 1000);
    tk_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_reset_of_unused_arena, reset_hook),
        cmocka_unit_test_teardown(test_reuse_after_reset, reset_hook),
        cmocka_unit_test_teardown(test_allocation_failure_after_reset, reset_hook),
        cmocka_unit_test_teardown(test_extra_blocks_dropped, reset_hook),
        cmocka_unit_test_teardown(test_per_record_loop_stays_bounded, reset_hook),
        cmocka_unit_test_teardown(test_limit_respected_across_resets, reset_hook),
        cmocka_unit_test_teardown(test_small_bound_block_dropped, reset_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
