/* upload.c - `tenken upload FILE...` (saved bundles, later) and the upload step of
 * `tenken scan --upload`: one function sends a bundle file and says, in one clear final
 * line, whether it arrived or where it stays and how to send it later. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "compat/sys.h"
#include "kb/input.h"
#include "net/upload.h"
#include "store/token.h"

enum { O_SERVER, O_TOKEN, O_TOKEN_FILE, O_CA, O_RETRIES, O_NO_PROGRESS };
static const struct tk_opt opts[] = {
    [O_SERVER] = { "server", 0, "URL",
                   "The analysis server, e.g. https://tenken.example.jp (required)." },
    [O_TOKEN] = { "token", 0, "TOKEN",
                  "The organisation's enrollment token (or --token-file, or the TENKEN_TOKEN "
                  "variable, which other users cannot see in the process list)." },
    [O_TOKEN_FILE] = { "token-file", 0, "FILE", "Read the token from FILE." },
    [O_CA] = { "ca", 0, "FILE", "Also trust this CA certificate (a private server's)." },
    [O_RETRIES] = { "retries", 0, "N",
                    "Attempts after the first when the server cannot be reached (default 4, "
                    "waiting 1, 2, 4, 8 s)." },
    [O_NO_PROGRESS] = { "no-progress", 0, NULL, "Do not show the progress line." },
    { NULL, 0, NULL, NULL },
};

struct prog {
    bool on;
    const char *name;
};

static void progress(void *ud, size_t sent, size_t total)
{
    const struct prog *p = ud;
    if (p->on)
        fprintf(stderr, "\r\033[2Kuploading %s: %zu%% (%zu of %zu KB)", p->name,
                total ? sent * 100 / total : 0, sent / 1024, total / 1024);
}

int tk_cli_token(struct tk_cli *cli, const char *token, const char *file, char *out, size_t n)
{
    if (!token && file) {
        FILE *fp = fopen(file, "r");
        *out = '\0';
        bool got = fp && fgets(out, (int)n, fp);
        int e = errno;
        if (!got && fp && ferror(fp)) /* a directory, say */
            fp = (fclose(fp), NULL);
        if (!fp) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s: cannot read the token: %s", file, strerror(e));
            return TK_EXIT_RUNTIME;
        }
        fclose(fp);
        char *t = out + strspn(out, " \t"); /* the first word of the first line */
        t[strcspn(t, " \t\r\n")] = '\0';
        memmove(out, t, strlen(t) + 1);
        if (!*out) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s: holds no token on its first line", file);
            return TK_EXIT_RUNTIME;
        }
    } else {
        if (!token)
            token = getenv("TENKEN_TOKEN");
        snprintf(out, n, "%s", token ? token : "");
    }
    if (!*out)
        return tk_usage_error(cli, "an enrollment token is needed: --token, --token-file or "
                                   "TENKEN_TOKEN");
    if (!tk_token_valid(out))
        return tk_usage_error(cli, "the token does not look like an enrollment token "
                                   "(tke_ followed by 43 characters)");
    return 0;
}

int tk_cli_upload(struct tk_cli *cli, const struct tk_cli_upload *u, const char *path)
{
    struct tk_buf data = TK_BUF_INIT((size_t)1 << 30);
    struct tk_err rerr = { 0 };
    if (tk_input_slurp(path, &data, &rerr) != 0) { /* a .gz bundle arrives decompressed */
        tk_log(&cli->log, TK_LOG_ERROR, "%s", rerr.msg);
        tk_buf_release(&data);
        return TK_EXIT_RUNTIME;
    }
    struct prog pr = { u->progress && cli->log.format == TK_LOG_TEXT && tk_sys_isatty(2), path };
    struct tk_upload_opts o = {
        .server = u->server, .token = u->token, .ca = u->ca, .retries = u->retries,
        .backoff_ms = 1000, .progress = progress, .ud = &pr,
    };
    struct tk_err err = { 0 };
    enum tk_upload_outcome r = tk_upload_bundle(&o, data.ptr, data.len, &err);
    tk_buf_release(&data);
    if (pr.on)
        fputs("\r\033[2K", stderr);
    switch (r) {
    case TK_UPLOADED:
    case TK_UPLOAD_KNOWN:
        fprintf(cli->out, "%s: uploaded%s\n", path,
                r == TK_UPLOAD_KNOWN ? " (the server had it already)" : "");
        return TK_EXIT_OK;
    case TK_UPLOAD_REFUSED:
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        fprintf(cli->out, "%s: not uploaded: the server refused it (see above); the bundle "
                          "stays in that file\n", path);
        return TK_EXIT_RUNTIME;
    default:
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        fprintf(cli->out, "saved to %s — run 'tenken upload --server %s --token TOKEN %s' "
                          "later\n", path, u->server, path);
        return TK_EXIT_RUNTIME;
    }
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    const char *val, *token = NULL, *token_file = NULL;
    struct tk_cli_upload u = { .retries = 4, .progress = true };
    int idx, rc = TK_EXIT_OK;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        switch (idx) {
        case O_SERVER: u.server = val; break;
        case O_TOKEN: token = val; break;
        case O_TOKEN_FILE: token_file = val; break;
        case O_CA: u.ca = val; break;
        case O_NO_PROGRESS: u.progress = false; break;
        case O_RETRIES: {
            long n = 0;
            if (!tk_parse_long(val, 0, 20, &n)) {
                p.exit_code = tk_usage_error(cli, "--retries must be 0 to 20, not '%s'", val);
                idx = TK_OPT_STOP;
            }
            u.retries = (int)n;
            break;
        }
        }
        if (idx == TK_OPT_STOP)
            break;
    }
    char tok[128];
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
    } else if (!u.server || !p.npos) {
        rc = tk_usage_error(cli, "usage: upload --server URL --token TOKEN FILE...");
    } else if ((rc = tk_cli_token(cli, token, token_file, tok, sizeof tok)) == 0) {
        u.token = tok;
        int failed = 0;
        for (int i = 0; i < p.npos; i++)
            failed += tk_cli_upload(cli, &u, p.pos[i]) != 0;
        rc = failed ? TK_EXIT_RUNTIME : TK_EXIT_OK;
    }
    tk_optparse_release(&p);
    return rc;
}

const struct tk_cmd tk_cmd_upload = {
    .name = "upload",
    .run = run,
    .args = "--server URL --token TOKEN FILE...",
    .summary = "Send saved bundles to the analysis server.",
    .description =
        "Sends bundles written by 'tenken scan' (for instance when the server could not be "
        "reached during the scan) to the analysis server, compressed, over HTTPS with the "
        "server's certificate verified. An unreachable server is retried with backoff; a "
        "bundle the server already has is not stored twice. Each file gets one final line: "
        "uploaded, or why not and how to send it later.\n"
        "\n"
        "Examples:\n"
        "  tenken upload --server https://tenken.example.jp --token-file token.txt "
        "tenken-pc1-*.json\n"
        "  TENKEN_TOKEN=tke_... tenken upload --server https://tenken.example.jp pc.json",
    .opts = opts,
};
