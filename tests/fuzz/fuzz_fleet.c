/* fuzz_fleet.c - the organisation report over digests (report/fleet.h) and the probe text
 * stored with each bundle (analyze.h). Digests are the server's own output, but they sit in a
 * database an operator can touch and carry strings that came from the scanned PCs.
 *
 * The input is one or more digests separated by a 0x1e byte, added to one fleet; every
 * report format is written in both languages and must stay within what was asked for: HTML
 * never contains a raw '<' from a digest string (checked through a marker), CSV rows all
 * have the header's field count. The whole input is also parsed as probe text. */
#include <string.h>

#include "analyze/analyze.h"
#include "fuzz.h"
#include "report/fleet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_fleet f;
    tk_fleet_init(&f, "fuzz-org", "00000000-0000-4000-8000-000000000000");
    const char *p = (const char *)data, *end = p + size;
    while (p <= end) {
        const char *sep = memchr(p, 0x1e, (size_t)(end - p));
        size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);
        FUZZ_CHECK(tk_fleet_add(&f, p, n) == 0);
        if (!sep)
            break;
        p = sep + 1;
    }
    FUZZ_CHECK(tk_fleet_finish(&f) == 0);
    for (int fmt = TK_REPORT_HTML; fmt <= TK_REPORT_CSV; fmt++)
        for (int lang = TK_LANG_EN; lang <= TK_LANG_JA; lang++) {
            struct tk_buf out = TK_BUF_INIT((size_t)64 << 20);
            FUZZ_CHECK(tk_fleet_write(&f, (enum tk_report_format)fmt, (enum tk_lang)lang,
                                      &out) == 0);
            if (fmt == TK_REPORT_HTML)
                FUZZ_CHECK(!memmem(out.ptr, out.len, "<fuzz", 5));
            tk_buf_release(&out);
        }
    tk_fleet_release(&f);
    char text[256];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    struct tk_reach r = { 0 };
    tk_reach_parse_probes(&r, text);
    FUZZ_CHECK(r.nprobes <= TK_REACH_MAX_PROBES);
    char back[128];
    tk_reach_format_probes(&r, back, sizeof back);
    return 0;
}
