/* host.c - who the scanned machine is: hostname, stable endpoint id, OS, kernel, time zone.
 *
 * The endpoint id is an HMAC of /etc/machine-id under a fixed application key, so the same
 * machine always gets the same id while the raw machine-id (which other software treats as
 * a secret) never leaves it. */
#include <string.h>

#include "collect/collect.h"
#include "compat/sys.h"
#include "core/hash.h"
#include "core/ini.h"
#include "core/le.h"
#include "tk_config.h"

#define ENDPOINT_ID_KEY "tenken endpoint id v1"

/* First line of a small file, trimmed, copied into the bundle; NULL when unreadable. */
static const char *first_line(struct tk_collect_ctx *ctx, struct tk_fs *fs, const char *path)
{
    struct tk_buf buf = TK_BUF_INIT(64 * 1024);
    struct tk_err e = { 0 };
    const char *out = NULL;
    int rc = tk_fs_read(fs, path, &buf, &e);
    if (rc == 0) {
        struct tk_str rest = { tk_buf_cstr(&buf), buf.len }, line;
        if (tk_str_next_line(&rest, &line)) {
            line = tk_str_trim(line);
            if (line.n)
                out = tk_bundle_strndup(ctx->b, line.p, line.n);
        }
    } else if (rc != TK_ENOENT) {
        tk_collect_error(ctx, path, &e);
    }
    tk_buf_release(&buf);
    return out;
}

static bool is_hex32(const char *s)
{
    if (!s || strlen(s) != 32)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static void endpoint_id(struct tk_collect_ctx *ctx)
{
    static const char *const paths[] = { "/etc/machine-id", "/var/lib/dbus/machine-id" };
    for (size_t i = 0; i < 2; i++) {
        const char *id = first_line(ctx, ctx->root, paths[i]);
        if (!id)
            continue;
        if (!is_hex32(id)) {
            tk_bundle_errorf(ctx->b, ctx->collector, paths[i], TK_EPARSE,
                             "%s: not a 32-digit hexadecimal machine id", paths[i]);
            continue;
        }
        char mac[TK_SHA256_HEX_LEN + 1];
        if (tk_hmac_sha256_hex(ENDPOINT_ID_KEY, strlen(ENDPOINT_ID_KEY), id, 32, mac) == 0)
            ctx->b->host.endpoint_id = tk_bundle_strndup(ctx->b, mac, 32);
        return;
    }
    tk_bundle_errorf(ctx->b, ctx->collector, "/etc/machine-id", TK_ENOENT,
                     "no machine id found; the endpoint id is unknown");
}

struct osrel {
    struct tk_collect_ctx *ctx;
    const char *path;
};

static int osrel_cb(void *ud, struct tk_str section, struct tk_str key, struct tk_str value,
                    size_t lineno)
{
    struct osrel *o = ud;
    struct tk_host *h = &o->ctx->b->host;
    const char **slot = NULL;
    (void)section;
    (void)lineno;
    if (tk_str_eq_c(key, "ID"))
        slot = &h->os_id;
    else if (tk_str_eq_c(key, "VERSION_ID"))
        slot = &h->os_version_id;
    else if (tk_str_eq_c(key, "PRETTY_NAME"))
        slot = &h->os_name;
    else if (tk_str_eq_c(key, "VERSION_CODENAME"))
        slot = &h->os_codename;
    if (slot) {
        struct tk_buf v = TK_BUF_INIT(4096);
        if (tk_shell_unquote(value, &v) == 0)
            *slot = tk_bundle_strndup(o->ctx->b, tk_buf_cstr(&v), v.len);
        tk_buf_release(&v);
    }
    return 0;
}

static void os_release(struct tk_collect_ctx *ctx)
{
    static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
    struct tk_buf buf = TK_BUF_INIT(256 * 1024);
    for (size_t i = 0; i < 2; i++) {
        if (tk_collect_read(ctx, paths[i], &buf) != 0)
            continue;
        struct osrel o = { ctx, paths[i] };
        tk_shell_vars_parse((struct tk_str){ tk_buf_cstr(&buf), buf.len }, osrel_cb, NULL, &o);
        break;
    }
    tk_buf_release(&buf);
}

/* ELF e_machine of a binary in the image, for offline roots where uname is not theirs. */
static const char *elf_arch(struct tk_collect_ctx *ctx)
{
    static const struct {
        unsigned machine;
        const char *name;
    } machines[] = {
        { 3, "i686" },     { 40, "arm" },     { 62, "x86_64" },  { 183, "aarch64" },
        { 243, "riscv64" }, { 21, "ppc64" },   { 22, "s390x" },   { 8, "mips" },
    };
    static const char *const bins[] = { "/usr/bin/env", "/bin/sh", "/usr/bin/sh" };
    for (size_t i = 0; i < 3; i++) {
        struct tk_buf buf = TK_BUF_INIT(64);
        int rc = tk_fs_read_head(ctx->root, bins[i], 64, &buf, NULL);
        if (rc == 0 && buf.len >= 20 && memcmp(buf.ptr, "\x7f" "ELF", 4) == 0) {
            const unsigned char *p = (const unsigned char *)buf.ptr;
            /* e_machine at offset 18, in the byte order EI_DATA (offset 5) names. */
            unsigned m = p[5] == 2 ? (unsigned)(p[18] << 8 | p[19]) : tk_le16(p + 18);
            tk_buf_release(&buf);
            for (size_t k = 0; k < sizeof machines / sizeof machines[0]; k++)
                if (machines[k].machine == m)
                    return machines[k].name;
            return "unknown";
        }
        tk_buf_release(&buf);
    }
    return NULL;
}

static void boot_time(struct tk_collect_ctx *ctx)
{
    struct tk_buf buf = TK_BUF_INIT(4 << 20);
    struct tk_err e = { 0 };
    if (tk_fs_read(ctx->proc, "/stat", &buf, &e) != 0) {
        tk_collect_error(ctx, "/proc/stat", &e);
        tk_buf_release(&buf);
        return;
    }
    struct tk_str rest = { tk_buf_cstr(&buf), buf.len }, line;
    while (tk_str_next_line(&rest, &line)) {
        struct tk_str k, v;
        uint64_t t;
        if (tk_str_next_field(&line, &k) && tk_str_eq_c(k, "btime") &&
            tk_str_next_field(&line, &v) && tk_str_to_u64(v, &t))
            ctx->b->host.boot_time = (int64_t)t;
    }
    tk_buf_release(&buf);
}

static void timezone_name(struct tk_collect_ctx *ctx)
{
    struct tk_host *h = &ctx->b->host;
    struct tk_buf link = TK_BUF_INIT(4096);
    if (tk_fs_readlink(ctx->root, "/etc/localtime", &link, NULL) == 0) {
        const char *p = strstr(tk_buf_cstr(&link), "zoneinfo/");
        if (p && p[9])
            h->timezone = tk_bundle_strdup(ctx->b, p + 9);
    }
    tk_buf_release(&link);
    if (!h->timezone)
        h->timezone = first_line(ctx, ctx->root, "/etc/timezone");
}

int tk_collect_host(struct tk_collect_ctx *ctx)
{
    struct tk_host *h = &ctx->b->host;
    h->os_family = "linux";
    h->collector_version = TK_VERSION;
    ctx->b->scan.privileged = tk_sys_privileged();

    if (ctx->live) {
        struct tk_buf host = TK_BUF_INIT(4096), machine = TK_BUF_INIT(256);
        if (tk_sys_uname(&host, NULL, NULL, &machine) == 0) {
            h->hostname = tk_bundle_strdup(ctx->b, tk_buf_cstr(&host));
            h->arch = tk_bundle_strdup(ctx->b, tk_buf_cstr(&machine));
        }
        tk_buf_release(&host);
        tk_buf_release(&machine);
    } else {
        h->hostname = first_line(ctx, ctx->root, "/etc/hostname");
        h->arch = elf_arch(ctx);
    }
    if (ctx->proc) {
        h->kernel_release = first_line(ctx, ctx->proc, "/sys/kernel/osrelease");
        h->kernel_version = first_line(ctx, ctx->proc, "/version");
        boot_time(ctx);
    }
    endpoint_id(ctx);
    os_release(ctx);
    timezone_name(ctx);
    return 0;
}
