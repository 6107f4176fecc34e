/* analyze.h - judging a bundle: from what was seen to findings.
 *
 * A pure function of the bundle (and, later, the knowledge base): `tenken scan`,
 * `tenken analyze` and the server all call tk_analyze, so a saved bundle re-judged with a
 * newer knowledge base gives the same answer the collector would give today. */
#ifndef TK_ANALYZE_ANALYZE_H
#define TK_ANALYZE_ANALYZE_H

#include "bundle/bundle.h"

/* name, description */
#define TK_ANALYZERS(X) X(exposure, "network exposure: public addresses, SMB, RDP, SSH, firewall")

#define TK_DECLARE_ANALYZER(name, desc) int tk_analyze_##name(struct tk_bundle *b);
TK_ANALYZERS(TK_DECLARE_ANALYZER)
#undef TK_DECLARE_ANALYZER

/* Replaces b's findings with those of every analyzer. 0 or TK_ENOMEM. */
int tk_analyze(struct tk_bundle *b, struct tk_err *err);

#endif
