/* test_utf8.c - strict UTF-8: overlongs, surrogates, values past U+10FFFF and truncated
 * sequences are refused; encode/decode round-trip, checked exhaustively against RFC 3629. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/utf8.h"

/* Decodes the literal and expects length want_len (0 = invalid) and, if valid, want_cp. */
static void expect_decode(const char *s, size_t n, size_t want_len, uint32_t want_cp)
{
    uint32_t cp = 0xDEADBEEF;
    size_t len = tk_utf8_decode((const unsigned char *)s, n, &cp);
    assert_int_equal(len, want_len);
    if (want_len)
        assert_int_equal(cp, want_cp);
    assert_true(tk_utf8_valid(s, n) == (want_len == n));
}

#define DEC(lit, len, cp) expect_decode((lit), sizeof(lit) - 1, (len), (cp))
#define BAD(lit) expect_decode((lit), sizeof(lit) - 1, 0, 0)

static void test_decode_boundaries(void **state)
{
    (void)state;
    expect_decode("\0", 1, 1, 0);
    DEC("\x7F", 1, 0x7F);
    DEC("\xC2\x80", 2, 0x80);
    DEC("\xDF\xBF", 2, 0x7FF);
    DEC("\xE0\xA0\x80", 3, 0x800);
    DEC("\xED\x9F\xBF", 3, 0xD7FF);
    DEC("\xEE\x80\x80", 3, 0xE000);
    DEC("\xEF\xBF\xBD", 3, 0xFFFD);
    DEC("\xEF\xBF\xBF", 3, 0xFFFF);
    DEC("\xF0\x90\x80\x80", 4, 0x10000);
    DEC("\xF4\x8F\xBF\xBF", 4, 0x10FFFF);
}

static void test_decode_reads_one_code_point(void **state)
{
    (void)state;
    uint32_t cp;
    /* Only the first code point is decoded; the rest of the input is not consumed. */
    assert_int_equal(tk_utf8_decode((const unsigned char *)"\xC3\xA9z", 3, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(tk_utf8_decode((const unsigned char *)"ab", 2, &cp), 1);
    assert_int_equal(cp, 'a');
    assert_int_equal(tk_utf8_decode((const unsigned char *)"", 0, &cp), 0);
}

static void test_overlongs(void **state)
{
    (void)state;
    BAD("\xC0\x80"); /* U+0000 as two bytes */
    BAD("\xC0\xAF"); /* '/' */
    BAD("\xC1\xBF");
    BAD("\xE0\x80\x80");
    BAD("\xE0\x80\xAF");
    BAD("\xE0\x9F\xBF"); /* U+07FF as three bytes */
    BAD("\xF0\x80\x80\x80");
    BAD("\xF0\x80\x80\xAF");
    BAD("\xF0\x8F\xBF\xBF"); /* U+FFFF as four bytes */
}

static void test_surrogates(void **state)
{
    (void)state;
    BAD("\xED\xA0\x80"); /* U+D800 */
    BAD("\xED\xAD\xBF"); /* U+DB7F */
    BAD("\xED\xB0\x80"); /* U+DC00 */
    BAD("\xED\xBF\xBF"); /* U+DFFF */
    BAD("\xED\xA0\xBD\xED\xB8\x80"); /* CESU-8 pair for U+1F600 */
}

static void test_beyond_max(void **state)
{
    (void)state;
    BAD("\xF4\x90\x80\x80"); /* U+110000 */
    BAD("\xF7\xBF\xBF\xBF"); /* U+1FFFFF */
    BAD("\xF5\x80\x80\x80");
    BAD("\xF8\x88\x80\x80\x80"); /* old 5-byte form */
    BAD("\xFC\x84\x80\x80\x80\x80"); /* old 6-byte form */
    BAD("\xFE");
    BAD("\xFF");
}

static void test_truncated_and_bad_continuation(void **state)
{
    (void)state;
    BAD("\xC3");
    BAD("\xE2\x82");
    BAD("\xF0\x9F\x98");
    BAD("\xE2");
    /* Enough bytes, but the continuation is not 10xxxxxx. */
    BAD("\xC3" "A");
    BAD("\xC3\xC3\xA9");
    BAD("\xE2\x82" "A");
    BAD("\xF0\x9F\x98" "A");
    BAD("\xE2\xC2\x82");
    /* A lone continuation byte. */
    BAD("\x80");
    BAD("\xBF");
    /* n limits the read even when more bytes follow in memory. */
    uint32_t cp;
    assert_int_equal(tk_utf8_decode((const unsigned char *)"\xC3\xA9", 1, &cp), 0);
    assert_int_equal(tk_utf8_decode((const unsigned char *)"\xF0\x9F\x98\x80", 3, &cp), 0);
}

static void test_valid(void **state)
{
    (void)state;
    assert_true(tk_utf8_valid("", 0));
    assert_true(tk_utf8_valid("plain", 5));
    assert_true(tk_utf8_valid("caf\xC3\xA9 \xF0\x9F\x98\x80", 10));
    assert_false(tk_utf8_valid("caf\xC3", 4));
    assert_false(tk_utf8_valid("a\xFF" "b", 3));
    assert_true(tk_utf8_valid("a\0b", 3)); /* NUL is a valid code point */
}

static void test_encode_boundaries(void **state)
{
    (void)state;
    static const struct {
        uint32_t cp;
        const char *bytes;
    } cases[] = {
        { 0x0, "\0" },
        { 0x41, "A" },
        { 0x7F, "\x7F" },
        { 0x80, "\xC2\x80" },
        { 0x7FF, "\xDF\xBF" },
        { 0x800, "\xE0\xA0\x80" },
        { 0xFFFD, "\xEF\xBF\xBD" },
        { 0xFFFF, "\xEF\xBF\xBF" },
        { 0x10000, "\xF0\x90\x80\x80" },
        { 0x1F600, "\xF0\x9F\x98\x80" },
        { 0x10FFFF, "\xF4\x8F\xBF\xBF" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char out[4];
        size_t want = cases[i].cp ? strlen(cases[i].bytes) : 1;
        size_t len = tk_utf8_encode(cases[i].cp, out);
        assert_int_equal(len, want);
        assert_memory_equal(out, cases[i].bytes, want);
        uint32_t back;
        assert_int_equal(tk_utf8_decode(out, len, &back), len);
        assert_int_equal(back, cases[i].cp);
    }
}

static void test_round_trip_all_scalars(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        unsigned char out[4];
        size_t len = tk_utf8_encode(cp, out);
        size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        uint32_t back = 0;
        if (len != want || tk_utf8_decode(out, len, &back) != len || back != cp)
            fail_msg("round trip failed for U+%04X", (unsigned)cp);
        /* One byte short is always refused. */
        if (len > 1 && tk_utf8_decode(out, len - 1, &back) != 0)
            fail_msg("truncated U+%04X accepted", (unsigned)cp);
    }
}

/* Well-formed sequences per Unicode Table 3-7 / RFC 3629, written independently of the
 * decoder: returns the length of the valid sequence at s, or 0. */
static size_t reference_len(const unsigned char *s, size_t n)
{
    static const struct {
        unsigned char lo[4], hi[4];
        size_t len;
    } rows[] = {
        { { 0x00 }, { 0x7F }, 1 },
        { { 0xC2, 0x80 }, { 0xDF, 0xBF }, 2 },
        { { 0xE0, 0xA0, 0x80 }, { 0xE0, 0xBF, 0xBF }, 3 },
        { { 0xE1, 0x80, 0x80 }, { 0xEC, 0xBF, 0xBF }, 3 },
        { { 0xED, 0x80, 0x80 }, { 0xED, 0x9F, 0xBF }, 3 },
        { { 0xEE, 0x80, 0x80 }, { 0xEF, 0xBF, 0xBF }, 3 },
        { { 0xF0, 0x90, 0x80, 0x80 }, { 0xF0, 0xBF, 0xBF, 0xBF }, 4 },
        { { 0xF1, 0x80, 0x80, 0x80 }, { 0xF3, 0xBF, 0xBF, 0xBF }, 4 },
        { { 0xF4, 0x80, 0x80, 0x80 }, { 0xF4, 0x8F, 0xBF, 0xBF }, 4 },
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        size_t len = rows[r].len, k;
        if (n < len)
            continue;
        for (k = 0; k < len; k++)
            if (s[k] < rows[r].lo[k] || s[k] > rows[r].hi[k])
                break;
        if (k == len)
            return len;
    }
    return 0;
}

static void test_exhaustive_short_sequences(void **state)
{
    (void)state;
    /* Every 1-, 2- and 3-byte input agrees with the reference table on validity and
     * length. Four-byte inputs are covered by the round trip and the cases above. */
    unsigned char s[3];
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (unsigned char)a;
        uint32_t cp;
        if (tk_utf8_decode(s, 1, &cp) != reference_len(s, 1))
            fail_msg("1-byte %02x", a);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            if (tk_utf8_decode(s, 2, &cp) != reference_len(s, 2))
                fail_msg("2-byte %02x %02x", a, b);
            if (a < 0xE0 || a > 0xEF)
                continue;
            for (unsigned c = 0; c < 256; c++) {
                s[2] = (unsigned char)c;
                if (tk_utf8_decode(s, 3, &cp) != reference_len(s, 3))
                    fail_msg("3-byte %02x %02x %02x", a, b, c);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_boundaries),
        cmocka_unit_test(test_decode_reads_one_code_point),
        cmocka_unit_test(test_overlongs),
        cmocka_unit_test(test_surrogates),
        cmocka_unit_test(test_beyond_max),
        cmocka_unit_test(test_truncated_and_bad_continuation),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_encode_boundaries),
        cmocka_unit_test(test_round_trip_all_scalars),
        cmocka_unit_test(test_exhaustive_short_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
