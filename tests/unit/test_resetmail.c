/* lib/domain/resetmail: the reset link carries the token in its fragment,
 * and the text kept after delivery has no link left. */
#include <check.h>
#include <string.h>

#include "resetmail.h"
#include "support/unit.h"

#define TOKEN "q2Xz0dY9-_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456"

START_TEST(link_in_fragment)
{
    char link[128];
    ck_assert(kp_resetmail_link("https://kpjd.example.cn/app", TOKEN, link, sizeof link));
    ck_assert_str_eq(link, "https://kpjd.example.cn/app/reset-password#" TOKEN);
    /* one byte short of the NUL: refused, never cut */
    ck_assert(!kp_resetmail_link("https://kpjd.example.cn/app", TOKEN, link, strlen(link)));
}
END_TEST

START_TEST(text_with_and_without_link)
{
    struct kp_resetmail m;
    const char *link = "http://127.0.0.1:8080/reset-password#" TOKEN;
    ck_assert(kp_resetmail_text(&m, "unit.zhang", link, 30));
    ck_assert_ptr_null(strchr(m.subject, '\n'));
    ck_assert_ptr_nonnull(strstr(m.subject, "重置密码"));
    ck_assert_ptr_nonnull(strstr(m.body, link));
    ck_assert_ptr_nonnull(strstr(m.body, "“unit.zhang”"));
    ck_assert_ptr_nonnull(strstr(m.body, "30 分钟"));
    ck_assert_ptr_null(strstr(m.body_after, TOKEN));
    ck_assert_ptr_nonnull(strstr(m.body_after, KP_RESETMAIL_HIDDEN));
    ck_assert_ptr_nonnull(strstr(m.body_after, "“unit.zhang”"));
}
END_TEST

START_TEST(too_long_refused)
{
    struct kp_resetmail m;
    char link[3000];
    memset(link, 'a', sizeof link - 1);
    link[sizeof link - 1] = '\0';
    ck_assert(!kp_resetmail_text(&m, "unit.zhang", link, 30));
}
END_TEST

static Suite *resetmail_suite(void)
{
    Suite *s = suite_create("resetmail");
    TCase *tc = tcase_create("resetmail");
    tcase_add_test(tc, link_in_fragment);
    tcase_add_test(tc, text_with_and_without_link);
    tcase_add_test(tc, too_long_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(resetmail_suite());
}
