/* test_glob.c - tk_glob_match (core/str.h): '*' and '?', ASCII case-insensitivity, the
 * catalog's display-name patterns, bytes rather than characters, pathological patterns in
 * bounded time, and agreement with fnmatch(3) on random patterns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fnmatch.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/str.h"

static bool glob(const char *pattern, const char *s)
{
    return tk_glob_match(pattern, tk_str_c(s));
}

static void test_literals_and_case(void **state)
{
    (void)state;
    assert_true(glob("", ""));
    assert_false(glob("", "a"));
    assert_false(glob("a", ""));
    assert_true(glob("firefox", "firefox"));
    assert_true(glob("Firefox", "FIREFOX"));
    assert_true(glob("FIREFOX", "firefox"));
    assert_false(glob("firefox", "firefo"));
    assert_false(glob("firefox", "firefoxx"));
    assert_false(glob("firefox", " firefox"));
    /* Only ASCII letters fold: é and É are different bytes. */
    assert_false(glob("caf\xc3\xa9", "CAF\xc3\x89"));
    assert_true(glob("caf\xc3\xa9", "CAF\xc3\xa9"));
    /* Non-letters do not fold into letters ('@' is 'A' - 1, '[' is 'Z' + 1). */
    assert_false(glob("@", "`"));
    assert_false(glob("[", "{"));
}

static void test_star(void **state)
{
    (void)state;
    assert_true(glob("*", ""));
    assert_true(glob("*", "anything at all"));
    assert_true(glob("**", ""));
    assert_true(glob("a*", "a"));
    assert_true(glob("a*", "abc"));
    assert_false(glob("a*", "ba"));
    assert_true(glob("*a", "ba"));
    assert_false(glob("*a", "ab"));
    assert_true(glob("*.exe", "setup.EXE"));
    assert_false(glob("*.exe", "setup.exe.txt"));
    assert_true(glob("abc***", "abc"));
    assert_true(glob("a*b*c", "abc"));
    assert_true(glob("a*b*c", "aXXbYYc"));
    assert_true(glob("a*bc", "abcbc"));
    assert_true(glob("*ab*cd*", "xxabyyabcdzz"));
    assert_false(glob("*ab*cd*", "xxabyydczz"));
    assert_true(glob("*aab", "aaaab")); /* needs backtracking inside the run */
    assert_true(glob("*abab", "abababab"));
    assert_false(glob("a*b", "a"));
    assert_false(glob("a*b", "ab c"));
}

static void test_question_mark(void **state)
{
    (void)state;
    assert_true(glob("a?c", "abc"));
    assert_true(glob("a?c", "A-C"));
    assert_false(glob("a?c", "ac"));
    assert_false(glob("a?c", "abbc"));
    assert_false(glob("?", ""));
    assert_true(glob("???", "xyz"));
    assert_true(glob("?*", "x"));
    assert_false(glob("?*", ""));
    assert_true(glob("*?", "x"));
    assert_true(glob("*?*?*?", "abc"));
    assert_false(glob("*?*?*?", "ab"));
    /* '?' is one byte: a two-byte character takes two. */
    assert_true(glob("caf??", "caf\xc3\xa9"));
    assert_false(glob("caf?", "caf\xc3\xa9"));
}

static void test_catalog_patterns(void **state)
{
    (void)state;
    const char *esr = "Mozilla Firefox * ESR*";
    assert_true(glob(esr, "Mozilla Firefox 115.5.0 ESR (x64 en-US)"));
    assert_true(glob(esr, "mozilla firefox 128.3.1 esr"));
    assert_true(glob(esr, "Mozilla Firefox  ESR"));
    assert_false(glob(esr, "Mozilla Firefox 120.0 (x64 en-US)"));
    assert_false(glob(esr, "Mozilla Firefox ESR"));
    assert_false(glob(esr, "Mozilla Thunderbird 115 ESR"));
    assert_true(glob("Mozilla Firefox*", "Mozilla Firefox 115.5.0 ESR (x64 en-US)"));
    assert_true(glob("Example Tool*", "Example Tool"));
    assert_true(glob("Zoom*", "Zoom Workplace"));
    assert_true(glob("Microsoft Visual C++ ???? *", "Microsoft Visual C++ 2015 Redistributable"));
    assert_true(glob("/opt/*/bin/app", "/opt/a/b/c/bin/app")); /* '*' crosses slashes */
}

static void test_slices_not_strings(void **state)
{
    (void)state;
    /* The subject is a slice: bytes past n are not looked at, NUL inside is a byte. */
    assert_true(tk_glob_match("abc", (struct tk_str){ "abcdef", 3 }));
    assert_false(tk_glob_match("abcd", (struct tk_str){ "abcdef", 3 }));
    assert_true(tk_glob_match("a?b", (struct tk_str){ "a\0b", 3 }));
    assert_true(tk_glob_match("a*", (struct tk_str){ "a\0b", 3 }));
    assert_false(tk_glob_match("a", (struct tk_str){ "a\0b", 3 }));
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_pathological_patterns_are_fast(void **state)
{
    (void)state;
    static const char *const patterns[] = { "a*a*a*a*a*b", "*a*a*a*a*a*a*a*a*a*b",
                                            "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
                                            "*aaaaaaaaaaaaaaaaaaab", "*?*?*?*?*?*?*?*?*b" };
    struct tk_buf s = TK_BUF_INIT(1 << 20);
    for (int i = 0; i < 10000; i++)
        tk_buf_addc(&s, 'a');
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        double t0 = now_ms();
        bool m = tk_glob_match(patterns[i], (struct tk_str){ s.ptr, s.len });
        double ms = now_ms() - t0;
        assert_false(m);
        if (ms >= 50)
            fail_msg("%s against %zu 'a's took %.1f ms", patterns[i], s.len, ms);
    }
    /* And a match at the very end is found. */
    tk_buf_addc(&s, 'b');
    double t0 = now_ms();
    assert_true(tk_glob_match("a*a*a*a*a*b", (struct tk_str){ s.ptr, s.len }));
    assert_true(now_ms() - t0 < 50);
    tk_buf_release(&s);
}

static uint64_t rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void test_agrees_with_fnmatch(void **state)
{
    (void)state;
    /* Patterns without '[' or '\\' mean the same to fnmatch(3) with FNM_CASEFOLD. */
    static const char pat_alpha[] = "abAB*?-";
    static const char str_alpha[] = "abAB-";
    char p[12], s[16];
    size_t matches = 0;
    for (int i = 0; i < 20000; i++) {
        size_t pn = rnd(sizeof p), sn = rnd(sizeof s);
        for (size_t k = 0; k < pn; k++)
            p[k] = pat_alpha[rnd(sizeof pat_alpha - 1)];
        p[pn] = '\0';
        for (size_t k = 0; k < sn; k++)
            s[k] = str_alpha[rnd(sizeof str_alpha - 1)];
        s[sn] = '\0';
        bool want = fnmatch(p, s, FNM_CASEFOLD) == 0;
        if (glob(p, s) != want)
            fail_msg("pattern \"%s\" on \"%s\": fnmatch says %d", p, s, want);
        matches += want;
    }
    assert_true(matches > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals_and_case),
        cmocka_unit_test(test_star),
        cmocka_unit_test(test_question_mark),
        cmocka_unit_test(test_catalog_patterns),
        cmocka_unit_test(test_slices_not_strings),
        cmocka_unit_test(test_pathological_patterns_are_fast),
        cmocka_unit_test(test_agrees_with_fnmatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
