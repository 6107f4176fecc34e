/* ioc.h - indicators of compromise: file hashes, file-name patterns and C2 addresses.
 *
 * Formats are the ones LOKI and THOR read, so existing IOC collections (signature-base's
 * iocs/) load unchanged; a file's kind comes from its name as THOR decides it (a whole-word
 * tag: "hash"/"hashes", "filename"/"filenames", "c2"/"domains", so my-c2-iocs.txt is a C2 list
 * and myc2iocs.txt is not), and *.json files are STIX 2.1 bundles:
 *
 *   hash      HASH;COMMENT  or  HASH;SCORE;COMMENT   MD5, SHA-1 or SHA-256 by length;
 *             the score column counts only when it is all digits (default 100)
 *   filename  REGEX;SCORE[;FALSE_POSITIVE_REGEX]     searched in the full path; an entry
 *             without regex metacharacters matches case-insensitively; Windows separators
 *             (\\) also match '/' so lists written for Windows work on mounted images;
 *             scores may be negative and all hits on one path are summed (THOR's rule)
 *   c2        IOC[;SCORE]                             an IP address, a CIDR range or a
 *             domain (which also matches its subdomains); default score 100
 *
 * In every format '#' starts a comment line, and the last comment above an entry is its
 * description. Lines that do not parse are skipped and reported as warnings naming file
 * and line; loading continues. Hashes of the empty file and of files holding only a line
 * break are ignored, as LOKI does (they would match thousands of harmless files).
 *
 * STIX 2.1: indicators whose pattern is one comparison or an OR of comparisons on
 * file:hashes.(MD5|'SHA-1'|'SHA-256'), file:name, domain-name:value, ipv4-addr:value,
 * ipv6-addr:value or url:value (its host becomes a C2 IOC); other patterns are counted as
 * unsupported. The score is the indicator's confidence when given, else the default. */
#ifndef TK_SCAN_IOC_H
#define TK_SCAN_IOC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/err.h"

enum tk_ioc_kind { TK_IOC_HASH, TK_IOC_FILENAME, TK_IOC_C2 };

struct tk_ioc {
    enum tk_ioc_kind kind;
    const char *value;       /* the hash, regex, address, range or domain as written */
    const char *description; /* NULL when none */
    const char *source;      /* "FILE:LINE" */
    int score;
};

struct tk_iocs;

struct tk_ioc_counts {
    size_t hashes, filenames, c2, unsupported, warnings;
};

/* *out is freed with tk_iocs_free. warnings (may be NULL) receives one line per skipped
 * entry, at most 100 lines. */
int tk_iocs_new(struct tk_iocs **out, struct tk_buf *warnings, struct tk_err *err);
void tk_iocs_free(struct tk_iocs *s);

/* The IOC lists built into tenken (data/iocs/). */
int tk_iocs_load_builtin(struct tk_iocs *s, struct tk_err *err);
/* A file (kind by name) or a directory of them (not recursive). TK_EINVAL for a file whose
 * name says no kind. */
int tk_iocs_load_path(struct tk_iocs *s, const char *path, struct tk_err *err);
/* Text of one list of the given kind (name is used in sources and messages). */
int tk_iocs_load_text(struct tk_iocs *s, enum tk_ioc_kind kind, const char *name,
                      const char *text, size_t n, struct tk_err *err);
/* A STIX 2.1 bundle. */
int tk_iocs_load_stix(struct tk_iocs *s, const char *name, const char *text, size_t n,
                      struct tk_err *err);

/* The kind a file name says, or -1. */
int tk_ioc_kind_of_name(const char *filename);

struct tk_ioc_counts tk_iocs_counts(const struct tk_iocs *s);
/* A SHA-256 over every loaded entry, for the re-scan cache. Borrowed. */
const char *tk_iocs_hash(struct tk_iocs *s);

/* ---- lookups (thread-safe once loading is done) ------------------------------------------ */

/* The hash IOC for a lower-case hex digest of 32, 40 or 64 digits, or NULL. */
const struct tk_ioc *tk_iocs_find_hash(const struct tk_iocs *s, const char *hex);

/* Filename IOCs matching path (their false-positive regex not matching), at most max of
 * them into hits; returns how many matched. scratch is per thread (tk_ioc_scratch_new). */
struct tk_ioc_scratch;
struct tk_ioc_scratch *tk_ioc_scratch_new(const struct tk_iocs *s);
/* The same without the literal prefilter, every pattern run on every path: for tests that
 * check the prefilter changes nothing, and for measuring what it saves. */
struct tk_ioc_scratch *tk_ioc_scratch_new_unfiltered(const struct tk_iocs *s);
void tk_ioc_scratch_free(struct tk_ioc_scratch *x);
size_t tk_iocs_match_filename(const struct tk_iocs *s, struct tk_ioc_scratch *x,
                              const char *path, const struct tk_ioc **hits, size_t max);

/* The C2 IOC for an address (exact or within a range) or a domain name (itself or a parent
 * domain; case-insensitive, a trailing dot ignored), or NULL. */
const struct tk_ioc *tk_iocs_find_ip(const struct tk_iocs *s, const struct tk_ip *ip);
const struct tk_ioc *tk_iocs_find_domain(const struct tk_iocs *s, const char *domain);

#endif
