/* lib/cursor: `limit` and `cursor` query values; a cursor is opaque to
 * clients but must survive the round trip and refuse anything forged. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "support/unit.h"

static json_t *errors;
static struct kp_page page;

static void setup(void)
{
    ck_assert_int_ge(sodium_init(), 0);
    errors = json_array();
    memset(&page, 0, sizeof page);
}

static void teardown(void)
{
    kp_page_free(&page);
    json_decref(errors);
}

static void assert_one_error(const char *field, const char *code)
{
    ck_assert_uint_eq(json_array_size(errors), 1);
    json_t *e = json_array_get(errors, 0);
    ck_assert_str_eq(json_string_value(json_object_get(e, "field")), field);
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), code);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(e, "message")));
}

/* base64url (no padding) of raw text, as a forged cursor. */
static char *b64(const char *text)
{
    size_t len = strlen(text);
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    sodium_bin2base64(out, cap, (const unsigned char *)text, len,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

START_TEST(defaults)
{
    ck_assert_int_eq(kp_page_parse(NULL, NULL, &page, errors), KP_OK);
    ck_assert_int_eq(page.limit, KP_PAGE_DEFAULT);
    ck_assert_int_eq(page.limit, 50);
    ck_assert_ptr_null(page.after);
    ck_assert_uint_eq(json_array_size(errors), 0);
}
END_TEST

START_TEST(limit_ok)
{
    ck_assert_int_eq(kp_page_parse("1", NULL, &page, errors), KP_OK);
    ck_assert_int_eq(page.limit, 1);
    ck_assert_int_eq(kp_page_parse("200", NULL, &page, errors), KP_OK);
    ck_assert_int_eq(page.limit, 200);
    ck_assert_int_eq(kp_page_parse("73", NULL, &page, errors), KP_OK);
    ck_assert_int_eq(page.limit, 73);
    ck_assert_uint_eq(json_array_size(errors), 0);
}
END_TEST

START_TEST(limit_bad)
{
    const char *bad[] = { "0", "201", "-1", "abc", "", "5x", " 5", "+5", "5 ", "1e2", "0x10",
                          "99999999999999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_array_clear(errors);
        ck_assert_msg(kp_page_parse(bad[i], NULL, &page, errors) == KP_E_INVAL,
                      "limit '%s' accepted", bad[i]);
        assert_one_error("limit", "range");
        ck_assert_int_eq(page.limit, KP_PAGE_DEFAULT);
    }
}
END_TEST

START_TEST(cursor_round_trip)
{
    json_t *key = json_pack("[i, s, I, s, s]", 42, "北京市朝阳区", (json_int_t)-9007199254740993LL,
                            "with \"quotes\" and / slash", "");
    ck_assert_ptr_nonnull(key);
    char *c = kp_cursor_encode(key);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_gt(strlen(c), 0);
    for (const char *p = c; *p; p++)          /* safe in a query string as is */
        ck_assert_msg((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_', "'%c' in %s", *p, c);
    ck_assert_int_eq(kp_page_parse("10", c, &page, errors), KP_OK);
    ck_assert_int_eq(page.limit, 10);
    ck_assert_ptr_nonnull(page.after);
    ck_assert(json_equal(page.after, key));
    ck_assert_str_eq(json_string_value(json_array_get(page.after, 1)), "北京市朝阳区");
    free(c);
    json_decref(key);
}
END_TEST

START_TEST(cursor_single_value)
{
    json_t *key = json_pack("[i]", 7);
    char *c = kp_cursor_encode(key);
    ck_assert_int_eq(kp_page_parse(NULL, c, &page, errors), KP_OK);
    ck_assert_int_eq(page.limit, KP_PAGE_DEFAULT);
    ck_assert_int_eq(json_integer_value(json_array_get(page.after, 0)), 7);
    free(c);
    json_decref(key);
}
END_TEST

static void cursor_refused(const char *cursor)
{
    json_array_clear(errors);
    ck_assert_msg(kp_page_parse(NULL, cursor, &page, errors) == KP_E_INVAL,
                  "cursor '%s' accepted", cursor);
    assert_one_error("cursor", "invalid");
    ck_assert_ptr_null(page.after);
}

START_TEST(cursor_garbage)
{
    cursor_refused("");
    cursor_refused("!!!!");
    cursor_refused("not base64 at all");
    cursor_refused("WzFd=");                  /* "[1]" padded: not our variant */
    cursor_refused("WzEsMl0+");               /* '+' is standard base64, not base64url */
    char *c = b64("hello");                   /* not JSON */
    cursor_refused(c);
    free(c);
    c = b64("[1, 2");                         /* truncated JSON */
    cursor_refused(c);
    free(c);
}
END_TEST

START_TEST(cursor_not_an_array)
{
    const char *docs[] = { "{\"id\": 1}", "1", "\"x\"", "null", "[]",
                           "[{\"a\": 1, \"a\": 2}]" };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        char *c = b64(docs[i]);
        cursor_refused(c);
        free(c);
    }
}
END_TEST

START_TEST(cursor_too_long)
{
    char c[600];
    memset(c, 'A', 513);
    c[513] = '\0';
    cursor_refused(c);

    /* a genuine cursor just over the limit is refused too */
    char big[400];
    memset(big, 'x', 381);
    big[381] = '\0';
    json_t *key = json_pack("[s]", big);
    char *enc = kp_cursor_encode(key);
    ck_assert_uint_eq(strlen(enc), 514);
    cursor_refused(enc);
    free(enc);
    json_decref(key);
}
END_TEST

START_TEST(cursor_at_limit)
{
    /* ["xxx…"] of 384 bytes encodes to exactly 512 characters */
    char big[400];
    memset(big, 'x', 380);
    big[380] = '\0';
    json_t *key = json_pack("[s]", big);
    char *enc = kp_cursor_encode(key);
    ck_assert_uint_eq(strlen(enc), 512);
    ck_assert_int_eq(kp_page_parse(NULL, enc, &page, errors), KP_OK);
    ck_assert(json_equal(page.after, key));
    free(enc);
    json_decref(key);
}
END_TEST

START_TEST(both_bad)
{
    ck_assert_int_eq(kp_page_parse("0", "%%%", &page, errors), KP_E_INVAL);
    ck_assert_uint_eq(json_array_size(errors), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")), "limit");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 1), "field")), "cursor");
}
END_TEST

START_TEST(page_free)
{
    json_t *key = json_pack("[s]", "甲");
    char *c = kp_cursor_encode(key);
    ck_assert_int_eq(kp_page_parse(NULL, c, &page, errors), KP_OK);
    ck_assert_ptr_nonnull(page.after);
    kp_page_free(&page);
    ck_assert_ptr_null(page.after);
    kp_page_free(&page);                      /* twice is harmless */
    ck_assert_ptr_null(page.after);
    free(c);
    json_decref(key);
}
END_TEST

/* ---- lists keyed by one integer id ------------------------------------ */

START_TEST(id_first_page)
{
    ck_assert_int_eq(kp_page_parse_id(NULL, NULL, &page, errors), KP_OK);
    ck_assert_int_eq(page.limit, KP_PAGE_DEFAULT);
    ck_assert_ptr_null(page.after);
    ck_assert_int_eq(kp_page_after_id(&page, 0), 0);
    ck_assert_int_eq(kp_page_after_id(&page, -1), -1);
    ck_assert(kp_page_after_id(&page, 9223372036854775807LL) == 9223372036854775807LL);
    ck_assert_int_eq(kp_page_parse_id("20", NULL, &page, errors), KP_OK);
    ck_assert_int_eq(page.limit, 20);
    ck_assert_uint_eq(json_array_size(errors), 0);
}
END_TEST

START_TEST(id_cursor_ok)
{
    char *c = b64("[42]");
    ck_assert_int_eq(kp_page_parse_id("5", c, &page, errors), KP_OK);
    ck_assert_int_eq(page.limit, 5);
    ck_assert_ptr_nonnull(page.after);
    ck_assert_int_eq(kp_page_after_id(&page, 0), 42);
    ck_assert_int_eq(kp_page_after_id(&page, 7), 42);          /* `first` only for the first page */
    ck_assert_uint_eq(json_array_size(errors), 0);
    free(c);
    kp_page_free(&page);

    c = b64("[9007199254740993]");            /* beyond a double's precision */
    ck_assert_int_eq(kp_page_parse_id(NULL, c, &page, errors), KP_OK);
    ck_assert(kp_page_after_id(&page, 0) == 9007199254740993LL);
    free(c);
}
END_TEST

static void id_cursor_refused(const char *json_text)
{
    json_array_clear(errors);
    kp_page_free(&page);
    char *c = b64(json_text);
    ck_assert_msg(kp_page_parse_id(NULL, c, &page, errors) == KP_E_INVAL,
                  "cursor %s accepted", json_text);
    free(c);
    assert_one_error("cursor", "invalid");
    ck_assert_ptr_null(page.after);
    ck_assert_int_eq(kp_page_after_id(&page, 3), 3);
}

START_TEST(id_cursor_refused_shapes)
{
    id_cursor_refused("[\"x\"]");
    id_cursor_refused("[\"42\"]");
    id_cursor_refused("[1,2]");
    id_cursor_refused("[]");
    id_cursor_refused("[1.5]");
    id_cursor_refused("[1.0]");
    id_cursor_refused("[null]");
    id_cursor_refused("[true]");
    id_cursor_refused("[[1]]");
    id_cursor_refused("[{\"id\":1}]");
    id_cursor_refused("{\"id\":1}");
    id_cursor_refused("42");
    /* not base64 at all: one error, not two */
    json_array_clear(errors);
    kp_page_free(&page);
    ck_assert_int_eq(kp_page_parse_id(NULL, "%%%", &page, errors), KP_E_INVAL);
    assert_one_error("cursor", "invalid");
    ck_assert_ptr_null(page.after);
}
END_TEST

START_TEST(id_limit_and_cursor_bad)
{
    char *c = b64("[\"x\"]");
    ck_assert_int_eq(kp_page_parse_id("0", c, &page, errors), KP_E_INVAL);
    free(c);
    ck_assert_uint_eq(json_array_size(errors), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")), "limit");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 1), "field")), "cursor");
    ck_assert_ptr_null(page.after);
}
END_TEST

START_TEST(id_next_cursor)
{
    json_t *none = kp_page_next_id(false, 17);
    ck_assert_ptr_nonnull(none);
    ck_assert(json_is_null(none));
    json_decref(none);

    const long long ids[] = { 1, 17, 0, -5, 9007199254740993LL, 9223372036854775807LL };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        json_t *next = kp_page_next_id(true, ids[i]);
        ck_assert_ptr_nonnull(next);
        ck_assert_msg(json_is_string(next), "next cursor after %lld is not a string", ids[i]);
        const char *c = json_string_value(next);
        ck_assert_uint_gt(strlen(c), 0);
        kp_page_free(&page);
        json_array_clear(errors);
        ck_assert_int_eq(kp_page_parse_id(NULL, c, &page, errors), KP_OK);
        ck_assert_msg(kp_page_after_id(&page, 0) == ids[i], "%lld came back as %lld", ids[i],
                      kp_page_after_id(&page, 0));
        ck_assert_uint_eq(json_array_size(page.after), 1);
        json_decref(next);
    }
}
END_TEST

static Suite *cursor_suite(void)
{
    Suite *s = suite_create("cursor");
    TCase *tc = tcase_create("cursor");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, limit_ok);
    tcase_add_test(tc, limit_bad);
    tcase_add_test(tc, cursor_round_trip);
    tcase_add_test(tc, cursor_single_value);
    tcase_add_test(tc, cursor_garbage);
    tcase_add_test(tc, cursor_not_an_array);
    tcase_add_test(tc, cursor_too_long);
    tcase_add_test(tc, cursor_at_limit);
    tcase_add_test(tc, both_bad);
    tcase_add_test(tc, page_free);
    tcase_add_test(tc, id_first_page);
    tcase_add_test(tc, id_cursor_ok);
    tcase_add_test(tc, id_cursor_refused_shapes);
    tcase_add_test(tc, id_limit_and_cursor_bad);
    tcase_add_test(tc, id_next_cursor);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(cursor_suite());
}
