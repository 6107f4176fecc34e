/* rpm.c - RPM packages, read through librpm without opening the database for writing.
 *
 * Current RPM systems keep their database in SQLite (rpmdb.sqlite). Opening it through
 * rpmdb would take locks and touch the -shm/-wal files beside it, which would modify the
 * scanned machine (or image); instead the file is opened with SQLite's immutable=1 (no
 * locks, no side files) and each stored header is decoded with librpm's headerImport.
 * Changes still sitting in an uncheckpointed write-ahead log are then not visible, and the
 * bundle says so. Older Berkeley DB and NDB databases are reported, not read. */
#include <stdio.h>
#include <string.h>

#include "collect/collect.h"
#include "tk_config.h"

#if TK_HAVE_RPM
#include <rpm/header.h>
#include <rpm/rpmtag.h>
#include <sqlite3.h>
#include <unistd.h>

#include "core/alloc.h"
#endif

#define HEADER_MAX (64 << 20)

static const char *const dbdirs[] = { "/usr/lib/sysimage/rpm", "/var/lib/rpm" };

#if TK_HAVE_RPM
/* "glibc-2.34-60.el9.src.rpm" -> name "glibc", version "2.34-60.el9". */
static void split_srpm(struct tk_collect_ctx *ctx, const char *srpm, struct tk_item *it)
{
    size_t n = strlen(srpm);
    if (n < 9 || strcmp(srpm + n - 8, ".src.rpm") != 0)
        return;
    n -= 8;
    const char *rel = NULL, *ver = NULL;
    for (size_t i = n; i-- > 0;) {
        if (srpm[i] != '-')
            continue;
        if (!rel)
            rel = srpm + i;
        else {
            ver = srpm + i;
            break;
        }
    }
    if (!ver)
        return;
    it->source_package = tk_bundle_strndup(ctx->b, srpm, (size_t)(ver - srpm));
    it->source_version = tk_bundle_strndup(ctx->b, ver + 1, (size_t)(srpm + n - ver - 1));
}

static int add_header(struct tk_collect_ctx *ctx, const void *blob, int len, const char *db)
{
    /* headerImport takes ownership with HEADERIMPORT_COPY off; give it a private copy. */
    void *copy = tk_malloc((size_t)len);
    if (!copy)
        return TK_ENOMEM;
    memcpy(copy, blob, (size_t)len);
    Header h = headerImport(copy, (unsigned)len, 0);
    if (!h) {
        tk_free(copy);
        return TK_EPARSE;
    }
    const char *name = headerGetString(h, RPMTAG_NAME);
    const char *version = headerGetString(h, RPMTAG_VERSION);
    const char *release = headerGetString(h, RPMTAG_RELEASE);
    int rc = 0;
    if (!name) {
        rc = TK_EPARSE;
        goto done;
    }
    char evr[1024];
    if (headerIsEntry(h, RPMTAG_EPOCH))
        snprintf(evr, sizeof evr, "%llu:%s-%s", (unsigned long long)headerGetNumber(h, RPMTAG_EPOCH),
                 version ? version : "", release ? release : "");
    else
        snprintf(evr, sizeof evr, "%s-%s", version ? version : "", release ? release : "");
    struct tk_item *it = tk_collect_item(ctx, "rpm", "package", name, evr, NULL);
    if (!it) {
        rc = ctx->b->items_dropped ? 0 : TK_ENOMEM;
        goto done;
    }
    it->arch = tk_bundle_strdup(ctx->b, headerGetString(h, RPMTAG_ARCH));
    it->vendor = tk_bundle_strdup(ctx->b, headerGetString(h, RPMTAG_VENDOR));
    it->status = "installed";
    it->version_from = db;
    const char *srpm = headerGetString(h, RPMTAG_SOURCERPM);
    if (srpm)
        split_srpm(ctx, srpm, it);
done:
    headerFree(h);
    return rc;
}

static int read_sqlite(struct tk_collect_ctx *ctx, const char *db)
{
    struct tk_buf uri = TK_BUF_INIT(8192);
    struct tk_err e = { 0 };
    int fd = -1;
    /* SQLite opens by name; hand it the file we resolved inside the root, so symlinks in an
     * image cannot lead it to the host's files. */
    if (tk_fs_open_read(ctx->root, db, &fd, &e) != 0) {
        tk_collect_error(ctx, db, &e);
        return 0;
    }
    if (tk_buf_addf(&uri, "file:/proc/self/fd/%d?immutable=1&mode=ro", fd) != 0) {
        close(fd);
        tk_buf_release(&uri);
        return TK_ENOMEM;
    }
    sqlite3 *sdb = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = 0;
    size_t bad = 0;
    int src = sqlite3_open_v2(tk_buf_cstr(&uri), &sdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                              NULL);
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(sdb, "SELECT hnum, blob FROM Packages ORDER BY hnum", -1,
                                 &stmt, NULL);
    while (src == SQLITE_OK && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(stmt, 1);
        int len = sqlite3_column_bytes(stmt, 1);
        if (!blob || len <= 0 || len > HEADER_MAX) {
            bad++;
            src = SQLITE_OK;
            continue;
        }
        rc = add_header(ctx, blob, len, db);
        if (rc == TK_EPARSE) {
            bad++;
            rc = 0;
        } else if (rc) {
            break;
        }
        src = SQLITE_OK;
    }
    if (src != SQLITE_DONE && !rc)
        tk_bundle_errorf(ctx->b, ctx->collector, db, TK_EIO, "%s: cannot read the database: %s",
                         db, sdb ? sqlite3_errmsg(sdb) : "out of memory");
    if (bad)
        tk_bundle_errorf(ctx->b, ctx->collector, db, TK_EPARSE,
                         "%s: %zu package headers could not be decoded", db, bad);
    sqlite3_finalize(stmt);
    sqlite3_close(sdb);
    close(fd);
    tk_buf_release(&uri);
    return rc;
}
#endif

int tk_collect_rpm(struct tk_collect_ctx *ctx)
{
    for (size_t i = 0; i < sizeof dbdirs / sizeof dbdirs[0]; i++) {
        const char *sqlite_db = tk_bundle_printf(ctx->b, "%s/rpmdb.sqlite", dbdirs[i]);
        const char *bdb = tk_bundle_printf(ctx->b, "%s/Packages", dbdirs[i]);
        const char *ndb = tk_bundle_printf(ctx->b, "%s/Packages.db", dbdirs[i]);
        if (!sqlite_db || !bdb || !ndb)
            return TK_ENOMEM;
        if (tk_fs_exists(ctx->root, sqlite_db)) {
#if TK_HAVE_RPM
            const char *wal = tk_bundle_printf(ctx->b, "%s-wal", sqlite_db);
            struct stat st;
            if (wal && tk_fs_stat(ctx->root, wal, false, &st, NULL) == 0 && st.st_size > 0)
                tk_bundle_errorf(ctx->b, ctx->collector, wal, TK_EUNSUPP,
                                 "%s holds changes not yet written to the database; packages "
                                 "installed or removed since are not seen (the log is not "
                                 "read, to leave it untouched)", wal);
            return read_sqlite(ctx, sqlite_db);
#else
            ctx->note = "built without librpm";
            tk_bundle_errorf(ctx->b, ctx->collector, sqlite_db, TK_EUNSUPP,
                             "%s: this tenken was built without librpm; RPM packages were not "
                             "read", sqlite_db);
            return 0;
#endif
        }
        if (tk_fs_exists(ctx->root, bdb) || tk_fs_exists(ctx->root, ndb)) {
            ctx->note = "unsupported rpm database format";
            tk_bundle_errorf(ctx->b, ctx->collector, dbdirs[i], TK_EUNSUPP,
                             "%s: Berkeley DB and NDB rpm databases are not read yet; RPM "
                             "packages are missing from the inventory", dbdirs[i]);
            return 0;
        }
    }
    ctx->note = "no rpm database";
    return 0;
}
