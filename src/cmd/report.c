/* report.c - `tenken report --org NAME`: an organisation's report from the analysis
 * server's store (the newest analysed bundle of every endpoint), as HTML, JSON or CSV, in
 * Japanese or English; written to a file atomically, to standard output, or mailed. Bundles
 * stored but not analysed yet (the server judges after answering) are judged first. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "compat/sys.h"
#include "net/mail.h"
#include "server/judge.h"
#include "store/store.h"

enum { O_DATA, O_KB, O_ORG, O_FORMAT, O_LANG, O_OUT, O_MAIL_TO, O_MAIL_FROM, O_SMTP,
       O_SMTP_AUTH, O_CA };
static const struct tk_opt opts[] = {
    [O_DATA] = { "data", 0, "DIR",
                 "The server's data directory (default: $XDG_DATA_HOME/tenken/server)." },
    [O_KB] = { "kb", 0, "PATH",
               "Judge bundles not analysed yet with this knowledge base (default as for "
               "scan)." },
    [O_ORG] = { "org", 0, "NAME", "The organisation (name or id). Required." },
    [O_FORMAT] = { "format", 0, "FORMAT",
                   "html (default: one self-contained printable page), json or csv (one row "
                   "per PC and finding)." },
    [O_LANG] = { "lang", 0, "LANG", "ja or en (default: from LANG, else en)." },
    [O_OUT] = { "output", 'o', "FILE",
                "Write the report to FILE (atomically) instead of standard output ('-')." },
    [O_MAIL_TO] = { "mail-to", 0, "ADDR",
                    "Mail the report to ADDR (repeatable) instead of printing it." },
    [O_MAIL_FROM] = { "mail-from", 0, "ADDR", "Sender address (default tenken@HOSTNAME)." },
    [O_SMTP] = { "smtp", 0, "URL",
                 "Mail server: smtp://HOST[:PORT] or smtps://HOST[:PORT] (default "
                 "smtp://localhost:25)." },
    [O_SMTP_AUTH] = { "smtp-credentials", 0, "FILE",
                      "A file whose first line is USER and second PASSWORD (default: the "
                      "TENKEN_SMTP_USER and TENKEN_SMTP_PASSWORD variables, else none)." },
    [O_CA] = { "ca", 0, "FILE", "Trust this CA certificate for the mail server's TLS." },
    { NULL, 0, NULL, NULL },
};

#define MAX_RCPT 32

/* Reports follow uploads: what the server has stored but not judged yet is judged here. A
 * knowledge base that does not open is an error; a bundle that cannot be judged is a
 * warning, and the report counts it as pending. */
static int judge_pending(struct tk_cli *cli, struct tk_store *s, const struct tk_org *org,
                         const char *kbpath, struct tk_err *err)
{
    struct tk_id_list l = { 0 };
    struct tk_kb *kb;
    struct tk_judge *j = NULL;
    int rc = s->ops->bundle_ids(s, org->id, true, tk_id_list_add, &l, err);
    if (rc && !err->msg[0])
        rc = tk_err_set(err, rc, "out of memory while listing the bundles not analysed yet");
    if (!rc && l.n &&
        (rc = tk_kb_select(kbpath, TK_KB_READONLY, &kb, err)) == 0) /* only when needed */
        rc = tk_judge_new(&j, kb, err);
    size_t failed = 0;
    for (size_t i = 0; j && i < l.n; i++) {
        struct tk_err one = { 0 };
        if (tk_judge_stored(j, s, l.id[i], &one) != 0 && failed++ == 0)
            tk_log(&cli->log, TK_LOG_WARN, "%s", one.msg); /* the first tells why */
    }
    if (failed)
        tk_log(&cli->log, TK_LOG_WARN, "%zu bundle(s) of %s could not be analysed: the report "
               "counts them as pending", failed, org->name);
    tk_judge_free(j);
    tk_id_list_release(&l);
    return rc;
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    const char *val, *data = NULL, *kbpath = NULL, *org_name = NULL, *out = NULL;
    struct tk_mail mail = { 0 };
    enum tk_report_format fmt = TK_REPORT_HTML;
    enum tk_lang lang = tk_lang_from_env();
    int idx, rc = TK_EXIT_OK;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        const char *bad = NULL;
        switch (idx) {
        case O_DATA: data = val; break;
        case O_KB: kbpath = val; break;
        case O_ORG: org_name = val; break;
        case O_OUT: out = val; break;
        case O_FORMAT:
            if (tk_report_format_parse(val, &fmt) != 0)
                bad = "--format must be html, json or csv";
            break;
        case O_LANG:
            if (tk_lang_parse(val, &lang) != 0)
                bad = "--lang must be ja or en";
            break;
        case O_MAIL_TO:
            if (mail.nto == MAX_RCPT || !tk_mail_address_valid(val))
                bad = "--mail-to must be a plain address such as soc@example.jp (at most 32)";
            else
                mail.to[mail.nto++] = val;
            break;
        case O_MAIL_FROM:
            if (!tk_mail_address_valid(val))
                bad = "--mail-from must be a plain address";
            mail.from = val;
            break;
        case O_SMTP: mail.url = val; break;
        case O_SMTP_AUTH: mail.credentials = val; break;
        case O_CA: mail.ca = val; break;
        }
        if (bad) {
            p.exit_code = tk_usage_error(cli, "%s", bad);
            idx = TK_OPT_STOP;
            break;
        }
    }
    if (tk_optparse_done(&p, idx, &rc))
        return rc;
    if (!org_name)
        return tk_usage_error(cli, "--org NAME is required");
    if (out && mail.nto)
        return tk_usage_error(cli, "--output and --mail-to exclude each other");
    struct tk_store *s;
    if ((rc = tk_cli_open_store(cli, data, false, &s)) != 0)
        return rc;
    struct tk_org org;
    struct tk_err err = { 0 };
    struct tk_buf doc = TK_BUF_INIT((size_t)1 << 30);
    if (s->ops->org_get(s, org_name, &org, &err) != 0 ||
        judge_pending(cli, s, &org, kbpath, &err) != 0 ||
        tk_org_report(s, &org, fmt, lang, &doc, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
    } else if (mail.nto) {
        mail.subject = lang == TK_LANG_JA ? "tenken 点検報告書" : "tenken assessment report";
        mail.org = org.name;
        mail.attachment = &doc;
        mail.content_type = tk_report_content_type(fmt);
        mail.filename = fmt == TK_REPORT_HTML ? "report.html"
                        : fmt == TK_REPORT_JSON ? "report.json" : "report.csv";
        mail.lang_ja = lang == TK_LANG_JA;
        if (tk_mail_send(&mail, &err) != 0) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
            rc = TK_EXIT_RUNTIME;
        } else {
            tk_log(&cli->log, TK_LOG_INFO, "mailed the report of %s to %zu recipient(s)",
                   org.name, mail.nto);
        }
    } else {
        rc = tk_cli_write(cli, out, doc.ptr, doc.len);
    }
    tk_buf_release(&doc);
    tk_store_close(s);
    return rc;
}

const struct tk_cmd tk_cmd_report = {
    .name = "report",
    .run = run,
    .args = "--org NAME [OPTIONS]",
    .summary = "Write or mail an organisation's report from the analysis server's data.",
    .description =
        "Gathers the newest analysed scan of every PC of the organisation: the share of PCs "
        "with vulnerable browsers or plugins, outdated meeting tools, direct reachability "
        "from the internet, exposed SMB or RDP, malware on disk or in memory and traces of "
        "compromise; findings ranked by severity, known exploitation and how many PCs share "
        "them; what to do; and a section per PC. HTML is one self-contained printable page "
        "with inline charts. The same report is served at GET /api/v1/orgs/ID/report.\n"
        "\n"
        "Mail goes over SMTP with libcurl: STARTTLS is used whenever the server offers it "
        "and required for any server other than localhost; smtps:// uses TLS from the "
        "start.\n"
        "\n"
        "Examples:\n"
        "  tenken report --org acme --lang ja -o acme.html\n"
        "  tenken report --org acme --format csv > acme.csv\n"
        "  tenken report --org acme --mail-to soc@example.jp --smtp smtp://mail.example.jp:587",
    .opts = opts,
};
