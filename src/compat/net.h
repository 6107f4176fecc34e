/* net.h - this machine's network state, asked of the operating system: its sockets with
 * their owners (for the C2 check of live connections, and the Windows network collector)
 * and, on Windows, its adapters. Nothing here sends anything onto the network.
 *
 * Linux: sockets from /proc/net/{tcp,tcp6,udp,udp6} with owners found through
 * /proc/PID/fd; adapters are read over rtnetlink by collect/network.c instead (which tests
 * feed with fixtures), so tk_sys_adapters answers TK_EUNSUPP there.
 * Windows: GetExtendedTcpTable / GetExtendedUdpTable (owner pids included) and
 * GetAdaptersAddresses. */
#ifndef TK_COMPAT_NET_H
#define TK_COMPAT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"

struct tk_sys_sock {
    const char *proto; /* "tcp" or "udp" (static) */
    struct tk_ip local, remote; /* IPv4-mapped addresses unmapped */
    int lport, rport;
    bool listening; /* tcp in LISTEN; udp sockets with no peer count as listening */
    int pid;        /* owner; -1 when not (yet) known: see tk_sys_socket_owners */
    uint64_t inode; /* Linux: the socket's inode; 0 on Windows */
};

/* Every TCP and UDP socket, IPv4 and IPv6, into *out (freed with tk_free). A table that
 * cannot be read is skipped. Windows fills in owners; Linux leaves them to
 * tk_sys_socket_owners, which costs a pass over every process's descriptors. */
int tk_sys_sockets(struct tk_sys_sock **out, size_t *n, struct tk_err *err);
/* Fills pid for the n sockets given (those the caller cares about). */
void tk_sys_socket_owners(struct tk_sys_sock *socks, size_t n);

struct tk_sys_addr {
    struct tk_ip ip;
    int prefix;
};

struct tk_sys_adapter {
    char name[256];  /* friendly name, UTF-8 ("Ethernet", "Wi-Fi") */
    char mac[18];    /* "aa:bb:cc:dd:ee:ff", "" when none */
    int index, mtu;
    bool up, loopback;
    struct tk_sys_addr addrs[32];
    size_t naddrs;
    struct tk_ip gateways[4]; /* default gateways */
    size_t ngateways;
    int metric;
};

/* The adapters with their unicast addresses and gateways, into *out (freed with tk_free). */
int tk_sys_adapters(struct tk_sys_adapter **out, size_t *n, struct tk_err *err);

/* The names the system's DNS client cache holds (what this machine resolved lately),
 * appended to names, each followed by a NUL; at most max of them, *n counting them.
 * Windows: DnsGetCacheDataTable of dnsapi.dll, an export Windows has shipped for a long
 * time without documenting it; it is looked up at run time in System32 only, so a system
 * without it is an error (TK_EIO), not a program that fails to start. TK_EUNSUPP on Linux,
 * whose resolvers keep no cache a program can list. */
struct tk_buf;
int tk_sys_dns_cache(struct tk_buf *names, size_t max, size_t *n, struct tk_err *err);

#endif
