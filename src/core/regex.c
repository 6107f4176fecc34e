/* regex.c - PCRE2 or minire behind one interface (see regex.h). */
#include "core/regex.h"

#include <stdio.h>

#include "core/alloc.h"
#include "core/err.h"
#include "tk_config.h"

#if TK_HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct tk_regex_scratch {
    pcre2_match_data *md;
};

struct tk_regex *tk_regex_compile(const char *re, size_t n, bool caseless, size_t *offset,
                                  char *why, size_t whylen)
{
    int code;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0);
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, n, opts, &code, &off, NULL);
    if (!c) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(why, whylen, "%s", (const char *)msg);
        *offset = (size_t)off;
        return NULL;
    }
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    return (struct tk_regex *)c;
}

void tk_regex_free(struct tk_regex *r)
{
    pcre2_code_free((pcre2_code *)r);
}

struct tk_regex_scratch *tk_regex_scratch_new(void)
{
    struct tk_regex_scratch *x = tk_calloc(1, sizeof *x);
    if (x && !(x->md = pcre2_match_data_create(4, NULL))) { /* "whether", not where */
        tk_free(x);
        x = NULL;
    }
    return x;
}

void tk_regex_scratch_free(struct tk_regex_scratch *x)
{
    if (x)
        pcre2_match_data_free(x->md);
    tk_free(x);
}

int tk_regex_search(const struct tk_regex *r, struct tk_regex_scratch *x, const char *text,
                    size_t n)
{
    return pcre2_match((const pcre2_code *)r, (PCRE2_SPTR)text, n, 0, 0, x->md, NULL) >= 0;
}
#else
#include "core/minire.h"

struct tk_regex_scratch {
    int *work;
    size_t cap;
};

struct tk_regex *tk_regex_compile(const char *re, size_t n, bool caseless, size_t *offset,
                                  char *why, size_t whylen)
{
    const char *msg;
    struct tk_minire *r = tk_minire_compile(re, n, caseless, &msg, offset);
    if (!r)
        snprintf(why, whylen, "%s (this build has no PCRE2; its matcher refuses what it "
                              "would not match as PCRE2 does)", msg);
    return (struct tk_regex *)r;
}

void tk_regex_free(struct tk_regex *r)
{
    tk_minire_free((struct tk_minire *)r);
}

struct tk_regex_scratch *tk_regex_scratch_new(void)
{
    return tk_calloc(1, sizeof(struct tk_regex_scratch));
}

void tk_regex_scratch_free(struct tk_regex_scratch *x)
{
    if (x)
        tk_free(x->work);
    tk_free(x);
}

int tk_regex_search(const struct tk_regex *r, struct tk_regex_scratch *x, const char *text,
                    size_t n)
{
    const struct tk_minire *m = (const struct tk_minire *)r;
    size_t need = tk_minire_work(m);
    if (need > x->cap) {
        int *grown = tk_realloc(x->work, need * sizeof *grown);
        if (!grown)
            return TK_ENOMEM;
        x->work = grown;
        x->cap = need;
    }
    return tk_minire_search(m, text, n, x->work, x->cap);
}
#endif
