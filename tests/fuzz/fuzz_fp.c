/* fuzz_fp.c - the fingerprint file parser and matcher (surface/fp.h).
 *
 * The input is a fingerprint file; a NUL byte in it splits off a version table that comes
 * first ("versions/t.txt", which the file can name with `table t`). When the pair loads,
 * its own test cases run and a fixed observation is identified: hits must be bounded, best
 * first, with their strings in place. A refused input must say which file it was. */
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "surface/fp.h"
#include "surface/obs.h"
#include "fuzz.h"

static void on_case(void *ud, const char *file, const char *name, const char *why)
{
    (void)ud;
    FUZZ_CHECK(file && name && why && why[0]);
}

static void identify(const struct tk_fpdb *db)
{
    static const char raw[] = "HTTP/1.1 200 OK\r\nServer: xxxxxxxx-xxxxx\r\n"
                              "ETag: \"1a2b-5f3e2c10\"\r\nLast-Modified: Tue, 14 Mar 2023 "
                              "08:00:00 GMT\r\nSet-Cookie: SVPNCOOKIE=; path=/\r\n\r\n"
                              "<html><title>Login</title><script src=\"/x.js?v=230314080000\">"
                              "</script></html>";
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_obs o;
    tk_obs_init(&o, &a);
    FUZZ_CHECK(tk_obs_set_ip(&o, TK_STR_LIT("192.0.2.1")));
    o.port = 443;
    struct tk_obs_http *h = tk_obs_http_add(&o, TK_STR_LIT("/"));
    if (h && tk_obs_http_parse_raw(&o, h, (struct tk_str){ raw, sizeof raw - 1 }) == 0) {
        struct tk_fp_hit hits[4];
        size_t n = tk_fp_identify(db, &o, hits, 4);
        FUZZ_CHECK(n <= 4);
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(hits[i].fp && tk_fp_id(hits[i].fp));
            FUZZ_CHECK(hits[i].nversions <= TK_FP_MAX_VERSIONS);
            FUZZ_CHECK(hits[i].nevidence <= TK_FP_MAX_EVIDENCE);
            FUZZ_CHECK(i == 0 || hits[i - 1].score >= hits[i].score);
            for (size_t v = 0; v < hits[i].nversions; v++)
                FUZZ_CHECK(hits[i].versions[v] != NULL);
            FUZZ_CHECK(tk_fp_precision_name(&hits[i]) != NULL);
        }
    }
    tk_arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    const char *names[2] = { "versions/t.txt", "fuzz.txt" };
    const char *texts[2];
    size_t lens[2], n = 1;
    if (nul) {
        texts[0] = text;
        lens[0] = (size_t)(nul - text);
        texts[1] = nul + 1;
        lens[1] = size - lens[0] - 1;
        n = 2;
    } else {
        texts[1] = text;
        lens[1] = size;
    }
    struct tk_fpdb *db = NULL;
    struct tk_err err = { 0 };
    int rc = tk_fpdb_load_texts(&db, names + 2 - n, texts + 2 - n, lens + 2 - n, n, &err);
    if (rc) {
        FUZZ_CHECK(db == NULL);
        FUZZ_CHECK(strstr(err.msg, "fuzz.txt") || strstr(err.msg, "versions/t.txt"));
        return 0;
    }
    size_t ncases = 0;
    size_t failed = tk_fp_check(db, on_case, NULL, &ncases);
    FUZZ_CHECK(failed <= ncases);
    identify(db);
    tk_fpdb_free(db);
    return 0;
}
