/* The sender's pacing and its reading of an SMTP conversation's end: when to
 * try a message again, whether to, and how fast to send. */
#ifndef KP_MAIL_RETRY_H
#define KP_MAIL_RETRY_H

#include <stdbool.h>

/* Seconds to wait after the n-th failed attempt (n ≥ 1): base·2^(n-1), at
 * most `cap`. */
unsigned kp_mail_backoff(unsigned base, unsigned cap, unsigned n);

enum kp_mail_outcome {
    KP_MAIL_SENT,        /* the server took the message (2xx after DATA) */
    KP_MAIL_TEMPORARY,   /* not taken, try again: no connection, a 4xx */
    KP_MAIL_PERMANENT,   /* not taken, never will be: a 5xx */
    KP_MAIL_UNKNOWN,     /* the whole message went out but no answer came: it may
                          * have been taken, so it is not sent again */
};

/* What an attempt came to: `ok` whether the transfer completed, `code` the
 * last SMTP reply code (0: none), `body_out` whether the whole message had
 * been handed to the connection. */
enum kp_mail_outcome kp_mail_outcome_of(bool ok, long code, bool body_out);

/* A token bucket: `rate` messages a minute, at most `burst` at once. */
struct kp_mail_bucket {
    double tokens, burst, per_second;
    double at;                   /* seconds (a monotonic clock) of the last refill */
};

void kp_mail_bucket_init(struct kp_mail_bucket *b, unsigned rate, unsigned burst, double now);

/* Whole tokens available at `now`, after refilling. */
unsigned kp_mail_bucket_available(struct kp_mail_bucket *b, double now);

/* Spends n tokens (n ≤ available). */
void kp_mail_bucket_take(struct kp_mail_bucket *b, unsigned n);

/* Seconds until one token is available (0 if one is). */
double kp_mail_bucket_wait(const struct kp_mail_bucket *b);

#endif
