/* err.c - filling struct tk_err. */
#include "core/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tk_err_from_errno(int errnum)
{
    switch (errnum) {
    case ENOMEM:
        return TK_ENOMEM;
    case ENOENT:
    case ENOTDIR:
        return TK_ENOENT;
    case EACCES:
    case EPERM:
        return TK_EACCES;
    case EINVAL:
        return TK_EINVAL;
    case ENOSYS:
    case EOPNOTSUPP:
        return TK_EUNSUPP;
    case EFBIG:
    case E2BIG:
    case ELOOP:
    case ENAMETOOLONG:
        return TK_ELIMIT;
    default:
        return TK_EIO;
    }
}

int tk_err_set(struct tk_err *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

int tk_err_sys(struct tk_err *err, int errnum, const char *fmt, ...)
{
    int code = tk_err_from_errno(errnum);
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(errnum));
    err->code = code;
    return code;
}

void tk_err_clear(struct tk_err *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

const char *tk_err_name(int code)
{
    switch (code) {
    case TK_OK:
        return "ok";
    case TK_ENOMEM:
        return "nomem";
    case TK_EIO:
        return "io";
    case TK_EPARSE:
        return "parse";
    case TK_ELIMIT:
        return "limit";
    case TK_EINVAL:
        return "invalid";
    case TK_ENOENT:
        return "missing";
    case TK_EACCES:
        return "permission";
    case TK_EUNSUPP:
        return "unsupported";
    case TK_ECONFLICT:
        return "conflict";
    default:
        return "unknown";
    }
}
