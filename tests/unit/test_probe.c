/* test_probe.c - the parts of `surface probe` that need no network (surface/probe.h): target
 * and port parsing, the lazily expanded target list with @FILE, the scheme choice, the
 * User-Agent, the token bucket, certificate reading, the JSONL line (read back through the
 * tenken input format) and the choice of paths after "/". The engine itself is exercised
 * against loopback servers in tests/cli/surface_probe.bats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/json.h"
#include "surface/ingest.h"
#include "surface/probe.h"
#include "tk_config.h"

static void spec_ok(const char *text, bool is_name, const char *addr, unsigned plen, unsigned port,
                    enum tk_probe_scheme scheme, uint64_t count)
{
    struct tk_probe_spec s;
    struct tk_err err = { 0 };
    int rc = tk_probe_spec_parse(tk_str_c(text), &s, &err);
    if (rc)
        fail_msg("%s: %s", text, err.msg);
    assert_int_equal(s.is_name, is_name);
    if (is_name) {
        assert_string_equal(s.host, addr);
    } else {
        char buf[TK_IP_STRLEN];
        tk_ip_format(&s.ip, buf);
        assert_string_equal(buf, addr);
        assert_int_equal(s.plen, plen);
    }
    assert_int_equal(s.port, port);
    assert_int_equal(s.scheme, scheme);
    assert_int_equal(tk_probe_spec_count(&s), count);
}

static void spec_bad(const char *text, const char *why)
{
    struct tk_probe_spec s;
    struct tk_err err = { 0 };
    assert_int_equal(tk_probe_spec_parse(tk_str_c(text), &s, &err), TK_EINVAL);
    if (!strstr(err.msg, why))
        fail_msg("%s: expected \"%s\" in \"%s\"", text, why, err.msg);
}

static void targets_parse(void **state)
{
    (void)state;
    spec_ok("192.0.2.1", false, "192.0.2.1", 32, 0, TK_PROBE_AUTO, 1);
    spec_ok(" 192.0.2.1:8443 ", false, "192.0.2.1", 32, 8443, TK_PROBE_AUTO, 1);
    spec_ok("2001:db8::1", false, "2001:db8::1", 128, 0, TK_PROBE_AUTO, 1);
    spec_ok("::1", false, "::1", 128, 0, TK_PROBE_AUTO, 1);
    spec_ok("[2001:db8::1]:10443", false, "2001:db8::1", 128, 10443, TK_PROBE_AUTO, 1);
    spec_ok("[::ffff:192.0.2.9]", false, "192.0.2.9", 32, 0, TK_PROBE_AUTO, 1);
    spec_ok("192.0.2.77/24", false, "192.0.2.0", 24, 0, TK_PROBE_AUTO, 256);
    spec_ok("10.0.0.0/16", false, "10.0.0.0", 16, 0, TK_PROBE_AUTO, 65536);
    spec_ok("2001:db8::/112", false, "2001:db8::", 112, 0, TK_PROBE_AUTO, 65536);
    spec_ok("2001:db8::5/127", false, "2001:db8::4", 127, 0, TK_PROBE_AUTO, 2);
    spec_ok("vpn.example.jp", true, "vpn.example.jp", 0, 0, TK_PROBE_AUTO, 1);
    spec_ok("localhost:8443", true, "localhost", 0, 8443, TK_PROBE_AUTO, 1);
    spec_ok("https://vpn.example.jp/remote/login", true, "vpn.example.jp", 0, 443, TK_PROBE_HTTPS,
            1);
    spec_ok("HTTP://192.0.2.5:8080", false, "192.0.2.5", 32, 8080, TK_PROBE_HTTP, 1);
    spec_ok("http://192.0.2.5", false, "192.0.2.5", 32, 80, TK_PROBE_HTTP, 1);
    spec_ok("https://[2001:db8::2]:4443/?x#y", false, "2001:db8::2", 128, 4443, TK_PROBE_HTTPS, 1);

    spec_bad("", "empty");
    spec_bad("10.0.0.0/8", "more than 65536 addresses (at most /16)");
    spec_bad("2001:db8::/64", "at most /112");
    spec_bad("192.0.2.0/33", "prefix length");
    spec_bad("not an address", "printable ASCII");
    spec_bad("例え.jp", "printable ASCII");
    spec_bad("10.0.0.256", "not an IP address");
    spec_bad("1234", "not an IP address");
    spec_bad("-bad.example.jp", "not an IP address");
    spec_bad("a..b", "not an IP address");
    spec_bad("host:0", "port");
    spec_bad("host:65536", "port");
    spec_bad("host:https", "port");
    spec_bad("2001:db8::1:2:3:4:5:6:7", "write [ADDRESS]:PORT");
    spec_bad("[2001:db8::1", "without ']'");
    spec_bad("[192.0.2.1]:80", "IPv6");
    spec_bad("[::1]x", "after ']'");
    spec_bad("https://admin:secret@192.0.2.1/", "no credentials");
    spec_bad("ftp://192.0.2.1/", "only http:// and https://");
    spec_bad("https:///x", "names no host");
    spec_bad("https://[::1]:99999/", "port");
}

static void ports_parse(void **state)
{
    (void)state;
    unsigned p[4];
    size_t n;
    struct tk_err err = { 0 };
    assert_int_equal(tk_probe_ports_parse("443, 8443,443,10443", p, 4, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(p[0], 443);
    assert_int_equal(p[1], 8443);
    assert_int_equal(p[2], 10443);
    assert_int_equal(tk_probe_ports_parse("443,0", p, 4, &n, &err), TK_EINVAL);
    assert_non_null(strstr(err.msg, "'0'"));
    assert_int_equal(tk_probe_ports_parse("443,", p, 4, &n, &err), TK_EINVAL);
    assert_int_equal(tk_probe_ports_parse("", p, 4, &n, &err), TK_EINVAL);
    assert_int_equal(tk_probe_ports_parse("1,2,3,4,5", p, 4, &n, &err), TK_EINVAL);
    assert_non_null(strstr(err.msg, "more than 4"));
}

static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/tk-probe-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void target_list(void **state)
{
    (void)state;
    char *file = temp_file("# devices\n\n  192.0.2.9:8443  # one port\r\n[2001:db8::1]\n"
                           "https://vpn.example.jp\n198.51.100.0/31 # two\n");
    char at[64];
    snprintf(at, sizeof at, "@%s", file);
    char one[] = "192.0.2.1";
    char *args[] = { one, at };
    unsigned ports[] = { 443, 10443 };
    struct tk_probe_targets *t;
    struct tk_err err = { 0 };
    assert_int_equal(tk_probe_targets_new(&t, args, 2, ports, 2, &err), 0);
    /* 2 + 1 + 2 + 1 + 2*2 */
    assert_int_equal(tk_probe_targets_total(t), 10);
    const char *want[][3] = {
        { "192.0.2.1", "192.0.2.1", "443" },         { "192.0.2.1", "192.0.2.1", "10443" },
        { "192.0.2.9", "192.0.2.9", "8443" },        { "[2001:db8::1]", "2001:db8::1", "443" },
        { "[2001:db8::1]", "2001:db8::1", "10443" }, { "vpn.example.jp", "", "443" },
        { "198.51.100.0", "198.51.100.0", "443" },   { "198.51.100.0", "198.51.100.0", "10443" },
        { "198.51.100.1", "198.51.100.1", "443" },   { "198.51.100.1", "198.51.100.1", "10443" },
    };
    struct tk_probe_target x;
    for (size_t i = 0; i < 10; i++) {
        assert_true(tk_probe_targets_next(t, &x));
        assert_string_equal(x.host, want[i][0]);
        assert_string_equal(x.ip, want[i][1]);
        assert_int_equal(x.port, (unsigned)atoi(want[i][2]));
        assert_int_equal(x.scheme, i == 5 ? TK_PROBE_HTTPS : TK_PROBE_AUTO);
    }
    assert_false(tk_probe_targets_next(t, &x));
    tk_probe_targets_free(t);
    unlink(file);
    free(file);

    /* a bad line is named by file and line, before anything is probed */
    file = temp_file("192.0.2.1\n# fine so far\nvpn.example.jp:99999\n");
    snprintf(at, sizeof at, "@%s", file);
    char *bad[] = { at };
    assert_int_equal(tk_probe_targets_new(&t, bad, 1, ports, 1, &err), TK_EINVAL);
    assert_null(t);
    char want_msg[128];
    snprintf(want_msg, sizeof want_msg, "%s:3: 'vpn.example.jp:99999': ", file);
    assert_non_null(strstr(err.msg, want_msg));
    unlink(file);
    free(file);

    char nofile[] = "@/nonexistent/targets.txt", block[] = "10.0.0.0/15";
    char *missing[] = { nofile };
    assert_int_equal(tk_probe_targets_new(&t, missing, 1, ports, 1, &err), TK_ENOENT);
    assert_non_null(strstr(err.msg, "/nonexistent/targets.txt: cannot open"));
    char *big[] = { one, block };
    assert_int_equal(tk_probe_targets_new(&t, big, 2, ports, 1, &err), TK_EINVAL);
    assert_non_null(strstr(err.msg, "'10.0.0.0/15': a block of more than 65536"));
    file = temp_file("# nothing but comments\n\n");
    snprintf(at, sizeof at, "@%s", file);
    char *empty[] = { at };
    assert_int_equal(tk_probe_targets_new(&t, empty, 1, ports, 1, &err), TK_EINVAL);
    unlink(file);
    free(file);
}

static void schemes(void **state)
{
    (void)state;
    enum tk_probe_scheme s[2];
    struct tk_probe_target t = { .port = 443 };
    assert_int_equal(tk_probe_schemes(&t, s), 1);
    assert_int_equal(s[0], TK_PROBE_HTTPS);
    t.port = 8080;
    assert_int_equal(tk_probe_schemes(&t, s), 2);
    assert_int_equal(s[0], TK_PROBE_HTTPS);
    assert_int_equal(s[1], TK_PROBE_HTTP);
    t.port = 80;
    assert_int_equal(tk_probe_schemes(&t, s), 2);
    t.scheme = TK_PROBE_HTTP;
    assert_int_equal(tk_probe_schemes(&t, s), 1);
    assert_int_equal(s[0], TK_PROBE_HTTP);
    t = (struct tk_probe_target){ .port = 8080, .scheme = TK_PROBE_HTTPS };
    assert_int_equal(tk_probe_schemes(&t, s), 1);
    assert_int_equal(s[0], TK_PROBE_HTTPS);
}

static void user_agent(void **state)
{
    (void)state;
    struct tk_buf b = TK_BUF_INIT(1024);
    struct tk_err err = { 0 };
    assert_int_equal(tk_probe_user_agent(&b, NULL, &err), 0);
    assert_string_equal(tk_buf_cstr(&b), "tenken/" TK_VERSION " (passive survey)");
    tk_buf_reset(&b);
    assert_int_equal(tk_probe_user_agent(&b, "https://cert.example.jp/scan", &err), 0);
    assert_string_equal(tk_buf_cstr(&b),
                        "tenken/" TK_VERSION " (passive survey; +https://cert.example.jp/scan)");
    tk_buf_reset(&b);
    assert_int_equal(tk_probe_user_agent(&b, "a\r\nX-Injected: 1", &err), TK_EINVAL);
    assert_non_null(strstr(err.msg, "character 2"));
    assert_int_equal(tk_probe_user_agent(&b, "ünicode", &err), TK_EINVAL);
    char longer[300];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(tk_probe_user_agent(&b, longer, &err), TK_EINVAL);
    tk_buf_release(&b);
}

static void bucket(void **state)
{
    (void)state;
    struct tk_probe_bucket b;
    tk_probe_bucket_init(&b, 5, 100.0);
    assert_true(tk_probe_bucket_take(&b, 100.0));
    assert_false(tk_probe_bucket_take(&b, 100.1));
    assert_true(tk_probe_bucket_wait(&b, 100.1) > 0.09 && tk_probe_bucket_wait(&b, 100.1) < 0.11);
    assert_true(tk_probe_bucket_take(&b, 100.2));
    /* a long pause saves up one token only: no burst after it */
    assert_true(tk_probe_bucket_take(&b, 200.0));
    assert_false(tk_probe_bucket_take(&b, 200.0));
    /* 10 requests at rate 5 take 1.8 s */
    tk_probe_bucket_init(&b, 5, 0);
    int sent = 0;
    for (double t = 0; t < 1.79; t += 0.01)
        sent += tk_probe_bucket_take(&b, t);
    assert_int_equal(sent, 9);
    /* fast rates save up a tenth of a second */
    tk_probe_bucket_init(&b, 100, 0);
    for (int i = 0; i < 10; i++)
        assert_true(tk_probe_bucket_take(&b, 0));
    assert_false(tk_probe_bucket_take(&b, 0));
    assert_true(tk_probe_bucket_take(&b, 0.011));
}

/* self-signed; C=JP, O=Example Devices, CN=vpn.example.jp; SANs vpn.example.jp,
 * alt.example.jp, 192.0.2.7, 2001:db8::7 (made for this test with the openssl CLI) */
static const char pem[] = "-----BEGIN CERTIFICATE-----\n"
                          "MIICGTCCAcCgAwIBAgIUdLBNB+BxJd7+EefjyazKcQ0DNYowCgYIKoZIzj0EAwIw\n"
                          "QDELMAkGA1UEBhMCSlAxGDAWBgNVBAoMD0V4YW1wbGUgRGV2aWNlczEXMBUGA1UE\n"
                          "AwwOdnBuLmV4YW1wbGUuanAwHhcNMjYxMTIyMTM1ODAzWhcNMzYxMTE5MTM1ODAz\n"
                          "WjBAMQswCQYDVQQGEwJKUDEYMBYGA1UECgwPRXhhbXBsZSBEZXZpY2VzMRcwFQYD\n"
                          "VQQDDA52cG4uZXhhbXBsZS5qcDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGsC\n"
                          "oGaz54i4s+0xmtfzSsV2m21rsWPHpHZpwIpJrdLqrZdRN7ApP5fNxH6ZiK9YmpEu\n"
                          "P8fALzRIjXZXCa4z4VqjgZcwgZQwHQYDVR0OBBYEFHSCzD7OrtUY5EobJn+xYAtD\n"
                          "VJ4RMB8GA1UdIwQYMBaAFHSCzD7OrtUY5EobJn+xYAtDVJ4RMA8GA1UdEwEB/wQF\n"
                          "MAMBAf8wQQYDVR0RBDowOIIOdnBuLmV4YW1wbGUuanCCDmFsdC5leGFtcGxlLmpw\n"
                          "hwTAAAIHhxAgAQ24AAAAAAAAAAAAAAAHMAoGCCqGSM49BAMCA0cAMEQCIDRmMHzx\n"
                          "ausLatmMr/SXjLZpVU6+zQhcjI4JxCUW12fUAiA/NnOYyX/iusHUJyUE0Pr0x4/t\n"
                          "abSl3n0qsfsfdEPaCA==\n"
                          "-----END CERTIFICATE-----\n";

static void cert(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_probe_cert c;
    struct tk_err err = { 0 };
    assert_int_equal(tk_probe_cert_parse(pem, sizeof pem - 1, &a, &c, &err), 0);
    assert_string_equal(c.subject, "C=JP, O=Example Devices, CN=vpn.example.jp");
    assert_string_equal(c.issuer, c.subject);
    assert_int_equal(c.nsans, 4);
    assert_string_equal(c.sans[0], "vpn.example.jp");
    assert_string_equal(c.sans[1], "alt.example.jp");
    assert_string_equal(c.sans[2], "192.0.2.7");
    assert_string_equal(c.sans[3], "2001:db8::7");
    assert_string_equal(c.not_before, "2026-11-22T13:58:03Z");
    assert_string_equal(c.not_after, "2036-11-19T13:58:03Z");
    assert_string_equal(c.sha256,
                        "3a1fbba4ea018a268afabbbb42ea9394d15798534f4c980414626b029a203556");
    assert_int_equal(tk_probe_cert_parse("-----BEGIN CERTIFICATE-----\nAAAA\n", 33, &a, &c, &err),
                     TK_EPARSE);
    assert_int_equal(tk_probe_cert_parse("", 0, &a, &c, &err), TK_EPARSE);
    tk_arena_release(&a);
}

static int on_obs(void *ud, const struct tk_obs *o)
{
    const struct tk_obs_http *h = tk_obs_http_at(o, "/remote/login");
    assert_non_null(h);
    assert_int_equal(h->status, 200);
    assert_string_equal(tk_obs_header(h, "set-cookie"), "SVPNCOOKIE=; path=/");
    assert_int_equal(h->body_len, 4);
    assert_memory_equal(h->body, "\xff\x00\x01\x02", 4);
    const struct tk_obs_http *root = tk_obs_http_at(o, "/");
    assert_non_null(root);
    assert_int_equal(root->body_len, 9);
    assert_true(o->has_cert);
    assert_string_equal(o->cert.subject_cn, "vpn.example.jp");
    assert_int_equal(o->cert.nsans, 4);
    assert_int_equal(o->seen, 1700000000);
    (*(int *)ud)++;
    return 0;
}

static void line(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_probe_cert c;
    assert_int_equal(tk_probe_cert_parse(pem, sizeof pem - 1, &a, &c, NULL), 0);
    struct tk_kv kv[] = {
        { "Set-Cookie", "SVPNCOOKIE=; path=/" },
        { "Server", "xxxxxxxx-xxxxx" },
        { "set-cookie", "SVPNNETWORKCOOKIE=; path=/remote/network" },
    };
    struct tk_probe_response r = {
        .ip = "192.0.2.7",
        .port = 10443,
        .url = "https://192.0.2.7:10443/remote/login",
        .status = 200,
        .headers = kv,
        .nheaders = 3,
        .body = (const unsigned char *)"\xff\x00\x01\x02",
        .body_len = 4,
        .truncated = true,
        .seen = 1700000000,
    };
    struct tk_buf b = TK_BUF_INIT(1 << 20);
    struct tk_json w;
    tk_json_init_buf(&w, &b, 0);
    tk_probe_response_write(&r, &w);
    assert_int_equal(tk_json_finish(&w), 0);
    json_error_t je;
    json_t *j = json_loads(tk_buf_cstr(&b), 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "seen")), "2023-11-14T22:13:20Z");
    assert_int_equal(json_integer_value(json_object_get(j, "port")), 10443);
    json_t *h = json_object_get(j, "headers");
    assert_int_equal(json_object_size(h), 2);
    assert_int_equal(json_array_size(json_object_get(h, "Set-Cookie")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "body_b64")), "/wABAg==");
    assert_null(json_object_get(j, "body"));
    assert_true(json_is_true(json_object_get(j, "truncated")));
    assert_null(json_object_get(j, "tls"));
    json_decref(j);

    /* the first line of a target carries the certificate; text bodies stay text */
    struct tk_buf all = TK_BUF_INIT(1 << 20);
    struct tk_probe_response root = {
        .ip = "192.0.2.7",
        .port = 10443,
        .url = "https://192.0.2.7:10443/",
        .status = 302,
        .body = (const unsigned char *)"<p>é</p>",
        .body_len = 9,
        .cert = &c,
        .seen = 1700000000,
    };
    tk_json_init_buf(&w, &all, 0);
    tk_probe_response_write(&root, &w);
    assert_int_equal(tk_json_finish(&w), 0);
    tk_buf_addc(&all, '\n');
    j = json_loads(tk_buf_cstr(&all), 0, &je);
    assert_string_equal(json_string_value(json_object_get(j, "body")), "<p>é</p>");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "tls"), "sha256")),
                        "3a1fbba4ea018a268afabbbb42ea9394d15798534f4c980414626b029a203556");
    json_decref(j);
    tk_buf_add(&all, b.ptr, b.len);
    tk_buf_addc(&all, '\n');

    /* read back as tenken JSONL: one observation with both responses and the certificate */
    FILE *fp = fmemopen(all.ptr, all.len, "r");
    int seen = 0;
    struct tk_ingest_opts io = { .format = TK_FMT_TENKEN, .emit = on_obs, .ud = &seen };
    struct tk_ingest_stats st = { 0 };
    struct tk_err err = { 0 };
    assert_int_equal(tk_ingest_stream(fp, "probe.jsonl", &io, &st, &err), 0);
    fclose(fp);
    assert_int_equal(seen, 1);
    assert_int_equal(st.malformed, 0);

    /* a certificate without an HTTP answer */
    struct tk_probe_response only = { .ip = "192.0.2.7", .port = 443, .cert = &c, .seen = 1 };
    tk_buf_reset(&b);
    tk_json_init_buf(&w, &b, 0);
    tk_probe_response_write(&only, &w);
    assert_int_equal(tk_json_finish(&w), 0);
    j = json_loads(tk_buf_cstr(&b), 0, &je);
    assert_null(json_object_get(j, "url"));
    assert_null(json_object_get(j, "headers"));
    assert_non_null(json_object_get(j, "tls"));
    json_decref(j);
    tk_buf_release(&b);
    tk_buf_release(&all);
    tk_arena_release(&a);
}

static const char fp_a[] = "fingerprint: alpha\nvendor: A\nname: Alpha\nkind: vpn\n"
                           "fetch: /\nfetch: /alpha/login\nfetch: /shared.css\n"
                           "detect: 100 header server = alpha\n";
static const char fp_b[] = "fingerprint: beta\nvendor: B\nname: Beta\nkind: vpn\n"
                           "fetch: /shared.css\nfetch: /beta/index.html\n"
                           "detect: 60 header server ~ /alpha|beta/\n"
                           "detect: 60 header x-beta\n";
static const char fp_c[] = "fingerprint: gamma\nvendor: C\nname: Gamma\nkind: vpn\n"
                           "fetch: /gamma\ndetect: 100 header server = gamma\n";

static size_t plan_for(const struct tk_fpdb *db, const char *server, const char *xbeta,
                       const char **paths)
{
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_obs o;
    tk_obs_init(&o, &a);
    assert_true(tk_obs_set_ip(&o, tk_str_c("192.0.2.1")));
    o.port = 443;
    struct tk_obs_http *h = tk_obs_http_add(&o, TK_STR_LIT("/"));
    h->status = 200;
    tk_obs_header_add(&o, h, TK_STR_LIT("Server"), tk_str_c(server));
    if (xbeta)
        tk_obs_header_add(&o, h, TK_STR_LIT("X-Beta"), tk_str_c(xbeta));
    tk_obs_body_set(&o, h, "<html></html>", 13);
    tk_obs_finish(&o);
    size_t n = tk_probe_plan(db, &o, paths, TK_PROBE_MAX_PATHS - 1);
    tk_arena_release(&a);
    return n;
}

static void plan(void **state)
{
    (void)state;
    const char *names[] = { "alpha.txt", "beta.txt", "gamma.txt" };
    const char *texts[] = { fp_a, fp_b, fp_c };
    size_t lens[] = { sizeof fp_a - 1, sizeof fp_b - 1, sizeof fp_c - 1 };
    struct tk_fpdb *db;
    struct tk_err err = { 0 };
    if (tk_fpdb_load_texts(&db, names, texts, lens, 3, &err))
        fail_msg("%s", err.msg);
    const char *paths[TK_PROBE_MAX_PATHS];
    /* alpha identified: its paths, without "/", other hosts or blanks */
    assert_int_equal(plan_for(db, "alpha", NULL, paths), 2);
    assert_string_equal(paths[0], "/alpha/login");
    assert_string_equal(paths[1], "/shared.css");
    /* beta (the better score) and alpha: the shared path once */
    assert_int_equal(plan_for(db, "alpha", "1", paths), 3);
    assert_string_equal(paths[0], "/shared.css");
    assert_string_equal(paths[1], "/beta/index.html");
    assert_string_equal(paths[2], "/alpha/login");
    /* a signal below the threshold is not enough */
    assert_int_equal(plan_for(db, "beta", NULL, paths), 0);
    /* nothing known: nothing more is asked */
    assert_int_equal(plan_for(db, "nginx", NULL, paths), 0);
    assert_int_equal(tk_probe_plan(NULL, NULL, paths, 4), 0);
    tk_fpdb_free(db);
    /* other hosts, blanks and dot segments never get as far as a plan: the file is refused */
    static const char *const bad[] = { "//elsewhere.example/x", "/with space", "/a/../b",
                                       "/x/%2e%2E/y", "/a\\..\\b", "/#frag" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[256];
        int k = snprintf(text, sizeof text, "fingerprint: bad\nvendor: X\nname: X\nfetch: %s\n"
                         "detect: 100 header server = x\n", bad[i]);
        const char *one[] = { text };
        size_t len[] = { (size_t)k };
        const char *name[] = { "bad.txt" };
        struct tk_fpdb *d = NULL;
        assert_int_equal(tk_fpdb_load_texts(&d, name, one, len, 1, &err), TK_EPARSE);
        assert_non_null(strstr(err.msg, "bad.txt:4: fetch"));
        assert_null(d);
    }
}

/* Every allocation that fails is cleaned up after (the sanitizer build finds the leaks). */
static void out_of_memory(void **state)
{
    (void)state;
    char *file = temp_file("192.0.2.0/30\nvpn.example.jp:8443\n");
    char at[64], one[] = "192.0.2.1";
    snprintf(at, sizeof at, "@%s", file);
    char *args[] = { one, at };
    unsigned ports[] = { 443 };
    bool succeeded = false;
    for (long n = 0; n < 40 && !succeeded; n++) {
        struct tk_probe_targets *t = NULL;
        struct tk_err err = { 0 };
        tk_alloc_fail_after(n);
        int rc = tk_probe_targets_new(&t, args, 2, ports, 1, &err);
        tk_alloc_fail_after(-1);
        if (rc) {
            assert_int_equal(rc, TK_ENOMEM);
            assert_null(t);
            continue;
        }
        succeeded = true;
        assert_int_equal(tk_probe_targets_total(t), 6);
        tk_probe_targets_free(t);
    }
    assert_true(succeeded);
    unlink(file);
    free(file);
    succeeded = false;
    for (long n = 0; n < 40 && !succeeded; n++) {
        struct tk_arena a;
        tk_arena_init(&a, 1 << 20);
        struct tk_probe_cert c;
        tk_alloc_fail_after(n);
        int rc = tk_probe_cert_parse(pem, sizeof pem - 1, &a, &c, NULL);
        tk_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == TK_ENOMEM);
        succeeded = rc == 0;
        tk_arena_release(&a);
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(targets_parse), cmocka_unit_test(ports_parse),
        cmocka_unit_test(target_list),   cmocka_unit_test(schemes),
        cmocka_unit_test(user_agent),    cmocka_unit_test(bucket),
        cmocka_unit_test(cert),          cmocka_unit_test(line),
        cmocka_unit_test(plan),          cmocka_unit_test(out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
