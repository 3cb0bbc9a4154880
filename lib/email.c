#include <string.h>

#include "email.h"

bool kp_email_ok(const char *addr)
{
    size_t n = strlen(addr);
    const char *at = strchr(addr, '@');
    if (n < 3 || n > 254 || at == NULL || at == addr || at - addr > 64 || strchr(at + 1, '@'))
        return false;
    for (const char *p = addr; p < at; p++)
        if (*p <= ' ' || *p > '~' || strchr("<>()[]\\,;:\"", *p))
            return false;
    const char *d = at + 1;
    size_t dl = strlen(d);
    if (dl == 0 || strspn(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != dl)
        return false;
    return strchr(d, '.') != NULL && d[0] != '.' && d[0] != '-' && d[dl - 1] != '.' &&
           strstr(d, "..") == NULL;
}
