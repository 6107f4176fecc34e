/* test_vercmp.c - the version comparators (kb/vercmp.h): the measured dpkg/rpm table of
 * docs/notes (vuln-matching §4.2), the SemVer 2.0.0 precedence examples, dotted, browser
 * extension and appliance schemes, grammars, range expressions, and order properties
 * (reflexive, antisymmetric, transitive) on pseudo-random and garbage input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/vercmp.h"

struct pair {
    const char *a, *b;
    int want; /* -1 <, 0 =, 1 > */
};

#define N(arr) (sizeof(arr) / sizeof((arr)[0]))

static int vc(enum tk_vscheme s, const char *a, const char *b)
{
    return tk_vercmp(s, tk_str_c(a), tk_str_c(b));
}

/* Checks every pair both ways round and names the first that fails. */
static void check_pairs(enum tk_vscheme s, const struct pair *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int got = vc(s, p[i].a, p[i].b), back = vc(s, p[i].b, p[i].a);
        if (got != p[i].want || back != -p[i].want) {
            print_error("%s: \"%s\" vs \"%s\": got %d (reversed %d), want %d\n", tk_vscheme_name(s),
                        p[i].a, p[i].b, got, back, p[i].want);
            fail();
        }
    }
}

/* Checks that the versions are listed in strictly increasing order (every pair). */
static void check_chain(enum tk_vscheme s, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int want = (i > j) - (i < j);
            if (vc(s, v[i], v[j]) != want) {
                print_error("%s: \"%s\" vs \"%s\": got %d, want %d\n", tk_vscheme_name(s), v[i],
                            v[j], vc(s, v[i], v[j]), want);
                fail();
            }
        }
}

static void check_valid(enum tk_vscheme s, const char *const *yes, size_t ny, const char *const *no,
                        size_t nn)
{
    for (size_t i = 0; i < ny; i++)
        if (!tk_version_valid(s, tk_str_c(yes[i]))) {
            print_error("%s: \"%s\" should be valid\n", tk_vscheme_name(s), yes[i]);
            fail();
        }
    for (size_t i = 0; i < nn; i++)
        if (tk_version_valid(s, tk_str_c(no[i]))) {
            print_error("%s: \"%s\" should be invalid\n", tk_vscheme_name(s), no[i]);
            fail();
        }
}

/* ---- schemes by name ------------------------------------------------------------------ */

static void test_scheme_names(void **state)
{
    (void)state;
    for (int i = 0; i < TK_VSCHEME_COUNT; i++) {
        enum tk_vscheme s = TK_VSCHEME_COUNT;
        const char *name = tk_vscheme_name((enum tk_vscheme)i);
        assert_non_null(name);
        assert_string_not_equal(name, "unknown");
        assert_int_equal(tk_vscheme_parse(name, &s), 0);
        assert_int_equal(s, i);
    }
    const char *names[] = { "dpkg",     "rpm",        "semver",    "dotted",     "ext",
                            "chromium", "panos",      "ivanti",    "netscaler",  "fortios",
                            "bigip",    "cisco-asa",  "sonicwall", "checkpoint", "junos",
                            "fireware", "sophos-utm", "zyxel-zld" };
    assert_int_equal(N(names), TK_VSCHEME_COUNT);
    for (size_t i = 0; i < N(names); i++) {
        enum tk_vscheme s;
        assert_int_equal(tk_vscheme_parse(names[i], &s), 0);
        assert_string_equal(tk_vscheme_name(s), names[i]);
    }
    enum tk_vscheme s = TK_VSCHEME_RPM;
    assert_int_equal(tk_vscheme_parse("DPKG", &s), TK_EINVAL);
    assert_int_equal(tk_vscheme_parse("", &s), TK_EINVAL);
    assert_int_equal(tk_vscheme_parse("deb", &s), TK_EINVAL);
    assert_int_equal(tk_vscheme_parse(NULL, &s), TK_EINVAL);
    assert_int_equal(s, TK_VSCHEME_RPM); /* untouched on failure */
    assert_int_equal(TK_VSCHEME_DOTTED, 0);
    assert_string_equal(tk_vscheme_name(TK_VSCHEME_COUNT), "unknown");
    assert_string_equal(tk_vscheme_name((enum tk_vscheme)(TK_VSCHEME_COUNT + 7)), "unknown");
}

static void test_unknown_scheme_and_null(void **state)
{
    (void)state;
    enum tk_vscheme bad = (enum tk_vscheme)(TK_VSCHEME_COUNT + 3);
    assert_int_equal(vc(bad, "1.0", "1.0"), 0);
    assert_int_equal(vc(bad, "1.10", "1.9"), -1); /* byte-wise */
    assert_false(tk_version_valid(bad, tk_str_c("1.0")));
    struct tk_str null = { NULL, 0 };
    for (int i = 0; i < TK_VSCHEME_COUNT; i++) {
        enum tk_vscheme s = (enum tk_vscheme)i;
        assert_int_equal(tk_vercmp(s, null, tk_str_c("")), 0);
        assert_int_equal(tk_vercmp(s, null, null), 0);
        assert_false(tk_version_valid(s, null));
        assert_false(tk_version_valid(s, tk_str_c("")));
    }
}

/* ---- dpkg -------------------------------------------------------------------------------- */

/* vuln-matching.md §4.2, the dpkg column (measured with dpkg 1.21). */
static void test_dpkg_table(void **state)
{
    (void)state;
    static const struct pair p[] = {
        { "1.0~rc1", "1.0", -1 },
        { "1:0.9", "2.0", 1 },
        { "0:1.0", "1.0", 0 },
        { "1.0", "1.0-0", 0 },
        { "1.0", "1.0.0", -1 },
        { "1.0.0-1", "1.0-1", 1 },
        { "1.0", "1.0+deb12u1", -1 },
        { "1.0+dfsg", "1.0", 1 },
        { "2.0-1", "2.0-1~bpo12+1", 1 },
        { "3.0.11-1~deb12u2", "3.0.11-1", -1 },
        { "1.0-1", "1.0-1.1", -1 },
        { "1.0~~", "1.0~", -1 },
        { "1.10", "1.9", 1 },
        { "1.2.3a", "1.2.3", 1 },
        { "1.0.1", "1.0a", 1 },
        { "5.17.11.34827", "5.17.11", 1 },
        { "10.2.9-h1", "10.2.10", -1 },
        { "22.7R2.5", "22.7R2.10", -1 },
        { "13.1-49.15", "13.1-49.9", 1 },
    };
    check_pairs(TK_VSCHEME_DPKG, p, N(p));
}

static void test_dpkg_rules(void **state)
{
    (void)state;
    static const struct pair p[] = {
        /* '~' before everything, even the end; the end before letters; letters before
         * other characters. */
        { "1.0~", "1.0", -1 },
        { "1.0~~a", "1.0~~", 1 },
        { "~", "", -1 },
        { "1.0a", "1.0+", -1 },
        { "1.0a", "1.0.", -1 },
        { "1.0+", "1.0.", -1 },
        { "1.0~rc1", "1.0~rc1+b1", -1 },
        { "1.0Z", "1.0a", -1 },
        /* Digit runs are numbers; leading zeros do not count; any length. */
        { "1.01", "1.1", 0 },
        { "1.0010", "1.10", 0 },
        { "1.0.0009", "1.0.10", -1 },
        { "99999999999999999999999", "99999999999999999999998", 1 },
        { "1.99999999999999999999", "1.100000000000000000000", -1 },
        /* Epochs: numeric, missing = 0, win over everything else. */
        { "1:1.0", "9.9", 1 },
        { "01:1.0", "1:1.0", 0 },
        { "+1:1.0", "1:1.0", 0 },
        { "-0:1.0", "1.0", 0 },
        { "2:1.0", "10:1.0", -1 },
        { "0:1.0-0", "1.0", 0 },
        /* The revision follows the last hyphen; the upstream may hold hyphens. */
        { "1-2-3", "1-2-4", -1 },
        { "1-2-3", "1-3", 1 },
        { "1.0-1", "1.0-1+b1", -1 },
        { "1.0-0", "1.0-", 0 },
        /* Blanks around the version are ignored, as dpkg does. */
        { " 1.0\t", "1.0", 0 },
        /* Bytes >= 0x80 between letters and ASCII punctuation, as dpkg on amd64. */
        { "1.0\xe9", "1.0a", 1 },
        { "1.0\xe9", "1.0+", -1 },
        { "1.0~\xe9", "1.0~z", 1 },
        /* Where dpkg refuses the epoch, the whole string is the upstream version. */
        { "a:1.0", "1.0", 1 },
        { "1.0:2", "1.0", 1 },
    };
    check_pairs(TK_VSCHEME_DPKG, p, N(p));
    /* The ordering of deb-version(7)'s example. */
    static const char *const chain[] = { "~~", "~~a", "~", "", "a" };
    check_chain(TK_VSCHEME_DPKG, chain, N(chain));
    static const char *const debian[] = { "2.36-9",  "2.36-9+deb12u1", "2.36-9+deb12u4",
                                          "2.36-10", "2.37~rc1-1",     "2.37-1",
                                          "1:2.0-1" };
    check_chain(TK_VSCHEME_DPKG, debian, N(debian));
}

/* NUL bytes inside a slice weigh like punctuation, not like the end of the string. */
static void test_dpkg_nul(void **state)
{
    (void)state;
    static const char one[] = { '1', '.', '0', '\0', '1' }, two[] = { '1', '.', '0', '\0', '2' };
    struct tk_str a = { one, 5 }, b = { "1.0", 3 }, c = { two, 5 };
    assert_int_equal(tk_vercmp(TK_VSCHEME_DPKG, a, b), 1);
    assert_int_equal(tk_vercmp(TK_VSCHEME_DPKG, a, c), -1);
    assert_int_equal(tk_vercmp(TK_VSCHEME_DPKG, a, a), 0);
}

static void test_dpkg_valid(void **state)
{
    (void)state;
    static const char *const yes[] = { "1.0",       "1:2.3-4",          "2:4.17.12+dfsg-0+deb12u1",
                                       "1.0~rc1",   "3.0.11-1~deb12u2", "0",
                                       "1:1.2:3-1", "1.2-3-4",          "2147483647:1.0",
                                       " 1.0 ",     "1.0+b1-0" };
    static const char *const no[] = { "",      " ",       "1.0 1",     "a1.0",
                                      "1.0-",  ":1.0",    "1:",        "x:1.0",
                                      "1.0_1", "1.0-1_2", "1:1.0-2:3", "2147483648:1.0",
                                      "1.0:2", "+1:1.0",  "~1",        "1.0-\xe9",
                                      "-1" };
    check_valid(TK_VSCHEME_DPKG, yes, N(yes), no, N(no));
}

/* ---- rpm --------------------------------------------------------------------------------- */

/* vuln-matching.md §4.2, the rpm column (measured with python3-rpm 4.18). */
static void test_rpm_table(void **state)
{
    (void)state;
    static const struct pair p[] = {
        { "1.0~rc1", "1.0", -1 },
        { "1:0.9", "2.0", 1 },
        { "1.0", "1.0.0", -1 },
        { "1.0.0-1", "1.0-1", 1 },
        { "1.0^git1", "1.0", 1 },
        { "1.0^git1", "1.0.1", -1 },
        { "1.0~rc1^1", "1.0~rc1", 1 },
        { "1.0-1.el9", "1.0-1.el9_2", -1 },
        { "2.0.1", "2.0_1", 0 },
        { "1.10", "1.9", 1 },
        { "1.2.3a", "1.2.3", 1 },
        { "1.0.1", "1.0a", 1 },
        { "5.17.11.34827", "5.17.11", 1 },
    };
    check_pairs(TK_VSCHEME_RPM, p, N(p));
}

static void test_rpm_rules(void **state)
{
    (void)state;
    static const struct pair p[] = {
        /* A missing release sorts before any release, even an empty one (rpm.vercmp). */
        { "1.0", "1.0-1", -1 },
        { "1.0", "1.0-", -1 },
        { "1.0-", "1.0-0", -1 },
        /* '~' before the end, '^' after it but before more segments. */
        { "1.0~", "1.0", -1 },
        { "1.0^", "1.0", 1 },
        { "1.0^", "1.0.1", -1 },
        { "1.0~", "1.0^", -1 },
        { "1.0~~", "1.0~", -1 },
        { "1.0^a", "1.0^1", -1 },
        /* Separators are all the same and only separate; numbers beat letters. */
        { "1.0a", "1.0.a", 0 },
        { "1.0", "1.0.", 0 },
        { "1_0", "1.0", 0 },
        { "1%0", "1+0", 0 },
        { "a", "1", -1 },
        { "1.a", "1.1", -1 },
        { "abc", "abd", -1 },
        { "B", "a", -1 },
        { "001", "1", 0 },
        { "1.0010", "1.10", 0 },
        /* Epochs: digits before ':', empty or missing = 0. */
        { "0:1.0", "1.0", 0 },
        { ":1.0", "1.0", 0 },
        { "1:", "1", 1 },
        { "a:b", "1", -1 },
        /* The release follows the last hyphen. */
        { "1-2-3", "1-2-4", -1 },
        { "1.0-1.fc39", "1.0-1.fc39", 0 },
    };
    check_pairs(TK_VSCHEME_RPM, p, N(p));
    static const char *const chain[] = { "1.0~rc1",  "1.0~rc1^1",  "1.0",   "1.0-1", "1.0-2.el9",
                                         "1.0^git1", "1.0.1~beta", "1.0.1", "1:0.1" };
    check_chain(TK_VSCHEME_RPM, chain, N(chain));
}

static void test_rpm_valid(void **state)
{
    (void)state;
    static const char *const yes[] = { "1.0-1.el9", "2:1.0^git1-3.fc39", "1.0~rc1", "1",
                                       "0:1.0",     "1.0_1+2-3",         "a" };
    static const char *const no[] = { "",   "1.0-",   ":1.0",       "1.0 1", "1:2:3",
                                      "-1", "1.0-1-", "1.0%{dist}", "1:",    "1.0-a:b" };
    check_valid(TK_VSCHEME_RPM, yes, N(yes), no, N(no));
}

/* ---- semver ------------------------------------------------------------------------------ */

static void test_semver_spec(void **state)
{
    (void)state;
    /* SemVer 2.0.0, item 11: the precedence examples. */
    static const char *const core[] = { "1.0.0", "2.0.0", "2.1.0", "2.1.1" };
    check_chain(TK_VSCHEME_SEMVER, core, N(core));
    static const char *const pre[] = { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                       "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                       "1.0.0-rc.1",  "1.0.0" };
    check_chain(TK_VSCHEME_SEMVER, pre, N(pre));
    static const struct pair p[] = {
        /* Item 10: build metadata is ignored. */
        { "1.0.0+20130313144700", "1.0.0", 0 },
        { "1.0.0-beta+exp.sha.5114f85", "1.0.0-beta", 0 },
        { "1.0.0+21AF26D3----117B344092BD", "1.0.0+other", 0 },
        /* Numeric identifiers sort before alphanumeric ones, and compare as numbers. */
        { "1.0.0-1", "1.0.0-a", -1 },
        { "1.0.0-2", "1.0.0-10", -1 },
        { "1.0.0-alpha-1", "1.0.0-alpha", 1 },
        { "1.0.0-Alpha", "1.0.0-alpha", -1 }, /* ASCII order */
        { "1.0.0-x.7.z.92", "1.0.0-x.7.z.92", 0 },
        { "1.0.0-0.3.7", "1.0.0-0.3.7.1", -1 },
        /* A leading v; lenient core fields and leading zeros. */
        { "v1.2.3", "1.2.3", 0 },
        { "V1.2.3-rc.1", "1.2.3-rc.1", 0 },
        { "1.2", "1.2.0", 0 },
        { "1", "1.0.0", 0 },
        { "01.2.3", "1.2.3", 0 },
        { "1.2-beta", "1.2.0", -1 },
        { "99999999999999999999.0.0", "99999999999999999998.9.9", 1 },
        /* Not SemVer at all: before every version, byte-wise among themselves. */
        { "abc", "0.0.0", -1 },
        { "1.2.3.4", "0.0.1", -1 },
        { "", "0.0.0-0", -1 },
        { "abc", "abd", -1 },
        { " 1.2.3 ", "1.2.3", 0 },
    };
    check_pairs(TK_VSCHEME_SEMVER, p, N(p));
}

static void test_semver_valid(void **state)
{
    (void)state;
    static const char *const yes[] = {
        "0.0.4",
        "1.2.3",
        "10.20.30",
        "1.1.2-prerelease+meta",
        "1.1.2+meta",
        "1.1.2+meta-valid",
        "1.0.0-alpha",
        "1.0.0-alpha.beta.1",
        "1.0.0-alpha0.valid",
        "1.0.0-alpha.0valid",
        "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay",
        "1.0.0-rc.1+build.1",
        "10.2.3-DEV-SNAPSHOT",
        "1.2.3-SNAPSHOT-123",
        "2.0.0+build.1848",
        "1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
        "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
        "99999999999999999999999.999999999999999999.99999999999999999",
        "1.0.0-0A.is.legal",
        "v1.2.3",
        "1.0.0+001",
    };
    static const char *const no[] = {
        "1",
        "1.2",
        "1.2.3-0123",
        "1.2.3-0123.0123",
        "1.1.2+.123",
        "+invalid",
        "-invalid",
        "alpha",
        "1.0.0-alpha_beta",
        "1.0.0-alpha..",
        "1.0.0-alpha..1",
        "01.1.1",
        "1.01.1",
        "1.1.01",
        "1.2.3.DEV",
        "1.2-SNAPSHOT",
        "-1.0.3-gamma+b7718",
        "+justmeta",
        "9.8.7+meta+meta",
        "9.8.7-whatever+meta+meta",
        "1.2.3.4",
        "1.0.0-",
        "1.0.0+",
        "v",
        "vv1.2.3",
        "1.2.3 4",
    };
    check_valid(TK_VSCHEME_SEMVER, yes, N(yes), no, N(no));
}

/* ---- dotted ------------------------------------------------------------------------------ */

static void test_dotted(void **state)
{
    (void)state;
    static const struct pair p[] = {
        /* Missing fields are 0. */
        { "1.0", "1.0.0", 0 },
        { "1", "1.0.0.0", 0 },
        { "1.10", "1.9", 1 },
        { "10.0.19041.3803", "10.0.19041.3930", -1 },
        { "10.0.19045.1", "10.0.19041.9999", 1 },
        { "1.0.0.1", "1", 1 },
        { "v7.2.5", "7.2.5", 0 },
        { "1.01", "1.1", 0 },
        { "5.17.11.34827", "5.17.11", 1 },
        /* Other suffixes after the plain version, before the next one. */
        { "115.5.0esr", "115.5.0", 1 },
        { "115.5.0esr", "115.5.1", -1 },
        { "115.5.0esr", "115.6.0esr", -1 },
        { "115.5.0esr", "115.5.0-esr", 0 },
        { "9.2p1", "9.2", 1 },
        { "9.3p1", "9.3p2", -1 },
        { "9.3p10", "9.3p9", 1 },
        { "1.1.1w", "1.1.1t", 1 },
        { "1.1.1a", "1.1.1", 1 }, /* a lone letter is a letter release, not an alpha */
        { "1.1.1b", "1.1.1a", 1 },
        { "5.17.11 (34827)", "5.17.11", 1 },
        /* Pre-release tags before the plain version. */
        { "120.0b9", "120.0", -1 },
        { "1.0-rc1", "1.0rc1", 0 },
        { "1.0 Beta 2", "1.0b2", 0 },
        { "2.0.0-beta.2", "2.0.0beta2", 0 },
        { "1.0RC1", "1.0rc1", 0 },
        { "1.0beta", "1.0beta1", -1 },
        { "1.0b2", "1.0a9", 1 },
        { "1.0b2", "0.9", 1 },
        { "115.5.0esr", "115.5.0b2", 1 },
        { "1.0.b2", "1.0b2", 0 },
        /* Strings without a number still compare, after zero. */
        { "", "0", 0 },
        { "abc", "0", 1 },
        { "abc", "0.1", -1 },
        { "2020-10-29", "2020.10.29", -1 },
    };
    check_pairs(TK_VSCHEME_DOTTED, p, N(p));
    static const char *const firefox[] = { "120.0a1", "120.0b2",  "120.0b10", "120.0rc1",
                                           "120.0",   "120.0esr", "120.0.1",  "121.0a1" };
    check_chain(TK_VSCHEME_DOTTED, firefox, N(firefox));
    static const char *const tags[] = { "2.0dev1", "2.0a1",  "2.0alpha2", "2.0b1", "2.0beta2",
                                        "2.0pre1", "2.0rc2", "2.0",       "2.0-1", "2.0p1" };
    check_chain(TK_VSCHEME_DOTTED, tags, N(tags));
}

static void test_dotted_valid(void **state)
{
    (void)state;
    static const char *const yes[] = { "1",          "1.0",     "10.0.19041.3803", "115.5.0esr",
                                       "v7.2.5",     "120.0b9", "1.0-rc1",         "10.2.1.14-81sv",
                                       "2020-10-29", "9.2p1" };
    static const char *const no[] = { "",        "abc",  "v", ".1", "1.0 beta", "5.17.11 (34827)",
                                      "1.0\xe9", "1.0/2" };
    check_valid(TK_VSCHEME_DOTTED, yes, N(yes), no, N(no));
}

/* ---- ext / chromium ---------------------------------------------------------------------- */

static void test_ext(void **state)
{
    (void)state;
    static const struct pair p[] = {
        { "1.1.9.9999", "1.1", 1 },
        { "1.2.0", "1.1.9.9999", 1 },
        { "0.10", "0.10.0.0", 0 },
        { "120.0.6099.129", "120.0.6099.109", 1 },
        { "120.0.6099.129", "121", -1 },
        { "2.0b1", "2.0", -1 }, /* outside the grammar: the dotted rules */
        { "1.54.0", "1.54", 0 },
    };
    check_pairs(TK_VSCHEME_EXT, p, N(p));
    check_pairs(TK_VSCHEME_CHROMIUM, p, N(p));
    static const char *const yes[] = { "1", "1.2.3.4", "0.10", "65535.0", "0.0.0.1" };
    static const char *const no[] = { "0", "0.0", "0.0.0.0", "1.2.3.4.5", "1.01",  "65536",
                                      "",  "1.",  ".1",      "v1",        "1.0b1", "1..2" };
    check_valid(TK_VSCHEME_EXT, yes, N(yes), no, N(no));
    check_valid(TK_VSCHEME_CHROMIUM, yes, N(yes), no, N(no));
}

/* ---- appliances -------------------------------------------------------------------------- */

static void test_panos(void **state)
{
    (void)state;
    static const char *const chain[] = { "9.1.17",     "10.2.9",  "10.2.9-h1",  "10.2.9-h3",
                                         "10.2.9-h10", "10.2.10", "10.2.10-h2", "11.1.0" };
    check_chain(TK_VSCHEME_PANOS, chain, N(chain));
    static const struct pair p[] = {
        { "10.2.9-H1", "10.2.9-h1", 0 },
        { "10.2.9-h01", "10.2.9-h1", 0 },
        { "10.2", "10.2.0", 0 },
        { "10.2.9-c1", "10.2.9-h99", 1 }, /* an unknown suffix after hotfixes */
        { " 10.2.9-h1 ", "10.2.9-h1", 0 },
    };
    check_pairs(TK_VSCHEME_PANOS, p, N(p));
    static const char *const yes[] = { "10.2.9", "10.2.9-h1", "11.1.2-h3" };
    static const char *const no[] = { "10.2", "10.2.9-h", "10.2.9-x1", "10.2.9h1", "", "a" };
    check_valid(TK_VSCHEME_PANOS, yes, N(yes), no, N(no));
}

static void test_ivanti(void **state)
{
    (void)state;
    static const char *const chain[] = { "9.1R17",   "9.1R18",   "9.1R18.2",  "22.7",  "22.7R1",
                                         "22.7R1.2", "22.7R2.5", "22.7R2.10", "22.7R3" };
    check_chain(TK_VSCHEME_IVANTI, chain, N(chain));
    static const struct pair p[] = {
        { "22.7r1.2", "22.7R1.2", 0 },
        { "22.7R1", "22.7R1.0", 0 },
        { "22.7R2.5 (build 3191)", "22.7R2.5", 1 },
    };
    check_pairs(TK_VSCHEME_IVANTI, p, N(p));
    static const char *const yes[] = { "22.7R2.5", "9.1R18.2", "22.7R2" };
    static const char *const no[] = { "22.7", "22.7R", "22R2.5", "22.7R2.5.1", "22.7r2", "" };
    check_valid(TK_VSCHEME_IVANTI, yes, N(yes), no, N(no));
}

static void test_netscaler(void **state)
{
    (void)state;
    static const char *const chain[] = { "12.1-55.302", "13.0-92.21", "13.1",       "13.1-37.176",
                                         "13.1-49.9",   "13.1-49.15", "13.1-51.14", "14.1-4.42" };
    check_chain(TK_VSCHEME_NETSCALER, chain, N(chain));
    static const struct pair p[] = {
        { "13.1 build 49.15", "13.1-49.15", 0 },
        { "13.1 Build 49.15", "13.1-49.15", 0 },
        { "13.1-49.15 FIPS", "13.1-49.15", 1 },
    };
    check_pairs(TK_VSCHEME_NETSCALER, p, N(p));
    static const char *const yes[] = { "13.1-49.15", "14.1-12.35" };
    static const char *const no[] = { "13.1", "13.1-49", "13-49.15", "13.1-49.15.1", "" };
    check_valid(TK_VSCHEME_NETSCALER, yes, N(yes), no, N(no));
}

static void test_mapped_vendors(void **state)
{
    (void)state;
    static const struct pair fortios[] = { { "7.2.5", "7.2.10", -1 }, { "v7.4.1", "7.4.1", 0 } };
    check_pairs(TK_VSCHEME_FORTIOS, fortios, N(fortios));
    static const struct pair bigip[] = { { "17.1.0.3", "17.1.0", 1 },
                                         { "15.1.10.2", "15.1.9.1", 1 } };
    check_pairs(TK_VSCHEME_BIGIP, bigip, N(bigip));
    static const char *const sonicwall[] = { "10.2.1.13-99sv", "10.2.1.14", "10.2.1.14-9sv",
                                             "10.2.1.14-81sv", "10.2.1.15" };
    check_chain(TK_VSCHEME_SONICWALL, sonicwall, N(sonicwall));
    static const struct pair asa[] = { { "9.16(4)38", "9.16(4)", 1 },
                                       { "9.16(4)38", "9.16.4.38", 0 },
                                       { "9.18(3)56", "9.16(4)62", 1 },
                                       { "9.12(4)", "9.12(4)2", -1 } };
    check_pairs(TK_VSCHEME_CISCO_ASA, asa, N(asa));
    static const char *const yes[] = { "9.16(4)38", "9.16(4)", "9.16.4.38", "9.16.4" };
    static const char *const no[] = { "9.16(4", "9.16()", "9.16", "9(4)1", "9.16(4)x", "" };
    check_valid(TK_VSCHEME_CISCO_ASA, yes, N(yes), no, N(no));
}

static void test_checkpoint_junos(void **state)
{
    (void)state;
    static const char *const cp[] = { "R77.30", "R80.40", "R81", "R81.10", "R81.20" };
    check_chain(TK_VSCHEME_CHECKPOINT, cp, N(cp));
    static const struct pair cpp[] = { { "R81.20", "81.20", 0 },
                                       { "r81", "R81.0", 0 },
                                       { "R81.20 JHF Take 26", "R81.20", 1 } };
    check_pairs(TK_VSCHEME_CHECKPOINT, cpp, N(cpp));
    static const char *const cpyes[] = { "R81", "R81.20", "R80.40.1" };
    static const char *const cpno[] = { "81.20", "R", "r81", "R81.", "R81.20 JHF", "" };
    check_valid(TK_VSCHEME_CHECKPOINT, cpyes, N(cpyes), cpno, N(cpno));

    static const char *const junos[] = { "19.4R1",     "19.4R1-S2",   "19.4R1-S10", "19.4R2",
                                         "20.4",       "20.4R3",      "20.4R3-S8",  "20.4R3-S8.4",
                                         "20.4R3-S10", "21.2R3-S4.8", "22.4R2-S1" };
    check_chain(TK_VSCHEME_JUNOS, junos, N(junos));
    static const struct pair jp[] = { { "15.1X49-D211", "15.1X49-D101", 1 },
                                      { "12.3X48-D0", "12.3X48-D101", -1 },
                                      { "20.4r3-s8", "20.4R3-S8", 0 },
                                      { "15.1X49-D211", "15.1R7", 1 } };
    check_pairs(TK_VSCHEME_JUNOS, jp, N(jp));
    static const char *const jyes[] = { "20.4R3-S8", "12.3X48-D101", "19.2R2", "21.2R3-S4.8",
                                        "12.3R1" };
    static const char *const jno[] = { "20.4",     "20.4R",  "20R3",        "20.4R3-",
                                       "20.4R3-S", "20.4r3", "20.4R3-S8 x", "" };
    check_valid(TK_VSCHEME_JUNOS, jyes, N(jyes), jno, N(jno));
}

static void test_more_mapped_vendors(void **state)
{
    (void)state;
    static const char *const fireware[] = { "12.1.3", "12.1.3_U3", "12.1.3_U8",
                                            "12.2",   "12.5.9_U2", "12.6" };
    check_chain(TK_VSCHEME_FIREWARE, fireware, N(fireware));
    static const char *const zld[] = { "4.25", "4.60", "4.60p1", "4.73p1", "4.73p2",
                                       "5.00", "5.36", "5.36p2", "5.39" };
    check_chain(TK_VSCHEME_ZYXEL_ZLD, zld, N(zld));
    static const char *const utm[] = { "9.511-9",   "9.511-11", "9.600",
                                       "9.600-0.1", "9.607-7",  "9.705-5" };
    check_chain(TK_VSCHEME_SOPHOS_UTM, utm, N(utm));
    assert_int_equal(vc(TK_VSCHEME_SOPHOS_UTM, "9.600-0", "9.600"), 0);
    static const char *const yes[] = { "9.607-7", "9.511-11", "9.600.1-3" };
    static const char *const no[] = { "9.607", "9-7", "9.607-7.1", "9.607-", "" };
    check_valid(TK_VSCHEME_SOPHOS_UTM, yes, N(yes), no, N(no));
}

/* The vendor rows of §4.2 under the vendors' own schemes. */
static void test_vendor_table(void **state)
{
    (void)state;
    assert_int_equal(vc(TK_VSCHEME_PANOS, "10.2.9-h1", "10.2.10"), -1);
    assert_int_equal(vc(TK_VSCHEME_IVANTI, "22.7R2.5", "22.7R2.10"), -1);
    assert_int_equal(vc(TK_VSCHEME_NETSCALER, "13.1-49.15", "13.1-49.9"), 1);
}

/* ---- ranges ------------------------------------------------------------------------------ */

static void assert_bound(const struct tk_vrange *r, int i, enum tk_vop op, const char *v)
{
    assert_true(i < r->nbounds);
    assert_int_equal(r->bound[i].op, op);
    assert_int_equal(r->bound[i].version.n, strlen(v));
    assert_memory_equal(r->bound[i].version.p, v, strlen(v));
}

static void test_range_parse(void **state)
{
    (void)state;
    struct tk_vrange r;
    struct tk_err err = { 0 };
    assert_int_equal(tk_vrange_parse(tk_str_c("*"), &r, &err), 0);
    assert_int_equal(r.nbounds, 0);
    assert_int_equal(tk_vrange_parse(tk_str_c(" \t* "), &r, &err), 0);
    assert_int_equal(r.nbounds, 0);

    const char *e = "< 1.2";
    assert_int_equal(tk_vrange_parse(tk_str_c(e), &r, &err), 0);
    assert_int_equal(r.nbounds, 1);
    assert_bound(&r, 0, TK_VOP_LT, "1.2");
    assert_ptr_equal(r.bound[0].version.p, e + 2); /* points into the expression */

    assert_int_equal(tk_vrange_parse(tk_str_c(">= 1.0, < 1.2"), &r, &err), 0);
    assert_int_equal(r.nbounds, 2);
    assert_bound(&r, 0, TK_VOP_GE, "1.0");
    assert_bound(&r, 1, TK_VOP_LT, "1.2");
    assert_int_equal(tk_vrange_parse(tk_str_c(">=1.0,<1.2"), &r, &err), 0);
    assert_bound(&r, 0, TK_VOP_GE, "1.0");
    assert_bound(&r, 1, TK_VOP_LT, "1.2");
    assert_int_equal(tk_vrange_parse(tk_str_c("<= 1.1.9"), &r, &err), 0);
    assert_bound(&r, 0, TK_VOP_LE, "1.1.9");
    assert_int_equal(tk_vrange_parse(tk_str_c("= 1.0.3"), &r, &err), 0);
    assert_bound(&r, 0, TK_VOP_EQ, "1.0.3");
    assert_int_equal(tk_vrange_parse(tk_str_c("> 2:1.0-1~bpo12+1"), &r, &err), 0);
    assert_bound(&r, 0, TK_VOP_GT, "2:1.0-1~bpo12+1");
    assert_int_equal(tk_vrange_parse(tk_str_c("\t< 1.2 ,\t> 1.0 "), &r, &err), 0);
    assert_bound(&r, 0, TK_VOP_LT, "1.2");
    assert_bound(&r, 1, TK_VOP_GT, "1.0");
    /* Not NUL-terminated: the slice's length is the end. */
    assert_int_equal(tk_vrange_parse((struct tk_str){ "< 1.2, > 0.9", 5 }, &r, &err), 0);
    assert_int_equal(r.nbounds, 1);
    assert_bound(&r, 0, TK_VOP_LT, "1.2");
}

static void test_range_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *expr, *msg;
    } bad[] = {
        { "", "version range \"\": expected \"*\" or a bound such as \"< 1.2\" at column 1" },
        { "   ", "version range \"   \": expected \"*\" or a bound such as \"< 1.2\" at column 4" },
        { "1.2", "version range \"1.2\": expected an operator (<, <=, >, >= or =) at column 1" },
        { "<", "version range \"<\": expected a version after \"<\" at column 2" },
        { "<= ", "version range \"<= \": expected a version after \"<=\" at column 4" },
        { "<< 1.2", "version range \"<< 1.2\": expected a version after \"<\" at column 2" },
        { "=> 1.0", "version range \"=> 1.0\": expected a version after \"=\" at column 2" },
        { "!= 1.0", "version range \"!= 1.0\": expected an operator (<, <=, >, >= or =) at "
                    "column 1" },
        { "< *", "version range \"< *\": expected a version after \"<\" at column 3" },
        { ">= 1.0,", "version range \">= 1.0,\": expected a bound after \",\" at column 8" },
        { ">= 1.0 < 1.2", "version range \">= 1.0 < 1.2\": expected \",\" or the end at "
                          "column 8" },
        { "> 1, > 2", "version range \"> 1, > 2\": expected one lower (>, >=) and one upper "
                      "(<, <=) bound, not \">\" and \">\" at column 8" },
        { "< 1, <= 2", "version range \"< 1, <= 2\": expected one lower (>, >=) and one upper "
                       "(<, <=) bound, not \"<\" and \"<=\" at column 9" },
        { "= 1, < 2", "version range \"= 1, < 2\": \"=\" must be the only bound at column 1" },
        { "> 1, = 2", "version range \"> 1, = 2\": \"=\" must be the only bound at column 8" },
        { "> 0, < 1, < 2", "version range \"> 0, < 1, < 2\": expected at most two bounds at "
                           "column 11" },
        { "* , < 1", "version range \"* , < 1\": expected nothing after \"*\" at column 3" },
        { "**", "version range \"**\": expected nothing after \"*\" at column 2" },
        { ", < 1", "version range \", < 1\": expected an operator (<, <=, >, >= or =) at "
                   "column 1" },
    };
    for (size_t i = 0; i < N(bad); i++) {
        struct tk_vrange r;
        struct tk_err err = { 0 };
        int rc = tk_vrange_parse(tk_str_c(bad[i].expr), &r, &err);
        if (rc != TK_EPARSE || strcmp(err.msg, bad[i].msg) != 0) {
            print_error("\"%s\": rc %d, message\n  %s\nwant\n  %s\n", bad[i].expr, rc, err.msg,
                        bad[i].msg);
            fail();
        }
        assert_int_equal(err.code, TK_EPARSE);
        /* Also without an error record. */
        assert_int_equal(tk_vrange_parse(tk_str_c(bad[i].expr), &r, NULL), TK_EPARSE);
    }
    /* A long expression is quoted in part: "< 999...9 999...9". */
    char longexpr[300];
    memset(longexpr, '9', sizeof longexpr - 1);
    longexpr[sizeof longexpr - 1] = '\0';
    longexpr[0] = '<';
    longexpr[1] = ' ';
    longexpr[200] = ' ';
    struct tk_vrange r;
    struct tk_err err = { 0 };
    assert_int_equal(tk_vrange_parse(tk_str_c(longexpr), &r, &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, "...\": expected \",\" or the end at column 202"));
    assert_true(strlen(err.msg) < 200);
    /* NULL is the empty expression. */
    assert_int_equal(tk_vrange_parse((struct tk_str){ NULL, 0 }, &r, &err), TK_EPARSE);
}

static bool in(enum tk_vscheme s, const char *expr, const char *v)
{
    struct tk_vrange r;
    struct tk_err err = { 0 };
    if (tk_vrange_parse(tk_str_c(expr), &r, &err) != 0) {
        print_error("%s\n", err.msg);
        fail();
    }
    return tk_vrange_contains(s, &r, tk_str_c(v));
}

static void test_range_contains(void **state)
{
    (void)state;
    enum tk_vscheme d = TK_VSCHEME_DOTTED;
    assert_true(in(d, "< 1.2", "1.1"));
    assert_true(in(d, "< 1.2", "1.1.9"));
    assert_false(in(d, "< 1.2", "1.2"));
    assert_false(in(d, "< 1.2", "1.2.0"));
    assert_true(in(d, "< 1.2", "1.2b1"));
    assert_false(in(d, ">= 1.0, < 1.2", "0.9"));
    assert_true(in(d, ">= 1.0, < 1.2", "1.0"));
    assert_true(in(d, ">= 1.0, < 1.2", "1.1.5"));
    assert_false(in(d, ">= 1.0, < 1.2", "1.2"));
    assert_true(in(d, "< 1.2, >= 1.0", "1.1.5"));
    assert_true(in(d, "<= 1.1.9", "1.1.9"));
    assert_false(in(d, "<= 1.1.9", "1.1.10"));
    assert_true(in(d, "= 1.0.3", "1.0.3"));
    assert_true(in(d, "= 1.0.3", "1.0.3.0"));
    assert_false(in(d, "= 1.0.3", "1.0.4"));
    assert_true(in(d, "> 1.0", "1.0.1"));
    assert_false(in(d, "> 1.0", "1.0"));
    assert_true(in(d, "*", "1.0"));
    assert_true(in(d, "*", "not a version"));
    assert_true(in(d, "*", ""));
    assert_true(in(TK_VSCHEME_DPKG, "< 2:4.17.12+dfsg-0+deb12u1", "2:4.17.12+dfsg-0+deb12u1~1"));
    assert_false(in(TK_VSCHEME_DPKG, "< 2:4.17.12+dfsg-0+deb12u1", "2:4.17.12+dfsg-0+deb12u1"));
    assert_true(in(TK_VSCHEME_DPKG, "< 3.0.11-1", "3.0.11-1~deb12u2"));
    assert_true(in(TK_VSCHEME_PANOS, "< 10.2.9-h1", "10.2.9"));
    assert_false(in(TK_VSCHEME_PANOS, "< 10.2.9-h1", "10.2.9-h1"));
    assert_true(in(TK_VSCHEME_IVANTI, "<= 22.7R2.4", "22.7R1.2"));
    assert_true(in(TK_VSCHEME_NETSCALER, ">= 13.1, < 13.1-49.15", "13.1-37.176"));
    /* rpm: a bound without a release covers every release of that version, as in rpm's
     * dependency ranges; the plain comparison still orders releases after none. */
    enum tk_vscheme r = TK_VSCHEME_RPM;
    assert_int_equal(vc(r, "1.2-3.el9", "1.2"), 1);
    assert_true(in(r, "<= 1.2", "1.2-3.el9"));
    assert_true(in(r, "= 1.2", "1.2-3.el9"));
    assert_false(in(r, "< 1.2", "1.2-3.el9"));
    assert_true(in(r, ">= 1.2", "1.2-3.el9"));
    assert_true(in(r, "< 1.2-4", "1.2-3.el9"));
    assert_false(in(r, ">= 1.2-4", "1.2-3.el9"));
    assert_true(in(r, "= 1:1.2", "1:1.2-1"));
    assert_false(in(r, "= 1.2", "1:1.2-1"));
    assert_true(in(r, "= 1.2-3", "1.2")); /* the version has no release either */
    /* A hand-made range with no bounds is "*". */
    struct tk_vrange any = { 0 };
    assert_true(tk_vrange_contains(d, &any, tk_str_c("x")));
    assert_true(tk_vrange_contains(d, &any, (struct tk_str){ NULL, 0 }));
}

/* ---- order properties -------------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
    /* xorshift64*: fixed seed, the same sequence on every run. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

#define MAXLEN 48

/* Writes a version-like string of tokens into buf (may contain NUL); returns its length. */
static size_t random_version(char *buf)
{
    static const char *const tokens[] = {
        "0",   "1",    "2",  "9",     "10",   "01",   "00", "65536", "99999999999999999999",
        ".",   ".",    ".",  "-",     "~",    "^",    "+",  ":",     "_",
        " ",   "(",    ")",  "a",     "b",    "rc",   "R",  "h",     "v",
        "esr", "beta", "-h", "build", "\xe9", "\x80", "\0", ",",     "<",
        "=",
    };
    size_t n = 0, k = rnd() % 9;
    for (size_t i = 0; i < k; i++) {
        const char *t = tokens[rnd() % N(tokens)];
        size_t tl = t[0] ? strlen(t) : 1;
        if (n + tl > MAXLEN)
            break;
        memcpy(buf + n, t, tl);
        n += tl;
    }
    return n;
}

static size_t random_bytes(char *buf)
{
    size_t n = rnd() % (MAXLEN + 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(rnd() & 0xff);
    return n;
}

/* s with non-printable bytes as \xNN, in one of two static buffers (for messages). */
static const char *show(struct tk_str s)
{
    static char out[2][4 * MAXLEN + 1];
    static int which;
    char *o = out[which ^= 1];
    size_t k = 0;
    for (size_t i = 0; i < s.n && k + 5 < sizeof out[0]; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            o[k++] = (char)c;
        else
            k += (size_t)snprintf(o + k, 5, "\\x%02x", c);
    }
    o[k] = '\0';
    return o;
}

/* Only the length is stored: qsort moves items, so a pointer to their own buffer would not
 * follow them. */
struct item {
    char buf[MAXLEN];
    size_t n;
};

static struct tk_str S(const struct item *it) {
    return (struct tk_str){ it->buf, it->n };
}

static enum tk_vscheme sort_scheme;

static int item_cmp(const void *a, const void *b)
{
    return tk_vercmp(sort_scheme, S(a), S(b));
}

static void check_properties(enum tk_vscheme s, struct item *it, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tk_vercmp(s, S(&it[i]), S(&it[i])), 0);
        for (size_t j = 0; j < n; j++) {
            int ab = tk_vercmp(s, S(&it[i]), S(&it[j])), ba = tk_vercmp(s, S(&it[j]), S(&it[i]));
            assert_true(ab >= -1 && ab <= 1);
            if (ab != -ba) {
                print_error("%s: antisymmetry fails: \"%s\" vs \"%s\": %d and %d\n",
                            tk_vscheme_name(s), show(S(&it[i])), show(S(&it[j])), ab, ba);
                fail();
            }
        }
    }
    /* Sorted with the comparator, every earlier item must be <= every later one; a
     * non-transitive order breaks this. Then every triple, on a smaller window. */
    sort_scheme = s;
    qsort(it, n, sizeof *it, item_cmp);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (tk_vercmp(s, S(&it[i]), S(&it[j])) > 0) {
                print_error("%s: sorted items %zu and %zu out of order: \"%s\" > \"%s\"\n",
                            tk_vscheme_name(s), i, j, show(S(&it[i])), show(S(&it[j])));
                fail();
            }
    size_t w = n < 24 ? n : 24;
    for (size_t i = 0; i < w; i++)
        for (size_t j = 0; j < w; j++)
            for (size_t k = 0; k < w; k++) {
                int ij = tk_vercmp(s, S(&it[i]), S(&it[j]));
                int jk = tk_vercmp(s, S(&it[j]), S(&it[k]));
                int ik = tk_vercmp(s, S(&it[i]), S(&it[k]));
                if (ij <= 0 && jk <= 0 && !(ik <= 0 && (ik < 0 || (ij == 0 && jk == 0)))) {
                    print_error("%s: transitivity fails: \"%s\" %d \"%s\" %d, and %d to ",
                                tk_vscheme_name(s), show(S(&it[i])), ij, show(S(&it[j])), jk, ik);
                    print_error("\"%s\"\n", show(S(&it[k])));
                    fail();
                }
            }
}

static void run_properties(size_t (*gen)(char *), int rounds, size_t n)
{
    struct item *it = calloc(n, sizeof *it);
    assert_non_null(it);
    for (int s = 0; s <= TK_VSCHEME_COUNT; s++) /* TK_VSCHEME_COUNT: the byte-wise fallback */
        for (int round = 0; round < rounds; round++) {
            for (size_t i = 0; i < n; i++) {
                it[i].n = gen(it[i].buf);
                /* Duplicates make ties, where bugs hide. */
                if (i && rnd() % 5 == 0)
                    it[i] = it[rnd() % i];
                (void)tk_version_valid((enum tk_vscheme)s, S(&it[i])); /* no crash */
            }
            check_properties((enum tk_vscheme)s, it, n);
        }
    free(it);
}

static void test_properties_versionlike(void **state)
{
    (void)state;
    run_properties(random_version, 12, 60);
}

static void test_properties_garbage(void **state)
{
    (void)state;
    run_properties(random_bytes, 4, 40);
}

/* Range parsing on garbage: either an error with a message, or bounds inside the input. */
static void test_range_garbage(void **state)
{
    (void)state;
    for (int round = 0; round < 4000; round++) {
        char buf[MAXLEN];
        size_t n = round % 2 ? random_version(buf) : random_bytes(buf);
        if (round % 3 == 0 && n + 2 <= MAXLEN) { /* give it an operator often */
            memmove(buf + 2, buf, n);
            memcpy(buf, round % 6 ? "< " : ">=", 2);
            n += 2;
        }
        struct tk_vrange r;
        struct tk_err err = { 0 };
        int rc = tk_vrange_parse((struct tk_str){ buf, n }, &r, &err);
        if (rc != 0) {
            assert_int_equal(rc, TK_EPARSE);
            assert_true(err.msg[0] != '\0');
            continue;
        }
        assert_true(r.nbounds >= 0 && r.nbounds <= 2);
        for (int b = 0; b < r.nbounds; b++) {
            assert_true(r.bound[b].version.n > 0);
            assert_true(r.bound[b].version.p >= buf);
            assert_true(r.bound[b].version.p + r.bound[b].version.n <= buf + n);
        }
        for (int s = 0; s < TK_VSCHEME_COUNT; s++)
            (void)tk_vrange_contains((enum tk_vscheme)s, &r, (struct tk_str){ buf, n });
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scheme_names),
        cmocka_unit_test(test_unknown_scheme_and_null),
        cmocka_unit_test(test_dpkg_table),
        cmocka_unit_test(test_dpkg_rules),
        cmocka_unit_test(test_dpkg_nul),
        cmocka_unit_test(test_dpkg_valid),
        cmocka_unit_test(test_rpm_table),
        cmocka_unit_test(test_rpm_rules),
        cmocka_unit_test(test_rpm_valid),
        cmocka_unit_test(test_semver_spec),
        cmocka_unit_test(test_semver_valid),
        cmocka_unit_test(test_dotted),
        cmocka_unit_test(test_dotted_valid),
        cmocka_unit_test(test_ext),
        cmocka_unit_test(test_panos),
        cmocka_unit_test(test_ivanti),
        cmocka_unit_test(test_netscaler),
        cmocka_unit_test(test_mapped_vendors),
        cmocka_unit_test(test_checkpoint_junos),
        cmocka_unit_test(test_more_mapped_vendors),
        cmocka_unit_test(test_vendor_table),
        cmocka_unit_test(test_range_parse),
        cmocka_unit_test(test_range_parse_errors),
        cmocka_unit_test(test_range_contains),
        cmocka_unit_test(test_properties_versionlike),
        cmocka_unit_test(test_properties_garbage),
        cmocka_unit_test(test_range_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
