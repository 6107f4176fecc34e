/* input.h - feeds the importers read: plain or gzip-compressed files, directories of them,
 * and ZIP archives, read in chunks with a name for messages. */
#ifndef TK_KB_INPUT_H
#define TK_KB_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include <stdint.h>

struct tk_input {
    void *gz; /* gzFile: reads plain files unchanged */
    const char *name;
    /* tk_input_each_line: a line longer than max_line is handed to fn as {NULL, its length
     * so far} and skipped, rather than ending the stream with an error */
    bool skip_long;
};

int tk_input_open(struct tk_input *in, const char *path, struct tk_err *err);
/* For tk_jsonr: bytes read, 0 at the end, -1 on error (a truncated gzip stream is an error). */
long tk_input_read(void *in, void *p, size_t n);
void tk_input_close(struct tk_input *in);

/* Calls fn for every line (without its newline) of an open input; a line longer than
 * max_line is an error naming its number. Returns 0, fn's value, or a negative code. */
typedef int (*tk_input_line_fn)(void *ud, struct tk_str line, uint64_t lineno, struct tk_err *err);
int tk_input_each_line(struct tk_input *in, size_t max_line, tk_input_line_fn fn, void *ud,
                       uint64_t *bytes, struct tk_err *err);

/* Reads the whole (decompressed) file, bounded by out->max. */
int tk_input_slurp(const char *path, struct tk_buf *out, struct tk_err *err);

/* Calls fn for each file of path: path itself when it is a file; when it is a directory,
 * its regular files (recursively) whose names end with one of suffixes, in name order. */
typedef int (*tk_input_file_fn)(void *ud, const char *file, struct tk_err *err);
int tk_input_each(const char *path, const char *const *suffixes, tk_input_file_fn fn, void *ud,
                  struct tk_err *err);

/* Whether name ends with one of the NULL-terminated suffixes. */
bool tk_input_has_suffix(const char *name, const char *const *suffixes);

/* Calls fn for each member of a ZIP archive whose name ends with one of suffixes, with its
 * contents (at most max_member bytes, else TK_ELIMIT). */
typedef int (*tk_input_member_fn)(void *ud, const char *member, const char *data, size_t n,
                                  struct tk_err *err);
int tk_input_zip_each(const char *path, const char *const *suffixes, size_t max_member,
                      tk_input_member_fn fn, void *ud, struct tk_err *err);

#endif
