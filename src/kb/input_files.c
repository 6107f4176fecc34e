/* input_files.c - the files of an import feed: a directory's, in name order, and the
 * members of ZIP archives (libzip). */
#include "kb/input.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "core/alloc.h"

#define MAX_FILES 2000000

bool tk_input_has_suffix(const char *name, const char *const *suffixes)
{
    size_t n = strlen(name);
    for (; *suffixes; suffixes++) {
        size_t k = strlen(*suffixes);
        if (n >= k && strcmp(name + n - k, *suffixes) == 0)
            return true;
    }
    return false;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, const char *const *suffixes, tk_input_file_fn fn, void *ud,
                int depth, size_t *count, struct tk_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return tk_err_sys(err, errno, "%s: cannot open the directory", dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (tk_grow((void **)&names, &cap, n + 1, sizeof *names, MAX_FILES) ||
            !(names[n] = tk_strdup(e->d_name))) {
            rc = tk_err_set(err, TK_ENOMEM, "%s: too many files", dir);
            break;
        }
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (!rc) {
            struct tk_buf full = TK_BUF_INIT(8192);
            struct stat st;
            if (tk_buf_addf(&full, "%s/%s", dir, names[i]) != 0) {
                rc = tk_err_set(err, TK_ELIMIT, "%s: path too long", dir);
            } else if (lstat(tk_buf_cstr(&full), &st) == 0) {
                if (S_ISDIR(st.st_mode) && depth < 8)
                    rc = walk(tk_buf_cstr(&full), suffixes, fn, ud, depth + 1, count, err);
                else if (S_ISREG(st.st_mode) && tk_input_has_suffix(names[i], suffixes)) {
                    if (++*count > MAX_FILES)
                        rc = tk_err_set(err, TK_ELIMIT, "%s: more than %d files", dir, MAX_FILES);
                    else
                        rc = fn(ud, tk_buf_cstr(&full), err);
                }
            }
            tk_buf_release(&full);
        }
        tk_free(names[i]);
    }
    tk_free(names);
    return rc;
}

int tk_input_each(const char *path, const char *const *suffixes, tk_input_file_fn fn, void *ud,
                  struct tk_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return tk_err_sys(err, errno, "%s: cannot open", path);
    if (!S_ISDIR(st.st_mode))
        return fn(ud, path, err);
    size_t count = 0;
    return walk(path, suffixes, fn, ud, 0, &count, err);
}

int tk_input_zip_each(const char *path, const char *const *suffixes, size_t max_member,
                      tk_input_member_fn fn, void *ud, struct tk_err *err)
{
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        int rc = tk_err_set(err, TK_EPARSE, "%s: not a readable ZIP archive: %s", path,
                            zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return rc;
    }
    zip_int64_t n = zip_get_num_entries(z, 0);
    char *data = NULL;
    int rc = 0;
    for (zip_int64_t i = 0; i < n && !rc; i++) {
        zip_stat_t zs;
        if (zip_stat_index(z, (zip_uint64_t)i, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_NAME) ||
            !tk_input_has_suffix(zs.name, suffixes))
            continue;
        if (!(zs.valid & ZIP_STAT_SIZE) || zs.size > max_member) {
            rc =
                tk_err_set(err, TK_ELIMIT, "%s: member %s is larger than the limit", path, zs.name);
            break;
        }
        zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
        data = f ? tk_realloc(data, zs.size + 1) : data;
        if (!f || !data) {
            if (f)
                zip_fclose(f);
            rc = tk_err_set(err, f ? TK_ENOMEM : TK_EPARSE, "%s: cannot read member %s", path,
                            zs.name);
            break;
        }
        zip_int64_t got = zip_fread(f, data, zs.size);
        zip_fclose(f);
        if (got < 0 || (zip_uint64_t)got != zs.size) {
            rc = tk_err_set(err, TK_EPARSE, "%s: member %s is damaged", path, zs.name);
            break;
        }
        data[zs.size] = '\0';
        rc = fn(ud, zs.name, data, (size_t)zs.size, err);
    }
    tk_free(data);
    zip_discard(z);
    return rc;
}
