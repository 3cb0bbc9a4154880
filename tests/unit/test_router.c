/* lib/router: which route a method and path reach, the parameters they
 * carry, and the Allow text of a 405. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "support/unit.h"

static enum kp_err h_health(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_list(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_create(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_get(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_put(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_delete(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_recommend(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_login(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_export(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_four(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_five(struct kp_req *r) { (void)r; return KP_OK; }
static enum kp_err h_reset(struct kp_req *r) { (void)r; return KP_OK; }

static const struct kp_route routes[] = {
    { "GET",    "/api/v1/healthz",                                  h_health, 0,    0, NULL, NULL },
    { "GET",    "/api/v1/batches",                                  h_list, 0,      0, NULL, NULL },
    { "POST",   "/api/v1/batches",                                  h_create, 0,    KP_ROUTE_JSON_BODY, NULL, NULL },
    { "GET",    "/api/v1/batches/export",                           h_export, 0,    0, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}",                             h_get, 0,       0, NULL, NULL },
    { "PUT",    "/api/v1/batches/{id}",                             h_put, 0,       KP_ROUTE_JSON_BODY, NULL, NULL },
    { "DELETE", "/api/v1/batches/{id}",                             h_delete, 0,    0, NULL, NULL },
    { "POST",   "/api/v1/batches/{id}/applications/{app}/recommend", h_recommend, 0, KP_ROUTE_JSON_BODY, NULL, NULL },
    { "POST",   "/api/v1/session",                                  h_login, 0,     KP_ROUTE_JSON_BODY, NULL, NULL },
    { "GET",    "/t/{a}/{b}/{c}/{d}",                               h_four, 0,      0, NULL, NULL },
    { "GET",    "/u/{a}/{b}/{c}/{d}/{e}",                           h_five, 0,      0, NULL, NULL },
    { "POST",   "/api/v1/reset/{token}",                            h_reset, 0,     KP_ROUTE_SECRET_PATH, NULL, NULL },
};
#define NROUTES (sizeof routes / sizeof routes[0])

static struct kp_match m;

static enum kp_match_result match(const char *method, const char *path)
{
    memset(&m, 0x5a, sizeof m);        /* nothing may survive from before */
    return kp_router_match(routes, NROUTES, method, path, &m);
}

START_TEST(literal)
{
    ck_assert_int_eq(match("GET", "/api/v1/healthz"), KP_MATCH_OK);
    ck_assert_ptr_eq(m.route, &routes[0]);
    ck_assert_ptr_eq(m.route->handler, h_health);
    ck_assert_uint_eq(m.index, 0);
    ck_assert_uint_eq(m.nparams, 0);
    ck_assert_str_eq(m.allow, "");

    ck_assert_int_eq(match("POST", "/api/v1/batches"), KP_MATCH_OK);
    ck_assert_ptr_eq(m.route->handler, h_create);
    ck_assert_uint_eq(m.index, 2);
    ck_assert_uint_eq(m.route->flags, KP_ROUTE_JSON_BODY);
}
END_TEST

START_TEST(parameter)
{
    ck_assert_int_eq(match("GET", "/api/v1/batches/42"), KP_MATCH_OK);
    ck_assert_ptr_eq(m.route->handler, h_get);
    ck_assert_uint_eq(m.index, 4);
    ck_assert_uint_eq(m.nparams, 1);
    ck_assert_str_eq(kp_match_param(&m, "id"), "42");
    ck_assert_ptr_null(kp_match_param(&m, "i"));
    ck_assert_ptr_null(kp_match_param(&m, "idx"));
    ck_assert_ptr_null(kp_match_param(&m, "app"));

    ck_assert_int_eq(match("DELETE", "/api/v1/batches/x-y.z"), KP_MATCH_OK);
    ck_assert_ptr_eq(m.route->handler, h_delete);
    ck_assert_str_eq(kp_match_param(&m, "id"), "x-y.z");
}
END_TEST

START_TEST(two_parameters)
{
    ck_assert_int_eq(match("POST", "/api/v1/batches/7/applications/123/recommend"), KP_MATCH_OK);
    ck_assert_ptr_eq(m.route->handler, h_recommend);
    ck_assert_uint_eq(m.nparams, 2);
    ck_assert_str_eq(kp_match_param(&m, "id"), "7");
    ck_assert_str_eq(kp_match_param(&m, "app"), "123");
    /* a longer path is not a prefix match */
    ck_assert_int_eq(match("POST", "/api/v1/batches/7/applications/123/recommend/x"),
                     KP_MATCH_NO_PATH);
    ck_assert_int_eq(match("POST", "/api/v1/batches/7/applications/123"), KP_MATCH_NO_PATH);
}
END_TEST

START_TEST(table_order_wins)
{
    /* the literal route comes first, so "export" is not an {id} */
    ck_assert_int_eq(match("GET", "/api/v1/batches/export"), KP_MATCH_OK);
    ck_assert_ptr_eq(m.route->handler, h_export);
    ck_assert_uint_eq(m.nparams, 0);
    ck_assert_ptr_null(kp_match_param(&m, "id"));
    /* ...but other methods on that path fall through to {id} */
    ck_assert_int_eq(match("PUT", "/api/v1/batches/export"), KP_MATCH_OK);
    ck_assert_ptr_eq(m.route->handler, h_put);
    ck_assert_str_eq(kp_match_param(&m, "id"), "export");
}
END_TEST

START_TEST(head_matches_get)
{
    ck_assert_int_eq(match("HEAD", "/api/v1/batches/9"), KP_MATCH_OK);
    ck_assert_ptr_eq(m.route->handler, h_get);
    ck_assert_str_eq(m.route->method, "GET");
    ck_assert_str_eq(kp_match_param(&m, "id"), "9");
    ck_assert_int_eq(match("HEAD", "/api/v1/healthz"), KP_MATCH_OK);
    ck_assert_ptr_eq(m.route->handler, h_health);
}
END_TEST

START_TEST(wrong_method_allow)
{
    ck_assert_int_eq(match("DELETE", "/api/v1/batches"), KP_MATCH_METHOD);
    ck_assert_ptr_null(m.route);
    ck_assert_str_eq(m.allow, "GET, HEAD, POST");

    ck_assert_int_eq(match("POST", "/api/v1/batches/3"), KP_MATCH_METHOD);
    ck_assert_str_eq(m.allow, "GET, HEAD, PUT, DELETE");

    ck_assert_int_eq(match("POST", "/api/v1/healthz"), KP_MATCH_METHOD);
    ck_assert_str_eq(m.allow, "GET, HEAD");

    ck_assert_int_eq(match("GET", "/api/v1/session"), KP_MATCH_METHOD);
    ck_assert_str_eq(m.allow, "POST");
    /* HEAD is only allowed where GET is */
    ck_assert_int_eq(match("HEAD", "/api/v1/session"), KP_MATCH_METHOD);
    ck_assert_str_eq(m.allow, "POST");

    /* "export" reaches the literal GET route and the {id} routes: each
     * method once */
    ck_assert_int_eq(match("PATCH", "/api/v1/batches/export"), KP_MATCH_METHOD);
    ck_assert_str_eq(m.allow, "GET, HEAD, PUT, DELETE");
}
END_TEST

START_TEST(methods_are_case_sensitive)
{
    ck_assert_int_eq(match("get", "/api/v1/healthz"), KP_MATCH_METHOD);
    ck_assert_str_eq(m.allow, "GET, HEAD");
}
END_TEST

START_TEST(unknown_path)
{
    ck_assert_int_eq(match("GET", "/api/v1/nosuch"), KP_MATCH_NO_PATH);
    ck_assert_ptr_null(m.route);
    ck_assert_str_eq(m.allow, "");
    ck_assert_int_eq(match("GET", "/API/v1/healthz"), KP_MATCH_NO_PATH);
    ck_assert_int_eq(match("GET", "/api/v1/health"), KP_MATCH_NO_PATH);
    ck_assert_int_eq(match("GET", "/api/v1/healthzz"), KP_MATCH_NO_PATH);
    ck_assert_int_eq(match("GET", ""), KP_MATCH_NO_PATH);
    ck_assert_int_eq(match("GET", "/"), KP_MATCH_NO_PATH);
    ck_assert_int_eq(kp_router_match(routes, 0, "GET", "/api/v1/healthz", &m), KP_MATCH_NO_PATH);
}
END_TEST

START_TEST(trailing_slash)
{
    ck_assert_int_eq(match("GET", "/api/v1/healthz/"), KP_MATCH_NO_PATH);
    ck_assert_int_eq(match("GET", "/api/v1/batches/"), KP_MATCH_NO_PATH);
    ck_assert_int_eq(match("GET", "/api/v1/batches/5/"), KP_MATCH_NO_PATH);
}
END_TEST

START_TEST(empty_segment)
{
    ck_assert_int_eq(match("POST", "/api/v1/batches//applications/1/recommend"), KP_MATCH_NO_PATH);
    ck_assert_int_eq(match("POST", "/api/v1/batches/1/applications//recommend"), KP_MATCH_NO_PATH);
    ck_assert_int_eq(match("GET", "/api/v1//batches"), KP_MATCH_NO_PATH);
}
END_TEST

START_TEST(long_parameter)
{
    char path[512], value[200];
    memset(value, 'a', 127);
    value[127] = '\0';
    snprintf(path, sizeof path, "/api/v1/batches/%s", value);
    ck_assert_int_eq(match("GET", path), KP_MATCH_OK);
    ck_assert_str_eq(kp_match_param(&m, "id"), value);
    ck_assert_uint_eq(strlen(kp_match_param(&m, "id")), 127);

    memset(value, 'a', 128);
    value[128] = '\0';
    snprintf(path, sizeof path, "/api/v1/batches/%s", value);
    ck_assert_int_eq(match("GET", path), KP_MATCH_NO_PATH);
    snprintf(path, sizeof path, "/api/v1/batches/1/applications/%s/recommend", value);
    ck_assert_int_eq(match("POST", path), KP_MATCH_NO_PATH);
}
END_TEST

START_TEST(param_limit)
{
    ck_assert_int_eq(match("GET", "/t/1/2/3/4"), KP_MATCH_OK);
    ck_assert_uint_eq(m.nparams, KP_MAX_PARAMS);
    ck_assert_str_eq(kp_match_param(&m, "a"), "1");
    ck_assert_str_eq(kp_match_param(&m, "d"), "4");
    /* a pattern with more parameters than a match can hold never matches */
    ck_assert_int_eq(match("GET", "/u/1/2/3/4/5"), KP_MATCH_NO_PATH);
}
END_TEST

/* A secret route's pattern stands for its path in logs, also when the
 * method is wrong (a 405 is logged too); other matches name none. */
START_TEST(secret_path)
{
    ck_assert_int_eq(match("POST", "/api/v1/reset/s3cret"), KP_MATCH_OK);
    ck_assert_ptr_eq(m.route->handler, h_reset);
    ck_assert_str_eq(kp_match_param(&m, "token"), "s3cret");
    ck_assert_str_eq(m.secret, "/api/v1/reset/{token}");
    ck_assert_int_eq(match("GET", "/api/v1/reset/s3cret"), KP_MATCH_METHOD);
    ck_assert_str_eq(m.secret, "/api/v1/reset/{token}");
    ck_assert_int_eq(match("GET", "/api/v1/batches/7"), KP_MATCH_OK);
    ck_assert_ptr_null(m.secret);
    ck_assert_int_eq(match("PATCH", "/api/v1/batches/7"), KP_MATCH_METHOD);
    ck_assert_ptr_null(m.secret);
    ck_assert_int_eq(match("GET", "/nowhere"), KP_MATCH_NO_PATH);
    ck_assert_ptr_null(m.secret);
}
END_TEST

static Suite *router_suite(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("router");
    tcase_add_test(tc, literal);
    tcase_add_test(tc, parameter);
    tcase_add_test(tc, two_parameters);
    tcase_add_test(tc, table_order_wins);
    tcase_add_test(tc, head_matches_get);
    tcase_add_test(tc, wrong_method_allow);
    tcase_add_test(tc, methods_are_case_sensitive);
    tcase_add_test(tc, unknown_path);
    tcase_add_test(tc, trailing_slash);
    tcase_add_test(tc, empty_segment);
    tcase_add_test(tc, long_parameter);
    tcase_add_test(tc, param_limit);
    tcase_add_test(tc, secret_path);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(router_suite());
}
