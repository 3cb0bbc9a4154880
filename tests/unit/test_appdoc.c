/* lib/domain/appdoc: the 申报编号 and Beijing time of the printable
 * documents.  The Beijing times were computed independently with Python's
 * zoneinfo:
 *   datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
 *           .astimezone(ZoneInfo("Asia/Shanghai"))
 * written as f"{d.year}年{d.month}月{d.day}日 {d.hour:02d}:{d.minute:02d}（北京时间）". */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "appdoc.h"
#include "support/unit.h"

START_TEST(number_pads_the_id)
{
    char out[KP_APPDOC_NUMBER_MAX];
    ck_assert(kp_appdoc_number("2026", 42, out, sizeof out));
    ck_assert_str_eq(out, "2026-000042");
    ck_assert(kp_appdoc_number("KP2026-秋", 1, out, sizeof out));
    ck_assert_str_eq(out, "KP2026-秋-000001");
    ck_assert(kp_appdoc_number("2026", 999999, out, sizeof out));
    ck_assert_str_eq(out, "2026-999999");
    ck_assert(kp_appdoc_number("2026", 1234567, out, sizeof out));    /* never cut */
    ck_assert_str_eq(out, "2026-1234567");
    ck_assert(kp_appdoc_number("2026", 9223372036854775807LL, out, sizeof out));
    ck_assert_str_eq(out, "2026-9223372036854775807");
}
END_TEST

START_TEST(number_refuses)
{
    char out[12];
    ck_assert(!kp_appdoc_number("2026", 0, out, sizeof out));
    ck_assert(!kp_appdoc_number("2026", -5, out, sizeof out));
    ck_assert(kp_appdoc_number("2026", 42, out, sizeof out));          /* 11 + NUL: fits */
    ck_assert(!kp_appdoc_number("20260", 42, out, sizeof out));        /* one byte short */
    /* the longest code: 64 characters of 4 bytes, and the longest id */
    char code[64 * 4 + 1] = "", big[KP_APPDOC_NUMBER_MAX];
    for (int i = 0; i < 64; i++)
        strcat(code, "\xF0\x9F\x98\x80");
    ck_assert(kp_appdoc_number(code, 9223372036854775807LL, big, sizeof big));
}
END_TEST

START_TEST(submitted)
{
    ck_assert(!kp_appdoc_submitted("draft", false));
    ck_assert(!kp_appdoc_submitted("returned", true));       /* back with the unit */
    ck_assert(!kp_appdoc_submitted("expired", false));       /* a draft the batch left behind */
    ck_assert(kp_appdoc_submitted("expired", true));
    ck_assert(kp_appdoc_submitted("submitted", true));
    ck_assert(kp_appdoc_submitted("recommended", true));
    ck_assert(kp_appdoc_submitted("not_recommended", true));
    ck_assert(kp_appdoc_submitted("named", true));
}
END_TEST

static const struct { const char *utc, *beijing; } TIMES[] = {
    { "2026-12-07T10:05:00Z", "2026年12月7日 18:05（北京时间）" },
    { "2026-12-31T16:00:00Z", "2027年1月1日 00:00（北京时间）" },
    { "2024-02-28T16:30:59Z", "2024年2月29日 00:30（北京时间）" },
    { "2023-02-28T16:00:00Z", "2023年3月1日 00:00（北京时间）" },
    { "2026-06-30T15:59:59Z", "2026年6月30日 23:59（北京时间）" },
    { "1999-12-31T23:59:59Z", "2000年1月1日 07:59（北京时间）" },
    { "2026-01-01T00:00:00Z", "2026年1月1日 08:00（北京时间）" },
};

START_TEST(beijing)
{
    for (size_t i = 0; i < sizeof TIMES / sizeof TIMES[0]; i++) {
        char out[KP_APPDOC_TIME_MAX];
        ck_assert_msg(kp_appdoc_beijing(TIMES[i].utc, out, sizeof out), "%s", TIMES[i].utc);
        ck_assert_str_eq(out, TIMES[i].beijing);
    }
}
END_TEST

START_TEST(beijing_refuses)
{
    static const char *const bad[] = {
        "", "2026-12-07", "2026-12-07T10:05:00", "2026-12-07T10:05:00+08:00",
        "2026-12-07 10:05:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-12-07T24:00:00Z",
        "2026-12-07T10:60:00Z", "2026-12-07T10:05:00.5Z", "+026-12-07T10:05:00Z",
        "2026-12-0７T10:05:00Z",
    };
    char out[KP_APPDOC_TIME_MAX];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!kp_appdoc_beijing(bad[i], out, sizeof out), "%s", bad[i]);
    char small[20];
    ck_assert(!kp_appdoc_beijing("2026-12-07T10:05:00Z", small, sizeof small));
}
END_TEST

static Suite *appdoc_suite(void)
{
    Suite *s = suite_create("appdoc");
    TCase *tc = tcase_create("appdoc");
    tcase_add_test(tc, number_pads_the_id);
    tcase_add_test(tc, number_refuses);
    tcase_add_test(tc, submitted);
    tcase_add_test(tc, beijing);
    tcase_add_test(tc, beijing_refuses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(appdoc_suite());
}
