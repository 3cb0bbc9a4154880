/* Ed25519 signing keys in files, outside the database, for signed audit
 * checkpoints (and, later, certificates).  `kpjdd keygen` writes a private
 * key (PKCS#8 PEM, mode 0600) and its public key next to it (FILE.pub,
 * SubjectPublicKeyInfo PEM): the formats openssl reads, so anyone can check
 * a signature without kpjd.  A key is named by its key id: the first 16 hex
 * characters of the SHA-256 of the raw 32-byte public key (API.md). */
#ifndef KP_SIGNING_H
#define KP_SIGNING_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define KP_KEY_ID_LEN   17   /* 16 hex characters and a NUL */
#define KP_SIG_TEXT_LEN 87   /* 64 bytes in base64url without padding, and a NUL */
#define KP_KEYRING_MAX  16   /* the signing key and the retired ones */

struct kp_public_key {
    unsigned char pk[32];
    char id[KP_KEY_ID_LEN];
};

struct kp_signing_key {
    unsigned char sk[64];     /* libsodium's seed || public key */
    struct kp_public_key pub;
};

/* The keys a server knows: one that signs (when configured) and every key
 * whose signatures it still accepts, the signing key's public half first. */
struct kp_keyring {
    bool can_sign;
    struct kp_signing_key signer;
    size_t n;
    struct kp_public_key keys[KP_KEYRING_MAX];
};

/* The key id of a raw public key. */
void kp_key_id(const unsigned char pk[32], char id[KP_KEY_ID_LEN]);

/* Writes a new key to `path` (mode 0600) and its public key to
 * `path`.pub; refuses, writing nothing, when either exists.  `why` says
 * what failed. */
enum kp_err kp_key_generate(const char *path, struct kp_public_key *pub, char *why, size_t why_len);

/* Reads a private key file (PKCS#8 PEM, Ed25519). */
enum kp_err kp_key_load_private(const char *path, struct kp_signing_key *key, char *why,
                                size_t why_len);

/* Reads a public key file (SubjectPublicKeyInfo PEM, Ed25519). */
enum kp_err kp_key_load_public(const char *path, struct kp_public_key *pub, char *why,
                               size_t why_len);

/* Loads `signing_key` (a private key path, "" for none) and `retired`
 * (public key paths separated by white space).  `why` names the file that
 * failed. */
enum kp_err kp_keyring_load(struct kp_keyring *ring, const char *signing_key, const char *retired,
                            char *why, size_t why_len);

/* Wipes the private key from memory. */
void kp_keyring_clear(struct kp_keyring *ring);

/* The known key with this id, or NULL; borrowed from the ring. */
const struct kp_public_key *kp_keyring_find(const struct kp_keyring *ring, const char *key_id);

/* The Ed25519 signature of `msg` as base64url without padding. */
void kp_sign(const struct kp_signing_key *key, const char *msg, size_t len,
             char sig[KP_SIG_TEXT_LEN]);

/* Whether `sig` (base64url, no padding) is pub's signature of msg. */
bool kp_sign_verify(const struct kp_public_key *pub, const char *msg, size_t len, const char *sig);

#endif
