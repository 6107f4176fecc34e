/* extensions.c - browser extensions per user profile.
 *
 * Chromium family: <profile>/Extensions/<id>/<version>_<n>/manifest.json, with "__MSG_x__"
 * names resolved from _locales/<default_locale>/messages.json (keys are case-insensitive)
 * and the enabled state from the profile's Preferences. Firefox: the profile's
 * extensions.json, without the add-ons that ship inside Firefox itself. */
#include <string.h>
#include <strings.h>

#include "collect/collect.h"
#include "collect/jsonfile.h"
#include "collect/profiles.h"

#define MANIFEST_MAX (1 << 20)
#define MESSAGES_MAX (4 << 20)
#define PREFS_MAX (64 << 20)
#define EXTENSIONS_JSON_MAX (64 << 20)
#define MAX_EXTENSIONS_PER_PROFILE 2000

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
        json_t *msgs;
        if (!path || tk_collect_json(ctx, path, MESSAGES_MAX, &msgs) != 0)
            continue;
        const char *key, *found = NULL;
        json_t *val;
        json_object_foreach(msgs, key, val)
        {
            if (strlen(key) == n - 8 && strncasecmp(key, name + 6, n - 8) == 0) {
                const char *m = json_string_value(json_object_get(val, "message"));
                found = m ? tk_bundle_strdup(ctx->b, m) : NULL;
                break;
            }
        }
        json_decref(msgs);
        if (found)
            return found;
    }
    return NULL;
}

struct chromium_state {
    json_t *settings[2]; /* extensions.settings of Preferences and Secure Preferences */
    size_t count;
};

static enum tk_tri enabled_state(const struct chromium_state *st, const char *id)
{
    for (int i = 0; i < 2; i++) {
        json_t *e = json_object_get(st->settings[i], id);
        if (!e)
            continue;
        json_t *reasons = json_object_get(e, "disable_reasons");
        json_t *state = json_object_get(e, "state");
        if ((json_is_integer(reasons) && json_integer_value(reasons) != 0) ||
            (json_is_array(reasons) && json_array_size(reasons) > 0))
            return TK_NO;
        if (json_is_integer(state))
            return json_integer_value(state) == 1 ? TK_YES : TK_NO;
        return TK_YES; /* listed without a disabling state */
    }
    return TK_UNKNOWN;
}

static int chromium_extension(struct tk_collect_ctx *ctx, const struct tk_user *u,
                              const char *browser, const char *profile, const char *extdir,
                              const char *id, const struct chromium_state *st)
{
    const char *path = tk_bundle_printf(ctx->b, "%s/manifest.json", extdir);
    json_t *m;
    if (!path)
        return TK_ENOMEM;
    if (tk_collect_json(ctx, path, MANIFEST_MAX, &m) != 0)
        return 0;
    const char *name = json_string_value(json_object_get(m, "name"));
    const char *version = json_string_value(json_object_get(m, "version"));
    const char *locale = json_string_value(json_object_get(m, "default_locale"));
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
    json_decref(m);
    return it || ctx->b->items_dropped ? 0 : TK_ENOMEM;
}

static json_t *prefs_settings(struct tk_collect_ctx *ctx, const char *file)
{
    json_t *p;
    if (tk_collect_json(ctx, file, PREFS_MAX, &p) != 0)
        return NULL;
    json_t *s = json_object_get(json_object_get(p, "extensions"), "settings");
    json_incref(s);
    json_decref(p);
    return s;
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
    struct chromium_state st = { { NULL, NULL }, 0 };
    st.settings[0] = prefs_settings(ctx, tk_bundle_printf(ctx->b, "%s/Preferences", pdir));
    st.settings[1] = prefs_settings(ctx, tk_bundle_printf(ctx->b, "%s/Secure Preferences", pdir));
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
    json_decref(st.settings[0]);
    json_decref(st.settings[1]);
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
    json_t *db;
    if (!path)
        return TK_ENOMEM;
    if (tk_collect_json(ctx, path, EXTENSIONS_JSON_MAX, &db) != 0)
        return 0;
    json_t *addons = json_object_get(db, "addons");
    size_t i, count = 0;
    json_t *a;
    int rc = 0;
    if (!json_is_array(addons) && addons)
        tk_bundle_errorf(ctx->b, ctx->collector, path, TK_EPARSE,
                         "%s: \"addons\" is not an array", path);
    json_array_foreach(addons, i, a)
    {
        const char *type = json_string_value(json_object_get(a, "type"));
        const char *loc = json_string_value(json_object_get(a, "location"));
        const char *id = json_string_value(json_object_get(a, "id"));
        if (!id || builtin_location(loc) ||
            (type && strcmp(type, "extension") != 0 && strcmp(type, "theme") != 0))
            continue;
        if (++count > MAX_EXTENSIONS_PER_PROFILE)
            break;
        const char *name = tk_json_get_str(a, "defaultLocale.name");
        const char *version = json_string_value(json_object_get(a, "version"));
        const char *apath = json_string_value(json_object_get(a, "path"));
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
        json_t *active = json_object_get(a, "active");
        it->enabled = json_is_boolean(active) ? (json_is_true(active) ? TK_YES : TK_NO)
                                              : TK_UNKNOWN;
        it->version_from = version ? path : NULL;
    }
    json_decref(db);
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
