/* kb.c - opening, creating and stamping the knowledge base. The schema is defined here, in
 * one place, and versioned with PRAGMA user_version. */
#include "kb/kb.h"

#include "compat/sys.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/time.h"

struct tk_kb {
    sqlite3 *db;
    char *name;
    void *image; /* owned copy of a writable image, or NULL */
};

/* Version 1. Tables group by source; the matcher reads them through indexes named here. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS source(name TEXT PRIMARY KEY, version TEXT, date TEXT,"
    "  file TEXT, records INTEGER, imported_at TEXT) WITHOUT ROWID;"
    /* product catalog */
    "CREATE TABLE IF NOT EXISTS product(id TEXT PRIMARY KEY, name TEXT NOT NULL, vendor TEXT,"
    "  kind TEXT, scheme TEXT NOT NULL, normalize TEXT, eol TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS product_cpe(product TEXT NOT NULL, vendor TEXT NOT NULL,"
    "  cpe_product TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS product_match(product TEXT NOT NULL, field TEXT NOT NULL,"
    "  pattern TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS product_line(product TEXT NOT NULL, prefix TEXT NOT NULL,"
    "  latest TEXT, released TEXT, eol TEXT);"
    "CREATE TABLE IF NOT EXISTS product_source(product TEXT NOT NULL, url TEXT NOT NULL);"
    /* vulnerabilities */
    "CREATE TABLE IF NOT EXISTS cve(id TEXT PRIMARY KEY, published TEXT, modified TEXT,"
    "  description TEXT, cvss3_score REAL, cvss3_vector TEXT, cvss3_severity TEXT,"
    "  cvss4_score REAL, cvss4_vector TEXT, cvss4_severity TEXT, cwe TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS kev(cve TEXT PRIMARY KEY, date_added TEXT, due_date TEXT,"
    "  ransomware TEXT, vendor TEXT, product TEXT, name TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS epss(cve TEXT PRIMARY KEY, score REAL, percentile REAL)"
    "  WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS curated(id INTEGER PRIMARY KEY, cve TEXT NOT NULL,"
    "  product TEXT NOT NULL, platform TEXT, confidence TEXT, title TEXT, cvss3_score REAL,"
    "  cvss3_vector TEXT, cvss4_score REAL, cvss4_vector TEXT, cwe TEXT, origin TEXT);"
    "CREATE INDEX IF NOT EXISTS curated_product ON curated(product);"
    "CREATE TABLE IF NOT EXISTS curated_range(curated INTEGER NOT NULL, expr TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS curated_range_id ON curated_range(curated);"
    "CREATE TABLE IF NOT EXISTS curated_fixed(curated INTEGER NOT NULL, version TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS curated_fixed_id ON curated_fixed(curated);"
    "CREATE TABLE IF NOT EXISTS curated_source(curated INTEGER NOT NULL, url TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS curated_source_id ON curated_source(curated);"
    /* NVD configurations: configuration -> nodes -> cpe matches */
    "CREATE TABLE IF NOT EXISTS nvd_config(id INTEGER PRIMARY KEY, cve TEXT NOT NULL,"
    "  operator TEXT, negate INTEGER);"
    "CREATE INDEX IF NOT EXISTS nvd_config_cve ON nvd_config(cve);"
    "CREATE TABLE IF NOT EXISTS nvd_node(id INTEGER PRIMARY KEY, config INTEGER NOT NULL,"
    "  operator TEXT, negate INTEGER);"
    "CREATE INDEX IF NOT EXISTS nvd_node_config ON nvd_node(config);"
    "CREATE TABLE IF NOT EXISTS nvd_match(node INTEGER NOT NULL, vulnerable INTEGER,"
    "  part TEXT, vendor TEXT, product TEXT, version TEXT, upd TEXT, target_sw TEXT,"
    "  start_incl TEXT, start_excl TEXT, end_incl TEXT, end_excl TEXT);"
    "CREATE INDEX IF NOT EXISTS nvd_match_vp ON nvd_match(vendor, product);"
    "CREATE INDEX IF NOT EXISTS nvd_match_node ON nvd_match(node);"
    /* distro advisories (OSV): one row per affected range */
    "CREATE TABLE IF NOT EXISTS osv(id TEXT NOT NULL, ecosystem TEXT NOT NULL,"
    "  package TEXT NOT NULL, introduced TEXT, fixed TEXT, last_affected TEXT, cve TEXT);"
    "CREATE INDEX IF NOT EXISTS osv_pkg ON osv(ecosystem, package);"
    "CREATE INDEX IF NOT EXISTS osv_id ON osv(id);"
    /* JVN iPedia: Japanese titles by CVE */
    "CREATE TABLE IF NOT EXISTS jvn(id TEXT NOT NULL, cve TEXT, title TEXT, url TEXT,"
    "  published TEXT);"
    "CREATE INDEX IF NOT EXISTS jvn_cve ON jvn(cve);"
    "CREATE INDEX IF NOT EXISTS jvn_id ON jvn(id);"
    /* known-bad NVD entries and other suppressions */
    "CREATE TABLE IF NOT EXISTS suppress(cve TEXT NOT NULL, product TEXT, reason TEXT NOT NULL);";

static int db_error(struct tk_kb *kb, struct tk_err *err, const char *what)
{
    return tk_err_set(err, TK_EIO, "%s: %s: %s", kb->name, what, sqlite3_errmsg(kb->db));
}

int tk_kb_exec(struct tk_kb *kb, const char *sql, struct tk_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(kb->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = tk_err_set(err, TK_EIO, "%s: %s", kb->name, msg ? msg : "database error");
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

static int user_version(struct tk_kb *kb, int *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(kb->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return TK_EIO;
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : TK_EIO;
    *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* Creates the schema in an empty database, or checks the version of an existing one. */
static int prepare_schema(struct tk_kb *kb, bool writable, struct tk_err *err)
{
    int v;
    if (user_version(kb, &v) != 0)
        return db_error(kb, err, "not a tenken knowledge base");
    if (v == TK_KB_SCHEMA_VERSION)
        return 0;
    if (v != 0)
        return tk_err_set(err, TK_EINVAL,
                          "%s: knowledge base schema version %d, this tenken reads version %d; "
                          "rebuild it with 'tenken kb import'",
                          kb->name, v, TK_KB_SCHEMA_VERSION);
    if (!writable)
        return tk_err_set(err, TK_EINVAL, "%s: not a tenken knowledge base", kb->name);
    char sql[32];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d;", TK_KB_SCHEMA_VERSION);
    int rc = tk_kb_exec(kb, "BEGIN", err);
    if (!rc)
        rc = tk_kb_exec(kb, schema, err);
    if (!rc)
        rc = tk_kb_exec(kb, sql, err);
    if (!rc)
        rc = tk_kb_exec(kb, "COMMIT", err);
    else
        tk_kb_exec(kb, "ROLLBACK", NULL);
    return rc;
}

static struct tk_kb *kb_new(const char *name)
{
    struct tk_kb *kb = tk_calloc(1, sizeof *kb);
    if (kb && !(kb->name = tk_strdup(name))) {
        tk_free(kb);
        kb = NULL;
    }
    return kb;
}

/* mkdir -p of path's directory, for the default location. */
static int make_parent(const char *path)
{
    char *copy = tk_strdup(path);
    if (!copy)
        return TK_ENOMEM;
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
            tk_free(copy);
            return tk_err_from_errno(errno);
        }
        *p = '/';
    }
    tk_free(copy);
    return 0;
}

int tk_kb_open(struct tk_kb **out, const char *path, unsigned flags, struct tk_err *err)
{
    *out = NULL;
    bool ro = flags & TK_KB_READONLY;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT || !(flags & TK_KB_CREATE))
            return tk_err_sys(err, errno, "%s: cannot open the knowledge base", path);
        int rc = make_parent(path);
        if (rc)
            return tk_err_set(err, rc, "%s: cannot create the directory", path);
    }
    struct tk_kb *kb = kb_new(path);
    if (!kb)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", path);
    int oflags = ro ? SQLITE_OPEN_READONLY
                    : SQLITE_OPEN_READWRITE | ((flags & TK_KB_CREATE) ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &kb->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        int rc = db_error(kb, err, "cannot open the knowledge base");
        tk_kb_close(kb);
        return rc;
    }
    sqlite3_busy_timeout(kb->db, 10000);
    int rc = prepare_schema(kb, !ro, err);
    if (!rc && !ro)
        rc = tk_kb_exec(kb, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", err);
    if (rc) {
        tk_kb_close(kb);
        return rc;
    }
    *out = kb;
    return 0;
}

int tk_kb_open_image(struct tk_kb **out, const void *image, size_t n, unsigned flags,
                     struct tk_err *err)
{
    *out = NULL;
    struct tk_kb *kb = kb_new("built-in");
    if (!kb)
        return tk_err_set(err, TK_ENOMEM, "built-in knowledge base: out of memory");
    if (sqlite3_open_v2(":memory:", &kb->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        tk_kb_close(kb);
        return tk_err_set(err, TK_ENOMEM, "built-in knowledge base: cannot open");
    }
    unsigned char *data = (unsigned char *)image;
    unsigned dflags = SQLITE_DESERIALIZE_READONLY;
    if (!(flags & TK_KB_READONLY)) {
        /* A writable copy SQLite may grow with sqlite3_realloc. */
        data = sqlite3_malloc64(n ? n : 1);
        if (!data) {
            tk_kb_close(kb);
            return tk_err_set(err, TK_ENOMEM, "built-in knowledge base: out of memory");
        }
        memcpy(data, image, n);
        dflags = SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE;
    }
    if (sqlite3_deserialize(kb->db, "main", data, (sqlite3_int64)n, (sqlite3_int64)n, dflags) !=
        SQLITE_OK) {
        int rc = db_error(kb, err, "cannot load the image");
        tk_kb_close(kb);
        return rc;
    }
    int rc = prepare_schema(kb, false, err);
    if (rc) {
        tk_kb_close(kb);
        return rc;
    }
    *out = kb;
    return 0;
}

int tk_kb_save(struct tk_kb *kb, const char *path, struct tk_err *err)
{
    struct tk_buf tmp = TK_BUF_INIT(8192);
    int rc = make_parent(path);
    if (rc)
        return tk_err_set(err, rc, "%s: cannot create the directory", path);
    if (tk_buf_addf(&tmp, "%s.tmp", path))
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", path);
    remove(tk_buf_cstr(&tmp));
    /* VACUUM INTO writes a compact, consistent copy. */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(kb->db, "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK) {
        tk_buf_release(&tmp);
        return db_error(kb, err, "cannot save");
    }
    sqlite3_bind_text(st, 1, tk_buf_cstr(&tmp), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = tk_err_set(err, TK_EIO, "%s: cannot save the knowledge base: %s", path,
                        sqlite3_errmsg(kb->db));
    sqlite3_finalize(st);
    if (!rc && rename(tk_buf_cstr(&tmp), path) != 0)
        rc = tk_err_sys(err, errno, "%s: cannot move the knowledge base into place", path);
    if (rc)
        remove(tk_buf_cstr(&tmp));
    tk_buf_release(&tmp);
    return rc;
}

void tk_kb_close(struct tk_kb *kb)
{
    if (!kb)
        return;
    sqlite3_close(kb->db);
    tk_free(kb->name);
    tk_free(kb);
}

const char *tk_kb_name(const struct tk_kb *kb)
{
    return kb->name;
}

int tk_kb_default_path(struct tk_buf *out)
{
    return tk_sys_data_path(out, "tenken/kb.sqlite");
}

int tk_kb_begin(struct tk_kb *kb, struct tk_err *err)
{
    return tk_kb_exec(kb, "BEGIN IMMEDIATE", err);
}

int tk_kb_commit(struct tk_kb *kb, struct tk_err *err)
{
    return tk_kb_exec(kb, "COMMIT", err);
}

void tk_kb_rollback(struct tk_kb *kb)
{
    tk_kb_exec(kb, "ROLLBACK", NULL);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

int tk_kb_source_set(struct tk_kb *kb, const struct tk_kb_source *src, struct tk_err *err)
{
    sqlite3_stmt *st;
    char now[32];
    tk_time_iso8601(tk_time_now(), now);
    if (sqlite3_prepare_v2(kb->db,
                           "INSERT OR REPLACE INTO source(name, version, date, file, records,"
                           " imported_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(kb, err, "cannot record the source");
    bind_opt(st, 1, src->name);
    bind_opt(st, 2, src->version);
    bind_opt(st, 3, src->date);
    bind_opt(st, 4, src->file);
    sqlite3_bind_int64(st, 5, src->records);
    bind_opt(st, 6, now);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(kb, err, "cannot record the source");
    sqlite3_finalize(st);
    return rc;
}

int tk_kb_sources(struct tk_kb *kb, int (*fn)(void *ud, const struct tk_kb_source *src),
                  void *ud, struct tk_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(kb->db,
                           "SELECT name, version, date, file, records FROM source ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(kb, err, "cannot list sources");
    int rc = 0, s;
    while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct tk_kb_source src = {
            (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
            sqlite3_column_int64(st, 4),
        };
        rc = fn(ud, &src);
    }
    sqlite3_finalize(st);
    return rc;
}

struct sqlite3 *tk_kb_db(struct tk_kb *kb)
{
    return kb->db;
}
