/* jdoc.h - a compact read-only JSON document: parsed with the streaming reader (jsonr.h)
 * into one arena, for readers that walk a whole document once (the bundle reader). About
 * five times faster than building a jansson document of the same text, and released with
 * its arena in one step.
 *
 * The accessors are NULL-safe in the way jansson's are: a member of something that is not an
 * object is NULL, the string of something that is not a string is NULL, and so on. An object
 * with a key twice answers with the later value (as jansson does). Strings may hold NUL
 * bytes (their length is kept); numbers are integers (no fraction or exponent, within
 * int64) or reals. */
#ifndef TK_CORE_JDOC_H
#define TK_CORE_JDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"

enum tk_jv_type { TK_JV_NULL, TK_JV_FALSE, TK_JV_TRUE, TK_JV_INT, TK_JV_REAL, TK_JV_STRING,
                  TK_JV_ARRAY, TK_JV_OBJECT };

#define TK_JV_DUPS (1u << 31) /* the object may hold a key twice: lookups read every member */
#define TK_JV_NUL 1u          /* the string holds a NUL character (a \u0000) */

struct tk_jv {
    enum tk_jv_type type;
    uint32_t bits;        /* object: a bit per key it holds (a lookup of a key whose bit is
                             clear ends at once), and TK_JV_DUPS; string: TK_JV_NUL */
    const char *key;      /* member of an object: its key (NUL-terminated), else NULL */
    size_t keylen;
    struct tk_jv *next;   /* the next element or member */
    size_t len;           /* string: bytes; array/object: elements or members */
    union {
        const char *s;    /* NUL-terminated as well */
        int64_t i;
        double d;
        struct tk_jv *first;
    } u;
};

/* Parses text (a UTF-8 byte-order mark is skipped) into nodes in a; on failure err is
 * "name:line:column: reason". */
int tk_jdoc_parse(struct tk_arena *a, const char *text, size_t n, const char *name,
                  struct tk_jv **out, struct tk_err *err);

const struct tk_jv *tk_jv_get(const struct tk_jv *obj, const char *key);
static inline bool tk_jv_is(const struct tk_jv *v, enum tk_jv_type t) { return v && v->type == t; }
static inline bool tk_jv_is_bool(const struct tk_jv *v)
{
    return v && (v->type == TK_JV_TRUE || v->type == TK_JV_FALSE);
}
static inline bool tk_jv_is_number(const struct tk_jv *v)
{
    return v && (v->type == TK_JV_INT || v->type == TK_JV_REAL);
}
static inline const char *tk_jv_str(const struct tk_jv *v)
{
    return tk_jv_is(v, TK_JV_STRING) ? v->u.s : NULL;
}
/* Whether a string holds a NUL character (its C string then ends early); found while
 * parsing, so readers need not search for one. */
static inline bool tk_jv_has_nul(const struct tk_jv *v)
{
    return tk_jv_is(v, TK_JV_STRING) && (v->bits & TK_JV_NUL);
}
static inline size_t tk_jv_strlen(const struct tk_jv *v)
{
    return tk_jv_is(v, TK_JV_STRING) ? v->len : 0;
}
static inline int64_t tk_jv_int(const struct tk_jv *v)
{
    return tk_jv_is(v, TK_JV_INT) ? v->u.i : 0;
}
static inline double tk_jv_num(const struct tk_jv *v)
{
    return tk_jv_is(v, TK_JV_INT) ? (double)v->u.i : tk_jv_is(v, TK_JV_REAL) ? v->u.d : 0.0;
}
static inline size_t tk_jv_size(const struct tk_jv *v)
{
    return tk_jv_is(v, TK_JV_ARRAY) ? v->len : 0;
}
/* The member at a path of keys (NULL-terminated), NULL where one is missing:
 * TK_JV_PATH(rec, "http", "response", "status_code"). */
const struct tk_jv *tk_jv_path(const struct tk_jv *v, const char *const *keys);
#define TK_JV_PATH(v, ...) tk_jv_path((v), (const char *const[]){ __VA_ARGS__, NULL })
/* A string's text (empty for anything else), and the same of an array's first element —
 * for members that exports write both as "x" and as ["x", ...]. */
static inline struct tk_str tk_jv_text(const struct tk_jv *v)
{
    return tk_jv_str(v) ? (struct tk_str){ v->u.s, v->len } : (struct tk_str){ 0 };
}
static inline struct tk_str tk_jv_first_text(const struct tk_jv *v)
{
    return tk_jv_text(tk_jv_is(v, TK_JV_ARRAY) ? v->u.first : v);
}
/* for (index, element) of an array; nothing for anything else */
#define tk_jv_foreach(arr, index, el)                                                       \
    for ((index) = 0, (el) = tk_jv_is((arr), TK_JV_ARRAY) ? (arr)->u.first : NULL; (el);    \
         (index)++, (el) = (el)->next)

#endif
