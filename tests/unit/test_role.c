/* lib/role: who a route admits.  Denied unless declared. */
#include <check.h>
#include <stdlib.h>

#include "role.h"
#include "support/unit.h"

static const enum kp_role all[] = { KP_ROLE_ANONYMOUS, KP_ROLE_ADMIN, KP_ROLE_RECOMMENDER,
                                    KP_ROLE_APPLICANT, KP_ROLE_EXPERT };
#define NALL (sizeof all / sizeof all[0])

START_TEST(names)
{
    ck_assert_str_eq(kp_role_name(KP_ROLE_ANONYMOUS), "anonymous");
    ck_assert_str_eq(kp_role_name(KP_ROLE_ADMIN), "admin");
    ck_assert_str_eq(kp_role_name(KP_ROLE_RECOMMENDER), "recommender");
    ck_assert_str_eq(kp_role_name(KP_ROLE_APPLICANT), "applicant");
    ck_assert_str_eq(kp_role_name(KP_ROLE_EXPERT), "expert");
    ck_assert_str_eq(kp_role_name((enum kp_role)99), "unknown");
    ck_assert_str_eq(kp_role_name((enum kp_role)-1), "unknown");
}
END_TEST

START_TEST(parse)
{
    for (size_t i = 1; i < NALL; i++) {
        enum kp_role r = KP_ROLE_ANONYMOUS;
        ck_assert(kp_role_parse(kp_role_name(all[i]), &r));
        ck_assert_int_eq(r, all[i]);
    }
    /* "anonymous" is the absence of a role, never a stored one */
    const char *bad[] = { "anonymous", "Admin", "ADMIN", "admin ", "", "unknown", "root" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum kp_role r = KP_ROLE_EXPERT;
        ck_assert_msg(!kp_role_parse(bad[i], &r), "'%s' parsed", bad[i]);
        ck_assert_int_eq(r, KP_ROLE_EXPERT);
    }
}
END_TEST

START_TEST(nobody_unless_declared)
{
    for (size_t i = 0; i < NALL; i++)
        ck_assert_msg(!kp_role_admitted(0, all[i]), "%s admitted by 0", kp_role_name(all[i]));
}
END_TEST

START_TEST(public_admits_everyone)
{
    for (size_t i = 0; i < NALL; i++) {
        ck_assert(kp_role_admitted(KP_PUBLIC, all[i]));
        ck_assert(kp_role_admitted(KP_PUBLIC | KP_ADMIN, all[i]));
    }
}
END_TEST

START_TEST(signed_in)
{
    ck_assert(!kp_role_admitted(KP_SIGNED_IN, KP_ROLE_ANONYMOUS));
    for (size_t i = 1; i < NALL; i++)
        ck_assert(kp_role_admitted(KP_SIGNED_IN, all[i]));
}
END_TEST

/* Every single-role set admits exactly that role. */
START_TEST(one_role_each)
{
    const unsigned sets[] = { KP_ADMIN, KP_RECOMMENDER, KP_APPLICANT, KP_EXPERT };
    for (size_t s = 0; s < 4; s++)
        for (size_t i = 0; i < NALL; i++)
            ck_assert_msg(kp_role_admitted(sets[s], all[i]) == (i == s + 1),
                          "set %zu, role %s", s, kp_role_name(all[i]));
    ck_assert(kp_role_admitted(KP_ADMIN | KP_EXPERT, KP_ROLE_EXPERT));
    ck_assert(!kp_role_admitted(KP_ADMIN | KP_EXPERT, KP_ROLE_APPLICANT));
    ck_assert(!kp_role_admitted(KP_ADMIN | KP_EXPERT, KP_ROLE_ANONYMOUS));
}
END_TEST

static Suite *role_suite(void)
{
    Suite *s = suite_create("role");
    TCase *tc = tcase_create("role");
    tcase_add_test(tc, names);
    tcase_add_test(tc, parse);
    tcase_add_test(tc, nobody_unless_declared);
    tcase_add_test(tc, public_admits_everyone);
    tcase_add_test(tc, signed_in);
    tcase_add_test(tc, one_role_each);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(role_suite());
}
