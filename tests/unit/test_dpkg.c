/* test_dpkg.c - the incremental dpkg status parser fed line by line: fields kept, Source with
 * and without a version, package states, continuation lines, malformed lines and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "collect/dpkg.h"
#include "core/buf.h"
#include "core/err.h"

#define MAX_PKGS 16
#define MAX_ERRS 16

struct pkg {
    char name[64], version[64], arch[32], state[32], src[64], srcver[64];
};

struct run {
    struct pkg pkgs[MAX_PKGS];
    size_t npkgs;
    int errs[MAX_ERRS];
    char msgs[MAX_ERRS][512];
    size_t nerrs;
    size_t stop_at; /* return 9 from the callback for this package (1-based); 0 = never */
};

static void copy(char *dst, size_t cap, struct tk_str s)
{
    snprintf(dst, cap, "%.*s", (int)s.n, s.p);
}

static int on_pkg(void *ud, const struct tk_dpkg_parser *p)
{
    struct run *r = ud;
    assert_true(r->npkgs < MAX_PKGS);
    struct pkg *k = &r->pkgs[r->npkgs++];
    struct tk_str sname, sver;
    copy(k->name, sizeof k->name, tk_dpkg_get(p, TK_DPKG_PACKAGE));
    copy(k->version, sizeof k->version, tk_dpkg_get(p, TK_DPKG_VERSION));
    copy(k->arch, sizeof k->arch, tk_dpkg_get(p, TK_DPKG_ARCH));
    copy(k->state, sizeof k->state, tk_dpkg_state(p));
    tk_dpkg_source(p, &sname, &sver);
    copy(k->src, sizeof k->src, sname);
    copy(k->srcver, sizeof k->srcver, sver);
    return r->stop_at && r->npkgs == r->stop_at ? 9 : 0;
}

static void note(struct run *r, int rc, const struct tk_err *e)
{
    assert_true(r->nerrs < MAX_ERRS);
    r->errs[r->nerrs] = rc;
    snprintf(r->msgs[r->nerrs], sizeof r->msgs[0], "%s", e->msg);
    r->nerrs++;
}

/* Feeds text line by line as the collector does, then finishes; returns the first non-parse
 * return value (a callback stop) or 0. */
static int feed_all(struct run *r, const char *text)
{
    struct tk_dpkg_parser p;
    struct tk_err e = { 0 };
    tk_dpkg_parser_init(&p, on_pkg, r);
    struct tk_str rest = tk_str_c(text), line;
    size_t lineno = 0;
    int rc = 0;
    while (tk_str_next_line(&rest, &line)) {
        rc = tk_dpkg_feed(&p, line, "status", ++lineno, &e);
        if (rc == TK_EPARSE) {
            note(r, rc, &e);
            rc = 0;
        } else if (rc) {
            break;
        }
    }
    if (!rc) {
        rc = tk_dpkg_finish(&p, "status", &e);
        if (rc == TK_EPARSE) {
            note(r, rc, &e);
            rc = 0;
        }
    }
    tk_dpkg_parser_release(&p);
    return rc;
}

static void expect_pkg(const struct run *r, size_t i, const char *name, const char *version,
                       const char *arch, const char *state, const char *src, const char *srcver)
{
    assert_true(i < r->npkgs);
    const struct pkg *k = &r->pkgs[i];
    assert_string_equal(k->name, name);
    assert_string_equal(k->version, version);
    assert_string_equal(k->arch, arch);
    assert_string_equal(k->state, state);
    assert_string_equal(k->src, src);
    assert_string_equal(k->srcver, srcver);
}

static const char status_file[] = "Package: libc6\n"                          /* 1 */
                                  "Status: install ok installed\n"            /* 2 */
                                  "Priority: optional\n"                      /* 3 */
                                  "Architecture: amd64\n"                     /* 4 */
                                  "Source: glibc (2.36-9+deb12u4)\n"          /* 5 */
                                  "Version: 2.36-9+deb12u4\n"                 /* 6 */
                                  "Description: GNU C Library\n"              /* 7 */
                                  " Contains the standard libraries.\n"       /* 8 */
                                  " .\n"                                      /* 9 */
                                  " Package: not-a-field\n"                   /* 10 */
                                  "\tVersion: 9.9\n"                          /* 11 */
                                  "\n"                                        /* 12 */
                                  "Package: bash\n"                           /* 13 */
                                  "Status: install ok installed\n"            /* 14 */
                                  "Version: 5.2.15-2+b2\n"                    /* 15 */
                                  "Architecture: amd64\n"                     /* 16 */
                                  "Conffiles:\n"                              /* 17 */
                                  " /etc/bash.bashrc 89269e1298235f1b12b4c16e4065ad0d\n"
                                  "\n"                                        /* 19 */
                                  "\n"                                        /* 20 */
                                  "Package: oldpkg\n"                         /* 21 */
                                  "Status: deinstall ok config-files\n"       /* 22 */
                                  "Version: 1.0-1\n"                          /* 23 */
                                  "Source: oldsrc\n"                          /* 24 */
                                  "\n"                                        /* 25 */
                                  "Package: ghost\n"                          /* 26 */
                                  "Status: purge ok not-installed\n"          /* 27 */
                                  "Architecture: all\n";                      /* 28 */

static void test_stanzas(void **state)
{
    (void)state;
    struct run r = { 0 };
    assert_int_equal(feed_all(&r, status_file), 0);
    assert_int_equal(r.nerrs, 0);
    assert_int_equal(r.npkgs, 4);
    /* Continuation lines (8-11) change nothing, even when they look like fields. */
    expect_pkg(&r, 0, "libc6", "2.36-9+deb12u4", "amd64", "installed", "glibc",
               "2.36-9+deb12u4");
    /* Without Source, the source is the binary package itself. */
    expect_pkg(&r, 1, "bash", "5.2.15-2+b2", "amd64", "installed", "bash", "5.2.15-2+b2");
    /* Source without a version: the binary version applies. */
    expect_pkg(&r, 2, "oldpkg", "1.0-1", "", "config-files", "oldsrc", "1.0-1");
    /* The last stanza has no trailing blank line: finish delivers it. The parser reports
     * every state; filtering "not-installed" is the collector's job. */
    expect_pkg(&r, 3, "ghost", "", "all", "not-installed", "ghost", "");
}

static void test_source_forms(void **state)
{
    (void)state;
    struct run r = { 0 };
    assert_int_equal(feed_all(&r, "Package: a\nVersion: 1\nSource:   srcA   ( 2:1.0-3 )  \n\n"
                                  "Package: b\nVersion: 2\nSource: srcB(7)\n\n"
                                  "Package: c\nVersion: 3\nSource: srcC (\n"),
                     0);
    assert_int_equal(r.npkgs, 3);
    assert_string_equal(r.pkgs[0].src, "srcA");
    assert_string_equal(r.pkgs[0].srcver, "2:1.0-3");
    assert_string_equal(r.pkgs[1].src, "srcB");
    assert_string_equal(r.pkgs[1].srcver, "7");
    assert_string_equal(r.pkgs[2].src, "srcC");
}

static void test_states(void **state)
{
    (void)state;
    struct run r = { 0 };
    assert_int_equal(feed_all(&r, "Package: a\nStatus: install ok half-configured\n\n"
                                  "Package: b\nStatus: hold ok   unpacked  \n\n"
                                  "Package: c\nStatus: install ok\n\n"
                                  "Package: d\n"),
                     0);
    assert_int_equal(r.npkgs, 4);
    assert_string_equal(r.pkgs[0].state, "half-configured");
    assert_string_equal(r.pkgs[1].state, "unpacked");
    assert_string_equal(r.pkgs[2].state, ""); /* fewer than three words */
    assert_string_equal(r.pkgs[3].state, ""); /* no Status at all */
}

static void test_field_names_case_insensitive(void **state)
{
    (void)state;
    struct run r = { 0 };
    assert_int_equal(feed_all(&r, "package: lower\nVERSION: 1.2\narchitecture: arm64\n"), 0);
    assert_int_equal(r.npkgs, 1);
    assert_string_equal(r.pkgs[0].name, "lower");
    assert_string_equal(r.pkgs[0].version, "1.2");
    assert_string_equal(r.pkgs[0].arch, "arm64");
}

static void test_later_field_wins_and_value_trimmed(void **state)
{
    (void)state;
    struct run r = { 0 };
    assert_int_equal(feed_all(&r, "Package: x\nVersion: 1\nVersion:\t 2 \r\n"), 0);
    assert_int_equal(r.npkgs, 1);
    assert_string_equal(r.pkgs[0].version, "2");
}

static void test_malformed_line_continues(void **state)
{
    (void)state;
    struct run r = { 0 };
    assert_int_equal(feed_all(&r, "Package: good\n"          /* 1 */
                                  "this line has no colon\n" /* 2 */
                                  ": no key\n"               /* 3 */
                                  "Version: 3.0\n"           /* 4 */
                                  "\n"                       /* 5 */
                                  "Package: next\n"),        /* 6 */
                     0);
    assert_int_equal(r.nerrs, 2);
    assert_int_equal(r.errs[0], TK_EPARSE);
    assert_non_null(strstr(r.msgs[0], "status:2:"));
    assert_int_equal(r.errs[1], TK_EPARSE);
    assert_non_null(strstr(r.msgs[1], "status:3:"));
    /* Both packages still come through, with the fields around the bad lines. */
    assert_int_equal(r.npkgs, 2);
    assert_string_equal(r.pkgs[0].name, "good");
    assert_string_equal(r.pkgs[0].version, "3.0");
    assert_string_equal(r.pkgs[1].name, "next");
}

static void test_stanza_without_package(void **state)
{
    (void)state;
    /* At the end of the input. */
    struct run r = { 0 };
    assert_int_equal(feed_all(&r, "Package: a\n\nStatus: install ok installed\nVersion: 1\n"), 0);
    assert_int_equal(r.npkgs, 1);
    assert_int_equal(r.nerrs, 1);
    assert_int_equal(r.errs[0], TK_EPARSE);
    assert_non_null(strstr(r.msgs[0], "status:3:")); /* names the stanza's first line */
    assert_non_null(strstr(r.msgs[0], "Package"));

    /* In the middle, and with an empty Package value; parsing goes on. */
    struct run r2 = { 0 };
    assert_int_equal(feed_all(&r2, "Version: 1\n\nPackage:\nVersion: 2\n\nPackage: c\n"), 0);
    assert_int_equal(r2.nerrs, 2);
    assert_non_null(strstr(r2.msgs[0], "status:1:"));
    assert_non_null(strstr(r2.msgs[1], "status:3:"));
    assert_int_equal(r2.npkgs, 1);
    assert_string_equal(r2.pkgs[0].name, "c");
    assert_string_equal(r2.pkgs[0].version, ""); /* nothing leaks from the bad stanza */
}

static void test_blank_lines(void **state)
{
    (void)state;
    struct run r = { 0 };
    assert_int_equal(feed_all(&r, "\n\n   \nPackage: a\n \t \nPackage: b\n\n\n"), 0);
    assert_int_equal(r.nerrs, 0);
    assert_int_equal(r.npkgs, 2);

    struct run empty = { 0 };
    assert_int_equal(feed_all(&empty, ""), 0);
    assert_int_equal(empty.npkgs, 0);
    assert_int_equal(empty.nerrs, 0);
}

static void test_callback_stops(void **state)
{
    (void)state;
    struct run r = { .stop_at = 2 };
    assert_int_equal(feed_all(&r, "Package: a\n\nPackage: b\n\nPackage: c\n\n"), 9);
    assert_int_equal(r.npkgs, 2);

    /* From finish too. */
    struct run r2 = { .stop_at = 1 };
    assert_int_equal(feed_all(&r2, "Package: only\n"), 9);
}

static void test_long_field(void **state)
{
    (void)state;
    static char text[16384];
    char big[5001];
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = '\0';

    /* Exactly 4096 bytes is accepted. */
    char exact[4097];
    memset(exact, 'w', 4096);
    exact[4096] = '\0';
    snprintf(text, sizeof text, "Package: p\nVersion: %s\n", exact);
    struct run r = { 0 };
    assert_int_equal(feed_all(&r, text), 0);
    assert_int_equal(r.nerrs, 0);
    assert_int_equal(r.npkgs, 1);

    /* Longer: reported as a parse error naming the line and field; the stanza survives
     * without a truncated value. */
    snprintf(text, sizeof text, "Package: p\nVersion: %s\nArchitecture: amd64\n\nPackage: q\n",
             big);
    struct run r2 = { 0 };
    assert_int_equal(feed_all(&r2, text), 0);
    assert_int_equal(r2.nerrs, 1);
    assert_int_equal(r2.errs[0], TK_EPARSE);
    assert_non_null(strstr(r2.msgs[0], "status:2:"));
    assert_non_null(strstr(r2.msgs[0], "Version"));
    assert_int_equal(r2.npkgs, 2);
    assert_string_equal(r2.pkgs[0].name, "p");
    assert_string_equal(r2.pkgs[0].version, "");
    assert_string_equal(r2.pkgs[0].arch, "amd64");
    assert_string_equal(r2.pkgs[1].name, "q");

    /* A long field that is not kept costs nothing. */
    snprintf(text, sizeof text, "Package: p\nDescription: %s\n", big);
    struct run r3 = { 0 };
    assert_int_equal(feed_all(&r3, text), 0);
    assert_int_equal(r3.nerrs, 0);
    assert_int_equal(r3.npkgs, 1);
}

static void test_get_outside_stanza(void **state)
{
    (void)state;
    struct tk_dpkg_parser p;
    tk_dpkg_parser_init(&p, on_pkg, NULL);
    struct tk_str s = tk_dpkg_get(&p, TK_DPKG_PACKAGE);
    assert_int_equal(s.n, 0);
    assert_non_null(s.p);
    assert_int_equal(tk_dpkg_state(&p).n, 0);
    struct tk_str n, v;
    tk_dpkg_source(&p, &n, &v);
    assert_int_equal(n.n, 0);
    assert_int_equal(v.n, 0);
    /* finish with nothing fed is fine */
    assert_int_equal(tk_dpkg_finish(&p, "status", NULL), 0);
    tk_dpkg_parser_release(&p);
    tk_dpkg_parser_release(&p); /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stanzas),
        cmocka_unit_test(test_source_forms),
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_field_names_case_insensitive),
        cmocka_unit_test(test_later_field_wins_and_value_trimmed),
        cmocka_unit_test(test_malformed_line_continues),
        cmocka_unit_test(test_stanza_without_package),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_long_field),
        cmocka_unit_test(test_get_outside_stanza),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
