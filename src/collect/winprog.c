/* winprog.c - the Windows programs that decide most of a telework PC's exposure (browsers
 * and meeting tools), found by their executable at its default install location, machine-
 * wide or in each user's profile, and versioned by the executable's version resource
 * (collect/pever.h): the file that runs, not what an installer wrote into the registry.
 *
 * A location is "/..." on the system drive or "~/..." in each profile; one path component
 * may hold '*' (new Teams installs under WindowsApps/MSTeams_VERSION_x64__ID). Items have
 * source "file", the executable as path and version_from. Reading the headers and the
 * resource section costs two bounded reads per file. The locations are listed in
 * docs/collectors.md. */
#include <string.h>

#include "collect/collect.h"
#include "collect/pever.h"
#include "core/alloc.h"
#include "core/str.h"

#define RSRC_MAX ((size_t)16 << 20) /* the resource section is read up to this much */
#define MAX_MATCHES 16              /* directories one '*' component expands to */

struct program {
    const char *name, *vendor, *kind;
    const char *paths[6];
};

static const struct program programs[] = {
    { "Google Chrome", "Google", "browser",
      { "/Program Files/Google/Chrome/Application/chrome.exe",
        "/Program Files (x86)/Google/Chrome/Application/chrome.exe",
        "~/AppData/Local/Google/Chrome/Application/chrome.exe" } },
    { "Microsoft Edge", "Microsoft", "browser",
      { "/Program Files (x86)/Microsoft/Edge/Application/msedge.exe",
        "/Program Files/Microsoft/Edge/Application/msedge.exe" } },
    { "Brave", "Brave Software", "browser",
      { "/Program Files/BraveSoftware/Brave-Browser/Application/brave.exe",
        "~/AppData/Local/BraveSoftware/Brave-Browser/Application/brave.exe" } },
    { "Firefox", "Mozilla", "browser",
      { "/Program Files/Mozilla Firefox/firefox.exe",
        "/Program Files (x86)/Mozilla Firefox/firefox.exe",
        "~/AppData/Local/Mozilla Firefox/firefox.exe" } },
    { "Zoom", "Zoom Video Communications", "application",
      { "~/AppData/Roaming/Zoom/bin/Zoom.exe", "/Program Files/Zoom/bin/Zoom.exe",
        "/Program Files (x86)/Zoom/bin/Zoom.exe" } },
    { "Microsoft Teams", "Microsoft", "application",
      { "~/AppData/Local/Microsoft/Teams/current/Teams.exe",
        "/Program Files/WindowsApps/MSTeams_*/ms-teams.exe" } },
    { "Webex", "Cisco", "application",
      { "/Program Files/Cisco Spark/CiscoCollabHost.exe",
        "~/AppData/Local/Programs/Cisco Spark/CiscoCollabHost.exe",
        "/Program Files (x86)/Webex/Webex/Applications/ptomain.exe",
        "~/AppData/Local/WebEx/WebEx/Applications/ptomain.exe" } },
};

/* "120.0.6099.130" from the resource: the ProductVersion string when it is a plain dotted
 * version (Firefox writes "121.0" there and "121.0.0.8720" in the fixed part), else the
 * fixed product version, else the fixed file version. Commas ("5, 1, 0, 2") become dots. */
static const char *pick_version(struct tk_collect_ctx *ctx, const struct tk_pever *pv)
{
    if (pv->product_version) {
        struct tk_str v = tk_str_trim(tk_str_c(pv->product_version));
        char text[64];
        size_t n = 0;
        bool plain = v.n > 0 && v.n < sizeof text && v.p[0] >= '0' && v.p[0] <= '9';
        for (size_t i = 0; plain && i < v.n; i++) {
            char c = v.p[i];
            if (c == ',')
                c = '.';
            if (c == ' ' && i > 0 && v.p[i - 1] == ',')
                continue;
            plain = (c >= '0' && c <= '9') || c == '.';
            text[n++] = c;
        }
        if (plain) {
            text[n] = '\0';
            return tk_bundle_strdup(ctx->b, text);
        }
    }
    if (pv->has_fixed && pv->fixed_product_version[0])
        return tk_bundle_strdup(ctx->b, pv->fixed_product_version);
    if (pv->has_fixed && pv->fixed_file_version[0])
        return tk_bundle_strdup(ctx->b, pv->fixed_file_version);
    return NULL;
}

static const char *arch_of(uint16_t machine)
{
    switch (machine) {
    case 0x8664:
        return "x64";
    case 0x14c:
        return "x86";
    case 0xaa64:
        return "arm64";
    default:
        return NULL;
    }
}

/* One executable: an item when it is there; its version when the resource gives one. */
static int add_file(struct tk_collect_ctx *ctx, const struct program *p, const char *path,
                    const char *user)
{
    struct stat st;
    if (tk_fs_stat(ctx->root, path, true, &st, NULL) != 0 || !S_ISREG(st.st_mode))
        return 0;
    for (size_t i = 0; i < ctx->b->nitems; i++) /* a location reached twice (a link) */
        if (ctx->b->items[i].path && strcmp(ctx->b->items[i].path, path) == 0 &&
            strcmp(ctx->b->items[i].source, "file") == 0)
            return 0;
    struct tk_buf head = TK_BUF_INIT(TK_PEVER_HEAD_MAX), sec = TK_BUF_INIT(RSRC_MAX);
    struct tk_arena strings;
    tk_arena_init(&strings, (size_t)1 << 20);
    struct tk_err e = { 0 };
    struct tk_pever pv;
    struct tk_pever_loc loc;
    int rc = tk_fs_read_head(ctx->root, path, TK_PEVER_HEAD_MAX, &head, &e);
    if (!rc)
        rc = tk_pever_locate(head.ptr ? head.ptr : "", head.len, path, &loc, &e);
    if (!rc)
        rc = tk_fs_read_range(ctx->root, path, loc.off, loc.len < RSRC_MAX ? loc.len : RSRC_MAX,
                              &sec, &e);
    if (!rc)
        rc = tk_pever_parse_rsrc(sec.ptr ? sec.ptr : "", sec.len, &loc, path, &strings, &pv, &e);
    if (rc && rc != TK_ENOENT)
        tk_collect_error(ctx, path, &e); /* the program is listed, without a version */
    struct tk_item *it = tk_collect_item(ctx, "file", p->kind, p->name, NULL, path);
    int out = 0;
    if (it) {
        it->vendor = p->vendor;
        it->user = user;
        if (!rc) {
            it->version = pick_version(ctx, &pv);
            it->version_from = it->version ? it->path : NULL;
            it->arch = arch_of(pv.machine);
        }
    } else if (!ctx->b->items_dropped) {
        out = TK_ENOMEM;
    }
    tk_arena_release(&strings);
    tk_buf_release(&head);
    tk_buf_release(&sec);
    return out;
}

/* path with one '*' component: each matching directory's continuation. */
static int expand(struct tk_collect_ctx *ctx, const struct program *p, const char *path,
                  const char *user)
{
    const char *star = strchr(path, '*');
    if (!star)
        return add_file(ctx, p, path, user);
    const char *start = star;
    while (start > path && start[-1] != '/')
        start--;
    const char *end = strchr(star, '/');
    if (!end || start == path)
        return 0;
    char parent[1024], pattern[256];
    if ((size_t)(start - path) >= sizeof parent || (size_t)(end - start) >= sizeof pattern)
        return 0;
    memcpy(parent, path, (size_t)(start - 1 - path));
    parent[start - 1 - path] = '\0';
    memcpy(pattern, start, (size_t)(end - start));
    pattern[end - start] = '\0';
    struct tk_fs_dir *d;
    if (tk_fs_dir_open(ctx->root, parent, &d, NULL) != 0)
        return 0; /* absent, or not readable without administrator rights */
    const char *name;
    bool is_dir;
    int rc = 0;
    for (size_t found = 0; !rc && found < MAX_MATCHES && (name = tk_fs_dir_next(d, &is_dir));) {
        if (!is_dir || !tk_glob_match(pattern, tk_str_c(name)))
            continue;
        found++;
        struct tk_buf full = TK_BUF_INIT(4096);
        if (tk_buf_addf(&full, "%s/%s%s", parent, name, end) == 0)
            rc = add_file(ctx, p, tk_buf_cstr(&full), user);
        tk_buf_release(&full);
    }
    tk_fs_dir_close(d);
    return rc;
}

int tk_collect_win_programs(struct tk_collect_ctx *ctx)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof programs / sizeof programs[0] && !rc; i++) {
        const struct program *p = &programs[i];
        for (size_t k = 0; k < 6 && p->paths[k] && !rc; k++) {
            const char *path = p->paths[k];
            if (path[0] != '~') {
                rc = expand(ctx, p, path, NULL);
                continue;
            }
            for (size_t u = 0; u < ctx->nusers && !rc; u++) {
                const struct tk_user *usr = &ctx->users[u];
                if (!usr->home)
                    continue;
                struct tk_buf full = TK_BUF_INIT(4096);
                if (tk_buf_addf(&full, "%s%s", usr->home, path + 1) == 0)
                    rc = expand(ctx, p, tk_buf_cstr(&full), usr->name);
                tk_buf_release(&full);
            }
        }
    }
    return rc;
}
