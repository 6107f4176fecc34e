/* fuzz_stanza.c - the stanza syntax of the data files (core/stanza.h).
 *
 * The input is parsed as a data file; the callback checks every field (a non-empty name
 * without blanks at either end or a colon, slices inside valid memory, line numbers that
 * never decrease), that tk_stanza_get returns the first field of a name and tk_stanza_count
 * how many there are, and stops after a number of stanzas chosen by the first byte, which
 * the parser must hand back as its result. */
#include <stdbool.h>
#include <string.h>

#include "core/stanza.h"
#include "fuzz.h"

#define NAME "fuzz.txt"

struct seen {
    size_t stanzas, stop_after, last_line;
};

static void touch(struct tk_str s)
{
    volatile unsigned char sink = 0;
    for (size_t i = 0; i < s.n; i++)
        sink ^= (unsigned char)s.p[i];
    (void)sink;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int on_stanza(void *ud, const struct tk_stanza *s, struct tk_err *err)
{
    struct seen *v = ud;
    (void)err;
    FUZZ_CHECK(s->n > 0);
    FUZZ_CHECK(s->line > v->last_line);
    FUZZ_CHECK(s->line == s->f[0].line);
    v->last_line = s->line;
    for (size_t i = 0; i < s->n; i++) {
        const struct tk_stanza_field *f = &s->f[i];
        touch(f->name);
        touch(f->value);
        FUZZ_CHECK(f->name.n > 0);
        FUZZ_CHECK(!blank(f->name.p[0]) && !blank(f->name.p[f->name.n - 1]));
        FUZZ_CHECK(memchr(f->name.p, ':', f->name.n) == NULL);
        FUZZ_CHECK(i == 0 || f->line > s->f[i - 1].line);
        v->last_line = f->line;
        /* Names are looked up as C strings: only those without a NUL, and only for the
         * first fields (the check is quadratic). */
        if (i >= 64 || memchr(f->name.p, '\0', f->name.n) || f->name.n > 255)
            continue;
        char name[256];
        memcpy(name, f->name.p, f->name.n);
        name[f->name.n] = '\0';
        size_t count = 0, first = SIZE_MAX;
        for (size_t k = 0; k < s->n; k++)
            if (s->f[k].name.n == f->name.n && memcmp(s->f[k].name.p, name, f->name.n) == 0) {
                count++;
                if (first == SIZE_MAX)
                    first = k;
            }
        FUZZ_CHECK(tk_stanza_count(s, name) == count);
        struct tk_str got = tk_stanza_get(s, name);
        FUZZ_CHECK(got.p == s->f[first].value.p && got.n == s->f[first].value.n);
    }
    FUZZ_CHECK(tk_stanza_count(s, "") == 0);
    FUZZ_CHECK(tk_stanza_get(s, "").n == 0);
    if (++v->stanzas == v->stop_after)
        return 42;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen v = { 0, size ? 1 + data[0] % 8 : 1, 0 };
    struct tk_err err = { 0 };
    int rc =
        tk_stanza_parse((struct tk_str){ (const char *)data, size }, NAME, on_stanza, &v, &err);
    if (rc == 42) {
        FUZZ_CHECK(v.stanzas == v.stop_after);
    } else if (rc) {
        FUZZ_CHECK(rc == TK_EPARSE || rc == TK_ELIMIT || rc == TK_ENOMEM);
        FUZZ_CHECK(strncmp(err.msg, NAME ":", strlen(NAME ":")) == 0);
        FUZZ_CHECK(v.stanzas < v.stop_after);
    } else {
        FUZZ_CHECK(v.stanzas < v.stop_after);
    }
    /* Once more without stopping: the same stanzas up to the stop, then maybe more. */
    struct seen all = { 0, 0, 0 };
    int rc2 =
        tk_stanza_parse((struct tk_str){ (const char *)data, size }, NAME, on_stanza, &all, &err);
    FUZZ_CHECK(all.stanzas >= v.stanzas);
    if (rc != 42)
        FUZZ_CHECK(rc2 == rc && all.stanzas == v.stanzas);
    return 0;
}
