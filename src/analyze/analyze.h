/* analyze.h - judging a bundle: from what was seen to findings.
 *
 * A pure function of the bundle (and, later, the knowledge base): `tenken scan`,
 * `tenken analyze` and the server all call tk_analyze, so a saved bundle re-judged with a
 * newer knowledge base gives the same answer the collector would give today. */
#ifndef TK_ANALYZE_ANALYZE_H
#define TK_ANALYZE_ANALYZE_H

#include "bundle/bundle.h"

struct tk_matcher;

/* What analysis judges with besides the bundle. */
struct tk_analysis {
    struct tk_matcher *matcher; /* the knowledge base; NULL: no vulnerability findings */
};

/* name, description */
#define TK_ANALYZERS(X)                                                                     \
    X(exposure, "network exposure: public addresses, SMB, RDP, SSH, firewall")             \
    X(vulnerabilities, "installed software against the knowledge base")                    \
    X(detections, "malware and IOC detections: files, processes, connections")              \
    X(traces, "traces of compromise: persistence, hidden processes, unowned files")

#define TK_DECLARE_ANALYZER(name, desc)                                                     \
    int tk_analyze_##name(struct tk_bundle *b, const struct tk_analysis *a, struct tk_err *err);
TK_ANALYZERS(TK_DECLARE_ANALYZER)
#undef TK_DECLARE_ANALYZER

/* Replaces b's findings with those of every analyzer. a may be NULL. 0 or a negative code
 * (out of memory, an unreadable knowledge base). */
int tk_analyze(struct tk_bundle *b, const struct tk_analysis *a, struct tk_err *err);

#endif
