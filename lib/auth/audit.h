/* The audit trail's hash chain.  Each row's hash is the SHA-256 of its
 * content together with the previous row's hash, so changing, removing or
 * reordering a row breaks every hash after it.  The content is serialised
 * unambiguously: each field as "<length>:<bytes>," and SQL NULL as "-,". */
#ifndef KP_AUDIT_H
#define KP_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "signing.h"

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
 * for {}) must never hold a password or a token.  Concurrent appends take
 * an advisory lock in turn (ids follow chain order); one whose snapshot saw
 * an older head gets a serialization failure when the insert trigger moves
 * audit_head, and kp_db_tx runs its transaction again on the new head.  The
 * serving role cannot write audit_head itself (0005_least_privilege.sql). */
struct kp_db;
struct json_t;
enum kp_err kp_audit_append(struct kp_db *db, const struct kp_actor *actor, const char *action,
                            const char *entity, const char *entity_id, const struct json_t *data);

/* The same for n rows of one actor and action, in two round trips however
 * many rows (their ids and the head, then one INSERT): row i records
 * entity_ids[i] with data[i] (borrowed; NULL for {}), in that order. */
enum kp_err kp_audit_append_many(struct kp_db *db, const struct kp_actor *actor, const char *action,
                                 const char *entity, const char *const *entity_ids,
                                 const struct json_t *const *data, size_t n);

/* ---- signed checkpoints ----
 * A checkpoint states, signed with the server's Ed25519 key, how far the
 * chain reached: its newest row, that row's hash and the number of rows.
 * Checkpoints are public: once an outsider has a copy, not even the
 * database's owner can rewrite or cut the history before it undetected. */
struct kp_checkpoint {
    long long id;
    long long last_audit_id;          /* 0: the log was empty */
    long long count;
    char head_hash[KP_AUDIT_HASH_LEN];
    char at[32];                      /* "2021-11-10T16:00:00Z" */
    char key_id[KP_KEY_ID_LEN];
    char signature[KP_SIG_TEXT_LEN];  /* base64url, no padding */
};

/* The signed text: the canonical JSON of {"at","count","head_hash",
 * "last_audit_id"} (keys sorted, no white space).  Caller frees. */
char *kp_checkpoint_canonical(const char *at, long long count, const char *head_hash,
                              long long last_audit_id);

/* An id for the checkpoint about to be made, so that the audit row of its
 * making (written first, and covered by it) can name it. */
enum kp_err kp_checkpoint_reserve_id(struct kp_db *db, long long *id);

/* Signs the head as the caller's transaction sees it and stores the
 * checkpoint (`id` from kp_checkpoint_reserve_id, or 0 for a new one).
 * With `only_if_new`, nothing is made (*made false) when the newest
 * checkpoint already covers the newest row. */
enum kp_err kp_checkpoint_make(struct kp_db *db, const struct kp_signing_key *key, long long id,
                               bool only_if_new, struct kp_checkpoint *cp, bool *made);

struct kp_audit_verdict {
    bool ok;                   /* the chain and every checkpoint hold */
    long long count;           /* rows checked */
    long long first_bad_id;    /* the first row that breaks the chain; 0 when none */
    bool checkpoints_ok;       /* every checkpoint verifies and matches the rows */
    long long checkpoints;     /* checkpoints checked */
    char problem[256];         /* the first problem found, in words; "" when ok */
};

/* Recomputes the chain over every row, in id order, inside the caller's
 * transaction, and holds it against every checkpoint.  A row whose content
 * or link does not match is bad; a head that does not match the last row
 * (rows removed at the end) makes the last row bad.  A checkpoint is good
 * when its signature verifies under a key of `ring` and the row it names
 * exists with its hash and the count of rows up to it: so a rewritten and
 * re-hashed chain, or a tail cut off with audit_head moved back, is found
 * as long as a checkpoint was made after the rows changed. */
enum kp_err kp_audit_verify(struct kp_db *db, const struct kp_keyring *ring,
                            struct kp_audit_verdict *v);

#endif
