#include <assert.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "signing.h"

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

/* The head's hash is the new row's prev_hash.  Appends take turns
 * (KP_TX_AUDITED: lib/store/db.c waits for the turn before BEGIN), so this
 * transaction's snapshot already holds the previous append and the head it
 * reads is the newest: ids are taken in turn, so id order is chain order.
 * Without the turn the chain would still hold (SERIALIZABLE: of two
 * appends from the same head, the trigger's update of audit_head lets only
 * one commit), at the price of the other's retry. */
static const struct kp_stmt SQL_HEAD = {
    "audit_head",
    "SELECT last_hash, nextval('audit_log_id_seq'),"
    "       to_char(now() AT TIME ZONE 'UTC', " AT_FORMAT ")"
    "  FROM audit_head",
    0,
};

/* The trigger audit_log_advance_head moves audit_head to this row. */
static const struct kp_stmt SQL_APPEND = {
    "audit_append",
    "INSERT INTO audit_log (id, at, actor_id, actor_role, action, entity, entity_id, data,"
    "                       request_id, ip, prev_hash, hash)"
    "  VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8::json, $9, $10, $11, $12)",
    12,
};

enum kp_err kp_audit_append(struct kp_db *db, const struct kp_actor *actor, const char *action,
                            const char *entity, const char *entity_id, const json_t *data)
{
    assert(kp_db_holds_turn(db));      /* the caller's kp_db_tx says KP_TX_AUDITED */
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

/* n new ids in chain order, the head's hash and the time. */
static const struct kp_stmt SQL_HEAD_MANY = {
    "audit_head_many",
    "SELECT h.last_hash, i.id, to_char(now() AT TIME ZONE 'UTC', " AT_FORMAT ")"
    "  FROM audit_head h,"
    "       (SELECT nextval('audit_log_id_seq') AS id FROM generate_series(1, $1::int)) i"
    " ORDER BY i.id",
    1,
};

/* The rows in id order, so that the trigger moves the head along the chain. */
static const struct kp_stmt SQL_APPEND_MANY = {
    "audit_append_many",
    "INSERT INTO audit_log (id, at, actor_id, actor_role, action, entity, entity_id, data,"
    "                       request_id, ip, prev_hash, hash)"
    " SELECT x.id, $1::timestamptz, $2, $3, $4, $5, x.entity_id, x.data::json, $6, $7,"
    "        x.prev_hash, x.hash"
    "   FROM json_to_recordset($8::json)"
    "        AS x(id bigint, entity_id text, data text, prev_hash text, hash text)"
    "  ORDER BY x.id",
    8,
};

/* Each row's hash links it to the one before: [{"id","entity_id","data","prev_hash","hash"}]. */
static json_t *chain_rows(PGresult *head, const struct kp_actor *actor, const char *actor_id,
                          const char *action, const char *entity, const char *const *entity_ids,
                          const json_t *const *data, size_t n)
{
    json_t *rows = json_array();
    char prev[KP_AUDIT_HASH_LEN];
    snprintf(prev, sizeof prev, "%s", PQgetvalue(head, 0, 0));
    for (size_t i = 0; i < n && rows != NULL; i++) {
        char *text = data[i] ? json_dumps(data[i], JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
        if (text == NULL) {
            json_decref(rows);
            return NULL;
        }
        struct kp_audit_row row = {
            .id = PQgetvalue(head, (int)i, 1),
            .at = PQgetvalue(head, 0, 2),
            .actor_id = actor_id,
            .actor_role = actor->role,
            .action = action,
            .entity = entity,
            .entity_id = entity_ids[i],
            .data = text,
            .request_id = actor->request_id,
            .ip = actor->ip,
            .prev_hash = prev,
        };
        char hash[KP_AUDIT_HASH_LEN];
        kp_audit_hash(&row, hash);
        if (json_array_append_new(rows, json_pack("{s:I, s:s?, s:s, s:s, s:s}", "id",
                                                  (json_int_t)atoll(row.id), "entity_id",
                                                  row.entity_id, "data", text, "prev_hash", prev,
                                                  "hash", hash)) != 0) {
            json_decref(rows);
            rows = NULL;
        }
        free(text);
        memcpy(prev, hash, sizeof prev);
    }
    return rows;
}

enum kp_err kp_audit_append_many(struct kp_db *db, const struct kp_actor *actor, const char *action,
                                 const char *entity, const char *const *entity_ids,
                                 const json_t *const *data, size_t n)
{
    assert(kp_db_holds_turn(db));
    assert(n <= INT_MAX);
    if (n == 0)
        return KP_OK;
    char count[24];
    snprintf(count, sizeof count, "%zu", n);
    const char *head_params[] = { count };
    PGresult *head;
    enum kp_err err = kp_db_exec(db, &SQL_HEAD_MANY, head_params, &head);
    if (err)
        return err;
    assert((size_t)PQntuples(head) == n);
    char actor_id[24];
    snprintf(actor_id, sizeof actor_id, "%lld", actor->user_id);
    json_t *rows = chain_rows(head, actor, actor->user_id ? actor_id : NULL, action, entity,
                              entity_ids, data, n);
    char *text = rows ? json_dumps(rows, JSON_COMPACT) : NULL;
    json_decref(rows);
    if (text == NULL) {
        PQclear(head);
        return KP_E_NOMEM;
    }
    const char *params[] = { PQgetvalue(head, 0, 2), actor->user_id ? actor_id : NULL, actor->role,
                             action, entity, actor->request_id, actor->ip, text };
    PGresult *res;
    err = kp_db_exec(db, &SQL_APPEND_MANY, params, &res);
    if (err == KP_OK)
        PQclear(res);
    free(text);
    PQclear(head);
    return err;
}

/* ---- signed checkpoints ------------------------------------------------ */

char *kp_checkpoint_canonical(const char *at, long long count, const char *head_hash,
                              long long last_audit_id)
{
    json_t *payload = json_pack("{s:s, s:I, s:s, s:I}", "at", at, "count", (json_int_t)count,
                                "head_hash", head_hash, "last_audit_id", (json_int_t)last_audit_id);
    char *text = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(payload);
    return text;
}

#define CP_AT_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"   /* whole seconds, as signed */

static const struct kp_stmt SQL_CP_ID = {
    "audit_checkpoint_id", "SELECT nextval('audit_checkpoints_id_seq')", 0,
};

/* The head as this transaction sees it, and the newest row already
 * checkpointed (-1: none). */
static const struct kp_stmt SQL_CP_STATE = {
    "audit_checkpoint_state",
    "SELECT h.last_id, h.count, h.last_hash, to_char(now() AT TIME ZONE 'UTC', " CP_AT_FORMAT "),"
    "       coalesce((SELECT max(last_audit_id) FROM audit_checkpoints), -1)"
    "  FROM audit_head h",
    0,
};

static const struct kp_stmt SQL_CP_INSERT = {
    "audit_checkpoint_insert",
    "INSERT INTO audit_checkpoints (id, last_audit_id, count, head_hash, at, key_id, signature)"
    " VALUES (coalesce($1::bigint, nextval('audit_checkpoints_id_seq')), $2, $3, $4,"
    "         $5::timestamptz, $6, $7)"
    " RETURNING id",
    7,
};

enum kp_err kp_checkpoint_reserve_id(struct kp_db *db, long long *id)
{
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_CP_ID, NULL, &res);
    if (err)
        return err;
    *id = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return KP_OK;
}

enum kp_err kp_checkpoint_make(struct kp_db *db, const struct kp_signing_key *key, long long id,
                               bool only_if_new, struct kp_checkpoint *cp, bool *made)
{
    *made = false;
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_CP_STATE, NULL, &res);
    if (err)
        return err;
    cp->last_audit_id = atoll(PQgetvalue(res, 0, 0));
    cp->count = atoll(PQgetvalue(res, 0, 1));
    snprintf(cp->head_hash, sizeof cp->head_hash, "%s", PQgetvalue(res, 0, 2));
    snprintf(cp->at, sizeof cp->at, "%s", PQgetvalue(res, 0, 3));
    bool nothing_new = atoll(PQgetvalue(res, 0, 4)) == cp->last_audit_id;
    PQclear(res);
    if (only_if_new && nothing_new)
        return KP_OK;
    char *payload = kp_checkpoint_canonical(cp->at, cp->count, cp->head_hash, cp->last_audit_id);
    if (payload == NULL)
        return KP_E_NOMEM;
    kp_sign(key, payload, strlen(payload), cp->signature);
    free(payload);
    snprintf(cp->key_id, sizeof cp->key_id, "%s", key->pub.id);
    char id_text[24], last[24], count[24];
    snprintf(id_text, sizeof id_text, "%lld", id);
    snprintf(last, sizeof last, "%lld", cp->last_audit_id);
    snprintf(count, sizeof count, "%lld", cp->count);
    const char *params[] = { id > 0 ? id_text : NULL, last, count, cp->head_hash, cp->at,
                             cp->key_id, cp->signature };
    err = kp_db_exec(db, &SQL_CP_INSERT, params, &res);
    if (err)
        return err;
    cp->id = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    *made = true;
    return KP_OK;
}

/* ---- verification ------------------------------------------------------ */

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

/* Checkpoints in the order the walk meets the rows they name. */
static const struct kp_stmt SQL_VERIFY_CHECKPOINTS = {
    "audit_verify_checkpoints",
    "SELECT id, last_audit_id, count, head_hash, to_char(at AT TIME ZONE 'UTC', " CP_AT_FORMAT "),"
    "       key_id, signature"
    "  FROM audit_checkpoints WHERE (last_audit_id, id) > ($1, $2)"
    " ORDER BY last_audit_id, id LIMIT " VERIFY_BATCH,
    2,
};

static const char *field(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* Notes the first problem found; a later one changes nothing. */
__attribute__((format(printf, 2, 3)))
static void problem(struct kp_audit_verdict *v, const char *fmt, ...)
{
    if (v->problem[0] != '\0')
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->problem, sizeof v->problem, fmt, ap);
    va_end(ap);
}

/* The checkpoints, a page at a time, next to the walk over the rows. */
struct cp_walk {
    struct kp_db *db;
    const struct kp_keyring *ring;
    struct kp_audit_verdict *v;
    PGresult *page;
    int i, rows;
    char after_last[24], after_id[24];
};

/* Whether a checkpoint is left; fetches the next page when needed. */
static enum kp_err cp_peek(struct cp_walk *w, bool *have)
{
    if (w->page != NULL && w->i < w->rows) {
        *have = true;
        return KP_OK;
    }
    bool full = w->page != NULL && w->rows == atoi(VERIFY_BATCH);
    if (w->page != NULL) {
        PQclear(w->page);
        w->page = NULL;
        if (!full) {
            *have = false;
            return KP_OK;
        }
    }
    const char *params[] = { w->after_last, w->after_id };
    enum kp_err err = kp_db_exec(w->db, &SQL_VERIFY_CHECKPOINTS, params, &w->page);
    if (err)
        return err;
    w->i = 0;
    w->rows = PQntuples(w->page);
    *have = w->rows > 0;
    return KP_OK;
}

static void cp_fail(struct cp_walk *w)
{
    w->v->checkpoints_ok = false;
}

/* Checks the current checkpoint against the row it names: `hash` is that
 * row's stored hash, NULL when the row is missing; `count` the rows up to
 * it; `last_row` the newest row the walk has seen. */
static enum kp_err cp_check(struct cp_walk *w, const char *hash, long long count, long long last_row)
{
    PGresult *p = w->page;
    int i = w->i;
    long long id = atoll(PQgetvalue(p, i, 0)), last = atoll(PQgetvalue(p, i, 1));
    long long signed_count = atoll(PQgetvalue(p, i, 2));
    const char *head_hash = PQgetvalue(p, i, 3), *key_id = PQgetvalue(p, i, 5);
    snprintf(w->after_last, sizeof w->after_last, "%lld", last);
    snprintf(w->after_id, sizeof w->after_id, "%lld", id);
    w->v->checkpoints++;
    char *payload = kp_checkpoint_canonical(PQgetvalue(p, i, 4), signed_count, head_hash, last);
    if (payload == NULL)
        return KP_E_NOMEM;
    const struct kp_public_key *key = kp_keyring_find(w->ring, key_id);
    bool signed_ok = key && kp_sign_verify(key, payload, strlen(payload), PQgetvalue(p, i, 6));
    free(payload);
    struct kp_audit_verdict *v = w->v;
    if (key == NULL) {
        cp_fail(w);
        problem(v, "检查点 %lld 的密钥 %s 未知（应列于 crypto.signing_key 或 crypto.retired_keys）",
                id, key_id);
    } else if (!signed_ok) {
        cp_fail(w);
        problem(v, "检查点 %lld 的签名不符：检查点被改动", id);
    } else if (hash == NULL && last > last_row) {
        cp_fail(w);
        problem(v, "检查点 %lld 记录到第 %lld 行，日志却止于第 %lld 行：末尾的行被删除", id, last,
                last_row);
    } else if (hash == NULL) {
        cp_fail(w);
        problem(v, "检查点 %lld 记录的第 %lld 行已不存在：行被删除", id, last);
    } else if (strcmp(hash, head_hash) != 0) {
        cp_fail(w);
        problem(v, "第 %lld 行的哈希与检查点 %lld 不符：此行或之前的行被改写", last, id);
    } else if (count != signed_count) {
        cp_fail(w);
        problem(v, "检查点 %lld 记录至第 %lld 行共 %lld 行，现有 %lld 行：行被删除或插入", id, last,
                signed_count, count);
    }
    return KP_OK;
}

/* Checks every checkpoint that names a row up to `id` (the walk's current
 * row, with its stored hash and the count up to it). */
static enum kp_err cp_reach(struct cp_walk *w, long long id, const char *hash, long long count,
                            long long last_row)
{
    for (;;) {                        /* bounded by the checkpoints */
        bool have;
        enum kp_err err = cp_peek(w, &have);
        if (err || !have)
            return err;
        long long last = atoll(PQgetvalue(w->page, w->i, 1));
        if (last > id)
            return KP_OK;
        err = cp_check(w, last == id ? hash : NULL, count, last_row);
        if (err)
            return err;
        w->i++;
    }
}

static void chain_bad(struct kp_audit_verdict *v, long long id, const char *why)
{
    if (v->first_bad_id != 0)
        return;
    v->first_bad_id = id;
    problem(v, "第 %lld 行%s", id, why);
}

/* The chain, page by page; each row is held against its checkpoints. */
static enum kp_err walk_rows(struct kp_db *db, struct cp_walk *w, char prev[KP_AUDIT_HASH_LEN],
                             long long *last_id)
{
    struct kp_audit_verdict *v = w->v;
    char after[24] = "0";
    for (;;) {
        const char *params[] = { after };
        PGresult *res;
        enum kp_err err = kp_db_exec(db, &SQL_VERIFY_PAGE, params, &res);
        if (err)
            return err;
        int rows = PQntuples(res);
        for (int i = 0; i < rows && err == KP_OK; i++) {
            struct kp_audit_row row = {
                field(res, i, 0), field(res, i, 1), field(res, i, 2), field(res, i, 3),
                field(res, i, 4), field(res, i, 5), field(res, i, 6), field(res, i, 7),
                field(res, i, 8), field(res, i, 9), field(res, i, 10),
            };
            const char *stored = PQgetvalue(res, i, 11);   /* hash is NOT NULL */
            char hash[KP_AUDIT_HASH_LEN];
            kp_audit_hash(&row, hash);
            *last_id = atoll(row.id);
            v->count++;
            if (strcmp(row.prev_hash, prev) != 0)
                chain_bad(v, *last_id, "不接前一行的哈希：行被删除、插入或改写");
            else if (strcmp(hash, stored) != 0)
                chain_bad(v, *last_id, "的内容与其哈希不符：此行被改写");
            /* Go on from the stored hash: one bad row is reported once. */
            snprintf(prev, KP_AUDIT_HASH_LEN, "%s", stored);
            err = cp_reach(w, *last_id, stored, v->count, *last_id);
        }
        snprintf(after, sizeof after, "%lld", *last_id);
        PQclear(res);
        if (err)
            return err;
        if (rows < atoi(VERIFY_BATCH))
            return KP_OK;
    }
}

enum kp_err kp_audit_verify(struct kp_db *db, const struct kp_keyring *ring,
                            struct kp_audit_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->checkpoints_ok = true;
    struct cp_walk w = { .db = db, .ring = ring, .v = v, .after_last = "-1", .after_id = "0" };
    char prev[KP_AUDIT_HASH_LEN] = "";
    long long last_id = 0;
    enum kp_err err = cp_reach(&w, 0, "", 0, 0);   /* checkpoints of an empty log */
    if (err == KP_OK)
        err = walk_rows(db, &w, prev, &last_id);
    if (err == KP_OK)                               /* what is left names removed rows */
        err = cp_reach(&w, LLONG_MAX, NULL, v->count, last_id);
    PQclear(w.page);
    if (err)
        return err;
    PGresult *head;
    err = kp_db_exec(db, &SQL_VERIFY_HEAD, NULL, &head);
    if (err)
        return err;
    if (v->first_bad_id == 0 && strcmp(PQgetvalue(head, 0, 0), prev) != 0 && last_id > 0)
        chain_bad(v, last_id, "之后的行被删除：链尾与 audit_head 不符");
    else if (v->first_bad_id == 0 && strcmp(PQgetvalue(head, 0, 0), prev) != 0)
        problem(v, "日志为空，audit_head 却不是空链：行被删除");
    PQclear(head);
    v->ok = v->first_bad_id == 0 && v->problem[0] == '\0';
    return KP_OK;
}
