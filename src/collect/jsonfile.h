/* jsonfile.h - reading JSON files found on the scanned system (manifests, profiles, build
 * info) with a size bound, and the small lookups collectors need on the result. */
#ifndef TK_COLLECT_JSONFILE_H
#define TK_COLLECT_JSONFILE_H

#include <jansson.h>

#include "collect/collect.h"
#include "core/jsonval.h"

/* Reads and parses path (at most max bytes). On success *out is a new reference the caller
 * releases with json_decref. A missing file returns TK_ENOENT silently; anything else
 * (unreadable, too large, malformed: with line and column) is recorded in the bundle's
 * errors and returned. */
int tk_collect_json(struct tk_collect_ctx *ctx, const char *path, size_t max, json_t **out);


#endif
