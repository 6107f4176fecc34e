/* domains_watch.c - `tenken domains watch`: names from feeds judged against the brands and
 * lure keywords (domains/watch.h). Inputs are lists of names (one per line; the first field
 * of a line, so CSV exports and zone-file lines work, '+' of a diff's added lines dropped) or
 * certificate-transparency JSON lines (certstream: data.leaf_cert.all_domains), plain or gzip,
 * files or standard input; the kind is seen per line. Bad names are counted and skipped.
 *
 * The reading thread cuts the input into batches of lines; one worker per CPU judges them;
 * the reading thread writes each batch's alerts in input order, so the output, the counts and
 * the first bad line are those of one thread. Repeated names are dropped at writing. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cmd/domains.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/escape.h"
#include "core/jdoc.h"
#include "core/json.h"
#include "core/map.h"
#include "domains/resolve.h"
#include "domains/watch.h"
#include "kb/input.h"

#define MAX_LINE ((size_t)1 << 20) /* a longer line is skipped as malformed */
#define SEEN_MAX 1000000           /* alerted names remembered, so repeats are not re-alerted */

enum out_fmt { OUT_JSONL, OUT_CSV, OUT_TEXT };

#define BATCH_LINES 4096
#define BATCH_BYTES ((size_t)1 << 20)
#define LONG_LINE SIZE_MAX /* a line entry that stands for a line too long to keep */

/* One batch: lines in, alerts and counts out. */
struct batch {
    struct tk_buf text; /* the lines' bytes */
    size_t *off, *len;  /* BATCH_LINES each: offset in text, length (LONG_LINE: too long) */
    size_t n;
    uint64_t lineno; /* of the first line */
    const char *input;
    /* results: formatted alerts, each with its name (for the repeats check) */
    struct tk_buf out;
    struct rec {
        size_t key_off, key_len, off, len;
    } * rec;
    size_t nrec, crec;
    uint64_t names, bad;
    uint64_t bad_line;
    char bad_why[128];
    bool failed; /* out of memory in the worker */
    enum { B_FREE, B_FILLING, B_QUEUED, B_DONE } state;
};

struct pool {
    pthread_mutex_t m;
    pthread_cond_t work, done;
    struct batch *b;
    size_t nb, submit, take, written;
    bool stop;
    const struct tk_watch *w;
    enum out_fmt fmt;
    int threshold;
};

/* What a worker needs besides its batch. */
struct judge_ctx {
    const struct pool *p;
    struct batch *b;
    struct tk_arena doc;
    struct tk_buf line;
};

static void bad(struct judge_ctx *x, uint64_t lineno, const char *why)
{
    if (!x->b->bad++) {
        x->b->bad_line = lineno;
        snprintf(x->b->bad_why, sizeof x->b->bad_why, "%.120s", why);
    }
}

static void csv_cell(struct tk_buf *b, const char *s, char end)
{
    tk_escape_csv(b, s ? s : "", s ? strlen(s) : 0);
    tk_buf_addc(b, end);
}

/* The alert's text into x->line. */
static void format_alert(struct judge_ctx *x, const struct tk_dname *d,
                         const struct tk_watch_hit *h, uint64_t lineno)
{
    struct tk_buf *b = &x->line;
    tk_buf_reset(b);
    if (x->p->fmt == OUT_JSONL) {
        struct tk_json j;
        tk_json_init_buf(&j, b, 0);
        tk_json_obj_begin(&j);
        tk_json_kstr(&j, "name", d->ascii);
        tk_json_kstr(&j, "unicode", d->unicode);
        tk_json_kstr(&j, "registrable", d->label_len ? d->ascii + d->reg : NULL);
        tk_json_kint(&j, "score", h->score);
        tk_json_kstr(&j, "brand", h->brand);
        tk_json_key(&j, "reasons");
        tk_json_arr_begin(&j);
        for (size_t i = 0; i < h->n; i++) {
            tk_json_obj_begin(&j);
            tk_json_kstr(&j, "kind", h->r[i].kind);
            tk_json_kstr_opt(&j, "brand", h->r[i].brand);
            tk_json_kstr_opt(&j, "keyword", h->r[i].word);
            tk_json_kint(&j, "weight", h->r[i].weight);
            tk_json_obj_end(&j);
        }
        tk_json_arr_end(&j);
        char pos[300];
        snprintf(pos, sizeof pos, "%.250s:%llu", x->b->input, (unsigned long long)lineno);
        tk_json_kstr(&j, "input", pos);
        tk_json_obj_end(&j);
        tk_json_finish(&j);
        tk_buf_addc(b, '\n');
        return;
    }
    char reasons[1024];
    size_t k = 0;
    reasons[0] = '\0';
    for (size_t i = 0; i < h->n && k < sizeof reasons; i++)
        k += (size_t)snprintf(reasons + k, sizeof reasons - k, "%s%s %s", i ? "; " : "",
                              h->r[i].kind, h->r[i].brand ? h->r[i].brand : h->r[i].word);
    if (x->p->fmt == OUT_CSV) {
        char score[16];
        snprintf(score, sizeof score, "%d", h->score);
        csv_cell(b, d->ascii, ',');
        csv_cell(b, d->unicode, ',');
        csv_cell(b, score, ',');
        csv_cell(b, h->brand, ',');
        csv_cell(b, reasons, '\n');
        return;
    }
    tk_buf_addf(b, "%4d  %s", h->score, d->ascii);
    if (strcmp(d->ascii, d->unicode) != 0) {
        tk_buf_adds(b, " (");
        tk_escape_term(b, d->unicode, strlen(d->unicode));
        tk_buf_adds(b, ")");
    }
    tk_buf_adds(b, "  ");
    tk_escape_term(b, reasons, strlen(reasons)); /* keywords come from a file */
    tk_buf_addc(b, '\n');
}

static void judge_name(struct judge_ctx *x, const char *s, size_t n, uint64_t lineno)
{
    struct tk_dname d;
    struct tk_err err = { 0 };
    x->b->names++;
    if (tk_dname_parse(&d, s, n, &err) != 0) {
        bad(x, lineno, err.msg);
        return;
    }
    struct tk_watch_hit h;
    tk_watch_judge(x->p->w, &d, &h);
    if (h.failed) {
        x->b->failed = true;
        return;
    }
    if (h.score < x->p->threshold)
        return;
    format_alert(x, &d, &h, lineno);
    struct batch *b = x->b;
    size_t klen = strlen(d.ascii);
    /* one record per alert: a certificate may name many (bounded by the batch's bytes) */
    if (tk_grow((void **)&b->rec, &b->crec, b->nrec + 1, sizeof *b->rec, (size_t)1 << 26)) {
        b->failed = true;
        return;
    }
    struct rec *r = &b->rec[b->nrec];
    r->key_off = b->out.len;
    r->key_len = klen;
    r->off = b->out.len + klen;
    r->len = x->line.len;
    if (tk_buf_add(&b->out, d.ascii, klen) != 0 ||
        tk_buf_add(&b->out, x->line.ptr, x->line.len) != 0) {
        b->failed = true;
        return;
    }
    b->nrec++;
}

static void judge_line(struct judge_ctx *x, struct tk_str line, uint64_t lineno)
{
    line = tk_str_trim(line);
    if (!line.n || line.p[0] == '#')
        return;
    if (line.p[0] == '{') {
        /* certificate transparency: every name of the certificate */
        tk_arena_reset(&x->doc);
        struct tk_jv *root;
        if (tk_jdoc_parse(&x->doc, line.p, line.n, x->b->input, &root, NULL) != 0) {
            x->b->names++;
            bad(x, lineno, "malformed JSON");
            return;
        }
        static const char *const path[] = { "data", "leaf_cert", "all_domains", NULL };
        const struct tk_jv *all = tk_jv_path(root, path);
        if (!tk_jv_is(all, TK_JV_ARRAY)) {
            if (!tk_jv_is(tk_jv_get(root, "message_type"), TK_JV_STRING) ||
                strcmp(tk_jv_str(tk_jv_get(root, "message_type")), "heartbeat") != 0)
                bad(x, lineno, "a JSON line without data.leaf_cert.all_domains");
            return;
        }
        for (const struct tk_jv *v = all->u.first; v; v = v->next) {
            if (tk_jv_is(v, TK_JV_STRING)) {
                judge_name(x, tk_jv_str(v), tk_jv_strlen(v), lineno);
            } else {
                x->b->names++;
                bad(x, lineno, "a name that is not a string");
            }
        }
        return;
    }
    if (line.p[0] == '-')
        return; /* a diff's removed line */
    if (line.p[0] == '+')
        line = (struct tk_str){ line.p + 1, line.n - 1 };
    size_t k = 0;
    while (k < line.n && line.p[k] != ',' && line.p[k] != ' ' && line.p[k] != '\t' &&
           line.p[k] != ';')
        k++;
    judge_name(x, line.p, k, lineno);
}

static void judge_batch(struct judge_ctx *x, struct batch *b)
{
    x->b = b;
    tk_buf_reset(&b->out);
    b->nrec = 0;
    b->names = b->bad = 0;
    b->failed = false;
    for (size_t i = 0; i < b->n; i++) {
        if (b->len[i] == LONG_LINE) {
            b->names++;
            bad(x, b->lineno + i, "a line longer than 1 MiB");
            continue;
        }
        judge_line(x, (struct tk_str){ b->text.ptr + b->off[i], b->len[i] }, b->lineno + i);
    }
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    struct judge_ctx x = { .p = p };
    tk_arena_init(&x.doc, MAX_LINE * 16);
    tk_buf_init(&x.line, (size_t)1 << 20);
    pthread_mutex_lock(&p->m);
    for (;;) {
        while (p->take == p->submit && !p->stop)
            pthread_cond_wait(&p->work, &p->m);
        if (p->take == p->submit)
            break;
        struct batch *b = &p->b[p->take++ % p->nb];
        pthread_mutex_unlock(&p->m);
        judge_batch(&x, b);
        pthread_mutex_lock(&p->m);
        b->state = B_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->m);
    tk_buf_release(&x.line);
    tk_arena_release(&x.doc);
    return NULL;
}

/* The reading and writing side. */
struct watcher {
    struct tk_cli *cli;
    struct pool *p;
    struct batch *cur;            /* being filled, or NULL */
    struct tk_resolver *resolver; /* --resolve */
    struct tk_buf dns;
    FILE *out;
    const char *input;
    struct tk_map seen;
    uint64_t names, bad, alerts, repeats;
    char first_bad[256];
    bool failed;
};

/* An alert with the A, AAAA and MX records of its name: JSON gets a "dns" member, CSV three
 * more columns, text a list. */
static void write_resolved(struct watcher *x, struct tk_str key, const char *line, size_t n)
{
    char name[TK_DNAME_MAX + 1];
    snprintf(name, sizeof name, "%.*s", (int)(key.n < TK_DNAME_MAX ? key.n : TK_DNAME_MAX), key.p);
    struct tk_dns_answer ans;
    tk_resolve(x->resolver, name, &ans);
    struct tk_buf *b = &x->dns;
    tk_buf_reset(b);
    size_t keep = n && line[n - 1] == '\n' ? n - 1 : n;
    enum out_fmt fmt = x->p->fmt;
    if (fmt == OUT_JSONL && keep && line[keep - 1] == '}')
        keep--;
    tk_buf_add(b, line, keep);
    const char *lists[3][TK_DNS_MAX_RECORDS];
    int counts[3] = { ans.na, ans.naaaa, ans.nmx };
    for (int i = 0; i < TK_DNS_MAX_RECORDS; i++) {
        lists[0][i] = ans.a[i];
        lists[1][i] = ans.aaaa[i];
        lists[2][i] = ans.mx[i];
    }
    static const char *const names[] = { "a", "aaaa", "mx" };
    if (fmt == OUT_JSONL) {
        struct tk_json j;
        tk_json_init_buf(&j, b, 0);
        tk_buf_adds(b, ",\"dns\":");
        tk_json_obj_begin(&j);
        for (int t = 0; t < 3; t++)
            tk_json_kstrs(&j, names[t], lists[t], (size_t)counts[t]);
        tk_json_kbool(&j, "failed", ans.failed);
        tk_json_obj_end(&j);
        tk_json_finish(&j);
        tk_buf_adds(b, "}\n");
    } else {
        for (int t = 0; t < 3; t++) {
            struct tk_buf cell = TK_BUF_INIT(8192);
            for (int i = 0; i < counts[t]; i++)
                tk_buf_addf(&cell, "%s%s", i ? " " : "", lists[t][i]);
            if (fmt == OUT_CSV) {
                tk_buf_addc(b, ',');
                tk_escape_csv(b, tk_buf_cstr(&cell), cell.len);
            } else if (counts[t]) {
                tk_buf_addf(b, "  %s ", t == 0 ? "A" : t == 1 ? "AAAA" : "MX");
                tk_escape_term(b, tk_buf_cstr(&cell), cell.len);
            }
            tk_buf_release(&cell);
        }
        if (fmt == OUT_TEXT && ans.failed)
            tk_buf_adds(b, "  (DNS failed)");
        tk_buf_addc(b, '\n');
    }
    fwrite(b->ptr, 1, b->len, x->out);
}

/* Writes the oldest batch once it is judged (waits for it when wait). Lock held. */
static bool write_oldest(struct watcher *x, bool wait)
{
    struct pool *p = x->p;
    if (p->written == p->submit)
        return false;
    struct batch *b = &p->b[p->written % p->nb];
    while (b->state != B_DONE) {
        if (!wait)
            return false;
        pthread_cond_wait(&p->done, &p->m);
    }
    pthread_mutex_unlock(&p->m);
    x->names += b->names;
    if (b->bad && !x->bad)
        snprintf(x->first_bad, sizeof x->first_bad, "%.120s:%llu: %.100s", b->input,
                 (unsigned long long)b->bad_line, b->bad_why);
    x->bad += b->bad;
    x->failed = x->failed || b->failed;
    for (size_t i = 0; i < b->nrec; i++) {
        const struct rec *r = &b->rec[i];
        struct tk_str key = { b->out.ptr + r->key_off, r->key_len };
        if (tk_map_get(&x->seen, key)) {
            x->repeats++;
            continue;
        }
        tk_map_put(&x->seen, key, (void *)1); /* full: alerted again, never lost */
        x->alerts++;
        if (x->resolver)
            write_resolved(x, key, b->out.ptr + r->off, r->len);
        else
            fwrite(b->out.ptr + r->off, 1, r->len, x->out);
    }
    pthread_mutex_lock(&p->m);
    b->state = B_FREE;
    p->written++;
    return true;
}

/* The batch being filled (the reading thread's own until submitted): the next slot, once
 * it is free. */
static struct batch *filling(struct watcher *x)
{
    if (x->cur)
        return x->cur;
    struct pool *p = x->p;
    struct batch *b = &p->b[p->submit % p->nb];
    pthread_mutex_lock(&p->m);
    while (p->submit - p->written >= p->nb)
        write_oldest(x, true);
    b->state = B_FILLING;
    pthread_mutex_unlock(&p->m);
    b->n = 0;
    tk_buf_reset(&b->text);
    b->input = x->input;
    return x->cur = b;
}

static void submit(struct watcher *x)
{
    struct pool *p = x->p;
    struct batch *b = x->cur;
    if (!b)
        return;
    x->cur = NULL;
    pthread_mutex_lock(&p->m);
    b->state = B_QUEUED;
    p->submit++;
    pthread_cond_signal(&p->work);
    while (write_oldest(x, false))
        ;
    pthread_mutex_unlock(&p->m);
}

static int on_line(void *ud, struct tk_str line, uint64_t lineno, struct tk_err *err)
{
    struct watcher *x = ud;
    struct batch *b = filling(x);
    if (!b->n)
        b->lineno = lineno;
    (void)err;
    b->off[b->n] = b->text.len;
    b->len[b->n] = line.p ? line.n : LONG_LINE;
    if (line.p && tk_buf_add(&b->text, line.p, line.n) != 0)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    b->n++;
    if (b->n == BATCH_LINES || b->text.len >= BATCH_BYTES)
        submit(x);
    return 0;
}

static int read_input(struct watcher *x, const char *path, struct tk_err *err)
{
    struct tk_input in;
    if (strcmp(path, "-") == 0) {
        int fd = dup(0);
        in.name = "-";
        in.gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (!in.gz) {
            if (fd >= 0)
                close(fd);
            return tk_err_set(err, TK_EIO, "cannot read standard input");
        }
        gzbuffer(in.gz, 256 * 1024);
    } else if (tk_input_open(&in, path, err) != 0) {
        return err->code;
    }
    x->input = strcmp(path, "-") == 0 ? "(stdin)" : path;
    in.skip_long = true;
    int rc = tk_input_each_line(&in, MAX_LINE, on_line, x, NULL, err);
    submit(x); /* a batch never spans two inputs: its lines name one */
    tk_input_close(&in);
    return rc;
}

int tk_domains_watch_cmd(struct tk_cli *cli, const struct tk_domains_args *a)
{
    enum out_fmt fmt = OUT_JSONL;
    if (a->format && strcmp(a->format, "jsonl") != 0) {
        if (strcmp(a->format, "csv") == 0)
            fmt = OUT_CSV;
        else if (strcmp(a->format, "text") == 0)
            fmt = OUT_TEXT;
        else
            return tk_usage_error(cli, "watch: --format must be jsonl, csv or text");
    }
    struct tk_err err = { 0 };
    struct tk_resolver *resolver = NULL; /* made first: a wrong --resolver is a usage error */
    if (a->resolve) {
        int e = tk_resolver_new(&resolver, a->resolver, a->timeout_ms, &err);
        if (e == TK_EINVAL)
            return tk_usage_error(cli, "watch: %s", err.msg);
        if (e) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
            return TK_EXIT_RUNTIME;
        }
    }
    struct tk_buf brands = TK_BUF_INIT((size_t)64 << 20), kws = TK_BUF_INIT((size_t)16 << 20);
    int rc = 0;
    if (a->brands && (rc = tk_input_slurp(a->brands, &brands, &err)) != 0)
        goto fail;
    if (a->keywords && (rc = tk_input_slurp(a->keywords, &kws, &err)) != 0)
        goto fail;
    struct tk_watch *w = NULL;
    if ((rc = tk_watch_new(&w, a->brands ? tk_buf_cstr(&brands) : NULL, brands.len, a->brands,
                           a->keywords ? tk_buf_cstr(&kws) : NULL, kws.len, a->keywords, &err)) !=
        0)
        goto fail;
    struct tk_cli_out co;
    if (tk_cli_out_open(cli, a->output, &co) != TK_EXIT_OK) { /* logged */
        tk_watch_free(w);
        tk_resolver_free(resolver);
        tk_buf_release(&brands);
        tk_buf_release(&kws);
        return TK_EXIT_RUNTIME;
    }
    FILE *out = co.fp;
    int threads = tk_sys_ncpu() > 0 ? tk_sys_ncpu() : 1;
    struct pool p = { .w = w,
                      .fmt = fmt,
                      .threshold = a->threshold ? a->threshold : TK_WATCH_DEFAULT_THRESHOLD,
                      .nb = 2 * (size_t)threads + 2 };
    struct watcher x = { .cli = cli, .p = &p, .out = out };
    tk_buf_init(&x.dns, (size_t)1 << 20);
    x.resolver = resolver;
    resolver = NULL;
    pthread_mutex_init(&p.m, NULL);
    pthread_cond_init(&p.work, NULL);
    pthread_cond_init(&p.done, NULL);
    tk_map_init(&x.seen, SEEN_MAX);
    p.b = tk_calloc(p.nb, sizeof *p.b);
    for (size_t i = 0; p.b && i < p.nb; i++) {
        tk_buf_init(&p.b[i].text, BATCH_BYTES + MAX_LINE + 1);
        tk_buf_init(&p.b[i].out, (size_t)1 << 30);
        p.b[i].off = tk_calloc(BATCH_LINES, sizeof *p.b[i].off);
        p.b[i].len = tk_calloc(BATCH_LINES, sizeof *p.b[i].len);
        if (!p.b[i].off || !p.b[i].len)
            rc = tk_err_set(&err, TK_ENOMEM, "out of memory");
    }
    if (!p.b)
        rc = tk_err_set(&err, TK_ENOMEM, "out of memory");
    pthread_t tid[64];
    int started = 0;
    for (; !rc && started < threads && started < 64; started++)
        if (pthread_create(&tid[started], NULL, worker, &p) != 0)
            break;
    if (!rc && !started)
        rc = tk_err_set(&err, TK_ENOMEM, "cannot start a worker thread");
    if (fmt == OUT_CSV)
        fputs(a->resolve ? "name,unicode,score,brand,reasons,a,aaaa,mx\n"
                         : "name,unicode,score,brand,reasons\n",
              out);
    for (int i = 1; i < a->npos && !rc; i++)
        rc = read_input(&x, a->pos[i], &err);
    if (!rc && a->npos < 2)
        rc = read_input(&x, "-", &err);
    if (p.b) {
        pthread_mutex_lock(&p.m);
        while (write_oldest(&x, true))
            ;
        p.stop = true;
        pthread_cond_broadcast(&p.work);
        pthread_mutex_unlock(&p.m);
    }
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    for (size_t i = 0; p.b && i < p.nb; i++) {
        tk_buf_release(&p.b[i].text);
        tk_buf_release(&p.b[i].out);
        tk_free(p.b[i].off);
        tk_free(p.b[i].len);
        tk_free(p.b[i].rec);
    }
    tk_free(p.b);
    pthread_cond_destroy(&p.work);
    pthread_cond_destroy(&p.done);
    pthread_mutex_destroy(&p.m);
    if (!rc && x.failed)
        rc = tk_err_set(&err, TK_ENOMEM, "out of memory judging names");
    tk_map_release(&x.seen);
    tk_resolver_free(x.resolver);
    tk_buf_release(&x.dns);
    tk_watch_free(w);
    if (x.bad)
        tk_log(&cli->log, TK_LOG_WARN, "%llu invalid name(s) skipped, the first: %s",
               (unsigned long long)x.bad, x.first_bad);
    tk_log(&cli->log, TK_LOG_INFO, "%llu name(s), %llu alert(s) (%llu repeated), %llu invalid",
           (unsigned long long)x.names, (unsigned long long)x.alerts, (unsigned long long)x.repeats,
           (unsigned long long)x.bad);
    if (rc)
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
    tk_buf_release(&brands);
    tk_buf_release(&kws);
    return tk_cli_out_close(cli, &co, rc ? TK_EXIT_RUNTIME : TK_EXIT_OK);
fail:
    tk_resolver_free(resolver);
    tk_buf_release(&brands);
    tk_buf_release(&kws);
    tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
    return TK_EXIT_RUNTIME;
}
