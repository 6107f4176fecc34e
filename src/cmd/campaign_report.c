/* campaign_report.c - `tenken campaign report`: the statistics as one self-contained HTML
 * page with SVG charts (campaign/report.c), in Japanese or English, to a file (atomically)
 * or standard output. --public leaves the table of organisations out, for publishing. */
#include <stdio.h>
#include <string.h>

#include "campaign/campaign.h"
#include "cmd/campaign.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/time.h"
#include "store/store.h"

int tk_campaign_report(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    if (a->npos != 2)
        return tk_usage_error(cli, "usage: campaign report CAMPAIGN [-o FILE] [--lang ja|en] "
                                   "[--public]");
    struct tk_arena ar;
    tk_arena_init(&ar, (size_t)1 << 30);
    struct tk_campaign_stats st;
    tk_campaign_stats_init(&st);
    struct tk_case *cases = NULL;
    size_t ncases = 0;
    struct tk_buf doc = TK_BUF_INIT((size_t)1 << 30);
    struct tk_campaign c;
    struct tk_err err = { 0 };
    int rc = tk_campaign_stats_load(s, a->pos[1], &ar, &c, &st, &cases, &ncases, &err);
    if (!rc) {
        rc = tk_campaign_write_html(&c, &st, a->public ? NULL : cases, ncases,
                                    strcmp(a->lang, "ja") == 0, tk_time_now(), &doc);
        if (rc)
            tk_err_set(&err, rc, "the report is too large");
    }
    int ex = rc ? tk_campaign_runtime(cli, &err) : tk_cli_write(cli, a->output, doc.ptr, doc.len);
    tk_buf_release(&doc);
    tk_free(cases);
    tk_campaign_stats_release(&st);
    tk_arena_release(&ar);
    if (ex)
        return ex;
    if (a->output && strcmp(a->output, "-") != 0)
        tk_log(&cli->log, TK_LOG_INFO, "wrote %s (%zu organisation(s))", a->output, ncases);
    return TK_EXIT_OK;
}
