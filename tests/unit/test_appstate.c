/* lib/domain/appstate: the application state table, walked whole.  Every
 * (status, action, role) is asked; exactly the moves listed here (written
 * from API.md, not copied from the table) are allowed. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "appstate.h"
#include "support/unit.h"

static const char *const STATUSES[] = {
    "draft", "submitted", "returned", "recommended", "not_recommended", "expired",
    "initial_passed", "initial_failed", "onsite_failed", "proposed", "final_rejected", "named",
    "withdrawn_after_objection",
};
#define NSTATUSES (sizeof STATUSES / sizeof *STATUSES)
#define NACTIONS (KP_APP_NAME + 1)
#define NROLES (KP_ROLE_EXPERT + 1)

static const struct move {
    const char *from;
    enum kp_app_action action;
    enum kp_role role;
    const char *to;
} ALLOWED[] = {
    /* the applicant edits and submits; the recommender reviews */
    { "draft", KP_APP_EDIT, KP_ROLE_APPLICANT, "draft" },
    { "returned", KP_APP_EDIT, KP_ROLE_APPLICANT, "returned" },
    { "draft", KP_APP_SUBMIT, KP_ROLE_APPLICANT, "submitted" },
    { "returned", KP_APP_SUBMIT, KP_ROLE_APPLICANT, "submitted" },
    { "submitted", KP_APP_RETURN, KP_ROLE_RECOMMENDER, "returned" },
    { "submitted", KP_APP_DECLINE, KP_ROLE_RECOMMENDER, "not_recommended" },
    { "submitted", KP_APP_RECOMMEND, KP_ROLE_RECOMMENDER, "recommended" },
    { "recommended", KP_APP_WITHDRAW, KP_ROLE_RECOMMENDER, "submitted" },
    /* the batch moves to evaluating: the unfinished ones expire (the system) */
    { "draft", KP_APP_EXPIRE, KP_ROLE_ANONYMOUS, "expired" },
    { "submitted", KP_APP_EXPIRE, KP_ROLE_ANONYMOUS, "expired" },
    { "returned", KP_APP_EXPIRE, KP_ROLE_ANONYMOUS, "expired" },
    /* 初评: the admin passes or fails a recommended one, and may change it */
    { "recommended", KP_APP_INITIAL_PASS, KP_ROLE_ADMIN, "initial_passed" },
    { "recommended", KP_APP_INITIAL_FAIL, KP_ROLE_ADMIN, "initial_failed" },
    { "initial_passed", KP_APP_INITIAL_PASS, KP_ROLE_ADMIN, "initial_passed" },
    { "initial_passed", KP_APP_INITIAL_FAIL, KP_ROLE_ADMIN, "initial_failed" },
    { "initial_failed", KP_APP_INITIAL_PASS, KP_ROLE_ADMIN, "initial_passed" },
    { "initial_failed", KP_APP_INITIAL_FAIL, KP_ROLE_ADMIN, "initial_failed" },
    /* 实地核查 of a sampled one: a fail sets it aside, a pass keeps or restores it */
    { "initial_passed", KP_APP_ONSITE_PASS, KP_ROLE_ADMIN, "initial_passed" },
    { "initial_passed", KP_APP_ONSITE_FAIL, KP_ROLE_ADMIN, "onsite_failed" },
    { "onsite_failed", KP_APP_ONSITE_PASS, KP_ROLE_ADMIN, "initial_passed" },
    { "onsite_failed", KP_APP_ONSITE_FAIL, KP_ROLE_ADMIN, "onsite_failed" },
    /* 终评: the proposed list, once, from the final candidates */
    { "initial_passed", KP_APP_PROPOSE, KP_ROLE_ADMIN, "proposed" },
    { "initial_passed", KP_APP_FINAL_REJECT, KP_ROLE_ADMIN, "final_rejected" },
    /* 公示: an upheld objection withdraws a proposed one */
    { "proposed", KP_APP_OBJECTION_UPHELD, KP_ROLE_ADMIN, "withdrawn_after_objection" },
    /* 认定命名: every proposed one of the batch, after the public notice */
    { "proposed", KP_APP_NAME, KP_ROLE_ADMIN, "named" },
};

static const char *expected(const char *from, enum kp_app_action action, enum kp_role role)
{
    for (size_t i = 0; i < sizeof ALLOWED / sizeof *ALLOWED; i++)
        if (ALLOWED[i].action == action && ALLOWED[i].role == role && strcmp(ALLOWED[i].from, from) == 0)
            return ALLOWED[i].to;
    return NULL;
}

START_TEST(every_move_as_listed)
{
    size_t allowed = 0;
    for (size_t s = 0; s < NSTATUSES; s++)
        for (int a = 0; a < NACTIONS; a++)
            for (int role = 0; role < NROLES; role++) {
                const char *want = expected(STATUSES[s], (enum kp_app_action)a, (enum kp_role)role);
                const char *got = kp_app_transition(STATUSES[s], (enum kp_app_action)a, (enum kp_role)role);
                ck_assert_msg((want == NULL) == (got == NULL) && (want == NULL || strcmp(want, got) == 0),
                              "%s, action %d, role %d: want %s, got %s", STATUSES[s], a, role,
                              want ? want : "refused", got ? got : "refused");
                allowed += got != NULL;
            }
    ck_assert_uint_eq(allowed, sizeof ALLOWED / sizeof *ALLOWED);
}
END_TEST

START_TEST(unknown_status_moves_nowhere)
{
    ck_assert_ptr_null(kp_app_transition("", KP_APP_EDIT, KP_ROLE_APPLICANT));
    ck_assert_ptr_null(kp_app_transition("Draft", KP_APP_EDIT, KP_ROLE_APPLICANT));
    ck_assert_ptr_null(kp_app_transition("recommended ", KP_APP_INITIAL_PASS, KP_ROLE_ADMIN));
}
END_TEST

START_TEST(statuses_and_labels)
{
    for (size_t s = 0; s < NSTATUSES; s++) {
        ck_assert_msg(kp_app_status_valid(STATUSES[s]), "%s", STATUSES[s]);
        ck_assert_str_ne(kp_app_status_label(STATUSES[s]), STATUSES[s]);     /* has a Chinese name */
    }
    ck_assert(!kp_app_status_valid("open"));
    ck_assert_str_eq(kp_app_status_label("initial_failed"), "初评未通过");
    ck_assert_str_eq(kp_app_status_label("nonsense"), "nonsense");
    ck_assert(kp_app_category_valid("natural_resources"));
    ck_assert(!kp_app_category_valid("museum"));
    ck_assert_str_eq(kp_app_category_label("venue"), "科技场馆类");
}
END_TEST

/* A first submission meets the unit deadline; a returned one only the
 * recommend deadline. */
START_TEST(submit_deadline_binds_first_submissions)
{
    ck_assert(kp_app_submit_deadline_binds("draft"));
    ck_assert(!kp_app_submit_deadline_binds("returned"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("appstate");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, every_move_as_listed);
    tcase_add_test(tc, unknown_status_moves_nowhere);
    tcase_add_test(tc, statuses_and_labels);
    tcase_add_test(tc, submit_deadline_binds_first_submissions);
    suite_add_tcase(s, tc);
    return kp_test_run(s);
}
