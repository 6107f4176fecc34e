/* gz.c - gzip to memory (see gz.h). */
#include "core/gz.h"

#include <zlib.h>

#include "core/err.h"

int tk_gunzip(const void *in, size_t n, struct tk_buf *out)
{
    z_stream z = { 0 };
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return TK_ENOMEM;
    unsigned char chunk[65536];
    int zr = Z_OK, rc = 0;
    const unsigned char *p = in;
    size_t left = n;
    while (zr != Z_STREAM_END && !rc) {
        if (z.avail_in == 0 && left) { /* zlib counts in uInt: feed large inputs in pieces */
            z.next_in = (Bytef *)p;
            z.avail_in = left > 1u << 30 ? 1u << 30 : (uInt)left;
            p += z.avail_in;
            left -= z.avail_in;
        }
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END) {
            rc = TK_EPARSE;
            break;
        }
        if (tk_buf_add(out, chunk, sizeof chunk - z.avail_out) != 0)
            rc = TK_ELIMIT;
        else if (zr == Z_OK && z.avail_in == 0 && !left && z.avail_out != 0)
            rc = TK_EPARSE; /* truncated */
    }
    inflateEnd(&z);
    return rc;
}
