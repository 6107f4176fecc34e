/* str.c - string slices, and the text form of a version 4 UUID. */
#include "core/str.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

struct tk_str tk_str_c(const char *s)
{
    return (struct tk_str){ s ? s : "", s ? strlen(s) : 0 };
}

struct tk_str tk_str_trim(struct tk_str s)
{
    while (s.n && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

bool tk_str_eq(struct tk_str a, struct tk_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool tk_str_eq_c(struct tk_str a, const char *b)
{
    return tk_str_eq(a, tk_str_c(b));
}

bool tk_str_eqcase_c(struct tk_str a, const char *b)
{
    size_t n = strlen(b);
    if (a.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(a.p[i]) != lower(b[i]))
            return false;
    return true;
}

bool tk_str_has_prefix(struct tk_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

bool tk_str_has_suffix(struct tk_str s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.n >= n && memcmp(s.p + s.n - n, suffix, n) == 0;
}

bool tk_str_cut(struct tk_str s, char sep, struct tk_str *before, struct tk_str *after)
{
    const char *q = s.n ? memchr(s.p, sep, s.n) : NULL;
    if (!q) {
        *before = s;
        *after = (struct tk_str){ s.p + s.n, 0 };
        return false;
    }
    *before = (struct tk_str){ s.p, (size_t)(q - s.p) };
    *after = (struct tk_str){ q + 1, s.n - (size_t)(q - s.p) - 1 };
    return true;
}

bool tk_str_next_line(struct tk_str *rest, struct tk_str *line)
{
    if (rest->n == 0)
        return false;
    struct tk_str before, after;
    tk_str_cut(*rest, '\n', &before, &after);
    if (before.n && before.p[before.n - 1] == '\r')
        before.n--;
    *line = before;
    *rest = after;
    return true;
}

bool tk_str_next_field(struct tk_str *rest, struct tk_str *field)
{
    struct tk_str s = *rest;
    while (s.n && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    if (!s.n) {
        *rest = s;
        return false;
    }
    size_t i = 0;
    while (i < s.n && !is_blank(s.p[i]))
        i++;
    *field = (struct tk_str){ s.p, i };
    *rest = (struct tk_str){ s.p + i, s.n - i };
    return true;
}

bool tk_str_to_u64(struct tk_str s, uint64_t *out)
{
    if (s.n == 0 || s.n > 20)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        unsigned d = (unsigned)(s.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool tk_str_hex_to_u64(struct tk_str s, uint64_t *out)
{
    if (s.n == 0 || s.n > 16)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        v = (v << 4) | d;
    }
    *out = v;
    return true;
}

char *tk_str_dup(struct tk_str s)
{
    return tk_strndup(s.p, s.n);
}

bool tk_glob_match(const char *pattern, struct tk_str s)
{
    /* Iterative matcher with one backtrack point: linear in practice, no recursion. */
    const char *p = pattern, *star = NULL;
    size_t i = 0, star_i = 0;
    while (i < s.n) {
        if (*p == '*') {
            star = p++;
            star_i = i;
        } else if (*p && (*p == '?' || lower(*p) == lower(s.p[i]))) {
            p++;
            i++;
        } else if (star) {
            p = star + 1;
            i = ++star_i;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

void tk_uuid4_format(unsigned char r[16], char *out)
{
    r[6] = (unsigned char)((r[6] & 0x0F) | 0x40); /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
             r[13], r[14], r[15]);
}
