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

/* Scoped allocation for jansson. Between tk_json_scope_begin and tk_json_scope_end, every
 * jansson allocation on the calling thread comes from a per-thread arena and frees are
 * free: a document of 10^5 nodes is released at once instead of node by node, and the
 * memory is reused by the thread's next scope. Documents parsed inside a scope must be
 * released (json_decref) before it ends and must not be handed to another thread. Scopes
 * nest (only the outermost counts). tk_json_alloc_install must run once before threads
 * start (main does; tk_json_scope_begin installs it too for single-threaded programs).
 * Under AddressSanitizer scopes do nothing, so jansson's allocations stay checked. */
void tk_json_alloc_install(void);
void tk_json_scope_begin(void);
void tk_json_scope_end(void);

/* The string at a dotted path of object keys ("a.b.c"), or NULL. Borrowed from j. */
const char *tk_json_get_str(const json_t *j, const char *dotted);

#endif
