/* domains_permute.c - `tenken domains permute BRAND...`: the lookalike candidates of each
 * brand (domains/permute.h does the work) as a list of names, CSV or JSON. Every brand is
 * checked before anything is written; the word and suffix files are read whole (bounded),
 * and their unusable lines are counted, not fatal. One thread per CPU permutes brands; the
 * output keeps the order of the command line. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cmd/domains.h"
#include "compat/fs.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/escape.h"
#include "core/json.h"
#include "core/str.h"
#include "domains/permute.h"

#define LIST_MAX_BYTES ((size_t)16 << 20) /* a word or suffix file */
#define SHOWN 80                          /* bytes of a bad brand quoted in the message */

enum fmt { FMT_LIST, FMT_CSV, FMT_JSON };

/* A word or suffix file cut into lines: blank lines and comments ('#', '//') are left out,
 * a line holding a NUL byte is counted as bad; the lines point into text. */
struct list {
    struct tk_buf text;
    const char **v;
    size_t n, cap, bad;
};

static int read_list(const char *path, struct list *l, struct tk_err *err)
{
    tk_buf_init(&l->text, LIST_MAX_BYTES);
    int rc = tk_read_file(path, &l->text, err);
    if (rc)
        return rc;
    struct tk_str rest = { l->text.ptr, l->text.len }, line;
    while (tk_str_next_line(&rest, &line)) {
        struct tk_str t = tk_str_trim(line);
        if (!t.n || t.p[0] == '#' || tk_str_has_prefix(t, "//"))
            continue;
        if (memchr(t.p, '\0', t.n)) {
            l->bad++;
            continue;
        }
        if (tk_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v, LIST_MAX_BYTES))
            return tk_err_set(err, TK_ENOMEM, "%s: out of memory", path);
        ((char *)t.p)[t.n] = '\0'; /* the line end, or the buffer's own terminator */
        l->v[l->n++] = t.p;
    }
    return 0;
}

static void list_release(struct list *l)
{
    tk_buf_release(&l->text);
    tk_free(l->v);
}

/* The output: records are formatted into line, then written to fp. */
struct out {
    FILE *fp;
    enum fmt fmt;
    struct tk_buf line;
    bool any;
};

static void out_begin(struct out *o)
{
    if (o->fmt == FMT_CSV)
        fputs("brand,algorithm,domain,unicode\n", o->fp);
    else if (o->fmt == FMT_JSON)
        fputs("[", o->fp);
}

static void csv_field(struct tk_buf *b, const char *s, char end)
{
    tk_escape_csv(b, s, strlen(s));
    tk_buf_addc(b, end);
}

static void out_cand(struct out *o, const char *brand, const struct tk_perm_cand *c)
{
    const char *algo = tk_permute_algo_name(c->algo);
    if (o->fmt == FMT_LIST) {
        fputs(c->ascii, o->fp);
        fputc('\n', o->fp);
        return;
    }
    tk_buf_reset(&o->line);
    if (o->fmt == FMT_CSV) {
        csv_field(&o->line, brand, ',');
        csv_field(&o->line, algo, ',');
        csv_field(&o->line, c->ascii, ',');
        csv_field(&o->line, c->unicode, '\n');
    } else {
        /* one object a line, so the array can be read with line tools too */
        tk_buf_adds(&o->line, o->any ? ",\n" : "\n");
        struct tk_json j;
        tk_json_init_buf(&j, &o->line, 0);
        tk_json_obj_begin(&j);
        tk_json_kstr(&j, "brand", brand);
        tk_json_kstr(&j, "algorithm", algo);
        tk_json_kstr(&j, "domain", c->ascii);
        tk_json_kstr(&j, "unicode", c->unicode);
        tk_json_obj_end(&j);
        tk_json_finish(&j);
    }
    fwrite(o->line.ptr, 1, o->line.len, o->fp);
    o->any = true;
}

static void out_end(struct out *o)
{
    if (o->fmt == FMT_JSON)
        fputs(o->any ? "\n]\n" : "]\n", o->fp);
}

/* Brands are permuted by a few threads, and written in their order by the calling one;
 * workers stay at most WINDOW brands ahead of the writer, so memory holds a few sets. */
#define MAX_WORKERS 8

struct slot {
    struct tk_perm_set set;
    struct tk_err err;
    int rc;
    bool skip, done;
};

struct pool {
    const struct tk_permuter *p;
    const struct tk_dname *brands;
    struct slot *slot;
    int nb, next, written, window;
    bool stop;
    pthread_mutex_t m;
    pthread_cond_t cv;
};

static void permute_one(struct pool *q, int i)
{
    struct slot *s = &q->slot[i];
    if (!s->skip)
        s->rc = tk_permute(q->p, &q->brands[i], &s->set, &s->err);
}

static void *worker(void *arg)
{
    struct pool *q = arg;
    pthread_mutex_lock(&q->m);
    for (;;) {
        while (!q->stop && q->next < q->nb && q->next >= q->written + q->window)
            pthread_cond_wait(&q->cv, &q->m);
        if (q->stop || q->next >= q->nb)
            break;
        int i = q->next++;
        pthread_mutex_unlock(&q->m);
        permute_one(q, i);
        pthread_mutex_lock(&q->m);
        q->slot[i].done = true;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->m);
    return NULL;
}

static int run_brands(struct tk_cli *cli, const struct tk_permuter *p,
                      const struct tk_dname *brands, int nb, struct out *o, size_t *total)
{
    struct pool q = { .p = p, .brands = brands, .nb = nb };
    q.slot = tk_calloc((size_t)nb, sizeof *q.slot);
    if (!q.slot) {
        tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
        return TK_EXIT_RUNTIME;
    }
    for (int i = 0; i < nb; i++) {
        tk_perm_set_init(&q.slot[i].set);
        for (int j = 0; j < i && !q.slot[i].skip; j++) /* a brand given twice: once */
            q.slot[i].skip = strcmp(brands[i].ascii, brands[j].ascii) == 0;
    }
    pthread_mutex_init(&q.m, NULL);
    pthread_cond_init(&q.cv, NULL);
    pthread_t t[MAX_WORKERS];
    int nt = 0, want = tk_sys_ncpu();
    want = want < 1 ? 1 : want > MAX_WORKERS ? MAX_WORKERS : want;
    q.window = 2 * want;
    while (nb > 1 && nt < want && pthread_create(&t[nt], NULL, worker, &q) == 0)
        nt++;
    int rc = TK_EXIT_OK;
    for (int i = 0; i < nb; i++) {
        struct slot *s = &q.slot[i];
        if (!nt) { /* no threads: the writer does the work */
            permute_one(&q, i);
        } else {
            pthread_mutex_lock(&q.m);
            while (!s->done)
                pthread_cond_wait(&q.cv, &q.m);
            pthread_mutex_unlock(&q.m);
        }
        if (s->rc) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s: %s", brands[i].ascii, s->err.msg);
            rc = TK_EXIT_RUNTIME;
            break;
        }
        if (s->set.truncated)
            tk_log(&cli->log, TK_LOG_WARN,
                   "%s: the list stops at the bound (%d candidates, or three times as many "
                   "attempts): it is incomplete",
                   brands[i].ascii, TK_PERMUTE_MAX);
        for (size_t k = 0; k < s->set.n; k++)
            out_cand(o, brands[i].ascii, &s->set.v[k]);
        *total += s->set.n;
        tk_perm_set_release(&s->set);
        pthread_mutex_lock(&q.m);
        q.written = i + 1;
        pthread_cond_broadcast(&q.cv);
        pthread_mutex_unlock(&q.m);
    }
    pthread_mutex_lock(&q.m);
    q.stop = true;
    pthread_cond_broadcast(&q.cv);
    pthread_mutex_unlock(&q.m);
    for (int i = 0; i < nt; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < nb; i++)
        tk_perm_set_release(&q.slot[i].set);
    pthread_cond_destroy(&q.cv);
    pthread_mutex_destroy(&q.m);
    tk_free(q.slot);
    return rc;
}

/* The names of the algorithms, comma-separated, for the usage message. */
static void algo_names(char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (int a = 0; a < TK_PERM_NALGO && k < cap; a++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s", a ? ", " : "",
                              tk_permute_algo_name((enum tk_perm_algo)a));
}

/* Options of `domains watch` make no sense here: refused rather than ignored. */

static int load_lists(struct tk_cli *cli, const struct tk_domains_args *a, struct list *words,
                      struct list *tlds)
{
    struct tk_err err = { 0 };
    if ((a->dictionary && read_list(a->dictionary, words, &err)) ||
        (a->tlds && read_list(a->tlds, tlds, &err))) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        return TK_EXIT_RUNTIME;
    }
    if (a->tlds && !tlds->n) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: no top-level domains in the file", a->tlds);
        return TK_EXIT_RUNTIME;
    }
    return 0;
}

int tk_domains_permute_cmd(struct tk_cli *cli, const struct tk_domains_args *a)
{
    enum fmt fmt = FMT_LIST;
    if (a->format && strcmp(a->format, "csv") == 0)
        fmt = FMT_CSV;
    else if (a->format && strcmp(a->format, "json") == 0)
        fmt = FMT_JSON;
    else if (a->format && strcmp(a->format, "list") != 0)
        return tk_usage_error(cli, "'domains permute': --format must be list, csv or json");
    struct tk_permute_opts po = { 0 };
    struct tk_err err = { 0 };
    if (a->algorithms && tk_permute_algos_parse(a->algorithms, &po.algos, &err) != 0) {
        char names[512];
        algo_names(names, sizeof names);
        return tk_usage_error(cli, "--algorithms: %s; the algorithms are %s", err.msg, names);
    }
    if (a->npos < 2)
        return tk_usage_error(cli, "'domains permute' needs at least one BRAND domain");

    int nb = a->npos - 1, rc = TK_EXIT_OK;
    struct tk_dname *brands = tk_calloc((size_t)nb, sizeof *brands);
    struct list words = { .n = 0 }, tlds = { .n = 0 };
    struct tk_permuter *p = NULL;
    struct tk_cli_out co = { .fp = cli->out };
    struct out o = { .fp = cli->out, .fmt = fmt, .line = TK_BUF_INIT(1 << 16) };
    if (!brands) {
        tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
        return TK_EXIT_RUNTIME;
    }
    /* every brand first: a typo in the last one is reported before any output */
    for (int i = 0; i < nb; i++) {
        const char *s = a->pos[i + 1];
        size_t n = strlen(s);
        if (tk_dname_parse(&brands[i], s, n, &err) != 0 || !brands[i].label_len) {
            if (!err.code)
                tk_err_set(&err, TK_EPARSE, "a public suffix, with no registrable label");
            rc = tk_usage_error(cli, "'%.*s%s' is not a brand domain: %s", SHOWN, s,
                                n > SHOWN ? "..." : "", err.msg);
            goto done;
        }
    }
    if ((rc = load_lists(cli, a, &words, &tlds)) != 0)
        goto done;
    po.words = words.v;
    po.nwords = words.n;
    po.tlds = a->tlds ? tlds.v : NULL;
    po.ntlds = tlds.n;
    if (tk_permuter_new(&p, &po, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    size_t bad_words, bad_tlds;
    tk_permuter_skipped(p, &bad_words, &bad_tlds);
    if (bad_words + words.bad)
        tk_log(&cli->log, TK_LOG_WARN, "%s: %zu lines are not usable words: skipped", a->dictionary,
               bad_words + words.bad);
    if (bad_tlds + tlds.bad)
        tk_log(&cli->log, TK_LOG_WARN, "%s: %zu lines are not usable suffixes: skipped", a->tlds,
               bad_tlds + tlds.bad);
    if (a->algorithms && (po.algos & (1u << TK_PERM_DICTIONARY)) && !a->dictionary)
        tk_log(&cli->log, TK_LOG_WARN, "dictionary: no --dictionary FILE, no candidates");
    if ((rc = tk_cli_out_open(cli, a->output, &co)) != TK_EXIT_OK)
        goto done;
    o.fp = co.fp;
    out_begin(&o);
    size_t total = 0;
    rc = run_brands(cli, p, brands, nb, &o, &total);
    out_end(&o);
    rc = tk_cli_out_close(cli, &co, rc);
    if (!rc)
        tk_log(&cli->log, TK_LOG_INFO, "%d brand(s), %zu candidates", nb, total);
done:
    tk_permuter_free(p);
    list_release(&words);
    list_release(&tlds);
    tk_buf_release(&o.line);
    tk_free(brands);
    return rc;
}
