/* watch.h - which newly seen names imitate a protected brand or carry a lure (the reverse of
 * permute: dnstwist generates a brand's lookalikes; this judges any name against every brand).
 *
 * A name (name.h) is judged on its registrable label and the labels before it:
 *   idn-homograph  a Unicode label whose confusable skeleton (ICU uspoof) is a brand's label
 *   homoglyph      an ASCII label equal to a brand's once look-alikes are folded (rn/m, 0/o,
 *                  1/l/i, vv/w, cl/d)
 *   typo           one edit from a brand's label (a letter added, left out, replaced or two
 *                  swapped: addition, omission, replacement, bitsquatting, transposition,
 *                  vowel swap, hyphenation, repetition)
 *   tld-swap       a brand's label under another public suffix
 *   various        the brand's label and suffix run together: zoomus.com, zoom-us.com
 *   split          the brand's label cut by dots: zo.om.us
 *   brand-in-subdomain  the brand's whole domain in front of another: zoom.us.example.com
 *   embedded       the brand's label inside a longer label: zoom-meeting.xyz, myzoom.top
 *   label-in-subdomain  the brand's label as a label in front of another domain
 *   keyword        a lure keyword anywhere, also when written c0vid or with look-alikes
 * A brand's own domain and its subdomains are never reported. The score is the strongest
 * brand reason plus the weights of the keywords; names at or above the threshold are alerts.
 *
 * Lookups are hash and one-pass literal searches, never a loop over the brands: the cost of a
 * name grows with the brands only through two bitmaps (a bit per brand label and keyword)
 * that are cleared and read once. Judging is thread-safe. */
#ifndef TK_DOMAINS_WATCH_H
#define TK_DOMAINS_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "domains/name.h"

#define TK_WATCH_MAX_REASONS 8
#define TK_WATCH_DEFAULT_THRESHOLD 60
#define TK_WATCH_MAX_BRANDS 100000
#define TK_WATCH_MAX_KEYWORDS 10000

struct tk_watch;

struct tk_watch_reason {
    const char *kind;  /* "typo", "keyword", ... (static) */
    const char *brand; /* the brand's domain (kind != keyword), or NULL */
    const char *word;  /* the keyword (kind == keyword), or NULL */
    int weight;
};

struct tk_watch_hit {
    int score;
    struct tk_watch_reason r[TK_WATCH_MAX_REASONS];
    size_t n;
    const char *brand; /* the brand of the strongest reason, or NULL */
    bool failed;       /* out of memory: the name was not judged */
};

/* Compiles brands ("DOMAIN [NAME]" lines, '#' comments) and keywords ("WORD [WEIGHT]" lines);
 * names label the texts in messages ("FILE:LINE: reason"). Either text NULL: the shipped set
 * (data/domains/). TK_EPARSE for a malformed line, TK_ELIMIT past the bounds above. */
int tk_watch_new(struct tk_watch **out, const char *brands, size_t nb, const char *brands_name,
                 const char *keywords, size_t nk, const char *keywords_name, struct tk_err *err);
void tk_watch_free(struct tk_watch *w); /* accepts NULL */

size_t tk_watch_brands(const struct tk_watch *w);
size_t tk_watch_keywords(const struct tk_watch *w);

/* Judges one parsed name into *hit (score 0 and no reasons: nothing). */
void tk_watch_judge(const struct tk_watch *w, const struct tk_dname *d, struct tk_watch_hit *hit);

#endif
