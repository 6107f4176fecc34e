/* test_surface_in.c - the scan-data parsers (surface/in_*.c) through the ingest driver:
 * Shodan banners, Censys hosts, masscan -oJ/-oD/-oL, nmap -oX (inline documents and a real
 * nmap 7.93 run in tests/data/surface), gzip input and format recognition. Each parser has
 * cases that must give the right fields and malformed records that must be counted with
 * their line while the stream goes on. The parallel form (work/write in several threads)
 * must write the same bytes, report the same records and count the same as one thread. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/json.h"
#include "surface/ingest.h"

#define MAX_GOT 32

struct bad_rec {
    uint64_t line;
    char why[512];
};

/* What a stream gave: observations copied out of the driver's arena, and the bad records. */
struct got {
    struct tk_arena arena;
    struct tk_obs obs[MAX_GOT];
    size_t n;
    struct bad_rec bad[MAX_GOT];
    size_t nbad;
    struct tk_ingest_stats st;
    struct tk_err err;
};

static const char *copy(struct tk_arena *a, const char *s)
{
    return s ? tk_arena_strdup(a, s) : NULL;
}

static int on_obs(void *ud, const struct tk_obs *o)
{
    struct got *g = ud;
    assert_true(g->n < MAX_GOT);
    struct tk_obs *d = &g->obs[g->n++];
    tk_obs_init(d, &g->arena);
    memcpy(d->ip, o->ip, sizeof d->ip);
    d->port = o->port;
    d->transport = copy(&g->arena, o->transport);
    assert_int_equal(tk_obs_merge(d, o), 0); /* responses, names, certificate, banner */
    d->service = copy(&g->arena, o->service);
    d->src_product = copy(&g->arena, o->src_product);
    d->src_version = copy(&g->arena, o->src_version);
    d->src_cpe = copy(&g->arena, o->src_cpe);
    d->country = copy(&g->arena, o->country);
    d->region = copy(&g->arena, o->region);
    d->format = copy(&g->arena, o->format);
    d->input = copy(&g->arena, o->input);
    d->seen = o->seen;
    return 0;
}

static void on_bad(void *ud, const char *input, uint64_t line, const char *why)
{
    struct got *g = ud;
    (void)input;
    assert_true(g->nbad < MAX_GOT);
    g->bad[g->nbad].line = line;
    snprintf(g->bad[g->nbad].why, sizeof g->bad[0].why, "%s", why);
    g->nbad++;
}

static int run_fp(FILE *fp, const char *name, enum tk_obs_format f, struct got *g)
{
    memset(g, 0, sizeof *g);
    tk_arena_init(&g->arena, 64u << 20);
    struct tk_ingest_opts opts = { .format = f, .emit = on_obs, .bad = on_bad, .ud = g };
    return tk_ingest_stream(fp, name, &opts, &g->st, &g->err);
}

static int run(const char *text, enum tk_obs_format f, struct got *g)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(fp);
    int rc = run_fp(fp, "t", f, g);
    fclose(fp);
    return rc;
}

static void done(struct got *g)
{
    tk_arena_release(&g->arena);
}

static const struct tk_obs_http *http0(const struct tk_obs *o)
{
    assert_true(o->nhttp >= 1);
    return &o->http[0];
}

/* ---- Shodan -------------------------------------------------------------------------- */

/* subjectAltName as Shodan writes it: DER as a Python bytes literal. 0x23 bytes: dNSName
 * example.com, dNSName www.example.jp, iPAddress 192.0.2.1 */
#define SHODAN_SAN                                                                                 \
    "0#\\\\x82\\\\x0bexample.com\\\\x82\\\\x0ewww.example.jp"                                      \
    "\\\\x87\\\\x04\\\\xc0\\\\x00\\\\x02\\\\x01"

static const char shodan_lines[] =
    "{\"ip_str\":\"192.0.2.1\",\"port\":443,\"transport\":\"tcp\","
    "\"timestamp\":\"2026-11-01T10:20:30.123456\",\"hostnames\":[\"vpn.example.jp\"],"
    "\"domains\":[\"example.jp\"],"
    "\"data\":\"HTTP/1.1 200 OK\\r\\nServer: xxxxxxxx-xxxxx\\r\\nETag: \\\"1a2b-3c\\\"\\r\\n"
    "Last-Modified: Tue, 01 Oct 2024 00:00:00 GMT\\r\\n\\r\\n\","
    "\"http\":{\"location\":\"/remote/login\",\"title\":\"Please Login\","
    "\"html\":\"<html><title>ignored</title>body</html>\",\"favicon\":{\"hash\":945408572}},"
    "\"ssl\":{\"cert\":{\"subject\":{\"C\":\"JP\",\"CN\":\"vpn.example.jp\",\"O\":\"Example K.K."
    "\"},"
    "\"issuer\":{\"CN\":\"Example CA\"},\"issued\":\"20240101000000Z\","
    "\"expires\":\"20300615123456Z\",\"fingerprint\":{\"sha1\":\"00\",\"sha256\":"
    "\"ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789\"},"
    "\"extensions\":[{\"name\":\"keyUsage\",\"data\":\"\\\\x03\\\\x02\\\\x05\\\\xa0\"},"
    "{\"name\":\"subjectAltName\",\"data\":\"" SHODAN_SAN "\"}]}},"
    "\"product\":\"FortiGate\",\"cpe\":[\"cpe:/h:fortinet:fortigate\"],"
    "\"cpe23\":[\"cpe:2.3:h:fortinet:fortigate\"],"
    "\"_shodan\":{\"module\":\"https\"},"
    "\"location\":{\"country_code\":\"JP\",\"region_code\":\"14\"}}\n"
    /* an integer address, a plain banner, cpe as a string */
    "{\"ip\":3221225986,\"port\":22,\"data\":\"SSH-2.0-OpenSSH_8.9\\r\\n\",\"product\":\"OpenSSH\","
    "\"version\":\"8.9\",\"cpe\":\"cpe:/a:openbsd:openssh:8.9\",\"_shodan\":{\"module\":\"ssh\"},"
    "\"ssl\":{\"cert\":{\"subject\":{\"CN\":\"x\"},\"extensions\":[{\"name\":\"subjectAltName\","
    "\"data\":\"DNS:a.example, IP Address:192.0.2.9\"}]}}}\n";

static void test_shodan(void **state)
{
    (void)state;
    struct got g;
    assert_int_equal(run(shodan_lines, TK_FMT_AUTO, &g), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.st.malformed, 0);
    const struct tk_obs *o = &g.obs[0];
    assert_string_equal(o->ip, "192.0.2.1");
    assert_int_equal(o->port, 443);
    assert_string_equal(o->transport, "tcp");
    assert_string_equal(o->format, "shodan");
    assert_string_equal(o->input, "t:1");
    assert_true(o->seen == 1793528430);
    assert_int_equal(o->nhostnames, 2);
    assert_string_equal(o->hostnames[0], "vpn.example.jp");
    assert_string_equal(o->hostnames[1], "example.jp");
    const struct tk_obs_http *h = http0(o);
    assert_string_equal(h->path, "/remote/login");
    assert_int_equal(h->status, 200);
    assert_string_equal(tk_obs_header(h, "server"), "xxxxxxxx-xxxxx");
    assert_string_equal(tk_obs_header(h, "etag"), "\"1a2b-3c\"");
    assert_string_equal(tk_obs_header(h, "last-modified"), "Tue, 01 Oct 2024 00:00:00 GMT");
    assert_string_equal(h->title, "Please Login"); /* Shodan's title wins over the body's */
    assert_int_equal(h->body_len, strlen("<html><title>ignored</title>body</html>"));
    assert_true(o->has_favicon);
    assert_int_equal(o->favicon_hash, 945408572);
    assert_null(o->banner);
    assert_true(o->has_cert);
    assert_string_equal(o->cert.subject, "C=JP, CN=vpn.example.jp, O=Example K.K.");
    assert_string_equal(o->cert.issuer, "CN=Example CA");
    assert_string_equal(o->cert.subject_cn, "vpn.example.jp");
    assert_string_equal(o->cert.subject_o, "Example K.K.");
    assert_string_equal(o->cert.not_before, "2024-01-01T00:00:00Z");
    assert_string_equal(o->cert.not_after, "2030-06-15T12:34:56Z");
    assert_string_equal(o->cert.sha256,
                        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    assert_int_equal(o->cert.nsans, 3);
    assert_string_equal(o->cert.sans[0], "example.com");
    assert_string_equal(o->cert.sans[1], "www.example.jp");
    assert_string_equal(o->cert.sans[2], "192.0.2.1");
    assert_string_equal(o->service, "https");
    assert_string_equal(o->src_product, "FortiGate");
    assert_null(o->src_version);
    assert_string_equal(o->src_cpe, "cpe:2.3:h:fortinet:fortigate");
    assert_string_equal(o->country, "JP");
    assert_string_equal(o->region, "14");

    o = &g.obs[1];
    assert_string_equal(o->ip, "192.0.2.2");
    assert_int_equal(o->port, 22);
    assert_int_equal(o->nhttp, 0);
    assert_int_equal(o->banner_len, strlen("SSH-2.0-OpenSSH_8.9\r\n"));
    assert_memory_equal(o->banner, "SSH-2.0-OpenSSH_8.9\r\n", o->banner_len);
    assert_string_equal(o->src_version, "8.9");
    assert_string_equal(o->src_cpe, "cpe:/a:openbsd:openssh:8.9");
    assert_string_equal(o->service, "ssh");
    assert_null(o->country);
    assert_int_equal(o->seen, 0);
    /* SANs in OpenSSL's text form, which some exports carry */
    assert_int_equal(o->cert.nsans, 2);
    assert_string_equal(o->cert.sans[0], "a.example");
    assert_string_equal(o->cert.sans[1], "192.0.2.9");
    assert_string_equal(o->cert.subject, "CN=x");
    done(&g);
}

static void test_shodan_malformed(void **state)
{
    (void)state;
    struct got g;
    const char *text =
        "{\"ip_str\":\"192.0.2.1\",\"port\":80,\"data\":\"HTTP/1.0 404 Not Found\\r\\n\\r\\n\"}\n"
        "{\"port\":80,\"_shodan\":{}}\n"               /* no address */
        "{\"ip_str\":\"192.0.2.1\",\"port\":\"80\"}\n" /* port as text */
        "{\"ip_str\":\"not-an-ip\",\"port\":80}\n"
        "{\"ip_str\":\"192.0.2.1\",\"port\":70000}\n"
        "{\"ip_str\":\"192.0.2.1\",\"port\":8\n" /* not JSON */
        /* odd shapes below the address are skipped, not errors */
        "{\"ip_str\":\"192.0.2.3\",\"port\":8443,\"http\":[1],\"ssl\":{\"cert\":{\"expires\":\"bad"
        "\","
        "\"subject\":\"CN=x\",\"extensions\":[{\"name\":\"subjectAltName\",\"data\":\"0"
        "\\\\x82\"}]}},"
        "\"data\":\"\\u0000\\u00ff\",\"location\":7}\n";
    assert_int_equal(run(text, TK_FMT_SHODAN, &g), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.obs[0].http[0].status, 404);
    assert_string_equal(g.obs[0].http[0].path, "/");
    assert_string_equal(g.obs[1].ip, "192.0.2.3");
    assert_null(g.obs[1].cert.not_after);
    assert_int_equal(g.obs[1].cert.nsans, 0);
    assert_int_equal(g.obs[1].banner_len, 3); /* NUL and U+00FF as JSON decodes them */
    assert_int_equal(g.st.records, 7);
    assert_int_equal(g.st.malformed, 5);
    assert_int_equal(g.nbad, 5);
    const uint64_t lines[] = { 2, 3, 4, 5, 6 };
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(g.bad[i].line, lines[i]);
    assert_non_null(strstr(g.bad[0].why, "ip_str"));
    assert_non_null(strstr(g.bad[1].why, "port"));
    done(&g);
}

/* ---- Censys -------------------------------------------------------------------------- */

static const char censys_lines[] =
    "{\"ip\":\"198.51.100.7\",\"last_updated_at\":\"2026-11-02T00:00:00.000Z\","
    "\"location\":{\"country_code\":\"JP\",\"province\":\"Kanagawa\"},"
    "\"dns\":{\"reverse_dns\":{\"names\":[\"host7.example.ne.jp\"]}},\"services\":["
    "{\"port\":8443,\"service_name\":\"HTTP\",\"transport_protocol\":\"TCP\","
    "\"observed_at\":\"2026-11-01T12:00:00Z\",\"extended_service_name\":\"HTTPS\","
    "\"http\":{\"request\":{\"method\":\"GET\",\"uri\":\"https://198.51.100.7:8443/global-protect/"
    "login.esp?x=1\"},"
    "\"response\":{\"status_code\":200,\"headers\":{\"Server\":{\"headers\":[\"Apache\"]},"
    "\"Content_Type\":[\"text/html\"],\"ETag\":\"\\\"e1\\\"\",\"_encoding\":{\"Server\":"
    "\"DISPLAY_UTF8\"}},"
    "\"body\":\"<html>hello</html>\",\"html_title\":\"GlobalProtect Portal\","
    "\"favicons\":[{\"shodan_hash\":-631559155}]}},"
    "\"tls\":{\"certificates\":{\"leaf_fp_sha_256\":"
    "\"1111111111111111111111111111111111111111111111111111111111111111\","
    "\"leaf_data\":{\"subject_dn\":\"C=JP, O=Example Corp, CN=gp.example.co.jp\","
    "\"issuer_dn\":\"C=US, O=Let's Encrypt, CN=R3\",\"names\":[\"gp.example.co.jp\","
    "\"*.example.co.jp\"],"
    "\"subject\":{\"common_name\":[\"gp.example.co.jp\"],\"organization\":[\"Example Corp\"]},"
    "\"validity\":{\"start\":\"2026-01-01T00:00:00Z\",\"end\":\"2026-12-31T23:59:59Z\"}}}},"
    "\"software\":[{\"uniform_resource_identifier\":\"cpe:2.3:a:paloaltonetworks:pan-os:*\","
    "\"vendor\":\"Palo Alto Networks\",\"product\":\"PAN-OS\"}]},"
    "{\"port\":22,\"service_name\":\"SSH\",\"transport_protocol\":\"TCP\","
    "\"banner\":\"SSH-2.0-OpenSSH_7.4\","
    "\"software\":[{\"vendor\":\"OpenBSD\",\"product\":\"OpenSSH\",\"version\":\"7.4\"}]},"
    "{\"port\":500,\"service_name\":\"IKE\",\"transport_protocol\":\"UDP\"}]}\n"
    /* headers as a list of pairs, a raw HTTP banner, the API answer kept whole */
    "{\"code\":200,\"status\":\"OK\",\"result\":{\"ip\":\"2001:db8::7\",\"services\":["
    "{\"port\":\"80\",\"service_name\":\"HTTP\",\"http\":{\"response\":{\"status_code\":302,"
    "\"headers\":[{\"key\":\"Location\",\"value\":\"/login\"}]}}},"
    "{\"port\":8080,\"banner\":\"HTTP/1.1 401 Unauthorized\\r\\nWWW-Authenticate: Basic\\r\\n\\r"
    "\\n\"}]}}\n";

static void test_censys(void **state)
{
    (void)state;
    struct got g;
    assert_int_equal(run(censys_lines, TK_FMT_CENSYS, &g), 0);
    assert_int_equal(g.st.malformed, 0);
    assert_int_equal(g.n, 5);
    const struct tk_obs *o = &g.obs[0];
    assert_string_equal(o->ip, "198.51.100.7");
    assert_int_equal(o->port, 8443);
    assert_string_equal(o->transport, "tcp");
    assert_string_equal(o->service, "http");
    assert_string_equal(o->format, "censys");
    assert_true(o->seen == 1793534400);
    assert_int_equal(o->nhostnames, 1);
    assert_string_equal(o->hostnames[0], "host7.example.ne.jp");
    assert_string_equal(o->country, "JP");
    assert_string_equal(o->region, "Kanagawa");
    const struct tk_obs_http *h = http0(o);
    assert_string_equal(h->path, "/global-protect/login.esp?x=1");
    assert_int_equal(h->status, 200);
    assert_int_equal(h->nheaders, 3);
    assert_string_equal(tk_obs_header(h, "server"), "Apache");
    assert_string_equal(tk_obs_header(h, "content-type"), "text/html");
    assert_string_equal(tk_obs_header(h, "etag"), "\"e1\"");
    assert_string_equal(h->title, "GlobalProtect Portal");
    assert_int_equal(h->body_len, 18);
    assert_true(o->has_favicon);
    assert_int_equal(o->favicon_hash, -631559155);
    assert_true(o->has_cert);
    assert_string_equal(o->cert.subject, "C=JP, O=Example Corp, CN=gp.example.co.jp");
    assert_string_equal(o->cert.issuer, "C=US, O=Let's Encrypt, CN=R3");
    assert_string_equal(o->cert.subject_cn, "gp.example.co.jp");
    assert_string_equal(o->cert.subject_o, "Example Corp");
    assert_string_equal(o->cert.not_before, "2026-01-01T00:00:00Z");
    assert_string_equal(o->cert.not_after, "2026-12-31T23:59:59Z");
    assert_string_equal(o->cert.sha256,
                        "1111111111111111111111111111111111111111111111111111111111111111");
    assert_int_equal(o->cert.nsans, 2);
    assert_string_equal(o->cert.sans[1], "*.example.co.jp");
    assert_string_equal(o->src_product, "Palo Alto Networks PAN-OS");
    assert_null(o->src_version);
    assert_string_equal(o->src_cpe, "cpe:2.3:a:paloaltonetworks:pan-os:*");

    o = &g.obs[1];
    assert_int_equal(o->port, 22);
    assert_memory_equal(o->banner, "SSH-2.0-OpenSSH_7.4", o->banner_len);
    assert_string_equal(o->src_product, "OpenBSD OpenSSH");
    assert_string_equal(o->src_version, "7.4");
    assert_true(o->seen == 1793577600); /* the host's last_updated_at */
    o = &g.obs[2];
    assert_int_equal(o->port, 500);
    assert_string_equal(o->transport, "udp");
    assert_string_equal(o->service, "ike");

    o = &g.obs[3];
    assert_string_equal(o->ip, "2001:db8::7");
    assert_int_equal(o->port, 80);
    assert_string_equal(o->input, "t:2");
    h = http0(o);
    assert_string_equal(h->path, "/");
    assert_int_equal(h->status, 302);
    assert_string_equal(tk_obs_header(h, "location"), "/login");
    o = &g.obs[4];
    assert_int_equal(o->port, 8080);
    assert_null(o->banner);
    assert_int_equal(http0(o)->status, 401);
    assert_string_equal(tk_obs_header(http0(o), "www-authenticate"), "Basic");
    done(&g);
}

static void test_censys_malformed(void **state)
{
    (void)state;
    struct got g;
    const char *text =
        "{\"services\":[{\"port\":80}]}\n" /* no ip */
        "{\"ip\":\"198.51.100.1\",\"services\":[{\"port\":80},{\"service_name\":\"X\"}]}\n"
        "{\"ip\":\"198.51.100.1\",\"services\":{}}\n"
        "{\"ip\":\"198.51.100.1\",\"services\":[{\"port\":0}]}\n"
        "[1,2]\n"
        /* unknown nesting is skipped */
        "{\"ip\":\"198.51.100.2\",\"services\":[{\"port\":443,\"http\":\"x\",\"tls\":[1],"
        "\"software\":{},\"transport_protocol\":5,\"banner\":7,\"observed_at\":\"yesterday\"},"
        "{\"port\":444,\"http\":{\"response\":{\"headers\":{\"A\":{\"x\":1},\"B\":[1,\"b\"]},"
        "\"status_code\":\"200\"}},\"tls\":{\"certificates\":{\"leaf_data\":{\"names\":\"n\","
        "\"fingerprint\":\"short\"}}}}],\"location\":[],\"dns\":7}\n";
    assert_int_equal(run(text, TK_FMT_CENSYS, &g), 0);
    assert_int_equal(g.st.malformed, 5);
    assert_int_equal(g.nbad, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(g.bad[i].line, i + 1);
    assert_non_null(strstr(g.bad[1].why, "services[1]"));
    assert_int_equal(g.n, 2); /* nothing of line 2 was emitted */
    assert_int_equal(g.obs[0].port, 443);
    assert_string_equal(g.obs[0].transport, "tcp");
    assert_int_equal(g.obs[0].nhttp, 0);
    assert_false(g.obs[0].has_cert);
    assert_int_equal(g.obs[1].http[0].status, 0);
    assert_int_equal(g.obs[1].http[0].nheaders, 1);
    assert_string_equal(tk_obs_header(&g.obs[1].http[0], "b"), "b");
    assert_true(g.obs[1].has_cert);
    assert_null(g.obs[1].cert.sha256);
    done(&g);
}

/* ---- masscan ------------------------------------------------------------------------- */

static void test_masscan_json(void **state)
{
    (void)state;
    struct got g;
    /* -oJ exactly as masscan lays it out: "[", records with "," lines between, "]" */
    const char *text =
        "[\n"
        "{   \"ip\": \"203.0.113.5\",   \"timestamp\": \"1690000000\", \"ports\": [ {\"port\": "
        "445, "
        "\"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 117} ] }\n"
        ",\n"
        "{   \"ip\": \"203.0.113.5\",   \"timestamp\": \"1690000001\", \"ports\": [ {\"port\": "
        "3389, "
        "\"proto\": \"tcp\", \"status\": \"closed\", \"reason\": \"rst\", \"ttl\": 117} ] }\n"
        ",\n"
        "{   \"ip\": \"203.0.113.6\",   \"timestamp\": \"1690000002\", \"ports\": [ {\"port\": 80, "
        "\"proto\": \"tcp\", \"service\": {\"name\": \"http\", \"banner\": \"HTTP/1.0 200 OK\\u000d"
        "\\u000aServer: Boa/0.94\\u000d\\u000a\\u000d\\u000a\\u003chtml\\u003e\\u0080\\u00ff\"} } "
        "] }\n"
        ",\n"
        "{   \"ip\": \"203.0.113.7\",   \"timestamp\": \"1690000003\", \"ports\": [ {\"port\": 21, "
        "\"proto\": \"tcp\", \"service\": {\"name\": \"ftp\", \"banner\": \"220 \\u00e9t\\u00e9"
        "\\u0000\"} } ] }\n"
        ",\n"
        "{   \"ip\": \"203.0.113.7\",   \"timestamp\": \"1690000004\", \"ports\": [ {\"port\": 0, "
        "\"proto\": \"icmp\", \"status\": \"up\"} ] }\n"
        "]\n";
    assert_int_equal(run(text, TK_FMT_AUTO, &g), 0);
    assert_int_equal(g.st.malformed, 0);
    assert_int_equal(g.st.records, 5);
    assert_int_equal(g.n, 3);
    const struct tk_obs *o = &g.obs[0];
    assert_string_equal(o->format, "masscan");
    assert_string_equal(o->ip, "203.0.113.5");
    assert_int_equal(o->port, 445);
    assert_string_equal(o->transport, "tcp");
    assert_true(o->seen == 1690000000);
    assert_int_equal(o->nhttp, 0);
    assert_null(o->banner);
    assert_string_equal(o->input, "t:2");
    o = &g.obs[1];
    assert_int_equal(o->port, 80);
    assert_string_equal(o->service, "http");
    const struct tk_obs_http *h = http0(o);
    assert_int_equal(h->status, 200);
    assert_string_equal(tk_obs_header(h, "server"), "Boa/0.94");
    assert_int_equal(h->body_len, 8);
    assert_memory_equal(h->body, "<html>\x80\xff", 8); /* U+0080, U+00FF are bytes again */
    o = &g.obs[2];
    assert_int_equal(o->banner_len, 8);
    assert_memory_equal(o->banner, "220 \xe9t\xe9", 8); /* with the escaped NUL */
    done(&g);
}

static void test_masscan_ndjson(void **state)
{
    (void)state;
    struct got g;
    const char *text =
        "{\"ip\":\"203.0.113.9\",\"timestamp\":\"1690000100\",\"port\":3389,\"proto\":\"tcp\","
        "\"rec_type\":\"status\",\"data\":{\"status\":\"open\",\"reason\":\"syn-ack\",\"ttl\":51}}"
        "\n"
        "{\"ip\":\"203.0.113.9\",\"timestamp\":\"1690000101\",\"port\":22,\"proto\":\"tcp\","
        "\"rec_type\":\"banner\",\"data\":{\"service_name\":\"ssh\",\"banner\":\"SSH-2.0-dropbear"
        "\"}}\n"
        "{\"ip\":\"203.0.113.9\",\"timestamp\":\"1690000102\",\"port\":161,\"proto\":\"udp\","
        "\"rec_type\":\"status\",\"data\":{\"status\":\"closed\"}}\n"
        "{\"ip\":\"203.0.113.9\",\"timestamp\":\"1690000103\",\"port\":80,\"proto\":\"tcp\","
        "\"rec_type\":\"banner\",\"data\":{\"service_name\":\"title\",\"banner\":\" Router Login "
        "\"}}\n"
        "{\"ip\":\"203.0.113.9\",\"timestamp\":\"1690000104\",\"port\":53,\"proto\":\"udp\","
        "\"rec_type\":\"status\",\"data\":{\"status\":\"open\"}}\n"
        "{\"ip\":\"203.0.113.9\",\"port\":54,\"rec_type\":\"later\"}\n";
    assert_int_equal(run(text, TK_FMT_AUTO, &g), 0);
    assert_int_equal(g.st.malformed, 0);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.obs[0].port, 3389);
    assert_true(g.obs[0].seen == 1690000100);
    assert_int_equal(g.obs[1].port, 22);
    assert_string_equal(g.obs[1].service, "ssh");
    assert_memory_equal(g.obs[1].banner, "SSH-2.0-dropbear", g.obs[1].banner_len);
    assert_int_equal(g.obs[2].port, 80);
    assert_string_equal(http0(&g.obs[2])->title, "Router Login");
    assert_int_equal(g.obs[3].port, 53);
    assert_string_equal(g.obs[3].transport, "udp");
    done(&g);
}

static void test_masscan_malformed(void **state)
{
    (void)state;
    struct got g;
    const char *text =
        "{\"ip\":\"203.0.113.9\",\"port\":80,\"proto\":\"tcp\",\"rec_type\":\"status\"}\n"
        "{\"port\":80,\"proto\":\"tcp\",\"rec_type\":\"status\"}\n"
        "{\"ip\":\"203.0.113.9\",\"proto\":\"tcp\",\"rec_type\":\"status\"}\n"
        "{\"ip\":\"203.0.113.9\",\"port\":0,\"proto\":\"tcp\",\"rec_type\":\"status\"}\n"
        "{\"ip\":\"203.0.113.9\",\"ports\":[{\"port\":1,\"proto\":\"tcp\"},{\"port\":\"x\"}]}\n"
        "{\"ip\":\"300.0.113.9\",\"ports\":[]}\n"
        "{\"ip\":\"203.0.113.9\",\"ports\":[7]}\n"
        "{\"ip\":\"203.0.113.10\",\"port\":81,\"proto\":\"tcp\",\"rec_type\":\"banner\","
        "\"data\":{\"service_name\":7}}\n";
    assert_int_equal(run(text, TK_FMT_MASSCAN, &g), 0);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.obs[1].port, 81);
    assert_null(g.obs[1].banner);
    assert_int_equal(g.st.malformed, 6);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(g.bad[i].line, i + 2);
    done(&g);
}

static void test_masscan_list(void **state)
{
    (void)state;
    struct got g;
    const char *text = "#masscan\n"
                       "open tcp 445 192.0.2.20 1690000000\n"
                       "closed tcp 446 192.0.2.20 1690000000\n"
                       "banner tcp 80 192.0.2.20 1690000001 http HTTP/1.1 200 OK\\x0d\\x0aServer: "
                       "micro httpd\\x0d\\x0a\\x0d\\x0a\\x3ch1\\x3e\\x5cx\\xff\n"
                       "banner tcp 22 192.0.2.21 1690000002 ssh SSH-2.0-OpenSSH_9.6 \\x22q\\x27\n"
                       "open udp 53 2001:db8::53 1690000003\n"
                       "open tcp 99999 192.0.2.20 1690000000\n"
                       "open tcp 80 192.0.2.999 1690000000\n"
                       "open tcp 80 192.0.2.20\n"
                       "banner tcp 80 192.0.2.20 1690000001\n"
                       "opened tcp 80 192.0.2.20 1690000000\n"
                       "open tcp 80 192.0.2.20 yesterday\n"
                       "# end\n";
    assert_int_equal(run(text, TK_FMT_AUTO, &g), 0);
    assert_int_equal(g.n, 4);
    const struct tk_obs *o = &g.obs[0];
    assert_string_equal(o->format, "masscan-list");
    assert_int_equal(o->port, 445);
    assert_string_equal(o->ip, "192.0.2.20");
    assert_true(o->seen == 1690000000);
    o = &g.obs[1];
    assert_string_equal(o->service, "http");
    const struct tk_obs_http *h = http0(o);
    assert_int_equal(h->status, 200);
    assert_string_equal(tk_obs_header(h, "server"), "micro httpd");
    assert_int_equal(h->body_len, 7);
    assert_memory_equal(h->body, "<h1>\\x\xff", 7);
    o = &g.obs[2];
    assert_memory_equal(o->banner, "SSH-2.0-OpenSSH_9.6 \"q'", o->banner_len);
    assert_int_equal(o->banner_len, strlen("SSH-2.0-OpenSSH_9.6 \"q'"));
    o = &g.obs[3];
    assert_string_equal(o->ip, "2001:db8::53");
    assert_string_equal(o->transport, "udp");
    assert_int_equal(g.st.malformed, 6);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(g.bad[i].line, i + 7);
    done(&g);
}

/* ---- nmap ---------------------------------------------------------------------------- */

static const char nmap_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE nmaprun>\n"
    "<!-- a comment -->\n"
    "<nmaprun scanner=\"nmap\" start=\"1700000000\">\n"
    "<host starttime=\"1700000001\" endtime=\"1700000100\"><status state=\"up\"/>\n"
    "<address addr=\"00:11:22:33:44:55\" addrtype=\"mac\"/>\n"
    "<address addr=\"192.0.2.10\" addrtype=\"ipv4\"/>\n"
    "<hostnames><hostname name=\"vpn.example.jp\" type=\"PTR\"/></hostnames>\n"
    "<ports><extraports state=\"filtered\" count=\"997\"/>\n"
    "<port protocol=\"tcp\" portid=\"22\"><state state=\"closed\"/></port>\n"
    "<port protocol=\"tcp\" portid=\"443\"><state state=\"open\"/><service name=\"http\" "
    "product=\"nginx\" version=\"1.18.0\" extrainfo=\"Ubuntu\" tunnel=\"ssl\">"
    "<cpe>cpe:/a:igor_sysoev:nginx:1.18.0</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service>\n"
    "<script id=\"http-headers\" output=\"&#xa;  HTTP/1.1 302 Found&#xa;  Server: nginx&#xa;"
    "  Location: /remote/login&#xa;  &#xa;  (Request type: GET)&#xa;\"/>\n"
    "<script id=\"http-title\" output=\"Login &amp; more\"><elem key=\"title\">Login &amp; more</"
    "elem>"
    "<elem key=\"redirect_url\">/x</elem></script>\n"
    "<script id=\"ssl-cert\" output=\"Subject: ...\"><table key=\"subject\">\n"
    "<elem key=\"commonName\">vpn.example.jp</elem>\n"
    "<elem key=\"organizationName\">Example K.K.</elem></table>\n"
    "<table key=\"issuer\"><elem key=\"commonName\">Example CA</elem>"
    "<elem key=\"countryName\">JP</elem></table>\n"
    "<table key=\"extensions\"><table><elem key=\"name\">X509v3 Basic Constraints</elem>"
    "<elem key=\"value\">DNS:not.a.san</elem></table>"
    "<table><elem key=\"value\">DNS:vpn.example.jp, IP Address:192.0.2.10</elem>"
    "<elem key=\"name\">X509v3 Subject Alternative Name</elem></table></table>\n"
    "<table key=\"validity\"><elem key=\"notBefore\">2024-01-01T00:00:00</elem>"
    "<elem key=\"notAfter\">2025-01-01T00:00:00+00:00</elem></table>\n"
    "<elem key=\"sha1\">00</elem><elem key=\"sha256\">AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"
    "67:89:"
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89</elem></script>\n"
    "</port>\n"
    "<port protocol=\"tcp\" portid=\"21\"><state state=\"open\"/><service name=\"ftp\"/>"
    "<script id=\"banner\" output=\"220 FTP ready\"/></port>\n"
    "<port protocol=\"sctp\" portid=\"7\"><state state=\"open\"/></port>\n"
    "</ports>\n"
    "<hostscript><script id=\"smb-os-discovery\" output=\"x\"/></hostscript>\n"
    "</host>\n"
    "<host><address addr=\"2001:db8::1\" addrtype=\"ipv6\"/><ports>"
    "<port protocol=\"udp\" portid=\"161\"><state state=\"open\"/><service name=\"snmp\"/></port>"
    "</ports></host>\n"
    "<runstats><finished time=\"1700000200\"/></runstats>\n"
    "</nmaprun>\n";

static void test_nmap_xml(void **state)
{
    (void)state;
    struct got g;
    assert_int_equal(run(nmap_doc, TK_FMT_AUTO, &g), 0);
    assert_int_equal(g.st.malformed, 0);
    assert_int_equal(g.st.records, 2);
    assert_int_equal(g.n, 3);
    const struct tk_obs *o = &g.obs[0];
    assert_string_equal(o->format, "nmap");
    assert_string_equal(o->ip, "192.0.2.10");
    assert_int_equal(o->port, 443);
    assert_string_equal(o->transport, "tcp");
    assert_string_equal(o->input, "t:26"); /* the line of </host> */
    assert_true(o->seen == 1700000100);
    assert_int_equal(o->nhostnames, 1);
    assert_string_equal(o->hostnames[0], "vpn.example.jp");
    assert_string_equal(o->service, "ssl/http");
    assert_string_equal(o->src_product, "nginx");
    assert_string_equal(o->src_version, "1.18.0");
    assert_string_equal(o->src_cpe, "cpe:/a:igor_sysoev:nginx:1.18.0");
    assert_int_equal(o->nhttp, 1);
    const struct tk_obs_http *h = http0(o);
    assert_string_equal(h->path, "/");
    assert_int_equal(h->status, 302);
    assert_int_equal(h->nheaders, 2);
    assert_string_equal(tk_obs_header(h, "server"), "nginx");
    assert_string_equal(tk_obs_header(h, "location"), "/remote/login");
    assert_string_equal(h->title, "Login & more");
    assert_true(o->has_cert);
    assert_string_equal(o->cert.subject, "CN=vpn.example.jp, O=Example K.K.");
    assert_string_equal(o->cert.issuer, "CN=Example CA, C=JP");
    assert_string_equal(o->cert.subject_cn, "vpn.example.jp");
    assert_string_equal(o->cert.subject_o, "Example K.K.");
    assert_string_equal(o->cert.not_before, "2024-01-01T00:00:00Z");
    assert_string_equal(o->cert.not_after, "2025-01-01T00:00:00Z");
    assert_string_equal(o->cert.sha256,
                        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    assert_int_equal(o->cert.nsans, 2);
    assert_string_equal(o->cert.sans[0], "vpn.example.jp");
    assert_string_equal(o->cert.sans[1], "192.0.2.10");
    o = &g.obs[1];
    assert_int_equal(o->port, 21);
    assert_string_equal(o->service, "ftp");
    assert_memory_equal(o->banner, "220 FTP ready", o->banner_len);
    assert_false(o->has_cert);
    o = &g.obs[2];
    assert_string_equal(o->ip, "2001:db8::1");
    assert_int_equal(o->port, 161);
    assert_string_equal(o->transport, "udp");
    assert_true(o->seen == 1700000000); /* no host times: the run's start */
    assert_string_equal(o->input, "t:27");
    done(&g);
}

static void test_nmap_malformed(void **state)
{
    (void)state;
    struct got g;
    /* a host without an address is one bad record; the document goes on */
    const char *doc =
        "<nmaprun>\n"
        "<host><ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/></port></ports>\n"
        "</host>\n"
        "<host><address addr=\"192.0.2.1\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" "
        "portid=\"99999\"><state state=\"open\"/></port></ports></host>\n"
        "<host><address addr=\"192.0.2.2\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" "
        "portid=\"80\"><state state=\"open\"/></port></ports></host>\n"
        "</nmaprun>\n";
    assert_int_equal(run(doc, TK_FMT_NMAP_XML, &g), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.obs[0].ip, "192.0.2.2");
    assert_int_equal(g.st.records, 3);
    assert_int_equal(g.st.malformed, 2);
    assert_int_equal(g.bad[0].line, 3);
    assert_non_null(strstr(g.bad[0].why, "address"));
    assert_int_equal(g.bad[1].line, 4);
    assert_non_null(strstr(g.bad[1].why, "portid"));
    done(&g);

    /* broken XML: what came before is kept, the error names line and column */
    doc = "<nmaprun>\n"
          "<host><address addr=\"192.0.2.3\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" "
          "portid=\"80\"><state state=\"open\"/></port></ports></host>\n"
          "<host><address addr=\"192.0.2.4\"\n"
          "  <oops/></host>\n"
          "</nmaprun>\n";
    assert_int_equal(run(doc, TK_FMT_AUTO, &g), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.obs[0].ip, "192.0.2.3");
    assert_int_equal(g.nbad, 1);
    assert_int_equal(g.bad[0].line, 4);
    assert_non_null(strstr(g.bad[0].why, "t:4:3: not well-formed XML"));
    done(&g);

    /* a billion laughs: refused before any entity is defined */
    doc = "<?xml version=\"1.0\"?>\n"
          "<!DOCTYPE lolz [\n"
          "<!ENTITY lol \"lol\">\n"
          "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
          "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
          "]>\n"
          "<nmaprun><host><address addr=\"192.0.2.5\" addrtype=\"ipv4\"/>&lol3;</host></nmaprun>\n";
    assert_int_equal(run(doc, TK_FMT_NMAP_XML, &g), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(g.nbad, 1);
    assert_non_null(strstr(g.bad[0].why, "refused"));
    done(&g);

    /* an external entity, declared without an internal subset cannot be; a reference to an
     * undeclared one is an error, not a fetch */
    doc = "<!DOCTYPE nmaprun SYSTEM \"file:///etc/passwd\">\n<nmaprun>&xxe;</nmaprun>\n";
    assert_int_equal(run(doc, TK_FMT_NMAP_XML, &g), 0);
    assert_int_equal(g.n, 0);
    done(&g);

    /* nesting without end, and one token without end, are bounded */
    {
        char deep[8192] = "<nmaprun>";
        for (int i = 0; i < 300; i++)
            strcat(deep, "<a>");
        assert_int_equal(run(deep, TK_FMT_NMAP_XML, &g), 0);
        assert_int_equal(g.nbad, 1);
        assert_non_null(strstr(g.bad[0].why, "nested"));
        done(&g);
        size_t big = (size_t)33 << 20;
        char *doc2 = malloc(big + 64);
        assert_non_null(doc2);
        strcpy(doc2, "<nmaprun><host x=\"");
        memset(doc2 + strlen(doc2), 'x', big);
        doc2[big] = 0;
        FILE *fp = fmemopen(doc2, big, "r");
        assert_non_null(fp);
        assert_int_equal(run_fp(fp, "big.xml", TK_FMT_NMAP_XML, &g), 0);
        fclose(fp);
        free(doc2);
        assert_int_equal(g.nbad, 1);
        assert_non_null(strstr(g.bad[0].why, "longer than 32 MiB"));
        done(&g);
    }

    /* not XML at all, and an empty document */
    assert_int_equal(run("{\"ip\":1}", TK_FMT_NMAP_XML, &g), 0);
    assert_int_equal(g.nbad, 1);
    assert_int_equal(g.bad[0].line, 1);
    done(&g);
}

/* The fixture made by a real nmap run (tests/data/surface/README.md). Unit tests run from
 * the build directory (meson test) or the source root (by hand). */
static FILE *open_fixture(const char *rel)
{
    char p[4096];
    const char *roots[] = { getenv("SRCDIR"), "..", ".", "../.." };
    for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
        if (!roots[i])
            continue;
        snprintf(p, sizeof p, "%s/%s", roots[i], rel);
        FILE *fp = fopen(p, "rb");
        if (fp)
            return fp;
    }
    return NULL;
}

static void test_nmap_fixture(void **state)
{
    (void)state;
    FILE *fp = open_fixture("tests/data/surface/nmap-sV.xml");
    assert_non_null(fp); /* run from the source root or the build directory */
    struct got g;
    assert_int_equal(run_fp(fp, "nmap-sV.xml", TK_FMT_AUTO, &g), 0);
    fclose(fp);
    assert_int_equal(g.st.malformed, 0);
    assert_int_equal(g.n, 2);
    const struct tk_obs *web = NULL, *tls = NULL;
    for (size_t i = 0; i < g.n; i++) {
        assert_string_equal(g.obs[i].ip, "127.0.0.1");
        if (strcmp(g.obs[i].service, "http") == 0)
            web = &g.obs[i];
        else if (strcmp(g.obs[i].service, "ssl/http") == 0)
            tls = &g.obs[i];
    }
    assert_non_null(web);
    assert_non_null(tls);
    const char *server = tk_obs_header(http0(web), "server");
    assert_non_null(server);
    assert_true(strncmp(server, "SimpleHTTP/0.6 Python/", 22) == 0);
    assert_non_null(tk_obs_header(http0(web), "last-modified"));
    assert_string_equal(http0(web)->title, "tenken fixture");
    assert_string_equal(web->src_product, "SimpleHTTPServer");
    assert_string_equal(web->src_version, "0.6");
    assert_string_equal(web->src_cpe, "cpe:/a:python:simplehttpserver:0.6");
    assert_true(web->seen > 0);
    assert_true(tls->has_cert);
    assert_string_equal(tls->cert.subject_cn, "fixture.example.test");
    assert_string_equal(tls->cert.subject_o, "Tenken Test");
    assert_string_equal(tls->cert.subject, "CN=fixture.example.test, O=Tenken Test");
    assert_int_equal(tls->cert.nsans, 3);
    assert_string_equal(tls->cert.sans[1], "alt.example.test");
    assert_string_equal(tls->cert.sans[2], "127.0.0.1");
    assert_non_null(tls->cert.not_after);
    assert_true(strncmp(tls->cert.not_after, "2036-", 5) == 0);
    assert_null(tls->cert.sha256); /* nmap 7.93 gives sha1 and md5 only */
    done(&g);
}

static int stop_at_second(void *ud, const struct tk_obs *o)
{
    int *count = ud;
    (void)o;
    return ++*count == 2 ? 7 : 0;
}

/* A non-zero answer from the callback ends the stream and is returned, in every format. */
static void test_stop(void **state)
{
    (void)state;
    const char *docs[] = { shodan_lines, nmap_doc, censys_lines };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        int count = 0;
        struct tk_ingest_opts opts = { .emit = stop_at_second, .ud = &count };
        struct tk_ingest_stats st = { 0 };
        struct tk_err err = { 0 };
        FILE *fp = fmemopen((void *)docs[i], strlen(docs[i]), "r");
        assert_non_null(fp);
        assert_int_equal(tk_ingest_stream(fp, "t", &opts, &st, &err), 7);
        fclose(fp);
        assert_int_equal(count, 2);
    }
}

/* ---- gzip and recognition ------------------------------------------------------------- */

static void test_gzip(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/tk-surface-in-XXXXXX", tmp);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/shodan.json.gz", dir);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, shodan_lines, (unsigned)strlen(shodan_lines)),
                     (int)strlen(shodan_lines));
    assert_int_equal(gzclose(gz), Z_OK);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    struct got g;
    assert_int_equal(run_fp(fp, "shodan.json.gz", TK_FMT_AUTO, &g), 0);
    fclose(fp);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.obs[0].format, "shodan");
    assert_string_equal(g.obs[0].input, "shodan.json.gz:1");
    assert_string_equal(tk_obs_header(http0(&g.obs[0]), "etag"), "\"1a2b-3c\"");
    assert_int_equal(g.obs[0].cert.nsans, 3);
    assert_true(g.st.bytes == strlen(shodan_lines));
    done(&g);

    /* a truncated gzip stream is a read error, not silence */
    size_t n = 0;
    unsigned char buf[8192];
    fp = fopen(path, "rb");
    assert_non_null(fp);
    n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    assert_true(n > 40);
    fp = fmemopen(buf, n - 20, "r");
    assert_non_null(fp);
    assert_int_equal(run_fp(fp, "cut.gz", TK_FMT_AUTO, &g), TK_EIO);
    fclose(fp);
    done(&g);
    unlink(path);
    rmdir(dir);
}

static void test_recognition(void **state)
{
    (void)state;
    struct got g;
    assert_int_equal(run(censys_lines, TK_FMT_AUTO, &g), 0);
    /* the first line is a Censys host; the second, an API answer, has no top-level
     * services and is read as Censys because the stream already is */
    assert_int_equal(g.n, 5);
    assert_string_equal(g.obs[0].format, "censys");
    done(&g);
    assert_int_equal(run("\xEF\xBB\xBF<?xml version=\"1.0\"?><nmaprun/>", TK_FMT_AUTO, &g), 0);
    assert_int_equal(g.nbad, 0);
    done(&g);
    assert_int_equal(run("open tcp 80 192.0.2.1 1\n", TK_FMT_AUTO, &g), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.obs[0].format, "masscan-list");
    done(&g);
}

/* ---- the parallel form ------------------------------------------------------------------ */

/* What one run of the work/write form gave: every byte written, the calls, the bad records
 * (line and reason, in the order reported) and the stats. */
struct wrun {
    pthread_t caller;
    atomic_bool elsewhere; /* work ran in a thread other than the caller's */
    struct tk_buf out, bad;
    size_t writes;
    size_t stop_write;     /* non-zero: this write call answers 9 */
    const char *stop_work; /* an observation input ("t:N") whose work answers 5 */
    int work_rc;           /* ... or this, when non-zero */
    struct tk_ingest_stats st;
    struct tk_err err;
    int rc;
};

static int wr_work(void *ud, const struct tk_obs *o, struct tk_buf *out)
{
    struct wrun *r = ud;           /* read only here, but for the atomic flag */
    assert_int_equal(out->len, 0); /* every call starts empty */
    if (!pthread_equal(pthread_self(), r->caller))
        atomic_store(&r->elsewhere, true);
    if (r->stop_work && strcmp(o->input, r->stop_work) == 0)
        return r->work_rc ? r->work_rc : 5;
    if (o->port == 8080)
        return 0; /* nothing to write for this one: no write call */
    struct tk_json w;
    tk_json_init_buf(&w, out, 0);
    tk_obs_write_json(o, &w, true);
    return tk_buf_addc(out, '\n');
}

static int wr_write(void *ud, const char *p, size_t n)
{
    struct wrun *r = ud;
    assert_true(n > 0);
    assert_true(pthread_equal(pthread_self(), r->caller)); /* writes in the caller's thread */
    if (++r->writes == r->stop_write)
        return 9;
    return tk_buf_add(&r->out, p, n);
}

static void wr_bad(void *ud, const char *input, uint64_t line, const char *why)
{
    struct wrun *r = ud;
    assert_true(pthread_equal(pthread_self(), r->caller));
    tk_buf_addf(&r->bad, "%s:%llu %s\n", input, (unsigned long long)line, why);
}

static void wr_run(const char *text, size_t n, enum tk_obs_format f, unsigned threads,
                   size_t max_line, struct wrun *r)
{
    size_t stop_write = r->stop_write;
    const char *stop_work = r->stop_work;
    int work_rc = r->work_rc;
    memset(r, 0, sizeof *r);
    r->caller = pthread_self();
    atomic_init(&r->elsewhere, false);
    r->stop_write = stop_write;
    r->stop_work = stop_work;
    r->work_rc = work_rc;
    tk_buf_init(&r->out, (size_t)1 << 30);
    tk_buf_init(&r->bad, (size_t)1 << 30);
    FILE *fp = fmemopen((void *)text, n, "r");
    assert_non_null(fp);
    struct tk_ingest_opts opts = { .format = f,
                                   .work = wr_work,
                                   .write = wr_write,
                                   .threads = threads,
                                   .bad = wr_bad,
                                   .ud = r,
                                   .max_line = max_line };
    r->rc = tk_ingest_stream(fp, "t", &opts, &r->st, &r->err);
    fclose(fp);
}

static void wr_release(struct wrun *r)
{
    tk_buf_release(&r->out);
    tk_buf_release(&r->bad);
}

/* The same bytes, calls, reports, stats and answer as one thread gave (but the bytes read:
 * a stream stopped early may have been read further ahead). */
static void wr_same(const struct wrun *a, const struct wrun *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->out.len, b->out.len);
    if (a->out.len)
        assert_memory_equal(a->out.ptr, b->out.ptr, a->out.len);
    assert_string_equal(tk_buf_cstr(&a->bad), tk_buf_cstr(&b->bad));
    assert_int_equal(a->writes, b->writes);
    assert_true(a->st.records == b->st.records);
    assert_true(a->st.observations == b->st.observations);
    assert_true(a->st.malformed == b->st.malformed);
    assert_true(a->st.bytes == b->st.bytes || (a->rc > 0 && b->rc > 0));
    assert_string_equal(a->err.msg, b->err.msg);
}

/* A zgrab2 scan of n lines mixing records of one and two services with malformed JSON,
 * records the reader refuses, blank lines, one line past the longest accepted (1.2 MB;
 * max_line 8192) and a last line without its newline. */
static void mixed_scan(struct tk_buf *b, size_t n)
{
    for (size_t i = 1; i <= n; i++) {
        if (i % 11 == 3) {
            tk_buf_addf(b, "{\"ip\":\"10.0.%zu.%zu\",\"data\":\n", i / 256 % 256, i % 256);
        } else if (i % 13 == 5) {
            tk_buf_adds(b, "{\"ip\":\"not an address\",\"data\":{}}\n");
        } else if (i % 17 == 7) {
            tk_buf_adds(b, "   \n");
        } else if (i % 23 == 9) {
            tk_buf_adds(b, "{\"ip\":\"192.0.2.1\",\"data\":[]}\n");
        } else if (i == n / 2) {
            tk_buf_addf(b, "{\"ip\":\"192.0.2.2\",\"data\":{\"http\":{\"port\":80,\"status\":"
                           "\"success\",\"result\":{\"response\":{\"body\":\"");
            for (int k = 0; k < 120000; k++) /* past the reader's 1 MiB buffer */
                tk_buf_adds(b, "0123456789");
            tk_buf_adds(b, "\"}}}}}\n");
        } else {
            /* one service, or two on other ports; every 7th on 8080 (work writes nothing) */
            unsigned port = i % 7 == 0 ? 8080 : 443;
            tk_buf_addf(b,
                        "{\"ip\":\"10.%zu.%zu.%zu\",\"data\":{\"http\":{\"status\":\"success\","
                        "\"port\":%u,\"result\":{\"response\":{\"status_code\":200,"
                        "\"headers\":{\"server\":[\"srv%zu\"],\"unknown\":[{\"key\":\"etag\","
                        "\"value\":[\"\\\"%zx\\\"\"]}]},\"body\":\"\\u003ctitle\\u003epage "
                        "%zu\\u003c/title\\u003e\",\"request\":{\"url\":{\"path\":\"/p%zu\"}}}},"
                        "\"timestamp\":\"2026-01-02T03:04:05Z\"}",
                        i / 65536 % 256, i / 256 % 256, i % 256, port, i % 5, i, i, i);
            if (i % 19 == 2)
                tk_buf_adds(b, ",\"ssh\":{\"status\":\"success\",\"port\":22,\"result\":"
                               "{\"server_id\":{\"raw\":\"SSH-2.0-OpenSSH_9.2p1\"}}}");
            tk_buf_adds(b, i == n ? "}}" : "}}\n");
        }
    }
}

static void test_parallel_same_as_serial(void **state)
{
    (void)state;
    struct tk_buf text = TK_BUF_INIT((size_t)256 << 20);
    mixed_scan(&text, 12000); /* about 4 MB: several batches */
    struct wrun one = { .stop_write = 0 }, many = { .stop_write = 0 };
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 1, 8192, &one);
    assert_int_equal(one.rc, 0);
    assert_true(one.st.records > 10000 && one.st.malformed > 1500);
    assert_true(one.st.observations > one.st.records - one.st.malformed); /* two-port records */
    assert_non_null(strstr(tk_buf_cstr(&one.bad), "t:6000 the line is longer"));
    assert_non_null(strstr(tk_buf_cstr(&one.bad), "t:3 invalid JSON at column"));
    /* the output is in input order */
    unsigned long long last = 0;
    for (const char *p = strstr(one.out.ptr, "\"input\":\"t:"); p;
         p = strstr(p + 1, "\"input\":\"t:")) {
        unsigned long long l = strtoull(p + 11, NULL, 10);
        assert_true(l >= last);
        last = l;
    }
    assert_int_equal(last, 12000);
    for (unsigned threads = 2; threads <= 8; threads *= 2) {
        wr_run(text.ptr, text.len, TK_FMT_AUTO, threads, 8192, &many);
        wr_same(&one, &many);
        assert_true(atomic_load(&many.elsewhere));
        wr_release(&many);
    }
    /* the format named, and a 3-thread run with a first record that is no JSON at all */
    wr_run(text.ptr, text.len, TK_FMT_ZGRAB2, 3, 8192, &many);
    wr_same(&one, &many);
    wr_release(&many);
    wr_release(&one);
    tk_buf_release(&text);
}

/* A write or a work that says stop ends the stream where one thread would have. */
static void test_parallel_stops_in_order(void **state)
{
    (void)state;
    struct tk_buf text = TK_BUF_INIT((size_t)256 << 20);
    mixed_scan(&text, 12000);
    struct wrun one = { .stop_write = 4321 }, many = { .stop_write = 4321 };
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 1, 8192, &one);
    assert_int_equal(one.rc, 9);
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 4, 8192, &many);
    wr_same(&one, &many);
    wr_release(&one);
    wr_release(&many);
    one = (struct wrun){ .stop_work = "t:9003" };
    many = (struct wrun){ .stop_work = "t:9003" };
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 1, 8192, &one);
    assert_int_equal(one.rc, 5);
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 2, 8192, &many);
    wr_same(&one, &many);
    wr_release(&one);
    wr_release(&many);
    /* out of memory in work ends the stream too: it is not a record too large to skip */
    one = (struct wrun){ .stop_work = "t:9003", .work_rc = TK_ENOMEM };
    many = (struct wrun){ .stop_work = "t:9003", .work_rc = TK_ENOMEM };
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 1, 8192, &one);
    assert_int_equal(one.rc, TK_ENOMEM);
    assert_true(one.st.records < 9100);
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 2, 8192, &many);
    assert_int_equal(many.rc, TK_ENOMEM);
    wr_release(&one);
    wr_release(&many);
    tk_buf_release(&text);
}

/* Other line formats in parallel; tenken JSONL (merging lines) and gzip streams. */
static void test_parallel_formats(void **state)
{
    (void)state;
    struct tk_buf text = TK_BUF_INIT((size_t)64 << 20);
    struct wrun one = { .stop_write = 0 }, many = { .stop_write = 0 };
    /* masscan -oL */
    tk_buf_adds(&text, "#masscan\n");
    for (int i = 0; i < 12000; i++)
        tk_buf_addf(&text, i % 9 == 4 ? "open tcp x 192.0.2.%d 1\n" : "open tcp 80 10.1.%d.%d %d\n",
                    i / 256 % 256, i % 256, 1700000000 + i);
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 1, 0, &one);
    assert_true(one.st.observations > 10000 && one.st.malformed > 1000);
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 3, 0, &many);
    wr_same(&one, &many);
    wr_release(&one);
    wr_release(&many);
    /* tenken JSONL: consecutive lines of one ip:port merge, whatever the threads */
    tk_buf_reset(&text);
    for (int i = 0; i < 6000; i++)
        tk_buf_addf(&text,
                    "{\"ip\":\"10.2.%d.%d\",\"url\":\"https://10.2.%d.%d/p%d\",\"status\":200}\n",
                    i / 3 / 256 % 256, i / 3 % 256, i / 3 / 256 % 256, i / 3 % 256, i % 3);
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 1, 0, &one);
    assert_int_equal(one.st.observations, 2000);
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 4, 0, &many);
    wr_same(&one, &many);
    wr_release(&one);
    wr_release(&many);
    /* gzip, whole and cut short */
    tk_buf_reset(&text);
    mixed_scan(&text, 8000);
    struct wrun plain = { .stop_write = 0 };
    wr_run(text.ptr, text.len, TK_FMT_AUTO, 1, 8192, &plain);
    uLongf zn = compressBound((uLong)text.len) + 64;
    unsigned char *z = malloc(zn);
    assert_non_null(z);
    z_stream zs = { 0 };
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (unsigned char *)text.ptr;
    zs.avail_in = (uInt)text.len;
    zs.next_out = z;
    zs.avail_out = (uInt)zn;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    zn = zs.total_out;
    deflateEnd(&zs);
    wr_run((const char *)z, zn, TK_FMT_AUTO, 2, 8192, &many);
    wr_same(&plain, &many);
    wr_release(&many);
    wr_run((const char *)z, zn * 2 / 3, TK_FMT_AUTO, 1, 8192, &one);
    assert_int_equal(one.rc, TK_EIO);
    assert_true(one.st.records > 1000 && one.st.records < plain.st.records);
    wr_run((const char *)z, zn * 2 / 3, TK_FMT_AUTO, 4, 8192, &many);
    wr_same(&one, &many);
    wr_release(&one);
    wr_release(&many);
    wr_release(&plain);
    free(z);
    tk_buf_release(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shodan),
        cmocka_unit_test(test_shodan_malformed),
        cmocka_unit_test(test_censys),
        cmocka_unit_test(test_censys_malformed),
        cmocka_unit_test(test_masscan_json),
        cmocka_unit_test(test_masscan_ndjson),
        cmocka_unit_test(test_masscan_malformed),
        cmocka_unit_test(test_masscan_list),
        cmocka_unit_test(test_nmap_xml),
        cmocka_unit_test(test_nmap_malformed),
        cmocka_unit_test(test_nmap_fixture),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_recognition),
        cmocka_unit_test(test_parallel_same_as_serial),
        cmocka_unit_test(test_parallel_stops_in_order),
        cmocka_unit_test(test_parallel_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
