/* fuzz_nsp.c - the nmap-service-probes parser and matcher (surface/nsp.h).
 *
 * The input is a probe file, loaded from memory; when it loads, fixed banners are matched
 * against it with each way of naming the probe. A match must fill bounded, NUL-terminated
 * fields and name a line of the input; no match must leave the result empty; the counters
 * must add up, before and after every regex is compiled. */
#include <string.h>

#include "core/err.h"
#include "core/str.h"
#include "surface/nsp.h"
#include "fuzz.h"

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_result(int rc, const struct tk_nsp_result *r, size_t lines)
{
    static const struct tk_nsp_result zero;
    FUZZ_CHECK(rc == 1 || rc == 0 || rc == TK_ENOENT);
    if (rc != 1) {
        FUZZ_CHECK(memcmp(r, &zero, sizeof zero) == 0);
        return;
    }
    FUZZ_CHECK(terminated(r->service, sizeof r->service) && r->service[0]);
    FUZZ_CHECK(terminated(r->probe, sizeof r->probe) && r->probe[0]);
    FUZZ_CHECK(terminated(r->product, sizeof r->product));
    FUZZ_CHECK(terminated(r->version, sizeof r->version));
    FUZZ_CHECK(terminated(r->info, sizeof r->info));
    FUZZ_CHECK(terminated(r->hostname, sizeof r->hostname));
    FUZZ_CHECK(terminated(r->os, sizeof r->os));
    FUZZ_CHECK(terminated(r->devicetype, sizeof r->devicetype));
    FUZZ_CHECK(r->ncpe >= 0 && r->ncpe <= 3);
    for (int i = 0; i < r->ncpe; i++) {
        FUZZ_CHECK(terminated(r->cpe[i], sizeof r->cpe[i]));
        FUZZ_CHECK(strncmp(r->cpe[i], "cpe:/", 5) == 0);
    }
    FUZZ_CHECK(r->line >= 1 && (size_t)r->line <= lines);
}

static void check_stats(const struct tk_nsp *db, bool all_compiled)
{
    struct tk_nsp_stats st;
    tk_nsp_stats(db, &st);
    FUZZ_CHECK(st.probes >= 1 && st.probes <= TK_NSP_MAX_PROBES);
    FUZZ_CHECK(st.softmatches <= st.matches);
    FUZZ_CHECK(st.compiled + st.skipped <= st.matches);
    FUZZ_CHECK(!all_compiled || st.compiled + st.skipped == st.matches);
    FUZZ_CHECK((st.bad_lines == 0) == (st.first_bad[0] == '\0'));
    FUZZ_CHECK((st.skipped == 0) == (st.first_skipped[0] == '\0'));
    FUZZ_CHECK(st.bad_lines == 0 || strncmp(st.first_bad, "fuzz.nsp:", 9) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_nsp *db = NULL;
    struct tk_err err = { 0 };
    int rc = tk_nsp_load_mem(&db, (const char *)data, size, "fuzz.nsp", &err);
    if (rc) {
        FUZZ_CHECK(db == NULL);
        FUZZ_CHECK(rc == TK_EPARSE || rc == TK_ELIMIT);
        FUZZ_CHECK(strncmp(err.msg, "fuzz.nsp", 8) == 0);
        return 0;
    }
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    check_stats(db, false);

    const struct tk_str banners[] = {
        TK_STR_LIT("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n"),
        TK_STR_LIT("220 (vsFTPd 3.0.3)\r\n"),
        TK_STR_LIT("HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 (Debian)\r\n\r\n"),
        TK_STR_LIT("\0\x01\xff\xfe\x80W\0I\0D\0E\0"),
        TK_STR_LIT(""),
    };
    static const char *const probes[] = { NULL, "NULL", "GetRequest" };
    unsigned port = size ? (unsigned)data[0] * 257u : 80;
    for (size_t b = 0; b < sizeof banners / sizeof banners[0]; b++) {
        for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
            struct tk_nsp_result r;
            rc = tk_nsp_match(db, (const unsigned char *)banners[b].p, banners[b].n, port, "tcp",
                              probes[p], &r, NULL);
            check_result(rc, &r, lines);
        }
        struct tk_nsp_result r;
        rc = tk_nsp_match(db, (const unsigned char *)banners[b].p, banners[b].n, port, "udp", NULL,
                          &r, NULL);
        check_result(rc, &r, lines);
    }
    check_stats(db, false);
    FUZZ_CHECK(tk_nsp_compile_all(db, NULL) == 0);
    check_stats(db, true);
    tk_nsp_free(db);
    return 0;
}
