/* Annual reports (年度科普工作报告) and their evaluation (年度科普绩效评估):
 * which year a base may report on, and the grades of the evaluation. */
#ifndef KP_ANNUAL_H
#define KP_ANNUAL_H

#include <stdbool.h>

/* Why a base of term [term_start, term_end] may not report on `year` when
 * the current year in China (by the database clock) is `current`: a
 * Chinese sentence in static storage, or NULL when it may.  A year that
 * has not yet begun has nothing to report; a past year of the term may
 * still be reported on, after the term too. */
const char *kp_annual_year_refusal(int year, int term_start, int term_end, int current);

/* Whether `grade` is one of excellent, good, qualified, unqualified. */
bool kp_annual_grade_valid(const char *grade);

/* The grade as the programme writes it (优秀, 良好, 合格, 不合格); the
 * text itself for anything else.  Static storage or `grade`. */
const char *kp_annual_grade_label(const char *grade);

/* Whether a score (0–100; not negative) is written with at most two decimals, as the
 * column keeps it: 87.5 and 90.25 are, 90.125 is not. */
bool kp_annual_score_exact(double score);

#endif
