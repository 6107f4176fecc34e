/* escape.h - escaping of untrusted strings for each place they are shown.
 *
 * Anything that came from outside (paths, package names, banners, bundle fields) passes
 * through one of these before it reaches a terminal, a log, HTML or CSV. JSON escaping
 * lives in json.h. All append to `out` and return 0, TK_ENOMEM or TK_ELIMIT. */
#ifndef TK_CORE_ESCAPE_H
#define TK_CORE_ESCAPE_H

#include <stddef.h>

#include "core/buf.h"

/* Terminal and text logs: printable UTF-8 passes; control characters (C0, DEL, C1),
 * bidirectional overrides and invalid bytes become visible \xNN or \u{NNNN} escapes so no
 * input can move the cursor, change colours or reorder what the reader sees. */
int tk_escape_term(struct tk_buf *out, const char *s, size_t n);

/* HTML text and attribute values (quoted with " or '): & < > " ' become entities, control
 * characters other than tab and newline and invalid bytes become U+FFFD. */
int tk_escape_html(struct tk_buf *out, const char *s, size_t n);

/* One CSV field (RFC 4180), always quoted. A field starting with = + - @ tab or CR gets a
 * leading apostrophe so spreadsheets do not evaluate it as a formula. */
int tk_escape_csv(struct tk_buf *out, const char *s, size_t n);

/* Base64 (RFC 4648, standard alphabet with padding) in lines of at most 76 characters
 * ending in CRLF, as MIME bodies want them; wrap 0: one line, no CRLF. */
int tk_base64(struct tk_buf *out, const void *p, size_t n, size_t wrap);
/* Decodes base64 (standard or URL alphabet, padding optional, blanks and line ends
 * ignored) into out; TK_EPARSE on any other character or misplaced padding. */
int tk_base64_decode(struct tk_buf *out, const char *s, size_t n);
/* The same with another line end (Shodan's favicon hash wants "\n"). */
int tk_base64_eol(struct tk_buf *out, const void *p, size_t n, size_t wrap, const char *eol);

#endif
