/* buf.h - bounded growable byte buffer (after curl's dynbuf and git's strbuf).
 *
 * Every buffer has a maximum size fixed at init; an append past it fails with TK_ELIMIT
 * and leaves the buffer unchanged, so input from files or the network can never grow it
 * without bound. The content is always NUL-terminated once anything was added.
 * Lifecycle: tk_buf_init -> add... -> tk_buf_release (frees) or tk_buf_detach (hands over). */
#ifndef TK_CORE_BUF_H
#define TK_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/attr.h"
struct tk_buf {
    char *ptr;
    size_t len;
    size_t cap;
    size_t max; /* bound on len */
};

#define TK_BUF_INIT(max_) { NULL, 0, 0, (max_) }

void tk_buf_init(struct tk_buf *b, size_t max);
void tk_buf_release(struct tk_buf *b);
void tk_buf_reset(struct tk_buf *b); /* len = 0, keeps memory */

int tk_buf_add(struct tk_buf *b, const void *p, size_t n);
int tk_buf_adds(struct tk_buf *b, const char *s);
int tk_buf_addc(struct tk_buf *b, char c);
int tk_buf_addf(struct tk_buf *b, const char *fmt, ...) TK_PRINTF(2, 3);
int tk_buf_vaddf(struct tk_buf *b, const char *fmt, va_list ap)
    TK_PRINTF(2, 0);

/* Room for n more bytes (and the NUL) without a further allocation: a writer may then fill
 * ptr[len..len+n) itself and call tk_buf_extend. 0, TK_ELIMIT or TK_ENOMEM. */
int tk_buf_reserve(struct tk_buf *b, size_t n);
/* Counts n bytes written in place after a tk_buf_reserve of at least n. */
void tk_buf_extend(struct tk_buf *b, size_t n);

/* Shortens to n bytes (n <= len). */
void tk_buf_truncate(struct tk_buf *b, size_t n);

/* Borrowed NUL-terminated view; "" when empty. Valid until the next change. */
const char *tk_buf_cstr(const struct tk_buf *b);

/* Hands the storage to the caller (free with tk_free) and resets b. Never NULL on success:
 * an empty buffer yields an allocated "". Returns NULL only when out of memory. */
char *tk_buf_detach(struct tk_buf *b);

#endif
