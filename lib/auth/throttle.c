#include <stdio.h>
#include <stdlib.h>

#include "throttle.h"

static const struct kp_stmt SQL_WAIT = {
    "throttle_wait",
    "SELECT coalesce(ceil(extract(epoch FROM max(locked_until) - now())), 0)::bigint"
    "  FROM login_throttle WHERE key IN ($1, $2) AND locked_until > now()",
    2,
};

/* A failure long after the last one starts the count again. */
static const struct kp_stmt SQL_FAIL = {
    "throttle_fail",
    "INSERT INTO login_throttle AS t (key, failures, last_failure_at) VALUES ($1, 1, now())"
    " ON CONFLICT (key) DO UPDATE SET"
    "   failures = CASE WHEN t.last_failure_at < now() - make_interval(secs => $2::int)"
    "                   THEN 1 ELSE t.failures + 1 END,"
    "   last_failure_at = now()"
    " RETURNING failures",
    2,
};

static const struct kp_stmt SQL_LOCK = {
    "throttle_lock",
    "UPDATE login_throttle SET locked_until = now() + make_interval(secs => $2::int) WHERE key = $1",
    2,
};

static const struct kp_stmt SQL_CLEAR = {
    "throttle_clear", "DELETE FROM login_throttle WHERE key = $1", 1,
};

long long kp_throttle_lockout(unsigned failures, unsigned threshold, unsigned max)
{
    if (failures < threshold)
        return 0;
    unsigned over = failures - threshold;
    /* max < 2^32: from 32 doublings on, the cap is always smaller */
    long long secs = over >= 32 ? (long long)max : 1LL << over;
    return secs < (long long)max ? secs : (long long)max;
}

enum kp_err kp_throttle_wait(struct kp_db *db, const char *key1, const char *key2,
                             long long *seconds)
{
    const char *params[] = { key1, key2 };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_WAIT, params, &res);
    if (err)
        return err;
    *seconds = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return KP_OK;
}

enum kp_err kp_throttle_failure(struct kp_db *db, const char *key, unsigned threshold,
                                const struct kp_throttle_policy *policy)
{
    char window[16];
    snprintf(window, sizeof window, "%u", policy->window);
    const char *params[] = { key, window };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_FAIL, params, &res);
    if (err)
        return err;
    unsigned failures = (unsigned)atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    long long lock = kp_throttle_lockout(failures, threshold, policy->lockout_max);
    if (lock == 0)
        return KP_OK;
    char secs[24];
    snprintf(secs, sizeof secs, "%lld", lock);
    const char *lock_params[] = { key, secs };
    err = kp_db_exec(db, &SQL_LOCK, lock_params, &res);
    if (err == KP_OK)
        PQclear(res);
    return err;
}

enum kp_err kp_throttle_clear(struct kp_db *db, const char *key)
{
    const char *params[] = { key };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_CLEAR, params, &res);
    if (err == KP_OK)
        PQclear(res);
    return err;
}
