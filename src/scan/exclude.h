/* exclude.h - the user's --exclude globs and --exclude-regex patterns, compiled once and
 * applied to every path the scan would report or read: files and directories of the file
 * scan, and the files and executables traces name. A glob's '*' matches any characters,
 * '/' included, and the glob must match the whole path; a regex (PCRE2) is searched in it. */
#ifndef TK_SCAN_EXCLUDE_H
#define TK_SCAN_EXCLUDE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct tk_exclude;

/* *out is NULL when there is nothing to exclude (tk_exclude_match then says false).
 * TK_EINVAL names a regex that does not compile and the offset. */
int tk_exclude_new(struct tk_exclude **out, const char *const *globs, size_t nglobs,
                   const char *const *regexes, size_t nregexes, struct tk_err *err);
void tk_exclude_free(struct tk_exclude *x);

/* One thread at a time (the match data is shared). x may be NULL. */
bool tk_exclude_match(struct tk_exclude *x, const char *path);

#endif
