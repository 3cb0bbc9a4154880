#include "connlimit.h"

uint64_t kp_conn_deadline_us(const struct kp_conn_limits *l, uint64_t begun_us,
                             uint64_t body_bytes)
{
    uint64_t allowed = l->request_us;
    uint64_t whole_s = body_bytes / l->min_body_rate;
    uint64_t part = body_bytes % l->min_body_rate;
    if (whole_s <= (UINT64_MAX - 1000000u) / 1000000u) {
        uint64_t by_rate = whole_s * 1000000u + part * 1000000u / l->min_body_rate;
        if (by_rate > allowed)
            allowed = by_rate;
    } else {
        allowed = UINT64_MAX;
    }
    return begun_us > UINT64_MAX - allowed ? UINT64_MAX : begun_us + allowed;
}

unsigned kp_conn_excess(const struct kp_conn_limits *l, unsigned open)
{
    unsigned keep_free = l->max_connections / 10;
    if (keep_free == 0 || open + keep_free <= l->max_connections)
        return 0;
    return open + keep_free - l->max_connections;
}

bool kp_conn_evict_before(const struct kp_conn_rank *a, const struct kp_conn_rank *b)
{
    if (a->idle != b->idle)
        return a->idle;
    return a->key_us < b->key_us;
}
