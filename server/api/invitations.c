/* Invitation codes (申报邀请码): a recommender makes them for an open batch
 * and sends them to the units it wants to apply.  A code is single-use,
 * revocable while unused, and dies at the batch's recommend deadline.  The
 * public lookup tells the batch and recommender of a code, and is rate
 * limited per address so that codes cannot be enumerated.  A draft batch,
 * and any code of one, is the admin's alone: 404 to everyone else. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cursor.h"
#include "invitecode.h"
#include "ratecheck.h"
#include "validate.h"
#include "views.h"

#define MAX_COUNT 100

static const struct kp_stmt SQL_BATCH = {
    "invitations_batch",
    "SELECT status, now() >= recommend_deadline, " KP_TIME("recommend_deadline")
    "  FROM batches b WHERE id = $1 AND " KP_BATCHSCOPE_SQL("$2"),
    2,
};

/* A collision with an existing code is skipped, and made up for. */
static const struct kp_stmt SQL_INSERT = {
    "invitations_insert",
    "INSERT INTO invitations (code, batch_id, recommender_id)"
    " SELECT unnest($1::text[]), $2, $3 ON CONFLICT (code) DO NOTHING RETURNING code",
    3,
};

static const struct kp_stmt SQL_LIST = {
    "invitations_list",
    "SELECT i.code, " KP_INVITATION_STATUS ", " KP_TIME("b.recommend_deadline") ", " KP_TIME("i.created_at") ","
    "       " KP_TIME("i.used_at") ", u.name, " KP_TIME("i.revoked_at") ","
    "       to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    "  FROM invitations i JOIN batches b ON b.id = i.batch_id"
    "  LEFT JOIN applicant_units u ON u.id = i.used_by"
    " WHERE i.batch_id = $1 AND i.recommender_id = $2"
    "   AND ($3::text IS NULL OR " KP_INVITATION_STATUS " = $3)"
    "   AND ($4::timestamptz IS NULL OR (i.created_at, i.code) < ($4::timestamptz, $5))"
    " ORDER BY i.created_at DESC, i.code DESC LIMIT $6",
    6,
};

static const struct kp_stmt SQL_LOCK = {
    "invitations_lock",
    "SELECT " KP_INVITATION_STATUS ", i.batch_id FROM invitations i JOIN batches b ON b.id = i.batch_id"
    " WHERE i.code = $1 AND i.recommender_id = $2 AND " KP_BATCHSCOPE_SQL("$3") " FOR UPDATE OF i",
    3,
};

static const struct kp_stmt SQL_REVOKE = {
    "invitations_revoke", "UPDATE invitations SET revoked_at = now() WHERE code = $1", 1,
};

static const struct kp_stmt SQL_LOOKUP = {
    "invitations_lookup",
    "SELECT b.id, b.code, b.title, r.name, r.kind, " KP_INVITATION_STATUS
    "  FROM invitations i JOIN batches b ON b.id = i.batch_id"
    "  JOIN recommenders r ON r.id = i.recommender_id WHERE i.code = $1 AND " KP_BATCHSCOPE_SQL("$2"),
    2,
};

static json_t *code_json(const char *code, const char *status, const char *expires_at)
{
    char shown[KP_INVITECODE_SHOWN + 1];
    kp_invitecode_show(code, shown);
    return json_pack("{s:s, s:s, s:s, s:s}", "code", code, "display", shown, "status", status,
                     "expires_at", expires_at);
}

/* ---- POST /api/v1/batches/{id}/invitations ---- */

struct make {
    struct kp_req *r;
    char batch[24], recommender[24];
    long long count;
    bool found;
    enum kp_problem refusal;
    const char *why;
    json_t *items;
};

static enum kp_err make_tx(struct kp_db *db, void *arg)
{
    struct make *m = arg;
    const char *b[] = { m->batch, kp_batchscope_for(kp_req_principal(m->r)) };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH, b, &res);
    if (err)
        return err;
    m->found = PQntuples(res) == 1;
    m->why = NULL;
    char expires[40] = "";
    if (m->found) {
        if (strcmp(PQgetvalue(res, 0, 0), "open") != 0) {
            m->refusal = KP_P_INVALID_STATE;
            m->why = "批次未处于申报阶段，不能生成邀请码";
        } else if (PQgetvalue(res, 0, 1)[0] == 't') {
            m->refusal = KP_P_DEADLINE_PASSED;
            m->why = "推荐已截止，不能再生成邀请码";
        }
        snprintf(expires, sizeof expires, "%s", PQgetvalue(res, 0, 2));
    }
    PQclear(res);
    if (!m->found || m->why)
        return KP_OK;
    json_array_clear(m->items);
    while ((long long)json_array_size(m->items) < m->count) {
        /* "{CODE,CODE,...}": codes are of the alphabet, nothing to quote */
        char list[MAX_COUNT * (KP_INVITECODE_LEN + 1) + 3] = "{";
        long long want = m->count - (long long)json_array_size(m->items);
        for (long long i = 0; i < want; i++) {
            char code[KP_INVITECODE_LEN + 1];
            kp_invitecode_new(code);
            strcat(list, code);
            strcat(list, i + 1 < want ? "," : "}");
        }
        const char *params[] = { list, m->batch, m->recommender };
        if ((err = kp_db_exec(db, &SQL_INSERT, params, &res)))
            return err;
        for (int i = 0; i < PQntuples(res); i++)
            json_array_append_new(m->items, code_json(PQgetvalue(res, i, 0), "unused", expires));
        PQclear(res);
    }
    json_t *data = json_pack("{s:I, s:I}", "batch_id", (json_int_t)atoll(m->batch),
                             "count", (json_int_t)m->count);
    err = kp_req_audit(m->r, db, "invitation.created", "batch", m->batch, data);
    json_decref(data);
    return err;
}

enum kp_err kp_api_invitations_create(struct kp_req *r)
{
    struct make m = { .r = r, .items = json_array() };
    long long batch;
    if (m.items == NULL)
        return KP_E_NOMEM;
    if (!kp_req_param_id(r, "id", &batch)) {
        json_decref(m.items);
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    const struct kp_jfield spec[] = { KP_JINT("count", &m.count, 1, MAX_COUNT), KP_JEND };
    if (!kp_req_take(r, spec)) {
        json_decref(m.items);
        return KP_OK;
    }
    snprintf(m.batch, sizeof m.batch, "%lld", batch);
    snprintf(m.recommender, sizeof m.recommender, "%lld", kp_req_principal(r)->org_id);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, make_tx, &m) : KP_E_NOMEM;
    if (err || !m.found || m.why) {
        json_decref(m.items);
        if (err)
            return err;
        return m.why ? kp_reply_problem(r, m.refusal, m.why) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    return kp_reply_json(r, 201, json_pack("{s:o}", "items", m.items));
}

/* ---- GET /api/v1/batches/{id}/invitations?status&limit&cursor ---- */

struct list {
    struct kp_req *r;
    char batch[24], recommender[24];
    bool found;
    const char *status;
    const char *after_time, *after_code;
    struct kp_page page;
    json_t *items;
    json_t *last;            /* [created_at, code] of the last item */
    bool more;
};

static enum kp_err list_tx(struct kp_db *db, void *arg)
{
    struct list *l = arg;
    const char *b[] = { l->batch, kp_batchscope_for(kp_req_principal(l->r)) };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH, b, &res);
    if (err)
        return err;
    l->found = PQntuples(res) == 1;
    PQclear(res);
    if (!l->found)
        return KP_OK;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", l->page.limit + 1);
    const char *params[] = { l->batch, l->recommender, l->status, l->after_time, l->after_code, limit };
    if ((err = kp_db_exec(db, &SQL_LIST, params, &res)))
        return err;
    json_array_clear(l->items);
    int rows = PQntuples(res);
    l->more = rows > l->page.limit;
    for (int i = 0; i < rows && i < l->page.limit; i++) {
        json_t *item = code_json(PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
        json_object_set_new(item, "created_at", json_string(PQgetvalue(res, i, 3)));
        json_object_set_new(item, "used_at", kp_text_or_null(res, i, 4));
        json_object_set_new(item, "applicant_name", kp_text_or_null(res, i, 5));
        json_object_set_new(item, "revoked_at", kp_text_or_null(res, i, 6));
        json_array_append_new(l->items, item);
        json_decref(l->last);
        l->last = json_pack("[s, s]", PQgetvalue(res, i, 7), PQgetvalue(res, i, 0));
    }
    PQclear(res);
    return KP_OK;
}

static bool valid_status(const char *s)
{
    return !strcmp(s, "unused") || !strcmp(s, "used") || !strcmp(s, "revoked") || !strcmp(s, "expired");
}

enum kp_err kp_api_invitations_list(struct kp_req *r)
{
    struct list l = { .r = r, .status = kp_req_query(r, "status"), .items = json_array() };
    long long batch;
    if (!kp_req_param_id(r, "id", &batch)) {
        json_decref(l.items);
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    snprintf(l.batch, sizeof l.batch, "%lld", batch);
    snprintf(l.recommender, sizeof l.recommender, "%lld", kp_req_principal(r)->org_id);
    json_t *errors = json_array();
    if (l.status != NULL && !valid_status(l.status))
        kp_problem_field(errors, "status", "enum", "应为 unused、used、revoked 或 expired");
    kp_page_parse(kp_req_query(r, "limit"), kp_req_query(r, "cursor"), &l.page, errors);
    if (l.page.after != NULL) {
        l.after_time = json_string_value(json_array_get(l.page.after, 0));
        l.after_code = json_string_value(json_array_get(l.page.after, 1));
        if (json_array_size(l.page.after) != 2 || l.after_time == NULL || l.after_code == NULL ||
            !kp_valid_rfc3339(l.after_time))
            kp_problem_field(errors, "cursor", "invalid", "无效的分页游标");
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
    if (err || !l.found) {
        json_decref(l.items);
        json_decref(l.last);
        return err ? err : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    char *cursor = l.more && l.last ? kp_cursor_encode(l.last) : NULL;
    json_decref(l.last);
    json_t *body = json_pack("{s:o, s:o}", "items", l.items, "next_cursor",
                             cursor ? json_string(cursor) : json_null());
    free(cursor);
    return kp_reply_json(r, 200, body);
}

/* ---- DELETE /api/v1/invitations/{code} ---- */

struct revoke {
    struct kp_req *r;
    char code[KP_INVITECODE_LEN + 1], recommender[24];
    bool found;
    char status[16];
};

static enum kp_err revoke_tx(struct kp_db *db, void *arg)
{
    struct revoke *v = arg;
    const char *params[] = { v->code, v->recommender, kp_batchscope_for(kp_req_principal(v->r)) };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_LOCK, params, &res);
    if (err)
        return err;
    v->found = PQntuples(res) == 1;
    if (v->found)
        snprintf(v->status, sizeof v->status, "%s", PQgetvalue(res, 0, 0));
    json_t *data = v->found ? json_pack("{s:I}", "batch_id", (json_int_t)atoll(PQgetvalue(res, 0, 1)))
                            : NULL;
    PQclear(res);
    if (!v->found || strcmp(v->status, "unused") != 0) {
        json_decref(data);
        return KP_OK;
    }
    const char *code[] = { v->code };
    if ((err = kp_db_exec(db, &SQL_REVOKE, code, &res)) == KP_OK) {
        PQclear(res);
        err = kp_req_audit(v->r, db, "invitation.revoked", "invitation", v->code, data);
    }
    json_decref(data);
    return err;
}

enum kp_err kp_api_invitations_revoke(struct kp_req *r)
{
    struct revoke v = { .r = r };
    if (!kp_invitecode_parse(kp_req_param(r, "code"), v.code))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(v.recommender, sizeof v.recommender, "%lld", kp_req_principal(r)->org_id);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, revoke_tx, &v) : KP_E_NOMEM;
    if (err)
        return err;
    if (!v.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (strcmp(v.status, "unused") != 0) {
        char detail[80];
        snprintf(detail, sizeof detail, "邀请码%s，不能撤销",
                 !strcmp(v.status, "used") ? "已被使用" : !strcmp(v.status, "revoked") ? "已撤销" : "已过期");
        return kp_reply_problem(r, KP_P_INVALID_STATE, detail);
    }
    return kp_reply_empty(r, 204);
}

/* ---- GET /api/v1/invitations/{code}  (public, rate limited) ---- */

/* Counts a public request that names an invitation code (lookup or
 * registration) against the caller's address.  When over the limit the 429
 * is queued and *allowed is false. */
enum kp_err kp_invitations_rate_check(struct kp_req *r, bool *allowed)
{
    const struct kp_config *cfg = kp_req_server(r)->cfg;
    return kp_ratecheck_address(r, "invitation", cfg->invitations.lookup_limit,
                                cfg->invitations.lookup_window, "查询过于频繁，请稍后再试", allowed);
}

struct lookup {
    const char *drafts;          /* kp_batchscope_for the caller */
    char code[KP_INVITECODE_LEN + 1];
    json_t *body;
};

static enum kp_err lookup_tx(struct kp_db *db, void *arg)
{
    struct lookup *l = arg;
    json_decref(l->body);                /* an earlier attempt's */
    l->body = NULL;
    const char *params[] = { l->code, l->drafts };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_LOOKUP, params, &res);
    if (err)
        return err;
    if (PQntuples(res) == 1)
        l->body = json_pack("{s:{s:I, s:s, s:s}, s:{s:s, s:s}, s:s}",
                            "batch", "id", (json_int_t)atoll(PQgetvalue(res, 0, 0)),
                            "code", PQgetvalue(res, 0, 1), "title", PQgetvalue(res, 0, 2),
                            "recommender", "name", PQgetvalue(res, 0, 3), "kind", PQgetvalue(res, 0, 4),
                            "status", PQgetvalue(res, 0, 5));
    PQclear(res);
    return KP_OK;
}

enum kp_err kp_api_invitations_lookup(struct kp_req *r)
{
    bool allowed;
    enum kp_err err = kp_invitations_rate_check(r, &allowed);
    if (err || !allowed)
        return err;
    struct lookup l = { .drafts = kp_batchscope_for(kp_req_principal(r)) };
    if (!kp_invitecode_parse(kp_req_param(r, "code"), l.code))
        return kp_reply_problem(r, KP_P_NOT_FOUND, "邀请码有误，请核对后重新输入");
    struct kp_db *db = kp_req_db(r);
    err = kp_db_tx(db, KP_TX_READ_ONLY, lookup_tx, &l);
    if (err) {
        json_decref(l.body);
        return err;
    }
    return l.body ? kp_reply_json(r, 200, l.body) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
}
