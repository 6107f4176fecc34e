/* jdoc.c - jsonr tokens into a tree of struct tk_jv in an arena (see jdoc.h). */
#include "core/jdoc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonr.h"

struct frame {
    struct tk_jv *node, *last;
};

static struct tk_jv *node(struct tk_arena *a, enum tk_jv_type t)
{
    struct tk_jv *v = tk_arena_alloc(a, sizeof *v);
    if (v)
        memset(v, 0, sizeof *v), v->type = t;
    return v;
}

static int number(struct tk_jv *v, struct tk_str s)
{
    char buf[400];
    if (s.n >= sizeof buf)
        return TK_EPARSE;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    char *end;
    errno = 0;
    if (!memchr(s.p, '.', s.n) && !memchr(s.p, 'e', s.n) && !memchr(s.p, 'E', s.n)) {
        long long i = strtoll(buf, &end, 10);
        if (errno == ERANGE)
            return TK_EPARSE;
        v->type = TK_JV_INT;
        v->u.i = i;
    } else {
        double d = strtod(buf, &end);
        if (errno == ERANGE && (d > 1 || d < -1))
            return TK_EPARSE;
        v->type = TK_JV_REAL;
        v->u.d = d;
    }
    return 0;
}

int tk_jdoc_parse(struct tk_arena *a, const char *text, size_t n, const char *name,
                  struct tk_jv **out, struct tk_err *err)
{
    *out = NULL;
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3, n -= 3;
    struct tk_jsonr_mem mem = { (const unsigned char *)text, n };
    struct tk_jsonr r;
    int rc = tk_jsonr_init(&r, tk_jsonr_mem_read, &mem, name, n + 1, err);
    if (rc)
        return rc;
    struct frame stack[TK_JSONR_MAX_DEPTH + 1];
    size_t depth = 0;
    const char *key = NULL;
    size_t keylen = 0;
    struct tk_str t;
    int tok;
    while ((tok = tk_jsonr_next(&r, &t, err)) > 0) {
        if (tok == TK_J_OBJ_END || tok == TK_J_ARR_END) {
            depth--;
            continue;
        }
        if (tok == TK_J_KEY) {
            if (memchr(t.p, '\0', t.n)) {
                rc = tk_err_set(err, TK_EPARSE, "%s:%llu:%llu: a key with a NUL character", name,
                                (unsigned long long)r.line, (unsigned long long)r.col);
                break;
            }
            if (!(key = tk_arena_strndup(a, t.p, t.n)))
                break;
            keylen = t.n;
            continue;
        }
        static const enum tk_jv_type types[] = {
            [TK_J_OBJ_BEGIN] = TK_JV_OBJECT, [TK_J_ARR_BEGIN] = TK_JV_ARRAY,
            [TK_J_STRING] = TK_JV_STRING, [TK_J_NUMBER] = TK_JV_INT, [TK_J_TRUE] = TK_JV_TRUE,
            [TK_J_FALSE] = TK_JV_FALSE, [TK_J_NULL] = TK_JV_NULL,
        };
        struct tk_jv *v = node(a, types[tok]);
        if (!v)
            break;
        if (tok == TK_J_STRING) {
            char *copy = tk_arena_alloc(a, t.n + 1); /* every byte: strings may hold NUL */
            if (!copy)
                break;
            memcpy(copy, t.p, t.n);
            copy[t.n] = '\0';
            v->u.s = copy;
            v->len = t.n;
        } else if (tok == TK_J_NUMBER && (rc = number(v, t)) != 0) {
            rc = tk_err_set(err, TK_EPARSE, "%s:%llu:%llu: number out of range", name,
                            (unsigned long long)r.line, (unsigned long long)r.col);
            break;
        }
        if (depth) {
            struct frame *f = &stack[depth - 1];
            if (f->node->type == TK_JV_OBJECT)
                v->key = key, v->keylen = keylen;
            if (f->last)
                f->last->next = v;
            else
                f->node->u.first = v;
            f->last = v;
            f->node->len++;
        } else {
            *out = v;
        }
        if (tok == TK_J_OBJ_BEGIN || tok == TK_J_ARR_BEGIN)
            stack[depth++] = (struct frame){ v, NULL };
    }
    if (!rc && tok > 0)
        rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory while reading", name);
    else if (!rc && tok < 0)
        rc = tok;
    tk_jsonr_release(&r);
    if (rc)
        *out = NULL;
    return rc;
}

const struct tk_jv *tk_jv_get(const struct tk_jv *obj, const char *key)
{
    const struct tk_jv *found = NULL;
    if (!tk_jv_is(obj, TK_JV_OBJECT))
        return NULL;
    size_t n = strlen(key);
    for (const struct tk_jv *m = obj->u.first; m; m = m->next)
        if (m->keylen == n && m->key[0] == key[0] && memcmp(m->key, key, n) == 0)
            found = m; /* the later of duplicates, as jansson */
    return found;
}

const struct tk_jv *tk_jv_path(const struct tk_jv *v, const char *const *keys)
{
    for (; *keys && v; keys++)
        v = tk_jv_get(v, *keys);
    return v;
}
