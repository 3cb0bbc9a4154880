#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "account.h"

bool kp_username_valid(const char *name, char *why, size_t why_len)
{
    size_t n = strlen(name);
    if (n < KP_USERNAME_MIN || n > KP_USERNAME_MAX) {
        snprintf(why, why_len, "用户名长度应为 %d 到 %d 个字符", KP_USERNAME_MIN, KP_USERNAME_MAX);
        return false;
    }
    if (!isalnum((unsigned char)name[0])) {
        snprintf(why, why_len, "用户名应以字母或数字开头");
        return false;
    }
    for (const char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '@' || *p == '-')) {
            snprintf(why, why_len, "用户名只能包含字母、数字和 _ . @ -");
            return false;
        }
    return true;
}
