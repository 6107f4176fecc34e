/* token.c - enrollment tokens and API keys (see token.h). */
#include "store/token.h"

#include <string.h>

#include "compat/sys.h"
#include "core/hash.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int tk_token_new(char kind, char out[TK_TOKEN_LEN + 1])
{
    unsigned char r[33];
    int rc = tk_sys_random(r, 32);
    if (rc)
        return rc;
    r[32] = 0;
    out[0] = 't', out[1] = 'k', out[2] = kind, out[3] = '_';
    size_t k = 4;
    /* 32 bytes -> 43 characters: 10 groups of 3 bytes, then 2 bytes (16 bits -> 3 chars) */
    for (size_t i = 0; i < 33 && k < TK_TOKEN_LEN; i += 3) {
        unsigned v = (unsigned)r[i] << 16 | (unsigned)r[i + 1] << 8 | (i + 2 < 33 ? r[i + 2] : 0);
        for (int s = 18; s >= 0 && k < TK_TOKEN_LEN; s -= 6)
            out[k++] = b64url[(v >> s) & 63];
    }
    out[TK_TOKEN_LEN] = '\0';
    return 0;
}

bool tk_token_valid(const char *s)
{
    if (!s || strlen(s) != TK_TOKEN_LEN || s[0] != 't' || s[1] != 'k' ||
        (s[2] != 'e' && s[2] != 'a') || s[3] != '_')
        return false;
    for (size_t i = 4; i < TK_TOKEN_LEN; i++)
        if (!strchr(b64url, s[i]) || !s[i])
            return false;
    return true;
}

void tk_token_hash(const char *token, char out[TK_TOKEN_HASH_LEN + 1])
{
    if (tk_sha256_hex(token, strlen(token), out) != 0)
        memset(out, '0', TK_TOKEN_HASH_LEN), out[TK_TOKEN_HASH_LEN] = '\0';
}
