/* org.c - `tenken org`: the organisations of the analysis server. Each gets an enrollment
 * token that its endpoints upload with; the token is printed once and stored only as a
 * hash, so a lost token is replaced (rotate-token), never recovered. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/json.h"
#include "core/time.h"
#include "store/store.h"
#include "store/token.h"

enum { O_DATA, O_MAX_ENDPOINTS, O_PROBE, O_FORMAT };
static const struct tk_opt opts[] = {
    [O_DATA] = { "data", 0, "DIR",
                 "The server's data directory (default: $XDG_DATA_HOME/tenken/server, created "
                 "with mode 0700)." },
    [O_MAX_ENDPOINTS] = { "max-endpoints", 0, "N",
                          "add: how many endpoints may upload (default 500)." },
    [O_PROBE] = { "probe", 0, NULL,
                  "add: the organisation opts in to the server connecting to its endpoints' "
                  "public addresses on ports 445 and 3389 to tell whether they are reachable." },
    [O_FORMAT] = { "format", 0, "FORMAT", "list: text (default) or json." },
    { NULL, 0, NULL, NULL },
};

struct orgargs {
    const char *data;
    int max_endpoints;
    bool probe, json;
    char **pos;
    int npos;
};

static int runtime(struct tk_cli *cli, const struct tk_err *err)
{
    tk_log(&cli->log, TK_LOG_ERROR, "%s", err->msg);
    return TK_EXIT_RUNTIME;
}

/* The token printed alone on stdout, so `TOKEN=$(tenken org add x)` works. */
static int new_token(struct tk_cli *cli, char token[TK_TOKEN_LEN + 1],
                     char hash[TK_TOKEN_HASH_LEN + 1])
{
    if (tk_token_new('e', token) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "cannot read random bytes for a token");
        return TK_EXIT_RUNTIME;
    }
    tk_token_hash(token, hash);
    return 0;
}

/* org add's arguments, checked before the store is opened (and made). */
static int check_add(struct tk_cli *cli, const struct orgargs *a)
{
    if (a->npos != 2)
        return tk_usage_error(cli, "usage: org add NAME [--max-endpoints N] [--probe]");
    if (!tk_org_name_valid(a->pos[1]))
        return tk_usage_error(cli,
                              "'%s' is not a valid organisation name (1 to %d letters, "
                              "digits, '.', '_' or '-', starting with a letter or digit)",
                              a->pos[1], TK_ORG_NAME_MAX);
    return 0;
}

static int do_add(struct tk_cli *cli, struct tk_store *s, const struct orgargs *a)
{
    struct tk_org o = { .max_endpoints = a->max_endpoints, .probe = a->probe };
    snprintf(o.name, sizeof o.name, "%s", a->pos[1]);
    char token[TK_TOKEN_LEN + 1], hash[TK_TOKEN_HASH_LEN + 1];
    int rc = new_token(cli, token, hash);
    if (rc)
        return rc;
    struct tk_err err = { 0 };
    if (s->ops->org_add(s, &o, hash, &err) != 0)
        return runtime(cli, &err);
    fprintf(cli->out, "%s\n", token);
    tk_log(&cli->log, TK_LOG_INFO,
           "organisation %s (%s) added; its endpoints upload with the "
           "token above, which is not stored and cannot be shown again",
           o.name, o.id);
    return TK_EXIT_OK;
}

static int do_rotate(struct tk_cli *cli, struct tk_store *s, const struct orgargs *a)
{
    if (a->npos != 2)
        return tk_usage_error(cli, "usage: org rotate-token NAME");
    char token[TK_TOKEN_LEN + 1], hash[TK_TOKEN_HASH_LEN + 1];
    int rc = new_token(cli, token, hash);
    if (rc)
        return rc;
    struct tk_err err = { 0 };
    if (s->ops->org_set_token(s, a->pos[1], hash, &err) != 0)
        return runtime(cli, &err);
    fprintf(cli->out, "%s\n", token);
    tk_log(&cli->log, TK_LOG_INFO, "the old token of %s no longer works", a->pos[1]);
    return TK_EXIT_OK;
}

static int do_disable(struct tk_cli *cli, struct tk_store *s, const struct orgargs *a,
                      bool disabled)
{
    if (a->npos != 2)
        return tk_usage_error(cli, "usage: org %s NAME", disabled ? "disable" : "enable");
    struct tk_err err = { 0 };
    if (s->ops->org_set_disabled(s, a->pos[1], disabled, &err) != 0)
        return runtime(cli, &err);
    return TK_EXIT_OK;
}

struct lister {
    struct tk_cli *cli;
    struct tk_json w;
    bool json;
};

static int list_one(void *ud, const struct tk_org *o)
{
    struct lister *l = ud;
    char when[32];
    tk_time_iso8601(o->created, when);
    if (l->json) {
        tk_json_obj_begin(&l->w);
        tk_json_kstr(&l->w, "id", o->id);
        tk_json_kstr(&l->w, "name", o->name);
        tk_json_kint(&l->w, "max_endpoints", o->max_endpoints);
        tk_json_kint(&l->w, "endpoints", o->endpoints);
        tk_json_kbool(&l->w, "disabled", o->disabled);
        tk_json_kbool(&l->w, "probe", o->probe);
        tk_json_kstr(&l->w, "created", when);
        tk_json_obj_end(&l->w);
    } else {
        fprintf(l->cli->out, "%-24s %s  %lld/%d endpoints%s%s  created %s\n", o->name, o->id,
                (long long)o->endpoints, o->max_endpoints, o->disabled ? "  disabled" : "",
                o->probe ? "  probe" : "", when);
    }
    return 0;
}

static int do_list(struct tk_cli *cli, struct tk_store *s, const struct orgargs *a)
{
    if (a->npos != 1)
        return tk_usage_error(cli, "usage: org list [--format json]");
    struct lister l = { .cli = cli, .json = a->json };
    if (l.json) {
        tk_json_init_file(&l.w, cli->out, 0);
        tk_json_arr_begin(&l.w);
    }
    struct tk_err err = { 0 };
    int rc = s->ops->org_list(s, list_one, &l, &err);
    if (l.json) {
        tk_json_arr_end(&l.w);
        if (tk_json_finish(&l.w) == 0)
            fputc('\n', cli->out);
    }
    return rc ? runtime(cli, &err) : TK_EXIT_OK;
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    struct orgargs a = { .max_endpoints = TK_ORG_DEFAULT_MAX_ENDPOINTS };
    const char *val;
    int idx, rc = TK_EXIT_OK;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        if (idx == O_DATA) {
            a.data = val;
        } else if (idx == O_PROBE) {
            a.probe = true;
        } else if (idx == O_FORMAT) {
            if (strcmp(val, "json") != 0 && strcmp(val, "text") != 0) {
                p.exit_code = tk_usage_error(cli, "--format must be text or json");
                idx = TK_OPT_STOP;
                break;
            }
            a.json = strcmp(val, "json") == 0;
        } else if (idx == O_MAX_ENDPOINTS) {
            long n;
            if (!tk_parse_long(val, 1, 1000000, &n)) {
                p.exit_code = tk_usage_error(
                    cli, "--max-endpoints must be a number from 1 to 1000000, not '%s'", val);
                idx = TK_OPT_STOP;
                break;
            }
            a.max_endpoints = (int)n;
        }
    }
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
        goto out;
    }
    a.pos = p.pos;
    a.npos = p.npos;
    static const char *const subs[] = { "add", "list", "disable", "enable", "rotate-token", NULL };
    int k = tk_cli_subcommand(cli, a.npos ? a.pos[0] : NULL, subs);
    if (k < 0) {
        rc = TK_EXIT_USAGE;
        goto out;
    }
    struct tk_store *s;
    if (k == 0 && (rc = check_add(cli, &a)) != 0)
        goto out;
    if ((rc = tk_cli_open_store(cli, a.data, k == 0, &s)) == 0) {
        switch (k) {
        case 0:
            rc = do_add(cli, s, &a);
            break;
        case 1:
            rc = do_list(cli, s, &a);
            break;
        case 2:
            rc = do_disable(cli, s, &a, true);
            break;
        case 3:
            rc = do_disable(cli, s, &a, false);
            break;
        default:
            rc = do_rotate(cli, s, &a);
            break;
        }
        tk_store_close(s);
    }
out:
    tk_optparse_release(&p);
    return rc;
}

const struct tk_cmd tk_cmd_org = {
    .name = "org",
    .run = run,
    .args = "add NAME | list | disable NAME | enable NAME | rotate-token NAME [OPTIONS]",
    .summary = "Manage the organisations of the analysis server and their upload tokens.",
    .description =
        "An organisation is one client whose PCs upload to the server. 'org add' creates it "
        "and prints its enrollment token alone on standard output: hand it to the client's "
        "PCs (tenken scan --upload URL --token TOKEN). The server keeps only a hash of the "
        "token, so it cannot be shown again; 'org rotate-token' replaces it and the old one "
        "stops working at once. 'org disable' refuses further uploads from the organisation "
        "and keeps its data; 'org enable' undoes that.\n"
        "\n"
        "Examples:\n"
        "  TOKEN=$(tenken org add acme --max-endpoints 300)\n"
        "  tenken org list --format json\n"
        "  tenken org rotate-token acme",
    .opts = opts,
};
