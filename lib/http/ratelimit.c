#include <stdio.h>
#include <stdlib.h>

#include "ratelimit.h"

static const struct kp_stmt SQL_HIT = {
    "rate_hit",
    "INSERT INTO rate_limits AS r (key, window_start, hits) VALUES ($1, now(), 1)"
    " ON CONFLICT (key) DO UPDATE SET"
    "   window_start = CASE WHEN r.window_start <= now() - make_interval(secs => $2::int)"
    "                       THEN now() ELSE r.window_start END,"
    "   hits = CASE WHEN r.window_start <= now() - make_interval(secs => $2::int)"
    "               THEN 1 ELSE r.hits + 1 END"
    " RETURNING hits,"
    "   greatest(1, ceil(extract(epoch FROM window_start + make_interval(secs => $2::int) - now())))::bigint",
    2,
};

/* Keys from other windows are kept only as long as a window could still
 * count: a key's first hit of a new window sweeps what is a day old. */
static const struct kp_stmt SQL_SWEEP = {
    "rate_sweep",
    "DELETE FROM rate_limits WHERE window_start < now() - make_interval(secs => greatest($1::int, 86400))",
    1,
};

enum kp_err kp_rate_hit(struct kp_db *db, const char *key, unsigned limit, unsigned window,
                        bool *allowed, long long *retry_after)
{
    char win[16];
    snprintf(win, sizeof win, "%u", window);
    const char *params[] = { key, win };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_HIT, params, &res);
    if (err)
        return err;
    long long hits = atoll(PQgetvalue(res, 0, 0));
    *allowed = hits <= (long long)limit;
    *retry_after = atoll(PQgetvalue(res, 0, 1));
    PQclear(res);
    if (hits > 1)
        return KP_OK;
    const char *sweep[] = { win };
    if ((err = kp_db_exec(db, &SQL_SWEEP, sweep, &res)) == KP_OK)
        PQclear(res);
    return err;
}
