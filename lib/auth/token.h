/* Session tokens: 32 random bytes, given to the client base64url-encoded and
 * kept on the server only as their SHA-256. */
#ifndef KP_TOKEN_H
#define KP_TOKEN_H

#include <stdbool.h>

#define KP_TOKEN_TEXT 44   /* 43 base64url characters and a NUL */
#define KP_TOKEN_HASH 65   /* 64 hex characters and a NUL */

/* A fresh token (for a session, or a CSRF token). */
void kp_token_new(char out[KP_TOKEN_TEXT]);

/* The hex SHA-256 of a token as the client sent it.  false if the text is
 * not a well-formed token (so nothing else is looked up). */
bool kp_token_hash(const char *token, char out[KP_TOKEN_HASH]);

/* Constant-time comparison of two NUL-terminated strings. */
bool kp_token_equal(const char *a, const char *b);

#endif
