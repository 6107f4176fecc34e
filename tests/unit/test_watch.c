/* test_watch.c - names judged against brands and lures (domains/watch.h): each kind of
 * imitation dnstwist's algorithms produce is recognised with its brand, a brand's own names
 * never are, keywords count when obfuscated, and malformed brand and keyword files are refused
 * with FILE:LINE. Also the name parser (domains/name.h) on the inputs feeds carry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "domains/name.h"
#include "domains/watch.h"

static const char brands[] = "# test brands\n"
                             "zoom.us Zoom\n"
                             "microsoft.com\n"
                             "mizuhobank.co.jp Mizuho\n"
                             "paypal.com\n"
                             "jp-bank.japanpost.jp\n";
static const char keywords[] = "covid 60\ncorona 60\nkyufukin 50\nlogin 20\n";

static struct tk_watch *watch(void)
{
    struct tk_watch *w = NULL;
    struct tk_err err = { 0 };
    if (tk_watch_new(&w, brands, strlen(brands), "b.txt", keywords, strlen(keywords), "k.txt",
                     &err) != 0)
        fail_msg("%s", err.msg);
    return w;
}

/* The hit for name; fails when it does not parse. */
static struct tk_watch_hit judge(const struct tk_watch *w, const char *name)
{
    struct tk_dname d;
    struct tk_err err = { 0 };
    if (tk_dname_parse(&d, name, strlen(name), &err) != 0)
        fail_msg("%s: %s", name, err.msg);
    struct tk_watch_hit h;
    tk_watch_judge(w, &d, &h);
    return h;
}

/* Whether the hit has a reason of kind for brand (or keyword). */
static bool has(const struct tk_watch_hit *h, const char *kind, const char *what)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->r[i].kind, kind) == 0 &&
            strcmp(h->r[i].brand ? h->r[i].brand : h->r[i].word, what) == 0)
            return true;
    return false;
}

static void expect(const struct tk_watch *w, const char *name, const char *kind, const char *what,
                   int min_score)
{
    struct tk_watch_hit h = judge(w, name);
    if (!has(&h, kind, what) || h.score < min_score) {
        char got[512] = "";
        size_t k = 0;
        for (size_t i = 0; i < h.n && k < sizeof got; i++)
            k += (size_t)snprintf(got + k, sizeof got - k, "%s %s %d; ", h.r[i].kind,
                                  h.r[i].brand ? h.r[i].brand : h.r[i].word, h.r[i].weight);
        fail_msg("%s: want %s %s (score >= %d), got score %d: %s", name, kind, what, min_score,
                 h.score, got);
    }
}

static void test_imitations(void **state)
{
    (void)state;
    struct tk_watch *w = watch();
    assert_int_equal(tk_watch_brands(w), 5);
    assert_int_equal(tk_watch_keywords(w), 4);
    /* typos: omission, addition, replacement, transposition, repetition, hyphenation,
     * vowel swap, bitsquatting */
    expect(w, "zom.us", "typo", "zoom.us", 60);
    expect(w, "microsft.com", "typo", "microsoft.com", 80);
    expect(w, "microsofts.com", "typo", "microsoft.com", 80);
    expect(w, "micrasoft.com", "typo", "microsoft.com", 80);
    expect(w, "micorsoft.com", "typo", "microsoft.com", 80);
    expect(w, "microosoft.com", "typo", "microsoft.com", 80);
    expect(w, "micro-soft.com", "typo", "microsoft.com", 80);
    expect(w, "mic2osoft.com", "typo", "microsoft.com", 80);
    /* look-alikes */
    expect(w, "rnicrosoft.com", "homoglyph", "microsoft.com", 90);
    expect(w, "paypa1.com", "homoglyph", "paypal.com", 90);
    expect(w, "xn--pypal-4ve.com", "idn-homograph", "paypal.com", 100); /* pаypal, Cyrillic а */
    expect(w, "pаypal.com", "idn-homograph", "paypal.com", 100);
    expect(w, "xn--zm-fmca.us", "idn-homograph", "zoom.us", 100);
    /* structure */
    expect(w, "zoom.com", "tld-swap", "zoom.us", 80);
    expect(w, "mizuhobank.net", "tld-swap", "mizuhobank.co.jp", 80);
    expect(w, "zoomus.com", "various", "zoom.us", 85);
    expect(w, "zoom-us.net", "various", "zoom.us", 85);
    expect(w, "mizuhobank-co-jp.com", "various", "mizuhobank.co.jp", 85);
    expect(w, "z.oom.us", "split", "zoom.us", 85);
    expect(w, "zoom.us.example.com", "brand-in-subdomain", "zoom.us", 90);
    expect(w, "microsoft.login-check.top", "label-in-subdomain", "microsoft.com", 60);
    expect(w, "zoom-meeting.xyz", "embedded", "zoom.us", 70);
    expect(w, "secure-paypal-login.com", "embedded", "paypal.com", 70);
    /* a brand whose domain is below its registrable one */
    expect(w, "japanpost.net", "tld-swap", "jp-bank.japanpost.jp", 80);
    tk_watch_free(w);
}

static void test_own_and_unrelated(void **state)
{
    (void)state;
    struct tk_watch *w = watch();
    static const char *const quiet[] = { "zoom.us",
                                         "us04web.zoom.us",
                                         "microsoft.com",
                                         "login.microsoft.com",
                                         "www.mizuhobank.co.jp",
                                         "example.com",
                                         "bank.example.jp",
                                         "japanpost.jp",
                                         "mail.jp-bank.japanpost.jp" };
    for (size_t i = 0; i < sizeof quiet / sizeof *quiet; i++) {
        struct tk_watch_hit h = judge(w, quiet[i]);
        if (h.score)
            fail_msg("%s: score %d (%s)", quiet[i], h.score, h.n ? h.r[0].kind : "");
    }
    tk_watch_free(w);
}

static void test_keywords(void **state)
{
    (void)state;
    struct tk_watch *w = watch();
    expect(w, "covid-relief.com", "keyword", "covid", 60);
    expect(w, "c0vid19-support.net", "keyword", "covid", 60);
    expect(w, "c0r0na-help.org", "keyword", "corona", 60);
    expect(w, "xn--cvid-relief-rnj.com", "keyword", "covid", 60); /* cоvid, Cyrillic о */
    expect(w, "kyufukin-shinsei.jp", "keyword", "kyufukin", 50);
    /* one keyword per folded form: covid and c0vid listed both count once, at the higher
     * weight */
    struct tk_watch *w2 = NULL;
    struct tk_err err = { 0 };
    static const char twice[] = "covid 30\nc0vid 40\n";
    assert_int_equal(
        tk_watch_new(&w2, brands, strlen(brands), "b.txt", twice, strlen(twice), "k.txt", &err), 0);
    assert_int_equal(tk_watch_keywords(w2), 1);
    struct tk_watch_hit h2 = judge(w2, "covid-info.com");
    assert_int_equal(h2.n, 1);
    assert_int_equal(h2.score, 40);
    tk_watch_free(w2);
    /* a brand and a keyword add up */
    struct tk_watch_hit h = judge(w, "microsoft-login.top");
    assert_true(has(&h, "embedded", "microsoft.com") && has(&h, "keyword", "login"));
    assert_int_equal(h.score, 70 + 20);
    assert_string_equal(h.brand, "microsoft.com");
    tk_watch_free(w);
}

static void test_bad_files(void **state)
{
    (void)state;
    struct tk_watch *w = NULL;
    struct tk_err err = { 0 };
    static const char bad_brand[] = "zoom.us\n\nnot a domain\n";
    assert_int_equal(tk_watch_new(&w, bad_brand, strlen(bad_brand), "b.txt", keywords,
                                  strlen(keywords), "k.txt", &err),
                     TK_EPARSE);
    assert_non_null(strstr(err.msg, "b.txt:3:"));
    static const char suffix[] = "co.jp\n";
    assert_int_equal(tk_watch_new(&w, suffix, strlen(suffix), "b.txt", keywords, strlen(keywords),
                                  "k.txt", &err),
                     TK_EPARSE);
    assert_non_null(strstr(err.msg, "public suffix"));
    static const char bad_kw[] = "covid 60\nab\n";
    assert_int_equal(
        tk_watch_new(&w, brands, strlen(brands), "b.txt", bad_kw, strlen(bad_kw), "k.txt", &err),
        TK_EPARSE);
    assert_non_null(strstr(err.msg, "k.txt:2:"));
    static const char ctrl[] = "co\x1bvid 60\n";
    assert_int_equal(
        tk_watch_new(&w, brands, strlen(brands), "b.txt", ctrl, strlen(ctrl), "k.txt", &err),
        TK_EPARSE);
    assert_non_null(strstr(err.msg, "k.txt:1: a keyword holds a control character"));
    static const char bad_weight[] = "covid sixty\n";
    assert_int_equal(tk_watch_new(&w, brands, strlen(brands), "b.txt", bad_weight,
                                  strlen(bad_weight), "k.txt", &err),
                     TK_EPARSE);
    assert_null(w);
    /* the shipped sets load */
    assert_int_equal(tk_watch_new(&w, NULL, 0, NULL, NULL, 0, NULL, &err), 0);
    assert_true(tk_watch_brands(w) >= 40);
    assert_true(tk_watch_keywords(w) >= 20);
    tk_watch_free(w);
}

static void test_names(void **state)
{
    (void)state;
    struct tk_dname d;
    struct tk_err err = { 0 };
    assert_int_equal(tk_dname_parse(&d, " *.Login.ZOOM-us.com. ", 22, &err), 0);
    assert_string_equal(d.ascii, "login.zoom-us.com");
    assert_string_equal(d.ascii + d.reg, "zoom-us.com");
    assert_int_equal(d.label_len, 7);
    assert_string_equal(d.ascii + d.suffix, "com");
    assert_int_equal(tk_dname_parse(&d, "zооm.us", strlen("zооm.us"), &err), 0);
    assert_string_equal(d.ascii, "xn--zm-fmca.us");
    assert_string_equal(d.unicode, "zооm.us");
    assert_int_equal(tk_dname_parse(&d, "a.b.example.co.jp", 17, &err), 0);
    assert_string_equal(d.ascii + d.reg, "example.co.jp");
    /* an ASCII label with hyphens in its third and fourth places beside an A-label: each
     * label on its own terms, in either input form */
    assert_int_equal(tk_dname_parse(&d, "ab--cd.xn--zm-fmca.us", 21, &err), 0);
    assert_string_equal(d.unicode, "ab--cd.zооm.us");
    assert_int_equal(tk_dname_parse(&d, "ab--cd.zооm.us", strlen("ab--cd.zооm.us"), &err), 0);
    assert_string_equal(d.ascii, "ab--cd.xn--zm-fmca.us");
    assert_int_equal(tk_dname_parse(&d, "co.jp", 5, &err), 0);
    assert_int_equal(d.label_len, 0);
    static const char *const bad[] = { "",         "com",         "-x.com",       "x-.com",
                                       "a..b",     "xn--abc.com", "bad_name.com", "1.2.3.4",
                                       "\xff.com", "a\0b.com" };
    static const size_t lens[] = { 0, 3, 6, 6, 4, 11, 12, 7, 5, 7 };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (tk_dname_parse(&d, bad[i], lens[i], &err) == 0)
            fail_msg("bad name %zu parsed as %s", i, d.ascii);
    char longlabel[80];
    memset(longlabel, 'a', 64);
    memcpy(longlabel + 64, ".com", 5);
    assert_int_equal(tk_dname_parse(&d, longlabel, strlen(longlabel), &err), TK_EPARSE);
    char huge[600];
    memset(huge, 'a', sizeof huge);
    for (size_t i = 50; i < sizeof huge; i += 50)
        huge[i] = '.';
    assert_int_not_equal(tk_dname_parse(&d, huge, sizeof huge, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_imitations), cmocka_unit_test(test_own_and_unrelated),
        cmocka_unit_test(test_keywords),   cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
