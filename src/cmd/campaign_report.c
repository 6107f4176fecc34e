/* campaign_report.c - `tenken campaign report`: the statistics as one self-contained HTML
 * page with SVG charts, in Japanese or English. (Being written.) */
#include "cmd/campaign.h"

int tk_campaign_report(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    (void)s;
    (void)a;
    return tk_usage_error(cli, "campaign report is not built yet");
}
