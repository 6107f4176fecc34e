/* c2.c - C2 IOCs against live connections and the hosts file (see c2.h). */
#include "scan/c2.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "compat/net.h"
#include "compat/proc.h"
#include "core/alloc.h"
#include "core/str.h"
#include "scan/detect.h"

#define MAX_HITS 4096 /* connections matching an IOC that are reported */

static void connections(struct tk_bundle *b, const struct tk_iocs *iocs)
{
    struct tk_sys_sock *socks = NULL;
    size_t nsocks = 0, nhits = 0;
    struct tk_err err = { 0 };
    if (tk_sys_sockets(&socks, &nsocks, &err) != 0) {
        tk_bundle_error(b, "c2", NULL, &err);
        return;
    }
    /* the connections to C2 addresses first; their owners then (a pass over processes) */
    const struct tk_ioc **why = tk_calloc(MAX_HITS, sizeof *why);
    for (size_t i = 0; why && i < nsocks && nhits < MAX_HITS; i++) {
        const struct tk_sys_sock *k = &socks[i];
        const struct tk_ioc *ioc = k->listening || tk_ip_is_unspecified(&k->remote)
                                       ? NULL
                                       : tk_iocs_find_ip(iocs, &k->remote);
        if (ioc) {
            why[nhits] = ioc;
            socks[nhits++] = *k;
        }
    }
    tk_sys_socket_owners(socks, nhits);
    for (size_t i = 0; i < nhits; i++) {
        const struct tk_sys_sock *k = &socks[i];
        char ip[TK_IP_STRLEN], remote[TK_IP_STRLEN + 16];
        tk_ip_format(&k->remote, ip);
        snprintf(remote, sizeof remote, k->remote.family == 6 ? "[%s]:%d" : "%s:%d", ip,
                 k->rport);
        struct tk_proc p;
        bool known = k->pid > 0 && tk_proc_identify(k->pid, &p, &err) == 0;
        char user[64] = "";
        if (known && p.uid >= 0)
            tk_proc_user_name(p.uid, user, sizeof user);
        struct tk_detection proto = {
            .kind = "connection",
            .remote = remote,
            .pid = known ? k->pid : -1,
            .process = known ? p.comm : NULL,
            .path = known && p.exe[0] ? p.exe : NULL,
            .cmdline = known ? p.cmdline : NULL,
            .user = known && user[0] ? user : NULL,
            .size = -1, .mode = -1, .mtime = -1, .ctime = -1,
        };
        tk_detection_add(b, &proto, NULL, 0, &why[i], 1);
    }
    tk_free(why);
    tk_free(socks);
}

#define LOG_TAIL ((size_t)64 << 20) /* the most recent part of a log that is read */
#define MAX_CACHED_NAMES 100000     /* names of the DNS client cache looked at */
#define MAX_FOUND 64

struct found {
    const struct tk_ioc *ioc[MAX_FOUND];
    size_t n;
};

static void add_found(struct found *f, const struct tk_ioc *ioc)
{
    if (!ioc || f->n == MAX_FOUND)
        return;
    for (size_t i = 0; i < f->n; i++)
        if (f->ioc[i] == ioc)
            return;
    f->ioc[f->n++] = ioc;
}

/* An address ("203.0.113.5", "2001:db8::1") or a name ("c2.example.") against the C2 list. */
static const struct tk_ioc *lookup(const struct tk_iocs *iocs, struct tk_str w, bool names)
{
    while (w.n && (w.p[w.n - 1] == '.' || w.p[w.n - 1] == ':'))
        w.n--;
    if (!w.n || w.n > 253)
        return NULL;
    struct tk_ip ip;
    if (tk_ip_parse(w, &ip)) {
        tk_ip_unmap(&ip);
        return tk_iocs_find_ip(iocs, &ip);
    }
    bool dot = false, alpha = false;
    for (size_t i = 0; i < w.n; i++) {
        dot |= w.p[i] == '.';
        alpha |= (w.p[i] | 0x20) >= 'a' && (w.p[i] | 0x20) <= 'z';
    }
    if (!names || !dot || !alpha)
        return NULL;
    char word[256];
    memcpy(word, w.p, w.n);
    word[w.n] = '\0';
    return tk_iocs_find_domain(iocs, word);
}

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == ':' || c == '-' || c == '_';
}

/* Every word of a log line that is an address or a name: "host:port" is cut at its one
 * colon, URLs fall apart at '/'. */
static void scan_log_line(const struct tk_iocs *iocs, struct tk_str line, struct found *f)
{
    size_t i = 0;
    while (i < line.n && f->n < MAX_FOUND) {
        while (i < line.n && !word_char(line.p[i]))
            i++;
        size_t start = i, colons = 0, last_colon = 0;
        for (; i < line.n && word_char(line.p[i]); i++)
            if (line.p[i] == ':')
                colons++, last_colon = i;
        struct tk_str w = { line.p + start, i - start };
        if (w.n < 4)
            continue;
        if (colons == 1) { /* host:port, or a syslog "key:" */
            struct tk_str host = { w.p, last_colon - start };
            add_found(f, lookup(iocs, host, true));
        } else {
            add_found(f, lookup(iocs, w, true));
        }
    }
}

/* The hosts file: the address and every name on each line. */
static void scan_hosts_line(const struct tk_iocs *iocs, struct tk_str line, struct found *f)
{
    struct tk_str before, after, field;
    if (tk_str_cut(line, '#', &before, &after))
        line = before;
    struct tk_str rest = line;
    struct tk_ip ip;
    /* names pointed at nowhere (0.0.0.0, ::, loopback) are blocked, not reached */
    if (tk_str_next_field(&rest, &field) && tk_ip_parse(field, &ip) &&
        (tk_ip_is_unspecified(&ip) || strcmp(tk_ip_class(&ip), "loopback") == 0))
        return;
    for (bool first = true; tk_str_next_field(&line, &field); first = false)
        add_found(f, lookup(iocs, field, !first));
}

/* One text file: a detection of kind "file" with a reason per IOC found in it. For logs only
 * the last LOG_TAIL bytes are read (from a line start). */
static void scan_text(struct tk_bundle *b, const struct tk_iocs *iocs, struct tk_fs *root,
                      const char *path, bool hosts_file)
{
    struct tk_buf text = TK_BUF_INIT(LOG_TAIL + 1);
    struct tk_err err = { 0 };
    struct stat st;
    int rc = tk_fs_stat(root, path, true, &st, &err); /* links resolve inside the root */
    if (rc || !S_ISREG(st.st_mode)) {
        if (rc && rc != TK_ENOENT)
            tk_bundle_error(b, "c2", path, &err);
        tk_buf_release(&text);
        return;
    }
    uint64_t size = (uint64_t)st.st_size, off = size > LOG_TAIL ? size - LOG_TAIL : 0;
    rc = size ? tk_fs_read_range(root, path, off, (size_t)(size - off), &text, &err) : 0;
    if (rc) {
        tk_bundle_error(b, "c2", path, &err);
        tk_buf_release(&text);
        return;
    }
    struct tk_str rest = { tk_buf_cstr(&text), text.len }, line;
    if (off) /* the first line is cut */
        tk_str_next_line(&rest, &line);
    struct found f = { .n = 0 };
    while (tk_str_next_line(&rest, &line) && f.n < MAX_FOUND) {
        if (hosts_file)
            scan_hosts_line(iocs, line, &f);
        else
            scan_log_line(iocs, line, &f);
    }
    tk_buf_release(&text);
    if (f.n) {
        struct tk_detection proto = { .kind = "file", .path = path, .pid = -1,
                                      .size = (int64_t)st.st_size, .mode = st.st_mode & 07777,
                                      .mtime = (int64_t)st.st_mtime, .ctime = (int64_t)st.st_ctime };
        tk_detection_add(b, &proto, NULL, 0, f.ioc, f.n);
    }
}

/* The DNS client cache (Windows): each cached name on the C2 list is a detection of kind
 * "connection" whose remote is the name (this machine resolved it lately). Where there is
 * no cache to list (Linux, TK_EUNSUPP) nothing is said; one that cannot be read is an
 * error in the bundle. */
static void dns_cache(struct tk_bundle *b, const struct tk_iocs *iocs)
{
    struct tk_buf names = TK_BUF_INIT((size_t)64 << 20);
    struct tk_err err = { 0 };
    size_t n = 0, hits = 0;
    if (tk_sys_dns_cache(&names, MAX_CACHED_NAMES, &n, &err) != 0 && err.code != TK_EUNSUPP)
        tk_bundle_error(b, "c2", "DNS client cache", &err);
    const char *name = names.ptr;
    for (size_t i = 0; i < n && hits < MAX_HITS; i++, name += strlen(name) + 1) {
        /* a host name's characters only: another byte (a control character, say) is not a
         * name the resolver looked up, and must not reach the detection's text */
        size_t k = 0;
        while (name[k] && word_char(name[k]))
            k++;
        const struct tk_ioc *ioc = name[k] ? NULL : lookup(iocs, tk_str_c(name), true);
        if (!ioc)
            continue;
        struct tk_detection proto = { .kind = "connection", .remote = name, .pid = -1,
                                      .size = -1, .mode = -1, .mtime = -1, .ctime = -1 };
        tk_detection_add(b, &proto, NULL, 0, &ioc, 1);
        hits++;
    }
    tk_buf_release(&names);
}

/* Logs that name the hosts this machine talked to: the system log (resolvers and daemons
 * log there), dnsmasq's and BIND's query logs, and a local proxy's access log. */
static const char *const logs[] = {
    "/var/log/syslog", "/var/log/syslog.1", "/var/log/messages", "/var/log/daemon.log",
    "/var/log/dnsmasq.log", "/var/log/named/query.log", "/var/log/squid/access.log",
};

int tk_c2_check(struct tk_bundle *b, const struct tk_iocs *iocs, struct tk_fs *root, bool live,
                struct tk_err *err)
{
    (void)err;
    if (tk_iocs_counts(iocs).c2 == 0)
        return 0;
    if (live) {
        connections(b, iocs);
        dns_cache(b, iocs);
    }
    scan_text(b, iocs, root, "/etc/hosts", true);
    scan_text(b, iocs, root, "/Windows/System32/drivers/etc/hosts", true);
    for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++)
        scan_text(b, iocs, root, logs[i], false);
    return 0;
}
