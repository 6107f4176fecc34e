/* fuzz_form.c - form bodies (core/form.h): any bytes, any name. Decoding never grows the
 * text, a name that is not in the body yields nothing, and a value encoded the way browsers
 * do decodes back to itself. */
#include <string.h>

#include "core/form.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    static const char *const names[] = { "csrf", "note", "reasons", "", "a" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        struct tk_buf out = TK_BUF_INIT(1 << 20);
        bool any = tk_form_values(body, size, names[i], ',', &out);
        FUZZ_CHECK(out.len <= size);
        FUZZ_CHECK(any || out.len == 0);
        tk_buf_release(&out);
    }
    /* the input as a value: percent-encode every byte, decode, compare */
    struct tk_buf enc = TK_BUF_INIT(1 << 22), dec = TK_BUF_INIT(1 << 20);
    tk_buf_adds(&enc, "x=1&v=");
    for (size_t i = 0; i < size && i < 65536; i++)
        tk_buf_addf(&enc, "%%%02X", data[i]);
    tk_buf_adds(&enc, "&y=2");
    FUZZ_CHECK(tk_form_values(enc.ptr, enc.len, "v", 0, &dec));
    FUZZ_CHECK(dec.len == (size < 65536 ? size : 65536));
    FUZZ_CHECK(dec.len == 0 || memcmp(dec.ptr, data, dec.len) == 0);
    tk_buf_release(&enc);
    tk_buf_release(&dec);
    return 0;
}
