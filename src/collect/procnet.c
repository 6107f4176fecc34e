/* procnet.c - parsers for /proc/net tables and rtnetlink messages. */
#include "collect/procnet.h"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "core/err.h"

/* "0100007F:0277" -> address and port. */
static bool parse_hex_endpoint(struct tk_str s, int family, struct tk_ip *ip, int *port)
{
    struct tk_str a, p;
    uint64_t v;
    if (!tk_str_cut(s, ':', &a, &p) || !tk_str_hex_to_u64(p, &v) || v > 65535 || p.n != 4)
        return false;
    *port = (int)v;
    memset(ip, 0, sizeof *ip);
    ip->family = family;
    size_t words = family == 4 ? 1 : 4;
    if (a.n != words * 8)
        return false;
    for (size_t i = 0; i < words; i++) {
        uint64_t w;
        if (!tk_str_hex_to_u64((struct tk_str){ a.p + 8 * i, 8 }, &w))
            return false;
        uint32_t w32 = (uint32_t)w;
        memcpy(ip->b + 4 * i, &w32, 4); /* host order, as the kernel printed it */
    }
    return true;
}

int tk_procnet_parse_sock(struct tk_str line, int family, struct tk_procnet_sock *out)
{
    struct tk_str f[10], rest = line;
    for (int i = 0; i < 10; i++)
        if (!tk_str_next_field(&rest, &f[i]))
            return TK_EPARSE;
    uint64_t st, uid, inode;
    /* f: sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
    if (!tk_str_has_suffix(f[0], ":") ||
        !parse_hex_endpoint(f[1], family, &out->local, &out->lport) ||
        !parse_hex_endpoint(f[2], family, &out->remote, &out->rport) ||
        !tk_str_hex_to_u64(f[3], &st) || st > 0xFF || !tk_str_to_u64(f[7], &uid) ||
        !tk_str_to_u64(f[9], &inode))
        return TK_EPARSE;
    out->state = (unsigned)st;
    out->uid = (int64_t)uid;
    out->inode = inode;
    return 0;
}

int tk_procnet_parse_route4(struct tk_str line, struct tk_procnet_route *out)
{
    /* Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT */
    struct tk_str f[8], rest = line;
    for (int i = 0; i < 8; i++)
        if (!tk_str_next_field(&rest, &f[i]))
            return TK_EPARSE;
    uint64_t dst, gw, flags, metric, mask;
    if (!tk_str_hex_to_u64(f[1], &dst) || f[1].n != 8 || !tk_str_hex_to_u64(f[2], &gw) ||
        f[2].n != 8 || !tk_str_hex_to_u64(f[3], &flags) || !tk_str_to_u64(f[6], &metric) ||
        !tk_str_hex_to_u64(f[7], &mask) || f[7].n != 8 || metric > 0xFFFFFFFFu)
        return TK_EPARSE;
    memset(out, 0, sizeof *out);
    out->iface = f[0];
    out->dst.family = out->gateway.family = 4;
    uint32_t d = (uint32_t)dst, g = (uint32_t)gw, m = (uint32_t)mask;
    memcpy(out->dst.b, &d, 4);
    memcpy(out->gateway.b, &g, 4);
    unsigned char mb[4];
    memcpy(mb, &m, 4);
    unsigned plen = 0;
    for (int i = 0; i < 4; i++)
        for (int bit = 7; bit >= 0; bit--)
            plen += (mb[i] >> bit) & 1;
    out->plen = plen;
    out->flags = (unsigned)flags;
    out->metric = (unsigned)metric;
    return 0;
}

static bool hex_bytes(struct tk_str s, unsigned char *out, size_t n)
{
    if (s.n != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        if (!tk_str_hex_to_u64((struct tk_str){ s.p + 2 * i, 2 }, &v))
            return false;
        out[i] = (unsigned char)v;
    }
    return true;
}

int tk_procnet_parse_route6(struct tk_str line, struct tk_procnet_route *out)
{
    /* dst dst_plen src src_plen next_hop metric refcnt use flags iface */
    struct tk_str f[10], rest = line;
    for (int i = 0; i < 10; i++)
        if (!tk_str_next_field(&rest, &f[i]))
            return TK_EPARSE;
    uint64_t plen, metric, flags;
    memset(out, 0, sizeof *out);
    out->dst.family = out->gateway.family = 6;
    if (!hex_bytes(f[0], out->dst.b, 16) || !tk_str_hex_to_u64(f[1], &plen) || plen > 128 ||
        !hex_bytes(f[4], out->gateway.b, 16) || !tk_str_hex_to_u64(f[5], &metric) ||
        metric > 0xFFFFFFFFu || !tk_str_hex_to_u64(f[8], &flags) || flags > 0xFFFFFFFFu)
        return TK_EPARSE;
    out->plen = (unsigned)plen;
    out->metric = (unsigned)metric;
    out->flags = (unsigned)flags;
    out->iface = f[9];
    return 0;
}

/* Walks rtattrs in [p, p+len); calls fn for each well-formed one. */
static void each_attr(const unsigned char *p, size_t len,
                      void (*fn)(void *ud, unsigned type, const unsigned char *data, size_t n),
                      void *ud)
{
    while (len >= sizeof(struct rtattr)) {
        struct rtattr a;
        memcpy(&a, p, sizeof a);
        if (a.rta_len < sizeof a || a.rta_len > len)
            return;
        fn(ud, a.rta_type, p + RTA_LENGTH(0), a.rta_len - RTA_LENGTH(0));
        size_t step = RTA_ALIGN(a.rta_len);
        if (step >= len)
            return;
        p += step;
        len -= step;
    }
}

static void link_attr(void *ud, unsigned type, const unsigned char *d, size_t n)
{
    struct tk_nl_link *l = ud;
    switch (type) {
    case IFLA_IFNAME: {
        const unsigned char *z = memchr(d, 0, n);
        l->name = (struct tk_str){ (const char *)d, z ? (size_t)(z - d) : n };
        break;
    }
    case IFLA_ADDRESS:
        if (n <= sizeof l->mac) {
            memcpy(l->mac, d, n);
            l->maclen = n;
        }
        break;
    case IFLA_MTU:
        if (n >= 4) {
            uint32_t v;
            memcpy(&v, d, 4);
            l->mtu = v > 0x7FFFFFFF ? -1 : (int)v;
        }
        break;
    case IFLA_OPERSTATE:
        if (n >= 1)
            l->operstate = d[0];
        break;
    }
}

int tk_nl_parse_link(const void *payload, size_t len, struct tk_nl_link *out)
{
    struct ifinfomsg ifi;
    memset(out, 0, sizeof *out);
    out->operstate = -1;
    out->mtu = -1;
    if (len < NLMSG_ALIGN(sizeof ifi))
        return TK_EPARSE;
    memcpy(&ifi, payload, sizeof ifi);
    out->index = ifi.ifi_index;
    out->flags = ifi.ifi_flags;
    out->type = ifi.ifi_type;
    each_attr((const unsigned char *)payload + NLMSG_ALIGN(sizeof ifi),
              len - NLMSG_ALIGN(sizeof ifi), link_attr, out);
    return out->name.n ? 0 : TK_EPARSE;
}

struct addr_attrs {
    struct tk_nl_addr *a;
    const unsigned char *address, *local;
    size_t address_n, local_n;
};

static void addr_attr(void *ud, unsigned type, const unsigned char *d, size_t n)
{
    struct addr_attrs *x = ud;
    switch (type) {
    case IFA_ADDRESS:
        x->address = d;
        x->address_n = n;
        break;
    case IFA_LOCAL:
        x->local = d;
        x->local_n = n;
        break;
    case IFA_FLAGS:
        if (n >= 4)
            memcpy(&x->a->flags, d, 4);
        break;
    }
}

int tk_nl_parse_addr(const void *payload, size_t len, struct tk_nl_addr *out)
{
    struct ifaddrmsg ifa;
    memset(out, 0, sizeof *out);
    if (len < NLMSG_ALIGN(sizeof ifa))
        return TK_EPARSE;
    memcpy(&ifa, payload, sizeof ifa);
    out->index = (int)ifa.ifa_index;
    out->family = ifa.ifa_family == 2 ? 4 : ifa.ifa_family == 10 ? 6 : 0; /* AF_INET/6 */
    out->plen = ifa.ifa_prefixlen;
    out->scope = ifa.ifa_scope;
    out->flags = ifa.ifa_flags;
    if (!out->family)
        return TK_EPARSE;
    struct addr_attrs x = { .a = out };
    each_attr((const unsigned char *)payload + NLMSG_ALIGN(sizeof ifa),
              len - NLMSG_ALIGN(sizeof ifa), addr_attr, &x);
    /* Like ip(8): the local address when there is one (point-to-point), else the address. */
    const unsigned char *src = x.local ? x.local : x.address;
    size_t n = x.local ? x.local_n : x.address_n;
    size_t want = out->family == 4 ? 4 : 16;
    if (src && n == want && out->plen <= want * 8) {
        out->addr.family = out->family;
        memcpy(out->addr.b, src, want);
        out->have_addr = true;
    }
    return out->have_addr ? 0 : TK_EPARSE;
}
