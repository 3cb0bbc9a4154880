#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signing.h"

/* The DER before the 32 key bytes: PKCS#8 PrivateKeyInfo and
 * SubjectPublicKeyInfo for id-Ed25519 (RFC 8410), always these bytes. */
static const unsigned char PRIVATE_PREFIX[16] = {
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
};
static const unsigned char PUBLIC_PREFIX[12] = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
};
#define PRIVATE_LABEL "PRIVATE KEY"
#define PUBLIC_LABEL  "PUBLIC KEY"
#define PEM_MAX 4096   /* bytes of a key file we read; a key is ~120 */

void kp_key_id(const unsigned char pk[32], char id[KP_KEY_ID_LEN])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, 32);
    sodium_bin2hex(id, KP_KEY_ID_LEN, h, (KP_KEY_ID_LEN - 1) / 2);
}

/* "-----BEGIN <label>-----\n<base64>\n-----END <label>-----\n" of prefix||key. */
static int pem(char *out, size_t cap, const char *label, const unsigned char *prefix,
               size_t prefix_len, const unsigned char key[32])
{
    unsigned char der[64];
    memcpy(der, prefix, prefix_len);
    memcpy(der + prefix_len, key, 32);
    char b64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, der, prefix_len + 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(der, sizeof der);
    int n = snprintf(out, cap, "-----BEGIN %s-----\n%s\n-----END %s-----\n", label, b64, label);
    sodium_memzero(b64, sizeof b64);
    return n;
}

/* The key bytes of a PEM block `label` whose DER is prefix||32 bytes. */
static bool pem_key(const char *text, const char *label, const unsigned char *prefix,
                    size_t prefix_len, unsigned char key[32])
{
    char begin[64], end[64];
    snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
    snprintf(end, sizeof end, "-----END %s-----", label);
    const char *b = strstr(text, begin);
    const char *e = b ? strstr(b, end) : NULL;
    if (e == NULL)
        return false;
    b += strlen(begin);
    unsigned char der[128];
    size_t der_len;
    bool ok = sodium_base642bin(der, sizeof der, b, (size_t)(e - b), " \t\r\n", &der_len, NULL,
                                sodium_base64_VARIANT_ORIGINAL) == 0 &&
              der_len == prefix_len + 32 && memcmp(der, prefix, prefix_len) == 0;
    if (ok)
        memcpy(key, der + prefix_len, 32);
    sodium_memzero(der, sizeof der);
    return ok;
}

static bool write_all(int fd, const char *text)
{
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        done += (size_t)w;
    }
    return fsync(fd) == 0;
}

enum kp_err kp_key_generate(const char *path, struct kp_public_key *pub, char *why, size_t why_len)
{
    char pub_path[4096];
    if ((size_t)snprintf(pub_path, sizeof pub_path, "%s.pub", path) >= sizeof pub_path) {
        snprintf(why, why_len, "%s: path too long", path);
        return KP_E_INVAL;
    }
    /* O_EXCL on both before writing anything: an existing key is never replaced. */
    int pub_fd = open(pub_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (pub_fd < 0) {
        snprintf(why, why_len, "%s: %s", pub_path, strerror(errno));
        return KP_E_IO;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        close(pub_fd);
        unlink(pub_path);
        return KP_E_IO;
    }
    unsigned char seed[32], sk[64];
    randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(pub->pk, sk, seed);
    kp_key_id(pub->pk, pub->id);
    char private_pem[256], public_pem[256];
    pem(private_pem, sizeof private_pem, PRIVATE_LABEL, PRIVATE_PREFIX, sizeof PRIVATE_PREFIX, seed);
    pem(public_pem, sizeof public_pem, PUBLIC_LABEL, PUBLIC_PREFIX, sizeof PUBLIC_PREFIX, pub->pk);
    bool ok = fchmod(fd, 0600) == 0 && write_all(fd, private_pem) && write_all(pub_fd, public_pem);
    if (!ok)
        snprintf(why, why_len, "writing %s: %s", path, strerror(errno));
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(private_pem, sizeof private_pem);
    ok = close(fd) == 0 && ok;
    ok = close(pub_fd) == 0 && ok;
    if (!ok) {
        unlink(path);
        unlink(pub_path);
        return KP_E_IO;
    }
    return KP_OK;
}

/* The whole (small) file as a NUL-terminated string. */
static bool read_small(const char *path, char text[PEM_MAX], char *why, size_t why_len)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return false;
    }
    size_t n = fread(text, 1, PEM_MAX - 1, f);
    bool ok = !ferror(f) && feof(f);
    fclose(f);
    text[n] = '\0';
    if (!ok)
        snprintf(why, why_len, "%s: unreadable or larger than %d bytes", path, PEM_MAX - 1);
    return ok;
}

enum kp_err kp_key_load_private(const char *path, struct kp_signing_key *key, char *why,
                                size_t why_len)
{
    char text[PEM_MAX];
    if (!read_small(path, text, why, why_len))
        return KP_E_IO;
    unsigned char seed[32];
    bool ok = pem_key(text, PRIVATE_LABEL, PRIVATE_PREFIX, sizeof PRIVATE_PREFIX, seed);
    sodium_memzero(text, sizeof text);
    if (!ok) {
        snprintf(why, why_len, "%s: not an Ed25519 private key (PKCS#8 PEM, as kpjdd keygen "
                 "writes)", path);
        return KP_E_INVAL;
    }
    crypto_sign_seed_keypair(key->pub.pk, key->sk, seed);
    sodium_memzero(seed, sizeof seed);
    kp_key_id(key->pub.pk, key->pub.id);
    return KP_OK;
}

enum kp_err kp_key_load_public(const char *path, struct kp_public_key *pub, char *why,
                               size_t why_len)
{
    char text[PEM_MAX];
    if (!read_small(path, text, why, why_len))
        return KP_E_IO;
    if (!pem_key(text, PUBLIC_LABEL, PUBLIC_PREFIX, sizeof PUBLIC_PREFIX, pub->pk)) {
        snprintf(why, why_len, "%s: not an Ed25519 public key (PEM, as kpjdd keygen writes to "
                 "FILE.pub)", path);
        return KP_E_INVAL;
    }
    kp_key_id(pub->pk, pub->id);
    return KP_OK;
}

enum kp_err kp_keyring_load(struct kp_keyring *ring, const char *signing_key, const char *retired,
                            char *why, size_t why_len)
{
    memset(ring, 0, sizeof *ring);
    if (*signing_key != '\0') {
        enum kp_err err = kp_key_load_private(signing_key, &ring->signer, why, why_len);
        if (err)
            return err;
        ring->can_sign = true;
        ring->keys[ring->n++] = ring->signer.pub;
    }
    const char *p = retired;
    while (*p != '\0') {          /* bounded: p only moves forward */
        p += strspn(p, " \t");
        size_t len = strcspn(p, " \t");
        if (len == 0)
            break;
        char path[4096];
        if (len >= sizeof path || ring->n == KP_KEYRING_MAX) {
            snprintf(why, why_len, "crypto.retired_keys: at most %d keys, paths shorter than %zu",
                     KP_KEYRING_MAX - 1, sizeof path);
            kp_keyring_clear(ring);
            return KP_E_INVAL;
        }
        memcpy(path, p, len);
        path[len] = '\0';
        enum kp_err err = kp_key_load_public(path, &ring->keys[ring->n], why, why_len);
        if (err) {
            kp_keyring_clear(ring);
            return err;
        }
        ring->n++;
        p += len;
    }
    return KP_OK;
}

void kp_keyring_clear(struct kp_keyring *ring)
{
    sodium_memzero(ring, sizeof *ring);
}

const struct kp_public_key *kp_keyring_find(const struct kp_keyring *ring, const char *key_id)
{
    for (size_t i = 0; i < ring->n; i++)
        if (strcmp(ring->keys[i].id, key_id) == 0)
            return &ring->keys[i];
    return NULL;
}

void kp_sign(const struct kp_signing_key *key, const char *msg, size_t len,
             char sig[KP_SIG_TEXT_LEN])
{
    unsigned char bin[crypto_sign_BYTES];
    crypto_sign_detached(bin, NULL, (const unsigned char *)msg, len, key->sk);
    sodium_bin2base64(sig, KP_SIG_TEXT_LEN, bin, sizeof bin,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool kp_sign_verify(const struct kp_public_key *pub, const char *msg, size_t len, const char *sig)
{
    unsigned char bin[crypto_sign_BYTES];
    size_t bin_len;
    return sodium_base642bin(bin, sizeof bin, sig, strlen(sig), NULL, &bin_len, NULL,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
           bin_len == sizeof bin &&
           crypto_sign_verify_detached(bin, (const unsigned char *)msg, len, pub->pk) == 0;
}
