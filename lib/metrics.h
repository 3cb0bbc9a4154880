/* Request metrics in Prometheus text format: requests by route and status,
 * a latency histogram per route.  Counters are relaxed atomics: worker
 * threads never take a lock to count. */
#ifndef KP_METRICS_H
#define KP_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct kp_metrics;

/* `labels[i]` names route i ("GET /healthz"); borrowed, must outlive the
 * metrics.  NULL on allocation failure. */
struct kp_metrics *kp_metrics_new(size_t nroutes, const char *const *labels);
void kp_metrics_free(struct kp_metrics *m);

void kp_metrics_observe(struct kp_metrics *m, size_t route, unsigned status, uint64_t usec);

/* Process-wide values that are not per-request counters. */
struct kp_metrics_gauges {
    uint64_t inflight;           /* requests being served */
    uint64_t db_open;            /* open database connections */
    uint64_t db_connects;        /* successful connects since start */
    uint64_t db_connect_failures;
    uint64_t db_lost;            /* connections found broken */
    uint64_t tx_retries;         /* transactions run again after 40001/40P01 */
    uint64_t db_round_trips;     /* statements (BEGIN, COMMIT, prepares too) sent and waited for */
    uint64_t pool_waiting;       /* slow-work jobs placed, not yet started */
    uint64_t pool_running;       /* slow-work jobs started, not yet done */
    uint64_t mail_sent;          /* messages the mail sender delivered */
    uint64_t mail_failed;        /* messages it gave up on */
    uint64_t mail_retried;       /* attempts that failed for now */
};

/* The whole exposition text.  Caller frees; NULL on allocation failure. */
char *kp_metrics_render(const struct kp_metrics *m, const struct kp_metrics_gauges *g,
                        size_t *len);

#endif
