/* lib/pgtime: PostgreSQL's ISO text of a timestamptz at UTC as RFC 3339. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pgtime.h"
#include "support/unit.h"

static bool convert(const char *pg, char *out)
{
    return kp_pgtime_rfc3339(pg, strlen(pg), out);
}

START_TEST(iso_at_utc)
{
    char out[KP_RFC3339_LEN + 1];
    ck_assert(convert("2026-12-07 12:14:28+00", out));
    ck_assert_str_eq(out, "2026-12-07T12:14:28Z");
    ck_assert(convert("2026-12-07 12:14:28.999999+00", out));     /* dropped, not rounded */
    ck_assert_str_eq(out, "2026-12-07T12:14:28Z");
    ck_assert(convert("1999-01-01 00:00:00.5+00", out));
    ck_assert_str_eq(out, "1999-01-01T00:00:00Z");
    ck_assert_uint_eq(strlen(out), KP_RFC3339_LEN);
}
END_TEST

START_TEST(anything_else_is_refused)
{
    static const char *const bad[] = {
        "", "infinity", "-infinity", "2026-12-07 12:14:28", "2026-12-07 12:14:28+08",
        "2026-12-07 12:14:28+05:30", "2026-12-07T12:14:28Z", "12/07/2026 12:14:28 UTC",
        "Mon Dec 07 12:14:28 2026 UTC", "07.12.2026 12:14:28 UTC", "10000-01-01 00:00:00+00",
        "2026-12-07 12:14:28 BC+00", "2026-12-07 12:14:28.+00", "2026-12-07 12:14:28.1234567+00",
        "2026-12-07 12:14:28,5+00", "2026-12-07 12:14:2x+00", "2026-12-07 12:14:28.12a+00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char out[KP_RFC3339_LEN + 1] = "untouched";
        ck_assert_msg(!convert(bad[i], out), "%s", bad[i]);
        ck_assert_str_eq(out, "untouched");
    }
}
END_TEST

START_TEST(reads_only_len_bytes)
{
    char out[KP_RFC3339_LEN + 1];
    const char text[] = "2026-12-07 12:14:28+00trailing";
    ck_assert(kp_pgtime_rfc3339(text, 22, out));
    ck_assert_str_eq(out, "2026-12-07T12:14:28Z");
    ck_assert(!kp_pgtime_rfc3339(text, sizeof text - 1, out));
    ck_assert(!kp_pgtime_rfc3339(text, 10, out));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pgtime");
    TCase *tc = tcase_create("convert");
    tcase_add_test(tc, iso_at_utc);
    tcase_add_test(tc, anything_else_is_refused);
    tcase_add_test(tc, reads_only_len_bytes);
    suite_add_tcase(s, tc);
    return kp_test_run(s);
}
