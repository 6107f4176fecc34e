/* addr.c - IP address parsing, formatting and classification by a prefix table. */
#include "core/addr.h"

#include <stdio.h>
#include <string.h>

struct prefix {
    int family;
    unsigned char b[16];
    unsigned len;
    const char *cls;
};

/* Most specific first: the first match wins. Sources: RFC 6890 special-purpose registries
 * (IANA IPv4/IPv6 Special-Purpose Address Registry), RFC 6598 (shared address space),
 * RFC 9637 (IPv6 documentation). */
static const struct prefix prefixes[] = {
    { 4, { 255, 255, 255, 255 }, 32, "broadcast" },
    { 4, { 0, 0, 0, 0 }, 32, "unspecified" },
    { 4, { 0 }, 8, "reserved" },
    { 4, { 10 }, 8, "private" },
    { 4, { 100, 64 }, 10, "cgnat" },
    { 4, { 127 }, 8, "loopback" },
    { 4, { 169, 254 }, 16, "link-local" },
    { 4, { 172, 16 }, 12, "private" },
    { 4, { 192, 0, 0 }, 24, "reserved" },
    { 4, { 192, 0, 2 }, 24, "documentation" },
    { 4, { 192, 168 }, 16, "private" },
    { 4, { 198, 18 }, 15, "benchmark" },
    { 4, { 198, 51, 100 }, 24, "documentation" },
    { 4, { 203, 0, 113 }, 24, "documentation" },
    { 4, { 224 }, 4, "multicast" },
    { 4, { 240 }, 4, "reserved" },
    { 6, { 0 }, 128, "unspecified" },
    { 6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, "loopback" },
    { 6, { 0, 0x64, 0xff, 0x9b }, 96, "nat64" },
    { 6, { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation" },
    { 6, { 0x3f, 0xff }, 20, "documentation" }, /* RFC 9637 */
    { 6, { 0x20, 0x01, 0, 0x02, 0, 0 }, 48, "benchmark" },
    { 6, { 0x20, 0x01, 0, 0 }, 32, "teredo" },
    { 6, { 0x20, 0x02 }, 16, "6to4" },
    { 6, { 0xfe, 0x80 }, 10, "link-local" },
    { 6, { 0xfe, 0xc0 }, 10, "site-local" },
    { 6, { 0xfc }, 7, "ula" },
    { 6, { 0xff }, 8, "multicast" },
    { 6, { 0x20 }, 3, "global-v6" },
};

bool tk_ip_in_prefix(const struct tk_ip *ip, const struct tk_ip *net, unsigned plen)
{
    if (ip->family != net->family || plen > (ip->family == 4 ? 32u : 128u))
        return false;
    unsigned full = plen / 8, rest = plen % 8;
    if (memcmp(ip->b, net->b, full) != 0)
        return false;
    if (rest) {
        unsigned char mask = (unsigned char)(0xFF << (8 - rest));
        if ((ip->b[full] & mask) != (net->b[full] & mask))
            return false;
    }
    return true;
}

const char *tk_ip_class(const struct tk_ip *ip)
{
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (ip->family == 6 && memcmp(ip->b, mapped, 12) == 0) {
        struct tk_ip v4 = { .family = 4 };
        memcpy(v4.b, ip->b + 12, 4);
        return tk_ip_class(&v4);
    }
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        struct tk_ip net = { .family = prefixes[i].family };
        memcpy(net.b, prefixes[i].b, 16);
        if (tk_ip_in_prefix(ip, &net, prefixes[i].len))
            return prefixes[i].cls;
    }
    return ip->family == 4 ? "public" : "reserved";
}

bool tk_ip_class_is_global(const char *cls)
{
    return cls && (strcmp(cls, "public") == 0 || strcmp(cls, "global-v6") == 0 ||
                   strcmp(cls, "6to4") == 0 || strcmp(cls, "teredo") == 0);
}

bool tk_ip_is_unspecified(const struct tk_ip *ip)
{
    static const unsigned char zero[16];
    return memcmp(ip->b, zero, ip->family == 4 ? 4 : 16) == 0;
}

static bool parse_v4(struct tk_str s, unsigned char *out)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
            if (digits && v == 0)
                return false; /* leading zeros are ambiguous (octal in some parsers) */
            v = v * 10 + (unsigned)(s.p[i] - '0');
            if (v > 255)
                return false;
            digits++;
            i++;
        }
        if (!digits)
            return false;
        out[part] = (unsigned char)v;
        if (part < 3) {
            if (i >= s.n || s.p[i] != '.')
                return false;
            i++;
        }
    }
    return i == s.n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool parse_v6(struct tk_str s, unsigned char *out)
{
    unsigned short words[8];
    int n = 0, gap = -1;
    size_t i = 0;
    if (s.n >= 2 && s.p[0] == ':' && s.p[1] == ':') {
        gap = 0;
        i = 2;
        if (i == s.n)
            goto expand;
    } else if (s.n && s.p[0] == ':') {
        return false;
    }
    while (i < s.n) {
        if (n >= 8)
            return false;
        /* An embedded IPv4 tail. */
        size_t j = i;
        while (j < s.n && s.p[j] != ':' && s.p[j] != '.')
            j++;
        if (j < s.n && s.p[j] == '.') {
            unsigned char v4[4];
            if (n > 6 || !parse_v4((struct tk_str){ s.p + i, s.n - i }, v4))
                return false;
            words[n++] = (unsigned short)(v4[0] << 8 | v4[1]);
            words[n++] = (unsigned short)(v4[2] << 8 | v4[3]);
            i = s.n;
            break;
        }
        unsigned v = 0;
        int digits = 0;
        while (i < s.n && hexval(s.p[i]) >= 0) {
            if (++digits > 4)
                return false;
            v = v << 4 | (unsigned)hexval(s.p[i]);
            i++;
        }
        if (!digits)
            return false;
        words[n++] = (unsigned short)v;
        if (i == s.n)
            break;
        if (s.p[i] != ':')
            return false;
        i++;
        if (i < s.n && s.p[i] == ':') {
            if (gap >= 0)
                return false;
            gap = n;
            i++;
            if (i == s.n)
                break;
        } else if (i == s.n) {
            return false; /* trailing single colon */
        }
    }
expand:
    if (gap < 0 && n != 8)
        return false;
    if (gap >= 0 && n > 7)
        return false;
    unsigned short full[8] = { 0 };
    if (gap < 0) {
        memcpy(full, words, sizeof full);
    } else {
        for (int k = 0; k < gap; k++)
            full[k] = words[k];
        int tail = n - gap;
        for (int k = 0; k < tail; k++)
            full[8 - tail + k] = words[gap + k];
    }
    for (int k = 0; k < 8; k++) {
        out[2 * k] = (unsigned char)(full[k] >> 8);
        out[2 * k + 1] = (unsigned char)full[k];
    }
    return true;
}

bool tk_ip_parse(struct tk_str s, struct tk_ip *out)
{
    struct tk_ip ip = { 0 };
    if (s.n == 0 || s.n > 45)
        return false;
    if (memchr(s.p, ':', s.n)) {
        ip.family = 6;
        if (!parse_v6(s, ip.b))
            return false;
    } else {
        ip.family = 4;
        if (!parse_v4(s, ip.b))
            return false;
    }
    *out = ip;
    return true;
}

void tk_ip_format(const struct tk_ip *ip, char *out)
{
    if (ip->family == 4) {
        snprintf(out, TK_IP_STRLEN, "%u.%u.%u.%u", ip->b[0], ip->b[1], ip->b[2], ip->b[3]);
        return;
    }
    unsigned w[8];
    for (int k = 0; k < 8; k++)
        w[k] = (unsigned)(ip->b[2 * k] << 8 | ip->b[2 * k + 1]);
    /* RFC 5952: compress the longest run (first if tied) of two or more zero words. */
    int best = -1, bestlen = 0;
    for (int k = 0; k < 8;) {
        if (w[k]) {
            k++;
            continue;
        }
        int j = k;
        while (j < 8 && !w[j])
            j++;
        if (j - k > bestlen && j - k >= 2) {
            best = k;
            bestlen = j - k;
        }
        k = j;
    }
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    size_t pos = 0;
    out[0] = '\0';
    if (memcmp(ip->b, mapped, 12) == 0) {
        snprintf(out, TK_IP_STRLEN, "::ffff:%u.%u.%u.%u", ip->b[12], ip->b[13], ip->b[14],
                 ip->b[15]);
        return;
    }
    for (int k = 0; k < 8; k++) {
        if (k == best) {
            pos += (size_t)snprintf(out + pos, TK_IP_STRLEN - pos, "::");
            k += bestlen - 1;
            continue;
        }
        bool after_gap = best >= 0 && k == best + bestlen;
        pos += (size_t)snprintf(out + pos, TK_IP_STRLEN - pos, "%s%x",
                                (k == 0 || after_gap) ? "" : ":", w[k]);
    }
}

void tk_ip_unmap(struct tk_ip *ip)
{
    static const unsigned char prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (ip->family == 6 && memcmp(ip->b, prefix, 12) == 0) {
        memmove(ip->b, ip->b + 12, 4);
        memset(ip->b + 4, 0, 12);
        ip->family = 4;
    }
}
