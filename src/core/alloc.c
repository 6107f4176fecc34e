/* alloc.c - allocation wrapper with a failure-injection hook for tests. */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

static atomic_long fail_countdown = -1;
static atomic_long allocations;

void tk_alloc_fail_after(long n)
{
    atomic_store(&fail_countdown, n);
}

long tk_alloc_count(void)
{
    return atomic_load(&allocations);
}

static int should_fail(void)
{
    atomic_fetch_add(&allocations, 1);
    long v = atomic_load(&fail_countdown);
    while (v >= 0) {
        if (atomic_compare_exchange_weak(&fail_countdown, &v, v - 1))
            return v == 0;
    }
    return 0;
}

void *tk_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *tk_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *tk_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void tk_free(void *p)
{
    free(p);
}

char *tk_strndup(const char *s, size_t n)
{
    const char *end = memchr(s, '\0', n);
    size_t len = end ? (size_t)(end - s) : n;
    char *d = tk_malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *tk_strdup(const char *s)
{
    return tk_strndup(s, strlen(s));
}

int tk_grow(void **pv, size_t *cap, size_t need, size_t size, size_t max)
{
    if (need <= *cap)
        return 0;
    if (need > max)
        return TK_ELIMIT;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > max)
        ncap = max;
    if (size && ncap > SIZE_MAX / size)
        return TK_ELIMIT;
    void *p = tk_realloc(*pv, ncap * size);
    if (!p)
        return TK_ENOMEM;
    *pv = p;
    *cap = ncap;
    return 0;
}
