#include <stddef.h>
#include <string.h>

#include "basestate.h"

static const struct row {
    const char *from;
    enum kp_base_action action;
    bool during_term_only;
    const char *to;
} table[] = {
    { "valid",     KP_BASE_SUSPEND,   true,  "suspended" },
    { "suspended", KP_BASE_REINSTATE, true,  "valid" },
    { "valid",     KP_BASE_REVOKE,    false, "revoked" },
    { "suspended", KP_BASE_REVOKE,    false, "revoked" },
};

const char *kp_base_transition(const char *from, bool term_over, enum kp_base_action action)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].action == action && strcmp(table[i].from, from) == 0 &&
            !(term_over && table[i].during_term_only))
            return table[i].to;
    return NULL;
}

bool kp_base_action_parse(const char *name, enum kp_base_action *out)
{
    static const char *const names[] = { "suspend", "reinstate", "revoke" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0) {
            *out = (enum kp_base_action)i;
            return true;
        }
    return false;
}
