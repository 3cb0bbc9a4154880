/* lib/utf8: the strict decoder (every malformed form RFC 3629 forbids) and
 * the character classes that file names and log lines are cleaned of. */
#include <check.h>
#include <string.h>

#include "support/unit.h"
#include "utf8.h"

static bool valid(const char *s)
{
    return kp_utf8_valid(s, strlen(s));
}

START_TEST(decodes_each_length)
{
    uint32_t cp = 0;
    ck_assert_uint_eq(kp_utf8_next("A", 1, &cp), 1);
    ck_assert_uint_eq(cp, 'A');
    ck_assert_uint_eq(kp_utf8_next("\xC3\xA9", 2, &cp), 2);                /* é */
    ck_assert_uint_eq(cp, 0xE9);
    ck_assert_uint_eq(kp_utf8_next("\xE4\xB8\xAD", 3, &cp), 3);            /* 中 */
    ck_assert_uint_eq(cp, 0x4E2D);
    ck_assert_uint_eq(kp_utf8_next("\xF0\x9F\x98\x80", 4, &cp), 4);        /* 😀 */
    ck_assert_uint_eq(cp, 0x1F600);
    ck_assert_uint_eq(kp_utf8_next("\xF4\x8F\xBF\xBF", 4, &cp), 4);        /* U+10FFFF, the last */
    ck_assert_uint_eq(cp, 0x10FFFF);
    ck_assert_uint_eq(kp_utf8_next("\xED\x9F\xBF", 3, &cp), 3);            /* U+D7FF, before the surrogates */
    ck_assert_uint_eq(kp_utf8_next("\xEE\x80\x80", 3, &cp), 3);            /* U+E000, after them */
    ck_assert_uint_eq(kp_utf8_next("", 0, &cp), 0);
    ck_assert(valid("科普教育基地 2021 ok"));
    ck_assert(kp_utf8_valid("a\0b", 3));                                   /* NUL is UTF-8 */
}
END_TEST

START_TEST(refuses_malformed)
{
    const char *bad[] = {
        "\xFF", "\xFE", "\xF5\x80\x80\x80", "\xF8\x88\x80\x80\x80",        /* bytes never used */
        "\x80", "\xBF", "a\x80" "b",                                        /* stray continuation */
        "\xC3", "\xE4\xB8", "\xF0\x9F\x98",                                 /* cut short */
        "\xC3\x41", "\xE4\x41\xAD", "\xF0\x9F\x41\x80",                     /* continuation missing */
        "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xE0\x9F\xBF",             /* overlong */
        "\xF0\x80\x80\xAF", "\xF0\x8F\xBF\xBF",
        "\xED\xA0\x80", "\xED\xAD\xBF", "\xED\xB0\x80", "\xED\xBF\xBF",     /* surrogates */
        "\xED\xA0\x80\xED\xB0\x80",                                         /* a CESU-8 pair */
        "\xF4\x90\x80\x80", "\xF7\xBF\xBF\xBF",                             /* above U+10FFFF */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!valid(bad[i]), "case %zu valid", i);
    uint32_t cp;
    ck_assert_uint_eq(kp_utf8_next("\xE4\xB8\xAD", 2, &cp), 0);            /* n cuts the character */
    ck_assert(!kp_utf8_valid("\xE4\xB8\xAD", 2));
}
END_TEST

START_TEST(classes)
{
    for (uint32_t c = 0; c < 0x20; c++)
        ck_assert(kp_utf8_is_control(c));
    for (uint32_t c = 0x7F; c <= 0x9F; c++)
        ck_assert(kp_utf8_is_control(c));
    const uint32_t plain[] = { ' ', 'a', '~', 0xA0, 0xE9, 0x4E2D, 0x200B, 0x2028 };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        ck_assert(!kp_utf8_is_control(plain[i]));
        ck_assert(!kp_utf8_is_bidi_control(plain[i]));
    }
    const uint32_t bidi[] = { 0x200E, 0x200F, 0x061C, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                              0x2066, 0x2067, 0x2068, 0x2069 };
    for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++) {
        ck_assert(kp_utf8_is_bidi_control(bidi[i]));
        ck_assert(!kp_utf8_is_control(bidi[i]));
    }
    ck_assert(!kp_utf8_is_bidi_control(0x2029));
    ck_assert(!kp_utf8_is_bidi_control(0x206A));
}
END_TEST

static Suite *utf8_suite(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("utf8");
    tcase_add_test(tc, decodes_each_length);
    tcase_add_test(tc, refuses_malformed);
    tcase_add_test(tc, classes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(utf8_suite());
}
