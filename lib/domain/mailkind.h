/* Which notifications also go out by email, and the text they go out as.
 * The table is in mailkind.c: a kind it does not list is mailed and not
 * essential (so a new kind, a reminder say, reaches those who want mail). */
#ifndef KP_MAILKIND_H
#define KP_MAILKIND_H

#include <stdbool.h>

#include <jansson.h>

enum kp_mailkind {
    KP_MAIL_NEVER,       /* in-app only */
    KP_MAIL_OPTIONAL,    /* not to users who opted out (users.mail_opt_out) */
    KP_MAIL_ESSENTIAL,   /* to everyone with an address */
};

enum kp_mailkind kp_mailkind_of(const char *kind);

/* The page a notification is about, for a user of `role`, as a path
 * ("/applications/7"); "/notifications" when data names no page. */
void kp_mailkind_path(const char *role, const json_t *data, char *out, size_t n);

/* The mail's body: the title, the notification's text, the link (public_url
 * and path), and a footer that says the mail is automatic and how to stop
 * mail that is not essential.  Caller frees; NULL when out of memory. */
char *kp_mailkind_body(const char *title, const char *text, const char *public_url, const char *path,
                       bool essential);

#endif
