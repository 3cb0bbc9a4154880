/* lib/pwcheck: libpwquality's judgement of a password, and its reasons in
 * Chinese.  A table of good and bad passwords through the real library and
 * the installed cracklib dictionary (cracklib-runtime); the map from
 * pwquality's codes and cracklib's messages to sentences, entry by entry;
 * and the start-up check, which must fail without a dictionary. */
#include <check.h>
#include <pwquality.h>
#include <string.h>

#include "pwcheck.h"
#include "support/unit.h"

static const char SYSTEMATIC[] = "密码过于简单或有规律（如 123456789012、abcdefghijkl），容易被猜到";
static const char DICTIONARY[] = "密码以常见英文单词为基础，容易被猜到";
static const char REVERSED[] = "密码是常见英文单词的倒写，容易被猜到";
static const char FEW_DIFFERENT[] = "密码中不同的字符太少，请混用更多不同的字符";
static const char PALINDROME[] = "密码不能是回文（正读和反读相同）";
static const char USERNAME[] = "密码不能包含用户名（包括倒写或改变大小写）";

static const struct {
    const char *password, *username;
    const char *reason;          /* NULL: passes */
} TABLE[] = {
    /* good: passphrases, random strings, Chinese */
    { "correct horse battery", NULL, NULL },
    { "correct horse battery", "zhangsan", NULL },
    { "kqzmvtrwxbnp", NULL, NULL },
    { "xK7mQ2vL9pR4", "unit1", NULL },
    { "Password2024!", NULL, NULL },
    { "养老服务机构申报密码一二三", NULL, NULL },
    { "科普基地演示密码2026", "unit6", NULL },
    { "recommender pass 2021", "bj-cast", NULL },
    /* sequences and runs */
    { "123456789012", NULL, SYSTEMATIC },
    { "abcdefghijkl", NULL, SYSTEMATIC },
    { "Abcdefghijkl", NULL, SYSTEMATIC },
    { "ZYXWVUTSRQPONM", NULL, SYSTEMATIC },
    { "0123456789abc", NULL, SYSTEMATIC },
    { "12345678901a", NULL, SYSTEMATIC },
    { "1111122222333", NULL, FEW_DIFFERENT },
    { "abcabcabcabc", NULL, FEW_DIFFERENT },
    { "12121212121212", NULL, FEW_DIFFERENT },
    /* dictionary words, however dressed */
    { "incomprehensible", NULL, DICTIONARY },
    { "Misunderstanding!", NULL, DICTIONARY },
    { "administrators", NULL, DICTIONARY },
    { "elbisneherpmocni", NULL, REVERSED },
    /* palindromes */
    { "racecar racecar", NULL, PALINDROME },
    { "aaaaaaaaaaaa", NULL, PALINDROME },
    /* the username, forwards, backwards, in any case */
    { "zhangsan2024 blue", "zhangsan", USERNAME },
    { "Zhangsan-is-me", "zhangsan", USERNAME },
    { "nasgnahz blue sky", "zhangsan", USERNAME },
    { "my APPLICANT1 horse", "applicant1", USERNAME },
    { "zhangsan2024 blue", "lisi2024", NULL },
};

START_TEST(judges_the_table)
{
    const char *got = kp_pwcheck(TABLE[_i].password, TABLE[_i].username);
    if (TABLE[_i].reason == NULL)
        ck_assert_msg(got == NULL, "\"%s\" refused: %s", TABLE[_i].password, got);
    else
        ck_assert_msg(got != NULL && strcmp(got, TABLE[_i].reason) == 0, "\"%s\": %s, not %s",
                      TABLE[_i].password, got ? got : "passes", TABLE[_i].reason);
}
END_TEST

/* Every entry of the map, by code and by cracklib's message. */
START_TEST(reasons)
{
    const struct { int code; const char *cracklib, *reason; } map[] = {
        { PWQ_ERROR_CRACKLIB_CHECK, "it is WAY too short", "密码太短" },
        { PWQ_ERROR_CRACKLIB_CHECK, "it is too short", "密码太短" },
        { PWQ_ERROR_CRACKLIB_CHECK, "it does not contain enough DIFFERENT characters", FEW_DIFFERENT },
        { PWQ_ERROR_CRACKLIB_CHECK, "it is all whitespace", "密码不能全是空格" },
        { PWQ_ERROR_CRACKLIB_CHECK, "it is too simplistic/systematic", SYSTEMATIC },
        { PWQ_ERROR_CRACKLIB_CHECK, "it looks like a National Insurance number.", "密码看起来像证件号码，容易被猜到" },
        { PWQ_ERROR_CRACKLIB_CHECK, "it is based on a dictionary word", DICTIONARY },
        { PWQ_ERROR_CRACKLIB_CHECK, "it is based on a (reversed) dictionary word", REVERSED },
        { PWQ_ERROR_CRACKLIB_CHECK, "it is based on your username", "密码与账号信息相近，容易被猜到" },
        { PWQ_ERROR_CRACKLIB_CHECK, "it is based upon your password entry", "密码与账号信息相近，容易被猜到" },
        { PWQ_ERROR_CRACKLIB_CHECK, "it is derived from your password entry", "密码与账号信息相近，容易被猜到" },
        { PWQ_ERROR_CRACKLIB_CHECK, "it's derived from your password entry", "密码与账号信息相近，容易被猜到" },
        { PWQ_ERROR_CRACKLIB_CHECK, "it is derivable from your password entry", "密码与账号信息相近，容易被猜到" },
        { PWQ_ERROR_CRACKLIB_CHECK, "it's derivable from your password entry", "密码与账号信息相近，容易被猜到" },
        { PWQ_ERROR_CRACKLIB_CHECK, "error loading dictionary", "暂时无法检查密码强度，请稍后再试" },
        { PWQ_ERROR_CRACKLIB_CHECK, "you are not registered in the password file", "暂时无法检查密码强度，请稍后再试" },
        { PWQ_ERROR_CRACKLIB_CHECK, "a message of a newer cracklib", "密码未通过强度检查，请换一个更难猜到的密码" },
        { PWQ_ERROR_CRACKLIB_CHECK, NULL, "密码未通过强度检查，请换一个更难猜到的密码" },
        { PWQ_ERROR_MEM_ALLOC, NULL, "暂时无法检查密码强度，请稍后再试" },
        { PWQ_ERROR_EMPTY_PASSWORD, NULL, "请设置密码" },
        { PWQ_ERROR_MIN_LENGTH, NULL, "密码太短" },
        { PWQ_ERROR_SAME_PASSWORD, NULL, "新密码不能与旧密码相同" },
        { PWQ_ERROR_TOO_SIMILAR, NULL, "新密码与旧密码太相似" },
        { PWQ_ERROR_CASE_CHANGES_ONLY, NULL, "新密码只改了旧密码的大小写" },
        { PWQ_ERROR_ROTATED, NULL, "新密码只是旧密码的轮换" },
        { PWQ_ERROR_MIN_DIGITS, NULL, "密码中的数字太少" },
        { PWQ_ERROR_MIN_UPPERS, NULL, "密码中的大写字母太少" },
        { PWQ_ERROR_MIN_LOWERS, NULL, "密码中的小写字母太少" },
        { PWQ_ERROR_MIN_OTHERS, NULL, "密码中的其他字符（符号、汉字等）太少" },
        { PWQ_ERROR_MIN_CLASSES, NULL, "密码中的字符种类太少（数字、大写字母、小写字母、其他字符）" },
        { PWQ_ERROR_MAX_CONSECUTIVE, NULL, "密码中连续相同的字符太多" },
        { PWQ_ERROR_MAX_CLASS_REPEAT, NULL, "密码中连续的同类字符太多" },
        { PWQ_ERROR_MAX_SEQUENCE, NULL, "密码中有太长的连续序列（如 12345、abcde）" },
        { PWQ_ERROR_PALINDROME, NULL, PALINDROME },
        { PWQ_ERROR_USER_CHECK, NULL, USERNAME },
        { PWQ_ERROR_GECOS_CHECK, NULL, "密码与账号信息相近，容易被猜到" },
        { PWQ_ERROR_BAD_WORDS, NULL, "密码含有不允许使用的词" },
        { PWQ_ERROR_FATAL_FAILURE, NULL, "密码未通过强度检查，请换一个更难猜到的密码" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        ck_assert_msg(strcmp(kp_pwcheck_reason(map[i].code, map[i].cracklib), map[i].reason) == 0,
                      "%d %s: %s", map[i].code, map[i].cracklib ? map[i].cracklib : "",
                      kp_pwcheck_reason(map[i].code, map[i].cracklib));
}
END_TEST

START_TEST(ready)
{
    char why[256] = "";
    ck_assert_msg(kp_pwcheck_ready(NULL, why, sizeof why), "%s", why);
    /* no dictionary there: not ready, and the log line says so */
    ck_assert(!kp_pwcheck_ready("/nonexistent/cracklib_dict", why, sizeof why));
    ck_assert_msg(strstr(why, "error loading dictionary") != NULL, "%s", why);
}
END_TEST

static Suite *pwcheck_suite(void)
{
    Suite *s = suite_create("pwcheck");
    TCase *tc = tcase_create("pwcheck");
    tcase_add_loop_test(tc, judges_the_table, 0, sizeof TABLE / sizeof TABLE[0]);
    tcase_add_test(tc, reasons);
    tcase_add_test(tc, ready);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(pwcheck_suite());
}
