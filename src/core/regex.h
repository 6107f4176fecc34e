/* regex.h - whether a pattern occurs in a text: PCRE2 (UTF, JIT-compiled where it can be) in
 * builds that have it, core/minire.h in builds without (tenken.exe), which refuses with an
 * offset what it cannot match as PCRE2 would. The one place that picks the engine and its
 * options, for file-name IOCs (scan/ioc.c) and --exclude-regex (scan/exclude.c). */
#ifndef TK_CORE_REGEX_H
#define TK_CORE_REGEX_H

#include <stdbool.h>
#include <stddef.h>

struct tk_regex;
struct tk_regex_scratch;

/* Compiles re (n bytes, UTF-8). caseless: letters match either case. NULL with *offset and
 * why (whylen bytes) saying what was refused, or that memory ran out. */
struct tk_regex *tk_regex_compile(const char *re, size_t n, bool caseless, size_t *offset,
                                  char *why, size_t whylen);
void tk_regex_free(struct tk_regex *r);

/* What a search works in: one per thread, grown to what the patterns it meets need. */
struct tk_regex_scratch *tk_regex_scratch_new(void);
void tk_regex_scratch_free(struct tk_regex_scratch *x);

/* 1 when r occurs in text (n bytes), 0 when not, TK_ENOMEM when x cannot grow to r. */
int tk_regex_search(const struct tk_regex *r, struct tk_regex_scratch *x, const char *text,
                    size_t n);

#endif
