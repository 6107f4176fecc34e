/* hash_win.c - core/hash.h on Windows through CNG (bcrypt.dll) instead of libcrypto: SHA-256,
 * HMAC-SHA-256 and the three file digests, as the same lowercase hex. Algorithm providers are
 * opened once per process (opening one is slow, and a provider handle may be shared by any
 * number of threads); the file digests use reusable hash objects, so hashing another file
 * allocates nothing. */
#include "core/hash.h"

#include <stdbool.h>
#include <stdint.h>
#include <windows.h> /* before bcrypt.h, which needs its types */
#include <bcrypt.h>

#include "core/err.h"

#ifndef BCRYPT_SUCCESS
#define BCRYPT_SUCCESS(status) ((NTSTATUS)(status) >= 0)
#endif

enum { ALG_MD5, ALG_SHA1, ALG_SHA256, ALG_HMAC_SHA256, ALG_COUNT };

static const ULONG digest_len[ALG_COUNT] = { 16, 20, 32, 32 };

/* Filled once by open_providers and only read after; closed when the process ends. */
static INIT_ONCE providers_once = INIT_ONCE_STATIC_INIT;
static BCRYPT_ALG_HANDLE providers[ALG_COUNT];

static BOOL CALLBACK open_providers(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    static const struct {
        const wchar_t *id;
        ULONG flags;
    } algs[ALG_COUNT] = {
        { BCRYPT_MD5_ALGORITHM, 0 },
        { BCRYPT_SHA1_ALGORITHM, 0 },
        { BCRYPT_SHA256_ALGORITHM, 0 },
        { BCRYPT_SHA256_ALGORITHM, BCRYPT_ALG_HANDLE_HMAC_FLAG },
    };
    for (int i = 0; i < ALG_COUNT; i++) {
        if (!BCRYPT_SUCCESS(
                BCryptOpenAlgorithmProvider(&providers[i], algs[i].id, NULL, algs[i].flags))) {
            while (i-- > 0) {
                BCryptCloseAlgorithmProvider(providers[i], 0);
                providers[i] = NULL;
            }
            return FALSE; /* InitOnceExecuteOnce tries again next time */
        }
    }
    return TRUE;
}

static BCRYPT_ALG_HANDLE provider(int alg)
{
    return InitOnceExecuteOnce(&providers_once, open_providers, NULL, NULL) ? providers[alg] : NULL;
}

/* Feeds n bytes in pieces BCryptHashData's ULONG length can take. */
static bool feed(BCRYPT_HASH_HANDLE h, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n) {
        ULONG k = n > 0x40000000 ? 0x40000000 : (ULONG)n;
        if (!BCRYPT_SUCCESS(BCryptHashData(h, (PUCHAR)p, k, 0)))
            return false;
        p += k;
        n -= k;
    }
    return true;
}

/* One digest (keyed when key is not NULL) of data into md, digest_len[alg] bytes. */
static int digest(int alg, const void *key, size_t keylen, const void *data, size_t n,
                  unsigned char *md)
{
    BCRYPT_ALG_HANDLE a = provider(alg);
    BCRYPT_HASH_HANDLE h = NULL;
    if (!a || keylen > 0x7fffffff ||
        !BCRYPT_SUCCESS(BCryptCreateHash(a, &h, NULL, 0, (PUCHAR)key, (ULONG)keylen, 0)))
        return TK_EIO;
    bool ok = feed(h, data, n) && BCRYPT_SUCCESS(BCryptFinishHash(h, md, digest_len[alg], 0));
    BCryptDestroyHash(h);
    return ok ? 0 : TK_EIO;
}

int tk_sha256_hex(const void *data, size_t n, char out[TK_SHA256_HEX_LEN + 1])
{
    unsigned char md[32];
    int rc = digest(ALG_SHA256, NULL, 0, data, n, md);
    if (!rc)
        tk_hex_encode(md, sizeof md, out);
    return rc;
}

int tk_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n,
                       char out[TK_SHA256_HEX_LEN + 1])
{
    unsigned char md[32];
    /* CNG takes an empty HMAC key only as a non-NULL pointer. */
    int rc = digest(ALG_HMAC_SHA256, key ? key : "", keylen, data, n, md);
    if (!rc)
        tk_hex_encode(md, sizeof md, out);
    return rc;
}

int tk_hash3_init(struct tk_hash3 *h)
{
    *h = (struct tk_hash3){ { NULL } };
    for (int i = 0; i < 3; i++) {
        BCRYPT_ALG_HANDLE a = provider(ALG_MD5 + i);
        BCRYPT_HASH_HANDLE hh = NULL;
        if (!a || !BCRYPT_SUCCESS(
                      BCryptCreateHash(a, &hh, NULL, 0, NULL, 0, BCRYPT_HASH_REUSABLE_FLAG))) {
            tk_hash3_release(h);
            return a ? TK_ENOMEM : TK_EIO;
        }
        h->ctx[i] = hh;
    }
    return 0;
}

int tk_hash3_start(struct tk_hash3 *h)
{
    /* Finishing a reusable hash object is what resets it; whatever was fed since the last
     * final is dropped. */
    unsigned char scratch[32];
    for (int i = 0; i < 3; i++)
        if (!BCRYPT_SUCCESS(BCryptFinishHash(h->ctx[i], scratch, digest_len[ALG_MD5 + i], 0)))
            return TK_EIO;
    return 0;
}

void tk_hash3_update(struct tk_hash3 *h, const void *data, size_t n)
{
    for (int i = 0; i < 3; i++)
        feed(h->ctx[i], data, n);
}

int tk_hash3_final(struct tk_hash3 *h, struct tk_digests *out)
{
    char *dst[3] = { out->md5, out->sha1, out->sha256 };
    for (int i = 0; i < 3; i++) {
        unsigned char md[32];
        ULONG len = digest_len[ALG_MD5 + i];
        if (!BCRYPT_SUCCESS(BCryptFinishHash(h->ctx[i], md, len, 0)))
            return TK_EIO;
        tk_hex_encode(md, len, dst[i]);
    }
    return 0;
}

void tk_hash3_release(struct tk_hash3 *h)
{
    for (int i = 0; i < 3; i++) {
        if (h->ctx[i])
            BCryptDestroyHash(h->ctx[i]);
        h->ctx[i] = NULL;
    }
}
