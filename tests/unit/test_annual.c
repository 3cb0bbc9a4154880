/* lib/domain/annual: the years a base may report on (every year around a
 * term, against several current years), grades and their labels, and
 * scores with at most two decimals. */
#include <check.h>
#include <string.h>

#include "annual.h"
#include "support/unit.h"

START_TEST(years)
{
    /* term 2021–2025: written out from API.md, "year inside the term and
     * not after the current year" */
    for (int current = 2019; current <= 2028; current++)
        for (int year = 2015; year <= 2030; year++) {
            bool want = year >= 2021 && year <= 2025 && year <= current;
            const char *why = kp_annual_year_refusal(year, 2021, 2025, current);
            ck_assert_msg((why == NULL) == want, "%d in %d: %s", year, current, why ? why : "ok");
        }
    ck_assert_str_eq(kp_annual_year_refusal(2020, 2021, 2025, 2030), "年份早于基地届期");
    ck_assert_str_eq(kp_annual_year_refusal(2026, 2021, 2025, 2030), "年份晚于基地届期");
    ck_assert_str_eq(kp_annual_year_refusal(2024, 2021, 2025, 2023), "该年度尚未开始，不能提交报告");
}
END_TEST

START_TEST(grades)
{
    const char *valid[] = { "excellent", "good", "qualified", "unqualified" };
    const char *labels[] = { "优秀", "良好", "合格", "不合格" };
    for (size_t i = 0; i < 4; i++) {
        ck_assert(kp_annual_grade_valid(valid[i]));
        ck_assert_str_eq(kp_annual_grade_label(valid[i]), labels[i]);
    }
    const char *invalid[] = { "", "Excellent", "pass", "excellent ", "优秀" };
    for (size_t i = 0; i < 5; i++)
        ck_assert(!kp_annual_grade_valid(invalid[i]));
    ck_assert_str_eq(kp_annual_grade_label("pass"), "pass");
}
END_TEST

START_TEST(scores)
{
    ck_assert(kp_annual_score_exact(0));
    ck_assert(kp_annual_score_exact(100));
    ck_assert(kp_annual_score_exact(87.5));
    ck_assert(kp_annual_score_exact(90.25));
    ck_assert(kp_annual_score_exact(0.01));
    ck_assert(kp_annual_score_exact(99.99));
    ck_assert(!kp_annual_score_exact(90.125));
    ck_assert(!kp_annual_score_exact(0.001));
    ck_assert(!kp_annual_score_exact(33.333));
}
END_TEST

static Suite *annual_suite(void)
{
    Suite *s = suite_create("annual");
    TCase *tc = tcase_create("annual");
    tcase_add_test(tc, years);
    tcase_add_test(tc, grades);
    tcase_add_test(tc, scores);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(annual_suite());
}
