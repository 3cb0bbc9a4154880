#include <sodium.h>
#include <stdio.h>

#include "buf.h"
#include "keys.h"

/* Two arrays of the same length: the key ids and the keys in hex. */
static const struct kp_stmt SQL_RECORD = {
    "keys_record",
    "INSERT INTO signing_keys (key_id, public_key)"
    " SELECT id, decode(pk, 'hex') FROM unnest($1::text[], $2::text[]) AS k(id, pk)"
    " ON CONFLICT (key_id) DO NOTHING",
    2,
};

enum kp_err kp_keys_record(struct kp_db *db, const struct kp_keyring *ring)
{
    if (ring->n == 0)
        return KP_OK;
    /* Array literals need no quoting: ids and keys are hex digits. */
    struct kp_buf ids = { 0 }, keys = { 0 };
    for (size_t i = 0; i < ring->n; i++) {
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, ring->keys[i].pk, sizeof ring->keys[i].pk);
        kp_buf_printf(&ids, "%s%s", i ? "," : "{", ring->keys[i].id);
        kp_buf_printf(&keys, "%s%s", i ? "," : "{", hex);
    }
    kp_buf_append(&ids, "}", 1);
    kp_buf_append(&keys, "}", 1);
    enum kp_err err = KP_E_NOMEM;
    if (!ids.failed && !keys.failed) {
        const char *params[] = { ids.data, keys.data };
        PGresult *res;
        err = kp_db_exec(db, &SQL_RECORD, params, &res);
        if (err == KP_OK)
            PQclear(res);
    }
    kp_buf_free(&ids);
    kp_buf_free(&keys);
    return err;
}
