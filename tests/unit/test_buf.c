/* lib/buf: growth, who owns the bytes after take, and JSON strings written
 * byte for byte as jansson writes them. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "support/unit.h"

START_TEST(printf_small)
{
    struct kp_buf b = { 0 };
    kp_buf_printf(&b, "x=%d %s", 5, "甲");
    ck_assert(!b.failed);
    ck_assert_uint_eq(b.len, strlen("x=5 甲"));
    ck_assert_str_eq(b.data, "x=5 甲");
    kp_buf_printf(&b, "%s", "");
    ck_assert_uint_eq(b.len, strlen("x=5 甲"));
    kp_buf_free(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(growth)
{
    struct kp_buf b = { 0 };
    size_t caps = 0, last_cap = 0, expect = 0;
    for (int i = 0; i < 20000; i++) {
        kp_buf_printf(&b, "line %05d\n", i);
        expect += 11;
        ck_assert_uint_eq(b.len, expect);
        ck_assert_uint_gt(b.cap, b.len);         /* room for the NUL */
        ck_assert_int_eq(b.data[b.len], '\0');
        if (b.cap != last_cap)
            caps++, last_cap = b.cap;
    }
    ck_assert_uint_ge(caps, 8);                   /* 256 → 256K: many reallocations */
    size_t len = 0;
    char *text = kp_buf_take(&b, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(len, 20000 * 11);
    ck_assert_uint_eq(strlen(text), len);
    for (int i = 0; i < 20000; i += 997) {
        char want[16];
        snprintf(want, sizeof want, "line %05d\n", i);
        ck_assert(memcmp(text + (size_t)i * 11, want, 11) == 0);
    }
    free(text);
}
END_TEST

START_TEST(one_big_printf)
{
    struct kp_buf b = { 0 };
    char big[5000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    kp_buf_printf(&b, "<%s>", big);
    ck_assert_uint_eq(b.len, sizeof big + 1);
    ck_assert_int_eq(b.data[0], '<');
    ck_assert_int_eq(b.data[b.len - 1], '>');
    ck_assert_int_eq(b.data[b.len], '\0');
    kp_buf_free(&b);
}
END_TEST

START_TEST(append_binary)
{
    struct kp_buf b = { 0 };
    kp_buf_append(&b, "a\0b", 3);
    kp_buf_append(&b, "", 0);
    char chunk[700];
    memset(chunk, 'q', sizeof chunk);
    kp_buf_append(&b, chunk, sizeof chunk);
    ck_assert_uint_eq(b.len, 3 + sizeof chunk);
    size_t len = 0;
    char *d = kp_buf_take(&b, &len);
    ck_assert_uint_eq(len, 703);
    ck_assert(memcmp(d, "a\0b", 3) == 0);
    ck_assert_int_eq(d[702], 'q');
    ck_assert_int_eq(d[703], '\0');
    free(d);
}
END_TEST

START_TEST(take_resets)
{
    struct kp_buf b = { 0 };
    kp_buf_printf(&b, "first");
    char *one = kp_buf_take(&b, NULL);          /* len may be NULL */
    ck_assert_str_eq(one, "first");
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    kp_buf_printf(&b, "second");                /* reusable after take */
    char *two = kp_buf_take(&b, NULL);
    ck_assert_str_eq(two, "second");
    ck_assert_ptr_ne(one, two);
    ck_assert_str_eq(one, "first");             /* the first is still the caller's */
    free(one);
    free(two);
}
END_TEST

START_TEST(empty_take)
{
    struct kp_buf b = { 0 };
    size_t len = 99;
    char *d = kp_buf_take(&b, &len);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d, "");
    ck_assert_uint_eq(len, 0);
    free(d);
    kp_buf_free(&b);                            /* freeing an empty buffer is fine */
    kp_buf_free(&b);
}
END_TEST

START_TEST(failed_buffer)
{
    struct kp_buf b = { 0 };
    kp_buf_printf(&b, "partial");
    b.failed = true;                            /* as after a failed realloc */
    kp_buf_printf(&b, "more");
    kp_buf_append(&b, "more", 4);
    ck_assert_uint_eq(b.len, 7);
    size_t len = 99;
    ck_assert_ptr_null(kp_buf_take(&b, &len));  /* the data is freed, not leaked */
    ck_assert_uint_eq(len, 0);
    ck_assert(!b.failed);
    ck_assert_ptr_null(b.data);
    kp_buf_printf(&b, "again");
    char *d = kp_buf_take(&b, NULL);
    ck_assert_str_eq(d, "again");
    free(d);
}
END_TEST

/* What jansson's compact dump makes of s. */
static char *jansson_string(const char *s)
{
    json_t *j = json_string(s);
    char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(j);
    return text;
}

START_TEST(json_string_as_jansson)
{
    static char controls[32];
    for (int i = 1; i < 32; i++)
        controls[i - 1] = (char)i;
    const char *cases[] = { "", "plain", "科普教育基地（北京）", "a\"b\\c/d", "line\nnext\r\t",
                            controls, "\x7f del and 😀 emoji", "</script>" };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct kp_buf b = { 0 };
        kp_buf_json_string(&b, cases[i]);
        char *want = jansson_string(cases[i]);
        ck_assert_ptr_nonnull(want);
        ck_assert_str_eq(b.data, want);
        free(want);
        kp_buf_free(&b);
    }
}
END_TEST

static Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");
    tcase_add_test(tc, printf_small);
    tcase_add_test(tc, growth);
    tcase_add_test(tc, one_big_printf);
    tcase_add_test(tc, append_binary);
    tcase_add_test(tc, take_resets);
    tcase_add_test(tc, empty_take);
    tcase_add_test(tc, failed_buffer);
    tcase_add_test(tc, json_string_as_jansson);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(buf_suite());
}
