/* lib/domain/term: the end-of-term assessment's timing and effect, written
 * from API.md "Term management" (the batch's term must start after the
 * base's ends; no assessment, no effect). */
#include <check.h>
#include <stddef.h>

#include "support/unit.h"
#include "term.h"

START_TEST(results)
{
    ck_assert(kp_term_result_valid("excellent"));
    ck_assert(kp_term_result_valid("qualified"));
    ck_assert(kp_term_result_valid("unqualified"));
    ck_assert(!kp_term_result_valid("good"));
    ck_assert(!kp_term_result_valid("Excellent"));
    ck_assert(!kp_term_result_valid(""));
    ck_assert(!kp_term_result_valid(NULL));
    ck_assert_str_eq(kp_term_result_label("excellent"), "优秀");
    ck_assert_str_eq(kp_term_result_label("qualified"), "合格");
    ck_assert_str_eq(kp_term_result_label("unqualified"), "不合格");
    ck_assert_str_eq(kp_term_result_label("x"), "");
}
END_TEST

START_TEST(timing)
{
    /* a 2021–2025 term: from 2025 on */
    ck_assert(!kp_term_assessable(2021, 2025));
    ck_assert(!kp_term_assessable(2024, 2025));
    ck_assert(kp_term_assessable(2025, 2025));
    ck_assert(kp_term_assessable(2026, 2025));
    ck_assert(kp_term_assessable(2040, 2025));
}
END_TEST

START_TEST(effects)
{
    /* a term ending 2020: the 2021 batch and later; not one starting in 2020 or before */
    ck_assert_int_eq(kp_term_effect("unqualified", 2020, 2021), KP_TERM_BARRED);
    ck_assert_int_eq(kp_term_effect("excellent", 2020, 2021), KP_TERM_CARRY_OVER);
    ck_assert_int_eq(kp_term_effect("qualified", 2020, 2026), KP_TERM_FAST_TRACK);
    for (int start = 2016; start <= 2020; start++) {
        ck_assert_int_eq(kp_term_effect("unqualified", 2020, start), KP_TERM_NONE);
        ck_assert_int_eq(kp_term_effect("excellent", 2020, start), KP_TERM_NONE);
        ck_assert_int_eq(kp_term_effect("qualified", 2020, start), KP_TERM_NONE);
    }
    ck_assert_int_eq(kp_term_effect(NULL, 2020, 2021), KP_TERM_NONE);
    ck_assert_int_eq(kp_term_effect("bogus", 2020, 2021), KP_TERM_NONE);
}
END_TEST

static Suite *term_suite(void)
{
    Suite *s = suite_create("term");
    TCase *tc = tcase_create("term");
    tcase_add_test(tc, results);
    tcase_add_test(tc, timing);
    tcase_add_test(tc, effects);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(term_suite());
}
