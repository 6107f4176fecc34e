/* jsonr.h - streaming JSON reader (pull parser).
 *
 * Reads JSON of any size from a byte source in chunks, one token at a time, in memory
 * bounded by the largest single string it allows. Importers use it to walk multi-gigabyte
 * feeds (NVD), extracting the fields they keep as they pass. The grammar is checked
 * strictly (RFC 8259); errors name the input, line and column. */
#ifndef TK_CORE_JSONR_H
#define TK_CORE_JSONR_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

enum tk_jtok {
    TK_J_EOF = 0,
    TK_J_OBJ_BEGIN,
    TK_J_OBJ_END,
    TK_J_ARR_BEGIN,
    TK_J_ARR_END,
    TK_J_KEY,
    TK_J_STRING,
    TK_J_NUMBER,
    TK_J_TRUE,
    TK_J_FALSE,
    TK_J_NULL,
};

#define TK_JSONR_MAX_DEPTH 128

/* Reads up to n bytes into p; returns the count, 0 at the end, or -1 on error. */
typedef long (*tk_jsonr_read_fn)(void *ctx, void *p, size_t n);

struct tk_jsonr {
    tk_jsonr_read_fn read;
    void *ctx;
    const char *name;
    unsigned char *buf;
    size_t pos, len, cap;
    int eof;
    uint64_t line, col, offset; /* of the next byte */
    struct tk_buf text;         /* the current key, string or number */
    unsigned depth;
    char stack[TK_JSONR_MAX_DEPTH]; /* '{' or '[' */
    int state;                      /* what may come next, see jsonr.c */
    int done;
    int error;                      /* the last error's code, 0 if none */
};

/* max_string bounds one string or number; 0 selects 16 MiB. */
int tk_jsonr_init(struct tk_jsonr *r, tk_jsonr_read_fn read, void *ctx, const char *name,
                  size_t max_string, struct tk_err *err);
void tk_jsonr_release(struct tk_jsonr *r);

/* Reads from memory (for tests and small inputs). */
struct tk_jsonr_mem {
    const unsigned char *p;
    size_t n;
};
long tk_jsonr_mem_read(void *ctx, void *p, size_t n);

/* The next token (>= 0; TK_J_EOF after the top-level value), or a negative TK_E* code with
 * err filled as "name:line:col: reason". For keys, strings and numbers, *text holds the
 * decoded text, borrowed until the next call. */
int tk_jsonr_next(struct tk_jsonr *r, struct tk_str *text, struct tk_err *err);

/* After a token that starts a value, consumes the rest of that value. */
int tk_jsonr_skip(struct tk_jsonr *r, int tok, struct tk_err *err);

#endif
