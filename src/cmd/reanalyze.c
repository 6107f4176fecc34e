/* reanalyze.c - `tenken reanalyze`: judge every stored bundle again (after a knowledge-base
 * update), in parallel, each worker with its own store handle and judge; reports follow
 * because they read the digests this rewrites. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/time.h"
#include "server/judge.h"
#include "store/store.h"

enum { O_DATA, O_ORG, O_KB, O_THREADS, O_NO_PROGRESS };
static const struct tk_opt opts[] = {
    [O_DATA] = { "data", 0, "DIR",
                 "The server's data directory (default: $XDG_DATA_HOME/tenken/server)." },
    [O_ORG] = { "org", 0, "NAME", "Only this organisation's bundles (default: all)." },
    [O_KB] = { "kb", 0, "PATH", "Judge with this knowledge base (default as for scan)." },
    [O_THREADS] = { "threads", 0, "N", "Parallel workers (default: one per core)." },
    [O_NO_PROGRESS] = { "no-progress", 0, NULL, "Do not show the progress line." },
    { NULL, 0, NULL, NULL },
};

struct job {
    struct tk_cli *cli;
    const char *data, *kb;
    struct tk_id_list ids;
    atomic_size_t next, done, failed;
    bool progress;
    pthread_mutex_t lock; /* logging */
};

static void *worker(void *arg)
{
    struct job *j = arg;
    struct tk_err err = { 0 };
    struct tk_store *st = NULL;
    struct tk_judge *judge = NULL;
    struct tk_kb *kb;
    if (tk_store_open(&st, j->data, &err) != 0 || tk_kb_select(j->kb, TK_KB_READONLY, &kb, &err) != 0 ||
        tk_judge_new(&judge, kb, &err) != 0) {
        pthread_mutex_lock(&j->lock);
        tk_log(&j->cli->log, TK_LOG_ERROR, "%s", err.msg);
        pthread_mutex_unlock(&j->lock);
        /* the others carry on; what this worker would have judged is counted as failed */
        tk_store_close(st);
        return NULL;
    }
    size_t i;
    while ((i = atomic_fetch_add(&j->next, 1)) < j->ids.n) {
        if (tk_judge_stored(judge, st, j->ids.id[i], &err) != 0) {
            atomic_fetch_add(&j->failed, 1);
            pthread_mutex_lock(&j->lock);
            tk_log(&j->cli->log, TK_LOG_ERROR, "%s", err.msg);
            pthread_mutex_unlock(&j->lock);
        }
        size_t d = atomic_fetch_add(&j->done, 1) + 1;
        if (j->progress && (d % 64 == 0 || d == j->ids.n)) {
            pthread_mutex_lock(&j->lock);
            fprintf(stderr, "\r\033[2Kre-judged %zu of %zu bundles", d, j->ids.n);
            fflush(stderr);
            pthread_mutex_unlock(&j->lock);
        }
    }
    tk_judge_free(judge);
    tk_store_close(st);
    return NULL;
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    const char *val, *data = NULL, *org_name = NULL, *kbpath = NULL;
    long threads = tk_sys_ncpu() > 0 ? tk_sys_ncpu() : 2;
    bool progress = cli->log.format == TK_LOG_TEXT && tk_sys_isatty(2);
    int idx, rc = TK_EXIT_OK;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        if (idx == O_DATA) {
            data = val;
        } else if (idx == O_ORG) {
            org_name = val;
        } else if (idx == O_KB) {
            kbpath = val;
        } else if (idx == O_NO_PROGRESS) {
            progress = false;
        } else if (idx == O_THREADS) {
            if (!tk_parse_long(val, 1, 256, &threads)) {
                p.exit_code = tk_usage_error(cli, "--threads must be 1 to 256, not '%s'", val);
                idx = TK_OPT_STOP;
                break;
            }
        }
    }
    if (tk_optparse_done(&p, idx, &rc))
        return rc;
    struct tk_buf dir = TK_BUF_INIT(8192);
    struct tk_store *s;
    struct tk_err err = { 0 };
    if ((rc = tk_cli_data_dir(cli, data, false, &dir)) != 0 ||
        (rc = tk_store_open(&s, tk_buf_cstr(&dir), &err)) != 0) {
        if (err.msg[0])
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        tk_buf_release(&dir);
        return err.msg[0] ? TK_EXIT_RUNTIME : rc;
    }
    struct job j = { .cli = cli, .kb = kbpath, .progress = progress };
    pthread_mutex_init(&j.lock, NULL);
    struct tk_org org;
    j.data = tk_buf_cstr(&dir); /* each worker opens its own handle there */
    /* the knowledge base is opened here once first, so a bad --kb fails before any work */
    struct tk_kb *kb = NULL;
    if ((org_name && s->ops->org_get(s, org_name, &org, &err) != 0) ||
        s->ops->bundle_ids(s, org_name ? org.id : NULL, false, tk_id_list_add, &j.ids, &err) != 0 ||
        tk_kb_select(kbpath, TK_KB_READONLY, &kb, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg[0] ? err.msg : "out of memory");
        rc = TK_EXIT_RUNTIME;
    }
    tk_store_close(s);
    const char *kbname = kb ? tk_kb_name(kb) : "";
    double t0 = tk_time_mono();
    if (!rc && j.ids.n) {
        size_t nt = (size_t)threads < j.ids.n ? (size_t)threads : j.ids.n;
        pthread_t *t = tk_calloc(nt, sizeof *t);
        size_t started = 0;
        for (size_t i = 0; t && i < nt; i++)
            if (pthread_create(&t[i], NULL, worker, &j) == 0)
                started++;
        for (size_t i = 0; i < started; i++)
            pthread_join(t[i], NULL);
        tk_free(t);
        if (!started)
            worker(&j);
        if (progress)
            fputs("\r\033[2K", stderr);
    }
    if (!rc) {
        size_t failed = atomic_load(&j.failed) + (j.ids.n - atomic_load(&j.done));
        fprintf(cli->out, "re-judged %zu of %zu bundles with the %s knowledge base in %.1f s\n",
                j.ids.n - failed, j.ids.n, kbname, tk_time_mono() - t0);
        if (failed) {
            tk_log(&cli->log, TK_LOG_ERROR, "%zu bundles could not be judged (see above); "
                                            "reports keep their previous analysis", failed);
            rc = TK_EXIT_RUNTIME;
        }
    }
    tk_kb_close(kb);
    tk_id_list_release(&j.ids);
    tk_buf_release(&dir);
    pthread_mutex_destroy(&j.lock);
    return rc;
}

const struct tk_cmd tk_cmd_reanalyze = {
    .name = "reanalyze",
    .run = run,
    .args = "[OPTIONS]",
    .summary = "Judge every stored bundle again, e.g. after a knowledge-base update.",
    .description =
        "Re-judges the bundles the analysis server has stored (all of them, or one "
        "organisation's) with the current knowledge base and the source address and probe "
        "result recorded at upload, exactly as on arrival. Reports read the new analysis at "
        "once; the server may keep running meanwhile. Exit status 3 when a bundle could not "
        "be judged: it keeps its previous analysis.\n"
        "\n"
        "Examples:\n"
        "  tenken kb update && tenken reanalyze\n"
        "  tenken reanalyze --org acme --kb /srv/tenken/kb.sqlite",
    .opts = opts,
};
