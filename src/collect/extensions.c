/* extensions.c - browser extensions per user profile.
 *
 * Chromium family: <profile>/Extensions/<id>/<version>_<n>/manifest.json, with "__MSG_x__"
 * names resolved from _locales/<default_locale>/messages.json (keys are case-insensitive)
 * and the enabled state from the profile's Preferences. Firefox: the profile's
 * extensions.json, without the add-ons that ship inside Firefox itself. */
#include <string.h>
#include <strings.h>

#include "collect/collect.h"
#include "collect/profiles.h"
#include "core/jdoc.h"

#define MANIFEST_MAX (1 << 20)
#define MESSAGES_MAX (4 << 20)
#define PREFS_MAX (64 << 20)
#define EXTENSIONS_JSON_MAX (64 << 20)
#define MAX_EXTENSIONS_PER_PROFILE 2000

/* A JSON file of the profile, parsed into its own arena (released with tk_arena_release;
 * the document's strings live there). 0, or non-zero with the error recorded (a missing
 * file silently). */
static int read_json(struct tk_collect_ctx *ctx, const char *path, size_t max, struct tk_arena *a,
                     const struct tk_jv **out)
{
    struct tk_buf buf = TK_BUF_INIT(max);
    struct tk_err e = { 0 };
    struct tk_jv *root = NULL;
    tk_arena_init(a, 4 * max + (1 << 20));
    int rc = path ? tk_fs_read(ctx->root, path, &buf, &e) : TK_ENOMEM;
    if (rc == 0)
        rc = tk_jdoc_parse(a, buf.ptr ? buf.ptr : "", buf.len, path, &root, &e);
    if (rc && rc != TK_ENOENT && path)
        tk_collect_error(ctx, path, &e);
    tk_buf_release(&buf);
    *out = rc ? NULL : root;
    return rc;
}

static bool is_extension_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < 'a' || s[n] > 'p')
            return false;
    return n == 32;
}

/* Looks "__MSG_appName__" up in _locales/<locale>/messages.json, case-insensitively. */
static const char *resolve_msg(struct tk_collect_ctx *ctx, const char *extdir, const char *name,
                               const char *default_locale)
{
    size_t n = strlen(name);
    if (n < 9 || strncmp(name, "__MSG_", 6) != 0 || strcmp(name + n - 2, "__") != 0)
        return NULL;
    const char *locales[] = { default_locale, "en", "en_US" };
    for (size_t i = 0; i < 3; i++) {
        if (!locales[i] || strchr(locales[i], '/') || strstr(locales[i], ".."))
            continue;
        const char *path =
            tk_bundle_printf(ctx->b, "%s/_locales/%s/messages.json", extdir, locales[i]);
        struct tk_arena a = { 0 };
        const struct tk_jv *msgs;
        const char *found = NULL;
        if (path && read_json(ctx, path, MESSAGES_MAX, &a, &msgs) == 0) {
            for (const struct tk_jv *val = tk_jv_is(msgs, TK_JV_OBJECT) ? msgs->u.first : NULL;
                 val; val = val->next) {
                if (val->keylen == n - 8 && strncasecmp(val->key, name + 6, n - 8) == 0) {
                    const char *m = tk_jv_str(tk_jv_get(val, "message"));
                    found = m ? tk_bundle_strdup(ctx->b, m) : NULL;
                    break;
                }
            }
        }
        tk_arena_release(&a);
        if (found)
            return found;
    }
    return NULL;
}

struct chromium_state {
    const struct tk_jv *settings[2]; /* extensions.settings of Preferences, Secure Preferences */
    struct tk_arena docs[2];
    size_t count;
};

static enum tk_tri enabled_state(const struct chromium_state *st, const char *id)
{
    for (int i = 0; i < 2; i++) {
        const struct tk_jv *e = tk_jv_get(st->settings[i], id);
        if (!e)
            continue;
        const struct tk_jv *reasons = tk_jv_get(e, "disable_reasons");
        const struct tk_jv *state = tk_jv_get(e, "state");
        if ((tk_jv_is(reasons, TK_JV_INT) && tk_jv_int(reasons) != 0) ||
            (tk_jv_is(reasons, TK_JV_ARRAY) && reasons->len > 0))
            return TK_NO;
        if (tk_jv_is(state, TK_JV_INT))
            return tk_jv_int(state) == 1 ? TK_YES : TK_NO;
        return TK_YES; /* listed without a disabling state */
    }
    return TK_UNKNOWN;
}

static int chromium_extension(struct tk_collect_ctx *ctx, const struct tk_user *u,
                              const char *browser, const char *profile, const char *extdir,
                              const char *id, const struct chromium_state *st)
{
    const char *path = tk_bundle_printf(ctx->b, "%s/manifest.json", extdir);
    struct tk_arena a;
    const struct tk_jv *m;
    if (!path)
        return TK_ENOMEM;
    if (read_json(ctx, path, MANIFEST_MAX, &a, &m) != 0) {
        tk_arena_release(&a);
        return 0;
    }
    const char *name = tk_jv_str(tk_jv_get(m, "name"));
    const char *version = tk_jv_str(tk_jv_get(m, "version"));
    const char *locale = tk_jv_str(tk_jv_get(m, "default_locale"));
    const char *resolved = name ? resolve_msg(ctx, extdir, name, locale) : NULL;
    struct tk_item *it =
        tk_collect_item(ctx, "browser-extension", "extension", resolved ? resolved : name ? name : id,
                        version, extdir);
    if (it) {
        it->id = tk_bundle_strdup(ctx->b, id);
        it->browser = browser;
        it->profile = tk_bundle_strdup(ctx->b, profile);
        it->user = u->name;
        it->enabled = enabled_state(st, id);
        it->version_from = version ? path : NULL;
    }
    tk_arena_release(&a);
    return it || ctx->b->items_dropped ? 0 : TK_ENOMEM;
}

/* extensions.settings of a Preferences file, in the arena a (released by the caller). */
static const struct tk_jv *prefs_settings(struct tk_collect_ctx *ctx, const char *file,
                                          struct tk_arena *a)
{
    const struct tk_jv *p;
    if (read_json(ctx, file, PREFS_MAX, a, &p) != 0)
        return NULL;
    return tk_jv_get(tk_jv_get(p, "extensions"), "settings");
}

static int chromium_profile(struct tk_collect_ctx *ctx, const struct tk_user *u,
                            const char *browser, const char *userdata, const char *profile,
                            void *ud)
{
    (void)ud;
    const char *pdir = tk_bundle_printf(ctx->b, "%s/%s", userdata, profile);
    const char *exts = pdir ? tk_bundle_printf(ctx->b, "%s/Extensions", pdir) : NULL;
    if (!exts)
        return TK_ENOMEM;
    struct tk_fs_dir *d;
    if (tk_fs_dir_open(ctx->root, exts, &d, NULL) != 0)
        return 0;
    struct chromium_state st = { { NULL, NULL }, { { 0 } }, 0 };
    st.settings[0] =
        prefs_settings(ctx, tk_bundle_printf(ctx->b, "%s/Preferences", pdir), &st.docs[0]);
    st.settings[1] =
        prefs_settings(ctx, tk_bundle_printf(ctx->b, "%s/Secure Preferences", pdir), &st.docs[1]);
    const char *id;
    bool is_dir;
    int rc = 0;
    while (!rc && (id = tk_fs_dir_next(d, &is_dir))) {
        if (!is_dir || !is_extension_id(id))
            continue;
        const char *iddir = tk_bundle_printf(ctx->b, "%s/%s", exts, id);
        const char *idcopy = tk_bundle_strdup(ctx->b, id);
        struct tk_fs_dir *vd;
        if (!iddir || !idcopy) {
            rc = TK_ENOMEM;
            break;
        }
        if (tk_fs_dir_open(ctx->root, iddir, &vd, NULL) != 0)
            continue;
        const char *ver;
        while (!rc && (ver = tk_fs_dir_next(vd, &is_dir))) {
            if (!is_dir || st.count >= MAX_EXTENSIONS_PER_PROFILE)
                continue;
            st.count++;
            const char *extdir = tk_bundle_printf(ctx->b, "%s/%s", iddir, ver);
            rc = extdir ? chromium_extension(ctx, u, browser, profile, extdir, idcopy, &st)
                        : TK_ENOMEM;
        }
        tk_fs_dir_close(vd);
    }
    tk_fs_dir_close(d);
    tk_arena_release(&st.docs[0]);
    tk_arena_release(&st.docs[1]);
    return rc;
}

/* Add-ons that are part of Firefox itself, not installed by anyone. */
static bool builtin_location(const char *loc)
{
    static const char *const builtin[] = { "app-builtin", "app-system-defaults",
                                           "app-system-addons", "app-temporary" };
    for (size_t i = 0; loc && i < sizeof builtin / sizeof builtin[0]; i++)
        if (strcmp(loc, builtin[i]) == 0)
            return true;
    return false;
}

static int firefox_profile(struct tk_collect_ctx *ctx, const struct tk_user *u,
                           const char *browser, const char *userdata, const char *profile,
                           void *ud)
{
    (void)userdata;
    (void)ud;
    const char *path = tk_bundle_printf(ctx->b, "%s/extensions.json", profile);
    struct tk_arena a;
    const struct tk_jv *db;
    if (!path)
        return TK_ENOMEM;
    if (read_json(ctx, path, EXTENSIONS_JSON_MAX, &a, &db) != 0) {
        tk_arena_release(&a);
        return 0;
    }
    const struct tk_jv *addons = tk_jv_get(db, "addons");
    size_t count = 0;
    int rc = 0;
    if (addons && !tk_jv_is(addons, TK_JV_ARRAY))
        tk_bundle_errorf(ctx->b, ctx->collector, path, TK_EPARSE,
                         "%s: \"addons\" is not an array", path);
    static const char *const locale_name[] = { "defaultLocale", "name", NULL };
    for (const struct tk_jv *ad = tk_jv_is(addons, TK_JV_ARRAY) ? addons->u.first : NULL; ad;
         ad = ad->next) {
        const char *type = tk_jv_str(tk_jv_get(ad, "type"));
        const char *loc = tk_jv_str(tk_jv_get(ad, "location"));
        const char *id = tk_jv_str(tk_jv_get(ad, "id"));
        if (!id || builtin_location(loc) ||
            (type && strcmp(type, "extension") != 0 && strcmp(type, "theme") != 0))
            continue;
        if (++count > MAX_EXTENSIONS_PER_PROFILE)
            break;
        const char *name = tk_jv_str(tk_jv_path(ad, locale_name));
        const char *version = tk_jv_str(tk_jv_get(ad, "version"));
        const char *apath = tk_jv_str(tk_jv_get(ad, "path"));
        struct tk_item *it = tk_collect_item(ctx, "browser-extension", "extension",
                                             name ? name : id, version, apath ? apath : path);
        if (!it) {
            rc = ctx->b->items_dropped ? 0 : TK_ENOMEM;
            break;
        }
        it->id = tk_bundle_strdup(ctx->b, id);
        it->browser = browser;
        it->profile = tk_bundle_strdup(ctx->b, profile);
        it->user = u->name;
        const struct tk_jv *active = tk_jv_get(ad, "active");
        it->enabled = tk_jv_is_bool(active) ? (active->type == TK_JV_TRUE ? TK_YES : TK_NO)
                                            : TK_UNKNOWN;
        it->version_from = version ? path : NULL;
    }
    tk_arena_release(&a);
    return rc;
}

int tk_collect_extensions(struct tk_collect_ctx *ctx)
{
    int rc = 0;
    for (size_t i = 0; i < ctx->nusers && !rc; i++) {
        const struct tk_user *u = &ctx->users[i];
        if (!u->readable)
            continue;
        rc = tk_chromium_each_profile(ctx, u, chromium_profile, NULL);
        if (!rc)
            rc = tk_firefox_each_profile(ctx, u, firefox_profile, NULL);
    }
    return rc;
}
