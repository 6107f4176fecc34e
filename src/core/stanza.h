/* stanza.h - the "field: value" stanza syntax of tenken's data files (deb822-like): stanzas
 * separated by blank lines, '#' comment lines, continuation lines starting with a blank,
 * repeatable fields. Used for the finding catalog, the product catalog and curated
 * vulnerability files. */
#ifndef TK_CORE_STANZA_H
#define TK_CORE_STANZA_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

struct tk_stanza_field {
    struct tk_str name;
    struct tk_str value; /* continuation lines joined with one space (in `joined`) */
    size_t line;
};

struct tk_stanza {
    struct tk_stanza_field *f;
    size_t n, cap;
    size_t line;          /* first line */
    struct tk_buf joined; /* storage for values with continuation lines */
};

/* Called once per stanza; fields are valid for the duration of the call. Non-zero stops. */
typedef int (*tk_stanza_fn)(void *ud, const struct tk_stanza *s, struct tk_err *err);

/* Parses text (named `name` in messages). Returns 0, the callback's value, or TK_EPARSE with
 * err naming name:line. */
int tk_stanza_parse(struct tk_str text, const char *name, tk_stanza_fn fn, void *ud,
                    struct tk_err *err);

/* The first value of a field, or an empty slice. */
struct tk_str tk_stanza_get(const struct tk_stanza *s, const char *field);
size_t tk_stanza_count(const struct tk_stanza *s, const char *field);

#endif
