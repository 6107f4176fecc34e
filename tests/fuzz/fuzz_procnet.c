/* fuzz_procnet.c - the /proc/net table parsers and the rtnetlink payload parsers
 * (collect/procnet.h).
 *
 * Each line goes, in its own exact-size allocation, through the socket parser (IPv4 and
 * IPv6 layouts) and both route parsers; the whole input is also read as an RTM_NEWLINK and
 * an RTM_NEWADDR payload. What the parsers return must be in range and in bounds. */
#include <string.h>

#include "collect/procnet.h"
#include "core/alloc.h"
#include "fuzz.h"

static void check_inside(struct tk_str s, const char *base, size_t n)
{
    if (s.n)
        FUZZ_CHECK(s.p >= base && s.p + s.n <= base + n);
}

static void check_ip(const struct tk_ip *ip, int family)
{
    char text[TK_IP_STRLEN];
    FUZZ_CHECK(ip->family == family);
    tk_ip_format(ip, text);
    FUZZ_CHECK(memchr(text, '\0', sizeof text) != NULL);
    FUZZ_CHECK(tk_ip_class(ip) != NULL);
}

static void parse_line(struct tk_str line)
{
    struct tk_procnet_sock sock;
    struct tk_procnet_route route;
    for (int family = 4; family <= 6; family += 2) {
        if (tk_procnet_parse_sock(line, family, &sock) == 0) {
            check_ip(&sock.local, family);
            check_ip(&sock.remote, family);
            FUZZ_CHECK(sock.lport >= 0 && sock.lport <= 65535);
            FUZZ_CHECK(sock.rport >= 0 && sock.rport <= 65535);
            FUZZ_CHECK(sock.state <= 0xFF);
        }
    }
    if (tk_procnet_parse_route4(line, &route) == 0) {
        check_ip(&route.dst, 4);
        check_ip(&route.gateway, 4);
        FUZZ_CHECK(route.plen <= 32);
        check_inside(route.iface, line.p, line.n);
    }
    if (tk_procnet_parse_route6(line, &route) == 0) {
        check_ip(&route.dst, 6);
        check_ip(&route.gateway, 6);
        FUZZ_CHECK(route.plen <= 128);
        check_inside(route.iface, line.p, line.n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_str rest = { (const char *)data, size }, line;
    while (tk_str_next_line(&rest, &line)) {
        char *copy = tk_malloc(line.n ? line.n : 1);
        FUZZ_CHECK(copy != NULL);
        memcpy(copy, line.p, line.n);
        parse_line((struct tk_str){ copy, line.n });
        tk_free(copy);
    }

    struct tk_nl_link link;
    if (tk_nl_parse_link(data, size, &link) == 0) {
        FUZZ_CHECK(link.name.n > 0);
        check_inside(link.name, (const char *)data, size);
        FUZZ_CHECK(memchr(link.name.p, '\0', link.name.n) == NULL);
        FUZZ_CHECK(link.maclen <= sizeof link.mac);
        FUZZ_CHECK(link.mtu >= -1);
        FUZZ_CHECK(link.operstate >= -1 && link.operstate <= 255);
    }
    struct tk_nl_addr addr;
    if (tk_nl_parse_addr(data, size, &addr) == 0) {
        FUZZ_CHECK(addr.have_addr);
        FUZZ_CHECK(addr.family == 4 || addr.family == 6);
        FUZZ_CHECK(addr.plen <= (addr.family == 4 ? 32u : 128u));
        check_ip(&addr.addr, addr.family);
    }
    return 0;
}
