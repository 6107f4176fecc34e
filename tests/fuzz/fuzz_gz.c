/* fuzz_gz.c - tk_gunzip (libdeflate) agrees with zlib's streaming inflater.
 *
 * Input: two bytes that set the output bound (up to 64 KiB), then the gzip bytes. Whatever
 * tk_gunzip answers, zlib must agree: the same bytes when it succeeds, more than the bound
 * when it says TK_ELIMIT, and a corrupt, cut or trailed member when it says TK_EPARSE (or
 * more than the bound before the damage). */
#include <stdbool.h>
#include <string.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/gz.h"
#include "fuzz.h"

enum { ZL_OK, ZL_BAD, ZL_BIG, ZL_LENIENT };

/* zlib's verdict on the first member, keeping at most max bytes in out. */
static int zlib_says(const uint8_t *in, size_t n, unsigned char *out, size_t max, size_t *len)
{
    z_stream z = { 0 };
    FUZZ_CHECK(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    unsigned char chunk[4096];
    size_t total = 0;
    int zr = Z_OK;
    while (zr == Z_OK && total <= max) {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        zr = inflate(&z, Z_NO_FLUSH);
        size_t got = sizeof chunk - z.avail_out;
        if (total + got <= max)
            memcpy(out + total, chunk, got);
        total += got;
    }
    /* libdeflate skips the header's optional CRC-16 (it checks the data's CRC-32) and lets a
     * code-length repeat run past the end of the lengths it fills */
    bool lenient = z.msg && (strcmp(z.msg, "header crc mismatch") == 0 ||
                             strcmp(z.msg, "invalid bit length repeat") == 0);
    inflateEnd(&z);
    *len = total;
    if (zr == Z_STREAM_END && (z.avail_in || total > max))
        return total > max ? ZL_BIG : ZL_BAD; /* bytes after the member: refused */
    return total > max ? ZL_BIG : zr == Z_STREAM_END ? ZL_OK : lenient ? ZL_LENIENT : ZL_BAD;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 1 << 20)
        return 0;
    size_t max = (size_t)data[0] << 8 | data[1];
    data += 2;
    size -= 2;
    static unsigned char want[1 << 16];
    size_t wlen = 0;
    int z = zlib_says(data, size, want, max, &wlen);
    struct tk_buf out = TK_BUF_INIT(max);
    int rc = tk_gunzip(data, size, &out);
    FUZZ_CHECK(rc == 0 || rc == TK_EPARSE || rc == TK_ELIMIT);
    FUZZ_CHECK(out.len <= max);
    if (z == ZL_LENIENT) {
        /* no verdict to compare */
    } else if (rc == 0) {
        FUZZ_CHECK(z == ZL_OK);
        FUZZ_CHECK(out.len == wlen && (wlen == 0 || memcmp(out.ptr, want, wlen) == 0));
    } else if (rc == TK_ELIMIT) {
        FUZZ_CHECK(z == ZL_BIG);
    } else {
        /* zlib may pass the bound before it reaches the damage libdeflate found */
        FUZZ_CHECK(z == ZL_BAD || z == ZL_BIG);
    }
    tk_buf_release(&out);
    return 0;
}
