/* The one rule for an e-mail address, for what the forms take and what the
 * mail sender sends to alike (an address one accepts and the other refuses
 * would fail every mail to it, silently). */
#ifndef KP_EMAIL_H
#define KP_EMAIL_H

#include <stdbool.h>

/* A bare address: 3–254 bytes, one '@', a local part of 1–64 printable
 * ASCII characters without space and <>()[]\,;:"@, a domain of letters,
 * digits, '-' and '.' with a dot inside, not starting with '.' or '-', not
 * ending with '.', without "..". */
bool kp_email_ok(const char *addr);

#endif
