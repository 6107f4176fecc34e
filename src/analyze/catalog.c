/* catalog.c - lookups in the generated finding catalog. */
#include "analyze/catalog.h"

#include "core/buf.h"

#include <stdbool.h>
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

static const char *expand(struct tk_bundle *b, const char *tmpl, const struct tk_finding_var *vars,
                          size_t nvars, bool ja)
{
    struct tk_buf out = TK_BUF_INIT(64 * 1024);
    for (const char *p = tmpl; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        const struct tk_finding_var *v = NULL;
        for (size_t i = 0; close && i < nvars; i++)
            if (strlen(vars[i].name) == (size_t)(close - p - 1) &&
                strncmp(vars[i].name, p + 1, (size_t)(close - p - 1)) == 0)
                v = &vars[i];
        if (v) {
            const char *val = ja && v->ja ? v->ja : v->en;
            tk_buf_adds(&out, val ? val : "?");
            p = close + 1;
        } else {
            tk_buf_addc(&out, *p++);
        }
    }
    const char *r = tk_bundle_strndup(b, tk_buf_cstr(&out), out.len);
    tk_buf_release(&out);
    return r;
}

struct tk_finding *tk_finding_new_vars(struct tk_bundle *b, enum tk_finding_id id,
                                       const char *instance_id,
                                       const struct tk_finding_var *vars, size_t nvars)
{
    struct tk_finding *f = tk_finding_new(b, id);
    if (!f)
        return NULL;
    const struct tk_finding_def *d = &tk_finding_defs[id];
    if (instance_id)
        f->id = tk_bundle_strdup(b, instance_id);
    f->title_en = expand(b, d->title_en, vars, nvars, false);
    f->title_ja = expand(b, d->title_ja, vars, nvars, true);
    f->remediation_en = expand(b, d->remediation_en, vars, nvars, false);
    f->remediation_ja = expand(b, d->remediation_ja, vars, nvars, true);
    if (!f->id || !f->title_en || !f->title_ja || !f->remediation_en || !f->remediation_ja) {
        b->nfindings--;
        return NULL;
    }
    return f;
}
