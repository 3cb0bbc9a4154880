#include "retry.h"

unsigned kp_mail_backoff(unsigned base, unsigned cap, unsigned n)
{
    unsigned long long s = base;
    for (unsigned i = 1; i < n && s < cap; i++)      /* bounded: s doubles until it passes cap */
        s *= 2;
    return s < cap ? (unsigned)s : cap;
}

enum kp_mail_outcome kp_mail_outcome_of(bool ok, long code, bool body_out)
{
    if (ok)
        return KP_MAIL_SENT;
    if (code >= 500 && code < 600)
        return KP_MAIL_PERMANENT;
    if (code >= 400 && code < 500)
        return KP_MAIL_TEMPORARY;
    return body_out ? KP_MAIL_UNKNOWN : KP_MAIL_TEMPORARY;
}

void kp_mail_bucket_init(struct kp_mail_bucket *b, unsigned rate, unsigned burst, double now)
{
    b->burst = burst > 0 ? burst : 1;
    b->tokens = b->burst;
    b->per_second = rate / 60.0;
    b->at = now;
}

unsigned kp_mail_bucket_available(struct kp_mail_bucket *b, double now)
{
    if (now > b->at) {
        b->tokens += (now - b->at) * b->per_second;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->at = now;
    }
    return (unsigned)b->tokens;
}

void kp_mail_bucket_take(struct kp_mail_bucket *b, unsigned n)
{
    b->tokens -= n;
}

double kp_mail_bucket_wait(const struct kp_mail_bucket *b)
{
    return b->tokens >= 1 ? 0 : (1 - b->tokens) / b->per_second;
}
