/* gz.c - gzip to memory (see gz.h), with libdeflate: a whole-buffer inflater about four times
 * as fast as zlib's streaming one, into exactly the room the member's size field names.
 * Where that is past out's bound, or wrong, zlib's streaming inflater (bounded) tells a bomb
 * from a corrupt member. */
#include "core/gz.h"

#include <libdeflate.h>
#include <zlib.h>

#include "core/err.h"

/* Whether the member in[0..n) inflates to more than room bytes (TK_ELIMIT: a bomb stops
 * there) or is corrupt or cut (TK_EPARSE), by zlib's streaming inflater, which never reads
 * past the end (libdeflate says "no room" also for a member cut short, as it reads zeros). */
static int past_bound(const unsigned char *in, size_t n, size_t room)
{
    z_stream z = { 0 };
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return TK_ENOMEM;
    unsigned char chunk[16384];
    size_t total = 0;
    int zr = Z_OK;
    while (zr == Z_OK && total <= room) {
        if (z.avail_in == 0 && n) { /* zlib counts in uInt */
            z.next_in = (Bytef *)in;
            z.avail_in = n > 1u << 30 ? 1u << 30 : (uInt)n;
            in += z.avail_in;
            n -= z.avail_in;
        }
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        zr = inflate(&z, Z_NO_FLUSH);
        total += sizeof chunk - z.avail_out;
    }
    inflateEnd(&z);
    return total > room ? TK_ELIMIT : TK_EPARSE;
}

int tk_gunzip(const void *in, size_t n, struct tk_buf *out)
{
    const unsigned char *p = in;
    if (n < 18) /* a header and a trailer are 18 bytes */
        return TK_EPARSE;
    if (out->len > out->max)
        return TK_ELIMIT;
    size_t room = out->max - out->len;
    /* ISIZE: the size modulo 2^32, checked by libdeflate; an accepted member below 4 GiB
     * (every bound here) is exactly this long */
    size_t size = (size_t)p[n - 4] | (size_t)p[n - 3] << 8 | (size_t)p[n - 2] << 16 |
                  (size_t)p[n - 1] << 24;
    if (size > room)
        return past_bound(p, n, room);
    int rc = tk_buf_reserve(out, size);
    if (rc)
        return rc;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return TK_ENOMEM;
    size_t used = 0, got = 0;
    enum libdeflate_result r =
        libdeflate_gzip_decompress_ex(d, p, n, out->ptr + out->len, size, &used, &got);
    libdeflate_free_decompressor(d);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE) /* a size field that lies, or wrapped past 4 GiB */
        return past_bound(p, n, room);
    if (r != LIBDEFLATE_SUCCESS || used != n) /* corrupt, cut, or followed by anything */
        return TK_EPARSE;
    tk_buf_extend(out, got);
    return 0;
}
