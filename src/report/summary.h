/* summary.h - the short account of one bundle that `tenken scan` prints at the end. */
#ifndef TK_REPORT_SUMMARY_H
#define TK_REPORT_SUMMARY_H

#include <stdio.h>

#include "bundle/bundle.h"

enum tk_lang { TK_LANG_EN, TK_LANG_JA };

/* "en" or "ja"; 0 or TK_EINVAL. */
int tk_lang_parse(const char *s, enum tk_lang *out);
/* The language a user's environment asks for (LC_ALL, LC_MESSAGES, LANG): ja or en. */
enum tk_lang tk_lang_from_env(void);

/* Human-readable summary; every string from the bundle is escaped for the terminal.
 * bundle_path may be NULL. Returns 0 or TK_EIO. */
int tk_summary_text(FILE *fp, const struct tk_bundle *b, const char *bundle_path,
                    enum tk_lang lang);
/* The same as one JSON object on one line. */
int tk_summary_json(FILE *fp, const struct tk_bundle *b, const char *bundle_path);

#endif
