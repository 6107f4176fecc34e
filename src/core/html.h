/* html.h - writing HTML pages into a buffer (the organisation and campaign reports): raw
 * markup, escaped text and formatted markup, the first failure kept so that page code stays
 * linear (tk_html.rc is checked once at the end). Text from outside always goes through
 * tk_html_text. */
#ifndef TK_CORE_HTML_H
#define TK_CORE_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/attr.h"
#include "core/buf.h"

struct tk_html {
    struct tk_buf *b;
    bool ja; /* the page's language is Japanese (else English) */
    int rc;  /* 0, or the first error: TK_ENOMEM or TK_ELIMIT */
};

void tk_html_raw(struct tk_html *h, const char *markup); /* trusted markup, as is */
void tk_html_text(struct tk_html *h, const char *s);     /* escaped; NULL writes nothing */
/* <td>cell</td> for each of n cells, escaped (NULL: an empty cell). */
void tk_html_cells(struct tk_html *h, const char *const *cells, size_t n);
void tk_html_fmt(struct tk_html *h, const char *fmt, ...) TK_PRINTF(2, 3);

#endif
