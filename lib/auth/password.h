/* Passwords: argon2id through libsodium's crypto_pwhash_str, never stored
 * or logged in the clear. */
#ifndef KP_PASSWORD_H
#define KP_PASSWORD_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define KP_PASSWORD_MIN 12    /* characters (code points) */
#define KP_PASSWORD_MAX 128
#define KP_PWHASH_LEN crypto_pwhash_STRBYTES

struct kp_pwcost {
    unsigned long long ops;   /* at least crypto_pwhash_OPSLIMIT_INTERACTIVE */
    size_t mem;               /* bytes, at least crypto_pwhash_MEMLIMIT_INTERACTIVE */
};

/* Whether a new password is acceptable for the account `username` (NULL:
 * none yet): valid UTF-8 of 12–128 characters, no control characters, and
 * strong enough for libpwquality (pwcheck.h: no dictionary word, nothing
 * simple or systematic, not the username).  On false `why` holds a Chinese
 * sentence for the user. */
bool kp_password_acceptable(const char *password, const char *username, char *why, size_t why_len);

/* Hashes into out (KP_PWHASH_LEN bytes, NUL-terminated).  KP_E_NOMEM when
 * the memory cost cannot be had. */
enum kp_err kp_password_hash(const char *password, const struct kp_pwcost *cost,
                             char out[KP_PWHASH_LEN]);

/* Whether password matches the stored hash.  Takes the same time for any
 * wrong password. */
bool kp_password_verify(const char *stored, const char *password);

/* A random password for an account handed over out of band: 16 characters
 * from an alphabet without look-alikes, at least one digit, and one that
 * kp_password_acceptable takes.  out: 17 bytes. */
void kp_password_random(char out[17]);

#endif
