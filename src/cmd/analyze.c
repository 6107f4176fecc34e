/* analyze.c - `tenken analyze BUNDLE...`: judge saved bundles again with the current
 * knowledge base, with the same code as the scan (tk_analyze). */
#include <string.h>

#include "analyze/analyze.h"
#include "bundle/bundle_json.h"
#include "bundle/bundle_read.h"
#include "cmd/cmd.h"
#include "core/json.h"
#include "core/time.h"
#include "kb/match.h"
#include "report/summary.h"

enum { O_KB, O_FORMAT, O_FAIL_ON, O_LANG };
static const struct tk_opt opts[] = {
    [O_KB] = { "kb", 0, "PATH", "Judge with this knowledge base (default as for scan)." },
    [O_FORMAT] = { "format", 0, "FORMAT",
                   "text (a summary per bundle, default) or json (one line per bundle with "
                   "its findings)." },
    [O_FAIL_ON] = { "fail-on", 0, "SEVERITY",
                    "Exit with status 1 when a finding in any bundle is at or above SEVERITY." },
    [O_LANG] = { "lang", 0, "LANG", "Language of the text summary: en or ja." },
    { NULL, 0, NULL, NULL },
};

static void json_line(struct tk_cli *cli, const struct tk_bundle *b, const char *path)
{
    struct tk_json w;
    char t[32];
    tk_json_init_file(&w, cli->out, 0);
    tk_json_obj_begin(&w);
    tk_json_kstr(&w, "bundle", path);
    tk_json_kstr(&w, "bundle_id", b->bundle_id);
    tk_json_kstr(&w, "hostname", b->host.hostname);
    tk_json_kstr(&w, "endpoint_id", b->host.endpoint_id);
    tk_json_key(&w, "analysis");
    tk_json_obj_begin(&w);
    tk_json_kstr(&w, "kb", b->analysis.kb);
    tk_json_kstr(&w, "kb_date", b->analysis.kb_date);
    tk_time_iso8601(b->analysis.analyzed_at, t);
    tk_json_kstr(&w, "analyzed_at", t);
    tk_json_obj_end(&w);
    tk_bundle_write_findings(b, &w);
    tk_json_obj_end(&w);
    tk_json_finish(&w);
    fputc('\n', cli->out);
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    const char *val, *kbpath = NULL;
    bool json = false, have_fail = false;
    enum tk_severity fail_on = TK_SEV_CRITICAL;
    enum tk_lang lang = tk_lang_from_env();
    int idx, rc = TK_EXIT_OK;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        if (idx == O_KB) {
            kbpath = val;
        } else if (idx == O_FORMAT) {
            json = strcmp(val, "json") == 0;
            if (!json && strcmp(val, "text") != 0) {
                p.exit_code = tk_usage_error(cli, "--format must be text or json");
                idx = TK_OPT_STOP;
                break;
            }
        } else if (idx == O_FAIL_ON) {
            have_fail = true;
            if (tk_severity_parse(val, &fail_on) != 0) {
                p.exit_code = tk_usage_error(cli, "--fail-on must be info, low, medium, high or "
                                                  "critical");
                idx = TK_OPT_STOP;
                break;
            }
        } else if (idx == O_LANG && tk_lang_parse(val, &lang) != 0) {
            p.exit_code = tk_usage_error(cli, "--lang must be en or ja");
            idx = TK_OPT_STOP;
            break;
        }
    }
    if (idx == TK_OPT_STOP || p.npos == 0) {
        rc = idx == TK_OPT_STOP ? p.exit_code : tk_usage_error(cli, "no bundle given");
        tk_optparse_release(&p);
        return rc;
    }
    struct tk_kb *kb = NULL;
    struct tk_analysis an = { 0 };
    struct tk_err err = { 0 };
    if ((rc = tk_cli_open_kb(cli, kbpath, TK_KB_READONLY, &kb)) != 0) {
        tk_optparse_release(&p);
        return rc;
    }
    if (tk_matcher_new(&an.matcher, kb, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
    }
    int worst = -1, failed = 0;
    for (int i = 0; i < p.npos && rc == TK_EXIT_OK; i++) {
        struct tk_bundle b;
        if (tk_bundle_init(&b, &err) != 0 || tk_bundle_read_file(&b, p.pos[i], &err) != 0 ||
            (b.analysis.kb = tk_kb_name(kb), b.analysis.kb_date = tk_matcher_kb_date(an.matcher),
             b.analysis.analyzed_at = tk_time_now(), tk_analyze(&b, &an, &err)) != 0) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
            failed++;
        } else {
            if (json)
                json_line(cli, &b, p.pos[i]);
            else
                tk_summary_text(cli->out, &b, NULL, lang);
            int s = tk_bundle_max_severity(&b);
            if (s > worst)
                worst = s;
        }
        tk_bundle_release(&b);
    }
    tk_matcher_free(an.matcher);
    tk_kb_close(kb);
    tk_optparse_release(&p);
    if (rc == TK_EXIT_OK && failed)
        rc = TK_EXIT_RUNTIME;
    else if (rc == TK_EXIT_OK && have_fail && worst >= (int)fail_on)
        rc = TK_EXIT_FINDINGS;
    return rc;
}

const struct tk_cmd tk_cmd_analyze = {
    .name = "analyze",
    .run = run,
    .args = "[OPTIONS] BUNDLE...",
    .summary = "Judge saved bundles again with the current knowledge base.",
    .description =
        "Reads bundles written by 'tenken scan' (plain or .gz) and judges them with the "
        "current knowledge base, exactly as the scan would today: a newer KB gives new "
        "answers about old scans without visiting the machines again. A bundle that cannot "
        "be read is reported with the place in it that is wrong, and the others are still "
        "judged (exit status 3 at the end).\n"
        "\n"
        "Examples:\n"
        "  tenken analyze pc1.json pc2.json\n"
        "  tenken analyze --format json --fail-on high bundles/*.json",
    .opts = opts,
};
