/* test_attrib.c - attribution of observations (surface/attrib.h): prefecture names, the
 * organisation-name normal form, the CSV and JSON directories (and the file:line of what
 * they refuse), longest-prefix matching against a brute-force scan, domains at label
 * boundaries, certificate O, JPNIC / RIPE / ARIN WHOIS text, MaxMind DB lookups on a
 * database tests/tools/mkmmdb.py writes, the place fallbacks, the JSON form, and loading
 * with every allocation failing in turn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/alloc.h"
#include "core/json.h"
#include "surface/attrib.h"

/* ---- helpers ------------------------------------------------------------------------ */

static struct tk_attrib *dir_csv(const char *text, struct tk_err *err)
{
    struct tk_attrib *a = tk_attrib_new();
    assert_non_null(a);
    if (tk_attrib_add_directory(a, "d.csv", text, strlen(text), TK_ATTRIB_CSV, err) ||
        tk_attrib_finish(a, err)) {
        tk_attrib_free(a);
        return NULL;
    }
    return a;
}

/* The message of a directory that must be refused. */
static const char *refused(const char *name, const char *text, enum tk_attrib_format fmt,
                           struct tk_err *err)
{
    struct tk_attrib *a = tk_attrib_new();
    assert_non_null(a);
    int rc = tk_attrib_add_directory(a, name, text, strlen(text), fmt, err);
    assert_true(rc < 0);
    /* Nothing of the refused text is kept. */
    assert_int_equal(tk_attrib_org_count(a), 0);
    tk_attrib_free(a);
    return err->msg;
}

struct obs_spec {
    const char *ip;
    const char *sans[4];
    const char *cn, *o;
    const char *hosts[4];
    const char *country, *region;
};

static void obs_make(struct tk_obs *o, struct tk_arena *ar, const struct obs_spec *s)
{
    tk_arena_init(ar, 1 << 20);
    tk_obs_init(o, ar);
    if (s->ip)
        snprintf(o->ip, sizeof o->ip, "%s", s->ip);
    for (int i = 0; i < 4 && s->sans[i]; i++) {
        o->has_cert = true;
        assert_int_equal(tk_obs_san_add(o, tk_str_c(s->sans[i])), 0);
    }
    if (s->cn || s->o)
        o->has_cert = true;
    o->cert.subject_cn = s->cn;
    o->cert.subject_o = s->o;
    for (int i = 0; i < 4 && s->hosts[i]; i++)
        assert_int_equal(tk_obs_hostname_add(o, tk_str_c(s->hosts[i])), 0);
    o->country = s->country;
    o->region = s->region;
}

static void look(const struct tk_attrib *a, const struct obs_spec *s, struct tk_attribution *r)
{
    struct tk_arena ar;
    struct tk_obs o;
    obs_make(&o, &ar, s);
    assert_int_equal(tk_attrib_lookup(a, &o, r), 0);
    tk_arena_release(&ar);
}

static const char *org_of(const struct tk_attribution *r)
{
    return r->org ? r->org->id : "-";
}

/* The first evidence item of a kind, or NULL. */
static const struct tk_attrib_evidence *ev(const struct tk_attribution *r, enum tk_evidence_kind k)
{
    for (size_t i = 0; i < r->nevidence; i++)
        if (r->evidence[i].kind == k)
            return &r->evidence[i];
    return NULL;
}

static size_t ev_count(const struct tk_attribution *r, enum tk_evidence_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nevidence; i++)
        n += r->evidence[i].kind == k;
    return n;
}

/* ---- prefectures and names --------------------------------------------------------- */

static void test_prefectures(void **state)
{
    (void)state;
    assert_string_equal(tk_prefecture_name(1, false), "Hokkaido");
    assert_string_equal(tk_prefecture_name(13, true), "東京都");
    assert_string_equal(tk_prefecture_name(14, true), "神奈川県");
    assert_string_equal(tk_prefecture_name(14, false), "Kanagawa");
    assert_string_equal(tk_prefecture_name(47, false), "Okinawa");
    assert_null(tk_prefecture_name(0, false));
    assert_null(tk_prefecture_name(48, true));
    for (int i = 1; i <= TK_PREF_COUNT; i++) {
        assert_int_equal(tk_prefecture_parse(tk_prefecture_name(i, true)), i);
        assert_int_equal(tk_prefecture_parse(tk_prefecture_name(i, false)), i);
    }
    static const struct {
        const char *text;
        int code;
    } cases[] = {
        { "14", 14 },
        { "JP-14", 14 },
        { "jp-14", 14 },
        { "JP14", 14 },
        { " 14 ", 14 },
        { "01", 1 },
        { "Kanagawa", 14 },
        { "KANAGAWA", 14 },
        { "kanagawa-ken", 14 },
        { "Kanagawa Prefecture", 14 },
        { "神奈川県", 14 },
        { "神奈川", 14 },
        { "東京", 13 },
        { "Tokyo-to", 13 },
        { "京都", 26 },
        { "Kyoto", 26 },
        { "Ōsaka-fu", 27 },
        { "Hyōgo", 28 },
        { "Kōchi", 39 },
        { "Hokkai-do", 1 },
        { "北海道", 1 },
        { "JP-47", 47 },
        { "0", 0 },
        { "48", 0 },
        { "JP-48", 0 },
        { "JP-", 0 },
        { "14x", 0 },
        { "", 0 },
        { "Kanagawaa", 0 },
        { "神奈", 0 },
        { "US-CA", 0 },
        { "Japan", 0 },
        { "123", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = tk_prefecture_parse(cases[i].text);
        if (got != cases[i].code)
            fail_msg("\"%s\": %d, expected %d", cases[i].text, got, cases[i].code);
    }
    assert_int_equal(tk_prefecture_parse(NULL), 0);
}

static void test_name_normalize(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out; /* out NULL: refused */
    } cases[] = {
        { "株式会社サンプル", "サンプル" },
        { "サンプル株式会社", "サンプル" },
        { "（株）サンプル", "サンプル" },
        { "(株)サンプル", "サンプル" },
        { "㈱サンプル", "サンプル" },
        { "株式会社　サンプル", "サンプル" },
        { "有限会社サンプル・ネット", "サンプルネット" },
        { "Example Co., Ltd.", "example" },
        { "EXAMPLE CO.,LTD", "example" },
        { "Example Co. Ltd", "example" },
        { "Example Corporation", "example" },
        { "Example Corp.", "example" },
        { "Example, Inc.", "example" },
        { "Example K.K.", "example" },
        { "Kabushiki Kaisha Example", "example" },
        { "Example Company Limited", "example" },
        { "Ｅｘａｍｐｌｅ　Ｃｏ．，Ｌｔｄ．", "example" },
        { "Example-Net Inc", "examplenet" },
        { "A&B Networks Ltd", "a&bnetworks" },
        { "Zinc", "zinc" },
        { "Costco", "costco" },
        { "Inc", "inc" }, /* a legal form alone is the name */
        { "Corporation", "corporation" },
        { "株式会社", NULL }, /* nothing left */
        { "  ,. ", NULL },
        { "", NULL },
        { "bad \xff utf-8", NULL },
    };
    char out[TK_ORG_NAME_NORM_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = tk_org_name_normalize(tk_str_c(cases[i].in), out, sizeof out);
        if (!cases[i].out) {
            if (ok)
                fail_msg("\"%s\" normalised to \"%s\", expected a refusal", cases[i].in, out);
            continue;
        }
        if (!ok)
            fail_msg("\"%s\" refused", cases[i].in);
        if (strcmp(out, cases[i].out) != 0)
            fail_msg("\"%s\" -> \"%s\", expected \"%s\"", cases[i].in, out, cases[i].out);
    }
    /* Too small an output buffer is a refusal, not an overflow. */
    char small[4];
    assert_false(tk_org_name_normalize(tk_str_c("Example Co., Ltd."), small, sizeof small));
    assert_true(tk_org_name_normalize(tk_str_c("abc"), small, sizeof small));
    assert_string_equal(small, "abc");
}

/* ---- directories --------------------------------------------------------------------- */

static const char dir_text[] =
    "\xEF\xBB\xBF"
    "org_id,name,corporate_number,prefecture,address,cidrs,domains,contacts,note\n"
    "# a comment line\n"
    "acme,株式会社サンプル,1234567890123,神奈川県,\"横浜市中区, 1-2-3\","
    "192.0.2.0/24;2001:db8::/32,example.co.jp,\"soc@example.co.jp\nnoc@example.co.jp\"\n"
    "\n"
    "bravo,Bravo Corporation,,13,,192.0.2.128/25 198.51.100.0/24,bravo.example,,x\r\n"
    "charlie,Charlie Inc.,,JP-27,,192.0.2.192/26,\"sub.example.co.jp, charlie.example\",\n"
    "delta,\"Delta \"\"K.K.\"\"\",,Osaka,,198.51.100.0/24,,\n"
    "echo,Example Net,,,,2001:db8:1::/48,EXAMPLE-NET.example.,\n"
    "foxtrot,Foxtrot,,Kanagawa,,192.0.2.77,\n";

static void test_csv(void **state)
{
    (void)state;
    struct tk_err err = { 0 };
    struct tk_attrib *a = dir_csv(dir_text, &err);
    if (!a)
        fail_msg("%s", err.msg);
    assert_int_equal(tk_attrib_org_count(a), 6);
    const struct tk_org *o = tk_attrib_org_by_id(a, "acme");
    assert_non_null(o);
    assert_string_equal(o->name, "株式会社サンプル");
    assert_string_equal(o->corporate_number, "1234567890123");
    assert_int_equal(o->prefecture, 14);
    assert_string_equal(o->address, "横浜市中区, 1-2-3");
    assert_string_equal(o->contacts, "soc@example.co.jp\nnoc@example.co.jp");
    assert_string_equal(o->origin, "d.csv:3");
    o = tk_attrib_org_by_id(a, "bravo");
    assert_int_equal(o->prefecture, 13);
    assert_string_equal(o->corporate_number, "");
    assert_string_equal(o->origin, "d.csv:6");
    assert_int_equal(tk_attrib_org_by_id(a, "charlie")->prefecture, 27);
    assert_string_equal(tk_attrib_org_by_id(a, "delta")->name, "Delta \"K.K.\"");
    assert_int_equal(tk_attrib_org_by_id(a, "delta")->prefecture, 27);
    assert_int_equal(tk_attrib_org_by_id(a, "echo")->prefecture, 0);
    assert_string_equal(tk_attrib_org_by_id(a, "foxtrot")->origin, "d.csv:10");
    assert_null(tk_attrib_org_by_id(a, "nobody"));
    assert_null(tk_attrib_org(a, 6));
    tk_attrib_free(a);

    /* Columns in any order and case; rows shorter than the header. */
    a = dir_csv("Name,ORG_ID\nOnly Name,x1\nOther,x2", &err);
    if (!a)
        fail_msg("%s", err.msg);
    assert_int_equal(tk_attrib_org_count(a), 2);
    assert_string_equal(tk_attrib_org_by_id(a, "x2")->name, "Other");
    tk_attrib_free(a);
}

static void test_csv_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "", "d.csv: no header row" },
        { "org_id,address\nx,y\n", "d.csv:1: the header row must name org_id and name" },
        { "org_id,name,name\n", "d.csv:1: column name appears twice" },
        { "org_id,name\na,A\nb,B,extra\n", "d.csv:3: 3 fields, the header has 2" },
        { "org_id,name,prefecture\na,A,14\n\nb,B,Atlantis\n",
          "d.csv:4: unknown prefecture \"Atlantis\"" },
        { "org_id,name,cidrs\na,A,192.0.2.1/24\n", "d.csv:2: \"192.0.2.1/24\" is not an address" },
        { "org_id,name,cidrs\na,A,192.0.2.0/33\n", "d.csv:2: \"192.0.2.0/33\"" },
        { "org_id,name,cidrs\na,A,192.0.2.0-192.0.2.9\n", "d.csv:2: \"192.0.2.0-192.0.2.9\"" },
        { "org_id,name,domains\na,A,localhost\n", "d.csv:2: \"localhost\" is not a domain" },
        { "org_id,name,domains\na,A,192.0.2.1\n", "d.csv:2: \"192.0.2.1\" is not a domain" },
        { "org_id,name,domains\na,A,a..example\n", "d.csv:2: \"a..example\" is not a domain" },
        { "org_id,name,domains\na,A,co.jp\n", "d.csv:2: \"co.jp\" is a public suffix" },
        { "org_id,name,domains\na,A,*.kanagawa.jp\n", "d.csv:2: \"*.kanagawa.jp\" is a public suffix" },
        { "org_id,name,domains\na,A,github.io\n", "d.csv:2: \"github.io\" is a public suffix" },
        { "org_id,name,corporate_number\na,A,12345\n",
          "d.csv:2: corporate_number \"12345\" is not 13 digits" },
        { "org_id,name\na,A\n\"b,B\n", "d.csv:3: quoted field never ends" },
        { "org_id,name\n\"a\"x,A\n", "d.csv:2: text after a closing quote" },
        { "org_id,name\n,A\n", "d.csv:2: org_id is empty" },
        { "org_id,name\na,\n", "d.csv:2: name is empty" },
        { "org_id,name\na,\xff\xfe\n", "d.csv:2: name is not UTF-8 text" },
        { "org_id,name\na,A\nb,\"multi\nline\"\na,D\n",
          "d.csv:5: org_id \"a\" is already used (d.csv:2)" },
        { "org_id,name\n\"multi\nline\",A\n", "d.csv:2: org_id holds a control character" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tk_err err = { 0 };
        const char *msg = refused("d.csv", cases[i].text, TK_ATTRIB_CSV, &err);
        if (strncmp(msg, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %zu: \"%s\", expected \"%s...\"", i, msg, cases[i].msg);
        assert_int_equal(err.code, TK_EPARSE);
    }

    /* A refused text leaves what was loaded before untouched; ids stay unique across texts. */
    struct tk_err err = { 0 };
    struct tk_attrib *a = tk_attrib_new();
    const char *good = "org_id,name,cidrs\na,A,192.0.2.0/24\n";
    const char *bad = "org_id,name,cidrs\nb,B,198.51.100.0/24\nc,C,nonsense\n";
    const char *dup = "org_id,name\nz,Z\na,again\n";
    assert_int_equal(tk_attrib_add_directory(a, "1.csv", good, strlen(good), TK_ATTRIB_AUTO, &err),
                     0);
    assert_int_equal(tk_attrib_add_directory(a, "2.csv", bad, strlen(bad), TK_ATTRIB_AUTO, &err),
                     TK_EPARSE);
    assert_non_null(strstr(err.msg, "2.csv:3:"));
    assert_int_equal(tk_attrib_add_directory(a, "3.csv", dup, strlen(dup), TK_ATTRIB_AUTO, &err),
                     TK_EPARSE);
    assert_string_equal(err.msg, "3.csv:3: org_id \"a\" is already used (1.csv:2)");
    assert_int_equal(tk_attrib_org_count(a), 1);
    assert_int_equal(tk_attrib_finish(a, &err), 0);
    assert_int_equal(tk_attrib_add_directory(a, "4.csv", good, strlen(good), TK_ATTRIB_AUTO, &err),
                     TK_EINVAL);
    assert_int_equal(tk_attrib_finish(a, &err), TK_EINVAL);
    struct tk_attribution r;
    look(a, &(struct obs_spec){ .ip = "198.51.100.1" }, &r);
    assert_null(r.org); /* b's block went with its text */
    look(a, &(struct obs_spec){ .ip = "192.0.2.1" }, &r);
    assert_string_equal(org_of(&r), "a");
    tk_attrib_free(a);

    /* Lookups before finish are refused. */
    a = tk_attrib_new();
    struct tk_arena ar;
    struct tk_obs o;
    obs_make(&o, &ar, &(struct obs_spec){ .ip = "192.0.2.1" });
    assert_int_equal(tk_attrib_lookup(a, &o, &r), TK_EINVAL);
    tk_arena_release(&ar);
    tk_attrib_free(a);
    tk_attrib_free(NULL);
}

static void test_json(void **state)
{
    (void)state;
    static const char text[] =
        "\xEF\xBB\xBF[\n"
        " {\"org_id\": \"acme\", \"name\": \"株式会社サンプル\", \"prefecture\": \"神奈川県\",\n"
        "  \"cidrs\": [\"192.0.2.0/24\", \"2001:db8::/32\"], \"domains\": \"example.co.jp\",\n"
        "  \"corporate_number\": 1234567890123, \"contacts\": null},\n"
        " {\"org_id\": 42, \"name\": \"Bravo Corporation\", \"prefecture\": 13,\n"
        "  \"cidrs\": \"198.51.100.0/24; 203.0.113.0/25\", \"extra\": {\"ignored\": true}}\n"
        "]\n";
    struct tk_err err = { 0 };
    struct tk_attrib *a = tk_attrib_new();
    assert_int_equal(tk_attrib_add_directory(a, "d.json", text, strlen(text), TK_ATTRIB_AUTO, &err),
                     0);
    static const char wrapped[] = "{\"orgs\": [{\"org_id\": \"c\", \"name\": \"C\"}]}";
    assert_int_equal(
        tk_attrib_add_directory(a, "w.json", wrapped, strlen(wrapped), TK_ATTRIB_JSON, &err), 0);
    assert_int_equal(tk_attrib_finish(a, &err), 0);
    assert_int_equal(tk_attrib_org_count(a), 3);
    const struct tk_org *o = tk_attrib_org_by_id(a, "acme");
    assert_int_equal(o->prefecture, 14);
    assert_string_equal(o->corporate_number, "1234567890123");
    assert_string_equal(o->contacts, "");
    assert_string_equal(o->origin, "d.json: org 1 (\"acme\")");
    o = tk_attrib_org_by_id(a, "42");
    assert_non_null(o);
    assert_int_equal(o->prefecture, 13);
    struct tk_attribution r;
    look(a, &(struct obs_spec){ .ip = "203.0.113.5" }, &r);
    assert_string_equal(org_of(&r), "42");
    look(a, &(struct obs_spec){ .ip = "2001:db8::1" }, &r);
    assert_string_equal(org_of(&r), "acme");
    tk_attrib_free(a);

    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "[1,", "d.json:1:" },
        { "{\"x\": 1}", "d.json: expected an array of organisations" },
        { "[{\"org_id\": \"a\", \"name\": \"A\"}, 7]", "d.json: org 2: expected an object" },
        { "[{\"org_id\": \"a\", \"name\": \"A\"}, {\"org_id\": \"b\", \"name\": \"B\", "
          "\"cidrs\": 5}]",
          "d.json: org 2 (\"b\"): \"cidrs\" must be a string or an array of strings" },
        { "[{\"org_id\": \"b\", \"name\": \"B\", \"cidrs\": [\"192.0.2.0/24\", 1]}]",
          "d.json: org 1 (\"b\"): \"cidrs\" item 2 is not a string" },
        { "[{\"org_id\": \"b\", \"name\": [\"B\"]}]",
          "d.json: org 1 (\"b\"): \"name\" must be a string" },
        { "[{\"org_id\": \"b\", \"name\": \"B\", \"prefecture\": 99}]",
          "d.json: org 1 (\"b\"): unknown prefecture \"99\"" },
        { "[{\"org_id\": \"b\", \"name\": \"a\\u0000b\"}]",
          "d.json: org 1 (\"b\"): name is not UTF-8 text" },
        { "[{\"name\": \"B\"}]", "d.json: org 1: org_id is empty" },
        { "[{\"org_id\": \"a\", \"name\": \"A\"}, {\"org_id\": \"a\", \"name\": \"B\"}]",
          "d.json: org 2 (\"a\"): org_id \"a\" is already used (d.json: org 1 (\"a\"))" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *msg = refused("d.json", cases[i].text, TK_ATTRIB_AUTO, &err);
        if (strncmp(msg, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %zu: \"%s\", expected \"%s...\"", i, msg, cases[i].msg);
    }
}

/* ---- matching ------------------------------------------------------------------------ */

static void test_cidr(void **state)
{
    (void)state;
    struct tk_err err = { 0 };
    struct tk_attrib *a = dir_csv(dir_text, &err);
    struct tk_attribution r;
    static const struct {
        const char *ip, *org, *block;
    } cases[] = {
        { "192.0.2.1", "acme", "192.0.2.0/24" },
        { "192.0.2.127", "acme", "192.0.2.0/24" },
        { "192.0.2.77", "foxtrot", "192.0.2.77/32" },
        { "192.0.2.128", "bravo", "192.0.2.128/25" },
        { "192.0.2.191", "bravo", "192.0.2.128/25" },
        { "192.0.2.192", "charlie", "192.0.2.192/26" },
        { "192.0.2.255", "charlie", "192.0.2.192/26" },
        { "::ffff:192.0.2.200", "charlie", "192.0.2.192/26" },
        { "2001:db8::5", "acme", "2001:db8::/32" },
        { "2001:db8:1::5", "echo", "2001:db8:1::/48" },
        { "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "acme", "2001:db8::/32" },
        { "192.0.1.255", "-", NULL },
        { "203.0.113.1", "-", NULL },
        { "2001:db9::1", "-", NULL },
        { "not an address", "-", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        look(a, &(struct obs_spec){ .ip = cases[i].ip }, &r);
        if (strcmp(org_of(&r), cases[i].org) != 0)
            fail_msg("%s: %s, expected %s", cases[i].ip, org_of(&r), cases[i].org);
        if (!cases[i].block) {
            assert_int_equal(r.confidence, TK_CONF_NONE);
            assert_int_equal(r.nevidence, 0);
            assert_string_equal(r.country, "");
            assert_string_equal(r.place_from, "");
            continue;
        }
        assert_int_equal(r.confidence, TK_CONF_HIGH);
        assert_string_equal(ev(&r, TK_EV_CIDR)->detail, cases[i].block);
        assert_false(ev(&r, TK_EV_CIDR)->conflict);
    }
    /* The place comes from the organisation. */
    look(a, &(struct obs_spec){ .ip = "192.0.2.1", .country = "US", .region = "CA" }, &r);
    assert_string_equal(r.country, "JP");
    assert_string_equal(r.region, "JP-14");
    assert_int_equal(r.prefecture, 14);
    assert_string_equal(r.place_from, "org");
    assert_string_equal(ev(&r, TK_EV_SOURCE)->detail, "US US-CA");
    /* Two organisations list the very same block: the first wins, the other is a conflict. */
    look(a, &(struct obs_spec){ .ip = "198.51.100.9" }, &r);
    assert_string_equal(org_of(&r), "bravo");
    assert_int_equal(ev_count(&r, TK_EV_CIDR), 2);
    assert_string_equal(r.evidence[1].org->id, "delta");
    assert_true(r.evidence[1].conflict);
    assert_false(r.evidence[0].conflict);
    tk_attrib_free(a);
}

/* A small deterministic generator, so failures repeat. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* An address in the documentation ranges, with bits chosen so blocks nest and repeat. */
static struct tk_ip rnd_ip(int family)
{
    struct tk_ip ip = { .family = family };
    if (family == 4) {
        static const unsigned char nets[3][3] = { { 192, 0, 2 },
                                                  { 198, 51, 100 },
                                                  { 203, 0, 113 } };
        memcpy(ip.b, nets[rnd() % 3], 3);
        static const unsigned char last[] = { 0, 1, 0x7f, 0x80, 0xc0, 0xfe, 0xff, 0x10 };
        ip.b[3] = rnd() % 4 ? last[rnd() % 8] : (unsigned char)rnd();
    } else {
        static const unsigned char bytes[] = { 0, 1, 0x80, 0xff };
        memcpy(ip.b, "\x20\x01\x0d\xb8", 4);
        for (int i = 4; i < 16; i++)
            ip.b[i] = bytes[rnd() % 4];
    }
    return ip;
}

static void mask(struct tk_ip *ip, unsigned plen)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = plen > 8 * i ? plen - 8 * i : 0;
        if (keep < 8)
            ip->b[i] &= (unsigned char)(0xFF << (8 - keep));
    }
}

/* Longest prefix against a linear scan over blocks that nest, repeat and touch. */
static void test_cidr_random(void **state)
{
    (void)state;
    enum { NBLOCKS = 1500, NLOOKUPS = 20000 };
    struct block {
        struct tk_ip net;
        unsigned plen;
    } *blocks = calloc(NBLOCKS, sizeof *blocks);
    char *text = malloc(NBLOCKS * 80 + 64);
    assert_non_null(blocks);
    assert_non_null(text);
    size_t n = (size_t)sprintf(text, "org_id,name,cidrs\n");
    for (int i = 0; i < NBLOCKS; i++) {
        int family = i % 3 ? 4 : 6;
        struct block *b = &blocks[i];
        b->net = rnd_ip(family);
        /* Mostly inside the documentation blocks; some wider ones span many of the
         * IPv4 matcher's /16 buckets. */
        if (family == 4)
            b->plen = rnd() % 5 ? 24 + rnd() % 9 : 8 + rnd() % 16;
        else
            b->plen = rnd() % 5 ? 32 + rnd() % 97 : 16 + rnd() % 16;
        mask(&b->net, b->plen);
        char s[TK_IP_STRLEN];
        tk_ip_format(&b->net, s);
        n += (size_t)sprintf(text + n, "o%d,Org %d,%s/%u\n", i, i, s, b->plen);
    }
    struct tk_err err = { 0 };
    struct tk_attrib *a = dir_csv(text, &err);
    if (!a)
        fail_msg("%s", err.msg);
    for (int k = 0; k < NLOOKUPS; k++) {
        struct tk_ip ip = rnd_ip(k % 2 ? 4 : 6);
        int want = -1;
        for (int i = 0; i < NBLOCKS; i++)
            if (tk_ip_in_prefix(&ip, &blocks[i].net, blocks[i].plen) &&
                (want < 0 || blocks[i].plen > blocks[want].plen))
                want = i;
        struct tk_obs o;
        struct tk_arena ar;
        struct tk_attribution r;
        tk_arena_init(&ar, 4096);
        tk_obs_init(&o, &ar);
        tk_ip_format(&ip, o.ip);
        assert_int_equal(tk_attrib_lookup(a, &o, &r), 0);
        char id[16];
        snprintf(id, sizeof id, "o%d", want);
        if (strcmp(org_of(&r), want < 0 ? "-" : id) != 0)
            fail_msg("%s: %s, expected %s", o.ip, org_of(&r), want < 0 ? "-" : id);
        tk_arena_release(&ar);
    }
    tk_attrib_free(a);
    free(blocks);
    free(text);
}

static void test_domains(void **state)
{
    (void)state;
    struct tk_err err = { 0 };
    struct tk_attrib *a = dir_csv(dir_text, &err);
    struct tk_attribution r;
    static const struct {
        const char *san, *org;
    } cases[] = {
        { "example.co.jp", "acme" },
        { "vpn.example.co.jp", "acme" },
        { "a.b.vpn.example.co.jp", "acme" },
        { "VPN.Example.CO.JP.", "acme" },
        { "*.example.co.jp", "acme" },
        { "evil-example.co.jp", "-" }, /* not at a label boundary */
        { "example.co.jp.evil.example", "-" },
        { "xexample.co.jp", "-" },
        { "co.jp", "-" },
        { "sub.example.co.jp", "charlie" }, /* the longer domain wins */
        { "x.sub.example.co.jp", "charlie" },
        { "xsub.example.co.jp", "acme" },
        { "vpn.bravo.example", "bravo" },
        { "example-net.example", "echo" },
        { "192.0.2.1", "-" },
        { "", "-" },
        { "vpn example.co.jp", "-" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        look(a, &(struct obs_spec){ .ip = "203.0.113.9", .sans = { cases[i].san } }, &r);
        if (strcmp(org_of(&r), cases[i].org) != 0)
            fail_msg("SAN %s: %s, expected %s", cases[i].san, org_of(&r), cases[i].org);
        if (r.org) {
            assert_int_equal(r.confidence, TK_CONF_HIGH);
            assert_string_equal(ev(&r, TK_EV_CERT_SAN)->detail, cases[i].san);
        }
        /* The same names as reverse DNS give medium confidence; as CN high. */
        look(a, &(struct obs_spec){ .ip = "203.0.113.9", .hosts = { cases[i].san } }, &r);
        assert_string_equal(org_of(&r), cases[i].org);
        if (r.org) {
            assert_int_equal(r.confidence, TK_CONF_MEDIUM);
            assert_non_null(ev(&r, TK_EV_HOSTNAME));
        }
        look(a, &(struct obs_spec){ .ip = "203.0.113.9", .cn = cases[i].san }, &r);
        assert_string_equal(org_of(&r), cases[i].org);
        if (r.org)
            assert_non_null(ev(&r, TK_EV_CERT_CN));
    }

    /* Conflicts: the address block beats the certificate, the certificate beats reverse DNS;
     * the losers stay as evidence marked as conflicts. */
    look(a, &(struct obs_spec){ .ip = "192.0.2.1", .sans = { "vpn.bravo.example" } }, &r);
    assert_string_equal(org_of(&r), "acme");
    assert_int_equal(r.confidence, TK_CONF_HIGH);
    assert_true(ev(&r, TK_EV_CERT_SAN)->conflict);
    assert_string_equal(ev(&r, TK_EV_CERT_SAN)->org->id, "bravo");
    assert_false(ev(&r, TK_EV_CIDR)->conflict);
    look(a,
         &(struct obs_spec){
             .ip = "203.0.113.9", .sans = { "a.bravo.example" }, .hosts = { "h.example.co.jp" } },
         &r);
    assert_string_equal(org_of(&r), "bravo");
    assert_true(ev(&r, TK_EV_HOSTNAME)->conflict);
    /* Equal strength: more evidence wins. */
    look(a,
         &(struct obs_spec){ .ip = "203.0.113.9",
                             .sans = { "a.bravo.example", "b.example.co.jp", "c.example.co.jp" } },
         &r);
    assert_string_equal(org_of(&r), "acme");
    assert_int_equal(ev_count(&r, TK_EV_CERT_SAN), 3);
    /* The place of an organisation without a prefecture falls back to the source. */
    look(a,
         &(struct obs_spec){ .ip = "203.0.113.9",
                             .sans = { "example-net.example" },
                             .country = "jp",
                             .region = "Kanagawa" },
         &r);
    assert_string_equal(org_of(&r), "echo");
    assert_string_equal(r.country, "JP");
    assert_string_equal(r.region, "JP-14");
    assert_string_equal(r.place_from, "source");
    tk_attrib_free(a);
}

static void test_cert_o(void **state)
{
    (void)state;
    struct tk_err err = { 0 };
    struct tk_attrib *a = dir_csv(dir_text, &err);
    struct tk_attribution r;
    static const struct {
        const char *o, *org;
    } cases[] = {
        { "株式会社サンプル", "acme" },
        { "（株）サンプル", "acme" },
        { "サンプル 株式会社", "acme" },
        { "BRAVO CORP.", "bravo" },
        { "Bravo Corporation", "bravo" },
        { "bravo", "bravo" },
        { "Charlie, Inc.", "charlie" },
        { "Charlie Incorporated", "charlie" },
        { "Example-Net", "echo" },
        { "Bravo Corporation Holdings", "-" },
        { "サンプルズ", "-" },
        { "", "-" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        look(a, &(struct obs_spec){ .ip = "203.0.113.9", .o = cases[i].o }, &r);
        if (strcmp(org_of(&r), cases[i].org) != 0)
            fail_msg("O=%s: %s, expected %s", cases[i].o, org_of(&r), cases[i].org);
        if (r.org) {
            assert_int_equal(r.confidence, TK_CONF_HIGH);
            assert_string_equal(ev(&r, TK_EV_CERT_O)->detail, cases[i].o);
        }
    }
    /* A SAN outweighs the O of another organisation. */
    look(a,
         &(struct obs_spec){
             .ip = "203.0.113.9", .sans = { "vpn.example.co.jp" }, .o = "Bravo Corporation" },
         &r);
    assert_string_equal(org_of(&r), "acme");
    assert_true(ev(&r, TK_EV_CERT_O)->conflict);
    tk_attrib_free(a);
}

/* ---- WHOIS ----------------------------------------------------------------------------- */

static const char whois_dir[] = "org_id,name,prefecture\n"
                                "sample,株式会社サンプル,14\n"
                                "foxtrot,\"Foxtrot Co., Ltd.\",13\n"
                                "golf,Golf Networks Inc.,\n"
                                "cidr,CIDR Holder,\n";

/* Made up in the shape of a JPNIC answer (Japanese, then English), with the parent table
 * and a contact record that must not lend its 組織名 to the network before it. */
static const char whois_jpnic[] =
    "[ JPNIC database provides information regarding IP address and ASN. Its use   ]\n"
    "[ is restricted to network administration purposes.                          ]\n"
    "\n"
    "Network Information: [ネットワーク情報]\n"
    "a. [IPネットワークアドレス]     192.0.2.0/25\n"
    "b. [ネットワーク名]             SAMPLE-NET\n"
    "f. [組織名]                     株式会社サンプル\n"
    "g. [Organization]               Sample Co., Ltd.\n"
    "m. [管理者連絡窓口]             XX0000JP\n"
    "\n"
    "[割当年月日]                    2020/04/01\n"
    "[最終更新]                      2020/04/01 12:00:00(JST)\n"
    "\n"
    "上位情報\n"
    "----------\n"
    "エグザンプルISP株式会社 (ISP)  EXAMPLE-ISP [割り振り]  192.0.2.0/24\n"
    "\n"
    "下位情報\n"
    "----------\n"
    "該当するデータがありません。\n"
    "\n"
    "Network Information:\n"
    "a. [Network Number]             192.0.2.0/24\n"
    "b. [Network Name]               EXAMPLE-ISP\n"
    "g. [Organization]               Example ISP Inc.\n"
    "\n"
    "Contact Information: [担当者情報]\n"
    "a. [JPNICハンドル]              XX0000JP\n"
    "c. [組織名]                     Golf Networks Inc.\n";

static const char whois_ripe[] = "% This is a made-up answer in the RIPE Database format.\n"
                                 "\n"
                                 "inetnum:        198.51.100.0 - 198.51.100.255\n"
                                 "netname:        FOXTROT-NET\n"
                                 "descr:          Foxtrot network\n"
                                 "org:            ORG-FX1-TEST\n"
                                 "country:        JP\n"
                                 "status:         ASSIGNED PA\n"
                                 "\n"
                                 "person:         Somebody\n"
                                 "descr:          Golf Networks Inc.\n"
                                 "\n"
                                 "organisation:   ORG-FX1-TEST\n"
                                 "org-name:       Foxtrot Co., Ltd.\n"
                                 "\n"
                                 "inet6num:       2001:db8:f::/48\n"
                                 "netname:        GOLF-V6\n"
                                 "descr:          Golf Networks Inc.\n"
                                 "\n"
                                 "inetnum:        203.0.113.0 - 203.0.113.300\n"
                                 "descr:          Golf Networks Inc.\n"
                                 "\n"
                                 "inetnum:        203.0.113.128 - 203.0.113.130\n"
                                 "descr:          Golf Networks Inc.\n"
                                 "\n"
                                 "inetnum:        203.0.113.64 - 203.0.113.79\n"
                                 "netname:        NO-NAME\n"
                                 "\n"
                                 "inetnum:        192.0.2/24\n"
                                 "owner:          Foxtrot Co., Ltd.\n";

static const char whois_arin[] = "NetRange:       203.0.113.0 - 203.0.113.127\n"
                                 "CIDR:           203.0.113.0/25\n"
                                 "NetName:        GOLF-NET\n"
                                 "OrgName:        Golf Networks, Inc.\n"
                                 "\n"
                                 "CIDR:           203.0.113.192/27, 203.0.113.224/27\n"
                                 "OrgName:        Golf Networks Inc.\n";

static void test_whois(void **state)
{
    (void)state;
    struct tk_err err = { 0 };
    struct tk_attrib *a = tk_attrib_new();
    size_t skipped = 0;
    assert_int_equal(
        tk_attrib_add_directory(a, "d.csv", whois_dir, strlen(whois_dir), TK_ATTRIB_CSV, &err), 0);
    assert_int_equal(
        tk_attrib_add_whois(a, "jp.txt", whois_jpnic, strlen(whois_jpnic), &skipped, &err), 0);
    assert_int_equal(skipped, 0);
    assert_int_equal(
        tk_attrib_add_whois(a, "ripe.txt", whois_ripe, strlen(whois_ripe), &skipped, &err), 0);
    assert_int_equal(skipped, 1); /* 203.0.113.300 */
    assert_int_equal(tk_attrib_add_whois(a, "arin.txt", whois_arin, strlen(whois_arin), NULL, &err),
                     0);
    assert_int_equal(tk_attrib_finish(a, &err), 0);
    assert_int_equal(tk_attrib_whois_skipped(a), 1);
    /* jp: 2; ripe: 198.51.100/24, 2001:db8:f::/48, .128-.130, 192.0.2/24 (the nameless one
     * is dropped); arin: 1 + 2 */
    assert_int_equal(tk_attrib_whois_count(a), 9);

    struct tk_attribution r;
    static const struct {
        const char *ip, *org, *detail; /* org "-": none; detail NULL: no WHOIS evidence */
    } cases[] = {
        { "192.0.2.5", "sample", "192.0.2.0/25 株式会社サンプル (jp.txt:5)" },
        /* The most specific range names an organisation outside the directory: RIPE's
         * 192.0.2/24 names foxtrot, yet JPNIC's /24 came first among equals. */
        { "192.0.2.200", "-", "192.0.2.0/24 Example ISP Inc. (jp.txt:23)" },
        { "198.51.100.9", "foxtrot", "198.51.100.0/24 Foxtrot Co., Ltd. (ripe.txt:3)" },
        { "2001:db8:f::1", "golf", "2001:db8:f::/48 Golf Networks Inc. (ripe.txt:16)" },
        { "203.0.113.5", "golf", "203.0.113.0/25 Golf Networks, Inc. (arin.txt:1)" },
        { "203.0.113.129", "golf",
          "203.0.113.128 - 203.0.113.130 Golf Networks Inc. "
          "(ripe.txt:23)" },
        { "203.0.113.131", "-", NULL },
        { "203.0.113.230", "golf", "203.0.113.224/27 Golf Networks Inc. (arin.txt:6)" },
        { "2001:db8::1", "-", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        look(a, &(struct obs_spec){ .ip = cases[i].ip }, &r);
        if (strcmp(org_of(&r), cases[i].org) != 0)
            fail_msg("%s: %s, expected %s", cases[i].ip, org_of(&r), cases[i].org);
        const struct tk_attrib_evidence *e = ev(&r, TK_EV_WHOIS);
        if (!cases[i].detail) {
            assert_null(e);
            continue;
        }
        assert_non_null(e);
        if (strcmp(e->detail, cases[i].detail) != 0)
            fail_msg("%s: \"%s\", expected \"%s\"", cases[i].ip, e->detail, cases[i].detail);
        if (r.org) {
            assert_int_equal(r.confidence, TK_CONF_MEDIUM);
            assert_false(e->conflict);
        } else {
            assert_null(e->org);
            assert_false(e->conflict);
            assert_int_equal(r.confidence, TK_CONF_NONE);
        }
    }
    /* The place of a WHOIS-attributed organisation is its own. */
    look(a, &(struct obs_spec){ .ip = "198.51.100.9" }, &r);
    assert_string_equal(r.region, "JP-13");
    /* A certificate outweighs WHOIS, which stays as a conflict. */
    tk_attrib_free(a);
    static const char dir2[] = "org_id,name,domains\n"
                               "sample,株式会社サンプル,\n"
                               "other,Other,other.example\n";
    a = tk_attrib_new();
    assert_int_equal(tk_attrib_add_directory(a, "d.csv", dir2, strlen(dir2), TK_ATTRIB_CSV, &err),
                     0);
    assert_int_equal(tk_attrib_add_whois(a, "jp.txt", whois_jpnic, strlen(whois_jpnic), NULL, &err),
                     0);
    assert_int_equal(tk_attrib_finish(a, &err), 0);
    look(a, &(struct obs_spec){ .ip = "192.0.2.5", .cn = "vpn.other.example" }, &r);
    assert_string_equal(org_of(&r), "other");
    assert_int_equal(r.confidence, TK_CONF_HIGH);
    assert_true(ev(&r, TK_EV_WHOIS)->conflict);
    assert_string_equal(ev(&r, TK_EV_WHOIS)->org->id, "sample");
    /* WHOIS naming someone outside the directory is a conflict when an org was chosen. */
    look(a, &(struct obs_spec){ .ip = "192.0.2.200", .cn = "vpn.other.example" }, &r);
    assert_string_equal(org_of(&r), "other");
    assert_null(ev(&r, TK_EV_WHOIS)->org);
    assert_true(ev(&r, TK_EV_WHOIS)->conflict);
    tk_attrib_free(a);

    /* Text that is not WHOIS at all keeps nothing and is no error. */
    a = tk_attrib_new();
    static const char junk[] = "[IPネットワークアドレス]\n[組織名] X\ninetnum: nonsense\n"
                               "descr: x\n\n]]][[[\n:\n";
    skipped = 0;
    assert_int_equal(tk_attrib_add_whois(a, "junk", junk, strlen(junk), &skipped, &err), 0);
    assert_int_equal(skipped, 2);
    assert_int_equal(tk_attrib_finish(a, &err), 0);
    assert_int_equal(tk_attrib_whois_count(a), 0);
    tk_attrib_free(a);
}

/* ---- MaxMind DB ------------------------------------------------------------------------ */

static char tmpdir[] = "/tmp/tenken-attrib-XXXXXX";

static const char *src_dir(void)
{
    const char *s = getenv("SRCDIR");
    if (s && *s)
        return s;
    /* meson names sources relative to the build directory; tests run there. */
    static char buf[4096];
    const char *f = __FILE__;
    const char *cut = strstr(f, "tests/unit/test_attrib.c");
    if (!cut)
        return NULL;
    snprintf(buf, sizeof buf, "%.*s.", (int)(cut - f), f);
    return buf;
}

/* Writes a database with tests/tools/mkmmdb.py; NULL (and the test skips) without python3
 * or the source tree. */
static const char *make_mmdb(const char *name, const char *args)
{
    static char path[4][4200];
    static int next;
    const char *src = src_dir();
    char tool[4200], cmd[9000];
    if (!src)
        return NULL;
    snprintf(tool, sizeof tool, "%s/tests/tools/mkmmdb.py", src);
    if (access(tool, R_OK) != 0)
        return NULL;
    char *out = path[next++ % 4];
    snprintf(out, sizeof path[0], "%s/%s", tmpdir, name);
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s' %s", tool, out, args);
    return system(cmd) == 0 ? out : NULL;
}

static int mmdb_setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int mmdb_teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_mmdb_file(void **state)
{
    (void)state;
    const char *db = make_mmdb("city.mmdb", "");
    if (!db)
        skip();
    /* The writer's output, read by libmaxminddb directly. */
    MMDB_s m;
    assert_int_equal(MMDB_open(db, MMDB_MODE_MMAP, &m), MMDB_SUCCESS);
    assert_string_equal(m.metadata.database_type, "tenken-Test-City");
    assert_int_equal(m.metadata.ip_version, 6);
    int gai, merr;
    MMDB_lookup_result_s res = MMDB_lookup_string(&m, "192.0.2.1", &gai, &merr);
    assert_int_equal(gai, 0);
    assert_int_equal(merr, MMDB_SUCCESS);
    assert_true(res.found_entry);
    assert_int_equal(res.netmask, 96 + 24);
    MMDB_entry_data_s d;
    assert_int_equal(MMDB_get_value(&res.entry, &d, "subdivisions", "0", "iso_code", NULL),
                     MMDB_SUCCESS);
    assert_true(d.has_data);
    assert_int_equal(d.type, MMDB_DATA_TYPE_UTF8_STRING);
    assert_int_equal(d.data_size, 2);
    assert_memory_equal(d.utf8_string, "14", 2);
    assert_int_equal(MMDB_get_value(&res.entry, &d, "subdivisions", "0", "names", "en", NULL),
                     MMDB_SUCCESS);
    assert_memory_equal(d.utf8_string, "Kanagawa", 8);
    res = MMDB_lookup_string(&m, "198.51.100.129", &gai, &merr);
    assert_true(res.found_entry);
    assert_int_equal(res.netmask, 96 + 25);
    MMDB_close(&m);
}

static void test_mmdb(void **state)
{
    (void)state;
    static const char *const variants[] = { "", "--record-size 28", "--record-size 32" };
    for (size_t v = 0; v < 3; v++) {
        char name[32];
        snprintf(name, sizeof name, "city%zu.mmdb", v);
        const char *db = make_mmdb(name, variants[v]);
        if (!db)
            skip();
        struct tk_err err = { 0 };
        struct tk_attrib *a = tk_attrib_new();
        static const char dir[] = "org_id,name,prefecture,cidrs\n"
                                  "nopref,No Prefecture,,192.0.2.0/26\n"
                                  "tokyo,In Tokyo,13,192.0.2.64/26\n";
        assert_int_equal(tk_attrib_add_directory(a, "d.csv", dir, strlen(dir), TK_ATTRIB_CSV, &err),
                         0);
        if (tk_attrib_open_mmdb(a, db, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(tk_attrib_open_mmdb(a, db, &err), TK_EINVAL);
        assert_int_equal(tk_attrib_finish(a, &err), 0);
        struct tk_attribution r;
        static const struct {
            const char *ip, *org, *country, *region, *from, *mmdb;
            enum tk_attrib_confidence conf;
        } cases[] = {
            { "192.0.2.1", "nopref", "JP", "JP-14", "mmdb", "JP JP-14", TK_CONF_HIGH },
            { "192.0.2.65", "tokyo", "JP", "JP-13", "org", "JP JP-14", TK_CONF_HIGH },
            { "192.0.2.200", "-", "JP", "JP-14", "mmdb", "JP JP-14", TK_CONF_LOW },
            { "198.51.100.1", "-", "JP", "JP-13", "mmdb", "JP JP-13", TK_CONF_LOW },
            { "198.51.100.200", "-", "JP", "JP-27", "mmdb", "JP JP-27", TK_CONF_LOW },
            { "203.0.113.5", "-", "JP", "", "mmdb", "JP", TK_CONF_LOW },
            { "2001:db8::1", "-", "JP", "JP-27", "mmdb", "JP JP-27", TK_CONF_LOW },
            { "::ffff:192.0.2.3", "nopref", "JP", "JP-14", "mmdb", "JP JP-14", TK_CONF_HIGH },
            { "2001:db9::1", "-", "US", "US-CA", "source", NULL, TK_CONF_NONE },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            look(a, &(struct obs_spec){ .ip = cases[i].ip, .country = "US", .region = "CA" }, &r);
            if (strcmp(org_of(&r), cases[i].org) != 0 || strcmp(r.region, cases[i].region) ||
                strcmp(r.place_from, cases[i].from) || r.confidence != cases[i].conf)
                fail_msg("%s: %s %s %s %s %d", cases[i].ip, org_of(&r), r.country, r.region,
                         r.place_from, r.confidence);
            assert_string_equal(r.country, cases[i].country);
            const struct tk_attrib_evidence *e = ev(&r, TK_EV_MMDB);
            if (!cases[i].mmdb) {
                assert_null(e);
                assert_string_equal(r.mmdb_country, "");
                continue;
            }
            assert_non_null(e);
            assert_string_equal(e->detail, cases[i].mmdb);
            assert_null(e->org);
            assert_false(e->conflict);
            assert_string_equal(r.mmdb_country, "JP");
        }
        look(a, &(struct obs_spec){ .ip = "192.0.2.65" }, &r);
        assert_int_equal(r.prefecture, 13);
        assert_string_equal(r.mmdb_region, "JP-14");
        tk_attrib_free(a);
    }

    /* An IPv4-only database answers nothing for IPv6; a partial one nothing outside. */
    const char *db = make_mmdb("v4.mmdb", "--ipv4-only");
    const char *part = make_mmdb("part.mmdb", "192.0.2.0/25=JP/14");
    if (!db || !part)
        skip();
    struct tk_err err = { 0 };
    struct tk_attrib *a = tk_attrib_new();
    assert_int_equal(tk_attrib_open_mmdb(a, db, &err), 0);
    assert_int_equal(tk_attrib_finish(a, &err), 0);
    struct tk_attribution r;
    look(a, &(struct obs_spec){ .ip = "2001:db8::1" }, &r);
    assert_string_equal(r.country, "");
    assert_int_equal(r.confidence, TK_CONF_NONE);
    look(a, &(struct obs_spec){ .ip = "198.51.100.1" }, &r);
    assert_string_equal(r.region, "JP-13");
    tk_attrib_free(a);
    a = tk_attrib_new();
    assert_int_equal(tk_attrib_open_mmdb(a, part, &err), 0);
    assert_int_equal(tk_attrib_finish(a, &err), 0);
    look(a, &(struct obs_spec){ .ip = "192.0.2.100" }, &r);
    assert_string_equal(r.region, "JP-14");
    look(a, &(struct obs_spec){ .ip = "192.0.2.200" }, &r);
    assert_string_equal(r.country, "");
    assert_null(ev(&r, TK_EV_MMDB));
    tk_attrib_free(a);
}

static void test_mmdb_refused(void **state)
{
    (void)state;
    struct tk_err err = { 0 };
    struct tk_attrib *a = tk_attrib_new();
    assert_int_equal(tk_attrib_open_mmdb(a, "/nonexistent/x.mmdb", &err), TK_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/x.mmdb: "));
    char path[4200];
    snprintf(path, sizeof path, "%s/not.mmdb", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("org_id,name\n", f);
    fclose(f);
    assert_int_equal(tk_attrib_open_mmdb(a, path, &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, "not.mmdb: cannot use as a MaxMind DB"));
    tk_attrib_free(a);
}

/* tk_attrib_load from files, and what it says about a missing one. */
static void test_load(void **state)
{
    (void)state;
    char dpath[4200], wpath[4200], jpath[4200];
    snprintf(dpath, sizeof dpath, "%s/orgs.csv", tmpdir);
    snprintf(jpath, sizeof jpath, "%s/orgs.data", tmpdir);
    snprintf(wpath, sizeof wpath, "%s/whois.txt", tmpdir);
    FILE *f = fopen(dpath, "w");
    assert_non_null(f);
    fputs(whois_dir, f);
    fclose(f);
    f = fopen(wpath, "w");
    assert_non_null(f);
    fputs(whois_ripe, f);
    fclose(f);
    f = fopen(jpath, "w");
    assert_non_null(f);
    fputs(" [{\"org_id\": \"j\", \"name\": \"J\", \"cidrs\": [\"192.0.2.0/24\"]}]", f);
    fclose(f);
    const char *whois[] = { wpath, NULL };
    struct tk_attrib_opts o = { .directory = dpath,
                                .whois = whois,
                                .mmdb = make_mmdb("load.mmdb", "") };
    struct tk_err err = { 0 };
    struct tk_attrib *a = NULL;
    if (tk_attrib_load(&a, &o, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(tk_attrib_org_count(a), 4);
    assert_int_equal(tk_attrib_whois_skipped(a), 1);
    struct tk_attribution r;
    look(a, &(struct obs_spec){ .ip = "198.51.100.9" }, &r);
    assert_string_equal(org_of(&r), "foxtrot");
    tk_attrib_free(a);

    /* Recognised by content when the name says nothing. */
    o = (struct tk_attrib_opts){ .directory = jpath };
    assert_int_equal(tk_attrib_load(&a, &o, &err), 0);
    assert_non_null(tk_attrib_org_by_id(a, "j"));
    tk_attrib_free(a);

    const char *missing[] = { wpath, "/nonexistent/whois.txt", NULL };
    o = (struct tk_attrib_opts){ .directory = dpath, .whois = missing };
    a = (struct tk_attrib *)1;
    assert_true(tk_attrib_load(&a, &o, &err) < 0);
    assert_null(a);
    assert_non_null(strstr(err.msg, "/nonexistent/whois.txt"));
    /* Nothing at all is an empty matcher. */
    assert_int_equal(tk_attrib_load(&a, NULL, &err), 0);
    look(a, &(struct obs_spec){ .ip = "192.0.2.1", .country = "JP", .region = "JP-14" }, &r);
    assert_null(r.org);
    assert_string_equal(r.region, "JP-14");
    assert_int_equal(r.prefecture, 14);
    assert_string_equal(r.place_from, "source");
    assert_string_equal(ev(&r, TK_EV_SOURCE)->detail, "JP JP-14");
    tk_attrib_free(a);
}

/* ---- output, bounds, allocation failures ----------------------------------------------- */

static void test_json_output(void **state)
{
    (void)state;
    struct tk_err err = { 0 };
    struct tk_attrib *a = dir_csv(dir_text, &err);
    struct tk_attribution r;
    look(a, &(struct obs_spec){ .ip = "192.0.2.1", .sans = { "vpn.bravo.example" } }, &r);
    struct tk_buf b = TK_BUF_INIT(1 << 20);
    struct tk_json w;
    tk_json_init_buf(&w, &b, 0);
    tk_attribution_write_json(&r, &w);
    assert_int_equal(tk_json_finish(&w), 0);
    json_error_t je;
    json_t *j = json_loads(tk_buf_cstr(&b), 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "org_id")), "acme");
    assert_string_equal(json_string_value(json_object_get(j, "org_name")), "株式会社サンプル");
    assert_string_equal(json_string_value(json_object_get(j, "org_prefecture")), "JP-14");
    assert_string_equal(json_string_value(json_object_get(j, "confidence")), "high");
    assert_string_equal(json_string_value(json_object_get(j, "region")), "JP-14");
    json_t *e = json_object_get(j, "evidence");
    assert_int_equal(json_array_size(e), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "kind")), "cidr");
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 1), "kind")),
                        "cert-san");
    assert_true(json_is_true(json_object_get(json_array_get(e, 1), "conflict")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 1), "org_id")),
                        "bravo");
    json_decref(j);
    tk_buf_release(&b);
    tk_attrib_free(a);
    assert_string_equal(tk_evidence_kind_name(TK_EV_WHOIS), "whois");
    assert_string_equal(tk_attrib_confidence_name(TK_CONF_MEDIUM), "medium");
}

/* Evidence is bounded; a long detail is cut at a character boundary. */
static void test_bounds(void **state)
{
    (void)state;
    struct tk_err err = { 0 };
    struct tk_buf d = TK_BUF_INIT(1 << 20);
    assert_int_equal(tk_buf_adds(&d, "org_id,name,domains\n"), 0);
    for (int i = 0; i < 40; i++)
        assert_int_equal(tk_buf_addf(&d, "o%d,Org %d,d%d.example\n", i, i, i), 0);
    struct tk_attrib *a = dir_csv(tk_buf_cstr(&d), &err);
    tk_buf_release(&d);
    assert_non_null(a);
    struct tk_arena ar;
    struct tk_obs o;
    tk_arena_init(&ar, 1 << 20);
    tk_obs_init(&o, &ar);
    snprintf(o.ip, sizeof o.ip, "203.0.113.1");
    for (int i = 0; i < 40; i++) {
        char n[32];
        snprintf(n, sizeof n, "h.d%d.example", i);
        assert_int_equal(tk_obs_hostname_add(&o, tk_str_c(n)), 0);
    }
    o.has_cert = true;
    char longo[600];
    memset(longo, 0, sizeof longo);
    for (size_t i = 0; i + 3 < 590; i += 3)
        memcpy(longo + i, "株", 3);
    o.cert.subject_o = longo;
    struct tk_attribution r;
    assert_int_equal(tk_attrib_lookup(a, &o, &r), 0);
    assert_int_equal(r.nevidence, TK_ATTRIB_MAX_EVIDENCE);
    assert_int_equal(r.evidence_dropped, 40 - TK_ATTRIB_MAX_EVIDENCE);
    assert_string_equal(org_of(&r), "o0");
    tk_arena_release(&ar);
    tk_attrib_free(a);

    /* A detail longer than the field. */
    char dir[1200];
    char name[700];
    memset(name, 0, sizeof name);
    for (size_t i = 0; i + 3 <= 450; i += 3)
        memcpy(name + i, "あ", 3);
    snprintf(dir, sizeof dir, "org_id,name\nx,%s\n", name);
    a = dir_csv(dir, &err);
    assert_non_null(a);
    look(a, &(struct obs_spec){ .ip = "203.0.113.1", .o = name }, &r);
    assert_string_equal(org_of(&r), "x");
    size_t n = strlen(r.evidence[0].detail);
    assert_true(n < TK_ATTRIB_DETAIL_MAX && n % 3 == 0 && n > 200);
    tk_attrib_free(a);
}

static int load_all(void)
{
    struct tk_err err = { 0 };
    struct tk_attrib *a = tk_attrib_new();
    static const char json[] = "[{\"org_id\": \"j\", \"name\": \"J Corp\", \"cidrs\": "
                               "[\"203.0.113.0/24\"], \"domains\": [\"j.example\"]}]";
    if (!a)
        return TK_ENOMEM;
    int rc = tk_attrib_add_directory(a, "d.csv", dir_text, strlen(dir_text), TK_ATTRIB_AUTO, &err);
    if (!rc)
        rc = tk_attrib_add_directory(a, "d.json", json, strlen(json), TK_ATTRIB_AUTO, &err);
    if (!rc)
        rc = tk_attrib_add_whois(a, "jp", whois_jpnic, strlen(whois_jpnic), NULL, &err);
    if (!rc)
        rc = tk_attrib_add_whois(a, "ripe", whois_ripe, strlen(whois_ripe), NULL, &err);
    if (!rc)
        rc = tk_attrib_finish(a, &err);
    if (!rc) {
        struct tk_attribution r;
        struct tk_arena ar;
        struct tk_obs o;
        tk_arena_init(&ar, 1 << 16);
        tk_obs_init(&o, &ar);
        snprintf(o.ip, sizeof o.ip, "192.0.2.1");
        rc = tk_attrib_lookup(a, &o, &r);
        if (!rc && (!r.org || strcmp(r.org->id, "acme") != 0))
            rc = TK_EINVAL;
        tk_arena_release(&ar);
    }
    /* The JSON reader reports a failed allocation of its buffers as a limit. */
    if (rc && rc != TK_ENOMEM && rc != TK_ELIMIT)
        fail_msg("rc %d: %s", rc, err.msg);
    tk_attrib_free(a);
    return rc;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    long n;
    for (n = 0; n < 100000; n++) {
        tk_alloc_fail_after(n);
        int rc = load_all();
        tk_alloc_fail_after(-1);
        if (rc == 0)
            break;
    }
    assert_true(n > 10 && n < 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefectures),
        cmocka_unit_test(test_name_normalize),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_refused),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_cidr_random),
        cmocka_unit_test(test_domains),
        cmocka_unit_test(test_cert_o),
        cmocka_unit_test(test_whois),
        cmocka_unit_test(test_mmdb_file),
        cmocka_unit_test(test_mmdb),
        cmocka_unit_test(test_mmdb_refused),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_json_output),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, mmdb_setup, mmdb_teardown);
}
