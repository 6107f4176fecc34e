/* analyze.c - runs the analyzer table over a bundle. */
#include "analyze/analyze.h"

#include "core/alloc.h"

struct analyzer {
    const char *name;
    int (*run)(struct tk_bundle *b);
};

#define TK_ANALYZER_ENTRY(name, desc) { #name, tk_analyze_##name },
static const struct analyzer analyzers[] = { TK_ANALYZERS(TK_ANALYZER_ENTRY) };
#undef TK_ANALYZER_ENTRY

int tk_analyze(struct tk_bundle *b, struct tk_err *err)
{
    for (size_t i = 0; i < b->nfindings; i++)
        tk_free(b->findings[i].evidence);
    b->nfindings = 0;
    for (size_t i = 0; i < sizeof analyzers / sizeof analyzers[0]; i++) {
        int rc = analyzers[i].run(b);
        if (rc)
            return tk_err_set(err, rc, "analysis %s failed: %s", analyzers[i].name,
                              tk_err_name(rc));
    }
    return 0;
}
