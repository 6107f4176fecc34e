/* input.c - reading import feeds: zlib for .gz (and plain) files, libzip for archives. */
#include "kb/input.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>
#include <zlib.h>

#include "core/alloc.h"

#define MAX_FILES 2000000

int tk_input_open(struct tk_input *in, const char *path, struct tk_err *err)
{
    in->name = path;
    in->skip_long = false;
    in->gz = gzopen(path, "rb");
    if (!in->gz)
        return tk_err_sys(err, errno ? errno : ENOMEM, "%s: cannot open", path);
    gzbuffer(in->gz, 256 * 1024);
    return 0;
}

long tk_input_read(void *ctx, void *p, size_t n)
{
    struct tk_input *in = ctx;
    unsigned want = n > (1u << 30) ? (1u << 30) : (unsigned)n;
    int got = gzread(in->gz, p, want);
    if (got < 0)
        return -1;
    if (got == 0) {
        int errnum;
        gzerror(in->gz, &errnum);
        /* Z_BUF_ERROR at the end means a truncated compressed stream. */
        if (errnum != Z_OK && errnum != Z_STREAM_END)
            return -1;
    }
    return got;
}

void tk_input_close(struct tk_input *in)
{
    if (in->gz)
        gzclose(in->gz);
    in->gz = NULL;
}

int tk_input_each_line(struct tk_input *in, size_t max_line, tk_input_line_fn fn, void *ud,
                       uint64_t *bytes, struct tk_err *err)
{
    size_t cap = max_line + 65536, start = 0, end = 0;
    char *buf = tk_malloc(cap);
    uint64_t lineno = 0;
    int rc = 0;
    if (!buf)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", in->name);
    for (;;) {
        char *nl = memchr(buf + start, '\n', end - start);
        if (nl) {
            size_t len = (size_t)(nl - (buf + start));
            if (len && buf[start + len - 1] == '\r')
                len--;
            if (len > max_line && !in->skip_long) {
                rc = tk_err_set(err, TK_ELIMIT, "%s:%llu: line longer than %zu bytes", in->name,
                                (unsigned long long)lineno + 1, max_line);
                break;
            }
            /* a line past the bound that ended within the buffer: reported like the others */
            rc = fn(ud,
                    len > max_line ? (struct tk_str){ NULL, len }
                                   : (struct tk_str){ buf + start, len },
                    ++lineno, err);
            start = (size_t)(nl - buf) + 1;
            if (rc)
                break;
            continue;
        }
        if (end - start > max_line && in->skip_long) {
            /* reported as a line without text, then read past to its end */
            rc = fn(ud, (struct tk_str){ NULL, end - start }, ++lineno, err);
            for (bool found = false; !rc && !found;) {
                long n = tk_input_read(in, buf, cap);
                if (n <= 0) {
                    if (n < 0)
                        rc = tk_err_set(err, TK_EIO,
                                        "%s:%llu: read error or truncated "
                                        "compressed data",
                                        in->name, (unsigned long long)lineno);
                    start = end = 0;
                    goto done;
                }
                if (bytes)
                    *bytes += (uint64_t)n;
                char *eol = memchr(buf, '\n', (size_t)n);
                if (eol) {
                    found = true;
                    start = (size_t)(eol - buf) + 1;
                    end = (size_t)n;
                }
            }
            if (rc)
                break;
            continue;
        }
        if (end - start > max_line) {
            rc = tk_err_set(err, TK_ELIMIT, "%s:%llu: line longer than %zu bytes", in->name,
                            (unsigned long long)lineno + 1, max_line);
            break;
        }
        memmove(buf, buf + start, end - start);
        end -= start;
        start = 0;
        long n = tk_input_read(in, buf + end, cap - end);
        if (n < 0) {
            rc = tk_err_set(err, TK_EIO, "%s:%llu: read error or truncated compressed data",
                            in->name, (unsigned long long)lineno + 1);
            break;
        }
        if (bytes)
            *bytes += (uint64_t)n;
        if (n == 0) {
            if (end > 0)
                rc = fn(ud, (struct tk_str){ buf, end && buf[end - 1] == '\r' ? end - 1 : end },
                        ++lineno, err);
            break;
        }
        end += (size_t)n;
    }
done:
    tk_free(buf);
    return rc;
}

int tk_input_slurp(const char *path, struct tk_buf *out, struct tk_err *err)
{
    struct tk_input in;
    int rc = tk_input_open(&in, path, err);
    if (rc)
        return rc;
    char chunk[65536];
    long n;
    while ((n = tk_input_read(&in, chunk, sizeof chunk)) > 0) {
        rc = tk_buf_add(out, chunk, (size_t)n);
        if (rc) {
            rc = tk_err_set(err, rc, "%s: %s", path,
                            rc == TK_ELIMIT ? "larger than the limit" : "out of memory");
            break;
        }
    }
    if (!rc && n < 0)
        rc = tk_err_set(err, TK_EIO, "%s: read error or truncated compressed data", path);
    tk_input_close(&in);
    return rc;
}

static bool has_suffix(const char *name, const char *const *suffixes)
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
                else if (S_ISREG(st.st_mode) && has_suffix(names[i], suffixes)) {
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
            !has_suffix(zs.name, suffixes))
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
