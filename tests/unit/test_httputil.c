/* lib/httputil: Content-Type, If-None-Match and Content-Length as clients
 * (and attackers) actually send them. */
#include <check.h>
#include <stdlib.h>

#include "httputil.h"

static const char JSON[] = "application/json";

START_TEST(media_plain)
{
    ck_assert(kp_media_accepts("application/json", JSON));
    ck_assert(kp_media_accepts("  application/json", JSON));
    ck_assert(kp_media_accepts("application/json  ", JSON));
    ck_assert(kp_media_accepts("Application/JSON", JSON));
    ck_assert(kp_media_accepts("APPLICATION/JSON", "application/json"));
}
END_TEST

START_TEST(media_charset)
{
    ck_assert(kp_media_accepts("application/json; charset=utf-8", JSON));
    ck_assert(kp_media_accepts("application/json; charset=UTF-8", JSON));
    ck_assert(kp_media_accepts("application/json;charset=utf-8", JSON));
    ck_assert(kp_media_accepts("application/json ; charset=utf-8", JSON));
    ck_assert(kp_media_accepts("application/json; charset=\"utf-8\"", JSON));
    ck_assert(kp_media_accepts("application/json; CHARSET=Utf-8 ", JSON));
    ck_assert(kp_media_accepts("application/json; boundary=x; charset=utf-8", JSON));
    ck_assert(kp_media_accepts("application/json; foo=bar", JSON));   /* other parameters ignored */

    ck_assert(!kp_media_accepts("application/json; charset=latin1", JSON));
    ck_assert(!kp_media_accepts("application/json; charset=\"latin1\"", JSON));
    ck_assert(!kp_media_accepts("application/json; charset=utf8", JSON));
    ck_assert(!kp_media_accepts("application/json; charset=utf-16", JSON));
    ck_assert(!kp_media_accepts("application/json; charset=", JSON));
    ck_assert(!kp_media_accepts("application/json; charset=\"", JSON));
    ck_assert(!kp_media_accepts("application/json; charset=\"\"", JSON));
    ck_assert(!kp_media_accepts("application/json; charset=utf-8; charset=latin1", JSON));
}
END_TEST

/* A charset parameter without a value must be refused, not dereferenced. */
START_TEST(media_charset_without_value)
{
    ck_assert(!kp_media_accepts("application/json; charset", JSON));
    ck_assert(!kp_media_accepts("application/json;charset", JSON));
    ck_assert(!kp_media_accepts("application/json; charset;", JSON));
    ck_assert(!kp_media_accepts("application/json; charset; x=y", JSON));
}
END_TEST

START_TEST(media_refused)
{
    ck_assert(!kp_media_accepts(NULL, JSON));
    ck_assert(!kp_media_accepts("", JSON));
    ck_assert(!kp_media_accepts("   ", JSON));
    ck_assert(!kp_media_accepts("text/plain", JSON));
    ck_assert(!kp_media_accepts("text/plain; charset=utf-8", JSON));
    ck_assert(!kp_media_accepts("application/jsonx", JSON));
    ck_assert(!kp_media_accepts("application/js", JSON));
    ck_assert(!kp_media_accepts("application/json garbage", JSON));
    ck_assert(!kp_media_accepts("application/json, text/plain", JSON));
    ck_assert(!kp_media_accepts("; charset=utf-8", JSON));
    ck_assert(!kp_media_accepts("application/problem+json", JSON));
}
END_TEST

START_TEST(media_list)
{
    const char *accepted = "application/json application/merge-patch+json  text/csv ";
    ck_assert(kp_media_accepts("application/json", accepted));
    ck_assert(kp_media_accepts("application/merge-patch+json; charset=utf-8", accepted));
    ck_assert(kp_media_accepts("TEXT/CSV", accepted));
    ck_assert(!kp_media_accepts("text/plain", accepted));
    ck_assert(!kp_media_accepts("application/merge-patch", accepted));
    ck_assert(!kp_media_accepts("text", accepted));
    ck_assert(!kp_media_accepts("application/json", ""));
    ck_assert(!kp_media_accepts("application/json", "   "));
}
END_TEST

START_TEST(etag)
{
    const char *tag = "\"v42\"";
    ck_assert(!kp_etag_matches(NULL, tag));
    ck_assert(!kp_etag_matches("", tag));
    ck_assert(kp_etag_matches("*", tag));
    ck_assert(kp_etag_matches(" * ", tag));
    ck_assert(kp_etag_matches("\"v42\"", tag));
    ck_assert(kp_etag_matches("\"v1\", \"v42\"", tag));
    ck_assert(kp_etag_matches("\"v1\",\"v42\"", tag));
    ck_assert(kp_etag_matches("\"v1\" ,\t\"v42\" ", tag));
    ck_assert(kp_etag_matches("\"v42\", \"v1\"", tag));
    ck_assert(kp_etag_matches("W/\"v42\"", tag));            /* weak comparison */
    ck_assert(kp_etag_matches("\"v1\", W/\"v42\"", tag));
    ck_assert(!kp_etag_matches("\"v4\"", tag));
    ck_assert(!kp_etag_matches("\"v420\"", tag));
    ck_assert(!kp_etag_matches("v42", tag));                 /* unquoted */
    ck_assert(!kp_etag_matches("\"V42\"", tag));             /* case matters */
    ck_assert(!kp_etag_matches("\"v1\", \"v2\"", tag));
    ck_assert(!kp_etag_matches("w/\"v42\"", tag));
    ck_assert(!kp_etag_matches(",,", tag));
}
END_TEST

START_TEST(content_length_ok)
{
    uint64_t v = 7;
    ck_assert(kp_parse_content_length("0", &v));
    ck_assert_uint_eq(v, 0);
    ck_assert(kp_parse_content_length("123", &v));
    ck_assert_uint_eq(v, 123);
    ck_assert(kp_parse_content_length("0001048576", &v));
    ck_assert_uint_eq(v, 1048576);
    ck_assert(kp_parse_content_length("18446744073709551609", &v));
    ck_assert(v == UINT64_C(18446744073709551609));
}
END_TEST

START_TEST(content_length_refused)
{
    const char *bad[] = { "", "-1", "+1", " 1", "1 ", "1,2", "0x10", "1.0", "1e3", "abc",
                          "99999999999999999999", "18446744073709551616",
                          "184467440737095516150" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 7;
        ck_assert_msg(!kp_parse_content_length(bad[i], &v), "'%s' accepted", bad[i]);
        ck_assert_uint_eq(v, 7);
    }
    uint64_t v = 7;
    ck_assert(!kp_parse_content_length(NULL, &v));
    ck_assert_uint_eq(v, 7);
}
END_TEST

static Suite *httputil_suite(void)
{
    Suite *s = suite_create("httputil");
    TCase *tc = tcase_create("httputil");
    tcase_add_test(tc, media_plain);
    tcase_add_test(tc, media_charset);
    tcase_add_test(tc, media_charset_without_value);
    tcase_add_test(tc, media_refused);
    tcase_add_test(tc, media_list);
    tcase_add_test(tc, etag);
    tcase_add_test(tc, content_length_ok);
    tcase_add_test(tc, content_length_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(httputil_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
