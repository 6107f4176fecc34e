/* kb.h - the knowledge base: one SQLite file, versioned schema, stamped with every source.
 *
 * The KB holds the facts tenken ships (product catalog, curated vulnerable ranges, KEV) and
 * what the user imports (NVD, KEV, EPSS, OSV, JVN). It is the only place in tenken that
 * speaks SQL about vulnerabilities: importers and the matcher in src/kb/ use it through
 * prepared statements. Without a KB file, tenken uses the built-in one compiled into the
 * binary (read-only, in memory). */
#ifndef TK_KB_KB_H
#define TK_KB_KB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define TK_KB_SCHEMA_VERSION 1

struct tk_kb;
struct sqlite3;

enum {
    TK_KB_READONLY = 1, /* open for matching and queries only */
    TK_KB_CREATE = 2,   /* create the file (and its directory) when missing */
};

/* Opens (or creates) a KB file; *out is closed with tk_kb_close. A file with another
 * schema version is refused with a message saying what to do. */
int tk_kb_open(struct tk_kb **out, const char *path, unsigned flags, struct tk_err *err);

/* Opens an in-memory KB from a serialized image (the built-in KB). The image must stay
 * valid while the KB is open; with TK_KB_READONLY it is used in place, otherwise copied. */
int tk_kb_open_image(struct tk_kb **out, const void *image, size_t n, unsigned flags,
                     struct tk_err *err);

/* Writes a copy of the whole KB to path (atomically); used to start a user KB from the
 * built-in one and by the build to produce the image. */
int tk_kb_save(struct tk_kb *kb, const char *path, struct tk_err *err);

void tk_kb_close(struct tk_kb *kb);

/* Human name of the KB for messages: its path, or "built-in". Borrowed. */
const char *tk_kb_name(const struct tk_kb *kb);

/* $XDG_DATA_HOME/tenken/kb.sqlite (or ~/.local/share/tenken/kb.sqlite) into out. */
int tk_kb_default_path(struct tk_buf *out);

/* One transaction around an import: begin, then commit or roll back. */
int tk_kb_begin(struct tk_kb *kb, struct tk_err *err);
int tk_kb_commit(struct tk_kb *kb, struct tk_err *err);
void tk_kb_rollback(struct tk_kb *kb);

/* Records where a source's data came from and when ("knowledge as of"). */
struct tk_kb_source {
    const char *name;    /* nvd, kev, epss, osv, jvn, builtin */
    const char *version; /* catalog version, EPSS model, … (may be NULL) */
    const char *date;    /* the data's own date, YYYY-MM-DD or RFC 3339 */
    const char *file;    /* what was imported (may be NULL) */
    int64_t records;
};
int tk_kb_source_set(struct tk_kb *kb, const struct tk_kb_source *src, struct tk_err *err);

/* Calls fn for every source, ordered by name. Strings are valid during the call. */
int tk_kb_sources(struct tk_kb *kb, int (*fn)(void *ud, const struct tk_kb_source *src),
                  void *ud, struct tk_err *err);

/* The database handle, for the importers and the matcher in src/kb/ only. Borrowed. */
struct sqlite3 *tk_kb_db(struct tk_kb *kb);

/* Runs SQL without results (schema work); err names the KB. */
int tk_kb_exec(struct tk_kb *kb, const char *sql, struct tk_err *err);

#endif
