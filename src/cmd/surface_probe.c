/* surface_probe.c - `tenken surface probe TARGET...`: checks the targets and options, runs
 * the probe engine (surface/probe.c) and writes its JSONL to -o FILE or standard output;
 * unanswered targets and progress go to standard error. What is requested is documented in
 * docs/probe.md. */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/surface.h"
#include "core/alloc.h"
#include "core/time.h"
#include "surface/fp.h"
#include "surface/probe.h"

#define MAX_REPORTED 1000 /* failures reported one by one; the rest only counted */

struct ctx {
    struct tk_cli *cli;
    FILE *fp;
    bool quiet;
    int werrno;
    uint64_t reported;
    double last_log;
};

static int on_write(void *ud, const char *p, size_t n)
{
    struct ctx *c = ud;
    if (fwrite(p, 1, n, c->fp) == n)
        return 0;
    c->werrno = errno ? errno : EIO;
    return -1;
}

static void on_failed(void *ud, const char *target, const char *url, const char *why,
                      bool whole_target)
{
    struct ctx *c = ud;
    if (c->quiet || c->reported > MAX_REPORTED)
        return;
    if (++c->reported > MAX_REPORTED)
        tk_log(&c->cli->log, TK_LOG_WARN,
               "more failures: not reported one by one (counted in the summary)");
    else if (whole_target)
        tk_log(&c->cli->log, TK_LOG_WARN, "%s: no answer: %s", target, why);
    else
        tk_log(&c->cli->log, TK_LOG_WARN, "%s: %s", url, why);
}

static void on_progress(void *ud, const struct tk_probe_stats *st)
{
    struct ctx *c = ud;
    if (st->elapsed - c->last_log < 5 || st->done >= st->targets)
        return;
    c->last_log = st->elapsed;
    tk_log(&c->cli->log, TK_LOG_INFO,
           "probe: %llu/%llu targets done, %llu answered, %llu without answer, %llu requests",
           (unsigned long long)st->done, (unsigned long long)st->targets,
           (unsigned long long)st->answered, (unsigned long long)st->failed,
           (unsigned long long)st->requests);
}

int tk_surface_probe_cmd(struct tk_cli *cli, const struct tk_surface_args *a)
{
    if (a->nfiles < 1)
        return tk_usage_error(cli, "probe: missing targets (addresses, CIDR blocks, host names, "
                                   "URLs or @FILE)");
    int rc = TK_EXIT_OK;
    struct tk_err err = { 0 };
    unsigned *ports = tk_calloc(TK_PROBE_MAX_PORTS, sizeof *ports);
    size_t nports = 0;
    struct tk_buf ua = TK_BUF_INIT(512);
    struct tk_probe_targets *targets = NULL;
    struct tk_fpdb *db = NULL;
    struct ctx c = { .cli = cli, .fp = cli->out, .quiet = a->quiet };
    if (!ports) {
        tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
        return TK_EXIT_RUNTIME;
    }
    if (tk_probe_ports_parse(a->ports ? a->ports : "443", ports, TK_PROBE_MAX_PORTS, &nports,
                             &err) ||
        tk_probe_user_agent(&ua, a->contact, &err)) {
        rc = err.code == TK_ENOMEM ? TK_EXIT_RUNTIME : tk_usage_error(cli, "%s", err.msg);
        if (rc == TK_EXIT_RUNTIME)
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        goto out;
    }
    int r = tk_probe_targets_new(&targets, a->files, (size_t)a->nfiles, ports, nports, &err);
    if (r && r != TK_ENOMEM) { /* a bad target, or an @FILE that cannot be read */
        rc = tk_usage_error(cli, "probe: %s", err.msg);
        goto out;
    } else if (r) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
        goto out;
    }
    if (tk_fpdb_load(&db, a->fpdir, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
        goto out;
    }
    if (a->out && !(c.fp = fopen(a->out, "wb"))) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: cannot create: %s", a->out, strerror(errno));
        rc = TK_EXIT_RUNTIME;
        goto out;
    }
    /* a closed output pipe is a write error (exit 3), not a silent death */
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        tk_log(&cli->log, TK_LOG_ERROR, "cannot initialise libcurl");
        rc = TK_EXIT_RUNTIME;
        goto close;
    }
    struct tk_probe_opts o = {
        .db = db,
        .targets = targets,
        .concurrency = (unsigned)(a->concurrency > 0 ? a->concurrency : 8),
        .rate = (double)(a->rate > 0 ? a->rate : 10),
        .timeout_s = a->timeout > 0 ? a->timeout : 10,
        .user_agent = tk_buf_cstr(&ua),
        .write = on_write,
        .failed = on_failed,
        .progress = on_progress,
        .ud = &c,
    };
    struct tk_probe_stats st = { 0 };
    r = tk_probe_run(&o, &st, &err);
    curl_global_cleanup();
    if (r == TK_EIO && c.werrno) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: write failed: %s", a->out ? a->out : "stdout",
               strerror(c.werrno));
        rc = TK_EXIT_RUNTIME;
    } else if (r) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
    }
    tk_log(&cli->log, TK_LOG_INFO,
           "probe: %llu targets, %llu answered, %llu without answer, %llu requests "
           "(%llu failed after the first), %llu responses (%llu cut at a bound, %llu left out "
           "past a target's share of output), %.1f s",
           (unsigned long long)st.targets, (unsigned long long)st.answered,
           (unsigned long long)st.failed, (unsigned long long)st.requests,
           (unsigned long long)st.request_errors, (unsigned long long)st.responses,
           (unsigned long long)st.truncated, (unsigned long long)st.dropped, st.elapsed);
close:
    errno = 0;
    bool bad = fflush(c.fp) != 0;
    if (a->out)
        bad = fclose(c.fp) != 0 || bad;
    if (bad && rc == TK_EXIT_OK) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: write failed: %s", a->out ? a->out : "stdout",
               strerror(errno ? errno : EIO));
        rc = TK_EXIT_RUNTIME;
    }
out:
    tk_fpdb_free(db);
    tk_probe_targets_free(targets);
    tk_buf_release(&ua);
    tk_free(ports);
    return rc;
}
