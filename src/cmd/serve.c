/* serve.c - `tenken serve`: the analysis server. Runs until SIGTERM or SIGINT, then stops
 * accepting, lets requests in flight finish and exits 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/alloc.h"
#include "kb/input.h"
#include "server/server.h"
#include "store/store.h"

enum { O_LISTEN, O_DATA, O_MAX_BODY, O_TIMEOUT, O_THREADS, O_ACCESS_LOG, O_ERROR_LOG, O_KB,
       O_TRUSTED_PROXY, O_PROBE_PORTS, O_CERT, O_KEY, O_CONFIG };
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
    [O_THREADS] = { "threads", 0, "N",
                    "Worker threads (default: four per core, so that waits for the disk "
                    "overlap with work)." },
    [O_ACCESS_LOG] = { "access-log", 0, "FILE",
                       "Append one JSON line per request to FILE ('-': standard error)." },
    [O_ERROR_LOG] = { "error-log", 0, "FILE",
                      "Append one JSON line per failure (a bundle that could not be stored or "
                      "judged) to FILE (default '-': standard error)." },
    [O_KB] = { "kb", 0, "PATH",
               "Judge uploads with this knowledge base (default as for scan: the user's KB "
               "when it exists, else the built-in one)." },
    [O_TRUSTED_PROXY] = { "trusted-proxy", 0, "ADDR",
                          "A reverse proxy in front of the server (repeatable, up to 8): for "
                          "requests from ADDR the upload's source address is the last one "
                          "X-Forwarded-For names. Needed for the direct-reachability check "
                          "behind a proxy." },
    [O_PROBE_PORTS] = { "probe-ports", 0, "SMB,RDP",
                        "Where the opt-in reachability probe tries SMB and RDP (default "
                        "445,3389)." },
    [O_CERT] = { "cert", 0, "FILE",
                 "Serve HTTPS with this PEM certificate (chain); needs --key." },
    [O_KEY] = { "key", 0, "FILE", "The PEM private key of --cert." },
    [O_CONFIG] = { "config", 0, "FILE",
                   "Read options from FILE first: one 'name = value' per line with the names "
                   "of these options ('#' comments); the command line overrides it." },
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
    unsigned char bin[16]; /* a numeric address: the server resolves no names */
    if (inet_pton(AF_INET, host, bin) != 1 && inet_pton(AF_INET6, host, bin) != 1)
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

/* A log named on the command line: '-' is standard error, NULL none, else appended to. */
static int open_log(struct tk_cli *cli, const char *path, const char *what, FILE **use,
                    FILE **opened)
{
    *use = *opened = NULL;
    if (!path)
        return 0;
    if (strcmp(path, "-") == 0) {
        *use = stderr;
        return 0;
    }
    if (!(*opened = fopen(path, "a"))) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: cannot open the %s log: %s", path, what,
               strerror(errno));
        return -1;
    }
    *use = *opened;
    return 0;
}

/* A PEM file into a NUL-terminated string (bounded); NULL after logging on failure. */
static char *read_pem(struct tk_cli *cli, const char *path)
{
    struct tk_buf b = TK_BUF_INIT(1 << 20);
    struct tk_err err = { 0 };
    if (tk_input_slurp(path, &b, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
    } else if (tk_buf_addc(&b, '\0') != 0 || !strstr(b.ptr, "-----BEGIN ")) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: not a PEM file", path);
    } else {
        return b.ptr;
    }
    tk_buf_release(&b);
    return NULL;
}

static int open_kb(void *ud, struct tk_kb **out, struct tk_err *err)
{
    return tk_kb_select(ud, TK_KB_READONLY, out, err);
}

/* "SMB,RDP": two port numbers */
static bool parse_ports(const char *s, struct tk_server_opts *so)
{
    char *end, *end2;
    errno = 0;
    long a = strtol(s, &end, 10);
    if (end == s || *end != ',' || errno || a < 1 || a > 65535)
        return false;
    long b = strtol(end + 1, &end2, 10);
    if (end2 == end + 1 || *end2 || errno || b < 1 || b > 65535)
        return false;
    so->probe_smb = (int)a;
    so->probe_rdp = (int)b;
    return true;
}

/* Everything after the options: the data directory, the logs, the server until a signal. */
static int serve(struct tk_cli *cli, struct tk_server_opts *so, const char *host,
                 const char *data, const char *access, const char *errlog)
{
    int rc = TK_EXIT_OK;
    struct tk_buf dir = TK_BUF_INIT(8192);
    if ((rc = tk_cli_data_dir(cli, data, true, &dir)) != 0) {
        tk_buf_release(&dir);
        return rc;
    }
    FILE *log = NULL, *elog = NULL;
    if (open_log(cli, access, "access", &so->access_log, &log) != 0 ||
        open_log(cli, errlog, "error", &so->error_log, &elog) != 0) {
        if (log)
            fclose(log);
        tk_buf_release(&dir);
        return TK_EXIT_RUNTIME;
    }
    so->open_kb = open_kb;
    so->host = host;
    so->data = tk_buf_cstr(&dir);
    /* the server's threads inherit this mask: only sigwait below sees the signals */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct tk_server *s;
    struct tk_err err = { 0 };
    if (tk_server_start(&s, so, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
    } else {
        fprintf(cli->out, "listening on %s://%s%s%s:%d\n", so->cert_pem ? "https" : "http",
                strchr(host, ':') ? "[" : "",
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
    if (elog)
        fclose(elog);
    tk_buf_release(&dir);
    return rc;
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    struct tk_server_opts so = { 0 };
    char host[64] = "127.0.0.1";
    so.port = 8080;
    const char *val, *data = NULL, *access = NULL, *errlog = "-", *cert = NULL, *key = NULL;
    int idx, rc = TK_EXIT_OK;
    long v;
    struct tk_config_argv conf = { 0 };
    const char *config = NULL;
    for (int i = 1; i < argc; i++) /* the configuration first: the command line overrides */
        if ((strcmp(argv[i], "--config") == 0 && i + 1 < argc) ||
            strncmp(argv[i], "--config=", 9) == 0) {
            if (config)
                return tk_usage_error(cli, "--config may be given once");
            config = argv[i][8] == '=' ? argv[i] + 9 : argv[++i];
        }
    if (config) {
        if ((rc = tk_config_load(cli, config, argc, argv, &conf)) != 0)
            return rc;
        argc = conf.argc;
        argv = conf.argv;
    }
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        switch (idx) {
        case O_LISTEN:
            if (!parse_listen(val, host, sizeof host, &so.port))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--listen must be a numeric ADDR:PORT such as 127.0.0.1:8080 or "
                         "[::1]:8080, not '%s'",
                    val);
            break;
        case O_DATA:
            data = val;
            break;
        case O_MAX_BODY:
            if (!parse_num(val, 1024, 512L << 20, &v)) /* SQLite keeps blobs below 1e9 bytes */
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--max-body must be a size from 1K to 512M, not '%s'", val);
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
        case O_ERROR_LOG:
            errlog = val;
            break;
        case O_KB:
            so.kb_ud = (void *)val;
            break;
        case O_TRUSTED_PROXY: {
            unsigned char bin[16];
            if (so.ntrusted == sizeof so.trusted_proxies / sizeof so.trusted_proxies[0] ||
                (inet_pton(AF_INET, val, bin) != 1 && inet_pton(AF_INET6, val, bin) != 1))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--trusted-proxy must be a numeric address (at most 8), not '%s'", val);
            else
                so.trusted_proxies[so.ntrusted++] = val;
            break;
        }
        case O_CERT:
            cert = val;
            break;
        case O_KEY:
            key = val;
            break;
        case O_PROBE_PORTS:
            if (!parse_ports(val, &so))
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--probe-ports must be two ports, SMB,RDP, not '%s'",
                    val);
            break;
        }
        if (idx == TK_OPT_STOP) {
            tk_config_blame(cli, &conf, &p);
            break;
        }
    }
    if (tk_optparse_done(&p, idx, &rc) ||
        (!cert != !key && (rc = tk_usage_error(cli, "--cert and --key go together")))) {
        tk_config_release(&conf);
        return rc;
    }
    char *cert_pem = cert ? read_pem(cli, cert) : NULL;
    char *key_pem = key ? read_pem(cli, key) : NULL;
    if (cert && (!cert_pem || !key_pem)) {
        tk_free(cert_pem);
        tk_free(key_pem);
        tk_config_release(&conf);
        return TK_EXIT_RUNTIME;
    }
    so.cert_pem = cert_pem;
    so.key_pem = key_pem;
    rc = serve(cli, &so, host, data, access, errlog);
    if (key_pem)
        memset(key_pem, 0, strlen(key_pem));
    tk_free(key_pem);
    tk_free(cert_pem);
    tk_config_release(&conf);
    return rc;
}

const struct tk_cmd tk_cmd_serve = {
    .name = "serve",
    .run = run,
    .args = "[OPTIONS]",
    .summary = "Run the analysis server that organisations' PCs upload their bundles to.",
    .description =
        "Accepts bundles over HTTP (POST /api/v1/bundles with an organisation's enrollment "
        "token, see 'tenken org') and stores each durably before answering, then judges it "
        "with the same code as 'tenken analyze'. The upload's source address is compared "
        "with the PC's own addresses (equal: no NAT, the PC is directly on the internet); "
        "for organisations that opted in (org add --probe) the server also tries TCP "
        "connects to 445 and 3389 there. Analysts fetch reports with a key from 'tenken "
        "key' (GET /api/v1/orgs/ID/report?format=html|json|csv&lang=ja|en). Every "
        "answer to the API is JSON; errors carry a message naming what was wrong. The same "
        "server has web pages for notification campaigns ('tenken campaign'): analysts sign "
        "in at /login with a key made by 'tenken key add NAME --campaigns', then list "
        "campaigns and cases, record contacts, edit cases and see the statistics. Limits on "
        "body size, decompressed size, idle time and connections protect it from hostile "
        "clients, and no body is read before its token is known; but a client that sends a "
        "byte now and then is never idle, so where the internet can reach the server, put a "
        "reverse proxy in front with deadlines for whole headers and bodies (nginx: "
        "client_header_timeout, client_body_timeout). SIGTERM or SIGINT stops it "
        "gracefully.\n"
        "\n"
        "Examples:\n"
        "  tenken serve --listen 127.0.0.1:8080 --access-log /var/log/tenken/access.log\n"
        "  curl -H \"Authorization: Bearer $TOKEN\" --data-binary @bundle.json \\\n"
        "       http://127.0.0.1:8080/api/v1/bundles",
    .opts = opts,
};
