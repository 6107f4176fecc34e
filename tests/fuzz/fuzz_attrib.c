/* fuzz_attrib.c - the attribution loaders and lookups (surface/attrib.h).
 *
 * The first byte picks what the rest is: '0' a CSV directory, '1' a JSON directory, '2'
 * WHOIS text (against a fixed directory), '3' a directory (format by content) and WHOIS text
 * separated by a line "====". A refused directory must say so with its name and leave the
 * matcher as it was; finishing then always works; every lookup (fixed observations and ones
 * built from words of the input, as address, SAN, CN, O and host name) must give a
 * consistent answer: bounded evidence, organisations from the directory, a chosen one
 * backed by evidence that is no conflict, confidence matching the sources. The name
 * normaliser and the prefecture parser run on the input too. */
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/utf8.h"
#include "fuzz.h"
#include "surface/attrib.h"

static const char fixed_dir[] =
    "org_id,name,prefecture,cidrs,domains\n"
    "acme,株式会社サンプル,14,192.0.2.0/24 2001:db8::/32,example.co.jp\n"
    "bravo,Bravo Corporation,13,192.0.2.128/25,bravo.example\n"
    "golf,Golf Networks Inc.,,,\n";

static void check_result(const struct tk_attrib *a, const struct tk_attribution *r)
{
    size_t norgs = tk_attrib_org_count(a);
    const struct tk_org *first = norgs ? tk_attrib_org(a, 0) : NULL;
    FUZZ_CHECK(r->nevidence <= TK_ATTRIB_MAX_EVIDENCE);
    bool backed = false;
    for (size_t i = 0; i < r->nevidence; i++) {
        const struct tk_attrib_evidence *e = &r->evidence[i];
        FUZZ_CHECK((unsigned)e->kind < TK_EV_COUNT);
        FUZZ_CHECK(memchr(e->detail, '\0', sizeof e->detail) != NULL);
        if (e->org) {
            FUZZ_CHECK(first && e->org >= first && e->org < first + norgs);
            FUZZ_CHECK(e->conflict == (e->org != r->org));
            backed = backed || e->org == r->org;
        }
        if (e->kind == TK_EV_MMDB || e->kind == TK_EV_SOURCE)
            FUZZ_CHECK(!e->org && !e->conflict);
    }
    if (r->org) {
        FUZZ_CHECK(r->org >= first && r->org < first + norgs);
        FUZZ_CHECK(backed || r->evidence_dropped);
        FUZZ_CHECK(r->confidence == TK_CONF_HIGH || r->confidence == TK_CONF_MEDIUM);
    } else {
        FUZZ_CHECK(r->confidence == TK_CONF_NONE || r->confidence == TK_CONF_LOW);
    }
    size_t cc = strlen(r->country);
    FUZZ_CHECK(cc == 0 || cc == 2);
    FUZZ_CHECK(r->prefecture >= 0 && r->prefecture <= TK_PREF_COUNT);
    FUZZ_CHECK(!r->region[0] || cc == 2);
    FUZZ_CHECK(r->place_from != NULL);
}

static void lookup(const struct tk_attrib *a, const char *ip, struct tk_str word)
{
    struct tk_arena ar;
    struct tk_obs o;
    struct tk_attribution r;
    tk_arena_init(&ar, 1 << 16);
    tk_obs_init(&o, &ar);
    if (!tk_obs_set_ip(&o, tk_str_c(ip)))
        tk_obs_set_ip(&o, word);
    if (word.n) {
        const char *w = tk_obs_str(&o, word);
        if (w) {
            o.has_cert = true;
            (void)tk_obs_san_add(&o, word);
            (void)tk_obs_hostname_add(&o, word);
            o.cert.subject_cn = w;
            o.cert.subject_o = w;
            o.country = "jp";
            o.region = w;
        }
    }
    FUZZ_CHECK(tk_attrib_lookup(a, &o, &r) == 0);
    check_result(a, &r);
    tk_arena_release(&ar);
}

static void check_orgs(const struct tk_attrib *a)
{
    for (size_t i = 0; i < tk_attrib_org_count(a); i++) {
        const struct tk_org *o = tk_attrib_org(a, i);
        FUZZ_CHECK(o && o->id[0] && o->name[0]);
        FUZZ_CHECK(o->prefecture >= 0 && o->prefecture <= TK_PREF_COUNT);
        FUZZ_CHECK(tk_utf8_valid(o->name, strlen(o->name)));
        FUZZ_CHECK(tk_attrib_org_by_id(a, o->id) == o);
    }
}

static void add_dir(struct tk_attrib *a, const char *name, struct tk_str t,
                    enum tk_attrib_format fmt)
{
    struct tk_err err = { 0 };
    size_t before = tk_attrib_org_count(a);
    int rc = tk_attrib_add_directory(a, name, t.p, t.n, fmt, &err);
    if (rc) {
        FUZZ_CHECK(rc == TK_EPARSE || rc == TK_ELIMIT || rc == TK_ENOMEM);
        FUZZ_CHECK(strncmp(err.msg, name, strlen(name)) == 0);
        FUZZ_CHECK(tk_attrib_org_count(a) == before);
    }
}

static void add_whois(struct tk_attrib *a, struct tk_str t)
{
    struct tk_err err = { 0 };
    size_t skipped = 0;
    FUZZ_CHECK(tk_attrib_add_whois(a, "fuzz.whois", t.p, t.n, &skipped, &err) == 0);
    FUZZ_CHECK(skipped <= t.n);
}

static void check_helpers(struct tk_str t)
{
    char out[TK_ORG_NAME_NORM_MAX];
    struct tk_str line = t;
    const char *nl = memchr(t.p, '\n', t.n);
    if (nl)
        line.n = (size_t)(nl - t.p);
    if (tk_org_name_normalize(line, out, sizeof out)) {
        size_t n = strlen(out);
        FUZZ_CHECK(n > 0 && n < sizeof out);
        FUZZ_CHECK(tk_utf8_valid(out, n));
    }
    int p = tk_prefecture_parse_str(line);
    FUZZ_CHECK(p >= 0 && p <= TK_PREF_COUNT);
    if (p) {
        FUZZ_CHECK(tk_prefecture_parse(tk_prefecture_name(p, true)) == p);
        FUZZ_CHECK(tk_prefecture_parse(tk_prefecture_name(p, false)) == p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    struct tk_str text = { (const char *)data + 1, size - 1 };
    int mode = data[0] % 4;
    struct tk_attrib *a = tk_attrib_new();
    FUZZ_CHECK(a != NULL);
    struct tk_err err = { 0 };

    if (mode == 0) {
        add_dir(a, "fuzz.csv", text, TK_ATTRIB_CSV);
    } else if (mode == 1) {
        add_dir(a, "fuzz.json", text, TK_ATTRIB_JSON);
    } else if (mode == 2) {
        add_dir(a, "fixed.csv", tk_str_c(fixed_dir), TK_ATTRIB_CSV);
        FUZZ_CHECK(tk_attrib_org_count(a) == 3);
        add_whois(a, text);
    } else {
        struct tk_str dir = text, whois = { "", 0 };
        for (size_t i = 0; i + 6 <= text.n; i++) {
            if (memcmp(text.p + i, "\n====\n", 6) == 0) {
                dir.n = i + 1;
                whois = (struct tk_str){ text.p + i + 6, text.n - i - 6 };
                break;
            }
        }
        add_dir(a, "fuzz.dir", dir, TK_ATTRIB_AUTO);
        add_whois(a, whois);
    }
    FUZZ_CHECK(tk_attrib_finish(a, &err) == 0);
    FUZZ_CHECK(tk_attrib_finish(a, &err) == TK_EINVAL);
    check_orgs(a);

    static const char *const ips[] = { "192.0.2.1",          "192.0.2.200", "198.51.100.7",
                                       "203.0.113.9",        "2001:db8::1", "2001:db8:1::1",
                                       "::ffff:192.0.2.130", "0.0.0.0",     "" };
    for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++)
        lookup(a, ips[i], (struct tk_str){ "", 0 });
    /* Words of the input as addresses and names (the first 16 of at most 128 bytes). */
    struct tk_str rest = text, word;
    for (int k = 0; k < 16 && tk_str_next_field(&rest, &word);) {
        while (word.n && (word.p[word.n - 1] == ',' || word.p[word.n - 1] == ';' ||
                          word.p[word.n - 1] == '"'))
            word.n--;
        if (!word.n || word.n > 128)
            continue;
        lookup(a, "", word);
        k++;
    }
    check_helpers(text);
    tk_attrib_free(a);
    return 0;
}
