/* lib/httputil: Content-Type, If-None-Match, Content-Length, Cookie,
 * Authorization, Origin and query arguments as clients (and attackers)
 * actually send them. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "httputil.h"
#include "support/unit.h"

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

START_TEST(if_match)
{
    long long v = 0;
    ck_assert(kp_if_match_version(NULL, &v));
    ck_assert_int_eq(v, -1);
    ck_assert(kp_if_match_version("*", &v));
    ck_assert_int_eq(v, -1);
    ck_assert(kp_if_match_version("\"7\"", &v));
    ck_assert_int_eq(v, 7);
    ck_assert(kp_if_match_version("\"123456789012345678\"", &v));
    ck_assert_int_eq(v, 123456789012345678LL);
    static const char *const bad[] = {
        "7", "\"7", "7\"", "\"\"", "\"-1\"", "\"+1\"", "\" 7\"", "\"7 \"", "W/\"7\"", "\"7\", \"8\"",
        "\"1234567890123456789\"", "\"7\"x", "", "**",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        v = 0;
        ck_assert_msg(!kp_if_match_version(bad[i], &v), "%s", bad[i]);
    }
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

/* ---- cookies ---------------------------------------------------------- */

static const char SESSION[] = "kpjd_session";

START_TEST(cookie_found)
{
    char out[64];
    ck_assert(kp_cookie_get("kpjd_session=abc", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "abc");
    ck_assert(kp_cookie_get("a=1; kpjd_session=tok-123; b=2", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "tok-123");
    ck_assert(kp_cookie_get("a=1;kpjd_session=x2;b=2", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "x2");
    ck_assert(kp_cookie_get("a=1; b=2; kpjd_session=last", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "last");
    /* spaces and tabs around a pair are not part of the value */
    ck_assert(kp_cookie_get("  a=1 ;   kpjd_session=sp  ; b=2", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "sp");
    ck_assert(kp_cookie_get("a=1;\tkpjd_session=tab\t", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "tab");
    /* '=' inside the value is the value's */
    ck_assert(kp_cookie_get("kpjd_session=a=b==", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "a=b==");
    /* the first of two */
    ck_assert(kp_cookie_get("kpjd_session=one; kpjd_session=two", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "one");
}
END_TEST

START_TEST(cookie_name_must_match_whole)
{
    char out[64];
    strcpy(out, "untouched");
    ck_assert(!kp_cookie_get("xkpjd_session=evil", SESSION, out, sizeof out));
    ck_assert(!kp_cookie_get("kpjd_session2=evil", SESSION, out, sizeof out));
    ck_assert(!kp_cookie_get("kpjd_sessio=evil", SESSION, out, sizeof out));
    ck_assert(!kp_cookie_get("KPJD_SESSION=evil", SESSION, out, sizeof out));   /* names are case-sensitive */
    ck_assert(!kp_cookie_get("kpjd_session", SESSION, out, sizeof out));       /* no '=' */
    ck_assert(!kp_cookie_get("a=kpjd_session=evil", SESSION, out, sizeof out)); /* inside a value */
    ck_assert_str_eq(out, "untouched");
    /* the real one after a look-alike is found */
    ck_assert(kp_cookie_get("xkpjd_session=evil; kpjd_session2=evil2; kpjd_session=good",
                            SESSION, out, sizeof out));
    ck_assert_str_eq(out, "good");
    ck_assert(kp_cookie_get("a=kpjd_session=evil; kpjd_session=good", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "good");
}
END_TEST

START_TEST(cookie_absent)
{
    char out[16];
    ck_assert(!kp_cookie_get(NULL, SESSION, out, sizeof out));
    ck_assert(!kp_cookie_get("", SESSION, out, sizeof out));
    ck_assert(!kp_cookie_get("   ", SESSION, out, sizeof out));
    ck_assert(!kp_cookie_get(";;; ;", SESSION, out, sizeof out));
    ck_assert(!kp_cookie_get("a=1; b=2", SESSION, out, sizeof out));
}
END_TEST

START_TEST(cookie_empty_value)
{
    char out[16] = "x";
    ck_assert(kp_cookie_get("kpjd_session=", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "");
    strcpy(out, "x");
    ck_assert(kp_cookie_get("kpjd_session=; a=1", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "");
    strcpy(out, "x");
    ck_assert(kp_cookie_get("a=1; kpjd_session=  ", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(cookie_too_long)
{
    char out[8];
    /* 7 bytes and the NUL fit exactly */
    ck_assert(kp_cookie_get("kpjd_session=1234567", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "1234567");
    /* 8 do not: refused, not truncated */
    ck_assert(!kp_cookie_get("kpjd_session=12345678", SESSION, out, sizeof out));
    ck_assert(!kp_cookie_get("a=1; kpjd_session=12345678; b=2", SESSION, out, sizeof out));
    /* trailing spaces do not count against the buffer */
    ck_assert(kp_cookie_get("kpjd_session=1234567   ; b=2", SESSION, out, sizeof out));
    ck_assert_str_eq(out, "1234567");
    /* an empty value still needs room for the NUL */
    char one[1] = { 'x' };
    ck_assert(kp_cookie_get("kpjd_session=", SESSION, one, sizeof one));
    ck_assert_int_eq(one[0], '\0');
    ck_assert(!kp_cookie_get("kpjd_session=", SESSION, one, 0));
}
END_TEST

/* ---- bearer tokens ---------------------------------------------------- */

START_TEST(bearer_found)
{
    const char *h = "Bearer abc.DEF-123";
    ck_assert_ptr_eq(kp_bearer_token(h), h + 7);     /* points into the header */
    ck_assert_str_eq(kp_bearer_token("Bearer abc"), "abc");
    ck_assert_str_eq(kp_bearer_token("bearer abc"), "abc");
    ck_assert_str_eq(kp_bearer_token("BEARER abc"), "abc");
    ck_assert_str_eq(kp_bearer_token("bEaReR abc"), "abc");
    ck_assert_str_eq(kp_bearer_token("Bearer\tabc"), "abc");
    ck_assert_str_eq(kp_bearer_token("Bearer \t  abc"), "abc");
    ck_assert_str_eq(kp_bearer_token("  \tBearer abc"), "abc");
}
END_TEST

START_TEST(bearer_refused)
{
    ck_assert_ptr_null(kp_bearer_token(NULL));
    ck_assert_ptr_null(kp_bearer_token(""));
    ck_assert_ptr_null(kp_bearer_token("Bearer"));
    ck_assert_ptr_null(kp_bearer_token("Bearer "));
    ck_assert_ptr_null(kp_bearer_token("Bearer \t "));
    ck_assert_ptr_null(kp_bearer_token("Bearerabc"));
    ck_assert_ptr_null(kp_bearer_token("Bearer:abc"));
    ck_assert_ptr_null(kp_bearer_token("Basic dXNlcjpwYXNz"));
    ck_assert_ptr_null(kp_bearer_token("Beare abc"));
    ck_assert_ptr_null(kp_bearer_token("Token abc"));
    ck_assert_ptr_null(kp_bearer_token("abc"));
}
END_TEST

/* ---- Origin against Host ---------------------------------------------- */

START_TEST(origin_matches)
{
    ck_assert(kp_origin_matches_host("http://example.com", "example.com"));
    ck_assert(kp_origin_matches_host("https://example.com", "example.com"));
    ck_assert(kp_origin_matches_host("http://127.0.0.1:8080", "127.0.0.1:8080"));
    ck_assert(kp_origin_matches_host("https://kpjd.example.cn:8443", "kpjd.example.cn:8443"));
    ck_assert(kp_origin_matches_host("http://[::1]:8080", "[::1]:8080"));
    ck_assert(kp_origin_matches_host("HTTPS://Example.COM", "example.com"));   /* case-insensitive */
    ck_assert(kp_origin_matches_host("https://example.com", "EXAMPLE.com"));
}
END_TEST

START_TEST(origin_refused)
{
    /* the port must match */
    ck_assert(!kp_origin_matches_host("http://127.0.0.1:8081", "127.0.0.1:8080"));
    ck_assert(!kp_origin_matches_host("http://127.0.0.1", "127.0.0.1:8080"));
    ck_assert(!kp_origin_matches_host("http://127.0.0.1:8080", "127.0.0.1"));
    ck_assert(!kp_origin_matches_host("http://127.0.0.1:80800", "127.0.0.1:8080"));
    /* another host, or the host as a prefix or suffix of another */
    ck_assert(!kp_origin_matches_host("https://evil.com", "example.com"));
    ck_assert(!kp_origin_matches_host("https://example.com.evil.com", "example.com"));
    ck_assert(!kp_origin_matches_host("https://evilexample.com", "example.com"));
    ck_assert(!kp_origin_matches_host("https://example.co", "example.com"));
    ck_assert(!kp_origin_matches_host("https://user@example.com", "example.com"));
    /* "null" (sandboxed, file:, redirects) and malformed origins */
    ck_assert(!kp_origin_matches_host("null", "example.com"));
    ck_assert(!kp_origin_matches_host("", "example.com"));
    ck_assert(!kp_origin_matches_host("example.com", "example.com"));
    ck_assert(!kp_origin_matches_host("//example.com", "example.com"));
    ck_assert(!kp_origin_matches_host("://example.com", "example.com"));
    ck_assert(!kp_origin_matches_host("http://", ""));
    ck_assert(!kp_origin_matches_host("https://", ""));
    ck_assert(!kp_origin_matches_host("http:/example.com", "example.com"));
    /* a path after the host */
    ck_assert(!kp_origin_matches_host("https://example.com/", "example.com"));
    ck_assert(!kp_origin_matches_host("https://example.com/x", "example.com"));
    ck_assert(!kp_origin_matches_host("http://127.0.0.1:8080/api", "127.0.0.1:8080"));
    ck_assert(!kp_origin_matches_host("https://example.com/x", "example.com/x"));   /* whatever Host says */
    /* other schemes */
    ck_assert(!kp_origin_matches_host("ftp://example.com", "example.com"));
    ck_assert(!kp_origin_matches_host("ws://example.com", "example.com"));
    ck_assert(!kp_origin_matches_host("file://example.com", "example.com"));
    ck_assert(!kp_origin_matches_host("httpx://example.com", "example.com"));
    ck_assert(!kp_origin_matches_host("xhttp://example.com", "example.com"));
    ck_assert(!kp_origin_matches_host("httpss://example.com", "example.com"));
    ck_assert(!kp_origin_matches_host("chrome-extension://example.com", "example.com"));
    /* NULLs */
    ck_assert(!kp_origin_matches_host(NULL, "example.com"));
    ck_assert(!kp_origin_matches_host("https://example.com", NULL));
    ck_assert(!kp_origin_matches_host(NULL, NULL));
}
END_TEST

/* kp_query_arg_ok on a NUL-terminated name and value (value may be NULL). */
static bool arg_ok(const char *name, const char *value, char *field, size_t n)
{
    return kp_query_arg_ok(name, strlen(name), value, value ? strlen(value) : 0, field, n);
}

START_TEST(query_arg_clean)
{
    char field[64] = "untouched";
    ck_assert(arg_ok("q", "科技馆", field, sizeof field));
    ck_assert(arg_ok("q", "", field, sizeof field));
    ck_assert(arg_ok("q", NULL, field, sizeof field));                 /* "?q" without '=' */
    ck_assert(arg_ok("region", "北京市", field, sizeof field));
    ck_assert(arg_ok("q", "tab\there \x1b esc", field, sizeof field)); /* controls are text: the handler judges */
    ck_assert(arg_ok("名称", "\xF0\x9F\x98\x80", field, sizeof field));
    ck_assert_str_eq(field, "untouched");
}
END_TEST

START_TEST(query_arg_refused)
{
    char field[64];
    const char *bad_values[] = { "\xFF", "a\xC3", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                 "\xC0\xAF", "\xE0\x80\xAF", "ok\x80" };
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        ck_assert_msg(!arg_ok("q", bad_values[i], field, sizeof field), "value %zu passed", i);
        ck_assert_str_eq(field, "q");
    }
    /* a NUL inside the value, which a C string would silently cut */
    ck_assert(!kp_query_arg_ok("action", 6, "login\0x", 7, field, sizeof field));
    ck_assert_str_eq(field, "action");
    ck_assert(!kp_query_arg_ok("a\0b", 3, "1", 1, field, sizeof field));
    ck_assert_str_eq(field, "a%00b");
    /* a bad name is named with its bytes encoded, never as raw bytes */
    ck_assert(!arg_ok("\xFF", "1", field, sizeof field));
    ck_assert_str_eq(field, "%FF");
    ck_assert(!arg_ok("q\xED\xA0\x80x", NULL, field, sizeof field));
    ck_assert_str_eq(field, "q%ED%A0%80x");
    ck_assert(!arg_ok("名\xC2\x85\x1b", "\xFF", field, sizeof field));   /* C1 and C0 in a bad argument's name */
    ck_assert_str_eq(field, "名%C2%85%1B");
}
END_TEST

START_TEST(query_arg_field_fits)
{
    char field[8];
    ck_assert(!arg_ok("abcdefghij", "\xFF", field, sizeof field));
    ck_assert_str_eq(field, "abcdefg");
    ck_assert(!arg_ok("ab\xFF\xFF", "x", field, sizeof field));
    ck_assert_str_eq(field, "ab%FF");                                 /* no half escape */
    ck_assert(!arg_ok("ab中\xFF", "x", field, 5));
    ck_assert_str_eq(field, "ab");                                    /* no half character */
}
END_TEST

/* Accept-Encoding as browsers, curl and proxies send it. */
START_TEST(gzip_accepted)
{
    ck_assert(kp_accepts_gzip("gzip"));
    ck_assert(kp_accepts_gzip("gzip, deflate, br, zstd"));           /* Chromium */
    ck_assert(kp_accepts_gzip("deflate, gzip"));
    ck_assert(kp_accepts_gzip("GZIP"));
    ck_assert(kp_accepts_gzip("x-gzip"));
    ck_assert(kp_accepts_gzip("*"));
    ck_assert(kp_accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
    ck_assert(kp_accepts_gzip("gzip;q=0.001"));
    ck_assert(kp_accepts_gzip("gzip;q=1"));
    ck_assert(kp_accepts_gzip("gzip;q=1."));
    ck_assert(kp_accepts_gzip("gzip;q=1.000"));
    ck_assert(kp_accepts_gzip("gzip; q=0.5"));
    ck_assert(kp_accepts_gzip("gzip ;q=0.5"));
    ck_assert(kp_accepts_gzip("gzip;Q=0.5"));
    ck_assert(kp_accepts_gzip("gzip;level=9"));                       /* other parameters ignored */
    ck_assert(kp_accepts_gzip("gzip;q=0.3"));                         /* identity not named: no preference */
    ck_assert(kp_accepts_gzip("gzip;q=0.5, identity;q=0.5"));         /* a tie goes to the smaller answer */
    ck_assert(kp_accepts_gzip("identity;q=0, gzip"));
    ck_assert(kp_accepts_gzip(" , ,gzip,"));
    ck_assert(kp_accepts_gzip("\tgzip\t"));
    ck_assert(kp_accepts_gzip("deflate, *;q=0.5"));                   /* "*" covers gzip */
    ck_assert(kp_accepts_gzip("gzip;q=bogus, x-gzip"));               /* the bad element alone is dropped */
}
END_TEST

START_TEST(gzip_refused)
{
    ck_assert(!kp_accepts_gzip(NULL));                                /* no header: identity */
    ck_assert(!kp_accepts_gzip(""));
    ck_assert(!kp_accepts_gzip("identity"));
    ck_assert(!kp_accepts_gzip("deflate, br"));
    ck_assert(!kp_accepts_gzip("gzip;q=0"));
    ck_assert(!kp_accepts_gzip("gzip;q=0."));
    ck_assert(!kp_accepts_gzip("gzip;q=0.000"));
    ck_assert(!kp_accepts_gzip("gzip; q=0, *"));                      /* named beats "*" */
    ck_assert(!kp_accepts_gzip("*;q=0"));
    ck_assert(!kp_accepts_gzip("*, gzip;q=0"));
    ck_assert(!kp_accepts_gzip("gzip, gzip;q=0"));                    /* a refusal is never outvoted */
    ck_assert(!kp_accepts_gzip("x-gzip;q=0, gzip"));
    ck_assert(!kp_accepts_gzip("gzip;q=0.5, identity"));              /* identity preferred */
    ck_assert(!kp_accepts_gzip("gzip;q=0.4, *;q=0.5"));               /* identity through "*" */
    ck_assert(!kp_accepts_gzip("gzipx"));
    ck_assert(!kp_accepts_gzip("gzi"));
    ck_assert(!kp_accepts_gzip("xgzip"));
    ck_assert(!kp_accepts_gzip("gzip-x"));
    /* a malformed q drops the element, never lets it through */
    ck_assert(!kp_accepts_gzip("gzip;q=1.1"));
    ck_assert(!kp_accepts_gzip("gzip;q=2"));
    ck_assert(!kp_accepts_gzip("gzip;q=0.0001"));
    ck_assert(!kp_accepts_gzip("gzip;q=.5"));
    ck_assert(!kp_accepts_gzip("gzip;q=-1"));
    ck_assert(!kp_accepts_gzip("gzip;q="));
    ck_assert(!kp_accepts_gzip("gzip;q=\"0.5\""));
    ck_assert(!kp_accepts_gzip("gzip;q=0.5x"));
    ck_assert(!kp_accepts_gzip("gzip;q"));
    ck_assert(!kp_accepts_gzip("gzip;"));
    ck_assert(!kp_accepts_gzip("gzip q=1"));
    ck_assert(!kp_accepts_gzip(";q=1"));
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
    tcase_add_test(tc, if_match);
    tcase_add_test(tc, content_length_ok);
    tcase_add_test(tc, content_length_refused);
    tcase_add_test(tc, cookie_found);
    tcase_add_test(tc, cookie_name_must_match_whole);
    tcase_add_test(tc, cookie_absent);
    tcase_add_test(tc, cookie_empty_value);
    tcase_add_test(tc, cookie_too_long);
    tcase_add_test(tc, bearer_found);
    tcase_add_test(tc, bearer_refused);
    tcase_add_test(tc, origin_matches);
    tcase_add_test(tc, origin_refused);
    tcase_add_test(tc, query_arg_clean);
    tcase_add_test(tc, query_arg_refused);
    tcase_add_test(tc, query_arg_field_fits);
    tcase_add_test(tc, gzip_accepted);
    tcase_add_test(tc, gzip_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(httputil_suite());
}
