/* Accounts: what a username may look like, and the logins the admin makes
 * for others (a recommender, an expert): a random initial password shown
 * once, which must be changed at first login. */
#ifndef KP_ACCOUNT_H
#define KP_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "password.h"

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

/* An initial password and its hash, made before the transaction that
 * stores it (hashing is slow work).  kp_account_forget wipes both. */
struct kp_initial_password {
    char password[17];
    char hash[KP_PWHASH_LEN];
};
enum kp_err kp_account_initial_password(struct kp_initial_password *p, const struct kp_pwcost *cost);
void kp_account_forget(struct kp_initial_password *p);

/* The next three run in the caller's transaction; `user_id` is the
 * account's id as text. */
struct kp_db;

/* A new account of `role` ("recommender", "expert") that must change its
 * password at first login; its id into user_id.  The row it acts for is
 * made next and sets users.org_id.  A username taken (whatever its case)
 * is KP_E_DB_UNIQUE, kp_db_last_constraint "users_username_key". */
enum kp_err kp_account_create(struct kp_db *db, const char *role, const char *username,
                              const char *display_name, const char *hash, char user_id[24]);

/* Ends every live session of the account; how many into *ended (may be
 * NULL). */
enum kp_err kp_account_end_sessions(struct kp_db *db, const char *user_id, int *ended);

/* Disables or enables the account; disabling ends its sessions. */
enum kp_err kp_account_set_disabled(struct kp_db *db, const char *user_id, bool disabled);

/* A new initial password (hash) to change at next login; the account's
 * sessions end. */
enum kp_err kp_account_reset_password(struct kp_db *db, const char *user_id, const char *hash);

#endif
