/* exposure.c - findings about how reachable the machine is: public addresses without NAT,
 * SMB/RDP/VNC/Telnet listening beyond loopback, SMB1, SSH password logins, no firewall.
 *
 * A socket's reach is judged from its bound address: a specific global address is public;
 * a wildcard (0.0.0.0, ::) is public when the host has a global address of a family the
 * socket serves, otherwise "all interfaces"; a specific private address is the local
 * network. A loaded firewall may still block what listens, which the evidence says. */
#include <stdio.h>
#include <string.h>

#include "analyze/analyze.h"
#include "core/addr.h"

struct def {
    const char *id;
    enum tk_severity severity;
    const char *category;
    const char *title_en, *title_ja, *fix_en, *fix_ja;
};

enum {
    D_PUBLIC_V4, D_PUBLIC_V6,
    D_SMB_PUBLIC, D_SMB_ALL, D_SMB_LAN,
    D_RDP_PUBLIC, D_RDP_ALL, D_RDP_LAN,
    D_VNC_PUBLIC, D_VNC_ALL,
    D_TELNET_PUBLIC, D_TELNET_ALL,
    D_SMB1_LISTENING, D_SMB1_CONFIGURED,
    D_SSH_PASSWORD_PUBLIC, D_SSH_PASSWORD, D_SSH_ROOT,
    D_NO_FIREWALL_PUBLIC, D_NO_FIREWALL,
    D_COUNT
};

static const struct def defs[D_COUNT] = {
    [D_PUBLIC_V4] = { "TK-EXP-PUBLIC-IPV4", TK_SEV_MEDIUM, "exposure",
        "The PC has a public IPv4 address (no NAT in between)",
        "PCにグローバルIPv4アドレスが直接割り当てられています（NATを経由していません）",
        "Connect the PC through a router with NAT and a firewall, or make sure a host "
        "firewall blocks every incoming connection you do not need.",
        "NATとファイアウォールを備えたルーター経由で接続するか、不要な着信をすべて遮断する"
        "ようホストのファイアウォールを設定してください。" },
    [D_PUBLIC_V6] = { "TK-EXP-GLOBAL-IPV6", TK_SEV_INFO, "exposure",
        "The PC has a global IPv6 address",
        "PCにグローバルIPv6アドレスがあります",
        "Global IPv6 addresses are normal; check that the router or the host firewall "
        "blocks unsolicited incoming IPv6 connections.",
        "グローバルIPv6アドレス自体は通常の状態です。ルーターまたはホストのファイアウォール"
        "が外部からのIPv6着信を遮断していることを確認してください。" },
    [D_SMB_PUBLIC] = { "TK-EXP-SMB-PUBLIC", TK_SEV_HIGH, "exposure",
        "File sharing (SMB) is reachable on a public address",
        "ファイル共有（SMB）がグローバルアドレスで待ち受けています",
        "Stop the SMB service or bind it to the local network only, and block TCP 445 and "
        "139 from the internet.",
        "SMBサービスを停止するか社内・家庭内ネットワークのみで待ち受けるよう設定し、"
        "インターネットからのTCP 445/139を遮断してください。" },
    [D_SMB_ALL] = { "TK-EXP-SMB-ALL", TK_SEV_MEDIUM, "exposure",
        "File sharing (SMB) listens on all interfaces",
        "ファイル共有（SMB）がすべてのインターフェースで待ち受けています",
        "Bind SMB to the interfaces that need it (Samba: 'interfaces' and 'bind interfaces "
        "only = yes') or stop it, and keep TCP 445 and 139 closed to the internet.",
        "必要なインターフェースのみで待ち受けるよう設定する（Samba: interfaces と bind "
        "interfaces only = yes）か停止し、TCP 445/139をインターネットに公開しないでください。" },
    [D_SMB_LAN] = { "TK-EXP-SMB-LAN", TK_SEV_LOW, "exposure",
        "File sharing (SMB) listens on the local network",
        "ファイル共有（SMB）がローカルネットワークで待ち受けています",
        "Make sure sharing is intended on this network; on home or public Wi-Fi, stop it.",
        "このネットワークで共有が必要か確認し、家庭や公衆Wi-Fiでは停止してください。" },
    [D_RDP_PUBLIC] = { "TK-EXP-RDP-PUBLIC", TK_SEV_HIGH, "exposure",
        "Remote desktop (RDP) is reachable on a public address",
        "リモートデスクトップ（RDP）がグローバルアドレスで待ち受けています",
        "Do not expose RDP to the internet: stop the service or reach it through a VPN, and "
        "block TCP 3389 from outside.",
        "RDPをインターネットに公開しないでください。サービスを停止するかVPN経由での利用に"
        "限定し、外部からのTCP 3389を遮断してください。" },
    [D_RDP_ALL] = { "TK-EXP-RDP-ALL", TK_SEV_MEDIUM, "exposure",
        "Remote desktop (RDP) listens on all interfaces",
        "リモートデスクトップ（RDP）がすべてのインターフェースで待ち受けています",
        "Bind the RDP service to the interfaces that need it or stop it, and keep TCP 3389 "
        "closed to the internet.",
        "RDPサービスを必要なインターフェースのみで待ち受けるようにするか停止し、TCP 3389を"
        "インターネットに公開しないでください。" },
    [D_RDP_LAN] = { "TK-EXP-RDP-LAN", TK_SEV_LOW, "exposure",
        "Remote desktop (RDP) listens on the local network",
        "リモートデスクトップ（RDP）がローカルネットワークで待ち受けています",
        "Make sure remote desktop is intended; otherwise stop the service.",
        "リモートデスクトップが必要か確認し、不要であれば停止してください。" },
    [D_VNC_PUBLIC] = { "TK-EXP-VNC-PUBLIC", TK_SEV_HIGH, "exposure",
        "Screen sharing (VNC) is reachable on a public address",
        "画面共有（VNC）がグローバルアドレスで待ち受けています",
        "Stop the VNC server or reach it through a VPN or SSH tunnel only.",
        "VNCサーバーを停止するか、VPNまたはSSHトンネル経由でのみ利用してください。" },
    [D_VNC_ALL] = { "TK-EXP-VNC-ALL", TK_SEV_MEDIUM, "exposure",
        "Screen sharing (VNC) listens on all interfaces",
        "画面共有（VNC）がすべてのインターフェースで待ち受けています",
        "Bind the VNC server to localhost and use an SSH tunnel, or stop it.",
        "VNCサーバーをlocalhostのみで待ち受けるようにしてSSHトンネルを使うか、停止してください。" },
    [D_TELNET_PUBLIC] = { "TK-EXP-TELNET-PUBLIC", TK_SEV_HIGH, "exposure",
        "Telnet (unencrypted remote login) is reachable on a public address",
        "Telnet（暗号化されないリモートログイン）がグローバルアドレスで待ち受けています",
        "Remove the Telnet server; use SSH with keys instead.",
        "Telnetサーバーを削除し、鍵認証のSSHを使用してください。" },
    [D_TELNET_ALL] = { "TK-EXP-TELNET-ALL", TK_SEV_MEDIUM, "exposure",
        "Telnet (unencrypted remote login) listens on all interfaces",
        "Telnet（暗号化されないリモートログイン）がすべてのインターフェースで待ち受けています",
        "Remove the Telnet server; use SSH with keys instead.",
        "Telnetサーバーを削除し、鍵認証のSSHを使用してください。" },
    [D_SMB1_LISTENING] = { "TK-CFG-SMB1", TK_SEV_HIGH, "configuration",
        "SMB1 is allowed by a running SMB server",
        "稼働中のSMBサーバーでSMB1が有効です",
        "Set 'server min protocol = SMB2_10' (or higher) in smb.conf and restart Samba; SMB1 "
        "is the protocol WannaCry-style worms exploit.",
        "smb.conf で server min protocol = SMB2_10 以上を設定し、Sambaを再起動してください。"
        "SMB1はWannaCryなどのワームに悪用されるプロトコルです。" },
    [D_SMB1_CONFIGURED] = { "TK-CFG-SMB1-CONFIGURED", TK_SEV_LOW, "configuration",
        "SMB1 is allowed in the SMB configuration (server not listening)",
        "SMBの設定でSMB1が許可されています（サーバーは待ち受けていません）",
        "Set 'server min protocol = SMB2_10' (or higher) in smb.conf before the server is "
        "started again.",
        "次にサーバーを起動する前に、smb.conf で server min protocol = SMB2_10 以上を設定して"
        "ください。" },
    [D_SSH_PASSWORD_PUBLIC] = { "TK-CFG-SSH-PASSWORD-PUBLIC", TK_SEV_MEDIUM, "configuration",
        "SSH accepts passwords on a public address",
        "SSHがグローバルアドレスでパスワード認証を受け付けています",
        "Set 'PasswordAuthentication no' in sshd_config and log in with keys, or keep SSH "
        "off the internet.",
        "sshd_config で PasswordAuthentication no を設定して鍵認証を使用するか、SSHを"
        "インターネットに公開しないでください。" },
    [D_SSH_PASSWORD] = { "TK-CFG-SSH-PASSWORD", TK_SEV_LOW, "configuration",
        "SSH accepts password logins",
        "SSHがパスワード認証を受け付けています",
        "Prefer key-based logins: set 'PasswordAuthentication no' in sshd_config.",
        "鍵認証を推奨します。sshd_config で PasswordAuthentication no を設定してください。" },
    [D_SSH_ROOT] = { "TK-CFG-SSH-ROOT-LOGIN", TK_SEV_MEDIUM, "configuration",
        "SSH allows root to log in with a password",
        "SSHでrootのパスワードログインが許可されています",
        "Set 'PermitRootLogin prohibit-password' (or 'no') in sshd_config.",
        "sshd_config で PermitRootLogin prohibit-password（または no）を設定してください。" },
    [D_NO_FIREWALL_PUBLIC] = { "TK-EXP-NO-FIREWALL-PUBLIC", TK_SEV_MEDIUM, "exposure",
        "No host firewall rules are loaded on a PC with a public address",
        "グローバルアドレスを持つPCでホストのファイアウォールが有効になっていません",
        "Enable a host firewall (e.g. 'ufw enable') that denies incoming connections by "
        "default.",
        "着信を既定で拒否するホストのファイアウォールを有効にしてください（例: ufw enable）。" },
    [D_NO_FIREWALL] = { "TK-EXP-NO-FIREWALL", TK_SEV_LOW, "exposure",
        "No host firewall rules are loaded while services listen beyond this PC",
        "外部から接続可能なサービスがあるのにホストのファイアウォールが有効になっていません",
        "Enable a host firewall that denies incoming connections by default, especially on "
        "home and public networks.",
        "家庭や公衆ネットワークで利用する場合は特に、着信を既定で拒否するホストのファイア"
        "ウォールを有効にしてください。" },
};

/* Findings are created lazily, one per definition, and collect evidence. */
struct state {
    struct tk_bundle *b;
    struct tk_finding *f[D_COUNT];
    bool global4, global6; /* the host has a global address of this family */
};

static int evidence(struct state *st, int d, const char *ref, const char *text)
{
    if (!st->f[d]) {
        struct tk_finding *f = tk_bundle_add_finding(st->b);
        if (!f)
            return TK_ENOMEM;
        const struct def *df = &defs[d];
        f->id = df->id;
        f->severity = df->severity;
        f->category = df->category;
        f->confidence = "high";
        f->title_en = df->title_en;
        f->title_ja = df->title_ja;
        f->remediation_en = df->fix_en;
        f->remediation_ja = df->fix_ja;
        st->f[d] = f;
    }
    return tk_finding_add_evidence(st->b, st->f[d], ref, text);
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
    { 445, 445, D_SMB_PUBLIC, D_SMB_ALL, D_SMB_LAN },
    { 139, 139, D_SMB_PUBLIC, D_SMB_ALL, D_SMB_LAN },
    { 3389, 3389, D_RDP_PUBLIC, D_RDP_ALL, D_RDP_LAN },
    { 5900, 5909, D_VNC_PUBLIC, D_VNC_ALL, -1 },
    { 23, 23, D_TELNET_PUBLIC, D_TELNET_ALL, -1 },
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
        rc = evidence(st, listening && r > REACH_LOCALHOST ? D_SMB1_LISTENING
                                                            : D_SMB1_CONFIGURED,
                      "/network/services/smb", text);
    }
    const struct tk_service *ssh = find_service(st->b, "ssh");
    if (!rc && ssh && ssh->installed) {
        enum reach r = service_reach(st, ssh, &listening);
        if (listening && r > REACH_LOCALHOST && ssh->password_authentication == TK_YES)
            rc = evidence(st, r == REACH_PUBLIC ? D_SSH_PASSWORD_PUBLIC : D_SSH_PASSWORD,
                          "/network/services/ssh", "PasswordAuthentication yes");
        if (!rc && listening && r > REACH_LOCALHOST && ssh->permit_root_login &&
            strcmp(ssh->permit_root_login, "yes") == 0 &&
            ssh->password_authentication == TK_YES)
            rc = evidence(st, D_SSH_ROOT, "/network/services/ssh", "PermitRootLogin yes");
    }
    return rc;
}

int tk_analyze_exposure(struct tk_bundle *b)
{
    struct state st = { .b = b };
    if (!b->net.collected)
        return 0;
    char ref[96];
    int rc = 0;
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
                rc = evidence(&st, D_PUBLIC_V4, ref, text);
            } else {
                st.global6 = true;
                rc = evidence(&st, D_PUBLIC_V6, ref, text);
            }
        }
    }
    bool beyond = false;
    if (!rc)
        rc = sockets(&st, &beyond);
    if (!rc)
        rc = services(&st);
    if (!rc && beyond && b->net.firewall.loaded == TK_NO)
        rc = evidence(&st, st.global4 ? D_NO_FIREWALL_PUBLIC : D_NO_FIREWALL,
                      "/network/firewall", "no nftables rules loaded");
    return rc;
}
