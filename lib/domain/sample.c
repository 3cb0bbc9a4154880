#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"
#include "utf8.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The JSON number grammar, read as digits × 10^-scale: "0.30" is 030 and
 * scale 2, "5e-2" is 5 and scale 2.  Then leading and trailing zeros go,
 * leaving the reduced fraction digits / 10^scale. */
bool kp_sample_rate_parse(const char *text, struct kp_sample_rate *out)
{
    if (strnlen(text, KP_SAMPLE_RATE_TEXT + 1) > KP_SAMPLE_RATE_TEXT)
        return false;
    char digits[KP_SAMPLE_RATE_TEXT + 1];
    size_t nd = 0;
    long scale = 0;
    const char *p = text;

    if (*p == '0')                      /* the integer part: 0, or no leading zero */
        p++;
    else if (is_digit(*p))
        while (is_digit(*p))
            digits[nd++] = *p++;
    else
        return false;                   /* a sign, '.', a blank, nothing */
    if (*p == '.') {
        if (!is_digit(*++p))
            return false;
        for (; is_digit(*p); scale++)
            digits[nd++] = *p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        bool minus = *p == '-';
        if (*p == '-' || *p == '+')
            p++;
        if (!is_digit(*p))
            return false;
        long e = 0;
        for (; is_digit(*p); p++)
            if (e < 1000)               /* beyond that it is out of range anyway */
                e = e * 10 + (*p - '0');
        scale += minus ? e : -e;
    }
    if (*p != '\0')
        return false;

    size_t lead = 0;
    while (lead < nd && digits[lead] == '0')
        lead++;
    while (nd > lead && digits[nd - 1] == '0') {
        nd--;
        scale--;
    }
    /* Zero; at least 10 (scale < 0); finer than 10^-9; or more than 10^9
     * over at most 10^9. */
    if (nd == lead || scale < 0 || scale > KP_SAMPLE_RATE_DIGITS || nd - lead > 10)
        return false;
    uint64_t num = 0, den = 1;
    for (size_t i = lead; i < nd; i++)
        num = num * 10 + (uint64_t)(digits[i] - '0');
    for (long i = 0; i < scale; i++)
        den *= 10;
    if (num > den)
        return false;
    *out = (struct kp_sample_rate){ num, den };
    return true;
}

size_t kp_sample_take(const struct kp_sample_rate *rate, size_t size)
{
    assert(rate->num >= 1 && rate->num <= rate->den && size <= KP_SAMPLE_MAX);
    /* ≤ 10^9 × 10^5: no overflow */
    return (size_t)((rate->num * size + rate->den - 1) / rate->den);
}

bool kp_sample_seed_parse(const char *hex, uint8_t seed[KP_SAMPLE_SEED_LEN])
{
    size_t len;
    const char *end;
    return strnlen(hex, KP_SAMPLE_SEED_HEX + 1) == KP_SAMPLE_SEED_HEX &&
           sodium_hex2bin(seed, KP_SAMPLE_SEED_LEN, hex, KP_SAMPLE_SEED_HEX, NULL, &len, &end) == 0 &&
           len == KP_SAMPLE_SEED_LEN && end == hex + KP_SAMPLE_SEED_HEX;
}

void kp_sample_seed_hex(const uint8_t seed[KP_SAMPLE_SEED_LEN], char out[KP_SAMPLE_SEED_HEX + 1])
{
    sodium_bin2hex(out, KP_SAMPLE_SEED_HEX + 1, seed, KP_SAMPLE_SEED_LEN);
}

static const char *const stratify_names[] = {
    [KP_SAMPLE_NONE] = "none", [KP_SAMPLE_REGION] = "region", [KP_SAMPLE_CATEGORY] = "category",
};

bool kp_sample_stratify_parse(const char *name, enum kp_sample_stratify *out)
{
    for (size_t i = 0; i < sizeof stratify_names / sizeof stratify_names[0]; i++)
        if (strcmp(name, stratify_names[i]) == 0) {
            *out = (enum kp_sample_stratify)i;
            return true;
        }
    return false;
}

const char *kp_sample_stratify_name(enum kp_sample_stratify s)
{
    return stratify_names[s];
}

/* ---- the draw ------------------------------------------------------------ */

struct entry {
    const char *stratum;
    int64_t id;
    size_t index;                              /* in the caller's array */
    unsigned char key[crypto_auth_hmacsha256_BYTES];
};

static int by_id(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Stratum, then key, then id.  Comparing the raw bytes orders them as their
 * lowercase hex does: two digits a byte, '0'-'9' before 'a'-'f'. */
static int by_stratum_key(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(x->stratum, y->stratum);
    if (c == 0)
        c = memcmp(x->key, y->key, sizeof x->key);
    if (c == 0)
        c = x->id < y->id ? -1 : x->id > y->id;
    return c;
}

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static enum kp_err refuse(struct kp_sample_fault *fault, enum kp_sample_fault_kind kind, size_t index)
{
    if (fault != NULL)
        *fault = (struct kp_sample_fault){ kind, index };
    return KP_E_INVAL;
}

/* The earliest candidate with a bad id or stratum, else n. */
static size_t first_bad(const struct kp_sample_candidate *c, size_t n, enum kp_sample_fault_kind *kind)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].id <= 0) {
            *kind = KP_SAMPLE_FAULT_ID;
            return i;
        }
        const char *s = c[i].stratum != NULL ? c[i].stratum : "";
        size_t len = strnlen(s, KP_SAMPLE_STRATUM_MAX + 1);
        if (len > KP_SAMPLE_STRATUM_MAX || !kp_utf8_valid(s, len)) {
            *kind = KP_SAMPLE_FAULT_STRATUM;
            return i;
        }
    }
    return n;
}

enum kp_err kp_sample_draw(const uint8_t seed[KP_SAMPLE_SEED_LEN], const struct kp_sample_rate *rate,
                           const struct kp_sample_candidate *c, size_t n,
                           int64_t *selected, size_t *n_selected, struct kp_sample_fault *fault)
{
    static_assert(KP_SAMPLE_SEED_LEN == crypto_auth_hmacsha256_KEYBYTES, "the seed is the HMAC key");
    *n_selected = 0;
    if (n > KP_SAMPLE_MAX)
        return refuse(fault, KP_SAMPLE_FAULT_COUNT, 0);
    enum kp_sample_fault_kind kind;
    size_t bad = first_bad(c, n, &kind);
    if (bad < n)
        return refuse(fault, kind, bad);
    if (n == 0)
        return KP_OK;

    struct entry *e = malloc(n * sizeof *e);
    if (e == NULL)
        return KP_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        e[i] = (struct entry){ c[i].stratum != NULL ? c[i].stratum : "", c[i].id, i, { 0 } };

    qsort(e, n, sizeof *e, by_id);             /* a repeated id sits after its first */
    bad = n;
    for (size_t i = 1; i < n; i++)
        if (e[i].id == e[i - 1].id && e[i].index < bad)
            bad = e[i].index;
    if (bad < n) {
        free(e);
        return refuse(fault, KP_SAMPLE_FAULT_DUPLICATE, bad);
    }

    for (size_t i = 0; i < n; i++) {
        char msg[24];                          /* INT64_MAX has 19 digits */
        int len = snprintf(msg, sizeof msg, "%" PRId64, e[i].id);
        crypto_auth_hmacsha256(e[i].key, (const unsigned char *)msg, (unsigned long long)len, seed);
    }
    qsort(e, n, sizeof *e, by_stratum_key);

    size_t m = 0;
    for (size_t start = 0, end; start < n; start = end) {
        for (end = start + 1; end < n && strcmp(e[end].stratum, e[start].stratum) == 0; end++)
            ;
        size_t take = kp_sample_take(rate, end - start);
        assert(take >= 1 && take <= end - start);
        for (size_t i = start; i < start + take; i++)
            selected[m++] = e[i].id;
    }
    free(e);
    qsort(selected, m, sizeof *selected, by_value);
    *n_selected = m;
    return KP_OK;
}
