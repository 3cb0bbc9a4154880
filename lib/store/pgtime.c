#include <string.h>

#include "pgtime.h"

/* `pattern`: 'd' a digit, any other byte itself. */
static bool matches(const char *s, const char *pattern, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pattern[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pattern[i])
            return false;
    return true;
}

bool kp_pgtime_rfc3339(const char *pg, size_t len, char *out)
{
    static const char STAMP[] = "dddd-dd-dd dd:dd:dd";
    const size_t stamp = sizeof STAMP - 1;                      /* 19 */
    if (len < stamp + 3 || !matches(pg, STAMP, stamp) || memcmp(pg + len - 3, "+00", 3) != 0)
        return false;
    size_t frac = len - 3 - stamp;                              /* "" or ".d" to ".dddddd" */
    if (frac == 1 || frac > 7 || (frac > 0 && (pg[stamp] != '.' || !matches(pg + stamp + 1, "dddddd", frac - 1))))
        return false;
    memcpy(out, pg, stamp);
    out[10] = 'T';
    out[stamp] = 'Z';
    out[stamp + 1] = '\0';
    return true;
}
