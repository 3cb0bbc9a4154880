/* Account names: what a username may look like. */
#ifndef KP_ACCOUNT_H
#define KP_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#define KP_USERNAME_MIN 3
#define KP_USERNAME_MAX 32

/* 3–32 characters of A–Z a–z 0–9 _ . @ -, starting with a letter or digit.
 * Unique regardless of case.  On false `why` says why, in Chinese. */
bool kp_username_valid(const char *name, char *why, size_t why_len);

#endif
