/* lib/metrics: the Prometheus text a scraper reads; counts must be exact and
 * histograms cumulative. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "support/unit.h"

static const char *const labels[] = { "GET /x", "POST /y", "GET /idle" };
static struct kp_metrics *m;
static char *text;

static void setup(void)
{
    m = kp_metrics_new(3, labels);
    ck_assert_ptr_nonnull(m);
    text = NULL;
}

static void teardown(void)
{
    free(text);
    kp_metrics_free(m);
}

static void render(const struct kp_metrics_gauges *g)
{
    static const struct kp_metrics_gauges zero;
    size_t len = 0;
    free(text);
    text = kp_metrics_render(m, g ? g : &zero, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(strlen(text), len);
    ck_assert_int_eq(text[len - 1], '\n');
}

/* `line` is one whole line of the text. */
static void has_line(const char *line)
{
    size_t ll = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[ll] == '\n')
            return;
    ck_abort_msg("no line '%s' in:\n%s", line, text);
}

static void lacks(const char *fragment)
{
    ck_assert_msg(strstr(text, fragment) == NULL, "'%s' found in:\n%s", fragment, text);
}

START_TEST(counters)
{
    kp_metrics_observe(m, 0, 200, 500);
    kp_metrics_observe(m, 0, 200, 800);
    kp_metrics_observe(m, 0, 404, 3000);
    kp_metrics_observe(m, 0, 418, 7000000);          /* not a counted status */
    kp_metrics_observe(m, 0, 999, 10);
    kp_metrics_observe(m, 1, 201, 1000);
    render(NULL);
    has_line("# TYPE kpjd_http_requests_total counter");
    has_line("kpjd_http_requests_total{route=\"GET /x\",status=\"200\"} 2");
    has_line("kpjd_http_requests_total{route=\"GET /x\",status=\"404\"} 1");
    has_line("kpjd_http_requests_total{route=\"GET /x\",status=\"other\"} 2");
    has_line("kpjd_http_requests_total{route=\"POST /y\",status=\"201\"} 1");
    lacks("route=\"GET /x\",status=\"201\"");        /* zero counts are not printed */
    lacks("status=\"418\"");
    lacks("GET /idle");                              /* no traffic, no lines */
}
END_TEST

START_TEST(histogram)
{
    kp_metrics_observe(m, 0, 200, 500);
    kp_metrics_observe(m, 0, 200, 1000);             /* on a bound: in that bucket */
    kp_metrics_observe(m, 0, 404, 3000);
    kp_metrics_observe(m, 0, 500, 7000000);          /* beyond the last bound */
    kp_metrics_observe(m, 1, 201, 1001);
    render(NULL);
    has_line("# TYPE kpjd_http_request_duration_seconds histogram");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"0.001\"} 2");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"0.0025\"} 2");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"0.005\"} 3");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"0.01\"} 3");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"1\"} 3");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"5\"} 3");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"+Inf\"} 4");
    has_line("kpjd_http_request_duration_seconds_sum{route=\"GET /x\"} 7.004500");
    has_line("kpjd_http_request_duration_seconds_count{route=\"GET /x\"} 4");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"POST /y\",le=\"0.001\"} 0");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"POST /y\",le=\"0.0025\"} 1");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"POST /y\",le=\"+Inf\"} 1");
    has_line("kpjd_http_request_duration_seconds_count{route=\"POST /y\"} 1");
    lacks("duration_seconds_bucket{route=\"GET /idle\"");
}
END_TEST

/* For each route with traffic: buckets never decrease, +Inf is the last
 * bucket and equals _count. */
START_TEST(histogram_cumulative)
{
    const unsigned long us[] = { 1, 999, 2400, 2600, 9000, 30000, 60000, 200000, 400000,
                                 900000, 2000000, 4000000, 6000000, 6000000 };
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++)
        kp_metrics_observe(m, 2, 200, us[i]);
    render(NULL);
    const char *prefix = "kpjd_http_request_duration_seconds_bucket{route=\"GET /idle\",le=\"";
    unsigned long long prev = 0, n = 0, buckets = 0;
    char last_le[32] = "";
    for (const char *p = text; (p = strstr(p, prefix)) != NULL; p++) {
        char le[32];
        ck_assert_int_eq(sscanf(p + strlen(prefix), "%31[^\"]\"} %llu", le, &n), 2);
        ck_assert_uint_ge(n, prev);
        prev = n;
        buckets++;
        strcpy(last_le, le);
    }
    ck_assert_uint_eq(buckets, 13);
    ck_assert_str_eq(last_le, "+Inf");
    ck_assert_uint_eq(n, sizeof us / sizeof us[0]);
    has_line("kpjd_http_request_duration_seconds_count{route=\"GET /idle\"} 14");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"GET /idle\",le=\"0.001\"} 2");
    has_line("kpjd_http_request_duration_seconds_bucket{route=\"GET /idle\",le=\"5\"} 12");
}
END_TEST

START_TEST(gauges)
{
    const struct kp_metrics_gauges g = { .inflight = 1, .db_open = 2, .db_connects = 3,
                                         .db_connect_failures = 4, .db_lost = 5, .tx_retries = 6,
                                         .db_round_trips = 7, .pool_waiting = 8,
                                         .pool_running = 9 };
    render(&g);
    has_line("# TYPE kpjd_http_inflight_requests gauge");
    has_line("kpjd_http_inflight_requests 1");
    has_line("# TYPE kpjd_db_connections_open gauge");
    has_line("kpjd_db_connections_open 2");
    has_line("kpjd_db_connects_total 3");
    has_line("kpjd_db_connect_failures_total 4");
    has_line("kpjd_db_connections_lost_total 5");
    has_line("kpjd_db_tx_retries_total 6");
    has_line("kpjd_db_round_trips_total 7");
    has_line("# TYPE kpjd_pool_waiting_jobs gauge");
    has_line("kpjd_pool_waiting_jobs 8");
    has_line("kpjd_pool_running_jobs 9");
    /* with no traffic at all, only headers and gauges */
    lacks("kpjd_http_requests_total{");
    lacks("_bucket{");
}
END_TEST

START_TEST(out_of_range_route_ignored)
{
    kp_metrics_observe(m, 3, 200, 100);
    kp_metrics_observe(m, 1000, 200, 100);
    kp_metrics_observe(m, (size_t)-1, 200, 100);
    render(NULL);
    lacks("kpjd_http_requests_total{");
    lacks("_bucket{");
}
END_TEST

START_TEST(no_routes)
{
    kp_metrics_free(m);
    m = kp_metrics_new(0, NULL);
    ck_assert_ptr_nonnull(m);
    kp_metrics_observe(m, 0, 200, 1);
    render(NULL);
    has_line("kpjd_http_inflight_requests 0");
}
END_TEST

/* The pool's gauges, retries by statement (only those that happened), and
 * readiness: absent before the first /readyz. */
START_TEST(pool_retries_readiness)
{
    const struct kp_metrics_count retried[] = { { "app_update", 3 }, { "kp_tx_commit", 1 },
                                                { "other", 0 } };
    struct kp_metrics_gauges g = { .db_busy = 2, .db_max = 9, .turn_waiting = 1,
                                   .stmt_retries = retried, .n_stmt_retries = 3,
                                   .ready = -1, .ready_changes = 4, .start_time = 1700000000.5 };
    render(&g);
    has_line("kpjd_db_connections_busy 2");
    has_line("kpjd_db_connections_max 9");
    has_line("kpjd_db_turn_waiting 1");
    has_line("# TYPE kpjd_db_statement_retries_total counter");
    has_line("kpjd_db_statement_retries_total{statement=\"app_update\"} 3");
    has_line("kpjd_db_statement_retries_total{statement=\"kp_tx_commit\"} 1");
    lacks("statement=\"other\"");
    has_line("# TYPE kpjd_ready gauge");
    lacks("\nkpjd_ready ");
    has_line("kpjd_ready_changes_total 4");
    has_line("process_start_time_seconds 1700000000.500");
    g.ready = 0;
    render(&g);
    has_line("kpjd_ready 0");
    g.ready = 1;
    render(&g);
    has_line("kpjd_ready 1");
}
END_TEST

static void *hammer(void *arg)
{
    struct kp_metrics *mm = arg;
    for (int i = 0; i < 100000; i++)
        kp_metrics_observe(mm, 1, 200, 2000);
    return NULL;
}

START_TEST(threads_count_exactly)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, m), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    render(NULL);
    has_line("kpjd_http_requests_total{route=\"POST /y\",status=\"200\"} 200000");
    has_line("kpjd_http_request_duration_seconds_count{route=\"POST /y\"} 200000");
    has_line("kpjd_http_request_duration_seconds_sum{route=\"POST /y\"} 400.000000");
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, counters);
    tcase_add_test(tc, histogram);
    tcase_add_test(tc, histogram_cumulative);
    tcase_add_test(tc, gauges);
    tcase_add_test(tc, pool_retries_readiness);
    tcase_add_test(tc, out_of_range_route_ignored);
    tcase_add_test(tc, no_routes);
    tcase_add_test(tc, threads_count_exactly);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(metrics_suite());
}
