/* net.c - Linux implementation of compat/net.h: sockets from /proc/net, owners through
 * /proc/PID/fd (for the sockets asked about only). */
#include "compat/net.h"

#include "collect/procnet.h"
#include "compat/fs.h"
#include "compat/proc.h"
#include "core/alloc.h"
#include "core/buf.h"

#define MAX_SOCKETS (1u << 20)

int tk_sys_sockets(struct tk_sys_sock **out, size_t *n, struct tk_err *err)
{
    static const struct {
        const char *file, *proto;
        int family;
    } tables[] = { { "/proc/net/tcp", "tcp", 4 }, { "/proc/net/tcp6", "tcp", 6 },
                   { "/proc/net/udp", "udp", 4 }, { "/proc/net/udp6", "udp", 6 } };
    struct tk_sys_sock *s = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    *out = NULL;
    *n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0] && !rc; t++) {
        struct tk_buf text = TK_BUF_INIT((size_t)256 << 20);
        struct tk_err e = { 0 };
        if (tk_read_file(tables[t].file, &text, &e) != 0) {
            tk_buf_release(&text);
            if (e.code == TK_ENOMEM) {
                rc = tk_err_set(err, e.code, "%s", e.msg);
                break;
            }
            continue; /* no IPv6 in this kernel, or unreadable: the other tables still count */
        }
        struct tk_str rest = { tk_buf_cstr(&text), text.len }, line;
        while (!rc && tk_str_next_line(&rest, &line)) {
            struct tk_procnet_sock p;
            if (tk_procnet_parse_sock(line, tables[t].family, &p) != 0)
                continue; /* the header line */
            if (tk_grow((void **)&s, &cap, len + 1, sizeof *s, MAX_SOCKETS)) {
                rc = tk_err_set(err, TK_ENOMEM, "out of memory listing sockets");
                break;
            }
            struct tk_sys_sock *k = &s[len++];
            k->inode = p.inode;
            k->proto = tables[t].proto;
            k->local = p.local;
            k->remote = p.remote;
            tk_ip_unmap(&k->local);
            tk_ip_unmap(&k->remote);
            k->lport = p.lport;
            k->rport = p.rport;
            k->listening = tables[t].proto[0] == 't' ? p.state == TK_TCP_LISTEN
                                                     : tk_ip_is_unspecified(&p.remote);
            k->pid = -1;
        }
        tk_buf_release(&text);
    }
    if (rc) {
        tk_free(s);
        return rc;
    }
    *out = s;
    *n = len;
    return 0;
}

void tk_sys_socket_owners(struct tk_sys_sock *socks, size_t n)
{
    uint64_t *inodes = n ? tk_calloc(n, sizeof *inodes) : NULL;
    int *pids = n ? tk_calloc(n, sizeof *pids) : NULL;
    if (inodes && pids) {
        for (size_t i = 0; i < n; i++)
            inodes[i] = socks[i].inode;
        tk_proc_socket_owners(inodes, n, pids);
        for (size_t i = 0; i < n; i++)
            socks[i].pid = pids[i];
    }
    tk_free(inodes);
    tk_free(pids);
}

int tk_sys_adapters(struct tk_sys_adapter **out, size_t *n, struct tk_err *err)
{
    *out = NULL;
    *n = 0;
    return tk_err_set(err, TK_EUNSUPP, "adapters are read over rtnetlink on Linux");
}

int tk_sys_dns_cache(struct tk_buf *names, size_t max, size_t *n, struct tk_err *err)
{
    (void)names;
    (void)max;
    *n = 0;
    return tk_err_set(err, TK_EUNSUPP, "no DNS client cache to list on Linux");
}
