/* trend.h - two datasets of device records compared: exposed services counted by port,
 * product, country, exposure, verdict and known exploited vulnerability, in OLD and in NEW,
 * and the change between them (`tenken surface trend`).
 *
 * A dataset is what `tenken surface identify` writes (docs/observation.md), read as a stream
 * of lines: memory grows with the number of distinct services (ip, port, transport) and
 * distinct keys, never with the input size. A service seen twice in one dataset counts once
 * (its first record that passes the filters decides its keys). OLD is loaded before NEW: the
 * services of NEW are matched against those of OLD as they arrive, which gives the services
 * that appeared and disappeared. Library code: nothing is printed; malformed records go to
 * a callback with their input name and line. docs/trend.md describes the output. */
#ifndef TK_SURFACE_TREND_H
#define TK_SURFACE_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/json.h"
#include "core/str.h"
#include "kb/input.h"

enum tk_trend_side { TK_TREND_OLD, TK_TREND_NEW };

/* The tables, in output order. SERVICES has the fixed keys total, kept, appeared and
 * disappeared; the others have one row per key, sorted by NEW count, then OLD count
 * (both descending), then key. */
enum tk_trend_dim {
    TK_TREND_SERVICES,
    TK_TREND_PORT,     /* "445/tcp" */
    TK_TREND_PRODUCT,  /* "Vendor Product" as identify names it; no key: unidentified */
    TK_TREND_COUNTRY,  /* ISO 3166 alpha-2, upper case; no key: not located */
    TK_TREND_EXPOSURE, /* smb-exposed, rdp-exposed, management-exposed, ... */
    TK_TREND_VERDICT,  /* affected, possibly-affected, not-affected, unknown */
    TK_TREND_KEV,      /* one row: affected or possibly affected by a KEV vulnerability */
    TK_TREND_NDIMS
};

/* "services", "port", ... (static). */
const char *tk_trend_dim_name(enum tk_trend_dim d);

/* Called for each record skipped as malformed: input name, line (from 1), the reason. */
typedef void (*tk_trend_bad_fn)(void *ud, const char *input, uint64_t line, const char *why);

struct tk_trend_opts {
    const char *country; /* only records located in this country (any case); NULL: all */
    const char *product; /* only records whose fingerprint id, KB product or vendor is this
                           * (any case) or whose product name contains it; NULL: all */
    size_t max_services; /* distinct services over both datasets; 0: TK_TREND_MAX_SERVICES */
    size_t max_keys;     /* distinct keys per table; 0: TK_TREND_MAX_KEYS */
    size_t max_line;     /* longest record accepted; 0: 64 MiB */
    tk_trend_bad_fn bad; /* may be NULL */
    void *ud;
};

#define TK_TREND_MAX_SERVICES ((size_t)1 << 24)
#define TK_TREND_MAX_KEYS ((size_t)1 << 18)
/* Longer keys (product names, unknown verdicts, exposures) are cut to this many bytes. */
#define TK_TREND_MAX_KEY 256

/* What was read of one dataset. */
struct tk_trend_stats {
    uint64_t records;      /* non-empty lines */
    uint64_t malformed;    /* skipped: not a device record */
    uint64_t filtered;     /* skipped: not of the country or product asked for */
    uint64_t duplicates;   /* a service already counted in this dataset */
    uint64_t services;     /* distinct services counted */
    uint64_t beyond_limit; /* skipped: a new service past max_services (the counts are short) */
    uint64_t keys_dropped; /* keys not counted: a table past max_keys */
    uint64_t bytes;        /* input bytes (decompressed) */
    int64_t first_seen, last_seen; /* Unix time; valid when has_seen */
    bool has_seen;
};

struct tk_trend_row {
    const char *key; /* NULL: no key (unidentified product, unknown country) */
    size_t keylen;
    uint64_t n[2]; /* count in OLD and in NEW */
};

struct tk_trend;

/* A new comparison; opts is copied (its strings are borrowed for the life of *out). Free
 * with tk_trend_free. 0 or TK_ENOMEM. */
int tk_trend_new(struct tk_trend **out, const struct tk_trend_opts *opts);
void tk_trend_free(struct tk_trend *t); /* NULL is fine */

/* One record (a line of JSON; blank lines are ignored). 0 when it was counted, filtered
 * out, a duplicate or beyond the limit (see the stats); TK_EPARSE when it is malformed (why
 * says how; counted as malformed); TK_ENOMEM; TK_EINVAL for OLD after NEW began or any
 * record after tk_trend_finish. */
int tk_trend_add(struct tk_trend *t, enum tk_trend_side side, struct tk_str line,
                 struct tk_err *why);

/* Reads a whole dataset from rd (see tk_input_read: count, 0 at the end, -1 on error),
 * line by line, through tk_trend_add; malformed lines (also lines longer than max_line) go
 * to opts->bad and reading goes on. 0, TK_EIO for a read error (a truncated gzip stream),
 * TK_ENOMEM, or TK_EINVAL as above; err names the input. */
typedef long (*tk_trend_read_fn)(void *ctx, void *p, size_t n);
int tk_trend_load(struct tk_trend *t, enum tk_trend_side side, tk_trend_read_fn rd, void *ctx,
                  const char *name, struct tk_err *err);

/* Opens a dataset for tk_trend_load with tk_input_read: a file, or "-" for standard input;
 * plain or gzip (recognised by content). Close with tk_input_close. */
int tk_trend_input_open(struct tk_input *in, const char *path, struct tk_err *err);

/* Ends loading: computes the services table and sorts the others. Needed before the rows
 * and the writers; idempotent. */
void tk_trend_finish(struct tk_trend *t);

/* Borrowed, valid until tk_trend_free. */
const struct tk_trend_stats *tk_trend_stats(const struct tk_trend *t, enum tk_trend_side side);
/* The rows of table d after tk_trend_finish; *rows borrowed until tk_trend_free. */
size_t tk_trend_rows(const struct tk_trend *t, enum tk_trend_dim d,
                     const struct tk_trend_row **rows);

/* NEW - OLD, and the change in percent of OLD rounded to one decimal; false (no
 * percentage) when OLD is 0. */
int64_t tk_trend_change(const struct tk_trend_row *r);
bool tk_trend_pct(const struct tk_trend_row *r, double *pct);

enum tk_trend_format { TK_TREND_TEXT, TK_TREND_JSONL, TK_TREND_CSV };
/* "text", "jsonl", "csv"; TK_EINVAL for anything else. */
int tk_trend_format_parse(const char *name, enum tk_trend_format *out);

struct tk_trend_out {
    enum tk_trend_format format;
    const char *names[2]; /* the datasets as the user named them */
    size_t top;           /* text: rows shown per table, the rest summed as "other"; 0: all */
};

/* Writes the comparison (after tk_trend_finish) to sink: text tables, JSON lines or CSV
 * (docs/trend.md). Every string from the input is escaped for its format. 0 or the sink's
 * error (TK_ENOMEM when a row could not be formatted). */
int tk_trend_write(const struct tk_trend *t, const struct tk_trend_out *o, tk_json_sink_fn sink,
                   void *ctx);

#endif
