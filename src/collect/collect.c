/* collect.c - runs a collector table over a root and records per-collector statistics. The
 * table is the Linux one or, for a Windows system (this one, in tenken.exe, or an image
 * whose registry hives are there), the Windows one with the registry opened for it. */
#include "collect/collect.h"

#include <string.h>

#include "collect/winreg.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/time.h"
#include "tk_config.h"

struct collector {
    const char *name;
    const char *desc;
    int (*run)(struct tk_collect_ctx *ctx);
};

#if TK_HAVE_LINUX_READERS /* not in tenken.exe, which reads Windows systems only */
#define TK_COLLECTOR_ENTRY(name, desc) { #name, desc, tk_collect_##name },
static const struct collector collectors[] = { TK_COLLECTORS(TK_COLLECTOR_ENTRY) };
#undef TK_COLLECTOR_ENTRY
#define NCOLLECTORS (sizeof collectors / sizeof collectors[0])
#else
static const struct collector *const collectors = NULL;
#define NCOLLECTORS 0
#endif

#define TK_WIN_COLLECTOR_ENTRY(name, fn, desc) { #name, desc, tk_collect_##fn },
static const struct collector win_collectors[] = { TK_WIN_COLLECTORS(TK_WIN_COLLECTOR_ENTRY) };
#undef TK_WIN_COLLECTOR_ENTRY

#define NWIN_COLLECTORS (sizeof win_collectors / sizeof win_collectors[0])

/* Appends name to the list out[0..n) unless it is there (or does not fit). */
static void add_name(char *out, size_t n, const char *name)
{
    size_t len = strlen(out);
    if (!tk_collect_selected(out, name) && len + strlen(name) + 2 <= n)
        snprintf(out + len, n - len, "%s%s", len ? "," : "", name);
}

void tk_collect_names(const char *const *extra, char *out, size_t n)
{
    if (!n)
        return;
    *out = '\0';
    for (const struct collector *c = collectors; c && c < collectors + NCOLLECTORS; c++)
        add_name(out, n, c->name);
    for (const struct collector *c = win_collectors; c < win_collectors + NWIN_COLLECTORS; c++)
        add_name(out, n, c->name);
    for (; extra && *extra; extra++)
        add_name(out, n, *extra);
}

const char *tk_collect_unknown(const char *only, const char *const *extra, char *bad, size_t n)
{
    char names[1024];
    tk_collect_names(extra, names, sizeof names);
    for (const char *p = only; p;) {
        const char *e = strchr(p, ',');
        snprintf(bad, n, "%.*s", (int)(e ? (size_t)(e - p) : strlen(p)), p);
        if (!tk_collect_selected(names, bad))
            return bad;
        p = e ? e + 1 : NULL;
    }
    return NULL;
}

bool tk_collect_selected(const char *only, const char *name)
{
    if (!only)
        return true;
    size_t n = strlen(name);
    for (const char *p = only; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0)
            return true;
        p += len + (e ? 1 : 0);
    }
    return false;
}

void tk_collect_error(struct tk_collect_ctx *ctx, const char *path, const struct tk_err *e)
{
    tk_bundle_error(ctx->b, ctx->collector, path, e);
}

int tk_collect_read(struct tk_collect_ctx *ctx, const char *path, struct tk_buf *out)
{
    struct tk_err e = { 0 };
    tk_buf_reset(out);
    int rc = tk_fs_read(ctx->root, path, out, &e);
    if (rc && rc != TK_ENOENT)
        tk_collect_error(ctx, path, &e);
    return rc;
}

struct tk_item *tk_collect_item(struct tk_collect_ctx *ctx, const char *source,
                                const char *kind, const char *name, const char *version,
                                const char *path)
{
    struct tk_item *it = tk_bundle_add_item(ctx->b);
    if (!it)
        return NULL;
    it->source = source; /* static strings */
    it->kind = kind;
    it->name = tk_bundle_strdup(ctx->b, name);
    it->version = tk_bundle_strdup(ctx->b, version);
    it->path = tk_bundle_strdup(ctx->b, path);
    if (!it->name) {
        /* Without a name the item is meaningless; take it back. */
        ctx->b->nitems--;
        ctx->b->items_dropped++;
        return NULL;
    }
    return it;
}

struct tk_service *tk_collect_service(struct tk_collect_ctx *ctx, int which, const char *name)
{
    struct tk_network *n = &ctx->b->net;
    struct tk_service *s = &n->services[which];
    if (!s->name) {
        s->name = name;
        s->smb1_allowed = TK_UNKNOWN;
        s->password_authentication = TK_UNKNOWN;
        s->enabled = s->nla_required = TK_UNKNOWN;
        if ((size_t)which + 1 > n->nservices)
            n->nservices = (size_t)which + 1;
    }
    return s;
}

int tk_collect_attach_sockets(struct tk_collect_ctx *ctx, struct tk_service *s, const int *ports,
                              const char *const *procs)
{
    struct tk_network *n = &ctx->b->net;
    for (size_t i = 0; i < n->nsocks; i++) {
        const struct tk_sock *k = &n->socks[i];
        bool hit = false;
        for (const int *p = ports; *p && !hit; p++)
            hit = strcmp(k->proto, "tcp") == 0 && k->port == *p;
        for (const char *const *c = procs; *c && !hit; c++)
            hit = k->process && strcmp(k->process, *c) == 0 && strcmp(k->proto, "tcp") == 0;
        if (hit) {
            int rc = tk_service_add_socket(ctx->b, s, i);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int tk_collect(struct tk_bundle *b, const struct tk_collect_opts *opts, struct tk_err *err)
{
    struct tk_collect_ctx ctx = { .b = b, .traces = !opts->no_traces };
    const char *root = opts->root ? opts->root : "/";
    const char *proc = opts->proc;
    bool host_root = strcmp(root, "/") == 0;
    if (!proc && host_root)
        proc = "/proc";
    const char *os = opts->os;
    if (host_root) { /* this machine: on Windows its system drive, with /Users, /Windows... */
        root = tk_sys_system_root();
        if (!os)
            os = tk_sys_os_family();
    }
    int rc = tk_fs_open(&ctx.root, root, "", err);
    if (rc)
        return rc;
    if (!os)
        os = !host_root && tk_winreg_image_present(ctx.root) ? "windows" : "linux";
    bool windows = strcmp(os, "windows") == 0;
    if (!windows && !NCOLLECTORS) {
        tk_fs_free(ctx.root);
        return tk_err_set(err, TK_EINVAL, "%s: this build of tenken reads Windows systems only",
                          root);
    }
    const struct collector *table = windows ? win_collectors : collectors;
    size_t ncollectors = windows ? NWIN_COLLECTORS : NCOLLECTORS;
    if (windows) {
        struct tk_err e = { 0 };
        int r = host_root ? tk_winreg_open_live(&ctx.reg, &e)
                          : tk_winreg_open_image(&ctx.reg, ctx.root, &e);
        if (r == TK_ENOMEM) {
            tk_fs_free(ctx.root);
            return tk_err_set(err, r, "%s", e.msg);
        }
        if (r)
            tk_bundle_error(b, "registry", NULL, &e);
        else if (ctx.reg->warning.code)
            tk_bundle_error(b, "registry", NULL, &ctx.reg->warning);
        proc = NULL;
    }
    if (proc) {
        rc = tk_fs_open(&ctx.proc, proc, "/proc", err);
        if (rc) {
            tk_fs_free(ctx.root);
            return rc;
        }
    }
    ctx.live = host_root && (windows || (proc && strcmp(proc, "/proc") == 0));
    b->scan.root = tk_bundle_strdup(b, root);
    b->scan.live = ctx.live;

    for (size_t i = 0; i < ncollectors && rc == 0; i++) {
        const struct collector *c = &table[i];
        /* host and users are prerequisites of the others. */
        if (i > 1 && !tk_collect_selected(opts->only, c->name))
            continue;
        if (opts->progress)
            opts->progress(opts->ud, c->name, c->desc, i, ncollectors);
        size_t items0 = b->nitems, errors0 = b->nerrors;
        double t0 = tk_time_mono();
        ctx.collector = c->name;
        ctx.note = NULL;
        rc = c->run(&ctx);
        if (rc && rc != TK_ENOMEM) {
            /* A collector's own failure costs its part of the bundle, not the scan. */
            tk_bundle_errorf(b, c->name, NULL, rc, "collector %s stopped early", c->name);
            rc = 0;
        }
        struct tk_collector_stat *st = NULL;
        if (!tk_grow((void **)&b->stats, &b->cstats, b->nstats + 1, sizeof *st, 256)) {
            st = &b->stats[b->nstats++];
            memset(st, 0, sizeof *st);
            st->name = c->name;
            st->items = b->nitems - items0;
            st->errors = b->nerrors - errors0;
            st->seconds = tk_time_mono() - t0;
            st->note = ctx.note;
        }
        if (rc)
            tk_err_set(err, rc, "collector %s ran out of memory", c->name);
    }
    if (opts->users && opts->nusers) {
        *opts->users = ctx.users;
        *opts->nusers = ctx.nusers;
    } else {
        tk_free(ctx.users);
    }
    tk_winreg_free(ctx.reg);
    tk_fs_free(ctx.root);
    tk_fs_free(ctx.proc);
    return rc;
}
