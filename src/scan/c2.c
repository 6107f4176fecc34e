/* c2.c - C2 IOCs against live connections and the hosts file (see c2.h). */
#include "scan/c2.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "collect/procnet.h"
#include "compat/proc.h"
#include "core/alloc.h"
#include "core/str.h"
#include "scan/detect.h"

#define MAX_HITS 4096 /* connections matching an IOC that are reported */

struct hit {
    const struct tk_ioc *ioc;
    char remote[TK_IP_STRLEN + 16];
    const char *proto;
    uint64_t inode;
};

/* ::ffff:a.b.c.d -> a.b.c.d, so IPv4 IOCs match IPv4 peers of dual-stack sockets. */
static void unmap(struct tk_ip *ip)
{
    static const unsigned char prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (ip->family == 6 && memcmp(ip->b, prefix, 12) == 0) {
        memmove(ip->b, ip->b + 12, 4);
        memset(ip->b + 4, 0, 12);
        ip->family = 4;
    }
}

static void connections(struct tk_bundle *b, const struct tk_iocs *iocs)
{
    static const struct {
        const char *file, *proto;
        int family;
    } tables[] = { { "/proc/net/tcp", "tcp", 4 }, { "/proc/net/tcp6", "tcp", 6 },
                   { "/proc/net/udp", "udp", 4 }, { "/proc/net/udp6", "udp", 6 } };
    struct hit *hits = tk_calloc(MAX_HITS, sizeof *hits);
    size_t n = 0;
    if (!hits)
        return;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        struct tk_buf text = TK_BUF_INIT((size_t)256 << 20);
        struct tk_err err = { 0 };
        if (tk_read_file(tables[t].file, &text, &err) != 0) {
            if (err.code != TK_ENOENT) /* no IPv6 in this kernel: nothing to check */
                tk_bundle_error(b, "c2", tables[t].file, &err);
            tk_buf_release(&text);
            continue;
        }
        struct tk_str rest = { tk_buf_cstr(&text), text.len }, line;
        while (tk_str_next_line(&rest, &line) && n < MAX_HITS) {
            struct tk_procnet_sock s;
            if (tk_procnet_parse_sock(line, tables[t].family, &s) != 0 ||
                s.state == TK_TCP_LISTEN || tk_ip_is_unspecified(&s.remote))
                continue;
            unmap(&s.remote);
            const struct tk_ioc *ioc = tk_iocs_find_ip(iocs, &s.remote);
            if (!ioc)
                continue;
            char ip[TK_IP_STRLEN];
            tk_ip_format(&s.remote, ip);
            struct hit *h = &hits[n++];
            h->ioc = ioc;
            h->proto = tables[t].proto;
            h->inode = s.inode;
            snprintf(h->remote, sizeof h->remote, s.remote.family == 6 ? "[%s]:%d" : "%s:%d",
                     ip, s.rport);
        }
        tk_buf_release(&text);
    }
    uint64_t *inodes = tk_calloc(n ? n : 1, sizeof *inodes);
    int *pids = tk_calloc(n ? n : 1, sizeof *pids);
    if (inodes && pids) {
        for (size_t i = 0; i < n; i++)
            inodes[i] = hits[i].inode;
        tk_proc_socket_owners(inodes, n, pids);
        for (size_t i = 0; i < n; i++) {
            struct tk_proc p;
            struct tk_err err = { 0 };
            bool known = pids[i] > 0 && tk_proc_identify(pids[i], &p, &err) == 0;
            char user[64] = "";
            struct passwd pw, *pwp = NULL;
            char pwbuf[1024];
            if (known && p.uid >= 0 &&
                getpwuid_r((uid_t)p.uid, &pw, pwbuf, sizeof pwbuf, &pwp) == 0 && pwp)
                snprintf(user, sizeof user, "%s", pw.pw_name);
            else if (known && p.uid >= 0)
                snprintf(user, sizeof user, "%lld", (long long)p.uid);
            struct tk_detection proto = {
                .kind = "connection",
                .remote = hits[i].remote,
                .pid = known ? pids[i] : -1,
                .process = known ? p.comm : NULL,
                .path = known && p.exe[0] ? p.exe : NULL,
                .cmdline = known ? p.cmdline : NULL,
                .user = known && user[0] ? user : NULL,
                .size = -1, .mode = -1, .mtime = -1, .ctime = -1,
            };
            const struct tk_ioc *reason = hits[i].ioc;
            tk_detection_add(b, &proto, NULL, 0, &reason, 1);
        }
    }
    tk_free(inodes);
    tk_free(pids);
    tk_free(hits);
}

/* Every address and name on the hosts file's lines; one detection for the file with a
 * reason per IOC that matched. */
static int hosts(struct tk_bundle *b, const struct tk_iocs *iocs, struct tk_fs *root)
{
    struct tk_buf text = TK_BUF_INIT((size_t)16 << 20);
    struct tk_err err = { 0 };
    int rc = tk_fs_read(root, "/etc/hosts", &text, &err);
    if (rc) {
        if (rc != TK_ENOENT)
            tk_bundle_error(b, "c2", "/etc/hosts", &err);
        tk_buf_release(&text);
        return 0;
    }
    const struct tk_ioc *found[64];
    size_t n = 0;
    struct tk_str rest = { tk_buf_cstr(&text), text.len }, line, field;
    while (tk_str_next_line(&rest, &line) && n < 64) {
        struct tk_str before, after;
        if (tk_str_cut(line, '#', &before, &after))
            line = before;
        bool first = true;
        while (tk_str_next_field(&line, &field) && n < 64) {
            char word[256];
            if (field.n >= sizeof word)
                continue;
            memcpy(word, field.p, field.n);
            word[field.n] = '\0';
            const struct tk_ioc *ioc = NULL;
            struct tk_ip ip;
            if (first && tk_ip_parse(field, &ip)) {
                unmap(&ip);
                ioc = tk_iocs_find_ip(iocs, &ip);
            } else if (!first) {
                ioc = tk_iocs_find_domain(iocs, word);
            }
            first = false;
            bool dup = false;
            for (size_t i = 0; ioc && i < n; i++)
                dup |= found[i] == ioc;
            if (ioc && !dup)
                found[n++] = ioc;
        }
    }
    tk_buf_release(&text);
    if (n) {
        struct tk_detection proto = { .kind = "file", .path = "/etc/hosts", .pid = -1,
                                      .size = -1, .mode = -1, .mtime = -1, .ctime = -1 };
        tk_detection_add(b, &proto, NULL, 0, found, n);
    }
    return 0;
}

int tk_c2_check(struct tk_bundle *b, const struct tk_iocs *iocs, struct tk_fs *root, bool live,
                struct tk_err *err)
{
    (void)err;
    if (tk_iocs_counts(iocs).c2 == 0)
        return 0;
    if (live)
        connections(b, iocs);
    return hosts(b, iocs, root);
}
