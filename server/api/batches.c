/* Batches: a recognition round with its term and deadlines (the unit
 * submission deadline optional: NULL, no deadline but the recommend one's).  The admin
 * creates and edits them; every signed-in role reads them.  The status moves
 * one step forward at a time; moving to `evaluating` expires every
 * application still in draft, submitted or returned (逾期未报，按自愿放弃). */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "batch.h"
#include "list.h"
#include "validate.h"
#include "views.h"

static const struct kp_stmt SQL_INSERT = {
    "batches_insert",
    "INSERT INTO batches AS b (code, title, term_start_year, term_end_year, contact_deadline,"
    "                     recommend_deadline, submit_deadline)"
    " VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7::timestamptz)"
    " RETURNING " KP_BATCH_COLUMNS,
    7,
};

/* A batch in draft is the admin's work in progress: only the admin sees it. */
static const struct kp_stmt SQL_GET = {
    "batches_get",
    "SELECT " KP_BATCH_COLUMNS " FROM batches b WHERE id = $1 AND " KP_BATCHSCOPE_SQL("$2"),
    2,
};

static const struct kp_stmt SQL_LOCK = {
    "batches_lock", "SELECT status FROM batches WHERE id = $1 FOR UPDATE", 1,
};

static const struct kp_stmt SQL_LIST = {
    "batches_list",
    "SELECT " KP_BATCH_COLUMNS " FROM batches b"
    " WHERE id < $1 AND ($2::text IS NULL OR status = $2)"
    "   AND ($3::text IS NULL OR strpos(code, $3) > 0 OR strpos(title, $3) > 0)"
    "   AND " KP_BATCHSCOPE_SQL("$5")
    " ORDER BY id DESC LIMIT $4",
    5,
};

/* Absent fields keep their value; submit_deadline is set when $9, to $10
 * (null clears it). */
static const struct kp_stmt SQL_UPDATE = {
    "batches_update",
    "UPDATE batches b SET code = coalesce($2, code), title = coalesce($3, title),"
    "   term_start_year = coalesce($4::int, term_start_year),"
    "   term_end_year = coalesce($5::int, term_end_year),"
    "   contact_deadline = coalesce($6::timestamptz, contact_deadline),"
    "   recommend_deadline = coalesce($7::timestamptz, recommend_deadline),"
    "   status = coalesce($8, status),"
    "   submit_deadline = CASE WHEN $9 THEN $10::timestamptz ELSE submit_deadline END"
    " WHERE id = $1 RETURNING " KP_BATCH_COLUMNS,
    10,
};

static const struct kp_stmt SQL_EXPIRE = {
    "batches_expire_applications",
    "WITH old AS (SELECT id, status FROM applications"
    "              WHERE batch_id = $1 AND status IN ('draft', 'submitted', 'returned') FOR UPDATE)"
    "UPDATE applications a SET status = 'expired', updated_at = now(), version = version + 1"
    "  FROM old WHERE a.id = old.id RETURNING a.id, old.status",
    1,
};

/* The fields of a batch as sent: every one a string or integer, all
 * optional (create checks that the required ones are there); a null
 * submit_deadline (NULL with has_submit) means none. */
struct fields {
    const char *code, *title, *contact_deadline, *recommend_deadline, *submit_deadline, *status;
    long long start, end;
    bool has_code, has_title, has_start, has_end, has_contact, has_recommend, has_submit, has_status;
};

static bool take_fields(struct kp_req *r, struct fields *f, bool create)
{
    const struct kp_jfield spec[] = {
        KP_JOPTIONAL("code", KP_J_STRING, &f->code, 1, 64, &f->has_code),
        KP_JOPTIONAL("title", KP_J_STRING, &f->title, 1, 200, &f->has_title),
        KP_JOPTIONAL("term_start_year", KP_J_INT, &f->start, 2000, 2100, &f->has_start),
        KP_JOPTIONAL("term_end_year", KP_J_INT, &f->end, 2000, 2110, &f->has_end),
        KP_JOPTIONAL("contact_deadline", KP_J_STRING, &f->contact_deadline, 1, 40, &f->has_contact),
        KP_JOPTIONAL("recommend_deadline", KP_J_STRING, &f->recommend_deadline, 1, 40, &f->has_recommend),
        KP_JNULLABLE("submit_deadline", KP_J_STRING, &f->submit_deadline, 1, 40, &f->has_submit),
        KP_JOPTIONAL("status", KP_J_STRING, &f->status, 1, 20, &f->has_status),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return false;
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    if (create) {
        const char *required[] = { "code", "title", "term_start_year", "term_end_year",
                                   "contact_deadline", "recommend_deadline" };
        const bool given[] = { f->has_code, f->has_title, f->has_start, f->has_end,
                               f->has_contact, f->has_recommend };
        for (size_t i = 0; i < 6; i++)
            if (!given[i] && json_object_get(kp_req_json(r), required[i]) == NULL)
                kp_problem_field(errors, required[i], "required", "必填");
        if (f->has_status)
            kp_problem_field(errors, "status", "unknown", "新批次的状态总是 draft");
    }
    if (f->has_contact && f->contact_deadline && !kp_valid_rfc3339(f->contact_deadline))
        kp_problem_field(errors, "contact_deadline", "format", "应为 RFC 3339 时间，如 2021-10-25T16:00:00Z");
    if (f->has_recommend && f->recommend_deadline && !kp_valid_rfc3339(f->recommend_deadline))
        kp_problem_field(errors, "recommend_deadline", "format", "应为 RFC 3339 时间，如 2021-11-10T16:00:00Z");
    if (f->has_submit && f->submit_deadline && !kp_valid_rfc3339(f->submit_deadline))
        kp_problem_field(errors, "submit_deadline", "format", "应为 RFC 3339 时间，如 2021-11-05T16:00:00Z");
    enum kp_batch_status st;
    if (f->has_status && f->status && !kp_batch_status_parse(f->status, &st))
        kp_problem_field(errors, "status", "enum", "应为 draft、open、evaluating、publicity 或 closed");
    if (json_array_size(errors) > 0) {
        kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
        return false;
    }
    json_decref(errors);
    return true;
}

/* A taken code is 409; a check constraint names what is wrong with the
 * combination of fields (422); anything else goes to the dispatcher. */
static enum kp_err reply_failure(struct kp_req *r, struct kp_db *db, enum kp_err err)
{
    json_t *errors;
    switch (err) {
    case KP_E_DB_UNIQUE:
        errors = json_array();
        kp_problem_field(errors, "code", "taken", "批次编号已存在");
        return kp_reply_problem_errors(r, KP_P_CONFLICT, "批次编号已存在", errors);
    case KP_E_DB_CHECK:
        errors = json_array();
        if (strcmp(kp_db_last_constraint(db), "batches_deadlines") == 0)
            kp_problem_field(errors, "recommend_deadline", "order", "推荐截止时间不能早于联系人报送截止时间");
        else if (strcmp(kp_db_last_constraint(db), "batches_submit_deadline") == 0)
            kp_problem_field(errors, "submit_deadline", "order", "单位提交截止时间应早于推荐截止时间");
        else
            kp_problem_field(errors, "term_end_year", "range", "任期结束年份应在开始年份到其后 10 年之间");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    default:
        return err;
    }
}

struct one {
    struct kp_req *r;
    long long id;
    struct fields f;
    json_t *batch;
    bool found;
    const char *refusal;         /* why a status change is refused */
    int expired;
    int fast_tracked;
};

static enum kp_err create_tx(struct kp_db *db, void *arg)
{
    struct one *o = arg;
    char start[16], end[16];
    snprintf(start, sizeof start, "%lld", o->f.start);
    snprintf(end, sizeof end, "%lld", o->f.end);
    const char *params[] = { o->f.code, o->f.title, start, end, o->f.contact_deadline,
                             o->f.recommend_deadline, o->f.submit_deadline };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_INSERT, params, &res);
    if (err)
        return err;
    json_decref(o->batch);
    o->batch = kp_batch_json(res, 0);
    PQclear(res);
    char id[24];
    return kp_req_audit(o->r, db, "batch.created", "batch", kp_json_id(o->batch, id), o->batch);
}

/* POST /api/v1/batches */
enum kp_err kp_api_batches_create(struct kp_req *r)
{
    struct one o = { .r = r };
    if (!take_fields(r, &o.f, true))
        return KP_OK;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, create_tx, &o) : KP_E_NOMEM;
    if (err) {
        json_decref(o.batch);
        return reply_failure(r, db, err);
    }
    return kp_reply_json(r, 201, o.batch);
}

static enum kp_err get_tx(struct kp_db *db, void *arg)
{
    struct one *o = arg;
    char id[24];
    snprintf(id, sizeof id, "%lld", o->id);
    const char *params[] = { id, kp_batchscope_for(kp_req_principal(o->r)) };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_GET, params, &res);
    if (err)
        return err;
    o->found = PQntuples(res) == 1;
    if (o->found)
        o->batch = kp_batch_json(res, 0);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/batches/{id} */
enum kp_err kp_api_batches_get(struct kp_req *r)
{
    struct one o = { .r = r };
    if (!kp_req_param_id(r, "id", &o.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, get_tx, &o) : KP_E_NOMEM;
    if (err)
        return err;
    return o.found ? kp_reply_json(r, 200, o.batch) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
}

struct filters {
    const char *status, *q, *admin;
};

static enum kp_err fetch(struct kp_db *db, struct kp_list *l)
{
    const struct filters *f = l->arg;
    const char *params[] = { l->after, f->status, f->q, l->limit, f->admin };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_LIST, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, kp_batch_json);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/batches?status&q&limit&cursor */
enum kp_err kp_api_batches_list(struct kp_req *r)
{
    struct filters f = { .status = kp_req_query(r, "status"), .q = kp_req_query(r, "q"),
                         .admin = kp_batchscope_for(kp_req_principal(r)) };
    json_t *errors = json_array();
    enum kp_batch_status st;
    if (f.status != NULL && !kp_batch_status_parse(f.status, &st))
        kp_problem_field(errors, "status", "enum", "应为 draft、open、evaluating、publicity 或 closed");
    return kp_list_reply(r, errors, LLONG_MAX, KP_TX_READ_ONLY, fetch, &f);
}

/* Expires what was not recommended in time, each with its audit row. */
static enum kp_err expire_applications(struct one *o, struct kp_db *db, const char *batch_id)
{
    const char *params[] = { batch_id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_EXPIRE, params, &res);
    if (err)
        return err;
    o->expired = PQntuples(res);
    for (int i = 0; i < o->expired && err == KP_OK; i++) {
        json_t *data = json_pack("{s:s, s:s, s:s}", "from", PQgetvalue(res, i, 1), "to", "expired",
                                 "reason", "batch_evaluating");
        err = kp_req_audit(o->r, db, "application.expired", "application", PQgetvalue(res, i, 0), data);
        json_decref(data);
    }
    PQclear(res);
    return err;
}

static enum kp_err update_tx(struct kp_db *db, void *arg)
{
    struct one *o = arg;
    struct fields *f = &o->f;
    char id[24], start[16], end[16];
    snprintf(id, sizeof id, "%lld", o->id);
    snprintf(start, sizeof start, "%lld", f->start);
    snprintf(end, sizeof end, "%lld", f->end);
    const char *lock[] = { id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_LOCK, lock, &res);
    if (err)
        return err;
    o->found = PQntuples(res) == 1;
    enum kp_batch_status from = KP_BATCH_DRAFT, to;
    if (o->found)
        kp_batch_status_parse(PQgetvalue(res, 0, 0), &from);
    PQclear(res);
    if (!o->found)
        return KP_OK;
    o->refusal = NULL;
    bool moving = f->has_status && kp_batch_status_parse(f->status, &to) && to != from;
    if (from == KP_BATCH_CLOSED)
        o->refusal = "已结束的批次不能修改";
    else if (moving && !kp_batch_may_move(from, to))
        o->refusal = "批次状态只能依次向前推进：draft → open → evaluating → publicity → closed";
    else if (moving && !kp_batch_edit_may_enter(to))
        o->refusal = to == KP_BATCH_PUBLICITY
                         ? "发布公示（POST /batches/{id}/publicity）后，批次即进入公示阶段"
                         : "认定命名（POST /batches/{id}/naming）后，批次即结束";
    if (o->refusal)
        return KP_OK;
    const char *params[] = { id, f->has_code ? f->code : NULL, f->has_title ? f->title : NULL,
                             f->has_start ? start : NULL, f->has_end ? end : NULL,
                             f->has_contact ? f->contact_deadline : NULL,
                             f->has_recommend ? f->recommend_deadline : NULL,
                             moving ? f->status : NULL, f->has_submit ? "true" : "false",
                             f->submit_deadline };
    err = kp_db_exec(db, &SQL_UPDATE, params, &res);
    if (err)
        return err;
    json_decref(o->batch);
    o->batch = kp_batch_json(res, 0);
    PQclear(res);
    json_t *changes = json_deep_copy(kp_req_json(o->r));
    if (moving)
        json_object_set_new(changes, "from_status", json_string(kp_batch_status_name(from)));
    err = kp_req_audit(o->r, db, "batch.updated", "batch", id, changes);
    json_decref(changes);
    if (err == KP_OK && moving && to == KP_BATCH_EVALUATING)
        err = expire_applications(o, db, id);
    if (err == KP_OK && moving && to == KP_BATCH_EVALUATING)   /* the qualified of an earlier term */
        err = kp_term_fast_track(o->r, db, id, &o->fast_tracked);
    return err;
}

/* PATCH /api/v1/batches/{id} */
enum kp_err kp_api_batches_update(struct kp_req *r)
{
    struct one o = { .r = r };
    if (!kp_req_param_id(r, "id", &o.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (!take_fields(r, &o.f, false))
        return KP_OK;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, update_tx, &o) : KP_E_NOMEM;
    if (err) {
        json_decref(o.batch);
        return reply_failure(r, db, err);
    }
    if (!o.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (o.refusal)
        return kp_reply_problem(r, KP_P_INVALID_STATE, o.refusal);
    return kp_reply_json(r, 200, o.batch);
}
