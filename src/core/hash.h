/* hash.h - message digests (through libcrypto) in the forms tenken stores: lowercase hex. */
#ifndef TK_CORE_HASH_H
#define TK_CORE_HASH_H

#include <stddef.h>

#define TK_SHA256_HEX_LEN 64

/* out receives 64 hex digits and a NUL. Returns 0 or TK_EIO. */
int tk_sha256_hex(const void *data, size_t n, char out[TK_SHA256_HEX_LEN + 1]);
int tk_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n,
                       char out[TK_SHA256_HEX_LEN + 1]);

void tk_hex_encode(const unsigned char *in, size_t n, char *out); /* out: 2n+1 bytes */

/* MD5, SHA-1 and SHA-256 of one stream at once: what the file scan records for every file
 * and matches hash IOCs against. Reusable: tk_hash3_start begins a new stream. */
struct tk_hash3 {
    void *ctx[3]; /* EVP_MD_CTX: md5, sha1, sha256 */
};
struct tk_digests {
    char md5[33], sha1[41], sha256[TK_SHA256_HEX_LEN + 1];
};
int tk_hash3_init(struct tk_hash3 *h); /* 0 or TK_ENOMEM */
int tk_hash3_start(struct tk_hash3 *h);
void tk_hash3_update(struct tk_hash3 *h, const void *data, size_t n);
int tk_hash3_final(struct tk_hash3 *h, struct tk_digests *out);
void tk_hash3_release(struct tk_hash3 *h);
/* One shot. */
int tk_hash3(const void *data, size_t n, struct tk_digests *out);

#endif
