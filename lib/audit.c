#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"

static void feed(crypto_hash_sha256_state *st, const char *field)
{
    if (field == NULL) {
        crypto_hash_sha256_update(st, (const unsigned char *)"-,", 2);
        return;
    }
    char len[24];
    size_t n = strlen(field);
    int w = snprintf(len, sizeof len, "%zu:", n);
    crypto_hash_sha256_update(st, (const unsigned char *)len, (unsigned long long)w);
    crypto_hash_sha256_update(st, (const unsigned char *)field, n);
    crypto_hash_sha256_update(st, (const unsigned char *)",", 1);
}

void kp_audit_hash(const struct kp_audit_row *row, char out[KP_AUDIT_HASH_LEN])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    const char *fields[] = { row->id, row->at, row->actor_id, row->actor_role, row->action,
                             row->entity, row->entity_id, row->data, row->request_id, row->ip,
                             row->prev_hash };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        feed(&st, fields[i]);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, KP_AUDIT_HASH_LEN, h, sizeof h);
}

#define AT_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"

/* Locks the head row; its hash is the new row's prev_hash. */
static const struct kp_stmt SQL_HEAD = {
    "audit_head",
    "SELECT last_hash, nextval('audit_log_id_seq'),"
    "       to_char(now() AT TIME ZONE 'UTC', " AT_FORMAT ")"
    "  FROM audit_head FOR UPDATE",
    0,
};

static const struct kp_stmt SQL_APPEND = {
    "audit_append",
    "WITH row AS ("
    "  INSERT INTO audit_log (id, at, actor_id, actor_role, action, entity, entity_id, data,"
    "                         request_id, ip, prev_hash, hash)"
    "  VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8::json, $9, $10, $11, $12)"
    "  RETURNING hash)"
    "UPDATE audit_head SET last_hash = (SELECT hash FROM row)",
    12,
};

enum kp_err kp_audit_append(struct kp_db *db, const struct kp_actor *actor, const char *action,
                            const char *entity, const char *entity_id, const json_t *data)
{
    PGresult *head;
    enum kp_err err = kp_db_exec(db, &SQL_HEAD, NULL, &head);
    if (err)
        return err;
    char *text = data ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    if (text == NULL) {
        PQclear(head);
        return KP_E_NOMEM;
    }
    char actor_id[24];
    snprintf(actor_id, sizeof actor_id, "%lld", actor->user_id);
    struct kp_audit_row row = {
        .id = PQgetvalue(head, 0, 1),
        .at = PQgetvalue(head, 0, 2),
        .actor_id = actor->user_id ? actor_id : NULL,
        .actor_role = actor->role,
        .action = action,
        .entity = entity,
        .entity_id = entity_id,
        .data = text,
        .request_id = actor->request_id,
        .ip = actor->ip,
        .prev_hash = PQgetvalue(head, 0, 0),
    };
    char hash[KP_AUDIT_HASH_LEN];
    kp_audit_hash(&row, hash);
    const char *params[] = { row.id, row.at, row.actor_id, row.actor_role, row.action,
                             row.entity, row.entity_id, row.data, row.request_id, row.ip,
                             row.prev_hash, hash };
    PGresult *res;
    err = kp_db_exec(db, &SQL_APPEND, params, &res);
    if (err == KP_OK)
        PQclear(res);
    PQclear(head);
    free(text);
    return err;
}

#define VERIFY_BATCH "1000"

static const struct kp_stmt SQL_VERIFY_PAGE = {
    "audit_verify_page",
    "SELECT id, to_char(at AT TIME ZONE 'UTC', " AT_FORMAT "), actor_id, actor_role, action,"
    "       entity, entity_id, data::text, request_id, ip, prev_hash, hash"
    "  FROM audit_log WHERE id > $1 ORDER BY id LIMIT " VERIFY_BATCH,
    1,
};

static const struct kp_stmt SQL_VERIFY_HEAD = {
    "audit_verify_head", "SELECT last_hash FROM audit_head", 0,
};

static const char *field(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

enum kp_err kp_audit_verify(struct kp_db *db, struct kp_audit_verdict *v)
{
    char prev[KP_AUDIT_HASH_LEN] = "", after[24] = "0";
    long long last_id = 0;
    v->ok = true;
    v->count = 0;
    v->first_bad_id = 0;
    for (;;) {
        const char *params[] = { after };
        PGresult *res;
        enum kp_err err = kp_db_exec(db, &SQL_VERIFY_PAGE, params, &res);
        if (err)
            return err;
        int rows = PQntuples(res);
        for (int i = 0; i < rows; i++) {
            struct kp_audit_row row = {
                field(res, i, 0), field(res, i, 1), field(res, i, 2), field(res, i, 3),
                field(res, i, 4), field(res, i, 5), field(res, i, 6), field(res, i, 7),
                field(res, i, 8), field(res, i, 9), field(res, i, 10),
            };
            const char *stored = PQgetvalue(res, i, 11);   /* hash is NOT NULL */
            char hash[KP_AUDIT_HASH_LEN];
            kp_audit_hash(&row, hash);
            last_id = atoll(row.id);
            v->count++;
            if (v->ok && (strcmp(row.prev_hash, prev) != 0 || strcmp(hash, stored) != 0)) {
                v->ok = false;
                v->first_bad_id = last_id;
            }
            /* Go on from the stored hash: one bad row is reported once. */
            snprintf(prev, sizeof prev, "%s", stored);
        }
        snprintf(after, sizeof after, "%lld", last_id);
        PQclear(res);
        if (rows < atoi(VERIFY_BATCH))
            break;
    }
    PGresult *head;
    enum kp_err err = kp_db_exec(db, &SQL_VERIFY_HEAD, NULL, &head);
    if (err)
        return err;
    if (v->ok && strcmp(PQgetvalue(head, 0, 0), prev) != 0) {
        v->ok = false;
        v->first_bad_id = last_id;
    }
    PQclear(head);
    return KP_OK;
}
