/* test_score.c - THOR's score accumulation (scan/score.h), its levels, and the file type
 * labels (scan/filetype.h) rules compare against. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "scan/filetype.h"
#include "scan/score.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect_total(const int *subs, size_t n, double want)
{
    double got = tk_score_combine(subs, n);
    if (fabs(got - want) > 0.0001)
        fail_msg("combine gave %.6f, want %.4f", got, want);
}

static void test_vectors(void **state)
{
    (void)state;
    /* Computed from the formula; the first two agree with Loki-RS's unit tests and the THOR
     * manual's worked example. */
    static const int a[] = { 75 }, b[] = { 70, 70, 50, 40, 40 }, c[] = { 70, 70, 70 },
                     d[] = { 80, 60, 40 }, d2[] = { 40, 80, 60 }, e[] = { 70, 0, 50 },
                     f[] = { 60, 60 }, g[] = { 90, 90 }, h[] = { 100, 100, 100 };
    expect_total(a, N(a), 75.0);
    expect_total(b, N(b), 84.1959);
    expect_total(c, N(c), 83.9125);
    expect_total(d, N(d), 87.4);
    expect_total(d2, N(d2), 87.4); /* order does not matter */
    expect_total(e, N(e), 77.5);   /* zero ignored */
    expect_total(f, N(f), 72.0);
    expect_total(g, N(g), 94.5);
    expect_total(h, N(h), 100.0);
    expect_total(NULL, 0, 0.0);
}

static void test_clamping_and_negatives(void **state)
{
    (void)state;
    static const int over[] = { 250 }, neg[] = { -60, 70 };
    expect_total(over, N(over), 100.0);
    expect_total(neg, N(neg), 70.0); /* negative sub-scores take no part in the product */
    /* Many sub-scores: the largest 64 decide, and the order still does not matter. */
    int many[200], rev[200];
    for (int i = 0; i < 200; i++)
        many[i] = rev[199 - i] = 1 + i % 97;
    assert_true(fabs(tk_score_combine(many, 200) - tk_score_combine(rev, 200)) < 1e-9);
    assert_true(tk_score_combine(many, 200) <= 100.0);
}

static void test_levels(void **state)
{
    (void)state;
    assert_int_equal(tk_score_level(39.99, 39), TK_LEVEL_NONE);
    assert_int_equal(tk_score_level(40, 40), TK_LEVEL_NOTICE);
    assert_int_equal(tk_score_level(59.9999999999, 59), TK_LEVEL_WARNING); /* rounding */
    assert_int_equal(tk_score_level(60, 60), TK_LEVEL_WARNING);
    assert_int_equal(tk_score_level(80, 80), TK_LEVEL_WARNING); /* alert is strictly above 80 */
    assert_int_equal(tk_score_level(80.5, 80), TK_LEVEL_ALERT);
    /* Many weak reasons add up past 80 but stay a warning without one sub-score above 75. */
    static const int weak[] = { 70, 70, 70 };
    double t = tk_score_combine(weak, N(weak));
    assert_true(t > 80);
    assert_int_equal(tk_score_level(t, 70), TK_LEVEL_WARNING);
    assert_string_equal(tk_level_name(TK_LEVEL_ALERT), "alert");
    assert_string_equal(tk_level_name(TK_LEVEL_NONE), "none");
}

static const char *ft(const char *head, size_t n, const char *ext)
{
    return tk_filetype((const unsigned char *)head, n, ext);
}

static void test_filetypes(void **state)
{
    (void)state;
    assert_string_equal(ft("MZ\x90\0", 4, ".exe"), "EXE");
    assert_string_equal(ft("\x7f" "ELF\2\1\1", 7, ""), "ELF");
    assert_string_equal(ft("\xcf\xfa\xed\xfe", 4, ""), "MACH-O");
    assert_string_equal(ft("%PDF-1.7", 8, ".pdf"), "PDF");
    assert_string_equal(ft("GIF89a", 6, ".gif"), "GIF");
    assert_string_equal(ft("{\\rtf1\\ansi", 11, ".rtf"), "RTF");
    assert_string_equal(ft("<?php echo 1;", 13, ".txt"), "PHP");
    assert_string_equal(ft("MDMP\x93\xa7", 6, ".dmp"), "MDMP");
    /* The longest magic wins: an Office document is more than a ZIP. */
    assert_string_equal(ft("PK\x03\x04\x14\x00\x06\x00", 8, ".docx"), "Office");
    assert_string_equal(ft("PK\x03\x04\x0a\x00", 6, ".zip"), "ZIP");
    assert_string_equal(ft("#!/bin/sh\n", 10, ".sh"), "UNIX SCRIPT");
    /* Text formats without a magic: by extension. */
    assert_string_equal(ft("Set x = 1", 9, ".vbs"), "VBS");
    assert_string_equal(ft("@echo off", 9, ".bat"), "BATCH");
    assert_string_equal(ft("import os", 9, ".py"), "Python");
    assert_string_equal(ft("Get-Item", 8, ".ps1"), "PowerShell");
    assert_string_equal(ft("<%@ Page", 3, ".aspx"), "JSP"); /* "<%" is JSP in the list */
    assert_string_equal(ft("hello", 5, ".txt"), "UNKNOWN");
    assert_string_equal(ft("", 0, ""), "UNKNOWN");
    /* Short heads never read past what they have. */
    assert_string_equal(ft("M", 1, NULL), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_clamping_and_negatives),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_filetypes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
