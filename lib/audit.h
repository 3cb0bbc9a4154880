/* The audit trail's hash chain.  Each row's hash is the SHA-256 of its
 * content together with the previous row's hash, so changing, removing or
 * reordering a row breaks every hash after it.  The content is serialised
 * unambiguously: each field as "<length>:<bytes>," and SQL NULL as "-,". */
#ifndef KP_AUDIT_H
#define KP_AUDIT_H

#include <stdbool.h>

#include "err.h"

#define KP_AUDIT_HASH_LEN 65   /* 64 hex characters and a NUL */

/* Every field as PostgreSQL gives it back as text; NULL for SQL NULL.
 * prev_hash is "" for the first row. */
struct kp_audit_row {
    const char *id;
    const char *at;           /* "2021-11-10T16:00:00.000000Z" */
    const char *actor_id;
    const char *actor_role;
    const char *action;
    const char *entity;
    const char *entity_id;
    const char *data;         /* JSON text, byte for byte as stored */
    const char *request_id;
    const char *ip;
    const char *prev_hash;
};

void kp_audit_hash(const struct kp_audit_row *row, char out[KP_AUDIT_HASH_LEN]);

/* Who did it, as the audit trail records it. */
struct kp_actor {
    long long user_id;        /* 0: nobody signed in (a failed login, the system) */
    const char *role;         /* "admin", ..., "anonymous", "system" */
    const char *request_id;   /* may be NULL */
    const char *ip;           /* may be NULL */
};

/* Appends one row, inside the caller's transaction, so that the row exists
 * exactly when the change it records does.  `data` (borrowed, may be NULL
 * for {}) must never hold a password or a token.  Concurrent appends meet at
 * the one-row audit_head table: the later one gets a serialization failure,
 * and kp_db_tx runs its transaction again on the new head. */
struct kp_db;
struct json_t;
enum kp_err kp_audit_append(struct kp_db *db, const struct kp_actor *actor, const char *action,
                            const char *entity, const char *entity_id, const struct json_t *data);

struct kp_audit_verdict {
    bool ok;
    long long count;           /* rows checked */
    long long first_bad_id;    /* 0 when ok, and when no row is left to blame */
};

/* Recomputes the chain over every row, in id order, inside the caller's
 * transaction.  A row whose content or link does not match is bad; a head
 * that does not match the last row (rows removed at the end) makes the last
 * row bad. */
enum kp_err kp_audit_verify(struct kp_db *db, struct kp_audit_verdict *v);

#endif
