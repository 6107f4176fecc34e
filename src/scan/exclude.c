/* exclude.c - --exclude and --exclude-regex (see exclude.h). A build without PCRE2
 * (tenken.exe) reads the regexes with core/minire.h, which refuses what it cannot match
 * as PCRE2 would. */
#include "scan/exclude.h"

#include <string.h>

#include "core/alloc.h"
#include "core/str.h"
#include "tk_config.h"

#if TK_HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#else
#include "core/minire.h"
typedef struct tk_minire pcre2_code;
typedef void pcre2_match_data;
#endif

struct tk_exclude {
    const char *const *globs;
    size_t nglobs;
    pcre2_code **re;
    size_t nre;
    pcre2_match_data *md;
    int *work; /* minire's, for the largest of the regexes */
};

int tk_exclude_new(struct tk_exclude **out, const char *const *globs, size_t nglobs,
                   const char *const *regexes, size_t nregexes, struct tk_err *err)
{
    *out = NULL;
    if (!nglobs && !nregexes)
        return 0;
    struct tk_exclude *x = tk_calloc(1, sizeof *x);
    if (!x || (nregexes && !(x->re = tk_calloc(nregexes, sizeof *x->re)))) {
        tk_exclude_free(x);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    x->globs = globs;
    x->nglobs = nglobs;
#if TK_HAVE_PCRE2
    if (nregexes && !(x->md = pcre2_match_data_create(4, NULL))) {
        tk_exclude_free(x);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < nregexes; i++) {
        int code;
        PCRE2_SIZE off;
        x->re[i] = pcre2_compile((PCRE2_SPTR)regexes[i], PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
        if (!x->re[i]) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(code, msg, sizeof msg);
            tk_exclude_free(x);
            return tk_err_set(err, TK_EINVAL, "--exclude-regex '%s': offset %zu: %s",
                              regexes[i], (size_t)off, (const char *)msg);
        }
        x->nre++;
        pcre2_jit_compile(x->re[i], PCRE2_JIT_COMPLETE);
    }
#else
    for (size_t i = 0; i < nregexes; i++) {
        const char *why;
        size_t off;
        x->re[i] = tk_minire_compile(regexes[i], strlen(regexes[i]), false, &why, &off);
        if (!x->re[i]) {
            tk_exclude_free(x);
            return tk_err_set(err, TK_EINVAL, "--exclude-regex '%s': offset %zu: %s",
                              regexes[i], off, why);
        }
        x->nre++;
    }
    size_t need = 1;
    for (size_t i = 0; i < x->nre; i++)
        need = tk_minire_work(x->re[i]) > need ? tk_minire_work(x->re[i]) : need;
    if (!(x->work = tk_malloc(need * sizeof *x->work))) {
        tk_exclude_free(x);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
#endif
    *out = x;
    return 0;
}

void tk_exclude_free(struct tk_exclude *x)
{
    if (!x)
        return;
#if TK_HAVE_PCRE2
    for (size_t i = 0; i < x->nre; i++)
        pcre2_code_free(x->re[i]);
    pcre2_match_data_free(x->md);
#else
    for (size_t i = 0; i < x->nre; i++)
        tk_minire_free(x->re[i]);
    tk_free(x->work);
#endif
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
#if TK_HAVE_PCRE2
    for (size_t i = 0; i < x->nre; i++)
        if (pcre2_match(x->re[i], (PCRE2_SPTR)path, p.n, 0, 0, x->md, NULL) >= 0)
            return true;
#else
    for (size_t i = 0; i < x->nre; i++)
        if (tk_minire_search(x->re[i], path, p.n, x->work))
            return true;
#endif
    return false;
}
