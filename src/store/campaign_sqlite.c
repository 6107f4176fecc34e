/* campaign_sqlite.c - the SQLite side of notification campaigns (store.h, campaign operations;
 * the tables are migration 6 of store_sqlite.c): campaigns, their cases with devices, contact
 * entries and the audit trail. Every change to a case runs in one BEGIN IMMEDIATE transaction
 * that first checks the version the caller read, so a concurrent edit is refused, never lost. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/utf8.h"
#include "core/time.h"
#include "store/sqlite_int.h"

/* The longest string the store takes: callers bound theirs far lower, the store does not rely
 * on it. */
#define TEXT_MAX (64 * 1024)
/* What a case's field values can take when a change reads them (TEXT_MAX each). */
#define CASE_READ_MAX ((size_t)(TK_CF_COUNT + 2) * (TEXT_MAX + 64))

/* The column of each editable field (enum tk_case_field): a new field is one line here and
 * an ALTER TABLE camp_case ADD COLUMN in the next migration. */
static const char *const case_col[TK_CF_COUNT] = {
    [TK_CF_STATUS] = "status",
    [TK_CF_OUTCOME] = "outcome",
    [TK_CF_AWARE] = "aware",
    [TK_CF_AT_NOTICE] = "at_notice",
    [TK_CF_MANAGER] = "manager",
    [TK_CF_REASONS] = "reasons",
    [TK_CF_REASON_NOTE] = "reason_note",
    [TK_CF_FOLLOW_UP] = "follow_up",
    [TK_CF_CONTACT_NAME] = "contact_name",
    [TK_CF_NOTE] = "note",
};

static const char *const device_state_names[] = { "vulnerable", "fixed", "gone", NULL };

static const char *nz(const char *v)
{
    return v ? v : "";
}

static int check_text(const char *what, const char *v, struct tk_err *err)
{
    if (v && strnlen(v, TEXT_MAX + 1) > TEXT_MAX)
        return tk_err_set(err, TK_ELIMIT, "%s: longer than %d bytes", what, TEXT_MAX);
    return 0;
}

static bool device_state_valid(const char *state)
{
    for (int i = 0; state && device_state_names[i]; i++)
        if (strcmp(state, device_state_names[i]) == 0)
            return true;
    return false;
}

/* The field columns comma-separated, each after pfx ("c." or ""), or a "?" each when marks.
 * SQL assembled from case_col only, never from input. */
static void field_sql(char *out, size_t cap, const char *pfx, bool marks)
{
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < TK_CF_COUNT && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s%s", i ? ", " : "", marks ? "" : pfx,
                              marks ? "?" : case_col[i]);
}

static int prepare(struct sq *s, const char *sql, sqlite3_stmt **st, struct tk_err *err)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return tk_sq_fail(s, err, "cannot prepare");
    return 0;
}

/* Commits when rc is 0, else rolls back; returns rc, or COMMIT's failure. */
static int txn_end(struct sq *s, int rc, struct tk_err *err)
{
    if (!rc)
        rc = tk_sq_exec(s, "COMMIT", err);
    if (rc)
        tk_sq_exec(s, "ROLLBACK", NULL);
    return rc;
}

/* One write statement run to completion with ?1 text (NULL binds NULL), ?2 and ?3 integers;
 * a parameter the SQL does not have is left alone (its bind fails with SQLITE_RANGE). */
static int run(struct sq *s, const char *sql, const char *text, int64_t a, int64_t b,
               const char *what, struct tk_err *err)
{
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_int64(st, 3, b);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = tk_sq_fail(s, err, what);
    sqlite3_finalize(st);
    return rc;
}

/* The first column of the first row of sql (?1 text, ?2 integer, as in run); *found false
 * when there is none. */
static int get_int(struct sq *s, const char *sql, const char *text, int64_t num, int64_t *out,
                   bool *found, struct tk_err *err)
{
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, num);
    int step = sqlite3_step(st);
    *found = step == SQLITE_ROW;
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (step != SQLITE_DONE)
        rc = tk_sq_fail(s, err, "cannot read the campaigns");
    sqlite3_finalize(st);
    return rc;
}

/* The row id of the campaign with public id or name name_or_id (the id wins). */
static int campaign_find(struct sq *s, const char *name_or_id, int64_t *rowid, struct tk_err *err)
{
    bool found = false;
    int rc = get_int(s,
                     "SELECT id FROM campaign WHERE uid = ?1 OR name = ?1"
                     " ORDER BY uid = ?1 DESC LIMIT 1",
                     name_or_id, 0, rowid, &found, err);
    if (!rc && !found)
        rc = tk_err_set(err, TK_ENOENT, "no campaign named '%.64s'", nz(name_or_id));
    return rc;
}

#define AUDIT_INSERT                                                                               \
    "INSERT INTO camp_audit (at, who, field, before, after, case_id, version)"                     \
    " VALUES (?, ?, ?, ?, ?, ?, ?)"

/* One audit row; st: AUDIT_INSERT prepared by the caller for many rows, or NULL. */
static int audit_put(struct sq *s, sqlite3_stmt *st, const struct tk_audit *r, struct tk_err *err)
{
    sqlite3_stmt *own = NULL;
    int rc = 0;
    if (!st && (rc = prepare(s, AUDIT_INSERT, &own, err)) != 0)
        return rc;
    if (!st)
        st = own;
    sqlite3_bind_int64(st, 1, r->at);
    sqlite3_bind_text(st, 2, nz(r->who), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->field, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, nz(r->before), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, nz(r->after), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, r->case_id);
    sqlite3_bind_int64(st, 7, r->version);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = tk_sq_fail(s, err, "cannot audit the change");
    sqlite3_reset(st);
    sqlite3_finalize(own);
    return rc;
}

/* ---- reading rows into the caller's arena ---------------------------------------------- */

struct row {
    sqlite3_stmt *st;
    struct tk_arena *a;
    struct tk_err *err;
    bool oom; /* a copy failed: the row is incomplete */
};

/* Column i copied into the arena; NULL for SQL NULL. */
static const char *row_text(struct row *r, int i)
{
    const char *v = (const char *)sqlite3_column_text(r->st, i);
    if (!v)
        return NULL;
    char *p = tk_arena_strndup(r->a, v, (size_t)sqlite3_column_bytes(r->st, i));
    if (!p)
        r->oom = true;
    return p;
}

/* The same, "" for SQL NULL. */
static const char *row_text0(struct row *r, int i)
{
    return nz(row_text(r, i));
}

static int row_done(struct row *r)
{
    return r->oom ? tk_err_set(r->err, TK_ENOMEM, "out of memory reading the campaigns") : 0;
}

/* Runs sql (?1: text when given, else num) and hands each row to emit, which returns non-zero
 * to stop; that is returned. */
static int each_row(struct sq *s, const char *sql, const char *text, int64_t num,
                    struct tk_arena *a, int (*emit)(struct row *r, void *ctx), void *ctx,
                    struct tk_err *err)
{
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st, err);
    if (rc)
        return rc;
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, num);
    struct row r = { st, a, err, false };
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = emit(&r, ctx);
    if (!rc && step != SQLITE_DONE)
        rc = tk_sq_fail(s, err, "cannot read the campaigns");
    sqlite3_finalize(st);
    return rc;
}

/* What each_row's emitters get: the reader's callback, of one of these kinds, and its ud. */
struct each {
    union {
        int (*campaign)(void *ud, const struct tk_campaign *c);
        int (*kase)(void *ud, const struct tk_case *c);
        int (*device)(void *ud, int64_t case_id, const struct tk_case_device *d);
        int (*contact)(void *ud, int64_t case_id, const struct tk_contact *c);
        int (*audit)(void *ud, const struct tk_audit *r);
    } fn;
    void *ud;
};

/* ---- campaigns ------------------------------------------------------------------------- */

#define CAMPAIGN_SELECT                                                                            \
    "SELECT cp.uid, cp.name, cp.source, cp.filter, cp.created, cp.created_by,"                     \
    " (SELECT count(*) FROM camp_case c WHERE c.campaign = cp.id),"                                \
    " (SELECT count(*) FROM camp_case c JOIN camp_device d ON d.case_id = c.id"                    \
    "  WHERE c.campaign = cp.id)"                                                                  \
    " FROM campaign cp "

static int emit_campaign(struct row *r, void *ctx)
{
    struct each *e = ctx;
    struct tk_campaign c;
    memset(&c, 0, sizeof c);
    snprintf(c.id, sizeof c.id, "%s", (const char *)sqlite3_column_text(r->st, 0));
    snprintf(c.name, sizeof c.name, "%s", (const char *)sqlite3_column_text(r->st, 1));
    c.source = row_text0(r, 2);
    c.filter = row_text0(r, 3);
    c.created = sqlite3_column_int64(r->st, 4);
    c.created_by = row_text0(r, 5);
    c.cases = sqlite3_column_int64(r->st, 6);
    c.devices = sqlite3_column_int64(r->st, 7);
    int rc = row_done(r);
    return rc ? rc : e->fn.campaign(e->ud, &c);
}

static int take_campaign(void *ud, const struct tk_campaign *c)
{
    *(struct tk_campaign *)ud = *c;
    return 0;
}

int tk_sq_campaign_get(struct tk_store *base, const char *name_or_id, struct tk_arena *a,
                       struct tk_campaign *out, struct tk_err *err)
{
    struct each e = { .fn.campaign = take_campaign, .ud = out };
    out->id[0] = '\0';
    int rc = each_row((struct sq *)base,
                      CAMPAIGN_SELECT "WHERE cp.uid = ?1 OR cp.name = ?1"
                                      " ORDER BY cp.uid = ?1 DESC LIMIT 1",
                      nz(name_or_id), 0, a, emit_campaign, &e, err);
    if (!rc && !out->id[0])
        rc = tk_err_set(err, TK_ENOENT, "no campaign named '%.64s'", nz(name_or_id));
    return rc;
}

int tk_sq_campaign_list(struct tk_store *base, struct tk_arena *a,
                        int (*fn)(void *ud, const struct tk_campaign *c), void *ud,
                        struct tk_err *err)
{
    struct each e = { .fn.campaign = fn, .ud = ud };
    return each_row((struct sq *)base, CAMPAIGN_SELECT "ORDER BY cp.created, cp.name", NULL, 0, a,
                    emit_campaign, &e, err);
}

static int check_new_cases(const struct tk_campaign *c, const struct tk_case_new *cases, size_t n,
                           const char *who, struct tk_err *err)
{
    size_t len = strnlen(c->name, sizeof c->name);
    if (len == 0 || len > TK_CAMPAIGN_NAME_MAX)
        return tk_err_set(err, TK_EINVAL, "a campaign needs a name of 1 to %d characters",
                          TK_CAMPAIGN_NAME_MAX);
    int rc = check_text("source", c->source, err);
    if (!rc)
        rc = check_text("filter", c->filter, err);
    if (!rc)
        rc = check_text("who", who, err);
    for (size_t i = 0; !rc && i < n; i++) {
        const struct tk_case_new *k = &cases[i];
        if (!k->org_key || !*k->org_key)
            return tk_err_set(err, TK_EINVAL, "case %zu of campaign '%s' has no organisation",
                              i + 1, c->name);
        rc = check_text("organisation key", k->org_key, err);
        if (!rc)
            rc = check_text("organisation name", k->org_name, err);
        if (!rc)
            rc = check_text("corporate number", k->corporate_number, err);
        if (!rc)
            rc = check_text("prefecture", k->prefecture, err);
        for (size_t j = 0; !rc && j < k->ndevices; j++) {
            const struct tk_case_device *d = &k->devices[j];
            if (!d->ip || (d->state && !device_state_valid(d->state)))
                return tk_err_set(err, TK_EINVAL,
                                  "%.64s: device %zu has no address or an "
                                  "unknown state",
                                  k->org_key, j + 1);
            const char *text[] = { d->ip,        d->vendor,  d->product, d->version,
                                   d->precision, d->verdict, d->cves,    d->seen };
            for (size_t t = 0; !rc && t < sizeof text / sizeof *text; t++)
                rc = check_text("device", text[t], err);
        }
    }
    return rc;
}

/* One case with its devices and its creation audit row, inside campaign_create's transaction;
 * the statements are prepared once for the whole campaign. */
static int put_case(struct sq *s, sqlite3_stmt *ins_case, sqlite3_stmt *ins_dev,
                    sqlite3_stmt *ins_audit, int64_t campaign, const struct tk_case_new *k,
                    int64_t now, const char *who, const char *name, struct tk_err *err)
{
    sqlite3_bind_int64(ins_case, 1, campaign);
    sqlite3_bind_text(ins_case, 2, k->org_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins_case, 3, k->org_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins_case, 4, k->corporate_number, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins_case, 5, k->prefecture, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins_case, 6, now);
    sqlite3_bind_int64(ins_case, 7, now);
    for (int f = 0; f < TK_CF_COUNT; f++)
        sqlite3_bind_text(ins_case, 8 + f, nz(tk_case_fields[f].initial), -1, SQLITE_STATIC);
    int step = sqlite3_step(ins_case), rc = 0;
    if (step == SQLITE_CONSTRAINT)
        rc = tk_err_set(err, TK_EINVAL, "campaign '%s': two cases for '%.64s'", name, k->org_key);
    else if (step != SQLITE_DONE)
        rc = tk_sq_fail(s, err, "cannot add the case");
    sqlite3_reset(ins_case);
    if (rc)
        return rc;
    int64_t id = sqlite3_last_insert_rowid(s->db);
    for (size_t j = 0; j < k->ndevices; j++) {
        const struct tk_case_device *d = &k->devices[j];
        sqlite3_bind_int64(ins_dev, 1, id);
        sqlite3_bind_text(ins_dev, 2, d->ip, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins_dev, 3, d->port);
        sqlite3_bind_text(ins_dev, 4, d->vendor, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_dev, 5, d->product, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_dev, 6, d->version, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_dev, 7, d->precision, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_dev, 8, d->verdict, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_dev, 9, d->cves, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins_dev, 10, d->kev);
        sqlite3_bind_text(ins_dev, 11, d->state ? d->state : "vulnerable", -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins_dev, 12, d->state_at);
        sqlite3_bind_text(ins_dev, 13, d->seen, -1, SQLITE_STATIC);
        step = sqlite3_step(ins_dev);
        if (step != SQLITE_DONE)
            rc = tk_sq_fail(s, err, "cannot add the device");
        sqlite3_reset(ins_dev);
        if (rc)
            return rc;
    }
    struct tk_audit created = { now, who, "case", "", "created", id, 1 };
    return audit_put(s, ins_audit, &created, err);
}

int tk_sq_campaign_create(struct tk_store *base, struct tk_campaign *c,
                          const struct tk_case_new *cases, size_t n, const char *who,
                          struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    char uid[40], cols[512], marks[128], sql[1024];
    int rc = check_new_cases(c, cases, n, who, err);
    if (!rc)
        rc = tk_sq_new_uid(uid, err);
    if (rc)
        return rc;
    who = nz(who);
    int64_t now = tk_time_now(), campaign = 0, devices = 0;
    sqlite3_stmt *st = NULL, *ins_case = NULL, *ins_dev = NULL, *ins_audit = NULL;
    field_sql(cols, sizeof cols, "", false);
    field_sql(marks, sizeof marks, "", true);
    snprintf(sql, sizeof sql,
             "INSERT INTO camp_case (campaign, org_key, org_name, corporate_number, prefecture,"
             " version, created, updated, %s) VALUES (?, ?, ?, ?, ?, 1, ?, ?, %s)",
             cols, marks);
    rc = tk_sq_exec(s, "BEGIN IMMEDIATE", err);
    if (!rc)
        rc = prepare(s,
                     "INSERT INTO campaign (uid, name, source, filter, created, created_by)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     &st, err);
    if (!rc) {
        sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, nz(c->source), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, nz(c->filter), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_text(st, 6, who, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_CONSTRAINT)
            rc = tk_err_set(err, TK_EINVAL, "a campaign named '%s' exists already", c->name);
        else if (step != SQLITE_DONE)
            rc = tk_sq_fail(s, err, "cannot add the campaign");
        campaign = sqlite3_last_insert_rowid(s->db);
    }
    if (!rc)
        rc = prepare(s, sql, &ins_case, err);
    if (!rc)
        rc = prepare(s,
                     "INSERT INTO camp_device (case_id, ip, port, vendor, product, version,"
                     " precision, verdict, cves, kev, state, state_at, seen)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     &ins_dev, err);
    if (!rc)
        rc = prepare(s, AUDIT_INSERT, &ins_audit, err);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = put_case(s, ins_case, ins_dev, ins_audit, campaign, &cases[i], now, who, c->name, err);
        devices += (int64_t)cases[i].ndevices;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(ins_case);
    sqlite3_finalize(ins_dev);
    sqlite3_finalize(ins_audit);
    rc = txn_end(s, rc, err);
    if (!rc) {
        memcpy(c->id, uid, sizeof c->id);
        c->created = now;
        c->cases = (int64_t)n;
        c->devices = devices;
    }
    return rc;
}

/* ---- cases ----------------------------------------------------------------------------- */

/* Columns of the case query: the case, its device counts, its first contact, then the fields. */
enum {
    CQ_ID,
    CQ_CAMPAIGN,
    CQ_ORG_KEY,
    CQ_ORG_NAME,
    CQ_CORP,
    CQ_PREF,
    CQ_VERSION,
    CQ_CREATED,
    CQ_UPDATED,
    CQ_NDEV,
    CQ_NVULN,
    CQ_NFIXED,
    CQ_NGONE,
    CQ_NKEV,
    CQ_LAST_STATE,
    CQ_CONTACT,
    CQ_FIELDS
};

/* The distinct "vendor product" of each case's devices in first-device order, ordered by case:
 * walked alongside the cases (merged by case id) instead of one query per case. */
struct case_each {
    struct each e;
    sqlite3_stmt *products;
    int step;
    struct tk_buf buf;
};

#define PRODUCTS_MAX 2048 /* bytes of a case's product list */

static const char *case_products(struct case_each *e, struct row *r, int64_t id)
{
    tk_buf_reset(&e->buf);
    while (e->step == SQLITE_ROW && sqlite3_column_int64(e->products, 0) < id)
        e->step = sqlite3_step(e->products);
    for (; e->step == SQLITE_ROW && sqlite3_column_int64(e->products, 0) == id;
         e->step = sqlite3_step(e->products)) {
        const char *p = nz((const char *)sqlite3_column_text(e->products, 1));
        /* a summary: past PRODUCTS_MAX bytes the list ends with an ellipsis, never fails */
        if (e->buf.len >= PRODUCTS_MAX)
            continue;
        size_t k = strlen(p), room = PRODUCTS_MAX - e->buf.len;
        if ((e->buf.len && tk_buf_adds(&e->buf, ", ")) ||
            tk_buf_add(&e->buf, p, k < room ? k : tk_utf8_prefix(p, room)) ||
            (k >= room && tk_buf_adds(&e->buf, "…")))
            r->oom = true;
    }
    const char *out = tk_arena_strdup(r->a, tk_buf_cstr(&e->buf));
    if (!out)
        r->oom = true;
    return out;
}

static int emit_case(struct row *r, void *ctx)
{
    struct case_each *e = ctx;
    sqlite3_stmt *st = r->st;
    struct tk_case c;
    memset(&c, 0, sizeof c);
    c.id = sqlite3_column_int64(st, CQ_ID);
    snprintf(c.campaign_id, sizeof c.campaign_id, "%s",
             (const char *)sqlite3_column_text(st, CQ_CAMPAIGN));
    c.org_key = row_text0(r, CQ_ORG_KEY);
    c.org_name = row_text(r, CQ_ORG_NAME);
    c.corporate_number = row_text(r, CQ_CORP);
    c.prefecture = row_text(r, CQ_PREF);
    c.version = sqlite3_column_int64(st, CQ_VERSION);
    c.created = sqlite3_column_int64(st, CQ_CREATED);
    c.updated = sqlite3_column_int64(st, CQ_UPDATED);
    c.ndevices = sqlite3_column_int(st, CQ_NDEV);
    c.nvulnerable = sqlite3_column_int(st, CQ_NVULN);
    c.nfixed = sqlite3_column_int(st, CQ_NFIXED);
    c.ngone = sqlite3_column_int(st, CQ_NGONE);
    c.nkev = sqlite3_column_int(st, CQ_NKEV);
    if (c.ndevices > 0 && c.nfixed + c.ngone == c.ndevices)
        c.resolved_at = sqlite3_column_int64(st, CQ_LAST_STATE);
    int64_t t;
    if (tk_time_parse(tk_str_c((const char *)sqlite3_column_text(st, CQ_CONTACT)), &t))
        c.first_contact = t;
    for (int f = 0; f < TK_CF_COUNT; f++)
        c.f[f] = row_text0(r, CQ_FIELDS + f);
    c.products = case_products(e, r, c.id);
    int rc = row_done(r);
    return rc ? rc : e->e.fn.kase(e->e.ud, &c);
}

/* The cases whose camp_case column col ("id" or "campaign") is arg, by id. */
static int case_query(struct sq *s, const char *col, int64_t arg, struct tk_arena *a,
                      int (*fn)(void *ud, const struct tk_case *c), void *ud, struct tk_err *err)
{
    char cols[512], sql[2048];
    struct case_each e = { { .fn.kase = fn, .ud = ud }, NULL, SQLITE_DONE, TK_BUF_INIT(TEXT_MAX) };
    snprintf(sql, sizeof sql,
             "SELECT d.case_id, trim(coalesce(d.vendor, '') || ' ' || coalesce(d.product, ''))"
             " AS p FROM camp_device d JOIN camp_case c ON c.id = d.case_id WHERE c.%s = ?"
             " GROUP BY d.case_id, p HAVING p <> '' ORDER BY d.case_id, min(d.id)",
             col);
    int rc = prepare(s, sql, &e.products, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(e.products, 1, arg);
    e.step = sqlite3_step(e.products);
    field_sql(cols, sizeof cols, "c.", false);
    snprintf(sql, sizeof sql,
             "SELECT c.id, cp.uid, c.org_key, c.org_name, c.corporate_number, c.prefecture,"
             " c.version, c.created, c.updated, count(d.id), sum(d.state = 'vulnerable'),"
             " sum(d.state = 'fixed'), sum(d.state = 'gone'), sum(d.kev <> 0), max(d.state_at),"
             " (SELECT min(k.date) FROM camp_contact k WHERE k.case_id = c.id), %s"
             " FROM camp_case c JOIN campaign cp ON cp.id = c.campaign"
             " LEFT JOIN camp_device d ON d.case_id = c.id"
             " WHERE c.%s = ?1 GROUP BY c.id ORDER BY c.id",
             cols, col);
    rc = each_row(s, sql, NULL, arg, a, emit_case, &e, err);
    if (!rc && e.step != SQLITE_ROW && e.step != SQLITE_DONE)
        rc = tk_sq_fail(s, err, "cannot read the devices");
    sqlite3_finalize(e.products);
    tk_buf_release(&e.buf);
    return rc;
}

int tk_sq_case_list(struct tk_store *base, const char *campaign_id, struct tk_arena *a,
                    int (*fn)(void *ud, const struct tk_case *c), void *ud, struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    int64_t campaign;
    int rc = campaign_find(s, campaign_id, &campaign, err);
    return rc ? rc : case_query(s, "campaign", campaign, a, fn, ud, err);
}

static int take_case(void *ud, const struct tk_case *c)
{
    *(struct tk_case *)ud = *c;
    return 0;
}

int tk_sq_case_get(struct tk_store *base, int64_t case_id, struct tk_arena *a, struct tk_case *out,
                   struct tk_err *err)
{
    out->id = 0;
    int rc = case_query((struct sq *)base, "id", case_id, a, take_case, out, err);
    if (!rc && out->id != case_id)
        rc = tk_err_set(err, TK_ENOENT, "no case %lld", (long long)case_id);
    return rc;
}

/* ---- devices, contacts, audit of one case or a whole campaign --------------------------- */

/* What the readers below cover: case_id (> 0, of campaign_id when that is given too) or every
 * case of campaign_id; *col and *arg select them in camp_case c. */
static int scope(struct sq *s, const char *campaign_id, int64_t case_id, const char **col,
                 int64_t *arg, struct tk_err *err)
{
    if (case_id <= 0 && !campaign_id)
        return tk_err_set(err, TK_EINVAL, "neither a case nor a campaign given");
    if (case_id <= 0) {
        *col = "c.campaign";
        return campaign_find(s, campaign_id, arg, err);
    }
    bool found = false;
    int rc = get_int(s,
                     "SELECT c.id FROM camp_case c JOIN campaign cp ON cp.id = c.campaign"
                     " WHERE c.id = ?2 AND (?1 IS NULL OR cp.uid = ?1 OR cp.name = ?1)",
                     campaign_id, case_id, arg, &found, err);
    if (!rc && !found)
        rc = campaign_id ? tk_err_set(err, TK_ENOENT, "no case %lld in campaign '%.64s'",
                                      (long long)case_id, campaign_id)
                         : tk_err_set(err, TK_ENOENT, "no case %lld", (long long)case_id);
    *col = "c.id";
    return rc;
}

/* Runs "select WHERE <the scope> ORDER BY order" (select joining camp_case c). */
static int scoped(struct sq *s, const char *select, const char *order, const char *campaign_id,
                  int64_t case_id, struct tk_arena *a, int (*emit)(struct row *r, void *ctx),
                  void *ctx, struct tk_err *err)
{
    const char *col = NULL;
    int64_t arg = 0;
    char sql[1024];
    int rc = scope(s, campaign_id, case_id, &col, &arg, err);
    if (rc)
        return rc;
    snprintf(sql, sizeof sql, "%s WHERE %s = ?1 ORDER BY %s", select, col, order);
    return each_row(s, sql, NULL, arg, a, emit, ctx, err);
}

static int emit_device(struct row *r, void *ctx)
{
    struct each *e = ctx;
    struct tk_case_device d = {
        .id = sqlite3_column_int64(r->st, 0),
        .ip = row_text0(r, 1),
        .port = sqlite3_column_int(r->st, 2),
        .vendor = row_text(r, 3),
        .product = row_text(r, 4),
        .version = row_text(r, 5),
        .precision = row_text(r, 6),
        .verdict = row_text(r, 7),
        .cves = row_text(r, 8),
        .kev = sqlite3_column_int(r->st, 9) != 0,
        .state = row_text0(r, 10),
        .state_at = sqlite3_column_int64(r->st, 11),
        .seen = row_text(r, 12),
    };
    int rc = row_done(r);
    return rc ? rc : e->fn.device(e->ud, sqlite3_column_int64(r->st, 13), &d);
}

int tk_sq_case_devices(struct tk_store *base, const char *campaign_id, int64_t case_id,
                       struct tk_arena *a,
                       int (*fn)(void *ud, int64_t case_id, const struct tk_case_device *d),
                       void *ud, struct tk_err *err)
{
    struct each e = { .fn.device = fn, .ud = ud };
    return scoped((struct sq *)base,
                  "SELECT d.id, d.ip, d.port, d.vendor, d.product, d.version, d.precision,"
                  " d.verdict, d.cves, d.kev, d.state, d.state_at, d.seen, d.case_id"
                  " FROM camp_device d JOIN camp_case c ON c.id = d.case_id",
                  "d.id", campaign_id, case_id, a, emit_device, &e, err);
}

static int emit_contact(struct row *r, void *ctx)
{
    struct each *e = ctx;
    struct tk_contact k = {
        .id = sqlite3_column_int64(r->st, 0),
        .date = row_text0(r, 1),
        .channel = row_text0(r, 2),
        .who = row_text0(r, 3),
        .note = row_text0(r, 4),
        .created = sqlite3_column_int64(r->st, 5),
        .created_by = row_text0(r, 6),
    };
    int rc = row_done(r);
    return rc ? rc : e->fn.contact(e->ud, sqlite3_column_int64(r->st, 7), &k);
}

int tk_sq_case_contacts(struct tk_store *base, const char *campaign_id, int64_t case_id,
                        struct tk_arena *a,
                        int (*fn)(void *ud, int64_t case_id, const struct tk_contact *c), void *ud,
                        struct tk_err *err)
{
    struct each e = { .fn.contact = fn, .ud = ud };
    return scoped((struct sq *)base,
                  "SELECT k.id, k.date, k.channel, k.who, k.note, k.created, k.created_by,"
                  " k.case_id FROM camp_contact k JOIN camp_case c ON c.id = k.case_id",
                  "k.date, k.id", campaign_id, case_id, a, emit_contact, &e, err);
}

static int emit_audit(struct row *r, void *ctx)
{
    struct each *e = ctx;
    struct tk_audit x = {
        .at = sqlite3_column_int64(r->st, 0),
        .who = row_text0(r, 1),
        .field = row_text0(r, 2),
        .before = row_text0(r, 3),
        .after = row_text0(r, 4),
        .case_id = sqlite3_column_int64(r->st, 5),
        .version = sqlite3_column_int64(r->st, 6),
    };
    int rc = row_done(r);
    return rc ? rc : e->fn.audit(e->ud, &x);
}

int tk_sq_case_audit(struct tk_store *base, const char *campaign_id, int64_t case_id,
                     struct tk_arena *a, int (*fn)(void *ud, const struct tk_audit *r), void *ud,
                     struct tk_err *err)
{
    struct each e = { .fn.audit = fn, .ud = ud };
    return scoped((struct sq *)base,
                  "SELECT x.at, x.who, x.field, x.before, x.after, x.case_id, x.version"
                  " FROM camp_audit x JOIN camp_case c ON c.id = x.case_id",
                  "x.id", campaign_id, case_id, a, emit_audit, &e, err);
}

/* ---- changes --------------------------------------------------------------------------- */

/* Inside the caller's BEGIN IMMEDIATE: the case's version and field values (copied into tmp),
 * TK_ECONFLICT when expected is given and is not the version. */
static int case_lock(struct sq *s, int64_t id, int64_t expected, struct tk_arena *tmp,
                     int64_t *version, const char *f[TK_CF_COUNT], struct tk_err *err)
{
    char cols[512], sql[1024];
    sqlite3_stmt *st;
    field_sql(cols, sizeof cols, "", false);
    snprintf(sql, sizeof sql, "SELECT version, %s FROM camp_case WHERE id = ?", cols);
    int rc = prepare(s, sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        struct row r = { st, tmp, err, false };
        *version = sqlite3_column_int64(st, 0);
        for (int i = 0; i < TK_CF_COUNT; i++)
            f[i] = row_text0(&r, 1 + i);
        rc = row_done(&r);
    } else {
        rc = step == SQLITE_DONE ? tk_err_set(err, TK_ENOENT, "no case %lld", (long long)id)
                                 : tk_sq_fail(s, err, "cannot read the case");
    }
    sqlite3_finalize(st);
    if (!rc && expected && expected != *version)
        rc = tk_err_set(err, TK_ECONFLICT,
                        "case %lld changed since version %lld (it is at version %lld now): "
                        "read it again",
                        (long long)id, (long long)expected, (long long)*version);
    return rc;
}

/* Sets field f of case id to v, audited against the version the change produces. */
static int field_change(struct sq *s, int64_t id, enum tk_case_field f, const char *before,
                        const char *v, int64_t version, int64_t now, const char *who,
                        struct tk_err *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE camp_case SET %s = ?1 WHERE id = ?2", case_col[f]);
    int rc = run(s, sql, v, id, 0, "cannot update the case", err);
    struct tk_audit a = { now, who, tk_case_fields[f].name, before, v, id, version };
    return rc ? rc : audit_put(s, NULL, &a, err);
}

static int case_bump(struct sq *s, int64_t id, int64_t now, struct tk_err *err)
{
    return run(s, "UPDATE camp_case SET version = version + 1, updated = ?2 WHERE id = ?3", NULL,
               now, id, "cannot update the case", err);
}

int tk_sq_case_update(struct tk_store *base, int64_t case_id, int64_t expected,
                      const struct tk_case_edit *edits, size_t n, const char *who, int64_t *version,
                      struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    int rc = check_text("who", who, err);
    bool seen[TK_CF_COUNT] = { false };
    for (size_t i = 0; !rc && i < n; i++) {
        if ((unsigned)edits[i].field >= TK_CF_COUNT)
            return tk_err_set(err, TK_EINVAL, "case %lld: no such field", (long long)case_id);
        if (seen[edits[i].field]) /* which value would the audit keep? */
            return tk_err_set(err, TK_EINVAL, "case %lld: %s is set twice", (long long)case_id,
                              tk_case_fields[edits[i].field].name);
        seen[edits[i].field] = true;
        rc = check_text(tk_case_fields[edits[i].field].name, edits[i].value, err);
    }
    if (rc)
        return rc;
    struct tk_arena tmp;
    tk_arena_init(&tmp, CASE_READ_MAX);
    const char *f[TK_CF_COUNT];
    int64_t cur = 0, now = tk_time_now();
    bool changed = false;
    rc = tk_sq_exec(s, "BEGIN IMMEDIATE", err);
    if (!rc)
        rc = case_lock(s, case_id, expected, &tmp, &cur, f, err);
    for (size_t i = 0; !rc && i < n; i++) {
        enum tk_case_field k = edits[i].field;
        const char *v = nz(edits[i].value);
        if (strcmp(f[k], v) == 0)
            continue;
        rc = field_change(s, case_id, k, f[k], v, cur + 1, now, who, err);
        f[k] = v;
        changed = true;
    }
    if (!rc && changed)
        rc = case_bump(s, case_id, now, err);
    rc = txn_end(s, rc, err);
    if (version && (!rc || rc == TK_ECONFLICT))
        *version = rc ? cur : cur + changed;
    tk_arena_release(&tmp);
    return rc;
}

int tk_sq_contact_add(struct tk_store *base, int64_t case_id, int64_t expected,
                      const struct tk_contact *c, const char *who, int64_t *version,
                      struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    const char *date = nz(c->date), *channel = nz(c->channel), *cwho = nz(c->who),
               *note = nz(c->note);
    int rc = check_text("who", who, err);
    if (!rc)
        rc = check_text("contact date", date, err);
    if (!rc)
        rc = check_text("contact channel", channel, err);
    if (!rc)
        rc = check_text("contact person", cwho, err);
    if (!rc)
        rc = check_text("contact note", note, err);
    if (rc)
        return rc;
    struct tk_arena tmp;
    tk_arena_init(&tmp, CASE_READ_MAX + 4 * (TEXT_MAX + 64));
    const char *f[TK_CF_COUNT];
    int64_t cur = 0, now = tk_time_now();
    sqlite3_stmt *st = NULL;
    rc = tk_sq_exec(s, "BEGIN IMMEDIATE", err);
    if (!rc)
        rc = case_lock(s, case_id, expected, &tmp, &cur, f, err);
    if (!rc)
        rc = prepare(s,
                     "INSERT INTO camp_contact (case_id, date, channel, who, note, created,"
                     " created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, case_id);
        sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, channel, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, cwho, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, now);
        sqlite3_bind_text(st, 7, nz(who), -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = tk_sq_fail(s, err, "cannot add the contact");
    }
    sqlite3_finalize(st);
    if (!rc) {
        /* "2026-11-05 phone Sato: left a message", the empty parts left out */
        const char *after = tk_arena_printf(&tmp, "%s %s%s%s%s%s", date, channel, *cwho ? " " : "",
                                            cwho, *note ? ": " : "", note);
        struct tk_audit a = { now, who, "contact", "", after, case_id, cur + 1 };
        rc = after ? audit_put(s, NULL, &a, err)
                   : tk_err_set(err, TK_ENOMEM, "out of memory recording the contact");
    }
    if (!rc && strcmp(f[TK_CF_STATUS], "identified") == 0)
        rc = field_change(s, case_id, TK_CF_STATUS, f[TK_CF_STATUS], "contacted", cur + 1, now, who,
                          err);
    if (!rc)
        rc = case_bump(s, case_id, now, err);
    rc = txn_end(s, rc, err);
    if (version && (!rc || rc == TK_ECONFLICT))
        *version = rc ? cur : cur + 1;
    tk_arena_release(&tmp);
    return rc;
}

/* "203.0.113.5:443 fixed", "[2001:db8::1]:443 gone" into tmp. */
static const char *device_text(struct tk_arena *tmp, const char *ip, int port, const char *state)
{
    bool v6 = strchr(ip, ':') != NULL;
    return tk_arena_printf(tmp, "%s%s%s:%d %s", v6 ? "[" : "", ip, v6 ? "]" : "", port, state);
}

/* One update of device_states inside its transaction; the version audited is the one the
 * case reaches when every change is in (cases are bumped once, at the end). */
static int device_update(struct sq *s, sqlite3_stmt *sel, sqlite3_stmt *upd, int64_t campaign,
                         const char *campaign_id, const struct tk_device_update *u, int64_t now,
                         const char *who, struct tk_arena *tmp, struct tk_err *err)
{
    sqlite3_bind_int64(sel, 1, u->device_id);
    int step = sqlite3_step(sel), rc = 0;
    struct row r = { sel, tmp, err, false };
    const char *ip = NULL, *state = NULL;
    int port = 0;
    int64_t case_id = 0, owner = 0, version = 0;
    if (step == SQLITE_ROW) {
        ip = row_text0(&r, 0);
        port = sqlite3_column_int(sel, 1);
        state = row_text0(&r, 2);
        case_id = sqlite3_column_int64(sel, 3);
        owner = sqlite3_column_int64(sel, 4);
        version = sqlite3_column_int64(sel, 5);
        rc = row_done(&r);
    } else if (step != SQLITE_DONE) {
        rc = tk_sq_fail(s, err, "cannot read the device");
    }
    sqlite3_reset(sel);
    if (!rc && (step != SQLITE_ROW || owner != campaign))
        rc = tk_err_set(err, TK_EINVAL, "device %lld is not one of campaign '%.64s'",
                        (long long)u->device_id, campaign_id);
    if (rc || strcmp(state, u->state) == 0)
        return rc;
    sqlite3_bind_text(upd, 1, u->state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(upd, 2, u->at);
    sqlite3_bind_int64(upd, 3, u->device_id);
    if (sqlite3_step(upd) != SQLITE_DONE)
        rc = tk_sq_fail(s, err, "cannot update the device");
    sqlite3_reset(upd);
    struct tk_audit a = { now,
                          who,
                          "device",
                          device_text(tmp, ip, port, state),
                          device_text(tmp, ip, port, u->state),
                          case_id,
                          version + 1 };
    if (!rc && (!a.before || !a.after))
        rc = tk_err_set(err, TK_ENOMEM, "out of memory recording device %lld",
                        (long long)u->device_id);
    return rc ? rc : audit_put(s, NULL, &a, err);
}

int tk_sq_device_states(struct tk_store *base, const char *campaign_id,
                        const struct tk_device_update *u, size_t n, const char *who,
                        struct tk_err *err)
{
    struct sq *s = (struct sq *)base;
    int rc = check_text("who", who, err);
    for (size_t i = 0; !rc && i < n; i++)
        if (!device_state_valid(u[i].state))
            rc = tk_err_set(err, TK_EINVAL,
                            "device %lld: \"%.32s\" is not a state (vulnerable, "
                            "fixed, gone)",
                            (long long)u[i].device_id, nz(u[i].state));
    if (rc)
        return rc;
    struct tk_arena tmp;
    tk_arena_init(&tmp, 4 * (TEXT_MAX + 64));
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int64_t campaign = 0, mark = 0, now = tk_time_now();
    bool found;
    rc = tk_sq_exec(s, "BEGIN IMMEDIATE", err);
    if (!rc)
        rc = campaign_find(s, campaign_id, &campaign, err);
    /* the audit rows this call adds are those past mark: their cases are the ones to bump */
    if (!rc)
        rc = get_int(s, "SELECT coalesce(max(id), 0) FROM camp_audit", NULL, 0, &mark, &found, err);
    if (!rc)
        rc = prepare(s,
                     "SELECT d.ip, d.port, d.state, d.case_id, c.campaign, c.version"
                     " FROM camp_device d JOIN camp_case c ON c.id = d.case_id WHERE d.id = ?",
                     &sel, err);
    if (!rc)
        rc = prepare(s, "UPDATE camp_device SET state = ?, state_at = ? WHERE id = ?", &upd, err);
    for (size_t i = 0; !rc && i < n; i++) {
        tk_arena_reset(&tmp);
        rc = device_update(s, sel, upd, campaign, campaign_id, &u[i], now, nz(who), &tmp, err);
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    if (!rc)
        rc = run(s,
                 "UPDATE camp_case SET version = version + 1, updated = ?2 WHERE id IN"
                 " (SELECT case_id FROM camp_audit WHERE id > ?3)",
                 NULL, now, mark, "cannot update the cases", err);
    rc = txn_end(s, rc, err);
    tk_arena_release(&tmp);
    return rc;
}
