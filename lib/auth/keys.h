/* The public keys of the key ring, recorded in the database (table
 * signing_keys): GET /public/keys lists them, and a certificate names the
 * key that signed it by its id, so every key that ever signed stays listed
 * for verification after it is retired.  Recording is idempotent: a key
 * already there keeps its first date. */
#ifndef KP_KEYS_H
#define KP_KEYS_H

#include "db.h"
#include "signing.h"

/* Records every public key of `ring` not yet recorded, in one statement,
 * inside the caller's transaction. */
enum kp_err kp_keys_record(struct kp_db *db, const struct kp_keyring *ring);

#endif
