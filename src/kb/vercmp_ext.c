/* vercmp_ext.c - Chromium browser and browser-extension versions: one to four dot-separated
 * integers compared left to right, a missing integer counting as 0, so 1.2.0 > 1.1.9.9999
 * (https://developer.chrome.com/docs/extensions/reference/manifest/version).
 *
 * Strings outside that grammar (Firefox "2.0b1", free text) are ordered by the dotted
 * rules, which agree with the rule above on every string that follows it: the order stays
 * one total order over all strings. */
#include "kb/vercmp_int.h"

/* Integers only, any count and length; the common case, compared without further parsing. */
static bool plain(struct tk_str s)
{
    return s.n && tk_vc_fields_len(s, ".") == s.n;
}

int tk_vc_ext_cmp(struct tk_str a, struct tk_str b)
{
    struct tk_str x = tk_vc_trim(a), y = tk_vc_trim(b);
    if (plain(x) && plain(y))
        return tk_vc_fields_cmp(x, y);
    return tk_vc_dotted_cmp(a, b);
}

bool tk_vc_ext_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    if (!tk_vc_fields_exact(s, ".", 1, 4, true))
        return false;
    bool nonzero = false;
    for (size_t i = 0; i < s.n;) {
        size_t e = tk_vc_digits_end(s, i);
        if (tk_vc_numcmp(tk_vc_sub(s, i, e), TK_STR_LIT("65535")) > 0)
            return false;
        nonzero |= s.p[i] != '0';
        i = e + 1;
    }
    return nonzero;
}
