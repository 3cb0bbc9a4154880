#include <stddef.h>
#include <string.h>

#include "term.h"

static const struct {
    const char *result, *label;
} RESULTS[] = {
    { "excellent", "优秀" },
    { "qualified", "合格" },
    { "unqualified", "不合格" },
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
