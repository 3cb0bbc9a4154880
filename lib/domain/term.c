#include <stddef.h>
#include <string.h>

#include "term.h"

static const struct {
    const char *result, *label;
    enum kp_term_effect effect;
} RESULTS[] = {
    { "excellent", "优秀", KP_TERM_CARRY_OVER },
    { "qualified", "合格", KP_TERM_FAST_TRACK },
    { "unqualified", "不合格", KP_TERM_BARRED },
};

static int find(const char *result)
{
    for (size_t i = 0; result != NULL && i < sizeof RESULTS / sizeof *RESULTS; i++)
        if (strcmp(RESULTS[i].result, result) == 0)
            return (int)i;
    return -1;
}

bool kp_term_result_valid(const char *result)
{
    return find(result) >= 0;
}

const char *kp_term_result_label(const char *result)
{
    int i = find(result);
    return i < 0 ? "" : RESULTS[i].label;
}

bool kp_term_assessable(int year, int term_end_year)
{
    return year >= term_end_year;
}

enum kp_term_effect kp_term_effect(const char *result, int term_end_year, int batch_start_year)
{
    int i = find(result);
    return i >= 0 && batch_start_year > term_end_year ? RESULTS[i].effect : KP_TERM_NONE;
}
