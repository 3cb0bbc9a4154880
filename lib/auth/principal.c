#include <stdio.h>
#include <string.h>

#include "principal.h"

void kp_rowscope_own_user(const struct kp_principal *p, struct kp_rowscope *s)
{
    strcpy(s->all, "false");
    /* anonymous callers own nothing: user ids start at 1 */
    snprintf(s->owner, sizeof s->owner, "%lld", p->role == KP_ROLE_ANONYMOUS ? 0 : p->user_id);
}

void kp_rowscope_own_org(const struct kp_principal *p, struct kp_rowscope *s)
{
    strcpy(s->all, p->role == KP_ROLE_ADMIN ? "true" : "false");
    snprintf(s->owner, sizeof s->owner, "%lld", p->role == KP_ROLE_ANONYMOUS ? 0 : p->org_id);
}

void kp_appscope_for(const struct kp_principal *p, struct kp_appscope *s)
{
    snprintf(s->role, sizeof s->role, "%s", kp_role_name(p->role));
    snprintf(s->org, sizeof s->org, "%lld", p->role == KP_ROLE_ANONYMOUS ? 0 : p->org_id);
}

const char *kp_batchscope_for(const struct kp_principal *p)
{
    return p->role == KP_ROLE_ADMIN ? "true" : "false";
}
