/* Login throttling, kept in PostgreSQL so that it holds across any number of
 * kpjdd processes.  A key counts failures ("user:alice", "addr:10.0.0.7");
 * once a key has `threshold` failures, each further failure locks it for
 * 1, 2, 4, ... seconds (up to lockout_max), and attempts while it is locked
 * are refused without looking at the password. */
#ifndef KP_THROTTLE_H
#define KP_THROTTLE_H

#include "db.h"

struct kp_throttle_policy {
    unsigned window;        /* seconds: failures older than this are forgotten */
    unsigned lockout_max;   /* seconds */
};

/* Seconds until both keys are open again (0: open now). */
enum kp_err kp_throttle_wait(struct kp_db *db, const char *key1, const char *key2,
                             long long *seconds);

/* Counts one failure for key. */
enum kp_err kp_throttle_failure(struct kp_db *db, const char *key, unsigned threshold,
                                const struct kp_throttle_policy *policy);

/* Forgets key's failures (after a successful login). */
enum kp_err kp_throttle_clear(struct kp_db *db, const char *key);

/* The lockout after `failures` failures: 0 below threshold, then 1, 2, 4, ...
 * seconds, never more than max. */
long long kp_throttle_lockout(unsigned failures, unsigned threshold, unsigned max);

#endif
