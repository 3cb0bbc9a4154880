/* lib/domain/mailkind: which notifications are mailed, the page each role
 * is sent to, and the body with its link and footer. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mailkind.h"
#include "support/unit.h"

START_TEST(kinds)
{
    ck_assert_int_eq(kp_mailkind_of("application.returned"), KP_MAIL_ESSENTIAL);
    ck_assert_int_eq(kp_mailkind_of("application.declined"), KP_MAIL_ESSENTIAL);
    ck_assert_int_eq(kp_mailkind_of("application.recommended"), KP_MAIL_ESSENTIAL);
    ck_assert_int_eq(kp_mailkind_of("password.reset"), KP_MAIL_ESSENTIAL);
    ck_assert_int_eq(kp_mailkind_of("application.submitted"), KP_MAIL_OPTIONAL);
    ck_assert_int_eq(kp_mailkind_of("assignment.assigned"), KP_MAIL_OPTIONAL);
    ck_assert_int_eq(kp_mailkind_of("remind.some_new_kind"), KP_MAIL_OPTIONAL);   /* unlisted: mailed */
    ck_assert_int_eq(kp_mailkind_of("contact.filed"), KP_MAIL_NEVER);
}
END_TEST

START_TEST(paths)
{
    char p[64];
    json_t *app = json_pack("{s:i}", "application_id", 7);
    kp_mailkind_path("applicant", app, p, sizeof p);
    ck_assert_str_eq(p, "/applications/7");
    kp_mailkind_path("recommender", app, p, sizeof p);
    ck_assert_str_eq(p, "/review/7");
    kp_mailkind_path("admin", app, p, sizeof p);
    ck_assert_str_eq(p, "/admin/applications/7");
    kp_mailkind_path("expert", app, p, sizeof p);
    ck_assert_str_eq(p, "/notifications");
    json_decref(app);
    json_t *str = json_pack("{s:s}", "application_id", "7/../../x");
    kp_mailkind_path("applicant", str, p, sizeof p);
    ck_assert_str_eq(p, "/notifications");                    /* only an integer makes a path */
    json_decref(str);
    kp_mailkind_path("applicant", NULL, p, sizeof p);
    ck_assert_str_eq(p, "/notifications");
}
END_TEST

START_TEST(bodies)
{
    char *b = kp_mailkind_body("申报被退回修改", "请补充近三年活动照片", "https://kpjd.example.cn", "/applications/7", true);
    ck_assert(strncmp(b, "申报被退回修改\n\n请补充近三年活动照片\n\n", strlen("申报被退回修改\n\n请补充近三年活动照片\n\n")) == 0);
    ck_assert_ptr_nonnull(strstr(b, "\nhttps://kpjd.example.cn/applications/7\n"));
    ck_assert_ptr_nonnull(strstr(b, "自动发送"));
    ck_assert_ptr_nonnull(strstr(b, "重要通知"));
    free(b);
    b = kp_mailkind_body("收到申报", "", "https://kpjd.example.cn", "/review/7", false);
    ck_assert(strncmp(b, "收到申报\n\n请登录", strlen("收到申报\n\n请登录")) == 0);   /* no empty paragraph */
    ck_assert_ptr_nonnull(strstr(b, "“账户”页面"));
    free(b);
}
END_TEST

static Suite *mailkind_suite(void)
{
    Suite *s = suite_create("mailkind");
    TCase *tc = tcase_create("mailkind");
    tcase_add_test(tc, kinds);
    tcase_add_test(tc, paths);
    tcase_add_test(tc, bodies);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(mailkind_suite());
}
