/* jsonval.h - whole-document JSON parsing with positions in errors, and small lookups, on
 * jansson. For streams of any size use jsonr.h instead. */
#ifndef TK_CORE_JSONVAL_H
#define TK_CORE_JSONVAL_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

/* Parses JSON text (a UTF-8 byte-order mark is skipped); on failure fills err with
 * "name:line:column: reason". *out is a new reference. */
int tk_json_parse(const char *text, size_t n, const char *name, json_t **out, struct tk_err *err);

/* The string at a dotted path of object keys ("a.b.c"), or NULL. Borrowed from j. */
const char *tk_json_get_str(const json_t *j, const char *dotted);

#endif
