/* gz.c - gzip to memory (see gz.h), with libdeflate: a whole-buffer inflater about four times
 * as fast as zlib's streaming one. The output size is not known before the end, so the
 * member's own size field (its last four bytes) is the first guess, and a guess too small
 * is doubled and the member inflated again: at most about twice the work, and never past
 * out's bound. */
#include "core/gz.h"

#include <libdeflate.h>
#include <stdint.h>
#include <zlib.h>

#include "core/err.h"

/* libdeflate says "no room" also when a member cut short exactly fills the room left (it
 * reads zeros past the end). At the bound, zlib's streaming inflater, which never reads past
 * the end, tells a bomb (more than room bytes) from a member that is corrupt or cut. */
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
    if (out->len > out->max)
        return TK_ELIMIT;
    size_t room = out->max - out->len;
    /* ISIZE: the member's size modulo 2^32 when the input is that one member; a hint only */
    size_t want = n >= 18 ? (size_t)p[n - 4] | (size_t)p[n - 3] << 8 | (size_t)p[n - 2] << 16 |
                                (size_t)p[n - 1] << 24
                          : 0;
    if (want < n)
        want = n < SIZE_MAX / 4 ? n * 4 : n;
    if (want < 4096)
        want = 4096;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return TK_ENOMEM;
    int rc;
    for (;;) {
        if (want > room)
            want = room;
        if ((rc = tk_buf_reserve(out, want)) != 0)
            break;
        size_t used = 0, got = 0;
        enum libdeflate_result r =
            libdeflate_gzip_decompress_ex(d, p, n, out->ptr + out->len, want, &used, &got);
        if (r == LIBDEFLATE_SUCCESS) {
            if (used != n) { /* another member, or junk: what would other tools read? */
                rc = TK_EPARSE;
                break;
            }
            tk_buf_extend(out, got);
            break;
        }
        if (r != LIBDEFLATE_INSUFFICIENT_SPACE) {
            rc = TK_EPARSE; /* corrupt, truncated, or a checksum that does not match */
            break;
        }
        if (want == room) {
            rc = past_bound(p, n, room); /* a decompression bomb stops at the bound */
            break;
        }
        want = want > room / 2 ? room : want * 2;
    }
    libdeflate_free_decompressor(d);
    return rc;
}
