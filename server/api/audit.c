/* The audit trail (admin): every state change, newest first, filtered and
 * keyset-paged; and the verification of its hash chain. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "audit.h"
#include "list.h"
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

static enum kp_err verify_tx(struct kp_db *db, void *arg)
{
    return kp_audit_verify(db, arg);
}

/* GET /api/v1/audit/verify */
enum kp_err kp_api_audit_verify(struct kp_req *r)
{
    struct kp_audit_verdict v;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, verify_tx, &v) : KP_E_NOMEM;
    if (err)
        return err;
    return kp_reply_json(r, 200, json_pack("{s:b, s:I, s:o}", "ok", v.ok, "count", (json_int_t)v.count,
                                           "first_bad_id", v.ok ? json_null()
                                                                : json_integer(v.first_bad_id)));
}
