/* The gate: CSRF and origin checks, the session, the password-change
 * requirement, and the route's roles, in that order.  Deny unless declared:
 * a route whose `roles` is 0 admits nobody. */

#include <string.h>

#include "audit.h"
#include "auth.h"
#include "httputil.h"
#include "token.h"

static bool refuse(struct kp_req *r, enum kp_problem p, const char *detail)
{
    kp_reply_problem(r, p, detail);
    return false;
}

/* The session's part of the gate: live, the CSRF token, the password, the
 * role. */
static bool admit(struct kp_req *r, const struct kp_route *route, const struct kp_principal *who,
                  bool unsafe)
{
    if (who->role == KP_ROLE_ANONYMOUS)
        return refuse(r, KP_P_UNAUTHENTICATED, "未登录或登录已过期");
    if (unsafe && who->via_cookie) {
        const char *csrf = kp_req_header(r, "X-CSRF-Token");
        if (csrf == NULL || !kp_token_equal(csrf, who->csrf_token))
            return refuse(r, KP_P_CSRF, NULL);
    }
    if (who->must_change_password && !(route->flags & KP_ROUTE_PENDING_OK))
        return refuse(r, KP_P_PASSWORD_CHANGE_REQUIRED, NULL);
    if (!kp_role_admitted(route->roles, who->role))
        return refuse(r, KP_P_FORBIDDEN, NULL);
    return true;
}

bool kp_auth_gate(struct kp_req *r, const struct kp_route *route, struct kp_principal *who,
                  enum kp_err *err)
{
    bool unsafe = kp_req_unsafe(r);
    *err = KP_OK;
    memset(who, 0, sizeof *who);
    who->role = KP_ROLE_ANONYMOUS;

    /* A browser says where a request comes from; a cross-site one may not
     * change anything here, whatever it carries. */
    if (unsafe) {
        const char *site = kp_req_header(r, "Sec-Fetch-Site");
        const char *origin = kp_req_header(r, "Origin");
        if (site != NULL && strcmp(site, "cross-site") == 0)
            return refuse(r, KP_P_CSRF, "拒绝跨站请求");
        if (origin != NULL && !kp_origin_matches_host(origin, kp_req_header(r, "Host")))
            return refuse(r, KP_P_CSRF, "请求来源与本站不符");
    }
    if (route->roles & KP_PUBLIC)
        return true;
    if ((route->flags & KP_ROUTE_OWN_SESSION) && !unsafe)
        return true;                  /* the handler's statement checks it: kp_auth_admit */

    *err = kp_session_resolve(r, who);
    if (*err)
        return false;
    return admit(r, route, who, unsafe);
}

bool kp_auth_admit(struct kp_req *r, const struct kp_principal *who)
{
    kp_req_set_principal(r, who);
    return admit(r, kp_req_route(r), who, kp_req_unsafe(r));
}

void kp_req_actor(const struct kp_req *r, struct kp_actor *actor, char ip[64])
{
    const struct kp_principal *who = kp_req_principal(r);
    kp_req_client_ip(r, ip, 64);
    actor->user_id = who->role == KP_ROLE_ANONYMOUS ? 0 : who->user_id;
    actor->role = kp_role_name(who->role);
    actor->request_id = kp_req_id(r);
    actor->ip = ip;
}

enum kp_err kp_req_audit(struct kp_req *r, struct kp_db *db, const char *action,
                         const char *entity, const char *entity_id, const json_t *data)
{
    struct kp_actor actor;
    char ip[64];
    kp_req_actor(r, &actor, ip);
    return kp_audit_append(db, &actor, action, entity, entity_id, data);
}
