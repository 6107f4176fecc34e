/* test_minire.c - the small regex matcher (core/minire.h) against PCRE2 itself: every pattern
 * here is compiled by both (PCRE2 in UTF mode, as scan/ioc.c compiles file-name IOCs) and
 * searched in every subject, and the answers must agree; the built-in file-name IOC
 * patterns are among them. Then what minire refuses (with the offset), patterns that make
 * a backtracking matcher take exponential time, and size limits. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/minire.h"

/* tk_minire_search with work space of its own */
static bool find(const struct tk_minire *r, const char *text, size_t n)
{
    int *work = tk_malloc(tk_minire_work(r) * sizeof *work);
    assert_non_null(work);
    bool hit = tk_minire_search(r, text, n, work, tk_minire_work(r)) == 1;
    tk_free(work);
    return hit;
}

static const char *const patterns[] = {
    "abc", "a.c", "^abc$", "^/dev/shm/kdmtmpflush$", "^/(var/)?run/haldrund\\.pid$",
    "^/(var/)?tmp/kdevtmpfsi[0-9]*$", "(^|/)xmrig(-notls)?$", "\\\\lsass(\\.exe)?[._-]?[0-9]*\\.dmp$",
    "[\\\\/]mimikatz(64)?\\.exe$", "[\\\\/](mimilib|mimidrv)\\.(dll|sys)$", "a|b|cd|", "(a|b)*c",
    "a{2}", "a{2,}", "a{1,3}b", "a{,3}", "x{", "{abc}", "a{2}?", "a+?b", "a??b", "[^/]+\\.exe$",
    "[a-c-]", "[]a]", "[^]a]x", "[\\]]", "[\\d.]+", "\\d+\\.\\d+", "\\w+@\\w+", "\\s", "\\S+$",
    "\\D\\W", "\\bfoo\\b", "\\Bfoo", "\\Afoo", "foo\\z", "foo\\Z", "foo$", "(?:ab)+c",
    "(?<name>ab)c", "(?P<n>x)y", "caf\xc3\xa9", "caf.$", "^.{3}$", "^[^a]{2}$", "\\x41\\x{263a}",
    "\\t\\n", "\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$", "()", "(|a)b", "((a*)*)*b", "(a?){5}a{5}",
    "[A-Za-z_][A-Za-z0-9_]*", "\\/tmp\\/", "^$", "", "(?i)ABC", "(?i)[a-c]x", "(?i)\\x41",
    "\\\\Users\\\\Public\\\\[^\\\\]+\\.(exe|dll|ps1)$", "[\\\\/]AppData[\\\\/]Local[\\\\/]Temp[\\\\/].+\\.scr$",
    /* k and s fold beyond ASCII when caseless; word boundaries never inside a character */
    "k", "mimikatz", "s", "^[a-z]+\\.exe$", "[^x]", "x[kz]", ".\\B", "\\W\\B", "[^x]\\B", "[\\w]y",
};

static const char *const subjects[] = {
    "", "abc", "xabcx", "ABC", "a\nc", "abc\n", "/dev/shm/kdmtmpflush", "/var/run/haldrund.pid",
    "/run/hald-addon.pid", "/tmp/kdevtmpfsi123", "/usr/bin/xmrig", "/home/u/xmrig-notls",
    "C:\\Windows\\Temp\\lsass.dmp", "/Windows/Temp/lsass_1234.dmp", "C:\\tools\\mimikatz64.exe",
    "/x/mimidrv.sys", "aac", "bbc", "cd", "aa", "a", "ab", "aaab", "x{", "{abc}", "a{,3}",
    "setup.exe", "a/b.exe", "-", "]", "]x", "ax", "1.2.3", "foo", "foo bar", "xfoo", "foo\n",
    "user@host", " ", "caf\xc3\xa9", "caf\xc3\xa9\n", "\xc3\xa9\xc3\xa9\xc3\xa9", "xy\xe2\x98\xba",
    "A\xe2\x98\xba", "\t\n", ".*+?()[]{}|^$", "aaaaaaaaaab", "aaaaaaaaaa", "_id9",
    "C:\\Users\\Public\\run.ps1", "/Users/Public/x.dll", "C:\\Users\\bob\\AppData\\Local\\Temp\\a.scr",
    "abc\xe2\x98\xba", "\xf0\x9f\x98\x80x", "\xe2\x84\xaa", "Mimi\xe2\x84\xaa" "atz",
    "\xc5\xbf", "x\xe2\x84\xaa", "\xc3\xa9" "a", "\xe2\x84\xaa" "ey.exe", "\xe2\x84\xaay",
};

static bool pcre_search(const char *re, bool caseless, const char *s, bool *compiled)
{
    int code;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0);
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, strlen(re), opts, &code, &off, NULL);
    *compiled = c != NULL;
    if (!c)
        return false;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    bool hit = pcre2_match(c, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) >= 0;
    pcre2_match_data_free(md);
    pcre2_code_free(c);
    return hit;
}

static void test_agrees_with_pcre2(void **state)
{
    (void)state;
    size_t compared = 0;
    for (int caseless = 0; caseless < 2; caseless++)
        for (size_t p = 0; p < sizeof patterns / sizeof *patterns; p++) {
            const char *why = NULL;
            size_t off = 0;
            struct tk_minire *r = tk_minire_compile(patterns[p], strlen(patterns[p]), caseless,
                                                    &why, &off);
            bool pc;
            pcre_search(patterns[p], caseless, "", &pc);
            if (!r) {
                fprintf(stderr, "refused: %s%s (%s at %zu)\n", patterns[p],
                        caseless ? " (caseless)" : "", why, off);
                /* every pattern listed is one both read; caseless, minire refuses non-ASCII
                 * letters, which PCRE2 folds by Unicode's tables */
                assert_true(!pc || (caseless && strstr(why, "caseless")));
                continue;
            }
            assert_true(pc);
            for (size_t k = 0; k < sizeof subjects / sizeof *subjects; k++) {
                bool want = pcre_search(patterns[p], caseless, subjects[k], &pc);
                bool got = find(r, subjects[k], strlen(subjects[k]));
                if (want != got)
                    fprintf(stderr, "differs: /%s/%s on \"%s\": pcre2 %d, minire %d\n",
                            patterns[p], caseless ? "i" : "", subjects[k], want, got);
                assert_int_equal(want, got);
                compared++;
            }
            tk_minire_free(r);
        }
    assert_true(compared > 5000);
}

static void test_refused(void **state)
{
    (void)state;
    static const struct {
        const char *re;
        size_t offset;
    } bad[] = {
        { "(a", 2 },       { "a)", 1 },      { "[ab", 3 },      { "a\\1", 3 },
        { "(?=a)", 1 },    { "(?!a)", 1 },   { "(?<=a)b", 1 },  { "a++", 2 },
        { "*a", 1 },       { "a{3,2}", 6 },  { "\\p{L}", 2 },   { "(?m)^a", 1 },
        { "a(?i)b", 2 },   { "[[:alpha:]]", 2 }, { "\\", 1 }, { "[\xc3\xa9]", 2 },
        { "a{1001}", 7 },  { "\\k<n>", 2 },  { "^*", 2 },      { "\\v", 2 },
        { "[:alpha:]", 1 }, { "[\\d-z]", 3 }, { "(?<a>x)(?<a>y)", 8 },
        { "[?-[.a.]]", 4 }, { "[a-[:digit:]]", 4 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *why = NULL;
        size_t off = 99;
        struct tk_minire *r = tk_minire_compile(bad[i].re, strlen(bad[i].re), false, &why, &off);
        if (r || off != bad[i].offset)
            fprintf(stderr, "%s: %s at %zu\n", bad[i].re, r ? "accepted" : why, off);
        assert_null(r);
        assert_non_null(why);
        assert_int_equal(off, bad[i].offset);
    }
}

/* Patterns that take a backtracking matcher exponential time answer at once here. */
static void test_linear_time(void **state)
{
    (void)state;
    char text[4097];
    memset(text, 'a', 4096);
    text[4096] = '\0';
    static const char *const evil[] = { "(a+)+$x", "(a|aa)+b", "(a*)*b", "(.*a){20}x",
                                        "^(a|a?)+$x" };
    clock_t t0 = clock();
    for (size_t i = 0; i < sizeof evil / sizeof *evil; i++) {
        const char *why;
        size_t off;
        struct tk_minire *r = tk_minire_compile(evil[i], strlen(evil[i]), false, &why, &off);
        assert_non_null(r);
        assert_false(find(r, text, 4096));
        tk_minire_free(r);
    }
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 10.0);
}

static void test_limits(void **state)
{
    (void)state;
    const char *why;
    size_t off;
    /* counted repeats copy their operand: too many copies is refused, not slow, and
     * repeats of what compiles to nothing cost nothing */
    clock_t t0 = clock();
    const char *big = "((((a{100}){100}){100}){100})";
    assert_null(tk_minire_compile(big, strlen(big), false, &why, &off));
    const char *nothing = "(?:(?:(?:(?:){1000}){1000}){1000}){1000}x";
    struct tk_minire *e = tk_minire_compile(nothing, strlen(nothing), false, &why, &off);
    assert_non_null(e);
    assert_true(find(e, "x", 1));
    tk_minire_free(e);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    /* caseless: non-ASCII letters and negated classes of k or s are refused */
    assert_null(tk_minire_compile("caf\xc3\xa9", 5, true, &why, &off));
    assert_null(tk_minire_compile("[^k]", 4, true, &why, &off));
    /* a long literal path and deep nesting within bounds compile and match */
    char lit[3001], deep[600];
    memset(lit, 'x', 3000);
    lit[3000] = '\0';
    struct tk_minire *r = tk_minire_compile(lit, 3000, false, &why, &off);
    assert_non_null(r);
    assert_true(find(r, lit, 3000));
    assert_false(find(r, lit, 2999));
    tk_minire_free(r);
    size_t n = 0;
    for (int i = 0; i < 150; i++)
        deep[n++] = '(';
    deep[n++] = 'a';
    for (int i = 0; i < 150; i++)
        deep[n++] = ')';
    r = tk_minire_compile(deep, n, false, &why, &off);
    assert_non_null(r);
    assert_true(find(r, "a", 1));
    tk_minire_free(r);
    for (int i = 0; i < 300; i++)
        deep[i] = '(';
    assert_null(tk_minire_compile(deep, 300, false, &why, &off));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_pcre2),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_linear_time),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
