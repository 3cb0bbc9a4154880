/* lib/domain/basestate: the base status table, walked whole.  Every
 * (stored status, term over or not, action) is asked; exactly the moves
 * listed here (written from API.md and the module's header, not copied
 * from the table) are allowed. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "basestate.h"
#include "support/unit.h"

static const char *const STATUSES[] = { "valid", "suspended", "revoked", "expired", "" };

static const struct move {
    const char *from;
    bool term_over;
    enum kp_base_action action;
    const char *to;
} ALLOWED[] = {
    { "valid", false, KP_BASE_SUSPEND, "suspended" },
    { "suspended", false, KP_BASE_REINSTATE, "valid" },
    { "valid", false, KP_BASE_REVOKE, "revoked" },
    { "suspended", false, KP_BASE_REVOKE, "revoked" },
    /* the term is over: only revocation */
    { "valid", true, KP_BASE_REVOKE, "revoked" },
    { "suspended", true, KP_BASE_REVOKE, "revoked" },
};

START_TEST(every_move)
{
    int allowed = 0;
    for (size_t s = 0; s < sizeof STATUSES / sizeof *STATUSES; s++)
        for (int over = 0; over < 2; over++)
            for (int a = KP_BASE_SUSPEND; a <= KP_BASE_REVOKE; a++) {
                const char *want = NULL;
                for (size_t i = 0; i < sizeof ALLOWED / sizeof *ALLOWED; i++)
                    if (strcmp(ALLOWED[i].from, STATUSES[s]) == 0 && ALLOWED[i].term_over == over &&
                        ALLOWED[i].action == (enum kp_base_action)a)
                        want = ALLOWED[i].to;
                const char *got = kp_base_transition(STATUSES[s], over, (enum kp_base_action)a);
                if (want == NULL)
                    ck_assert_msg(got == NULL, "%s %d %d: %s", STATUSES[s], over, a, got);
                else {
                    ck_assert_ptr_nonnull(got);
                    ck_assert_str_eq(got, want);
                    allowed++;
                }
            }
    ck_assert_int_eq(allowed, sizeof ALLOWED / sizeof *ALLOWED);
}
END_TEST

START_TEST(actions_by_name)
{
    enum kp_base_action a = KP_BASE_REVOKE;
    ck_assert(kp_base_action_parse("suspend", &a));
    ck_assert_int_eq(a, KP_BASE_SUSPEND);
    ck_assert(kp_base_action_parse("reinstate", &a));
    ck_assert_int_eq(a, KP_BASE_REINSTATE);
    ck_assert(kp_base_action_parse("revoke", &a));
    ck_assert_int_eq(a, KP_BASE_REVOKE);
    ck_assert(!kp_base_action_parse("Revoke", &a));
    ck_assert(!kp_base_action_parse("", &a));
    ck_assert(!kp_base_action_parse("expire", &a));
    ck_assert_int_eq(a, KP_BASE_REVOKE);
}
END_TEST

static Suite *basestate_suite(void)
{
    Suite *s = suite_create("basestate");
    TCase *tc = tcase_create("basestate");
    tcase_add_test(tc, every_move);
    tcase_add_test(tc, actions_by_name);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(basestate_suite());
}
