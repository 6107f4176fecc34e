/* cmd.h - the command layer: command descriptions, option tables, parsing, help, man page.
 *
 * Each command file defines one `const struct tk_cmd` holding its options and its
 * documentation; main.c lists them. --help, `tenken help` and the man page are all printed
 * from these structs, so the three can never disagree. Only this layer prints or exits. */
#ifndef TK_CMD_CMD_H
#define TK_CMD_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compat/sys.h"
#include "core/attr.h"
#include "core/log.h"
#include "kb/kb.h"

/* Documented exit codes, shared by every command. */
enum {
    TK_EXIT_OK = 0,       /* success, no finding at or above --fail-on */
    TK_EXIT_FINDINGS = 1, /* findings at or above --fail-on SEVERITY */
    TK_EXIT_USAGE = 2,    /* bad command line */
    TK_EXIT_RUNTIME = 3,  /* could not do the job (I/O, out of memory, bad input file) */
    TK_EXIT_CONFLICT = 4, /* a change made against a version that is no longer current */
};

struct tk_opt {
    const char *name;  /* long name without dashes */
    char short_name;   /* 0 when none */
    const char *arg;   /* argument name shown in help, NULL for a flag */
    const char *help;  /* one sentence */
};

struct tk_cli;

struct tk_cmd {
    const char *name;
    int (*run)(struct tk_cli *cli, int argc, char **argv);
    const char *args;        /* synopsis after the name, e.g. "[OPTIONS] [FILE...]" */
    const char *summary;     /* one line */
    const char *description; /* paragraphs separated by blank lines */
    const struct tk_opt *opts; /* terminated by an entry with name NULL; may be NULL */
};

struct tk_cli {
    const char *prog;
    const struct tk_cmd *const *commands;
    size_t ncommands;
    const struct tk_cmd *cmd; /* the running command */
    struct tk_log log;
    FILE *out; /* stdout */
};

/* Option parsing. Each call returns the index of the next option in cmd->opts (its value,
 * if it takes one, in *val), TK_OPT_END when only positional arguments are left, or
 * TK_OPT_STOP after --help was printed or a usage error was reported (exit code in
 * p->exit_code). --help and --log-format are handled for every command. */
enum { TK_OPT_END = -1, TK_OPT_STOP = -2 };

struct tk_optparse {
    struct tk_cli *cli;
    int argc;
    char **argv;
    int i;
    const char *pending_shorts; /* rest of a "-abc" group */
    char **pos;                 /* positional arguments, in order */
    int npos;
    int exit_code;
};

void tk_optparse_init(struct tk_optparse *p, struct tk_cli *cli, int argc, char **argv);
int tk_optparse_next(struct tk_optparse *p, const char **val);
void tk_optparse_release(struct tk_optparse *p);

/* A command's text output named by -o: standard output for none or "-", else a file that
 * appears atomically when the command succeeds and not at all when it fails. */
struct tk_cli_out {
    FILE *fp;
    const char *name; /* for messages: the path, or "standard output" */
    struct tk_atomic_file af;
    bool file;
};
/* TK_EXIT_OK, or TK_EXIT_RUNTIME with the reason logged. */
int tk_cli_out_open(struct tk_cli *cli, const char *path, struct tk_cli_out *o);
/* keep (the command succeeded): flushes, and puts the file in place; else discards it.
 * Returns rc, or TK_EXIT_RUNTIME (logged) when rc was TK_EXIT_OK and writing failed. */
int tk_cli_out_close(struct tk_cli *cli, struct tk_cli_out *o, int rc);
/* The whole of p (n bytes) to path as tk_cli_out does: TK_EXIT_OK or TK_EXIT_RUNTIME
 * (logged). */
int tk_cli_write(struct tk_cli *cli, const char *path, const void *p, size_t n);

/* Reports a usage error about the running command and returns TK_EXIT_USAGE. */
int tk_usage_error(struct tk_cli *cli, const char *fmt, ...)
    TK_PRINTF(2, 3);

void tk_print_command_help(FILE *fp, const struct tk_cli *cli, const struct tk_cmd *cmd);
void tk_print_overview(FILE *fp, const struct tk_cli *cli);
void tk_print_man(FILE *fp, const struct tk_cli *cli);

/* Ends the option loop of a command without positional arguments and releases p. True when
 * the command ends here, with *rc its exit code: after --help (0) or a usage error (an
 * option's, or an unexpected argument). */
bool tk_optparse_done(struct tk_optparse *p, int idx, int *rc);

/* A configuration file for a command: lines "name = value" (or "name" for a flag) with the
 * names of the command's long options; '#' starts a comment. Builds into *out an argument
 * vector: argv[0], the file's options, then the rest of argv, so the command line wins.
 * A name the command does not know is a usage error naming FILE:LINE. Free *out with
 * tk_config_release. Returns 0 or an exit code. */
struct tk_config_argv {
    int argc;
    char **argv;
    char *text, *names; /* the strings argv points into */
    size_t *line;       /* argv[i] came from this line of the file (0: the command line) */
    const char *path;
};
int tk_config_load(struct tk_cli *cli, const char *path, int argc, char **argv,
                   struct tk_config_argv *out);
void tk_config_release(struct tk_config_argv *c);
/* After a usage error while parsing c's argv (p stopped there): names the file and line the
 * refused value came from, when it came from the file. */
void tk_config_blame(struct tk_cli *cli, const struct tk_config_argv *c,
                     const struct tk_optparse *p);

/* The index of sub (the first positional argument, NULL when none) in subs (NULL-terminated),
 * or -1 after a usage error that names the choices. */
int tk_cli_subcommand(struct tk_cli *cli, const char *sub, const char *const *subs);

/* A whole decimal number from lo to hi (option values); false otherwise. */
bool tk_parse_long(const char *s, long lo, long hi, long *out);

/* The knowledge base for a command (kbsel.c): --kb PATH, else the default KB file when it
 * exists, else the built-in one. Logs and returns an exit code on failure, 0 on success. */
int tk_cli_open_kb(struct tk_cli *cli, const char *path, unsigned flags, struct tk_kb **out);
/* The same choice without logging: for the server's workers, each opening its own handle. */
int tk_kb_select(const char *path, unsigned flags, struct tk_kb **out, struct tk_err *err);
/* For imports: PATH or the default location, created from the built-in KB when missing;
 * then its path is added to created, for the caller to remove should the import fail (a KB
 * left behind would be preferred to newer built-in ones from then on). */
int tk_cli_open_kb_writable(struct tk_cli *cli, const char *path, struct tk_kb **out,
                            struct tk_buf *created);

/* The server's store (datasel.c): --data DIR or the default data directory; without
 * create, a directory that holds no store yet is an error. Logs and returns an exit code on
 * failure, 0 on success. */
struct tk_store;
int tk_cli_open_store(struct tk_cli *cli, const char *data, bool create, struct tk_store **out);
/* The directory itself (appended to dir), for commands that open more than one handle;
 * checked as tk_cli_open_store does. */
int tk_cli_data_dir(struct tk_cli *cli, const char *data, bool create, struct tk_buf *dir);

/* Uploading a bundle file (upload.c), for `tenken upload` and `tenken scan --upload`. */
struct tk_cli_upload {
    const char *server, *token, *ca;
    int retries;
    bool progress;
};
/* The token from --token, --token-file or TENKEN_TOKEN into out; 0 or an exit code. */
int tk_cli_token(struct tk_cli *cli, const char *token, const char *file, char *out, size_t n);
/* Sends path and prints the final line; 0 or an exit code. */
int tk_cli_upload(struct tk_cli *cli, const struct tk_cli_upload *u, const char *path);

extern const struct tk_cmd tk_cmd_scan;
extern const struct tk_cmd tk_cmd_kb;
extern const struct tk_cmd tk_cmd_org;
extern const struct tk_cmd tk_cmd_serve;
extern const struct tk_cmd tk_cmd_key;
extern const struct tk_cmd tk_cmd_upload;
extern const struct tk_cmd tk_cmd_report;
extern const struct tk_cmd tk_cmd_reanalyze;
extern const struct tk_cmd tk_cmd_surface;
extern const struct tk_cmd tk_cmd_campaign;
extern const struct tk_cmd tk_cmd_domains;
extern const struct tk_cmd tk_cmd_analyze;
extern const struct tk_cmd tk_cmd_help;
extern const struct tk_cmd tk_cmd_version;
extern const struct tk_cmd tk_cmd_version_compare;

#endif
