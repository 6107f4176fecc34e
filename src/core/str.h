/* str.h - string slices: a pointer and a length into memory someone else owns.
 *
 * Parsers cut their input into slices instead of copying; a slice is valid as long as the
 * memory it points into. Nothing here allocates except tk_str_dup. */
#ifndef TK_CORE_STR_H
#define TK_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tk_str {
    const char *p;
    size_t n;
};

#define TK_STR_LIT(s) ((struct tk_str){ (s), sizeof(s) - 1 })

struct tk_str tk_str_c(const char *s); /* NULL gives the empty slice */
struct tk_str tk_str_trim(struct tk_str s); /* ASCII blanks, CR and LF at both ends */

bool tk_str_eq(struct tk_str a, struct tk_str b);
bool tk_str_eq_c(struct tk_str a, const char *b);
bool tk_str_eqcase_c(struct tk_str a, const char *b); /* ASCII case-insensitive */
bool tk_str_has_prefix(struct tk_str s, const char *prefix);
bool tk_str_has_suffix(struct tk_str s, const char *suffix);

/* Splits at the first `sep`: true and both halves when found, else false and
 * before = s, after = empty. */
bool tk_str_cut(struct tk_str s, char sep, struct tk_str *before, struct tk_str *after);

/* Takes the next line off *rest (without its "\n" or "\r\n"); false when rest is empty. */
bool tk_str_next_line(struct tk_str *rest, struct tk_str *line);

/* Takes the next field separated by runs of ASCII blanks; false when none is left. */
bool tk_str_next_field(struct tk_str *rest, struct tk_str *field);

/* Strict conversions: the whole slice must be a number that fits. */
bool tk_str_to_u64(struct tk_str s, uint64_t *out);
bool tk_str_hex_to_u64(struct tk_str s, uint64_t *out);

/* Caller frees with tk_free(); NULL when out of memory. */
char *tk_str_dup(struct tk_str s);

/* Glob match of the whole string: '*' any run, '?' one byte; ASCII case-insensitive. */
bool tk_glob_match(const char *pattern, struct tk_str s);

/* 16 random bytes as a version 4 UUID in lower case ("xxxxxxxx-xxxx-4xxx-yxxx-..."), out
 * holding at least 37 bytes. The bytes are adjusted for the version and variant. */
void tk_uuid4_format(unsigned char r[16], char *out);

#endif
