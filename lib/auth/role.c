#include <string.h>

#include "role.h"

static const char *const names[] = { "anonymous", "admin", "recommender", "applicant", "expert" };

const char *kp_role_name(enum kp_role role)
{
    return (unsigned)role < sizeof names / sizeof names[0] ? names[role] : "unknown";
}

bool kp_role_parse(const char *name, enum kp_role *out)
{
    for (unsigned i = KP_ROLE_ADMIN; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (enum kp_role)i;
            return true;
        }
    return false;
}

bool kp_role_admitted(unsigned allowed, enum kp_role role)
{
    if (allowed & KP_PUBLIC)
        return true;
    return role != KP_ROLE_ANONYMOUS && (allowed & KP_ALLOW(role)) != 0;
}
