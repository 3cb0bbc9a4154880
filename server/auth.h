/* Who may call what: the gate every routed request passes with its headers,
 * before its body is read and its handler runs, and the session behind a
 * request. */
#ifndef KP_AUTH_H
#define KP_AUTH_H

#include "server.h"

/* Cross-site unsafe requests are refused (Sec-Fetch-Site, Origin); routes
 * that are not public need a live session (401), the CSRF token when it
 * came by cookie (403 csrf), a changed initial password (403
 * password_change_required) and one of the route's roles (403 forbidden).
 * Fills *who.  Returns true to run the handler; false when the refusal is
 * queued, or when *err says why it could not be decided (the database). */
bool kp_auth_gate(struct kp_req *r, const struct kp_route *route, struct kp_principal *who,
                  enum kp_err *err);

/* Finds the live session of the token the request presents (Bearer first,
 * then the kpjd_session cookie), refreshing its idle clock.  No token, or
 * none that is live: *who is anonymous and KP_OK. */
enum kp_err kp_session_resolve(struct kp_req *r, struct kp_principal *who);

/* The audit actor of this request: the caller (or anonymous), its request
 * id and address.  `ip` is the buffer the address is written to. */
struct kp_actor;
void kp_req_actor(const struct kp_req *r, struct kp_actor *actor, char ip[64]);

/* Appends an audit row for this request's caller. */
enum kp_err kp_req_audit(struct kp_req *r, struct kp_db *db, const char *action,
                         const char *entity, const char *entity_id, const json_t *data);

#define KP_SESSION_COOKIE "kpjd_session"

#endif
