/* jsonfile.c - bounded JSON file reading for collectors, on jansson. */
#include "collect/jsonfile.h"

#include <string.h>

int tk_json_parse(const char *text, size_t n, const char *name, json_t **out, struct tk_err *err)
{
    json_error_t je;
    /* A UTF-8 byte-order mark is common in files written on Windows. */
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        n -= 3;
    }
    *out = json_loadb(text, n, JSON_ALLOW_NUL, &je);
    if (!*out)
        return tk_err_set(err, TK_EPARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
    return 0;
}

int tk_collect_json(struct tk_collect_ctx *ctx, const char *path, size_t max, json_t **out)
{
    struct tk_buf buf = TK_BUF_INIT(max);
    struct tk_err e = { 0 };
    *out = NULL;
    int rc = tk_fs_read(ctx->root, path, &buf, &e);
    if (rc == 0)
        rc = tk_json_parse(tk_buf_cstr(&buf), buf.len, path, out, &e);
    if (rc && rc != TK_ENOENT)
        tk_collect_error(ctx, path, &e);
    tk_buf_release(&buf);
    return rc;
}

const char *tk_json_get_str(const json_t *j, const char *dotted)
{
    char key[256];
    const char *p = dotted;
    while (j && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        j = json_object_get(j, key);
        p += n + (dot ? 1 : 0);
    }
    return json_is_string(j) ? json_string_value(j) : NULL;
}
