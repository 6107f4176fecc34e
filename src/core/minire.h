/* minire.h - a small regular-expression matcher for builds without PCRE2 (tenken.exe): the
 * part of PCRE2's syntax that file-name IOCs and exclusion patterns use, answering only
 * "does the pattern occur in this text". It compiles to a program for a Pike VM (the
 * threads of an NFA run in lock step), so matching takes time linear in the text times the
 * program's length and never backtracks: no pattern can make it slow.
 *
 * Syntax, with PCRE2's meaning (UTF mode): literals (UTF-8 literals are byte sequences);
 * '.' (any character but newline); classes [..] and [^..] with ranges and the escapes
 * below (ASCII members only); escapes \d \D \w \W \s \S (ASCII, as PCRE2 without UCP),
 * \t \n \r \f \e \0 (and up to two octal digits), \xHH, \x{H..}, and '\' before any punctuation; anchors ^ $ \A \z \Z
 * \b \B; groups (..), (?:..), (?<name>..), (?P<name>..); alternation |; quantifiers * + ?
 * {n} {n,} {n,m} (a '{' that starts none of these is a literal, as in PCRE2 10.42), each
 * perhaps lazy ('?' after it: the same answer for a search); (?i) at the very start for
 * case-insensitive matching (ASCII letters, and k and s also as U+212A and U+017F, as PCRE2
 * folds them; non-ASCII literals are refused there). Anything else - back references, lookaround,
 * possessive quantifiers, other inline options, Unicode properties - is refused with the
 * offset of what could not be read, rather than matched differently. Texts are taken to be
 * UTF-8 (Windows paths, converted from UTF-16, are): where PCRE2 (MATCH_INVALID_UTF) never
 * matches across a malformed byte, '.' and negated classes here may. */
#ifndef TK_CORE_MINIRE_H
#define TK_CORE_MINIRE_H

#include <stdbool.h>
#include <stddef.h>

#define TK_MINIRE_MAX_PROG 20000 /* instructions of one compiled pattern */

struct tk_minire;

/* Compiles re (n bytes). caseless: ASCII letters match either case. NULL with *why
 * ("bad escape \\k", …) and *offset set when the pattern is refused or memory runs out. */
struct tk_minire *tk_minire_compile(const char *re, size_t n, bool caseless, const char **why,
                                    size_t *offset);
void tk_minire_free(struct tk_minire *r);

/* The ints of work tk_minire_search needs for r (5 per instruction). */
size_t tk_minire_work(const struct tk_minire *r);

/* Whether the pattern occurs anywhere in text (n bytes): 1 or 0. work holds nwork ints (the
 * threads' lists; TK_ELIMIT when fewer than tk_minire_work(r)), so that searching never
 * allocates and threads each bring their own. */
int tk_minire_search(const struct tk_minire *r, const char *text, size_t n, int *work,
                     size_t nwork);

#endif
