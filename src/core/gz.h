/* gz.h - one gzip member to memory, bounded: the analysis server's bodies and the bundles
 * it keeps as they arrived (compressed). */
#ifndef TK_CORE_GZ_H
#define TK_CORE_GZ_H

#include <stddef.h>

#include "core/buf.h"

/* Appends the decompressed first gzip member of in[0..n) to out. TK_ELIMIT when it would
 * pass out's bound (a decompression bomb stops there), TK_EPARSE when the stream is corrupt
 * or truncated, TK_ENOMEM. Bytes after the member are ignored. */
int tk_gunzip(const void *in, size_t n, struct tk_buf *out);

#endif
