/* windows.c - the Windows collectors that read the registry (collect/winreg.h), the same
 * code for the running system (tenken.exe) and for an offline image read on Linux.
 *
 *   host       Windows edition, build and update revision, computer name, machine GUID
 *              (HMAC'd into the endpoint id as on Linux), architecture, time zone
 *   users      profiles from ProfileList: account SIDs and their profile directories
 *   software   Uninstall keys: HKLM in the 64- and 32-bit views and each user's HKU hive;
 *              installed updates (KB numbers) from the servicing stack's packages
 *   network    this machine's adapters, addresses, default gateways and listening sockets
 *              with their processes (compat/net.h); nothing for an offline image
 *   services   RDP (allowed, NLA, port), the SMB server and SMBv1, firewall profiles,
 *              Microsoft Defender's real-time protection
 *   (programs: winprog.c; autostart traces: winauto.c)
 *
 * Values that group policy can override are read from the policy key first. Which facts
 * these are, and the public documentation they rest on, is in docs/collectors.md. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collect/collect.h"
#include "collect/winreg.h"
#include "compat/net.h"
#include "compat/proc.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "core/map.h"
#include "tk_config.h"

#define ENDPOINT_ID_KEY "tenken endpoint id v1"
#define CURRENT_VERSION "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
#define PROFILE_LIST CURRENT_VERSION "\\ProfileList"
#define CCS "HKLM\\SYSTEM\\CurrentControlSet"

static const char *reg_str(struct tk_collect_ctx *ctx, const char *path, const char *value)
{
    struct tk_buf v = TK_BUF_INIT(1 << 16);
    const char *s = NULL;
    if (tk_winreg_get_str(ctx->reg, path, value, &v) == 0)
        s = tk_bundle_strdup(ctx->b, tk_buf_cstr(&v));
    tk_buf_release(&v);
    return s;
}

/* A DWORD, or `absent` when the value is missing or not a number. */
static int64_t reg_dword(struct tk_collect_ctx *ctx, const char *path, const char *value,
                      int64_t absent)
{
    uint32_t v;
    return tk_winreg_get_dword(ctx->reg, path, value, &v) == 0 ? (long)v : absent;
}

/* The policy value when group policy sets one, else the setting. */
static int64_t policy_dword(struct tk_collect_ctx *ctx, const char *policy, const char *path,
                         const char *value, int64_t absent)
{
    int64_t v = reg_dword(ctx, policy, value, -1);
    return v >= 0 ? v : reg_dword(ctx, path, value, absent);
}

static bool need_registry(struct tk_collect_ctx *ctx)
{
    if (ctx->reg)
        return true;
    ctx->note = "the registry could not be opened";
    return false;
}

/* ---- host ------------------------------------------------------------------------------- */

static const char *arch_name(const char *a)
{
    if (!a)
        return NULL;
    if (strcasecmp(a, "AMD64") == 0)
        return "x86_64";
    if (strcasecmp(a, "ARM64") == 0)
        return "aarch64";
    if (strcasecmp(a, "x86") == 0)
        return "i686";
    return a;
}

int tk_collect_win_host(struct tk_collect_ctx *ctx)
{
    struct tk_bundle *b = ctx->b;
    struct tk_host *h = &b->host;
    h->os_family = "windows";
    h->os_id = "windows";
    h->collector_version = TK_VERSION;
    h->boot_time = -1;
    b->scan.privileged = ctx->live && tk_sys_privileged();
    if (!need_registry(ctx))
        return 0;
    const char *product = reg_str(ctx, CURRENT_VERSION, "ProductName");
    const char *build = reg_str(ctx, CURRENT_VERSION, "CurrentBuildNumber");
    if (!build)
        build = reg_str(ctx, CURRENT_VERSION, "CurrentBuild");
    int64_t major = reg_dword(ctx, CURRENT_VERSION, "CurrentMajorVersionNumber", -1);
    int64_t minor = reg_dword(ctx, CURRENT_VERSION, "CurrentMinorVersionNumber", -1);
    int64_t ubr = reg_dword(ctx, CURRENT_VERSION, "UBR", -1);
    const char *cv = reg_str(ctx, CURRENT_VERSION, "CurrentVersion"); /* "6.3" */
    long nbuild = build ? strtol(build, NULL, 10) : 0;
    /* Windows 11 kept "Windows 10" in ProductName; its builds start at 22000. */
    if (product && nbuild >= 22000 && strncmp(product, "Windows 10", 10) == 0)
        product = tk_bundle_printf(b, "Windows 11%s", product + 10);
    h->os_name = product;
    h->os_codename = reg_str(ctx, CURRENT_VERSION, "DisplayVersion");
    if (!h->os_codename)
        h->os_codename = reg_str(ctx, CURRENT_VERSION, "ReleaseId");
    if (build && major >= 0 && minor >= 0)
        h->os_version_id =
            tk_bundle_printf(b, "%lld.%lld.%s", (long long)major, (long long)minor, build);
    else if (build && cv)
        h->os_version_id = tk_bundle_printf(b, "%s.%s", cv, build);
    if (h->os_version_id)
        h->kernel_release =
            ubr >= 0 ? tk_bundle_printf(b, "%s.%lld", h->os_version_id, (long long)ubr)
                     : h->os_version_id;
    h->kernel_version = reg_str(ctx, CURRENT_VERSION, "BuildLabEx");
    h->hostname = reg_str(ctx, CCS "\\Control\\ComputerName\\ComputerName", "ComputerName");
    h->arch = arch_name(reg_str(ctx, CCS "\\Control\\Session Manager\\Environment",
                                "PROCESSOR_ARCHITECTURE"));
    h->timezone = reg_str(ctx, CCS "\\Control\\TimeZoneInformation", "TimeZoneKeyName");
    const char *guid = reg_str(ctx, "HKLM\\SOFTWARE\\Microsoft\\Cryptography", "MachineGuid");
    char mac[TK_SHA256_HEX_LEN + 1];
    if (guid && tk_hmac_sha256_hex(ENDPOINT_ID_KEY, strlen(ENDPOINT_ID_KEY), guid,
                                   strlen(guid), mac) == 0)
        h->endpoint_id = tk_bundle_strndup(b, mac, 32);
    else
        tk_bundle_errorf(b, ctx->collector, NULL, TK_ENOENT,
                         "no MachineGuid in HKLM\\SOFTWARE\\Microsoft\\Cryptography; the "
                         "endpoint id is unknown");
    if (!product)
        tk_bundle_errorf(b, ctx->collector, NULL, TK_ENOENT,
                         "%s has no ProductName: the Windows version is unknown", CURRENT_VERSION);
    return 0;
}

/* Installed updates: the servicing stack's packages named after a KB article whose
 * CurrentState is 112 (installed). Cumulative updates appear as RollupFix packages without
 * a KB in the name; the build's update revision (UBR) tells those. */
#define CBS_PACKAGES \
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"
#define MAX_PACKAGES 200000

static int updates(struct tk_collect_ctx *ctx)
{
    struct tk_winreg_key *list, *k;
    struct tk_err e = { 0 };
    int rc = tk_winreg_key_open(ctx->reg, CBS_PACKAGES, &list, &e);
    if (rc)
        return rc == TK_ENOMEM ? rc : 0;
    struct tk_buf name = TK_BUF_INIT(4096), sub = TK_BUF_INIT(8192);
    const char *n;
    rc = 0;
    for (size_t i = 0; !rc && i < MAX_PACKAGES && (n = tk_winreg_subkey(list, i, &name)); i++) {
        if (strncasecmp(n, "Package_for_KB", 14) != 0)
            continue;
        char kb[16] = "KB";
        size_t d = 0;
        while (d < 10 && n[14 + d] >= '0' && n[14 + d] <= '9') {
            kb[2 + d] = n[14 + d];
            d++;
        }
        kb[2 + d] = '\0';
        tk_buf_reset(&sub);
        if (d < 6 || tk_buf_addf(&sub, CBS_PACKAGES "\\%s", n) != 0 ||
            tk_winreg_key_open(ctx->reg, tk_buf_cstr(&sub), &k, &e) != 0)
            continue;
        uint32_t state = 0;
        if (tk_winreg_dword(k, "CurrentState", &state) == 0 && state == 112 &&
            (rc = tk_bundle_add_update(ctx->b, kb)) == TK_ELIMIT)
            rc = 0; /* the first 4096 are kept */
        tk_winreg_key_close(k);
    }
    tk_buf_release(&name);
    tk_buf_release(&sub);
    tk_winreg_key_close(list);
    return rc;
}

/* ---- users -------------------------------------------------------------------------------- */

int tk_collect_win_users(struct tk_collect_ctx *ctx)
{
    if (!need_registry(ctx))
        return 0;
    struct tk_winreg_key *list;
    struct tk_err e = { 0 };
    if (tk_winreg_key_open(ctx->reg, PROFILE_LIST, &list, &e) != 0) {
        ctx->note = "no ProfileList in the registry";
        return 0;
    }
    struct tk_buf name = TK_BUF_INIT(512), key = TK_BUF_INIT(1024), dir = TK_BUF_INIT(4096);
    int rc = 0;
    const char *sid;
    ctx->b->scan.users_complete = true;
    for (size_t i = 0; !rc && (sid = tk_winreg_subkey(list, i, &name)) != NULL; i++) {
        /* Local and domain accounts; the service accounts S-1-5-18/19/20 are not users. */
        if (strncmp(sid, "S-1-5-21-", 9) != 0 && strncmp(sid, "S-1-12-1-", 9) != 0)
            continue;
        tk_buf_reset(&key);
        tk_buf_reset(&dir);
        if (tk_buf_addf(&key, PROFILE_LIST "\\%s", sid) != 0 ||
            tk_winreg_get_str(ctx->reg, tk_buf_cstr(&key), "ProfileImagePath", &dir) != 0)
            continue;
        tk_buf_reset(&key);
        if (tk_winreg_image_path(tk_buf_cstr(&dir), &key) != 0)
            continue; /* a profile on another drive or a share: not in this image */
        if (!tk_fs_is_dir(ctx->root, tk_buf_cstr(&key)))
            continue; /* a profile never created or since deleted: nothing to collect */
        const char *home = tk_bundle_strdup(ctx->b, tk_buf_cstr(&key));
        if (!home) {
            rc = TK_ENOMEM;
            break;
        }
        const char *base = strrchr(home, '/');
        rc = tk_grow((void **)&ctx->users, &ctx->cusers, ctx->nusers + 1, sizeof *ctx->users,
                     100000);
        if (rc)
            break;
        struct tk_user *u = &ctx->users[ctx->nusers++];
        memset(u, 0, sizeof *u);
        u->name = tk_bundle_strdup(ctx->b, base ? base + 1 : home);
        u->home = home;
        u->sid = tk_bundle_strdup(ctx->b, sid);
        u->uid = -1;
        u->readable = true;
        if (!u->name || !u->sid)
            rc = TK_ENOMEM;
    }
    tk_buf_release(&name);
    tk_buf_release(&key);
    tk_buf_release(&dir);
    tk_winreg_key_close(list);
    return rc == TK_ENOMEM ? rc : 0;
}

/* ---- software ----------------------------------------------------------------------------- */

#define UNINSTALL "Microsoft\\Windows\\CurrentVersion\\Uninstall"

/* An item of source from a key that holds a product's DisplayName, DisplayVersion,
 * Publisher and InstallLocation (an Uninstall subkey, or the installer's InstallProperties);
 * NULL when the key has no name or the item bound is reached (counted as dropped). */
static struct tk_item *program_item(struct tk_collect_ctx *ctx, struct tk_winreg_key *k,
                                    const char *source, const char *id, const char *user)
{
    struct tk_buf name = TK_BUF_INIT(4096), v = TK_BUF_INIT(4096);
    struct tk_item *it = NULL;
    if (tk_winreg_str(k, "DisplayName", &name) != 0 || !name.len)
        goto out;
    const char *version = tk_winreg_str(k, "DisplayVersion", &v) == 0 ? tk_buf_cstr(&v) : NULL;
    it = tk_collect_item(ctx, source, "application", tk_buf_cstr(&name), version, NULL);
    if (!it)
        goto out;
    it->user = user;
    it->id = id ? tk_bundle_strdup(ctx->b, id) : NULL;
    it->version_from = version ? tk_bundle_strdup(ctx->b, tk_winreg_key_path(k)) : NULL;
    if (tk_winreg_str(k, "Publisher", &v) == 0)
        it->vendor = tk_bundle_strdup(ctx->b, tk_buf_cstr(&v));
    if (tk_winreg_str(k, "InstallLocation", &v) == 0 && v.len)
        it->path = tk_bundle_strdup(ctx->b, tk_buf_cstr(&v));
out:
    tk_buf_release(&name);
    tk_buf_release(&v);
    return it;
}

/* One Uninstall subkey as an item; entries without a name, and updates of another
 * product, are not software of their own. */
static int uninstall_entry(struct tk_collect_ctx *ctx, struct tk_winreg_key *k, const char *arch,
                           const char *user)
{
    struct tk_buf parent = TK_BUF_INIT(4096);
    bool update = tk_winreg_str(k, "ParentKeyName", &parent) == 0;
    tk_buf_release(&parent);
    if (update)
        return 0;
    const char *base = strrchr(tk_winreg_key_path(k), '\\');
    struct tk_item *it = program_item(ctx, k, "registry", base ? base + 1 : NULL, user);
    uint32_t msi = 0;
    if (it) {
        it->arch = arch;
        if (tk_winreg_dword(k, "WindowsInstaller", &msi) == 0 && msi == 1)
            it->status = "msi";
    }
    return 0;
}

static int uninstall_list(struct tk_collect_ctx *ctx, const char *path, const char *arch,
                          const char *user)
{
    struct tk_winreg_key *list, *k;
    struct tk_err e = { 0 };
    int orc = tk_winreg_key_open(ctx->reg, path, &list, &e);
    if (orc == TK_ENOMEM)
        return orc;
    if (orc) {
        if (orc != TK_ENOENT)
            tk_collect_error(ctx, NULL, &e);
        return 0;
    }
    struct tk_buf name = TK_BUF_INIT(1024), sub = TK_BUF_INIT(2048);
    const char *n;
    int rc = 0;
    for (size_t i = 0; !rc && (n = tk_winreg_subkey(list, i, &name)) != NULL; i++) {
        tk_buf_reset(&sub);
        if (tk_buf_addf(&sub, "%s\\%s", path, n) != 0 ||
            tk_winreg_key_open(ctx->reg, tk_buf_cstr(&sub), &k, &e) != 0)
            continue;
        rc = uninstall_entry(ctx, k, arch, user);
        tk_winreg_key_close(k);
    }
    tk_buf_release(&name);
    tk_buf_release(&sub);
    tk_winreg_key_close(list);
    return rc;
}

/* Windows Installer products, as the installer keeps them:
 * Installer\UserData\SID\Products\PACKED\InstallProperties (DisplayName, DisplayVersion,
 * Publisher, InstallLocation), PACKED being the product code with its hex digits reordered.
 * Machine-wide products also have an Uninstall key named by their product code and are
 * listed from there; what no Uninstall key named (per-user installs) is added here. */
#define MSI_USERDATA "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Installer\\UserData"

/* "E7A0F5B62B1A4D3C5E6F1032547698BA" -> "{6B5F0A7E-A1B2-C3D4-E5F6-0123456789AB}" */
static bool product_code(const char *packed, char code[39])
{
    static const unsigned char from[32] = { 7,  6,  5,  4,  3,  2,  1,  0,  11, 10, 9,
                                            8,  15, 14, 13, 12, 17, 16, 19, 18, 21, 20,
                                            23, 22, 25, 24, 27, 26, 29, 28, 31, 30 };
    if (strlen(packed) != 32)
        return false;
    char *o = code;
    *o++ = '{';
    for (size_t i = 0; i < 32; i++) {
        char c = packed[from[i]];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex)
            return false;
        if (i == 8 || i == 12 || i == 16 || i == 20)
            *o++ = '-';
        *o++ = c >= 'a' ? (char)(c - 32) : c;
    }
    *o++ = '}';
    *o = '\0';
    return true;
}

/* The product codes the Uninstall keys listed, upper case, as a set (a lookup per product:
 * an image with many of both is not a quadratic walk); products added from the installer's
 * keys join it, so one listed under two SIDs is added once. */
static const char listed_mark = 1; /* a set: what a key maps to is never read */

static int listed_codes(const struct tk_bundle *b, struct tk_map *set)
{
    for (size_t i = 0; i < b->nitems; i++) {
        const struct tk_item *it = &b->items[i];
        size_t n = it->id ? strlen(it->id) : 0;
        if (n != 38 || !it->source || strcmp(it->source, "registry") != 0 || it->id[0] != '{')
            continue;
        char up[39];
        for (size_t k = 0; k <= n; k++)
            up[k] = it->id[k] >= 'a' && it->id[k] <= 'z' ? (char)(it->id[k] - 32) : it->id[k];
        int rc = tk_map_put(set, (struct tk_str){ up, n }, (void *)&listed_mark);
        if (rc)
            return rc == TK_ENOMEM ? rc : 0; /* past the bound: products may repeat */
    }
    return 0;
}

static int msi_products_of(struct tk_collect_ctx *ctx, struct tk_map *listed, const char *sid,
                           const char *user)
{
    struct tk_winreg_key *list, *k;
    struct tk_err e = { 0 };
    struct tk_buf path = TK_BUF_INIT(2048), name = TK_BUF_INIT(1024);
    int rc = tk_buf_addf(&path, MSI_USERDATA "\\%s\\Products", sid);
    if (rc || (rc = tk_winreg_key_open(ctx->reg, tk_buf_cstr(&path), &list, &e)) != 0) {
        tk_buf_release(&path);
        return rc == TK_ENOMEM ? rc : 0;
    }
    const char *n;
    rc = 0;
    for (size_t i = 0; !rc && i < MAX_PACKAGES && (n = tk_winreg_subkey(list, i, &name)); i++) {
        char code[39];
        if (!product_code(n, code) || tk_map_get(listed, (struct tk_str){ code, 38 }))
            continue;
        tk_buf_reset(&path);
        if (tk_buf_addf(&path, MSI_USERDATA "\\%s\\Products\\%s\\InstallProperties", sid,
                        n) != 0 ||
            tk_winreg_key_open(ctx->reg, tk_buf_cstr(&path), &k, &e) != 0)
            continue;
        if (program_item(ctx, k, "msi", code, user)) {
            int put = tk_map_put(listed, (struct tk_str){ code, 38 }, (void *)&listed_mark);
            rc = put == TK_ENOMEM ? put : 0; /* past the bound: products may repeat */
        }
        tk_winreg_key_close(k);
    }
    tk_winreg_key_close(list);
    tk_buf_release(&path);
    tk_buf_release(&name);
    return rc;
}

static int msi_products(struct tk_collect_ctx *ctx)
{
    struct tk_map listed;
    tk_map_init(&listed, TK_BUNDLE_MAX_ITEMS);
    int rc = listed_codes(ctx->b, &listed);
    if (!rc)
        rc = msi_products_of(ctx, &listed, "S-1-5-18", NULL);
    for (size_t i = 0; !rc && i < ctx->nusers; i++)
        if (ctx->users[i].sid)
            rc = msi_products_of(ctx, &listed, ctx->users[i].sid, ctx->users[i].name);
    tk_map_release(&listed);
    return rc;
}

/* Windows itself as an inventory item, so the knowledge base judges its release and patch
 * level like any product: the version is major.minor.build.UBR ("10.0.19045.3803"), or
 * major.minor.build where the system keeps no update revision (Windows 7 and 8.1). */
static int os_item(struct tk_collect_ctx *ctx)
{
    const struct tk_host *h = &ctx->b->host;
    if (!h->os_name || !h->kernel_release)
        return 0;
    struct tk_item *it = tk_collect_item(ctx, "registry", "os", h->os_name, h->kernel_release,
                                         NULL);
    if (!it)
        return TK_ENOMEM;
    it->vendor = "Microsoft Corporation";
    it->arch = h->arch;
    it->version_from = CURRENT_VERSION;
    return 0;
}

int tk_collect_win_software(struct tk_collect_ctx *ctx)
{
    if (!need_registry(ctx))
        return 0;
    int rc = os_item(ctx);
    if (!rc)
        rc = uninstall_list(ctx, "HKLM\\SOFTWARE\\" UNINSTALL, "x64", NULL);
    if (!rc)
        rc = uninstall_list(ctx, "HKLM\\SOFTWARE\\WOW6432Node\\" UNINSTALL, "x86", NULL);
    struct tk_buf path = TK_BUF_INIT(1024);
    for (size_t i = 0; !rc && i < ctx->nusers; i++) {
        if (!ctx->users[i].sid)
            continue;
        tk_buf_reset(&path);
        if (tk_buf_addf(&path, "HKU\\%s\\Software\\" UNINSTALL, ctx->users[i].sid) == 0)
            rc = uninstall_list(ctx, tk_buf_cstr(&path), NULL, ctx->users[i].name);
    }
    tk_buf_release(&path);
    if (!rc)
        rc = msi_products(ctx);
    return rc ? rc : updates(ctx);
}

/* ---- network ------------------------------------------------------------------------------ */

static int adapters(struct tk_collect_ctx *ctx)
{
    struct tk_sys_adapter *list = NULL;
    size_t n = 0;
    struct tk_err e = { 0 };
    if (tk_sys_adapters(&list, &n, &e) != 0) {
        tk_collect_error(ctx, NULL, &e);
        return e.code == TK_ENOMEM ? TK_ENOMEM : 0;
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct tk_sys_adapter *a = &list[i];
        struct tk_iface *f = tk_bundle_add_iface(ctx->b);
        if (!f) {
            rc = TK_ENOMEM;
            break;
        }
        f->name = tk_bundle_strdup(ctx->b, a->name);
        f->index = a->index;
        f->mac = a->mac[0] ? tk_bundle_strdup(ctx->b, a->mac) : NULL;
        f->state = a->up ? "up" : "down";
        f->mtu = a->mtu;
        f->loopback = a->loopback;
        for (size_t k = 0; k < a->naddrs && !rc; k++) {
            struct tk_addr *ad = tk_bundle_add_addr(ctx->b, f);
            char text[TK_IP_STRLEN];
            tk_ip_format(&a->addrs[k].ip, text);
            if (!ad || !(ad->address = tk_bundle_strdup(ctx->b, text))) {
                rc = TK_ENOMEM;
                break;
            }
            ad->prefix = a->addrs[k].prefix;
            ad->family = a->addrs[k].ip.family;
            ad->class = tk_ip_class(&a->addrs[k].ip);
        }
        for (size_t k = 0; k < a->ngateways && !rc; k++) {
            struct tk_route *rt = tk_bundle_add_route(ctx->b);
            char gw[TK_IP_STRLEN];
            tk_ip_format(&a->gateways[k], gw);
            if (!rt || !(rt->gateway = tk_bundle_strdup(ctx->b, gw))) {
                rc = TK_ENOMEM;
                break;
            }
            rt->family = a->gateways[k].family;
            rt->iface = f->name;
            rt->metric = a->metric;
        }
    }
    tk_free(list);
    return rc;
}

static int listening(struct tk_collect_ctx *ctx)
{
    struct tk_sys_sock *socks = NULL;
    size_t n = 0;
    struct tk_err e = { 0 };
    if (tk_sys_sockets(&socks, &n, &e) != 0) {
        tk_collect_error(ctx, NULL, &e);
        return e.code == TK_ENOMEM ? TK_ENOMEM : 0;
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct tk_sys_sock *s = &socks[i];
        if (!s->listening)
            continue;
        struct tk_sock *k = tk_bundle_add_sock(ctx->b);
        if (!k) {
            rc = ctx->b->net.nsocks >= TK_BUNDLE_MAX_SOCKETS ? 0 : TK_ENOMEM;
            break;
        }
        char text[TK_IP_STRLEN];
        tk_ip_format(&s->local, text);
        k->proto = s->proto;
        k->family = s->local.family;
        k->address = tk_bundle_strdup(ctx->b, text);
        k->port = s->lport;
        k->pid = s->pid;
        k->uid = -1;
        struct tk_proc p;
        if (s->pid > 0 && tk_proc_identify(s->pid, &p, &e) == 0)
            k->process = tk_bundle_strdup(ctx->b, p.comm);
        if (!k->address)
            rc = TK_ENOMEM;
    }
    tk_free(socks);
    return rc;
}

int tk_collect_win_network(struct tk_collect_ctx *ctx)
{
    if (!ctx->live) {
        ctx->note = "offline image: no live network state";
        return 0;
    }
    ctx->b->net.collected = true;
    int rc = adapters(ctx);
    return rc ? rc : listening(ctx);
}

/* ---- services: RDP, SMB, firewall ---------------------------------------------------------- */

#define TS_POLICY "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services"
#define TS CCS "\\Control\\Terminal Server"
#define RDP_TCP TS "\\WinStations\\RDP-Tcp"
#define SMB_PARAMS CCS "\\Services\\LanmanServer\\Parameters"

static enum tk_tri tri_of(int64_t v, int64_t yes)
{
    return v < 0 ? TK_UNKNOWN : v == yes ? TK_YES : TK_NO;
}

static int rdp(struct tk_collect_ctx *ctx)
{
    struct tk_service *s = tk_collect_service(ctx, 1, "rdp");
    s->product = "windows-rdp";
    s->installed = reg_dword(ctx, TS, "fDenyTSConnections", -1) >= 0 ||
                   reg_dword(ctx, RDP_TCP, "PortNumber", -1) >= 0;
    int64_t deny = policy_dword(ctx, TS_POLICY, TS, "fDenyTSConnections", -1);
    s->enabled = deny < 0 ? TK_UNKNOWN : deny == 0 ? TK_YES : TK_NO;
    /* UserAuthentication 1 requires NLA; absent means the default of current Windows (on). */
    int64_t nla = policy_dword(ctx, TS_POLICY, RDP_TCP, "UserAuthentication", s->installed ? 1 : -1);
    s->nla_required = tri_of(nla, 1);
    int64_t port = reg_dword(ctx, RDP_TCP, "PortNumber", s->installed ? 3389 : -1);
    s->port = port > 0 && port < 65536 ? (int)port : 0;
    s->config = s->installed ? TS : NULL;
    int ports[] = { s->port ? s->port : 3389, 0 };
    static const char *const procs[] = { NULL };
    return s->enabled == TK_NO ? 0 : tk_collect_attach_sockets(ctx, s, ports, procs);
}

/* SMBv1 in the SMB server: off when the SMB1 value is 0, or when the SMB1 server driver
 * (the "srv" service, removed with the SMB1Protocol feature) is absent or disabled; on
 * when the driver is there and nothing turns it off. */
static int smb(struct tk_collect_ctx *ctx)
{
    struct tk_service *s = tk_collect_service(ctx, 0, "smb");
    s->product = "windows-smb";
    int64_t server_start = reg_dword(ctx, CCS "\\Services\\LanmanServer", "Start", -1);
    s->installed = server_start >= 0 && server_start != 4;
    s->config = s->installed ? SMB_PARAMS : NULL;
    int64_t smb1 = reg_dword(ctx, SMB_PARAMS, "SMB1", -1);
    int64_t srv1 = reg_dword(ctx, CCS "\\Services\\srv", "Start", -1);
    if (!s->installed) {
        s->smb1_allowed = TK_NO; /* no SMB server, so no SMBv1 served */
    } else if (smb1 == 0) {
        s->smb1_allowed = TK_NO;
        s->min_protocol_basis = "setting";
    } else if (srv1 < 0 || srv1 == 4) {
        s->smb1_allowed = TK_NO;
        s->min_protocol_basis = "default";
    } else {
        s->smb1_allowed = TK_YES;
        s->min_protocol_basis = smb1 > 0 ? "setting" : "default";
    }
    if (s->installed)
        s->min_protocol = s->smb1_allowed == TK_YES ? "NT1" : "SMB2_02";
    int ports[] = { 445, 139, 0 };
    static const char *const procs[] = { NULL };
    return s->installed ? tk_collect_attach_sockets(ctx, s, ports, procs) : 0;
}

static void firewall(struct tk_collect_ctx *ctx)
{
    static const struct { const char *key, *policy, *name; } profiles[] = {
        { "DomainProfile", "DomainProfile", "domain" },
        { "StandardProfile", "PrivateProfile", "private" },
        { "PublicProfile", "PublicProfile", "public" },
    };
    struct tk_protection *fw = &ctx->b->net.firewall;
    struct tk_buf path = TK_BUF_INIT(512), pol = TK_BUF_INIT(512);
    int on = 0, off = 0;
    for (size_t i = 0; i < 3; i++) {
        tk_buf_reset(&path);
        tk_buf_reset(&pol);
        tk_buf_addf(&path, CCS "\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\%s",
                    profiles[i].key);
        tk_buf_addf(&pol, "HKLM\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\%s",
                    profiles[i].policy);
        int64_t v = policy_dword(ctx, tk_buf_cstr(&pol), tk_buf_cstr(&path), "EnableFirewall", -1);
        if (v < 0)
            continue;
        v ? on++ : off++;
        const char *text = tk_bundle_printf(ctx->b, "Windows Firewall %s profile: %s",
                                            profiles[i].name, v ? "on" : "off");
        if (text && !tk_grow((void **)&fw->evidence, &fw->cevidence, fw->nevidence + 1,
                             sizeof *fw->evidence, 16))
            fw->evidence[fw->nevidence++] = text;
    }
    /* Home PCs mostly sit on the private or public profile: any profile off is a gap. */
    fw->loaded = on + off == 0 ? TK_UNKNOWN : off ? TK_NO : TK_YES;
    tk_buf_release(&path);
    tk_buf_release(&pol);
}

#define DEFENDER "HKLM\\SOFTWARE\\Microsoft\\Windows Defender"
#define DEFENDER_POLICY "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender"

/* Microsoft Defender's real-time protection: off when a setting (group policy first) turns
 * Defender or its real-time monitoring off, or its service is disabled; on when the service
 * is there and nothing turns it off. Another antivirus product switching Defender to
 * passive mode is not seen in these values. */
static int defender(struct tk_collect_ctx *ctx)
{
    struct tk_protection *av = &ctx->b->antivirus;
    int64_t start = reg_dword(ctx, CCS "\\Services\\WinDefend", "Start", -1);
    int64_t anti = policy_dword(ctx, DEFENDER_POLICY, DEFENDER, "DisableAntiSpyware", 0);
    int64_t rt = policy_dword(ctx, DEFENDER_POLICY "\\Real-Time Protection",
                           DEFENDER "\\Real-Time Protection", "DisableRealtimeMonitoring", 0);
    if (start < 0 && anti == 0 && rt == 0)
        return 0; /* no Defender to speak of (a server core, a stripped image) */
    av->product = "Microsoft Defender";
    int rc = 0;
    if (anti > 0)
        rc = tk_protection_add_evidence(ctx->b, av, "DisableAntiSpyware = 1");
    if (rt > 0 && !rc)
        rc = tk_protection_add_evidence(ctx->b, av,
                                        "Real-Time Protection: DisableRealtimeMonitoring = 1");
    if (start == 4 && !rc)
        rc = tk_protection_add_evidence(ctx->b, av, "WinDefend service disabled (Start = 4)");
    if (av->nevidence)
        av->loaded = TK_NO;
    else if (start >= 0)
        av->loaded = TK_YES;
    return rc;
}

int tk_collect_win_services(struct tk_collect_ctx *ctx)
{
    if (!need_registry(ctx))
        return 0;
    int rc = smb(ctx);
    if (!rc)
        rc = rdp(ctx);
    if (!rc)
        tk_collect_service(ctx, 2, "ssh");
    if (!rc)
        firewall(ctx);
    if (!rc)
        rc = defender(ctx);
    return rc;
}
