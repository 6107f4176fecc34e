/* scan.c - `tenken scan`: collect, judge, write the bundle, print the summary. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "bundle/bundle_json.h"
#include "cmd/cmd.h"
#include "collect/collect.h"
#include "kb/match.h"
#include "compat/sys.h"
#include "core/buf.h"
#include "core/time.h"
#include "report/summary.h"

enum { O_OUT, O_FORMAT, O_ROOT, O_PROC, O_ONLY, O_FAIL_ON, O_LANG, O_NO_PROGRESS, O_KB };
static const struct tk_opt opts[] = {
    [O_OUT] = { "out", 'o', "FILE",
                "Write the bundle to FILE (default: tenken-HOST-UTCTIME.json in the current "
                "directory). The file appears atomically, complete or not at all." },
    [O_FORMAT] = { "format", 0, "FORMAT", "Print the summary as text (default) or json." },
    [O_ROOT] = { "root", 0, "DIR",
                 "Scan the system mounted at DIR (an offline disk image) instead of this "
                 "machine. Live network state is then not collected." },
    [O_PROC] = { "proc", 0, "DIR",
                 "Read process and network state from DIR instead of /proc (for tests)." },
    [O_ONLY] = { "only", 0, "LIST", "Run only these collectors (comma-separated names)." },
    [O_FAIL_ON] = { "fail-on", 0, "SEVERITY",
                    "Exit with status 1 when a finding is at or above SEVERITY (info, low, "
                    "medium, high, critical)." },
    [O_LANG] = { "lang", 0, "LANG",
                 "Language of the summary: en or ja (default: from LANG)." },
    [O_NO_PROGRESS] = { "no-progress", 0, NULL, "Do not show the progress line." },
    [O_KB] = { "kb", 0, "PATH",
               "Judge software with this knowledge base (default: the one imported with "
               "'tenken kb import', else the one built into tenken)." },
    { NULL, 0, NULL, NULL },
};

struct progress {
    bool on;
    double t0;
};

static void show_progress(void *ud, const char *name, const char *desc, size_t i, size_t n)
{
    struct progress *p = ud;
    if (!p->on)
        return;
    fprintf(stderr, "\r\033[2K[%2zu/%zu] %s: %s", i + 1, n, name, desc);
    fflush(stderr);
}

static void end_progress(struct progress *p)
{
    if (p->on) {
        fputs("\r\033[2K", stderr);
        fflush(stderr);
    }
}

/* tenken-HOST-20261122T045200Z.json, with HOST reduced to file-name-safe characters. */
static int default_out(struct tk_buf *out, const char *host, int64_t t)
{
    char ts[32];
    tk_time_compact(t, ts);
    int rc = tk_buf_adds(out, "tenken-");
    for (const char *p = host && *host ? host : "unknown"; *p && !rc && out->len < 70; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || (c == '.' && out->len > 7);
        rc = tk_buf_addc(out, ok ? c : '_');
    }
    if (!rc)
        rc = tk_buf_addf(out, "-%s.json", ts);
    return rc;
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    struct tk_collect_opts co = { .root = "/" };
    const char *val, *out = NULL, *format = "text", *kbpath = NULL;
    enum tk_severity fail_on = TK_SEV_CRITICAL;
    bool have_fail_on = false, no_progress = false;
    enum tk_lang lang = tk_lang_from_env();
    int idx, rc = TK_EXIT_OK;

    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        switch (idx) {
        case O_OUT:
            out = val;
            break;
        case O_FORMAT:
            format = val;
            break;
        case O_ROOT:
            co.root = val;
            break;
        case O_PROC:
            co.proc = val;
            break;
        case O_ONLY:
            co.only = val;
            break;
        case O_FAIL_ON:
            if (tk_severity_parse(val, &fail_on) != 0)
                idx = TK_OPT_STOP, p.exit_code = tk_usage_error(
                    cli, "--fail-on must be info, low, medium, high or critical, not '%s'", val);
            have_fail_on = true;
            break;
        case O_LANG:
            if (tk_lang_parse(val, &lang) != 0)
                idx = TK_OPT_STOP,
                p.exit_code = tk_usage_error(cli, "--lang must be en or ja, not '%s'", val);
            break;
        case O_NO_PROGRESS:
            no_progress = true;
            break;
        case O_KB:
            kbpath = val;
            break;
        }
        if (idx == TK_OPT_STOP)
            break;
    }
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
        tk_optparse_release(&p);
        return rc;
    }
    if (p.npos) {
        rc = tk_usage_error(cli, "unexpected argument '%s'", p.pos[0]);
        tk_optparse_release(&p);
        return rc;
    }
    tk_optparse_release(&p);
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
        return tk_usage_error(cli, "--format must be text or json, not '%s'", format);

    struct tk_bundle b;
    struct tk_err err = { 0 };
    struct tk_buf outpath = TK_BUF_INIT(8192);
    struct progress prog = {
        .on = !no_progress && cli->log.format == TK_LOG_TEXT && tk_sys_isatty(2),
        .t0 = tk_time_mono(),
    };
    co.progress = show_progress;
    co.ud = &prog;

    struct tk_kb *kb = NULL;
    struct tk_analysis an = { NULL };
    if ((rc = tk_cli_open_kb(cli, kbpath, TK_KB_READONLY, &kb)) != 0)
        return rc;
    if (tk_matcher_new(&an.matcher, kb, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        tk_kb_close(kb);
        return TK_EXIT_RUNTIME;
    }
    if (tk_bundle_init(&b, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        tk_matcher_free(an.matcher);
        tk_kb_close(kb);
        return TK_EXIT_RUNTIME;
    }
    b.host.started = tk_time_now();
    int c = tk_collect(&b, &co, &err);
    end_progress(&prog);
    b.host.finished = tk_time_now();
    b.analysis.kb = tk_kb_name(kb);
    b.analysis.kb_date = tk_matcher_kb_date(an.matcher);
    b.analysis.analyzed_at = b.host.finished;
    if (c == 0)
        c = tk_analyze(&b, &an, &err);
    if (c != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    if (out) {
        tk_buf_adds(&outpath, out);
    } else if (default_out(&outpath, b.host.hostname, b.host.started) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    if (tk_bundle_write_file(&b, tk_buf_cstr(&outpath), &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    if (strcmp(format, "json") == 0)
        c = tk_summary_json(cli->out, &b, tk_buf_cstr(&outpath));
    else
        c = tk_summary_text(cli->out, &b, tk_buf_cstr(&outpath), lang);
    if (c != 0)
        rc = TK_EXIT_RUNTIME;
    else if (have_fail_on && tk_bundle_max_severity(&b) >= (int)fail_on)
        rc = TK_EXIT_FINDINGS;
done:
    tk_buf_release(&outpath);
    tk_bundle_release(&b);
    tk_matcher_free(an.matcher);
    tk_kb_close(kb);
    return rc;
}

const struct tk_cmd tk_cmd_scan = {
    .name = "scan",
    .run = run,
    .args = "[OPTIONS]",
    .summary = "Inventory this machine (or an offline image) and judge its exposure.",
    .description =
        "Collects installed software (dpkg, rpm, flatpak, snap, browsers and their "
        "extensions, meeting and remote-access tools), network interfaces, listening "
        "sockets and the SMB, RDP and SSH configuration, judges what it saw, writes "
        "everything to a bundle (versioned JSON, see docs/bundle.md) and prints a summary.\n"
        "\n"
        "The scan only reads: it changes nothing on the machine, installs nothing and sends "
        "nothing anywhere. It runs as a normal user; run as root it can also read other "
        "users' home directories and the owners of all sockets. What it could not read is "
        "listed in the bundle's errors[].\n"
        "\n"
        "Examples:\n"
        "  tenken scan\n"
        "  tenken scan --out /tmp/pc.json --format json\n"
        "  tenken scan --root /mnt/image --fail-on high",
    .opts = opts,
};
