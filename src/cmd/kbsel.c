/* kbsel.c - which knowledge base a command uses: --kb PATH, else the user's KB at the
 * default location when it exists, else the one built into this binary. */
#include <stdio.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "core/buf.h"

extern const unsigned char tk_kb_builtin[];
extern const size_t tk_kb_builtin_size;

int tk_kb_select(const char *path, unsigned flags, struct tk_kb **out, struct tk_err *err)
{
    struct tk_buf def = TK_BUF_INIT(8192);
    struct stat st;
    int rc;
    if (!path && tk_kb_default_path(&def) == 0 && stat(tk_buf_cstr(&def), &st) == 0)
        path = tk_buf_cstr(&def);
    if (path)
        rc = tk_kb_open(out, path, flags, err);
    else
        rc = tk_kb_open_image(out, tk_kb_builtin, tk_kb_builtin_size, TK_KB_READONLY, err);
    tk_buf_release(&def);
    return rc;
}

int tk_cli_open_kb(struct tk_cli *cli, const char *path, unsigned flags, struct tk_kb **out)
{
    struct tk_err err = { 0 };
    int rc = tk_kb_select(path, flags, out, &err);
    if (rc) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        return TK_EXIT_RUNTIME;
    }
    return 0;
}

int tk_cli_open_kb_writable(struct tk_cli *cli, const char *path, struct tk_kb **out,
                            struct tk_buf *created)
{
    struct tk_err err = { 0 };
    struct tk_buf def = TK_BUF_INIT(8192);
    struct stat st;
    int rc = 0;
    if (!path) {
        if (tk_kb_default_path(&def) != 0) {
            tk_log(&cli->log, TK_LOG_ERROR,
                   "no place for the knowledge base: set HOME or XDG_DATA_HOME, or use --kb");
            return TK_EXIT_RUNTIME;
        }
        path = tk_buf_cstr(&def);
    }
    if (stat(path, &st) != 0) {
        /* A new KB starts as a copy of the built-in facts, so imports add to them. */
        struct tk_kb *builtin;
        rc = tk_kb_open_image(&builtin, tk_kb_builtin, tk_kb_builtin_size, TK_KB_READONLY, &err);
        if (!rc) {
            rc = tk_kb_save(builtin, path, &err);
            tk_kb_close(builtin);
        }
        if (!rc && tk_buf_adds(created, path) != 0)
            rc = tk_err_set(&err, TK_ENOMEM, "out of memory");
        if (!rc)
            tk_log(&cli->log, TK_LOG_INFO, "created %s from the built-in knowledge base", path);
    }
    if (!rc)
        rc = tk_kb_open(out, path, TK_KB_CREATE, &err);
    tk_buf_release(&def);
    if (rc) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        return TK_EXIT_RUNTIME;
    }
    return 0;
}
