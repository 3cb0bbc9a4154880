/* SMTP through libcurl: the settings of [mail] read once at start, and one
 * message handed to the server with the server's answer kept. */
#ifndef KP_SMTP_H
#define KP_SMTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "message.h"
#include "retry.h"

struct kp_smtp {
    char url[512];
    struct kp_mail_from from;
    char domain[256];            /* of Message-IDs: mail.domain, else the from address's */
    char user[256];              /* "": no AUTH */
    char password[256];
    long use_ssl;                /* CURLUSESSL_* from mail.starttls */
    unsigned timeout;            /* seconds for one message */
};

/* Fills *s from cfg (mail.url set).  mail.credentials_file holds the user on
 * its first line and the password on its second; it is refused when it
 * cannot be read or when its group or others may read it.  On failure `why`
 * names the key. */
bool kp_smtp_prepare(const struct kp_config *cfg, struct kp_smtp *s, char *why, size_t why_len);

/* Forgets the password. */
void kp_smtp_clear(struct kp_smtp *s);

struct kp_smtp_result {
    enum kp_mail_outcome outcome;
    char answer[400];            /* the server's last reply, or what went wrong */
};

/* Sends `msg` (len bytes, a whole message) to `to`.  Takes at most
 * s->timeout seconds, and stops within a fraction of a second once *stop
 * is set (the outcome then says whether the message may have left). */
void kp_smtp_send(const struct kp_smtp *s, const char *to, const char *msg, size_t len,
                  const atomic_bool *stop, struct kp_smtp_result *r);

#endif
