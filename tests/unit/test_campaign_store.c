/* test_campaign_store.c - the campaign operations of the store (store/store.h) on a real
 * SQLite file: creation, reading with counts, versioned edits and their audit trail, contact
 * entries, verification of devices, and the schema surviving a reopen and a migration from
 * version 5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "store/store.h"

struct fx {
    char dir[64];
    struct tk_store *s;
    struct tk_arena a;
    struct tk_err err;
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/tenken-camp-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    assert_int_equal(tk_store_open(&fx->s, fx->dir, &fx->err), 0);
    tk_arena_init(&fx->a, 1 << 20);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    tk_store_close(fx->s);
    tk_arena_release(&fx->a);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -r '%s'", fx->dir);
    assert_int_equal(system(cmd), 0);
    free(fx);
    return 0;
}

/* ---- the campaign every test starts from --------------------------------------------- */

static const struct tk_case_device acme_dev[] = {
    { .ip = "203.0.113.5",
      .port = 443,
      .vendor = "Fortinet",
      .product = "FortiGate",
      .version = "7.0.1",
      .precision = "exact",
      .verdict = "vulnerable",
      .cves = "[{\"id\":\"CVE-2024-21762\",\"kev\":true}]",
      .kev = true,
      .seen = "2026-11-01T00:00:00Z" },
    { .ip = "203.0.113.6",
      .port = 443,
      .vendor = "Ivanti",
      .product = "Connect Secure",
      .cves = "[]" },
    { .ip = "203.0.113.7",
      .port = 10443,
      .vendor = "Fortinet",
      .product = "FortiGate",
      .kev = true },
};
static const struct tk_case_device beta_dev[] = {
    { .ip = "198.51.100.7", .port = 8443, .vendor = "Cisco", .product = "ASA" },
};
static const struct tk_case_device anon_dev[] = {
    { .ip = "203.0.113.9", .port = 443, .product = "NetScaler" },
};
static const struct tk_case_new three[] = {
    { "org-acme", "Acme", "1234567890123", "JP-14", acme_dev, 3 },
    { "org-beta", "Beta", NULL, "JP-13", beta_dev, 1 },
    { "ip:203.0.113.9", NULL, NULL, NULL, anon_dev, 1 },
};

/* ---- collecting what the readers hand over -------------------------------------------- */

#define MAXROWS 32

/* Whatever a reader handed over, in order, with the case each row belongs to. */
struct rows {
    union {
        struct tk_case c;
        struct tk_audit a;
        struct tk_case_device d;
        struct tk_contact k;
    } r[MAXROWS];
    int64_t case_id[MAXROWS];
    int n;
};

static void *push(void *ud, int64_t case_id)
{
    struct rows *l = ud;
    assert_true(l->n < MAXROWS);
    l->case_id[l->n] = case_id;
    return &l->r[l->n++];
}
static int add_case(void *ud, const struct tk_case *c)
{
    *(struct tk_case *)push(ud, c->id) = *c;
    return 0;
}
static int add_audit(void *ud, const struct tk_audit *r)
{
    *(struct tk_audit *)push(ud, r->case_id) = *r;
    return 0;
}
static int add_device(void *ud, int64_t case_id, const struct tk_case_device *d)
{
    *(struct tk_case_device *)push(ud, case_id) = *d;
    return 0;
}
static int add_contact(void *ud, int64_t case_id, const struct tk_contact *k)
{
    *(struct tk_contact *)push(ud, case_id) = *k;
    return 0;
}

struct names {
    char name[4][TK_CAMPAIGN_NAME_MAX + 1];
    int n;
};
static int add_name(void *ud, const struct tk_campaign *c)
{
    struct names *l = ud;
    assert_true(l->n < 4);
    snprintf(l->name[l->n++], sizeof l->name[0], "%s", c->name);
    return 0;
}

static void list_cases(struct fx *fx, const char *campaign, struct rows *out)
{
    memset(out, 0, sizeof *out);
    assert_int_equal(fx->s->ops->case_list(fx->s, campaign, &fx->a, add_case, out, &fx->err), 0);
}

/* The campaign of three cases named name, and its cases (when cases is not NULL). */
static void create(struct fx *fx, const char *name, struct tk_campaign *c, struct rows *cases)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->source = "identify.jsonl (2026-11-01)";
    c->filter = "prefecture=JP-14 kev-only";
    assert_int_equal(fx->s->ops->campaign_create(fx->s, c, three, 3, "analyst", &fx->err), 0);
    if (cases)
        list_cases(fx, c->id, cases);
}

static void audit_of(struct fx *fx, const char *campaign, int64_t case_id, struct rows *out)
{
    memset(out, 0, sizeof *out);
    assert_int_equal(
        fx->s->ops->case_audit(fx->s, campaign, case_id, &fx->a, add_audit, out, &fx->err), 0);
}

/* Row i of an audit trail is: who changed field from before to after, producing version. */
static void check_audit(const struct rows *au, int i, const char *who, const char *field,
                        const char *before, const char *after, int64_t version)
{
    assert_true(i < au->n);
    const struct tk_audit *r = &au->r[i].a;
    assert_string_equal(r->who, who);
    assert_string_equal(r->field, field);
    assert_string_equal(r->before, before);
    assert_string_equal(r->after, after);
    assert_int_equal(r->version, version);
}

static void get_case(struct fx *fx, int64_t id, struct tk_case *out)
{
    assert_int_equal(fx->s->ops->case_get(fx->s, id, &fx->a, out, &fx->err), 0);
}

/* ---- tests ----------------------------------------------------------------------------- */

static void test_create_and_read(void **state)
{
    struct fx *fx = *state;
    const struct tk_store_ops *ops = fx->s->ops;
    struct tk_campaign c, got;
    int64_t before = tk_time_now();
    create(fx, "kanagawa-2026", &c, NULL);
    assert_int_equal(strlen(c.id), 36);
    assert_true(c.created >= before);
    assert_int_equal(c.cases, 3);
    assert_int_equal(c.devices, 5);

    struct tk_campaign dup = { .source = "x" };
    snprintf(dup.name, sizeof dup.name, "kanagawa-2026");
    assert_int_equal(ops->campaign_create(fx->s, &dup, three, 3, "analyst", &fx->err), TK_EINVAL);
    assert_non_null(strstr(fx->err.msg, "exists already"));
    /* two cases for one organisation: refused, nothing of the campaign is kept */
    struct tk_case_new twice[] = { three[0], three[0] };
    struct tk_campaign bad = { 0 };
    snprintf(bad.name, sizeof bad.name, "twice");
    assert_int_equal(ops->campaign_create(fx->s, &bad, twice, 2, "analyst", &fx->err), TK_EINVAL);
    assert_int_equal(ops->campaign_get(fx->s, "twice", &fx->a, &got, &fx->err), TK_ENOENT);
    assert_non_null(strstr(fx->err.msg, "no campaign named 'twice'"));
    /* a string past the store's bound */
    char *big = malloc(70000);
    assert_non_null(big);
    memset(big, 'x', 69999);
    big[69999] = '\0';
    struct tk_campaign huge = { .source = big };
    snprintf(huge.name, sizeof huge.name, "huge");
    assert_int_equal(ops->campaign_create(fx->s, &huge, three, 3, "analyst", &fx->err), TK_ELIMIT);
    free(big);

    assert_int_equal(ops->campaign_get(fx->s, "kanagawa-2026", &fx->a, &got, &fx->err), 0);
    assert_string_equal(got.id, c.id);
    assert_string_equal(got.source, "identify.jsonl (2026-11-01)");
    assert_string_equal(got.filter, "prefecture=JP-14 kev-only");
    assert_string_equal(got.created_by, "analyst");
    assert_int_equal(got.created, c.created);
    assert_int_equal(got.cases, 3);
    assert_int_equal(got.devices, 5);
    assert_int_equal(ops->campaign_get(fx->s, c.id, &fx->a, &got, &fx->err), 0);
    assert_string_equal(got.name, "kanagawa-2026");

    struct tk_campaign t;
    create(fx, "tokyo-2026", &t, NULL); /* later (or as old) and after by name */
    struct names names = { 0 };
    assert_int_equal(ops->campaign_list(fx->s, &fx->a, add_name, &names, &fx->err), 0);
    assert_int_equal(names.n, 2);
    assert_string_equal(names.name[0], "kanagawa-2026");
    assert_string_equal(names.name[1], "tokyo-2026");

    struct rows l;
    list_cases(fx, c.id, &l);
    assert_int_equal(l.n, 3);
    assert_true(l.r[0].c.id < l.r[1].c.id && l.r[1].c.id < l.r[2].c.id);
    const struct tk_case *acme = &l.r[0].c, *anon = &l.r[2].c;
    assert_string_equal(acme->campaign_id, c.id);
    assert_string_equal(acme->org_key, "org-acme");
    assert_string_equal(acme->org_name, "Acme");
    assert_string_equal(acme->corporate_number, "1234567890123");
    assert_string_equal(acme->prefecture, "JP-14");
    assert_int_equal(acme->version, 1);
    assert_int_equal(acme->ndevices, 3);
    assert_int_equal(acme->nvulnerable, 3);
    assert_int_equal(acme->nfixed + acme->ngone, 0);
    assert_int_equal(acme->nkev, 2);
    assert_string_equal(acme->products, "Fortinet FortiGate, Ivanti Connect Secure");
    assert_int_equal(acme->first_contact, 0);
    assert_int_equal(acme->resolved_at, 0);
    for (int f = 0; f < TK_CF_COUNT; f++)
        assert_string_equal(acme->f[f], tk_case_fields[f].initial);
    assert_string_equal(acme->f[TK_CF_STATUS], "identified");
    assert_string_equal(anon->org_key, "ip:203.0.113.9");
    assert_null(anon->org_name);
    assert_null(anon->prefecture);
    assert_string_equal(anon->products, "NetScaler");
    assert_string_equal(l.r[1].c.products, "Cisco ASA");

    struct tk_case one;
    get_case(fx, anon->id, &one);
    assert_string_equal(one.org_key, "ip:203.0.113.9");
    assert_int_equal(one.ndevices, 1);
    assert_int_equal(ops->case_get(fx->s, 999999, &fx->a, &one, &fx->err), TK_ENOENT);
    assert_int_equal(ops->case_list(fx->s, "nope", &fx->a, add_case, &l, &fx->err), TK_ENOENT);
    /* an arena too small for what is read: TK_ENOMEM, not a case with holes */
    struct tk_arena small;
    tk_arena_init(&small, 64);
    struct rows none = { 0 };
    assert_int_equal(ops->case_list(fx->s, c.id, &small, add_case, &none, &fx->err), TK_ENOMEM);
    assert_int_equal(none.n, 0);
    tk_arena_release(&small);

    struct rows d = { 0 };
    assert_int_equal(ops->case_devices(fx->s, NULL, acme->id, &fx->a, add_device, &d, &fx->err), 0);
    assert_int_equal(d.n, 3);
    assert_string_equal(d.r[0].d.ip, "203.0.113.5");
    assert_int_equal(d.r[0].d.port, 443);
    assert_string_equal(d.r[0].d.cves, acme_dev[0].cves);
    assert_true(d.r[0].d.kev);
    assert_string_equal(d.r[0].d.state, "vulnerable");
    assert_string_equal(d.r[0].d.seen, "2026-11-01T00:00:00Z");
    assert_null(d.r[1].d.seen);
    assert_false(d.r[1].d.kev);
    memset(&d, 0, sizeof d);
    assert_int_equal(ops->case_devices(fx->s, "kanagawa-2026", 0, &fx->a, add_device, &d, &fx->err),
                     0);
    assert_int_equal(d.n, 5);
    assert_int_equal(d.case_id[4], anon->id);
    /* a case of another campaign is not one of this one's */
    assert_int_equal(ops->case_devices(fx->s, t.id, acme->id, &fx->a, add_device, &d, &fx->err),
                     TK_ENOENT);

    struct rows au;
    audit_of(fx, c.id, 0, &au);
    assert_int_equal(au.n, 3);
    for (int i = 0; i < 3; i++) {
        check_audit(&au, i, "analyst", "case", "", "created", 1);
        assert_int_equal(au.r[i].a.case_id, l.r[i].c.id);
    }
}

static void test_update(void **state)
{
    struct fx *fx = *state;
    const struct tk_store_ops *ops = fx->s->ops;
    struct tk_campaign c;
    struct rows l;
    create(fx, "kanagawa-2026", &c, &l);
    int64_t id = l.r[0].c.id, v = 0;

    struct tk_case_edit e[] = { { TK_CF_STATUS, "responded" },
                                { TK_CF_NOTE, "called back" },
                                { TK_CF_AWARE, "unknown" } }; /* as it was */
    assert_int_equal(ops->case_update(fx->s, id, 1, e, 3, "sato", &v, &fx->err), 0);
    assert_int_equal(v, 2);
    struct rows au;
    audit_of(fx, NULL, id, &au);
    assert_int_equal(au.n, 3);
    check_audit(&au, 1, "sato", "status", "identified", "responded", 2);
    check_audit(&au, 2, "sato", "note", "", "called back", 2);

    /* changing nothing keeps the version and audits nothing */
    assert_int_equal(ops->case_update(fx->s, id, 2, e, 2, "sato", &v, &fx->err), 0);
    assert_int_equal(v, 2);
    audit_of(fx, NULL, id, &au);
    assert_int_equal(au.n, 3);

    /* a field set twice in one change is refused, whatever the values */
    struct tk_case_edit twice[] = { { TK_CF_AWARE, "yes" }, { TK_CF_AWARE, "no" } };
    assert_int_equal(ops->case_update(fx->s, id, 2, twice, 2, "sato", &v, &fx->err), TK_EINVAL);
    assert_non_null(strstr(fx->err.msg, "aware is set twice"));

    /* made against version 1, the case is at 2: refused, nothing changed */
    struct tk_case_edit stale[] = { { TK_CF_STATUS, "closed" }, { TK_CF_NOTE, NULL } };
    assert_int_equal(ops->case_update(fx->s, id, 1, stale, 2, "suzuki", &v, &fx->err),
                     TK_ECONFLICT);
    assert_non_null(strstr(fx->err.msg, "since version 1"));
    assert_non_null(strstr(fx->err.msg, "at version 2"));
    assert_int_equal(v, 2);
    struct tk_case k;
    get_case(fx, id, &k);
    assert_int_equal(k.version, 2);
    assert_string_equal(k.f[TK_CF_STATUS], "responded");
    assert_string_equal(k.f[TK_CF_NOTE], "called back");
    audit_of(fx, NULL, id, &au);
    assert_int_equal(au.n, 3);

    /* expected 0: whatever the version; a NULL value empties the field */
    assert_int_equal(ops->case_update(fx->s, id, 0, stale, 2, "suzuki", &v, &fx->err), 0);
    assert_int_equal(v, 3);
    get_case(fx, id, &k);
    assert_string_equal(k.f[TK_CF_STATUS], "closed");
    assert_string_equal(k.f[TK_CF_NOTE], "");
    assert_true(k.updated >= k.created);
    /* the other cases are untouched */
    get_case(fx, l.r[1].c.id, &k);
    assert_int_equal(k.version, 1);

    assert_int_equal(ops->case_update(fx->s, 999999, 0, e, 1, "sato", &v, &fx->err), TK_ENOENT);
    struct tk_case_edit bad = { (enum tk_case_field)TK_CF_COUNT, "x" };
    assert_int_equal(ops->case_update(fx->s, id, 0, &bad, 1, "sato", &v, &fx->err), TK_EINVAL);
}

static void test_contacts(void **state)
{
    struct fx *fx = *state;
    const struct tk_store_ops *ops = fx->s->ops;
    struct tk_campaign c;
    struct rows l;
    create(fx, "kanagawa-2026", &c, &l);
    int64_t id = l.r[1].c.id, v = 0;

    struct tk_contact k1 = {
        .date = "2026-11-10", .channel = "phone", .who = "Sato", .note = "left a message"
    };
    assert_int_equal(ops->contact_add(fx->s, id, 1, &k1, "analyst", &v, &fx->err), 0);
    assert_int_equal(v, 2); /* one version for the contact and the status it moved */
    struct rows au;
    audit_of(fx, NULL, id, &au);
    assert_int_equal(au.n, 3);
    check_audit(&au, 1, "analyst", "contact", "", "2026-11-10 phone Sato: left a message", 2);
    check_audit(&au, 2, "analyst", "status", "identified", "contacted", 2);

    /* an earlier entry: no status change any more, and first_contact follows the date */
    struct tk_contact k2 = { .date = "2026-11-05", .channel = "email", .who = "", .note = "" };
    assert_int_equal(ops->contact_add(fx->s, id, 2, &k2, "analyst", &v, &fx->err), 0);
    assert_int_equal(v, 3);
    audit_of(fx, NULL, id, &au);
    assert_int_equal(au.n, 4);
    check_audit(&au, 3, "analyst", "contact", "", "2026-11-05 email", 3);
    struct tk_case k;
    get_case(fx, id, &k);
    assert_string_equal(k.f[TK_CF_STATUS], "contacted");
    assert_int_equal(k.version, 3);
    assert_int_equal(k.first_contact, tk_time_from_civil(2026, 11, 5, 0, 0, 0));

    /* stale: refused, no entry added */
    assert_int_equal(ops->contact_add(fx->s, id, 2, &k1, "analyst", &v, &fx->err), TK_ECONFLICT);
    assert_int_equal(v, 3);
    struct rows cs = { 0 };
    assert_int_equal(ops->case_contacts(fx->s, NULL, id, &fx->a, add_contact, &cs, &fx->err), 0);
    assert_int_equal(cs.n, 2);
    assert_string_equal(cs.r[0].k.date, "2026-11-05");
    assert_string_equal(cs.r[1].k.date, "2026-11-10");
    assert_string_equal(cs.r[1].k.who, "Sato");
    assert_string_equal(cs.r[1].k.created_by, "analyst");
    memset(&cs, 0, sizeof cs);
    assert_int_equal(ops->case_contacts(fx->s, c.name, 0, &fx->a, add_contact, &cs, &fx->err), 0);
    assert_int_equal(cs.n, 2);
    assert_int_equal(ops->contact_add(fx->s, 999999, 0, &k1, "analyst", &v, &fx->err), TK_ENOENT);
    /* another case of the campaign has no contact */
    get_case(fx, l.r[0].c.id, &k);
    assert_int_equal(k.first_contact, 0);
}

static void test_devices(void **state)
{
    struct fx *fx = *state;
    const struct tk_store_ops *ops = fx->s->ops;
    struct tk_campaign c, other;
    create(fx, "kanagawa-2026", &c, NULL);
    create(fx, "other", &other, NULL);
    struct rows all = { 0 }, od = { 0 };
    assert_int_equal(ops->case_devices(fx->s, c.id, 0, &fx->a, add_device, &all, &fx->err), 0);
    assert_int_equal(ops->case_devices(fx->s, other.id, 0, &fx->a, add_device, &od, &fx->err), 0);
    assert_int_equal(all.n, 5);
    int64_t acme = all.case_id[0], beta = all.case_id[3];

    struct tk_device_update u1[] = { { all.r[0].d.id, "fixed", 1000 },
                                     { all.r[1].d.id, "gone", 2000 } };
    assert_int_equal(ops->device_states(fx->s, c.id, u1, 2, "verifier", &fx->err), 0);
    struct tk_case k;
    get_case(fx, acme, &k);
    assert_int_equal(k.version, 2); /* once for both devices */
    assert_int_equal(k.nfixed, 1);
    assert_int_equal(k.ngone, 1);
    assert_int_equal(k.nvulnerable, 1);
    assert_int_equal(k.resolved_at, 0);
    struct rows au;
    audit_of(fx, NULL, acme, &au);
    assert_int_equal(au.n, 3);
    check_audit(&au, 1, "verifier", "device", "203.0.113.5:443 vulnerable", "203.0.113.5:443 fixed",
                2);
    check_audit(&au, 2, "verifier", "device", "203.0.113.6:443 vulnerable", "203.0.113.6:443 gone",
                2);

    /* the last vulnerable device fixed: resolved at the latest state time; a device already
     * in the state given changes nothing */
    struct tk_device_update u2[] = { { all.r[2].d.id, "fixed", 1500 },
                                     { all.r[0].d.id, "fixed", 9999 },
                                     { all.r[3].d.id, "fixed", 3000 } };
    assert_int_equal(ops->device_states(fx->s, c.name, u2, 3, "verifier", &fx->err), 0);
    get_case(fx, acme, &k);
    assert_int_equal(k.version, 3);
    assert_int_equal(k.nvulnerable, 0);
    assert_int_equal(k.resolved_at, 2000);
    get_case(fx, beta, &k);
    assert_int_equal(k.version, 2);
    assert_int_equal(k.resolved_at, 3000);
    struct rows d = { 0 };
    assert_int_equal(ops->case_devices(fx->s, NULL, acme, &fx->a, add_device, &d, &fx->err), 0);
    assert_int_equal(d.r[0].d.state_at, 1000); /* not moved by the repeat */
    assert_string_equal(d.r[2].d.state, "fixed");

    /* a device of another campaign: refused, and the valid change before it is not kept */
    int64_t anon_dev_id = all.r[4].d.id;
    struct tk_device_update u3[] = { { anon_dev_id, "fixed", 4000 },
                                     { od.r[0].d.id, "fixed", 4000 } };
    assert_int_equal(ops->device_states(fx->s, c.id, u3, 2, "verifier", &fx->err), TK_EINVAL);
    assert_non_null(strstr(fx->err.msg, "is not one of campaign"));
    struct rows l;
    list_cases(fx, c.id, &l);
    assert_int_equal(l.r[2].c.nvulnerable, 1);
    assert_int_equal(l.r[2].c.version, 1);
    list_cases(fx, other.id, &l);
    assert_int_equal(l.r[0].c.nfixed, 0);
    struct tk_device_update u4[] = { { 999999, "fixed", 1 } };
    assert_int_equal(ops->device_states(fx->s, c.id, u4, 1, "verifier", &fx->err), TK_EINVAL);
    struct tk_device_update u5[] = { { anon_dev_id, "patched", 1 } };
    assert_int_equal(ops->device_states(fx->s, c.id, u5, 1, "verifier", &fx->err), TK_EINVAL);
    assert_int_equal(ops->device_states(fx->s, "nope", u4, 1, "verifier", &fx->err), TK_ENOENT);
}

static int user_version(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/tenken.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_reopen_and_migrate(void **state)
{
    struct fx *fx = *state;
    struct tk_campaign c, got;
    struct tk_org o = { .max_endpoints = 3 };
    snprintf(o.name, sizeof o.name, "acme");
    assert_int_equal(fx->s->ops->org_add(fx->s, &o, "h1", &fx->err), 0);
    create(fx, "kanagawa-2026", &c, NULL);
    /* a bundle kept as plain JSON, as every version before 8 kept them */
    static const char text[] = "{\"bundle\":1}";
    struct tk_upload u = {
        .bundle_id = "00000000-0000-4000-8000-000000000001", .endpoint_id = "e1",
        .hostname = "pc1", .source = "", .received = 1, .collected = 1,
        .json = text, .json_len = sizeof text - 1,
    };
    enum tk_upload_result res;
    assert_int_equal(fx->s->ops->bundle_put(fx->s, o.id, &u, &res, &fx->err), 0);
    assert_int_equal(res, TK_UPLOAD_STORED);
    tk_store_close(fx->s);
    fx->s = NULL;
    assert_int_equal(user_version(fx->dir), 8);

    assert_int_equal(tk_store_open(&fx->s, fx->dir, &fx->err), 0);
    assert_int_equal(fx->s->ops->campaign_get(fx->s, c.id, &fx->a, &got, &fx->err), 0);
    assert_int_equal(got.devices, 5);
    struct rows l;
    list_cases(fx, c.id, &l);
    assert_int_equal(l.n, 3);
    tk_store_close(fx->s);
    fx->s = NULL;

    /* back to a version 5 database (no campaign tables, keys without the campaigns scope),
     * then opened: migrated to the current version */
    char path[128];
    snprintf(path, sizeof path, "%s/tenken.db", fx->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE camp_audit; DROP TABLE camp_contact;"
                                  " DROP TABLE camp_device; DROP TABLE camp_case;"
                                  " DROP TABLE campaign; ALTER TABLE apikey DROP COLUMN campaigns;"
                                  " ALTER TABLE bundle DROP COLUMN gzip; PRAGMA user_version=5;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(user_version(fx->dir), 5);
    assert_int_equal(tk_store_open(&fx->s, fx->dir, &fx->err), 0);
    assert_int_equal(user_version(fx->dir), 8);
    struct tk_stored_bundle sb = { .json = TK_BUF_INIT(1 << 20) };
    assert_int_equal(fx->s->ops->bundle_get(fx->s, u.bundle_id, &sb, &fx->err), 0);
    assert_int_equal(sb.json.len, sizeof text - 1);
    assert_memory_equal(sb.json.ptr, text, sizeof text - 1);
    tk_buf_release(&sb.json);
    struct tk_org og;
    assert_int_equal(fx->s->ops->org_get(fx->s, "acme", &og, &fx->err), 0);
    assert_int_equal(fx->s->ops->campaign_get(fx->s, c.id, &fx->a, &got, &fx->err), TK_ENOENT);
    create(fx, "kanagawa-2026", &c, &l);
    assert_int_equal(l.n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contacts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_and_migrate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
