/* surface_probe.c - `tenken surface probe` (placeholder until it lands). */
#include "cmd/surface.h"

int tk_surface_probe_cmd(struct tk_cli *cli, const struct tk_surface_args *a)
{
    (void)a;
    return tk_usage_error(cli, "'surface probe' is not built yet");
}
