/* campaign.h - notification campaigns (seed 002): from the vulnerable devices a surface survey
 * found to the organisations contacted about them, what each did, and the statistics that are
 * published afterwards.
 *
 * A campaign holds one case per organisation (or per address when no organisation is known).
 * A case holds its devices (address, port, product, version, CVEs) and the fields an analyst
 * edits: status, outcome, awareness, state at notification, who manages the device, delay
 * reasons, follow-up date, notes. The fields are described once, in tk_case_fields: the
 * command line, spreadsheets, web forms and the audit trail all read that table, so a field
 * is added in one place. Every change is audited (who, when, before -> after), and a change
 * names the case version it was made against: a case changed since is refused (TK_ECONFLICT),
 * never silently overwritten.
 *
 * Storage is the store layer's (store/store.h, campaign operations); this module holds the
 * model, reading a surface result into cases, verification against a newer result, and the
 * statistics. */
#ifndef TK_CAMPAIGN_CAMPAIGN_H
#define TK_CAMPAIGN_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/map.h"

/* ---- the editable fields of a case ----------------------------------------------------- */

enum tk_case_field {
    TK_CF_STATUS,       /* identified -> contacted -> responded -> closed */
    TK_CF_OUTCOME,      /* remediated, in-progress, not-started, declined, unreachable */
    TK_CF_AWARE,        /* knew an upgrade was needed: yes, no, unknown */
    TK_CF_AT_NOTICE,    /* state at notification: already-done, in-progress, not-started */
    TK_CF_MANAGER,      /* who manages the device: in-house, vendor, affiliate, unknown */
    TK_CF_REASONS,      /* delay reasons: a comma-separated set from the taxonomy */
    TK_CF_REASON_NOTE,  /* free text about the reasons */
    TK_CF_FOLLOW_UP,    /* YYYY-MM-DD, or empty */
    TK_CF_CONTACT_NAME, /* whom to contact at the organisation */
    TK_CF_NOTE,         /* free text */
    TK_CF_COUNT
};

enum tk_field_kind {
    TK_FK_CHOICE, /* one of values[] */
    TK_FK_SET,    /* a comma-separated set of values[] (each once, in table order) */
    TK_FK_TEXT,   /* free text, at most TK_CASE_TEXT_MAX bytes of UTF-8 */
    TK_FK_DATE,   /* YYYY-MM-DD or empty */
};

#define TK_CASE_TEXT_MAX 4000

struct tk_case_field_def {
    const char *name; /* as on the command line, in CSV headers and JSON: "aware" */
    enum tk_field_kind kind;
    const char *const *values;    /* CHOICE and SET: NULL-terminated machine names */
    const char *const *values_en; /* labels in reports, parallel to values */
    const char *const *values_ja;
    const char *label_en, *label_ja;
    const char *initial; /* the value of a new case */
};

extern const struct tk_case_field_def tk_case_fields[TK_CF_COUNT];

/* The field named name, or -1. */
int tk_case_field_find(const char *name);

/* Checks value for field f and puts its normal form into out (cap bytes): choices and set
 * members matched without regard to case, also by their English or Japanese label; a set
 * sorted into table order without repeats; text trimmed. 0, or TK_EINVAL with err saying
 * which values are allowed. */
int tk_case_field_normalize(enum tk_case_field f, const char *value, char *out, size_t cap,
                            struct tk_err *err);

/* The label of a value of a CHOICE or SET field (one member) in lang ("ja" or "en"), or value
 * itself. */
const char *tk_case_value_label(enum tk_case_field f, const char *value, const char *lang);

/* ---- what the store holds -------------------------------------------------------------- */

#define TK_CAMPAIGN_NAME_MAX 64

struct tk_campaign {
    char id[40]; /* public id (UUID v4) */
    char name[TK_CAMPAIGN_NAME_MAX + 1];
    const char *source; /* what it was made from: "identify.jsonl (2026-11-01)"; arena */
    const char *filter; /* the filter, as given: "prefecture=JP-14 kev-only"; arena */
    int64_t created;
    const char *created_by;
    int64_t cases, devices; /* counts, filled by campaign_get / campaign_list */
};

/* One device of a case. state: "vulnerable" (as found), "fixed" (seen again, no longer
 * affected), "gone" (not seen again at that address and port). */
struct tk_case_device {
    int64_t id;
    const char *ip;
    int port;
    const char *vendor, *product, *version, *precision, *verdict;
    const char *cves; /* JSON array as the surface record had it: [{"id":..,"kev":..}, ...] */
    bool kev;
    const char *state;
    int64_t state_at; /* when the state was last set (0: at creation) */
    const char *seen; /* the surface record's "seen" time, ISO 8601, or NULL */
};

struct tk_case {
    int64_t id; /* unique in the store, shown to users: "case 12" */
    char campaign_id[40];
    const char *org_key;  /* org id from the directory, or "ip:ADDRESS" when unattributed */
    const char *org_name; /* name, or NULL when unattributed */
    const char *corporate_number, *prefecture; /* "JP-14" or NULL */
    int64_t version;                           /* starts at 1, +1 with every change */
    int64_t created, updated;
    const char *f[TK_CF_COUNT]; /* the fields, in normal form ("" when empty) */
    /* filled by case_list / case_get from the devices */
    int ndevices, nvulnerable, nfixed, ngone, nkev;
    int64_t first_contact; /* the earliest contact entry's date (seconds), 0 when none */
    int64_t resolved_at;   /* when the last vulnerable device became fixed or gone, 0 */
    const char *products;  /* "Fortinet FortiGate, Ivanti Connect Secure" */
};

/* Every device of c is fixed or gone and c is not closed yet: it can be closed. */
bool tk_case_close_suggested(const struct tk_case *c);

struct tk_contact {
    int64_t id;
    const char *date;    /* YYYY-MM-DD */
    const char *channel; /* phone, email, visit, letter, other */
    const char *who;     /* the analyst or officer who made the contact */
    const char *note;
    int64_t created;
    const char *created_by;
};

/* One audit row: field is a tk_case_fields name, "contact", "device" or "case". */
struct tk_audit {
    int64_t at;
    const char *who, *field, *before, *after;
    int64_t case_id, version; /* the case version the change produced */
};

/* One field change of case_update. */
struct tk_case_edit {
    enum tk_case_field field;
    const char *value; /* normal form (tk_case_field_normalize) */
};

/* A case to create: its organisation and devices. */
struct tk_case_new {
    const char *org_key, *org_name, *corporate_number, *prefecture;
    const struct tk_case_device *devices;
    size_t ndevices;
};

/* A device's new state after verification. */
struct tk_device_update {
    int64_t device_id;
    const char *state;
    int64_t at; /* when it was observed so (the newer dataset's time), seconds */
};

extern const char *const tk_contact_channels[]; /* NULL-terminated */

/* ---- a new campaign from a surface result (draft.c) ------------------------------------ */

#define TK_CAMPAIGN_MAX_CASES 1000000
#define TK_CAMPAIGN_MAX_DEVICES 10000000
#define TK_CAMPAIGN_MAX_CHECKED 50000000
#define TK_CAMPAIGN_FIELD_MAX 1024 /* bytes of a text field taken from a surface result */

/* Which devices of a `tenken surface identify` result become cases. Only records a
 * fingerprint identified are taken, and by default only those judged affected or possibly
 * affected. */
struct tk_campaign_filter {
    int prefecture;      /* 1..47: the organisation's prefecture, else the address's; 0 any */
    bool kev_only;       /* only devices with a known-exploited CVE */
    const char *product; /* product or vendor contains this (any case); NULL any */
    bool all;            /* every identified device, whatever its verdict */
};

/* The cases read so far: one per organisation (by the directory's org id), or per address
 * when the record names no organisation. */
struct tk_campaign_draft {
    struct tk_arena arena;
    struct tk_case_new *cases; /* devices set by tk_campaign_draft_finish */
    size_t ncases, cap_cases;
    struct tk_case_device *devs, *sorted;
    size_t *dev_case;
    size_t ndevs, cap_devs, cap_dev_case;
    struct tk_map by_key, services; /* cases by org key; address|port already taken */
    uint64_t records, duplicates, unattributed, bad; /* unattributed: cases keyed by address */
    char first_bad[256];                             /* "FILE:LINE: reason" of the first bad line */
};

void tk_campaign_draft_init(struct tk_campaign_draft *d);
void tk_campaign_draft_release(struct tk_campaign_draft *d);
/* Reads one identify JSONL file (plain or gzip); malformed lines are counted, not fatal. */
int tk_campaign_draft_read(struct tk_campaign_draft *d, const char *path,
                           const struct tk_campaign_filter *f, struct tk_err *err);
/* Gives each case its devices (by address and port); after the last read. */
int tk_campaign_draft_finish(struct tk_campaign_draft *d, struct tk_err *err);

/* ---- verification against a newer result (draft.c) -------------------------------------- */

/* The services of a newer identify result: for each address and port, whether it is still
 * judged affected or possibly affected, and when it was seen. */
struct tk_campaign_check {
    struct tk_map seen;
    int64_t latest; /* the newest "seen" of the result: when a missing service counts gone */
    uint64_t records, bad;
    char first_bad[256];
};

void tk_campaign_check_init(struct tk_campaign_check *c);
void tk_campaign_check_release(struct tk_campaign_check *c);
int tk_campaign_check_read(struct tk_campaign_check *c, const char *path, struct tk_err *err);
/* "vulnerable" (still affected), "fixed" (identified and judged not affected), "gone" (not in
 * the result), or NULL when the result saw the service but could not judge it (no product
 * identified, or verdict unknown: the device keeps its state); in *at when it was observed
 * so. Addresses are compared in canonical form. */
const char *tk_campaign_check_state(const struct tk_campaign_check *c, const char *ip, int port,
                                    int64_t *at);

/* ---- statistics (stats.c) -------------------------------------------------------------- */

#define TK_STATS_MAX_VALUES 16

struct tk_campaign_stats {
    int64_t cases, devices, kev_devices, contacted;
    int64_t count[TK_CF_COUNT][TK_STATS_MAX_VALUES]; /* cases per value of each field */
    int64_t answered[TK_CF_COUNT]; /* cases whose field is known (not "unknown" or empty) */
    /* of the cases that answered whether they knew: did not know; knew, and had upgraded or
     * were upgrading when notified; knew and had not started; knew, state not recorded */
    int64_t unaware, aware_acted, aware_not_acted, aware_state_unknown;
    int64_t devices_vulnerable, devices_fixed, devices_gone, cases_exposed;
    /* days from the first contact to the last device fixed or gone, per resolved case */
    double *days;
    size_t ndays, cap_days;
    double days_median, days_mean, days_max;
};

void tk_campaign_stats_init(struct tk_campaign_stats *st);
void tk_campaign_stats_release(struct tk_campaign_stats *st);
int tk_campaign_stats_add(struct tk_campaign_stats *st, const struct tk_case *c); /* ENOMEM */
void tk_campaign_stats_finish(struct tk_campaign_stats *st);
/* part / whole, NaN when whole is 0 (written as null). */
double tk_campaign_share(int64_t part, int64_t whole);
/* What a field's shares are of: all cases for status and outcome, the cases that answered
 * for the others. */
int64_t tk_campaign_field_whole(const struct tk_campaign_stats *st, enum tk_case_field f);
/* The share of value i of field f; NaN for "unknown" (not an answer) and empty wholes. */
double tk_campaign_value_share(const struct tk_campaign_stats *st, enum tk_case_field f, int i);
/* The campaign named ref (id or name) into *c and its statistics, finished, into *st (after
 * tk_campaign_stats_init); with cases not NULL also its cases (a tk_free'd array, strings in
 * a). The one way the command line, the report and the web pages read them. 0, TK_ENOENT
 * for an unknown campaign, or the store's error, with err set. */
struct tk_store;
int tk_campaign_stats_load(struct tk_store *s, const char *ref, struct tk_arena *a,
                           struct tk_campaign *c, struct tk_campaign_stats *st,
                           struct tk_case **cases, size_t *ncases, struct tk_err *err);

struct tk_json;
void tk_campaign_stats_json(const struct tk_campaign_stats *st, struct tk_json *w);

/* The statistics as an XLSX workbook at path (a summary sheet; every field's breakdown with a
 * bar chart), labels in Japanese (ja) or English. 0 or TK_EIO. */
int tk_campaign_stats_xlsx(const struct tk_campaign *c, const struct tk_campaign_stats *st, bool ja,
                           const char *path, struct tk_err *err);

/* ---- the report (report.c) ----------------------------------------------------------- */

struct tk_buf;
/* The statistics as one self-contained HTML page with SVG charts, Japanese (ja) or English,
 * appended to out; with cases (NULL for a page to publish: no organisation named) a table
 * of them. 0, TK_ENOMEM or TK_ELIMIT. */
int tk_campaign_write_html(const struct tk_campaign *c, const struct tk_campaign_stats *st,
                           const struct tk_case *cases, size_t ncases, bool ja, int64_t generated,
                           struct tk_buf *out);

#endif
