#include <stdio.h>

#include "ratecheck.h"
#include "ratelimit.h"

struct rate {
    char key[96];
    unsigned limit, window;
    bool allowed;
    long long retry_after;
};

static enum kp_err rate_tx(struct kp_db *db, void *arg)
{
    struct rate *t = arg;
    return kp_rate_hit(db, t->key, t->limit, t->window, &t->allowed, &t->retry_after);
}

enum kp_err kp_ratecheck_address(struct kp_req *r, const char *kind, unsigned limit,
                                 unsigned window, const char *detail, bool *allowed)
{
    struct rate t = { .limit = limit, .window = window };
    char ip[64];
    kp_req_client_ip(r, ip, sizeof ip);
    snprintf(t.key, sizeof t.key, "%s:%s", kind, ip);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, 0, rate_tx, &t) : KP_E_NOMEM;
    *allowed = err == KP_OK && t.allowed;
    if (err == KP_OK && !t.allowed)
        return kp_reply_problem_retry(r, KP_P_TOO_MANY_ATTEMPTS, detail, t.retry_after);
    return err;
}
