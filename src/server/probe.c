/* probe.c - non-blocking connects to a few ports, waited for together (see probe.h). */
#include "server/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/time.h"

void tk_probe_ports(const char *address, int smb_port, int rdp_port, int timeout_ms,
                    struct tk_reach *r)
{
    const int ports[2] = { smb_port, rdp_port };
    const size_t nports = 2;
    struct sockaddr_storage ss = { 0 };
    socklen_t len;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    r->nprobes = 0;
    if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        len = sizeof *v6;
    } else {
        return;
    }
    struct pollfd pf[TK_REACH_MAX_PROBES];
    for (size_t i = 0; i < nports && i < TK_REACH_MAX_PROBES; i++) {
        struct tk_probe *p = &r->probes[r->nprobes++];
        p->service = i == 0 ? TK_PROBE_SMB : TK_PROBE_RDP;
        p->port = ports[i];
        p->open = TK_UNKNOWN;
        pf[i].fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        pf[i].events = POLLOUT;
        pf[i].revents = 0;
        if (pf[i].fd < 0)
            continue;
        if (ss.ss_family == AF_INET)
            v4->sin_port = htons((uint16_t)ports[i]);
        else
            v6->sin6_port = htons((uint16_t)ports[i]);
        if (connect(pf[i].fd, (struct sockaddr *)&ss, len) == 0) {
            p->open = TK_YES;
        } else if (errno != EINPROGRESS) {
            p->open = errno == ECONNREFUSED ? TK_NO : TK_UNKNOWN;
        } else {
            continue;
        }
        close(pf[i].fd);
        pf[i].fd = -1; /* poll ignores negative descriptors */
    }
    double end = tk_time_mono() + timeout_ms / 1000.0;
    for (;;) {
        bool waiting = false;
        for (size_t i = 0; i < r->nprobes; i++)
            waiting |= pf[i].fd >= 0;
        int left = (int)((end - tk_time_mono()) * 1000);
        if (!waiting || left <= 0)
            break;
        if (poll(pf, r->nprobes, left) < 0 && errno != EINTR)
            break;
        for (size_t i = 0; i < r->nprobes; i++) {
            if (pf[i].fd < 0 || !pf[i].revents)
                continue;
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            getsockopt(pf[i].fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            r->probes[i].open = soerr == 0 ? TK_YES : soerr == ECONNREFUSED ? TK_NO : TK_UNKNOWN;
            close(pf[i].fd);
            pf[i].fd = -1;
        }
    }
    for (size_t i = 0; i < r->nprobes; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
}
