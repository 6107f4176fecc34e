/* fuzz_relit.c - the regex prefilter (core/relit.h) is sound.
 *
 * Input: a flags byte (bit 0 caseless, bit 1 UTF), a pattern up to the first NUL byte, then
 * a subject. When PCRE2 compiles the pattern and it matches the subject, the prefilter must
 * have found one of the pattern's literals there; and the one-pass scan must find exactly the
 * literals a plain case-insensitive search finds, in the subject and in each of its tails. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "core/relit.h"
#include "fuzz.h"

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool contains(const unsigned char *h, size_t hn, const unsigned char *l, size_t ln)
{
    for (size_t i = 0; i + ln <= hn; i++) {
        size_t k = 0;
        while (k < ln && lower(h[i + k]) == l[k])
            k++;
        if (k == ln)
            return true;
    }
    return false;
}

/* Scans p..p+n with the set and checks every literal's bit against the plain search; true
 * when one of the pattern's own literals (not the two-byte ones) is there. */
static bool scan_check(const struct tk_litset *set, const struct tk_relit *lit, const uint32_t *id,
                       size_t nlit, const unsigned char *p, size_t n)
{
    uint64_t found[(TK_RELIT_MAX_ALTS * 2 + 63) / 64 + 1] = { 0 };
    FUZZ_CHECK(tk_litset_words(set) <= sizeof found / sizeof *found);
    tk_litset_scan(set, p, n, found);
    bool any = false;
    for (size_t k = 0; k < nlit; k++) {
        bool want = contains(p, n, lit[k].s, lit[k].n);
        FUZZ_CHECK(tk_litset_found(found, tk_litset_bit(set, id[k])) == want);
        any = any || (want && lit[k].n >= TK_RELIT_MIN_LEN);
    }
    return any;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = (data[0] & 1 ? TK_RELIT_CASELESS : 0) | (data[0] & 2 ? TK_RELIT_UTF : 0);
    const uint8_t *pat = data + 1, *nul = memchr(pat, '\0', size - 1);
    size_t plen = nul ? (size_t)(nul - pat) : size - 1;
    const uint8_t *subj = nul ? nul + 1 : data + size;
    size_t slen = (size_t)(data + size - subj);

    struct tk_relit lit[TK_RELIT_MAX_ALTS];
    size_t n = tk_relit_of((const char *)pat, plen, flags, lit, TK_RELIT_MAX_ALTS);
    FUZZ_CHECK(n <= TK_RELIT_MAX_ALTS);
    for (size_t k = 0; k < n; k++) {
        FUZZ_CHECK(lit[k].n >= TK_RELIT_MIN_LEN && lit[k].n <= TK_RELIT_MAX_LEN);
        for (size_t i = 0; i < lit[k].n; i++)
            FUZZ_CHECK(lit[k].s[i] == lower(lit[k].s[i]));
    }

    /* the set: the pattern's literals, and their first two bytes as literals of their own */
    struct tk_litset *set = tk_litset_new();
    if (!set)
        return 0;
    struct tk_relit all[TK_RELIT_MAX_ALTS * 2];
    uint32_t id[TK_RELIT_MAX_ALTS * 2];
    size_t nall = 0;
    for (size_t k = 0; k < n; k++) {
        all[nall] = lit[k];
        FUZZ_CHECK(tk_litset_add(set, all[nall].s, all[nall].n, &id[nall]) == 0);
        nall++;
        all[nall] = lit[k];
        all[nall].n = 2;
        FUZZ_CHECK(tk_litset_add(set, all[nall].s, 2, &id[nall]) == 0);
        nall++;
    }
    FUZZ_CHECK(tk_litset_finish(set) == 0);
    bool any = scan_check(set, all, id, nall, subj, slen);
    for (size_t off = 1; off < slen && off < 8; off++)
        scan_check(set, all, id, nall, subj + off, slen - off);
    tk_litset_free(set);

    uint32_t opts = (flags & TK_RELIT_CASELESS ? PCRE2_CASELESS : 0) |
                    (flags & TK_RELIT_UTF ? PCRE2_UTF | PCRE2_MATCH_INVALID_UTF : PCRE2_NEVER_UTF);
    int ec;
    PCRE2_SIZE eoff;
    pcre2_code *re = pcre2_compile(pat, plen, opts, &ec, &eoff, NULL);
    if (!re)
        return 0;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    if (md && mc) {
        pcre2_set_match_limit(mc, 20000);
        pcre2_set_depth_limit(mc, 2000);
        int rc = pcre2_match(re, subj, slen, 0, 0, md, mc);
        /* a match where the prefilter would have skipped the regex is the bug this finds */
        if (rc >= 0 && n > 0)
            FUZZ_CHECK(any);
    }
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return 0;
}
