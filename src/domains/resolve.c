/* resolve.c - A, AAAA and MX lookups (resolve.h). */
#include "domains/resolve.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

struct tk_resolver {
    struct __res_state st;
};

int tk_resolver_new(struct tk_resolver **out, const char *server, int timeout_ms,
                    struct tk_err *err)
{
    *out = NULL;
    struct tk_resolver *r = tk_calloc(1, sizeof *r);
    if (!r)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    if (res_ninit(&r->st) != 0) {
        tk_free(r);
        return tk_err_set(err, TK_EIO, "cannot set up the resolver");
    }
    if (server) {
        char host[64];
        unsigned port = 53;
        const char *colon = strrchr(server, ':');
        size_t hn = colon ? (size_t)(colon - server) : strlen(server);
        struct in_addr addr;
        if (hn >= sizeof host ||
            (colon && (sscanf(colon + 1, "%u", &port) != 1 || !port || port > 65535))) {
            res_nclose(&r->st);
            tk_free(r);
            return tk_err_set(err, TK_EINVAL, "--resolver: '%.64s' is not ADDRESS[:PORT]", server);
        }
        memcpy(host, server, hn);
        host[hn] = '\0';
        if (inet_pton(AF_INET, host, &addr) != 1) {
            res_nclose(&r->st);
            tk_free(r);
            return tk_err_set(err, TK_EINVAL, "--resolver: '%.64s' is not an IPv4 address", host);
        }
        r->st.nscount = 1;
        memset(&r->st.nsaddr_list[0], 0, sizeof r->st.nsaddr_list[0]);
        r->st.nsaddr_list[0].sin_family = AF_INET;
        r->st.nsaddr_list[0].sin_port = htons((uint16_t)port);
        r->st.nsaddr_list[0].sin_addr = addr;
    }
    r->st.retrans = timeout_ms >= 1000 ? timeout_ms / 1000 : 1; /* libresolv counts seconds */
    r->st.retry = 1;
    *out = r;
    return 0;
}

void tk_resolver_free(struct tk_resolver *r)
{
    if (!r)
        return;
    res_nclose(&r->st);
    tk_free(r);
}

bool tk_dns_parse(const unsigned char *msg, size_t n, int type, struct tk_dns_answer *ans)
{
    ns_msg h;
    if (n > 65535 || ns_initparse(msg, (int)n, &h) != 0)
        return false;
    int count = ns_msg_count(h, ns_s_an);
    for (int i = 0; i < count; i++) {
        ns_rr rr;
        if (ns_parserr(&h, ns_s_an, i, &rr) != 0)
            return false;
        if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
            continue;
        const unsigned char *rd = ns_rr_rdata(rr);
        size_t rl = ns_rr_rdlen(rr);
        if (type == ns_t_a && rl == 4 && ans->na < TK_DNS_MAX_RECORDS) {
            inet_ntop(AF_INET, rd, ans->a[ans->na++], sizeof ans->a[0]);
        } else if (type == ns_t_aaaa && rl == 16 && ans->naaaa < TK_DNS_MAX_RECORDS) {
            inet_ntop(AF_INET6, rd, ans->aaaa[ans->naaaa++], sizeof ans->aaaa[0]);
        } else if (type == ns_t_mx && rl > 2 && ans->nmx < TK_DNS_MAX_RECORDS) {
            char name[NS_MAXDNAME];
            if (ns_name_uncompress(ns_msg_base(h), ns_msg_end(h), rd + 2, name, sizeof name) < 0)
                return false;
            snprintf(ans->mx[ans->nmx++], sizeof ans->mx[0], "%.255s", name);
        }
    }
    return true;
}

void tk_resolve(struct tk_resolver *r, const char *name, struct tk_dns_answer *ans)
{
    memset(ans, 0, sizeof *ans);
    static const int types[] = { ns_t_a, ns_t_aaaa, ns_t_mx };
    unsigned char buf[NS_PACKETSZ * 16];
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        int n = res_nquery(&r->st, name, ns_c_in, types[i], buf, sizeof buf);
        if (n < 0) {
            /* NXDOMAIN and "no data" are answers; a timeout or a server failure is not */
            int e = r->st.res_h_errno;
            if (e == TRY_AGAIN || e == NO_RECOVERY)
                ans->failed = true;
            if (e == HOST_NOT_FOUND)
                break; /* the name does not exist: no other type will */
            continue;
        }
        if (!tk_dns_parse(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf, types[i], ans))
            ans->failed = true;
    }
}
