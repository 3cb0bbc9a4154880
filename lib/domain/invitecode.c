#include <sodium.h>
#include <string.h>

#include "invitecode.h"

static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";   /* 31: no 0 O 1 I L */
#define N 31

static int value_of(char c)
{
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

/* Luhn mod N: from the right, every second value doubled.  Luhn sums the
 * doubled value's digits in base N, which is a permutation only for even N;
 * N = 31 is odd (v and v + 15 would both give 2v), so the doubled value is
 * taken mod N instead, a permutation as 31 is prime.  Catches every single
 * substitution and every swap of distinct neighbours (weights 2 and 1). */
static char check_over(const char *s, int len)
{
    for (int i = 0; i < len - 1; i++)   /* from the left: stop at a NUL */
        if (value_of(s[i]) < 0)
            return '\0';
    int sum = 0, factor = 2;
    for (int i = len - 2; i >= 0; i--) {
        int v = value_of(s[i]);
        int addend = factor * v;
        sum += addend % N;
        factor = factor == 2 ? 1 : 2;
    }
    return alphabet[(N - sum % N) % N];
}

char kp_invitecode_check_char(const char *code11)
{
    return check_over(code11, KP_INVITECODE_LEN);
}

/* len - 1 random characters and the check character. */
static void fresh(char *out, int len)
{
    for (int i = 0; i < len - 1; i++)
        out[i] = alphabet[randombytes_uniform(N)];
    out[len - 1] = check_over(out, len);
    out[len] = '\0';
}

/* What a user typed, upper-cased without hyphens and spaces, into `len`
 * characters (and a NUL) with a right check character. */
static bool parse_n(const char *typed, char *out, int len)
{
    int n = 0;
    for (const char *p = typed; *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        char c = (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
        if (n == len || value_of(c) < 0)
            return false;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == len && check_over(out, len) == out[len - 1];
}

void kp_invitecode_new(char out[KP_INVITECODE_LEN + 1])
{
    fresh(out, KP_INVITECODE_LEN);
}

bool kp_invitecode_parse(const char *typed, char out[KP_INVITECODE_LEN + 1])
{
    return parse_n(typed, out, KP_INVITECODE_LEN);
}

void kp_invitecode_receipt_new(char out[KP_RECEIPT_LEN + 1])
{
    fresh(out, KP_RECEIPT_LEN);
}

bool kp_invitecode_receipt_parse(const char *typed, char out[KP_RECEIPT_LEN + 1])
{
    return parse_n(typed, out, KP_RECEIPT_LEN);
}

void kp_invitecode_show(const char *code, char out[KP_INVITECODE_SHOWN + 1])
{
    memcpy(out, code, 4);
    out[4] = '-';
    memcpy(out + 5, code + 4, 4);
    out[9] = '-';
    memcpy(out + 10, code + 8, 4);
    out[14] = '\0';
}
