/* analyze.c - runs the analyzer table over a bundle. */
#include "analyze/analyze.h"

#include "core/alloc.h"
#include "kb/match.h"

struct analyzer {
    const char *name;
    int (*run)(struct tk_bundle *b, const struct tk_analysis *a, struct tk_err *err);
};

#define TK_ANALYZER_ENTRY(name, desc) { #name, tk_analyze_##name },
static const struct analyzer analyzers[] = { TK_ANALYZERS(TK_ANALYZER_ENTRY) };
#undef TK_ANALYZER_ENTRY

int tk_analyze(struct tk_bundle *b, const struct tk_analysis *a, struct tk_err *err)
{
    static const struct tk_analysis none = { NULL };
    for (size_t i = 0; i < b->nfindings; i++)
        tk_free(b->findings[i].evidence);
    b->nfindings = 0;
    for (size_t i = 0; i < sizeof analyzers / sizeof analyzers[0]; i++) {
        struct tk_err e = { 0 };
        int rc = analyzers[i].run(b, a ? a : &none, &e);
        if (rc)
            return tk_err_set(err, rc, "analysis %s failed: %s", analyzers[i].name,
                              e.msg[0] ? e.msg : tk_err_name(rc));
    }
    return 0;
}

int tk_analyze_vulnerabilities(struct tk_bundle *b, const struct tk_analysis *a,
                               struct tk_err *err)
{
    return a->matcher ? tk_match_bundle(a->matcher, b, err) : 0;
}
