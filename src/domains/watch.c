/* watch.c - names that imitate brands or carry lures (watch.h). */
#include "domains/watch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uspoof.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/map.h"
#include "core/relit.h"
#include "core/str.h"
#include "scan/embedded.h"

#define LABEL_MAX 64
#define EMBED_MIN 4 /* shorter brand labels are too common inside other words */

struct brand {
    const char *domain; /* as given, "jp-bank.japanpost.jp" */
    const char *reg;    /* its registrable domain, "japanpost.jp" */
    const char *label;  /* the registrable label, "japanpost" */
    const char *suffix; /* "jp" */
    size_t label_len;
};

struct keyword {
    const char *word; /* folded as names are */
    int weight;
};

/* brands (or keywords) filed under a key: a chain of entries, head index + 1 in the map */
struct entry {
    uint32_t item, next; /* next: index + 1, 0 ends */
};

struct tk_watch {
    struct tk_arena arena;
    struct brand *b;
    size_t nb, cb;
    struct keyword *k;
    size_t nk, ck;
    struct entry *e;
    size_t ne, ce;
    struct tk_map exact, fold, dels, concat, regs;
    struct tk_litset *labels, *words; /* brand labels in names; keywords in folded names */
    uint32_t *label_head, *word_head; /* by bit: head of the items' chain (index + 1) */
    USpoofChecker *spoof;
    /* one bit per hashed key filed in any map: most names' keys are in none, and this
     * answers that from 128 KiB instead of a probe into the maps */
    uint64_t *filter;
};

#define FILTER_BITS 20

static uint32_t key_hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h ^ (h >> FILTER_BITS);
}

static bool maybe_filed(const struct tk_watch *w, const char *p, size_t n)
{
    uint32_t b = key_hash(p, n) & ((1u << FILTER_BITS) - 1);
    return w->filter[b >> 6] >> (b & 63) & 1;
}

/* ---- folding ------------------------------------------------------------------------------ */

/* Look-alikes in ASCII folded to one form, for brand labels and candidate labels alike:
 * rn -> m, vv -> w, cl -> d, 0 -> o, 1 and i -> l. */
static size_t fold_ascii(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        char d = i + 1 < n ? (char)(s[i + 1] | 32) : 0;
        if (c == 'r' && d == 'n') {
            out[k++] = 'm';
            i++;
        } else if (c == 'v' && d == 'v') {
            out[k++] = 'w';
            i++;
        } else if (c == 'c' && d == 'l') {
            out[k++] = 'd';
            i++;
        } else {
            out[k++] = c == '0' ? 'o' : (c == '1' || c == 'i') ? 'l' : c;
        }
    }
    out[k] = '\0';
    return k;
}

/* The confusable skeleton of a Unicode label (ICU), lower-cased and folded as above. */
static size_t fold_unicode(const USpoofChecker *sc, const char *u, char *out, size_t cap)
{
    char skel[4 * LABEL_MAX * 4];
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = uspoof_getSkeletonUTF8(sc, 0, u, -1, skel, (int32_t)sizeof skel, &st);
    if (U_FAILURE(st) || n < 0 || (size_t)n >= sizeof skel) {
        out[0] = '\0';
        return 0;
    }
    return fold_ascii(skel, (size_t)n, out, cap);
}

/* For keywords: digits written for letters (c0vid, c0r0na) read as letters, hyphens and
 * dots dropped. */
static size_t fold_lure(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        static const char from[] = "01345789@$", to[] = "oieastbgas";
        const char *f = c ? strchr(from, c) : NULL;
        if (c == '-' || c == '.' || c == '_')
            continue;
        out[k++] = f ? to[f - from] : c;
    }
    out[k] = '\0';
    return k;
}

/* ---- building ----------------------------------------------------------------------------- */

static int file_under(struct tk_watch *w, struct tk_map *m, struct tk_str key, uint32_t item)
{
    uint32_t bit = key_hash(key.p, key.n) & ((1u << FILTER_BITS) - 1);
    w->filter[bit >> 6] |= (uint64_t)1 << (bit & 63);
    if (tk_grow((void **)&w->e, &w->ce, w->ne + 1, sizeof *w->e, (size_t)1 << 26) != 0)
        return TK_ENOMEM;
    uintptr_t head = (uintptr_t)tk_map_get(m, key);
    /* the same item under the same key once */
    for (uintptr_t i = head; i; i = w->e[i - 1].next)
        if (w->e[i - 1].item == item)
            return 0;
    w->e[w->ne] = (struct entry){ item, (uint32_t)head };
    w->ne++;
    return tk_map_put(m, key, (void *)(uintptr_t)w->ne);
}

static int add_brand(struct tk_watch *w, struct tk_str dom, const char *where, size_t line,
                     struct tk_err *err)
{
    struct tk_dname d;
    struct tk_err perr = { 0 };
    if (tk_dname_parse(&d, dom.p, dom.n, &perr) != 0)
        return tk_err_set(err, TK_EPARSE, "%s:%zu: %s", where, line, perr.msg);
    if (!d.label_len)
        return tk_err_set(err, TK_EPARSE, "%s:%zu: %s is a public suffix, not a brand", where, line,
                          d.ascii);
    if (w->nb >= TK_WATCH_MAX_BRANDS)
        return tk_err_set(err, TK_ELIMIT, "%s:%zu: more than %d brands", where, line,
                          TK_WATCH_MAX_BRANDS);
    if (tk_grow((void **)&w->b, &w->cb, w->nb + 1, sizeof *w->b, TK_WATCH_MAX_BRANDS) != 0)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    struct tk_arena *a = &w->arena;
    struct brand *b = &w->b[w->nb];
    b->domain = tk_arena_strdup(a, d.ascii);
    b->reg = tk_arena_strdup(a, d.ascii + d.reg);
    b->label = tk_arena_strndup(a, d.ascii + d.reg, d.label_len);
    b->suffix = tk_arena_strdup(a, d.ascii + d.suffix);
    b->label_len = d.label_len;
    if (a->failed)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    uint32_t id = (uint32_t)w->nb++;
    int rc = file_under(w, &w->exact, (struct tk_str){ b->label, b->label_len }, id);
    if (!rc)
        rc = file_under(w, &w->regs, tk_str_c(b->reg), id);
    char f[2 * LABEL_MAX];
    size_t fn = fold_ascii(b->label, b->label_len, f, sizeof f);
    if (!rc)
        rc = file_under(w, &w->fold, (struct tk_str){ f, fn }, id);
    /* the label and each of its one-letter deletions: a name one edit away shares one */
    char del[LABEL_MAX];
    for (size_t i = 0; !rc && i <= b->label_len && b->label_len >= EMBED_MIN; i++) {
        size_t k = 0;
        for (size_t j = 0; j < b->label_len; j++)
            if (j != i)
                del[k++] = b->label[j];
        rc = file_under(w, &w->dels, (struct tk_str){ del, k }, id);
    }
    /* label and suffix run together: zoomus, zoom-us (dots of the suffix as hyphens too) */
    char cat[2 * TK_DNAME_MAX + 2];
    for (int hy = 0; !rc && hy < 2; hy++) {
        size_t k = 0;
        for (size_t j = 0; j < b->label_len; j++)
            cat[k++] = b->label[j];
        if (hy)
            cat[k++] = '-';
        for (const char *p = b->suffix; *p && k + 1 < sizeof cat; p++)
            if (*p != '.' || hy)
                cat[k++] = *p == '.' ? '-' : *p;
        rc = file_under(w, &w->concat, (struct tk_str){ cat, k }, id);
    }
    return rc ? tk_err_set(err, rc, "out of memory") : 0;
}

typedef int (*line_fn)(struct tk_watch *w, struct tk_str a, struct tk_str b, const char *where,
                       size_t line, struct tk_err *err);

/* "FIRST [REST]" lines, '#' comments and blank lines skipped. */
static int each_line(struct tk_watch *w, const char *text, size_t n, const char *where, line_fn fn,
                     struct tk_err *err)
{
    struct tk_str rest = { text, n }, line;
    size_t no = 0;
    int rc = 0;
    while (!rc && tk_str_next_line(&rest, &line)) {
        no++;
        line = tk_str_trim(line);
        if (!line.n || line.p[0] == '#')
            continue;
        size_t k = 0;
        while (k < line.n && line.p[k] != ' ' && line.p[k] != '\t')
            k++;
        struct tk_str first = { line.p, k };
        struct tk_str second = tk_str_trim((struct tk_str){ line.p + k, line.n - k });
        rc = fn(w, first, second, where, no, err);
    }
    return rc;
}

static int brand_line(struct tk_watch *w, struct tk_str dom, struct tk_str name, const char *where,
                      size_t line, struct tk_err *err)
{
    (void)name; /* for the reader of the file; alerts name the brand by its domain */
    return add_brand(w, dom, where, line, err);
}

static int keyword_line(struct tk_watch *w, struct tk_str word, struct tk_str weight,
                        const char *where, size_t line, struct tk_err *err)
{
    long v = 30;
    if (weight.n) {
        char buf[16];
        snprintf(buf, sizeof buf, "%.*s", (int)(weight.n < 15 ? weight.n : 15), weight.p);
        char *end;
        v = strtol(buf, &end, 10);
        if (*end || v < 1 || v > 1000)
            return tk_err_set(err, TK_EPARSE, "%s:%zu: weight \"%s\" is not 1 to 1000", where, line,
                              buf);
    }
    for (size_t i = 0; i < word.n; i++)
        if ((unsigned char)word.p[i] < 0x21 || word.p[i] == 0x7f)
            return tk_err_set(err, TK_EPARSE, "%s:%zu: a keyword holds a control character", where,
                              line);
    char f[256];
    size_t fn = fold_lure(word.p, word.n < 255 ? word.n : 255, f, sizeof f);
    if (fn < 3 || word.n > 64)
        return tk_err_set(err, TK_EPARSE, "%s:%zu: a keyword has 3 to 64 letters", where, line);
    /* one keyword per folded form (covid and c0vid are one word): the higher weight */
    for (size_t i = 0; i < w->nk; i++)
        if (strlen(w->k[i].word) == fn && memcmp(w->k[i].word, f, fn) == 0) {
            if (v > w->k[i].weight)
                w->k[i].weight = (int)v;
            return 0;
        }
    if (w->nk >= TK_WATCH_MAX_KEYWORDS ||
        tk_grow((void **)&w->k, &w->ck, w->nk + 1, sizeof *w->k, TK_WATCH_MAX_KEYWORDS) != 0)
        return tk_err_set(err, TK_ELIMIT, "%s:%zu: more than %d keywords", where, line,
                          TK_WATCH_MAX_KEYWORDS);
    w->k[w->nk++] = (struct keyword){ tk_arena_strndup(&w->arena, f, fn), (int)v };
    return w->arena.failed ? tk_err_set(err, TK_ENOMEM, "out of memory") : 0;
}

/* The literal sets: brand labels (for embedded ones) and keywords, each bit with the chain of
 * its items. */
static int index_sets(struct tk_watch *w)
{
    w->labels = tk_litset_new();
    w->words = tk_litset_new();
    uint32_t *lid = tk_calloc(w->nb + 1, sizeof *lid), *kid = tk_calloc(w->nk + 1, sizeof *kid);
    int rc = w->labels && w->words && lid && kid ? 0 : TK_ENOMEM;
    for (size_t i = 0; !rc && i < w->nb; i++)
        if (w->b[i].label_len >= EMBED_MIN)
            rc = tk_litset_add(w->labels, (const unsigned char *)w->b[i].label, w->b[i].label_len,
                               &lid[i]);
    for (size_t i = 0; !rc && i < w->nk; i++)
        rc = tk_litset_add(w->words, (const unsigned char *)w->k[i].word, strlen(w->k[i].word),
                           &kid[i]);
    if (!rc)
        rc = tk_litset_finish(w->labels);
    if (!rc)
        rc = tk_litset_finish(w->words);
    if (!rc) {
        w->label_head = tk_calloc(tk_litset_words(w->labels) * 64 + 1, sizeof *w->label_head);
        w->word_head = tk_calloc(tk_litset_words(w->words) * 64 + 1, sizeof *w->word_head);
        rc = w->label_head && w->word_head ? 0 : TK_ENOMEM;
    }
    /* chains by bit, reusing the entry table */
    for (size_t i = 0; !rc && i < w->nb; i++) {
        if (w->b[i].label_len < EMBED_MIN)
            continue;
        uint32_t bit = tk_litset_bit(w->labels, lid[i]);
        if (tk_grow((void **)&w->e, &w->ce, w->ne + 1, sizeof *w->e, (size_t)1 << 26) != 0) {
            rc = TK_ENOMEM;
            break;
        }
        w->e[w->ne++] = (struct entry){ (uint32_t)i, w->label_head[bit] };
        w->label_head[bit] = (uint32_t)w->ne;
    }
    for (size_t i = 0; !rc && i < w->nk; i++) {
        uint32_t bit = tk_litset_bit(w->words, kid[i]);
        if (tk_grow((void **)&w->e, &w->ce, w->ne + 1, sizeof *w->e, (size_t)1 << 26) != 0) {
            rc = TK_ENOMEM;
            break;
        }
        w->e[w->ne++] = (struct entry){ (uint32_t)i, w->word_head[bit] };
        w->word_head[bit] = (uint32_t)w->ne;
    }
    tk_free(lid);
    tk_free(kid);
    return rc;
}

static const char *builtin(const char *name, char **owned)
{
    for (size_t i = 0; i < tk_builtin_domains_count; i++)
        if (strstr(tk_builtin_domains[i].name, name))
            return *owned = tk_embedded_text(&tk_builtin_domains[i]);
    return NULL;
}

int tk_watch_new(struct tk_watch **out, const char *brands, size_t nb, const char *brands_name,
                 const char *keywords, size_t nk, const char *keywords_name, struct tk_err *err)
{
    *out = NULL;
    struct tk_watch *w = tk_calloc(1, sizeof *w);
    if (!w)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    tk_arena_init(&w->arena, (size_t)1 << 30);
    w->filter = tk_calloc((size_t)1 << (FILTER_BITS - 6), sizeof *w->filter);
    if (!w->filter) {
        tk_free(w);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    tk_map_init(&w->exact, (size_t)TK_WATCH_MAX_BRANDS);
    tk_map_init(&w->fold, (size_t)TK_WATCH_MAX_BRANDS);
    tk_map_init(&w->dels, (size_t)TK_WATCH_MAX_BRANDS * LABEL_MAX);
    tk_map_init(&w->concat, (size_t)TK_WATCH_MAX_BRANDS * 2);
    tk_map_init(&w->regs, (size_t)TK_WATCH_MAX_BRANDS);
    char *ob = NULL, *ok = NULL;
    if (!brands) {
        brands = builtin("brands.txt", &ob);
        nb = brands ? strlen(brands) : 0;
        brands_name = "data/domains/brands.txt";
    }
    if (!keywords) {
        keywords = builtin("keywords.txt", &ok);
        nk = keywords ? strlen(keywords) : 0;
        keywords_name = "data/domains/keywords.txt";
    }
    UErrorCode st = U_ZERO_ERROR;
    w->spoof = uspoof_open(&st);
    int rc = 0;
    if (!brands || !keywords || U_FAILURE(st))
        rc = tk_err_set(err, TK_ENOMEM, "out of memory");
    if (!rc)
        rc = each_line(w, brands, nb, brands_name, brand_line, err);
    if (!rc)
        rc = each_line(w, keywords, nk, keywords_name, keyword_line, err);
    if (!rc && (rc = index_sets(w)) != 0)
        tk_err_set(err, rc, "out of memory");
    tk_free(ob);
    tk_free(ok);
    if (rc) {
        tk_watch_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void tk_watch_free(struct tk_watch *w)
{
    if (!w)
        return;
    if (w->spoof)
        uspoof_close(w->spoof);
    tk_litset_free(w->labels);
    tk_litset_free(w->words);
    tk_free(w->label_head);
    tk_free(w->word_head);
    tk_map_release(&w->exact);
    tk_map_release(&w->fold);
    tk_map_release(&w->dels);
    tk_map_release(&w->concat);
    tk_map_release(&w->regs);
    tk_free(w->b);
    tk_free(w->k);
    tk_free(w->e);
    tk_free(w->filter);
    tk_arena_release(&w->arena);
    tk_free(w);
}

size_t tk_watch_brands(const struct tk_watch *w)
{
    return w->nb;
}

size_t tk_watch_keywords(const struct tk_watch *w)
{
    return w->nk;
}

/* ---- judging -------------------------------------------------------------------------------- */

/* One edit apart (Damerau: a letter added, removed, replaced, or two neighbours swapped). */
static bool one_edit(const char *a, size_t na, const char *b, size_t nb)
{
    if (na == nb) {
        size_t i = 0;
        while (i < na && a[i] == b[i])
            i++;
        if (i == na)
            return false; /* equal */
        if (memcmp(a + i + 1, b + i + 1, na - i - 1) == 0)
            return true; /* replaced */
        return i + 1 < na && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               memcmp(a + i + 2, b + i + 2, na - i - 2) == 0; /* swapped */
    }
    if (na + 1 == nb)
        return one_edit(b, nb, a, na);
    if (na != nb + 1)
        return false;
    size_t i = 0;
    while (i < nb && a[i] == b[i])
        i++;
    return memcmp(a + i + 1, b + i, nb - i) == 0; /* a has one more */
}

static void add_reason(struct tk_watch_hit *hit, const char *kind, const char *brand,
                       const char *word, int weight)
{
    for (size_t i = 0; i < hit->n; i++)
        if (hit->r[i].brand == brand && hit->r[i].word == word) {
            if (weight > hit->r[i].weight) {
                hit->r[i].kind = kind;
                hit->r[i].weight = weight;
            }
            return;
        }
    if (hit->n < TK_WATCH_MAX_REASONS) {
        hit->r[hit->n++] = (struct tk_watch_reason){ kind, brand, word, weight };
        return;
    }
    /* full: replace the weakest when this one is stronger */
    size_t low = 0;
    for (size_t i = 1; i < hit->n; i++)
        if (hit->r[i].weight < hit->r[low].weight)
            low = i;
    if (weight > hit->r[low].weight)
        hit->r[low] = (struct tk_watch_reason){ kind, brand, word, weight };
}

struct judging {
    const struct tk_watch *w;
    const struct tk_dname *d;
    struct tk_watch_hit *hit;
    const char *reg; /* the name's registrable domain */
};

/* A brand reason, unless the name is the brand's own. */
static void brand_reason(struct judging *j, uint32_t bi, const char *kind, int weight)
{
    const struct brand *b = &j->w->b[bi];
    if (strcmp(b->reg, j->reg) == 0)
        return;
    add_reason(j->hit, kind, b->domain, NULL, weight);
}

/* Every brand filed under key in m, with kind and weight (typo: checked first). */
static void lookup(struct judging *j, const struct tk_map *m, const char *key, size_t n,
                   const char *kind, int weight, bool typo, bool other_suffix)
{
    if (!maybe_filed(j->w, key, n))
        return;
    uintptr_t head = (uintptr_t)tk_map_get(m, (struct tk_str){ key, n });
    const char *label = j->d->ascii + j->d->reg;
    const char *suffix = j->d->ascii + j->d->suffix;
    for (uintptr_t i = head; i; i = j->w->e[i - 1].next) {
        const struct brand *b = &j->w->b[j->w->e[i - 1].item];
        bool same = b->label_len == j->d->label_len && memcmp(b->label, label, b->label_len) == 0;
        if (typo && !one_edit(label, j->d->label_len, b->label, b->label_len))
            continue;
        if (same && !other_suffix)
            continue; /* the brand's own label: tld-swap's, or the brand itself */
        if (other_suffix && strcmp(b->suffix, suffix) == 0)
            continue;
        int wt = weight;
        if (typo && b->label_len < 5)
            wt -= 20; /* short labels are one edit from many words */
        brand_reason(j, j->w->e[i - 1].item, kind, wt);
    }
}

static bool is_brand_own(const struct tk_watch *w, const char *reg)
{
    return maybe_filed(w, reg, strlen(reg)) && tk_map_get(&w->regs, tk_str_c(reg)) != NULL;
}

void tk_watch_judge(const struct tk_watch *w, const struct tk_dname *d, struct tk_watch_hit *hit)
{
    memset(hit, 0, sizeof *hit);
    if (d->label_len && is_brand_own(w, d->ascii + d->reg))
        return; /* a brand's own name: nothing to report, lures included */
    struct judging j = { w, d, hit, d->ascii + d->reg };
    const char *label = d->ascii + d->reg;
    size_t ln = d->label_len;
    if (ln && ln < LABEL_MAX) {
        /* same label, another suffix */
        lookup(&j, &w->exact, label, ln, "tld-swap", 80, false, true);
        /* look-alikes: the folded label (the skeleton of a Unicode one) is a brand's */
        char f[4 * LABEL_MAX];
        bool idn = strncmp(label, "xn--", 4) == 0;
        size_t fn;
        if (idn) {
            char u[4 * LABEL_MAX + 1];
            tk_dname_label(d, true, u, sizeof u);
            fn = fold_unicode(w->spoof, u, f, sizeof f);
        } else {
            fn = fold_ascii(label, ln, f, sizeof f);
        }
        if (fn)
            lookup(&j, &w->fold, f, fn, idn ? "idn-homograph" : "homoglyph", idn ? 100 : 90, false,
                   false);
        /* one edit away: the label or one of its deletions is filed */
        char del[LABEL_MAX];
        lookup(&j, &w->dels, label, ln, "typo", 85, true, false);
        for (size_t i = 0; i < ln; i++) {
            size_t k = 0;
            for (size_t m = 0; m < ln; m++)
                if (m != i)
                    del[k++] = label[m];
            lookup(&j, &w->dels, del, k, "typo", 85, true, false);
        }
        /* label and suffix run together */
        lookup(&j, &w->concat, label, ln, "various", 85, false, false);
        /* cut by dots: the labels before it and it, joined */
        if (d->reg) {
            char joined[2 * TK_DNAME_MAX];
            size_t k = 0;
            const char *p = d->ascii + d->reg - 1; /* the dot before the registrable part */
            const char *start = p;
            while (start > d->ascii && start[-1] != '.')
                start--;
            for (const char *q = start; q < p && k < sizeof joined; q++)
                joined[k++] = *q;
            for (size_t i = 0; i < ln && k < sizeof joined; i++)
                joined[k++] = label[i];
            uintptr_t head = maybe_filed(w, joined, k)
                                 ? (uintptr_t)tk_map_get(&w->exact, (struct tk_str){ joined, k })
                                 : 0;
            for (uintptr_t i = head; i; i = w->e[i - 1].next)
                if (strcmp(w->b[w->e[i - 1].item].suffix, d->ascii + d->suffix) == 0)
                    brand_reason(&j, w->e[i - 1].item, "split", 85);
        }
    }
    /* brand labels anywhere in the name: a bitmap of a word per 64 labels or keywords, on
     * the stack up to 4,096 of them (a heap one for larger sets, per name) */
    uint64_t small[64], *found = small;
    size_t words = tk_litset_words(w->labels), kw = tk_litset_words(w->words);
    size_t most = words > kw ? words : kw;
    if (most > sizeof small / sizeof *small && !(found = tk_calloc(most, sizeof *found))) {
        hit->failed = true; /* out of memory: the caller says so */
        return;
    }
    if (words) {
        memset(found, 0, words * sizeof *found);
        size_t n = strlen(d->ascii);
        tk_litset_scan(w->labels, (const unsigned char *)d->ascii, n, found);
        for (size_t wi = 0; wi < words; wi++)
            for (uint64_t bits = found[wi]; bits; bits &= bits - 1) {
                size_t bit = wi * 64 + (size_t)__builtin_ctzll(bits);
                for (uint32_t e = w->label_head[bit]; e; e = w->e[e - 1].next) {
                    const struct brand *b = &w->b[w->e[e - 1].item];
                    /* where: in the registrable label, or in front of it */
                    const char *at = ln ? strstr(label, b->label) : NULL;
                    if (at && at + b->label_len <= label + ln && ln != b->label_len) {
                        brand_reason(&j, w->e[e - 1].item, "embedded", 70);
                        continue;
                    }
                    size_t dl = strlen(b->domain);
                    const char *sub = d->ascii, *end = d->ascii + d->reg;
                    for (const char *q = sub; q && q < end;
                         q = strchr(q, '.') ? strchr(q, '.') + 1 : NULL) {
                        if ((size_t)(end - q) > dl && strncmp(q, b->domain, dl) == 0 &&
                            q[dl] == '.') {
                            brand_reason(&j, w->e[e - 1].item, "brand-in-subdomain", 90);
                            break;
                        }
                        if ((size_t)(end - q) > b->label_len &&
                            strncmp(q, b->label, b->label_len) == 0 &&
                            (q[b->label_len] == '.' || q[b->label_len] == '-'))
                            brand_reason(&j, w->e[e - 1].item, "label-in-subdomain", 60);
                    }
                }
            }
    }
    /* lures */
    char lure[4 * TK_DNAME_MAX + 1];
    size_t lnn;
    if (strstr(d->ascii, "xn--")) {
        char skel[8 * TK_DNAME_MAX];
        UErrorCode st = U_ZERO_ERROR;
        int32_t sn =
            uspoof_getSkeletonUTF8(w->spoof, 0, d->unicode, -1, skel, (int32_t)sizeof skel, &st);
        if (U_FAILURE(st) || sn < 0 || (size_t)sn >= sizeof skel) {
            lnn = fold_lure(d->ascii, strlen(d->ascii), lure, sizeof lure);
        } else {
            /* the skeleton writes m as rn: back to m (only here: "rn" is common in words) */
            size_t k = 0;
            for (int32_t i = 0; i < sn; i++) {
                if (skel[i] == 'r' && i + 1 < sn && skel[i + 1] == 'n') {
                    skel[k++] = 'm';
                    i++;
                } else {
                    skel[k++] = skel[i];
                }
            }
            lnn = fold_lure(skel, k, lure, sizeof lure);
        }
    } else {
        lnn = fold_lure(d->ascii, strlen(d->ascii), lure, sizeof lure);
    }
    if (kw) {
        memset(found, 0, kw * sizeof *found);
        tk_litset_scan(w->words, (const unsigned char *)lure, lnn, found);
        for (size_t wi = 0; wi < kw; wi++)
            for (uint64_t bits = found[wi]; bits; bits &= bits - 1) {
                size_t bit = wi * 64 + (size_t)__builtin_ctzll(bits);
                for (uint32_t e = w->word_head[bit]; e; e = w->e[e - 1].next) {
                    const struct keyword *k = &w->k[w->e[e - 1].item];
                    add_reason(hit, "keyword", NULL, k->word, k->weight);
                }
            }
    }
    if (found != small)
        tk_free(found);
    /* the score: the strongest brand reason and every keyword */
    int best = 0;
    for (size_t i = 0; i < hit->n; i++) {
        if (hit->r[i].brand && hit->r[i].weight > best) {
            best = hit->r[i].weight;
            hit->brand = hit->r[i].brand;
        }
        if (!hit->r[i].brand)
            hit->score += hit->r[i].weight;
    }
    hit->score += best;
}
