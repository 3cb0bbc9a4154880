/* lib/signing: Ed25519 keys in PEM files (the formats openssl reads), the
 * key id of API.md, signatures as base64url, and the key ring of the
 * signing key and the retired ones.  The known answers are RFC 8032's
 * test 1 (secret key 9d61b19d..., empty message). */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signing.h"
#include "support/unit.h"

/* RFC 8032, 7.1, test 1, as PKCS#8 and SubjectPublicKeyInfo PEM. */
static const char RFC_PRIVATE[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
static const char RFC_PUBLIC[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";
static const char RFC_SIGNATURE[] =   /* of the empty message, base64url */
    "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc-bRr0lv18FlbviRlUUFDjnoQCw";
/* The first 16 hex characters of SHA-256 of the raw public key d75a9801... */
static const char RFC_KEY_ID[] = "21fe31dfa154a261";

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/kpjd-unit-signing-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* dir/name, written with `text` when it is not NULL. */
static const char *file(const char *name, const char *text)
{
    static char path[4][128];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    if (text != NULL) {
        FILE *f = fopen(p, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
    }
    return p;
}

START_TEST(rfc8032_known_answer)
{
    struct kp_signing_key key;
    struct kp_public_key pub;
    char why[256];
    ck_assert_int_eq(kp_key_load_private(file("rfc.key", RFC_PRIVATE), &key, why, sizeof why), KP_OK);
    ck_assert_int_eq(kp_key_load_public(file("rfc.key.pub", RFC_PUBLIC), &pub, why, sizeof why), KP_OK);
    ck_assert_mem_eq(key.pub.pk, pub.pk, 32);
    ck_assert_str_eq(key.pub.id, RFC_KEY_ID);
    ck_assert_str_eq(pub.id, RFC_KEY_ID);
    char sig[KP_SIG_TEXT_LEN];
    kp_sign(&key, "", 0, sig);
    ck_assert_str_eq(sig, RFC_SIGNATURE);
    ck_assert(kp_sign_verify(&pub, "", 0, sig));
}
END_TEST

START_TEST(verify_refuses_what_was_not_signed)
{
    struct kp_signing_key key;
    char why[256];
    ck_assert_int_eq(kp_key_load_private(file("rfc.key", RFC_PRIVATE), &key, why, sizeof why), KP_OK);
    const char *msg = "{\"at\":\"2021-11-10T16:00:00Z\",\"count\":3,\"head_hash\":\"ab\",\"last_audit_id\":3}";
    char sig[KP_SIG_TEXT_LEN];
    kp_sign(&key, msg, strlen(msg), sig);
    ck_assert(kp_sign_verify(&key.pub, msg, strlen(msg), sig));
    ck_assert(!kp_sign_verify(&key.pub, msg, strlen(msg) - 1, sig));          /* another message */
    char other[KP_SIG_TEXT_LEN];
    memcpy(other, sig, sizeof other);
    other[10] = other[10] == 'A' ? 'B' : 'A';                                 /* another signature */
    ck_assert(!kp_sign_verify(&key.pub, msg, strlen(msg), other));
    ck_assert(!kp_sign_verify(&key.pub, msg, strlen(msg), ""));
    ck_assert(!kp_sign_verify(&key.pub, msg, strlen(msg), "not base64url!"));
    other[40] = '\0';                                                         /* too short */
    ck_assert(!kp_sign_verify(&key.pub, msg, strlen(msg), other));
    struct kp_public_key stranger;                                            /* another key */
    ck_assert_int_eq(kp_key_generate(file("other.key", NULL), &stranger, why, sizeof why), KP_OK);
    ck_assert(!kp_sign_verify(&stranger, msg, strlen(msg), sig));
}
END_TEST

START_TEST(generate_writes_0600_and_never_overwrites)
{
    const char *path = file("new.key", NULL);
    struct kp_public_key pub;
    char why[256];
    ck_assert_int_eq(kp_key_generate(path, &pub, why, sizeof why), KP_OK);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    struct kp_signing_key key;
    struct kp_public_key loaded;
    ck_assert_int_eq(kp_key_load_private(path, &key, why, sizeof why), KP_OK);
    ck_assert_int_eq(kp_key_load_public(file("new.key.pub", NULL), &loaded, why, sizeof why), KP_OK);
    ck_assert_mem_eq(key.pub.pk, pub.pk, 32);
    ck_assert_mem_eq(loaded.pk, pub.pk, 32);
    ck_assert_str_eq(loaded.id, pub.id);
    /* a second run: refused, the key unchanged */
    struct kp_public_key again;
    ck_assert_int_eq(kp_key_generate(path, &again, why, sizeof why), KP_E_IO);
    ck_assert_ptr_nonnull(strstr(why, "File exists"));
    ck_assert_int_eq(kp_key_load_private(path, &key, why, sizeof why), KP_OK);
    ck_assert_mem_eq(key.pub.pk, pub.pk, 32);
    /* an existing FILE.pub alone is enough to refuse, and nothing is left behind */
    const char *lone = file("lone.key", NULL);
    file("lone.key.pub", RFC_PUBLIC);
    ck_assert_int_eq(kp_key_generate(lone, &again, why, sizeof why), KP_E_IO);
    ck_assert_int_eq(access(lone, F_OK), -1);
}
END_TEST

START_TEST(wrong_files_refused)
{
    struct kp_signing_key key;
    struct kp_public_key pub;
    char why[256];
    ck_assert_int_eq(kp_key_load_private(file("pub-as-private", RFC_PUBLIC), &key, why, sizeof why),
                     KP_E_INVAL);
    ck_assert_ptr_nonnull(strstr(why, "not an Ed25519 private key"));
    ck_assert_int_eq(kp_key_load_public(file("private-as-pub", RFC_PRIVATE), &pub, why, sizeof why),
                     KP_E_INVAL);
    ck_assert_int_eq(kp_key_load_public(file("garbage", "-----BEGIN PUBLIC KEY-----\nAAAA\n"
                                                        "-----END PUBLIC KEY-----\n"), &pub, why,
                                        sizeof why), KP_E_INVAL);
    ck_assert_int_eq(kp_key_load_private(file("missing", NULL), &key, why, sizeof why), KP_E_IO);
    ck_assert_ptr_nonnull(strstr(why, "No such file"));
}
END_TEST

START_TEST(keyring_of_signer_and_retired)
{
    char why[256], retired[512];
    struct kp_public_key a, b;
    ck_assert_int_eq(kp_key_generate(file("a.key", NULL), &a, why, sizeof why), KP_OK);
    ck_assert_int_eq(kp_key_generate(file("b.key", NULL), &b, why, sizeof why), KP_OK);
    snprintf(retired, sizeof retired, "  %s\t %s ", file("a.key.pub", NULL), file("rfc.pub", RFC_PUBLIC));
    struct kp_keyring ring;
    ck_assert_int_eq(kp_keyring_load(&ring, file("b.key", NULL), retired, why, sizeof why), KP_OK);
    ck_assert(ring.can_sign);
    ck_assert_uint_eq(ring.n, 3);
    ck_assert_str_eq(ring.keys[0].id, b.id);
    ck_assert_ptr_nonnull(kp_keyring_find(&ring, a.id));
    ck_assert_ptr_nonnull(kp_keyring_find(&ring, RFC_KEY_ID));
    ck_assert_ptr_null(kp_keyring_find(&ring, "0000000000000000"));
    kp_keyring_clear(&ring);
    ck_assert(!ring.can_sign);
    /* no signing key: verification only */
    ck_assert_int_eq(kp_keyring_load(&ring, "", retired, why, sizeof why), KP_OK);
    ck_assert(!ring.can_sign);
    ck_assert_uint_eq(ring.n, 2);
    /* a retired path that is not a public key names the file */
    ck_assert_int_eq(kp_keyring_load(&ring, "", file("a.key", NULL), why, sizeof why), KP_E_INVAL);
    ck_assert_ptr_nonnull(strstr(why, "a.key: not an Ed25519 public key"));
}
END_TEST

static Suite *signing_suite(void)
{
    Suite *s = suite_create("signing");
    TCase *tc = tcase_create("signing");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rfc8032_known_answer);
    tcase_add_test(tc, verify_refuses_what_was_not_signed);
    tcase_add_test(tc, generate_writes_0600_and_never_overwrites);
    tcase_add_test(tc, wrong_files_refused);
    tcase_add_test(tc, keyring_of_signer_and_retired);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    return kp_test_run(signing_suite());
}
