/* token.h - enrollment tokens and API keys: random, shown once, stored only as a hash.
 *
 * A token is "tk" followed by a kind letter ('e' enrollment, 'a' analyst), '_' and 43
 * base64url characters (32 random bytes), so it is recognisable in a leaked log and never
 * ambiguous to copy. The store keeps the SHA-256 of the whole token as lower-case hex. */
#ifndef TK_STORE_TOKEN_H
#define TK_STORE_TOKEN_H

#include <stdbool.h>

#define TK_TOKEN_LEN 47       /* "tke_" + 43 */
#define TK_TOKEN_HASH_LEN 64

/* 0 or TK_EIO when no random bytes could be read. */
int tk_token_new(char kind, char out[TK_TOKEN_LEN + 1]);
/* Whether s has a token's shape (checked before hashing what a client sent). */
bool tk_token_valid(const char *s);
void tk_token_hash(const char *token, char out[TK_TOKEN_HASH_LEN + 1]);

#endif
