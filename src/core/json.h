/* json.h - streaming JSON writer.
 *
 * Writes straight to a sink (a tk_buf, a FILE, or any function), so a bundle of any size
 * is never held twice in memory. Calls return nothing; the first failure sticks and
 * tk_json_finish() reports it, which keeps emitter code linear. Strings are emitted as
 * valid UTF-8: control characters are escaped and invalid bytes become U+FFFD. */
#ifndef TK_CORE_JSON_H
#define TK_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"

#define TK_JSON_MAX_DEPTH 64

enum { TK_JSON_PRETTY = 1 };

typedef int (*tk_json_sink_fn)(void *ctx, const char *p, size_t n);

struct tk_json {
    tk_json_sink_fn sink;
    void *ctx;
    int err;
    unsigned flags;
    unsigned depth;
    bool after_key;
    bool has_items[TK_JSON_MAX_DEPTH];
    char kind[TK_JSON_MAX_DEPTH];
};

void tk_json_init(struct tk_json *w, tk_json_sink_fn sink, void *ctx, unsigned flags);
void tk_json_init_buf(struct tk_json *w, struct tk_buf *b, unsigned flags);
void tk_json_init_file(struct tk_json *w, FILE *fp, unsigned flags);

void tk_json_obj_begin(struct tk_json *w);
void tk_json_obj_end(struct tk_json *w);
void tk_json_arr_begin(struct tk_json *w);
void tk_json_arr_end(struct tk_json *w);
void tk_json_key(struct tk_json *w, const char *key);

void tk_json_str(struct tk_json *w, const char *s); /* NULL writes null */
void tk_json_strn(struct tk_json *w, const char *s, size_t n);
void tk_json_int(struct tk_json *w, int64_t v);
void tk_json_uint(struct tk_json *w, uint64_t v);
void tk_json_double(struct tk_json *w, double v); /* non-finite values write null */
void tk_json_bool(struct tk_json *w, bool v);
void tk_json_null(struct tk_json *w);

/* key + value in one call. The _opt forms write nothing when the value is absent
 * (NULL string, negative number), for optional members. */
void tk_json_kstr(struct tk_json *w, const char *key, const char *s);
void tk_json_kstr_opt(struct tk_json *w, const char *key, const char *s);
void tk_json_kint(struct tk_json *w, const char *key, int64_t v);
void tk_json_kint_opt(struct tk_json *w, const char *key, int64_t v);
void tk_json_kbool(struct tk_json *w, const char *key, bool v);
/* key: [v[0], ..., v[n-1]] (NULL elements write null) */
void tk_json_kstrs(struct tk_json *w, const char *key, const char *const *v, size_t n);

/* 0 when everything was written and every container closed, else the first error. */
int tk_json_finish(struct tk_json *w);

/* Appends s as a quoted JSON string to out. */
int tk_json_escape(struct tk_buf *out, const char *s, size_t n);

#endif
