/* An email as the outbox sends it (RFC 5322, MIME): one text/plain UTF-8
 * part in base64, the subject and display names as RFC 2047 encoded words,
 * CRLF line ends.  Nothing a caller passes can add a header: addresses with
 * anything but plain address characters are refused, and the subject and
 * names travel encoded. */
#ifndef KP_MAIL_MESSAGE_H
#define KP_MAIL_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

/* The domain of an address kp_email_ok accepts (points into addr). */
const char *kp_mail_addr_domain(const char *addr);

/* A sender: "addr@x.cn" or "Display Name <addr@x.cn>" (the name UTF-8,
 * no control characters). */
struct kp_mail_from {
    char name[256];
    char addr[256];
};

/* Parses `text` into *from; false if it is neither form. */
bool kp_mail_from_parse(const char *text, struct kp_mail_from *from);

/* Appends `text` (UTF-8) as encoded words =?UTF-8?B?...?= of at most 64
 * characters each, split between characters, joined by CRLF SP (a folded
 * header line).  Control characters become spaces. */
void kp_mail_encode_words(struct kp_buf *out, const char *text);

/* The RFC 5322 date of t, in UTC: "Tue, 05 Mar 2024 08:00:00 +0000". */
void kp_mail_date(time_t t, char out[64]);

struct kp_mail_msg {
    const struct kp_mail_from *from;
    const char *to;          /* a bare address */
    const char *subject;     /* UTF-8 */
    const char *body;        /* UTF-8 text, \n or \r\n line ends */
    const char *message_id;  /* without the angle brackets */
    time_t      date;
};

/* Appends the whole message to `out`.  KP_E_INVAL (nothing appended) when
 * an address or the Message-ID is not acceptable or a text is not UTF-8. */
enum kp_err kp_mail_build(struct kp_buf *out, const struct kp_mail_msg *m);

#endif
