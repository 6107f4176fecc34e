/* services.c - the services the exposure judgement asks about: SMB (Samba), RDP (xrdp,
 * GNOME Remote Desktop), SSH (OpenSSH), and whether a host firewall is loaded.
 *
 * Runs after the network and package collectors: it ties listening sockets to services
 * and reads each service's configuration the way the daemon itself would (Samba's
 * case- and space-insensitive names and includes, sshd's first-value-wins with Include and
 * Match), so "SMB1 allowed" or "password login allowed" is what the daemon would do. */
#include <errno.h>
#include <fnmatch.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collect/collect.h"
#include "collect/netlink.h"
#include "core/alloc.h"
#include "core/ini.h"

#define CONF_MAX (1 << 20)
#define MAX_INCLUDE_DEPTH 8
/* Files read per configuration, includes included: a file that includes itself several
 * times would otherwise be read (lines ^ depth) times. */
#define MAX_CONFIG_FILES 64

enum { SVC_SMB, SVC_RDP, SVC_SSH };

/* Counts a configuration file about to be read; false (and one error) past the budget. */
static bool within_budget(struct tk_collect_ctx *ctx, int *files, const char *path)
{
    if (++*files <= MAX_CONFIG_FILES)
        return true;
    if (*files == MAX_CONFIG_FILES + 1)
        tk_bundle_errorf(ctx->b, ctx->collector, path, TK_ELIMIT,
                         "%s: more than %d configuration files included; the rest is ignored",
                         path, MAX_CONFIG_FILES);
    return false;
}

/* Version of an installed package from the inventory, or NULL. */
static const char *package_version(struct tk_collect_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->b->nitems; i++) {
        const struct tk_item *it = &ctx->b->items[i];
        if (strcmp(it->kind ? it->kind : "", "package") == 0 && strcmp(it->name, name) == 0 &&
            !tk_item_removed(it))
            return it->version;
    }
    return NULL;
}

/* ---- SMB ------------------------------------------------------------------------------ */

struct smb_conf {
    struct tk_collect_ctx *ctx;
    int depth;
    int files; /* read so far, bounded by MAX_CONFIG_FILES */
    char *min_protocol; /* tk_malloc'd */
    struct tk_buf key;
};

static void smb_read(struct smb_conf *c, const char *path);

/* Samba ignores case and all white space in parameter names. */
static bool smb_key_is(struct smb_conf *c, struct tk_str key, const char *want)
{
    tk_buf_reset(&c->key);
    for (size_t i = 0; i < key.n; i++) {
        char ch = key.p[i];
        if (ch == ' ' || ch == '\t')
            continue;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        tk_buf_addc(&c->key, ch);
    }
    return strcmp(tk_buf_cstr(&c->key), want) == 0;
}

static int smb_cb(void *ud, struct tk_str section, struct tk_str key, struct tk_str value,
                  size_t lineno)
{
    struct smb_conf *c = ud;
    (void)lineno;
    if (!tk_str_eqcase_c(section, "global"))
        return 0;
    if (smb_key_is(c, key, "serverminprotocol") || smb_key_is(c, key, "minprotocol")) {
        tk_free(c->min_protocol); /* the last setting wins in smb.conf */
        c->min_protocol = tk_str_dup(value);
    } else if (smb_key_is(c, key, "include") && c->depth < MAX_INCLUDE_DEPTH) {
        char *inc = tk_str_dup(value);
        /* %-macros (e.g. %m) name per-client files; they cannot be resolved offline. */
        if (inc && !strchr(inc, '%')) {
            c->depth++;
            smb_read(c, inc);
            c->depth--;
        }
        tk_free(inc);
    }
    return 0;
}

static void smb_read(struct smb_conf *c, const char *path)
{
    if (!within_budget(c->ctx, &c->files, path))
        return;
    struct tk_buf buf = TK_BUF_INIT(CONF_MAX);
    if (tk_collect_read(c->ctx, path, &buf) == 0)
        tk_ini_parse((struct tk_str){ tk_buf_cstr(&buf), buf.len }, smb_cb, NULL, c);
    tk_buf_release(&buf);
}

/* Major and minor of a package version like "2:4.17.12+dfsg-0+deb12u1". */
static bool major_minor(const char *v, long *major, long *minor)
{
    const char *colon = strchr(v, ':');
    if (colon)
        v = colon + 1;
    char *end;
    *major = strtol(v, &end, 10);
    if (end == v || *end != '.')
        return false;
    const char *m = end + 1;
    *minor = strtol(m, &end, 10);
    return end != m;
}

static bool protocol_is_smb1(const char *p)
{
    static const char *const smb1[] = { "CORE", "COREPLUS", "LANMAN1", "LANMAN2", "NT1" };
    for (size_t i = 0; i < 5; i++)
        if (strcasecmp(p, smb1[i]) == 0)
            return true;
    return false;
}

static int collect_smb(struct tk_collect_ctx *ctx)
{
    static const int ports[] = { 445, 139, 0 };
    static const char *const procs[] = { "smbd", NULL };
    bool have_conf = tk_fs_exists(ctx->root, "/etc/samba/smb.conf");
    bool have_bin = tk_fs_exists(ctx->root, "/usr/sbin/smbd");
    struct tk_service *s = tk_collect_service(ctx, SVC_SMB, "smb");
    int rc = tk_collect_attach_sockets(ctx, s, ports, procs);
    if (rc || (!have_conf && !have_bin))
        return rc;
    s->product = "samba";
    s->installed = true;
    if (!have_conf)
        return 0;
    s->config = "/etc/samba/smb.conf";
    struct smb_conf c = { .ctx = ctx, .key = TK_BUF_INIT(256) };
    smb_read(&c, s->config);
    tk_buf_release(&c.key);
    if (c.min_protocol && *c.min_protocol) {
        s->min_protocol = tk_bundle_strdup(ctx->b, c.min_protocol);
        s->min_protocol_basis = "setting";
        s->smb1_allowed = protocol_is_smb1(c.min_protocol) ? TK_YES : TK_NO;
    } else {
        /* Samba 4.11 raised the default server min protocol from LANMAN1 to SMB2_02. */
        const char *v = package_version(ctx, "samba");
        long major, minor;
        if (v && major_minor(v, &major, &minor)) {
            bool new_default = major > 4 || (major == 4 && minor >= 11);
            s->min_protocol = new_default ? "SMB2_02" : "LANMAN1";
            s->min_protocol_basis = "default";
            s->smb1_allowed = new_default ? TK_NO : TK_YES;
        }
    }
    tk_free(c.min_protocol);
    return 0;
}

/* ---- SSH ------------------------------------------------------------------------------ */

struct sshd_conf {
    struct tk_collect_ctx *ctx;
    int depth;
    int files; /* read so far, bounded by MAX_CONFIG_FILES */
    bool in_match;
    char *password_auth, *permit_root; /* first value wins */
};

static void sshd_read(struct sshd_conf *c, const char *path);

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Include takes globs, relative to /etc/ssh; only the last component may have wildcards. */
static void sshd_include(struct sshd_conf *c, struct tk_str arg)
{
    struct tk_str rest = arg, word;
    while (tk_str_next_field(&rest, &word)) {
        struct tk_buf pat = TK_BUF_INIT(4096);
        if ((word.p[0] != '/' && tk_buf_adds(&pat, "/etc/ssh/")) ||
            tk_buf_add(&pat, word.p, word.n)) {
            tk_buf_release(&pat);
            continue;
        }
        char *p = pat.ptr, *slash = strrchr(p, '/');
        *slash = '\0';
        const char *dir = *p ? p : "/", *glob = slash + 1;
        struct tk_fs_dir *d;
        if (!strpbrk(glob, "*?[")) {
            *slash = '/';
            sshd_read(c, p);
        } else if (tk_fs_dir_open(c->ctx->root, dir, &d, NULL) == 0) {
            /* sshd reads matches in lexical order. */
            char **names = NULL;
            size_t n = 0, cap = 0;
            const char *name;
            while ((name = tk_fs_dir_next(d, NULL)))
                if (fnmatch(glob, name, FNM_PERIOD) == 0 &&
                    tk_grow((void **)&names, &cap, n + 1, sizeof *names, 1024) == 0)
                    if ((names[n] = tk_strdup(name)))
                        n++;
            tk_fs_dir_close(d);
            if (n)
                qsort(names, n, sizeof *names, cmp_names);
            for (size_t i = 0; i < n; i++) {
                struct tk_buf full = TK_BUF_INIT(4096);
                if (tk_buf_addf(&full, "%s/%s", strcmp(dir, "/") ? dir : "", names[i]) == 0)
                    sshd_read(c, tk_buf_cstr(&full));
                tk_buf_release(&full);
                tk_free(names[i]);
            }
            tk_free(names);
        }
        tk_buf_release(&pat);
    }
}

static int sshd_cb(void *ud, struct tk_str section, struct tk_str key, struct tk_str value,
                   size_t lineno)
{
    struct sshd_conf *c = ud;
    (void)section;
    (void)lineno;
    if (tk_str_eqcase_c(key, "Match")) {
        c->in_match = true; /* everything up to the next Match is conditional */
        return 0;
    }
    if (c->in_match)
        return 0;
    struct tk_str first = value, rest = value;
    tk_str_next_field(&rest, &first);
    if (tk_str_eqcase_c(key, "Include")) {
        if (c->depth < MAX_INCLUDE_DEPTH) {
            c->depth++;
            sshd_include(c, value);
            c->depth--;
        }
    } else if (tk_str_eqcase_c(key, "PasswordAuthentication") && !c->password_auth) {
        c->password_auth = tk_str_dup(first);
    } else if (tk_str_eqcase_c(key, "PermitRootLogin") && !c->permit_root) {
        c->permit_root = tk_str_dup(first);
    }
    return 0;
}

static void sshd_read(struct sshd_conf *c, const char *path)
{
    if (!within_budget(c->ctx, &c->files, path))
        return;
    struct tk_buf buf = TK_BUF_INIT(CONF_MAX);
    bool was_in_match = c->in_match;
    if (tk_collect_read(c->ctx, path, &buf) == 0)
        tk_keyword_parse((struct tk_str){ tk_buf_cstr(&buf), buf.len }, sshd_cb, NULL, c);
    /* A Match inside an included file ends with that file. */
    c->in_match = was_in_match;
    tk_buf_release(&buf);
}

static int collect_ssh(struct tk_collect_ctx *ctx)
{
    static const int ports[] = { 22, 0 };
    static const char *const procs[] = { "sshd", NULL };
    bool have_conf = tk_fs_exists(ctx->root, "/etc/ssh/sshd_config");
    bool have_bin = tk_fs_exists(ctx->root, "/usr/sbin/sshd");
    struct tk_service *s = tk_collect_service(ctx, SVC_SSH, "ssh");
    int rc = tk_collect_attach_sockets(ctx, s, ports, procs);
    if (rc || (!have_conf && !have_bin))
        return rc;
    s->product = "openssh";
    s->installed = true;
    if (!have_conf)
        return 0;
    s->config = "/etc/ssh/sshd_config";
    struct sshd_conf c = { .ctx = ctx };
    sshd_read(&c, s->config);
    /* OpenSSH defaults: password authentication yes; root login prohibit-password. */
    s->password_authentication =
        c.password_auth ? (strcasecmp(c.password_auth, "no") == 0 ? TK_NO : TK_YES) : TK_YES;
    s->permit_root_login = tk_bundle_strdup(ctx->b, c.permit_root ? c.permit_root
                                                                  : "prohibit-password");
    tk_free(c.password_auth);
    tk_free(c.permit_root);
    return 0;
}

/* ---- RDP ------------------------------------------------------------------------------ */

static int collect_rdp(struct tk_collect_ctx *ctx)
{
    static const char *const procs[] = { "xrdp", "gnome-remote-de", "grdctl", NULL };
    int ports[] = { 3389, 0, 0 };
    bool xrdp = tk_fs_exists(ctx->root, "/etc/xrdp/xrdp.ini") ||
                tk_fs_exists(ctx->root, "/usr/sbin/xrdp");
    struct tk_service *s = tk_collect_service(ctx, SVC_RDP, "rdp");
    if (xrdp) {
        s->product = "xrdp";
        s->installed = true;
        s->config = "/etc/xrdp/xrdp.ini";
        struct tk_buf buf = TK_BUF_INIT(CONF_MAX);
        struct tk_str port;
        if (tk_collect_read(ctx, s->config, &buf) == 0 &&
            tk_ini_get((struct tk_str){ tk_buf_cstr(&buf), buf.len }, "Globals", "port",
                       &port)) {
            /* "3389", "tcp://:3389" or "tcp://.:3389"; take the digits after the last ':'. */
            const char *p = port.p + port.n;
            while (p > port.p && p[-1] >= '0' && p[-1] <= '9')
                p--;
            uint64_t v;
            if (tk_str_to_u64((struct tk_str){ p, (size_t)(port.p + port.n - p) }, &v) &&
                v > 0 && v < 65536)
                ports[1] = (int)v;
        }
        tk_buf_release(&buf);
    } else if (tk_fs_exists(ctx->root, "/usr/libexec/gnome-remote-desktop-daemon")) {
        s->product = "gnome-remote-desktop";
        s->installed = true;
    }
    return tk_collect_attach_sockets(ctx, s, ports, procs);
}

/* ---- host firewall -------------------------------------------------------------------- */

static int count_rule(void *ud, uint16_t type, const void *payload, size_t len)
{
    (void)payload;
    (void)len;
    if ((type & 0xFF) == NFT_MSG_NEWRULE)
        (*(size_t *)ud)++;
    return 0;
}

static void collect_firewall(struct tk_collect_ctx *ctx)
{
    struct tk_protection *fw = &ctx->b->net.firewall;
    fw->loaded = TK_UNKNOWN;
    /* Enabled at boot: evidence, not proof, that rules are in force. */
    static const struct {
        const char *path;
        const char *what;
    } boot[] = {
        { "/etc/systemd/system/sysinit.target.wants/nftables.service", "nftables.service enabled" },
        { "/etc/systemd/system/multi-user.target.wants/firewalld.service", "firewalld enabled" },
        { "/etc/systemd/system/multi-user.target.wants/netfilter-persistent.service",
          "netfilter-persistent enabled" },
    };
    for (size_t i = 0; i < sizeof boot / sizeof boot[0]; i++)
        if (tk_fs_exists(ctx->root, boot[i].path))
            tk_firewall_add_evidence(ctx->b, boot[i].what);
    struct tk_buf ufw = TK_BUF_INIT(64 * 1024);
    struct tk_str enabled;
    if (tk_collect_read(ctx, "/etc/ufw/ufw.conf", &ufw) == 0 &&
        tk_ini_get((struct tk_str){ tk_buf_cstr(&ufw), ufw.len }, "", "ENABLED", &enabled) &&
        tk_str_eqcase_c(enabled, "yes"))
        tk_firewall_add_evidence(ctx->b, "ufw enabled (/etc/ufw/ufw.conf)");
    tk_buf_release(&ufw);

    if (!ctx->live)
        return;
    /* The ruleset in force: nftables rules over netlink (needs CAP_NET_ADMIN). iptables-nft
     * rules are nftables rules too. */
    struct nfgenmsg g = { .nfgen_family = NFPROTO_UNSPEC, .version = NFNETLINK_V0 };
    size_t rules = 0;
    int kerr;
    int rc = tk_nl_dump(NETLINK_NETFILTER, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE, &g,
                        sizeof g, 1000000, count_rule, &rules, &kerr);
    if (rc == 0) {
        fw->loaded = rules ? TK_YES : TK_NO;
        tk_firewall_add_evidence(ctx->b, tk_bundle_printf(ctx->b, "%zu nftables rules loaded",
                                                          rules));
    } else if (kerr == EPERM || kerr == EACCES) {
        tk_firewall_add_evidence(ctx->b, "nftables ruleset not readable without root");
    } else {
        tk_bundle_errorf(ctx->b, ctx->collector, NULL, rc, "cannot list nftables rules: %s",
                         kerr ? strerror(kerr) : tk_err_name(rc));
    }
    /* Legacy iptables tables show up here when their module is loaded. */
    struct tk_buf names = TK_BUF_INIT(4096);
    if (ctx->proc && tk_fs_read(ctx->proc, "/net/ip_tables_names", &names, NULL) == 0 &&
        names.len) {
        struct tk_str t = tk_str_trim((struct tk_str){ tk_buf_cstr(&names), names.len });
        tk_firewall_add_evidence(ctx->b, tk_bundle_printf(ctx->b,
                                                          "legacy iptables tables: %.*s",
                                                          (int)t.n, t.p));
        if (fw->loaded == TK_NO)
            fw->loaded = TK_UNKNOWN; /* legacy rules are not counted above */
    }
    tk_buf_release(&names);
}

int tk_collect_services(struct tk_collect_ctx *ctx)
{
    /* All three appear in the bundle, installed or not, so readers see a fixed shape. */
    tk_collect_service(ctx, SVC_SMB, "smb");
    tk_collect_service(ctx, SVC_RDP, "rdp");
    tk_collect_service(ctx, SVC_SSH, "ssh");
    int rc = collect_smb(ctx);
    if (!rc)
        rc = collect_rdp(ctx);
    if (!rc)
        rc = collect_ssh(ctx);
    if (!rc)
        collect_firewall(ctx);
    return rc;
}
