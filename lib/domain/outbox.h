/* The mail outbox: a message queued in the caller's transaction, delivered
 * later by the sender (server/mailer.c) only if that transaction commits. */
#ifndef KP_OUTBOX_H
#define KP_OUTBOX_H

#include <stdbool.h>

#include "db.h"

struct kp_outbox_msg {
    long long   user_id;      /* the account it is for; 0: none */
    const char *to;           /* the address (checked by the caller) */
    const char *kind;         /* "application.returned", "password.reset", ... */
    bool        essential;    /* sent even to a user who opted out of mail */
    const char *subject;      /* UTF-8, one line */
    const char *body;         /* UTF-8 plain text, \n line ends */
    const char *body_after;   /* the body kept once sent or failed; NULL: `body` */
    unsigned    valid_for;    /* seconds it may still be sent; 0: no end */
};

/* Set once at start, before any thread queues mail: whether mail is on
 * (mail.url is set), the platform's public address for links in messages
 * (web.public_url), and the domain of Message-IDs.  Strings are copied.
 * Until it is called mail is off. */
void kp_outbox_setup(bool on, const char *public_url, const char *mail_domain);

/* Whether mail is on; the public URL given to kp_outbox_setup. */
bool kp_outbox_on(void);
const char *kp_outbox_public_url(void);

/* Queues one message.  While mail is off it queues nothing and returns
 * KP_OK: the outbox holds no mail that no sender will take, and switching
 * mail on later sends nothing stale.  Its Message-ID is made here, unique
 * across processes: <outbox id>.<16 random hex>@<mail_domain>
 * (NULL or "": the domain given to kp_outbox_setup). */
enum kp_err kp_outbox_put(struct kp_db *db, const struct kp_outbox_msg *m, const char *mail_domain);

#endif
