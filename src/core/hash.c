/* hash.c - SHA-256 and HMAC-SHA-256 over libcrypto's one-shot interfaces. */
#include "core/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/err.h"

void tk_hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int tk_sha256_hex(const void *data, size_t n, char out[TK_SHA256_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) || len != 32)
        return TK_EIO;
    tk_hex_encode(md, 32, out);
    return 0;
}

int tk_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n,
                       char out[TK_SHA256_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (keylen > 0x7fffffff ||
        !HMAC(EVP_sha256(), key, (int)keylen, data, n, md, &len) || len != 32)
        return TK_EIO;
    tk_hex_encode(md, 32, out);
    return 0;
}
