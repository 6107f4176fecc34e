/* dpkg.h - incremental parser of dpkg's status database (deb-control(5) stanzas).
 *
 * Fed one line at a time, so a status file of any size is parsed in bounded memory. Only
 * the fields the inventory needs are kept; continuation lines and other fields are skipped. */
#ifndef TK_COLLECT_DPKG_H
#define TK_COLLECT_DPKG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

enum tk_dpkg_field {
    TK_DPKG_PACKAGE,
    TK_DPKG_STATUS,
    TK_DPKG_VERSION,
    TK_DPKG_ARCH,
    TK_DPKG_SOURCE,
    TK_DPKG_NFIELDS
};

struct tk_dpkg_parser;
/* Called at the end of each stanza that has a Package field; a non-zero return stops. */
typedef int (*tk_dpkg_fn)(void *ud, const struct tk_dpkg_parser *p);

struct tk_dpkg_parser {
    struct tk_buf f[TK_DPKG_NFIELDS];
    bool seen[TK_DPKG_NFIELDS];
    bool in_stanza;
    size_t stanza_line; /* first line of the current stanza */
    tk_dpkg_fn fn;
    void *ud;
};

void tk_dpkg_parser_init(struct tk_dpkg_parser *p, tk_dpkg_fn fn, void *ud);
void tk_dpkg_parser_release(struct tk_dpkg_parser *p);

/* Returns 0, the callback's non-zero value, or TK_EPARSE with err naming the line (the
 * parser stays usable: the caller records the error and goes on). `name` is used in
 * messages. */
int tk_dpkg_feed(struct tk_dpkg_parser *p, struct tk_str line, const char *name,
                 size_t lineno, struct tk_err *err);
int tk_dpkg_finish(struct tk_dpkg_parser *p, const char *name, struct tk_err *err);

/* Value of a field in the current stanza (empty when absent). */
struct tk_str tk_dpkg_get(const struct tk_dpkg_parser *p, enum tk_dpkg_field f);

/* The package state: third word of "Status: install ok installed". */
struct tk_str tk_dpkg_state(const struct tk_dpkg_parser *p);

/* Source package name and version: "Source: glibc (2.36-9)"; falls back to the binary
 * package's own name and version. */
void tk_dpkg_source(const struct tk_dpkg_parser *p, struct tk_str *name, struct tk_str *version);

#endif
