/* net.c - Windows implementation of compat/net.h: the TCP and UDP tables with owning pids
 * (GetExtendedTcpTable / GetExtendedUdpTable, IPv4 and IPv6), the adapters
 * (GetAdaptersAddresses) and the DNS client cache (DnsGetCacheDataTable). These are local
 * queries; nothing is sent. */
#include "compat/net.h"

#include <string.h>
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
#include <windows.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "compat/win/win.h"


#define MAX_TABLE ((ULONG)64 << 20)

/* One IP helper table into a tk_malloc'd buffer, growing it while the table grows. */
typedef DWORD(WINAPI *table_fn)(PVOID, PDWORD, BOOL, ULONG, int, ULONG);

static void *fetch(table_fn fn, ULONG family, int cls, const char *what, struct tk_err *err)
{
    DWORD size = 0;
    void *buf = NULL;
    for (int tries = 0; tries < 8; tries++) {
        DWORD r = fn(buf, &size, FALSE, family, cls, 0);
        if (r == NO_ERROR)
            return buf;
        tk_free(buf);
        buf = NULL;
        if (r != ERROR_INSUFFICIENT_BUFFER || size > MAX_TABLE) {
            tk_err_set(err, TK_EIO, "%s: the IP helper answered error %lu", what,
                       (unsigned long)r);
            return NULL;
        }
        size += 4096; /* room for sockets opened meanwhile */
        if (!(buf = tk_malloc(size))) {
            tk_err_set(err, TK_ENOMEM, "out of memory reading %s", what);
            return NULL;
        }
    }
    tk_free(buf);
    tk_err_set(err, TK_EIO, "%s: the table kept growing", what);
    return NULL;
}

static DWORD WINAPI tcp_fn(PVOID b, PDWORD s, BOOL o, ULONG f, int c, ULONG r)
{
    return GetExtendedTcpTable(b, s, o, f, (TCP_TABLE_CLASS)c, r);
}

static DWORD WINAPI udp_fn(PVOID b, PDWORD s, BOOL o, ULONG f, int c, ULONG r)
{
    return GetExtendedUdpTable(b, s, o, f, (UDP_TABLE_CLASS)c, r);
}

static struct tk_ip ip4(DWORD a)
{
    struct tk_ip ip = { .family = 4 };
    memcpy(ip.b, &a, 4); /* already in network order */
    return ip;
}

static struct tk_ip ip6(const UCHAR a[16])
{
    struct tk_ip ip = { .family = 6 };
    memcpy(ip.b, a, 16);
    tk_ip_unmap(&ip);
    return ip;
}

static int port(DWORD p)
{
    return ntohs((u_short)p);
}

/* pid 0 (the idle process) owns no socket: it marks one without an owner (TIME_WAIT) */
static int owner(DWORD pid)
{
    return pid ? (int)pid : -1;
}

struct list {
    struct tk_sys_sock *s;
    size_t n, cap;
};

static int add(struct list *l, struct tk_sys_sock k)
{
    if (tk_grow((void **)&l->s, &l->cap, l->n + 1, sizeof *l->s, 1u << 22))
        return TK_ENOMEM;
    l->s[l->n++] = k;
    return 0;
}

int tk_sys_sockets(struct tk_sys_sock **out, size_t *n, struct tk_err *err)
{
    struct list l = { 0 };
    int rc = 0;
    *out = NULL;
    *n = 0;
    MIB_TCPTABLE_OWNER_PID *t4 = fetch(tcp_fn, AF_INET, TCP_TABLE_OWNER_PID_ALL, "TCP table", err);
    MIB_TCP6TABLE_OWNER_PID *t6 =
        t4 ? fetch(tcp_fn, AF_INET6, TCP_TABLE_OWNER_PID_ALL, "TCP6 table", err) : NULL;
    MIB_UDPTABLE_OWNER_PID *u4 =
        t6 ? fetch(udp_fn, AF_INET, UDP_TABLE_OWNER_PID, "UDP table", err) : NULL;
    MIB_UDP6TABLE_OWNER_PID *u6 =
        u4 ? fetch(udp_fn, AF_INET6, UDP_TABLE_OWNER_PID, "UDP6 table", err) : NULL;
    if (!u6) {
        rc = err->code ? err->code : TK_EIO;
        goto done;
    }
    for (DWORD i = 0; i < t4->dwNumEntries && !rc; i++) {
        const MIB_TCPROW_OWNER_PID *r = &t4->table[i];
        rc = add(&l, (struct tk_sys_sock){ "tcp", ip4(r->dwLocalAddr), ip4(r->dwRemoteAddr),
                                          port(r->dwLocalPort), port(r->dwRemotePort),
                                          r->dwState == MIB_TCP_STATE_LISTEN,
                                          owner(r->dwOwningPid), 0 });
    }
    for (DWORD i = 0; i < t6->dwNumEntries && !rc; i++) {
        const MIB_TCP6ROW_OWNER_PID *r = &t6->table[i];
        rc = add(&l, (struct tk_sys_sock){ "tcp", ip6(r->ucLocalAddr), ip6(r->ucRemoteAddr),
                                          port(r->dwLocalPort), port(r->dwRemotePort),
                                          r->dwState == MIB_TCP_STATE_LISTEN,
                                          owner(r->dwOwningPid), 0 });
    }
    /* UDP has no peer in these tables: every bound socket counts as listening */
    for (DWORD i = 0; i < u4->dwNumEntries && !rc; i++)
        rc = add(&l, (struct tk_sys_sock){ "udp", ip4(u4->table[i].dwLocalAddr),
                                          { .family = 4 }, port(u4->table[i].dwLocalPort), 0,
                                          true, owner(u4->table[i].dwOwningPid), 0 });
    for (DWORD i = 0; i < u6->dwNumEntries && !rc; i++)
        rc = add(&l, (struct tk_sys_sock){ "udp", ip6(u6->table[i].ucLocalAddr),
                                          { .family = 6 }, port(u6->table[i].dwLocalPort), 0,
                                          true, owner(u6->table[i].dwOwningPid), 0 });
    if (rc == TK_ENOMEM)
        tk_err_set(err, rc, "out of memory listing sockets");
done:
    tk_free(t4);
    tk_free(t6);
    tk_free(u4);
    tk_free(u6);
    if (rc) {
        tk_free(l.s);
        return rc;
    }
    *out = l.s;
    *n = l.n;
    return 0;
}

void tk_sys_socket_owners(struct tk_sys_sock *socks, size_t n)
{
    /* the IP helper tables carry the owners already */
}

static bool sockaddr_ip(const SOCKADDR *sa, struct tk_ip *ip)
{
    if (sa && sa->sa_family == AF_INET) {
        const SOCKADDR_IN *in = (const SOCKADDR_IN *)sa;
        *ip = (struct tk_ip){ .family = 4 };
        memcpy(ip->b, &in->sin_addr, 4);
        return true;
    }
    if (sa && sa->sa_family == AF_INET6) {
        const SOCKADDR_IN6 *in6 = (const SOCKADDR_IN6 *)sa;
        *ip = (struct tk_ip){ .family = 6 };
        memcpy(ip->b, &in6->sin6_addr, 16);
        return true;
    }
    return false;
}

int tk_sys_adapters(struct tk_sys_adapter **out, size_t *n, struct tk_err *err)
{
    *out = NULL;
    *n = 0;
    ULONG flags = GAA_FLAG_INCLUDE_GATEWAYS | GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST |
                  GAA_FLAG_SKIP_DNS_SERVER;
    ULONG size = 16384;
    IP_ADAPTER_ADDRESSES *aa = NULL;
    ULONG r = ERROR_BUFFER_OVERFLOW;
    for (int tries = 0; tries < 8 && r == ERROR_BUFFER_OVERFLOW && size <= MAX_TABLE; tries++) {
        tk_free(aa);
        if (!(aa = tk_malloc(size)))
            return tk_err_set(err, TK_ENOMEM, "out of memory reading the adapters");
        r = GetAdaptersAddresses(AF_UNSPEC, flags, NULL, aa, &size);
    }
    if (r == ERROR_NO_DATA) {
        tk_free(aa);
        return 0;
    }
    if (r != NO_ERROR) {
        tk_free(aa);
        return tk_err_set(err, TK_EIO, "GetAdaptersAddresses answered error %lu",
                          (unsigned long)r);
    }
    size_t count = 0;
    for (IP_ADAPTER_ADDRESSES *a = aa; a; a = a->Next)
        count++;
    struct tk_sys_adapter *list = tk_calloc(count ? count : 1, sizeof *list);
    if (!list) {
        tk_free(aa);
        return tk_err_set(err, TK_ENOMEM, "out of memory reading the adapters");
    }
    size_t i = 0;
    for (IP_ADAPTER_ADDRESSES *a = aa; a; a = a->Next, i++) {
        struct tk_sys_adapter *d = &list[i];
        struct tk_buf name = TK_BUF_INIT(sizeof d->name - 1);
        if (a->FriendlyName && tk_win_utf8(a->FriendlyName, wcslen(a->FriendlyName), &name) == 0)
            memcpy(d->name, name.ptr ? name.ptr : "", name.len);
        tk_buf_release(&name);
        if (a->PhysicalAddressLength == 6) {
            const BYTE *m = a->PhysicalAddress;
            snprintf(d->mac, sizeof d->mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
                     m[3], m[4], m[5]);
        }
        d->index = (int)(a->IfIndex ? a->IfIndex : a->Ipv6IfIndex);
        d->mtu = (int)a->Mtu;
        d->up = a->OperStatus == IfOperStatusUp;
        d->loopback = a->IfType == IF_TYPE_SOFTWARE_LOOPBACK;
        d->metric = (int)a->Ipv4Metric;
        for (IP_ADAPTER_UNICAST_ADDRESS *u = a->FirstUnicastAddress;
             u && d->naddrs < sizeof d->addrs / sizeof d->addrs[0]; u = u->Next)
            if (sockaddr_ip(u->Address.lpSockaddr, &d->addrs[d->naddrs].ip))
                d->addrs[d->naddrs++].prefix = u->OnLinkPrefixLength;
        for (IP_ADAPTER_GATEWAY_ADDRESS_LH *g = a->FirstGatewayAddress;
             g && d->ngateways < sizeof d->gateways / sizeof d->gateways[0]; g = g->Next)
            d->ngateways += sockaddr_ip(g->Address.lpSockaddr, &d->gateways[d->ngateways]);
    }
    tk_free(aa);
    *out = list;
    *n = count;
    return 0;
}

/* ---- the DNS client cache ----------------------------------------------------------------- */

/* One entry of the list DnsGetCacheDataTable hands out (the layout tools that read the cache
 * have long relied on); each entry and its name are freed with DnsFree(…, DnsFreeFlat). */
struct dns_cache_entry {
    struct dns_cache_entry *next;
    PWSTR name;
    WORD type, data_length;
    DWORD flags;
};

typedef BOOL(WINAPI *cache_table_fn)(struct dns_cache_entry **);
typedef VOID(WINAPI *dns_free_fn)(PVOID, int);

#define DNS_FREE_FLAT 0
#define MAX_CACHE_WALK 1000000 /* entries walked (a list that does not end is not followed) */

int tk_sys_dns_cache(struct tk_buf *names, size_t max, size_t *n, struct tk_err *err)
{
    *n = 0;
    HMODULE dll = LoadLibraryExW(L"dnsapi.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
    if (!dll)
        return tk_err_set(err, TK_EIO, "dnsapi.dll could not be loaded (error %lu)",
                          (unsigned long)GetLastError());
    cache_table_fn table = (cache_table_fn)(void (*)(void))GetProcAddress(dll, "DnsGetCacheDataTable");
    dns_free_fn dns_free = (dns_free_fn)(void (*)(void))GetProcAddress(dll, "DnsFree");
    struct dns_cache_entry *head = NULL;
    int rc = 0;
    SetLastError(0);
    if (!table || !dns_free)
        rc = tk_err_set(err, TK_EIO, "dnsapi.dll has no DnsGetCacheDataTable");
    else if (!table(&head) && !head && GetLastError() != 0) /* FALSE alone: an empty cache */
        rc = tk_err_set(err, TK_EIO, "the DNS client cache could not be listed (error %lu)",
                        (unsigned long)GetLastError());
    struct tk_buf one = TK_BUF_INIT(4096);
    size_t walked = 0;
    for (struct dns_cache_entry *e = head, *next; e && walked < MAX_CACHE_WALK; e = next) {
        next = e->next;
        walked++;
        if (!rc && e->name && *n < max) {
            tk_buf_reset(&one);
            if (tk_win_utf8(e->name, wcsnlen(e->name, 1024), &one) == 0 && one.len) {
                rc = tk_buf_add(names, one.ptr, one.len);
                if (!rc)
                    rc = tk_buf_addc(names, '\0');
                if (!rc)
                    ++*n;
                else
                    rc = tk_err_set(err, rc, "the DNS client cache is too large");
            }
        }
        if (e->name)
            dns_free(e->name, DNS_FREE_FLAT);
        dns_free(e, DNS_FREE_FLAT);
    }
    tk_buf_release(&one);
    FreeLibrary(dll);
    return rc;
}
