/* test_trend.c - two datasets of device records compared (surface/trend.h): the seed's
 * case (SMB-exposed services in Japan 25 -> 36, +44.0%), services counted once, filters,
 * malformed records with their lines, the line reader in any chunking, gzip, limits, the
 * three output forms (CSV safe against formulas) and failing allocations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/jdoc.h"
#include "surface/trend.h"

/* ---- helpers ------------------------------------------------------------------------- */

static struct tk_trend *new_trend(const char *country, const char *product)
{
    struct tk_trend_opts o = { .country = country, .product = product };
    struct tk_trend *t = NULL;
    assert_int_equal(tk_trend_new(&t, &o), 0);
    return t;
}

static int add(struct tk_trend *t, enum tk_trend_side side, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int add(struct tk_trend *t, enum tk_trend_side side, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof line);
    struct tk_err why = { 0 };
    return tk_trend_add(t, side, (struct tk_str){ line, (size_t)n }, &why);
}

/* an SMB service, a device record as identify writes it */
static void smb(struct tk_trend *t, enum tk_trend_side side, int host, const char *cc)
{
    assert_int_equal(add(t, side,
                         "{\"ip\":\"198.51.%d.%d\",\"port\":445,\"transport\":\"tcp\","
                         "\"fingerprint\":null,\"vendor\":null,\"product\":null,"
                         "\"verdict\":\"unknown\",\"cves\":[],\"exposures\":[\"smb-exposed\"],"
                         "\"org\":null,\"country\":%s%s%s,\"seen\":\"2026-0%d-11T00:00:00Z\"}",
                         host / 250, host % 250 + 1, cc ? "\"" : "", cc ? cc : "null",
                         cc ? "\"" : "", side == TK_TREND_OLD ? 3 : 4),
                     0);
}

static void rdp(struct tk_trend *t, enum tk_trend_side side, int host, const char *cc)
{
    assert_int_equal(add(t, side,
                         "{\"ip\":\"203.0.113.%d\",\"port\":3389,\"transport\":\"tcp\","
                         "\"vendor\":null,\"product\":null,\"verdict\":\"unknown\",\"cves\":[],"
                         "\"exposures\":[\"rdp-exposed\"],\"country\":\"%s\"}",
                         host, cc),
                     0);
}

static const struct tk_trend_row *row(const struct tk_trend *t, enum tk_trend_dim d,
                                      const char *key)
{
    const struct tk_trend_row *rows;
    size_t n = tk_trend_rows(t, d, &rows);
    for (size_t i = 0; i < n; i++) {
        if (!key ? !rows[i].key
                 : rows[i].key && rows[i].keylen == strlen(key) && !strcmp(rows[i].key, key))
            return &rows[i];
    }
    return NULL;
}

static void assert_row(const struct tk_trend *t, enum tk_trend_dim d, const char *key, uint64_t old,
                       uint64_t now)
{
    const struct tk_trend_row *r = row(t, d, key);
    if (!r)
        fail_msg("no row %s/%s", tk_trend_dim_name(d), key ? key : "(null)");
    assert_int_equal(r->n[TK_TREND_OLD], old);
    assert_int_equal(r->n[TK_TREND_NEW], now);
}

static int buf_sink(void *ctx, const char *p, size_t n)
{
    return tk_buf_add(ctx, p, n);
}

static char *render(const struct tk_trend *t, enum tk_trend_format f, size_t top)
{
    struct tk_buf b = TK_BUF_INIT((size_t)16 << 20);
    struct tk_trend_out o = { .format = f, .names = { "old.jsonl", "new.jsonl" }, .top = top };
    assert_int_equal(tk_trend_write(t, &o, buf_sink, &b), 0);
    return tk_buf_detach(&b);
}

/* the line of text starting with prefix */
static const char *line_of(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, n) == 0)
            return p;
    return NULL;
}

/* a byte source over memory, handing out at most chunk bytes a call */
struct mem {
    const char *p;
    size_t n, pos, chunk;
    bool fail_at_end;
};

static long mem_read(void *ctx, void *p, size_t n)
{
    struct mem *m = ctx;
    size_t k = m->n - m->pos;
    if (!k && m->fail_at_end)
        return -1;
    if (k > n)
        k = n;
    if (m->chunk && k > m->chunk)
        k = m->chunk;
    memcpy(p, m->p + m->pos, k);
    m->pos += k;
    return (long)k;
}

struct bad_log {
    char text[4096];
    size_t n;
};

static void on_bad(void *ud, const char *input, uint64_t line, const char *why)
{
    struct bad_log *b = ud;
    size_t len = strlen(b->text);
    snprintf(b->text + len, sizeof b->text - len, "%s:%llu: %s\n", input, (unsigned long long)line,
             why);
    b->n++;
}

/* the seed's datasets: 25 SMB services in Japan in March, 36 in April (25 of them the same),
 * beside SMB abroad, services not located, and RDP in Japan */
static struct tk_trend *seed(const char *country)
{
    struct tk_trend *t = new_trend(country, NULL);
    for (int i = 0; i < 25; i++)
        smb(t, TK_TREND_OLD, i, "JP");
    for (int i = 0; i < 10; i++)
        smb(t, TK_TREND_OLD, 100 + i, "US");
    for (int i = 0; i < 4; i++)
        smb(t, TK_TREND_OLD, 200 + i, NULL);
    for (int i = 0; i < 5; i++)
        rdp(t, TK_TREND_OLD, i, "JP");
    for (int i = 0; i < 36; i++)
        smb(t, TK_TREND_NEW, i, "JP");
    for (int i = 0; i < 8; i++)
        smb(t, TK_TREND_NEW, 100 + i, "US");
    for (int i = 0; i < 5; i++)
        rdp(t, TK_TREND_NEW, i, "jp");
    tk_trend_finish(t);
    return t;
}

/* ---- tests --------------------------------------------------------------------------- */

static void seed_case(void **state)
{
    (void)state;
    struct tk_trend *t = seed("JP");
    const struct tk_trend_row *r = row(t, TK_TREND_EXPOSURE, "smb-exposed");
    assert_non_null(r);
    assert_int_equal(r->n[TK_TREND_OLD], 25);
    assert_int_equal(r->n[TK_TREND_NEW], 36);
    assert_int_equal(tk_trend_change(r), 11);
    double pct = 0;
    assert_true(tk_trend_pct(r, &pct));
    assert_true(pct == 44.0);
    assert_row(t, TK_TREND_EXPOSURE, "rdp-exposed", 5, 5);
    assert_row(t, TK_TREND_COUNTRY, "JP", 30, 41);
    assert_null(row(t, TK_TREND_COUNTRY, "US"));
    assert_row(t, TK_TREND_PORT, "445/tcp", 25, 36);
    assert_row(t, TK_TREND_PORT, "3389/tcp", 5, 5);
    assert_row(t, TK_TREND_PRODUCT, NULL, 30, 41);
    assert_row(t, TK_TREND_VERDICT, "unknown", 30, 41);
    assert_row(t, TK_TREND_KEV, "affected-or-possibly", 0, 0);
    assert_row(t, TK_TREND_SERVICES, "total", 30, 41);
    assert_row(t, TK_TREND_SERVICES, "kept", 30, 30);
    assert_row(t, TK_TREND_SERVICES, "appeared", 0, 11);
    assert_row(t, TK_TREND_SERVICES, "disappeared", 0, 0);
    const struct tk_trend_stats *so = tk_trend_stats(t, TK_TREND_OLD);
    assert_int_equal(so->records, 44);
    assert_int_equal(so->filtered, 14);
    assert_int_equal(so->services, 30);
    assert_true(so->has_seen);

    char *text = render(t, TK_TREND_TEXT, 20);
    const char *l = line_of(text, "smb-exposed");
    assert_non_null(l);
    assert_non_null(strstr(l, "25"));
    assert_non_null(strstr(l, "+11"));
    assert_true(strncmp(strstr(l, "+44.0%"), "+44.0%\n", 7) == 0);
    assert_non_null(line_of(text, "filter: country JP"));
    tk_free(text);
    tk_trend_free(t);

    /* no filter: every country, the not located ones without a key */
    t = seed(NULL);
    assert_row(t, TK_TREND_EXPOSURE, "smb-exposed", 39, 44);
    assert_row(t, TK_TREND_COUNTRY, "US", 10, 8);
    assert_row(t, TK_TREND_COUNTRY, NULL, 4, 0);
    assert_row(t, TK_TREND_SERVICES, "disappeared", 6, 0);
    assert_row(t, TK_TREND_SERVICES, "appeared", 0, 11);
    /* sorted by NEW, then OLD, then key; the row without a key after equal counts */
    const struct tk_trend_row *rows;
    size_t n = tk_trend_rows(t, TK_TREND_COUNTRY, &rows);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].key, "JP");
    assert_string_equal(rows[1].key, "US");
    assert_null(rows[2].key);
    assert_false(tk_trend_pct(row(t, TK_TREND_SERVICES, "appeared"), &pct));
    assert_true(tk_trend_pct(row(t, TK_TREND_SERVICES, "disappeared"), &pct));
    assert_true(pct == -100.0);
    tk_trend_free(t);
}

static void services_counted_once(void **state)
{
    (void)state;
    struct tk_trend *t = new_trend(NULL, NULL);
    /* the same service three times (IPv4-mapped, no transport): the first record's keys */
    assert_int_equal(add(t, TK_TREND_OLD,
                         "{\"ip\":\"192.0.2.1\",\"port\":443,\"transport\":"
                         "\"tcp\",\"vendor\":\"Fortinet\",\"product\":"
                         "\"FortiGate SSL VPN\",\"verdict\":\"affected\"}"),
                     0);
    assert_int_equal(add(t, TK_TREND_OLD,
                         "{\"ip\":\"::ffff:192.0.2.1\",\"port\":443,"
                         "\"product\":\"Other\",\"verdict\":\"unknown\"}"),
                     0);
    assert_int_equal(add(t, TK_TREND_OLD,
                         "{\"ip\":\"192.0.2.1\",\"port\":443,\"transport\":"
                         "\"TCP\",\"verdict\":\"unknown\"}"),
                     0);
    /* the same port over UDP, and IPv6 written two ways, are other services */
    assert_int_equal(add(t, TK_TREND_OLD,
                         "{\"ip\":\"192.0.2.1\",\"port\":443,\"transport\":"
                         "\"udp\"}"),
                     0);
    assert_int_equal(add(t, TK_TREND_OLD, "{\"ip\":\"2001:db8::1\",\"port\":443}"), 0);
    assert_int_equal(add(t, TK_TREND_OLD, "{\"ip\":\"2001:DB8:0:0::1\",\"port\":443}"), 0);
    /* in NEW the service counts again, once */
    for (int i = 0; i < 3; i++)
        assert_int_equal(add(t, TK_TREND_NEW, "{\"ip\":\"192.0.2.1\",\"port\":443}"), 0);
    tk_trend_finish(t);
    const struct tk_trend_stats *so = tk_trend_stats(t, TK_TREND_OLD),
                                *sn = tk_trend_stats(t, TK_TREND_NEW);
    assert_int_equal(so->records, 6);
    assert_int_equal(so->services, 3);
    assert_int_equal(so->duplicates, 3);
    assert_int_equal(sn->services, 1);
    assert_int_equal(sn->duplicates, 2);
    assert_row(t, TK_TREND_PRODUCT, "Fortinet FortiGate SSL VPN", 1, 0);
    assert_null(row(t, TK_TREND_PRODUCT, "Other"));
    assert_row(t, TK_TREND_VERDICT, "affected", 1, 0);
    assert_row(t, TK_TREND_VERDICT, "unknown", 2, 1);
    assert_row(t, TK_TREND_PORT, "443/tcp", 2, 1);
    assert_row(t, TK_TREND_PORT, "443/udp", 1, 0);
    assert_row(t, TK_TREND_SERVICES, "kept", 1, 1);
    assert_row(t, TK_TREND_SERVICES, "disappeared", 2, 0);
    tk_trend_free(t);
}

static void product_keys_and_filter(void **state)
{
    (void)state;
    static const char *const recs[] = {
        "{\"ip\":\"192.0.2.1\",\"port\":443,\"fingerprint\":\"citrix-netscaler\","
        "\"vendor\":\"Citrix\",\"product\":\"NetScaler ADC / Gateway\","
        "\"kb_product\":\"citrix-netscaler\",\"country\":\"JP\"}",
        "{\"ip\":\"192.0.2.2\",\"port\":443,\"fingerprint\":\"fortinet-fortigate\","
        "\"vendor\":\"Fortinet\",\"product\":\"FortiGate SSL VPN\",\"country\":\"JP\"}",
        "{\"ip\":\"192.0.2.3\",\"port\":443,\"vendor\":\"Ivanti\","
        "\"product\":\"Ivanti Connect Secure\",\"country\":\"US\"}",
        "{\"ip\":\"192.0.2.4\",\"port\":445,\"vendor\":null,\"product\":null}",
    };
    struct {
        const char *country, *product;
        uint64_t counted;
    } const cases[] = {
        { NULL, NULL, 4 },
        { "jp", NULL, 2 },
        { "US", NULL, 1 },
        { NULL, "CITRIX", 1 },
        { NULL, "fortinet-fortigate", 1 },
        { NULL, "ssl vpn", 1 },
        { NULL, "citrix-netscaler", 1 },
        { "US", "fortinet", 0 },
        { NULL, "nothing", 0 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        struct tk_trend *t = new_trend(cases[c].country, cases[c].product);
        for (size_t i = 0; i < sizeof recs / sizeof *recs; i++)
            assert_int_equal(add(t, TK_TREND_NEW, "%s", recs[i]), 0);
        tk_trend_finish(t);
        const struct tk_trend_stats *st = tk_trend_stats(t, TK_TREND_NEW);
        if (st->services != cases[c].counted)
            fail_msg("case %zu: %llu services", c, (unsigned long long)st->services);
        assert_int_equal(st->filtered, 4 - cases[c].counted);
        if (c == 0) {
            /* the vendor goes in front of the name, unless the name starts with it */
            assert_row(t, TK_TREND_PRODUCT, "Citrix NetScaler ADC / Gateway", 0, 1);
            assert_row(t, TK_TREND_PRODUCT, "Ivanti Connect Secure", 0, 1);
            assert_row(t, TK_TREND_PRODUCT, NULL, 0, 1);
            assert_row(t, TK_TREND_COUNTRY, NULL, 0, 1);
        }
        tk_trend_free(t);
    }
}

static void kev_and_verdicts(void **state)
{
    (void)state;
    struct tk_trend *t = new_trend(NULL, NULL);
    /* KEV and affected; KEV but fixed; affected but not KEV; KEV without a CVE verdict (the
     * record's); a verdict tenken does not know yet */
    assert_int_equal(add(t, TK_TREND_NEW,
                         "{\"ip\":\"192.0.2.1\",\"port\":443,\"verdict\":"
                         "\"affected\",\"cves\":[{\"id\":\"CVE-2023-3519\","
                         "\"kev\":true,\"verdict\":\"affected\"}]}"),
                     0);
    assert_int_equal(add(t, TK_TREND_NEW,
                         "{\"ip\":\"192.0.2.2\",\"port\":443,\"verdict\":"
                         "\"affected\",\"cves\":[{\"id\":\"CVE-1\",\"kev\":"
                         "true,\"verdict\":\"not-affected\"},{\"id\":\"CVE-2\","
                         "\"kev\":false,\"verdict\":\"affected\"}]}"),
                     0);
    assert_int_equal(add(t, TK_TREND_NEW,
                         "{\"ip\":\"192.0.2.3\",\"port\":443,\"verdict\":"
                         "\"possibly-affected\",\"cves\":[{\"id\":\"CVE-3\","
                         "\"kev\":true}]}"),
                     0);
    assert_int_equal(add(t, TK_TREND_NEW,
                         "{\"ip\":\"192.0.2.4\",\"port\":443,\"verdict\":"
                         "\"patched-maybe\",\"exposures\":[\"management-"
                         "exposed\",\"management-exposed\",\"new-kind\"]}"),
                     0);
    tk_trend_finish(t);
    assert_row(t, TK_TREND_KEV, "affected-or-possibly", 0, 2);
    assert_row(t, TK_TREND_VERDICT, "affected", 0, 2);
    assert_row(t, TK_TREND_VERDICT, "possibly-affected", 0, 1);
    assert_row(t, TK_TREND_VERDICT, "patched-maybe", 0, 1);
    assert_row(t, TK_TREND_VERDICT, "not-affected", 0, 0);
    assert_row(t, TK_TREND_EXPOSURE, "management-exposed", 0, 1);
    assert_row(t, TK_TREND_EXPOSURE, "new-kind", 0, 1);
    tk_trend_free(t);

    /* a key ends at a NUL byte; a key of nothing is no key */
    t = new_trend(NULL, NULL);
    assert_int_equal(add(t, TK_TREND_NEW,
                         "{\"ip\":\"192.0.2.1\",\"port\":1,\"product\":"
                         "\"a\\u0000b\",\"verdict\":\"\\u0000x\"}"),
                     0);
    assert_int_equal(add(t, TK_TREND_NEW,
                         "{\"ip\":\"192.0.2.2\",\"port\":1,\"product\":"
                         "\"a\\u0000c\",\"exposures\":[\"\\u0000\"]}"),
                     0);
    assert_int_equal(add(t, TK_TREND_NEW,
                         "{\"ip\":\"192.0.2.3\",\"port\":1,\"vendor\":"
                         "\"\\u0000v\",\"product\":\"\\u0000p\"}"),
                     0);
    tk_trend_finish(t);
    assert_row(t, TK_TREND_PRODUCT, "a", 0, 2);
    assert_row(t, TK_TREND_PRODUCT, NULL, 0, 1);
    assert_row(t, TK_TREND_VERDICT, "unknown", 0, 3);
    const struct tk_trend_row *rows;
    assert_int_equal(tk_trend_rows(t, TK_TREND_EXPOSURE, &rows), 3);
    tk_trend_free(t);
}

static void malformed_records(void **state)
{
    (void)state;
    static const struct {
        const char *line, *why;
    } cases[] = {
        { "{\"ip\":", "invalid JSON at column" },
        { "[1,2]", "not a JSON object" },
        { "{\"port\":445}", "\"ip\" is missing" },
        { "{\"ip\":\"999.1.1.1\",\"port\":445}", "not an IP address" },
        { "{\"ip\":\"192.0.2.1\"}", "\"port\" is missing" },
        { "{\"ip\":\"192.0.2.1\",\"port\":70000}", "not a port number" },
        { "{\"ip\":\"192.0.2.1\",\"port\":\"445\"}", "not a port number" },
        { "{\"ip\":\"192.0.2.1\",\"port\":445,\"transport\":\"sctp\"}", "\"transport\"" },
        { "{\"ip\":\"192.0.2.1\",\"port\":445,\"country\":\"Japan\"}", "two-letter" },
        { "{\"ip\":\"192.0.2.1\",\"port\":445,\"country\":\"J1\"}", "two-letter" },
        { "{\"ip\":\"192.0.2.1\",\"port\":445,\"product\":3}", "\"product\"" },
        { "{\"ip\":\"192.0.2.1\",\"port\":445,\"verdict\":true}", "\"verdict\"" },
        { "{\"ip\":\"192.0.2.1\",\"port\":445,\"cves\":{}}", "\"cves\" is not an array" },
        { "{\"ip\":\"192.0.2.1\",\"port\":445,\"cves\":[1]}", "other than an object" },
        { "{\"ip\":\"192.0.2.1\",\"port\":445,\"exposures\":\"smb\"}", "not an array" },
        { "{\"ip\":\"192.0.2.1\",\"port\":445,\"exposures\":[1]}", "other than a string" },
    };
    struct tk_trend *t = new_trend(NULL, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct tk_err why = { 0 };
        int rc = tk_trend_add(t, TK_TREND_OLD, tk_str_c(cases[i].line), &why);
        if (rc != TK_EPARSE || !strstr(why.msg, cases[i].why))
            fail_msg("%s: %d %s", cases[i].line, rc, why.msg);
    }
    /* an unparsable "seen", an empty country and verdict are no reason to skip a service */
    assert_int_equal(add(t, TK_TREND_OLD,
                         "{\"ip\":\"192.0.2.1\",\"port\":445,\"seen\":\"soon\","
                         "\"country\":\"\",\"verdict\":\"\"}"),
                     0);
    tk_trend_finish(t);
    const struct tk_trend_stats *st = tk_trend_stats(t, TK_TREND_OLD);
    assert_int_equal(st->malformed, sizeof cases / sizeof *cases);
    assert_int_equal(st->services, 1);
    assert_false(st->has_seen);
    assert_row(t, TK_TREND_VERDICT, "unknown", 1, 0);
    tk_trend_free(t);
}

/* a dataset through the line reader: blank lines, CRLF, a line too long, no final newline */
static const char dataset[] =
    "{\"ip\":\"192.0.2.1\",\"port\":445,\"exposures\":[\"smb-exposed\"],\"seen\":1714521600}\n"
    "\n"
    "not json\r\n"
    "{\"ip\":\"192.0.2.2\",\"port\":445,\"exposures\":[\"smb-exposed\"],\"seen\":"
    "\"1999-01-01T00:00:00Z\",\"product\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n"
    "{\"ip\":\"192.0.2.3\",\"port\":3389,\"country\":\"JP\",\"seen\":"
    "\"2024-04-01T09:00:00+09:00\"}\r\n"
    "{\"ip\":\"192.0.2.3\",\"port\":3389}";

static void line_reader(void **state)
{
    (void)state;
    const size_t chunks[] = { 0, 1, 2, 7, 64, 4096 };
    for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
        struct bad_log log = { 0 };
        struct tk_trend_opts o = { .max_line = 160, .bad = on_bad, .ud = &log };
        struct tk_trend *t = NULL;
        assert_int_equal(tk_trend_new(&t, &o), 0);
        struct mem m = { dataset, sizeof dataset - 1, 0, chunks[c], false };
        struct tk_err err = { 0 };
        assert_int_equal(tk_trend_load(t, TK_TREND_OLD, mem_read, &m, "d.jsonl", &err), 0);
        tk_trend_finish(t);
        const struct tk_trend_stats *st = tk_trend_stats(t, TK_TREND_OLD);
        assert_int_equal(st->records, 5);
        assert_int_equal(st->malformed, 2);
        assert_int_equal(st->services, 2);
        assert_int_equal(st->duplicates, 1);
        assert_int_equal(st->bytes, sizeof dataset - 1);
        assert_true(st->has_seen);
        assert_int_equal(st->first_seen, 1711929600); /* 2024-04-01T00:00:00Z */
        assert_int_equal(st->last_seen, 1714521600);
        assert_int_equal(log.n, 2);
        if (!strstr(log.text, "d.jsonl:3: invalid JSON") ||
            !strstr(log.text, "d.jsonl:4: the line is longer than 160 bytes"))
            fail_msg("chunk %zu: %s", chunks[c], log.text);
        assert_row(t, TK_TREND_COUNTRY, "JP", 1, 0);
        tk_trend_free(t);
    }
    /* a read error ends the dataset with TK_EIO naming it */
    struct tk_trend *t = new_trend(NULL, NULL);
    struct mem m = { dataset, 40, 0, 0, true };
    struct tk_err err = { 0 };
    assert_int_equal(tk_trend_load(t, TK_TREND_OLD, mem_read, &m, "cut.gz", &err), TK_EIO);
    assert_non_null(strstr(err.msg, "cut.gz"));
    tk_trend_free(t);
}

static void old_before_new(void **state)
{
    (void)state;
    struct tk_trend *t = new_trend(NULL, NULL);
    assert_int_equal(add(t, TK_TREND_NEW, "{\"ip\":\"192.0.2.1\",\"port\":1}"), 0);
    assert_int_equal(add(t, TK_TREND_OLD, "{\"ip\":\"192.0.2.1\",\"port\":1}"), TK_EINVAL);
    tk_trend_finish(t);
    tk_trend_finish(t);
    assert_int_equal(add(t, TK_TREND_NEW, "{\"ip\":\"192.0.2.2\",\"port\":1}"), TK_EINVAL);
    assert_row(t, TK_TREND_SERVICES, "appeared", 0, 1);
    tk_trend_free(t);
    tk_trend_free(NULL);
    /* the writers want a finished comparison */
    t = new_trend(NULL, NULL);
    struct tk_buf b = TK_BUF_INIT(1024);
    struct tk_trend_out o = { .format = TK_TREND_CSV };
    assert_int_equal(tk_trend_write(t, &o, buf_sink, &b), TK_EINVAL);
    tk_buf_release(&b);
    tk_trend_free(t);
}

static void limits(void **state)
{
    (void)state;
    struct tk_trend_opts o = { .max_services = 3, .max_keys = 9 };
    struct tk_trend *t = NULL;
    assert_int_equal(tk_trend_new(&t, &o), 0);
    for (int i = 1; i <= 5; i++)
        assert_int_equal(add(t, TK_TREND_OLD, "{\"ip\":\"192.0.2.%d\",\"port\":%d}", i, i), 0);
    /* a service already known still counts in NEW; a new one does not fit */
    assert_int_equal(add(t, TK_TREND_NEW, "{\"ip\":\"192.0.2.1\",\"port\":1}"), 0);
    assert_int_equal(add(t, TK_TREND_NEW, "{\"ip\":\"192.0.2.9\",\"port\":9}"), 0);
    tk_trend_finish(t);
    const struct tk_trend_stats *so = tk_trend_stats(t, TK_TREND_OLD),
                                *sn = tk_trend_stats(t, TK_TREND_NEW);
    assert_int_equal(so->services, 3);
    assert_int_equal(so->beyond_limit, 2);
    assert_int_equal(sn->services, 1);
    assert_int_equal(sn->beyond_limit, 1);
    tk_trend_free(t);

    /* a table past its keys drops the key, not the service */
    o = (struct tk_trend_opts){ .max_keys = 9 };
    assert_int_equal(tk_trend_new(&t, &o), 0);
    for (int i = 1; i <= 12; i++)
        assert_int_equal(add(t, TK_TREND_OLD, "{\"ip\":\"192.0.2.1\",\"port\":%d}", i), 0);
    tk_trend_finish(t);
    const struct tk_trend_row *rows;
    assert_int_equal(tk_trend_rows(t, TK_TREND_PORT, &rows), 9);
    assert_int_equal(tk_trend_stats(t, TK_TREND_OLD)->services, 12);
    assert_int_equal(tk_trend_stats(t, TK_TREND_OLD)->keys_dropped, 3);
    tk_trend_free(t);

    /* long keys are cut on a character boundary */
    assert_int_equal(tk_trend_new(&t, &o), 0);
    char name[600];
    for (size_t i = 0; i + 3 <= 599; i += 3)
        memcpy(name + i, "\xE6\x97\xA5", 3); /* 日 */
    name[597] = '\0';
    assert_int_equal(
        add(t, TK_TREND_OLD, "{\"ip\":\"192.0.2.1\",\"port\":1,\"product\":\"%s\"}", name), 0);
    tk_trend_finish(t);
    assert_int_equal(tk_trend_rows(t, TK_TREND_PRODUCT, &rows), 1);
    assert_int_equal(rows[0].keylen, 255);
    tk_trend_free(t);
}

static void formats(void **state)
{
    (void)state;
    struct tk_trend *t = new_trend(NULL, NULL);
    smb(t, TK_TREND_OLD, 1, "JP");
    assert_int_equal(add(t, TK_TREND_NEW,
                         "{\"ip\":\"192.0.2.7\",\"port\":443,\"vendor\":null,"
                         "\"product\":\"=HYPERLINK(\\\"http://x\\\")\","
                         "\"verdict\":\"unknown\",\"country\":\"JP\"}"),
                     0);
    assert_int_equal(add(t, TK_TREND_NEW,
                         "{\"ip\":\"192.0.2.8\",\"port\":443,\"vendor\":null,"
                         "\"product\":\"\\u001b[31mred\\u202e\","
                         "\"country\":\"JP\"}"),
                     0);
    tk_trend_finish(t);

    /* CSV: strings quoted and kept from spreadsheets' formulas, numbers as numbers */
    char *csv = render(t, TK_TREND_CSV, 0);
    assert_true(strncmp(csv, "dimension,key,old,new,change,pct\r\n", 34) == 0);
    assert_non_null(strstr(csv, "\r\n\"product\",\"'=HYPERLINK(\"\"http://x\"\")\",0,1,1,\r\n"));
    assert_non_null(strstr(csv, "\r\n\"country\",\"JP\",1,2,1,100.0\r\n"));
    assert_non_null(strstr(csv, "\r\n\"services\",\"disappeared\",1,0,-1,-100.0\r\n"));
    assert_non_null(strstr(csv, "\r\n\"seen\",\"first\",2026-03-11T00:00:00Z,,,\r\n"));
    assert_non_null(strstr(csv, "\r\n\"input\",\"services\",1,2,,\r\n"));
    tk_free(csv);

    /* JSON lines: every line an object with a dimension; no percentage from zero */
    char *jl = render(t, TK_TREND_JSONL, 0);
    size_t lines = 0;
    bool saw_null_pct = false, saw_dataset = false;
    for (char *p = jl, *nl; *p; p = nl + 1, lines++) {
        nl = strchr(p, '\n');
        assert_non_null(nl);
        struct tk_arena a;
        tk_arena_init(&a, 1 << 20);
        struct tk_jv *v = NULL;
        struct tk_err err = { 0 };
        assert_int_equal(tk_jdoc_parse(&a, p, (size_t)(nl - p), "jsonl", &v, &err), 0);
        const char *dim = tk_jv_str(tk_jv_get(v, "dimension"));
        assert_non_null(dim);
        if (!strcmp(dim, "dataset")) {
            saw_dataset = true;
            assert_non_null(tk_jv_get(v, "first_seen"));
        } else {
            assert_true(tk_jv_is(tk_jv_get(v, "old"), TK_JV_INT));
            const struct tk_jv *pct = tk_jv_get(v, "pct");
            if (tk_jv_int(tk_jv_get(v, "old")) == 0) {
                assert_true(tk_jv_is(pct, TK_JV_NULL));
                saw_null_pct = true;
            } else {
                assert_true(tk_jv_is_number(pct));
            }
        }
        tk_arena_release(&a);
    }
    assert_true(saw_null_pct && saw_dataset);
    assert_non_null(strstr(jl, "{\"dimension\":\"product\",\"key\":\"=HYPERLINK(\\\"http://x\\\")"
                               "\",\"old\":0,\"new\":1,\"change\":1,\"pct\":null}\n"));
    assert_non_null(
        strstr(jl, "{\"dimension\":\"country\",\"key\":\"JP\",\"old\":1,\"new\":2,\"change\":1,"
                   "\"pct\":100}\n"));
    tk_free(jl);

    /* text: control characters and bidirectional overrides shown, not obeyed */
    char *text = render(t, TK_TREND_TEXT, 20);
    assert_null(strchr(text, '\x1b'));
    assert_null(strstr(text, "\xE2\x80\xAE"));
    assert_non_null(strstr(text, "\\x1b[31mred\\u{202e}"));
    assert_non_null(strstr(text, "(unidentified)"));
    tk_free(text);
    tk_trend_free(t);
}

static void text_top_and_alignment(void **state)
{
    (void)state;
    struct tk_trend *t = new_trend(NULL, NULL);
    for (int p = 0; p < 25; p++)
        for (int i = 0; i <= p; i++)
            assert_int_equal(add(t, TK_TREND_NEW,
                                 "{\"ip\":\"192.0.%d.%d\",\"port\":443,\"vendor\":\"V\","
                                 "\"product\":\"P%02d\"}",
                                 p, i + 1, p),
                             0);
    tk_trend_finish(t);
    char *text = render(t, TK_TREND_TEXT, 20);
    /* the 20 largest products, then the other 5 (1 + 2 + 3 + 4 + 5 services) */
    assert_non_null(line_of(text, "V P24 "));
    assert_non_null(line_of(text, "V P05 "));
    assert_null(line_of(text, "V P04 "));
    const char *other = line_of(text, "(5 others)");
    assert_non_null(other);
    assert_non_null(strstr(other, " 15 "));
    /* every line of the product table as wide as its header */
    const char *head = line_of(text, "product ");
    assert_non_null(head);
    size_t width = (size_t)(strchr(head, '\n') - head);
    const char *p = strchr(head, '\n') + 1;
    for (int i = 0; i < 21; i++) {
        const char *nl = strchr(p, '\n');
        assert_int_equal((size_t)(nl - p), width);
        p = nl + 1;
    }
    tk_free(text);
    /* all rows when no limit is given */
    text = render(t, TK_TREND_TEXT, 0);
    assert_non_null(line_of(text, "V P00 "));
    assert_null(line_of(text, "(5 others)"));
    tk_free(text);
    tk_trend_free(t);
}

static void format_names(void **state)
{
    (void)state;
    enum tk_trend_format f;
    assert_int_equal(tk_trend_format_parse("text", &f), 0);
    assert_int_equal(f, TK_TREND_TEXT);
    assert_int_equal(tk_trend_format_parse("jsonl", &f), 0);
    assert_int_equal(f, TK_TREND_JSONL);
    assert_int_equal(tk_trend_format_parse("csv", &f), 0);
    assert_int_equal(f, TK_TREND_CSV);
    assert_int_equal(tk_trend_format_parse("xlsx", &f), TK_EINVAL);
    assert_int_equal(tk_trend_format_parse(NULL, &f), TK_EINVAL);
    assert_string_equal(tk_trend_dim_name(TK_TREND_KEV), "kev");
}

static void gzip_and_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/tk-trend-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char gzpath[64], plain[64], cut[64], missing[64];
    snprintf(gzpath, sizeof gzpath, "%s/d.jsonl.gz", dir);
    snprintf(plain, sizeof plain, "%s/d.jsonl", dir);
    snprintf(cut, sizeof cut, "%s/cut.gz", dir);
    snprintf(missing, sizeof missing, "%s/missing.jsonl", dir);
    /* two gzip members, concatenated */
    gzFile gz = gzopen(gzpath, "wb");
    assert_non_null(gz);
    assert_true(gzputs(gz, "{\"ip\":\"192.0.2.1\",\"port\":445}\n") > 0);
    assert_int_equal(gzclose(gz), Z_OK);
    gz = gzopen(gzpath, "ab");
    assert_non_null(gz);
    assert_true(gzputs(gz, "{\"ip\":\"192.0.2.2\",\"port\":445}\n") > 0);
    assert_int_equal(gzclose(gz), Z_OK);
    FILE *fp = fopen(plain, "wb");
    assert_non_null(fp);
    fputs("{\"ip\":\"192.0.2.1\",\"port\":445}\n{\"ip\":\"192.0.2.3\",\"port\":445}\n", fp);
    fclose(fp);
    /* a gzip stream cut short, inside its one member */
    gz = gzopen(cut, "wb");
    assert_non_null(gz);
    for (int i = 0; i < 200; i++)
        gzprintf(gz, "{\"ip\":\"192.0.2.%d\",\"port\":%d}\n", i % 250, 1000 + i);
    assert_int_equal(gzclose(gz), Z_OK);
    fp = fopen(cut, "rb");
    assert_non_null(fp);
    unsigned char bytes[4096];
    size_t n = fread(bytes, 1, sizeof bytes, fp);
    fclose(fp);
    assert_true(n > 100 && n < sizeof bytes);
    fp = fopen(cut, "wb");
    assert_non_null(fp);
    fwrite(bytes, 1, n / 2, fp);
    fclose(fp);

    struct tk_trend *t = new_trend(NULL, NULL);
    struct tk_input in;
    struct tk_err err = { 0 };
    assert_int_equal(tk_trend_input_open(&in, gzpath, &err), 0);
    assert_int_equal(tk_trend_load(t, TK_TREND_OLD, tk_input_read, &in, gzpath, &err), 0);
    tk_input_close(&in);
    assert_int_equal(tk_trend_input_open(&in, plain, &err), 0);
    assert_int_equal(tk_trend_load(t, TK_TREND_NEW, tk_input_read, &in, plain, &err), 0);
    tk_input_close(&in);
    tk_trend_finish(t);
    assert_row(t, TK_TREND_SERVICES, "total", 2, 2);
    assert_row(t, TK_TREND_SERVICES, "kept", 1, 1);
    tk_trend_free(t);

    t = new_trend(NULL, NULL);
    assert_int_equal(tk_trend_input_open(&in, cut, &err), 0);
    assert_int_equal(tk_trend_load(t, TK_TREND_OLD, tk_input_read, &in, cut, &err), TK_EIO);
    assert_non_null(strstr(err.msg, "cut.gz"));
    tk_input_close(&in);
    tk_trend_free(t);

    assert_int_not_equal(tk_trend_input_open(&in, missing, &err), 0);
    assert_non_null(strstr(err.msg, "missing.jsonl"));
    assert_int_not_equal(tk_trend_input_open(&in, dir, &err), 0);
    assert_non_null(strstr(err.msg, "is a directory"));

    unlink(gzpath);
    unlink(plain);
    unlink(cut);
    rmdir(dir);
}

/* Every allocation may fail: the result is an error or the right answer, never a leak. */
static void failing_allocations(void **state)
{
    (void)state;
    bool done = false;
    for (long k = 0; !done && k < 5000; k++) {
        tk_alloc_fail_after(k);
        struct tk_trend *t = NULL;
        struct tk_trend_opts o = { 0 };
        int rc = tk_trend_new(&t, &o);
        if (rc) {
            assert_int_equal(rc, TK_ENOMEM);
            assert_null(t);
            continue;
        }
        struct mem m = { dataset, sizeof dataset - 1, 0, 0, false };
        struct tk_err err = { 0 };
        rc = tk_trend_load(t, TK_TREND_OLD, mem_read, &m, "d", &err);
        if (!rc) {
            m.pos = 0;
            rc = tk_trend_load(t, TK_TREND_NEW, mem_read, &m, "d", &err);
        }
        if (!rc) {
            tk_trend_finish(t);
            struct tk_buf b = TK_BUF_INIT(1 << 20);
            for (int f = TK_TREND_TEXT; f <= TK_TREND_CSV && !rc; f++) {
                struct tk_trend_out out = { .format = (enum tk_trend_format)f, .top = 2 };
                rc = tk_trend_write(t, &out, buf_sink, &b);
            }
            tk_buf_release(&b);
            /* a record whose parse ran out of memory is skipped as malformed: the answer
             * is short by it, and says so; otherwise it is the whole answer */
            const struct tk_trend_stats *st = tk_trend_stats(t, TK_TREND_NEW);
            if (!rc && st->malformed == 1 && tk_trend_stats(t, TK_TREND_OLD)->malformed == 1) {
                done = true;
                assert_int_equal(st->services, 3);
                assert_int_equal(st->duplicates, 1);
            } else if (!rc) {
                assert_int_equal(st->services + st->duplicates + st->malformed, 5);
            }
        }
        if (rc)
            assert_true(rc == TK_ENOMEM);
        tk_trend_free(t);
    }
    tk_alloc_fail_after(-1);
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_case),
        cmocka_unit_test(services_counted_once),
        cmocka_unit_test(product_keys_and_filter),
        cmocka_unit_test(kev_and_verdicts),
        cmocka_unit_test(malformed_records),
        cmocka_unit_test(line_reader),
        cmocka_unit_test(old_before_new),
        cmocka_unit_test(limits),
        cmocka_unit_test(formats),
        cmocka_unit_test(text_top_and_alignment),
        cmocka_unit_test(format_names),
        cmocka_unit_test(gzip_and_files),
        cmocka_unit_test(failing_allocations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
