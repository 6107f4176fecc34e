/* main.c - the command table and dispatch; everything else lives in src/cmd/ and below. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "tk_config.h"

/* tenken.exe (TK_COLLECTOR_ONLY) is the collector: scan, upload, version, help. */
static const struct tk_cmd *const commands[] = {
    &tk_cmd_scan,
#if !TK_COLLECTOR_ONLY
    &tk_cmd_analyze,
#endif
    &tk_cmd_upload,
#if !TK_COLLECTOR_ONLY
    &tk_cmd_kb,
    &tk_cmd_org,
    &tk_cmd_serve,
    &tk_cmd_key,
    &tk_cmd_report,
    &tk_cmd_reanalyze,
    &tk_cmd_surface,
    &tk_cmd_campaign,
    &tk_cmd_domains,
#endif
    &tk_cmd_version,
#if !TK_COLLECTOR_ONLY
    &tk_cmd_version_compare,
#endif
    &tk_cmd_help,
};

int main(int argc, char **argv)
{
    struct tk_cli cli = {
        .prog = "tenken",
        .commands = commands,
        .ncommands = sizeof commands / sizeof commands[0],
        .out = stdout,
    };
    tk_log_init(&cli.log, stderr, TK_LOG_TEXT, TK_LOG_INFO);

    if (argc < 2) {
        tk_print_overview(stderr, &cli);
        return TK_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    else if (strcmp(name, "--version") == 0)
        name = "version";
    for (size_t i = 0; i < cli.ncommands; i++) {
        if (strcmp(commands[i]->name, name) == 0) {
            cli.cmd = commands[i];
            int rc = commands[i]->run(&cli, argc - 1, argv + 1);
            if (fflush(stdout) != 0 && rc == TK_EXIT_OK)
                rc = TK_EXIT_RUNTIME;
            return rc;
        }
    }
    return tk_usage_error(&cli, "'%s' is not a tenken command", argv[1]);
}
