/* lib/creditcode: the unified social credit code (GB 32100-2015), checked
 * against an independent implementation of the standard's check character:
 * real codes pass, every single mistyped character is caught, lengths and
 * characters outside the alphabet are told apart, and normalisation fits
 * its buffer or says no; a form's field is told which of these it is. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creditcode.h"
#include "support/unit.h"

/* ---- the standard, written out again --------------------------------- */

static const char ALPHABET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";   /* 31 */
static const int WEIGHTS[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };

static int ref_value(char c)
{
    for (int i = 0; i < 31; i++)
        if (ALPHABET[i] == c)
            return i;
    return -1;
}

static int ref_sum(const char *body17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = ref_value(body17[i]);
        ck_assert_msg(v >= 0, "test bug: %c is not in the alphabet", body17[i]);
        sum += v * WEIGHTS[i];
    }
    return sum;
}

static char ref_check(const char *body17)
{
    return ALPHABET[(31 - ref_sum(body17) % 31) % 31];
}

/* body17 + its check character into out[19] */
static void complete(const char *body17, char out[19])
{
    memcpy(out, body17, 17);
    out[17] = ref_check(body17);
    out[18] = '\0';
}

/* A deterministic pseudo-random body: registration authority, kind, region,
 * then nine characters of the alphabet. */
static unsigned long long seed = 88172645463325252ULL;
static unsigned next_rand(unsigned n)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (unsigned)(seed % n);
}

static void random_code(char out[19])
{
    char body[18];
    for (int i = 0; i < 17; i++)
        body[i] = ALPHABET[next_rand(31)];
    body[17] = '\0';
    complete(body, out);
}

/* ---- tests ------------------------------------------------------------ */

START_TEST(real_codes_pass)
{
    const char *real[] = { "91350100M000100Y43", "91110000802100433B", "91440300708461136T" };
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++) {
        ck_assert_msg(kp_creditcode_check(real[i]) == KP_CREDITCODE_OK, "%s", real[i]);
        ck_assert_int_eq(kp_creditcode_check_char(real[i]), real[i][17]);
        ck_assert_int_eq(ref_check(real[i]), real[i][17]);        /* the reference agrees */
    }
}
END_TEST

START_TEST(computed_codes_pass)
{
    /* every check character of the alphabet occurs among these */
    int seen[31] = { 0 };
    for (int n = 0; n < 5000; n++) {
        char code[19];
        random_code(code);
        ck_assert_msg(kp_creditcode_check(code) == KP_CREDITCODE_OK, "%s", code);
        ck_assert_msg(kp_creditcode_check_char(code) == code[17], "%s: %c", code,
                      kp_creditcode_check_char(code));
        seen[ref_value(code[17])]++;
    }
    for (int i = 0; i < 31; i++)
        ck_assert_msg(seen[i] > 0, "check character %c never came up", ALPHABET[i]);
}
END_TEST

START_TEST(check_zero_and_extremes)
{
    /* a body whose weighted sum is a multiple of 31: check character '0' */
    char body[18] = "9111000080210043";                          /* 16 characters */
    bool found = false;
    for (int v = 0; v < 31 && !found; v++) {
        body[16] = ALPHABET[v];
        body[17] = '\0';
        if (ref_sum(body) % 31 == 0)
            found = true;
    }
    ck_assert(found);
    char code[19];
    complete(body, code);
    ck_assert_int_eq(code[17], '0');
    ck_assert_int_eq(kp_creditcode_check_char(code), '0');
    ck_assert_int_eq(kp_creditcode_check(code), KP_CREDITCODE_OK);
    code[17] = 'Y';                       /* 31 - 0 would be one past the alphabet */
    ck_assert_int_eq(kp_creditcode_check(code), KP_CREDITCODE_CHECK);

    /* all zeros: sum 0, check '0'; all Y: the largest sum */
    ck_assert_int_eq(kp_creditcode_check_char("00000000000000000"), '0');
    ck_assert_int_eq(kp_creditcode_check("000000000000000000"), KP_CREDITCODE_OK);
    complete("YYYYYYYYYYYYYYYYY", code);
    ck_assert_int_eq(kp_creditcode_check(code), KP_CREDITCODE_OK);
    ck_assert_int_eq(kp_creditcode_check_char("YYYYYYYYYYYYYYYYY"), code[17]);

    /* the check character 'Y' (value 30) comes from a sum of 1 mod 31 */
    ck_assert_int_eq(kp_creditcode_check_char("10000000000000000"), 'Y');
    ck_assert_int_eq(kp_creditcode_check("10000000000000000Y"), KP_CREDITCODE_OK);
}
END_TEST

START_TEST(every_substitution_refused)
{
    const char *codes[] = { "91350100M000100Y43", "91110000802100433B", "91440300708461136T",
                            "000000000000000000" };
    char extra[19];
    random_code(extra);
    const char *all[] = { codes[0], codes[1], codes[2], codes[3], extra };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        ck_assert_int_eq(kp_creditcode_check(all[k]), KP_CREDITCODE_OK);
        for (int pos = 0; pos < 18; pos++)
            for (int b = 1; b < 256; b++) {
                if ((char)b == all[k][pos])
                    continue;
                char bad[19];
                memcpy(bad, all[k], 19);
                bad[pos] = (char)b;
                enum kp_creditcode_verdict want =
                    ref_value((char)b) >= 0 ? KP_CREDITCODE_CHECK : KP_CREDITCODE_CHARSET;
                enum kp_creditcode_verdict got = kp_creditcode_check(bad);
                ck_assert_msg(got == want, "%s with byte 0x%02x at %d: verdict %d, expected %d",
                              all[k], b, pos, (int)got, (int)want);
            }
    }
}
END_TEST

START_TEST(lengths)
{
    ck_assert_int_eq(kp_creditcode_check(""), KP_CREDITCODE_LENGTH);
    ck_assert_int_eq(kp_creditcode_check("91350100M000100Y4"), KP_CREDITCODE_LENGTH);    /* 17 */
    ck_assert_int_eq(kp_creditcode_check("91350100M000100Y433"), KP_CREDITCODE_LENGTH);  /* 19 */
    ck_assert_int_eq(kp_creditcode_check("91350100M000100Y43 "), KP_CREDITCODE_LENGTH);
    ck_assert_int_eq(kp_creditcode_check("91350100M000100Y43913501"), KP_CREDITCODE_LENGTH);
    /* length before charset: a short code of bad characters is LENGTH */
    ck_assert_int_eq(kp_creditcode_check("iiii"), KP_CREDITCODE_LENGTH);
    /* 18 bytes that are fewer characters are still 18 bytes: charset */
    ck_assert_int_eq(kp_creditcode_check("91350100M000100\xE4\xB8\x80"), KP_CREDITCODE_CHARSET);
}
END_TEST

START_TEST(charset)
{
    const char *valid = "91350100M000100Y43";
    const char bad[] = { 'I', 'O', 'S', 'V', 'Z', 'a', 'm', 'y', 'i', 'o', '-', ' ', '*' };
    for (size_t k = 0; k < sizeof bad; k++)
        for (int pos = 0; pos < 18; pos++) {
            char code[19];
            memcpy(code, valid, 19);
            code[pos] = bad[k];
            ck_assert_msg(kp_creditcode_check(code) == KP_CREDITCODE_CHARSET, "%s", code);
        }
    /* a lowercase code is not normalised by check */
    ck_assert_int_eq(kp_creditcode_check("91350100m000100y43"), KP_CREDITCODE_CHARSET);
    ck_assert_int_eq(kp_creditcode_check("91110000802100433b"), KP_CREDITCODE_CHARSET);

    /* check_char refuses a body with a character outside the alphabet */
    ck_assert_int_eq(kp_creditcode_check_char("91350100M000100YI"), '\0');
    ck_assert_int_eq(kp_creditcode_check_char("O1350100M000100Y4"), '\0');
    ck_assert_int_eq(kp_creditcode_check_char("91350100m000100Y4"), '\0');
    ck_assert_int_eq(kp_creditcode_check_char("9135010"), '\0');       /* too short: stops at NUL */
    ck_assert_int_eq(kp_creditcode_check_char(""), '\0');
}
END_TEST

START_TEST(normalize)
{
    char out[KP_CREDITCODE_LEN + 1];
    ck_assert(kp_creditcode_normalize(" 91350100m000100y43 ", out, sizeof out));
    ck_assert_str_eq(out, "91350100M000100Y43");
    ck_assert_int_eq(kp_creditcode_check(out), KP_CREDITCODE_OK);
    ck_assert(kp_creditcode_normalize("9135 0100 M000 100Y 43", out, sizeof out));
    ck_assert_str_eq(out, "91350100M000100Y43");
    ck_assert(kp_creditcode_normalize("91110000802100433b", out, sizeof out));
    ck_assert_str_eq(out, "91110000802100433B");
    char wide[32];
    ck_assert(kp_creditcode_normalize("abcdefghijklmnopqrstuvwxyz", wide, 27));
    ck_assert_str_eq(wide, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    ck_assert(!kp_creditcode_normalize("abcdefghijklmnopqrstuvwxyz", wide, 26));
    ck_assert(kp_creditcode_normalize("az AZ 09-", wide, sizeof wide));
    ck_assert_str_eq(wide, "AZAZ09-");                 /* only letters change, only spaces go */
    ck_assert(kp_creditcode_normalize("", out, sizeof out));
    ck_assert_str_eq(out, "");
    ck_assert(kp_creditcode_normalize("   ", out, sizeof out));
    ck_assert_str_eq(out, "");
    /* non-ASCII bytes pass through untouched (check refuses them later) */
    ck_assert(kp_creditcode_normalize("\xE4\xB8\x80" "a", wide, sizeof wide));
    ck_assert_str_eq(wide, "\xE4\xB8\x80" "A");
}
END_TEST

START_TEST(normalize_buffer_too_small)
{
    /* exactly fits: 18 characters and the NUL */
    char out[KP_CREDITCODE_LEN + 1 + 4];
    memset(out, '#', sizeof out);
    ck_assert(kp_creditcode_normalize("91350100m000100y43", out, KP_CREDITCODE_LEN + 1));
    ck_assert_str_eq(out, "91350100M000100Y43");
    ck_assert_int_eq(out[KP_CREDITCODE_LEN + 1], '#');
    /* one byte short, and a 19th character: no */
    memset(out, '#', sizeof out);
    ck_assert(!kp_creditcode_normalize("91350100m000100y43", out, KP_CREDITCODE_LEN));
    for (size_t i = KP_CREDITCODE_LEN; i < sizeof out; i++)
        ck_assert_msg(out[i] == '#', "byte %zu written past the buffer", i);
    memset(out, '#', sizeof out);
    ck_assert(!kp_creditcode_normalize("91350100m000100y433", out, KP_CREDITCODE_LEN + 1));
    for (size_t i = KP_CREDITCODE_LEN + 1; i < sizeof out; i++)
        ck_assert_msg(out[i] == '#', "byte %zu written past the buffer", i);
    /* spaces do not count */
    ck_assert(kp_creditcode_normalize("  91350100 m000100 y43  ", out, KP_CREDITCODE_LEN + 1));
    ck_assert_str_eq(out, "91350100M000100Y43");
    /* tiny buffers */
    memset(out, '#', sizeof out);
    ck_assert(!kp_creditcode_normalize("9", out, 1));
    ck_assert_int_eq(out[1], '#');
    ck_assert(kp_creditcode_normalize("", out, 1));
    ck_assert_str_eq(out, "");
    /* no room even for the NUL: nothing is written */
    memset(out, '#', sizeof out);
    ck_assert(!kp_creditcode_normalize("", out, 0));
    ck_assert(!kp_creditcode_normalize("  ", out, 0));
    ck_assert(!kp_creditcode_normalize("9", out, 0));
    ck_assert_int_eq(out[0], '#');
}
END_TEST

/* The one error take appends for `typed`, as "field code"; "" for none. */
static const char *taken(const char *typed, char out[KP_CREDITCODE_LEN + 1])
{
    static char got[64];
    json_t *errors = json_array();
    bool ok = kp_creditcode_take(typed, out, "unit.credit_code", errors);
    ck_assert_int_eq(ok, json_array_size(errors) == 0);
    ck_assert_uint_le(json_array_size(errors), 1);
    json_t *e = json_array_get(errors, 0);
    snprintf(got, sizeof got, "%s", e ? "" : "ok");
    if (e) {
        ck_assert_str_ne(json_string_value(json_object_get(e, "message")), "");
        snprintf(got, sizeof got, "%s %s", json_string_value(json_object_get(e, "field")),
                 json_string_value(json_object_get(e, "code")));
    }
    json_decref(errors);
    return got;
}

START_TEST(take_names_the_field)
{
    char out[KP_CREDITCODE_LEN + 1];
    ck_assert_str_eq(taken(" 9135 0100m000100y43 ", out), "ok");
    ck_assert_str_eq(out, "91350100M000100Y43");                   /* normalised */
    ck_assert_str_eq(taken("91350100M000100Y44", out), "unit.credit_code check");
    ck_assert_str_eq(taken("91350100M000100YI3", out), "unit.credit_code charset");
    ck_assert_str_eq(taken("91350100M000100\xE4\xB8\x80", out), "unit.credit_code charset");
    ck_assert_str_eq(taken("91350100M000100Y4", out), "unit.credit_code length");
    ck_assert_str_eq(taken("91350100M000100Y433", out), "unit.credit_code length");     /* does not fit */
    ck_assert_str_eq(taken("91350100M000100Y43913501", out), "unit.credit_code length");
    ck_assert_str_eq(taken("", out), "unit.credit_code length");
    ck_assert_str_eq(taken("   ", out), "unit.credit_code length");
}
END_TEST

static Suite *creditcode_suite(void)
{
    Suite *s = suite_create("creditcode");
    TCase *tc = tcase_create("creditcode");
    tcase_add_test(tc, real_codes_pass);
    tcase_add_test(tc, computed_codes_pass);
    tcase_add_test(tc, check_zero_and_extremes);
    tcase_add_test(tc, every_substitution_refused);
    tcase_add_test(tc, lengths);
    tcase_add_test(tc, charset);
    tcase_add_test(tc, normalize);
    tcase_add_test(tc, normalize_buffer_too_small);
    tcase_add_test(tc, take_names_the_field);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(creditcode_suite());
}
