/* fuzz_minire.c - the small regex matcher (core/minire.h) against PCRE2: the first byte sets
 * caseless matching, the bytes up to the first NUL are the pattern and the rest the subject.
 * A pattern minire reads must be one PCRE2 reads (UTF mode, as scan/ioc.c compiles) unless
 * PCRE2's own size limits refuse it, and on any valid UTF-8 subject both must answer alike. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "core/alloc.h"
#include "core/minire.h"
#include "core/utf8.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool caseless = data[0] & 1;
    const char *re = (const char *)data + 1;
    const char *nul = memchr(re, 0, size - 1);
    size_t relen = nul ? (size_t)(nul - re) : size - 1;
    const char *subject = nul ? nul + 1 : "";
    size_t slen = nul ? size - 1 - relen - 1 : 0;
    const char *why;
    size_t off;
    struct tk_minire *r = tk_minire_compile(re, relen, caseless, &why, &off);
    if (!r) {
        FUZZ_CHECK(why != NULL && off <= relen);
        return 0;
    }
    int code;
    PCRE2_SIZE poff;
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0);
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, relen, opts, &code, &poff, NULL);
    if (!c) {
        /* PCRE2's own size limits (its compiled form is larger than minire's) are no
         * disagreement on what the pattern means */
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        FUZZ_CHECK(strstr((const char *)msg, "too large") || strstr((const char *)msg, "too deep") ||
                   strstr((const char *)msg, "too complicated") || strstr((const char *)msg, "too many"));
    }
    int *work = tk_malloc(tk_minire_work(r) * sizeof *work);
    if (c && work && tk_utf8_valid(subject, slen)) {
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        int m = pcre2_match(c, (PCRE2_SPTR)subject, slen, 0, 0, md, NULL);
        if (m >= 0 || m == PCRE2_ERROR_NOMATCH)
            FUZZ_CHECK((m >= 0) == (tk_minire_search(r, subject, slen, work, tk_minire_work(r)) == 1));
        pcre2_match_data_free(md);
    }
    tk_free(work);
    pcre2_code_free(c);
    tk_minire_free(r);
    return 0;
}
