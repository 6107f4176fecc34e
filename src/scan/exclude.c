/* exclude.c - --exclude and --exclude-regex (see exclude.h). The regexes are core/regex.h
 * programs: PCRE2, or in a build without it (tenken.exe) a matcher that refuses what it
 * cannot match as PCRE2 would. */
#include "scan/exclude.h"

#include <string.h>

#include "core/alloc.h"
#include "core/regex.h"
#include "core/str.h"

struct tk_exclude {
    const char *const *globs;
    size_t nglobs;
    struct tk_regex **re;
    size_t nre;
    struct tk_regex_scratch *rx; /* the walker is one thread */
};

int tk_exclude_new(struct tk_exclude **out, const char *const *globs, size_t nglobs,
                   const char *const *regexes, size_t nregexes, struct tk_err *err)
{
    *out = NULL;
    if (!nglobs && !nregexes)
        return 0;
    struct tk_exclude *x = tk_calloc(1, sizeof *x);
    if (!x || (nregexes && (!(x->re = tk_calloc(nregexes, sizeof *x->re)) ||
                            !(x->rx = tk_regex_scratch_new())))) {
        tk_exclude_free(x);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    x->globs = globs;
    x->nglobs = nglobs;
    for (size_t i = 0; i < nregexes; i++) {
        char why[200];
        size_t off;
        x->re[i] = tk_regex_compile(regexes[i], strlen(regexes[i]), false, &off, why, sizeof why);
        if (!x->re[i]) {
            tk_exclude_free(x);
            return tk_err_set(err, TK_EINVAL, "--exclude-regex '%s': offset %zu: %s", regexes[i],
                              off, why);
        }
        x->nre++;
        if (tk_regex_search(x->re[i], x->rx, "", 0) < 0) { /* the scratch grows here, once */
            tk_exclude_free(x);
            return tk_err_set(err, TK_ENOMEM, "out of memory");
        }
    }
    *out = x;
    return 0;
}

void tk_exclude_free(struct tk_exclude *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->nre; i++)
        tk_regex_free(x->re[i]);
    tk_regex_scratch_free(x->rx);
    tk_free(x->re);
    tk_free(x);
}

bool tk_exclude_match(struct tk_exclude *x, const char *path)
{
    if (!x || !path)
        return false;
    struct tk_str p = tk_str_c(path);
    for (size_t i = 0; i < x->nglobs; i++)
        if (tk_glob_match(x->globs[i], p))
            return true;
    for (size_t i = 0; i < x->nre; i++)
        if (tk_regex_search(x->re[i], x->rx, path, p.n) == 1)
            return true;
    return false;
}
