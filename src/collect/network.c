/* network.c - interfaces and addresses (rtnetlink), default routes and listening sockets
 * (/proc/net), and the process owning each socket (/proc/PID/fd).
 *
 * Interfaces come from the kernel over netlink, so they are collected on the live system
 * only; routes and sockets are read from the proc tree, which tests replace with fixtures.
 * Nothing here sends anything onto the network: netlink is a local kernel interface. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collect/collect.h"
#include "collect/netlink.h"
#include "collect/procnet.h"
#include "core/alloc.h"

#define NL_MAX_MESSAGES 200000
#define PROCNET_LINE_MAX 4096

/* ---- interfaces over rtnetlink -------------------------------------------------------- */

static const char *operstate_name(int s)
{
    static const char *const names[] = { "unknown", "notpresent", "down", "lowerlayerdown",
                                         "testing", "dormant", "up" };
    return s >= 0 && s <= 6 ? names[s] : "unknown";
}

static int on_link(void *ud, uint16_t type, const void *payload, size_t len)
{
    struct tk_collect_ctx *ctx = ud;
    struct tk_nl_link l;
    if (type != RTM_NEWLINK)
        return 0;
    if (tk_nl_parse_link(payload, len, &l) != 0)
        return 0;
    struct tk_iface *f = tk_bundle_add_iface(ctx->b);
    if (!f)
        return TK_ENOMEM;
    f->name = tk_bundle_strndup(ctx->b, l.name.p, l.name.n);
    f->index = l.index;
    f->mtu = l.mtu;
    f->loopback = (l.flags & IFF_LOOPBACK) != 0;
    f->state = operstate_name(l.operstate);
    if (l.maclen == 6) {
        f->mac = tk_bundle_printf(ctx->b, "%02x:%02x:%02x:%02x:%02x:%02x", l.mac[0], l.mac[1],
                                  l.mac[2], l.mac[3], l.mac[4], l.mac[5]);
    }
    return f->name ? 0 : TK_ENOMEM;
}

static const char *scope_name(unsigned s)
{
    switch (s) {
    case 0:
        return "global";
    case 200:
        return "site";
    case 253:
        return "link";
    case 254:
        return "host";
    default:
        return "nowhere";
    }
}

static int on_addr(void *ud, uint16_t type, const void *payload, size_t len)
{
    struct tk_collect_ctx *ctx = ud;
    struct tk_nl_addr a;
    if (type != RTM_NEWADDR)
        return 0;
    if (tk_nl_parse_addr(payload, len, &a) != 0)
        return 0;
    struct tk_iface *f = NULL;
    for (size_t i = 0; i < ctx->b->net.nifaces; i++)
        if (ctx->b->net.ifaces[i].index == a.index)
            f = &ctx->b->net.ifaces[i];
    if (!f)
        return 0;
    struct tk_addr *ad = tk_bundle_add_addr(ctx->b, f);
    if (!ad)
        return TK_ENOMEM;
    char text[TK_IP_STRLEN];
    tk_ip_format(&a.addr, text);
    ad->address = tk_bundle_strdup(ctx->b, text);
    ad->prefix = (int)a.plen;
    ad->family = a.family;
    ad->class = tk_ip_class(&a.addr);
    ad->scope = scope_name(a.scope);
    ad->temporary = (a.flags & IFA_F_TEMPORARY) != 0;
    ad->deprecated = (a.flags & IFA_F_DEPRECATED) != 0;
    ad->tentative = (a.flags & IFA_F_TENTATIVE) != 0;
    return ad->address ? 0 : TK_ENOMEM;
}

static int interfaces(struct tk_collect_ctx *ctx)
{
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
    int kerr;
    int rc = tk_nl_dump(NETLINK_ROUTE, RTM_GETLINK, &ifi, sizeof ifi, NL_MAX_MESSAGES, on_link,
                        ctx, &kerr);
    if (rc == 0)
        rc = tk_nl_dump(NETLINK_ROUTE, RTM_GETADDR, &ifa, sizeof ifa, NL_MAX_MESSAGES, on_addr,
                        ctx, &kerr);
    if (rc && rc != TK_ENOMEM) {
        tk_bundle_errorf(ctx->b, ctx->collector, NULL, rc,
                         "cannot list interfaces over netlink: %s",
                         kerr ? strerror(kerr) : tk_err_name(rc));
        rc = 0;
    }
    return rc;
}

/* ---- routes and sockets from /proc/net ------------------------------------------------ */

/* Calls fn on every data line of a proc table (the first line is a header). */
static int each_line(struct tk_collect_ctx *ctx, const char *path, bool header,
                     int (*fn)(struct tk_collect_ctx *ctx, struct tk_str line, void *ud),
                     void *ud)
{
    struct tk_lines r;
    struct tk_err e = { 0 };
    int rc = tk_lines_open(&r, ctx->proc, path, PROCNET_LINE_MAX, &e);
    if (rc) {
        if (rc != TK_ENOENT) /* no IPv6 in this kernel is not an error */
            tk_collect_error(ctx, tk_bundle_printf(ctx->b, "/proc%s", path), &e);
        return rc == TK_ENOMEM ? rc : 0;
    }
    struct tk_str line;
    size_t bad = 0;
    while ((rc = tk_lines_next(&r, &line, &e)) != 0) {
        if (rc < 0) {
            if (bad++ < 5)
                tk_collect_error(ctx, tk_bundle_printf(ctx->b, "/proc%s", path), &e);
            if (rc != TK_ELIMIT)
                break;
            continue;
        }
        if (header && r.lineno == 1)
            continue;
        rc = fn(ctx, line, ud);
        if (rc)
            break;
    }
    tk_lines_close(&r);
    return rc == TK_ENOMEM ? rc : 0;
}

static int add_route(struct tk_collect_ctx *ctx, const struct tk_procnet_route *r)
{
    if (r->plen != 0 || !tk_ip_is_unspecified(&r->dst) || !(r->flags & TK_RTF_UP) ||
        (r->flags & TK_RTF_REJECT))
        return 0;
    struct tk_route *rt = tk_bundle_add_route(ctx->b);
    if (!rt)
        return TK_ENOMEM;
    char gw[TK_IP_STRLEN];
    tk_ip_format(&r->gateway, gw);
    rt->family = r->dst.family;
    rt->gateway = (r->flags & TK_RTF_GATEWAY) || !tk_ip_is_unspecified(&r->gateway)
                      ? tk_bundle_strdup(ctx->b, gw)
                      : NULL;
    rt->iface = tk_bundle_strndup(ctx->b, r->iface.p, r->iface.n);
    rt->metric = (int)(r->metric > 0x7FFFFFFF ? 0x7FFFFFFF : r->metric);
    return 0;
}

static int on_route4(struct tk_collect_ctx *ctx, struct tk_str line, void *ud)
{
    struct tk_procnet_route r;
    (void)ud;
    return tk_procnet_parse_route4(line, &r) == 0 ? add_route(ctx, &r) : 0;
}

static int on_route6(struct tk_collect_ctx *ctx, struct tk_str line, void *ud)
{
    struct tk_procnet_route r;
    (void)ud;
    return tk_procnet_parse_route6(line, &r) == 0 ? add_route(ctx, &r) : 0;
}

struct sock_table {
    const char *path;
    const char *proto;
    int family;
    size_t malformed;
};

static int on_sock(struct tk_collect_ctx *ctx, struct tk_str line, void *ud)
{
    struct sock_table *t = ud;
    struct tk_procnet_sock s;
    if (tk_procnet_parse_sock(line, t->family, &s) != 0) {
        if (t->malformed++ == 0)
            tk_bundle_errorf(ctx->b, ctx->collector, t->path, TK_EPARSE,
                             "/proc%s: malformed socket line", t->path);
        return 0;
    }
    bool listening = strcmp(t->proto, "tcp") == 0
                         ? s.state == TK_TCP_LISTEN
                         : s.state == TK_TCP_CLOSE && s.rport == 0;
    if (!listening)
        return 0;
    struct tk_sock *k = tk_bundle_add_sock(ctx->b);
    if (!k)
        return ctx->b->net.nsocks >= TK_BUNDLE_MAX_SOCKETS ? 0 : TK_ENOMEM;
    char text[TK_IP_STRLEN];
    tk_ip_format(&s.local, text);
    k->proto = t->proto;
    k->family = t->family;
    k->address = tk_bundle_strdup(ctx->b, text);
    k->port = s.lport;
    k->uid = s.uid;
    k->inode = s.inode;
    return k->address ? 0 : TK_ENOMEM;
}

/* ---- socket owners -------------------------------------------------------------------- */

struct owner_slot {
    uint64_t inode;
    size_t sock;
};

static int cmp_slot(const void *a, const void *b)
{
    const struct owner_slot *x = a, *y = b;
    return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static const char *read_comm(struct tk_collect_ctx *ctx, const char *pid)
{
    struct tk_buf path = TK_BUF_INIT(64), comm = TK_BUF_INIT(256);
    const char *out = NULL;
    if (tk_buf_addf(&path, "/%s/comm", pid) == 0 &&
        tk_fs_read(ctx->proc, tk_buf_cstr(&path), &comm, NULL) == 0) {
        struct tk_str c = tk_str_trim((struct tk_str){ tk_buf_cstr(&comm), comm.len });
        out = tk_bundle_strndup(ctx->b, c.p, c.n);
    }
    tk_buf_release(&path);
    tk_buf_release(&comm);
    return out;
}

static int owners(struct tk_collect_ctx *ctx)
{
    struct tk_network *net = &ctx->b->net;
    if (!net->nsocks)
        return 0;
    struct owner_slot *slots = tk_calloc(net->nsocks, sizeof *slots);
    if (!slots)
        return TK_ENOMEM;
    for (size_t i = 0; i < net->nsocks; i++)
        slots[i] = (struct owner_slot){ net->socks[i].inode, i };
    qsort(slots, net->nsocks, sizeof *slots, cmp_slot);

    struct tk_fs_dir *procdir;
    struct tk_err e = { 0 };
    if (tk_fs_dir_open(ctx->proc, "/", &procdir, &e) != 0) {
        tk_collect_error(ctx, "/proc", &e);
        tk_free(slots);
        return 0;
    }
    struct tk_buf fdpath = TK_BUF_INIT(64), link = TK_BUF_INIT(4096);
    const char *pid;
    size_t unreadable = 0;
    while ((pid = tk_fs_dir_next(procdir, NULL))) {
        if (!all_digits(pid) || strlen(pid) > 10)
            continue;
        long pidn = strtol(pid, NULL, 10);
        tk_buf_reset(&fdpath);
        tk_buf_addf(&fdpath, "/%s/fd", pid);
        struct tk_fs_dir *fds;
        int rc = tk_fs_dir_open(ctx->proc, tk_buf_cstr(&fdpath), &fds, NULL);
        if (rc) {
            unreadable += rc == TK_EACCES;
            continue; /* processes come and go; others' fds need root */
        }
        const char *fd, *comm = NULL;
        while ((fd = tk_fs_dir_next(fds, NULL))) {
            if (tk_fs_dir_readlink(fds, fd, &link) != 0)
                continue;
            const char *t = tk_buf_cstr(&link);
            if (strncmp(t, "socket:[", 8) != 0)
                continue;
            struct owner_slot key = { strtoull(t + 8, NULL, 10), 0 };
            struct owner_slot *hit =
                bsearch(&key, slots, net->nsocks, sizeof *slots, cmp_slot);
            if (!hit)
                continue;
            /* bsearch finds one of possibly several sockets with this inode (0 for
             * sockets the kernel hides); widen to the run. */
            while (hit > slots && hit[-1].inode == key.inode)
                hit--;
            for (; hit < slots + net->nsocks && hit->inode == key.inode; hit++) {
                struct tk_sock *s = &net->socks[hit->sock];
                if (s->pid >= 0 && s->pid <= pidn)
                    continue; /* keep the lowest pid: the parent of forked workers */
                if (!comm)
                    comm = read_comm(ctx, pid);
                s->pid = (int)pidn;
                s->process = comm;
            }
        }
        tk_fs_dir_close(fds);
    }
    tk_fs_dir_close(procdir);
    size_t unknown = 0;
    for (size_t i = 0; i < net->nsocks; i++)
        unknown += net->socks[i].pid < 0;
    if (unknown)
        tk_bundle_errorf(ctx->b, ctx->collector, "/proc", TK_EACCES,
                         "the owning process of %zu listening sockets is unknown%s", unknown,
                         unreadable ? " (other users' processes need root)" : "");
    tk_buf_release(&fdpath);
    tk_buf_release(&link);
    tk_free(slots);
    return 0;
}

int tk_collect_network(struct tk_collect_ctx *ctx)
{
    if (!ctx->proc) {
        ctx->note = "offline image: no live network state";
        return 0;
    }
    ctx->b->net.collected = true;
    int rc = 0;
    if (ctx->live)
        rc = interfaces(ctx);
    else
        tk_bundle_errorf(ctx->b, ctx->collector, NULL, TK_EUNSUPP,
                         "interfaces are read from the running kernel only, not from a "
                         "proc tree given with --proc");
    if (!rc)
        rc = each_line(ctx, "/net/route", true, on_route4, NULL);
    if (!rc)
        rc = each_line(ctx, "/net/ipv6_route", false, on_route6, NULL);
    struct sock_table tables[] = {
        { "/net/tcp", "tcp", 4, 0 },
        { "/net/tcp6", "tcp", 6, 0 },
        { "/net/udp", "udp", 4, 0 },
        { "/net/udp6", "udp", 6, 0 },
    };
    for (size_t i = 0; i < 4 && !rc; i++)
        rc = each_line(ctx, tables[i].path, true, on_sock, &tables[i]);
    if (!rc)
        rc = owners(ctx);
    return rc;
}
