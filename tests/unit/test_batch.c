/* lib/batch: a batch's statuses by name, and its one-way life
 * draft → open → evaluating → publicity → closed, one step at a time. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "support/unit.h"

static const char *const NAMES[] = { "draft", "open", "evaluating", "publicity", "closed" };
#define NSTATUS 5

START_TEST(names_round_trip)
{
    ck_assert_int_eq(KP_BATCH_DRAFT, 0);
    ck_assert_int_eq(KP_BATCH_CLOSED, NSTATUS - 1);
    for (int i = 0; i < NSTATUS; i++) {
        enum kp_batch_status s = (enum kp_batch_status)99;
        ck_assert_msg(kp_batch_status_parse(NAMES[i], &s), "%s", NAMES[i]);
        ck_assert_int_eq(s, i);
        ck_assert_str_eq(kp_batch_status_name(s), NAMES[i]);
    }
    enum kp_batch_status s;
    ck_assert(kp_batch_status_parse("evaluating", &s));
    ck_assert_int_eq(s, KP_BATCH_EVALUATING);
    ck_assert(kp_batch_status_parse("publicity", &s));
    ck_assert_int_eq(s, KP_BATCH_PUBLICITY);
    ck_assert_str_eq(kp_batch_status_name(KP_BATCH_OPEN), "open");
}
END_TEST

START_TEST(unknown_names_refused)
{
    const char *bad[] = { "", "Draft", "OPEN", "drafts", "dra", "open ", " open", "closed\n",
                          "evaluate", "public", "published", "archived", "unknown", "0" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        enum kp_batch_status s = KP_BATCH_PUBLICITY;
        ck_assert_msg(!kp_batch_status_parse(bad[k], &s), "\"%s\" accepted", bad[k]);
        ck_assert_msg(s == KP_BATCH_PUBLICITY, "\"%s\" wrote the status", bad[k]);
    }
    /* the name of something that is no status */
    const char *n = kp_batch_status_name((enum kp_batch_status)NSTATUS);
    ck_assert_ptr_nonnull(n);
    for (int i = 0; i < NSTATUS; i++)
        ck_assert_str_ne(n, NAMES[i]);
    n = kp_batch_status_name((enum kp_batch_status)-1);
    ck_assert_ptr_nonnull(n);
    for (int i = 0; i < NSTATUS; i++)
        ck_assert_str_ne(n, NAMES[i]);
}
END_TEST

START_TEST(moves)
{
    /* the whole table: only to the next status */
    for (int from = 0; from < NSTATUS; from++)
        for (int to = 0; to < NSTATUS; to++) {
            bool want = to == from + 1;
            bool got = kp_batch_may_move((enum kp_batch_status)from, (enum kp_batch_status)to);
            ck_assert_msg(got == want, "%s → %s: %s", NAMES[from], NAMES[to],
                          got ? "allowed" : "refused");
        }
    ck_assert(kp_batch_may_move(KP_BATCH_DRAFT, KP_BATCH_OPEN));
    ck_assert(kp_batch_may_move(KP_BATCH_OPEN, KP_BATCH_EVALUATING));
    ck_assert(kp_batch_may_move(KP_BATCH_EVALUATING, KP_BATCH_PUBLICITY));
    ck_assert(kp_batch_may_move(KP_BATCH_PUBLICITY, KP_BATCH_CLOSED));
    ck_assert(!kp_batch_may_move(KP_BATCH_CLOSED, KP_BATCH_CLOSED));
    ck_assert(!kp_batch_may_move(KP_BATCH_OPEN, KP_BATCH_DRAFT));
    ck_assert(!kp_batch_may_move(KP_BATCH_DRAFT, KP_BATCH_EVALUATING));
    /* nothing after closed, nothing from or to what is no status */
    ck_assert(!kp_batch_may_move(KP_BATCH_CLOSED, (enum kp_batch_status)NSTATUS));
    ck_assert(!kp_batch_may_move((enum kp_batch_status)NSTATUS, (enum kp_batch_status)(NSTATUS + 1)));
    ck_assert(!kp_batch_may_move((enum kp_batch_status)-1, KP_BATCH_DRAFT));
}
END_TEST

START_TEST(edit_moves)
{
    /* an edit opens a batch and starts its evaluation; its notice and its
     * naming move it on */
    ck_assert(!kp_batch_edit_may_enter(KP_BATCH_DRAFT));
    ck_assert(kp_batch_edit_may_enter(KP_BATCH_OPEN));
    ck_assert(kp_batch_edit_may_enter(KP_BATCH_EVALUATING));
    ck_assert(!kp_batch_edit_may_enter(KP_BATCH_PUBLICITY));
    ck_assert(!kp_batch_edit_may_enter(KP_BATCH_CLOSED));
}
END_TEST

static Suite *batch_suite(void)
{
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("batch");
    tcase_add_test(tc, names_round_trip);
    tcase_add_test(tc, unknown_names_refused);
    tcase_add_test(tc, moves);
    tcase_add_test(tc, edit_moves);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(batch_suite());
}
