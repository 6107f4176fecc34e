/* fuzz_addr.c - IP address parsing, canonical formatting and classification (core/addr.h).
 *
 * Two round trips: text that parses must format to text that parses back to the same
 * bytes; and any 4 or 16 raw bytes must format to text that parses back to themselves
 * (the formatter is fed addresses the parser would rarely produce, e.g. odd zero runs). */
#include <string.h>

#include "core/addr.h"
#include "fuzz.h"

static void check_format(const struct tk_ip *ip)
{
    char text[TK_IP_STRLEN];
    struct tk_ip back;
    memset(text, 'X', sizeof text);
    tk_ip_format(ip, text);
    size_t n = strnlen(text, sizeof text);
    FUZZ_CHECK(n > 0 && n < sizeof text);
    FUZZ_CHECK(tk_ip_parse((struct tk_str){ text, n }, &back));
    FUZZ_CHECK(back.family == ip->family);
    FUZZ_CHECK(memcmp(back.b, ip->b, ip->family == 4 ? 4 : 16) == 0);

    /* Canonical text is a fixed point. */
    char again[TK_IP_STRLEN];
    tk_ip_format(&back, again);
    FUZZ_CHECK(strcmp(text, again) == 0);

    const char *cls = tk_ip_class(ip);
    FUZZ_CHECK(cls != NULL && *cls);
    (void)tk_ip_class_is_global(cls);
    unsigned max = ip->family == 4 ? 32 : 128;
    for (unsigned plen = 0; plen <= max; plen += 7)
        FUZZ_CHECK(tk_ip_in_prefix(ip, ip, plen));
    FUZZ_CHECK(!tk_ip_in_prefix(ip, ip, max + 1));
    (void)tk_ip_is_unspecified(ip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_ip ip;
    if (tk_ip_parse((struct tk_str){ (const char *)data, size }, &ip)) {
        FUZZ_CHECK(ip.family == 4 || ip.family == 6);
        check_format(&ip);
    }

    /* The same bytes as a raw address: family from the first byte. */
    if (size >= 1) {
        struct tk_ip raw = { .family = (data[0] & 1) ? 6 : 4 };
        size_t want = raw.family == 4 ? 4 : 16, have = size - 1 < want ? size - 1 : want;
        memcpy(raw.b, data + 1, have);
        check_format(&raw);
    }
    return 0;
}
