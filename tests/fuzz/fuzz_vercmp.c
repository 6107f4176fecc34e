/* fuzz_vercmp.c - the version comparators and range expressions (kb/vercmp.h).
 *
 * The input is cut at its first two newlines into versions a, b and c, each copied into an
 * allocation of exactly its length so a comparator reading past a slice trips the
 * sanitizers. Under every scheme (and a value outside the enum) the order must be
 * reflexive, antisymmetric in sign and transitive over the three. The whole input and each
 * part are also parsed as range expressions: either TK_EPARSE with a message, or at most
 * two non-empty bounds that lie inside the input, then matched against each part. */
#include <string.h>

#include "core/alloc.h"
#include "kb/vercmp.h"
#include "fuzz.h"

static void check_order(enum tk_vscheme s, const struct tk_str *v)
{
    int c[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            c[i][j] = tk_vercmp(s, v[i], v[j]);
            FUZZ_CHECK(c[i][j] >= -1 && c[i][j] <= 1);
        }
    for (int i = 0; i < 3; i++) {
        FUZZ_CHECK(c[i][i] == 0);
        (void)tk_version_valid(s, v[i]);
        for (int j = 0; j < 3; j++) {
            FUZZ_CHECK(c[i][j] == -c[j][i]);
            for (int k = 0; k < 3; k++) {
                if (c[i][j] > 0 || c[j][k] > 0)
                    continue;
                /* i <= j <= k: then i <= k, strictly when either step is strict. */
                FUZZ_CHECK(c[i][k] <= 0);
                FUZZ_CHECK((c[i][j] < 0 || c[j][k] < 0) == (c[i][k] < 0));
            }
        }
    }
}

static void check_range(struct tk_str expr, const struct tk_str *v)
{
    struct tk_vrange r;
    struct tk_err err = { 0 };
    int rc = tk_vrange_parse(expr, &r, &err);
    if (rc != 0) {
        FUZZ_CHECK(rc == TK_EPARSE && err.code == TK_EPARSE);
        FUZZ_CHECK(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof err.msg));
        return;
    }
    FUZZ_CHECK(r.nbounds >= 0 && r.nbounds <= 2);
    for (int b = 0; b < r.nbounds; b++) {
        struct tk_str bv = r.bound[b].version;
        FUZZ_CHECK(bv.n > 0 && bv.p >= expr.p && bv.p + bv.n <= expr.p + expr.n);
    }
    if (r.nbounds == 2)
        FUZZ_CHECK(r.bound[0].op != TK_VOP_EQ && r.bound[1].op != TK_VOP_EQ);
    for (int s = 0; s < TK_VSCHEME_COUNT; s++)
        for (int i = 0; i < 3; i++) {
            bool in = tk_vrange_contains((enum tk_vscheme)s, &r, v[i]);
            if (r.nbounds == 0)
                FUZZ_CHECK(in);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_str rest = { (const char *)data, size }, part[3], v[3];
    char *copy[3] = { NULL, NULL, NULL };
    char *whole = tk_malloc(size ? size : 1);
    FUZZ_CHECK(whole != NULL);
    memcpy(whole, data, size);
    for (int i = 0; i < 3; i++) {
        const char *nl = i < 2 ? memchr(rest.p, '\n', rest.n) : NULL;
        part[i] = rest;
        if (nl) {
            part[i].n = (size_t)(nl - rest.p);
            rest = (struct tk_str){ nl + 1, rest.n - part[i].n - 1 };
        } else {
            rest = (struct tk_str){ rest.p + rest.n, 0 };
        }
        copy[i] = tk_malloc(part[i].n ? part[i].n : 1);
        FUZZ_CHECK(copy[i] != NULL);
        memcpy(copy[i], part[i].p, part[i].n);
        v[i] = (struct tk_str){ copy[i], part[i].n };
    }
    for (int s = 0; s <= TK_VSCHEME_COUNT; s++) /* COUNT: outside the enum */
        check_order((enum tk_vscheme)s, v);
    check_range((struct tk_str){ whole, size }, v);
    for (int i = 0; i < 3; i++)
        check_range(v[i], v);
    for (int i = 0; i < 3; i++)
        tk_free(copy[i]);
    tk_free(whole);
    return 0;
}
