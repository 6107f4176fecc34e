/* match.h - judging inventory against the knowledge base.
 *
 * A matcher loads the catalog and curated facts once and answers for any number of bundles
 * (the server reuses one). For each bundle it identifies catalogued products among the
 * inventory items, normalises their versions, and adds findings: vulnerable ranges from
 * the curated data and NVD configurations, distro advisories (OSV) for dpkg packages by
 * source package, and outdated / unsupported / end-of-life products. Every finding names
 * the item, the version compared and the rule that matched. */
#ifndef TK_KB_MATCH_H
#define TK_KB_MATCH_H

#include "bundle/bundle.h"
#include "kb/kb.h"

struct tk_matcher;

/* The KB must outlive the matcher. *out is freed with tk_matcher_free. */
int tk_matcher_new(struct tk_matcher **out, struct tk_kb *kb, struct tk_err *err);
void tk_matcher_free(struct tk_matcher *m);

/* Adds the vulnerability findings of b. 0 or TK_ENOMEM / TK_EIO. */
int tk_match_bundle(struct tk_matcher *m, struct tk_bundle *b, struct tk_err *err);

/* "knowledge as of": the newest date among the KB's sources, e.g. "2025-08-25" (borrowed,
 * valid while the matcher lives), or NULL. */
const char *tk_matcher_kb_date(const struct tk_matcher *m);

/* The catalog product an inventory item is, or NULL; with the version it would be compared
 * at (into out). For `tenken kb search` and tests. */
const char *tk_matcher_identify(struct tk_matcher *m, const struct tk_item *it,
                                struct tk_buf *version);

#endif
