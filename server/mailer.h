/* The mail sender: a thread of a serving kpjdd with its own database
 * connection, started when mail.url is set.  Every mail.poll seconds (and
 * at once while there is more) it claims due messages of email_outbox,
 * commits the claim, sends each over SMTP and records what came of it.
 * Several kpjdd processes may each run one: a claim takes rows with
 * FOR UPDATE SKIP LOCKED and marks them 'sending', so a message is handed
 * to one sender only, and sent at most once. */
#ifndef KP_MAILER_H
#define KP_MAILER_H

#include "server.h"
#include "smtp.h"

struct kp_mailer;

/* Starts the thread with the prepared settings (copied); NULL on failure
 * (logged). */
struct kp_mailer *kp_mailer_start(struct kp_server *srv, const struct kp_smtp *smtp);

/* Stops it: a message being sent is given up within a second, the claimed
 * messages not yet sent go back to the queue. */
void kp_mailer_stop(struct kp_mailer *m);

#endif
