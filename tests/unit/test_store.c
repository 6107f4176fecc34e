/* test_store.c - the server store (store/store.h) on a real SQLite file, and tokens
 * (store/token.h): shape, randomness, hashing, lookups by hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/token.h"

static void test_tokens(void **state)
{
    (void)state;
    char a[TK_TOKEN_LEN + 1], b[TK_TOKEN_LEN + 1];
    assert_int_equal(tk_token_new('e', a), 0);
    assert_int_equal(tk_token_new('e', b), 0);
    assert_int_equal(strlen(a), TK_TOKEN_LEN);
    assert_memory_equal(a, "tke_", 4);
    assert_string_not_equal(a, b);
    assert_true(tk_token_valid(a));
    char bad[TK_TOKEN_LEN + 1];
    memcpy(bad, a, sizeof bad);
    bad[10] = '/';
    assert_false(tk_token_valid(bad));
    assert_false(tk_token_valid("tke_short"));
    assert_false(tk_token_valid(NULL));
    bad[10] = a[10];
    bad[2] = 'x';
    assert_false(tk_token_valid(bad));
    char h1[TK_TOKEN_HASH_LEN + 1], h2[TK_TOKEN_HASH_LEN + 1];
    tk_token_hash(a, h1);
    tk_token_hash(a, h2);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 64);
    tk_token_hash(b, h2);
    assert_string_not_equal(h1, h2);
}

static int collect(void *ud, const struct tk_org *o)
{
    int *n = ud;
    (*n)++;
    assert_true(tk_org_name_valid(o->name));
    return 0;
}

static void test_orgs(void **state)
{
    (void)state;
    char dir[] = "/tmp/tenken-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[128];
    snprintf(sub, sizeof sub, "%s/a/b", dir); /* created on open */
    struct tk_store *s;
    struct tk_err err = { 0 };
    assert_int_equal(tk_store_open(&s, sub, &err), 0);
    struct tk_org o = { .max_endpoints = 3 };
    snprintf(o.name, sizeof o.name, "acme");
    assert_int_equal(s->ops->org_add(s, &o, "h1", &err), 0);
    assert_int_equal(strlen(o.id), 36);
    struct tk_org dup = { .max_endpoints = 1 };
    snprintf(dup.name, sizeof dup.name, "acme");
    assert_int_equal(s->ops->org_add(s, &dup, "h2", &err), TK_EINVAL);
    struct tk_org got;
    assert_int_equal(s->ops->org_by_token(s, "h1", &got, &err), 0);
    assert_string_equal(got.name, "acme");
    assert_int_equal(got.max_endpoints, 3);
    assert_int_equal(s->ops->org_get(s, o.id, &got, &err), 0); /* by id too */
    assert_int_equal(s->ops->org_by_token(s, "nope", &got, &err), TK_ENOENT);
    assert_int_equal(s->ops->org_set_token(s, "acme", "h3", &err), 0);
    assert_int_equal(s->ops->org_by_token(s, "h1", &got, &err), TK_ENOENT);
    /* an upload let in with a token that was replaced (or an organisation disabled) while
     * its body came is refused where it is stored */
    struct tk_upload u = { .bundle_id = "7d9c1f0e-3c2a-4b8e-9f1a-2b3c4d5e6f70",
                           .endpoint_id = "0123456789abcdef0123456789abcdef", .source = "",
                           .json = "{}", .json_len = 2, .token_hash = "h1" };
    struct tk_put put = { .org_id = o.id, .u = &u };
    assert_int_equal(s->ops->put_batch(s, &put, 1, &err), 0);
    assert_int_equal(put.result, TK_UPLOAD_REFUSED);
    u.token_hash = "h3";
    assert_int_equal(s->ops->put_batch(s, &put, 1, &err), 0);
    assert_int_equal(put.result, TK_UPLOAD_STORED);
    assert_int_equal(s->ops->org_set_disabled(s, "acme", true, &err), 0);
    u.bundle_id = "8d9c1f0e-3c2a-4b8e-9f1a-2b3c4d5e6f70";
    assert_int_equal(s->ops->put_batch(s, &put, 1, &err), 0);
    assert_int_equal(put.result, TK_UPLOAD_REFUSED);
    assert_int_equal(s->ops->org_get(s, "acme", &got, &err), 0);
    assert_true(got.disabled);
    assert_int_equal(s->ops->org_set_disabled(s, "ghost", true, &err), TK_ENOENT);
    tk_store_close(s);
    /* reopened: the schema is there and not migrated twice */
    assert_int_equal(tk_store_open(&s, sub, &err), 0);
    int n = 0;
    assert_int_equal(s->ops->org_list(s, collect, &n, &err), 0);
    assert_int_equal(n, 1);
    tk_store_close(s);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -r '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_names(void **state)
{
    (void)state;
    assert_true(tk_org_name_valid("acme"));
    assert_true(tk_org_name_valid("Tokyo-Office_2.jp"));
    assert_false(tk_org_name_valid(""));
    assert_false(tk_org_name_valid("-x"));
    assert_false(tk_org_name_valid("../etc"));
    assert_false(tk_org_name_valid("a b"));
    assert_false(tk_org_name_valid("a/b"));
    char long_name[80];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_false(tk_org_name_valid(long_name));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_orgs),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
