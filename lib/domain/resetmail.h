/* The password-reset mail: its link and its text.  The link carries the
 * token in its fragment (<web.public_url>/reset-password#<token>): a
 * browser sends a fragment to nobody, so the token reaches no access log
 * and no Referer.  The text kept once the mail has left (body_after) is the
 * same without the link. */
#ifndef KP_RESETMAIL_H
#define KP_RESETMAIL_H

#include <stdbool.h>
#include <stddef.h>

#define KP_RESETMAIL_PAGE "/reset-password"
#define KP_RESETMAIL_HIDDEN "（链接已隐去）"

struct kp_resetmail {
    char subject[128];
    char body[2048];
    char body_after[2048];
};

/* The link for `token` under `public_url` (no trailing slash).  false when
 * it does not fit in n bytes. */
bool kp_resetmail_link(const char *public_url, const char *token, char *out, size_t n);

/* The mail to the account `username` with `link`, valid `minutes`.  false
 * when a text does not fit (a username or link far beyond their limits). */
bool kp_resetmail_text(struct kp_resetmail *m, const char *username, const char *link,
                       unsigned minutes);

#endif
