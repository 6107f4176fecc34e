/* winreg.c - the backend-independent half of winreg.h: key paths split into a root and a
 * subpath, and raw values turned into UTF-8 strings and numbers. */
#include "collect/winreg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/le.h"
#include "core/utf8.h"

struct tk_winreg_key {
    struct tk_winreg *r;
    void *h;
    char *path;
};

void tk_winreg_free(struct tk_winreg *r)
{
    if (r)
        r->ops->free(r);
}

/* "HKLM\SOFTWARE\A\B" -> root "SOFTWARE", rest "A\B". */
static int split(const char *path, char *root, size_t rootsz, const char **rest)
{
    static const struct { const char *p; bool hklm; } hives[] = {
        { "HKLM\\", true }, { "HKEY_LOCAL_MACHINE\\", true },
        { "HKU\\", false }, { "HKEY_USERS\\", false },
    };
    for (size_t i = 0; i < sizeof hives / sizeof hives[0]; i++) {
        size_t n = strlen(hives[i].p);
        if (strncasecmp(path, hives[i].p, n) != 0)
            continue;
        const char *r = path + n, *e = strchr(r, '\\');
        size_t len = e ? (size_t)(e - r) : strlen(r);
        if (!len || len >= rootsz)
            return TK_EINVAL;
        memcpy(root, r, len);
        root[len] = 0;
        if (hives[i].hklm && strcasecmp(root, "SOFTWARE") != 0 && strcasecmp(root, "SYSTEM") != 0)
            return TK_ENOENT; /* SAM, SECURITY, HARDWARE: not read */
        *rest = e ? e + 1 : r + len;
        return 0;
    }
    return TK_EINVAL;
}

int tk_winreg_key_open(struct tk_winreg *r, const char *path, struct tk_winreg_key **out,
                       struct tk_err *err)
{
    char root[192];
    const char *rest;
    *out = NULL;
    int rc = split(path, root, sizeof root, &rest);
    if (rc == TK_EINVAL)
        return tk_err_set(err, rc, "%s: not a registry path under HKLM or HKU", path);
    if (rc)
        return rc;
    struct tk_winreg_key *k = tk_calloc(1, sizeof *k);
    if (!k || !(k->path = tk_strdup(path))) {
        tk_free(k);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    k->r = r;
    rc = r->ops->open(r, root, rest, &k->h, err);
    if (rc) {
        tk_free(k->path);
        tk_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

void tk_winreg_key_close(struct tk_winreg_key *k)
{
    if (!k)
        return;
    k->r->ops->close(k->r, k->h);
    tk_free(k->path);
    tk_free(k);
}

const char *tk_winreg_key_path(const struct tk_winreg_key *k)
{
    return k->path;
}

const char *tk_winreg_subkey(struct tk_winreg_key *k, size_t i, struct tk_buf *name)
{
    if (i >= TK_WINREG_MAX_CHILDREN)
        return NULL;
    tk_buf_reset(name);
    if (k->r->ops->subkey(k->r, k->h, i, name) != 0)
        return NULL;
    return tk_buf_cstr(name);
}

int tk_winreg_raw(struct tk_winreg_key *k, const char *value, uint32_t *type,
                  struct tk_buf *data)
{
    tk_buf_reset(data);
    return k->r->ops->value(k->r, k->h, value, type, data);
}

int tk_winreg_raw_at(struct tk_winreg_key *k, size_t i, struct tk_buf *name, uint32_t *type,
                     struct tk_buf *data)
{
    if (i >= TK_WINREG_MAX_CHILDREN)
        return TK_ENOENT;
    tk_buf_reset(name);
    tk_buf_reset(data);
    return k->r->ops->value_at(k->r, k->h, i, name, type, data);
}

int tk_winreg_str(struct tk_winreg_key *k, const char *value, struct tk_buf *out)
{
    struct tk_buf raw = TK_BUF_INIT(TK_WINREG_MAX_VALUE);
    uint32_t type = 0;
    tk_buf_reset(out);
    int rc = tk_winreg_raw(k, value, &type, &raw);
    if (!rc) {
        const unsigned char *p = (const unsigned char *)raw.ptr;
        if (type == TK_REG_SZ || type == TK_REG_EXPAND_SZ || type == TK_REG_MULTI_SZ)
            rc = tk_utf16le_to_utf8(p, raw.len, out);
        else if (type == TK_REG_DWORD && raw.len == 4)
            rc = tk_buf_addf(out, "%lu", (unsigned long)tk_le32(p));
        else
            rc = TK_EPARSE;
        if (!rc && !out->len)
            rc = TK_ENOENT;
    }
    tk_buf_release(&raw);
    if (!rc)
        tk_buf_cstr(out);
    return rc;
}

int tk_winreg_dword(struct tk_winreg_key *k, const char *value, uint32_t *out)
{
    struct tk_buf raw = TK_BUF_INIT(TK_WINREG_MAX_VALUE);
    uint32_t type = 0;
    int rc = tk_winreg_raw(k, value, &type, &raw);
    const unsigned char *p = (const unsigned char *)raw.ptr;
    if (rc) {
    } else if ((type == TK_REG_DWORD && raw.len >= 4) || (type == TK_REG_BINARY && raw.len == 4)) {
        *out = tk_le32(p);
    } else if (type == TK_REG_QWORD && raw.len >= 8 && tk_le64(p) <= UINT32_MAX) {
        *out = (uint32_t)tk_le64(p);
    } else if (type == TK_REG_SZ) {
        struct tk_buf s = TK_BUF_INIT(64);
        rc = tk_utf16le_to_utf8(p, raw.len, &s) ? TK_EPARSE : 0;
        char *end = NULL;
        unsigned long v = rc || !s.len ? 0 : strtoul(tk_buf_cstr(&s), &end, 10);
        if (rc || !s.len || *end || v > UINT32_MAX)
            rc = TK_EPARSE;
        else
            *out = (uint32_t)v;
        tk_buf_release(&s);
    } else {
        rc = TK_EPARSE;
    }
    tk_buf_release(&raw);
    return rc;
}

int tk_winreg_image_path(const char *win, struct tk_buf *out)
{
    const char *p = win;
    if (strncasecmp(p, "%SystemDrive%", 13) == 0)
        p += 13;
    else if (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':')
        p += 2;
    else
        return TK_ENOENT;
    int rc = *p == '\\' ? 0 : tk_buf_addc(out, '/');
    for (; *p && !rc; p++)
        rc = tk_buf_addc(out, *p == '\\' ? '/' : *p);
    return rc;
}

int tk_winreg_get_str(struct tk_winreg *r, const char *path, const char *value,
                      struct tk_buf *out)
{
    struct tk_winreg_key *k;
    struct tk_err e = { 0 };
    int rc = tk_winreg_key_open(r, path, &k, &e);
    if (rc)
        return rc;
    rc = tk_winreg_str(k, value, out);
    tk_winreg_key_close(k);
    return rc;
}

int tk_winreg_get_dword(struct tk_winreg *r, const char *path, const char *value,
                        uint32_t *out)
{
    struct tk_winreg_key *k;
    struct tk_err e = { 0 };
    int rc = tk_winreg_key_open(r, path, &k, &e);
    if (rc)
        return rc;
    rc = tk_winreg_dword(k, value, out);
    tk_winreg_key_close(k);
    return rc;
}
