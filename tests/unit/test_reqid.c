/* lib/reqid: a client's X-Request-Id is echoed and logged only when it is
 * harmless; otherwise we make one up. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "reqid.h"
#include "support/unit.h"

START_TEST(sane)
{
    ck_assert(kp_reqid_is_sane("a"));
    ck_assert(kp_reqid_is_sane("abc-123"));
    ck_assert(kp_reqid_is_sane("Req.1_2:3-4"));
    ck_assert(kp_reqid_is_sane("0123456789abcdefABCDEF"));
    ck_assert(kp_reqid_is_sane("550e8400-e29b-41d4-a716-446655440000"));
    char id[KP_REQID_MAX + 2];
    memset(id, 'a', KP_REQID_MAX);
    id[KP_REQID_MAX] = '\0';
    ck_assert_uint_eq(strlen(id), 64);
    ck_assert(kp_reqid_is_sane(id));
    id[KP_REQID_MAX] = 'a';
    id[KP_REQID_MAX + 1] = '\0';
    ck_assert_uint_eq(strlen(id), 65);
    ck_assert(!kp_reqid_is_sane(id));
}
END_TEST

START_TEST(refused)
{
    const char *bad[] = { "", "a b", "a\nb", "abc\n", "a\rb", "a\tb", "a\"b", "a'b", "a/b",
                          "a\\b", "a;b", "a,b", "a=b", "a%0Ab", "<script>", "中文", "a\x7f",
                          "a\x01", "a{b}", "a+b" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!kp_reqid_is_sane(bad[i]), "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(new_ids)
{
    ck_assert_int_ge(sodium_init(), 0);
    char a[33], b[33];
    memset(a, 'x', sizeof a);
    memset(b, 'x', sizeof b);
    kp_reqid_new(a);
    kp_reqid_new(b);
    ck_assert_uint_eq(strlen(a), 32);
    ck_assert_uint_eq(strlen(b), 32);
    for (size_t i = 0; i < 32; i++)
        ck_assert_msg((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'), "%s", a);
    ck_assert(kp_reqid_is_sane(a));
    ck_assert_str_ne(a, b);
}
END_TEST

static Suite *reqid_suite(void)
{
    Suite *s = suite_create("reqid");
    TCase *tc = tcase_create("reqid");
    tcase_add_test(tc, sane);
    tcase_add_test(tc, refused);
    tcase_add_test(tc, new_ids);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(reqid_suite());
}
