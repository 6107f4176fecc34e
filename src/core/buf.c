/* buf.c - bounded growable byte buffer. */
#include "core/buf.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

void tk_buf_init(struct tk_buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void tk_buf_release(struct tk_buf *b)
{
    tk_free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}

void tk_buf_reset(struct tk_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

/* Ensures room for n more bytes plus the terminating NUL. */
static int reserve(struct tk_buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return TK_ELIMIT;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap *= 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    char *p = tk_realloc(b->ptr, ncap);
    if (!p)
        return TK_ENOMEM;
    b->ptr = p;
    b->cap = ncap;
    return 0;
}

int tk_buf_reserve(struct tk_buf *b, size_t n)
{
    return reserve(b, n);
}

void tk_buf_extend(struct tk_buf *b, size_t n)
{
    b->len += n;
    b->ptr[b->len] = '\0';
}

int tk_buf_add(struct tk_buf *b, const void *p, size_t n)
{
    int rc = reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return 0;
}

int tk_buf_adds(struct tk_buf *b, const char *s)
{
    return tk_buf_add(b, s, strlen(s));
}

int tk_buf_addc(struct tk_buf *b, char c)
{
    return tk_buf_add(b, &c, 1);
}

int tk_buf_vaddf(struct tk_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return TK_EINVAL;
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int tk_buf_addf(struct tk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = tk_buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void tk_buf_truncate(struct tk_buf *b, size_t n)
{
    if (n < b->len) {
        b->len = n;
        b->ptr[n] = '\0';
    }
}

const char *tk_buf_cstr(const struct tk_buf *b)
{
    return b->ptr ? b->ptr : "";
}

char *tk_buf_detach(struct tk_buf *b)
{
    char *p = b->ptr;
    if (!p)
        p = tk_strdup("");
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
