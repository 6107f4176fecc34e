/* exposure.c - findings about how reachable the machine is: public addresses without NAT,
 * SMB/RDP/VNC/Telnet listening beyond loopback, SMB1, SSH password logins, no firewall;
 * and, on the analysis server, what the upload itself showed: a source address that is
 * one of the PC's own (no NAT in between) and ports that answered the opt-in probe.
 *
 * A socket's reach is judged from its bound address: a specific global address is public;
 * a wildcard (0.0.0.0, ::) is public when the host has a global address of a family the
 * socket serves, otherwise "all interfaces"; a specific private address is the local
 * network. A loaded firewall may still block what listens, which the evidence says. */
#include <stdio.h>
#include <string.h>

#include "analyze/analyze.h"
#include "analyze/catalog.h"
#include "core/addr.h"

/* Findings are created lazily, one per definition, and collect evidence. */
struct state {
    struct tk_bundle *b;
    size_t f[TK_F_COUNT]; /* 1 + index into b->findings once created, else 0 */
    bool global4, global6; /* the host has a global address of this family */
};

static int evidence(struct state *st, enum tk_finding_id d, const char *ref, const char *text)
{
    /* The findings array moves when it grows: keep indices, not pointers. */
    if (!st->f[d]) {
        if (!tk_finding_new(st->b, d))
            return TK_ENOMEM;
        st->f[d] = st->b->nfindings;
    }
    return tk_finding_add_evidence(st->b, &st->b->findings[st->f[d] - 1], ref, text);
}

enum reach { REACH_LOCALHOST, REACH_LAN, REACH_ALL, REACH_PUBLIC };

static enum reach socket_reach(const struct state *st, const struct tk_sock *s)
{
    struct tk_ip ip;
    if (!s->address || !tk_ip_parse(tk_str_c(s->address), &ip))
        return REACH_ALL; /* unknown: assume the wider reach, never hide exposure */
    if (tk_ip_is_unspecified(&ip)) {
        /* An IPv6 wildcard socket usually accepts IPv4 too (bindv6only=0). */
        bool global = s->family == 4 ? st->global4 : (st->global6 || st->global4);
        return global ? REACH_PUBLIC : REACH_ALL;
    }
    const char *cls = tk_ip_class(&ip);
    if (strcmp(cls, "loopback") == 0)
        return REACH_LOCALHOST;
    return tk_ip_class_is_global(cls) ? REACH_PUBLIC : REACH_LAN;
}

struct port_rule {
    int lo, hi;
    int d_public, d_all, d_lan; /* -1: no finding at that reach */
};

static const struct port_rule port_rules[] = {
    { 445, 445, TK_F_EXP_SMB_PUBLIC, TK_F_EXP_SMB_ALL, TK_F_EXP_SMB_LAN },
    { 139, 139, TK_F_EXP_SMB_PUBLIC, TK_F_EXP_SMB_ALL, TK_F_EXP_SMB_LAN },
    { 3389, 3389, TK_F_EXP_RDP_PUBLIC, TK_F_EXP_RDP_ALL, TK_F_EXP_RDP_LAN },
    { 5900, 5909, TK_F_EXP_VNC_PUBLIC, TK_F_EXP_VNC_ALL, -1 },
    { 23, 23, TK_F_EXP_TELNET_PUBLIC, TK_F_EXP_TELNET_ALL, -1 },
};

static const char *sock_text(struct tk_bundle *b, const struct tk_sock *s)
{
    bool v6 = s->family == 6;
    return tk_bundle_printf(b, "%s %s%s%s:%d%s%s", s->proto, v6 ? "[" : "", s->address,
                            v6 ? "]" : "", s->port, s->process ? " " : "",
                            s->process ? s->process : "");
}

static const struct tk_service *find_service(const struct tk_bundle *b, const char *name)
{
    for (size_t i = 0; i < b->net.nservices; i++)
        if (b->net.services[i].name && strcmp(b->net.services[i].name, name) == 0)
            return &b->net.services[i];
    return NULL;
}

static int sockets(struct state *st, bool *reachable_beyond_host)
{
    const struct tk_network *n = &st->b->net;
    char ref[64];
    for (size_t i = 0; i < n->nsocks; i++) {
        const struct tk_sock *s = &n->socks[i];
        enum reach r = socket_reach(st, s);
        if (r == REACH_LOCALHOST)
            continue;
        *reachable_beyond_host = true;
        /* RDP on a non-standard port still counts: the services collector tied it. */
        int port = s->port;
        const struct tk_service *rdp = find_service(st->b, "rdp");
        for (size_t k = 0; rdp && k < rdp->nsockets; k++)
            if (rdp->sockets[k] == i)
                port = 3389;
        for (size_t k = 0; k < sizeof port_rules / sizeof port_rules[0]; k++) {
            const struct port_rule *pr = &port_rules[k];
            if (strcmp(s->proto, "tcp") != 0 || port < pr->lo || port > pr->hi)
                continue;
            int d = r == REACH_PUBLIC ? pr->d_public : r == REACH_ALL ? pr->d_all : pr->d_lan;
            if (d < 0)
                continue;
            snprintf(ref, sizeof ref, "/network/listening/%zu", i);
            int rc = evidence(st, d, ref, sock_text(st->b, s));
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* The widest reach among a service's sockets. */
static enum reach service_reach(const struct state *st, const struct tk_service *s, bool *any)
{
    enum reach best = REACH_LOCALHOST;
    *any = false;
    for (size_t i = 0; i < s->nsockets; i++) {
        enum reach r = socket_reach(st, &st->b->net.socks[s->sockets[i]]);
        *any = true;
        if (r > best)
            best = r;
    }
    return best;
}

static int services(struct state *st)
{
    int rc = 0;
    bool listening;
    const struct tk_service *smb = find_service(st->b, "smb");
    if (smb && smb->smb1_allowed == TK_YES) {
        enum reach r = service_reach(st, smb, &listening);
        const char *text = tk_bundle_printf(st->b, "server min protocol = %s (%s)",
                                            smb->min_protocol ? smb->min_protocol : "?",
                                            smb->min_protocol_basis ? smb->min_protocol_basis
                                                                    : "?");
        rc = evidence(st, listening && r > REACH_LOCALHOST ? TK_F_CFG_SMB1
                                                            : TK_F_CFG_SMB1_CONFIGURED,
                      "/network/services/smb", text);
    }
    const struct tk_service *ssh = find_service(st->b, "ssh");
    if (!rc && ssh && ssh->installed) {
        enum reach r = service_reach(st, ssh, &listening);
        if (listening && r > REACH_LOCALHOST && ssh->password_authentication == TK_YES)
            rc = evidence(st, r == REACH_PUBLIC ? TK_F_CFG_SSH_PASSWORD_PUBLIC : TK_F_CFG_SSH_PASSWORD,
                          "/network/services/ssh", "PasswordAuthentication yes");
        if (!rc && listening && r > REACH_LOCALHOST && ssh->permit_root_login &&
            strcmp(ssh->permit_root_login, "yes") == 0 &&
            ssh->password_authentication == TK_YES)
            rc = evidence(st, TK_F_CFG_SSH_ROOT_LOGIN, "/network/services/ssh", "PermitRootLogin yes");
    }
    return rc;
}

/* The upload came from an address the PC has on an interface, and that address is global:
 * no NAT between the PC and the internet. Ports that accepted the server's probe. */
static int upload_reach(struct state *st, const struct tk_reach *reach)
{
    struct tk_ip src;
    if (!reach || !reach->source || !tk_ip_parse(tk_str_c(reach->source), &src))
        return 0;
    tk_ip_unmap(&src);
    bool global = tk_ip_class_is_global(tk_ip_class(&src));
    char ref[96];
    int rc = 0;
    for (size_t i = 0; global && st->b->net.collected && i < st->b->net.nifaces && !rc; i++) {
        const struct tk_iface *f = &st->b->net.ifaces[i];
        for (size_t k = 0; k < f->naddrs && !rc; k++) {
            struct tk_ip a;
            if (!f->addrs[k].address || !tk_ip_parse(tk_str_c(f->addrs[k].address), &a))
                continue;
            tk_ip_unmap(&a);
            if (a.family != src.family || memcmp(a.b, src.b, 16) != 0)
                continue;
            snprintf(ref, sizeof ref, "/network/interfaces/%zu/addresses/%zu", i, k);
            rc = evidence(st, TK_F_EXP_DIRECT, ref,
                          tk_bundle_printf(st->b, "uploaded from %s, the address of %s",
                                           reach->source, f->name));
        }
    }
    for (size_t i = 0; i < reach->nprobes && !rc; i++) {
        const struct tk_probe *p = &reach->probes[i];
        if (p->open != TK_YES)
            continue;
        enum tk_finding_id id = p->service == TK_PROBE_RDP ? TK_F_EXP_PROBE_RDP : TK_F_EXP_PROBE_SMB;
        char port[16];
        snprintf(port, sizeof port, "%d", p->port);
        const struct tk_finding_var var = { "port", port, NULL };
        struct tk_finding *f = tk_finding_new_vars(st->b, id, NULL, &var, 1);
        if (!f)
            return TK_ENOMEM;
        /* Seen from a server on the same private network, it is not the internet. */
        if (!global && f->severity > TK_SEV_MEDIUM)
            f->severity = TK_SEV_MEDIUM;
        rc = tk_finding_add_evidence(st->b, f, NULL,
                                     tk_bundle_printf(st->b, "tcp %s:%d accepted a connection",
                                                      reach->source, p->port));
    }
    return rc;
}

int tk_analyze_exposure(struct tk_bundle *b, const struct tk_analysis *an, struct tk_err *err)
{
    (void)err;
    struct state st = { .b = b };
    int rc = upload_reach(&st, an ? an->reach : NULL);
    /* the antivirus is a setting, judged for offline images as well */
    for (size_t i = 0; i < b->antivirus.nevidence && !rc && b->antivirus.loaded == TK_NO; i++)
        rc = evidence(&st, TK_F_CFG_ANTIVIRUS_OFF, "/antivirus", b->antivirus.evidence[i]);
    if (rc || !b->net.collected)
        return rc;
    char ref[96];
    for (size_t i = 0; i < b->net.nifaces && !rc; i++) {
        const struct tk_iface *f = &b->net.ifaces[i];
        for (size_t k = 0; k < f->naddrs && !rc; k++) {
            const struct tk_addr *a = &f->addrs[k];
            if (!tk_ip_class_is_global(a->class))
                continue;
            snprintf(ref, sizeof ref, "/network/interfaces/%zu/addresses/%zu", i, k);
            const char *text = tk_bundle_printf(b, "%s/%d on %s", a->address, a->prefix,
                                                f->name);
            if (a->family == 4) {
                st.global4 = true;
                rc = evidence(&st, TK_F_EXP_PUBLIC_IPV4, ref, text);
            } else {
                st.global6 = true;
                rc = evidence(&st, TK_F_EXP_GLOBAL_IPV6, ref, text);
            }
        }
    }
    bool beyond = false;
    if (!rc)
        rc = sockets(&st, &beyond);
    if (!rc)
        rc = services(&st);
    if (!rc && beyond && b->net.firewall.loaded == TK_NO) {
        /* What the collector saw off (a Windows Firewall profile), else the Linux case. */
        const char *why = "no nftables rules loaded";
        for (size_t i = 0; i < b->net.firewall.nevidence; i++) {
            const char *e = b->net.firewall.evidence[i];
            size_t n = e ? strlen(e) : 0;
            if (n > 5 && strcmp(e + n - 5, ": off") == 0) {
                why = e;
                break;
            }
        }
        rc = evidence(&st, st.global4 ? TK_F_EXP_NO_FIREWALL_PUBLIC : TK_F_EXP_NO_FIREWALL,
                      "/network/firewall", why);
    }
    return rc;
}
