/* name.h - domain names as feeds and users give them: normalised to lower-case ASCII (IDNA
 * 2008 punycode for Unicode labels, libidn2), checked label by label, and split by the Public
 * Suffix List (libpsl) into the part a registrant chose and the suffix a registry sells. The
 * common ground of `tenken domains permute` and `watch`. */
#ifndef TK_DOMAINS_NAME_H
#define TK_DOMAINS_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define TK_DNAME_MAX 253 /* characters of a name in ASCII form, without the final dot */

struct tk_dname {
    char ascii[TK_DNAME_MAX + 1];       /* "login.xn--zm-fmca.us" */
    char unicode[4 * TK_DNAME_MAX + 1]; /* "login.zооm.us" (UTF-8), for display and skeletons */
    /* offsets into ascii: the registrable domain ("xn--zm-fmca.us") starts at reg, its first
     * label ("xn--zm-fmca") is [reg, reg + label_len), the public suffix ("us") starts at
     * suffix; reg is 0 for a name without subdomains. A name that is itself a public suffix
     * (or not under any) has no registrable part: reg = suffix = 0, label_len = 0. */
    size_t reg, label_len, suffix;
};

/* Parses one name (n bytes of s): surrounding blanks, a leading "*." and a final dot are
 * dropped, Unicode is converted to punycode, ASCII is lower-cased; every label must be 1..63
 * letters, digits or hyphens not at either end, the name 1..253 characters with at least two
 * labels. 0, or TK_EPARSE / TK_ELIMIT with err saying why (without the input: callers name
 * it and its position). */
int tk_dname_parse(struct tk_dname *d, const char *s, size_t n, struct tk_err *err);

/* Builds the name label + "." + suffix of another name (tld-swap and the like) into d;
 * the same checks as tk_dname_parse. */
int tk_dname_join(struct tk_dname *d, const char *label, size_t n, const char *suffix,
                  struct tk_err *err);

/* The registrable label as a string (into out, cap bytes), in ASCII or Unicode form. */
const char *tk_dname_label(const struct tk_dname *d, bool unicode, char *out, size_t cap);

#endif
