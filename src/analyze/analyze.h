/* analyze.h - judging a bundle: from what was seen to findings.
 *
 * A pure function of the bundle (and, later, the knowledge base): `tenken scan`,
 * `tenken analyze` and the server all call tk_analyze, so a saved bundle re-judged with a
 * newer knowledge base gives the same answer the collector would give today. */
#ifndef TK_ANALYZE_ANALYZE_H
#define TK_ANALYZE_ANALYZE_H

#include "bundle/bundle.h"

struct tk_matcher;

/* What the analysis server saw of an upload: the address the bundle came from and, for an
 * organisation that opted in, whether TCP ports there accepted a connection. */
#define TK_REACH_MAX_PROBES 4
enum tk_probe_service { TK_PROBE_SMB, TK_PROBE_RDP };
struct tk_probe {
    enum tk_probe_service service;
    int port;
    enum tk_tri open; /* TK_UNKNOWN: no answer within the time allowed */
};
struct tk_reach {
    const char *source; /* numeric address; NULL: not uploaded */
    struct tk_probe probes[TK_REACH_MAX_PROBES];
    size_t nprobes;
};

/* "smb/445=open;rdp/3389=closed" <-> probes (junk is skipped when parsing). */
void tk_reach_format_probes(const struct tk_reach *r, char *out, size_t n);
void tk_reach_parse_probes(struct tk_reach *r, const char *s);

/* What analysis judges with besides the bundle. */
struct tk_analysis {
    struct tk_matcher *matcher;  /* the knowledge base; NULL: no vulnerability findings */
    const struct tk_reach *reach; /* the server's view of the upload; NULL elsewhere */
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
