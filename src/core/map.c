/* map.c - open-addressing hash map with FNV-1a hashing and linear probing. */
#include "core/map.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

struct tk_map_slot {
    const char *key; /* NULL: empty */
    size_t len;
    uint64_t hash;
    void *value;
};

static uint64_t hash(struct tk_str k)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < k.n; i++) {
        h ^= (unsigned char)k.p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void tk_map_init(struct tk_map *m, size_t max)
{
    memset(m, 0, sizeof *m);
    m->max = max;
    tk_arena_init(&m->keys, (size_t)1 << 32);
}

void tk_map_release(struct tk_map *m)
{
    tk_free(m->slots);
    tk_arena_release(&m->keys);
    memset(m, 0, sizeof *m);
}

static struct tk_map_slot *find(const struct tk_map *m, struct tk_str k, uint64_t h)
{
    if (!m->cap)
        return NULL;
    size_t i = (size_t)h & (m->cap - 1);
    for (;;) {
        struct tk_map_slot *s = &m->slots[i];
        if (!s->key || (s->hash == h && s->len == k.n && memcmp(s->key, k.p, k.n) == 0))
            return s;
        i = (i + 1) & (m->cap - 1);
    }
}

void *tk_map_get(const struct tk_map *m, struct tk_str key)
{
    struct tk_map_slot *s = find(m, key, hash(key));
    return s && s->key ? s->value : NULL;
}

static int grow(struct tk_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct tk_map_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = tk_calloc(ncap, sizeof *m->slots);
    if (!m->slots) {
        m->slots = old;
        return TK_ENOMEM;
    }
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].key)
            continue;
        struct tk_map_slot *s =
            find(m, (struct tk_str){ old[i].key, old[i].len }, old[i].hash);
        *s = old[i];
    }
    tk_free(old);
    return 0;
}

int tk_map_put(struct tk_map *m, struct tk_str key, void *value)
{
    uint64_t h = hash(key);
    struct tk_map_slot *s = find(m, key, h);
    if (s && s->key) {
        s->value = value;
        return 0;
    }
    if (m->n >= m->max)
        return TK_ELIMIT;
    if ((m->n + 1) * 4 > m->cap * 3) { /* keep the load under 3/4 */
        int rc = grow(m);
        if (rc)
            return rc;
        s = find(m, key, h);
    }
    /* the whole key, NUL bytes included (strndup would stop at the first) */
    char *k = tk_arena_alloc(&m->keys, key.n + 1);
    if (!k)
        return TK_ENOMEM;
    if (key.n)
        memcpy(k, key.p, key.n);
    k[key.n] = '\0';
    *s = (struct tk_map_slot){ k ? k : "", key.n, h, value };
    m->n++;
    return 0;
}
