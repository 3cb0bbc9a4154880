/* lib/principal: the row-level scopes every handler binds into its WHERE
 * clause.  A wrong "all" or owner here shows one user another's rows. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "principal.h"
#include "support/unit.h"

static struct kp_principal who(enum kp_role role, long long user_id, long long org_id)
{
    struct kp_principal p;
    memset(&p, 0, sizeof p);
    p.role = role;
    p.user_id = user_id;
    p.session_id = 99;
    p.org_id = org_id;
    return p;
}

/* A scope filled with junk first, so that nothing passes by accident. */
static struct kp_rowscope junk(void)
{
    struct kp_rowscope s;
    memset(&s, 'x', sizeof s);
    s.all[sizeof s.all - 1] = '\0';
    s.owner[sizeof s.owner - 1] = '\0';
    return s;
}

START_TEST(own_user_signed_in)
{
    const enum kp_role roles[] = { KP_ROLE_ADMIN, KP_ROLE_RECOMMENDER, KP_ROLE_APPLICANT,
                                   KP_ROLE_EXPERT };
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        struct kp_principal p = who(roles[i], 41 + (long long)i, 7);
        struct kp_rowscope s = junk();
        kp_rowscope_own_user(&p, &s);
        /* nobody sees another user's rows, the admin included */
        ck_assert_msg(strcmp(s.all, "false") == 0, "%s: all = %s", kp_role_name(roles[i]), s.all);
        char want[24];
        snprintf(want, sizeof want, "%lld", 41 + (long long)i);
        ck_assert_msg(strcmp(s.owner, want) == 0, "%s: owner %s, expected %s",
                      kp_role_name(roles[i]), s.owner, want);
    }
}
END_TEST

START_TEST(own_user_large_id)
{
    struct kp_principal p = who(KP_ROLE_APPLICANT, 9223372036854775807LL, 0);
    struct kp_rowscope s = junk();
    kp_rowscope_own_user(&p, &s);
    ck_assert_str_eq(s.all, "false");
    ck_assert_str_eq(s.owner, "9223372036854775807");
}
END_TEST

START_TEST(own_user_anonymous)
{
    /* even with a stale user id left in the struct, anonymous owns nothing */
    struct kp_principal p = who(KP_ROLE_ANONYMOUS, 5, 3);
    struct kp_rowscope s = junk();
    kp_rowscope_own_user(&p, &s);
    ck_assert_str_eq(s.all, "false");
    ck_assert_str_eq(s.owner, "0");
    p = who(KP_ROLE_ANONYMOUS, 0, 0);
    s = junk();
    kp_rowscope_own_user(&p, &s);
    ck_assert_str_eq(s.all, "false");
    ck_assert_str_eq(s.owner, "0");
}
END_TEST

START_TEST(own_org_admin_sees_all)
{
    struct kp_principal p = who(KP_ROLE_ADMIN, 1, 0);
    struct kp_rowscope s = junk();
    kp_rowscope_own_org(&p, &s);
    ck_assert_str_eq(s.all, "true");
    ck_assert_str_eq(s.owner, "0");
    p = who(KP_ROLE_ADMIN, 1, 12);
    s = junk();
    kp_rowscope_own_org(&p, &s);
    ck_assert_str_eq(s.all, "true");
}
END_TEST

START_TEST(own_org_others)
{
    const enum kp_role roles[] = { KP_ROLE_RECOMMENDER, KP_ROLE_APPLICANT, KP_ROLE_EXPERT };
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        struct kp_principal p = who(roles[i], 3, 500 + (long long)i);
        struct kp_rowscope s = junk();
        kp_rowscope_own_org(&p, &s);
        ck_assert_msg(strcmp(s.all, "false") == 0, "%s: all = %s", kp_role_name(roles[i]), s.all);
        char want[24];
        snprintf(want, sizeof want, "%lld", 500 + (long long)i);
        /* the organisation's id, not the user's */
        ck_assert_msg(strcmp(s.owner, want) == 0, "%s: owner %s, expected %s",
                      kp_role_name(roles[i]), s.owner, want);
    }
}
END_TEST

START_TEST(own_org_anonymous)
{
    struct kp_principal p = who(KP_ROLE_ANONYMOUS, 5, 3);
    struct kp_rowscope s = junk();
    kp_rowscope_own_org(&p, &s);
    ck_assert_str_eq(s.all, "false");
    ck_assert_str_eq(s.owner, "0");
}
END_TEST

START_TEST(batchscope_drafts_are_the_admins)
{
    struct kp_principal p = who(KP_ROLE_ADMIN, 1, 0);
    ck_assert_str_eq(kp_batchscope_for(&p), "true");
    const enum kp_role others[] = { KP_ROLE_RECOMMENDER, KP_ROLE_APPLICANT, KP_ROLE_EXPERT,
                                    KP_ROLE_ANONYMOUS };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        p = who(others[i], 2, 9);
        ck_assert_msg(strcmp(kp_batchscope_for(&p), "false") == 0, "%s sees drafts",
                      kp_role_name(others[i]));
    }
    ck_assert_str_eq(KP_BATCHSCOPE_SQL("$4"), "($4::boolean OR b.status <> 'draft')");
}
END_TEST

static Suite *principal_suite(void)
{
    Suite *s = suite_create("principal");
    TCase *tc = tcase_create("rowscope");
    tcase_add_test(tc, own_user_signed_in);
    tcase_add_test(tc, own_user_large_id);
    tcase_add_test(tc, own_user_anonymous);
    tcase_add_test(tc, own_org_admin_sees_all);
    tcase_add_test(tc, own_org_others);
    tcase_add_test(tc, own_org_anonymous);
    tcase_add_test(tc, batchscope_drafts_are_the_admins);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(principal_suite());
}
