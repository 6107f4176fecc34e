/* dpkg.c - the dpkg collector: installed Debian packages from /var/lib/dpkg/status.
 *
 * The status file is parsed directly (no dpkg-query), streamed line by line. Every package
 * dpkg-query -W would list is kept, i.e. all but "not-installed" ones, with its state, so
 * analysis can tell installed software from leftover configuration. */
#include "collect/dpkg.h"

#include <string.h>

#include "collect/collect.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define FIELD_MAX 4096
#define LINE_MAX_BYTES (1 << 20)
#define MAX_REPORTED_ERRORS 20

static const char *const field_names[TK_DPKG_NFIELDS] = {
    [TK_DPKG_PACKAGE] = "Package", [TK_DPKG_STATUS] = "Status", [TK_DPKG_VERSION] = "Version",
    [TK_DPKG_ARCH] = "Architecture", [TK_DPKG_SOURCE] = "Source",
};

void tk_dpkg_parser_init(struct tk_dpkg_parser *p, tk_dpkg_fn fn, void *ud)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < TK_DPKG_NFIELDS; i++)
        tk_buf_init(&p->f[i], FIELD_MAX);
    p->fn = fn;
    p->ud = ud;
}

void tk_dpkg_parser_release(struct tk_dpkg_parser *p)
{
    for (int i = 0; i < TK_DPKG_NFIELDS; i++)
        tk_buf_release(&p->f[i]);
}

static void reset_stanza(struct tk_dpkg_parser *p)
{
    for (int i = 0; i < TK_DPKG_NFIELDS; i++) {
        tk_buf_reset(&p->f[i]);
        p->seen[i] = false;
    }
    p->in_stanza = false;
}

static int end_stanza(struct tk_dpkg_parser *p, const char *name, struct tk_err *err)
{
    int rc = 0;
    if (!p->in_stanza)
        return 0;
    if (p->seen[TK_DPKG_PACKAGE] && p->f[TK_DPKG_PACKAGE].len)
        rc = p->fn(p->ud, p);
    else
        rc = tk_err_set(err, TK_EPARSE, "%s:%zu: stanza without a Package field", name,
                        p->stanza_line);
    reset_stanza(p);
    return rc;
}

int tk_dpkg_feed(struct tk_dpkg_parser *p, struct tk_str line, const char *name,
                 size_t lineno, struct tk_err *err)
{
    if (tk_str_trim(line).n == 0)
        return end_stanza(p, name, err);
    if (!p->in_stanza) {
        p->in_stanza = true;
        p->stanza_line = lineno;
    }
    if (line.p[0] == ' ' || line.p[0] == '\t')
        return 0; /* continuation of a multi-line field we do not keep */
    struct tk_str key, value;
    if (!tk_str_cut(line, ':', &key, &value) || key.n == 0)
        return tk_err_set(err, TK_EPARSE, "%s:%zu: expected \"Field: value\"", name, lineno);
    for (int i = 0; i < TK_DPKG_NFIELDS; i++) {
        if (!tk_str_eqcase_c(key, field_names[i]))
            continue;
        value = tk_str_trim(value);
        tk_buf_reset(&p->f[i]);
        p->seen[i] = true;
        int rc = tk_buf_add(&p->f[i], value.p, value.n);
        if (rc == TK_ELIMIT)
            return tk_err_set(err, TK_EPARSE, "%s:%zu: %s value too long", name, lineno,
                              field_names[i]);
        if (rc)
            return tk_err_set(err, rc, "%s:%zu: out of memory", name, lineno);
        break;
    }
    return 0;
}

int tk_dpkg_finish(struct tk_dpkg_parser *p, const char *name, struct tk_err *err)
{
    return end_stanza(p, name, err);
}

struct tk_str tk_dpkg_get(const struct tk_dpkg_parser *p, enum tk_dpkg_field f)
{
    return (struct tk_str){ tk_buf_cstr(&p->f[f]), p->f[f].len };
}

struct tk_str tk_dpkg_state(const struct tk_dpkg_parser *p)
{
    struct tk_str rest = tk_dpkg_get(p, TK_DPKG_STATUS), word = { "", 0 };
    for (int i = 0; i < 3; i++)
        if (!tk_str_next_field(&rest, &word))
            return (struct tk_str){ "", 0 };
    return word;
}

void tk_dpkg_source(const struct tk_dpkg_parser *p, struct tk_str *name, struct tk_str *version)
{
    struct tk_str src = tk_dpkg_get(p, TK_DPKG_SOURCE);
    *name = tk_dpkg_get(p, TK_DPKG_PACKAGE);
    *version = tk_dpkg_get(p, TK_DPKG_VERSION);
    if (src.n == 0)
        return;
    struct tk_str n, v;
    if (tk_str_cut(src, '(', &n, &v)) {
        v = tk_str_trim(v);
        if (v.n && v.p[v.n - 1] == ')')
            v.n--;
        *version = tk_str_trim(v);
    }
    *name = tk_str_trim(n);
}

struct collect_state {
    struct tk_collect_ctx *ctx;
    size_t errors;
};

static int on_package(void *ud, const struct tk_dpkg_parser *p)
{
    struct collect_state *st = ud;
    struct tk_bundle *b = st->ctx->b;
    struct tk_str state = tk_dpkg_state(p);
    if (tk_str_eq_c(state, "not-installed"))
        return 0;
    struct tk_item *it = tk_bundle_add_item(b);
    if (!it)
        return b->items_dropped && b->nitems >= TK_BUNDLE_MAX_ITEMS ? 0 : TK_ENOMEM;
    struct tk_str pkg = tk_dpkg_get(p, TK_DPKG_PACKAGE), ver = tk_dpkg_get(p, TK_DPKG_VERSION);
    struct tk_str arch = tk_dpkg_get(p, TK_DPKG_ARCH), sname, sver;
    tk_dpkg_source(p, &sname, &sver);
    it->source = "dpkg";
    it->kind = "package";
    it->name = tk_arena_str(&b->arena, pkg);
    it->version = ver.n ? tk_arena_str(&b->arena, ver) : NULL;
    it->arch = arch.n ? tk_arena_str(&b->arena, arch) : NULL;
    it->status = state.n ? tk_arena_str(&b->arena, state) : NULL;
    it->source_package = sname.n ? tk_arena_str(&b->arena, sname) : NULL;
    it->source_version = sver.n ? tk_arena_str(&b->arena, sver) : NULL;
    it->version_from = DPKG_STATUS;
    if (!it->name) {
        b->nitems--;
        return TK_ENOMEM;
    }
    return 0;
}

static void record(struct collect_state *st, const struct tk_err *e)
{
    if (st->errors++ < MAX_REPORTED_ERRORS)
        tk_collect_error(st->ctx, DPKG_STATUS, e);
}

int tk_collect_dpkg(struct tk_collect_ctx *ctx)
{
    struct tk_lines r;
    struct tk_err e = { 0 };
    int rc = tk_lines_open(&r, ctx->root, DPKG_STATUS, LINE_MAX_BYTES, &e);
    if (rc == TK_ENOENT) {
        ctx->note = "no dpkg database";
        return 0;
    }
    if (rc) {
        tk_collect_error(ctx, DPKG_STATUS, &e);
        return rc == TK_ENOMEM ? rc : 0;
    }
    struct collect_state st = { ctx, 0 };
    struct tk_dpkg_parser p;
    tk_dpkg_parser_init(&p, on_package, &st);
    struct tk_str line;
    for (;;) {
        rc = tk_lines_next(&r, &line, &e);
        if (rc == 0)
            break;
        if (rc < 0) {
            record(&st, &e);
            if (rc == TK_ELIMIT)
                continue;
            break;
        }
        rc = tk_dpkg_feed(&p, line, DPKG_STATUS, (size_t)r.lineno, &e);
        if (rc == TK_EPARSE)
            record(&st, &e);
        else if (rc)
            break;
    }
    if (rc == 0 || rc == TK_EPARSE) {
        rc = tk_dpkg_finish(&p, DPKG_STATUS, &e);
        if (rc == TK_EPARSE)
            record(&st, &e);
    }
    if (st.errors > MAX_REPORTED_ERRORS)
        tk_bundle_errorf(ctx->b, ctx->collector, DPKG_STATUS, TK_EPARSE,
                         "%s: %zu further malformed lines not listed", DPKG_STATUS,
                         st.errors - MAX_REPORTED_ERRORS);
    tk_dpkg_parser_release(&p);
    tk_lines_close(&r);
    return rc == TK_ENOMEM ? rc : 0;
}
