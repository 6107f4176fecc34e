/* test_addr.c - IP addresses: strict parsing, RFC 5952 canonical text and round trips, and
 * the classification of every class in the prefix table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/addr.h"

static struct tk_ip ip_of(const char *text)
{
    struct tk_ip ip;
    if (!tk_ip_parse(tk_str_c(text), &ip))
        fail_msg("cannot parse \"%s\"", text);
    return ip;
}

static void test_parse_v4_bytes(void **state)
{
    (void)state;
    struct tk_ip ip = ip_of("192.168.2.1");
    assert_int_equal(ip.family, 4);
    static const unsigned char want[4] = { 192, 168, 2, 1 };
    assert_memory_equal(ip.b, want, 4);
}

static void test_parse_v6_bytes(void **state)
{
    (void)state;
    struct tk_ip ip = ip_of("2001:db8::1");
    assert_int_equal(ip.family, 6);
    static const unsigned char want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                            0,    0,    0,    0,    0, 0, 0, 1 };
    assert_memory_equal(ip.b, want, 16);

    ip = ip_of("::ffff:1.2.3.4");
    static const unsigned char mapped[16] = { 0, 0, 0, 0,    0,    0, 0, 0,
                                              0, 0, 0xff, 0xff, 1, 2, 3, 4 };
    assert_memory_equal(ip.b, mapped, 16);
}

static void test_round_trips(void **state)
{
    (void)state;
    static const struct {
        const char *in, *canon;
    } cases[] = {
        { "0.0.0.0", "0.0.0.0" },
        { "1.2.3.4", "1.2.3.4" },
        { "10.0.0.1", "10.0.0.1" },
        { "255.255.255.255", "255.255.255.255" },
        { "2001:db8::1", "2001:db8::1" },
        { "::", "::" },
        { "::1", "::1" },
        { "1::", "1::" },
        { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
        { "::ffff:1.2.3.4", "::ffff:1.2.3.4" },
        { "::ffff:102:304", "::ffff:1.2.3.4" },
        { "0:0:0:0:0:0:0:0", "::" },
        { "0:0:0:0:0:0:0:1", "::1" },
        { "1:0:0:0:0:0:0:0", "1::" },
        { "2001:DB8::ABCD", "2001:db8::abcd" },
        { "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
        { "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" }, /* one zero word stays */
        { "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0" },
        { "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8" },
        { "1:0:0:2:0:0:0:3", "1:0:0:2::3" },                 /* the longest run */
        { "0:0:1:0:0:0:0:0", "0:0:1::" },
        { "1:0:0:1:0:0:1:0", "1::1:0:0:1:0" },               /* first of equal runs */
        { "fe80::1:2", "fe80::1:2" },
        { "ff02::1", "ff02::1" },
        { "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304" },
        { "::1.2.3.4", "::102:304" },
        { "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
          "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
        { "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tk_ip ip, again;
        char out[TK_IP_STRLEN], out2[TK_IP_STRLEN];
        if (!tk_ip_parse(tk_str_c(cases[i].in), &ip))
            fail_msg("rejected \"%s\"", cases[i].in);
        tk_ip_format(&ip, out);
        if (strcmp(out, cases[i].canon) != 0)
            fail_msg("\"%s\" formatted as \"%s\", want \"%s\"", cases[i].in, out,
                     cases[i].canon);
        /* The canonical text parses back to the same address and formats identically. */
        if (!tk_ip_parse(tk_str_c(out), &again))
            fail_msg("canonical \"%s\" rejected", out);
        assert_int_equal(again.family, ip.family);
        assert_memory_equal(again.b, ip.b, 16);
        tk_ip_format(&again, out2);
        assert_string_equal(out, out2);
    }
}

static void test_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "01.2.3.4",
        "1.02.3.4",
        "1.2.3.04",
        "00.1.2.3",
        "0.0.0.00",
        "256.1.1.1",
        "1.2.3.256",
        "999.1.1.1",
        "1.2.3.25555555555",
        "1.2.3",
        "1.2.3.4.5",
        "1.2.3.",
        ".1.2.3",
        "1..2.3",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2.3.-4",
        "1.2.3.4/24",
        "0x1.2.3.4",
        "4294967295",
        "1:2:3:4:5:6:7:8:9",
        ":::",
        "1::2::3",
        "::1::",
        "1:",
        "1:2:3:4:5:6:7:",
        "1:2:3:4:5:6:7:8:",
        ":1::",
        ":1:2:3:4:5:6:7:8",
        "12345::",
        "g::",
        "1:2:3:4:5:6:7",
        "1::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8",
        "fe80::1%eth0",
        "[::1]",
        "::ffff:1.2.3",
        "::ffff:01.2.3.4",
        "::ffff:1.2.3.4.5",
        "1:2:3:4:5:6:7:1.2.3.4",
        "1.2.3.4::",
        "::1.2.3.4:5",
        "::1.2.3.4.",
        "2001:db8::1 ",
        "2001:db8:::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555", /* 46 characters */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tk_ip ip = { .family = 99 };
        if (tk_ip_parse(tk_str_c(bad[i]), &ip))
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(ip.family, 99); /* out untouched on failure */
    }
    /* The parser reads only the slice, never the bytes after it. */
    struct tk_ip ip;
    assert_true(tk_ip_parse((struct tk_str){ "10.0.0.1:8080", 8 }, &ip));
    assert_int_equal(ip.family, 4);
}

struct class_case {
    const char *addr, *cls;
};

static const struct class_case class_cases[] = {
    { "8.8.8.8", "public" },
    { "1.1.1.1", "public" },
    { "11.0.0.1", "public" },
    { "9.255.255.255", "public" },
    { "10.0.0.0", "private" },
    { "10.255.255.255", "private" },
    { "172.16.0.1", "private" },
    { "172.31.255.255", "private" },
    { "172.15.255.255", "public" },
    { "172.32.0.0", "public" },
    { "192.168.0.1", "private" },
    { "192.169.0.1", "public" },
    { "100.64.0.1", "cgnat" },
    { "100.127.255.255", "cgnat" },
    { "100.63.255.255", "public" },
    { "100.128.0.0", "public" },
    { "127.0.0.1", "loopback" },
    { "127.255.255.254", "loopback" },
    { "169.254.10.20", "link-local" },
    { "169.253.255.255", "public" },
    { "192.0.2.1", "documentation" },
    { "198.51.100.7", "documentation" },
    { "203.0.113.9", "documentation" },
    { "198.18.0.1", "benchmark" },
    { "198.19.255.255", "benchmark" },
    { "198.17.255.255", "public" },
    { "198.20.0.0", "public" },
    { "224.0.0.1", "multicast" },
    { "239.255.255.255", "multicast" },
    { "255.255.255.255", "broadcast" },
    { "0.0.0.0", "unspecified" },
    { "0.1.2.3", "reserved" },
    { "192.0.0.8", "reserved" },
    { "240.0.0.1", "reserved" },
    { "255.255.255.254", "reserved" },
    { "::", "unspecified" },
    { "::1", "loopback" },
    { "fe80::1", "link-local" },
    { "febf:ffff::1", "link-local" },
    { "fec0::1", "site-local" },
    { "fc00::1", "ula" },
    { "fd12:3456:789a::1", "ula" },
    { "ff02::1", "multicast" },
    { "ff05::1:3", "multicast" },
    { "2001:db8::1", "documentation" },
    { "2001:db8:ffff::1", "documentation" },
    { "2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo" },
    { "2002:c000:204::1", "6to4" },
    { "64:ff9b::8.8.8.8", "nat64" },
    { "2a00:1450:4001::200e", "global-v6" },
    { "2606:4700::1111", "global-v6" },
    { "2001:4860:4860::8888", "global-v6" },
    { "4000::1", "reserved" },
    { "::2", "reserved" },
    { "::ffff:10.0.0.1", "private" },
    { "::ffff:192.168.1.1", "private" },
    { "::ffff:8.8.8.8", "public" },
    { "::ffff:127.0.0.1", "loopback" },
    { "::ffff:100.64.0.1", "cgnat" },
};

static void test_classes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof class_cases / sizeof class_cases[0]; i++) {
        struct tk_ip ip = ip_of(class_cases[i].addr);
        const char *cls = tk_ip_class(&ip);
        if (!cls || strcmp(cls, class_cases[i].cls) != 0)
            fail_msg("%s classified \"%s\", want \"%s\"", class_cases[i].addr,
                     cls ? cls : "(null)", class_cases[i].cls);
    }
}

/* Regression: the IPv6 benchmarking (2001:2::/48, RFC 5180) and documentation (3fff::/20,
 * RFC 9637) ranges classify like their IPv4 counterparts, not as global addresses. */
static void test_v6_benchmark_and_documentation(void **state)
{
    (void)state;
    struct tk_ip ip = ip_of("2001:2::1");
    assert_string_equal(tk_ip_class(&ip), "benchmark");
    ip = ip_of("2001:2:0:ffff::1");
    assert_string_equal(tk_ip_class(&ip), "benchmark");
    ip = ip_of("2001:3::1"); /* AMT, next to it, is global */
    assert_string_equal(tk_ip_class(&ip), "global-v6");
    ip = ip_of("3fff::1");
    assert_string_equal(tk_ip_class(&ip), "documentation");
    ip = ip_of("3fff:fff:ffff::1");
    assert_string_equal(tk_ip_class(&ip), "documentation");
    ip = ip_of("3fff:1000::1"); /* just past the /20 */
    assert_string_equal(tk_ip_class(&ip), "global-v6");
}

static void test_class_is_global(void **state)
{
    (void)state;
    assert_true(tk_ip_class_is_global("public"));
    assert_true(tk_ip_class_is_global("global-v6"));
    assert_true(tk_ip_class_is_global("6to4"));
    assert_true(tk_ip_class_is_global("teredo"));
    static const char *const local[] = { "private",     "cgnat",         "loopback", "link-local",
                                         "ula",         "multicast",     "broadcast",
                                         "unspecified", "documentation", "benchmark",
                                         "site-local",  "nat64",         "reserved" };
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        if (tk_ip_class_is_global(local[i]))
            fail_msg("%s counted as global", local[i]);
    assert_false(tk_ip_class_is_global(NULL));
    assert_false(tk_ip_class_is_global(""));
    assert_false(tk_ip_class_is_global("Public"));

    /* Every class the classifier returns for a v4-mapped private address is local. */
    struct tk_ip ip = ip_of("::ffff:10.1.2.3");
    assert_false(tk_ip_class_is_global(tk_ip_class(&ip)));
}

static void test_in_prefix(void **state)
{
    (void)state;
    struct tk_ip a = ip_of("172.20.1.2"), net = ip_of("172.16.0.0");
    assert_true(tk_ip_in_prefix(&a, &net, 12));
    assert_false(tk_ip_in_prefix(&a, &net, 14));
    assert_true(tk_ip_in_prefix(&a, &net, 0));
    assert_false(tk_ip_in_prefix(&a, &net, 33));
    struct tk_ip host = ip_of("172.20.1.2");
    assert_true(tk_ip_in_prefix(&a, &host, 32));

    struct tk_ip v6 = ip_of("2001:db8:1::5"), net6 = ip_of("2001:db8::");
    assert_true(tk_ip_in_prefix(&v6, &net6, 32));
    assert_true(tk_ip_in_prefix(&v6, &net6, 47));
    assert_false(tk_ip_in_prefix(&v6, &net6, 48));
    assert_false(tk_ip_in_prefix(&v6, &net6, 129));
    assert_true(tk_ip_in_prefix(&v6, &v6, 128));

    /* Families never match each other. */
    struct tk_ip zero4 = ip_of("0.0.0.0"), zero6 = ip_of("::");
    assert_false(tk_ip_in_prefix(&zero4, &zero6, 0));
    assert_false(tk_ip_in_prefix(&zero6, &zero4, 0));
}

static void test_is_unspecified(void **state)
{
    (void)state;
    struct tk_ip a = ip_of("0.0.0.0"), b = ip_of("::"), c = ip_of("0.0.0.1"), d = ip_of("::1");
    assert_true(tk_ip_is_unspecified(&a));
    assert_true(tk_ip_is_unspecified(&b));
    assert_false(tk_ip_is_unspecified(&c));
    assert_false(tk_ip_is_unspecified(&d));
    /* IPv4 looks only at its four bytes. */
    a.b[10] = 0xff;
    assert_true(tk_ip_is_unspecified(&a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_v4_bytes),
        cmocka_unit_test(test_parse_v6_bytes),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_v6_benchmark_and_documentation),
        cmocka_unit_test(test_class_is_global),
        cmocka_unit_test(test_in_prefix),
        cmocka_unit_test(test_is_unspecified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
