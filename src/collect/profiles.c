/* profiles.c - browser user-data locations (Chromium family and Firefox, including their
 * snap and flatpak variants and the Windows ones) and profile enumeration. Locations: docs/collectors.md. */
#include "collect/profiles.h"

#include <string.h>

#include "core/ini.h"

const struct tk_browser_root tk_chromium_roots[] = {
    { "Google Chrome", ".config/google-chrome" },
    { "Google Chrome Beta", ".config/google-chrome-beta" },
    { "Google Chrome Dev", ".config/google-chrome-unstable" },
    { "Google Chrome", ".var/app/com.google.Chrome/config/google-chrome" },
    { "Chromium", ".config/chromium" },
    { "Chromium", "snap/chromium/common/chromium" },
    { "Chromium", ".var/app/org.chromium.Chromium/config/chromium" },
    { "Microsoft Edge", ".config/microsoft-edge" },
    { "Microsoft Edge Beta", ".config/microsoft-edge-beta" },
    { "Microsoft Edge Dev", ".config/microsoft-edge-dev" },
    { "Microsoft Edge", ".var/app/com.microsoft.Edge/config/microsoft-edge" },
    { "Brave", ".config/BraveSoftware/Brave-Browser" },
    { "Brave Beta", ".config/BraveSoftware/Brave-Browser-Beta" },
    { "Brave Nightly", ".config/BraveSoftware/Brave-Browser-Nightly" },
    { "Brave", ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser" },
    { "Opera", ".config/opera" },
    { "Opera Beta", ".config/opera-beta" },
    { "Vivaldi", ".config/vivaldi" },
    /* Windows profiles (%LOCALAPPDATA%) */
    { "Google Chrome", "AppData/Local/Google/Chrome/User Data" },
    { "Microsoft Edge", "AppData/Local/Microsoft/Edge/User Data" },
    { "Brave", "AppData/Local/BraveSoftware/Brave-Browser/User Data" },
    { "Vivaldi", "AppData/Local/Vivaldi/User Data" },
};
const size_t tk_chromium_nroots = sizeof tk_chromium_roots / sizeof tk_chromium_roots[0];

const char *const tk_firefox_roots[] = {
    ".mozilla/firefox",
    "snap/firefox/common/.mozilla/firefox",
    ".var/app/org.mozilla.firefox/.mozilla/firefox",
    "AppData/Roaming/Mozilla/Firefox", /* Windows (%APPDATA%) */
};
const size_t tk_firefox_nroots = sizeof tk_firefox_roots / sizeof tk_firefox_roots[0];

#define MAX_PROFILES 256

static bool is_profile(struct tk_collect_ctx *ctx, const char *userdata, const char *name)
{
    if (strcmp(name, "Default") == 0 || strncmp(name, "Profile ", 8) == 0)
        return true;
    if (strcmp(name, "System Profile") == 0 || strcmp(name, "Guest Profile") == 0)
        return false;
    const char *prefs = tk_bundle_printf(ctx->b, "%s/%s/Preferences", userdata, name);
    return prefs && tk_fs_exists(ctx->root, prefs);
}

int tk_chromium_each_profile(struct tk_collect_ctx *ctx, const struct tk_user *u,
                             tk_profile_fn fn, void *ud)
{
    int rc = 0;
    for (size_t i = 0; i < tk_chromium_nroots && !rc; i++) {
        const char *userdata = tk_bundle_printf(ctx->b, "%s/%s", u->home, tk_chromium_roots[i].dir);
        if (!userdata)
            return TK_ENOMEM;
        struct tk_fs_dir *d;
        if (tk_fs_dir_open(ctx->root, userdata, &d, NULL) != 0)
            continue;
        const char *name;
        bool is_dir;
        size_t n = 0;
        while (!rc && (name = tk_fs_dir_next(d, &is_dir)) && n < MAX_PROFILES) {
            if (!is_dir || !is_profile(ctx, userdata, name))
                continue;
            n++;
            rc = fn(ctx, u, tk_chromium_roots[i].browser, userdata, name, ud);
        }
        tk_fs_dir_close(d);
    }
    return rc;
}

/* profiles.ini: [ProfileN] sections with Path= and IsRelative= in any order. */
struct ff_walk {
    struct tk_collect_ctx *ctx;
    const struct tk_user *u;
    const char *root;
    tk_profile_fn fn;
    void *ud;
    struct tk_str section, path;
    bool relative, have_path;
    size_t count;
};

static int ff_flush(struct ff_walk *w)
{
    if (!w->have_path || w->count >= MAX_PROFILES)
        return 0;
    w->have_path = false;
    w->count++;
    const char *dir = w->relative ? tk_bundle_printf(w->ctx->b, "%s/%.*s", w->root,
                                                     (int)w->path.n, w->path.p)
                                  : tk_bundle_strndup(w->ctx->b, w->path.p, w->path.n);
    if (!dir)
        return TK_ENOMEM;
    return w->fn(w->ctx, w->u, "Firefox", w->root, dir, w->ud);
}

static int ff_cb(void *ud, struct tk_str section, struct tk_str key, struct tk_str value,
                 size_t lineno)
{
    struct ff_walk *w = ud;
    int rc = 0;
    (void)lineno;
    if (section.p != w->section.p || section.n != w->section.n) {
        rc = ff_flush(w);
        w->section = section;
        w->relative = true;
        w->have_path = false;
    }
    if (rc || !tk_str_has_prefix(section, "Profile"))
        return rc;
    if (tk_str_eqcase_c(key, "Path") && value.n) {
        w->path = value;
        w->have_path = true;
    } else if (tk_str_eqcase_c(key, "IsRelative")) {
        w->relative = !tk_str_eq_c(value, "0");
    }
    return 0;
}

int tk_firefox_each_profile(struct tk_collect_ctx *ctx, const struct tk_user *u,
                            tk_profile_fn fn, void *ud)
{
    int rc = 0;
    for (size_t i = 0; i < tk_firefox_nroots && !rc; i++) {
        const char *root = tk_bundle_printf(ctx->b, "%s/%s", u->home, tk_firefox_roots[i]);
        const char *ini = root ? tk_bundle_printf(ctx->b, "%s/profiles.ini", root) : NULL;
        if (!ini)
            return TK_ENOMEM;
        struct tk_buf buf = TK_BUF_INIT(1 << 20);
        if (tk_collect_read(ctx, ini, &buf) == 0) {
            struct ff_walk w = { .ctx = ctx, .u = u, .root = root, .fn = fn, .ud = ud,
                                 .relative = true };
            rc = tk_ini_parse((struct tk_str){ tk_buf_cstr(&buf), buf.len }, ff_cb, NULL, &w);
            if (!rc)
                rc = ff_flush(&w);
        }
        tk_buf_release(&buf);
    }
    return rc;
}
