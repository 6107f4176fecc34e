/* catalog.c - lookups in the generated finding catalog. */
#include "analyze/catalog.h"

#include <string.h>

const struct tk_finding_def *tk_finding_def_find(const char *id)
{
    for (size_t i = 0; i < TK_F_COUNT; i++)
        if (strcmp(tk_finding_defs[i].id, id) == 0)
            return &tk_finding_defs[i];
    return NULL;
}

struct tk_finding *tk_finding_new(struct tk_bundle *b, enum tk_finding_id id)
{
    if ((unsigned)id >= TK_F_COUNT)
        return NULL;
    const struct tk_finding_def *d = &tk_finding_defs[id];
    struct tk_finding *f = tk_bundle_add_finding(b);
    if (!f)
        return NULL;
    f->id = d->id;
    f->severity = d->severity;
    f->category = d->category;
    f->confidence = "high";
    f->title_en = d->title_en;
    f->title_ja = d->title_ja;
    f->remediation_en = d->remediation_en;
    f->remediation_ja = d->remediation_ja;
    return f;
}
