/* domains_permute.c - `tenken domains permute`. (Being written.) */
#include "cmd/domains.h"

int tk_domains_permute_cmd(struct tk_cli *cli, const struct tk_domains_args *a)
{
    (void)a;
    return tk_usage_error(cli, "domains permute is not built yet");
}
