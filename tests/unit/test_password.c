/* lib/password: what a new password must be (its length here; its
 * strength in test_pwcheck.c), argon2id hashes, and the random passwords
 * handed out of band. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "password.h"
#include "support/unit.h"

static const struct kp_pwcost cost = { crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE };
static char why[128];

static void setup(void)
{
    ck_assert_int_ge(sodium_init(), 0);
    why[0] = '\0';
}

START_TEST(acceptable)
{
    ck_assert(kp_password_acceptable("correct horse", NULL, why, sizeof why));
    ck_assert(kp_password_acceptable("kqzmvtrwxbnp", NULL, why, sizeof why));          /* 12 */
    ck_assert(kp_password_acceptable("养老服务机构申报密码一二三", NULL, why, sizeof why)); /* 13 characters */
    ck_assert(kp_password_acceptable("养老服务机构申报密码一二", "unit1", why, sizeof why)); /* 12, 36 bytes */
    /* 128 characters, not a palindrome nor a run (a random draw, Python's
     * random.seed(7) over "bcdfghjkmnpqrstvwxz2468") */
    const char max[] = "pgr4cdxfqzcwjcdssdkdxsczfk44zczzrckcxgnsgxfznx6hfzz4jqfx8dzc2jv6"
                       "xsptztqnkh8kdznwvptn2dfwshpgvsc6dxzpp8q2vztddmv86dc8n4z6tn8r6qbt";
    ck_assert_uint_eq(strlen(max), KP_PASSWORD_MAX);
    ck_assert(kp_password_acceptable(max, NULL, why, sizeof why));
}
END_TEST

START_TEST(length_in_characters)
{
    ck_assert(!kp_password_acceptable("abcdefghijk", NULL, why, sizeof why));          /* 11 */
    ck_assert_str_eq(why, "密码长度应为 12 到 128 个字符");
    why[0] = '\0';
    ck_assert(!kp_password_acceptable("", NULL, why, sizeof why));
    ck_assert_str_eq(why, "密码长度应为 12 到 128 个字符");
    /* 11 Chinese characters are 33 bytes: still too short */
    ck_assert(!kp_password_acceptable("养老服务机构申报密码一", NULL, why, sizeof why));
    char over[KP_PASSWORD_MAX + 2];
    memset(over, 'p', KP_PASSWORD_MAX + 1);
    over[KP_PASSWORD_MAX + 1] = '\0';
    ck_assert(!kp_password_acceptable(over, NULL, why, sizeof why));
    ck_assert_str_eq(why, "密码长度应为 12 到 128 个字符");
}
END_TEST

/* Long enough but weak: libpwquality's reason, in Chinese (the whole table
 * is in test_pwcheck.c). */
START_TEST(strength)
{
    ck_assert(!kp_password_acceptable("123456789012", NULL, why, sizeof why));
    ck_assert_str_eq(why, "密码过于简单或有规律（如 123456789012、abcdefghijkl），容易被猜到");
    ck_assert(!kp_password_acceptable("incomprehensible", NULL, why, sizeof why));
    ck_assert_str_eq(why, "密码以常见英文单词为基础，容易被猜到");
    ck_assert(!kp_password_acceptable("zhangsan2024 blue", "ZhangSan", why, sizeof why));
    ck_assert_str_eq(why, "密码不能包含用户名（包括倒写或改变大小写）");
    /* the same password for another account is fine */
    ck_assert(kp_password_acceptable("zhangsan2024 blue", "lisi2024", why, sizeof why));
}
END_TEST

START_TEST(invalid_characters)
{
    const char *bad[] = {
        "abcdefghijkl\n", "abc\tdefghijkl", "abcdefghijkl\x7f", "abcdefghijkl\x1b",
        "abcdefghijkl\xff", "abcdefghijkl\xc0\xaf", "abcdefghijkl\xe4\xb8",
        "abcdefghijkl\xf5\x80\x80\x80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        ck_assert_msg(!kp_password_acceptable(bad[i], NULL, why, sizeof why), "case %zu accepted", i);
        ck_assert_str_eq(why, "密码含有无效字符");
    }
}
END_TEST

START_TEST(hash_and_verify)
{
    char stored[KP_PWHASH_LEN], again[KP_PWHASH_LEN];
    ck_assert_int_eq(kp_password_hash("养老服务 correct horse", &cost, stored), KP_OK);
    ck_assert_msg(strncmp(stored, "$argon2id$", 10) == 0, "%s", stored);
    ck_assert_ptr_null(strstr(stored, "correct"));
    ck_assert(kp_password_verify(stored, "养老服务 correct horse"));
    ck_assert(!kp_password_verify(stored, "养老服务 correct horse "));
    ck_assert(!kp_password_verify(stored, "养老服务 Correct horse"));
    ck_assert(!kp_password_verify(stored, ""));
    /* salted: the same password hashes differently */
    ck_assert_int_eq(kp_password_hash("养老服务 correct horse", &cost, again), KP_OK);
    ck_assert_str_ne(stored, again);
    ck_assert(kp_password_verify(again, "养老服务 correct horse"));
}
END_TEST

START_TEST(verify_garbage)
{
    ck_assert(!kp_password_verify("", "whatever-password"));
    ck_assert(!kp_password_verify("$argon2id$v=19$m=65536,t=2,p=1$garbage", "whatever-password"));
    ck_assert(!kp_password_verify("plaintext-password", "plaintext-password"));
}
END_TEST

START_TEST(random_passwords)
{
    char seen[50][17];
    for (int i = 0; i < 50; i++) {
        char *p = seen[i];
        memset(p, 'x', 17);
        kp_password_random(p);
        ck_assert_uint_eq(strlen(p), 16);
        bool digit = false;
        for (const char *c = p; *c; c++) {
            ck_assert_msg(strchr("01ilo" "ILO", *c) == NULL, "look-alike in %s", p);
            ck_assert_msg((*c >= '2' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
                          (*c >= 'A' && *c <= 'Z'), "%s", p);
            digit |= *c >= '2' && *c <= '9';
        }
        ck_assert_msg(digit, "no digit in %s", p);
        ck_assert(kp_password_acceptable(p, NULL, why, sizeof why));
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(p, seen[j]);
    }
}
END_TEST

static Suite *password_suite(void)
{
    Suite *s = suite_create("password");
    TCase *tc = tcase_create("password");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, acceptable);
    tcase_add_test(tc, length_in_characters);
    tcase_add_test(tc, strength);
    tcase_add_test(tc, invalid_characters);
    tcase_add_test(tc, hash_and_verify);
    tcase_add_test(tc, verify_garbage);
    tcase_add_test(tc, random_passwords);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(password_suite());
}
