/* test_ini.c - the tolerant key/value parsers: INI (sections, comments, BOM, bad lines,
 * tk_ini_get), shell assignments with tk_shell_unquote, and sshd-style keyword lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/ini.h"

#define MAX_ENTRIES 32

struct entry {
    char section[64], key[64], value[128];
    size_t lineno;
};

struct record {
    struct entry e[MAX_ENTRIES];
    size_t n;
    size_t bad[MAX_ENTRIES];
    size_t nbad;
    size_t stop_after; /* stop with 7 after this many entries; 0 = never */
};

static void copy(char *dst, size_t cap, struct tk_str s)
{
    snprintf(dst, cap, "%.*s", (int)s.n, s.p);
}

static int on_entry(void *ud, struct tk_str section, struct tk_str key, struct tk_str value,
                    size_t lineno)
{
    struct record *r = ud;
    assert_true(r->n < MAX_ENTRIES);
    struct entry *e = &r->e[r->n++];
    copy(e->section, sizeof e->section, section);
    copy(e->key, sizeof e->key, key);
    copy(e->value, sizeof e->value, value);
    e->lineno = lineno;
    return r->stop_after && r->n == r->stop_after ? 7 : 0;
}

static void on_bad(void *ud, size_t lineno)
{
    struct record *r = ud;
    assert_true(r->nbad < MAX_ENTRIES);
    r->bad[r->nbad++] = lineno;
}

static void expect_entry(const struct record *r, size_t i, const char *section, const char *key,
                         const char *value, size_t lineno)
{
    assert_true(i < r->n);
    assert_string_equal(r->e[i].section, section);
    assert_string_equal(r->e[i].key, key);
    assert_string_equal(r->e[i].value, value);
    assert_int_equal(r->e[i].lineno, lineno);
}

/* ---- INI ---------------------------------------------------------------------------- */

static const char profiles_ini[] = "\xEF\xBB\xBF[General]\n"           /* 1 */
                                   "StartWithLastProfile=1\n"          /* 2 */
                                   "# comment = x\n"                   /* 3 */
                                   "; comment = y\n"                   /* 4 */
                                   "\n"                                /* 5 */
                                   "[Profile0]\n"                      /* 6 */
                                   "Name = default \n"                 /* 7 */
                                   "IsRelative=1\r\n"                  /* 8 */
                                   "Path=Profiles/abc.default\n"       /* 9 */
                                   "garbage line\n"                    /* 10 */
                                   "[broken\n"                         /* 11 */
                                   "  [ Spaced ]  \n"                  /* 12 */
                                   "Key=a=b\n"                         /* 13 */
                                   "   # indented comment\n"           /* 14 */
                                   "\t; indented comment\n"            /* 15 */
                                   "Empty=\n"                          /* 16 */
                                   "Last = no newline";                /* 17 */

static void test_ini_parse(void **state)
{
    (void)state;
    struct record r = { 0 };
    assert_int_equal(tk_ini_parse(tk_str_c(profiles_ini), on_entry, on_bad, &r), 0);
    assert_int_equal(r.n, 7);
    expect_entry(&r, 0, "General", "StartWithLastProfile", "1", 2);
    expect_entry(&r, 1, "Profile0", "Name", "default", 7);
    expect_entry(&r, 2, "Profile0", "IsRelative", "1", 8);
    expect_entry(&r, 3, "Profile0", "Path", "Profiles/abc.default", 9);
    expect_entry(&r, 4, "Spaced", "Key", "a=b", 13);
    expect_entry(&r, 5, "Spaced", "Empty", "", 16);
    expect_entry(&r, 6, "Spaced", "Last", "no newline", 17);
    assert_int_equal(r.nbad, 2);
    assert_int_equal(r.bad[0], 10);
    assert_int_equal(r.bad[1], 11);
}

static void test_ini_bom_and_keys_before_sections(void **state)
{
    (void)state;
    struct record r = { 0 };
    assert_int_equal(tk_ini_parse(tk_str_c("\xEF\xBB\xBF" "key=v\n[s]\nk2=v2\n"), on_entry,
                                  on_bad, &r),
                     0);
    assert_int_equal(r.n, 2);
    expect_entry(&r, 0, "", "key", "v", 1);
    expect_entry(&r, 1, "s", "k2", "v2", 3);
    assert_int_equal(r.nbad, 0);

    /* A BOM alone on the first line is just an empty line. */
    struct record r2 = { 0 };
    assert_int_equal(tk_ini_parse(tk_str_c("\xEF\xBB\xBF\nk=v\n"), on_entry, on_bad, &r2), 0);
    assert_int_equal(r2.n, 1);
    expect_entry(&r2, 0, "", "k", "v", 2);
    assert_int_equal(r2.nbad, 0);
}

/* Regression: a BOM followed by blanks is ignored as if it were not there ("\xEF\xBB\xBF  [s]"
 * is a section, "\xEF\xBB\xBF # c=1" a comment). */
static void test_ini_bom_then_blanks(void **state)
{
    (void)state;
    struct record r = { 0 };
    assert_int_equal(tk_ini_parse(tk_str_c("\xEF\xBB\xBF  [s]\nk=v\n"), on_entry, on_bad, &r), 0);
    assert_int_equal(r.nbad, 0);
    assert_int_equal(r.n, 1);
    expect_entry(&r, 0, "s", "k", "v", 2);

    struct record r2 = { 0 };
    assert_int_equal(tk_ini_parse(tk_str_c("\xEF\xBB\xBF # c=1\nk=v\n"), on_entry, on_bad, &r2),
                     0);
    assert_int_equal(r2.n, 1);
    expect_entry(&r2, 0, "", "k", "v", 2);
}

static void test_ini_bad_without_callback(void **state)
{
    (void)state;
    /* A NULL bad callback is allowed: odd lines are skipped silently. */
    struct record r = { 0 };
    assert_int_equal(tk_ini_parse(tk_str_c("junk\n[x\nk=v\n"), on_entry, NULL, &r), 0);
    assert_int_equal(r.n, 1);
    expect_entry(&r, 0, "", "k", "v", 3);
}

static void test_ini_callback_stops(void **state)
{
    (void)state;
    struct record r = { .stop_after = 2 };
    assert_int_equal(tk_ini_parse(tk_str_c("a=1\nb=2\nc=3\n"), on_entry, on_bad, &r), 7);
    assert_int_equal(r.n, 2);
}

static void test_ini_empty(void **state)
{
    (void)state;
    struct record r = { 0 };
    assert_int_equal(tk_ini_parse(tk_str_c(""), on_entry, on_bad, &r), 0);
    assert_int_equal(tk_ini_parse(tk_str_c("\n\n# only comments\n"), on_entry, on_bad, &r), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.nbad, 0);
}

static void test_ini_get(void **state)
{
    (void)state;
    struct tk_str text = tk_str_c(profiles_ini), v = { "untouched", 9 };
    assert_true(tk_ini_get(text, "Profile0", "Path", &v));
    assert_true(tk_str_eq_c(v, "Profiles/abc.default"));
    assert_true(tk_ini_get(text, "PROFILE0", "path", &v));
    assert_true(tk_str_eq_c(v, "Profiles/abc.default"));
    assert_true(tk_ini_get(text, "general", "startwithlastprofile", &v));
    assert_true(tk_str_eq_c(v, "1"));
    assert_true(tk_ini_get(text, "spaced", "EMPTY", &v));
    assert_int_equal(v.n, 0);

    /* The value is a slice of the text itself. */
    assert_true(tk_ini_get(text, "Profile0", "Name", &v));
    assert_true(v.p >= text.p && v.p + v.n <= text.p + text.n);

    struct tk_str keep = { "untouched", 9 };
    v = keep;
    assert_false(tk_ini_get(text, "Profile0", "Missing", &v));
    assert_false(tk_ini_get(text, "General", "Path", &v)); /* wrong section */
    assert_false(tk_ini_get(text, "Profile", "Path", &v));
    assert_false(tk_ini_get(text, "# comment", "x", &v));
    assert_true(v.p == keep.p && v.n == keep.n);

    /* The first occurrence wins. */
    assert_true(tk_ini_get(tk_str_c("[a]\nk=1\n[A]\nK=2\n"), "a", "k", &v));
    assert_true(tk_str_eq_c(v, "1"));
    /* Keys before any section live in the empty section. */
    assert_true(tk_ini_get(tk_str_c("top=1\n[s]\ntop=2\n"), "", "TOP", &v));
    assert_true(tk_str_eq_c(v, "1"));
}

/* ---- shell assignments -------------------------------------------------------------- */

static const char os_release[] = "# os-release\n"                                /* 1 */
                                 "NAME=\"Debian GNU/Linux\"\n"                   /* 2 */
                                 "VERSION_ID='12'\n"                             /* 3 */
                                 "export PATH_X=/usr/bin\n"                      /* 4 */
                                 "ID=debian # trailing\n"                        /* 5 */
                                 "bad line\n"                                    /* 6 */
                                 "=nokey\n"                                      /* 7 */
                                 "  PRETTY_NAME=\"Debian \\\"bookworm\\\"\"\r\n" /* 8 */
                                 "EMPTY=\n"                                      /* 9 */
                                 "\n"                                            /* 10 */
                                 "LAST=x";                                       /* 11 */

static void test_shell_vars_parse(void **state)
{
    (void)state;
    struct record r = { 0 };
    assert_int_equal(tk_shell_vars_parse(tk_str_c(os_release), on_entry, on_bad, &r), 0);
    assert_int_equal(r.n, 7);
    expect_entry(&r, 0, "", "NAME", "\"Debian GNU/Linux\"", 2);
    expect_entry(&r, 1, "", "VERSION_ID", "'12'", 3);
    expect_entry(&r, 2, "", "PATH_X", "/usr/bin", 4);
    expect_entry(&r, 3, "", "ID", "debian # trailing", 5);
    expect_entry(&r, 4, "", "PRETTY_NAME", "\"Debian \\\"bookworm\\\"\"", 8);
    expect_entry(&r, 5, "", "EMPTY", "", 9);
    expect_entry(&r, 6, "", "LAST", "x", 11);
    assert_int_equal(r.nbad, 2);
    assert_int_equal(r.bad[0], 6);
    assert_int_equal(r.bad[1], 7);

    struct record r2 = { .stop_after = 1 };
    assert_int_equal(tk_shell_vars_parse(tk_str_c(os_release), on_entry, on_bad, &r2), 7);
    assert_int_equal(r2.n, 1);
}

static void expect_unquote(const char *in, const char *want)
{
    struct tk_buf b = TK_BUF_INIT(256);
    assert_int_equal(tk_shell_unquote(tk_str_c(in), &b), 0);
    if (strcmp(tk_buf_cstr(&b), want) != 0)
        fail_msg("unquote(%s) = [%s], want [%s]", in, tk_buf_cstr(&b), want);
    tk_buf_release(&b);
}

static void test_shell_unquote(void **state)
{
    (void)state;
    expect_unquote("plain", "plain");
    expect_unquote("", "");
    expect_unquote("\"a b\"", "a b");
    expect_unquote("'x'", "x");
    expect_unquote("'a b'", "a b");
    expect_unquote("\"a\\\"b\"", "a\"b");
    expect_unquote("\"\\$HOME\"", "$HOME");
    expect_unquote("\"\\`cmd\\`\"", "`cmd`");
    expect_unquote("\"a\\\\b\"", "a\\b");
    expect_unquote("\"a\\nb\"", "a\\nb");     /* other escapes keep the backslash */
    expect_unquote("'a\\\"b'", "a\\\"b");     /* nothing is special in single quotes */
    expect_unquote("'$HOME'", "$HOME");
    expect_unquote("\"it's\"", "it's");
    expect_unquote("'it'\\''s'", "it's");
    expect_unquote("a\"b c\"d", "ab cd");     /* quoting inside a word */
    expect_unquote("foo\\ bar", "foo bar");
    expect_unquote("\\$x", "$x");
    expect_unquote("x\\", "x\\");             /* trailing backslash stays */
    expect_unquote("\"unterminated", "unterminated");
    expect_unquote("'unterminated", "unterminated");
    /* An unquoted blank ends the word. */
    expect_unquote("foo bar", "foo");
    expect_unquote("debian # trailing", "debian");
    expect_unquote("a\tb", "a");
    expect_unquote(" lead", "");
    expect_unquote("\"a b\" c", "a b");
}

static void test_shell_unquote_appends_and_limit(void **state)
{
    (void)state;
    struct tk_buf b = TK_BUF_INIT(16);
    tk_buf_adds(&b, "pre:");
    assert_int_equal(tk_shell_unquote(tk_str_c("'v'"), &b), 0);
    assert_string_equal(tk_buf_cstr(&b), "pre:v");
    tk_buf_release(&b);

    struct tk_buf small = TK_BUF_INIT(3);
    assert_int_equal(tk_shell_unquote(tk_str_c("\"abcd\""), &small), TK_ELIMIT);
    assert_true(small.len <= 3);
    tk_buf_release(&small);
}

/* ---- keyword lines ------------------------------------------------------------------ */

static const char sshd_config[] = "# sshd_config\n"                 /* 1 */
                                  "Port 22\n"                       /* 2 */
                                  "PermitRootLogin=no\n"            /* 3 */
                                  "PasswordAuthentication = yes\n"  /* 4 */
                                  "  ListenAddress\t0.0.0.0  \n"    /* 5 */
                                  "AllowUsers alice  bob\n"         /* 6 */
                                  "UsePAM\n"                        /* 7 */
                                  "=oops\n"                         /* 8 */
                                  "\n"                              /* 9 */
                                  "Match User x\r\n"                /* 10 */
                                  "\tX11Forwarding yes";            /* 11 */

static void test_keyword_parse(void **state)
{
    (void)state;
    struct record r = { 0 };
    assert_int_equal(tk_keyword_parse(tk_str_c(sshd_config), on_entry, on_bad, &r), 0);
    assert_int_equal(r.n, 8);
    expect_entry(&r, 0, "", "Port", "22", 2);
    expect_entry(&r, 1, "", "PermitRootLogin", "no", 3);
    expect_entry(&r, 2, "", "PasswordAuthentication", "yes", 4);
    expect_entry(&r, 3, "", "ListenAddress", "0.0.0.0", 5);
    expect_entry(&r, 4, "", "AllowUsers", "alice  bob", 6);
    expect_entry(&r, 5, "", "UsePAM", "", 7);
    expect_entry(&r, 6, "", "Match", "User x", 10);
    expect_entry(&r, 7, "", "X11Forwarding", "yes", 11);
    assert_int_equal(r.nbad, 1);
    assert_int_equal(r.bad[0], 8);

    struct record r2 = { .stop_after = 3 };
    assert_int_equal(tk_keyword_parse(tk_str_c(sshd_config), on_entry, on_bad, &r2), 7);
    assert_int_equal(r2.n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ini_parse),
        cmocka_unit_test(test_ini_bom_and_keys_before_sections),
        cmocka_unit_test(test_ini_bom_then_blanks),
        cmocka_unit_test(test_ini_bad_without_callback),
        cmocka_unit_test(test_ini_callback_stops),
        cmocka_unit_test(test_ini_empty),
        cmocka_unit_test(test_ini_get),
        cmocka_unit_test(test_shell_vars_parse),
        cmocka_unit_test(test_shell_unquote),
        cmocka_unit_test(test_shell_unquote_appends_and_limit),
        cmocka_unit_test(test_keyword_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
