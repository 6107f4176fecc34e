/* test_jdoc.c - the compact JSON document (core/jdoc.h): values and types, NULL-safe
 * accessors, duplicates (the later wins, as with jansson), strings with NUL, numbers at the
 * int64 edges, refused input with positions, and agreement with jansson on a corpus of
 * documents walked side by side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "core/jdoc.h"

static struct tk_jv *parse(struct tk_arena *a, const char *text, struct tk_err *err)
{
    struct tk_jv *v = NULL;
    tk_arena_init(a, 1 << 24);
    int rc = tk_jdoc_parse(a, text, strlen(text), "t.json", &v, err);
    return rc ? NULL : v;
}

static void test_values(void **state)
{
    (void)state;
    struct tk_arena a;
    struct tk_err err = { 0 };
    const struct tk_jv *d = parse(&a, "\xEF\xBB\xBF{\"s\":\"a\\u0000b\",\"i\":-9223372036854775808,"
                                      "\"r\":1.5e3,\"t\":true,\"f\":false,\"n\":null,"
                                      "\"arr\":[1,[2],{}],\"dup\":1,\"dup\":\"later\"}", &err);
    assert_non_null(d);
    assert_true(tk_jv_is(d, TK_JV_OBJECT));
    assert_int_equal(d->len, 9);
    const struct tk_jv *s = tk_jv_get(d, "s");
    assert_int_equal(tk_jv_strlen(s), 3);
    assert_memory_equal(tk_jv_str(s), "a\0b", 3);
    assert_true(tk_jv_int(tk_jv_get(d, "i")) == INT64_MIN);
    assert_true(tk_jv_is(tk_jv_get(d, "r"), TK_JV_REAL));
    assert_true(tk_jv_num(tk_jv_get(d, "r")) == 1500.0);
    assert_true(tk_jv_is_bool(tk_jv_get(d, "t")) && tk_jv_is(tk_jv_get(d, "t"), TK_JV_TRUE));
    assert_true(tk_jv_is(tk_jv_get(d, "f"), TK_JV_FALSE));
    assert_true(tk_jv_is(tk_jv_get(d, "n"), TK_JV_NULL));
    assert_string_equal(tk_jv_str(tk_jv_get(d, "dup")), "later");
    const struct tk_jv *arr = tk_jv_get(d, "arr"), *el;
    size_t i, seen = 0;
    assert_int_equal(tk_jv_size(arr), 3);
    tk_jv_foreach(arr, i, el) seen++;
    assert_int_equal(seen, 3);
    /* NULL-safety, as jansson's accessors */
    assert_null(tk_jv_get(NULL, "x"));
    assert_null(tk_jv_get(arr, "x"));
    assert_null(tk_jv_str(tk_jv_get(d, "i")));
    assert_int_equal(tk_jv_int(s), 0);
    assert_int_equal(tk_jv_size(s), 0);
    seen = 0;
    tk_jv_foreach(s, i, el) seen++;
    assert_int_equal(seen, 0);
    tk_arena_release(&a);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "{", "{\"a\":1,}", "[1 2]", "{\"a\":9223372036854775808}", "{\"k\\u0000\":1}",
        "\"\xff\"", "[1e999]", "{} x",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        struct tk_arena a;
        struct tk_err err = { 0 };
        assert_null(parse(&a, bad[k], &err));
        assert_non_null(strstr(err.msg, "t.json"));
        tk_arena_release(&a);
    }
}

/* Walks both trees together: same types, values, sizes and members. */
static void same(const struct tk_jv *v, json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        assert_true(tk_jv_is(v, TK_JV_OBJECT));
        assert_int_equal(v->len >= json_object_size(j), 1);
        const char *k;
        json_t *m;
        json_object_foreach(j, k, m) same(tk_jv_get(v, k), m);
        break;
    }
    case JSON_ARRAY: {
        assert_int_equal(tk_jv_size(v), json_array_size(j));
        size_t i;
        const struct tk_jv *el;
        tk_jv_foreach(v, i, el) same(el, json_array_get(j, i));
        break;
    }
    case JSON_STRING:
        assert_int_equal(tk_jv_strlen(v), json_string_length(j));
        assert_memory_equal(tk_jv_str(v), json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        assert_true(tk_jv_int(v) == json_integer_value(j));
        break;
    case JSON_REAL:
        assert_true(tk_jv_num(v) == json_real_value(j));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
    case JSON_NULL:
        assert_int_equal(v->type, json_is_true(j) ? TK_JV_TRUE
                                  : json_is_false(j) ? TK_JV_FALSE : TK_JV_NULL);
        break;
    }
}

/* Objects of 1 to 100 members, some keys repeated (a lookup stops early only where no key
 * can be): every lookup answers with the last member of its key, as jansson's does. */
static void test_lookup_finds_the_later(void **state)
{
    (void)state;
    char text[4096];
    unsigned seed = 7;
    for (int size = 1; size <= 100; size++) {
        int len = snprintf(text, sizeof text, "{");
        for (int i = 0; i < size; i++) {
            seed = seed * 1103515245u + 12345u;
            int key = seed >> 16 & 1 ? i : (int)(seed >> 20) % (i + 1); /* a repeat half the time */
            len += snprintf(text + len, sizeof text - (size_t)len, "%s\"k%d\":%d", i ? "," : "", key, i);
        }
        snprintf(text + len, sizeof text - (size_t)len, "}");
        struct tk_arena a;
        struct tk_err err = { 0 };
        const struct tk_jv *d = parse(&a, text, &err);
        assert_non_null(d);
        for (const struct tk_jv *el = d->u.first; el; el = el->next) {
            const struct tk_jv *last = NULL;
            for (const struct tk_jv *m = d->u.first; m; m = m->next)
                if (strcmp(m->key, el->key) == 0)
                    last = m;
            assert_ptr_equal(tk_jv_get(d, el->key), last);
        }
        assert_null(tk_jv_get(d, "absent"));
        tk_arena_release(&a);
    }
}

static void test_agrees_with_jansson(void **state)
{
    (void)state;
    static const char *const docs[] = {
        ("{\"format\":\"tenken-bundle\",\"inventory\":[{\"name\":\"zoom\",\"version\":\"5.15\","
         "\"enabled\":null},{\"name\":\"\\u65e5\\u672c\",\"n\":-0}],\"x\":{\"y\":{\"z\":[[]]}}}"),
        "[0.1, 2.5e-3, -7, 123456789012, \"\\\"\\\\\\/\\b\\f\\n\\r\\t\", {\"\":\"empty key\"}]",
        "\"top-level string\"", "42", "null",
    };
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        struct tk_arena a;
        struct tk_err err = { 0 };
        const struct tk_jv *v = parse(&a, docs[k], &err);
        assert_non_null(v);
        json_error_t je;
        json_t *j = json_loads(docs[k], JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        assert_non_null(j);
        same(v, j);
        json_decref(j);
        tk_arena_release(&a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_lookup_finds_the_later),
        cmocka_unit_test(test_agrees_with_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
