/* log.h - the top layer's logger: human text or JSON lines, on stderr by default.
 *
 * Only src/cmd and main.c log (library code returns errors instead). Messages are escaped
 * for the terminal in text form and JSON-escaped in JSON form, so untrusted paths in a
 * message cannot inject control sequences. */
#ifndef TK_CORE_LOG_H
#define TK_CORE_LOG_H

#include <stdio.h>

#include "core/attr.h"
enum tk_log_level { TK_LOG_DEBUG, TK_LOG_INFO, TK_LOG_WARN, TK_LOG_ERROR };
enum tk_log_format { TK_LOG_TEXT, TK_LOG_JSON };

struct tk_log {
    FILE *fp;
    enum tk_log_format format;
    enum tk_log_level min;
    const char *prog; /* prefix of text lines, e.g. "tenken" */
};

void tk_log_init(struct tk_log *log, FILE *fp, enum tk_log_format format,
                 enum tk_log_level min);

/* Parses "text" or "json"; returns 0 or TK_EINVAL. */
int tk_log_format_parse(const char *s, enum tk_log_format *out);

void tk_log(struct tk_log *log, enum tk_log_level level, const char *fmt, ...)
    TK_PRINTF(3, 4);

#endif
