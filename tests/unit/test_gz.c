/* test_gz.c - tk_gunzip: a whole member back byte for byte, the buffer's bound as the end of
 * a bomb, and corrupt, truncated or trailed members refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/gz.h"

/* gzip of in[0..n) with zlib, into out (size of out in *len, the member's size back). */
static void gzip(const void *in, size_t n, unsigned char *out, size_t *len)
{
    z_stream z = { 0 };
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)*len;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *len = z.total_out;
    deflateEnd(&z);
}

static unsigned char text[1 << 20], packed[1 << 20];

static size_t sample(void)
{
    for (size_t i = 0; i < sizeof text; i++) /* compressible, not trivially */
        text[i] = (unsigned char)("{\"name\":\"tenken\",\"version\":\"1.0\"}\n"[i % 35] ^ (i / 997 % 3));
    size_t len = sizeof packed;
    gzip(text, sizeof text, packed, &len);
    return len;
}

static void test_roundtrip_appends(void **state)
{
    (void)state;
    size_t len = sample();
    struct tk_buf out = TK_BUF_INIT(sizeof text + 3);
    assert_int_equal(tk_buf_adds(&out, "ab:"), 0);
    assert_int_equal(tk_gunzip(packed, len, &out), 0);
    assert_int_equal(out.len, sizeof text + 3);
    assert_memory_equal(out.ptr, "ab:", 3);
    assert_memory_equal(out.ptr + 3, text, sizeof text);
    assert_int_equal(out.ptr[out.len], '\0');
    tk_buf_release(&out);
}

/* Anything after the member (a second member, junk) is refused: other tools would read it,
 * and the stored body must mean one thing. A size field that lies is refused as well. */
static void test_one_member_exactly(void **state)
{
    (void)state;
    size_t len = sample();
    unsigned char *two = malloc(2 * len);
    memcpy(two, packed, len);
    memcpy(two + len, packed, len);
    struct tk_buf out = TK_BUF_INIT(sizeof text * 4);
    assert_int_equal(tk_gunzip(two, 2 * len, &out), TK_EPARSE);
    assert_int_equal(tk_gunzip(two, len + 1, &out), TK_EPARSE);
    assert_int_equal(out.len, 0);
    assert_int_equal(tk_gunzip(two, len, &out), 0);
    assert_int_equal(out.len, sizeof text);
    tk_buf_reset(&out);
    memcpy(two + len - 4, "\x01\0\0\0", 4); /* "1 byte": a size field that lies */
    assert_int_equal(tk_gunzip(two, len, &out), TK_EPARSE);
    assert_int_equal(out.len, 0);
    tk_buf_release(&out);
    free(two);
}

static void test_bound_stops_a_bomb(void **state)
{
    (void)state;
    size_t len = sample();
    struct tk_buf out = TK_BUF_INIT(sizeof text - 1);
    assert_int_equal(tk_gunzip(packed, len, &out), TK_ELIMIT);
    assert_true(out.cap <= sizeof text);
    tk_buf_release(&out);

    static unsigned char zeros[1 << 20];
    unsigned char bomb[4096];
    size_t blen = sizeof bomb;
    gzip(zeros, sizeof zeros, bomb, &blen); /* about a thousand to one */
    struct tk_buf small = TK_BUF_INIT(4096);
    assert_int_equal(tk_gunzip(bomb, blen, &small), TK_ELIMIT);
    assert_int_equal(small.len, 0);
    tk_buf_release(&small);
}

static void test_corrupt_and_truncated(void **state)
{
    (void)state;
    size_t len = sample();
    struct tk_buf out = TK_BUF_INIT(sizeof text);
    for (size_t cut = 0; cut < len; cut += len / 7 + 1) {
        assert_int_equal(tk_gunzip(packed, cut, &out), TK_EPARSE);
        tk_buf_reset(&out);
    }
    assert_int_equal(tk_gunzip(packed, len - 1, &out), TK_EPARSE); /* size field cut */
    tk_buf_reset(&out);
    packed[len - 6] ^= 1; /* the CRC-32 */
    assert_int_equal(tk_gunzip(packed, len, &out), TK_EPARSE);
    tk_buf_reset(&out);
    packed[len - 6] ^= 1;
    packed[0] = 0x1e; /* not gzip's magic */
    assert_int_equal(tk_gunzip(packed, len, &out), TK_EPARSE);
    assert_int_equal(tk_gunzip("", 0, &out), TK_EPARSE);
    tk_buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_appends),
        cmocka_unit_test(test_one_member_exactly),
        cmocka_unit_test(test_bound_stops_a_bomb),
        cmocka_unit_test(test_corrupt_and_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
