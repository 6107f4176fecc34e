/* netlink.c - netlink dump requests for the network and firewall collectors. */
#include "collect/netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"

int tk_nl_dump(int protocol, uint16_t type, const void *hdr, size_t hdrlen, size_t max_messages,
               tk_nl_fn fn, void *ud, int *kernel_errno)
{
    *kernel_errno = 0;
    if (hdrlen > 64)
        return TK_EINVAL;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
        *kernel_errno = errno;
        return tk_err_from_errno(errno);
    }
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    unsigned char req[NLMSG_SPACE(64)];
    memset(req, 0, sizeof req);
    struct nlmsghdr *nh = (struct nlmsghdr *)req;
    nh->nlmsg_len = (uint32_t)NLMSG_LENGTH(hdrlen);
    nh->nlmsg_type = type;
    nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nh->nlmsg_seq = 1;
    memcpy(NLMSG_DATA(nh), hdr, hdrlen);
    int rc = 0;
    if (send(fd, req, nh->nlmsg_len, 0) < 0) {
        *kernel_errno = errno;
        close(fd);
        return tk_err_from_errno(errno);
    }
    size_t bufsize = 64 * 1024, seen = 0;
    unsigned char *buf = tk_malloc(bufsize);
    if (!buf) {
        close(fd);
        return TK_ENOMEM;
    }
    for (;;) {
        ssize_t n = recv(fd, buf, bufsize, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *kernel_errno = n < 0 ? errno : EPIPE;
            rc = TK_EIO;
            break;
        }
        size_t len = (size_t)n;
        for (struct nlmsghdr *m = (struct nlmsghdr *)buf; NLMSG_OK(m, len);
             m = NLMSG_NEXT(m, len)) {
            if (m->nlmsg_type == NLMSG_DONE)
                goto done;
            if (m->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr e;
                if (m->nlmsg_len >= NLMSG_LENGTH(sizeof e)) {
                    memcpy(&e, NLMSG_DATA(m), sizeof e);
                    *kernel_errno = e.error < 0 ? -e.error : e.error;
                }
                rc = *kernel_errno ? tk_err_from_errno(*kernel_errno) : 0;
                goto done;
            }
            if (++seen > max_messages) {
                rc = TK_ELIMIT;
                goto done;
            }
            rc = fn(ud, m->nlmsg_type, NLMSG_DATA(m), m->nlmsg_len - NLMSG_LENGTH(0));
            if (rc)
                goto done;
        }
    }
done:
    tk_free(buf);
    close(fd);
    return rc;
}
