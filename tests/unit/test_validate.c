/* lib/validate: mobile and office telephone numbers, e-mail addresses,
 * RFC 3339 times and calendar dates, each accepted and refused at its
 * edges. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "validate.h"
#include "support/unit.h"

#define ALL_OK(fn, ...)                                                                  \
    do {                                                                                 \
        const char *list_[] = { __VA_ARGS__ };                                           \
        for (size_t i_ = 0; i_ < sizeof list_ / sizeof list_[0]; i_++)                   \
            ck_assert_msg(fn(list_[i_]), #fn "(\"%s\") refused", list_[i_]);             \
    } while (0)

#define ALL_BAD(fn, ...)                                                                 \
    do {                                                                                 \
        const char *list_[] = { __VA_ARGS__ };                                           \
        for (size_t i_ = 0; i_ < sizeof list_ / sizeof list_[0]; i_++)                   \
            ck_assert_msg(!fn(list_[i_]), #fn "(\"%s\") accepted", list_[i_]);           \
    } while (0)

/* ---- mainland mobile or landline (an objector's) ---------------------- */

START_TEST(mainland_phone)
{
    ALL_OK(kp_valid_mainland_phone,
           "13800138000", "19912345678", "138 0013 8000", "138-0013-8000",
           "+8613800138000", "+86 138 0013 8000", "008613800138000",
           "010-68571234", "01068571234", "(010)68571234", "(010) 6857-1234",
           "020-22334455", "029-88886666",                 /* 02X: three-digit area, 8 digits */
           "0755-88886666", "0571-8888666",                /* four-digit area, 8 or 7 digits */
           "+86 10 6857 1234", "+86-755-8888-6666", "0086 571 8888666",
           "0991-2345678");
    ALL_BAD(kp_valid_mainland_phone,
            "", "1", "123",
            "12800138000",                                  /* mobiles start 13–19 */
            "1380013800", "138001380001",                   /* 10 and 12 digits */
            "68571234",                                     /* no area code */
            "010-6857123",                                  /* 010 takes 8 digits */
            "010-685712345", "020-2233445",
            "011-68571234",                                 /* no 01X but 010 */
            "0755-888866666", "0755-888866",                /* 9 and 6 local digits */
            "0755-08886666", "010-18571234",                /* local numbers start 2–9 */
            "+86 010 6857 1234",                            /* the 0 dropped after +86 */
            "+1 650 253 0000", "+8513800138000", "0085213800138000",
            "010-68571234 ext 12", "010-68571234-12", "010-68571234x12",
            "13800138000 ", " 13800138000", "-13800138000", "138--0013--8000a",
            "+", "++8613800138000", "86+13800138000", "1380013800０",
            "\xEF\xBC\x91" "3800138000",                        /* a full-width 1 */
            "138 0013 8000                                          ");   /* over 32 characters */
}
END_TEST

/* ---- mobile ----------------------------------------------------------- */

START_TEST(mobile)
{
    ALL_OK(kp_valid_mobile, "13800138000", "19912345678", "10000000000", "15000000009");
    ALL_BAD(kp_valid_mobile,
            "",
            "1380013800",            /* 10 digits */
            "138001380001",          /* 12 */
            "1",
            "23800138000",           /* leading 2 */
            "03800138000",
            "1380013800a", "a3800138000", "138OO138000",
            "+8613800138000", "86 13800138000", "138-0013-8000", "138 0013 8000",
            " 13800138000", "13800138000 ", "1380013800\n",
            "\xEF\xBC\x91" "3800138000");          /* a full-width 1 */
}
END_TEST

/* ---- office telephone ------------------------------------------------- */

START_TEST(phone)
{
    ALL_OK(kp_valid_phone, "010-68571234", "+86 10 6857 1234", "(010)68571234", "68571234",
           "1234567",                                  /* 7 digits, 7 characters */
           "0755-8888 6666", "+86-(10)-6857-1234",
           "01234567890123456789",                     /* 20 characters */
           "(0)  1 2 3 4 5 6 7 -");                    /* 20, spaces and all */
    ALL_BAD(kp_valid_phone,
            "",
            "685712",                                  /* 6 digits */
            "123456",
            "12 345 6",                                /* 8 characters, 6 digits */
            "-------", "(((())))", "+ - ( )  ",        /* no digits */
            "010-6857ABCD", "010-68571234x12", "010-68571234 ext 12", "Tel 68571234",
            "010.68571234", "010/68571234", "010_68571234", "010\t68571234",
            "012345678901234567890",                   /* 21 characters */
            "+86 10 6857 1234 5678",                   /* 21 */
            "\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x90-68571234");  /* full-width digits */
}
END_TEST

/* ---- e-mail ----------------------------------------------------------- */

START_TEST(email)
{
    ALL_OK(kp_email_ok, "a@b.cn", "zhang.san@example.com.cn", "x+tag@mail.example.org",
           "first_last-1@sub-domain.example.cn", "UPPER@EXAMPLE.CN");
    ALL_BAD(kp_email_ok,
            "",
            "ab.cn", "a.b.cn",                        /* no @ */
            "a@b@c.cn", "a@@b.cn",                    /* two @ */
            "@b.cn",                                  /* nothing before the @ */
            "a@bcn", "a@localhost", "a@",             /* no dot in the domain */
            "a.b@cn",                                 /* a dot, but only before the @ */
            "a@b.cn.", "a@b.",                        /* trailing dot */
            "a@.cn", "a@.",                           /* nothing before the dot */
            "a b@c.cn", " a@b.cn", "a@b.cn ", "a@b .cn", "a@b.c n",
            "a\t@b.cn", "a@b.cn\n", "a\r@b.cn",
            "张三@example.cn", "a@例子.中国", "a@b.cn\xC2\xA0", "a\x7f@b.cn",
            /* what the mail sender would refuse (one rule for both: lib/email.c) */
            "a<b@c.cn", "a,b@c.cn", "a;b@c.cn", "\"a\"@c.cn", "a@b_c.cn", "a@-b.cn", "a@b..cn",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@b.cn"); /* 65 */
}
END_TEST

START_TEST(email_length)
{
    char s[300];
    /* a@, a domain of 'b's, then .cn */
    for (size_t total = 250; total <= 260; total++) {
        size_t domain = total - strlen("a@") - strlen(".cn");
        strcpy(s, "a@");
        memset(s + 2, 'b', domain);
        strcpy(s + 2 + domain, ".cn");
        ck_assert_int_eq(strlen(s), total);
        ck_assert_msg(kp_email_ok(s) == (total <= 254), "%zu bytes: %s", total,
                      kp_email_ok(s) ? "accepted" : "refused");
    }
}
END_TEST

/* ---- RFC 3339 --------------------------------------------------------- */

START_TEST(rfc3339_ok)
{
    ALL_OK(kp_valid_rfc3339,
           "2021-10-25T16:00:00Z",
           "2021-10-25T16:00:00+08:00", "2021-10-25T16:00:00-05:30", "2021-10-25T16:00:00+00:00",
           "2021-10-25T16:00:00-00:00", "2021-10-25T16:00:00+14:00", "2021-10-25T16:00:00-14:00",
           "2021-10-25T16:00:00+05:45", "2021-10-25T16:00:00-09:30",
           "2021-10-25T16:00:00.5Z", "2021-10-25T16:00:00.123Z", "2021-10-25T16:00:00.123456Z",
           "2021-10-25T16:00:00.000001+08:00",
           "2021-10-25T00:00:00Z", "2021-10-25T23:59:59Z", "2021-01-01T00:00:00Z",
           "2021-12-31T23:59:59Z", "2021-04-30T12:00:00Z", "2021-01-31T12:00:00Z",
           "2024-02-29T12:00:00Z",                       /* leap day */
           "2000-02-29T12:00:00Z",                       /* divisible by 400 */
           "2023-02-28T12:00:00Z",
           /* RFC 3339 §5.6: "T" and "Z" may be lower case (PostgreSQL reads them) */
           "2021-10-25t16:00:00z", "2021-10-25t16:00:00+08:00", "2021-10-25T16:00:00z");
}
END_TEST

START_TEST(rfc3339_bad)
{
    ALL_BAD(kp_valid_rfc3339,
            "",
            "2023-02-29T12:00:00Z",                      /* not a leap year */
            "1900-02-29T12:00:00Z", "2100-02-29T12:00:00Z",   /* centuries are not */
            "2024-02-30T12:00:00Z",
            "2021-04-31T12:00:00Z", "2021-06-31T12:00:00Z", "2021-09-31T12:00:00Z",
            "2021-11-31T12:00:00Z", "2021-01-32T12:00:00Z",
            "2021-00-10T12:00:00Z", "2021-13-10T12:00:00Z", "2021-10-00T12:00:00Z",
            "2021-10-25T24:00:00Z", "2021-10-25T24:00:00+08:00",   /* hour 24 */
            "2021-10-25T16:60:00Z",                      /* minute 60 */
            "2021-10-25T16:00:61Z",
            "2021-10-25T16:00:00",                       /* no zone */
            "2021-10-25T16:00:00.123",
            "2021-10-25",                                /* date only */
            "2021-10-25Z", "2021-10-25T16:00Z", "16:00:00Z",
            "2021-10-25 16:00:00Z",                      /* space instead of T */
            "2021-10-25X16:00:00Z",
            "2021-10-25T16:00:00.Z",                     /* empty fraction */
            "2021-10-25T16:00:00.1234567Z",              /* 7 fraction digits */
            "2021-10-25T16:00:00,5Z",
            "2021-10-25T16:00:00+0800", "2021-10-25T16:00:00+08", "2021-10-25T16:00:00+8:00",
            "2021-10-25T16:00:00+24:00", "2021-10-25T16:00:00+08:60",
            /* no zone on Earth is further than 14 hours from UTC, and
             * PostgreSQL refuses offsets over 15 (a 500 until this) */
            "2021-10-25T16:00:00+14:01", "2021-10-25T16:00:00-14:30", "2021-10-25T16:00:00+16:00",
            "2021-10-25T16:00:00+23:59",
            "2021-10-25T16:00:00 +08:00", "2021-10-25T16:00:00Z ", "2021-10-25T16:00:00ZZ",
            "2021-10-25T16:00:00+08:00Z", "2021-10-25T16:00:00UTC", "2021-10-25T16:00:00GMT",
            "21-10-25T16:00:00Z", "2021-1-25T16:00:00Z", "2021-10-5T16:00:00Z",
            "2021/10/25T16:00:00Z", "2021-10-25T16-00-00Z", "+2021-10-25T16:00:00Z",
            "2021-10-25T1a:00:00Z", "2021-10-25T16:00:0aZ", "２０２１-10-25T16:00:00Z");
}
END_TEST

START_TEST(rfc3339_every_day)
{
    /* every day of 2023 and 2024 is accepted, the day after each month's
     * last is not */
    static const int days[2][12] = { { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 },
                                      { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 } };
    for (int y = 0; y < 2; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 32; d++) {
                char s[64];
                snprintf(s, sizeof s, "%d-%02d-%02dT08:30:00+08:00", 2023 + y, m, d);
                ck_assert_msg(kp_valid_rfc3339(s) == (d <= days[y][m - 1]), "%s %s", s,
                              kp_valid_rfc3339(s) ? "accepted" : "refused");
            }
}
END_TEST

/* ---- calendar dates --------------------------------------------------- */

START_TEST(date)
{
    ALL_OK(kp_valid_date, "2021-10-25", "2024-02-29", "2000-02-29", "2021-12-31", "2021-01-01",
           "2021-04-30");
    ALL_BAD(kp_valid_date, "", "2023-02-29", "1900-02-29", "2021-04-31", "2021-13-01",
            "2021-00-01", "2021-01-00", "2021-01-32", "2021-1-05", "21-01-05", "2021/01/05",
            "2021-01-05 ", " 2021-01-05", "2021-01-05T00:00:00Z", "2021-01-5", "20210105",
            "2021-0a-05", "２０２１-01-05");
}
END_TEST

static Suite *validate_suite(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("validate");
    tcase_add_test(tc, mainland_phone);
    tcase_add_test(tc, mobile);
    tcase_add_test(tc, phone);
    tcase_add_test(tc, email);
    tcase_add_test(tc, email_length);
    tcase_add_test(tc, rfc3339_ok);
    tcase_add_test(tc, rfc3339_bad);
    tcase_add_test(tc, rfc3339_every_day);
    tcase_add_test(tc, date);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(validate_suite());
}
