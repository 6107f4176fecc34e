/* fuzz_watch.c - names judged against brands and lures (domains/watch.h): the input's lines
 * as names through tk_dname_parse and tk_watch_judge with the shipped sets; then the input as
 * a brand file and as a keyword file. A parsed name is lower-case ASCII that parses again to
 * itself; a judgement has bounded reasons, every brand reason names a brand, the score is the
 * sum of the strongest brand reason and the keywords. */
#include <string.h>

#include "domains/name.h"
#include "domains/watch.h"
#include "fuzz.h"

static struct tk_watch *shipped;

static void judge(const char *s, size_t n)
{
    struct tk_dname d, again;
    if (tk_dname_parse(&d, s, n, NULL) != 0)
        return;
    FUZZ_CHECK(strlen(d.ascii) <= TK_DNAME_MAX);
    FUZZ_CHECK(tk_dname_parse(&again, d.ascii, strlen(d.ascii), NULL) == 0);
    FUZZ_CHECK(strcmp(again.ascii, d.ascii) == 0 && again.reg == d.reg);
    FUZZ_CHECK(d.label_len == 0 || d.reg + d.label_len + 1 == d.suffix);
    struct tk_watch_hit h;
    tk_watch_judge(shipped, &d, &h);
    FUZZ_CHECK(h.n <= TK_WATCH_MAX_REASONS);
    int best = 0, words = 0;
    for (size_t i = 0; i < h.n; i++) {
        FUZZ_CHECK(h.r[i].kind && (h.r[i].brand != NULL) != (h.r[i].word != NULL));
        if (h.r[i].brand && h.r[i].weight > best)
            best = h.r[i].weight;
        if (h.r[i].word)
            words += h.r[i].weight;
    }
    FUZZ_CHECK(h.score == best + words);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!shipped && tk_watch_new(&shipped, NULL, 0, NULL, NULL, 0, NULL, NULL) != 0)
        return 0;
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        judge(p, n);
        p += n + 1;
    }
    struct tk_watch *w = NULL;
    tk_watch_new(&w, (const char *)data, size, "b", "covid 60\n", 9, "k", NULL);
    tk_watch_free(w);
    w = NULL;
    static const char one[] = "zoom.us\n";
    if (tk_watch_new(&w, one, sizeof one - 1, "b", (const char *)data, size, "k", NULL) == 0) {
        struct tk_dname d;
        if (tk_dname_parse(&d, "zo0m-covid.com", 14, NULL) == 0) {
            struct tk_watch_hit h;
            tk_watch_judge(w, &d, &h);
            FUZZ_CHECK(h.n <= TK_WATCH_MAX_REASONS);
        }
    }
    tk_watch_free(w);
    return 0;
}
