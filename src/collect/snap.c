/* snap.c - snap packages.
 *
 * A mounted snap is /snap/<name>/<revision>/ with /snap/<name>/current pointing at the
 * revision in use; its meta/snap.yaml carries the version. On an offline image the
 * squashfs files in /var/lib/snapd/snaps/<name>_<revision>.snap are not mounted: the snap
 * and revision are known, the version is not, and the bundle says so. */
#include <stdlib.h>
#include <string.h>

#include "collect/collect.h"

#define SNAP_YAML_MAX (1 << 20)

/* Top-level "key: value" of a small YAML document (no nesting needed for version). */
static const char *yaml_top(struct tk_collect_ctx *ctx, struct tk_str text, const char *key)
{
    struct tk_str rest = text, line;
    size_t n = strlen(key);
    while (tk_str_next_line(&rest, &line)) {
        if (line.n <= n || memcmp(line.p, key, n) != 0 || line.p[n] != ':')
            continue;
        struct tk_str v = tk_str_trim((struct tk_str){ line.p + n + 1, line.n - n - 1 });
        if (v.n >= 2 && (v.p[0] == '\'' || v.p[0] == '"') && v.p[v.n - 1] == v.p[0]) {
            v.p++;
            v.n -= 2;
        }
        return v.n ? tk_bundle_strndup(ctx->b, v.p, v.n) : NULL;
    }
    return NULL;
}

static int mounted(struct tk_collect_ctx *ctx, bool *any)
{
    struct tk_fs_dir *d;
    if (tk_fs_dir_open(ctx->root, "/snap", &d, NULL) != 0)
        return 0;
    const char *name;
    bool is_dir;
    struct tk_buf link = TK_BUF_INIT(4096), yaml = TK_BUF_INIT(SNAP_YAML_MAX);
    int rc = 0;
    while (!rc && (name = tk_fs_dir_next(d, &is_dir))) {
        if (!is_dir || strcmp(name, "bin") == 0 || name[0] == '.')
            continue;
        const char *current = tk_bundle_printf(ctx->b, "/snap/%s/current", name);
        if (!current) {
            rc = TK_ENOMEM;
            break;
        }
        if (tk_fs_readlink(ctx->root, current, &link, NULL) != 0)
            continue;
        const char *rev = tk_bundle_strdup(ctx->b, tk_buf_cstr(&link));
        const char *dir = tk_bundle_printf(ctx->b, "/snap/%s/%s", name, rev ? rev : "");
        const char *meta = dir ? tk_bundle_printf(ctx->b, "%s/meta/snap.yaml", dir) : NULL;
        struct tk_item *it = tk_collect_item(ctx, "snap", "application", name, NULL, dir);
        if (!it) {
            rc = ctx->b->items_dropped ? 0 : TK_ENOMEM;
            break;
        }
        *any = true;
        it->id = it->name;
        if (meta && tk_collect_read(ctx, meta, &yaml) == 0) {
            struct tk_str t = { tk_buf_cstr(&yaml), yaml.len };
            it->version = yaml_top(ctx, t, "version");
            if (it->version)
                it->version_from = meta;
            const char *type = yaml_top(ctx, t, "type");
            if (type && (strcmp(type, "base") == 0 || strcmp(type, "os") == 0 ||
                         strcmp(type, "core") == 0 || strcmp(type, "snapd") == 0))
                it->kind = "runtime";
        }
    }
    tk_buf_release(&link);
    tk_buf_release(&yaml);
    tk_fs_dir_close(d);
    return rc;
}

/* Offline: the newest revision of each name_rev.snap file. */
static int unmounted(struct tk_collect_ctx *ctx)
{
    struct tk_fs_dir *d;
    if (tk_fs_dir_open(ctx->root, "/var/lib/snapd/snaps", &d, NULL) != 0)
        return 0;
    const char *file;
    size_t n = 0;
    int rc = 0;
    while (!rc && (file = tk_fs_dir_next(d, NULL))) {
        size_t len = strlen(file);
        const char *us = strrchr(file, '_');
        if (len < 6 || strcmp(file + len - 5, ".snap") != 0 || !us || us == file)
            continue;
        uint64_t rev;
        if (!tk_str_to_u64((struct tk_str){ us + 1, (size_t)(file + len - 5 - us - 1) }, &rev))
            continue;
        const char *name = tk_bundle_strndup(ctx->b, file, (size_t)(us - file));
        if (!name)
            return TK_ENOMEM;
        /* Keep one item per name: the highest revision. */
        struct tk_item *prev = NULL;
        for (size_t i = ctx->b->nitems; i-- > 0 && !prev;)
            if (strcmp(ctx->b->items[i].source, "snap") == 0 &&
                strcmp(ctx->b->items[i].name, name) == 0)
                prev = &ctx->b->items[i];
        const char *path = tk_bundle_printf(ctx->b, "/var/lib/snapd/snaps/%s", file);
        if (prev) {
            uint64_t old = strtoull(strrchr(prev->path, '_') + 1, NULL, 10);
            if (rev > old)
                prev->path = path;
            continue;
        }
        struct tk_item *it = tk_collect_item(ctx, "snap", "application", name, NULL, path);
        if (!it)
            return ctx->b->items_dropped ? 0 : TK_ENOMEM;
        it->id = it->name;
        n++;
    }
    tk_fs_dir_close(d);
    if (n)
        tk_bundle_errorf(ctx->b, ctx->collector, "/var/lib/snapd/snaps", TK_EUNSUPP,
                         "%zu snaps are not mounted; their versions are inside squashfs images "
                         "and were not read", n);
    return rc;
}

int tk_collect_snap(struct tk_collect_ctx *ctx)
{
    bool any = false;
    int rc = mounted(ctx, &any);
    if (!rc && !any)
        rc = unmounted(ctx);
    return rc;
}
