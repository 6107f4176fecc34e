/* help.c - `tenken help [COMMAND]` and `tenken help --man`. */
#include <string.h>

#include "cmd/cmd.h"

enum { O_MAN };
static const struct tk_opt opts[] = {
    [O_MAN] = { "man", 0, NULL, "Print the whole manual page (roff) instead." },
    { NULL, 0, NULL, NULL },
};

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    const char *val;
    bool man = false;
    int idx, rc = TK_EXIT_OK;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0)
        if (idx == O_MAN)
            man = true;
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
    } else if (p.npos > (man ? 0 : 1)) {
        rc = tk_usage_error(cli, "unexpected argument '%s'", p.pos[man ? 0 : 1]);
    } else if (man) {
        tk_print_man(cli->out, cli);
    } else if (p.npos == 0) {
        tk_print_overview(cli->out, cli);
    } else {
        rc = -1;
        for (size_t i = 0; i < cli->ncommands; i++) {
            if (strcmp(cli->commands[i]->name, p.pos[0]) == 0) {
                tk_print_command_help(cli->out, cli, cli->commands[i]);
                rc = TK_EXIT_OK;
            }
        }
        if (rc < 0)
            rc = tk_usage_error(cli, "no command named '%s'", p.pos[0]);
    }
    tk_optparse_release(&p);
    return rc;
}

const struct tk_cmd tk_cmd_help = {
    .name = "help",
    .run = run,
    .args = "[COMMAND] [--man]",
    .summary = "Show help for tenken or one of its commands.",
    .description = "Without a command, lists the commands. With --man, prints the manual page "
                   "that is installed as tenken(1); it is generated from the same text as "
                   "every --help.",
    .opts = opts,
};
