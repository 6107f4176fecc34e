/* arena.h - bump allocator for data that lives and dies together (one bundle, one request).
 *
 * Freeing the arena frees everything allocated from it, which keeps error paths leak-free.
 * An arena has a maximum total size, so no input can make it grow without bound. */
#ifndef TK_CORE_ARENA_H
#define TK_CORE_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/attr.h"
#include "core/str.h"

struct tk_arena_block;

struct tk_arena {
    struct tk_arena_block *head;
    size_t total; /* bytes of blocks allocated */
    size_t max;
    bool failed;  /* an allocation failed since init or the last reset: callers that make
                   * many allocations may check once instead of after each */
};

void tk_arena_init(struct tk_arena *a, size_t max);
void tk_arena_release(struct tk_arena *a); /* accepts an arena that never allocated */
/* Forgets every allocation but keeps one block for reuse: for per-record arenas. */
void tk_arena_reset(struct tk_arena *a);

/* Memory valid until tk_arena_release; NULL when out of memory or past the bound. */
void *tk_arena_alloc(struct tk_arena *a, size_t n);
char *tk_arena_strdup(struct tk_arena *a, const char *s); /* NULL s gives NULL */
char *tk_arena_strndup(struct tk_arena *a, const char *s, size_t n);
char *tk_arena_str(struct tk_arena *a, struct tk_str s);
char *tk_arena_printf(struct tk_arena *a, const char *fmt, ...)
    TK_PRINTF(2, 3);

#endif
