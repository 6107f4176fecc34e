/* test_relit.c - the regex prefilter (core/relit.h): which literals are read from patterns
 * (escapes as bytes, classes, groups, quantifiers, alternatives, what is refused, caseless
 * UTF letters with non-ASCII partners), and the one-pass set (case, overlaps, two-byte
 * literals, literals at the end of the text, equal literals sharing a bit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/relit.h"

/* The literals of re joined by '|', or "" when it has no prefilter. */
static const char *lits(const char *re, unsigned flags)
{
    static char out[1024];
    struct tk_relit l[TK_RELIT_MAX_ALTS];
    size_t n = tk_relit_of(re, strlen(re), flags, l, TK_RELIT_MAX_ALTS), k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            out[k++] = '|';
        for (size_t j = 0; j < l[i].n; j++)
            k += (size_t)snprintf(out + k, sizeof out - k,
                                  l[i].s[j] >= 0x20 && l[i].s[j] < 0x7f ? "%c" : "\\x%02x",
                                  l[i].s[j]);
    }
    return out;
}

static void test_plain(void **state)
{
    (void)state;
    assert_string_equal(lits("^SSH-([\\d.]+)-OpenSSH_([\\w._-]+)", 0), "-openssh_");
    assert_string_equal(lits("Server: Apache", 0), "server: apache");
    /* the longest run wins; a quantified atom ends a run (kept when at least once) */
    assert_string_equal(lits("ab.cdef+g", 0), "cdef");
    assert_string_equal(lits("abcd?efg", 0), "abc");
    assert_string_equal(lits("abcx{2}yz", 0), "abcx");
    assert_string_equal(lits("abcx{0}yz", 0), "abc");
    assert_string_equal(lits("abcx*yz", 0), "abc");
    assert_string_equal(lits("abcx{,3}yzz", 0), "abc"); /* {,3}: 0 to 3 in PCRE2 10.43 */
    /* groups and classes are atoms that end a run */
    assert_string_equal(lits("(?:foo|bar)bazqux(x)", 0), "bazqux");
    assert_string_equal(lits("[abc]defg[^h]ij", 0), "defg");
    assert_string_equal(lits("[]x]abcd[[:alpha:]]", 0), "abcd");
    assert_string_equal(lits("abc(?=def)ghij(?<!k)", 0), "ghij");
    /* too short: no prefilter */
    assert_string_equal(lits("^ab\\d+", 0), "");
    assert_string_equal(lits("", 0), "");
}

static void test_escapes(void **state)
{
    (void)state;
    /* byte escapes are literal bytes */
    assert_string_equal(lits("^\\x16\\x03\\0\\012\\r\\n\\tAB", 0),
                        "\\x16\\x03\\x00\\x0a\\x0d\\x0a\\x09ab");
    assert_string_equal(lits("a\\x{41}\\.\\-\\/b", 0), "aa.-/b");
    /* classes of characters end a run */
    assert_string_equal(lits("abc\\d\\w\\sdefg", 0), "defg");
    /* above 0x7F: a byte in byte mode, a character of several bytes in UTF mode */
    assert_string_equal(lits("ab\\xffcd", 0), "ab\\xffcd");
    assert_string_equal(lits("ab\\xffcd", TK_RELIT_UTF), "");
    assert_string_equal(lits("xyz\\xe9abcd", TK_RELIT_UTF), "abcd");
    /* a raw UTF-8 character with a quantifier after it is optional as a whole */
    assert_string_equal(lits("ab\xc3\xa9?cd", TK_RELIT_UTF), "");
    assert_string_equal(lits("abc\xc3\xa9?", TK_RELIT_UTF), "abc");
    /* caseless, a byte above 0x7F is not taken */
    assert_string_equal(lits("ab\\xffcd", TK_RELIT_CASELESS), "");
    /* what is not followed: no prefilter */
    assert_string_equal(lits("\\Qabc\\E", 0), "");
    assert_string_equal(lits("(a)\\1bcd", 0), "");
    assert_string_equal(lits("\\p{L}abcd", 0), "");
    assert_string_equal(lits("(?i)abcd", 0), "");
    assert_string_equal(lits("(?<n>a)bcde", 0), "");
    assert_string_equal(lits("\\cAabcd", 0), "");
    assert_string_equal(lits("abc\\", 0), "");
    assert_string_equal(lits("\\xgabcd", 0), "");
}

/* A group the alternative cannot do without offers one literal per alternative of its own,
 * taken when its shortest is longer than the best run. */
static void test_groups(void **state)
{
    (void)state;
    assert_string_equal(lits("(kazemi|torlux)\\.(ps1|vbs|bat)$", 0), "kazemi|torlux");
    assert_string_equal(lits("(?:abc|defg)", 0), "abc|defg");
    assert_string_equal(lits("(?>abcd|efgh)x", 0), "abcd|efgh");
    assert_string_equal(lits("(abcd|efgh){2}", 0), "abcd|efgh");
    assert_string_equal(lits("((abcd|efgh)|ijkl)", 0), "abcd|efgh|ijkl");
    assert_string_equal(lits("^a(bcd|efg)|hij(klm|nop)", 0), "bcd|efg|hij");
    /* a run at least as long wins; a group with a short alternative offers nothing */
    assert_string_equal(lits("(?:foo|bar)bazqux(x)", 0), "bazqux");
    assert_string_equal(lits("(abc|de)xyz", 0), "xyz");
    /* optional, lookaround and option groups offer nothing */
    assert_string_equal(lits("(abcd|efgh)?xy", 0), "");
    assert_string_equal(lits("(abcd|efgh)*xyz", 0), "xyz");
    assert_string_equal(lits("x(?=abcdef)", 0), "");
    /* three levels down a group is an atom again */
    assert_string_equal(lits("(((abcd|efgh)))", 0), "");
    /* more literals than room: no prefilter */
    char many[256] = "(";
    for (int i = 0; i < TK_RELIT_MAX_ALTS + 1; i++)
        strcat(many, i ? "|abc" : "abc");
    strcat(many, ")");
    assert_string_equal(lits(many, 0), "");
}

static void test_case_and_alternatives(void **state)
{
    (void)state;
    assert_string_equal(lits("ABCdef", TK_RELIT_CASELESS), "abcdef");
    /* caseless UTF: k and s also match the Kelvin sign and the long s */
    assert_string_equal(lits("keys and more", TK_RELIT_CASELESS | TK_RELIT_UTF), " and more");
    assert_string_equal(lits("keys", TK_RELIT_CASELESS | TK_RELIT_UTF), "");
    assert_string_equal(lits("keys", TK_RELIT_CASELESS), "keys");
    assert_string_equal(lits("skeleton", TK_RELIT_CASELESS), "skeleton");
    /* one literal per top-level alternative; all need one */
    assert_string_equal(lits("^abc|def(g|h)|[|]ijk", 0), "abc|def|ijk");
    assert_string_equal(lits("abcd|ef", 0), "");
    char many[256] = "";
    for (int i = 0; i < TK_RELIT_MAX_ALTS + 1; i++)
        strcat(many, i ? "|abc" : "abc");
    assert_string_equal(lits(many, 0), "");
}

static void test_set(void **state)
{
    (void)state;
    static const char *const words[] = { "server: apache", "apache", "ab", "xyz",
                                         "apache",         "the end" };
    enum { N = sizeof words / sizeof words[0] };
    struct tk_litset *set = tk_litset_new();
    assert_non_null(set);
    uint32_t id[N];
    for (size_t i = 0; i < N; i++)
        assert_int_equal(
            tk_litset_add(set, (const unsigned char *)words[i], strlen(words[i]), &id[i]), 0);
    uint32_t dummy;
    assert_int_equal(tk_litset_add(set, (const unsigned char *)"a", 1, &dummy), TK_EINVAL);
    assert_int_equal(tk_litset_finish(set), 0);
    assert_true(tk_litset_words(set) >= 1);
    /* equal literals share a bit */
    assert_int_equal(tk_litset_bit(set, id[1]), tk_litset_bit(set, id[4]));

    static const struct {
        const char *text;
        bool want[N];
    } cases[] = {
        { "HTTP/1.1 200\r\nSERVER: Apache\r\n", { 1, 1, 0, 0, 1, 0 } },
        { "AB", { 0, 0, 1, 0, 0, 0 } },   /* a two-byte literal is the whole text */
        { "zabq", { 0, 0, 1, 0, 0, 0 } }, /* and followed by pairs no longer literal has */
        { "xxXYZ", { 0, 0, 0, 1, 0, 0 } },
        { "apach", { 0 } },
        { "until The End", { 0, 0, 0, 0, 0, 1 } },
        { "", { 0 } },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint64_t found[4] = { 0 };
        tk_litset_scan(set, (const unsigned char *)cases[c].text, strlen(cases[c].text), found);
        for (size_t i = 0; i < N; i++)
            if (tk_litset_found(found, tk_litset_bit(set, id[i])) != cases[c].want[i])
                fail_msg("\"%s\": literal \"%s\" %s", cases[c].text, words[i],
                         cases[c].want[i] ? "missed" : "found");
    }
    tk_litset_free(set);

    /* many literals sharing long prefixes, as nmap's "\r\nServer: ..." lines do */
    set = tk_litset_new();
    assert_non_null(set);
    uint32_t ids[200];
    char buf[64];
    for (int i = 0; i < 200; i++) {
        int n = snprintf(buf, sizeof buf, "\r\nserver: product%d/", i);
        assert_int_equal(tk_litset_add(set, (const unsigned char *)buf, (size_t)n, &ids[i]), 0);
    }
    assert_int_equal(tk_litset_finish(set), 0);
    uint64_t found[8] = { 0 };
    static const char text[] = "HTTP/1.0 200\r\nServer: Product17/\r\nserver: product171/";
    tk_litset_scan(set, (const unsigned char *)text, sizeof text - 1, found);
    for (int i = 0; i < 200; i++)
        assert_int_equal(tk_litset_found(found, tk_litset_bit(set, ids[i])), i == 17 || i == 171);
    tk_litset_free(set);

    /* an empty set scans nothing */
    set = tk_litset_new();
    assert_int_equal(tk_litset_finish(set), 0);
    assert_int_equal(tk_litset_words(set), 0);
    tk_litset_scan(set, (const unsigned char *)"abc", 3, found);
    tk_litset_free(set);
    tk_litset_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_case_and_alternatives),
        cmocka_unit_test(test_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
