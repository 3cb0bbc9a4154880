#include <stdio.h>
#include <string.h>

#include "password.h"
#include "pwcheck.h"

static bool valid_utf8_chars(const char *s, size_t *chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        unsigned c = *p, len;
        if (c < 0x20 || c == 0x7f)
            return false;                        /* control characters */
        if (c < 0x80) len = 1;
        else if ((c & 0xe0) == 0xc0 && c >= 0xc2) len = 2;
        else if ((c & 0xf0) == 0xe0) len = 3;
        else if ((c & 0xf8) == 0xf0 && c <= 0xf4) len = 4;
        else return false;
        for (unsigned i = 1; i < len; i++)
            if ((p[i] & 0xc0) != 0x80)
                return false;
        p += len;
        n++;
    }
    *chars = n;
    return true;
}

bool kp_password_acceptable(const char *password, const char *username, char *why, size_t why_len)
{
    size_t chars;
    if (!valid_utf8_chars(password, &chars)) {
        snprintf(why, why_len, "密码含有无效字符");
        return false;
    }
    if (chars < KP_PASSWORD_MIN || chars > KP_PASSWORD_MAX) {
        snprintf(why, why_len, "密码长度应为 %d 到 %d 个字符", KP_PASSWORD_MIN, KP_PASSWORD_MAX);
        return false;
    }
    const char *weak = kp_pwcheck(password, username);
    if (weak) {
        snprintf(why, why_len, "%s", weak);
        return false;
    }
    return true;
}

enum kp_err kp_password_hash(const char *password, const struct kp_pwcost *cost,
                             char out[KP_PWHASH_LEN])
{
    if (crypto_pwhash_str(out, password, strlen(password), cost->ops, cost->mem) != 0)
        return KP_E_NOMEM;
    return KP_OK;
}

bool kp_password_verify(const char *stored, const char *password)
{
    return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}

void kp_password_random(char out[17])
{
    static const char alphabet[] = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ";
    char why[160];
    for (int strength_tries = 0;;) {
        bool digit = false;
        for (int i = 0; i < 16; i++) {
            out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
            digit |= out[i] >= '2' && out[i] <= '9';
        }
        out[16] = '\0';
        if (!digit)
            continue;
        /* cracklib finds a rare draw systematic ("...abcde..."): draw again.
         * Eight refusals in a row would mean the check itself is broken
         * (kp_pwcheck_ready stops kpjdd from starting so). */
        if (kp_password_acceptable(out, NULL, why, sizeof why) || ++strength_tries == 8)
            return;
    }
}
