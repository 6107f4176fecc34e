/* ini.h - tolerant parsers for the key/value text formats found on endpoints.
 *
 * INI files (Firefox application.ini and profiles.ini, flatpak metadata, smb.conf, xrdp.ini),
 * shell-style assignments (os-release, Java release files) and keyword/value lines
 * (sshd_config). Each parser walks a buffer and calls back per entry with slices into it;
 * it never fails on odd lines, it skips them and reports their line numbers. */
#ifndef TK_CORE_INI_H
#define TK_CORE_INI_H

#include <stddef.h>

#include "core/buf.h"
#include "core/str.h"

/* Return non-zero from a callback to stop; that value is returned by the parser. */
typedef int (*tk_ini_fn)(void *ud, struct tk_str section, struct tk_str key,
                         struct tk_str value, size_t lineno);
typedef void (*tk_ini_bad_fn)(void *ud, size_t lineno);

/* [section] key = value, comments start with '#' or ';' at the line start. */
int tk_ini_parse(struct tk_str text, tk_ini_fn fn, tk_ini_bad_fn bad, void *ud);

/* KEY=value shell assignments (os-release(5)); value still quoted, see tk_shell_unquote. */
int tk_shell_vars_parse(struct tk_str text, tk_ini_fn fn, tk_ini_bad_fn bad, void *ud);

/* Removes one level of shell quoting ("a\"b", 'a b', a\ b) into out. */
int tk_shell_unquote(struct tk_str v, struct tk_buf *out);

/* "Keyword value..." lines (sshd_config(5)): key is the first word, value the rest
 * (a single "=" between them is accepted). Section is empty. */
int tk_keyword_parse(struct tk_str text, tk_ini_fn fn, tk_ini_bad_fn bad, void *ud);

/* Looks up one key in one section (ASCII case-insensitive); value is a slice of text. */
bool tk_ini_get(struct tk_str text, const char *section, const char *key, struct tk_str *value);

#endif
