/* hash_common.c - the parts of hash.h that do not depend on the digest library (hash.c on
 * libcrypto, hash_win.c on BCrypt): hex encoding and the one-shot tk_hash3. */
#include "core/hash.h"

void tk_hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int tk_hash3(const void *data, size_t n, struct tk_digests *out)
{
    struct tk_hash3 h;
    int rc = tk_hash3_init(&h);
    if (!rc) {
        tk_hash3_update(&h, data, n);
        rc = tk_hash3_final(&h, out);
    }
    tk_hash3_release(&h);
    return rc;
}
