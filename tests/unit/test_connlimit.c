/* lib/connlimit: when a request must be in, how many connections to close
 * near the limit, and which first. */
#include <check.h>
#include <stdint.h>

#include "connlimit.h"
#include "support/unit.h"

#define S 1000000u

static const struct kp_conn_limits limits = {
    .request_us = 30 * (uint64_t)S,
    .min_body_rate = 8192,
    .max_connections = 1000,
};

START_TEST(deadline_is_request_timeout_after_the_first_byte)
{
    ck_assert_uint_eq(kp_conn_deadline_us(&limits, 5 * S, 0), 35 * S);
    ck_assert_uint_eq(kp_conn_deadline_us(&limits, 5 * S, 8192), 35 * S);
    /* 30 s worth of body at the minimum rate: still the request timeout */
    ck_assert_uint_eq(kp_conn_deadline_us(&limits, 0, 30 * 8192), 30 * S);
}
END_TEST

START_TEST(a_body_at_the_minimum_rate_may_take_longer)
{
    /* 100 s worth of body at 8 KiB/s: in by 100 s after the first byte */
    ck_assert_uint_eq(kp_conn_deadline_us(&limits, 7 * S, 100 * 8192), 107 * S);
    /* a fraction of a second counts too */
    ck_assert_uint_eq(kp_conn_deadline_us(&limits, 0, 40 * 8192 + 4096), 40 * S + S / 2);
    /* a client sending at twice the rate stays ahead of its deadline */
    for (uint64_t t = 1; t <= 1000; t++)
        ck_assert_uint_gt(kp_conn_deadline_us(&limits, 0, t * 2 * 8192), t * S);
    /* one trickling a byte a second does not: cut at the request timeout */
    ck_assert_uint_eq(kp_conn_deadline_us(&limits, 0, 60), 30 * S);
}
END_TEST

START_TEST(deadline_saturates)
{
    struct kp_conn_limits slow = limits;
    slow.min_body_rate = 1;
    ck_assert_uint_eq(kp_conn_deadline_us(&slow, 0, UINT64_MAX), UINT64_MAX);
    ck_assert_uint_eq(kp_conn_deadline_us(&limits, UINT64_MAX - 5, 0), UINT64_MAX);
    ck_assert_uint_eq(kp_conn_deadline_us(&slow, S, UINT64_MAX / S), UINT64_MAX);
}
END_TEST

START_TEST(excess_keeps_a_tenth_free)
{
    ck_assert_uint_eq(kp_conn_excess(&limits, 0), 0);
    ck_assert_uint_eq(kp_conn_excess(&limits, 900), 0);
    ck_assert_uint_eq(kp_conn_excess(&limits, 901), 1);
    ck_assert_uint_eq(kp_conn_excess(&limits, 1000), 100);
    struct kp_conn_limits small = limits;
    small.max_connections = 9;
    ck_assert_uint_eq(kp_conn_excess(&small, 9), 0);
    small.max_connections = 10;
    ck_assert_uint_eq(kp_conn_excess(&small, 9), 0);
    ck_assert_uint_eq(kp_conn_excess(&small, 10), 1);
}
END_TEST

START_TEST(idle_first_longest_idle_first_then_nearest_deadline)
{
    struct kp_conn_rank idle_old = { true, 1 * S }, idle_new = { true, 9 * S };
    struct kp_conn_rank due_soon = { false, 2 * S }, due_late = { false, 500 * S };
    ck_assert(kp_conn_evict_before(&idle_old, &idle_new));
    ck_assert(!kp_conn_evict_before(&idle_new, &idle_old));
    ck_assert(kp_conn_evict_before(&idle_new, &due_soon));
    ck_assert(!kp_conn_evict_before(&due_soon, &idle_new));
    ck_assert(kp_conn_evict_before(&due_soon, &due_late));
    ck_assert(!kp_conn_evict_before(&due_late, &due_soon));
    ck_assert(!kp_conn_evict_before(&idle_old, &idle_old));
}
END_TEST

static Suite *connlimit_suite(void)
{
    Suite *s = suite_create("connlimit");
    TCase *tc = tcase_create("connlimit");
    tcase_add_test(tc, deadline_is_request_timeout_after_the_first_byte);
    tcase_add_test(tc, a_body_at_the_minimum_rate_may_take_longer);
    tcase_add_test(tc, deadline_saturates);
    tcase_add_test(tc, excess_keeps_a_tenth_free);
    tcase_add_test(tc, idle_first_longest_idle_first_then_nearest_deadline);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(connlimit_suite());
}
