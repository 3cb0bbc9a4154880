#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "appdoc.h"

bool kp_appdoc_number(const char *batch_code, long long id, char *out, size_t n)
{
    if (id < 1)
        return false;
    int len = snprintf(out, n, "%s-%06lld", batch_code, id);
    return len > 0 && (size_t)len < n;
}

bool kp_appdoc_submitted(const char *status, bool has_submitted_at)
{
    return has_submitted_at && strcmp(status, "draft") != 0 && strcmp(status, "returned") != 0;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

bool kp_appdoc_beijing(const char *utc, char *out, size_t n)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(utc) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)utc[i]) : utc[i] != shape[i])
            return false;
    int y, mo, d, h, mi, s;
    if (sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6 || mo < 1 || mo > 12
        || d < 1 || d > days_in(y, mo) || h > 23 || mi > 59 || s > 60)
        return false;
    /* eight hours on, carried into the next day, month and year */
    if ((h += 8) > 23) {
        h -= 24;
        if (++d > days_in(y, mo)) {
            d = 1;
            if (++mo > 12) {
                mo = 1;
                y++;
            }
        }
    }
    int len = snprintf(out, n, "%d年%d月%d日 %02d:%02d（北京时间）", y, mo, d, h, mi);
    return len > 0 && (size_t)len < n;
}
