/* Password strength through libpwquality and its cracklib dictionary
 * (Debian: libpwquality1, cracklib-runtime): no dictionary word, nothing
 * too simple or systematic (123456789012, abcdefghijkl), no palindrome, not
 * the account's username in some form.  The length rules stay in
 * password.h; kp_password_acceptable asks both.  The settings are this
 * file's, not /etc/security/pwquality.conf's, so every kpjdd judges alike. */
#ifndef KP_PWCHECK_H
#define KP_PWCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Why libpwquality refuses `password` for the account `username` (NULL:
 * no account yet), as a Chinese sentence for the user; NULL when it
 * passes.  The sentence is a static string.  Calls are serialized: cracklib
 * keeps the dictionary block it read last in static storage. */
const char *kp_pwcheck(const char *password, const char *username);

/* The Chinese sentence for a libpwquality error code (PWQ_ERROR_*); for
 * PWQ_ERROR_CRACKLIB_CHECK `cracklib` is cracklib's own message (English:
 * kpjdd never calls setlocale), which names the test that failed.  Never
 * NULL: a code or message not known here gets a general sentence. */
const char *kp_pwcheck_reason(int code, const char *cracklib);

/* Whether the check works with the dictionary at `dictpath` (NULL:
 * cracklib's default, the one kp_pwcheck uses): a dictionary word is refused
 * as one and a good password passes.  It fails when the dictionary is not
 * installed, or when the process's uid has no passwd entry (cracklib then
 * refuses every password).  On false `why` says which, in English, for the
 * log; kpjdd will not start. */
bool kp_pwcheck_ready(const char *dictpath, char *why, size_t why_len);

#endif
