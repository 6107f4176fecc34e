/* bundle_read.h - reading a bundle back from its JSON form, so a saved bundle can be judged
 * again (tenken analyze, the server). What was seen is read; findings are not, since
 * analysis derives them anew. */
#ifndef TK_BUNDLE_BUNDLE_READ_H
#define TK_BUNDLE_BUNDLE_READ_H

#include "bundle/bundle.h"

#define TK_BUNDLE_READ_MAX ((size_t)512 << 20)

/* Parses JSON text (name for messages) into b, which must be freshly initialised with
 * tk_bundle_init (its bundle_id is replaced by the document's). On error b holds what was
 * read so far and err says where, as "name: /json/pointer: reason". */
int tk_bundle_read_json(struct tk_bundle *b, const char *text, size_t n, const char *name,
                        struct tk_err *err);

/* Reads a bundle file (plain or gzip). */
int tk_bundle_read_file(struct tk_bundle *b, const char *path, struct tk_err *err);

#endif
