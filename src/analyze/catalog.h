/* catalog.h - the finding catalog: every finding's stable id, default severity, category and
 * bilingual texts, compiled from data/findings.txt (scripts/gen-findings.py). Analyzers
 * create findings from it by enum value, so an unknown id is a compile error and the texts
 * live where translators can edit them. */
#ifndef TK_ANALYZE_CATALOG_H
#define TK_ANALYZE_CATALOG_H

#include "bundle/bundle.h"
#include "findings_ids.h"

struct tk_finding_def {
    const char *id;
    enum tk_severity severity;
    const char *category;
    const char *title_en, *title_ja;
    const char *remediation_en, *remediation_ja;
};

extern const struct tk_finding_def tk_finding_defs[TK_F_COUNT];

/* The definition with this id string, or NULL. Borrowed, static. */
const struct tk_finding_def *tk_finding_def_find(const char *id);

/* A new finding in b filled from the catalog (confidence "high"), or NULL when refused. */
struct tk_finding *tk_finding_new(struct tk_bundle *b, enum tk_finding_id id);

/* Fills {name} placeholders of the catalog texts. */
struct tk_finding_var {
    const char *name;
    const char *en, *ja; /* ja NULL: same as en */
};

/* Like tk_finding_new, with placeholders expanded (an unknown placeholder is kept as it
 * is) and, when instance_id is given, that id instead of the catalog's (findings about one
 * CVE carry it: TK-VULN-CVE-2023-7024). */
struct tk_finding *tk_finding_new_vars(struct tk_bundle *b, enum tk_finding_id id,
                                       const char *instance_id,
                                       const struct tk_finding_var *vars, size_t nvars);

#endif
