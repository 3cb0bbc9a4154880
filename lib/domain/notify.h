/* In-app notifications: a message to one user, written in the caller's
 * transaction together with the change it announces.  Each function also
 * queues the message as an email (kp_outbox_put, the same transaction) to
 * every recipient with an address, as mailkind.h decides: not at all, only
 * to those who did not opt out, or to all (essential). */
#ifndef KP_NOTIFY_H
#define KP_NOTIFY_H

#include <stdbool.h>

#include <jansson.h>

#include "db.h"

/* `kind` is a stable machine name ("application.returned"); title and body
 * are Chinese text for the user; data (borrowed, may be NULL) points at the
 * object concerned ({"application_id": 7}). */
enum kp_err kp_notify(struct kp_db *db, long long user_id, const char *kind, const char *title,
                      const char *body, const json_t *data);

/* kp_notify at most once per user and `once_key` ("remind:submit:7:3d"):
 * *created says whether this call wrote it. */
enum kp_err kp_notify_once(struct kp_db *db, long long user_id, const char *once_key, const char *kind,
                           const char *title, const char *body, const json_t *data, bool *created);

/* The same message to every enabled user of a role ("admin"). */
enum kp_err kp_notify_role(struct kp_db *db, const char *role, const char *kind,
                           const char *title, const char *body, const json_t *data);

/* The same message to the parties of an application, in one statement:
 * the enabled users of its applicant unit (`applicant`, the unit's id) and
 * of its recommender (`recommender`, the recommender's id). */
enum kp_err kp_notify_parties(struct kp_db *db, const char *applicant, const char *recommender,
                              const char *kind, const char *title, const char *body, const json_t *data);

#endif
