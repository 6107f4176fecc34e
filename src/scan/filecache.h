/* filecache.h - the re-scan cache: what a file scan learnt about each file, keyed by path
 * and reused while the file is unchanged (same device, inode, size, mtime and ctime) and the
 * rules are the same (their hash). A SQLite file the user names with --cache; it holds
 * digests and YARA verdicts, never file contents. Safe to delete at any time. */
#ifndef TK_SCAN_FILECACHE_H
#define TK_SCAN_FILECACHE_H

#include <sys/stat.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/hash.h"

struct tk_filecache;

/* Opens or creates the cache and begins the scan's transaction. TK_EIO (naming path) when it
 * cannot be opened or is not a tenken cache. *out is closed with tk_filecache_close. */
int tk_filecache_open(struct tk_filecache **out, const char *path, const char *rules_hash,
                      struct tk_err *err);

/* 1 and the recorded digests, file type and YARA matches (JSON text, replacing out's
 * content) when path is cached with this stat and these rules; 0 otherwise. Thread-safe. */
int tk_filecache_get(struct tk_filecache *c, const char *path, const struct stat *st,
                     struct tk_digests *d, char filetype[32], struct tk_buf *matches);
/* Records a file's result. Thread-safe; errors only make later scans slower, so they are
 * counted, not returned. */
void tk_filecache_put(struct tk_filecache *c, const char *path, const struct stat *st,
                      const struct tk_digests *d, const char *filetype, const char *matches);

/* Commits and closes; NULL is fine. */
int tk_filecache_close(struct tk_filecache *c, struct tk_err *err);

#endif
