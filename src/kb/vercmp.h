/* vercmp.h - version comparison for the knowledge base: one comparator per version scheme,
 * and the range expressions data files use ("< 1.2", ">= 1.0, < 1.2", "*").
 *
 * Every comparator is total: any bytes (empty, NUL, invalid UTF-8, free text) compare
 * deterministically, never crash and never allocate, and each scheme is a total preorder
 * (antisymmetric and transitive), so results can also sort and deduplicate. Schemes may call
 * different strings equal ("1.0" and "1.0.0" under dotted). tk_version_valid() tells which
 * strings follow a scheme's grammar; the matcher decides what to do with the others.
 *
 * The rules (vercmp_<scheme>.c; the appliance schemes share vercmp_vendor.c):
 *
 *   dpkg      deb-version(7), exactly as dpkg's verrevcmp: [epoch:]upstream[-revision];
 *             epoch numeric (missing = 0); revision after the last '-' (missing compares
 *             like "0"); in each part '~' sorts before everything, even the end, then the
 *             end, then letters, then other characters; digit runs compare numerically.
 *             Spaces and tabs around the version are ignored, as dpkg does. Bytes >= 0x80
 *             order as dpkg orders them on amd64 (after letters, before ASCII punctuation).
 *             Where dpkg would refuse a version (a non-numeric epoch), the whole string is
 *             compared as the upstream version.
 *   rpm       rpm 4.18's rpmvercmp and rpm.vercmp: [epoch:]version[-release]; alphanumeric
 *             segments, all other characters are equivalent separators; '~' sorts before
 *             everything (pre-release), '^' after the base version but before any further
 *             segment (post-release snapshot); numeric segments beat alphabetic ones; a
 *             missing epoch is 0 and a missing release sorts before any release. Nothing is
 *             trimmed (rpm does not trim either).
 *   semver    SemVer 2.0.0 precedence: MAJOR.MINOR.PATCH[-pre][+build]; a pre-release sorts
 *             before its release; pre-release identifiers compare numerically when numeric,
 *             in ASCII order otherwise, numeric before alphanumeric, more identifiers after
 *             fewer; build metadata is ignored. A leading 'v' is accepted. Leniently, one or
 *             two core fields are accepted ("1.2" = "1.2.0") and leading zeros are allowed;
 *             any other string is not a SemVer version and sorts before every one that is,
 *             byte-wise among themselves.
 *   dotted    dotted numeric and Windows four-part: [v]N(.N)*[suffix]; numeric fields compare
 *             numerically and missing fields count as 0 ("1.0" = "1.0.0"). Then the suffix,
 *             after dropping separators (- . _ + ~ space) in front of it:
 *               - a pre-release tag sorts BEFORE the plain version: dev < alpha = a < beta =
 *                 b < pre = preview = rc, then its number (missing = 0), then the rest, so
 *                 "120.0a1" < "120.0b2" < "120.0b10" < "120.0rc1" < "120.0". A single
 *                 letter a or b counts as a tag only when a digit follows ("1.1.1a" is an
 *                 OpenSSL-style letter release, not an alpha);
 *               - no suffix;
 *               - any other suffix sorts AFTER the plain version and before the next one
 *                 ("115.5.0" < "115.5.0esr" < "115.5.1", "9.2" < "9.2p1"), compared
 *                 naturally: digit runs numerically, other runs byte-wise, digits first.
 *   ext,      Chromium and browser-extension versions: 1 to 4 integers, missing ones are 0.
 *   chromium  Strings outside that grammar compare by the dotted rules (which agree on it).
 *   panos     PAN-OS "10.2.9-h1": the release, then the hotfix; a release without hotfix
 *             sorts before its hotfixes: 10.2.9 < 10.2.9-h1 < 10.2.9-h3 < 10.2.10.
 *   ivanti    Ivanti / Pulse Connect Secure "22.7R2.5" = major.minor R release . build;
 *             missing release or build is 0: 9.1R18 < 9.1R18.2 < 22.7R1 < 22.7R2.5 < 22.7R2.10.
 *   netscaler Citrix NetScaler ADC/Gateway "13.1-49.15": the release, then the build, both
 *             numeric fields: 13.1-49.9 < 13.1-49.15 < 14.1-4.42 ("13.1 build 49.15" also).
 *   checkpoint Check Point "R81.20": the dotted rules after the leading R: R80.40 < R81 <
 *             R81.10 < R81.20.
 *   junos     Juniper "20.4R3-S8", "15.1X49-D211": major.minor, the release type letter
 *             (none first, then by letter) and number, then the service letter and number,
 *             then the rest: 20.4R3 < 20.4R3-S8 < 20.4R3-S10 < 20.4R4. Types of different
 *             letters (R and X trains) order by letter only, which says nothing useful.
 *   vendor schemes without their own comparator (the names exist so data can say what it
 *   means, and a dedicated comparator can replace the mapping later):
 *   fortios   -> dotted ("7.2.5", "v7.4.1 build2463")
 *   bigip     -> dotted ("17.1.0.3", "15.1.10.2")
 *   sonicwall -> dotted: "10.2.1.14-81sv" compares the numeric part, then the "-81sv" build
 *                number (a non-tag suffix, compared naturally: 81sv > 9sv)
 *   cisco-asa -> rpm: "9.16(4)38" is the segments 9 16 4 38, equal to "9.16.4.38", and
 *                "9.16(4)" < "9.16(4)38"
 *   fireware  -> dotted: WatchGuard "12.5.9_U2" (an update suffix after 12.5.9)
 *   zyxel-zld -> dotted: "4.73p1" (a patch suffix after 4.73, before 4.74)
 *   sophos-utm -> netscaler: "9.607-7" is release 9.607, build 7
 *
 * Nothing here allocates or keeps state; all functions are safe to call from any thread. */
#ifndef TK_KB_VERCMP_H
#define TK_KB_VERCMP_H

#include <stdbool.h>

#include "core/err.h"
#include "core/str.h"

/* 0 is dotted, the generic scheme. Names (tk_vscheme_name) are what data files and
 * --scheme use. */
enum tk_vscheme {
    TK_VSCHEME_DOTTED,
    TK_VSCHEME_SEMVER,
    TK_VSCHEME_DPKG,
    TK_VSCHEME_RPM,
    TK_VSCHEME_EXT,
    TK_VSCHEME_CHROMIUM,
    TK_VSCHEME_PANOS,
    TK_VSCHEME_IVANTI,
    TK_VSCHEME_NETSCALER,
    TK_VSCHEME_FORTIOS,
    TK_VSCHEME_BIGIP,
    TK_VSCHEME_CISCO_ASA,
    TK_VSCHEME_SONICWALL,
    TK_VSCHEME_CHECKPOINT,
    TK_VSCHEME_JUNOS,
    TK_VSCHEME_FIREWARE,
    TK_VSCHEME_SOPHOS_UTM,
    TK_VSCHEME_ZYXEL_ZLD,
    TK_VSCHEME_COUNT
};

/* Looks up a scheme by its exact name ("dpkg", "cisco-asa"); 0, or TK_EINVAL when unknown
 * or NULL (*out untouched). */
int tk_vscheme_parse(const char *name, enum tk_vscheme *out);

/* The scheme's name; "unknown" for a value outside the enum. Borrowed, static. */
const char *tk_vscheme_name(enum tk_vscheme s);

/* Compares a and b under scheme s: -1, 0 or 1. Total on any bytes (see the top of this
 * file); a value of s outside the enum compares byte-wise. */
int tk_vercmp(enum tk_vscheme s, struct tk_str a, struct tk_str b);

/* True when v follows the grammar of scheme s:
 *   dpkg     what dpkg accepts without error or warning: digits-only epoch <= INT_MAX,
 *            upstream starting with a digit, of [A-Za-z0-9.+~:-] (':' only with an epoch,
 *            '-' only with a revision), revision of [A-Za-z0-9.+~], no inner blanks
 *   rpm      [digits:]version[-release], version and release non-empty, of [A-Za-z0-9._+~^]
 *   semver   SemVer 2.0.0 exactly (three fields, no leading zeros), optional leading 'v'
 *   dotted   [v]N(.N)* then an optional suffix of [A-Za-z0-9._+~-] (fortios, bigip,
 *            sonicwall: the same)
 *   ext,     Chromium's manifest rule: 1 to 4 integers 0-65535 without leading zeros,
 *   chromium not all zero
 *   panos    N.N.N or N.N.N-hN;  ivanti  N.NRN or N.NRN.N;  netscaler  N.N-N.N
 *   cisco-asa  N.N(N) or N.N(N)N, or dotted numeric N.N.N[.N]
 *   checkpoint RN, RN.N or RN.N.N;  junos  N.NLN[.N][-LN[.N]] (L a capital letter)
 *   fireware, zyxel-zld  as dotted;  sophos-utm  N.N-N or N.N.N-N
 * False for a value of s outside the enum. */
bool tk_version_valid(enum tk_vscheme s, struct tk_str v);

/* ---- range expressions ------------------------------------------------------------- */

enum tk_vop { TK_VOP_LT, TK_VOP_LE, TK_VOP_GT, TK_VOP_GE, TK_VOP_EQ };

struct tk_vbound {
    enum tk_vop op;
    struct tk_str version; /* points into the parsed expression */
};

/* A conjunction of at most two bounds; nbounds == 0 is "*", every version. With two bounds,
 * one is a lower (>, >=) and the other an upper (<, <=) bound, in the order written. */
struct tk_vrange {
    int nbounds;
    struct tk_vbound bound[2];
};

/* Parses "*", or one or two comma-separated bounds "OP VERSION" with OP one of < <= > >= =
 * (blanks around OP, VERSION and the comma are optional; a version is a run of characters
 * other than blanks and commas). "=" stands alone. On success fills *out, whose version
 * slices point into expr's memory: they are valid only as long as that memory is. On error
 * returns TK_EPARSE and err says what was expected at which column, quoting the expression. */
int tk_vrange_parse(struct tk_str expr, struct tk_vrange *out, struct tk_err *err);

/* True when version satisfies every bound of r under scheme s ("*" contains everything,
 * even strings tk_version_valid rejects: callers that care check validity first). For rpm,
 * as in rpm's own dependency ranges, a bound or version without a release is compared on
 * epoch and version only, so "1.2-3.el9" is within "<= 1.2" and "= 1.2". */
bool tk_vrange_contains(enum tk_vscheme s, const struct tk_vrange *r, struct tk_str version);

#endif
