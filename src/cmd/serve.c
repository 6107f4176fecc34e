/* serve.c - `tenken serve`: the analysis server. Runs until SIGTERM or SIGINT, then stops
 * accepting, lets requests in flight finish and exits 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "server/server.h"
#include "store/store.h"

enum { O_LISTEN, O_DATA, O_MAX_BODY, O_TIMEOUT, O_THREADS, O_ACCESS_LOG };
static const struct tk_opt opts[] = {
    [O_LISTEN] = { "listen", 0, "ADDR:PORT",
                   "Address and port to listen on (default 127.0.0.1:8080; [::1]:8080 for "
                   "IPv6; port 0 picks a free one). Serve plain HTTP on loopback behind a "
                   "reverse proxy that terminates TLS." },
    [O_DATA] = { "data", 0, "DIR",
                 "The server's data directory (default: $XDG_DATA_HOME/tenken/server)." },
    [O_MAX_BODY] = { "max-body", 0, "SIZE",
                     "Largest bundle accepted, on the wire and decompressed (default 32M)." },
    [O_TIMEOUT] = { "timeout", 0, "SECONDS",
                    "Close connections idle this long, slow clients included (default 30)." },
    [O_THREADS] = { "threads", 0, "N", "Worker threads (default: one per core)." },
    [O_ACCESS_LOG] = { "access-log", 0, "FILE",
                       "Append one JSON line per request to FILE ('-': standard error)." },
    { NULL, 0, NULL, NULL },
};

static bool parse_listen(const char *s, char *host, size_t n, int *port)
{
    const char *colon;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= n)
            return false;
        snprintf(host, n, "%.*s", (int)(end - s - 1), s + 1);
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= n)
            return false;
        snprintf(host, n, "%.*s", (int)(colon - s), s);
    }
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || errno || p < 0 || p > 65535)
        return false;
    *port = (int)p;
    return true;
}

static bool parse_num(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    unsigned shift = 0;
    if (end != s && (*end == 'K' || *end == 'k'))
        shift = 10, end++;
    else if (end != s && (*end == 'M' || *end == 'm'))
        shift = 20, end++;
    if (end == s || *end || errno || v < 0 || v > (hi >> shift) || (v << shift) < lo)
        return false;
    *out = v << shift;
    return true;
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    struct tk_server_opts so = { 0 };
    char host[64] = "127.0.0.1";
    so.port = 8080;
    const char *val, *data = NULL, *access = NULL;
    int idx, rc = TK_EXIT_OK;
    long v;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        switch (idx) {
        case O_LISTEN:
            if (!parse_listen(val, host, sizeof host, &so.port))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--listen must be ADDR:PORT such as 127.0.0.1:8080, not '%s'", val);
            break;
        case O_DATA:
            data = val;
            break;
        case O_MAX_BODY:
            if (!parse_num(val, 1024, 1L << 30, &v))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--max-body must be a size from 1K to 1024M, not '%s'", val);
            else
                so.max_body = (size_t)v;
            break;
        case O_TIMEOUT:
            if (!parse_num(val, 1, 3600, &v))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--timeout must be 1 to 3600 seconds, not '%s'", val);
            else
                so.timeout_s = (int)v;
            break;
        case O_THREADS:
            if (!parse_num(val, 1, 256, &v))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--threads must be 1 to 256, not '%s'", val);
            else
                so.threads = (int)v;
            break;
        case O_ACCESS_LOG:
            access = val;
            break;
        }
        if (idx == TK_OPT_STOP)
            break;
    }
    if (idx == TK_OPT_STOP || p.npos) {
        rc = idx == TK_OPT_STOP ? p.exit_code
                                : tk_usage_error(cli, "unexpected argument '%s'", p.pos[0]);
        tk_optparse_release(&p);
        return rc;
    }
    tk_optparse_release(&p);
    struct tk_buf dir = TK_BUF_INIT(8192);
    if (data)
        tk_buf_adds(&dir, data);
    else if (tk_store_default_dir(&dir) != 0) {
        tk_buf_release(&dir);
        return tk_usage_error(cli, "no place for the data: set HOME or XDG_DATA_HOME, or use "
                                   "--data");
    }
    FILE *log = NULL;
    if (access && strcmp(access, "-") == 0) {
        so.access_log = stderr;
    } else if (access && !(log = fopen(access, "a"))) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: cannot open the access log: %s", access,
               strerror(errno));
        tk_buf_release(&dir);
        return TK_EXIT_RUNTIME;
    } else {
        so.access_log = log;
    }
    so.host = host;
    so.data = tk_buf_cstr(&dir);
    /* the server's threads inherit this mask: only sigwait below sees the signals */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct tk_server *s;
    struct tk_err err = { 0 };
    if (tk_server_start(&s, &so, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
    } else {
        fprintf(cli->out, "listening on http://%s%s%s:%d\n", strchr(host, ':') ? "[" : "",
                host, strchr(host, ':') ? "]" : "", tk_server_port(s));
        fflush(cli->out);
        int sig = 0;
        sigwait(&set, &sig);
        tk_log(&cli->log, TK_LOG_INFO, "%s: finishing requests in flight, then stopping",
               sig == SIGTERM ? "SIGTERM" : "SIGINT");
        tk_server_stop(s);
    }
    if (log)
        fclose(log);
    tk_buf_release(&dir);
    return rc;
}

const struct tk_cmd tk_cmd_serve = {
    .name = "serve",
    .run = run,
    .args = "[OPTIONS]",
    .summary = "Run the analysis server that organisations' PCs upload their bundles to.",
    .description =
        "Accepts bundles over HTTP (POST /api/v1/bundles with an organisation's enrollment "
        "token, see 'tenken org') and stores each durably before answering. Every answer is "
        "JSON; errors carry a message naming what was wrong. Limits on body size, "
        "decompressed size, idle time and connections protect it from slow or hostile "
        "clients. SIGTERM or SIGINT stops it gracefully.\n"
        "\n"
        "Examples:\n"
        "  tenken serve --listen 127.0.0.1:8080 --access-log /var/log/tenken/access.log\n"
        "  curl -H \"Authorization: Bearer $TOKEN\" --data-binary @bundle.json \\\n"
        "       http://127.0.0.1:8080/api/v1/bundles",
    .opts = opts,
};
