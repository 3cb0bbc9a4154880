/* A named base's status, as the admin decides it: valid ⇄ suspended, and
 * revoked from either, for good.  `expired` is not decided but read: once
 * the current year (by the database clock, in China) is after the term's
 * last year a base shows as expired, unless revoked (KP_BASE_STATUS_SQL).
 * A base whose term is over can still be revoked, not suspended or
 * reinstated. */
#ifndef KP_BASESTATE_H
#define KP_BASESTATE_H

#include <stdbool.h>

enum kp_base_action {
    KP_BASE_SUSPEND,     /* 暂停 */
    KP_BASE_REINSTATE,   /* 恢复 */
    KP_BASE_REVOKE,      /* 撤销 */
};

/* The stored status after `action` on a base stored as `from` ("valid",
 * "suspended", "revoked") whose term is over or not; NULL when the action
 * is not allowed.  Static storage. */
const char *kp_base_transition(const char *from, bool term_over, enum kp_base_action action);

/* The action named in a path ("suspend", "reinstate", "revoke"); false for
 * anything else. */
bool kp_base_action_parse(const char *name, enum kp_base_action *out);

/* The status a base of `bases b` shows, as an SQL expression: every
 * statement that shows or filters a base's status uses this one. */
#define KP_BASE_TERM_OVER_SQL \
    "(extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int > b.term_end_year)"
#define KP_BASE_STATUS_SQL                                                      \
    "(CASE WHEN b.status = 'revoked' THEN 'revoked'"                           \
    " WHEN " KP_BASE_TERM_OVER_SQL " THEN 'expired' ELSE b.status END)"

#endif
