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

#endif
