#include <stddef.h>
#include <string.h>

#include "annual.h"

const char *kp_annual_year_refusal(int year, int term_start, int term_end, int current)
{
    if (year < term_start)
        return "年份早于基地届期";
    if (year > term_end)
        return "年份晚于基地届期";
    if (year > current)
        return "该年度尚未开始，不能提交报告";
    return NULL;
}

static const struct {
    const char *grade, *label;
} GRADES[] = {
    { "excellent", "优秀" },
    { "good", "良好" },
    { "qualified", "合格" },
    { "unqualified", "不合格" },
};

bool kp_annual_grade_valid(const char *grade)
{
    for (size_t i = 0; i < sizeof GRADES / sizeof *GRADES; i++)
        if (strcmp(GRADES[i].grade, grade) == 0)
            return true;
    return false;
}

const char *kp_annual_grade_label(const char *grade)
{
    for (size_t i = 0; i < sizeof GRADES / sizeof *GRADES; i++)
        if (strcmp(GRADES[i].grade, grade) == 0)
            return GRADES[i].label;
    return grade;
}

bool kp_annual_score_exact(double score)
{
    /* the nearest whole number of hundredths is within 1e-6 of a score
     * written with two decimals, for scores up to 100 */
    double hundredths = score * 100.0;
    double off = hundredths - (double)(long long)(hundredths + 0.5);
    return off > -1e-6 && off < 1e-6;
}
