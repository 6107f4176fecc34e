/* campaign_sheet.c - `tenken campaign export` and `import`: cases to XLSX and CSV for the
 * officers, and their edits read back. (Being written.) */
#include "cmd/campaign.h"

int tk_campaign_export(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    (void)s;
    (void)a;
    return tk_usage_error(cli, "campaign export is not built yet");
}

int tk_campaign_import(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    (void)s;
    (void)a;
    return tk_usage_error(cli, "campaign import is not built yet");
}
