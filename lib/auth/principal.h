/* Who is calling, once their session is resolved, and the row-level rule
 * every handler applies with it: a row the caller may not see is answered
 * 404, exactly like a row that does not exist. */
#ifndef KP_PRINCIPAL_H
#define KP_PRINCIPAL_H

#include <stdbool.h>

#include "role.h"
#include "token.h"

struct kp_principal {
    enum kp_role role;              /* KP_ROLE_ANONYMOUS: no session */
    long long user_id;
    long long session_id;
    long long org_id;               /* 0: none */
    bool must_change_password;
    bool via_cookie;                /* cookie sessions need the CSRF token */
    bool idle_clock_stale;          /* the session's last_seen_at is due (kp_session_touch) */
    char username[64];
    char display_name[256];
    char csrf_token[KP_TOKEN_TEXT];
    char expires_at[40];            /* RFC 3339 */
};

/* The two query parameters of a row-level check, bound into a WHERE clause
 * as "($n::boolean OR <owner column> = $m::bigint)". */
struct kp_rowscope {
    char all[6];      /* "true" or "false" */
    char owner[24];   /* the owner id the rows must carry */
};

/* Rows that belong to the caller's own account (notifications, sessions):
 * nobody sees another user's, the admin included. */
void kp_rowscope_own_user(const struct kp_principal *p, struct kp_rowscope *s);

/* Rows that belong to an organisation (a recommender's, an applicant's): the
 * admin sees all of them, everyone else only their own organisation's. */
void kp_rowscope_own_org(const struct kp_principal *p, struct kp_rowscope *s);

/* Applications: the admin sees all, an applicant its own, a recommender
 * those bound to it, an expert those assigned to it (and still its work:
 * not recused or replaced).  Bound as $1 (role) and $2 (organisation: the
 * expert's id for an expert) of a query on `applications a` that uses
 * KP_APPSCOPE_SQL. */
struct kp_appscope {
    char role[16];
    char org[24];
};
#define KP_APPSCOPE_SQL KP_APPSCOPE_OF("$1::text", "$2::bigint")
/* The same rule with the role and the organisation as any SQL expressions
 * (a session's columns). */
#define KP_APPSCOPE_OF(role, org)                                              \
    "((" role " = 'admin')"                                                    \
    " OR (" role " = 'applicant' AND a.applicant_id = " org ")"                \
    " OR (" role " = 'recommender' AND a.recommender_id = " org ")"            \
    " OR (" role " = 'expert' AND EXISTS (SELECT 1 FROM assignments x"          \
    "       WHERE x.application_id = a.id AND x.expert_id = " org              \
    "         AND x.status IN ('pending', 'draft', 'submitted'))))"
void kp_appscope_for(const struct kp_principal *p, struct kp_appscope *s);

/* Applicant units (their registration data, 单位信息): the admin sees all,
 * a unit itself, a recommender the units with an application bound to
 * it; to anyone else a unit does not exist.  The condition on a row of
 * `applicant_units u`, bound as KP_APPSCOPE_SQL is ($1 role, $2
 * organisation, from kp_appscope_for). */
#define KP_UNITSCOPE_SQL                                                       \
    "(($1::text = 'admin')"                                                    \
    " OR ($1::text = 'applicant' AND u.id = $2::bigint)"                       \
    " OR ($1::text = 'recommender' AND EXISTS (SELECT 1 FROM applications a"   \
    "       WHERE a.applicant_id = u.id AND a.recommender_id = $2::bigint)))"

/* Batches: one in draft is the admin's work in progress; to everyone else
 * it does not exist, and every route that reaches it answers 404 as for a
 * batch that does not exist.  The condition on a row of `batches b`, with
 * `param` ("$n") bound to kp_batchscope_for(). */
#define KP_BATCHSCOPE_SQL(param) "(" param "::boolean OR b.status <> 'draft')"
/* "true" when the caller sees draft batches (the admin), else "false". */
const char *kp_batchscope_for(const struct kp_principal *p);

#endif
