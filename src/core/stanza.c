/* stanza.c - parser for the stanza syntax of data files. */
#include "core/stanza.h"

#include <string.h>

#include "core/alloc.h"

#define MAX_FIELDS 4096

static int add_field(struct tk_stanza *s, struct tk_str name, struct tk_str value, size_t line)
{
    int rc = tk_grow((void **)&s->f, &s->cap, s->n + 1, sizeof *s->f, MAX_FIELDS);
    if (rc)
        return rc;
    s->f[s->n++] = (struct tk_stanza_field){ name, value, line };
    return 0;
}

/* Values with continuation lines are rebuilt in s->joined; the slices into it are fixed
 * up once the stanza is complete (the buffer may move while it grows). */
struct pending {
    size_t field, off, len;
};

int tk_stanza_parse(struct tk_str text, const char *name, tk_stanza_fn fn, void *ud,
                    struct tk_err *err)
{
    struct tk_stanza s = { 0 };
    struct pending *pend = NULL;
    size_t npend = 0, cpend = 0, lineno = 0;
    struct tk_str rest = text, line;
    int rc = 0;
    tk_buf_init(&s.joined, (size_t)16 << 20);
    if (tk_str_has_prefix(rest, "\xEF\xBB\xBF")) {
        rest.p += 3;
        rest.n -= 3;
    }
    for (;;) {
        bool more = tk_str_next_line(&rest, &line);
        if (more)
            lineno++;
        struct tk_str t = more ? tk_str_trim(line) : (struct tk_str){ "", 0 };
        if (more && t.n && t.p[0] == '#')
            continue;
        if (!more || t.n == 0) {
            if (s.n) {
                for (size_t i = 0; i < npend; i++)
                    s.f[pend[i].field].value =
                        (struct tk_str){ s.joined.ptr + pend[i].off, pend[i].len };
                rc = fn(ud, &s, err);
                s.n = 0;
                npend = 0;
                tk_buf_reset(&s.joined);
                if (rc)
                    break;
            }
            if (!more)
                break;
            continue;
        }
        if (line.p[0] == ' ' || line.p[0] == '\t') {
            if (!s.n) {
                rc = tk_err_set(err, TK_EPARSE, "%s:%zu: continuation line without a field",
                                name, lineno);
                break;
            }
            /* Move the field's value into `joined` (once), then append. */
            size_t fi = s.n - 1;
            struct pending *p = npend && pend[npend - 1].field == fi ? &pend[npend - 1] : NULL;
            if (!p) {
                if ((rc = tk_grow((void **)&pend, &cpend, npend + 1, sizeof *pend, MAX_FIELDS)))
                    break;
                p = &pend[npend++];
                p->field = fi;
                p->off = s.joined.len;
                rc = tk_buf_add(&s.joined, s.f[fi].value.p, s.f[fi].value.n);
                p->len = s.f[fi].value.n;
            }
            if (!rc)
                rc = tk_buf_addc(&s.joined, ' ');
            if (!rc)
                rc = tk_buf_add(&s.joined, t.p, t.n);
            if (rc) {
                rc = tk_err_set(err, rc, "%s:%zu: value too long", name, lineno);
                break;
            }
            p->len += 1 + t.n;
            continue;
        }
        struct tk_str key, value;
        if (!tk_str_cut(t, ':', &key, &value) || tk_str_trim(key).n == 0) {
            rc = tk_err_set(err, TK_EPARSE, "%s:%zu: expected \"field: value\"", name, lineno);
            break;
        }
        if (!s.n)
            s.line = lineno;
        if ((rc = add_field(&s, tk_str_trim(key), tk_str_trim(value), lineno))) {
            rc = tk_err_set(err, rc, "%s:%zu: too many fields in one stanza", name, lineno);
            break;
        }
    }
    tk_free(s.f);
    tk_free(pend);
    tk_buf_release(&s.joined);
    return rc;
}

struct tk_str tk_stanza_get(const struct tk_stanza *s, const char *field)
{
    for (size_t i = 0; i < s->n; i++)
        if (tk_str_eq_c(s->f[i].name, field))
            return s->f[i].value;
    return (struct tk_str){ "", 0 };
}

size_t tk_stanza_count(const struct tk_stanza *s, const char *field)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += tk_str_eq_c(s->f[i].name, field);
    return n;
}
