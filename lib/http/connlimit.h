/* How long a client may take to send a request, and which connections go
 * first when the server nears http.max_connections.  Pure rules; the
 * connection table that applies them lives in server/conns.c.
 *
 * A connection is idle from its accept or its previous answer until the
 * first byte of its next request, receiving from that byte until the whole
 * request is in, then answering until the answer is sent.  Only a receiving
 * connection has a deadline here (an idle one is closed by http.timeout, or
 * evicted); an answering one is never closed by these rules. */
#ifndef KP_CONNLIMIT_H
#define KP_CONNLIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct kp_conn_limits {
    uint64_t request_us;       /* http.request_timeout */
    uint64_t min_body_rate;    /* http.min_body_rate, bytes per second, > 0 */
    unsigned max_connections;  /* http.max_connections */
};

/* When a request whose first byte came at `begun_us`, with `body_bytes` of
 * its body in so far, must be in whole: request_us after its first byte, or
 * later while the body keeps coming at min_body_rate on average since then
 * (a large upload over a slow link).  Saturates instead of overflowing. */
uint64_t kp_conn_deadline_us(const struct kp_conn_limits *l, uint64_t begun_us,
                             uint64_t body_bytes);

/* How many connections to close now that `open` are open (answering ones
 * included): enough to keep a tenth of max_connections free, so that a new
 * client is accepted at once.  Always 0 below 10 connections allowed. */
unsigned kp_conn_excess(const struct kp_conn_limits *l, unsigned open);

/* What eviction compares: whether the connection is idle, and its key —
 * for an idle one when it became idle, for a receiving one its deadline. */
struct kp_conn_rank {
    bool idle;
    uint64_t key_us;
};

/* Whether `a` is closed before `b`: idle connections before receiving ones
 * (a keep-alive connection costs its client nothing to open again), the
 * longest idle first, then the receiving one nearest its deadline (the
 * slowest for what it has sent). */
bool kp_conn_evict_before(const struct kp_conn_rank *a, const struct kp_conn_rank *b);

#endif
