/* test_permute.c - lookalike candidates (domains/permute.h): exact output of each simple
 * algorithm on small labels, keyboard layouts, ASCII and Unicode look-alikes (skeletons
 * equal to the brand's), whole-script Cyrillic, words and suffixes, the bound, and for every
 * candidate of a few brands: it parses back to the same punycode and Unicode and appears
 * once. With ../shared/data/dnstwist-baseline/ present, the recall against dnstwist's
 * output is printed per brand and checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uspoof.h>

#include "compat/fs.h"
#include "core/buf.h"
#include "core/str.h"
#include "domains/name.h"
#include "domains/permute.h"

struct run {
    struct tk_permuter *p;
    struct tk_perm_set s;
};

static void run_opts(struct run *r, const char *brand, const struct tk_permute_opts *o)
{
    struct tk_dname d;
    struct tk_err err = { 0 };
    assert_int_equal(tk_dname_parse(&d, brand, strlen(brand), &err), 0);
    assert_int_equal(tk_permuter_new(&r->p, o, &err), 0);
    tk_perm_set_init(&r->s);
    assert_int_equal(tk_permute(r->p, &d, &r->s, &err), 0);
}

/* The candidates of brand from the algorithms in list (NULL: all). */
static void run(struct run *r, const char *brand, const char *list)
{
    struct tk_permute_opts o = { 0 };
    struct tk_err err = { 0 };
    if (list)
        assert_int_equal(tk_permute_algos_parse(list, &o.algos, &err), 0);
    run_opts(r, brand, &o);
}

static void done(struct run *r)
{
    tk_perm_set_release(&r->s);
    tk_permuter_free(r->p);
}

/* The ASCII names, sorted and joined by spaces. */
static const char *names(const struct run *r)
{
    static char out[1 << 14];
    const char **v = calloc(r->s.n + 1, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < r->s.n; i++)
        v[i] = r->s.v[i].ascii;
    for (size_t i = 1; i < r->s.n; i++) /* insertion sort: the lists here are short */
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            const char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->s.n && k < sizeof out; i++)
        k += (size_t)snprintf(out + k, sizeof out - k, "%s%s", i ? " " : "", v[i]);
    free(v);
    return out;
}

/* The candidate with this ASCII name, or NULL. */
static const struct tk_perm_cand *find(const struct run *r, const char *ascii)
{
    for (size_t i = 0; i < r->s.n; i++)
        if (strcmp(r->s.v[i].ascii, ascii) == 0)
            return &r->s.v[i];
    return NULL;
}

static const struct tk_perm_cand *find_u(const struct run *r, const char *unicode)
{
    for (size_t i = 0; i < r->s.n; i++)
        if (strcmp(r->s.v[i].unicode, unicode) == 0)
            return &r->s.v[i];
    return NULL;
}

static void expect(const char *brand, const char *list, const char *want)
{
    struct run r;
    run(&r, brand, list);
    assert_string_equal(names(&r), want);
    done(&r);
}

static void test_simple(void **state)
{
    (void)state;
    /* "zom.us" comes from deleting either 'o': once */
    expect("zoom.us", "omission", "oom.us zom.us zoo.us");
    expect("zoom.us", "transposition", "ozom.us zomo.us");
    expect("zoom.us", "hyphenation", "z-oom.us zo-om.us zoo-m.us");
    expect("zoom.us", "repetition", "zoomm.us zooom.us zzoom.us");
    expect("zoom.us", "vowel-swap",
           "zaom.us zeom.us ziom.us zoam.us zoem.us zoim.us zoum.us zuom.us");
    expect("zoom.us", "subdomain", "z.oom.us zo.om.us zoo.m.us");
    /* never next to a hyphen */
    expect("my-bank.com", "subdomain", "m.y-bank.com my-b.ank.com my-ba.nk.com my-ban.k.com");
    expect("zoom.us", "various", "zoom-us.com zoomus.com zoomus.us");
    expect("example.co.jp", "various", "example-co.jp example.jp exampleco.jp");
    expect("teams.microsoft.com", "various",
           "teams-microsoft.com teams.microsoftcom.com teamsmicrosoft.com");
    expect("a.b.example.com", "various",
           "a-b-example.com a.b-example.com a.b.examplecom.com a.bexample.com abexample.com");
    /* a subdomain stays where it was */
    expect("teams.microsoft.com", "omission",
           "teams.icrosoft.com teams.mcrosoft.com teams.micosoft.com teams.microoft.com "
           "teams.microsft.com teams.microsof.com teams.microsot.com teams.micrsoft.com "
           "teams.mirosoft.com");
}

static void test_addition_plural(void **state)
{
    (void)state;
    struct run r;
    run(&r, "zoom.us", "addition");
    assert_int_equal(r.s.n, 36);
    assert_non_null(find(&r, "zoom0.us"));
    assert_non_null(find(&r, "zoomz.us"));
    done(&r);
    /* a hyphenated label also gets a character before the hyphen */
    run(&r, "my-bank.com", "addition");
    assert_int_equal(r.s.n, 72);
    assert_non_null(find(&r, "myx-bank.com"));
    assert_non_null(find(&r, "my-bankx.com"));
    done(&r);
    expect("microsoft.com", "plural",
           "microsesoft.com microsofts.com micrososft.com microssoft.com micrsosoft.com "
           "micsrosoft.com");
    expect("paybox.com", "plural", "payboxes.com paybsox.com paysbox.com");
}

static void test_keyboards(void **state)
{
    (void)state;
    struct run r;
    run(&r, "paypal.com", "replacement");
    /* QWERTY: q w e r t y; QWERTZ: z sits where y was; AZERTY: m right of p's row below */
    assert_non_null(find(&r, "oaypal.com"));
    assert_non_null(find(&r, "0aypal.com"));
    assert_non_null(find(&r, "laypal.com"));
    assert_non_null(find(&r, "maypal.com")); /* AZERTY only: m right of l */
    assert_non_null(find(&r, "pyypal.com")); /* QWERTZ only: y below a */
    assert_non_null(find(&r, "pqypal.com")); /* QWERTY and QWERTZ: q above a */
    assert_non_null(find(&r, "p1ypal.com")); /* AZERTY only: a is below 1 */
    assert_null(find(&r, "pbypal.com"));     /* b is nowhere near a */
    for (size_t i = 0; i < r.s.n; i++)
        assert_int_equal(r.s.v[i].algo, TK_PERM_REPLACEMENT);
    done(&r);
    run(&r, "zoom.us", "insertion");
    assert_non_null(find(&r, "zoiom.us")); /* i before o */
    assert_non_null(find(&r, "zopom.us")); /* p after o */
    assert_non_null(find(&r, "azoom.us")); /* at the start too */
    assert_non_null(find(&r, "zoomn.us")); /* and after the last */
    assert_null(find(&r, "zoxom.us"));
    done(&r);
}

static void test_bitsquatting(void **state)
{
    (void)state;
    struct run r;
    run(&r, "zoom.us", "bitsquatting");
    assert_true(r.s.n > 0);
    const char *orig = "zoom";
    for (size_t i = 0; i < r.s.n; i++) {
        const char *c = r.s.v[i].ascii;
        assert_int_equal(strlen(c), strlen("zoom.us"));
        assert_string_equal(c + 4, ".us");
        int diff = 0;
        for (int k = 0; k < 4; k++) {
            if (c[k] == orig[k])
                continue;
            diff++;
            unsigned x = (unsigned char)c[k] ^ (unsigned char)orig[k];
            assert_true(x && (x & (x - 1)) == 0); /* one bit */
            assert_true((c[k] >= 'a' && c[k] <= 'z') || (c[k] >= '0' && c[k] <= '9') ||
                        c[k] == '-');
        }
        assert_int_equal(diff, 1);
        assert_true(c[0] != '-' && c[3] != '-');
    }
    assert_non_null(find(&r, "xoom.us")); /* z ^ 2 */
    assert_non_null(find(&r, "zool.us")); /* m ^ 1 */
    assert_null(find(&r, "zoo-.us"));     /* m ^ 0x40: a hyphen cannot end a label */
    done(&r);
}

/* The ICU skeleton of s (UTF-8), for comparing candidates with their brand. */
static void skeleton(const char *s, char *out, size_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    USpoofChecker *sc = uspoof_open(&st);
    assert_false(U_FAILURE(st));
    int n = uspoof_getSkeletonUTF8(sc, 0, s, -1, out, (int32_t)cap, &st);
    assert_false(U_FAILURE(st));
    assert_true(n >= 0 && (size_t)n < cap);
    uspoof_close(sc);
}

static void test_homoglyph(void **state)
{
    (void)state;
    struct run r;
    run(&r, "microsoft.com", "homoglyph");
    /* ASCII shapes, one and two at a time, and every occurrence of a run together */
    assert_non_null(find(&r, "rnicrosoft.com"));
    assert_non_null(find(&r, "micr0soft.com"));
    assert_non_null(find(&r, "micr0s0ft.com"));
    assert_non_null(find(&r, "rnicr0soft.com"));
    assert_non_null(find(&r, "mlcrosoft.com"));
    assert_null(find(&r, "microsoft.com"));
    done(&r);

    run(&r, "paypal.com", "homoglyph");
    /* Latin alpha: ICU's skeleton of the candidate is the brand's */
    const struct tk_perm_cand *c = find_u(&r, "p\xc9\x91ypal.com");
    assert_non_null(c);
    assert_string_equal(c->ascii, "xn--pypal-0jc.com");
    char a[256], b[256];
    skeleton("paypal.com", a, sizeof a);
    skeleton(c->unicode, b, sizeof b);
    assert_string_equal(a, b);
    /* a letter with one mark, and two substitutions */
    assert_non_null(find_u(&r, "p\xc3\xa1ypal.com")); /* á */
    assert_non_null(find_u(&r, "p\xc3\xa1ypa1.com")); /* á and 1 */
    assert_null(find_u(&r, "p\xe1\xba\xa5ypal.com")); /* ấ: two marks */
    /* labels stay in one script: no Cyrillic letter among Latin ones */
    for (size_t i = 0; i < r.s.n; i++) {
        const unsigned char *u = (const unsigned char *)r.s.v[i].unicode;
        for (; *u; u++)
            assert_false(*u == 0xd0 || *u == 0xd1 || *u == 0xd3 || *u == 0xd4);
    }
    done(&r);

    /* rn as m and back */
    run(&r, "learn.com", "homoglyph");
    assert_non_null(find(&r, "leam.com"));
    assert_non_null(find(&r, "learm.com"));
    done(&r);
}

static void test_cyrillic(void **state)
{
    (void)state;
    /* z has no Cyrillic twin: nothing */
    expect("zoom.us", "cyrillic", "");
    struct run r;
    run(&r, "apple.com", "cyrillic");
    assert_true(r.s.n >= 1);
    /* а р р ӏ е */
    assert_non_null(find_u(&r, "\xd0\xb0\xd1\x80\xd1\x80\xd3\x8f\xd0\xb5.com"));
    for (size_t i = 0; i < r.s.n; i++) {
        assert_int_equal(r.s.v[i].algo, TK_PERM_CYRILLIC);
        /* every letter replaced: the label holds no ASCII at all */
        const char *u = r.s.v[i].unicode;
        for (const char *x = u; *x != '.'; x++)
            assert_true((unsigned char)*x >= 0x80);
        assert_int_equal(strncmp(r.s.v[i].ascii, "xn--", 4), 0);
    }
    done(&r);
    /* digits and hyphens stay as they are */
    run(&r, "ace-1.com", "cyrillic");
    assert_non_null(find_u(&r, "\xd0\xb0\xd1\x81\xd0\xb5-1.com"));
    done(&r);
}

static void test_words_and_tlds(void **state)
{
    (void)state;
    const char *words[] = { "login",
                            "zoom",
                            "bad word",
                            "",
                            ("s\xc3\xa9"
                             "curit\xc3\xa9"),
                            "\xff" };
    const char *tlds[] = { "com", ".co.jp", "us", "123", "-x", "xn--q9jyb4c" };
    struct tk_permute_opts o = { .words = words, .nwords = 6, .tlds = tlds, .ntlds = 6 };
    struct tk_err err = { 0 };
    assert_int_equal(tk_permute_algos_parse("dictionary,tld-swap", &o.algos, &err), 0);
    struct run r;
    run_opts(&r, "zoom.us", &o);
    size_t bw, bt;
    tk_permuter_skipped(r.p, &bw, &bt);
    assert_int_equal(bw, 3);
    assert_int_equal(bt, 2);
    /* (punycode as Python's idna package writes it) */
    assert_string_equal(names(&r), "login-zoom.us loginzoom.us xn--scurit-zoom-bbbf.us "
                                   "xn--scuritzoom-b7af.us xn--zoom-scurit-gbbf.us "
                                   "xn--zoomscurit-f7af.us zoom-login.us zoom.co.jp zoom.com "
                                   "zoom.xn--q9jyb4c zoomlogin.us");
    const struct tk_perm_cand *c = find(&r, "zoom.xn--q9jyb4c");
    assert_non_null(c);
    assert_string_equal(c->unicode, "zoom.\xe3\x81\xbf\xe3\x82\x93\xe3\x81\xaa");
    assert_int_equal(c->algo, TK_PERM_TLD_SWAP);
    done(&r);

    /* a hyphenated label: the word in place of either end */
    const char *w1[] = { "login" };
    struct tk_permute_opts o1 = { .algos = 1u << TK_PERM_DICTIONARY, .words = w1, .nwords = 1 };
    run_opts(&r, "my-bank.com", &o1);
    assert_non_null(find(&r, "my-login.com"));
    assert_non_null(find(&r, "login-bank.com"));
    assert_non_null(find(&r, "loginmy-bank.com"));
    done(&r);

    /* the built-in suffixes when none are given */
    run(&r, "zoom.us", "tld-swap");
    assert_non_null(find(&r, "zoom.com"));
    assert_non_null(find(&r, "zoom.co.jp"));
    assert_null(find(&r, "zoom.us"));
    done(&r);
}

static void test_algos_parse(void **state)
{
    (void)state;
    unsigned set;
    struct tk_err err = { 0 };
    assert_int_equal(tk_permute_algos_parse("omission,vowel-swap", &set, &err), 0);
    assert_int_equal(set, (1u << TK_PERM_OMISSION) | (1u << TK_PERM_VOWEL_SWAP));
    assert_int_equal(tk_permute_algos_parse("omission,bogus", &set, &err), TK_EINVAL);
    assert_non_null(strstr(err.msg, "bogus"));
    assert_int_equal(tk_permute_algos_parse("", &set, &err), TK_EINVAL);
    assert_int_equal(tk_permute_algos_parse("omission,", &set, &err), TK_EINVAL);
    for (int a = 0; a < TK_PERM_NALGO; a++) {
        const char *n = tk_permute_algo_name((enum tk_perm_algo)a);
        assert_int_equal(tk_permute_algo_lookup(n, strlen(n)), a);
    }
    assert_int_equal(tk_permute_algo_lookup("homo", 4), -1);
}

static void test_bound(void **state)
{
    (void)state;
    struct tk_permute_opts o = { .max = 50 };
    struct run r;
    run_opts(&r, "microsoft.com", &o);
    assert_int_equal(r.s.n, 50);
    assert_true(r.s.truncated);
    done(&r);
    o.max = 3;
    o.algos = 1u << TK_PERM_OMISSION;
    run_opts(&r, "zoom.us", &o);
    assert_int_equal(r.s.n, 3);
    assert_false(r.s.truncated); /* exactly three: nothing was cut */
    done(&r);
    /* a label of 63 letters, the worst case for look-alikes, stays within the bound */
    char big[80];
    memset(big, 'o', 63);
    strcpy(big + 63, ".com");
    o = (struct tk_permute_opts){ .max = 1000 };
    run_opts(&r, big, &o);
    assert_true(r.s.n <= 1000);
    done(&r);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every candidate parses back to itself, is not the brand, and appears once. */
static void check_all(const char *brand)
{
    struct run r;
    run(&r, brand, NULL);
    struct tk_dname b;
    assert_int_equal(tk_dname_parse(&b, brand, strlen(brand), NULL), 0);
    const char **v = calloc(r.s.n + 1, sizeof *v);
    assert_non_null(v);
    size_t per[TK_PERM_NALGO] = { 0 };
    for (size_t i = 0; i < r.s.n; i++) {
        const struct tk_perm_cand *c = &r.s.v[i];
        struct tk_dname d;
        struct tk_err err = { 0 };
        if (tk_dname_parse(&d, c->ascii, strlen(c->ascii), &err) != 0)
            fail_msg("%s: %s does not parse: %s", brand, c->ascii, err.msg);
        assert_string_equal(d.ascii, c->ascii);
        assert_string_equal(d.unicode, c->unicode);
        assert_string_not_equal(c->ascii, b.ascii);
        assert_true((unsigned)c->algo < TK_PERM_NALGO);
        per[c->algo]++;
        v[i] = c->ascii;
    }
    for (int a = 0; a < TK_PERM_NALGO; a++)
        assert_int_equal(per[a], r.s.per_algo[a]);
    qsort(v, r.s.n, sizeof *v, cmp_str);
    for (size_t i = 1; i < r.s.n; i++)
        if (strcmp(v[i - 1], v[i]) == 0)
            fail_msg("%s: %s twice", brand, v[i]);
    free(v);
    assert_false(r.s.truncated);
    done(&r);
}

static void test_consistent(void **state)
{
    (void)state;
    check_all("zoom.us");
    check_all("paypal.com");
    check_all("www.mizuhobank.co.jp");
    check_all("my-bank.com");
    check_all("g\xc3\xb6ogle.com"); /* a Unicode brand: libidn2 judges its candidates */
    check_all("xn--zm-fmca.us");    /* zооm.us in Cyrillic */
    check_all("a1.jp");
}

/* ---- recall against dnstwist (skipped without ../shared) ------------------------------- */

static void test_dnstwist_recall(void **state)
{
    (void)state;
    const char *src = getenv("SRCDIR");
    static const char *const brands[] = { "zoom.us", "example.com", "microsoft.com", "paypal.com" };
    char path[4096];
    bool any = false;
    size_t all = 0, all_missed = 0;
    for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++) {
        snprintf(path, sizeof path, "%s/../shared/data/dnstwist-baseline/%s.fuzzers.csv",
                 src ? src : "..", brands[i]);
        struct tk_buf text = TK_BUF_INIT((size_t)1 << 24);
        if (tk_read_file(path, &text, NULL) != 0) {
            tk_buf_release(&text);
            continue;
        }
        any = true;
        struct run r;
        run(&r, brands[i], NULL);
        size_t n = 0, missed = 0, missed_other = 0;
        struct tk_str rest = { text.ptr, text.len }, line;
        while (tk_str_next_line(&rest, &line)) {
            struct tk_str fuzzer, domain;
            if (!tk_str_cut(line, ',', &fuzzer, &domain) || tk_str_eq_c(fuzzer, "fuzzer") ||
                tk_str_eq_c(fuzzer, "*original") || tk_str_eq_c(fuzzer, "dictionary"))
                continue;
            char name[300];
            snprintf(name, sizeof name, "%.*s", (int)domain.n, domain.p);
            n++;
            if (!find(&r, name)) {
                missed++;
                /* only look-alike letters ICU does not relate to ASCII may be missing */
                if (!tk_str_eq_c(fuzzer, "homoglyph"))
                    missed_other++;
            }
        }
        printf("# dnstwist recall %s: %zu of %zu (%.1f%%), %zu candidates of ours\n", brands[i],
               n - missed, n, n ? 100.0 * (double)(n - missed) / (double)n : 0.0, r.s.n);
        assert_int_equal(missed_other, 0);
        assert_true(r.s.n >= n - missed);
        all += n;
        all_missed += missed;
        done(&r);
        tk_buf_release(&text);
    }
    if (!any) {
        /* ../shared is not there (a clone on its own): nothing to compare with. Not
         * cmocka's skip(): its TAP line is "not ok ... # SKIP", which meson counts as a
         * failure. */
        printf("# dnstwist baselines not found: recall not measured\n");
        return;
    }
    /* every name dnstwist lists, other than its dictionary algorithm's */
    printf("# dnstwist recall overall: %zu of %zu\n", all - all_missed, all);
    assert_int_equal(all_missed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),          cmocka_unit_test(test_addition_plural),
        cmocka_unit_test(test_keyboards),       cmocka_unit_test(test_bitsquatting),
        cmocka_unit_test(test_homoglyph),       cmocka_unit_test(test_cyrillic),
        cmocka_unit_test(test_words_and_tlds),  cmocka_unit_test(test_algos_parse),
        cmocka_unit_test(test_bound),           cmocka_unit_test(test_consistent),
        cmocka_unit_test(test_dnstwist_recall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
