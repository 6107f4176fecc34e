/* log.c - text and JSON-lines logging for the command layer. */
#include "core/log.h"

#include <stdarg.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/escape.h"
#include "core/json.h"
#include "core/time.h"

static const char *const level_names[] = { "debug", "info", "warning", "error" };

void tk_log_init(struct tk_log *log, FILE *fp, enum tk_log_format format,
                 enum tk_log_level min)
{
    log->fp = fp;
    log->format = format;
    log->min = min;
    log->prog = "tenken";
}

int tk_log_format_parse(const char *s, enum tk_log_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = TK_LOG_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = TK_LOG_JSON;
    else
        return TK_EINVAL;
    return 0;
}

void tk_log(struct tk_log *log, enum tk_log_level level, const char *fmt, ...)
{
    if (!log || !log->fp || level < log->min)
        return;
    struct tk_buf msg = TK_BUF_INIT(64 * 1024), line = TK_BUF_INIT(256 * 1024);
    va_list ap;
    va_start(ap, fmt);
    if (tk_buf_vaddf(&msg, fmt, ap) != 0)
        tk_buf_adds(&msg, "(log message too long or out of memory)");
    va_end(ap);
    if (log->format == TK_LOG_JSON) {
        char ts[32];
        tk_time_iso8601(tk_time_now(), ts);
        struct tk_json w;
        tk_json_init_buf(&w, &line, 0);
        tk_json_obj_begin(&w);
        tk_json_kstr(&w, "time", ts);
        tk_json_kstr(&w, "level", level_names[level]);
        tk_json_key(&w, "msg");
        tk_json_strn(&w, tk_buf_cstr(&msg), msg.len);
        tk_json_obj_end(&w);
        tk_json_finish(&w);
    } else {
        tk_buf_addf(&line, "%s: ", log->prog);
        if (level != TK_LOG_INFO)
            tk_buf_addf(&line, "%s: ", level_names[level]);
        tk_escape_term(&line, tk_buf_cstr(&msg), msg.len);
    }
    tk_buf_addc(&line, '\n');
    fwrite(tk_buf_cstr(&line), 1, line.len, log->fp);
    fflush(log->fp);
    tk_buf_release(&msg);
    tk_buf_release(&line);
}
