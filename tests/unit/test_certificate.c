/* lib/domain/certificate: certificate numbers, their allocation from a
 * term's counter, and the canonical payload that is signed.
 *
 * The payloads below were written by Python 3.11:
 *   json.dumps(p, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
 * and the signatures by OpenSSL 3.0 (not libsodium), from the PKCS#8 key
 * whose seed is the bytes 00 01 02 ... 1f:
 *   python3 -c "open('seed.der','wb').write(bytes.fromhex(
 *     '302e020100300506032b657004220420') + bytes(range(32)))"
 *   openssl pkey -inform DER -in seed.der -out key.pem
 *   openssl pkeyutl -sign -inkey key.pem -rawin -in payload -out sig   (then base64url, no '=')
 * The public key is the last 32 bytes of `openssl pkey -in key.pem -pubout
 * -outform DER`, its key id hashlib.sha256(pk).hexdigest()[:16]. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "certificate.h"
#include "signing.h"
#include "support/unit.h"

static const char PAYLOAD_1[] =
    "{\"base\":\"中国科学技术馆\",\"category\":\"科技场馆类\",\"certificate_no\":\"KPJD-2021-000001\","
    "\"issuer\":\"中国科学技术协会\",\"named_on\":\"2021-12-20\",\"region\":\"北京市\","
    "\"term\":\"2021-2025\",\"unit\":\"中国科学技术馆\"}";
static const char SIGNATURE_1[] =
    "a7PZfWUdaD5xzhILlh73PsthJmprNcVD_LCQtMB-KuT-gkZyqidb7UNUQUGyZR5Xqeh9xETEwbgHkrn-I-u1AQ";

/* Quotes, a backslash, control characters and a slash in the base name. */
static const char PAYLOAD_2[] =
    "{\"base\":\"“三农”\\\"科普\\\"\\\\基地\\u0001\\u001f\\t\\n/\",\"category\":\"“三农”类\","
    "\"certificate_no\":\"KPJD-2026-999999\",\"issuer\":\"中国科学技术协会\","
    "\"named_on\":\"2026-01-05\",\"region\":\"新疆生产建设兵团\",\"term\":\"2026-2030\","
    "\"unit\":\"某某农业合作社 (有限)\"}";
static const char SIGNATURE_2[] =
    "p2s9BK0PSwOZBOHIkGWJJ-edzBe23SDxYhJYSVB7CM9CuyeIKk5jM4KwlzSVsUoW5Q8HogFyXpDKZxC4ggnZCA";

static const char PUBLIC_HEX[] = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
static const char KEY_ID[] = "56475aa75463474c";

static const struct kp_cert_facts FACTS_1 = {
    .base = "中国科学技术馆", .unit = "中国科学技术馆", .category = "venue", .region = "北京市",
    .certificate_no = "KPJD-2021-000001", .named_on = "2021-12-20",
    .term_start_year = 2021, .term_end_year = 2025,
};
static const struct kp_cert_facts FACTS_2 = {
    .base = "“三农”\"科普\"\\基地\x01\x1f\t\n/", .unit = "某某农业合作社 (有限)",
    .category = "agriculture", .region = "新疆生产建设兵团", .certificate_no = "KPJD-2026-999999",
    .named_on = "2026-01-05", .term_start_year = 2026, .term_end_year = 2030,
};

/* The key of seed 00 01 ... 1f. */
static struct kp_signing_key test_key(void)
{
    unsigned char seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (unsigned char)i;
    struct kp_signing_key key;
    crypto_sign_seed_keypair(key.pub.pk, key.sk, seed);
    kp_key_id(key.pub.pk, key.pub.id);
    return key;
}

START_TEST(numbers_formatted)
{
    char no[KP_CERT_NO_LEN];
    ck_assert(kp_cert_no_format(2021, 1, no));
    ck_assert_str_eq(no, "KPJD-2021-000001");
    ck_assert(kp_cert_no_format(2021, 1274, no));
    ck_assert_str_eq(no, "KPJD-2021-001274");
    ck_assert(kp_cert_no_format(2100, 999999, no));
    ck_assert_str_eq(no, "KPJD-2100-999999");
    ck_assert(kp_cert_no_format(2000, 10, no));
    ck_assert_str_eq(no, "KPJD-2000-000010");
    static const int refused[][2] = { { 2021, 0 }, { 2021, 1000000 }, { 2021, -1 }, { 1999, 1 }, { 2101, 1 } };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        ck_assert(!kp_cert_no_format(refused[i][0], refused[i][1], no));
        ck_assert_str_eq(no, "");
    }
}
END_TEST

START_TEST(numbers_parsed)
{
    int year = 0, seq = 0;
    ck_assert(kp_cert_no_parse("KPJD-2021-000001", &year, &seq));
    ck_assert_int_eq(year, 2021);
    ck_assert_int_eq(seq, 1);
    ck_assert(kp_cert_no_parse("KPJD-2016-999999", &year, &seq));
    ck_assert_int_eq(year, 2016);
    ck_assert_int_eq(seq, 999999);
    static const char *const bad[] = {
        "", "KPJD-2021-00001", "KPJD-2021-0000001", "kpjd-2021-000001", "KPJD-2021-000000",
        "KPJD-21-000001", "KPJD-2021-00000a", " KPJD-2021-000001", "KPJD-2021-000001 ",
        "KPJD-1999-000001", "KPJD-2101-000001", "KPJD-2021+000001", "KPJD_2021-000001",
        "KPJD-2021-+00001", "KPJD-2021-000001\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        year = seq = -7;
        ck_assert_msg(!kp_cert_no_parse(bad[i], &year, &seq), "%s", bad[i]);
        ck_assert_int_eq(year, -7);
    }
    /* formatting and parsing agree */
    char no[KP_CERT_NO_LEN];
    for (int s = 1; s <= KP_CERT_SEQ_MAX; s += 4999) {
        ck_assert(kp_cert_no_format(2026, s, no));
        ck_assert(kp_cert_no_parse(no, &year, &seq));
        ck_assert_int_eq(year, 2026);
        ck_assert_int_eq(seq, s);
    }
}
END_TEST

START_TEST(ranges_from_the_counter)
{
    int first = -1;
    /* the programme's real first term: 800 in the first batch, 474 in the supplementary one */
    ck_assert(kp_cert_range(0, 800, &first));
    ck_assert_int_eq(first, 1);
    ck_assert(kp_cert_range(800, 474, &first));
    ck_assert_int_eq(first, 801);
    ck_assert(kp_cert_range(0, 1, &first));
    ck_assert_int_eq(first, 1);
    ck_assert(kp_cert_range(0, KP_CERT_SEQ_MAX, &first));
    ck_assert_int_eq(first, 1);
    ck_assert(kp_cert_range(999994, 5, &first));            /* ends at 999999 exactly */
    ck_assert_int_eq(first, 999995);
    first = -1;
    ck_assert(!kp_cert_range(999994, 6, &first));           /* one too many */
    ck_assert(!kp_cert_range(KP_CERT_SEQ_MAX, 1, &first));
    ck_assert(!kp_cert_range(0, KP_CERT_SEQ_MAX + 1, &first));
    ck_assert(!kp_cert_range(1, 1LL << 40, &first));         /* no overflow on the way */
    ck_assert_int_eq(first, -1);
}
END_TEST

START_TEST(canonical_payload_vectors)
{
    size_t len = 0;
    char *p = kp_cert_payload(&FACTS_1, &len);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p, PAYLOAD_1);
    ck_assert_uint_eq(len, strlen(PAYLOAD_1));
    free(p);
    p = kp_cert_payload(&FACTS_2, NULL);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p, PAYLOAD_2);
    free(p);
    struct kp_cert_facts unknown = FACTS_1;
    unknown.category = "museum";
    ck_assert_ptr_null(kp_cert_payload(&unknown, NULL));
    unknown.category = "科技场馆类";                          /* the label is not the category */
    ck_assert_ptr_null(kp_cert_payload(&unknown, NULL));
}
END_TEST

START_TEST(key_id_of_the_test_key)
{
    struct kp_signing_key key = test_key();
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, key.pub.pk, 32);
    ck_assert_str_eq(hex, PUBLIC_HEX);
    ck_assert_str_eq(key.pub.id, KEY_ID);
}
END_TEST

START_TEST(signed_as_openssl_signs)
{
    struct kp_signing_key key = test_key();
    const struct { const struct kp_cert_facts *facts; const char *sig; } cases[] = {
        { &FACTS_1, SIGNATURE_1 }, { &FACTS_2, SIGNATURE_2 },
    };
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *p = kp_cert_payload(cases[i].facts, &len);
        ck_assert_ptr_nonnull(p);
        char sig[KP_SIG_TEXT_LEN];
        kp_sign(&key, p, len, sig);
        ck_assert_str_eq(sig, cases[i].sig);
        ck_assert(kp_sign_verify(&key.pub, p, len, cases[i].sig));
        free(p);
    }
}
END_TEST

START_TEST(tampered_payload_fails)
{
    struct kp_signing_key key = test_key();
    char tampered[sizeof PAYLOAD_1];
    memcpy(tampered, PAYLOAD_1, sizeof tampered);
    char *digit = strstr(tampered, "000001");
    ck_assert_ptr_nonnull(digit);
    digit[5] = '2';                                            /* KPJD-2021-000002 */
    ck_assert(kp_sign_verify(&key.pub, PAYLOAD_1, strlen(PAYLOAD_1), SIGNATURE_1));
    ck_assert(!kp_sign_verify(&key.pub, tampered, strlen(tampered), SIGNATURE_1));
    /* a trailing space, or the other payload's signature */
    char spaced[sizeof PAYLOAD_1 + 1];
    snprintf(spaced, sizeof spaced, "%s ", PAYLOAD_1);
    ck_assert(!kp_sign_verify(&key.pub, spaced, strlen(spaced), SIGNATURE_1));
    ck_assert(!kp_sign_verify(&key.pub, PAYLOAD_1, strlen(PAYLOAD_1), SIGNATURE_2));
    /* another key */
    struct kp_signing_key other;
    crypto_sign_keypair(other.pub.pk, other.sk);
    ck_assert(!kp_sign_verify(&other.pub, PAYLOAD_1, strlen(PAYLOAD_1), SIGNATURE_1));
}
END_TEST

static Suite *certificate_suite(void)
{
    Suite *s = suite_create("certificate");
    TCase *tc = tcase_create("certificate");
    tcase_add_test(tc, numbers_formatted);
    tcase_add_test(tc, numbers_parsed);
    tcase_add_test(tc, ranges_from_the_counter);
    tcase_add_test(tc, canonical_payload_vectors);
    tcase_add_test(tc, key_id_of_the_test_key);
    tcase_add_test(tc, signed_as_openssl_signs);
    tcase_add_test(tc, tampered_payload_fails);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    return kp_test_run(certificate_suite());
}
