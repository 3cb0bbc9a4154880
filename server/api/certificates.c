/* Public verification of certificates (no login): a certificate's signed
 * payload, its signature and key, and the base's status now; and the keys
 * that have signed.  Anyone can check a signature with these two answers
 * alone (README, "Checking a certificate offline"); the server checks it
 * too and says so (signature_valid), for a client that cannot. */

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "basestate.h"
#include "certificate.h"
#include "signing.h"
#include "views.h"

/* The certificate and the key that signed it (recorded when it signed:
 * kp_keys_record in naming.c). */
static const struct kp_stmt SQL_CERTIFICATE = {
    "certificates_get",
    "SELECT b.payload_canonical, b.signature, b.key_id, " KP_BASE_STATUS_SQL ", b.status_reason,"
    "       encode(k.public_key, 'hex')"
    "  FROM bases b JOIN signing_keys k ON k.key_id = b.key_id WHERE b.certificate_no = $1",
    1,
};

/* GET /api/v1/public/certificates/{certificate_no} */
enum kp_err kp_api_public_certificate(struct kp_req *r)
{
    const char *no = kp_req_param(r, "certificate_no");
    int year, seq;
    if (!kp_cert_no_parse(no, &year, &seq))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const char *params[] = { no };
    PGresult *res;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_read(db, &SQL_CERTIFICATE, params, &res) : KP_E_NOMEM;
    if (err)
        return err;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    const char *payload = PQgetvalue(res, 0, 0), *signature = PQgetvalue(res, 0, 1);
    struct kp_public_key key;
    size_t len;
    bool valid = sodium_hex2bin(key.pk, sizeof key.pk, PQgetvalue(res, 0, 5), 64, NULL, &len, NULL) == 0 &&
                 len == sizeof key.pk && kp_sign_verify(&key, payload, strlen(payload), signature);
    json_t *facts = json_loads(payload, JSON_REJECT_DUPLICATES, NULL);
    json_t *body = facts ? json_pack("{s:o, s:s, s:s, s:s, s:s, s:o, s:b}", "payload", facts,
                                     "payload_canonical", payload, "signature", signature,
                                     "key_id", PQgetvalue(res, 0, 2), "status", PQgetvalue(res, 0, 3),
                                     "status_reason", kp_text_or_null(res, 0, 4), "signature_valid", valid)
                         : NULL;
    PQclear(res);
    return body ? kp_reply_json(r, 200, body) : KP_E_NOMEM;
}

static const struct kp_stmt SQL_KEYS = {
    "certificates_keys",
    "SELECT key_id, translate(rtrim(encode(public_key, 'base64'), '='), '+/', '-_'), " KP_TIME("created_at")
    "  FROM signing_keys ORDER BY created_at, key_id",
    0,
};

/* GET /api/v1/public/keys: every key that signs or has signed */
enum kp_err kp_api_public_keys(struct kp_req *r)
{
    PGresult *res;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_read(db, &SQL_KEYS, NULL, &res) : KP_E_NOMEM;
    if (err)
        return err;
    json_t *keys = json_array();
    for (int i = 0; i < PQntuples(res) && keys; i++)
        if (json_array_append_new(keys, json_pack("{s:s, s:s, s:s, s:s}", "key_id", PQgetvalue(res, i, 0), "alg",
                                                  "Ed25519", "public_key", PQgetvalue(res, i, 1), "created_at",
                                                  PQgetvalue(res, i, 2))) != 0) {
            json_decref(keys);
            keys = NULL;
        }
    PQclear(res);
    return keys ? kp_reply_json(r, 200, json_pack("{s:o}", "keys", keys)) : KP_E_NOMEM;
}
