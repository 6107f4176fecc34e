/* key.c - `tenken key`: analyst API keys of the analysis server. A key reads the reports
 * of the organisations it is scoped to and nothing else; like enrollment tokens it is
 * printed once and stored only as a hash. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/time.h"
#include "store/store.h"
#include "store/token.h"

enum { O_DATA, O_ORG, O_CAMPAIGNS };
static const struct tk_opt opts[] = {
    [O_DATA] = { "data", 0, "DIR",
                 "The server's data directory (default: $XDG_DATA_HOME/tenken/server)." },
    [O_ORG] = { "org", 0, "NAME",
                "add: an organisation (name or id) the key may read; repeat for several." },
    [O_CAMPAIGNS] = { "campaigns", 0, NULL,
                      "add: the key may also sign in to the campaign pages of tenken serve "
                      "(/campaigns), where its name is recorded as who made each change." },
    { NULL, 0, NULL, NULL },
};

#define MAX_ORGS 256

static int runtime(struct tk_cli *cli, const struct tk_err *err)
{
    tk_log(&cli->log, TK_LOG_ERROR, "%s", err->msg);
    return TK_EXIT_RUNTIME;
}

static int list_one(void *ud, const char *name, int64_t created, const char *orgs)
{
    struct tk_cli *cli = ud;
    char when[32];
    tk_time_iso8601(created, when);
    fprintf(cli->out, "%-24s created %s  orgs: %s\n", name, when, orgs);
    return 0;
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    const char *val, *data = NULL, *orgs[MAX_ORGS];
    size_t norgs = 0;
    bool campaigns = false;
    int idx, rc = TK_EXIT_OK;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        if (idx == O_DATA) {
            data = val;
        } else if (idx == O_CAMPAIGNS) {
            campaigns = true;
        } else if (idx == O_ORG) {
            if (norgs == MAX_ORGS) {
                p.exit_code = tk_usage_error(cli, "at most %d --org per key", MAX_ORGS);
                idx = TK_OPT_STOP;
                break;
            }
            orgs[norgs++] = val;
        }
    }
    const char *sub = p.npos ? p.pos[0] : NULL;
    struct tk_store *s = NULL;
    struct tk_err err = { 0 };
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
    } else if (!sub || (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "revoke"))) {
        rc = tk_usage_error(
            cli, sub ? "unknown subcommand '%s'" : "missing subcommand: add, list or revoke%s",
            sub ? sub : "");
    } else if (strcmp(sub, "add") == 0 &&
               (p.npos != 2 || (!norgs && !campaigns) || !tk_org_name_valid(p.pos[1]))) {
        rc = tk_usage_error(cli, "usage: key add NAME [--org ORG]... [--campaigns] (NAME: "
                                 "letters, digits, '.', '_', '-'; at least one of --org and "
                                 "--campaigns)");
    } else if (strcmp(sub, "revoke") == 0 && p.npos != 2) {
        rc = tk_usage_error(cli, "usage: key revoke NAME");
    } else if (strcmp(sub, "list") == 0 && p.npos != 1) {
        rc = tk_usage_error(cli, "usage: key list");
    } else if ((rc = tk_cli_open_store(cli, data, false, &s)) == 0) {
        if (strcmp(sub, "add") == 0) {
            char key[TK_TOKEN_LEN + 1], hash[TK_TOKEN_HASH_LEN + 1];
            if (tk_token_new('a', key) != 0) {
                tk_log(&cli->log, TK_LOG_ERROR, "cannot read random bytes for a key");
                rc = TK_EXIT_RUNTIME;
            } else {
                tk_token_hash(key, hash);
                if (s->ops->key_add(s, p.pos[1], hash, orgs, norgs, &err) != 0 ||
                    (campaigns && s->ops->key_set_campaigns(s, p.pos[1], true, &err) != 0))
                    rc = runtime(cli, &err);
                else
                    fprintf(cli->out, "%s\n", key);
            }
        } else if (strcmp(sub, "revoke") == 0) {
            if (s->ops->key_revoke(s, p.pos[1], &err) != 0)
                rc = runtime(cli, &err);
        } else if (s->ops->key_list(s, list_one, cli, &err) != 0) {
            rc = runtime(cli, &err);
        }
        tk_store_close(s);
    }
    tk_optparse_release(&p);
    return rc;
}

const struct tk_cmd tk_cmd_key = {
    .name = "key",
    .run = run,
    .args = "add NAME [--org ORG]... [--campaigns] | list | revoke NAME [OPTIONS]",
    .summary = "Manage analyst API keys: who may read which organisations' reports.",
    .description =
        "'key add' creates a key scoped to the organisations given with --org and prints it "
        "alone on standard output; the server keeps only its hash. Analysts send it as "
        "'Authorization: Bearer KEY' to GET /api/v1/orgs/ID/report. A key never reads an "
        "organisation it is not scoped to: the server answers 404 as for one that does not "
        "exist. With --campaigns the key also signs in to the campaign pages of the server "
        "(http://HOST:PORT/campaigns), and its name is recorded in the audit trail of every "
        "change made there. 'key revoke' makes a key stop working at once.\n"
        "\n"
        "Examples:\n"
        "  KEY=$(tenken key add csirt-tanaka --org acme --org example-corp)\n"
        "  curl -H \"Authorization: Bearer $KEY\" \\\n"
        "       'http://127.0.0.1:8080/api/v1/orgs/ORG-ID/report?format=html&lang=ja'",
    .opts = opts,
};
