/* input.c - reading import feeds: zlib for .gz (and plain) files (directories and ZIP
 * archives: input_files.c). */
#include "kb/input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"

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
