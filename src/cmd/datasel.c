/* datasel.c - the server's data directory for a command: --data DIR, else the per-user
 * default (store.h). Shared by every server-side command (serve, org, key, report,
 * reanalyze). */
#include "cmd/cmd.h"
#include "store/store.h"

int tk_cli_data_dir(struct tk_cli *cli, const char *data, bool create, struct tk_buf *dir)
{
    if (data ? tk_buf_adds(dir, data) != 0 : tk_store_default_dir(dir) != 0)
        return tk_usage_error(cli, "no place for the data: set HOME or XDG_DATA_HOME, or use "
                                   "--data");
    if (!create && !tk_store_exists(tk_buf_cstr(dir))) {
        tk_log(&cli->log, TK_LOG_ERROR,
               "%s: no analysis-server data here ('tenken org add' or 'tenken serve' makes it)",
               tk_buf_cstr(dir));
        return TK_EXIT_RUNTIME;
    }
    return 0;
}

int tk_cli_open_store(struct tk_cli *cli, const char *data, bool create, struct tk_store **out)
{
    struct tk_buf dir = TK_BUF_INIT(8192);
    struct tk_err err = { 0 };
    *out = NULL;
    int rc = tk_cli_data_dir(cli, data, create, &dir);
    if (!rc && tk_store_open(out, tk_buf_cstr(&dir), &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
    }
    tk_buf_release(&dir);
    return rc;
}
