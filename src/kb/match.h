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

/* ---- devices seen from outside (the attack-surface survey) ---------------------------- */

/* How well a device's version is known from public information. */
enum tk_vprec {
    TK_VPREC_NONE,       /* undetermined */
    TK_VPREC_EXACT,      /* one version (a build, or a release whose hotfix is known) */
    TK_VPREC_CANDIDATES, /* one of several (a build date shared by releases of several trains,
                          * a date within tolerance) */
    TK_VPREC_LINE,       /* release prefixes only ("13.1", or PAN-OS "10.2.9" whose hotfix
                          * is invisible): what follows the prefix is unknown */
};

enum tk_verdict { TK_VERDICT_UNKNOWN, TK_VERDICT_NOT_AFFECTED, TK_VERDICT_POSSIBLY,
                  TK_VERDICT_AFFECTED };
const char *tk_verdict_name(enum tk_verdict v); /* "affected", "possibly-affected", ... */

struct tk_assessed {
    const struct tk_vuln_cve *cve; /* resolved: title, scores, KEV dates, fixed versions */
    enum tk_verdict verdict;       /* affected or possibly affected */
    const char *why;               /* for possibly: what keeps it from certain */
};

struct tk_assessment {
    const char *product_name;
    enum tk_verdict verdict;       /* the device's: the strongest of its CVEs, or
                                    * not-affected, or unknown (no vulnerability data) */
    const struct tk_assessed *items; /* most severe first */
    size_t n, nkev;
};

/* Judges catalog product `product` at the version(s) given (n of them; none for
 * TK_VPREC_NONE; LINE versions are release prefixes). The result is cached in the matcher and valid
 * until tk_matcher_free. Not thread-safe (as the matcher is not): callers serialise.
 * NULL when the product is not in the catalog or memory ran out. */
const struct tk_assessment *tk_matcher_assess(struct tk_matcher *m, const char *product,
                                              enum tk_vprec prec, const char *const *versions,
                                              size_t n);

#endif
