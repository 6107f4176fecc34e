/* jsonval.c - jansson parsing with positioned errors. */
#include "core/jsonval.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define TK_JSON_ARENA 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TK_JSON_ARENA 0
#endif
#endif
#ifndef TK_JSON_ARENA
#define TK_JSON_ARENA 1
#endif

#define CHUNK_MIN ((size_t)4 << 20)
#define CHUNKS_MAX 32
#define KEEP_MAX ((size_t)8 << 20) /* what a thread keeps between scopes */

struct json_arena {
    char *chunk[CHUNKS_MAX];
    size_t size[CHUNKS_MAX];
    size_t n, cur, used;
    int depth;
};

static _Thread_local struct json_arena ja;

static void *ja_malloc(size_t n)
{
    if (!ja.depth)
        return malloc(n);
    n = (n + 15) & ~(size_t)15;
    while (ja.cur < ja.n && ja.used + n > ja.size[ja.cur]) {
        ja.cur++; /* the rest of this chunk is left unused until the scope ends */
        ja.used = 0;
    }
    if (ja.cur == ja.n) {
        size_t sz = n > CHUNK_MIN ? n : CHUNK_MIN;
        char *c = ja.n < CHUNKS_MAX ? malloc(sz) : NULL;
        if (!c) /* no chunk: a plain allocation, which ja_free recognises as one */
            return malloc(n);
        ja.chunk[ja.n] = c;
        ja.size[ja.n++] = sz;
        ja.used = 0;
    }
    void *p = ja.chunk[ja.cur] + ja.used;
    ja.used += n;
    return p;
}

static void ja_free(void *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < ja.n; i++)
        if ((char *)p >= ja.chunk[i] && (char *)p < ja.chunk[i] + ja.size[i])
            return; /* released with the scope */
    free(p);
}

static void install(void)
{
    json_set_alloc_funcs(ja_malloc, ja_free);
}

void tk_json_alloc_install(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (TK_JSON_ARENA)
        pthread_once(&once, install);
}

void tk_json_scope_begin(void)
{
    if (!TK_JSON_ARENA)
        return;
    tk_json_alloc_install();
    if (ja.depth++ == 0)
        ja.cur = ja.used = 0;
}

void tk_json_scope_end(void)
{
    if (!TK_JSON_ARENA || ja.depth == 0 || --ja.depth)
        return;
    size_t kept = 0, k = 0;
    for (size_t i = 0; i < ja.n; i++) {
        if (kept + ja.size[i] <= KEEP_MAX) {
            kept += ja.size[i];
            ja.chunk[k] = ja.chunk[i];
            ja.size[k++] = ja.size[i];
        } else {
            free(ja.chunk[i]);
        }
    }
    ja.n = k;
    ja.cur = ja.used = 0;
}

int tk_json_parse(const char *text, size_t n, const char *name, json_t **out, struct tk_err *err)
{
    json_error_t je;
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        n -= 3;
    }
    *out = json_loadb(text, n, JSON_ALLOW_NUL, &je);
    if (!*out)
        return tk_err_set(err, TK_EPARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
    return 0;
}

const char *tk_json_get_str(const json_t *j, const char *dotted)
{
    char key[256];
    const char *p = dotted;
    while (j && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        j = json_object_get(j, key);
        p += n + (dot ? 1 : 0);
    }
    return json_is_string(j) ? json_string_value(j) : NULL;
}
