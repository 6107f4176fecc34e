/* fuzz_domains.c - domain names (domains/name.h) and their lookalikes (domains/permute.h).
 *
 * The first byte picks the algorithms (0: all); the first line after it is a name, the other
 * lines are words for the dictionary and suffixes for tld-swap. A name that parses parses
 * again to itself; a brand's candidates, under a small bound, each parse to the same ASCII
 * and Unicode forms, come from a chosen algorithm, differ from the brand and appear once. */
#include <stdlib.h>
#include <string.h>

#include "domains/name.h"
#include "domains/permute.h"
#include "fuzz.h"

#define MAX_LINES 8
#define BOUND 100

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void check_reparse(const struct tk_dname *d)
{
    struct tk_dname again;
    FUZZ_CHECK(tk_dname_parse(&again, d->ascii, strlen(d->ascii), NULL) == 0);
    FUZZ_CHECK(strcmp(again.ascii, d->ascii) == 0);
    FUZZ_CHECK(strcmp(again.unicode, d->unicode) == 0);
    FUZZ_CHECK(again.reg == d->reg && again.suffix == d->suffix && again.label_len == d->label_len);
    /* the Unicode form names the same host */
    FUZZ_CHECK(tk_dname_parse(&again, d->unicode, strlen(d->unicode), NULL) == 0);
    FUZZ_CHECK(strcmp(again.ascii, d->ascii) == 0);
}

static void permute(const struct tk_dname *brand, unsigned algos, const char *const *lines,
                    size_t nlines)
{
    struct tk_permute_opts o = { .algos = algos, .words = lines, .nwords = nlines, .max = BOUND };
    if (nlines) {
        o.tlds = lines;
        o.ntlds = nlines;
    }
    struct tk_permuter *p = NULL;
    struct tk_err err = { 0 };
    if (tk_permuter_new(&p, &o, &err) != 0) {
        FUZZ_CHECK(err.code == TK_ENOMEM);
        return;
    }
    size_t bw, bt;
    tk_permuter_skipped(p, &bw, &bt);
    FUZZ_CHECK(bw <= nlines && bt <= nlines);
    struct tk_perm_set s;
    tk_perm_set_init(&s);
    int rc = tk_permute(p, brand, &s, &err);
    FUZZ_CHECK(rc == 0 || rc == TK_ENOMEM);
    FUZZ_CHECK(s.n <= BOUND);
    const char **names = calloc(s.n + 1, sizeof *names);
    FUZZ_CHECK(names != NULL);
    size_t per = 0;
    for (size_t i = 0; i < s.n; i++) {
        const struct tk_perm_cand *c = &s.v[i];
        FUZZ_CHECK((unsigned)c->algo < TK_PERM_NALGO);
        FUZZ_CHECK(!algos || (algos & (1u << c->algo)));
        FUZZ_CHECK(tk_permute_algo_name(c->algo)[0] != '?');
        struct tk_dname d;
        FUZZ_CHECK(tk_dname_parse(&d, c->ascii, strlen(c->ascii), NULL) == 0);
        FUZZ_CHECK(strcmp(d.ascii, c->ascii) == 0);
        FUZZ_CHECK(strcmp(d.unicode, c->unicode) == 0);
        FUZZ_CHECK(strcmp(c->ascii, brand->ascii) != 0);
        names[i] = c->ascii;
    }
    for (int a = 0; a < TK_PERM_NALGO; a++)
        per += s.per_algo[a];
    FUZZ_CHECK(per == s.n);
    qsort(names, s.n, sizeof *names, cmp_str);
    for (size_t i = 1; i < s.n; i++)
        FUZZ_CHECK(strcmp(names[i - 1], names[i]) != 0);
    free(names);
    tk_perm_set_release(&s);
    tk_permuter_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* bit k of the first byte picks algorithms k and k + 8 */
    unsigned algos = 0;
    for (int k = 0; k < 8; k++)
        if (data[0] & (1u << k))
            algos |= (1u << k) | (k + 8 < TK_PERM_NALGO ? 1u << (k + 8) : 0);
    char *text = malloc(size);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    size_t n = size - 1;
    char *nl = memchr(text, '\n', n);
    size_t name_len = nl ? (size_t)(nl - text) : n;

    const char *lines[MAX_LINES];
    size_t nlines = 0;
    for (char *p = nl ? nl + 1 : NULL; p && nlines < MAX_LINES;) {
        char *e = strchr(p, '\n');
        if (e)
            *e = '\0';
        lines[nlines++] = p;
        p = e ? e + 1 : NULL;
    }

    struct tk_dname d;
    struct tk_err err = { 0 };
    int rc = tk_dname_parse(&d, text, name_len, &err);
    if (rc != 0) {
        FUZZ_CHECK(rc == TK_EPARSE || rc == TK_ELIMIT);
        FUZZ_CHECK(err.msg[0] != '\0');
    } else {
        FUZZ_CHECK(d.ascii[0] && strlen(d.ascii) <= TK_DNAME_MAX);
        FUZZ_CHECK(d.label_len == 0 || d.reg + d.label_len + 1 == d.suffix);
        check_reparse(&d);
        if (d.label_len)
            permute(&d, algos, lines, nlines);
    }
    free(text);
    return 0;
}
