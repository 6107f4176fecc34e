/* form.c - see form.h. */
#include "core/form.h"

#include <string.h>

static int hexdig(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f')
        return (c | 32) - 'a' + 10;
    return -1;
}

bool tk_form_values(const char *body, size_t n, const char *name, char sep, struct tk_buf *out)
{
    bool any = false;
    size_t nl = strlen(name);
    for (size_t i = 0; body && i < n;) {
        size_t end = i;
        while (end < n && body[end] != '&')
            end++;
        const char *eq = memchr(body + i, '=', end - i);
        if (eq && (size_t)(eq - (body + i)) == nl && memcmp(body + i, name, nl) == 0) {
            if (any && sep)
                tk_buf_addc(out, sep);
            any = true;
            for (const char *p = eq + 1; p < body + end; p++) {
                if (*p == '+') {
                    tk_buf_addc(out, ' ');
                } else if (*p == '%' && p + 2 < body + end && hexdig(p[1]) >= 0 &&
                           hexdig(p[2]) >= 0) {
                    tk_buf_addc(out, (char)(hexdig(p[1]) << 4 | hexdig(p[2])));
                    p += 2;
                } else {
                    tk_buf_addc(out, *p);
                }
            }
        }
        i = end + 1;
    }
    return any;
}
