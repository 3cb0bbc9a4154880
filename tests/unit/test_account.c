/* lib/account: what a username may look like.  The database's CHECK says
 * the same (migrations/0002_accounts.sql); this is where the user is told
 * why, in Chinese.  And the one form names are compared in. */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "support/unit.h"

static char why[256];

static void setup(void)
{
    memset(why, 0, sizeof why);
}

static void valid(const char *name)
{
    strcpy(why, "unchanged");
    ck_assert_msg(kp_username_valid(name, why, sizeof why), "'%s' refused: %s", name, why);
}

/* Refused, with a non-empty message; returns it. */
static const char *invalid(const char *name)
{
    why[0] = '\0';
    ck_assert_msg(!kp_username_valid(name, why, sizeof why), "'%s' accepted", name);
    ck_assert_msg(why[0] != '\0', "'%s' refused without a reason", name);
    return why;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    ck_assert_ptr_nonnull(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

START_TEST(lengths)
{
    ck_assert_int_eq(KP_USERNAME_MIN, 3);
    ck_assert_int_eq(KP_USERNAME_MAX, 32);
    valid("abc");
    char *s = repeat('a', 32);
    valid(s);
    free(s);
    s = repeat('a', 33);
    const char *w = invalid(s);
    ck_assert_msg(strstr(w, "3") && strstr(w, "32"), "%s", w);
    free(s);
    invalid("ab");
    invalid("a");
    invalid("");
    s = repeat('7', 200);
    invalid(s);
    free(s);
}
END_TEST

START_TEST(allowed_characters)
{
    valid("alice");
    valid("Alice");
    valid("ALICE");
    valid("007");
    valid("a_b");
    valid("a.b");
    valid("a-b");
    valid("zhang.san@example.com");
    valid("user_01-x.y@z");
    valid("a__");
    valid("a..");
    valid("a@@");
    valid("9--");
    valid("0123456789ABCDEFGHIJKLMNOPQRSTUV");
    valid("abcdefghijklmnopqrstuvwxyz.-_@0");
}
END_TEST

START_TEST(leading_punctuation)
{
    const char *bad[] = { "_alice", ".alice", "@alice", "-alice", "__a", " alice" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        invalid(bad[i]);
    /* the message for a bad start is not the one for a bad character */
    char start[256], middle[256];
    strcpy(start, invalid("_alice"));
    strcpy(middle, invalid("ali+ce"));
    ck_assert_str_ne(start, middle);
}
END_TEST

START_TEST(other_characters)
{
    const char *bad[] = { "ali ce", "alice ", "al\tice", "ali+ce", "ali/ce", "ali'ce",
                          "ali\"ce", "ali;ce", "ali%ce", "alice!", "a,bc", "a#bc", "a:bc",
                          "a\\bc", "a\nbc", "a*bc", "a(b)" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        invalid(bad[i]);
}
END_TEST

START_TEST(chinese_refused)
{
    invalid("张三丰");                       /* 9 bytes: long enough, wrong characters */
    invalid("alice张");
    invalid("张alice");
    invalid("用户名很长很长很长");
    invalid("é_bc");
    invalid("abé");
    invalid("ab😀");
    /* whatever the C library thinks of bytes above 127 in the caller's locale */
    const char *prev = setlocale(LC_CTYPE, NULL);
    char saved[64];
    snprintf(saved, sizeof saved, "%s", prev ? prev : "C");
    if (setlocale(LC_CTYPE, "C.UTF-8") != NULL) {
        invalid("张三丰");
        invalid("abé");
    }
    setlocale(LC_CTYPE, saved);
}
END_TEST

START_TEST(messages_are_chinese)
{
    /* each kind of refusal says something, and says it in Chinese */
    const char *names[] = { "ab", "_abc", "ab c" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *w = invalid(names[i]);
        ck_assert_msg(strstr(w, "用户名") != NULL, "'%s': %s", names[i], w);
    }
    /* a small buffer gets a truncated message, not an overflow */
    char small[8];
    memset(small, 'x', sizeof small);
    ck_assert(!kp_username_valid("ab", small, sizeof small));
    ck_assert_ptr_nonnull(memchr(small, '\0', sizeof small));
}
END_TEST

/* ---- kp_username_fold: the form names are compared in ---- */

static const char *fold(const char *name, size_t out_len)
{
    static char out[256];
    memset(out, 'x', sizeof out);
    kp_username_fold(name, out, out_len);
    ck_assert_ptr_nonnull(memchr(out, '\0', out_len));
    return out;
}

START_TEST(fold_ascii_case)
{
    ck_assert_str_eq(fold("Admin", 64), "admin");
    ck_assert_str_eq(fold("ADMIN", 64), "admin");
    ck_assert_str_eq(fold("admin", 64), "admin");
    ck_assert_str_eq(fold("Zhang.San@Example-01_X", 64), "zhang.san@example-01_x");
    ck_assert_str_eq(fold("@[`{AZaz", 64), "@[`{azaz");   /* the neighbours of A-Z and a-z stay */
    ck_assert_str_eq(fold("", 64), "");
}
END_TEST

START_TEST(fold_leaves_unicode_alone)
{
    /* what SQL lower() folds onto ASCII in a UTF-8 locale stays itself */
    ck_assert_str_eq(fold("adm\u0130n", 64), "adm\u0130n");     /* İ, not i */
    ck_assert_str_eq(fold("\u212Aiosk", 64), "\u212Aiosk");     /* Kelvin sign, not k */
    ck_assert_str_eq(fold("\u212AIOSK", 64), "\u212Aiosk");
    ck_assert_str_eq(fold("\uFF2Ddmin", 64), "\uFF2Ddmin");     /* fullwidth M */
    ck_assert_str_ne(fold("adm\u0130n", 64), "admin");
    /* whatever the C library's locale says about case */
    const char *prev = setlocale(LC_CTYPE, NULL);
    char saved[64];
    snprintf(saved, sizeof saved, "%s", prev ? prev : "C");
    if (setlocale(LC_CTYPE, "C.UTF-8") != NULL)
        ck_assert_str_eq(fold("\u00C9cole", 64), "\u00C9cole");
    setlocale(LC_CTYPE, saved);
}
END_TEST

START_TEST(fold_same_as_valid_names_compare)
{
    /* two valid names are the same account exactly when they fold alike */
    char a[KP_USERNAME_MAX + 1], b[KP_USERNAME_MAX + 1];
    kp_username_fold("Kjg-Beijing", a, sizeof a);
    kp_username_fold("kJG-bEIJING", b, sizeof b);
    ck_assert_str_eq(a, b);
    char *longest = repeat('Q', KP_USERNAME_MAX);
    valid(longest);
    kp_username_fold(longest, a, sizeof a);
    ck_assert_uint_eq(strlen(a), KP_USERNAME_MAX);   /* a valid name always fits whole */
    ck_assert(a[0] == 'q' && a[KP_USERNAME_MAX - 1] == 'q');
    free(longest);
}
END_TEST

START_TEST(fold_cuts_between_characters)
{
    /* "用" is three bytes: a cut never leaves half of one */
    ck_assert_str_eq(fold("AB\u7528\u7528", 6), "ab\u7528");   /* 5 bytes, not 5 + a stray byte */
    ck_assert_str_eq(fold("AB\u7528\u7528", 5), "ab");
    ck_assert_str_eq(fold("AB\u7528", 4), "ab");
    ck_assert_str_eq(fold("ABCDEF", 4), "abc");
    ck_assert_str_eq(fold("ABC", 1), "");
}
END_TEST

static Suite *account_suite(void)
{
    Suite *s = suite_create("account");
    TCase *tc = tcase_create("username");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, lengths);
    tcase_add_test(tc, allowed_characters);
    tcase_add_test(tc, leading_punctuation);
    tcase_add_test(tc, other_characters);
    tcase_add_test(tc, chinese_refused);
    tcase_add_test(tc, messages_are_chinese);
    suite_add_tcase(s, tc);
    TCase *folding = tcase_create("fold");
    tcase_add_test(folding, fold_ascii_case);
    tcase_add_test(folding, fold_leaves_unicode_alone);
    tcase_add_test(folding, fold_same_as_valid_names_compare);
    tcase_add_test(folding, fold_cuts_between_characters);
    suite_add_tcase(s, folding);
    return s;
}

int main(void)
{
    return kp_test_run(account_suite());
}
