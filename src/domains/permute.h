/* permute.h - lookalike candidates of one brand domain: the registrable label is typed wrong
 * (keyboard neighbours on QWERTY, QWERTZ and AZERTY, omissions, swaps, flipped bits), dressed
 * up (hyphens, plurals, words, other suffixes) or spelled with look-alike characters (ASCII
 * shapes, Latin letters with marks or hooks, whole-script Cyrillic or Greek, taken from ICU's
 * confusable data); the subdomain and the public suffix are put back as dnstwist does. Each
 * candidate is a valid host name, in punycode and in Unicode, named after the algorithm that
 * found it first, and appears once. `tenken domains permute` prints these; tests compare them
 * with dnstwist's output (docs/domains.md). */
#ifndef TK_DOMAINS_PERMUTE_H
#define TK_DOMAINS_PERMUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "domains/name.h"

/* In the order they run: a name two algorithms find is credited to the earlier one. */
enum tk_perm_algo {
    TK_PERM_ADDITION,
    TK_PERM_BITSQUATTING,
    TK_PERM_CYRILLIC,
    TK_PERM_HOMOGLYPH,
    TK_PERM_HYPHENATION,
    TK_PERM_INSERTION,
    TK_PERM_OMISSION,
    TK_PERM_PLURAL,
    TK_PERM_REPETITION,
    TK_PERM_REPLACEMENT,
    TK_PERM_SUBDOMAIN,
    TK_PERM_TRANSPOSITION,
    TK_PERM_VOWEL_SWAP,
    TK_PERM_DICTIONARY,
    TK_PERM_TLD_SWAP,
    TK_PERM_VARIOUS,
    TK_PERM_NALGO
};

/* Default bound on the candidates of one brand. Generation also stops after three times as
 * many attempts (real brands need about two per candidate; a label of 63 'o's would need
 * millions, most of them too long once encoded). */
#define TK_PERMUTE_MAX 300000

/* "vowel-swap" for TK_PERM_VOWEL_SWAP; static. */
const char *tk_permute_algo_name(enum tk_perm_algo a);
/* The algorithm called name (n bytes), or -1. */
int tk_permute_algo_lookup(const char *name, size_t n);
/* A comma-separated list of names into a bit set (1u << algorithm); TK_EINVAL naming the
 * first unknown or empty entry. */
int tk_permute_algos_parse(const char *list, unsigned *set, struct tk_err *err);

struct tk_permute_opts {
    unsigned algos; /* bits 1u << TK_PERM_*; 0: all */
    /* dictionary: words (UTF-8, one each, borrowed until tk_permuter_new returns) */
    const char *const *words;
    size_t nwords;
    /* tld-swap: suffixes such as "com" or "co.jp"; tlds NULL: the built-in list
     * (tk_permute_default_tlds) */
    const char *const *tlds;
    size_t ntlds;
    size_t max; /* candidates per brand (and 3 * max attempts); 0: TK_PERMUTE_MAX */
};

/* The suffixes tld-swap uses when no list is given: the most registered generic TLDs, the
 * ones cheap or abused lookalikes favour, and Japan's. NULL-terminated, static. */
extern const char *const tk_permute_default_tlds[];

/* Options, prepared word and suffix lists and the shared look-alike tables: built once,
 * then read-only, so any number of threads may call tk_permute with one. */
struct tk_permuter;

/* Caller frees *out with tk_permuter_free. Words and suffixes that cannot be part of a host
 * name are skipped and counted (tk_permuter_skipped). TK_EUNSUPP when ICU's confusable
 * data cannot be loaded, TK_ENOMEM. */
int tk_permuter_new(struct tk_permuter **out, const struct tk_permute_opts *o, struct tk_err *err);
void tk_permuter_free(struct tk_permuter *p); /* accepts NULL */
void tk_permuter_skipped(const struct tk_permuter *p, size_t *words, size_t *tlds);

struct tk_perm_cand {
    enum tk_perm_algo algo;
    const char *ascii;   /* "xn--zm-fmca.us" */
    const char *unicode; /* "zооm.us"; the same pointer as ascii when that is all ASCII */
};

struct tk_perm_map; /* the names seen so far */

/* The candidates of one brand. Strings are owned by the set: valid until its release. */
struct tk_perm_set {
    struct tk_perm_cand *v;
    size_t n, cap;
    size_t per_algo[TK_PERM_NALGO];
    bool truncated; /* a bound cut the list short */
    struct tk_perm_map *seen;
};

void tk_perm_set_init(struct tk_perm_set *s);
void tk_perm_set_release(struct tk_perm_set *s); /* then init again to reuse */

/* Appends the candidates of brand (a parsed name with a registrable label) to s, which must
 * be empty. 0; TK_EINVAL when brand has no registrable label; TK_ENOMEM. Reaching the bound
 * is not an error: s->truncated says so. */
int tk_permute(const struct tk_permuter *p, const struct tk_dname *brand, struct tk_perm_set *s,
               struct tk_err *err);

#endif
