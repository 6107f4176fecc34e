/* alloc.h - the one allocation wrapper every module goes through.
 *
 * All functions return NULL on failure and never abort; callers turn NULL into TK_ENOMEM.
 * Tests call tk_alloc_fail_after() to make the Nth allocation fail and prove that every
 * error path cleans up. Memory from these functions is released with tk_free(). */
#ifndef TK_CORE_ALLOC_H
#define TK_CORE_ALLOC_H

#include <stddef.h>

void *tk_malloc(size_t n);
void *tk_calloc(size_t count, size_t size);
void *tk_realloc(void *p, size_t n);
void tk_free(void *p);

/* Caller frees with tk_free(). */
char *tk_strdup(const char *s);
char *tk_strndup(const char *s, size_t n);

/* Growth helper for arrays: makes room for at least `need` elements of `size` bytes in *pv,
 * whose capacity is *cap. Refuses (TK_ELIMIT) past `max` elements, TK_ENOMEM on failure. */
int tk_grow(void **pv, size_t *cap, size_t need, size_t size, size_t max);

/* Test hooks: the allocation after `n` more successful ones fails (n < 0 disables), and the
 * number of allocation attempts made so far by this process. */
void tk_alloc_fail_after(long n);
long tk_alloc_count(void);

#endif
