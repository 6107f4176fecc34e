/* utf8.h - strict UTF-8 decoding shared by every escaper and validator. */
#ifndef TK_CORE_UTF8_H
#define TK_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one code point at s (n bytes available). Returns its length (1-4), or 0 when the
 * bytes at s are not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF are
 * invalid). */
size_t tk_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Appends the UTF-8 encoding of cp (<= U+10FFFF) to out, which must have 4 bytes of room;
 * returns the number of bytes written. */
size_t tk_utf8_encode(uint32_t cp, unsigned char *out);

bool tk_utf8_valid(const char *s, size_t n);

/* Columns the text takes on a terminal: East Asian wide and fullwidth characters count 2,
 * everything else 1 (invalid bytes count 1 each). */
size_t tk_utf8_width(const char *s, size_t n);

/* The longest prefix of s (NUL-terminated) of at most max bytes that does not cut a
 * multi-byte character. */
size_t tk_utf8_prefix(const char *s, size_t max);

/* UTF-16LE (n bytes, up to the first NUL unit; an odd last byte is ignored) as UTF-8,
 * appended to out. Unpaired surrogates become U+FFFD. 0 or TK_ENOMEM / TK_ELIMIT from the
 * buffer. */
struct tk_buf;
int tk_utf16le_to_utf8(const unsigned char *p, size_t n, struct tk_buf *out);

#endif
