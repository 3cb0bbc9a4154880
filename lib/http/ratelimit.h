/* Fixed-window rate limits kept in PostgreSQL (table rate_limits), so that
 * they hold across kpjdd processes: at most `limit` hits per key per
 * `window` seconds.  Keys idle for a day (or a window, if longer) are
 * swept as new windows begin. */
#ifndef KP_RATELIMIT_H
#define KP_RATELIMIT_H

#include <stdbool.h>

#include "db.h"

/* Counts one hit.  *allowed says whether it is within the limit; when not,
 * *retry_after is the number of seconds until the window ends. */
enum kp_err kp_rate_hit(struct kp_db *db, const char *key, unsigned limit, unsigned window,
                        bool *allowed, long long *retry_after);

#endif
