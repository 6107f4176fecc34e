/* hash.c - digests over libcrypto: SHA-256, HMAC-SHA-256, and the three file digests. */
#include "core/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/err.h"

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

static const EVP_MD *hash3_md(int i)
{
    return i == 0 ? EVP_md5() : i == 1 ? EVP_sha1() : EVP_sha256();
}

int tk_hash3_init(struct tk_hash3 *h)
{
    *h = (struct tk_hash3){ { NULL } };
    for (int i = 0; i < 3; i++)
        if (!(h->ctx[i] = EVP_MD_CTX_new())) {
            tk_hash3_release(h);
            return TK_ENOMEM;
        }
    return tk_hash3_start(h);
}

int tk_hash3_start(struct tk_hash3 *h)
{
    for (int i = 0; i < 3; i++)
        if (EVP_DigestInit_ex(h->ctx[i], hash3_md(i), NULL) != 1)
            return TK_EIO;
    return 0;
}

void tk_hash3_update(struct tk_hash3 *h, const void *data, size_t n)
{
    for (int i = 0; i < 3; i++)
        EVP_DigestUpdate(h->ctx[i], data, n);
}

int tk_hash3_final(struct tk_hash3 *h, struct tk_digests *out)
{
    char *dst[3] = { out->md5, out->sha1, out->sha256 };
    for (int i = 0; i < 3; i++) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (EVP_DigestFinal_ex(h->ctx[i], md, &len) != 1)
            return TK_EIO;
        tk_hex_encode(md, len, dst[i]);
    }
    return 0;
}

void tk_hash3_release(struct tk_hash3 *h)
{
    for (int i = 0; i < 3; i++) {
        EVP_MD_CTX_free(h->ctx[i]);
        h->ctx[i] = NULL;
    }
}
