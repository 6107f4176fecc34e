/* fuzz_trend.c - the dataset reader of `surface trend` (surface/trend.h) and its writers.
 *
 * The first byte sets the reads (its low six bits: bytes handed over per read, 0 for all at
 * once) and the filters (0x80: country JP, 0x40: product "a"); the rest is OLD, and after a
 * NUL byte NEW (without one, the same bytes are NEW too). Small limits are in force so the
 * input can reach them. The counters must add up, the tables must be sorted and agree with
 * the counters, and every output form must be well-formed: JSON lines parse, no CSV field
 * starts a formula, text carries no control characters. */
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/jdoc.h"
#include "core/utf8.h"
#include "fuzz.h"
#include "surface/trend.h"

struct mem {
    const char *p;
    size_t n, pos, chunk;
};

static long mem_read(void *ctx, void *p, size_t n)
{
    struct mem *m = ctx;
    size_t k = m->n - m->pos;
    if (k > n)
        k = n;
    if (m->chunk && k > m->chunk)
        k = m->chunk;
    memcpy(p, m->p + m->pos, k);
    m->pos += k;
    return (long)k;
}

static void on_bad(void *ud, const char *input, uint64_t line, const char *why)
{
    uint64_t *n = ud;
    FUZZ_CHECK(input && (!strcmp(input, "old") || !strcmp(input, "new")));
    FUZZ_CHECK(line >= 1);
    FUZZ_CHECK(why && why[0]);
    (*n)++;
}

static int buf_sink(void *ctx, const char *p, size_t n)
{
    return tk_buf_add(ctx, p, n);
}

static void check_tables(const struct tk_trend *t)
{
    const struct tk_trend_stats *st[2] = { tk_trend_stats(t, TK_TREND_OLD),
                                           tk_trend_stats(t, TK_TREND_NEW) };
    for (int s = 0; s < 2; s++) {
        const struct tk_trend_stats *x = st[s];
        FUZZ_CHECK(x->records ==
                   x->malformed + x->filtered + x->duplicates + x->services + x->beyond_limit);
        FUZZ_CHECK(x->services <= 64);
        FUZZ_CHECK(!x->has_seen || x->first_seen <= x->last_seen);
    }
    const struct tk_trend_row *rows;
    FUZZ_CHECK(tk_trend_rows(t, TK_TREND_SERVICES, &rows) == 4);
    uint64_t kept = rows[1].n[0];
    FUZZ_CHECK(rows[0].n[0] == st[0]->services && rows[0].n[1] == st[1]->services);
    FUZZ_CHECK(rows[1].n[1] == kept && kept <= st[0]->services && kept <= st[1]->services);
    FUZZ_CHECK(rows[2].n[0] == 0 && rows[2].n[1] + kept == st[1]->services);
    FUZZ_CHECK(rows[3].n[1] == 0 && rows[3].n[0] + kept == st[0]->services);
    bool dropped = st[0]->keys_dropped || st[1]->keys_dropped;
    for (int d = TK_TREND_PORT; d < TK_TREND_NDIMS; d++) {
        size_t n = tk_trend_rows(t, (enum tk_trend_dim)d, &rows);
        FUZZ_CHECK(n <= 16);
        uint64_t sum[2] = { 0, 0 };
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(rows[i].keylen <= TK_TREND_MAX_KEY);
            FUZZ_CHECK(rows[i].key ? strlen(rows[i].key) == rows[i].keylen && rows[i].keylen
                                   : rows[i].keylen == 0);
            for (int s = 0; s < 2; s++) {
                FUZZ_CHECK(rows[i].n[s] <= st[s]->services);
                sum[s] += rows[i].n[s];
            }
            if (i)
                FUZZ_CHECK(rows[i - 1].n[1] > rows[i].n[1] ||
                           (rows[i - 1].n[1] == rows[i].n[1] && rows[i - 1].n[0] >= rows[i].n[0]));
            double pct;
            FUZZ_CHECK(tk_trend_pct(&rows[i], &pct) == (rows[i].n[0] != 0));
        }
        /* one key per service in these tables (exposures may be none or several) */
        if (d != TK_TREND_EXPOSURE && d != TK_TREND_KEV)
            for (int s = 0; s < 2; s++)
                FUZZ_CHECK(dropped ? sum[s] <= st[s]->services : sum[s] == st[s]->services);
    }
}

static void check_text(const char *p, size_t n)
{
    FUZZ_CHECK(tk_utf8_valid(p, n));
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(p[i] == '\n' || ((unsigned char)p[i] >= 0x20 && p[i] != 0x7f));
}

static void check_jsonl(const char *p, size_t n)
{
    struct tk_arena a;
    tk_arena_init(&a, (size_t)64 << 20);
    const char *end = p + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        FUZZ_CHECK(nl != NULL);
        struct tk_jv *v = NULL;
        struct tk_err err = { 0 };
        FUZZ_CHECK(tk_jdoc_parse(&a, p, (size_t)(nl - p), "jsonl", &v, &err) == 0);
        FUZZ_CHECK(tk_jv_str(tk_jv_get(v, "dimension")) != NULL);
        tk_arena_reset(&a);
        p = nl + 1;
    }
    tk_arena_release(&a);
}

/* Quoted fields must not open with a formula character; every record has six fields. */
static void check_csv(const char *p, size_t n)
{
    size_t fields = 1;
    bool quoted = false, at_start = true;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (quoted) {
            if (c == '"' && i + 1 < n && p[i + 1] == '"') {
                i++;
            } else if (c == '"') {
                quoted = false;
            }
            continue;
        }
        if (at_start && c == '"') {
            FUZZ_CHECK(i + 1 < n);
            char f = p[i + 1];
            FUZZ_CHECK(f != '=' && f != '+' && f != '-' && f != '@' && f != '\t' && f != '\r');
            quoted = true;
            at_start = false;
        } else if (c == ',') {
            fields++;
            at_start = true;
        } else if (c == '\r') {
            FUZZ_CHECK(i + 1 < n && p[i + 1] == '\n');
        } else if (c == '\n') {
            FUZZ_CHECK(fields == 6);
            fields = 1;
            at_start = true;
        } else {
            at_start = false;
        }
    }
    FUZZ_CHECK(!quoted && fields == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(text, '\0', n);
    size_t nold = nul ? (size_t)(nul - text) : n;
    const char *newp = nul ? nul + 1 : text;
    size_t nnew = nul ? n - nold - 1 : n;

    uint64_t bad = 0;
    struct tk_trend_opts o = { .country = data[0] & 0x80 ? "JP" : NULL,
                               .product = data[0] & 0x40 ? "a" : NULL,
                               .max_services = 64,
                               .max_keys = 16,
                               .max_line = 4096,
                               .bad = on_bad,
                               .ud = &bad };
    struct tk_trend *t = NULL;
    FUZZ_CHECK(tk_trend_new(&t, &o) == 0);
    size_t chunk = data[0] & 0x3f;
    struct mem m[2] = { { text, nold, 0, chunk }, { newp, nnew, 0, chunk } };
    static const char *const names[2] = { "old", "new" };
    for (int s = 0; s < 2; s++) {
        struct tk_err err = { 0 };
        FUZZ_CHECK(tk_trend_load(t, (enum tk_trend_side)s, mem_read, &m[s], names[s], &err) == 0);
        FUZZ_CHECK(tk_trend_stats(t, (enum tk_trend_side)s)->bytes == m[s].n);
    }
    FUZZ_CHECK(bad == tk_trend_stats(t, TK_TREND_OLD)->malformed +
                          tk_trend_stats(t, TK_TREND_NEW)->malformed);
    tk_trend_finish(t);
    check_tables(t);

    for (int f = TK_TREND_TEXT; f <= TK_TREND_CSV; f++) {
        struct tk_buf out = TK_BUF_INIT((size_t)64 << 20);
        struct tk_trend_out wo = { .format = (enum tk_trend_format)f,
                                   .names = { "old\x1b", "new" },
                                   .top = 3 };
        FUZZ_CHECK(tk_trend_write(t, &wo, buf_sink, &out) == 0);
        if (f == TK_TREND_TEXT)
            check_text(out.ptr, out.len);
        else if (f == TK_TREND_JSONL)
            check_jsonl(out.ptr, out.len);
        else
            check_csv(out.ptr, out.len);
        tk_buf_release(&out);
    }
    tk_trend_free(t);
    return 0;
}
