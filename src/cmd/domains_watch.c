/* domains_watch.c - `tenken domains watch`: names from feeds judged against the brands and
 * lure keywords (domains/watch.h). Inputs are lists of names (one per line; the first field
 * of a line, so CSV exports and zone-file lines work, '+' of a diff's added lines dropped) or
 * certificate-transparency JSON lines (certstream: data.leaf_cert.all_domains), plain or gzip,
 * files or standard input; the kind is seen per line. Bad names are counted and skipped. */
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
#include "domains/watch.h"
#include "kb/input.h"

#define MAX_LINE ((size_t)1 << 20) /* a longer line is skipped as malformed */
#define SEEN_MAX 1000000           /* alerted names remembered, so repeats are not re-alerted */

enum out_fmt { OUT_JSONL, OUT_CSV, OUT_TEXT };

struct watcher {
    struct tk_cli *cli;
    const struct tk_watch *w;
    enum out_fmt fmt;
    int threshold;
    FILE *out;
    const char *input;
    struct tk_arena doc;
    struct tk_map seen;
    uint64_t names, bad, alerts, repeats;
    char first_bad[256];
    struct tk_buf line;
};

static void bad(struct watcher *x, uint64_t lineno, const char *why)
{
    if (!x->bad++)
        snprintf(x->first_bad, sizeof x->first_bad, "%.120s:%llu: %.100s", x->input,
                 (unsigned long long)lineno, why);
}

static void csv_cell(struct tk_buf *b, const char *s, char end)
{
    tk_escape_csv(b, s ? s : "", s ? strlen(s) : 0);
    tk_buf_addc(b, end);
}

static void alert(struct watcher *x, const struct tk_dname *d, const struct tk_watch_hit *h,
                  uint64_t lineno)
{
    x->alerts++;
    struct tk_buf *b = &x->line;
    tk_buf_reset(b);
    if (x->fmt == OUT_JSONL) {
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
        snprintf(pos, sizeof pos, "%.250s:%llu", x->input, (unsigned long long)lineno);
        tk_json_kstr(&j, "input", pos);
        tk_json_obj_end(&j);
        tk_json_finish(&j);
        tk_buf_addc(b, '\n');
    } else {
        char reasons[1024];
        size_t k = 0;
        reasons[0] = '\0';
        for (size_t i = 0; i < h->n && k < sizeof reasons; i++)
            k += (size_t)snprintf(reasons + k, sizeof reasons - k, "%s%s %s", i ? "; " : "",
                                  h->r[i].kind, h->r[i].brand ? h->r[i].brand : h->r[i].word);
        if (x->fmt == OUT_CSV) {
            char score[16];
            snprintf(score, sizeof score, "%d", h->score);
            csv_cell(b, d->ascii, ',');
            csv_cell(b, d->unicode, ',');
            csv_cell(b, score, ',');
            csv_cell(b, h->brand, ',');
            csv_cell(b, reasons, '\n');
        } else {
            tk_buf_addf(b, "%4d  %s", h->score, d->ascii);
            if (strcmp(d->ascii, d->unicode) != 0) {
                tk_buf_adds(b, " (");
                tk_escape_term(b, d->unicode, strlen(d->unicode));
                tk_buf_adds(b, ")");
            }
            tk_buf_addf(b, "  %s\n", reasons);
        }
    }
    fwrite(b->ptr, 1, b->len, x->out);
}

static void judge_name(struct watcher *x, const char *s, size_t n, uint64_t lineno)
{
    struct tk_dname d;
    struct tk_err err = { 0 };
    x->names++;
    if (tk_dname_parse(&d, s, n, &err) != 0) {
        bad(x, lineno, err.msg);
        return;
    }
    struct tk_watch_hit h;
    tk_watch_judge(x->w, &d, &h);
    if (h.score < x->threshold)
        return;
    struct tk_str key = tk_str_c(d.ascii);
    if (tk_map_get(&x->seen, key)) {
        x->repeats++;
        return;
    }
    tk_map_put(&x->seen, key, (void *)1); /* full: alerted again, never lost */
    alert(x, &d, &h, lineno);
}

static int on_line(void *ud, struct tk_str line, uint64_t lineno, struct tk_err *err)
{
    struct watcher *x = ud;
    (void)err;
    if (!line.p) {
        x->names++;
        bad(x, lineno, "a line longer than 1 MiB");
        return 0;
    }
    line = tk_str_trim(line);
    if (!line.n || line.p[0] == '#')
        return 0;
    if (line.p[0] == '{') {
        /* certificate transparency: every name of the certificate */
        tk_arena_reset(&x->doc);
        struct tk_jv *root;
        if (tk_jdoc_parse(&x->doc, line.p, line.n, x->input, &root, NULL) != 0) {
            x->names++;
            bad(x, lineno, "malformed JSON");
            return 0;
        }
        static const char *const path[] = { "data", "leaf_cert", "all_domains", NULL };
        const struct tk_jv *all = tk_jv_path(root, path);
        if (!tk_jv_is(all, TK_JV_ARRAY)) {
            if (!tk_jv_is(tk_jv_get(root, "message_type"), TK_JV_STRING) ||
                strcmp(tk_jv_str(tk_jv_get(root, "message_type")), "heartbeat") != 0)
                bad(x, lineno, "a JSON line without data.leaf_cert.all_domains");
            return 0;
        }
        for (const struct tk_jv *v = all->u.first; v; v = v->next) {
            if (tk_jv_is(v, TK_JV_STRING))
                judge_name(x, tk_jv_str(v), tk_jv_strlen(v), lineno);
            else {
                x->names++;
                bad(x, lineno, "a name that is not a string");
            }
        }
        return 0;
    }
    if (line.p[0] == '-')
        return 0; /* a diff's removed line */
    if (line.p[0] == '+')
        line = (struct tk_str){ line.p + 1, line.n - 1 };
    size_t k = 0;
    while (k < line.n && line.p[k] != ',' && line.p[k] != ' ' && line.p[k] != '\t' &&
           line.p[k] != ';')
        k++;
    judge_name(x, line.p, k, lineno);
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
    if (a->resolve)
        return tk_usage_error(cli, "watch: --resolve is not built yet");
    struct tk_err err = { 0 };
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
    struct tk_atomic_file af = { 0 };
    FILE *out = cli->out;
    if (a->output) {
        if ((rc = tk_atomic_open(&af, a->output, &err)) != 0) {
            tk_watch_free(w);
            goto fail;
        }
        out = af.fp;
    }
    struct watcher x = { .cli = cli,
                         .w = w,
                         .fmt = fmt,
                         .out = out,
                         .threshold = a->threshold ? a->threshold : TK_WATCH_DEFAULT_THRESHOLD };
    tk_arena_init(&x.doc, MAX_LINE * 16);
    tk_map_init(&x.seen, SEEN_MAX);
    tk_buf_init(&x.line, (size_t)1 << 20);
    if (fmt == OUT_CSV)
        fputs("name,unicode,score,brand,reasons\n", out);
    for (int i = 1; i < a->npos && !rc; i++)
        rc = read_input(&x, a->pos[i], &err);
    if (a->npos < 2)
        rc = read_input(&x, "-", &err);
    if (a->output)
        rc = rc ? (tk_atomic_abort(&af), rc) : tk_atomic_commit(&af, &err);
    tk_buf_release(&x.line);
    tk_map_release(&x.seen);
    tk_arena_release(&x.doc);
    tk_watch_free(w);
    if (x.bad)
        tk_log(&cli->log, TK_LOG_WARN, "%llu invalid name(s) skipped, the first: %s",
               (unsigned long long)x.bad, x.first_bad);
    tk_log(&cli->log, TK_LOG_INFO, "%llu name(s), %llu alert(s) (%llu repeated), %llu invalid",
           (unsigned long long)x.names, (unsigned long long)x.alerts, (unsigned long long)x.repeats,
           (unsigned long long)x.bad);
    if (rc)
        goto fail;
    tk_buf_release(&brands);
    tk_buf_release(&kws);
    return TK_EXIT_OK;
fail:
    tk_buf_release(&brands);
    tk_buf_release(&kws);
    tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
    return TK_EXIT_RUNTIME;
}
