/* users.c - the accounts whose home directories hold per-user software and profiles.
 *
 * Read from the image's /etc/passwd (not NSS: the scanned root may not be this system),
 * plus any directory under /home that no passwd entry names (directory-service users on
 * managed PCs). System accounts are left out. */
#include <string.h>

#include "collect/collect.h"
#include "core/alloc.h"

static bool have_home(const struct tk_collect_ctx *ctx, const char *home)
{
    for (size_t i = 0; i < ctx->nusers; i++)
        if (strcmp(ctx->users[i].home, home) == 0)
            return true;
    return false;
}

static int add_user(struct tk_collect_ctx *ctx, const char *name, const char *home, long uid)
{
    if (have_home(ctx, home) || strcmp(home, "/") == 0 || home[0] != '/')
        return 0;
    int rc = tk_grow((void **)&ctx->users, &ctx->cusers, ctx->nusers + 1, sizeof *ctx->users,
                     100000);
    if (rc)
        return rc == TK_ENOMEM ? rc : 0;
    struct tk_user *u = &ctx->users[ctx->nusers];
    u->name = tk_bundle_strdup(ctx->b, name);
    u->home = tk_bundle_strdup(ctx->b, home);
    u->uid = uid;
    if (!u->name || !u->home)
        return TK_ENOMEM;
    struct tk_fs_dir *d;
    struct tk_err e = { 0 };
    rc = tk_fs_dir_open(ctx->root, home, &d, &e);
    if (rc == TK_ENOENT)
        return 0; /* accounts without a home directory hold nothing to collect */
    ctx->nusers++;
    if (rc) {
        u->readable = false;
        ctx->b->scan.users_complete = false;
        tk_collect_error(ctx, home, &e);
        return 0;
    }
    u->readable = true;
    tk_fs_dir_close(d);
    return 0;
}

static int from_passwd(struct tk_collect_ctx *ctx)
{
    struct tk_lines r;
    struct tk_err e = { 0 };
    int rc = tk_lines_open(&r, ctx->root, "/etc/passwd", 64 * 1024, &e);
    if (rc) {
        if (rc != TK_ENOENT)
            tk_collect_error(ctx, "/etc/passwd", &e);
        return 0;
    }
    struct tk_str line;
    while ((rc = tk_lines_next(&r, &line, &e)) != 0) {
        if (rc < 0) {
            tk_collect_error(ctx, "/etc/passwd", &e);
            if (rc != TK_ELIMIT)
                break;
            continue;
        }
        struct tk_str f[7], rest = line;
        size_t n = 0;
        while (n < 7) {
            struct tk_str after;
            bool more = tk_str_cut(rest, ':', &f[n], &after);
            n++;
            if (!more)
                break;
            rest = after;
        }
        uint64_t uid;
        if (n < 6 || !tk_str_to_u64(f[2], &uid) || f[0].n == 0 || f[5].n == 0)
            continue; /* comments, NIS "+" lines, damaged lines: nothing to collect */
        if (uid != 0 && (uid < 1000 || uid >= 65534))
            continue;
        char *name = tk_str_dup(f[0]), *home = tk_str_dup(f[5]);
        rc = (name && home) ? add_user(ctx, name, home, (long)uid) : TK_ENOMEM;
        tk_free(name);
        tk_free(home);
        if (rc == TK_ENOMEM)
            break;
        rc = 1;
    }
    tk_lines_close(&r);
    return rc == TK_ENOMEM ? rc : 0;
}

static int from_home_dirs(struct tk_collect_ctx *ctx)
{
    struct tk_fs_dir *d;
    if (tk_fs_dir_open(ctx->root, "/home", &d, NULL) != 0)
        return 0;
    const char *name;
    bool is_dir;
    struct tk_buf home = TK_BUF_INIT(4096);
    int rc = 0;
    while (!rc && (name = tk_fs_dir_next(d, &is_dir))) {
        if (!is_dir || name[0] == '.' || strcmp(name, "lost+found") == 0)
            continue;
        tk_buf_reset(&home);
        if (tk_buf_addf(&home, "/home/%s", name) == 0)
            rc = add_user(ctx, name, tk_buf_cstr(&home), -1);
    }
    tk_buf_release(&home);
    tk_fs_dir_close(d);
    return rc;
}

int tk_collect_users(struct tk_collect_ctx *ctx)
{
    ctx->b->scan.users_complete = true;
    int rc = from_passwd(ctx);
    if (!rc)
        rc = from_home_dirs(ctx);
    return rc;
}
