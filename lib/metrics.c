#include <stdatomic.h>
#include <stdlib.h>

#include "buf.h"
#include "metrics.h"

/* Statuses counted on their own; anything else is counted as "other". */
static const unsigned statuses[] = {
    200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 429, 500, 503,
};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1)

/* Upper bounds of the latency buckets, in microseconds (+Inf implied). */
static const uint64_t bounds_us[] = {
    1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
};
#define NBUCKET (sizeof bounds_us / sizeof bounds_us[0] + 1)

struct route_stats {
    _Atomic uint64_t by_status[NSTATUS];
    _Atomic uint64_t buckets[NBUCKET];
    _Atomic uint64_t sum_us;
};

struct kp_metrics {
    size_t nroutes;
    const char *const *labels;
    struct route_stats routes[];
};

struct kp_metrics *kp_metrics_new(size_t nroutes, const char *const *labels)
{
    struct kp_metrics *m = calloc(1, sizeof *m + nroutes * sizeof m->routes[0]);
    if (m == NULL)
        return NULL;
    m->nroutes = nroutes;
    m->labels = labels;
    return m;
}

void kp_metrics_free(struct kp_metrics *m)
{
    free(m);
}

static size_t status_index(unsigned status)
{
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status)
            return i;
    return NSTATUS - 1;
}

void kp_metrics_observe(struct kp_metrics *m, size_t route, unsigned status, uint64_t usec)
{
    if (route >= m->nroutes)
        return;
    struct route_stats *s = &m->routes[route];
    size_t b = 0;
    while (b < NBUCKET - 1 && usec > bounds_us[b])
        b++;
    atomic_fetch_add_explicit(&s->by_status[status_index(status)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, usec, memory_order_relaxed);
}

static uint64_t load(const _Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

char *kp_metrics_render(const struct kp_metrics *m, const struct kp_metrics_gauges *g,
                        size_t *len)
{
    struct kp_buf b = { 0 };
    kp_buf_printf(&b, "# HELP kpjd_http_requests_total HTTP requests answered, by route and status.\n"
                      "# TYPE kpjd_http_requests_total counter\n");
    for (size_t r = 0; r < m->nroutes; r++)
        for (size_t i = 0; i < NSTATUS; i++) {
            uint64_t n = load(&m->routes[r].by_status[i]);
            if (n == 0)
                continue;
            if (i < NSTATUS - 1)
                kp_buf_printf(&b, "kpjd_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
                              m->labels[r], statuses[i], (unsigned long long)n);
            else
                kp_buf_printf(&b, "kpjd_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                              m->labels[r], (unsigned long long)n);
        }
    kp_buf_printf(&b, "# HELP kpjd_http_request_duration_seconds Time from request line to response queued.\n"
                      "# TYPE kpjd_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r < m->nroutes; r++) {
        const struct route_stats *s = &m->routes[r];
        uint64_t cum = 0;
        for (size_t i = 0; i < NBUCKET; i++)
            cum += load(&s->buckets[i]);
        if (cum == 0)
            continue;
        uint64_t total = cum;
        cum = 0;
        for (size_t i = 0; i < NBUCKET - 1; i++) {
            cum += load(&s->buckets[i]);
            kp_buf_printf(&b, "kpjd_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                          m->labels[r], (double)bounds_us[i] / 1e6, (unsigned long long)cum);
        }
        kp_buf_printf(&b, "kpjd_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                          "kpjd_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                          "kpjd_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                      m->labels[r], (unsigned long long)total, m->labels[r],
                      (double)load(&s->sum_us) / 1e6, m->labels[r], (unsigned long long)total);
    }
    kp_buf_printf(&b,
        "# HELP kpjd_http_inflight_requests Requests being served now.\n"
        "# TYPE kpjd_http_inflight_requests gauge\nkpjd_http_inflight_requests %llu\n"
        "# HELP kpjd_db_connections_open Open PostgreSQL connections (one per worker at most).\n"
        "# TYPE kpjd_db_connections_open gauge\nkpjd_db_connections_open %llu\n"
        "# HELP kpjd_db_connects_total Successful PostgreSQL connects.\n"
        "# TYPE kpjd_db_connects_total counter\nkpjd_db_connects_total %llu\n"
        "# HELP kpjd_db_connect_failures_total Failed PostgreSQL connects.\n"
        "# TYPE kpjd_db_connect_failures_total counter\nkpjd_db_connect_failures_total %llu\n"
        "# HELP kpjd_db_connections_lost_total Connections found broken and dropped.\n"
        "# TYPE kpjd_db_connections_lost_total counter\nkpjd_db_connections_lost_total %llu\n"
        "# HELP kpjd_db_tx_retries_total Transactions run again after a serialization failure or deadlock.\n"
        "# TYPE kpjd_db_tx_retries_total counter\nkpjd_db_tx_retries_total %llu\n"
        "# HELP kpjd_db_round_trips_total Messages sent to PostgreSQL and waited for: statements, BEGIN, COMMIT, prepares.\n"
        "# TYPE kpjd_db_round_trips_total counter\nkpjd_db_round_trips_total %llu\n"
        "# HELP kpjd_pool_waiting_jobs Slow-work jobs waiting for a pool thread (http.pool_queue bounds them).\n"
        "# TYPE kpjd_pool_waiting_jobs gauge\nkpjd_pool_waiting_jobs %llu\n"
        "# HELP kpjd_pool_running_jobs Slow-work jobs running on a pool thread (http.pool_threads bound them).\n"
        "# TYPE kpjd_pool_running_jobs gauge\nkpjd_pool_running_jobs %llu\n"
        "# HELP kpjd_mail_sent_total Messages the mail sender handed to the SMTP server.\n"
        "# TYPE kpjd_mail_sent_total counter\nkpjd_mail_sent_total %llu\n"
        "# HELP kpjd_mail_failed_total Messages failed for good (refused, expired, attempts spent).\n"
        "# TYPE kpjd_mail_failed_total counter\nkpjd_mail_failed_total %llu\n"
        "# HELP kpjd_mail_retried_total Attempts that failed for now and will be repeated.\n"
        "# TYPE kpjd_mail_retried_total counter\nkpjd_mail_retried_total %llu\n",
        (unsigned long long)g->inflight, (unsigned long long)g->db_open,
        (unsigned long long)g->db_connects, (unsigned long long)g->db_connect_failures,
        (unsigned long long)g->db_lost, (unsigned long long)g->tx_retries,
        (unsigned long long)g->db_round_trips, (unsigned long long)g->pool_waiting,
        (unsigned long long)g->pool_running, (unsigned long long)g->mail_sent,
        (unsigned long long)g->mail_failed, (unsigned long long)g->mail_retried);
    return kp_buf_take(&b, len);
}
