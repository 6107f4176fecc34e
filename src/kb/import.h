/* import.h - feed importers: each turns one public feed into KB rows inside a single
 * transaction (a bad feed changes nothing) and stamps the source. One table lists them, so
 * `tenken kb import NAME` and its help come from the same place. */
#ifndef TK_KB_IMPORT_H
#define TK_KB_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "kb/kb.h"

struct tk_import_stats {
    int64_t records;  /* CVEs, KEV entries, scores, advisories … */
    int64_t rows;     /* rows written */
    int64_t skipped;  /* records left out (rejected CVEs, withdrawn advisories) */
    uint64_t bytes;   /* input bytes read (decompressed) */
    const char *what; /* unit of `records`, static */
};

/* Progress: called now and then with the records so far; may be NULL. */
typedef void (*tk_import_progress_fn)(void *ud, const struct tk_import_stats *s);

struct tk_importer {
    const char *name;
    const char *args; /* e.g. "FILE|DIR" */
    const char *help;
    int (*run)(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
               tk_import_progress_fn progress, void *ud, struct tk_err *err);
};

extern const struct tk_importer tk_importers[];
extern const size_t tk_nimporters;
const struct tk_importer *tk_importer_find(const char *name);

int tk_import_kev(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                  tk_import_progress_fn progress, void *ud, struct tk_err *err);
int tk_import_epss(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                   tk_import_progress_fn progress, void *ud, struct tk_err *err);
int tk_import_osv(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                  tk_import_progress_fn progress, void *ud, struct tk_err *err);
int tk_import_jvn(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                  tk_import_progress_fn progress, void *ud, struct tk_err *err);
int tk_import_nvd(struct tk_kb *kb, const char *path, struct tk_import_stats *stats,
                  tk_import_progress_fn progress, void *ud, struct tk_err *err);

#endif
