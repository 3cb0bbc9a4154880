#include <string.h>

#include "batch.h"

static const char *const names[] = { "draft", "open", "evaluating", "publicity", "closed" };
#define NSTATUS (sizeof names / sizeof names[0])

bool kp_batch_status_parse(const char *name, enum kp_batch_status *out)
{
    for (unsigned i = 0; i < NSTATUS; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (enum kp_batch_status)i;
            return true;
        }
    return false;
}

const char *kp_batch_status_name(enum kp_batch_status s)
{
    return (unsigned)s < NSTATUS ? names[s] : "unknown";
}

bool kp_batch_may_move(enum kp_batch_status from, enum kp_batch_status to)
{
    return (unsigned)from < NSTATUS - 1 && (unsigned)to == (unsigned)from + 1;
}

bool kp_batch_edit_may_enter(enum kp_batch_status to)
{
    return to == KP_BATCH_OPEN || to == KP_BATCH_EVALUATING;
}
