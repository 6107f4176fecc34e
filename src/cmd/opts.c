/* opts.c - option parsing and help/man output from the tables in struct tk_cmd. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/escape.h"
#include "tk_config.h"

/* Options every command takes; listed after the command's own. */
static const struct tk_opt common_opts[] = {
    { "log-format", 0, "FORMAT", "Write log messages as text (default) or json lines." },
    { "help", 'h', NULL, "Show this help and exit." },
    { NULL, 0, NULL, NULL },
};
enum { COMMON_LOG_FORMAT, COMMON_HELP };

static const struct {
    int code;
    const char *meaning;
} exit_codes[] = {
    { 0, "Success; no finding at or above the --fail-on severity." },
    { 1, "Findings at or above the --fail-on severity were reported." },
    { 2, "The command line was wrong." },
    { 3, "The job could not be done (unreadable input, I/O error, out of memory)." },
    { 4, "A change was refused because what it was made against changed meanwhile (tenken "
         "campaign set --version N on a case someone else edited): read it again." },
};

void tk_optparse_init(struct tk_optparse *p, struct tk_cli *cli, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->cli = cli;
    p->argc = argc;
    p->argv = argv;
    p->i = 1;
    p->pos = tk_calloc((size_t)argc + 1, sizeof *p->pos);
}

void tk_optparse_release(struct tk_optparse *p)
{
    tk_free(p->pos);
    p->pos = NULL;
}

int tk_usage_error(struct tk_cli *cli, const char *fmt, ...)
{
    struct tk_buf msg = TK_BUF_INIT(4096);
    va_list ap;
    va_start(ap, fmt);
    tk_buf_vaddf(&msg, fmt, ap);
    va_end(ap);
    if (cli->cmd)
        tk_log(&cli->log, TK_LOG_ERROR, "%s: %s (see '%s %s --help')", cli->cmd->name,
               tk_buf_cstr(&msg), cli->prog, cli->cmd->name);
    else
        tk_log(&cli->log, TK_LOG_ERROR, "%s (see '%s help')", tk_buf_cstr(&msg), cli->prog);
    tk_buf_release(&msg);
    return TK_EXIT_USAGE;
}

static int find_long(const struct tk_opt *opts, const char *name, size_t n)
{
    for (int i = 0; opts && opts[i].name; i++)
        if (strlen(opts[i].name) == n && memcmp(opts[i].name, name, n) == 0)
            return i;
    return -1;
}

static int find_short(const struct tk_opt *opts, char c)
{
    for (int i = 0; opts && opts[i].name; i++)
        if (opts[i].short_name == c)
            return i;
    return -1;
}

/* Handles a common option; returns TK_OPT_STOP when the command must not go on, or 0. */
static int common(struct tk_optparse *p, int idx, const char *val)
{
    struct tk_cli *cli = p->cli;
    if (idx == COMMON_HELP) {
        tk_print_command_help(cli->out, cli, cli->cmd);
        p->exit_code = TK_EXIT_OK;
        return TK_OPT_STOP;
    }
    if (tk_log_format_parse(val, &cli->log.format) != 0) {
        p->exit_code = tk_usage_error(cli, "--log-format must be text or json, not '%s'", val);
        return TK_OPT_STOP;
    }
    return 0;
}

static int stop_usage(struct tk_optparse *p, const char *what, const char *name)
{
    p->exit_code = tk_usage_error(p->cli, "%s %s", what, name);
    return TK_OPT_STOP;
}

int tk_optparse_next(struct tk_optparse *p, const char **val)
{
    const struct tk_opt *opts = p->cli->cmd->opts;
    *val = NULL;
    if (!p->pos) {
        p->exit_code = TK_EXIT_RUNTIME;
        return TK_OPT_STOP;
    }
    for (;;) {
        const struct tk_opt *table;
        int idx;
        const char *inline_val = NULL;
        if (p->pending_shorts && *p->pending_shorts) {
            char c = *p->pending_shorts++;
            table = opts;
            idx = find_short(opts, c);
            if (idx < 0) {
                table = common_opts;
                idx = find_short(common_opts, c);
            }
            if (idx < 0)
                return stop_usage(p, "unknown option", (char[]){ '-', c, 0 });
            if (table[idx].arg && *p->pending_shorts) {
                inline_val = p->pending_shorts;
                p->pending_shorts = NULL;
            }
        } else {
            p->pending_shorts = NULL;
            if (p->i >= p->argc)
                return TK_OPT_END;
            char *a = p->argv[p->i++];
            if (strcmp(a, "--") == 0) {
                while (p->i < p->argc)
                    p->pos[p->npos++] = p->argv[p->i++];
                return TK_OPT_END;
            }
            if (a[0] != '-' || a[1] == '\0') {
                p->pos[p->npos++] = a;
                continue;
            }
            if (a[1] != '-') {
                p->pending_shorts = a + 1;
                continue;
            }
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            table = opts;
            idx = find_long(opts, name, n);
            if (idx < 0) {
                table = common_opts;
                idx = find_long(common_opts, name, n);
            }
            if (idx < 0)
                return stop_usage(p, "unknown option", a);
            if (eq) {
                if (!table[idx].arg)
                    return stop_usage(p, "this option takes no value:", a);
                inline_val = eq + 1;
            }
        }
        const struct tk_opt *o = &table[idx];
        if (o->arg) {
            if (inline_val) {
                *val = inline_val;
            } else if (p->i < p->argc) {
                *val = p->argv[p->i++];
            } else {
                char name[80];
                snprintf(name, sizeof name, "--%s", o->name);
                return stop_usage(p, "this option needs a value:", name);
            }
        }
        if (table == common_opts) {
            if (common(p, idx, *val) == TK_OPT_STOP)
                return TK_OPT_STOP;
            continue;
        }
        return idx;
    }
}

/* ---- help ---------------------------------------------------------------------------- */

/* Prints text wrapped at `width` columns. Paragraphs are separated by blank lines; lines
 * starting with two spaces are kept as they are (examples). The first line continues at
 * column `col` (text already printed there); later lines start at `indent`. */
static void print_wrapped(FILE *fp, const char *text, int indent, int width, int col)
{
    const char *p = text;
    bool fresh = col == 0;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= 2 && p[0] == ' ' && p[1] == ' ') {
            fprintf(fp, "%*s%.*s\n", fresh ? indent : 0, "", (int)len, p);
        } else if (len == 0) {
            fputc('\n', fp);
        } else {
            const char *w = p, *lend = p + len;
            bool line_empty = true;
            if (fresh) {
                fprintf(fp, "%*s", indent, "");
                col = indent;
            }
            while (w < lend) {
                while (w < lend && *w == ' ')
                    w++;
                const char *we = w;
                while (we < lend && *we != ' ')
                    we++;
                int wl = (int)(we - w);
                if (wl == 0)
                    break;
                if (!line_empty && col + 1 + wl > width) {
                    fprintf(fp, "\n%*s", indent, "");
                    col = indent;
                    line_empty = true;
                }
                if (!line_empty) {
                    fputc(' ', fp);
                    col++;
                }
                fprintf(fp, "%.*s", wl, w);
                col += wl;
                line_empty = false;
                w = we;
            }
            fputc('\n', fp);
        }
        fresh = true;
        col = 0;
        p = end ? end + 1 : p + len;
    }
}

static void print_opts(FILE *fp, const struct tk_opt *opts)
{
    for (int i = 0; opts && opts[i].name; i++) {
        const struct tk_opt *o = &opts[i];
        char head[96];
        int n;
        if (o->short_name)
            n = snprintf(head, sizeof head, "  -%c, --%s%s%s", o->short_name, o->name,
                         o->arg ? " " : "", o->arg ? o->arg : "");
        else
            n = snprintf(head, sizeof head, "      --%s%s%s", o->name, o->arg ? " " : "",
                         o->arg ? o->arg : "");
        if (n < 28) {
            fprintf(fp, "%-28s", head);
            print_wrapped(fp, o->help, 28, 100, 28);
        } else {
            fprintf(fp, "%s\n", head);
            print_wrapped(fp, o->help, 28, 100, 0);
        }
    }
}

void tk_print_command_help(FILE *fp, const struct tk_cli *cli, const struct tk_cmd *cmd)
{
    fprintf(fp, "usage: %s %s %s\n\n", cli->prog, cmd->name, cmd->args ? cmd->args : "");
    print_wrapped(fp, cmd->summary, 0, 100, 0);
    if (cmd->description) {
        fputc('\n', fp);
        print_wrapped(fp, cmd->description, 0, 100, 0);
    }
    fputs("\nOptions:\n", fp);
    print_opts(fp, cmd->opts);
    print_opts(fp, common_opts);
    fputs("\nExit status:\n", fp);
    for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++)
        fprintf(fp, "  %d  %s\n", exit_codes[i].code, exit_codes[i].meaning);
}

void tk_print_overview(FILE *fp, const struct tk_cli *cli)
{
    fprintf(fp, "usage: %s COMMAND [OPTIONS] [ARGS]\n\n", cli->prog);
    fputs("tenken inspects an organisation's endpoints and internet-facing devices and tells "
          "how exposed and how compromised they are.\n\nCommands:\n",
          fp);
    int width = 0; /* the longest name, and two spaces */
    for (size_t i = 0; i < cli->ncommands; i++)
        if ((int)strlen(cli->commands[i]->name) > width)
            width = (int)strlen(cli->commands[i]->name);
    for (size_t i = 0; i < cli->ncommands; i++)
        fprintf(fp, "  %-*s  %s\n", width, cli->commands[i]->name, cli->commands[i]->summary);
    fprintf(fp, "\nRun '%s COMMAND --help' for a command's options, 'man tenken' for all.\n",
            cli->prog);
}

/* ---- man page ------------------------------------------------------------------------ */

/* Writes text as roff: backslashes and leading dots or quotes are neutralised. */
static void roff_text(FILE *fp, const char *s, size_t n)
{
    bool bol = true;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (bol && (c == '.' || c == '\''))
            fputs("\\&", fp);
        if (c == '\\')
            fputs("\\e", fp);
        else if (c == '-')
            fputs("\\-", fp);
        else
            fputc(c, fp);
        bol = c == '\n';
    }
}

static void roff_paragraphs(FILE *fp, const char *text)
{
    const char *p = text;
    bool in_example = false;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool example = len >= 2 && p[0] == ' ' && p[1] == ' ';
        if (example && !in_example)
            fputs(".PP\n.nf\n", fp);
        if (!example && in_example)
            fputs(".fi\n", fp);
        in_example = example;
        if (len == 0) {
            fputs(".PP\n", fp);
        } else {
            roff_text(fp, p, len);
            fputc('\n', fp);
        }
        p = end ? end + 1 : p + len;
    }
    if (in_example)
        fputs(".fi\n", fp);
}

static void roff_opts(FILE *fp, const struct tk_opt *opts)
{
    for (int i = 0; opts && opts[i].name; i++) {
        const struct tk_opt *o = &opts[i];
        fputs(".TP\n", fp);
        if (o->short_name)
            fprintf(fp, "\\fB\\-%c\\fR, ", o->short_name);
        fputs("\\fB\\-\\-", fp);
        roff_text(fp, o->name, strlen(o->name));
        fputs("\\fR", fp);
        if (o->arg) {
            fputs(" \\fI", fp);
            roff_text(fp, o->arg, strlen(o->arg));
            fputs("\\fR", fp);
        }
        fputc('\n', fp);
        roff_text(fp, o->help, strlen(o->help));
        fputc('\n', fp);
    }
}

void tk_print_man(FILE *fp, const struct tk_cli *cli)
{
    fprintf(fp, ".\\\" Generated by 'tenken help --man' from src/cmd/*.c; do not edit.\n");
    fprintf(fp, ".TH TENKEN 1 \"\" \"tenken %s\" \"User Commands\"\n", TK_VERSION);
    fputs(".SH NAME\ntenken \\- inspect endpoints and internet-facing devices for exposure "
          "and compromise\n.SH SYNOPSIS\n",
          fp);
    for (size_t i = 0; i < cli->ncommands; i++) {
        const struct tk_cmd *c = cli->commands[i];
        fprintf(fp, ".B tenken %s\n", c->name);
        if (c->args) {
            fputs(".I ", fp);
            roff_text(fp, c->args, strlen(c->args));
            fputc('\n', fp);
        }
        fputs(".br\n", fp);
    }
    fputs(".SH DESCRIPTION\n", fp);
    fputs("tenken tells an organisation how exposed and how compromised it is: it inventories "
          "endpoints and judges their software, network exposure and traces of compromise.\n",
          fp);
    fputs(".SH COMMANDS\n", fp);
    for (size_t i = 0; i < cli->ncommands; i++) {
        const struct tk_cmd *c = cli->commands[i];
        fprintf(fp, ".SS tenken %s\n", c->name);
        roff_text(fp, c->summary, strlen(c->summary));
        fputc('\n', fp);
        if (c->description) {
            fputs(".PP\n", fp);
            roff_paragraphs(fp, c->description);
        }
        if (c->opts && c->opts[0].name)
            roff_opts(fp, c->opts);
    }
    fputs(".SH COMMON OPTIONS\n", fp);
    roff_opts(fp, common_opts);
    fputs(".SH EXIT STATUS\n", fp);
    for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++) {
        fprintf(fp, ".TP\n.B %d\n", exit_codes[i].code);
        roff_text(fp, exit_codes[i].meaning, strlen(exit_codes[i].meaning));
        fputc('\n', fp);
    }
    fputs(".SH SEE ALSO\nThe bundle format: docs/bundle.md in the source tree.\n", fp);
}

int tk_cli_subcommand(struct tk_cli *cli, const char *sub, const char *const *subs)
{
    int k = 0;
    while (sub && subs[k] && strcmp(subs[k], sub) != 0)
        k++;
    if (sub && subs[k])
        return k;
    char list[512];
    size_t n = 0;
    list[0] = '\0';
    for (int i = 0; subs[i] && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
                              i ? (subs[i + 1] ? ", " : " or ") : "", subs[i]);
    if (sub)
        tk_usage_error(cli, "unknown subcommand '%s' (%s)", sub, list);
    else
        tk_usage_error(cli, "missing subcommand: %s", list);
    return -1;
}

bool tk_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int tk_cli_out_open(struct tk_cli *cli, const char *path, struct tk_cli_out *o)
{
    *o = (struct tk_cli_out){ .fp = cli->out, .name = "standard output" };
    if (!path || strcmp(path, "-") == 0)
        return TK_EXIT_OK;
    struct tk_err err = { 0 };
    if (tk_atomic_open(&o->af, path, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        return TK_EXIT_RUNTIME;
    }
    o->fp = o->af.fp;
    o->name = path;
    o->file = true;
    return TK_EXIT_OK;
}

int tk_cli_out_close(struct tk_cli *cli, struct tk_cli_out *o, int rc)
{
    struct tk_err err = { 0 };
    if (!o->file) {
        if ((fflush(o->fp) != 0 || ferror(o->fp)) && rc == TK_EXIT_OK) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s: write failed: %s", o->name, strerror(errno));
            rc = TK_EXIT_RUNTIME;
        }
    } else if (rc != TK_EXIT_OK && rc != TK_EXIT_FINDINGS) {
        tk_atomic_abort(&o->af);
    } else if (tk_atomic_commit(&o->af, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
    }
    o->file = false;
    return rc;
}

int tk_cli_write(struct tk_cli *cli, const char *path, const void *p, size_t n)
{
    struct tk_cli_out o;
    int rc = tk_cli_out_open(cli, path, &o);
    if (rc)
        return rc;
    if (fwrite(p, 1, n, o.fp) != n) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: write failed: %s", o.name, strerror(errno));
        rc = TK_EXIT_RUNTIME;
    }
    return tk_cli_out_close(cli, &o, rc);
}

bool tk_optparse_done(struct tk_optparse *p, int idx, int *rc)
{
    bool done = true;
    if (idx == TK_OPT_STOP)
        *rc = p->exit_code;
    else if (p->npos)
        *rc = tk_usage_error(p->cli, "unexpected argument '%s'", p->pos[0]);
    else
        done = false;
    tk_optparse_release(p);
    return done;
}

int tk_config_load(struct tk_cli *cli, const char *path, int argc, char **argv,
                   struct tk_config_argv *out)
{
    *out = (struct tk_config_argv){ 0 };
    FILE *fp = fopen(path, "r");
    struct tk_buf text = TK_BUF_INIT(1 << 20);
    char chunk[4096];
    size_t k;
    int rc = 0;
    if (!fp) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: cannot open the configuration: %s", path,
               strerror(errno));
        return TK_EXIT_RUNTIME;
    }
    while (!rc && (k = fread(chunk, 1, sizeof chunk, fp)) > 0)
        rc = tk_buf_add(&text, chunk, k);
    if (!rc && ferror(fp)) { /* a directory, say */
        tk_log(&cli->log, TK_LOG_ERROR, "%s: cannot read the configuration: %s", path,
               strerror(errno));
        fclose(fp);
        tk_buf_release(&text);
        return TK_EXIT_RUNTIME;
    }
    fclose(fp);
    if (rc || tk_buf_addc(&text, '\0') != 0) {
        tk_buf_release(&text);
        tk_log(&cli->log, TK_LOG_ERROR, "%s: larger than a configuration can be (1 MiB)", path);
        return TK_EXIT_RUNTIME;
    }
    /* at most two arguments per line */
    size_t lines = 1;
    for (size_t i = 0; i < text.len; i++)
        lines += text.ptr[i] == '\n';
    char **v = tk_calloc(2 * lines + (size_t)argc + 1, sizeof *v);
    size_t *at = tk_calloc(2 * lines + (size_t)argc + 1, sizeof *at);
    size_t names_cap = text.len + 3 * lines, used = 0; /* "--" + name + NUL per line */
    char *names = tk_calloc(names_cap, 1);
    if (!v || !names || !at) {
        tk_free(v);
        tk_free(at);
        tk_free(names);
        tk_buf_release(&text);
        return TK_EXIT_RUNTIME;
    }
    int n = 0;
    v[n++] = argv[0];
    char *line = text.ptr;
    for (size_t no = 1; line && !rc; no++) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        /* a comment: '#' at the start or after a blank, so values may hold '#' */
        for (char *h = line; *h; h++)
            if (*h == '#' && (h == line || h[-1] == ' ' || h[-1] == '\t')) {
                *h = '\0';
                break;
            }
        char *eq = strchr(line, '=');
        char *name = line, *value = NULL;
        if (eq) {
            *eq = '\0';
            value = eq + 1;
        }
        /* trim both */
        for (char **f = &name; f; f = f == &name && value ? &value : NULL) {
            while (**f == ' ' || **f == '\t')
                (*f)++;
            size_t len = strlen(*f);
            while (len && strchr(" \t\r", (*f)[len - 1]))
                (*f)[--len] = '\0';
        }
        if (*name) {
            const struct tk_opt *o = cli->cmd->opts;
            while (o && o->name && strcmp(o->name, name) != 0)
                o++;
            if (!o || !o->name || strcmp(name, "config") == 0 || (o->arg && (!value || !*value)) ||
                (!o->arg && value)) {
                rc = tk_usage_error(cli, "%s:%zu: %s", path, no,
                                    !o || !o->name || strcmp(name, "config") == 0
                                        ? "not an option of this command"
                                    : o->arg ? "needs a value (name = value)"
                                             : "takes no value");
                break;
            }
            char *opt = names + used; /* "--name" */
            used += (size_t)snprintf(opt, names_cap - used, "--%s", name) + 1;
            at[n] = no;
            v[n++] = opt;
            if (o->arg) {
                at[n] = no;
                v[n++] = value;
            }
        }
        line = next;
    }
    if (rc) {
        tk_free(v);
        tk_free(at);
        tk_free(names);
        tk_buf_release(&text);
        return rc;
    }
    for (int i = 1; i < argc; i++)
        v[n++] = argv[i];
    out->argc = n;
    out->argv = v;
    out->line = at;
    out->path = path;
    out->text = text.ptr; /* owned: values point into it */
    out->names = names;
    return 0;
}

void tk_config_blame(struct tk_cli *cli, const struct tk_config_argv *c,
                     const struct tk_optparse *p)
{
    int i = p->i - 1; /* the last argument taken: the refused value, or its option */
    if (c->line && i > 0 && i < c->argc && c->line[i])
        tk_log(&cli->log, TK_LOG_ERROR, "that value is on %s:%zu", c->path, c->line[i]);
}

void tk_config_release(struct tk_config_argv *c)
{
    tk_free(c->argv);
    tk_free(c->line);
    tk_free(c->text);
    tk_free(c->names);
    *c = (struct tk_config_argv){ 0 };
}
