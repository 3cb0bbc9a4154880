/* The audit trail (admin): every state change, newest first, filtered and
 * keyset-paged; and the verification of its hash chain. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "audit.h"
#include "cursor.h"

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

struct list {
    const char *entity, *entity_id, *actor_id, *action;
    struct kp_page page;
    json_t *items;
    long long last_id;
    bool more;
};

static json_t *text_or_null(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

static enum kp_err list_tx(struct kp_db *db, void *arg)
{
    struct list *l = arg;
    char before[24], limit[16];
    snprintf(before, sizeof before, "%lld", kp_page_after_id(&l->page, LLONG_MAX));
    snprintf(limit, sizeof limit, "%d", l->page.limit + 1);
    const char *params[] = { before, l->entity, l->entity_id, l->actor_id, l->action, limit };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_LIST, params, &res);
    if (err)
        return err;
    json_array_clear(l->items);
    int rows = PQntuples(res);
    l->more = rows > l->page.limit;
    for (int i = 0; i < rows && i < l->page.limit; i++) {
        l->last_id = atoll(PQgetvalue(res, i, 0));
        json_t *data = json_loads(PQgetvalue(res, i, 7), 0, NULL);
        json_array_append_new(l->items, json_pack(
            "{s:I, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o}",
            "id", (json_int_t)l->last_id, "at", PQgetvalue(res, i, 1),
            "actor_id", PQgetisnull(res, i, 2) ? json_null() : json_integer(atoll(PQgetvalue(res, i, 2))),
            "actor_role", PQgetvalue(res, i, 3), "action", PQgetvalue(res, i, 4),
            "entity", PQgetvalue(res, i, 5), "entity_id", text_or_null(res, i, 6),
            "data", data ? data : json_object(), "request_id", text_or_null(res, i, 8),
            "ip", text_or_null(res, i, 9)));
    }
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/audit?entity&entity_id&actor_id&action&limit&cursor */
enum kp_err kp_api_audit_list(struct kp_req *r)
{
    struct list l = {
        .entity = kp_req_query(r, "entity"),
        .entity_id = kp_req_query(r, "entity_id"),
        .actor_id = kp_req_query(r, "actor_id"),
        .action = kp_req_query(r, "action"),
        .items = json_array(),
    };
    json_t *errors = json_array();
    if (l.items == NULL || errors == NULL) {
        json_decref(l.items);
        json_decref(errors);
        return KP_E_NOMEM;
    }
    kp_page_parse_id(kp_req_query(r, "limit"), kp_req_query(r, "cursor"), &l.page, errors);
    if (l.actor_id != NULL) {
        char *end;
        long long v = strtoll(l.actor_id, &end, 10);
        if (*l.actor_id == '\0' || *end != '\0' || v < 1)
            kp_problem_field(errors, "actor_id", "type", "应为正整数");
    }
    if (json_array_size(errors) > 0) {
        kp_page_free(&l.page);
        json_decref(l.items);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    json_decref(errors);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, list_tx, &l) : KP_E_NOMEM;
    kp_page_free(&l.page);
    if (err) {
        json_decref(l.items);
        return err;
    }
    return kp_reply_json(r, 200, json_pack("{s:o, s:o}", "items", l.items, "next_cursor",
                                           kp_page_next_id(l.more, l.last_id)));
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
