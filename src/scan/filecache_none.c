/* filecache_none.c - the re-scan cache (filecache.h) in a build without SQLite (tenken.exe):
 * --cache is refused with a message saying so; nothing else changes. */
#include "scan/filecache.h"

int tk_filecache_open(struct tk_filecache **out, const char *path, const char *rules_hash,
                      struct tk_err *err)
{
    *out = NULL;
    return tk_err_set(err, TK_EINVAL, "--cache %s: this build of tenken has no SQLite, so "
                      "it cannot keep a re-scan cache", path);
}

int tk_filecache_get(struct tk_filecache *c, const char *path, const struct stat *st,
                     struct tk_digests *d, char filetype[32], struct tk_buf *matches)
{
    return 0;
}

void tk_filecache_put(struct tk_filecache *c, const char *path, const struct stat *st,
                      const struct tk_digests *d, const char *filetype, const char *matches)
{
}

int tk_filecache_close(struct tk_filecache *c, struct tk_err *err)
{
    return 0;
}
