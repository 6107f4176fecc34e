/* bundle_json.h - writing a bundle in the versioned JSON format (docs/bundle.md). */
#ifndef TK_BUNDLE_BUNDLE_JSON_H
#define TK_BUNDLE_BUNDLE_JSON_H

#include "bundle/bundle.h"
#include "core/json.h"

/* Writes the whole bundle as one JSON object; returns tk_json_finish's result. */
int tk_bundle_write_json(const struct tk_bundle *b, struct tk_json *w);

/* Writes only the "findings" member (key and array), for reports of re-judged bundles. */
void tk_bundle_write_findings(const struct tk_bundle *b, struct tk_json *w);

/* Writes one detection object (also used for JSON lines of hits as they are found). */
void tk_bundle_write_detection(const struct tk_detection *d, struct tk_json *w);
void tk_bundle_write_trace(const struct tk_trace *t, struct tk_json *w);

/* Writes the bundle to path atomically (pretty-printed); err names the path on failure. */
int tk_bundle_write_file(const struct tk_bundle *b, const char *path, struct tk_err *err);

#endif
