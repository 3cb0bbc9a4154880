/* Roles, and the set of roles a route admits.  A route that names no role
 * admits nobody: access is denied unless declared. */
#ifndef KP_ROLE_H
#define KP_ROLE_H

#include <stdbool.h>

enum kp_role {
    KP_ROLE_ANONYMOUS = 0,   /* no session */
    KP_ROLE_ADMIN,
    KP_ROLE_RECOMMENDER,
    KP_ROLE_APPLICANT,
    KP_ROLE_EXPERT,
};

#define KP_ALLOW(role)   (1u << (role))
#define KP_PUBLIC        KP_ALLOW(KP_ROLE_ANONYMOUS)   /* anyone, signed in or not */
#define KP_ADMIN         KP_ALLOW(KP_ROLE_ADMIN)
#define KP_RECOMMENDER   KP_ALLOW(KP_ROLE_RECOMMENDER)
#define KP_APPLICANT     KP_ALLOW(KP_ROLE_APPLICANT)
#define KP_EXPERT        KP_ALLOW(KP_ROLE_EXPERT)
#define KP_SIGNED_IN     (KP_ADMIN | KP_RECOMMENDER | KP_APPLICANT | KP_EXPERT)

/* "admin", "recommender", "applicant", "expert"; "anonymous". */
const char *kp_role_name(enum kp_role role);

bool kp_role_parse(const char *name, enum kp_role *out);

/* Whether a route admitting `allowed` admits `role`.  A public route admits
 * every role. */
bool kp_role_admitted(unsigned allowed, enum kp_role role);

#endif
