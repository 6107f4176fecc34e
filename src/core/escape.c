/* escape.c - escaping for terminal, HTML and CSV output. */
#include "core/escape.h"

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/utf8.h"

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

static bool is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

int tk_escape_term(struct tk_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int rc = 0;
    while (i < n && !rc) {
        uint32_t cp;
        size_t len = tk_utf8_decode(p + i, n - i, &cp);
        if (!len) {
            rc = tk_buf_addf(out, "\\x%02x", p[i]);
            i++;
            continue;
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            rc = tk_buf_addf(out, "\\x%02x", (unsigned)cp);
        else if (is_bidi_control(cp))
            rc = tk_buf_addf(out, "\\u{%04x}", (unsigned)cp);
        else
            rc = tk_buf_add(out, p + i, len);
        i += len;
    }
    return rc;
}

int tk_escape_html(struct tk_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int rc = 0;
    while (i < n && !rc) {
        uint32_t cp;
        size_t len = tk_utf8_decode(p + i, n - i, &cp);
        if (!len) {
            rc = tk_buf_adds(out, REPLACEMENT);
            i++;
            continue;
        }
        switch (cp) {
        case '&':
            rc = tk_buf_adds(out, "&amp;");
            break;
        case '<':
            rc = tk_buf_adds(out, "&lt;");
            break;
        case '>':
            rc = tk_buf_adds(out, "&gt;");
            break;
        case '"':
            rc = tk_buf_adds(out, "&quot;");
            break;
        case '\'':
            rc = tk_buf_adds(out, "&#39;");
            break;
        default:
            if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F ||
                (cp >= 0x80 && cp < 0xA0))
                rc = tk_buf_adds(out, REPLACEMENT);
            else
                rc = tk_buf_add(out, p + i, len);
        }
        i += len;
    }
    return rc;
}

int tk_escape_csv(struct tk_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = tk_buf_addc(out, '"');
    if (!rc && n && (p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@' ||
                     p[0] == '\t' || p[0] == '\r'))
        rc = tk_buf_addc(out, '\'');
    size_t i = 0;
    while (i < n && !rc) {
        uint32_t cp;
        size_t len = tk_utf8_decode(p + i, n - i, &cp);
        if (!len) {
            rc = tk_buf_adds(out, REPLACEMENT);
            i++;
            continue;
        }
        if (cp == '"')
            rc = tk_buf_adds(out, "\"\"");
        else
            rc = tk_buf_add(out, p + i, len);
        i += len;
    }
    if (!rc)
        rc = tk_buf_addc(out, '"');
    return rc;
}

int tk_base64(struct tk_buf *out, const void *p, size_t n, size_t wrap)
{
    return tk_base64_eol(out, p, n, wrap, "\r\n");
}

int tk_base64_eol(struct tk_buf *out, const void *p, size_t n, size_t wrap, const char *eol)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = p;
    size_t col = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        char q[4] = { a[v >> 18], a[(v >> 12) & 63], i + 1 < n ? a[(v >> 6) & 63] : '=',
                      i + 2 < n ? a[v & 63] : '=' };
        rc = tk_buf_add(out, q, 4);
        col += 4;
        if (!rc && wrap && (col >= wrap || i + 3 >= n)) {
            rc = tk_buf_adds(out, eol);
            col = 0;
        }
    }
    return rc;
}

int tk_base64_decode(struct tk_buf *out, const char *s, size_t n)
{
    unsigned acc = 0;
    int bits = 0, pad = 0, rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+' || c == '-')
            v = 62;
        else if (c == '/' || c == '_')
            v = 63;
        else if (c == '=') {
            pad++;
            continue;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        else
            return TK_EPARSE;
        if (pad)
            return TK_EPARSE; /* data after padding */
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            rc = tk_buf_addc(out, (char)(acc >> bits & 0xff));
        }
    }
    if (!rc && (bits >= 6 || pad > 2))
        return TK_EPARSE;
    return rc;
}
