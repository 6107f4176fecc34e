/* winreg_hive.c - the registry of an offline Windows image (winreg.h), from its hive files
 * with libhivex: Windows/System32/config/SOFTWARE and SYSTEM, and each profile's NTUSER.DAT
 * as HKU\SID. Hives are opened read-only through the image's tk_fs (so a symlink planted in
 * the image cannot point them elsewhere) and lazily: a user's hive only when a collector
 * asks for HKU\SID. libhivex checks the hive structure as it reads; a damaged hive is an
 * error naming the file, never a crash of the scan. */
#include "collect/winreg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "tk_config.h"

/* Where the hives are, in the spellings Windows versions and copies of them use. */
static const char *const config_dirs[] = {
    "/Windows/System32/config/", "/WINDOWS/system32/config/", "/windows/system32/config/",
    "/Windows/system32/config/", "/WINDOWS/System32/config/",
};

bool tk_winreg_image_present(struct tk_fs *fs)
{
    char path[128];
    for (size_t i = 0; i < sizeof config_dirs / sizeof config_dirs[0]; i++) {
        snprintf(path, sizeof path, "%sSOFTWARE", config_dirs[i]);
        if (tk_fs_exists(fs, path))
            return true;
    }
    return false;
}

#if TK_HAVE_HIVEX
#include <hivex.h>
#include <unistd.h>

#define MAX_USERS 256

struct user_hive {
    char sid[128];
    hive_h *h; /* NULL: not there or unreadable */
};

struct image {
    struct tk_winreg base;
    struct tk_fs *fs;
    hive_h *software, *system;
    char ccs[32]; /* ControlSet00N */
    struct user_hive users[MAX_USERS];
    size_t nusers;
};

struct hkey {
    hive_h *h;
    hive_node_h node;
    hive_node_h *children; /* lazily listed */
    hive_value_h *values;
    size_t nchildren, nvalues;
    bool listed_children, listed_values;
};

/* Opens the hive file at path inside the image. */
static hive_h *open_hive(struct tk_fs *fs, const char *path, struct tk_err *err)
{
    int fd = -1;
    if (tk_fs_open_read(fs, path, &fd, err) != 0)
        return NULL;
    char name[64];
    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    hive_h *h = hivex_open(name, 0);
    int e = errno;
    close(fd);
    if (!h)
        tk_err_set(err, e == ENOMEM ? TK_ENOMEM : TK_EPARSE, "%s: not a readable registry hive (%s)",
                   path, strerror(e));
    return h;
}

static hive_h *open_config_hive(struct tk_fs *fs, const char *file, struct tk_err *err)
{
    char path[128];
    for (size_t i = 0; i < sizeof config_dirs / sizeof config_dirs[0]; i++) {
        snprintf(path, sizeof path, "%s%s", config_dirs[i], file);
        if (tk_fs_exists(fs, path))
            return open_hive(fs, path, err);
    }
    tk_err_set(err, TK_ENOENT, "/Windows/System32/config/%s: not found", file);
    return NULL;
}

/* Walks backslash-separated components from node. */
static hive_node_h descend(hive_h *h, hive_node_h node, const char *path)
{
    char comp[512];
    while (node && *path) {
        const char *e = strchr(path, '\\');
        size_t n = e ? (size_t)(e - path) : strlen(path);
        if (n && n < sizeof comp) {
            memcpy(comp, path, n);
            comp[n] = 0;
            node = hivex_node_get_child(h, node, comp);
        } else if (n) {
            return 0;
        }
        path += n + (e ? 1 : 0);
    }
    return node;
}

static int get_str(hive_h *h, const char *path, const char *value, struct tk_buf *out)
{
    hive_node_h n = descend(h, hivex_root(h), path);
    hive_value_h v = n ? hivex_node_get_value(h, n, value) : 0;
    if (!v)
        return TK_ENOENT;
    hive_type t;
    size_t len;
    char *p = hivex_value_value(h, v, &t, &len);
    if (!p)
        return TK_EPARSE;
    int rc = (t == hive_t_REG_SZ || t == hive_t_REG_EXPAND_SZ) && len <= TK_WINREG_MAX_VALUE
                 ? tk_utf16le_to_utf8((const unsigned char *)p, len, out)
                 : TK_EPARSE;
    free(p);
    return rc;
}

static hive_h *user_hive(struct image *im, const char *sid, struct tk_err *err)
{
    for (size_t i = 0; i < im->nusers; i++)
        if (strcasecmp(im->users[i].sid, sid) == 0)
            return im->users[i].h;
    if (im->nusers == MAX_USERS || strlen(sid) >= sizeof im->users[0].sid)
        return NULL;
    struct user_hive *u = &im->users[im->nusers++];
    snprintf(u->sid, sizeof u->sid, "%s", sid);
    struct tk_buf dir = TK_BUF_INIT(4096), path = TK_BUF_INIT(4200);
    struct tk_buf key = TK_BUF_INIT(512);
    if (tk_buf_addf(&key, "Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\%s", sid) == 0 &&
        get_str(im->software, tk_buf_cstr(&key), "ProfileImagePath", &dir) == 0 &&
        tk_winreg_image_path(tk_buf_cstr(&dir), &path) == 0 &&
        tk_buf_adds(&path, "/NTUSER.DAT") == 0 && tk_fs_exists(im->fs, tk_buf_cstr(&path)))
        u->h = open_hive(im->fs, tk_buf_cstr(&path), err);
    tk_buf_release(&dir);
    tk_buf_release(&path);
    tk_buf_release(&key);
    return u->h;
}

static int op_open(struct tk_winreg *r, const char *root, const char *path, void **key,
                   struct tk_err *err)
{
    struct image *im = (struct image *)r;
    hive_h *h = NULL;
    struct tk_buf rewritten = TK_BUF_INIT(8192);
    if (strcasecmp(root, "SOFTWARE") == 0) {
        h = im->software;
    } else if (strcasecmp(root, "SYSTEM") == 0) {
        h = im->system;
        if (h && strncasecmp(path, "CurrentControlSet", 17) == 0 &&
            (path[17] == 0 || path[17] == '\\')) {
            if (!im->ccs[0] || tk_buf_addf(&rewritten, "%s%s", im->ccs, path + 17) != 0) {
                tk_buf_release(&rewritten);
                return TK_ENOENT;
            }
            path = tk_buf_cstr(&rewritten);
        }
    } else {
        struct tk_err ue = { 0 };
        h = user_hive(im, root, &ue);
        if (!h && ue.code) { /* reported once: the hive is not tried again */
            *err = ue;
            return ue.code;
        }
    }
    hive_node_h n = h ? descend(h, hivex_root(h), path) : 0;
    tk_buf_release(&rewritten);
    if (!n)
        return TK_ENOENT;
    struct hkey *k = tk_calloc(1, sizeof *k);
    if (!k)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    k->h = h;
    k->node = n;
    *key = k;
    return 0;
}

static void op_close(struct tk_winreg *r, void *key)
{
    struct hkey *k = key;
    if (!k)
        return;
    free(k->children);
    free(k->values);
    tk_free(k);
}

static size_t count(const size_t *list)
{
    size_t n = 0;
    while (list[n] && n < TK_WINREG_MAX_CHILDREN)
        n++;
    return n;
}

static int op_subkey(struct tk_winreg *r, void *key, size_t i, struct tk_buf *name)
{
    struct hkey *k = key;
    if (!k->listed_children) {
        k->listed_children = true;
        k->children = hivex_node_children(k->h, k->node);
        k->nchildren = k->children ? count(k->children) : 0;
    }
    if (i >= k->nchildren)
        return TK_ENOENT;
    char *s = hivex_node_name(k->h, k->children[i]);
    if (!s)
        return TK_EPARSE;
    int rc = tk_buf_adds(name, s);
    free(s);
    return rc;
}

static int value_of(hive_h *h, hive_value_h v, uint32_t *type, struct tk_buf *data)
{
    hive_type t;
    size_t len;
    char *p = hivex_value_value(h, v, &t, &len);
    if (!p)
        return TK_EPARSE;
    *type = (uint32_t)t;
    int rc = len > TK_WINREG_MAX_VALUE ? TK_ELIMIT : tk_buf_add(data, p, len);
    free(p);
    return rc;
}

static int op_value(struct tk_winreg *r, void *key, const char *name, uint32_t *type,
                    struct tk_buf *data)
{
    struct hkey *k = key;
    hive_value_h v = hivex_node_get_value(k->h, k->node, name);
    return v ? value_of(k->h, v, type, data) : TK_ENOENT;
}

static int op_value_at(struct tk_winreg *r, void *key, size_t i, struct tk_buf *name,
                       uint32_t *type, struct tk_buf *data)
{
    struct hkey *k = key;
    if (!k->listed_values) {
        k->listed_values = true;
        k->values = hivex_node_values(k->h, k->node);
        k->nvalues = k->values ? count(k->values) : 0;
    }
    if (i >= k->nvalues)
        return TK_ENOENT;
    char *s = hivex_value_key(k->h, k->values[i]);
    if (!s)
        return TK_EPARSE;
    int rc = tk_buf_adds(name, s);
    free(s);
    return rc ? rc : value_of(k->h, k->values[i], type, data);
}

static void op_free(struct tk_winreg *r)
{
    struct image *im = (struct image *)r;
    if (im->software)
        hivex_close(im->software);
    if (im->system)
        hivex_close(im->system);
    for (size_t i = 0; i < im->nusers; i++)
        if (im->users[i].h)
            hivex_close(im->users[i].h);
    tk_free(im);
}

static const struct tk_winreg_ops hive_ops = {
    op_open, op_close, op_subkey, op_value, op_value_at, op_free,
};

int tk_winreg_open_image(struct tk_winreg **out, struct tk_fs *fs, struct tk_err *err)
{
    *out = NULL;
    struct image *im = tk_calloc(1, sizeof *im);
    if (!im)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    im->base.ops = &hive_ops;
    im->base.label = "hives";
    im->fs = fs;
    im->software = open_config_hive(fs, "SOFTWARE", err);
    if (!im->software) {
        int rc = err->code ? err->code : TK_ENOENT;
        tk_free(im);
        return rc;
    }
    /* SYSTEM is optional: SOFTWARE alone still tells much; why it is missing is kept. */
    im->system = open_config_hive(fs, "SYSTEM", &im->base.warning);
    if (im->system) {
        hive_node_h sel = descend(im->system, hivex_root(im->system), "Select");
        hive_value_h v = sel ? hivex_node_get_value(im->system, sel, "Current") : 0;
        errno = 0;
        int32_t cur = v ? hivex_value_dword(im->system, v) : 1;
        if (errno || cur < 1 || cur > 999)
            cur = 1;
        snprintf(im->ccs, sizeof im->ccs, "ControlSet%03d", (int)cur);
    }
    *out = &im->base;
    return 0;
}

#else

int tk_winreg_open_image(struct tk_winreg **out, struct tk_fs *fs, struct tk_err *err)
{
    *out = NULL;
    return tk_err_set(err, TK_EUNSUPP,
                      "this build of tenken cannot read registry hives (built without libhivex)");
}

#endif
