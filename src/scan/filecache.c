/* filecache.c - the re-scan cache in SQLite (see filecache.h): one table keyed by path, one
 * transaction per scan, one connection shared by the workers under a mutex. */
#include "scan/filecache.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"

#define CACHE_SCHEMA "tenken-filecache-1"

struct tk_filecache {
    sqlite3 *db;
    sqlite3_stmt *get, *put;
    pthread_mutex_t lock;
    char rules[80];
    char *path;
    size_t put_errors;
};

static int64_t ns(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int fail(struct tk_filecache *c, const char *path, const char *what, struct tk_err *err)
{
    int rc = tk_err_set(err, TK_EIO, "%s: %s (%s); delete it or choose another --cache file",
                        path, what, c->db ? sqlite3_errmsg(c->db) : "out of memory");
    sqlite3_finalize(c->get);
    sqlite3_finalize(c->put);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->lock);
    tk_free(c->path);
    tk_free(c);
    return rc;
}

int tk_filecache_open(struct tk_filecache **out, const char *path, const char *rules_hash,
                      struct tk_err *err)
{
    *out = NULL;
    struct tk_filecache *c = tk_calloc(1, sizeof *c);
    if (!c)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    pthread_mutex_init(&c->lock, NULL);
    snprintf(c->rules, sizeof c->rules, "%s", rules_hash ? rules_hash : "");
    c->path = tk_strdup(path);
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                          SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return fail(c, path, "cannot open the cache", err);
    sqlite3_busy_timeout(c->db, 2000);
    /* A file that is not a SQLite database, or one of someone else's, is refused here. */
    const char *schema =
        "PRAGMA synchronous = NORMAL;"
        "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
        "INSERT OR IGNORE INTO meta VALUES('schema', '" CACHE_SCHEMA "');"
        "CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, dev INTEGER, ino INTEGER,"
        "  size INTEGER, mtime INTEGER, ctime INTEGER, rules TEXT, md5 TEXT, sha1 TEXT,"
        "  sha256 TEXT, filetype TEXT, matches TEXT) WITHOUT ROWID;";
    if (sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK)
        return fail(c, path, "not a usable cache", err);
    sqlite3_stmt *st;
    int ok = 0;
    if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = 'schema'", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        ok = v && strcmp((const char *)v, CACHE_SCHEMA) == 0;
    }
    sqlite3_finalize(st);
    if (!ok)
        return fail(c, path, "not a tenken file cache", err);
    if (sqlite3_prepare_v2(c->db,
                           "SELECT md5, sha1, sha256, filetype, matches FROM files WHERE path = ?1"
                           " AND dev = ?2 AND ino = ?3 AND size = ?4 AND mtime = ?5"
                           " AND ctime = ?6 AND rules = ?7",
                           -1, &c->get, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db,
                           "INSERT OR REPLACE INTO files VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                           " ?9, ?10, ?11, ?12)",
                           -1, &c->put, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return fail(c, path, "not a usable cache", err);
    *out = c;
    return 0;
}

static void bind_key(sqlite3_stmt *st, const char *path, const struct stat *s, const char *rules)
{
    sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)s->st_dev);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)s->st_ino);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)s->st_size);
    sqlite3_bind_int64(st, 5, ns(&s->st_mtim));
    sqlite3_bind_int64(st, 6, ns(&s->st_ctim));
    sqlite3_bind_text(st, 7, rules, -1, SQLITE_STATIC);
}

static void copy_col(sqlite3_stmt *st, int i, char *out, size_t n)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    snprintf(out, n, "%s", v ? (const char *)v : "");
}

int tk_filecache_get(struct tk_filecache *c, const char *path, const struct stat *st,
                     struct tk_digests *d, char filetype[32], struct tk_buf *matches)
{
    pthread_mutex_lock(&c->lock);
    bind_key(c->get, path, st, c->rules);
    int found = 0;
    if (sqlite3_step(c->get) == SQLITE_ROW) {
        copy_col(c->get, 0, d->md5, sizeof d->md5);
        copy_col(c->get, 1, d->sha1, sizeof d->sha1);
        copy_col(c->get, 2, d->sha256, sizeof d->sha256);
        copy_col(c->get, 3, filetype, 32);
        const unsigned char *m = sqlite3_column_text(c->get, 4);
        tk_buf_reset(matches);
        found = tk_buf_adds(matches, m ? (const char *)m : "[]") == 0 &&
                strlen(d->md5) == 32 && strlen(d->sha1) == 40 && strlen(d->sha256) == 64;
    }
    sqlite3_reset(c->get);
    sqlite3_clear_bindings(c->get);
    pthread_mutex_unlock(&c->lock);
    return found;
}

void tk_filecache_put(struct tk_filecache *c, const char *path, const struct stat *st,
                      const struct tk_digests *d, const char *filetype, const char *matches)
{
    pthread_mutex_lock(&c->lock);
    bind_key(c->put, path, st, c->rules);
    sqlite3_bind_text(c->put, 8, d->md5, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c->put, 9, d->sha1, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c->put, 10, d->sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c->put, 11, filetype, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c->put, 12, matches, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(c->put) != SQLITE_DONE)
        c->put_errors++;
    sqlite3_reset(c->put);
    sqlite3_clear_bindings(c->put);
    pthread_mutex_unlock(&c->lock);
}

int tk_filecache_close(struct tk_filecache *c, struct tk_err *err)
{
    if (!c)
        return 0;
    int rc = 0;
    sqlite3_finalize(c->get);
    sqlite3_finalize(c->put);
    if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = tk_err_set(err, TK_EIO, "%s: cannot save the cache (%s)", c->path,
                        sqlite3_errmsg(c->db));
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->lock);
    tk_free(c->path);
    tk_free(c);
    return rc;
}
