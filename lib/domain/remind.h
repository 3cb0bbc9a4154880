/* Deadline reminders: three days and one day before a batch's contact,
 * unit submission and recommend deadlines, a notification (and, through
 * notify.c, a mail) to each user who still has something to do:
 *   contact   — a recommender with a quota in the batch and no contact form;
 *   submit    — a unit with a draft (its deadline: the batch's submit
 *               deadline, else the recommend deadline) or a returned
 *               application (the recommend deadline);
 *   recommend — a recommender with submitted applications not yet reviewed.
 * Only open batches.  Each (user, deadline, batch, window) is sent once
 * (kp_notify_once, key remind:<deadline>:<batch>:<3d|1d>); the 3-day window
 * is (1 day, 3 days] before the deadline, the 1-day one (0, 1 day], so a
 * deadline first seen less than a day ahead gets only the 1-day reminder. */
#ifndef KP_REMIND_H
#define KP_REMIND_H

#include "db.h"

/* Sends at most `limit` reminders that are due and not yet sent, in the
 * caller's transaction; how many into *sent.  The rest wait for the next
 * call: those sent no longer count as due. */
enum kp_err kp_remind_due(struct kp_db *db, int limit, int *sent);

#endif
