/* rules_none.c - the rules interface (rules.h) in a build without libyara (tenken.exe when
 * no mingw build of libyara is at hand). Compiling answers TK_EUNSUPP, so the scan runs its
 * IOC checks without rules and the bundle says that YARA did not run (scan/scan.c). */
#include "scan/rules.h"

int tk_rules_compile(struct tk_rules **out, const struct tk_rules_opts *o, struct tk_err *err)
{
    *out = NULL;
    return tk_err_set(err, TK_EUNSUPP,
                      "this build of tenken has no YARA engine: files and processes were "
                      "checked against IOCs only");
}

void tk_rules_free(struct tk_rules *r)
{
}

size_t tk_rules_count(const struct tk_rules *r)
{
    return 0;
}

const char *tk_rules_hash(const struct tk_rules *r)
{
    return "";
}

int tk_scanner_new(struct tk_scanner **out, const struct tk_rules *r, int timeout_s,
                   struct tk_err *err)
{
    *out = NULL;
    return tk_err_set(err, TK_EUNSUPP, "this build of tenken has no YARA engine");
}

void tk_scanner_free(struct tk_scanner *s)
{
}

int tk_scanner_scan_mem(struct tk_scanner *s, const struct tk_scan_target *t,
                        const unsigned char *data, size_t n, const char *what,
                        const struct tk_match **m, struct tk_err *err)
{
    *m = NULL;
    return 0;
}

int tk_scanner_scan_blocks(struct tk_scanner *s, const struct tk_scan_target *t,
                           const struct tk_blocks *blocks, const char *what,
                           const struct tk_match **m, struct tk_err *err)
{
    *m = NULL;
    return 0;
}
