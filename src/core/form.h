/* form.h - HTML form bodies (application/x-www-form-urlencoded), as browsers send them. */
#ifndef TK_CORE_FORM_H
#define TK_CORE_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* Appends the decoded value of every name=value pair of body (n bytes) whose name is name
 * to out, separated by sep (0: none); whether any pair had that name. '+' is a blank, %XX a
 * byte; a '%' not followed by two hex digits is kept as it is. Bounded by out's maximum. */
bool tk_form_values(const char *body, size_t n, const char *name, char sep, struct tk_buf *out);

#endif
