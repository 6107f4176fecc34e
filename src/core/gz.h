/* gz.h - one gzip member to memory, bounded: the analysis server's bodies and the bundles
 * it keeps as they arrived (compressed). */
#ifndef TK_CORE_GZ_H
#define TK_CORE_GZ_H

#include <stddef.h>

#include "core/buf.h"

/* Appends the decompressed gzip member in[0..n) to out. TK_ELIMIT when it would pass out's
 * bound (a decompression bomb stops there), TK_EPARSE when the stream is corrupt, truncated,
 * or followed by anything (a second member, junk), TK_ENOMEM. */
int tk_gunzip(const void *in, size_t n, struct tk_buf *out);

#endif
