/* test_map.c - the string-keyed hash map (core/map.h): put/get/replace, growth to many
 * thousands of keys, binary keys, copying of keys, the entry bound, and allocation failure
 * at every step leaving the map consistent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/map.h"

static int reset_hook(void **state)
{
    (void)state;
    tk_alloc_fail_after(-1);
    return 0;
}

static struct tk_str key_of(char *buf, size_t cap, size_t i)
{
    int n = snprintf(buf, cap, "key-%zu", i);
    return (struct tk_str){ buf, (size_t)n };
}

static void test_put_get_replace(void **state)
{
    (void)state;
    struct tk_map m;
    int x = 1, y = 2, z = 3;
    tk_map_init(&m, 100);
    /* An empty map answers NULL without allocating. */
    long before = tk_alloc_count();
    assert_null(tk_map_get(&m, TK_STR_LIT("a")));
    assert_null(tk_map_get(&m, TK_STR_LIT("")));
    assert_int_equal(tk_alloc_count(), before);

    assert_int_equal(tk_map_put(&m, TK_STR_LIT("a"), &x), 0);
    assert_int_equal(tk_map_put(&m, TK_STR_LIT("b"), &y), 0);
    assert_ptr_equal(tk_map_get(&m, TK_STR_LIT("a")), &x);
    assert_ptr_equal(tk_map_get(&m, TK_STR_LIT("b")), &y);
    assert_null(tk_map_get(&m, TK_STR_LIT("c")));
    assert_null(tk_map_get(&m, TK_STR_LIT("A"))); /* case-sensitive */
    assert_null(tk_map_get(&m, TK_STR_LIT("ab")));
    assert_int_equal(m.n, 2);
    /* Replacing keeps the count. */
    assert_int_equal(tk_map_put(&m, TK_STR_LIT("a"), &z), 0);
    assert_ptr_equal(tk_map_get(&m, TK_STR_LIT("a")), &z);
    assert_int_equal(m.n, 2);
    /* A NULL value is stored too (and reads back as NULL, like an absent key). */
    assert_int_equal(tk_map_put(&m, TK_STR_LIT("nil"), NULL), 0);
    assert_int_equal(m.n, 3);
    assert_null(tk_map_get(&m, TK_STR_LIT("nil")));
    /* The empty key is a key like any other. */
    assert_int_equal(tk_map_put(&m, TK_STR_LIT(""), &y), 0);
    assert_ptr_equal(tk_map_get(&m, TK_STR_LIT("")), &y);
    tk_map_release(&m);
    /* A released map is empty and can be used again after init. */
    assert_null(tk_map_get(&m, TK_STR_LIT("a")));
    tk_map_init(&m, 10);
    assert_null(tk_map_get(&m, TK_STR_LIT("a")));
    tk_map_release(&m);
}

static void test_keys_are_copied(void **state)
{
    (void)state;
    struct tk_map m;
    int v = 7;
    char buf[32] = "volatile";
    tk_map_init(&m, 10);
    assert_int_equal(tk_map_put(&m, (struct tk_str){ buf, 8 }, &v), 0);
    memset(buf, 'x', sizeof buf - 1);
    assert_ptr_equal(tk_map_get(&m, TK_STR_LIT("volatile")), &v);
    assert_null(tk_map_get(&m, (struct tk_str){ buf, 8 }));
    /* The key is the slice, not the C string around it. */
    assert_int_equal(tk_map_put(&m, (struct tk_str){ "prefix-and-more", 6 }, &v), 0);
    assert_ptr_equal(tk_map_get(&m, TK_STR_LIT("prefix")), &v);
    assert_null(tk_map_get(&m, TK_STR_LIT("prefix-and-more")));
    tk_map_release(&m);
}

static void test_growth_past_thousands(void **state)
{
    (void)state;
    enum { N = 50000 };
    static int values[N];
    struct tk_map m;
    char buf[32];
    tk_map_init(&m, N);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(tk_map_put(&m, key_of(buf, sizeof buf, i), &values[i]), 0);
        assert_int_equal(m.n, i + 1);
        assert_true(m.n * 4 <= m.cap * 3); /* the load stays under 3/4 */
        /* Spot-check earlier keys across every rehash. */
        if ((i & (i + 1)) == 0)
            for (size_t k = 0; k <= i; k += 1 + i / 16)
                assert_ptr_equal(tk_map_get(&m, key_of(buf, sizeof buf, k)), &values[k]);
    }
    for (size_t i = 0; i < N; i++)
        assert_ptr_equal(tk_map_get(&m, key_of(buf, sizeof buf, i)), &values[i]);
    for (size_t i = N; i < N + 1000; i++)
        assert_null(tk_map_get(&m, key_of(buf, sizeof buf, i)));
    /* Replacing all of them keeps the count and changes every value. */
    for (size_t i = 0; i < N; i++)
        assert_int_equal(tk_map_put(&m, key_of(buf, sizeof buf, i), &values[N - 1 - i]), 0);
    assert_int_equal(m.n, N);
    for (size_t i = 0; i < N; i++)
        assert_ptr_equal(tk_map_get(&m, key_of(buf, sizeof buf, i)), &values[N - 1 - i]);
    tk_map_release(&m);
}

static void test_binary_keys(void **state)
{
    (void)state;
    struct tk_map m;
    static int v[300];
    unsigned char keys[300][4];
    tk_map_init(&m, 1000);
    /* Every non-NUL byte value as a one-byte key, and keys that differ only in a high
     * byte, in the last byte, or in length. */
    for (int b = 1; b < 256; b++) {
        unsigned char k = (unsigned char)b;
        assert_int_equal(tk_map_put(&m, (struct tk_str){ (const char *)&k, 1 }, &v[b]), 0);
    }
    for (int i = 0; i < 40; i++) {
        keys[i][0] = 0xff;
        keys[i][1] = (unsigned char)(0x80 + i);
        keys[i][2] = '\n';
        keys[i][3] = 0x01;
        assert_int_equal(tk_map_put(&m, (struct tk_str){ (const char *)keys[i], 4 }, &v[256 + i]),
                         0);
        assert_int_equal(tk_map_put(&m, (struct tk_str){ (const char *)keys[i], 2 }, &v[i]), 0);
    }
    assert_int_equal(m.n, 255 + 80);
    for (int b = 1; b < 256; b++) {
        unsigned char k = (unsigned char)b;
        assert_ptr_equal(tk_map_get(&m, (struct tk_str){ (const char *)&k, 1 }), &v[b]);
    }
    for (int i = 0; i < 40; i++) {
        assert_ptr_equal(tk_map_get(&m, (struct tk_str){ (const char *)keys[i], 4 }), &v[256 + i]);
        assert_ptr_equal(tk_map_get(&m, (struct tk_str){ (const char *)keys[i], 2 }), &v[i]);
        assert_null(tk_map_get(&m, (struct tk_str){ (const char *)keys[i], 3 }));
    }
    /* Keys with NUL bytes are kept whole: "a\0b" and "a\0c" are different keys. */
    assert_int_equal(tk_map_put(&m, (struct tk_str){ "a\0b", 3 }, &v[1]), 0);
    assert_int_equal(tk_map_put(&m, (struct tk_str){ "a\0c", 3 }, &v[2]), 0);
    assert_ptr_equal(tk_map_get(&m, (struct tk_str){ "a\0b", 3 }), &v[1]);
    assert_ptr_equal(tk_map_get(&m, (struct tk_str){ "a\0c", 3 }), &v[2]);
    /* UTF-8 and case variants are distinct. */
    assert_int_equal(tk_map_put(&m, tk_str_c("caf\xc3\xa9"), &v[0]), 0);
    assert_null(tk_map_get(&m, tk_str_c("CAF\xc3\x89")));
    assert_ptr_equal(tk_map_get(&m, tk_str_c("caf\xc3\xa9")), &v[0]);
    tk_map_release(&m);
}

static void test_max_bound(void **state)
{
    (void)state;
    struct tk_map m;
    int v = 1, w = 2;
    tk_map_init(&m, 3);
    assert_int_equal(tk_map_put(&m, TK_STR_LIT("a"), &v), 0);
    assert_int_equal(tk_map_put(&m, TK_STR_LIT("b"), &v), 0);
    assert_int_equal(tk_map_put(&m, TK_STR_LIT("c"), &v), 0);
    assert_int_equal(tk_map_put(&m, TK_STR_LIT("d"), &v), TK_ELIMIT);
    assert_int_equal(m.n, 3);
    assert_null(tk_map_get(&m, TK_STR_LIT("d")));
    /* At the bound, replacing an existing key still works. */
    assert_int_equal(tk_map_put(&m, TK_STR_LIT("b"), &w), 0);
    assert_ptr_equal(tk_map_get(&m, TK_STR_LIT("b")), &w);
    assert_int_equal(tk_map_put(&m, TK_STR_LIT("e"), &v), TK_ELIMIT);
    tk_map_release(&m);
    /* A bound of zero refuses everything. */
    tk_map_init(&m, 0);
    assert_int_equal(tk_map_put(&m, TK_STR_LIT("a"), &v), TK_ELIMIT);
    assert_null(tk_map_get(&m, TK_STR_LIT("a")));
    tk_map_release(&m);
    /* A bound past a growth step. */
    char buf[32];
    tk_map_init(&m, 1000);
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(tk_map_put(&m, key_of(buf, sizeof buf, i), &v), 0);
    assert_int_equal(tk_map_put(&m, key_of(buf, sizeof buf, 1000), &v), TK_ELIMIT);
    for (size_t i = 0; i < 1000; i++)
        assert_ptr_equal(tk_map_get(&m, key_of(buf, sizeof buf, i)), &v);
    tk_map_release(&m);
}

static void test_allocation_failure(void **state)
{
    (void)state;
    static int values[3000];
    char buf[32];
    size_t failures = 0;
    /* Fail the Nth allocation for every N the workload makes: the put that hits it reports
     * TK_ENOMEM, the map keeps every earlier key and not the failed one, and carries on
     * normally once allocation works again. */
    for (long fail = 0; fail < 60; fail++) {
        struct tk_map m;
        tk_map_init(&m, 100000);
        tk_alloc_fail_after(fail);
        size_t failed_at = SIZE_MAX;
        for (size_t i = 0; i < 3000; i++) {
            int rc = tk_map_put(&m, key_of(buf, sizeof buf, i), &values[i]);
            if (rc) {
                assert_int_equal(rc, TK_ENOMEM);
                failed_at = i;
                break;
            }
        }
        tk_alloc_fail_after(-1);
        if (failed_at == SIZE_MAX) {
            tk_map_release(&m);
            break; /* the workload makes fewer allocations than `fail` */
        }
        failures++;
        assert_int_equal(m.n, failed_at);
        assert_null(tk_map_get(&m, key_of(buf, sizeof buf, failed_at)));
        for (size_t i = 0; i < failed_at; i++)
            assert_ptr_equal(tk_map_get(&m, key_of(buf, sizeof buf, i)), &values[i]);
        for (size_t i = failed_at; i < 3000; i++)
            assert_int_equal(tk_map_put(&m, key_of(buf, sizeof buf, i), &values[i]), 0);
        assert_int_equal(m.n, 3000);
        for (size_t i = 0; i < 3000; i++)
            assert_ptr_equal(tk_map_get(&m, key_of(buf, sizeof buf, i)), &values[i]);
        tk_map_release(&m); /* LSan: nothing leaked on the failure path */
    }
    assert_true(failures >= 5); /* table growth and key storage both failed at least once */
    /* Failing the very first allocation of an empty key still leaves a usable map. */
    struct tk_map m;
    int v = 1;
    tk_map_init(&m, 10);
    tk_alloc_fail_after(0);
    assert_int_equal(tk_map_put(&m, TK_STR_LIT(""), &v), TK_ENOMEM);
    tk_alloc_fail_after(-1);
    assert_int_equal(m.n, 0);
    assert_int_equal(tk_map_put(&m, TK_STR_LIT(""), &v), 0);
    assert_ptr_equal(tk_map_get(&m, TK_STR_LIT("")), &v);
    tk_map_release(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_put_get_replace, reset_hook),
        cmocka_unit_test_teardown(test_keys_are_copied, reset_hook),
        cmocka_unit_test_teardown(test_growth_past_thousands, reset_hook),
        cmocka_unit_test_teardown(test_binary_keys, reset_hook),
        cmocka_unit_test_teardown(test_max_bound, reset_hook),
        cmocka_unit_test_teardown(test_allocation_failure, reset_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
