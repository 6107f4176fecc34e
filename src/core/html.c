/* html.c - see html.h. */
#include "core/html.h"

#include <stdarg.h>
#include <string.h>

#include "core/escape.h"

void tk_html_raw(struct tk_html *h, const char *markup)
{
    if (!h->rc)
        h->rc = tk_buf_adds(h->b, markup);
}

void tk_html_text(struct tk_html *h, const char *s)
{
    if (!h->rc && s)
        h->rc = tk_escape_html(h->b, s, strlen(s));
}

void tk_html_fmt(struct tk_html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!h->rc)
        h->rc = tk_buf_vaddf(h->b, fmt, ap);
    va_end(ap);
}

void tk_html_cells(struct tk_html *h, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tk_html_raw(h, "<td>");
        tk_html_text(h, cells[i]);
        tk_html_raw(h, "</td>");
    }
}
