/* reg.c - the running system's registry for collect/winreg.h (tenken.exe): HKLM and
 * HKEY_USERS opened read-only in the 64-bit view, so WOW6432Node is the 32-bit view by
 * name, as in the hives of an image. Names and values go through the wide-character API;
 * winreg.c turns the raw UTF-16 into UTF-8. */
#include "collect/winreg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <windows.h>

#include "core/alloc.h"
#include "core/utf8.h"

struct live {
    struct tk_winreg base;
};

/* UTF-8 -> a new UTF-16 string (tk_free), NULL on failure. */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? tk_calloc((size_t)n, sizeof *w) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) != n) {
        tk_free(w);
        w = NULL;
    }
    return w;
}

static int utf8(const wchar_t *w, size_t n, struct tk_buf *out)
{
    return tk_utf16le_to_utf8((const unsigned char *)w, n * sizeof *w, out);
}

static int code_of(LSTATUS st)
{
    switch (st) {
    case ERROR_SUCCESS: return 0;
    case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: case ERROR_NO_MORE_ITEMS:
        return TK_ENOENT;
    case ERROR_ACCESS_DENIED: return TK_EACCES;
    case ERROR_NOT_ENOUGH_MEMORY: case ERROR_OUTOFMEMORY: return TK_ENOMEM;
    default: return TK_EIO;
    }
}

static int op_open(struct tk_winreg *r, const char *root, const char *path, void **key,
                   struct tk_err *err)
{
    HKEY base = HKEY_LOCAL_MACHINE;
    struct tk_buf full = TK_BUF_INIT(1 << 16);
    int rc = tk_buf_adds(&full, root);
    if (!rc && *path)
        rc = tk_buf_addf(&full, "\\%s", path);
    if (strcasecmp(root, "SOFTWARE") != 0 && strcasecmp(root, "SYSTEM") != 0)
        base = HKEY_USERS;
    wchar_t *w = rc ? NULL : wide(tk_buf_cstr(&full));
    HKEY k = NULL;
    rc = w ? code_of(RegOpenKeyExW(base, w, 0, KEY_READ | KEY_WOW64_64KEY, &k)) : TK_ENOMEM;
    if (rc && rc != TK_ENOENT)
        tk_err_set(err, rc, "%s\\%s: cannot be opened", base == HKEY_USERS ? "HKU" : "HKLM",
                   tk_buf_cstr(&full));
    tk_free(w);
    tk_buf_release(&full);
    if (!rc)
        *key = k;
    return rc;
}

static void op_close(struct tk_winreg *r, void *key)
{
    if (key)
        RegCloseKey((HKEY)key);
}

static int op_subkey(struct tk_winreg *r, void *key, size_t i, struct tk_buf *name)
{
    wchar_t buf[256]; /* key names are at most 255 characters */
    DWORD n = sizeof buf / sizeof buf[0];
    int rc = code_of(RegEnumKeyExW((HKEY)key, (DWORD)i, buf, &n, NULL, NULL, NULL, NULL));
    return rc ? rc : utf8(buf, n, name);
}

/* Reads a value's data into data, growing up to the bound. */
static int read_value(HKEY k, const wchar_t *name, uint32_t *type, struct tk_buf *data)
{
    DWORD t = 0, n = 0;
    int rc = code_of(RegQueryValueExW(k, name, NULL, &t, NULL, &n));
    if (rc)
        return rc;
    if (n > TK_WINREG_MAX_VALUE)
        return TK_ELIMIT;
    unsigned char *p = tk_calloc(1, (size_t)n + 2);
    if (!p)
        return TK_ENOMEM;
    rc = code_of(RegQueryValueExW(k, name, NULL, &t, p, &n));
    if (!rc) {
        *type = (uint32_t)t;
        rc = tk_buf_add(data, p, n);
    }
    tk_free(p);
    return rc;
}

static int op_value(struct tk_winreg *r, void *key, const char *name, uint32_t *type,
                    struct tk_buf *data)
{
    wchar_t *w = wide(name);
    int rc = w ? read_value((HKEY)key, w, type, data) : TK_ENOMEM;
    tk_free(w);
    return rc;
}

static int op_value_at(struct tk_winreg *r, void *key, size_t i, struct tk_buf *name,
                       uint32_t *type, struct tk_buf *data)
{
    wchar_t buf[16384]; /* value names are at most 16,383 characters */
    DWORD n = sizeof buf / sizeof buf[0];
    int rc = code_of(RegEnumValueW((HKEY)key, (DWORD)i, buf, &n, NULL, NULL, NULL, NULL));
    if (!rc)
        rc = utf8(buf, n, name);
    if (!rc) {
        buf[n] = 0;
        rc = read_value((HKEY)key, buf, type, data);
    }
    return rc;
}

static void op_free(struct tk_winreg *r)
{
    tk_free(r);
}

static const struct tk_winreg_ops live_ops = {
    op_open, op_close, op_subkey, op_value, op_value_at, op_free,
};

int tk_winreg_open_live(struct tk_winreg **out, struct tk_err *err)
{
    struct live *l = tk_calloc(1, sizeof *l);
    if (!l)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    l->base.ops = &live_ops;
    l->base.label = "registry";
    *out = &l->base;
    return 0;
}
