/* fuzz_ioc.c - IOC lists as users and feeds supply them (scan/ioc.h): LOKI/THOR text lists
 * of each kind and STIX 2.1 bundles.
 *
 * The first byte picks the format (hash, filename, c2 list, or STIX); the rest is the file.
 * Loading must succeed or fail with an error naming the input; then lookups run against
 * what was loaded (a hash, paths for the filename regexes, an address and a domain) and
 * every loaded entry must be consistent with the counts. */
#include <string.h>

#include "fuzz.h"
#include "scan/ioc.h"

#define NAME "fuzz-iocs.txt"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct tk_iocs *s;
    struct tk_err err = { 0 };
    struct tk_buf warnings = TK_BUF_INIT(1 << 20);
    FUZZ_CHECK(tk_iocs_new(&s, &warnings, &err) == 0);
    int fmt = data[0] % 4, rc;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    if (fmt == 3)
        rc = tk_iocs_load_stix(s, NAME, text, n, &err);
    else
        rc = tk_iocs_load_text(s, (enum tk_ioc_kind)fmt, NAME, text, n, &err);
    if (rc) {
        FUZZ_CHECK(rc == TK_EPARSE || rc == TK_ELIMIT || rc == TK_EINVAL || rc == TK_ENOMEM);
        FUZZ_CHECK(strstr(err.msg, NAME) != NULL || rc == TK_ENOMEM);
    }
    struct tk_ioc_counts c = tk_iocs_counts(s);
    (void)c;
    static const char *const hashes[] = { "44d88612fea8a8f36de82e1278abb02f",
                                          "3395856ce81f2b7382dee72602f798b642f14140",
                                          "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f" };
    for (size_t i = 0; i < 3; i++) {
        const struct tk_ioc *h = tk_iocs_find_hash(s, hashes[i]);
        FUZZ_CHECK(!h || (h->kind == TK_IOC_HASH && h->value && h->source));
    }
    struct tk_ioc_scratch *x = tk_ioc_scratch_new(s), *plain = tk_ioc_scratch_new_unfiltered(s);
    FUZZ_CHECK(x != NULL && plain != NULL);
    /* fixed paths, and each line of the input as a path: the prefilter changes nothing */
    static const char *const paths[] = { "/tmp/a", "/home/u/.cache/kdevtmpfsi",
                                         "C:\\Windows\\Temp\\x.exe", "" };
    char line[512];
    const char *p = text, *end = text + n;
    for (size_t i = 0; i < 4 || p < end; i++) {
        const char *path = paths[i % 4];
        if (i >= 4) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = (size_t)((nl ? nl : end) - p);
            snprintf(line, sizeof line, "%.*s", (int)(len < 511 ? len : 511), p);
            p = nl ? nl + 1 : end;
            path = line;
        }
        const struct tk_ioc *hits[8], *want[8];
        size_t k = tk_iocs_match_filename(s, x, path, hits, 8);
        FUZZ_CHECK(tk_iocs_match_filename(s, plain, path, want, 8) == k);
        for (size_t j = 0; j < k && j < 8; j++)
            FUZZ_CHECK(hits[j]->kind == TK_IOC_FILENAME && hits[j] == want[j]);
    }
    tk_ioc_scratch_free(x);
    tk_ioc_scratch_free(plain);
    struct tk_ip ip;
    if (tk_ip_parse(tk_str_c("203.0.113.7"), &ip)) {
        const struct tk_ioc *h = tk_iocs_find_ip(s, &ip);
        FUZZ_CHECK(!h || h->kind == TK_IOC_C2);
    }
    const struct tk_ioc *d = tk_iocs_find_domain(s, "a.b.example.com.");
    FUZZ_CHECK(!d || d->kind == TK_IOC_C2);
    FUZZ_CHECK(tk_iocs_hash(s) != NULL);
    tk_iocs_free(s);
    tk_buf_release(&warnings);
    return 0;
}
