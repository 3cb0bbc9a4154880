/* Prometheus metrics, for the addresses in metrics.allow only. */

#include <stdatomic.h>

#include "addr.h"
#include "api.h"
#include "pool.h"

/* GET /metrics */
enum kp_err kp_api_metrics(struct kp_req *r)
{
    struct kp_server *srv = kp_req_server(r);
    const struct sockaddr *client = kp_req_client(r);
    if (client == NULL || !kp_addr_list_match(&srv->cfg->metrics.allow, client))
        return kp_reply_problem(r, KP_P_FORBIDDEN, "此地址不在 metrics.allow 之列");
    struct kp_metrics_gauges g = {
        .inflight            = atomic_load(&srv->inflight),
        .db_open             = atomic_load(&srv->db_stats.open),
        .db_connects         = atomic_load(&srv->db_stats.connects),
        .db_connect_failures = atomic_load(&srv->db_stats.connect_failures),
        .db_lost             = atomic_load(&srv->db_stats.lost),
        .tx_retries          = atomic_load(&srv->db_stats.tx_retries),
        .db_round_trips      = atomic_load(&srv->db_stats.round_trips),
        .pool_waiting        = kp_pool_waiting(srv->pool),
        .pool_running        = kp_pool_running(srv->pool),
        .mail_sent           = atomic_load(&srv->mail_sent),
        .mail_failed         = atomic_load(&srv->mail_failed),
        .mail_retried        = atomic_load(&srv->mail_retried),
    };
    size_t len;
    char *text = kp_metrics_render(srv->metrics, &g, &len);
    if (text == NULL)
        return KP_E_NOMEM;
    return kp_reply_data(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
