#include <string.h>

#include "creditcode.h"
#include "problem.h"

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";   /* 31 characters */
static const int weights[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };

static int value_of(char c)
{
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

char kp_creditcode_check_char(const char *code17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = value_of(code17[i]);
        if (v < 0)
            return '\0';
        sum += v * weights[i];
    }
    int check = 31 - sum % 31;
    return alphabet[check == 31 ? 0 : check];
}

enum kp_creditcode_verdict kp_creditcode_check(const char *code)
{
    if (strlen(code) != KP_CREDITCODE_LEN)
        return KP_CREDITCODE_LENGTH;
    for (int i = 0; i < KP_CREDITCODE_LEN; i++)
        if (value_of(code[i]) < 0)
            return KP_CREDITCODE_CHARSET;
    return kp_creditcode_check_char(code) == code[17] ? KP_CREDITCODE_OK : KP_CREDITCODE_CHECK;
}

bool kp_creditcode_normalize(const char *in, char *out, size_t n)
{
    if (n == 0)
        return false;                     /* not even room for the NUL */
    size_t j = 0;
    for (const char *p = in; *p; p++) {
        if (*p == ' ')
            continue;
        if (j + 1 >= n)
            return false;
        out[j++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
    }
    out[j] = '\0';
    return true;
}

bool kp_creditcode_take(const char *typed, char out[KP_CREDITCODE_LEN + 1], const char *field,
                        json_t *errors)
{
    /* a code that does not fit is too long, as one that fits but is not 18 */
    enum kp_creditcode_verdict v = kp_creditcode_normalize(typed, out, KP_CREDITCODE_LEN + 1)
                                       ? kp_creditcode_check(out) : KP_CREDITCODE_LENGTH;
    switch (v) {
    case KP_CREDITCODE_OK:
        return true;
    case KP_CREDITCODE_LENGTH:
        kp_problem_field(errors, field, "length", "统一社会信用代码应为 18 位");
        break;
    case KP_CREDITCODE_CHARSET:
        kp_problem_field(errors, field, "charset", "统一社会信用代码只含数字和大写字母（不含 I、O、S、V、Z）");
        break;
    case KP_CREDITCODE_CHECK:
        kp_problem_field(errors, field, "check", "统一社会信用代码校验位不符，请核对");
        break;
    }
    return false;
}
