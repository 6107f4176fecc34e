/* summary.h - the survey in numbers: devices counted by product, version, vulnerability,
 * prefecture and organisation, as `tenken surface identify --summary` writes them and the
 * spreadsheet's summary sheets show them.
 *
 * Devices are added from any number of threads (a mutex inside); the tables are read after
 * the last add. Keys are untrusted text (product names and versions come from the devices):
 * writers escape them. */
#ifndef TK_SURFACE_SUMMARY_H
#define TK_SURFACE_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "surface/assess.h"

enum tk_sum_dim {
    TK_SUM_PRODUCT,    /* key: vendor, product */
    TK_SUM_VERSION,    /* key: vendor, product, version ("" when undetermined) */
    TK_SUM_CVE,        /* key: CVE id, "kev" or "", severity */
    TK_SUM_PREFECTURE, /* key: "JP-14", 神奈川県 / Kanagawa filled in by the writer */
    TK_SUM_ORG,        /* key: org id, name, prefecture ("JP-14" or "") */
    TK_SUM_DIMS
};

/* One line of a table: the key's parts and the services counted under it. For TK_SUM_CVE,
 * affected and possibly count services the CVE applies to in that way, kev is unused. */
struct tk_sum_row {
    const char *key[3];
    uint64_t services, affected, possibly, kev;
};

struct tk_sum_totals {
    uint64_t services, identified, affected, possibly, not_affected, kev, attributed;
    uint64_t smb, rdp, management;
};

/* The totals by name, for writers: the JSON key, English and Japanese labels, and where
 * the count is in struct tk_sum_totals. */
struct tk_sum_total_field {
    const char *key, *en, *ja;
    size_t offset;
};
extern const struct tk_sum_total_field tk_sum_total_fields[];
extern const size_t tk_sum_ntotal_fields;
static inline uint64_t tk_sum_total(const struct tk_sum_totals *t, size_t i)
{
    return *(const uint64_t *)(const void *)((const char *)t + tk_sum_total_fields[i].offset);
}

struct tk_summary;

struct tk_summary *tk_summary_new(void); /* NULL when out of memory */
void tk_summary_free(struct tk_summary *s);
/* Counts one device; 0, TK_ENOMEM, or TK_ELIMIT past 1M keys per table (then counted in
 * the totals only). */
int tk_summary_add(struct tk_summary *s, const struct tk_device *d);

void tk_summary_totals(const struct tk_summary *s, struct tk_sum_totals *t);
/* The rows of a table, most services first (then by key); borrowed until the next add or
 * the free. */
const struct tk_sum_row *tk_summary_table(struct tk_summary *s, enum tk_sum_dim dim, size_t *n);
const char *tk_sum_dim_name(enum tk_sum_dim dim); /* "product", "version", ... */

/* {"totals": {...}, "product": [...], "version": [...], "vulnerability": [...],
 *  "prefecture": [...], "organisation": [...]} */
void tk_summary_write_json(struct tk_summary *s, struct tk_json *w);

#endif
