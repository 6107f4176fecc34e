/* fuzz_ini.c - the INI, shell-assignment and keyword/value parsers (core/ini.h).
 *
 * Every slice a callback receives must lie inside the input; unquoting only ever removes
 * bytes; a callback's non-zero return must come back from the parser unchanged. */
#include <string.h>

#include "core/err.h"
#include "core/ini.h"
#include "fuzz.h"

struct walk {
    struct tk_str text;
    size_t entries, stop_after;
    size_t last_line;
    bool unquote;
    struct tk_buf out, small;
};

static void check_inside(const struct walk *w, struct tk_str s)
{
    /* The empty section may be a static "", anything else points into the text. */
    if (s.n == 0)
        return;
    FUZZ_CHECK(s.p >= w->text.p && s.p + s.n <= w->text.p + w->text.n);
}

static int on_entry(void *ud, struct tk_str section, struct tk_str key, struct tk_str value,
                    size_t lineno)
{
    struct walk *w = ud;
    check_inside(w, section);
    check_inside(w, key);
    check_inside(w, value);
    FUZZ_CHECK(lineno >= 1 && lineno >= w->last_line);
    w->last_line = lineno;
    if (w->unquote) {
        tk_buf_reset(&w->out);
        int rc = tk_shell_unquote(value, &w->out);
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(w->out.len <= value.n);
        /* A tight bound must fail cleanly, never overflow. */
        tk_buf_reset(&w->small);
        rc = tk_shell_unquote(value, &w->small);
        FUZZ_CHECK(rc == 0 || rc == TK_ELIMIT);
        FUZZ_CHECK(w->small.len <= w->small.max);
    }
    if (++w->entries == w->stop_after)
        return 7;
    return 0;
}

static void on_bad(void *ud, size_t lineno)
{
    (void)ud;
    FUZZ_CHECK(lineno >= 1);
}

typedef int (*parse_fn)(struct tk_str text, tk_ini_fn fn, tk_ini_bad_fn bad, void *ud);

static void run(parse_fn parse, struct tk_str text, bool unquote, size_t stop_after)
{
    struct walk w = { .text = text, .stop_after = stop_after, .unquote = unquote };
    tk_buf_init(&w.out, 1 << 20);
    tk_buf_init(&w.small, 8);
    int rc = parse(text, on_entry, on_bad, &w);
    FUZZ_CHECK(rc == 0 || (rc == 7 && w.entries == stop_after));
    /* Without a callback for bad lines as well. */
    w.entries = 0;
    w.last_line = 0;
    rc = parse(text, on_entry, NULL, &w);
    FUZZ_CHECK(rc == 0 || rc == 7);
    tk_buf_release(&w.out);
    tk_buf_release(&w.small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_str text = { (const char *)data, size };
    /* The first byte picks when a callback stops the walk (0: never). */
    size_t stop_after = size ? data[0] % 8 : 0;

    run(tk_ini_parse, text, false, stop_after);
    run(tk_shell_vars_parse, text, true, stop_after);
    run(tk_keyword_parse, text, false, stop_after);

    /* The whole input as one value to unquote. */
    struct tk_buf out = TK_BUF_INIT(1 << 20);
    FUZZ_CHECK(tk_shell_unquote(text, &out) == 0);
    FUZZ_CHECK(out.len <= size);
    tk_buf_release(&out);

    static const char *const lookups[][2] = {
        { "App", "Version" }, { "global", "include" }, { "global", "server min protocol" },
        { "Profile0", "Path" }, { "", "NAME" },         { "Application", "name" },
    };
    for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
        struct tk_str v = { NULL, 0 };
        if (tk_ini_get(text, lookups[i][0], lookups[i][1], &v))
            FUZZ_CHECK(v.n == 0 || (v.p >= text.p && v.p + v.n <= text.p + text.n));
    }
    return 0;
}
