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

/* The one form in which usernames are compared: the account lookup at login
 * and the login throttle's key both use it.  ASCII letters are lowered and
 * every other byte is kept, whatever the locale, so "İ" (U+0130) or the
 * Kelvin sign (U+212A) never become "i" or "k" the way SQL lower() makes
 * them.  Writes at most out_len - 1 bytes and a NUL (out_len > 0), never
 * cutting a UTF-8 character in two; KP_USERNAME_MAX + 1 holds any valid
 * name whole. */
void kp_username_fold(const char *name, char *out, size_t out_len);

#endif
