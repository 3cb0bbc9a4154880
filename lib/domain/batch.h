/* A batch's life: draft → open → evaluating → publicity → closed, one step
 * at a time and never back. */
#ifndef KP_BATCH_H
#define KP_BATCH_H

#include <stdbool.h>

enum kp_batch_status {
    KP_BATCH_DRAFT,
    KP_BATCH_OPEN,
    KP_BATCH_EVALUATING,
    KP_BATCH_PUBLICITY,
    KP_BATCH_CLOSED,
};

bool kp_batch_status_parse(const char *name, enum kp_batch_status *out);
const char *kp_batch_status_name(enum kp_batch_status s);

/* Whether a batch may move from `from` to `to`: only to the next status. */
bool kp_batch_may_move(enum kp_batch_status from, enum kp_batch_status to);

/* Whether an edit of the batch (PATCH) may make the move into `to`.  The
 * last two are acts of their own: a batch enters publicity when its notice
 * is published, and closes when it is named, so that no batch is in its
 * notice without one, or closed with its proposed list never named. */
bool kp_batch_edit_may_enter(enum kp_batch_status to);

#endif
