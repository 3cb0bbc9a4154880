#include <stdio.h>
#include <string.h>

#include "account.h"
#include "json.h"

/* ASCII only, whatever the locale. */
static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool kp_username_valid(const char *name, char *why, size_t why_len)
{
    size_t n = strlen(name);
    if (n < KP_USERNAME_MIN || n > KP_USERNAME_MAX) {
        snprintf(why, why_len, "用户名长度应为 %d 到 %d 个字符", KP_USERNAME_MIN, KP_USERNAME_MAX);
        return false;
    }
    if (!alnum(name[0])) {
        snprintf(why, why_len, "用户名应以字母或数字开头");
        return false;
    }
    for (const char *p = name; *p; p++)
        if (!(alnum(*p) || *p == '_' || *p == '.' || *p == '@' || *p == '-')) {
            snprintf(why, why_len, "用户名只能包含字母、数字和 _ . @ -");
            return false;
        }
    return true;
}

void kp_username_fold(const char *name, char *out, size_t out_len)
{
    size_t n = kp_utf8_prefix(name, out_len - 1);
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    out[n] = '\0';
}
