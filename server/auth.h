/* Who may call what: the gate every routed request passes with its headers,
 * before its body is read and its handler runs, and the session behind a
 * request. */
#ifndef KP_AUTH_H
#define KP_AUTH_H

#include "server.h"
#include "token.h"

/* Cross-site unsafe requests are refused (Sec-Fetch-Site, Origin); routes
 * that are not public need a live session (401), the CSRF token when it
 * came by cookie (403 csrf), a changed initial password (403
 * password_change_required) and one of the route's roles (403 forbidden).
 * Fills *who.  Returns true to run the handler; false when the refusal is
 * queued, or when *err says why it could not be decided (the database). */
bool kp_auth_gate(struct kp_req *r, const struct kp_route *route, struct kp_principal *who,
                  enum kp_err *err);

/* Finds the live session of the token the request presents (Bearer first,
 * then the kpjd_session cookie), refreshing its idle clock, in one
 * statement outside any transaction.  No token, or none that is live: *who
 * is anonymous and KP_OK. */
enum kp_err kp_session_resolve(struct kp_req *r, struct kp_principal *who);

/* ---- the session check inside a handler's own statement ----
 * A KP_ROUTE_OWN_SESSION route answers a safe request (GET, HEAD) with one
 * statement that checks the session and reads the rows together: the gate
 * leaves the session to the handler, which puts KP_SESSION_WITH in front of
 * its query, selects KP_SESSION_COLUMNS from `s` (no row at all when no
 * session is live), hands them to kp_session_take and then asks
 * kp_auth_admit before it answers, whatever it found.  Its rows must be scoped by the session columns of `s` in the
 * SQL itself, since nothing is known about the caller before it runs. */

/* The live session of token hash `tok` with idle limit `idle` (seconds),
 * as the one-row CTE `s` (an expired, ended or idle session, or a disabled
 * user: `s` is empty).  Its column `stale` says that the session's idle
 * clock was last wound more than min(15 s, idle / 4) ago: kp_session_touch
 * then winds it, in a statement of its own.  So the clock is written every
 * few seconds at most, and the statement that reads it writes nothing (a
 * data-modifying CTE here cost every request a sixth of its time in
 * PostgreSQL, to update nothing nearly always). */
#define KP_SESSION_WITH(tok, idle)                                                          \
    "WITH s AS (SELECT s.id AS sid, s.csrf_token, to_char(s.expires_at AT TIME ZONE 'UTC',"  \
    "                  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS expires, u.id AS uid, u.username,"   \
    "                  u.role, coalesce(u.org_id, 0) AS org, u.display_name,"                \
    "                  u.must_change_password,"                                             \
    "                  s.last_seen_at < now() - make_interval(secs => least(15, " idle "::int / 4.0)) AS stale" \
    "             FROM sessions s JOIN users u ON u.id = s.user_id"                         \
    "            WHERE s.token_hash = " tok " AND s.ended_at IS NULL AND s.expires_at > now()" \
    "              AND s.last_seen_at > now() - make_interval(secs => " idle "::int)"       \
    "              AND NOT u.disabled)"
#define KP_SESSION_COLUMNS \
    "s.sid, s.csrf_token, s.expires, s.uid, s.username, s.role, s.org, s.display_name," \
    " s.must_change_password, s.stale"
#define KP_SESSION_NCOLUMNS 10

/* The session token's hash from the request (Bearer first, then the
 * cookie); false when it carries none (anonymous). */
bool kp_session_token_hash(struct kp_req *r, char hash[KP_TOKEN_HASH], bool *via_cookie);

/* auth.session_idle as the statement's parameter. */
void kp_session_idle_param(struct kp_req *r, char idle[16]);

/* Fills *who from KP_SESSION_COLUMNS starting at `col` of a row (NULL, as
 * from an outer join: anonymous).  via_cookie is the caller's to set. */
void kp_session_take(PGresult *res, int row, int col, struct kp_principal *who);

/* Winds the session's idle clock when kp_session_take found it stale
 * (one statement, outside any transaction); nothing otherwise. */
enum kp_err kp_session_touch(struct kp_db *db, const struct kp_principal *who);

/* The rest of the gate for a KP_ROUTE_OWN_SESSION route, once the handler
 * has read the session into *who (which becomes kp_req_principal): 401,
 * 403 as kp_auth_gate would have answered.  True: admitted; false: the refusal is queued. */
bool kp_auth_admit(struct kp_req *r, const struct kp_principal *who);

/* The audit actor of this request: the caller (or anonymous), its request
 * id and address.  `ip` is the buffer the address is written to. */
struct kp_actor;
void kp_req_actor(const struct kp_req *r, struct kp_actor *actor, char ip[64]);

/* Appends an audit row for this request's caller. */
enum kp_err kp_req_audit(struct kp_req *r, struct kp_db *db, const char *action,
                         const char *entity, const char *entity_id, const json_t *data);

#define KP_SESSION_COOKIE "kpjd_session"

#endif
