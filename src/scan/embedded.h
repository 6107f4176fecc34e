/* embedded.h - data files built into the binary (scripts/embed-files.py writes the arrays):
 * the built-in YARA rules (data/rules/) and IOC lists (data/iocs/). */
#ifndef TK_SCAN_EMBEDDED_H
#define TK_SCAN_EMBEDDED_H

#include <stddef.h>

/* The stored bytes are XOR-ed with this key (scripts/embed-files.py), so the rules' strings
 * do not appear in the binary; tk_embedded_text decodes. */
#define TK_EMBED_KEY 0x5A

struct tk_embedded {
    const char *name;          /* path in the source tree, "data/rules/eicar.yar" */
    const unsigned char *data; /* encoded; size bytes and an encoded NUL */
    size_t size;
};

/* The decoded text, NUL-terminated; caller frees with tk_free. NULL when out of memory. */
char *tk_embedded_text(const struct tk_embedded *e);

extern const struct tk_embedded tk_builtin_rules[];
extern const size_t tk_builtin_rules_count;
extern const struct tk_embedded tk_builtin_iocs[];
extern const size_t tk_builtin_iocs_count;
/* data/fingerprints (the attack-surface fingerprints and, under versions/, their tables) */
extern const struct tk_embedded tk_builtin_fingerprints[];
extern const size_t tk_builtin_fingerprints_count;
/* data/domains (the brands and lure keywords `tenken domains watch` uses by default) */
extern const struct tk_embedded tk_builtin_domains[];
extern const size_t tk_builtin_domains_count;

#endif
