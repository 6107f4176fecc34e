/* test_rules.c - the libyara adapter (scan/rules.h): the built-in rules compile, every
 * compile error is reported as FILE:LINE, THOR's external variables reach the rules, rule
 * meta feeds scores, matched strings keep at most 64 bytes of context, and the rule-set hash
 * follows the sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "scan/rules.h"

static char dir[] = "/tmp/tenken-rules-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
    static char path[4][256];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static struct tk_rules *compile(const char *const *paths, size_t n, bool builtin)
{
    struct tk_rules *r = NULL;
    struct tk_err err = { 0 };
    struct tk_rules_opts o = { .builtin = builtin, .paths = paths, .npaths = n };
    if (tk_rules_compile(&r, &o, &err) != 0)
        fail_msg("%s", err.msg);
    return r;
}

static void test_builtin_rules_compile(void **state)
{
    (void)state;
    struct tk_rules *r = compile(NULL, 0, true);
    assert_true(tk_rules_count(r) >= 20);
    assert_int_equal(strlen(tk_rules_hash(r)), 64);
    tk_rules_free(r);
}

static void test_every_error_is_reported(void **state)
{
    (void)state;
    const char *a = write_file("a.yar", "rule ok { condition: true }\n\nrule bad1 { condition: $x }\n");
    const char *b = write_file("b.yar", "rule bad2 {\n strings: $a = \"x\"\n condition: nope\n}\n");
    const char *paths[] = { a, b };
    struct tk_rules *r = NULL;
    struct tk_buf errors = TK_BUF_INIT(1 << 16);
    struct tk_err err = { 0 };
    struct tk_rules_opts o = { .paths = paths, .npaths = 2, .errors = &errors };
    assert_int_equal(tk_rules_compile(&r, &o, &err), TK_EPARSE);
    assert_null(r);
    char want[300];
    snprintf(want, sizeof want, "%s:3:", a);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(tk_buf_cstr(&errors), want));
    snprintf(want, sizeof want, "%s:3:", b);
    assert_non_null(strstr(tk_buf_cstr(&errors), want)); /* the second file's error too */
    tk_buf_release(&errors);
    /* No rules at all, and a path that does not exist. */
    struct tk_rules_opts none = { 0 };
    assert_int_equal(tk_rules_compile(&r, &none, &err), TK_EINVAL);
    const char *missing[] = { "/nonexistent/rules.yar" };
    struct tk_rules_opts m = { .paths = missing, .npaths = 1 };
    assert_int_equal(tk_rules_compile(&r, &m, &err), TK_ENOENT);
    assert_non_null(strstr(err.msg, "/nonexistent/rules.yar"));
}

/* The scanner of the last scan stays alive (its matches borrow from it) until the next scan
 * or scan_done(). */
static struct tk_scanner *last;

static void scan_done(void)
{
    tk_scanner_free(last);
    last = NULL;
}

static int scan(struct tk_rules *r, const struct tk_scan_target *t, const char *data,
                const struct tk_match **m)
{
    struct tk_err err;
    scan_done();
    assert_int_equal(tk_scanner_new(&last, r, 10, &err), 0);
    return tk_scanner_scan_mem(last, t, (const unsigned char *)data, strlen(data), "t", m, &err);
}

static void test_externals_and_meta(void **state)
{
    (void)state;
    const char *p = write_file(
        "ext.yar",
        "rule ext : web shell {\n"
        "  meta: score = 80 author = \"me\" reference = \"https://example.org\"\n"
        "  condition: filename == \"x.php\" and filepath == \"/srv/www\" and\n"
        "    extension == \".php\" and filetype == \"PHP\" and owner == \"www-data\" and\n"
        "    group == \"www\" and filemode == 420 and md5 == \"abc\"\n"
        "}\n"
        "rule memonly { meta: type = \"memory\" condition: true }\n"
        "rule fp { meta: falsepositive = 1 score = \"40\" condition: filename == \"x.php\" }\n"
        "private rule hidden { condition: true }\n");
    struct tk_rules *r = compile(&p, 1, false);
    struct tk_scan_target t = { .filename = "x.php", .filepath = "/srv/www", .extension = ".php",
                                .filetype = "PHP", .owner = "www-data", .group = "www",
                                .md5 = "abc", .filemode = 0644 };
    const struct tk_match *m;
    int n = scan(r, &t, "<?php ?>", &m);
    assert_int_equal(n, 2); /* not the memory-only rule, not the private one */
    assert_string_equal(m[0].rule, "ext");
    assert_string_equal(m[0].tags, "web shell");
    assert_int_equal(m[0].score, 80);
    assert_string_equal(m[0].author, "me");
    assert_string_equal(m[0].reference, "https://example.org");
    assert_string_equal(m[1].rule, "fp");
    assert_int_equal(m[1].score, -40);
    /* The same data as another file: externals change the verdict. */
    t.filepath = "/tmp";
    n = scan(r, &t, "<?php ?>", &m);
    assert_int_equal(n, 1);
    assert_string_equal(m[0].rule, "fp");
    /* In memory, the memory-only rule counts and file rules still see their externals. */
    t.memory = true;
    n = scan(r, &t, "<?php ?>", &m);
    assert_int_equal(n, 2);
    scan_done();
    tk_rules_free(r);
}

static void test_string_context_is_bounded(void **state)
{
    (void)state;
    const char *p = write_file("s.yar",
                               "rule many { strings: $a = \"ab\" $long = /Z{100}/ condition: any of them }\n");
    struct tk_rules *r = compile(&p, 1, false);
    struct tk_buf data = TK_BUF_INIT(1 << 20);
    for (int i = 0; i < 40; i++)
        tk_buf_adds(&data, "ab-");
    for (int i = 0; i < 150; i++)
        tk_buf_addc(&data, 'Z');
    struct tk_scan_target t = { .filename = "f" };
    const struct tk_match *m;
    assert_int_equal(scan(r, &t, tk_buf_cstr(&data), &m), 1);
    assert_true(m[0].total_strings >= 41);
    assert_int_equal(m[0].nstrings, TK_MATCH_MAX_STRINGS);
    assert_string_equal(m[0].strings[0].id, "$a");
    assert_int_equal(m[0].strings[0].offset, 0);
    assert_string_equal(m[0].strings[0].hex, "6162");
    assert_int_equal(m[0].strings[1].offset, 3);
    tk_buf_release(&data);
    /* A long match keeps 64 bytes of context. */
    p = write_file("l.yar", "rule long { strings: $z = /Z{100}/ condition: $z }\n");
    struct tk_rules *r2 = compile(&p, 1, false);
    char zs[160];
    memset(zs, 'Z', 150);
    zs[150] = '\0';
    assert_int_equal(scan(r2, &t, zs, &m), 1);
    assert_true(m[0].strings[0].length >= 100);
    assert_int_equal(strlen(m[0].strings[0].hex), 128);
    scan_done();
    tk_rules_free(r2);
    tk_rules_free(r);
}

static void test_hash_follows_sources(void **state)
{
    (void)state;
    const char *p = write_file("h.yar", "rule h { condition: true }\n");
    struct tk_rules *r1 = compile(&p, 1, false), *r2 = compile(&p, 1, false);
    assert_string_equal(tk_rules_hash(r1), tk_rules_hash(r2));
    write_file("h.yar", "rule h { condition: false }\n");
    struct tk_rules *r3 = compile(&p, 1, false);
    assert_string_not_equal(tk_rules_hash(r1), tk_rules_hash(r3));
    tk_rules_free(r1);
    tk_rules_free(r2);
    tk_rules_free(r3);
}

static void test_directories_and_compiled_rules(void **state)
{
    (void)state;
    char sub[300], cmd[700];
    snprintf(sub, sizeof sub, "%s/set", dir);
    mkdir(sub, 0755);
    write_file("set/one.yar", "rule same { condition: true }\n");
    write_file("set/two.yara", "rule same { condition: true }\n"); /* own namespace: no clash */
    write_file("set/notes.txt", "not rules\n");
    const char *paths[] = { sub };
    struct tk_rules *r = compile(paths, 1, false);
    assert_int_equal(tk_rules_count(r), 2);
    tk_rules_free(r);
    if (system("command -v yarac >/dev/null 2>&1") != 0)
        skip();
    snprintf(cmd, sizeof cmd, "yarac -d filename= '%s/set/one.yar' '%s/c.yarc'", dir, dir);
    assert_int_equal(system(cmd), 0);
    char compiled[300];
    snprintf(compiled, sizeof compiled, "%s/c.yarc", dir);
    const char *cp[] = { compiled };
    r = compile(cp, 1, true); /* compiled rules beside the built-in sources */
    struct tk_scan_target t = { .filename = "f" };
    const struct tk_match *m;
    int n = scan(r, &t, "x", &m);
    bool found = false;
    for (int i = 0; i < n; i++)
        found |= strcmp(m[i].rule, "same") == 0;
    assert_true(found);
    scan_done();
    tk_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_rules_compile),
        cmocka_unit_test(test_every_error_is_reported),
        cmocka_unit_test(test_externals_and_meta),
        cmocka_unit_test(test_string_context_is_bounded),
        cmocka_unit_test(test_hash_follows_sources),
        cmocka_unit_test(test_directories_and_compiled_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
