/* err.h - error codes and the caller-owned error record.
 *
 * Fallible functions return 0 or a negative TK_E* code and, when given a struct tk_err,
 * fill it with one complete sentence naming the input and the position, e.g.
 * "bundle.json:1:4031: expected a string for \"version\"". Library code never prints. */
#ifndef TK_CORE_ERR_H
#define TK_CORE_ERR_H

#include <stddef.h>

#include "core/attr.h"
enum {
    TK_OK = 0,
    TK_ENOMEM = -1,  /* out of memory */
    TK_EIO = -2,     /* read or write failed */
    TK_EPARSE = -3,  /* malformed input */
    TK_ELIMIT = -4,  /* input exceeds a configured bound */
    TK_EINVAL = -5,  /* invalid argument or option */
    TK_ENOENT = -6,  /* does not exist */
    TK_EACCES = -7,  /* permission denied */
    TK_EUNSUPP = -8, /* not supported on this platform or build */
    TK_ECONFLICT = -9, /* changed by someone else since it was read: refused */
};

struct tk_err {
    int code;
    char msg[512];
};

/* Records code and message; returns code so callers can write `return tk_err_set(...)`.
 * err may be NULL. */
int tk_err_set(struct tk_err *err, int code, const char *fmt, ...)
    TK_PRINTF(3, 4);

/* Same, for a failed system call: appends strerror(errnum) and maps errno to a TK_E* code. */
int tk_err_sys(struct tk_err *err, int errnum, const char *fmt, ...)
    TK_PRINTF(3, 4);

/* Maps an errno value to the closest TK_E* code. */
int tk_err_from_errno(int errnum);

void tk_err_clear(struct tk_err *err);

/* Short stable name of a code, e.g. "parse" for TK_EPARSE; borrowed, static. */
const char *tk_err_name(int code);

#endif
