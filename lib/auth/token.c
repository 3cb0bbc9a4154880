#include <sodium.h>
#include <string.h>

#include "token.h"

#define TOKEN_BYTES 32

void kp_token_new(char out[KP_TOKEN_TEXT])
{
    unsigned char raw[TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, KP_TOKEN_TEXT, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

bool kp_token_hash(const char *token, char out[KP_TOKEN_HASH])
{
    unsigned char raw[TOKEN_BYTES];
    size_t len;
    if (strlen(token) != KP_TOKEN_TEXT - 1 ||
        sodium_base642bin(raw, sizeof raw, token, KP_TOKEN_TEXT - 1, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != TOKEN_BYTES)
        return false;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, KP_TOKEN_TEXT - 1);
    sodium_bin2hex(out, KP_TOKEN_HASH, h, sizeof h);
    return true;
}

bool kp_token_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return sodium_memcmp(a, b, la) == 0;
}
