/* arena.c - bump allocator in a chain of blocks. */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

#define BLOCK_DEFAULT (64 * 1024)
#define ALIGN 16

struct tk_arena_block {
    struct tk_arena_block *next;
    size_t size;
    size_t used;
    _Alignas(ALIGN) unsigned char data[];
};

void tk_arena_init(struct tk_arena *a, size_t max)
{
    a->head = NULL;
    a->total = 0;
    a->max = max;
    a->failed = false;
}

void tk_arena_release(struct tk_arena *a)
{
    struct tk_arena_block *b = a->head;
    while (b) {
        struct tk_arena_block *next = b->next;
        tk_free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
    a->failed = false;
}

void tk_arena_reset(struct tk_arena *a)
{
    struct tk_arena_block *keep = a->head;
    a->failed = false;
    if (!keep)
        return;
    /* Keep the last block of the chain if it is a default-sized one, else drop all. */
    struct tk_arena_block *b = keep->next;
    while (b) {
        struct tk_arena_block *next = b->next;
        tk_free(b);
        b = next;
    }
    if (keep->size != BLOCK_DEFAULT) {
        tk_free(keep);
        a->head = NULL;
        a->total = 0;
        return;
    }
    keep->next = NULL;
    keep->used = 0;
    a->total = keep->size;
}

static void *alloc(struct tk_arena *a, size_t n)
{
    if (n > SIZE_MAX / 2)
        return NULL;
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    struct tk_arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        if (need > a->max || a->total > a->max - need)
            return NULL;
        size_t size = need > BLOCK_DEFAULT ? need : BLOCK_DEFAULT;
        if (size > a->max - a->total)
            size = a->max - a->total; /* a small bound gets smaller blocks */
        b = tk_malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        /* A large one-off block goes behind the head so the head's free room is kept. */
        if (a->head && need > BLOCK_DEFAULT) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
        a->total += size;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

void *tk_arena_alloc(struct tk_arena *a, size_t n)
{
    void *p = alloc(a, n);
    if (!p)
        a->failed = true;
    return p;
}

char *tk_arena_strndup(struct tk_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    const char *end = memchr(s, '\0', n);
    size_t len = end ? (size_t)(end - s) : n;
    char *d = tk_arena_alloc(a, len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *tk_arena_strdup(struct tk_arena *a, const char *s)
{
    return s ? tk_arena_strndup(a, s, strlen(s)) : NULL;
}

char *tk_arena_str(struct tk_arena *a, struct tk_str s)
{
    return tk_arena_strndup(a, s.p, s.n);
}

char *tk_arena_printf(struct tk_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *d = n < 0 ? NULL : tk_arena_alloc(a, (size_t)n + 1);
    if (d)
        vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}
