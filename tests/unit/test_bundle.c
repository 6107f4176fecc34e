/* test_bundle.c - the bundle model and its JSON form: ids, bounds and drop counters,
 * errors, severities, and the written document's shape. */
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "bundle/bundle_json.h"

static json_t *to_json(const struct tk_bundle *b)
{
    struct tk_buf out = TK_BUF_INIT((size_t)1 << 26);
    struct tk_json w;
    tk_json_init_buf(&w, &out, TK_JSON_PRETTY);
    assert_int_equal(tk_bundle_write_json(b, &w), 0);
    json_error_t je;
    json_t *j = json_loadb(out.ptr, out.len, 0, &je);
    assert_non_null(j);
    tk_buf_release(&out);
    return j;
}

static void test_ids_are_uuid4_and_unique(void **state)
{
    (void)state;
    struct tk_bundle a, b;
    assert_int_equal(tk_bundle_init(&a, NULL), 0);
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    assert_int_equal(strlen(a.bundle_id), 36);
    assert_int_equal(a.bundle_id[14], '4');
    assert_true(strchr("89ab", a.bundle_id[19]) != NULL);
    assert_string_not_equal(a.bundle_id, b.bundle_id);
    tk_bundle_release(&a);
    tk_bundle_release(&b);
}

static void test_severity_names_round_trip(void **state)
{
    (void)state;
    for (int s = TK_SEV_INFO; s <= TK_SEV_CRITICAL; s++) {
        enum tk_severity back;
        assert_int_equal(tk_severity_parse(tk_severity_name((enum tk_severity)s), &back), 0);
        assert_int_equal(back, s);
    }
    enum tk_severity x;
    assert_int_equal(tk_severity_parse("severe", &x), TK_EINVAL);
}

static void test_errors_are_bounded_and_counted(void **state)
{
    (void)state;
    struct tk_bundle b;
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    for (int i = 0; i < TK_BUNDLE_MAX_ERRORS + 10; i++)
        tk_bundle_errorf(&b, "dpkg", "/var/lib/dpkg/status", TK_EPARSE, "line %d", i);
    assert_int_equal(b.nerrors, TK_BUNDLE_MAX_ERRORS);
    assert_int_equal(b.errors_dropped, 10);
    assert_string_equal(b.errors[0].kind, "parse");
    assert_string_equal(b.errors[1].message, "line 1");
    json_t *j = to_json(&b);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "dropped"), "errors")),
                     10);
    json_decref(j);
    tk_bundle_release(&b);
}

static void test_document_shape(void **state)
{
    (void)state;
    struct tk_bundle b;
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    b.host.hostname = "pc\x01";
    b.host.started = 0;
    b.host.finished = 86400;
    struct tk_item *it = tk_bundle_add_item(&b);
    it->name = "zoom";
    it->version = NULL;
    it->source = "dir";
    it->enabled = TK_NO;
    struct tk_finding *f = tk_bundle_add_finding(&b);
    f->id = "TK-X";
    f->severity = TK_SEV_HIGH;
    f->category = "exposure";
    f->confidence = "high";
    f->title_en = f->title_ja = f->remediation_en = f->remediation_ja = "t";
    assert_int_equal(tk_finding_add_evidence(&b, f, "/inventory/0", "zoom"), 0);
    assert_int_equal(tk_bundle_max_severity(&b), TK_SEV_HIGH);
    json_t *j = to_json(&b);
    assert_string_equal(json_string_value(json_object_get(j, "format")), "tenken-bundle");
    assert_int_equal(json_integer_value(json_object_get(j, "format_version")), 1);
    json_t *host = json_object_get(j, "host");
    assert_string_equal(json_string_value(json_object_get(host, "hostname")), "pc\x01");
    assert_string_equal(json_string_value(json_object_get(host, "started_at")),
                        "1970-01-01T00:00:00Z");
    assert_string_equal(json_string_value(json_object_get(host, "finished_at")),
                        "1970-01-02T00:00:00Z");
    assert_true(json_is_null(json_object_get(host, "boot_time")));
    json_t *item = json_array_get(json_object_get(j, "inventory"), 0);
    assert_true(json_is_null(json_object_get(item, "version")));
    assert_true(json_is_false(json_object_get(item, "enabled")));
    assert_null(json_object_get(item, "vendor")); /* optional members are left out */
    json_t *svc = json_object_get(json_object_get(j, "network"), "firewall");
    assert_true(json_is_null(json_object_get(svc, "loaded")));
    json_t *ev = json_array_get(json_object_get(json_array_get(json_object_get(j, "findings"), 0),
                                                "evidence"),
                                0);
    assert_string_equal(json_string_value(json_object_get(ev, "ref")), "/inventory/0");
    json_decref(j);
    tk_bundle_release(&b);
    assert_int_equal(tk_bundle_max_severity(&b), -1);
}

static void test_items_past_the_bound_are_dropped(void **state)
{
    (void)state;
    struct tk_bundle b;
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    size_t added = 0;
    for (size_t i = 0; i < TK_BUNDLE_MAX_ITEMS + 3; i++)
        added += tk_bundle_add_item(&b) != NULL;
    assert_int_equal(added, TK_BUNDLE_MAX_ITEMS);
    assert_int_equal(b.items_dropped, 3);
    tk_bundle_release(&b);
}

static void test_updates_sorted_unique_and_bounded(void **state)
{
    (void)state;
    struct tk_bundle b;
    char kb[16];
    assert_int_equal(tk_bundle_init(&b, NULL), 0);
    for (int i = TK_BUNDLE_MAX_UPDATES - 1; i >= 0; i--) {
        snprintf(kb, sizeof kb, "KB%07d", i);
        assert_int_equal(tk_bundle_add_update(&b, kb), 0);
    }
    assert_int_equal(tk_bundle_add_update(&b, "KB0000007"), 0); /* a repeat: no change */
    assert_int_equal(tk_bundle_add_update(&b, "KB9999999"), TK_ELIMIT);
    assert_int_equal(b.host.nupdates, TK_BUNDLE_MAX_UPDATES);
    assert_string_equal(b.host.updates[0], "KB0000000");
    assert_string_equal(b.host.updates[TK_BUNDLE_MAX_UPDATES - 1], "KB0004095");
    tk_bundle_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_are_uuid4_and_unique),
        cmocka_unit_test(test_severity_names_round_trip),
        cmocka_unit_test(test_errors_are_bounded_and_counted),
        cmocka_unit_test(test_document_shape),
        cmocka_unit_test(test_items_past_the_bound_are_dropped),
        cmocka_unit_test(test_updates_sorted_unique_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
