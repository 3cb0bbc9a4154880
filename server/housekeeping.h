/* Periodic work of a serving kpjdd: one thread of its own with its own
 * database connection runs each task of a static table at start and then
 * every so many seconds.  Tasks are short, idempotent and safe to run in
 * several kpjdd processes at once (each is one transaction). */
#ifndef KP_HOUSEKEEPING_H
#define KP_HOUSEKEEPING_H

#include "server.h"

struct kp_housekeeping;

/* Starts the thread; NULL on failure (logged). */
struct kp_housekeeping *kp_housekeeping_start(struct kp_server *srv);

/* Whether the database answers and its schema is this program's: the gate
 * of the threads that work on tables a migration may not have made yet
 * (housekeeping, the mail sender). */
bool kp_schema_current(struct kp_db *db);

/* Wakes the thread, waits for the task in hand to finish, joins it. */
void kp_housekeeping_stop(struct kp_housekeeping *hk);

#endif
