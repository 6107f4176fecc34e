/* test_procnet.c - /proc/net/{tcp,tcp6,udp}, route and ipv6_route line parsers and the
 * rtnetlink link/address payload parsers, including truncated and garbage input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "collect/procnet.h"
#include "core/err.h"

static void expect_ip(const struct tk_ip *ip, const char *want)
{
    char out[TK_IP_STRLEN];
    tk_ip_format(ip, out);
    assert_string_equal(out, want);
}

/* ---- sockets ------------------------------------------------------------------------ */

static void test_sock_tcp4_listen(void **state)
{
    (void)state;
    struct tk_procnet_sock s;
    const char *line = "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 "
                       "00000000     0        0 12345 1 0000000000000000 100 0 0 10 0";
    assert_int_equal(tk_procnet_parse_sock(tk_str_c(line), 4, &s), 0);
    assert_int_equal(s.local.family, 4);
    expect_ip(&s.local, "127.0.0.1");
    assert_int_equal(s.lport, 631);
    expect_ip(&s.remote, "0.0.0.0");
    assert_int_equal(s.rport, 0);
    assert_int_equal(s.state, TK_TCP_LISTEN);
    assert_int_equal(s.uid, 0);
    assert_int_equal(s.inode, 12345);
}

static void test_sock_tcp4_established(void **state)
{
    (void)state;
    struct tk_procnet_sock s;
    /* 192.168.2.10:22 <- 10.0.0.5:51234, uid 1000. */
    const char *line = "   3: 0A02A8C0:0016 0500000A:C822 01 00000000:00000000 02:000AF6C2 "
                       "00000000  1000        0 987654 4 0000000000000000 20 4 31 10 -1";
    assert_int_equal(tk_procnet_parse_sock(tk_str_c(line), 4, &s), 0);
    expect_ip(&s.local, "192.168.2.10");
    assert_int_equal(s.lport, 22);
    expect_ip(&s.remote, "10.0.0.5");
    assert_int_equal(s.rport, 51234);
    assert_int_equal(s.state, 0x01);
    assert_int_equal(s.uid, 1000);
    assert_int_equal(s.inode, 987654);
}

static void test_sock_udp4(void **state)
{
    (void)state;
    struct tk_procnet_sock s;
    const char *line = "  123: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 "
                       "00000000 4294967294        0 15555 2 0000000000000000 0";
    assert_int_equal(tk_procnet_parse_sock(tk_str_c(line), 4, &s), 0);
    expect_ip(&s.local, "0.0.0.0");
    assert_int_equal(s.lport, 68);
    assert_int_equal(s.state, TK_TCP_CLOSE);
    assert_int_equal(s.uid, 4294967294LL);
    assert_int_equal(s.inode, 15555);
}

static void test_sock_tcp6(void **state)
{
    (void)state;
    struct tk_procnet_sock s;
    const char *lo = "   1: 00000000000000000000000001000000:0277 "
                     "00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 "
                     "00000000     0        0 23456 1 0000000000000000 100 0 0 10 0";
    assert_int_equal(tk_procnet_parse_sock(tk_str_c(lo), 6, &s), 0);
    assert_int_equal(s.local.family, 6);
    expect_ip(&s.local, "::1");
    assert_int_equal(s.lport, 631);
    expect_ip(&s.remote, "::");
    assert_int_equal(s.state, TK_TCP_LISTEN);
    assert_int_equal(s.inode, 23456);

    const char *any = "   0: 00000000000000000000000000000000:0016 "
                      "00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 "
                      "00000000     0        0 34567 1 0000000000000000 100 0 0 10 0";
    assert_int_equal(tk_procnet_parse_sock(tk_str_c(any), 6, &s), 0);
    expect_ip(&s.local, "::");
    assert_true(tk_ip_is_unspecified(&s.local));
    assert_int_equal(s.lport, 22);
    assert_int_equal(s.inode, 34567);

    /* 2001:db8::5 port 443 and a v4-mapped peer ::ffff:192.168.2.1, uid 33. */
    const char *est = "   7: B80D0120000000000000000005000000:01BB "
                      "0000000000000000FFFF00000102A8C0:D431 01 00000000:00000000 00:00000000 "
                      "00000000    33        0 777 1 0000000000000000 20 4 30 10 -1";
    assert_int_equal(tk_procnet_parse_sock(tk_str_c(est), 6, &s), 0);
    expect_ip(&s.local, "2001:db8::5");
    assert_int_equal(s.lport, 443);
    expect_ip(&s.remote, "::ffff:192.168.2.1");
    assert_int_equal(s.rport, 0xD431);
    assert_int_equal(s.uid, 33);
}

static void test_sock_rejects(void **state)
{
    (void)state;
    struct tk_procnet_sock s;
    static const char *const bad4[] = {
        ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
         "timeout inode"),
        "",
        "   ",
        /* truncated after uid */
        "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0",
        /* truncated in the middle of the remote address */
        "   0: 0100007F:0277 0000",
        "   0: 0100007F:0277",
        /* short address, long address, short port, long port, bad hex */
        "   0: 0100007:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
        "   0: 0100007F0:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
        "   0: 0100007F:277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
        "   0: 0100007F:10000 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
        "   0: 0100007G:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
        "   0: 0100007F-0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
        /* state out of range, uid or inode not decimal, slot without colon */
        "   0: 0100007F:0277 00000000:0000 1FF 00000000:00000000 00:00000000 00000000 0 0 1 1",
        "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 -1 0 1 1",
        "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 x1 1",
        "   0 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
    };
    for (size_t i = 0; i < sizeof bad4 / sizeof bad4[0]; i++)
        if (tk_procnet_parse_sock(tk_str_c(bad4[i]), 4, &s) != TK_EPARSE)
            fail_msg("accepted: \"%s\"", bad4[i]);

    /* A tcp line parsed as tcp6 (and the reverse) is refused: the address widths differ. */
    const char *v4 = "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 "
                     "00000000     0        0 12345 1 0000000000000000 100 0 0 10 0";
    assert_int_equal(tk_procnet_parse_sock(tk_str_c(v4), 6, &s), TK_EPARSE);
    const char *v6 = "   1: 00000000000000000000000001000000:0277 "
                     "00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 "
                     "00000000     0        0 23456 1 0000000000000000 100 0 0 10 0";
    assert_int_equal(tk_procnet_parse_sock(tk_str_c(v6), 4, &s), TK_EPARSE);
    const char *hdr6 = "  sl  local_address                         remote_address                "
                       "        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    assert_int_equal(tk_procnet_parse_sock(tk_str_c(hdr6), 6, &s), TK_EPARSE);

    /* Every prefix of a good line is either refused or parsed, never read past its end. */
    size_t n = strlen(v6);
    for (size_t k = 0; k < n; k++) {
        char *copy = malloc(k ? k : 1);
        memcpy(copy, v6, k);
        int rc = tk_procnet_parse_sock((struct tk_str){ copy, k }, 6, &s);
        assert_true(rc == 0 || rc == TK_EPARSE);
        free(copy);
    }
}

/* ---- routes ------------------------------------------------------------------------- */

static void test_route4(void **state)
{
    (void)state;
    struct tk_procnet_route r;
    assert_int_equal(tk_procnet_parse_route4(
                         tk_str_c("eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0"),
                         &r),
                     0);
    assert_true(tk_str_eq_c(r.iface, "eth0"));
    expect_ip(&r.dst, "0.0.0.0");
    expect_ip(&r.gateway, "192.168.2.1");
    assert_int_equal(r.plen, 0);
    assert_int_equal(r.flags, TK_RTF_UP | TK_RTF_GATEWAY);
    assert_int_equal(r.metric, 100);

    assert_int_equal(tk_procnet_parse_route4(
                         tk_str_c("wlp2s0\t0002A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0"),
                         &r),
                     0);
    assert_true(tk_str_eq_c(r.iface, "wlp2s0"));
    expect_ip(&r.dst, "192.168.2.0");
    expect_ip(&r.gateway, "0.0.0.0");
    assert_int_equal(r.plen, 24);
    assert_int_equal(r.flags, TK_RTF_UP);
    assert_int_equal(r.metric, 600);

    assert_int_equal(tk_procnet_parse_route4(
                         tk_str_c("docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0"),
                         &r),
                     0);
    expect_ip(&r.dst, "172.17.0.0");
    assert_int_equal(r.plen, 16);

    assert_int_equal(tk_procnet_parse_route4(
                         tk_str_c("lo\t0100007F\t00000000\t0205\t0\t0\t0\tFFFFFFFF\t0\t0\t0"), &r),
                     0);
    assert_int_equal(r.plen, 32);
    assert_true(r.flags & TK_RTF_REJECT);
}

static void test_route4_rejects(void **state)
{
    (void)state;
    struct tk_procnet_route r;
    static const char *const bad[] = {
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
        "",
        "eth0\t00000000\t0102A8C0",
        "eth0\t00000000\t0102A8C0\t0003\t0\t0\t100",
        "eth0\t0000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0",
        "eth0\t00000000\t0102A8C00\t0003\t0\t0\t100\t00000000\t0\t0\t0",
        "eth0\t00000000\t0102A8CZ\t0003\t0\t0\t100\t00000000\t0\t0\t0",
        "eth0\t00000000\t0102A8C0\t0003\t0\t0\t-1\t00000000\t0\t0\t0",
        "eth0\t00000000\t0102A8C0\t0003\t0\t0\t4294967296\t00000000\t0\t0\t0",
        "eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t000000\t0\t0\t0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (tk_procnet_parse_route4(tk_str_c(bad[i]), &r) != TK_EPARSE)
            fail_msg("accepted: \"%s\"", bad[i]);
}

static void test_route6(void **state)
{
    (void)state;
    struct tk_procnet_route r;
    const char *def = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
                      "fe800000000000000000000000000001 00000400 00000001 00000000 00000003 "
                      "    eth0";
    assert_int_equal(tk_procnet_parse_route6(tk_str_c(def), &r), 0);
    assert_int_equal(r.dst.family, 6);
    expect_ip(&r.dst, "::");
    assert_int_equal(r.plen, 0);
    expect_ip(&r.gateway, "fe80::1");
    assert_int_equal(r.metric, 1024);
    assert_int_equal(r.flags, TK_RTF_UP | TK_RTF_GATEWAY);
    assert_true(tk_str_eq_c(r.iface, "eth0"));

    const char *lo = "00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
                     "00000000000000000000000000000000 00000000 00000002 00000000 80200001 "
                     "      lo";
    assert_int_equal(tk_procnet_parse_route6(tk_str_c(lo), &r), 0);
    expect_ip(&r.dst, "::1");
    assert_int_equal(r.plen, 128);
    expect_ip(&r.gateway, "::");
    assert_int_equal(r.flags, 0x80200001u);
    assert_true(tk_str_eq_c(r.iface, "lo"));

    const char *ula = "fd001234000000000000000000000000 40 00000000000000000000000000000000 00 "
                      "00000000000000000000000000000000 00000100 00000001 00000000 00000001 "
                      "  enp1s0";
    assert_int_equal(tk_procnet_parse_route6(tk_str_c(ula), &r), 0);
    expect_ip(&r.dst, "fd00:1234::");
    assert_int_equal(r.plen, 64);
    assert_int_equal(r.metric, 256);
    assert_true(tk_str_eq_c(r.iface, "enp1s0"));
}

static void test_route6_rejects(void **state)
{
    (void)state;
    struct tk_procnet_route r;
    static const char *const bad[] = {
        "",
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00",
        /* prefix length 129 */
        "00000000000000000000000000000000 81 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000000 00000001 00000000 00000001 eth0",
        /* destination one digit short */
        "0000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000000 00000001 00000000 00000001 eth0",
        /* bad hex in the next hop */
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fe80000000000000000000000000000g 00000000 00000001 00000000 00000001 eth0",
        /* metric does not fit 32 bits */
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 100000000 00000001 00000000 00000001 eth0",
        /* interface missing */
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000000 00000001 00000000 00000001",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (tk_procnet_parse_route6(tk_str_c(bad[i]), &r) != TK_EPARSE)
            fail_msg("accepted: \"%s\"", bad[i]);
}

/* ---- rtnetlink ---------------------------------------------------------------------- */

struct msg {
    unsigned char b[512];
    size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
    assert_true(m->n + n <= sizeof m->b);
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

static void put_attr(struct msg *m, unsigned short type, const void *data, size_t len)
{
    struct rtattr a = { .rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type };
    put(m, &a, sizeof a);
    put(m, data, len);
    static const unsigned char pad[4];
    put(m, pad, RTA_ALIGN(len) - len);
}

/* A heap copy of exactly len bytes, so that ASan catches any read past the payload. */
static void *exact(const struct msg *m, size_t len)
{
    void *p = malloc(len ? len : 1);
    assert_non_null(p);
    memcpy(p, m->b, len);
    return p;
}

static void link_msg(struct msg *m)
{
    memset(m, 0, sizeof *m);
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_type = ARPHRD_ETHER, .ifi_index = 2,
                             .ifi_flags = IFF_UP | IFF_RUNNING };
    put(m, &ifi, sizeof ifi);
}

static void test_nl_link(void **state)
{
    (void)state;
    struct msg m;
    link_msg(&m);
    put_attr(&m, IFLA_IFNAME, "eth0", 5);
    uint32_t mtu = 1500;
    put_attr(&m, IFLA_MTU, &mtu, 4);
    static const unsigned char mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    put_attr(&m, IFLA_ADDRESS, mac, 6);
    unsigned char oper = IF_OPER_UP;
    put_attr(&m, IFLA_OPERSTATE, &oper, 1);
    uint32_t other = 7;
    put_attr(&m, IFLA_TXQLEN, &other, 4); /* ignored */

    void *p = exact(&m, m.n);
    struct tk_nl_link l;
    assert_int_equal(tk_nl_parse_link(p, m.n, &l), 0);
    assert_int_equal(l.index, 2);
    assert_int_equal(l.flags, IFF_UP | IFF_RUNNING);
    assert_int_equal(l.type, ARPHRD_ETHER);
    assert_true(tk_str_eq_c(l.name, "eth0"));
    assert_int_equal(l.mtu, 1500);
    assert_int_equal(l.maclen, 6);
    assert_memory_equal(l.mac, mac, 6);
    assert_int_equal(l.operstate, IF_OPER_UP);
    free(p);
}

static void test_nl_link_optional_attrs(void **state)
{
    (void)state;
    struct msg m;
    link_msg(&m);
    /* A name without its NUL, and no MTU, address or operstate. */
    put_attr(&m, IFLA_IFNAME, "wlan0", 5);
    void *p = exact(&m, m.n);
    struct tk_nl_link l;
    assert_int_equal(tk_nl_parse_link(p, m.n, &l), 0);
    assert_true(tk_str_eq_c(l.name, "wlan0"));
    assert_int_equal(l.mtu, -1);
    assert_int_equal(l.operstate, -1);
    assert_int_equal(l.maclen, 0);
    free(p);

    /* Out-of-range and short values are ignored, oversized addresses too. */
    link_msg(&m);
    put_attr(&m, IFLA_IFNAME, "x", 2);
    uint32_t huge = 0x80000000u;
    put_attr(&m, IFLA_MTU, &huge, 4);
    unsigned char long_addr[40];
    memset(long_addr, 0xEE, sizeof long_addr);
    put_attr(&m, IFLA_ADDRESS, long_addr, sizeof long_addr);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_link(p, m.n, &l), 0);
    assert_int_equal(l.mtu, -1);
    assert_int_equal(l.maclen, 0);
    free(p);

    link_msg(&m);
    put_attr(&m, IFLA_IFNAME, "y", 2);
    put_attr(&m, IFLA_MTU, "\x05\xdc", 2);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_link(p, m.n, &l), 0);
    assert_int_equal(l.mtu, -1);
    free(p);
}

static void test_nl_link_rejects(void **state)
{
    (void)state;
    struct msg m;
    struct tk_nl_link l;

    /* No name. */
    link_msg(&m);
    uint32_t mtu = 1500;
    put_attr(&m, IFLA_MTU, &mtu, 4);
    void *p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_link(p, m.n, &l), TK_EPARSE);
    free(p);

    /* An empty name. */
    link_msg(&m);
    put_attr(&m, IFLA_IFNAME, "", 1);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_link(p, m.n, &l), TK_EPARSE);
    free(p);

    /* Shorter than the fixed header. */
    link_msg(&m);
    for (size_t len = 0; len < sizeof(struct ifinfomsg); len++) {
        p = exact(&m, len);
        assert_int_equal(tk_nl_parse_link(p, len, &l), TK_EPARSE);
        free(p);
    }
}

static void test_nl_link_truncated_and_garbage(void **state)
{
    (void)state;
    struct msg m;
    struct tk_nl_link l;
    link_msg(&m);
    put_attr(&m, IFLA_IFNAME, "eth0", 5);
    uint32_t mtu = 9000;
    put_attr(&m, IFLA_MTU, &mtu, 4);

    /* Every truncation of a good message: no crash, no read past the end. */
    for (size_t len = 0; len <= m.n; len++) {
        void *p = exact(&m, len);
        int rc = tk_nl_parse_link(p, len, &l);
        assert_true(rc == 0 || rc == TK_EPARSE);
        if (len == m.n) {
            assert_int_equal(rc, 0);
            assert_int_equal(l.mtu, 9000);
        }
        free(p);
    }

    /* An attribute whose length claims more than is there stops the walk. */
    link_msg(&m);
    put_attr(&m, IFLA_IFNAME, "eth0", 5);
    struct rtattr liar = { .rta_len = 200, .rta_type = IFLA_MTU };
    put(&m, &liar, sizeof liar);
    put(&m, &mtu, 4);
    void *p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_link(p, m.n, &l), 0);
    assert_int_equal(l.mtu, -1);
    free(p);

    /* A zero-length attribute must not loop forever, and what follows it is ignored. */
    link_msg(&m);
    put_attr(&m, IFLA_IFNAME, "eth0", 5);
    struct rtattr zero = { .rta_len = 0, .rta_type = IFLA_MTU };
    put(&m, &zero, sizeof zero);
    put_attr(&m, IFLA_MTU, &mtu, 4);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_link(p, m.n, &l), 0);
    assert_int_equal(l.mtu, -1);
    free(p);

    /* rta_len of 3 (less than the header) is refused the same way. */
    link_msg(&m);
    struct rtattr three = { .rta_len = 3, .rta_type = IFLA_IFNAME };
    put(&m, &three, sizeof three);
    put(&m, "eth0", 5);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_link(p, m.n, &l), TK_EPARSE);
    free(p);

    /* Pseudo-random attribute soup after a valid header. */
    unsigned seed = 12345;
    for (int iter = 0; iter < 2000; iter++) {
        link_msg(&m);
        size_t extra = (size_t)(seed % 200);
        for (size_t i = 0; i < extra; i++) {
            seed = seed * 1103515245u + 12345u;
            m.b[m.n++] = (unsigned char)(seed >> 16);
        }
        /* Keep some attribute lengths plausible so the walk goes deep. */
        if (extra >= 4) {
            struct rtattr a = { .rta_len = (unsigned short)(4 + seed % (extra - 3)),
                                .rta_type = (unsigned short)(seed % 64) };
            memcpy(m.b + sizeof(struct ifinfomsg), &a, sizeof a);
        }
        p = exact(&m, m.n);
        int rc = tk_nl_parse_link(p, m.n, &l);
        assert_true(rc == 0 || rc == TK_EPARSE);
        if (rc == 0)
            assert_true(l.name.n > 0 && l.name.p >= (const char *)p &&
                        l.name.p + l.name.n <= (const char *)p + m.n);
        assert_true(l.maclen <= sizeof l.mac);
        free(p);
    }
}

static void addr_msg(struct msg *m, unsigned char family, unsigned char plen, unsigned char scope,
                     int index)
{
    memset(m, 0, sizeof *m);
    struct ifaddrmsg ifa = { .ifa_family = family, .ifa_prefixlen = plen,
                             .ifa_flags = IFA_F_PERMANENT, .ifa_scope = scope,
                             .ifa_index = (unsigned)index };
    put(m, &ifa, sizeof ifa);
}

static void test_nl_addr_v4(void **state)
{
    (void)state;
    struct msg m;
    struct tk_nl_addr a;
    addr_msg(&m, AF_INET, 24, RT_SCOPE_UNIVERSE, 2);
    static const unsigned char ip[4] = { 192, 168, 2, 10 };
    put_attr(&m, IFA_ADDRESS, ip, 4);
    put_attr(&m, IFA_LOCAL, ip, 4);
    put_attr(&m, IFA_LABEL, "eth0", 5);
    void *p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), 0);
    assert_int_equal(a.index, 2);
    assert_int_equal(a.family, 4);
    assert_int_equal(a.plen, 24);
    assert_int_equal(a.scope, RT_SCOPE_UNIVERSE);
    assert_int_equal(a.flags, IFA_F_PERMANENT);
    assert_true(a.have_addr);
    expect_ip(&a.addr, "192.168.2.10");
    free(p);

    /* Point-to-point: IFA_LOCAL is our end, IFA_ADDRESS the peer; the local one is kept,
     * whatever the attribute order. */
    addr_msg(&m, AF_INET, 32, RT_SCOPE_UNIVERSE, 5);
    static const unsigned char local[4] = { 10, 8, 0, 1 }, peer[4] = { 10, 8, 0, 2 };
    put_attr(&m, IFA_LOCAL, local, 4);
    put_attr(&m, IFA_ADDRESS, peer, 4);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), 0);
    expect_ip(&a.addr, "10.8.0.1");
    free(p);

    /* Only IFA_ADDRESS. */
    addr_msg(&m, AF_INET, 8, RT_SCOPE_HOST, 1);
    static const unsigned char lo[4] = { 127, 0, 0, 1 };
    put_attr(&m, IFA_ADDRESS, lo, 4);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), 0);
    expect_ip(&a.addr, "127.0.0.1");
    assert_int_equal(a.scope, RT_SCOPE_HOST);
    free(p);
}

static void test_nl_addr_v6(void **state)
{
    (void)state;
    struct msg m;
    struct tk_nl_addr a;
    addr_msg(&m, AF_INET6, 64, RT_SCOPE_LINK, 3);
    static const unsigned char ll[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
                                          0x50, 0x54, 0, 0xff, 0xfe, 0x12, 0x34, 0x56 };
    put_attr(&m, IFA_ADDRESS, ll, 16);
    uint32_t flags = IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE;
    put_attr(&m, IFA_FLAGS, &flags, 4);
    void *p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), 0);
    assert_int_equal(a.family, 6);
    assert_int_equal(a.index, 3);
    assert_int_equal(a.plen, 64);
    assert_int_equal(a.scope, RT_SCOPE_LINK);
    assert_int_equal(a.flags, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE); /* IFA_FLAGS wins */
    expect_ip(&a.addr, "fe80::5054:ff:fe12:3456");
    free(p);
}

static void test_nl_addr_rejects(void **state)
{
    (void)state;
    struct msg m;
    struct tk_nl_addr a;
    static const unsigned char ip4[4] = { 1, 2, 3, 4 };
    static const unsigned char ip6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

    /* Unknown family. */
    addr_msg(&m, AF_PACKET, 0, 0, 1);
    put_attr(&m, IFA_ADDRESS, ip4, 4);
    void *p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), TK_EPARSE);
    free(p);

    /* No address attribute. */
    addr_msg(&m, AF_INET, 24, 0, 1);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), TK_EPARSE);
    assert_false(a.have_addr);
    free(p);

    /* Address length does not match the family. */
    addr_msg(&m, AF_INET, 24, 0, 1);
    put_attr(&m, IFA_ADDRESS, ip6, 16);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), TK_EPARSE);
    free(p);
    addr_msg(&m, AF_INET6, 64, 0, 1);
    put_attr(&m, IFA_ADDRESS, ip4, 4);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), TK_EPARSE);
    free(p);

    /* Prefix length too long for the family. */
    addr_msg(&m, AF_INET, 33, 0, 1);
    put_attr(&m, IFA_ADDRESS, ip4, 4);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), TK_EPARSE);
    free(p);
    addr_msg(&m, AF_INET6, 129, 0, 1);
    put_attr(&m, IFA_ADDRESS, ip6, 16);
    p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), TK_EPARSE);
    free(p);

    /* Shorter than the fixed header. */
    addr_msg(&m, AF_INET, 24, 0, 1);
    for (size_t len = 0; len < sizeof(struct ifaddrmsg); len++) {
        p = exact(&m, len);
        assert_int_equal(tk_nl_parse_addr(p, len, &a), TK_EPARSE);
        free(p);
    }
}

static void test_nl_addr_truncated_and_garbage(void **state)
{
    (void)state;
    struct msg m;
    struct tk_nl_addr a;
    addr_msg(&m, AF_INET6, 64, 0, 4);
    static const unsigned char ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    put_attr(&m, IFA_ADDRESS, ip6, 16);
    uint32_t flags = 0x80;
    put_attr(&m, IFA_FLAGS, &flags, 4);
    for (size_t len = 0; len <= m.n; len++) {
        void *p = exact(&m, len);
        int rc = tk_nl_parse_addr(p, len, &a);
        assert_true(rc == 0 || rc == TK_EPARSE);
        if (rc == 0)
            expect_ip(&a.addr, "2001:db8::1");
        free(p);
    }

    /* A short IFA_FLAGS is ignored rather than read past. */
    addr_msg(&m, AF_INET6, 64, 0, 4);
    put_attr(&m, IFA_ADDRESS, ip6, 16);
    put_attr(&m, IFA_FLAGS, "\x01\x02", 2);
    void *p = exact(&m, m.n);
    assert_int_equal(tk_nl_parse_addr(p, m.n, &a), 0);
    assert_int_equal(a.flags, IFA_F_PERMANENT);
    free(p);

    unsigned seed = 777;
    for (int iter = 0; iter < 2000; iter++) {
        addr_msg(&m, (iter & 1) ? AF_INET : AF_INET6, (unsigned char)(seed % 140), 0, 1);
        size_t extra = (size_t)(seed % 120);
        for (size_t i = 0; i < extra; i++) {
            seed = seed * 1103515245u + 12345u;
            m.b[m.n++] = (unsigned char)(seed >> 16);
        }
        p = exact(&m, m.n);
        int rc = tk_nl_parse_addr(p, m.n, &a);
        assert_true(rc == 0 || rc == TK_EPARSE);
        if (rc == 0)
            assert_true(a.have_addr && a.plen <= (a.family == 4 ? 32u : 128u));
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sock_tcp4_listen),
        cmocka_unit_test(test_sock_tcp4_established),
        cmocka_unit_test(test_sock_udp4),
        cmocka_unit_test(test_sock_tcp6),
        cmocka_unit_test(test_sock_rejects),
        cmocka_unit_test(test_route4),
        cmocka_unit_test(test_route4_rejects),
        cmocka_unit_test(test_route6),
        cmocka_unit_test(test_route6_rejects),
        cmocka_unit_test(test_nl_link),
        cmocka_unit_test(test_nl_link_optional_attrs),
        cmocka_unit_test(test_nl_link_rejects),
        cmocka_unit_test(test_nl_link_truncated_and_garbage),
        cmocka_unit_test(test_nl_addr_v4),
        cmocka_unit_test(test_nl_addr_v6),
        cmocka_unit_test(test_nl_addr_rejects),
        cmocka_unit_test(test_nl_addr_truncated_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
