/* fuzz_escape.c - the escapers for terminal, HTML, CSV and JSON output (core/escape.h,
 * core/json.h).
 *
 * Whatever the input, each output must be valid UTF-8 and free of what its context treats
 * as markup: no control bytes for a terminal, no raw < > " ' for HTML, only doubled quotes
 * inside a CSV field, no raw control characters inside a JSON string. With a bound too small
 * for the result an escaper must fail with TK_ELIMIT and stay within the bound. */
#include <string.h>

#include "core/err.h"
#include "core/escape.h"
#include "core/json.h"
#include "core/utf8.h"
#include "fuzz.h"

typedef int (*escape_fn)(struct tk_buf *out, const char *s, size_t n);

/* Escapes into an ample buffer (must succeed) and into a tight one (may hit the bound). */
static void escape(escape_fn fn, const char *s, size_t n, struct tk_buf *out)
{
    struct tk_buf tight = TK_BUF_INIT(n / 2 + 1);
    int rc = fn(&tight, s, n);
    FUZZ_CHECK(rc == 0 || rc == TK_ELIMIT);
    FUZZ_CHECK(tight.len <= tight.max);
    tk_buf_release(&tight);

    /* 16 bytes per input byte covers the longest escape ("\\u{202e}" is 8 for 3 bytes). */
    tk_buf_init(out, 16 * n + 16);
    FUZZ_CHECK(fn(out, s, n) == 0);
    FUZZ_CHECK(tk_utf8_valid(tk_buf_cstr(out), out->len));
}

static void check_term(const struct tk_buf *b)
{
    const unsigned char *p = (const unsigned char *)tk_buf_cstr(b);
    for (size_t i = 0; i < b->len;) {
        uint32_t cp;
        size_t len = tk_utf8_decode(p + i, b->len - i, &cp);
        FUZZ_CHECK(len > 0);
        FUZZ_CHECK(cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0));
        FUZZ_CHECK(!(cp >= 0x202A && cp <= 0x202E) && !(cp >= 0x2066 && cp <= 0x2069));
        i += len;
    }
}

static void check_html(const struct tk_buf *b)
{
    const char *s = tk_buf_cstr(b);
    FUZZ_CHECK(memchr(s, '<', b->len) == NULL);
    FUZZ_CHECK(memchr(s, '>', b->len) == NULL);
    FUZZ_CHECK(memchr(s, '"', b->len) == NULL);
    FUZZ_CHECK(memchr(s, '\'', b->len) == NULL);
    /* Every & starts an entity. */
    for (const char *p = s; (p = memchr(p, '&', b->len - (size_t)(p - s))); p++)
        FUZZ_CHECK(memchr(p, ';', b->len - (size_t)(p - s)) != NULL);
}

static void check_csv(const struct tk_buf *b, const char *in, size_t n)
{
    const char *s = tk_buf_cstr(b);
    FUZZ_CHECK(b->len >= 2 && s[0] == '"' && s[b->len - 1] == '"');
    for (size_t i = 1; i + 1 < b->len; i++) {
        if (s[i] != '"')
            continue;
        FUZZ_CHECK(i + 2 < b->len && s[i + 1] == '"');
        i++;
    }
    /* A leading formula character is neutralised by an apostrophe. */
    if (n && in[0] && strchr("=+-@\t\r", in[0]))
        FUZZ_CHECK(b->len >= 3 && s[1] == '\'');
}

static void check_json(const struct tk_buf *b)
{
    const char *s = tk_buf_cstr(b);
    FUZZ_CHECK(b->len >= 2 && s[0] == '"' && s[b->len - 1] == '"');
    for (size_t i = 1; i + 1 < b->len; i++) {
        unsigned char c = (unsigned char)s[i];
        FUZZ_CHECK(c >= 0x20 && c != 0x7F);
        if (c == '\\') {
            FUZZ_CHECK(i + 2 < b->len && s[i + 1] && strchr("\"\\nrtu", s[i + 1]));
            i++;
        } else {
            FUZZ_CHECK(c != '"');
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct tk_buf out;

    escape(tk_escape_term, s, size, &out);
    check_term(&out);
    tk_buf_release(&out);

    escape(tk_escape_html, s, size, &out);
    check_html(&out);
    tk_buf_release(&out);

    escape(tk_escape_csv, s, size, &out);
    check_csv(&out, s, size);
    tk_buf_release(&out);

    escape(tk_json_escape, s, size, &out);
    check_json(&out);
    tk_buf_release(&out);

    /* Valid input passes the terminal escaper unchanged unless it holds something to hide. */
    if (tk_utf8_valid(s, size)) {
        bool plain = true;
        for (size_t i = 0; i < size; i++)
            plain = plain && data[i] >= 0x20 && data[i] < 0x7F;
        if (plain) {
            tk_buf_init(&out, size + 1);
            FUZZ_CHECK(tk_escape_term(&out, s, size) == 0);
            FUZZ_CHECK(out.len == size && memcmp(tk_buf_cstr(&out), s, size) == 0);
            tk_buf_release(&out);
        }
    }
    return 0;
}
