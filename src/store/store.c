/* store.c - the backend-independent front of the store (see store.h). */
#include "store/store.h"

#include "compat/sys.h"
#include "core/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int tk_store_default_dir(struct tk_buf *out)
{
    return tk_sys_data_path(out, "tenken/server");
}

/* mkdir -p, the last component 0700 (it holds every organisation's data). */
static int make_dirs(const char *dir, struct tk_err *err)
{
    struct tk_buf p = TK_BUF_INIT(8192);
    int rc = tk_buf_adds(&p, dir);
    for (size_t i = 1; !rc && i <= p.len; i++) {
        if (i < p.len && p.ptr[i] != '/')
            continue;
        char saved = p.ptr[i];
        p.ptr[i] = '\0';
        if (mkdir(p.ptr, i == p.len ? 0700 : 0755) != 0 && errno != EEXIST)
            rc = tk_err_sys(err, errno, "%s: cannot create the data directory", p.ptr);
        p.ptr[i] = saved;
    }
    tk_buf_release(&p);
    return rc;
}

int tk_store_open(struct tk_store **out, const char *dir, struct tk_err *err)
{
    *out = NULL;
    int rc = make_dirs(dir, err);
    if (rc)
        return rc;
    return tk_store_sqlite.open(out, dir, err);
}

bool tk_store_exists(const char *dir)
{
    struct tk_buf p = TK_BUF_INIT(8192);
    struct stat st;
    bool yes = tk_buf_addf(&p, "%s/" TK_STORE_FILE, dir) == 0 && stat(p.ptr, &st) == 0 &&
               S_ISREG(st.st_mode);
    tk_buf_release(&p);
    return yes;
}

void tk_store_close(struct tk_store *s)
{
    if (s)
        s->ops->close(s);
}

bool tk_org_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > TK_ORG_NAME_MAX)
        return false;
    /* a name shaped like an id (8-4-4-4-12) could be mistaken for another organisation's */
    if (n == 36 && name[8] == '-' && name[13] == '-' && name[18] == '-' && name[23] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

int tk_id_list_add(void *list, const char *bundle_id)
{
    struct tk_id_list *l = list;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 256;
        void *p = tk_realloc(l->id, nc * sizeof *l->id);
        if (!p)
            return TK_ENOMEM;
        l->id = p;
        l->cap = nc;
    }
    snprintf(l->id[l->n++], sizeof l->id[0], "%s", bundle_id);
    return 0;
}

void tk_id_list_release(struct tk_id_list *l)
{
    tk_free(l->id);
    *l = (struct tk_id_list){ 0 };
}
