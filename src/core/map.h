/* map.h - string-keyed hash map (open addressing). Keys are copied into the map's own
 * arena; values are the caller's pointers. Used for caches that live as long as their
 * owner (the matcher's verdicts per product version, details per CVE). */
#ifndef TK_CORE_MAP_H
#define TK_CORE_MAP_H

#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"

struct tk_map_slot;

struct tk_map {
    struct tk_map_slot *slots;
    size_t cap, n, max;
    struct tk_arena keys;
};

/* max bounds the number of entries (past it, puts fail with TK_ELIMIT). */
void tk_map_init(struct tk_map *m, size_t max);
void tk_map_release(struct tk_map *m);

/* The value stored under key, or NULL. */
void *tk_map_get(const struct tk_map *m, struct tk_str key);
/* Stores value under key (replacing any); 0, TK_ENOMEM or TK_ELIMIT. */
int tk_map_put(struct tk_map *m, struct tk_str key, void *value);

#endif
