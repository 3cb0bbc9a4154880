#include <sodium.h>
#include <string.h>

#include "reqid.h"

bool kp_reqid_is_sane(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > KP_REQID_MAX)
        return false;
    for (const char *p = id; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

void kp_reqid_new(char out[33])
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, 33, raw, sizeof raw);
}
