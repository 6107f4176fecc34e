/* rules.h - YARA rule sets: compiled once at start, shared read-only by every scanner.
 *
 * A rule set is tenken's built-in rules (data/rules/, embedded at build time) and/or what
 * the user gives with --rules: .yar/.yara source files (each in its own namespace, named after
 * the file, so two sets may reuse a rule name) or one file compiled by yarac. Compile errors
 * come back as "FILE:LINE: message", every one of them, not just the first.
 *
 * External variables are defined as THOR defines them, so community rule sets written for
 * THOR or LOKI (signature-base) compile and behave unmodified:
 *   filename   bare file name ("cmd.exe")
 *   filepath   directory part, no trailing separator ("/var/log"; "/" for files in /)
 *   extension  lower-case with the dot (".exe"; "" when none)
 *   filetype   magic label (scan/filetype.h: "EXE", "ELF", "PHP", ...)
 *   owner, group  account names (numeric when unknown)
 *   filemode   POSIX mode bits (integer)
 *   md5        lower-case hex (LOKI's legacy external)
 *   timezone, language, osversion (0 outside Windows)
 * Process scans set filename/filepath to the executable's and filetype to "MEMORY".
 *
 * Rule meta the scoring reads: `score` (0..100, default 75), `falsepositive = 1` (subtracts),
 * `type = "file"|"memory"` (restricts), `author`, `reference`, `description` (kept with hits;
 * some rule licences require author and reference to be shown). */
#ifndef TK_SCAN_RULES_H
#define TK_SCAN_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define TK_RULE_DEFAULT_SCORE 75

struct tk_rules;

struct tk_rules_opts {
    bool builtin;              /* include the built-in rules */
    const char *const *paths;  /* --rules FILE|DIR, npaths of them */
    size_t npaths;
    struct tk_buf *errors;     /* may be NULL: receives every compile error, one per line */
};

/* Compiles the rule set. *out is freed with tk_rules_free. TK_EPARSE when a rule file does
 * not compile (err names the first; o->errors lists all), TK_ENOENT/TK_EIO for unreadable
 * paths, TK_EINVAL when there are no rules at all. Initialises libyara (reference-counted). */
int tk_rules_compile(struct tk_rules **out, const struct tk_rules_opts *o, struct tk_err *err);
void tk_rules_free(struct tk_rules *r);

/* Number of rules, and a SHA-256 over everything that decides their results (sources or
 * compiled images, file names, tenken's externals version): equal hashes mean equal verdicts,
 * which is what the re-scan cache keys on. Borrowed, valid until tk_rules_free. */
size_t tk_rules_count(const struct tk_rules *r);
const char *tk_rules_hash(const struct tk_rules *r);

/* ---- scanning ------------------------------------------------------------------------------ */

#define TK_MATCH_MAX_STRINGS 16 /* matched strings kept per rule hit */
#define TK_MATCH_MAX_CONTEXT 64 /* bytes of matched data kept per string, as hex */

struct tk_match_string {
    const char *id;      /* "$a" */
    uint64_t offset;     /* from the start of the file, or the virtual address in a process */
    uint32_t length;     /* of the whole match */
    char hex[2 * TK_MATCH_MAX_CONTEXT + 1]; /* first bytes of the match */
};

struct tk_match {
    const char *rule, *ns;
    const char *tags;    /* space-separated, "" when none */
    const char *author, *reference, *description; /* NULL when absent */
    int score;           /* signed: negative for falsepositive rules */
    size_t nstrings;     /* kept, at most TK_MATCH_MAX_STRINGS */
    size_t total_strings; /* matched in all */
    struct tk_match_string strings[TK_MATCH_MAX_STRINGS];
};

/* What a scanned object looks like to the rules' external variables. */
struct tk_scan_target {
    const char *filename, *filepath, *extension, *filetype, *owner, *group, *md5;
    int64_t filemode;
    bool memory; /* a process: rules with type = "file" are skipped */
};

/* One scanner per thread. Strings in the matches it returns are borrowed from the rules
 * (names, meta) or from the scanner (until the next scan). */
struct tk_scanner;
int tk_scanner_new(struct tk_scanner **out, const struct tk_rules *r, int timeout_s,
                   struct tk_err *err);
void tk_scanner_free(struct tk_scanner *s);

/* Scans a buffer (a file read into memory). Returns the number of matching rules (>= 0) and
 * the matches through *m (borrowed until the next scan), or TK_ETIMEDOUT / TK_EIO with err
 * naming `what`. */
int tk_scanner_scan_mem(struct tk_scanner *s, const struct tk_scan_target *t,
                        const unsigned char *data, size_t n, const char *what,
                        const struct tk_match **m, struct tk_err *err);

/* A source of memory blocks (a process's address space): first/next fill *base, *size and
 * return 0, or return 1 at the end; fetch returns the block's bytes (NULL when unreadable:
 * the block is skipped). */
struct tk_blocks {
    void *ud;
    int (*first)(void *ud, uint64_t *base, size_t *size);
    int (*next)(void *ud, uint64_t *base, size_t *size);
    const unsigned char *(*fetch)(void *ud, uint64_t base, size_t size);
};
int tk_scanner_scan_blocks(struct tk_scanner *s, const struct tk_scan_target *t,
                           const struct tk_blocks *blocks, const char *what,
                           const struct tk_match **m, struct tk_err *err);

#endif
