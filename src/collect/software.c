/* software.c - software found by its install directory: browsers, meeting and remote-access
 * tools, Java runtimes, Adobe Reader and Flash.
 *
 * One table says where each product installs and how to read its exact version without
 * running it (a version file, an INI or shell variable, a JSON key, package.json inside an
 * Electron app.asar); when the directory holds no version, the package database entry that
 * owns it gives one. Per-user browser data adds what each user last ran ("Last Version",
 * compatibility.ini). Install paths and version files: see docs/collectors.md. */
#include <string.h>

#include "collect/collect.h"
#include "collect/jsonfile.h"
#include "collect/profiles.h"
#include "core/alloc.h"
#include "core/ini.h"
#include "core/le.h"

#define VERSION_FILE_MAX (1 << 20)
#define ASAR_HEADER_MAX (16 << 20)

enum vmethod {
    V_NONE,
    V_FIRSTLINE, /* file: first line */
    V_INI,       /* file, section, key */
    V_SHELLVAR,  /* file, key: KEY='value' */
    V_JSON,      /* file, key: top-level string */
    V_ASAR,      /* file (app.asar), key: package.json's key */
};

struct product {
    const char *name;
    const char *vendor;
    const char *kind;
    const char *dirs[8]; /* install directories; '*' allowed in the last component */
    enum vmethod method;
    const char *file, *section, *key;
    const char *packages[4]; /* packages owning the directory, for their version */
};

static const struct product browsers[] = {
    { "Google Chrome", "Google", "browser", { "/opt/google/chrome" }, V_NONE, NULL, NULL, NULL,
      { "google-chrome-stable" } },
    { "Google Chrome Beta", "Google", "browser", { "/opt/google/chrome-beta" }, V_NONE, NULL,
      NULL, NULL, { "google-chrome-beta" } },
    { "Google Chrome Dev", "Google", "browser", { "/opt/google/chrome-unstable" }, V_NONE, NULL,
      NULL, NULL, { "google-chrome-unstable" } },
    { "Chromium", "Chromium", "browser",
      { "/usr/lib/chromium", "/usr/lib/chromium-browser", "/usr/lib64/chromium-browser" },
      V_NONE, NULL, NULL, NULL, { "chromium", "chromium-browser" } },
    { "Microsoft Edge", "Microsoft", "browser",
      { "/opt/microsoft/msedge", "/opt/microsoft/msedge-beta", "/opt/microsoft/msedge-dev" },
      V_NONE, NULL, NULL, NULL,
      { "microsoft-edge-stable", "microsoft-edge-beta", "microsoft-edge-dev" } },
    { "Brave", "Brave Software", "browser",
      { "/opt/brave.com/brave", "/opt/brave.com/brave-beta", "/opt/brave.com/brave-nightly" },
      V_NONE, NULL, NULL, NULL, { "brave-browser", "brave-browser-beta", "brave-browser-nightly" } },
    { "Opera", "Opera", "browser", { "/usr/lib/x86_64-linux-gnu/opera", "/usr/lib64/opera" },
      V_NONE, NULL, NULL, NULL, { "opera-stable" } },
    { "Vivaldi", "Vivaldi Technologies", "browser", { "/opt/vivaldi" }, V_SHELLVAR, "vivaldi",
      NULL, "VIVALDI_VERSION", { "vivaldi-stable" } },
    { "Firefox", "Mozilla", "browser",
      { "/usr/lib/firefox", "/usr/lib64/firefox", "/opt/firefox" }, V_INI, "application.ini",
      "App", "Version", { "firefox" } },
    { "Firefox ESR", "Mozilla", "browser", { "/usr/lib/firefox-esr", "/usr/lib64/firefox-esr" },
      V_INI, "application.ini", "App", "Version", { "firefox-esr" } },
};

static const struct product apps[] = {
    { "Zoom", "Zoom Video Communications", "application", { "/opt/zoom" }, V_FIRSTLINE,
      "version.txt", NULL, NULL, { "zoom" } },
    { "Microsoft Teams", "Microsoft", "application",
      { "/usr/share/teams", "/usr/share/teams-insiders" }, V_ASAR, "resources/app.asar", NULL,
      "version", { "teams", "teams-insiders" } },
    { "teams-for-linux", "teams-for-linux", "application", { "/opt/teams-for-linux" }, V_ASAR,
      "resources/app.asar", NULL, "version", { "teams-for-linux" } },
    { "Webex", "Cisco", "application", { "/opt/Webex" }, V_NONE, NULL, NULL, NULL, { "webex" } },
    { "Skype", "Microsoft", "application", { "/usr/share/skypeforlinux" }, V_ASAR,
      "resources/app.asar", NULL, "version", { "skypeforlinux" } },
    { "Slack", "Slack Technologies", "application", { "/usr/lib/slack" }, V_ASAR,
      "resources/app.asar", NULL, "version", { "slack-desktop", "slack" } },
    { "Discord", "Discord", "application", { "/usr/share/discord", "/opt/discord" }, V_JSON,
      "resources/build_info.json", NULL, "version", { "discord" } },
    { "AnyDesk", "AnyDesk Software", "application", { "/usr/share/anydesk" }, V_NONE, NULL,
      NULL, NULL, { "anydesk" } },
    { "TeamViewer", "TeamViewer", "application", { "/opt/teamviewer" }, V_SHELLVAR,
      "tv_bin/script/tvw_config", NULL, "TV_VERSION", { "teamviewer", "teamviewer-host" } },
    { "RustDesk", "RustDesk", "application", { "/usr/share/rustdesk", "/usr/lib/rustdesk" },
      V_JSON, "data/flutter_assets/version.json", NULL, "version", { "rustdesk" } },
    { "Java", NULL, "runtime",
      { "/usr/lib/jvm/*", "/usr/lib64/jvm/*", "/usr/java/*", "/opt/java/*", "/opt/jdk*" },
      V_SHELLVAR, "release", NULL, "JAVA_VERSION", { NULL } },
    { "Adobe Reader", "Adobe", "application", { "/opt/Adobe/Reader9", "/opt/Adobe/Reader8" },
      V_FIRSTLINE, "Reader/AcroVersion", NULL, NULL, { "adobereader-enu", "AdobeReader_enu" } },
};

/* ---- version readers ------------------------------------------------------------------ */

struct found {
    const char *version;      /* in the bundle's arena */
    const char *version_from; /* path or record */
};

static const char *join(struct tk_collect_ctx *ctx, const char *dir, const char *file)
{
    return tk_bundle_printf(ctx->b, "%s/%s", dir, file);
}

static const char *slice_dup(struct tk_collect_ctx *ctx, struct tk_str s)
{
    s = tk_str_trim(s);
    return s.n ? tk_bundle_strndup(ctx->b, s.p, s.n) : NULL;
}

static const char *shell_value(struct tk_collect_ctx *ctx, struct tk_str text, const char *key)
{
    struct tk_str rest = text, line;
    while (tk_str_next_line(&rest, &line)) {
        struct tk_str k, v;
        line = tk_str_trim(line);
        if (tk_str_has_prefix(line, "export "))
            line = tk_str_trim((struct tk_str){ line.p + 7, line.n - 7 });
        if (!tk_str_cut(line, '=', &k, &v) || !tk_str_eq_c(tk_str_trim(k), key))
            continue;
        struct tk_buf out = TK_BUF_INIT(4096);
        const char *r = tk_shell_unquote(tk_str_trim(v), &out) == 0 && out.len
                            ? tk_bundle_strndup(ctx->b, tk_buf_cstr(&out), out.len)
                            : NULL;
        tk_buf_release(&out);
        return r;
    }
    return NULL;
}

static const char *json_value(struct tk_collect_ctx *ctx, const char *text, size_t n,
                              const char *name, const char *key)
{
    json_t *j;
    struct tk_err e;
    if (tk_json_parse(text, n, name, &j, &e) != 0) {
        tk_collect_error(ctx, name, &e);
        return NULL;
    }
    const char *v = tk_json_get_str(j, key);
    const char *r = v && *v ? tk_bundle_strdup(ctx->b, v) : NULL;
    json_decref(j);
    return r;
}

/* package.json's key inside an Electron archive: a 16-byte pickle header, the JSON file
 * table, then the file data; offsets in the table are strings relative to 8+header_size. */
static const char *asar_value(struct tk_collect_ctx *ctx, const char *path, const char *key)
{
    struct tk_buf head = TK_BUF_INIT(16), table = TK_BUF_INIT(ASAR_HEADER_MAX),
                  data = TK_BUF_INIT(VERSION_FILE_MAX);
    struct tk_err e = { 0 };
    const char *result = NULL;
    json_t *j = NULL;
    int rc = tk_fs_read_head(ctx->root, path, 16, &head, &e);
    if (rc == TK_ENOENT)
        goto done;
    if (rc == 0 && head.len < 16)
        rc = tk_err_set(&e, TK_EPARSE, "%s: too short for an asar archive", path);
    if (rc)
        goto fail;
    const unsigned char *h = (const unsigned char *)head.ptr;
    uint32_t header_size = tk_le32(h + 4), json_len = tk_le32(h + 12);
    if (tk_le32(h) != 4 || json_len > ASAR_HEADER_MAX || json_len + 8u > header_size) {
        rc = tk_err_set(&e, TK_EPARSE, "%s:0: not an asar archive header", path);
        goto fail;
    }
    rc = tk_fs_read_range(ctx->root, path, 16, json_len, &table, &e);
    if (!rc)
        rc = tk_json_parse(tk_buf_cstr(&table), table.len, path, &j, &e);
    if (rc)
        goto fail;
    json_t *entry = json_object_get(json_object_get(j, "files"), "package.json");
    const char *off = json_string_value(json_object_get(entry, "offset"));
    json_int_t size = json_integer_value(json_object_get(entry, "size"));
    uint64_t offset;
    if (!off || !tk_str_to_u64(tk_str_c(off), &offset) || size <= 0 ||
        size > VERSION_FILE_MAX || offset > UINT64_MAX / 2) {
        rc = tk_err_set(&e, TK_EPARSE, "%s: no package.json in the archive", path);
        goto fail;
    }
    rc = tk_fs_read_range(ctx->root, path, 8 + (uint64_t)header_size + offset, (size_t)size,
                          &data, &e);
    if (rc)
        goto fail;
    result = json_value(ctx, tk_buf_cstr(&data), data.len, path, key);
    goto done;
fail:
    tk_collect_error(ctx, path, &e);
done:
    json_decref(j);
    tk_buf_release(&head);
    tk_buf_release(&table);
    tk_buf_release(&data);
    return result;
}

static struct found read_version(struct tk_collect_ctx *ctx, const struct product *p,
                                 const char *dir)
{
    struct found f = { NULL, NULL };
    if (p->method == V_NONE)
        return f;
    const char *path = join(ctx, dir, p->file);
    if (!path)
        return f;
    if (p->method == V_ASAR) {
        f.version = asar_value(ctx, path, p->key);
    } else {
        struct tk_buf buf = TK_BUF_INIT(VERSION_FILE_MAX);
        if (tk_collect_read(ctx, path, &buf) == 0) {
            struct tk_str text = { tk_buf_cstr(&buf), buf.len }, line, v;
            switch (p->method) {
            case V_FIRSTLINE:
                if (tk_str_next_line(&text, &line))
                    f.version = slice_dup(ctx, line);
                break;
            case V_INI:
                if (tk_ini_get(text, p->section, p->key, &v))
                    f.version = slice_dup(ctx, v);
                break;
            case V_SHELLVAR:
                f.version = shell_value(ctx, text, p->key);
                break;
            case V_JSON:
                f.version = json_value(ctx, text.p, text.n, path, p->key);
                break;
            default:
                break;
            }
        }
        tk_buf_release(&buf);
    }
    if (f.version)
        f.version_from = path;
    return f;
}

/* The version of the first of `packages` present in the inventory. */
static struct found package_version(struct tk_collect_ctx *ctx, const char *const *packages)
{
    struct found f = { NULL, NULL };
    for (size_t k = 0; k < 4 && packages[k]; k++) {
        for (size_t i = 0; i < ctx->b->nitems; i++) {
            const struct tk_item *it = &ctx->b->items[i];
            if (!it->kind || strcmp(it->kind, "package") != 0 ||
                strcmp(it->name, packages[k]) != 0 || !it->version || tk_item_removed(it))
                continue;
            f.version = it->version;
            f.version_from = tk_bundle_printf(ctx->b, "%s:%s", it->source, it->name);
            return f;
        }
    }
    return f;
}

/* ---- directories ---------------------------------------------------------------------- */

struct seen {
    dev_t dev[64];
    ino_t ino[64];
    size_t n;
};

static bool already_seen(struct seen *s, const struct stat *st)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->dev[i] == st->st_dev && s->ino[i] == st->st_ino)
            return true;
    if (s->n < 64) {
        s->dev[s->n] = st->st_dev;
        s->ino[s->n++] = st->st_ino;
    }
    return false;
}

static int add_product(struct tk_collect_ctx *ctx, const struct product *p, const char *dir,
                       struct seen *seen)
{
    struct stat st;
    if (tk_fs_stat(ctx->root, dir, true, &st, NULL) != 0 || !S_ISDIR(st.st_mode) ||
        already_seen(seen, &st))
        return 0;
    struct found f = read_version(ctx, p, dir);
    /* A Java directory without a release file is not a runtime we can name. */
    if (p->method == V_SHELLVAR && strcmp(p->file, "release") == 0 && !f.version)
        return 0;
    if (!f.version)
        f = package_version(ctx, p->packages);
    struct tk_item *it = tk_collect_item(ctx, "dir", p->kind, p->name, NULL, dir);
    if (!it)
        return ctx->b->items_dropped ? 0 : TK_ENOMEM;
    it->version = f.version;
    it->version_from = f.version_from;
    it->vendor = p->vendor;
    if (!p->vendor && p->method == V_SHELLVAR && strcmp(p->file, "release") == 0) {
        /* Java: the vendor is in the same release file. */
        struct tk_buf buf = TK_BUF_INIT(VERSION_FILE_MAX);
        if (tk_collect_read(ctx, f.version_from, &buf) == 0)
            it->vendor = shell_value(ctx, (struct tk_str){ tk_buf_cstr(&buf), buf.len },
                                     "IMPLEMENTOR");
        tk_buf_release(&buf);
    }
    return 0;
}

/* Expands a '*' in the last component by listing the parent directory. */
static int each_dir(struct tk_collect_ctx *ctx, const struct product *p, const char *pattern,
                    struct seen *seen)
{
    const char *slash = strrchr(pattern, '/');
    if (!slash || !strchr(slash, '*'))
        return add_product(ctx, p, pattern, seen);
    const char *parent = tk_bundle_strndup(ctx->b, pattern, (size_t)(slash - pattern));
    const char *glob = slash + 1;
    size_t prefix = (size_t)(strchr(glob, '*') - glob);
    struct tk_fs_dir *d;
    if (!parent || tk_fs_dir_open(ctx->root, parent, &d, NULL) != 0)
        return 0;
    const char *name;
    int rc = 0;
    /* Sorted for a stable inventory order regardless of directory order. */
    char **names = NULL;
    size_t n = 0, cap = 0;
    while ((name = tk_fs_dir_next(d, NULL)))
        if (strncmp(name, glob, prefix) == 0 &&
            tk_grow((void **)&names, &cap, n + 1, sizeof *names, 4096) == 0 &&
            (names[n] = tk_strdup(name)))
            n++;
    tk_fs_dir_close(d);
    /* Real directories before symlinked aliases (default-java, java-1.17.0-…), so an
     * install is reported under its own name; then by name, for a stable order. */
    bool *link = tk_calloc(n ? n : 1, sizeof *link);
    if (!link)
        rc = TK_ENOMEM;
    for (size_t i = 0; i < n && link; i++) {
        struct stat st;
        const char *full = join(ctx, parent, names[i]);
        link[i] = full && tk_fs_stat(ctx->root, full, false, &st, NULL) == 0 && S_ISLNK(st.st_mode);
    }
    for (size_t i = 1; i < n && link; i++)
        for (size_t k = i; k > 0 && (link[k - 1] > link[k] ||
                                     (link[k - 1] == link[k] && strcmp(names[k - 1], names[k]) > 0));
             k--) {
            char *t = names[k];
            names[k] = names[k - 1];
            names[k - 1] = t;
            bool l = link[k];
            link[k] = link[k - 1];
            link[k - 1] = l;
        }
    tk_free(link);
    for (size_t i = 0; i < n; i++) {
        if (!rc) {
            const char *dir = join(ctx, parent, names[i]);
            rc = dir ? add_product(ctx, p, dir, seen) : TK_ENOMEM;
        }
        tk_free(names[i]);
    }
    tk_free(names);
    return rc;
}

static int scan_table(struct tk_collect_ctx *ctx, const struct product *table, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        struct seen seen = { .n = 0 };
        for (size_t k = 0; k < 8 && table[i].dirs[k] && !rc; k++)
            rc = each_dir(ctx, &table[i], table[i].dirs[k], &seen);
    }
    return rc;
}

/* ---- what each user last ran -------------------------------------------------------- */

static int last_run(struct tk_collect_ctx *ctx, const struct tk_user *u)
{
    struct tk_buf buf = TK_BUF_INIT(4096);
    for (size_t i = 0; i < tk_chromium_nroots; i++) {
        const char *dir = tk_bundle_printf(ctx->b, "%s/%s", u->home, tk_chromium_roots[i].dir);
        const char *file = dir ? join(ctx, dir, "Last Version") : NULL;
        if (!file) {
            tk_buf_release(&buf);
            return TK_ENOMEM;
        }
        if (tk_collect_read(ctx, file, &buf) != 0)
            continue;
        struct tk_str v = tk_str_trim((struct tk_str){ tk_buf_cstr(&buf), buf.len });
        struct tk_item *it =
            tk_collect_item(ctx, "profile", "browser", tk_chromium_roots[i].browser, NULL, dir);
        if (!it)
            break;
        it->version = slice_dup(ctx, v);
        it->version_from = it->version ? file : NULL;
        it->user = u->name;
    }
    tk_buf_release(&buf);
    return 0;
}

/* Firefox records "115.5.0_20231120104235/20231120104235" in each profile's
 * compatibility.ini. */
static int firefox_last_run(struct tk_collect_ctx *ctx, const struct tk_user *u,
                            const char *browser, const char *userdata, const char *profile,
                            void *ud)
{
    (void)userdata;
    (void)ud;
    const char *file = join(ctx, profile, "compatibility.ini");
    if (!file)
        return TK_ENOMEM;
    struct tk_buf buf = TK_BUF_INIT(64 * 1024);
    struct tk_str v, dir;
    if (tk_collect_read(ctx, file, &buf) == 0 &&
        tk_ini_get((struct tk_str){ tk_buf_cstr(&buf), buf.len }, "Compatibility", "LastVersion",
                   &v)) {
        struct tk_str ver, rest;
        tk_str_cut(v, '_', &ver, &rest);
        /* The version does not say ESR; the install that last ran the profile does. */
        struct tk_str text = { tk_buf_cstr(&buf), buf.len };
        if (tk_ini_get(text, "Compatibility", "LastPlatformDir", &dir) &&
            memmem(dir.p, dir.n, "esr", 3))
            browser = "Firefox ESR";
        struct tk_item *it = tk_collect_item(ctx, "profile", "browser", browser, NULL, profile);
        if (it) {
            it->version = slice_dup(ctx, ver);
            it->version_from = file;
            it->user = u->name;
        }
    }
    tk_buf_release(&buf);
    return 0;
}

int tk_collect_browsers(struct tk_collect_ctx *ctx)
{
    int rc = scan_table(ctx, browsers, sizeof browsers / sizeof browsers[0]);
    for (size_t i = 0; i < ctx->nusers && !rc; i++) {
        if (!ctx->users[i].readable)
            continue;
        rc = last_run(ctx, &ctx->users[i]);
        if (!rc)
            rc = tk_firefox_each_profile(ctx, &ctx->users[i], firefox_last_run, NULL);
    }
    return rc;
}

/* ---- Flash ---------------------------------------------------------------------------- */

static const char *const flash_dirs[] = {
    "/usr/lib/adobe-flashplugin", "/usr/lib/flashplugin-installer",
    "/usr/lib/flashplugin-nonfree", "/usr/lib/flash-plugin", "/usr/lib64/flash-plugin",
    "/usr/lib/pepperflashplugin-nonfree", "/usr/lib/PepperFlash", "/usr/lib64/PepperFlash",
    "/usr/lib/chromium/PepperFlash", "/usr/lib/chromium-browser/PepperFlash",
    "/opt/google/chrome/PepperFlash", "/usr/lib/mozilla/plugins", "/usr/lib/pepflashplugin-installer",
};

static int flash_in(struct tk_collect_ctx *ctx, const char *dir, const char *user)
{
    static const char *const libs[] = { "libflashplayer.so", "libpepflashplayer.so" };
    for (size_t k = 0; k < 2; k++) {
        const char *lib = join(ctx, dir, libs[k]);
        if (!lib)
            return TK_ENOMEM;
        if (!tk_fs_exists(ctx->root, lib))
            continue;
        struct tk_item *it = tk_collect_item(ctx, "dir", "plugin", "Adobe Flash Player", NULL, lib);
        if (!it)
            return ctx->b->items_dropped ? 0 : TK_ENOMEM;
        it->vendor = "Adobe";
        it->user = user;
        if (k == 1) { /* PPAPI keeps its version in manifest.json beside the library */
            const struct product manifest = { .method = V_JSON, .file = "manifest.json",
                                              .key = "version" };
            struct found f = read_version(ctx, &manifest, dir);
            it->version = f.version;
            it->version_from = f.version_from;
        }
    }
    return 0;
}

static int flash(struct tk_collect_ctx *ctx)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof flash_dirs / sizeof flash_dirs[0] && !rc; i++)
        rc = flash_in(ctx, flash_dirs[i], NULL);
    for (size_t i = 0; i < ctx->nusers && !rc; i++) {
        const struct tk_user *u = &ctx->users[i];
        if (!u->readable)
            continue;
        const char *moz = tk_bundle_printf(ctx->b, "%s/.mozilla/plugins", u->home);
        rc = moz ? flash_in(ctx, moz, u->name) : TK_ENOMEM;
        /* Chrome's component updater kept PepperFlash/<version>/ per user. */
        const char *pep = tk_bundle_printf(ctx->b, "%s/.config/google-chrome/PepperFlash", u->home);
        struct tk_fs_dir *d;
        if (!rc && pep && tk_fs_dir_open(ctx->root, pep, &d, NULL) == 0) {
            const char *name;
            bool is_dir;
            while (!rc && (name = tk_fs_dir_next(d, &is_dir)))
                if (is_dir)
                    rc = flash_in(ctx, join(ctx, pep, name), u->name);
            tk_fs_dir_close(d);
        }
    }
    return rc;
}

int tk_collect_apps(struct tk_collect_ctx *ctx)
{
    int rc = scan_table(ctx, apps, sizeof apps / sizeof apps[0]);
    if (!rc)
        rc = flash(ctx);
    return rc;
}
