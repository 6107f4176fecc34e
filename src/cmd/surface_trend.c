/* surface_trend.c - `tenken surface trend OLD NEW`: two datasets of device records compared
 * by port, product, country, exposure, verdict and KEV (surface/trend.h does the work);
 * this file checks the command line, reports malformed records and picks the exit code. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/surface.h"
#include "surface/trend.h"

#define MAX_REPORTED 100 /* malformed records reported one by one, both datasets together */

struct trend_cli {
    struct tk_cli *cli;
    bool quiet;
    uint64_t reported;
};

static void on_bad(void *ud, const char *input, uint64_t line, const char *why)
{
    struct trend_cli *c = ud;
    if (c->quiet || c->reported > MAX_REPORTED)
        return;
    if (++c->reported > MAX_REPORTED)
        tk_log(&c->cli->log, TK_LOG_WARN, "more malformed records: not reported one by one");
    else
        tk_log(&c->cli->log, TK_LOG_WARN, "%s:%llu: skipped: %s", input, (unsigned long long)line,
               why);
}

static int file_sink(void *ctx, const char *p, size_t n)
{
    return fwrite(p, 1, n, ctx) == n ? 0 : TK_EIO;
}

static void log_stats(struct tk_cli *cli, const char *name, const struct tk_trend_stats *st)
{
    tk_log(&cli->log, TK_LOG_INFO,
           "%s: %llu records, %llu services, %llu duplicates, %llu filtered out, %llu malformed "
           "(skipped)",
           name, (unsigned long long)st->records, (unsigned long long)st->services,
           (unsigned long long)st->duplicates, (unsigned long long)st->filtered,
           (unsigned long long)st->malformed);
}

int tk_surface_trend_cmd(struct tk_cli *cli, const struct tk_surface_args *a)
{
    if (a->nfiles != 2)
        return tk_usage_error(cli, "'surface trend' compares two datasets: OLD NEW (got %d)",
                              a->nfiles);
    if (strcmp(a->files[0], "-") == 0 && strcmp(a->files[1], "-") == 0)
        return tk_usage_error(cli, "only one of OLD and NEW can be standard input ('-')");
    /* filters trend does not apply yet: refused rather than silently ignored */
    if (a->prefecture || a->kev_only)
        return tk_usage_error(cli, "'surface trend' filters by --country and --product only");
    enum tk_trend_format format = TK_TREND_TEXT;
    if (a->oformat && tk_trend_format_parse(a->oformat, &format) != 0)
        return tk_usage_error(cli, "'surface trend': --output-format must be text, jsonl or csv");

    int rc = TK_EXIT_OK;
    struct tk_err err = { 0 };
    struct tk_input in[2] = { { 0 }, { 0 } };
    struct tk_trend *t = NULL;
    FILE *out = cli->out;
    /* both inputs first: a missing NEW is reported before OLD is read for minutes */
    for (int i = 0; i < 2; i++) {
        if (tk_trend_input_open(&in[i], a->files[i], &err) != 0) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
            rc = TK_EXIT_RUNTIME;
            goto done;
        }
    }
    struct trend_cli c = { .cli = cli, .quiet = a->quiet };
    struct tk_trend_opts opts = {
        .country = a->country, .product = a->product, .bad = on_bad, .ud = &c
    };
    if (tk_trend_new(&t, &opts) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    for (int i = 0; i < 2; i++) {
        if (tk_trend_load(t, (enum tk_trend_side)i, tk_input_read, &in[i], a->files[i], &err)) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
            rc = TK_EXIT_RUNTIME;
            goto done;
        }
        log_stats(cli, a->files[i], tk_trend_stats(t, (enum tk_trend_side)i));
    }
    tk_trend_finish(t);
    if (c.reported > MAX_REPORTED) {
        uint64_t n =
            tk_trend_stats(t, TK_TREND_OLD)->malformed + tk_trend_stats(t, TK_TREND_NEW)->malformed;
        tk_log(&cli->log, TK_LOG_WARN, "%llu malformed records in all, %d reported above",
               (unsigned long long)n, MAX_REPORTED);
    }
    if (a->out && !(out = fopen(a->out, "wb"))) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: cannot create: %s", a->out, strerror(errno));
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    struct tk_trend_out o = { .format = format,
                              .names = { a->files[0], a->files[1] },
                              .top = format == TK_TREND_TEXT ? 20 : 0 };
    int w = tk_trend_write(t, &o, file_sink, out);
    if (fflush(out) != 0)
        w = w ? w : TK_EIO;
    if (a->out && fclose(out) != 0)
        w = w ? w : TK_EIO;
    if (w) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: write failed: %s", a->out ? a->out : "stdout",
               w == TK_EIO ? strerror(errno) : tk_err_name(w));
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    /* counts short of the truth are not a result: say so, and fail after writing them */
    for (int i = 0; i < 2; i++) {
        const struct tk_trend_stats *st = tk_trend_stats(t, (enum tk_trend_side)i);
        if (st->beyond_limit) {
            tk_log(&cli->log, TK_LOG_ERROR,
                   "%s: %llu records of services beyond the limit of %zu distinct services "
                   "were not counted: the counts are incomplete",
                   a->files[i], (unsigned long long)st->beyond_limit, TK_TREND_MAX_SERVICES);
            rc = TK_EXIT_RUNTIME;
        }
        if (st->keys_dropped)
            tk_log(&cli->log, TK_LOG_WARN,
                   "%s: %llu keys not counted: a table has more than %zu distinct keys",
                   a->files[i], (unsigned long long)st->keys_dropped, TK_TREND_MAX_KEYS);
    }
done:
    tk_trend_free(t);
    for (int i = 0; i < 2; i++)
        tk_input_close(&in[i]);
    return rc;
}
