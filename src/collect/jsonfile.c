/* jsonfile.c - bounded JSON file reading for collectors, on jansson. */
#include "collect/jsonfile.h"

#include <string.h>

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
