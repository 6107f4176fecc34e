/* vercmp_int.h - inside the version comparators: the per-scheme functions that vercmp.c's
 * scheme table points to, and the small pieces several schemes share (numeric runs, natural
 * order, numeric field lists). Not for use outside src/kb/vercmp*.c and vrange.c.
 *
 * Every *_cmp here returns a negative, zero or positive int and is total on any bytes. */
#ifndef TK_KB_VERCMP_INT_H
#define TK_KB_VERCMP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

/* ASCII only, whatever the locale: version rules are byte rules. */
static inline bool tk_vc_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}
static inline bool tk_vc_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline bool tk_vc_alnum(unsigned char c)
{
    return tk_vc_digit(c) || tk_vc_alpha(c);
}
static inline struct tk_str tk_vc_sub(struct tk_str s, size_t from, size_t to)
{
    return (struct tk_str){ s.p + from, to - from };
}

/* End of the run of digits (resp. letters) starting at i; i when there is none. */
size_t tk_vc_digits_end(struct tk_str s, size_t i);
size_t tk_vc_alpha_end(struct tk_str s, size_t i);

/* Drops spaces and tabs at both ends. */
struct tk_str tk_vc_trim(struct tk_str s);

/* Compares two runs of digits as numbers of any length (leading zeros ignored, empty = 0). */
int tk_vc_numcmp(struct tk_str a, struct tk_str b);

/* Byte-wise (unsigned), a prefix before the longer string. */
int tk_vc_bytecmp(struct tk_str a, struct tk_str b);

/* Natural order: both strings are cut into maximal runs of digits and of other bytes and
 * compared run by run: digit runs as numbers, other runs byte-wise, a digit run before an
 * other run, and a string that runs out first sorts first. */
int tk_vc_natcmp(struct tk_str a, struct tk_str b);

/* Length of the leading numeric field list N(sN)* of s, where s is a separator from seps;
 * a separator belongs to it only when a digit follows. 0 when s does not start with one. */
size_t tk_vc_fields_len(struct tk_str s, const char *seps);

/* Compares two numeric field lists (as measured by tk_vc_fields_len) field by field; a
 * missing field counts as 0, so "1.0" equals "1" and "1.0.0". */
int tk_vc_fields_cmp(struct tk_str a, struct tk_str b);

/* True when s (untrimmed) is exactly a numeric field list N(sN)* with nmin..nmax fields;
 * with no_zeros, no field has a leading zero. */
bool tk_vc_fields_exact(struct tk_str s, const char *seps, int nmin, int nmax, bool no_zeros);

/* The schemes (vercmp_<scheme>.c). */
int tk_vc_dpkg_cmp(struct tk_str a, struct tk_str b);
bool tk_vc_dpkg_valid(struct tk_str v);

int tk_vc_rpm_cmp(struct tk_str a, struct tk_str b);
/* rpm's dependency-range rule: the release takes part only when both sides have one. */
int tk_vc_rpm_cmp_bound(struct tk_str a, struct tk_str b);
bool tk_vc_rpm_valid(struct tk_str v);

int tk_vc_semver_cmp(struct tk_str a, struct tk_str b);
bool tk_vc_semver_valid(struct tk_str v);

int tk_vc_dotted_cmp(struct tk_str a, struct tk_str b);
bool tk_vc_dotted_valid(struct tk_str v);

int tk_vc_ext_cmp(struct tk_str a, struct tk_str b);
bool tk_vc_ext_valid(struct tk_str v);

int tk_vc_panos_cmp(struct tk_str a, struct tk_str b);
bool tk_vc_panos_valid(struct tk_str v);
int tk_vc_ivanti_cmp(struct tk_str a, struct tk_str b);
bool tk_vc_ivanti_valid(struct tk_str v);
int tk_vc_netscaler_cmp(struct tk_str a, struct tk_str b);
bool tk_vc_netscaler_valid(struct tk_str v);
bool tk_vc_cisco_asa_valid(struct tk_str v);
int tk_vc_checkpoint_cmp(struct tk_str a, struct tk_str b);
bool tk_vc_checkpoint_valid(struct tk_str v);
int tk_vc_junos_cmp(struct tk_str a, struct tk_str b);
bool tk_vc_junos_valid(struct tk_str v);
bool tk_vc_sophos_utm_valid(struct tk_str v);

#endif
