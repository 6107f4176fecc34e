/* json.c - streaming JSON writer. */
#include "core/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"

static int buf_sink(void *ctx, const char *p, size_t n)
{
    return tk_buf_add(ctx, p, n);
}

static int file_sink(void *ctx, const char *p, size_t n)
{
    return fwrite(p, 1, n, ctx) == n ? 0 : TK_EIO;
}

void tk_json_init(struct tk_json *w, tk_json_sink_fn sink, void *ctx, unsigned flags)
{
    memset(w, 0, sizeof *w);
    w->sink = sink;
    w->ctx = ctx;
    w->flags = flags;
}

void tk_json_init_buf(struct tk_json *w, struct tk_buf *b, unsigned flags)
{
    tk_json_init(w, buf_sink, b, flags);
}

void tk_json_init_file(struct tk_json *w, FILE *fp, unsigned flags)
{
    tk_json_init(w, file_sink, fp, flags);
}

static void emit(struct tk_json *w, const char *p, size_t n)
{
    if (!w->err && n)
        w->err = w->sink(w->ctx, p, n);
}

static void emits(struct tk_json *w, const char *s)
{
    emit(w, s, strlen(s));
}

static void newline_indent(struct tk_json *w)
{
    static const char spaces[] = "                                ";
    emit(w, "\n", 1);
    size_t n = (size_t)w->depth * 2;
    while (n) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        emit(w, spaces, k);
        n -= k;
    }
}

/* Separator and indentation before a value or a key. */
static void before_value(struct tk_json *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    if (w->has_items[w->depth - 1])
        emit(w, ",", 1);
    w->has_items[w->depth - 1] = true;
    if (w->flags & TK_JSON_PRETTY)
        newline_indent(w);
}

static void container_open(struct tk_json *w, char kind)
{
    before_value(w);
    if (w->depth >= TK_JSON_MAX_DEPTH) {
        if (!w->err)
            w->err = TK_ELIMIT;
        return;
    }
    emit(w, kind == '{' ? "{" : "[", 1);
    w->kind[w->depth] = kind;
    w->has_items[w->depth] = false;
    w->depth++;
}

static void container_close(struct tk_json *w, char kind)
{
    if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->after_key) {
        if (!w->err)
            w->err = TK_EINVAL;
        return;
    }
    w->depth--;
    if ((w->flags & TK_JSON_PRETTY) && w->has_items[w->depth])
        newline_indent(w);
    emit(w, kind == '{' ? "}" : "]", 1);
}

void tk_json_obj_begin(struct tk_json *w)
{
    container_open(w, '{');
}

void tk_json_obj_end(struct tk_json *w)
{
    container_close(w, '{');
}

void tk_json_arr_begin(struct tk_json *w)
{
    container_open(w, '[');
}

void tk_json_arr_end(struct tk_json *w)
{
    container_close(w, '[');
}

/* Writes the quoted, escaped string through the sink in runs of safe bytes. */
static int escape_to(int (*out)(void *, const char *, size_t), void *ctx, const char *s,
                     size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = out(ctx, "\"", 1);
    size_t run = 0, i = 0;
    while (i < n && !rc) {
        uint32_t cp;
        size_t len = tk_utf8_decode(p + i, n - i, &cp);
        const char *rep = NULL;
        char tmp[8];
        if (!len) {
            rep = "\xEF\xBF\xBD";
            len = 1;
        } else if (cp == '"') {
            rep = "\\\"";
        } else if (cp == '\\') {
            rep = "\\\\";
        } else if (cp == '\n') {
            rep = "\\n";
        } else if (cp == '\t') {
            rep = "\\t";
        } else if (cp == '\r') {
            rep = "\\r";
        } else if (cp < 0x20 || cp == 0x7F) {
            snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)cp);
            rep = tmp;
        }
        if (rep) {
            if (run)
                rc = out(ctx, s + i - run, run);
            run = 0;
            if (!rc)
                rc = out(ctx, rep, strlen(rep));
        } else {
            run += len;
        }
        i += len;
    }
    if (!rc && run)
        rc = out(ctx, s + n - run, run);
    if (!rc)
        rc = out(ctx, "\"", 1);
    return rc;
}

static int json_emit_cb(void *ctx, const char *p, size_t n)
{
    struct tk_json *w = ctx;
    emit(w, p, n);
    return w->err;
}

void tk_json_key(struct tk_json *w, const char *key)
{
    if (w->depth == 0 || w->kind[w->depth - 1] != '{' || w->after_key) {
        if (!w->err)
            w->err = TK_EINVAL;
        return;
    }
    before_value(w);
    if (!w->err)
        escape_to(json_emit_cb, w, key, strlen(key));
    emit(w, (w->flags & TK_JSON_PRETTY) ? ": " : ":", (w->flags & TK_JSON_PRETTY) ? 2 : 1);
    w->after_key = true;
}

void tk_json_strn(struct tk_json *w, const char *s, size_t n)
{
    before_value(w);
    if (!w->err)
        escape_to(json_emit_cb, w, s, n);
}

void tk_json_str(struct tk_json *w, const char *s)
{
    if (!s)
        tk_json_null(w);
    else
        tk_json_strn(w, s, strlen(s));
}

void tk_json_int(struct tk_json *w, int64_t v)
{
    char tmp[32];
    before_value(w);
    snprintf(tmp, sizeof tmp, "%" PRId64, v);
    emits(w, tmp);
}

void tk_json_uint(struct tk_json *w, uint64_t v)
{
    char tmp[32];
    before_value(w);
    snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    emits(w, tmp);
}

void tk_json_double(struct tk_json *w, double v)
{
    char tmp[40];
    if (!isfinite(v)) {
        tk_json_null(w);
        return;
    }
    before_value(w);
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(tmp, sizeof tmp, "%.0f", v); /* integral: no exponent, no fraction */
    } else {
        /* The shortest %g form that reads back as the same double. */
        snprintf(tmp, sizeof tmp, "%.17g", v);
        for (int prec = 1; prec < 17; prec++) {
            char shorter[40];
            snprintf(shorter, sizeof shorter, "%.*g", prec, v);
            if (strtod(shorter, NULL) == v) {
                memcpy(tmp, shorter, sizeof tmp);
                break;
            }
        }
    }
    emits(w, tmp);
}

void tk_json_bool(struct tk_json *w, bool v)
{
    before_value(w);
    emits(w, v ? "true" : "false");
}

void tk_json_null(struct tk_json *w)
{
    before_value(w);
    emits(w, "null");
}

void tk_json_kstr(struct tk_json *w, const char *key, const char *s)
{
    tk_json_key(w, key);
    tk_json_str(w, s);
}

void tk_json_kstr_opt(struct tk_json *w, const char *key, const char *s)
{
    if (s)
        tk_json_kstr(w, key, s);
}

void tk_json_kint(struct tk_json *w, const char *key, int64_t v)
{
    tk_json_key(w, key);
    tk_json_int(w, v);
}

void tk_json_kint_opt(struct tk_json *w, const char *key, int64_t v)
{
    if (v >= 0)
        tk_json_kint(w, key, v);
}

void tk_json_kbool(struct tk_json *w, const char *key, bool v)
{
    tk_json_key(w, key);
    tk_json_bool(w, v);
}

void tk_json_kstrs(struct tk_json *w, const char *key, const char *const *v, size_t n)
{
    tk_json_key(w, key);
    tk_json_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        tk_json_str(w, v[i]);
    tk_json_arr_end(w);
}

int tk_json_finish(struct tk_json *w)
{
    if (!w->err && (w->depth != 0 || w->after_key))
        w->err = TK_EINVAL;
    return w->err;
}

static int buf_out(void *ctx, const char *p, size_t n)
{
    return tk_buf_add(ctx, p, n);
}

int tk_json_escape(struct tk_buf *out, const char *s, size_t n)
{
    return escape_to(buf_out, out, s, n);
}
