/* relit.h - literals a regex's matches must contain, and one pass over a text that finds
 * which of many literals it contains: a prefilter for matchers that hold thousands of
 * regexes (the fingerprint database, nmap's service probes). A regex whose literals are all
 * absent from a text cannot match it and need not be run; the others run as written, so the
 * prefilter changes how fast a matcher is, never what it matches.
 *
 * Literals are compared without regard to ASCII case, whatever the regex's flags: a case
 * sensitive regex's literal found in another case only costs running the regex. */
#ifndef TK_CORE_RELIT_H
#define TK_CORE_RELIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TK_RELIT_MAX_LEN 128 /* bytes of one literal (longer runs are cut to this) */
#define TK_RELIT_MAX_ALTS 16 /* top-level alternatives a regex may have and keep a prefilter */
#define TK_RELIT_MIN_LEN 3   /* shorter literals are too common to filter anything */

enum {
    TK_RELIT_CASELESS = 1, /* the regex is compiled with PCRE2_CASELESS */
    TK_RELIT_UTF = 2,      /* ... with PCRE2_UTF: \xHH above 0x7F is a character, not a byte */
};

struct tk_relit {
    unsigned char s[TK_RELIT_MAX_LEN]; /* ASCII lower case */
    size_t n;
};

/* The literals of the PCRE2 pattern re (len bytes), into out (max entries); how many. Every
 * match contains one of them. For each top-level alternative: the longest run of literal
 * text every match of it contains, or, when a group it cannot do without (plain, (?: or (?>,
 * not optional, at most two groups deep) offers longer ones, one literal per alternative of
 * that group. 0 when some alternative has no literal of TK_RELIT_MIN_LEN bytes or holds
 * syntax this reader does not follow (inline options, \Q, \p, back references, verbs, more
 * literals than max): then the regex has no prefilter and must always be run. */
size_t tk_relit_of(const char *re, size_t len, unsigned flags, struct tk_relit *out, size_t max);

/* A set of literals to look for in one pass. Built by adding literals (each gets the index
 * of its addition), then tk_litset_finish; after that each addition's bit says whether a
 * scanned text contained it (equal literals share a bit). */
struct tk_litset;

struct tk_litset *tk_litset_new(void);      /* NULL when out of memory */
void tk_litset_free(struct tk_litset *set); /* accepts NULL */
/* Adds the literal (n >= 2 bytes, compared without ASCII case); its index in *id. 0 or
 * TK_ENOMEM / TK_EINVAL (n < 2). */
int tk_litset_add(struct tk_litset *set, const unsigned char *s, size_t n, uint32_t *id);
int tk_litset_finish(struct tk_litset *set); /* 0 or TK_ENOMEM; once, after the last add */
uint32_t tk_litset_bit(const struct tk_litset *set, uint32_t id); /* after finish */
size_t tk_litset_words(const struct tk_litset *set); /* uint64_t words of a found bitmap */

/* Sets bit tk_litset_bit(id) of found (tk_litset_words words, cleared by the caller) for
 * every literal that p..p+n contains. */
void tk_litset_scan(const struct tk_litset *set, const unsigned char *p, size_t n, uint64_t *found);

static inline bool tk_litset_found(const uint64_t *found, uint32_t bit)
{
    return found[bit >> 6] >> (bit & 63) & 1;
}

#endif
