/* The audit trail (admin): every state change, newest first, filtered and
 * keyset-paged; the verification of its hash chain against the signed
 * checkpoints; and the checkpoints themselves, public so that anyone can
 * keep a copy. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "audit.h"
#include "auth.h"
#include "list.h"
#include "log.h"
#include "views.h"

#define AT_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"

static const struct kp_stmt SQL_LIST = {
    "audit_list",
    "SELECT id, to_char(at AT TIME ZONE 'UTC', " AT_FORMAT "), actor_id, actor_role, action,"
    "       entity, entity_id, data::text, request_id, ip"
    "  FROM audit_log"
    " WHERE id < $1"
    "   AND ($2::text IS NULL OR entity = $2)"
    "   AND ($3::text IS NULL OR entity_id = $3)"
    "   AND ($4::bigint IS NULL OR actor_id = $4)"
    "   AND ($5::text IS NULL OR action = $5)"
    " ORDER BY id DESC LIMIT $6",
    6,
};

struct filters {
    const char *entity, *entity_id, *actor_id, *action;
};

static json_t *row_json(PGresult *res, int i)
{
    json_t *data = json_loads(PQgetvalue(res, i, 7), 0, NULL);
    return json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)atoll(PQgetvalue(res, i, 0)), "at", PQgetvalue(res, i, 1),
        "actor_id", PQgetisnull(res, i, 2) ? json_null() : json_integer(atoll(PQgetvalue(res, i, 2))),
        "actor_role", PQgetvalue(res, i, 3), "action", PQgetvalue(res, i, 4),
        "entity", PQgetvalue(res, i, 5), "entity_id", kp_text_or_null(res, i, 6),
        "data", data ? data : json_object(), "request_id", kp_text_or_null(res, i, 8),
        "ip", kp_text_or_null(res, i, 9));
}

static enum kp_err fetch(struct kp_db *db, struct kp_list *l)
{
    const struct filters *f = l->arg;
    const char *params[] = { l->after, f->entity, f->entity_id, f->actor_id, f->action, l->limit };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_LIST, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, row_json);
    PQclear(res);
    return KP_OK;
}

/* Digits only, no sign or leading zero, and small enough for a bigint: a
 * value PostgreSQL would refuse must be a 422 here, not a 500 there. */
static bool positive_bigint(const char *s)
{
    size_t len = strlen(s);
    return len >= 1 && len <= 18 && s[0] >= '1' && s[0] <= '9' && strspn(s, "0123456789") == len;
}

/* GET /api/v1/audit?entity&entity_id&actor_id&action&limit&cursor */
enum kp_err kp_api_audit_list(struct kp_req *r)
{
    struct filters f = {
        .entity = kp_req_query(r, "entity"),
        .entity_id = kp_req_query(r, "entity_id"),
        .actor_id = kp_req_query(r, "actor_id"),
        .action = kp_req_query(r, "action"),
    };
    json_t *errors = json_array();
    if (f.actor_id != NULL && !positive_bigint(f.actor_id))
        kp_problem_field(errors, "actor_id", "type", "应为正整数");
    return kp_list_reply(r, errors, LLONG_MAX, KP_TX_READ_ONLY, fetch, &f);
}

struct verify {
    const struct kp_keyring *keys;
    struct kp_audit_verdict v;
};

static enum kp_err verify_tx(struct kp_db *db, void *arg)
{
    struct verify *x = arg;
    return kp_audit_verify(db, x->keys, &x->v);
}

/* GET /api/v1/audit/verify */
enum kp_err kp_api_audit_verify(struct kp_req *r)
{
    struct verify x = { .keys = &kp_req_server(r)->keys };
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, verify_tx, &x) : KP_E_NOMEM;
    if (err)
        return err;
    const struct kp_audit_verdict *v = &x.v;
    return kp_reply_json(r, 200, json_pack("{s:b, s:I, s:o, s:b, s:I, s:o}", "ok", v->ok,
        "count", (json_int_t)v->count,
        "first_bad_id", v->first_bad_id ? json_integer(v->first_bad_id) : json_null(),
        "checkpoints_ok", v->checkpoints_ok, "checkpoints", (json_int_t)v->checkpoints,
        "problem", v->problem[0] ? json_string(v->problem) : json_null()));
}

/* ---- checkpoints ---- */

static json_t *checkpoint_json(const struct kp_checkpoint *cp)
{
    return json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)cp->id,
                     "last_audit_id", (json_int_t)cp->last_audit_id, "count", (json_int_t)cp->count,
                     "head_hash", cp->head_hash, "at", cp->at, "key_id", cp->key_id,
                     "signature", cp->signature);
}

struct make {
    struct kp_req *r;
    struct kp_checkpoint cp;
};

/* The audit row of the making comes first, so the checkpoint covers it. */
static enum kp_err make_tx(struct kp_db *db, void *arg)
{
    struct make *m = arg;
    long long id;
    enum kp_err err = kp_checkpoint_reserve_id(db, &id);
    if (err)
        return err;
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%lld", id);
    err = kp_req_audit(m->r, db, "audit.checkpoint_created", "audit_checkpoint", id_text, NULL);
    bool made;
    if (err == KP_OK)
        err = kp_checkpoint_make(db, &kp_req_server(m->r)->keys.signer, id, false, &m->cp, &made);
    return err;
}

/* POST /api/v1/audit/checkpoints */
enum kp_err kp_api_audit_checkpoint_create(struct kp_req *r)
{
    if (!kp_req_server(r)->keys.can_sign)
        return kp_reply_problem(r, KP_P_UNAVAILABLE,
                                "未配置签名密钥（crypto.signing_key），无法生成审计检查点");
    struct make m = { .r = r };
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, make_tx, &m) : KP_E_NOMEM;
    if (err)
        return err;
    return kp_reply_json(r, 201, checkpoint_json(&m.cp));
}

static const struct kp_stmt SQL_CHECKPOINTS = {
    "audit_checkpoints_list",
    "SELECT id, last_audit_id, count, head_hash,"
    "       to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), key_id, signature"
    "  FROM audit_checkpoints WHERE id < $1 ORDER BY id DESC LIMIT $2",
    2,
};

static json_t *checkpoint_row(PGresult *res, int i)
{
    struct kp_checkpoint cp = {
        .id = atoll(PQgetvalue(res, i, 0)),
        .last_audit_id = atoll(PQgetvalue(res, i, 1)),
        .count = atoll(PQgetvalue(res, i, 2)),
    };
    snprintf(cp.head_hash, sizeof cp.head_hash, "%s", PQgetvalue(res, i, 3));
    snprintf(cp.at, sizeof cp.at, "%s", PQgetvalue(res, i, 4));
    snprintf(cp.key_id, sizeof cp.key_id, "%s", PQgetvalue(res, i, 5));
    snprintf(cp.signature, sizeof cp.signature, "%s", PQgetvalue(res, i, 6));
    return checkpoint_json(&cp);
}

static enum kp_err fetch_checkpoints(struct kp_db *db, struct kp_list *l)
{
    const char *params[] = { l->after, l->limit };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_CHECKPOINTS, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, checkpoint_row);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/public/audit/checkpoints?limit&cursor (newest first) */
enum kp_err kp_api_audit_checkpoints_list(struct kp_req *r)
{
    return kp_list_reply(r, json_array(), LLONG_MAX, KP_TX_READ_ONLY, fetch_checkpoints, NULL);
}

/* ---- the periodic checkpoint (a housekeeping task) ---- */

unsigned kp_audit_checkpoint_every(const struct kp_config *cfg)
{
    return cfg->audit.checkpoint_interval ? cfg->audit.checkpoint_interval : 3600;
}

struct periodic {
    const struct kp_signing_key *key;
    struct kp_checkpoint cp;
    bool made;
};

/* Not audited: the system's own routine, and a row per checkpoint would
 * always leave something new to checkpoint. */
static enum kp_err periodic_tx(struct kp_db *db, void *arg)
{
    struct periodic *p = arg;
    return kp_checkpoint_make(db, p->key, 0, true, &p->cp, &p->made);
}

enum kp_err kp_audit_checkpoint_periodic(struct kp_server *srv, struct kp_db *db)
{
    if (!srv->keys.can_sign || srv->cfg->audit.checkpoint_interval == 0)
        return KP_OK;
    struct periodic p = { .key = &srv->keys.signer };
    enum kp_err err = kp_db_tx(db, KP_TX_AUDITED, periodic_tx, &p);
    if (err == KP_OK && p.made)
        kp_info("housekeeping: audit checkpoint %lld signed (%lld rows, up to row %lld)", p.cp.id,
                p.cp.count, p.cp.last_audit_id);
    return err;
}
