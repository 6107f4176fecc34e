/* relit.c - required literals of a regex and a one-pass search for many literals (relit.h).
 *
 * The reader of patterns is conservative: it follows the common subset of PCRE2 syntax and
 * gives up (no prefilter) on anything else, so a literal it reports is always one every
 * match contains. The set keeps its literals sorted by their first two bytes, with two
 * 65,536-bit maps of byte pairs: the pairs literals start with, and the pairs at their third
 * byte. A text position is looked up only when both maps allow it, which in HTML and
 * protocol banners leaves a few positions in a hundred. */
#include "core/relit.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

static unsigned char lower(unsigned char c)
{
    return (unsigned char)(c + (((unsigned)(c - 'A') < 26u) << 5));
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f')
        return (c | 32) - 'a' + 10;
    return -1;
}

/* ---- reading patterns ------------------------------------------------------------------ */

/* A quantifier at p (*, +, ?, {n}, {n,}, {n,m}, then maybe ? or +): its length and in *min
 * the least number of repeats; 0 when there is none. */
static size_t quantifier(const char *p, const char *end, unsigned *min)
{
    size_t k = 1;
    if (p >= end)
        return 0;
    if (*p == '*' || *p == '?') {
        *min = 0;
    } else if (*p == '+') {
        *min = 1;
    } else if (*p == '{') {
        const char *q = p + 1;
        unsigned v = 0;
        while (q < end && *q >= '0' && *q <= '9' && v < 100000)
            v = v * 10 + (unsigned)(*q++ - '0');
        /* {,n} is a quantifier too in newer PCRE2 (a minimum of 0): read it as one, which
         * is the conservative reading either way */
        if (q == p + 1 && !(q < end && *q == ','))
            return 0;
        if (q < end && *q == ',')
            for (q++; q < end && *q >= '0' && *q <= '9'; q++)
                ;
        if (q >= end || *q != '}')
            return 0;
        *min = v;
        k = (size_t)(q + 1 - p);
    } else {
        return 0;
    }
    if (p + k < end && (p[k] == '?' || p[k] == '+'))
        k++;
    return k;
}

/* The end of the character class starting at p ('['), or NULL. */
static const char *class_end(const char *p, const char *end)
{
    const char *q = p + 1;
    if (q < end && *q == '^')
        q++;
    if (q < end && *q == ']')
        q++;
    while (q < end && *q != ']') {
        if (*q == '\\') {
            q += 2;
        } else if (*q == '[' && q + 1 < end && q[1] == ':') {
            const char *e = q + 2;
            while (e + 1 < end && !(e[0] == ':' && e[1] == ']'))
                e++;
            if (e + 1 >= end)
                return NULL;
            q = e + 2;
        } else {
            q++;
        }
    }
    return q < end ? q + 1 : NULL;
}

/* The end of the group starting at p ('('), or NULL. */
static const char *group_end(const char *p, const char *end)
{
    int depth = 0;
    for (const char *q = p; q < end; q++) {
        if (*q == '\\') {
            q++;
        } else if (*q == '[') {
            if (!(q = class_end(q, end)))
                return NULL;
            q--;
        } else if (*q == '(') {
            depth++;
        } else if (*q == ')' && --depth == 0) {
            return q + 1;
        }
    }
    return NULL;
}

#define ESC_ATOM (-1)   /* an escape that matches something other than one known byte */
#define ESC_REFUSE (-2) /* an escape this reader does not follow */

/* The escape at p ('\\'): the byte it stands for, ESC_ATOM or ESC_REFUSE; *next is past it. */
static int escape_at(const char *p, const char *end, unsigned flags, const char **next)
{
    if (p + 1 >= end)
        return ESC_REFUSE;
    unsigned char e = (unsigned char)p[1];
    *next = p + 2;
    switch (e) {
    case 'r':
        return '\r';
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case 'f':
        return '\f';
    case 'e':
        return 27;
    case 'a':
        return 7;
    case '0': {
        /* \0 and up to two more octal digits */
        int v = 0;
        const char *q = p + 2;
        for (int i = 0; i < 2 && q < end && *q >= '0' && *q <= '7'; i++)
            v = v * 8 + (*q++ - '0');
        *next = q;
        return v;
    }
    case 'x': {
        const char *q = p + 2;
        int v = 0, digits = 0;
        if (q < end && *q == '{') {
            for (q++; q < end && hexval((unsigned char)*q) >= 0 && digits < 6; q++, digits++)
                v = v * 16 + hexval((unsigned char)*q);
            if (q >= end || *q != '}' || !digits)
                return ESC_REFUSE;
            q++;
        } else {
            for (; q < end && digits < 2 && hexval((unsigned char)*q) >= 0; q++, digits++)
                v = v * 16 + hexval((unsigned char)*q);
            if (!digits)
                return ESC_REFUSE;
        }
        *next = q;
        if (v > 0xff)
            return flags & TK_RELIT_UTF ? ESC_ATOM : ESC_REFUSE;
        /* in UTF mode a character above 0x7F is two bytes of UTF-8, not this byte */
        return v > 0x7f && (flags & TK_RELIT_UTF) ? ESC_ATOM : v;
    }
    default:
        break;
    }
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '1' && e <= '9'))
        return strchr("dDsSwWbBhHvVRAzZGK", e) ? ESC_ATOM : ESC_REFUSE; /* \Q, \p, \1 ... */
    if (e >= 0x80)
        return ESC_REFUSE;
    return e; /* an escaped punctuation byte stands for itself */
}

#define GROUP_DEPTH 2 /* groups inside groups looked into for literal sets */

static size_t relit_of(const char *re, size_t len, unsigned flags, struct tk_relit *out,
                       size_t max, int depth);

/* What every match of the alternative p..end contains, lower case, into out (at most max,
 * *n of them): the longest run of literal text, or, when a group the alternative cannot do
 * without offers longer ones, one literal per alternative of that group (every match holds
 * one of them). False when the alternative holds something this reader does not follow. */
static bool alt_literal(const char *p, const char *end, unsigned flags, struct tk_relit *out,
                        size_t max, size_t *n, int depth)
{
    unsigned char run[TK_RELIT_MAX_LEN];
    size_t nrun = 0, nset = 0, set_score = 0;
    struct tk_relit *best = &out[0], set[TK_RELIT_MAX_ALTS];
    best->n = 0;
    *n = 0;
    if (!max)
        return false;
    for (;;) {
        bool more = p < end;
        int lit = -1; /* the atom's literal byte, -1 when it is not one */
        const char *next = p + 1;
        if (!more) {
            /* the end: only the last run is left */
        } else if (*p == '\\') {
            lit = escape_at(p, end, flags, &next);
            if (lit == ESC_REFUSE)
                return false;
        } else if (*p == '[') {
            if (!(next = class_end(p, end)))
                return false;
        } else if (*p == '(') {
            if (p + 1 < end &&
                (p[1] == '*' || (p[1] == '?' && !(p + 2 < end && strchr(":=!>", p[2])) &&
                                 !(p + 3 < end && p[2] == '<' && (p[3] == '=' || p[3] == '!')))))
                return false; /* options, names, comments, conditions, verbs */
            if (!(next = group_end(p, end)))
                return false;
            unsigned gmin = 1;
            bool plain = p[1] != '?' || (p + 2 < end && (p[2] == ':' || p[2] == '>'));
            const char *in = p + (p[1] == '?' ? 3 : 1);
            if (plain && depth < GROUP_DEPTH && (quantifier(next, end, &gmin), gmin > 0)) {
                struct tk_relit sub[TK_RELIT_MAX_ALTS];
                size_t k = relit_of(in, (size_t)(next - 1 - in), flags, sub,
                                    max < TK_RELIT_MAX_ALTS ? max : TK_RELIT_MAX_ALTS, depth + 1);
                size_t score = k ? sub[0].n : 0; /* as selective as its shortest literal */
                for (size_t i = 1; i < k; i++)
                    score = sub[i].n < score ? sub[i].n : score;
                if (k && score > set_score) {
                    memcpy(set, sub, k * sizeof *sub);
                    nset = k;
                    set_score = score;
                }
            }
        } else if (*p == ')' || *p == '|' || *p == '*' || *p == '+' || *p == '?') {
            return false;
        } else if ((unsigned char)*p >= 0x80 && (flags & TK_RELIT_UTF)) {
            /* a character of several bytes: one atom (a quantifier after it applies to all
             * of them), not taken as literal text */
            while (next < end && ((unsigned char)*next & 0xc0) == 0x80)
                next++;
        } else if (*p != '.' && *p != '^' && *p != '$' && *p != '{') {
            lit = (unsigned char)*p;
        }
        /* caseless in UTF mode, k and s also match the Kelvin sign and the long s */
        if ((flags & TK_RELIT_CASELESS) && (flags & TK_RELIT_UTF) &&
            (lit == 'k' || lit == 'K' || lit == 's' || lit == 'S'))
            lit = -1;
        /* caseless, a byte above 0x7F may match another case of its character */
        if ((flags & TK_RELIT_CASELESS) && lit >= 0x80)
            lit = -1;
        unsigned min = 1;
        size_t q = more ? quantifier(next, end, &min) : 0;
        bool extend = lit >= 0 && min > 0 && nrun < sizeof run;
        if (extend)
            run[nrun++] = lower((unsigned char)lit);
        if (!extend || q) {
            /* the run ends: before an atom that is not literal text or may be absent, or
             * after one that repeats */
            if (nrun > best->n) {
                memcpy(best->s, run, nrun);
                best->n = nrun;
            }
            nrun = 0;
        }
        if (!more) {
            if (set_score > best->n) { /* the group's set is the more selective */
                memcpy(out, set, nset * sizeof *set);
                *n = nset;
            } else {
                *n = 1;
            }
            return true;
        }
        p = next + q;
    }
}

size_t tk_relit_of(const char *re, size_t len, unsigned flags, struct tk_relit *out, size_t max)
{
    return relit_of(re, len, flags, out, max, 0);
}

static size_t relit_of(const char *re, size_t len, unsigned flags, struct tk_relit *out,
                       size_t max, int groups)
{
    const char *end = re + len, *start = re;
    size_t n = 0;
    int depth = 0;
    for (const char *p = re;; p++) {
        if (p < end && *p == '\\') {
            if (++p >= end)
                return 0;
            continue;
        }
        if (p < end && *p == '[') {
            if (!(p = class_end(p, end)))
                return 0;
            p--;
            continue;
        }
        if (p < end && *p == '(')
            depth++;
        if (p < end && *p == ')')
            depth--;
        if (p < end && (*p != '|' || depth))
            continue;
        size_t k = 0;
        if (n == max || !alt_literal(start, p, flags, out + n, max - n, &k, groups))
            return 0;
        for (size_t i = n; i < n + k; i++)
            if (out[i].n < TK_RELIT_MIN_LEN)
                return 0;
        n += k;
        if (p >= end)
            return n;
        start = p + 1;
    }
}

/* ---- the set --------------------------------------------------------------------------- */

struct entry {
    size_t off; /* in text */
    uint32_t n;
    uint32_t id;
    unsigned key; /* first two bytes, lower case */
};

struct tk_litset {
    unsigned char *text; /* every literal's bytes, lower case */
    size_t ntext, ctext;
    struct entry *e; /* after finish: sorted, each literal once */
    size_t n, cap;
    uint32_t *bit_of; /* by id */
    size_t nids;
    uint64_t pairs[1024];  /* some literal starts with this pair (any case) */
    uint64_t pairs2[1024]; /* some literal has this pair at its third byte (any case) */
    uint64_t short2[1024]; /* some literal is this pair and nothing more */
    uint32_t *start;       /* 65537: the first entry whose first two bytes are at least this pair */
};

struct tk_litset *tk_litset_new(void)
{
    return tk_calloc(1, sizeof(struct tk_litset));
}

void tk_litset_free(struct tk_litset *set)
{
    if (!set)
        return;
    tk_free(set->text);
    tk_free(set->e);
    tk_free(set->bit_of);
    tk_free(set->start);
    tk_free(set);
}

int tk_litset_add(struct tk_litset *set, const unsigned char *s, size_t n, uint32_t *id)
{
    if (n < 2 || n > UINT32_MAX || set->n >= UINT32_MAX - 1)
        return TK_EINVAL;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 256;
        struct entry *e = tk_realloc(set->e, cap * sizeof *e);
        if (!e)
            return TK_ENOMEM;
        set->e = e;
        set->cap = cap;
    }
    if (set->ntext + n > set->ctext) {
        size_t cap = set->ctext ? set->ctext * 2 : 4096;
        while (cap < set->ntext + n)
            cap *= 2;
        unsigned char *t = tk_realloc(set->text, cap);
        if (!t)
            return TK_ENOMEM;
        set->text = t;
        set->ctext = cap;
    }
    for (size_t i = 0; i < n; i++)
        set->text[set->ntext + i] = lower(s[i]);
    const unsigned char *l = set->text + set->ntext;
    set->e[set->n] =
        (struct entry){ set->ntext, (uint32_t)n, (uint32_t)set->n, (unsigned)l[0] << 8 | l[1] };
    set->ntext += n;
    *id = (uint32_t)set->n++;
    return 0;
}

/* qsort has no context: the text being sorted */
static _Thread_local const unsigned char *sort_text;

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(sort_text + x->off, sort_text + y->off, n);
    return c ? c : x->n < y->n ? -1 : x->n > y->n;
}

/* Marks the pair (a, b), lower case, in a bitmap of raw byte pairs: every case of it. */
static void set_pair(uint64_t *bits, unsigned char a, unsigned char b)
{
    unsigned char as[2] = { a, a >= 'a' && a <= 'z' ? (unsigned char)(a - 32) : a },
                  bs[2] = { b, b >= 'a' && b <= 'z' ? (unsigned char)(b - 32) : b };
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 2; k++) {
            unsigned key = (unsigned)as[i] << 8 | bs[k];
            bits[key >> 6] |= (uint64_t)1 << (key & 63);
        }
}

int tk_litset_finish(struct tk_litset *set)
{
    set->nids = set->n;
    set->bit_of = tk_calloc(set->n + 1, sizeof *set->bit_of);
    set->start = tk_calloc(65537, sizeof *set->start);
    if (!set->bit_of || !set->start)
        return TK_ENOMEM;
    sort_text = set->text;
    if (set->n)
        qsort(set->e, set->n, sizeof *set->e, cmp_entry);
    size_t u = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (!u || cmp_entry(&set->e[u - 1], &set->e[i]) != 0)
            set->e[u++] = set->e[i];
        set->bit_of[set->e[i].id] = (uint32_t)(u - 1);
    }
    sort_text = NULL;
    set->n = u;
    for (unsigned key = 0, k = 0; key <= 65536; key++) {
        while (k < u && set->e[k].key < key)
            k++;
        set->start[key] = k;
    }
    for (size_t i = 0; i < u; i++) {
        const unsigned char *l = set->text + set->e[i].off;
        size_t n = set->e[i].n;
        set_pair(set->pairs, l[0], l[1]);
        if (n == 2)
            set_pair(set->short2, l[0], l[1]);
        /* a literal of 3 bytes: its third byte followed by anything */
        for (unsigned b = 0; b < 256 && n == 3; b++)
            set_pair(set->pairs2, l[2], (unsigned char)b);
        if (n > 3)
            set_pair(set->pairs2, l[2], l[3]);
    }
    return 0;
}

uint32_t tk_litset_bit(const struct tk_litset *set, uint32_t id)
{
    return id < set->nids ? set->bit_of[id] : 0;
}

size_t tk_litset_words(const struct tk_litset *set)
{
    return (set->n + 63) / 64;
}

static bool has_pair(const uint64_t *bits, unsigned key)
{
    return bits[key >> 6] >> (key & 63) & 1;
}

/* The first entry of e[lo, hi) whose byte d (every entry there is longer than d) is at
 * least c. */
static size_t lower_bound(const struct tk_litset *set, size_t lo, size_t hi, size_t d, int c)
{
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (set->text[set->e[mid].off + d] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

#define SHORT_RANGE 8 /* entries compared one by one rather than narrowed further */

void tk_litset_scan(const struct tk_litset *set, const unsigned char *p, size_t n, uint64_t *found)
{
    const struct entry *e = set->e;
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned key = (unsigned)p[i] << 8 | p[i + 1];
        if (!has_pair(set->pairs, key))
            continue;
        /* the next pair as well: text is full of the first pairs ("/d", "<p", "ty") */
        if (i + 3 < n && !has_pair(set->pairs2, (unsigned)p[i + 2] << 8 | p[i + 3]) &&
            !has_pair(set->short2, key))
            continue;
        key = (unsigned)lower(p[i]) << 8 | lower(p[i + 1]);
        /* the literals starting with this pair */
        size_t lo = set->start[key], hi = set->start[key + 1];
        /* then byte by byte, like walking a trie: [lo, hi) share the first d bytes with
         * the text here, and the sorted order puts those that end there first */
        size_t d = 2;
        while (lo < hi && hi - lo > SHORT_RANGE) {
            for (; lo < hi && e[lo].n == d; lo++)
                found[lo >> 6] |= (uint64_t)1 << (lo & 63);
            if (d >= n - i)
                hi = lo; /* the text ends here: the rest are longer */
            if (lo == hi)
                break;
            int c = lower(p[i + d]);
            lo = lower_bound(set, lo, hi, d, c);
            hi = lower_bound(set, lo, hi, d, c + 1);
            d++;
        }
        for (size_t k = lo; k < hi; k++) {
            if (e[k].n > n - i)
                continue;
            const unsigned char *l = set->text + e[k].off;
            size_t j = d;
            while (j < e[k].n && lower(p[i + j]) == l[j])
                j++;
            if (j == e[k].n)
                found[k >> 6] |= (uint64_t)1 << (k & 63);
        }
    }
}
