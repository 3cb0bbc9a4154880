#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

bool kp_valid_mobile(const char *s)
{
    if (strlen(s) != 11 || s[0] != '1')
        return false;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

bool kp_valid_phone(const char *s)
{
    size_t n = strlen(s), digits = 0;
    if (n < 7 || n > 20)
        return false;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (!strchr(" +-()", *p))
            return false;
    }
    return digits >= 7;
}

bool kp_valid_mainland_phone(const char *s)
{
    char d[33];                      /* the digits, separators dropped */
    size_t n = 0;
    bool plus = false;
    if (strlen(s) > 32)
        return false;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p))
            d[n++] = *p;
        else if (*p == '+' && p == s)
            plus = true;
        else if (!strchr(" -()", *p) || (n == 0 && *p != '('))
            return false;            /* a separator only after a digit, or a bracket first */
    }
    if (n == 0 || !isdigit((unsigned char)s[strlen(s) - 1]))
        return false;                /* a separator last */
    d[n] = '\0';
    const char *x = d;
    bool country = false;
    if (plus || strncmp(x, "0086", 4) == 0) {
        x += plus ? 0 : 2;
        if (strncmp(x, "86", 2) != 0)
            return false;
        x += 2;
        country = true;
    }
    size_t len = strlen(x);
    if (len == 11 && x[0] == '1' && x[1] >= '3')
        return true;                 /* a mobile */
    char land[34];                   /* the landline with its leading 0 */
    if (country && (len < 9 || x[0] == '0'))
        return false;
    snprintf(land, sizeof land, "%s%s", country ? "0" : "", x);
    len = strlen(land);
    if (land[0] != '0' || len < 11 || len > 12)
        return false;
    /* 010, 020–029: three-digit area codes; every other is four digits */
    size_t area = land[1] == '1' || land[1] == '2' ? 3 : 4;
    if (land[1] == '1' && land[2] != '0')
        return false;
    size_t local = len - area;
    if (land[area] == '0' || land[area] == '1')
        return false;
    return area == 3 ? local == 8 : local == 7 || local == 8;
}

static bool digits(const char *s, int n, int *value)
{
    *value = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        *value = *value * 10 + (s[i] - '0');
    }
    return true;
}

/* "YYYY-MM-DD" at the start of s, a real date from 1900 on. */
static bool date_prefix(const char *s)
{
    int y, mo, d;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return false;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1900 && mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] &&
           !(mo == 2 && d == 29 && !leap);
}

bool kp_valid_date(const char *s)
{
    return strlen(s) == 10 && date_prefix(s);
}

bool kp_valid_rfc3339(const char *s)
{
    int h, mi, sec;
    if (strlen(s) < 20 || !date_prefix(s) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 59)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        const char *q = ++p;
        while (isdigit((unsigned char)*p))
            p++;
        if (p == q || p - q > 6)
            return false;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        return true;
    int zh, zm;
    return (*p == '+' || *p == '-') && digits(p + 1, 2, &zh) && p[3] == ':' &&
           digits(p + 4, 2, &zm) && p[6] == '\0' && zh * 60 + zm <= 14 * 60 && zm <= 59;
}

bool kp_valid_recommender_kind(const char *s)
{
    return !strcmp(s, "outline_office") || !strcmp(s, "national_society") ||
           !strcmp(s, "provincial_cast");
}
