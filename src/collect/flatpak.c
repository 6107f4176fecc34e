/* flatpak.c - Flatpak applications and runtimes, system-wide (/var/lib/flatpak) and per
 * user (~/.local/share/flatpak).
 *
 * Layout: <installation>/{app,runtime}/<id>/<arch>/<branch>/active/ is the deployed commit
 * with its metadata file and files/. An app's version is the first <release version=…>
 * of its AppStream metainfo (releases are listed newest first); a runtime without one is
 * named by its branch (e.g. 23.08), which is its version series. */
#include <string.h>

#include "collect/collect.h"

#define METAINFO_MAX (4 << 20)
#define MAX_REFS 5000

/* First <release ... version="X"> in an AppStream document. */
static const char *metainfo_version(struct tk_collect_ctx *ctx, struct tk_str xml)
{
    const char *p = xml.p, *end = xml.p + xml.n;
    while (p < end) {
        const char *tag = memmem(p, (size_t)(end - p), "<release", 8);
        if (!tag)
            return NULL;
        p = tag + 8;
        if (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            continue; /* <releases> */
        const char *close = memchr(p, '>', (size_t)(end - p));
        if (!close)
            return NULL;
        const char *attr = memmem(p, (size_t)(close - p), "version=", 8);
        if (!attr || attr + 9 >= close)
            return NULL;
        char q = attr[8];
        if (q != '"' && q != '\'')
            return NULL;
        const char *v = attr + 9, *ve = memchr(v, q, (size_t)(close - v));
        return ve && ve > v ? tk_bundle_strndup(ctx->b, v, (size_t)(ve - v)) : NULL;
    }
    return NULL;
}

struct refpath {
    const char *kind; /* "app" or "runtime" */
    const char *id, *arch, *branch;
};

static int add_ref(struct tk_collect_ctx *ctx, const char *inst, const struct refpath *r,
                   const char *user)
{
    const char *deploy =
        tk_bundle_printf(ctx->b, "%s/%s/%s/%s/%s/active", inst, r->kind, r->id, r->arch, r->branch);
    if (!deploy)
        return TK_ENOMEM;
    if (!tk_fs_is_dir(ctx->root, deploy))
        return 0;
    bool app = strcmp(r->kind, "app") == 0;
    struct tk_item *it =
        tk_collect_item(ctx, "flatpak", app ? "application" : "runtime", r->id, NULL, deploy);
    if (!it)
        return ctx->b->items_dropped ? 0 : TK_ENOMEM;
    it->id = tk_bundle_printf(ctx->b, "%s/%s/%s/%s", r->kind, r->id, r->arch, r->branch);
    it->arch = tk_bundle_strdup(ctx->b, r->arch);
    it->user = user;
    static const struct {
        const char *dir, *suffix;
    } docs[] = {
        { "files/share/metainfo", "metainfo.xml" },
        { "files/share/metainfo", "appdata.xml" },
        { "files/share/appdata", "appdata.xml" },
    };
    struct tk_buf buf = TK_BUF_INIT(METAINFO_MAX);
    for (size_t i = 0; i < 3 && !it->version; i++) {
        const char *path =
            tk_bundle_printf(ctx->b, "%s/%s/%s.%s", deploy, docs[i].dir, r->id, docs[i].suffix);
        if (path && tk_collect_read(ctx, path, &buf) == 0) {
            it->version = metainfo_version(ctx, (struct tk_str){ tk_buf_cstr(&buf), buf.len });
            if (it->version)
                it->version_from = path;
        }
    }
    tk_buf_release(&buf);
    if (!it->version && !app) {
        it->version = tk_bundle_strdup(ctx->b, r->branch);
        it->version_from = "branch";
    }
    return 0;
}

/* Lists the directory names of path; calls fn for each with the name. */
typedef int (*name_fn)(struct tk_collect_ctx *ctx, const char *name, void *ud);

static int each_subdir(struct tk_collect_ctx *ctx, const char *path, name_fn fn, void *ud)
{
    struct tk_fs_dir *d;
    if (!path)
        return TK_ENOMEM;
    if (tk_fs_dir_open(ctx->root, path, &d, NULL) != 0)
        return 0;
    const char *name;
    bool is_dir;
    int rc = 0;
    while (!rc && (name = tk_fs_dir_next(d, &is_dir)))
        if (is_dir && name[0] != '.')
            rc = fn(ctx, name, ud);
    tk_fs_dir_close(d);
    return rc;
}

struct walk {
    const char *inst, *user;
    struct refpath r;
    size_t count;
};

static int on_branch(struct tk_collect_ctx *ctx, const char *name, void *ud)
{
    struct walk *w = ud;
    if (++w->count > MAX_REFS)
        return 0;
    w->r.branch = name;
    return add_ref(ctx, w->inst, &w->r, w->user);
}

static int on_arch(struct tk_collect_ctx *ctx, const char *name, void *ud)
{
    struct walk *w = ud;
    w->r.arch = tk_bundle_strdup(ctx->b, name);
    return each_subdir(ctx,
                       tk_bundle_printf(ctx->b, "%s/%s/%s/%s", w->inst, w->r.kind, w->r.id, name),
                       on_branch, w);
}

static int on_id(struct tk_collect_ctx *ctx, const char *name, void *ud)
{
    struct walk *w = ud;
    w->r.id = tk_bundle_strdup(ctx->b, name);
    return each_subdir(ctx, tk_bundle_printf(ctx->b, "%s/%s/%s", w->inst, w->r.kind, name),
                       on_arch, w);
}

static int installation(struct tk_collect_ctx *ctx, const char *inst, const char *user)
{
    static const char *const kinds[] = { "app", "runtime" };
    int rc = 0;
    for (size_t i = 0; i < 2 && !rc; i++) {
        struct walk w = { .inst = inst, .user = user, .r = { .kind = kinds[i] } };
        rc = each_subdir(ctx, tk_bundle_printf(ctx->b, "%s/%s", inst, kinds[i]), on_id, &w);
    }
    return rc;
}

int tk_collect_flatpak(struct tk_collect_ctx *ctx)
{
    int rc = installation(ctx, "/var/lib/flatpak", NULL);
    for (size_t i = 0; i < ctx->nusers && !rc; i++) {
        const struct tk_user *u = &ctx->users[i];
        if (!u->readable)
            continue;
        const char *inst = tk_bundle_printf(ctx->b, "%s/.local/share/flatpak", u->home);
        rc = inst ? installation(ctx, inst, u->name) : TK_ENOMEM;
    }
    return rc;
}
