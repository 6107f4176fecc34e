/* netlink.h - one netlink dump request and the walk over its answers (Linux only). */
#ifndef TK_COLLECT_NETLINK_H
#define TK_COLLECT_NETLINK_H

#include <stddef.h>
#include <stdint.h>

/* Called with each answer's type and payload (after the nlmsghdr); non-zero stops. */
typedef int (*tk_nl_fn)(void *ud, uint16_t type, const void *payload, size_t len);

/* Opens a netlink socket of `protocol` (NETLINK_ROUTE, NETLINK_NETFILTER), sends a dump
 * request of `type` with the given family header, and calls fn for every answer until
 * NLMSG_DONE, at most max_messages. Returns 0, the callback's value, or a negative TK_E*
 * code; *kernel_errno receives the errno the kernel answered with (0 if none), e.g. EPERM
 * when the dump needs privileges. */
int tk_nl_dump(int protocol, uint16_t type, const void *hdr, size_t hdrlen, size_t max_messages,
               tk_nl_fn fn, void *ud, int *kernel_errno);

#endif
