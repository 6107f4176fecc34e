/* version.c - `tenken version`. */
#include "cmd/cmd.h"
#include "tk_config.h"

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    const char *val;
    int idx;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0)
        ;
    int rc = idx == TK_OPT_STOP ? p.exit_code : TK_EXIT_OK;
    if (idx != TK_OPT_STOP && p.npos)
        rc = tk_usage_error(cli, "unexpected argument '%s'", p.pos[0]);
    else if (idx != TK_OPT_STOP)
        fprintf(cli->out, "tenken %s\n", TK_VERSION);
    tk_optparse_release(&p);
    return rc;
}

static const struct tk_opt opts[] = { { NULL, 0, NULL, NULL } };

const struct tk_cmd tk_cmd_version = {
    .name = "version",
    .run = run,
    .args = NULL,
    .summary = "Print the version of tenken.",
    .description = NULL,
    .opts = opts,
};
