/* lib/problem and lib/err: the registry of problem codes is a contract with
 * clients (API.md); every code keeps its status. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "problem.h"
#include "support/unit.h"

static const struct { enum kp_problem p; const char *code; unsigned status; } api_table[] = {
    { KP_P_BAD_JSON,                 "bad_json",                 400 },
    { KP_P_UNAUTHENTICATED,          "unauthenticated",          401 },
    { KP_P_INVALID_CREDENTIALS,      "invalid_credentials",      401 },
    { KP_P_FORBIDDEN,                "forbidden",                403 },
    { KP_P_CSRF,                     "csrf",                     403 },
    { KP_P_PASSWORD_CHANGE_REQUIRED, "password_change_required", 403 },
    { KP_P_NOT_FOUND,                "not_found",                404 },
    { KP_P_METHOD_NOT_ALLOWED,       "method_not_allowed",       405 },
    { KP_P_INVALID_STATE,            "invalid_state",            409 },
    { KP_P_DEADLINE_PASSED,          "deadline_passed",          409 },
    { KP_P_QUOTA_EXHAUSTED,          "quota_exhausted",          409 },
    { KP_P_BARRED,                   "barred",                   409 },
    { KP_P_CONFLICT,                 "conflict",                 409 },
    { KP_P_VERSION_MISMATCH,         "version_mismatch",         412 },
    { KP_P_TOO_LARGE,                "too_large",                413 },
    { KP_P_UNSUPPORTED_MEDIA_TYPE,   "unsupported_media_type",   415 },
    { KP_P_VALIDATION,               "validation",               422 },
    { KP_P_TOO_MANY_ATTEMPTS,        "too_many_attempts",        429 },
    { KP_P_UNAVAILABLE,              "unavailable",              503 },
    { KP_P_INTERNAL,                 "internal",                 500 },
};
#define NAPI (sizeof api_table / sizeof api_table[0])

START_TEST(every_problem_registered)
{
    for (int p = 0; p < KP_P__COUNT; p++) {
        const struct kp_problem_info *info = kp_problem_info((enum kp_problem)p);
        ck_assert_ptr_nonnull(info);
        ck_assert_ptr_nonnull(info->code);
        ck_assert_msg(strlen(info->code) > 0, "problem %d has an empty code", p);
        ck_assert_ptr_nonnull(info->title);
        ck_assert_msg(strlen(info->title) > 0, "problem %s has no title", info->code);
        ck_assert_msg(info->status >= 400 && info->status <= 599, "%s: status %u",
                      info->code, info->status);
        for (const char *c = info->code; *c; c++)
            ck_assert_msg((*c >= 'a' && *c <= 'z') || *c == '_', "code '%s'", info->code);
    }
}
END_TEST

START_TEST(api_table_pairs)
{
    ck_assert_uint_eq(NAPI, KP_P__COUNT);          /* nothing unlisted, nothing missing */
    for (size_t i = 0; i < NAPI; i++) {
        const struct kp_problem_info *info = kp_problem_info(api_table[i].p);
        ck_assert_str_eq(info->code, api_table[i].code);
        ck_assert_msg(info->status == api_table[i].status, "%s: %u, want %u",
                      info->code, info->status, api_table[i].status);
    }
}
END_TEST

START_TEST(codes_unique)
{
    for (int a = 0; a < KP_P__COUNT; a++)
        for (int b = a + 1; b < KP_P__COUNT; b++)
            ck_assert_str_ne(kp_problem_info((enum kp_problem)a)->code,
                             kp_problem_info((enum kp_problem)b)->code);
}
END_TEST

START_TEST(json_shape)
{
    json_t *body = kp_problem_json(KP_P_QUOTA_EXHAUSTED, NULL, NULL);
    ck_assert_ptr_nonnull(body);
    ck_assert_uint_eq(json_object_size(body), 4);
    ck_assert_str_eq(json_string_value(json_object_get(body, "type")), "urn:kpjd:problem:quota_exhausted");
    ck_assert_str_eq(json_string_value(json_object_get(body, "title")), "推荐名额已用完");
    ck_assert(json_is_integer(json_object_get(body, "status")));
    ck_assert_int_eq(json_integer_value(json_object_get(body, "status")), 409);
    ck_assert_str_eq(json_string_value(json_object_get(body, "code")), "quota_exhausted");
    ck_assert_ptr_null(json_object_get(body, "detail"));
    ck_assert_ptr_null(json_object_get(body, "errors"));
    json_decref(body);

    body = kp_problem_json(KP_P_NOT_FOUND, "没有编号为 7 的批次", NULL);
    ck_assert_uint_eq(json_object_size(body), 5);
    ck_assert_str_eq(json_string_value(json_object_get(body, "detail")), "没有编号为 7 的批次");
    ck_assert_int_eq(json_integer_value(json_object_get(body, "status")), 404);
    json_decref(body);
}
END_TEST

START_TEST(json_every_problem)
{
    for (int p = 0; p < KP_P__COUNT; p++) {
        const struct kp_problem_info *info = kp_problem_info((enum kp_problem)p);
        json_t *body = kp_problem_json((enum kp_problem)p, NULL, NULL);
        ck_assert_ptr_nonnull(body);
        char type[128];
        snprintf(type, sizeof type, "urn:kpjd:problem:%s", info->code);
        ck_assert_str_eq(json_string_value(json_object_get(body, "type")), type);
        ck_assert_str_eq(json_string_value(json_object_get(body, "title")), info->title);
        ck_assert_int_eq(json_integer_value(json_object_get(body, "status")), info->status);
        json_decref(body);
    }
}
END_TEST

START_TEST(json_with_errors)
{
    json_t *errors = json_array();
    kp_problem_field(errors, "form.profile", "too_long", "不能超过 2000 个字符");
    kp_problem_field(errors, "form.beds", "range", "应在 0 到 10000 之间");
    json_t *body = kp_problem_json(KP_P_VALIDATION, "两处错误", errors);   /* stolen */
    ck_assert_ptr_nonnull(body);
    ck_assert_int_eq(json_integer_value(json_object_get(body, "status")), 422);
    ck_assert_str_eq(json_string_value(json_object_get(body, "code")), "validation");
    json_t *e = json_object_get(body, "errors");
    ck_assert_ptr_eq(e, errors);
    ck_assert_uint_eq(json_array_size(e), 2);
    json_t *first = json_array_get(e, 0);
    ck_assert_uint_eq(json_object_size(first), 3);
    ck_assert_str_eq(json_string_value(json_object_get(first, "field")), "form.profile");
    ck_assert_str_eq(json_string_value(json_object_get(first, "code")), "too_long");
    ck_assert_str_eq(json_string_value(json_object_get(first, "message")), "不能超过 2000 个字符");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(e, 1), "field")), "form.beds");
    ck_assert_int_eq(errors->refcount, 1);     /* owned by body alone */
    ck_assert_int_eq(json_integer_value(json_object_get(body, "errors_total")), 2);
    json_decref(body);
}
END_TEST

/* A 100,000-line bad import: the first KP_PROBLEM_ERRORS_LISTED are listed,
 * all are counted, and the collecting array still counts every one (a
 * caller's "did this add an error?" compares its size). */
START_TEST(json_errors_capped)
{
    const size_t n = 100000;
    json_t *errors = json_array();
    for (size_t i = 0; i < n; i++) {
        char field[32];
        snprintf(field, sizeof field, "lines.%zu", i + 1);
        size_t before = json_array_size(errors);
        kp_problem_field(errors, field, "columns", "应为两列");
        ck_assert_uint_eq(json_array_size(errors), before + 1);
    }
    json_t *body = kp_problem_json(KP_P_VALIDATION, NULL, errors);
    json_t *e = json_object_get(body, "errors");
    ck_assert_uint_eq(json_array_size(e), KP_PROBLEM_ERRORS_LISTED);
    ck_assert_int_eq(json_integer_value(json_object_get(body, "errors_total")), (json_int_t)n);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(e, 0), "field")), "lines.1");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(e, KP_PROBLEM_ERRORS_LISTED - 1), "field")),
                     "lines.100");
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_uint_lt(strlen(text), 16384);
    free(text);
    json_decref(body);

    errors = json_array();                   /* exactly the cap: all listed */
    for (size_t i = 0; i < KP_PROBLEM_ERRORS_LISTED; i++)
        kp_problem_field(errors, "x", "y", "z");
    body = kp_problem_json(KP_P_VALIDATION, NULL, errors);
    ck_assert_uint_eq(json_array_size(json_object_get(body, "errors")), KP_PROBLEM_ERRORS_LISTED);
    ck_assert_int_eq(json_integer_value(json_object_get(body, "errors_total")), KP_PROBLEM_ERRORS_LISTED);
    ck_assert(json_is_object(json_array_get(json_object_get(body, "errors"), KP_PROBLEM_ERRORS_LISTED - 1)));
    json_decref(body);
}
END_TEST

START_TEST(json_dumps_as_utf8)
{
    json_t *body = kp_problem_json(KP_P_CONFLICT, "机构“阳光”已存在", NULL);
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_str_eq(text, "{\"code\":\"conflict\",\"detail\":\"机构“阳光”已存在\",\"status\":409,"
                           "\"title\":\"数据已存在\",\"type\":\"urn:kpjd:problem:conflict\"}");
    free(text);
    json_decref(body);
}
END_TEST

START_TEST(err_strings)
{
    const enum kp_err all[] = { KP_OK, KP_E_NOMEM, KP_E_INVAL, KP_E_IO, KP_E_NOT_FOUND, KP_E_DB,
                                KP_E_DB_GONE, KP_E_DB_RETRY, KP_E_DB_UNIQUE, KP_E_SCHEMA };
    const size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = kp_err_str(all[i]);
        ck_assert_ptr_nonnull(s);
        ck_assert_uint_gt(strlen(s), 0);
        ck_assert_str_ne(s, "unknown error");
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(s, kp_err_str(all[j]));
    }
    ck_assert_str_eq(kp_err_str(KP_OK), "ok");
    ck_assert_int_eq(KP_OK, 0);
    ck_assert_str_eq(kp_err_str((enum kp_err)(KP_E_SCHEMA + 1)), "unknown error");
}
END_TEST

static Suite *problem_suite(void)
{
    Suite *s = suite_create("problem");
    TCase *tc = tcase_create("problem");
    tcase_add_test(tc, every_problem_registered);
    tcase_add_test(tc, api_table_pairs);
    tcase_add_test(tc, codes_unique);
    tcase_add_test(tc, json_shape);
    tcase_add_test(tc, json_every_problem);
    tcase_add_test(tc, json_with_errors);
    tcase_add_test(tc, json_errors_capped);
    tcase_add_test(tc, json_dumps_as_utf8);
    tcase_add_test(tc, err_strings);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(problem_suite());
}
