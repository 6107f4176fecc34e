/* procnet.h - pure parsers for the Linux network state formats: /proc/net/{tcp,udp}{,6},
 * /proc/net/route, /proc/net/ipv6_route and rtnetlink messages. No I/O here, so every
 * function can be fed arbitrary bytes by the fuzz harnesses. */
#ifndef TK_COLLECT_PROCNET_H
#define TK_COLLECT_PROCNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/str.h"

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
#define TK_TCP_LISTEN 0x0A
#define TK_TCP_CLOSE 0x07

struct tk_procnet_sock {
    struct tk_ip local, remote;
    int lport, rport;
    unsigned state;
    int64_t uid;
    uint64_t inode;
};

/* One data line of /proc/net/tcp (family 4) or tcp6 (family 6); the same layout serves
 * udp/udp6. Returns 0, or TK_EPARSE for the header line and anything malformed. The
 * addresses are printed by the kernel as 32-bit words in host byte order, so this must run
 * on the machine (or an architecture of the same endianness) that produced the file. */
int tk_procnet_parse_sock(struct tk_str line, int family, struct tk_procnet_sock *out);

#define TK_RTF_UP 0x0001
#define TK_RTF_GATEWAY 0x0002
#define TK_RTF_REJECT 0x0200

struct tk_procnet_route {
    struct tk_str iface;
    struct tk_ip dst, gateway;
    unsigned plen;
    unsigned flags;
    unsigned metric;
};

int tk_procnet_parse_route4(struct tk_str line, struct tk_procnet_route *out);
int tk_procnet_parse_route6(struct tk_str line, struct tk_procnet_route *out);

/* rtnetlink RTM_NEWLINK / RTM_NEWADDR payloads (after the nlmsghdr). */
struct tk_nl_link {
    int index;
    unsigned flags;     /* IFF_* */
    unsigned short type; /* ARPHRD_* */
    struct tk_str name;
    unsigned char mac[32];
    size_t maclen;
    int mtu;
    int operstate; /* IF_OPER_*, -1 when absent */
};

struct tk_nl_addr {
    int index;
    int family;
    unsigned plen;
    unsigned scope;
    uint32_t flags; /* IFA_F_*, from IFA_FLAGS when present */
    struct tk_ip addr;
    bool have_addr;
};

int tk_nl_parse_link(const void *payload, size_t len, struct tk_nl_link *out);
int tk_nl_parse_addr(const void *payload, size_t len, struct tk_nl_addr *out);

#endif
