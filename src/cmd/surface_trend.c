/* surface_trend.c - `tenken surface trend` (placeholder until it lands). */
#include "cmd/surface.h"

int tk_surface_trend_cmd(struct tk_cli *cli, const struct tk_surface_args *a)
{
    (void)a;
    return tk_usage_error(cli, "'surface trend' is not built yet");
}
