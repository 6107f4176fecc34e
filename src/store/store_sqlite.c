/* store_sqlite.c - the SQLite backend of the store: DIR/tenken.db in WAL mode, one
 * connection per store handle (the server opens one per worker thread), a versioned schema
 * migrated forward at open. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "compat/sys.h"
#include "core/alloc.h"
#include "core/gz.h"
#include "core/str.h"
#include "core/time.h"
#include "store/sqlite_int.h"
#include "store/store.h"

#define SCHEMA_VERSION 8

int tk_sq_fail(struct sq *s, struct tk_err *err, const char *what)
{
    return tk_err_set(err, TK_EIO, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

int tk_sq_exec(struct sq *s, const char *sql, struct tk_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = tk_err_set(err, TK_EIO, "%s: %s", s->path, msg ? msg : "SQL error");
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

static const char *const migrations[SCHEMA_VERSION] = {
    /* 1: organisations and their enrollment tokens (hashed) */
    "CREATE TABLE org ("
    "  id INTEGER PRIMARY KEY,"
    "  uid TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL UNIQUE,"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  max_endpoints INTEGER NOT NULL,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  probe INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL);"
    "CREATE TABLE endpoint ("
    "  org INTEGER NOT NULL REFERENCES org(id),"
    "  endpoint_id TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  PRIMARY KEY (org, endpoint_id));",
    /* 2: received bundles; the newest per endpoint is the one reports use */
    "CREATE TABLE bundle ("
    "  bundle_id TEXT PRIMARY KEY,"
    "  org INTEGER NOT NULL REFERENCES org(id),"
    "  endpoint_id TEXT NOT NULL,"
    "  hostname TEXT,"
    "  source TEXT,"
    "  received INTEGER NOT NULL,"
    "  collected INTEGER NOT NULL,"
    "  json BLOB NOT NULL);"
    "CREATE INDEX bundle_endpoint ON bundle (org, endpoint_id, collected);",
    /* 3: each bundle's analysis (a digest for reports) and the probe result it used */
    "ALTER TABLE bundle ADD COLUMN probe TEXT;"
    "ALTER TABLE bundle ADD COLUMN digest BLOB;"
    "CREATE INDEX bundle_pending ON bundle (org) WHERE digest IS NULL;",
    /* 4: analyst API keys, each scoped to organisations */
    "CREATE TABLE apikey ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  key_hash TEXT NOT NULL UNIQUE,"
    "  created INTEGER NOT NULL);"
    "CREATE TABLE apikey_org ("
    "  key INTEGER NOT NULL REFERENCES apikey(id) ON DELETE CASCADE,"
    "  org INTEGER NOT NULL REFERENCES org(id),"
    "  PRIMARY KEY (key, org));",
    /* 5: digests in a table of their own: a row of bundle holds the bundle's JSON, and
     * reading a column stored after it walks the whole overflow chain */
    "CREATE TABLE analysis ("
    "  bundle_id TEXT PRIMARY KEY REFERENCES bundle(bundle_id),"
    "  digest BLOB NOT NULL);"
    "INSERT INTO analysis SELECT bundle_id, digest FROM bundle WHERE digest IS NOT NULL;"
    "DROP INDEX bundle_pending;"
    "ALTER TABLE bundle DROP COLUMN digest;",
    /* 6: notification campaigns (campaign/campaign.h, campaign_sqlite.c): a case per
     * organisation with its devices, contact entries and audit trail. A case's editable
     * fields are one column each, named in campaign_sqlite.c's case_col; a new field is an
     * ALTER TABLE ... ADD COLUMN in a later migration. Case ids are shown to users, so they
     * are never reused (AUTOINCREMENT). */
    "CREATE TABLE campaign ("
    "  id INTEGER PRIMARY KEY,"
    "  uid TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL UNIQUE,"
    "  source TEXT NOT NULL DEFAULT '',"
    "  filter TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE camp_case ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  campaign INTEGER NOT NULL REFERENCES campaign(id),"
    "  org_key TEXT NOT NULL,"
    "  org_name TEXT,"
    "  corporate_number TEXT,"
    "  prefecture TEXT,"
    "  version INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  status TEXT NOT NULL DEFAULT '',"
    "  outcome TEXT NOT NULL DEFAULT '',"
    "  aware TEXT NOT NULL DEFAULT '',"
    "  at_notice TEXT NOT NULL DEFAULT '',"
    "  manager TEXT NOT NULL DEFAULT '',"
    "  reasons TEXT NOT NULL DEFAULT '',"
    "  reason_note TEXT NOT NULL DEFAULT '',"
    "  follow_up TEXT NOT NULL DEFAULT '',"
    "  contact_name TEXT NOT NULL DEFAULT '',"
    "  note TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (campaign, org_key));"
    "CREATE TABLE camp_device ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES camp_case(id),"
    "  ip TEXT NOT NULL,"
    "  port INTEGER NOT NULL,"
    "  vendor TEXT, product TEXT, version TEXT, precision TEXT, verdict TEXT,"
    "  cves TEXT,"
    "  kev INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL DEFAULT 'vulnerable',"
    "  state_at INTEGER NOT NULL DEFAULT 0,"
    "  seen TEXT);"
    "CREATE INDEX camp_device_case ON camp_device (case_id);"
    "CREATE TABLE camp_contact ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES camp_case(id),"
    "  date TEXT NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  who TEXT NOT NULL DEFAULT '',"
    "  note TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX camp_contact_case ON camp_contact (case_id, date);"
    "CREATE TABLE camp_audit ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES camp_case(id),"
    "  at INTEGER NOT NULL,"
    "  who TEXT NOT NULL DEFAULT '',"
    "  field TEXT NOT NULL,"
    "  before TEXT NOT NULL DEFAULT '',"
    "  after TEXT NOT NULL DEFAULT '',"
    "  version INTEGER NOT NULL);"
    "CREATE INDEX camp_audit_case ON camp_audit (case_id);",
    /* 7: an analyst key may also open the campaign pages of tenken serve */
    "ALTER TABLE apikey ADD COLUMN campaigns INTEGER NOT NULL DEFAULT 0;",
    /* 8: a bundle's json may be kept as it arrived, gzip-compressed (about a tenth) */
    "ALTER TABLE bundle ADD COLUMN gzip INTEGER NOT NULL DEFAULT 0;",
};

static int migrate(struct sq *s, struct tk_err *err)
{
    sqlite3_stmt *st;
    int version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot read the schema version");
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > SCHEMA_VERSION)
        return tk_err_set(err, TK_EUNSUPP, "%s: schema version %d is newer than this tenken's (%d)",
                          s->path, version, SCHEMA_VERSION);
    for (; version < SCHEMA_VERSION; version++) {
        char pragma[48];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d;", version + 1);
        int rc = tk_sq_exec(s, "BEGIN IMMEDIATE", err);
        if (!rc)
            rc = tk_sq_exec(s, migrations[version], err);
        if (!rc)
            rc = tk_sq_exec(s, pragma, err);
        if (!rc)
            rc = tk_sq_exec(s, "COMMIT", err);
        if (rc) {
            tk_sq_exec(s, "ROLLBACK", NULL);
            return rc;
        }
    }
    return 0;
}

static void sq_close(struct tk_store *base)
{
    struct sq *s = (struct sq *)base;
    sqlite3_close(s->db);
    tk_free(s);
}

static int sq_open(struct tk_store **out, const char *dir, struct tk_err *err)
{
    struct sq *s = tk_calloc(1, sizeof *s);
    if (!s)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    s->base.ops = &tk_store_sqlite;
    snprintf(s->path, sizeof s->path, "%s/" TK_STORE_FILE, dir);
    if (sqlite3_open_v2(s->path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        int rc = tk_err_set(err, TK_EIO, "%s: cannot open: %s", s->path,
                            s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sq_close(&s->base);
        return rc;
    }
    sqlite3_busy_timeout(s->db, 10000);
    /* FULL: a 2xx to an upload means the bundle survives a power cut */
    int rc = tk_sq_exec(s,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                        "PRAGMA foreign_keys=ON;",
                        err);
    if (!rc)
        rc = migrate(s, err);
    if (rc) {
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}

#define ORG_COLUMNS                                                                                \
    "uid, name, max_endpoints, disabled, probe, created,"                                          \
    " (SELECT count(*) FROM endpoint e WHERE e.org = org.id)"

static void row_to_org(sqlite3_stmt *st, struct tk_org *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(o->name, sizeof o->name, "%s", (const char *)sqlite3_column_text(st, 1));
    o->max_endpoints = sqlite3_column_int(st, 2);
    o->disabled = sqlite3_column_int(st, 3) != 0;
    o->probe = sqlite3_column_int(st, 4) != 0;
    o->created = sqlite3_column_int64(st, 5);
    o->endpoints = sqlite3_column_int64(st, 6);
}

int tk_sq_new_uid(char out[40], struct tk_err *err)
{
    unsigned char r[16];
    if (tk_sys_random(r, sizeof r) != 0)
        return tk_err_set(err, TK_EIO, "cannot read random bytes for a new id");
    tk_uuid4_format(r, out);
    return 0;
}

static int sq_org_add(struct tk_store *base, struct tk_org *o, const char *token_hash,
                      struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    int rc = tk_sq_new_uid(o->id, err);
    if (rc)
        return rc;
    o->created = tk_time_now();
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO org (uid, name, token_hash, max_endpoints, probe, "
                           "created) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, o->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, o->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, token_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, o->max_endpoints);
    sqlite3_bind_int(st, 5, o->probe);
    sqlite3_bind_int64(st, 6, o->created);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_CONSTRAINT)
        return tk_err_set(err, TK_EINVAL, "an organisation named '%s' exists already", o->name);
    return step == SQLITE_DONE ? 0 : tk_sq_fail(s, err, "cannot add the organisation");
}

/* One org by a WHERE clause with one text parameter, ?1. */
static int get_one(struct sq *s, const char *where, const char *arg, const char *what,
                   struct tk_org *out, struct tk_err *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT " ORG_COLUMNS " FROM org WHERE %s", where);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC); /* ?1, however often it appears */
    int step = sqlite3_step(st), rc = 0;
    if (step == SQLITE_ROW)
        row_to_org(st, out);
    else if (step == SQLITE_DONE)
        rc = tk_err_set(err, TK_ENOENT, "no organisation %s", what);
    else
        rc = tk_sq_fail(s, err, "cannot read organisations");
    sqlite3_finalize(st);
    return rc;
}

static int sq_org_get(struct tk_store *base, const char *name_or_id, struct tk_org *out,
                      struct tk_err *err)
{
    char what[128];
    snprintf(what, sizeof what, "named '%.64s'", name_or_id);
    return get_one((struct sq *)base, "name = ?1 OR uid = ?1", name_or_id, what, out, err);
}

static int sq_org_by_token(struct tk_store *base, const char *token_hash, struct tk_org *out,
                           struct tk_err *err)
{
    return get_one((struct sq *)base, "token_hash = ?1", token_hash, "with this token", out, err);
}

static int sq_org_list(struct tk_store *base, int (*fn)(void *ud, const struct tk_org *o), void *ud,
                       struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT " ORG_COLUMNS " FROM org ORDER BY name", -1, &st, NULL) !=
        SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    int step, rc = 0;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct tk_org o;
        row_to_org(st, &o);
        rc = fn(ud, &o);
    }
    if (!rc && step != SQLITE_DONE)
        rc = tk_sq_fail(s, err, "cannot read organisations");
    sqlite3_finalize(st);
    return rc;
}

/* UPDATE org SET <set> WHERE name = ?2, with ?1 the new value. */
static int update(struct sq *s, const char *set, const char *name, const char *text, int num,
                  struct tk_err *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE org SET %s WHERE name = ?2", set);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int(st, 1, num);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return tk_sq_fail(s, err, "cannot update the organisation");
    if (sqlite3_changes(s->db) == 0)
        return tk_err_set(err, TK_ENOENT, "no organisation named '%.64s'", name);
    return 0;
}

static int sq_org_set_disabled(struct tk_store *base, const char *name, bool disabled,
                               struct tk_err *err)
{
    return update((struct sq *)base, "disabled = ?1", name, NULL, disabled, err);
}

static int sq_org_set_token(struct tk_store *base, const char *name, const char *token_hash,
                            struct tk_err *err)
{
    return update((struct sq *)base, "token_hash = ?1", name, token_hash, 0, err);
}

/* A bundle's digest, replacing any (inside the caller's transaction). */
static int put_digest(struct sq *s, const char *bundle_id, const void *digest, size_t n,
                      struct tk_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO analysis (bundle_id, digest)"
                           " VALUES (?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, bundle_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 2, digest, n, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? 0 : tk_sq_fail(s, err, "cannot store the analysis");
}

/* One upload inside the caller's transaction. */
static int put_one(struct sq *s, const char *org_id, const struct tk_upload *u,
                   enum tk_upload_result *result, struct tk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0, step;
    int64_t org = -1, cap = 0, have = 0;
    bool dup = false, known = false, taken = false, refused = false;
    /* the organisation, whether the bundle is known, the endpoint's standing */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, max_endpoints,"
                           " (SELECT CASE WHEN b.org = org.id THEN 1 ELSE 2 END FROM bundle b"
                           "  WHERE b.bundle_id = ?2),"
                           " EXISTS (SELECT 1 FROM endpoint e WHERE e.org = org.id"
                           "         AND e.endpoint_id = ?3),"
                           " (SELECT count(*) FROM endpoint e WHERE e.org = org.id),"
                           " disabled OR token_hash IS NOT coalesce(?4, token_hash)"
                           " FROM org WHERE uid = ?1",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = tk_sq_fail(s, err, "cannot prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->bundle_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, u->endpoint_id, -1, SQLITE_STATIC);
    if (u->token_hash)
        sqlite3_bind_text(st, 4, u->token_hash, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        org = sqlite3_column_int64(st, 0);
        cap = sqlite3_column_int64(st, 1);
        dup = sqlite3_column_int(st, 2) == 1;
        taken = sqlite3_column_int(st, 2) == 2;
        known = sqlite3_column_int(st, 3) != 0;
        have = sqlite3_column_int64(st, 4);
        refused = sqlite3_column_int(st, 5) != 0;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? tk_err_set(err, TK_ENOENT, "no organisation %s", org_id)
                                 : tk_sq_fail(s, err, "cannot read the organisation");
        goto out;
    }
    if (refused) { /* checked when the request came; changed while it was read */
        *result = TK_UPLOAD_REFUSED;
        goto out;
    }
    if (dup || taken) {
        *result = dup ? TK_UPLOAD_DUPLICATE : TK_UPLOAD_ID_TAKEN;
        goto out;
    }
    if (!known && have >= cap) {
        *result = TK_UPLOAD_ENDPOINT_CAP;
        goto out;
    }
    if (!known) {
        if (sqlite3_prepare_v2(s->db,
                               "INSERT INTO endpoint (org, endpoint_id, first_seen) "
                               "VALUES (?, ?, ?)",
                               -1, &st, NULL) != SQLITE_OK) {
            rc = tk_sq_fail(s, err, "cannot prepare");
            goto out;
        }
        sqlite3_bind_int64(st, 1, org);
        sqlite3_bind_text(st, 2, u->endpoint_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, u->received);
        step = sqlite3_step(st);
        sqlite3_finalize(st);
        st = NULL;
        if (step != SQLITE_DONE) {
            rc = tk_sq_fail(s, err, "cannot record the endpoint");
            goto out;
        }
    }
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO bundle (bundle_id, org, endpoint_id, hostname, source,"
                           " received, collected, json, probe, gzip)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = tk_sq_fail(s, err, "cannot prepare");
        goto out;
    }
    sqlite3_bind_text(st, 1, u->bundle_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, org);
    sqlite3_bind_text(st, 3, u->endpoint_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, u->hostname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, u->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, u->received);
    sqlite3_bind_int64(st, 7, u->collected);
    sqlite3_bind_blob64(st, 8, u->json, u->json_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, u->probe && *u->probe ? u->probe : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 10, u->gzip);
    step = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (step != SQLITE_DONE) {
        rc = tk_sq_fail(s, err, "cannot store the bundle");
        goto out;
    }
    *result = TK_UPLOAD_STORED;
out:
    return rc;
}

/* The analysis of a stored bundle inside the caller's transaction. */
static int put_analysis(struct sq *s, const char *bundle_id, const char *probe,
                        const void *digest, size_t n, struct tk_err *err)
{
    sqlite3_stmt *st;
    /* the row holds the bundle's JSON: rewrite it only when the probe result changed; an
     * unknown bundle id fails below, on analysis's foreign key */
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE bundle SET probe = ?1 WHERE bundle_id = ?2"
                           " AND probe IS NOT ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, probe && *probe ? probe : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, bundle_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return tk_sq_fail(s, err, "cannot store the analysis");
    return put_digest(s, bundle_id, digest, n, err);
}

static int sq_put_batch(struct tk_store *base, struct tk_put *puts, size_t n, struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    int rc = tk_sq_exec(s, "BEGIN IMMEDIATE", err);
    for (size_t i = 0; i < n && !rc; i++)
        rc = puts[i].u ? put_one(s, puts[i].org_id, puts[i].u, &puts[i].result, err)
                       : put_analysis(s, puts[i].bundle_id, puts[i].probe, puts[i].digest,
                                      puts[i].digest_len, err);
    if (!rc)
        rc = tk_sq_exec(s, "COMMIT", err); /* synchronous=FULL: on disk when this returns */
    if (rc)
        tk_sq_exec(s, "ROLLBACK", NULL);
    return rc;
}

static int sq_bundle_put(struct tk_store *base, const char *org_id, const struct tk_upload *u,
                         enum tk_upload_result *result, struct tk_err *err)
{
    struct tk_put one = { .org_id = org_id, .u = u, .result = TK_UPLOAD_STORED };
    int rc = sq_put_batch(base, &one, 1, err);
    *result = one.result;
    return rc;
}

static int sq_bundle_count(struct tk_store *base, const char *org_id, int64_t *n,
                           struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*) FROM bundle b JOIN org o ON o.id = b.org "
                           "WHERE o.uid = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    *n = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return step == SQLITE_ROW ? 0 : tk_sq_fail(s, err, "cannot count bundles");
}

static int sq_bundle_get(struct tk_store *base, const char *bundle_id, struct tk_stored_bundle *out,
                         struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT o.uid, b.source, b.probe, b.received, b.json, b.gzip"
                           " FROM bundle b JOIN org o ON o.id = b.org"
                           " WHERE b.bundle_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, bundle_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st), rc = 0;
    if (step == SQLITE_ROW) {
        const char *src = (const char *)sqlite3_column_text(st, 1);
        const char *probe = (const char *)sqlite3_column_text(st, 2);
        snprintf(out->bundle_id, sizeof out->bundle_id, "%s", bundle_id);
        snprintf(out->org_id, sizeof out->org_id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(out->source, sizeof out->source, "%s", src ? src : "");
        snprintf(out->probe, sizeof out->probe, "%s", probe ? probe : "");
        out->received = sqlite3_column_int64(st, 3);
        tk_buf_reset(&out->json);
        const void *j = sqlite3_column_blob(st, 4);
        size_t n = (size_t)sqlite3_column_bytes(st, 4);
        int zr = sqlite3_column_int(st, 5) ? tk_gunzip(j, n, &out->json)
                                           : tk_buf_add(&out->json, j, n) != 0 ? TK_ELIMIT : 0;
        if (zr)
            rc = tk_err_set(err, zr, zr == TK_EPARSE ? "bundle %s: its stored gzip is corrupt"
                                                     : "bundle %s: larger than allowed",
                            bundle_id);
    } else {
        rc = step == SQLITE_DONE ? tk_err_set(err, TK_ENOENT, "no bundle %.40s", bundle_id)
                                 : tk_sq_fail(s, err, "cannot read the bundle");
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_bundle_ids(struct tk_store *base, const char *org_id, bool pending,
                         int (*fn)(void *ud, const char *bundle_id), void *ud, struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT b.bundle_id FROM bundle b JOIN org o ON o.id = b.org"
                           " WHERE (?1 IS NULL OR o.uid = ?1)"
                           " AND (?2 = 0 OR NOT EXISTS (SELECT 1 FROM analysis a"
                           "      WHERE a.bundle_id = b.bundle_id)) ORDER BY b.rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, pending);
    int step, rc = 0;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(ud, (const char *)sqlite3_column_text(st, 0));
    if (!rc && step != SQLITE_DONE)
        rc = tk_sq_fail(s, err, "cannot list bundles");
    sqlite3_finalize(st);
    return rc;
}

static int sq_analysis_put(struct tk_store *base, const char *bundle_id, const char *probe,
                           const void *digest, size_t n, struct tk_err *err)
{
    struct tk_put one = {
        .bundle_id = bundle_id, .probe = probe, .digest = digest, .digest_len = n,
    };
    return sq_put_batch(base, &one, 1, err);
}

static int sq_digests(struct tk_store *base, const char *org_id,
                      int (*fn)(void *ud, const void *digest, size_t n), void *ud, int64_t *pending,
                      struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    sqlite3_stmt *st;
    *pending = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT a.digest FROM (SELECT b.bundle_id, row_number() OVER ("
                           "  PARTITION BY b.endpoint_id"
                           "  ORDER BY b.collected DESC, b.received DESC, b.rowid DESC) AS n"
                           " FROM bundle b JOIN org o ON o.id = b.org WHERE o.uid = ?) l"
                           " LEFT JOIN analysis a ON a.bundle_id = l.bundle_id WHERE l.n = 1",
                           -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
    int step, rc = 0;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) == SQLITE_NULL)
            ++*pending;
        else
            rc = fn(ud, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    }
    if (!rc && step != SQLITE_DONE)
        rc = tk_sq_fail(s, err, "cannot read the analyses");
    sqlite3_finalize(st);
    return rc;
}

/* One statement with text parameters, run to completion; changes into *changed. */
static int run1(struct sq *s, const char *sql, const char *a, const char *b, int64_t n,
                int *changed, struct tk_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 2, n);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (changed)
        *changed = sqlite3_changes(s->db);
    return step == SQLITE_DONE ? 0 : step;
}

static bool org_exists(struct sq *s, const char *uid_or_name)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM org WHERE uid = ?1 OR name = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, uid_or_name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static int sq_key_add(struct tk_store *base, const char *name, const char *key_hash,
                      const char *const *org_ids, size_t norgs, struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    int rc = tk_sq_exec(s, "BEGIN IMMEDIATE", err), changed = 0;
    if (rc)
        return rc;
    sqlite3_stmt *st;
    int step = SQLITE_ERROR;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO apikey (name, key_hash, created) VALUES (?, ?, ?)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, tk_time_now());
        step = sqlite3_step(st);
        step = step == SQLITE_DONE ? 0 : step;
        sqlite3_finalize(st);
    }
    if (step == SQLITE_CONSTRAINT)
        rc = tk_err_set(err, TK_EINVAL, "a key named '%.64s' exists already", name);
    else if (step)
        rc = tk_sq_fail(s, err, "cannot add the key");
    for (size_t i = 0; !rc && i < norgs; i++) {
        step = run1(s,
                    "INSERT OR IGNORE INTO apikey_org (key, org)"
                    " SELECT k.id, o.id FROM apikey k, org o WHERE k.name = ?1"
                    " AND (o.uid = ?2 OR o.name = ?2)",
                    name, org_ids[i], 0, &changed, err);
        if (step)
            rc = tk_sq_fail(s, err, "cannot scope the key");
        else if (!changed && !org_exists(s, org_ids[i])) /* else named twice: in scope */
            rc = tk_err_set(err, TK_ENOENT, "no organisation named '%.64s'", org_ids[i]);
    }
    if (!rc)
        rc = tk_sq_exec(s, "COMMIT", err);
    if (rc)
        tk_sq_exec(s, "ROLLBACK", NULL);
    return rc;
}

static int sq_key_revoke(struct tk_store *base, const char *name, struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    int changed = 0;
    if (run1(s, "DELETE FROM apikey WHERE name = ?1 AND ?2 = 0", name, NULL, 0, &changed, err))
        return tk_sq_fail(s, err, "cannot revoke the key");
    return changed ? 0 : tk_err_set(err, TK_ENOENT, "no key named '%.64s'", name);
}

static int sq_key_list(struct tk_store *base,
                       int (*fn)(void *ud, const char *name, int64_t created, const char *orgs),
                       void *ud, struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT k.name, k.created, trim(coalesce("
                           " (SELECT group_concat(o.name, ' ')"
                           " FROM apikey_org ko JOIN org o ON o.id = ko.org"
                           " WHERE ko.key = k.id), '')"
                           " || CASE WHEN k.campaigns THEN ' +campaigns' ELSE '' END)"
                           " FROM apikey k ORDER BY k.name",
                           -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    int step, rc = 0;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *orgs = (const char *)sqlite3_column_text(st, 2);
        rc = fn(ud, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
                orgs ? orgs : "");
    }
    if (!rc && step != SQLITE_DONE)
        rc = tk_sq_fail(s, err, "cannot list keys");
    sqlite3_finalize(st);
    return rc;
}

static int sq_key_allows(struct tk_store *base, const char *key_hash, const char *org_id,
                         bool *allowed, struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    sqlite3_stmt *st;
    *allowed = false;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT EXISTS (SELECT 1 FROM apikey_org ko"
                           " JOIN org o ON o.id = ko.org"
                           " WHERE ko.key = k.id AND o.uid = ?2)"
                           " FROM apikey k WHERE k.key_hash = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, key_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, org_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st), rc = 0;
    if (step == SQLITE_ROW)
        *allowed = sqlite3_column_int(st, 0) != 0;
    else
        rc = step == SQLITE_DONE ? tk_err_set(err, TK_ENOENT, "unknown key")
                                 : tk_sq_fail(s, err, "cannot check the key");
    sqlite3_finalize(st);
    return rc;
}

static int sq_key_set_campaigns(struct tk_store *base, const char *name, bool on,
                                struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    int changed = 0, step = run1(s, "UPDATE apikey SET campaigns = ?2 WHERE name = ?1", name, NULL,
                                 on, &changed, err);
    if (step)
        return tk_sq_fail(s, err, "cannot change the key");
    return changed ? 0 : tk_err_set(err, TK_ENOENT, "no key named '%.64s'", name);
}

static int sq_key_identify(struct tk_store *base, const char *key_hash, char name[65],
                           bool *campaigns, struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT name, campaigns FROM apikey WHERE key_hash = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    sqlite3_bind_text(st, 1, key_hash, -1, SQLITE_STATIC);
    int step = sqlite3_step(st), rc = 0;
    if (step == SQLITE_ROW) {
        snprintf(name, 65, "%s", (const char *)sqlite3_column_text(st, 0));
        *campaigns = sqlite3_column_int(st, 1) != 0;
    } else {
        rc = step == SQLITE_DONE ? tk_err_set(err, TK_ENOENT, "unknown key")
                                 : tk_sq_fail(s, err, "cannot check the key");
    }
    sqlite3_finalize(st);
    return rc;
}

const struct tk_store_ops tk_store_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .org_add = sq_org_add,
    .org_get = sq_org_get,
    .org_by_token = sq_org_by_token,
    .org_list = sq_org_list,
    .org_set_disabled = sq_org_set_disabled,
    .org_set_token = sq_org_set_token,
    .bundle_put = sq_bundle_put,
    .put_batch = sq_put_batch,
    .bundle_count = sq_bundle_count,
    .bundle_get = sq_bundle_get,
    .bundle_ids = sq_bundle_ids,
    .analysis_put = sq_analysis_put,
    .digests = sq_digests,
    .key_add = sq_key_add,
    .key_revoke = sq_key_revoke,
    .key_list = sq_key_list,
    .key_allows = sq_key_allows,
    .key_set_campaigns = sq_key_set_campaigns,
    .key_identify = sq_key_identify,
    .campaign_create = tk_sq_campaign_create,
    .campaign_get = tk_sq_campaign_get,
    .campaign_list = tk_sq_campaign_list,
    .case_list = tk_sq_case_list,
    .case_get = tk_sq_case_get,
    .case_devices = tk_sq_case_devices,
    .case_contacts = tk_sq_case_contacts,
    .case_audit = tk_sq_case_audit,
    .case_update = tk_sq_case_update,
    .contact_add = tk_sq_contact_add,
    .device_states = tk_sq_device_states,
};
