/* The public notice (公示) of a batch's proposed list.  The admin publishes
 * it once the list is fixed: its rows are the proposed applications as they
 * stand then, numbered in GB/T 2260 region order, then unit name by code
 * point, then id, and stay so (notice_rows is append-only) whatever later
 * happens to an application; the batch moves to publicity.  Anyone reads a
 * notice once its window has started, by the database clock; the window
 * can only be extended. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "list.h"
#include "validate.h"
#include "views.h"

/* The batch, locked: its status, its proposed and still undecided final
 * candidates, whether it has a notice, and whether the window sent is in
 * order. */
static const struct kp_stmt SQL_PUBLISH_BATCH = {
    "notices_publish_batch",
    "SELECT b.status,"
    "       (SELECT count(*) FROM applications WHERE batch_id = b.id AND status = 'proposed'),"
    "       (SELECT count(*) FROM applications WHERE batch_id = b.id AND status = 'initial_passed'),"
    "       EXISTS (SELECT 1 FROM notices WHERE batch_id = b.id),"
    "       $2::timestamptz < $3::timestamptz"
    "  FROM batches b WHERE b.id = $1 FOR UPDATE",
    3,
};

static const struct kp_stmt SQL_INSERT = {
    "notices_insert",
    "INSERT INTO notices (batch_id, title, body, starts_at, ends_at, created_by)"
    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    6,
};

/* The rows, fixed: 序号 from 1 in the order API.md gives. */
static const struct kp_stmt SQL_INSERT_ROWS = {
    "notices_insert_rows",
    "INSERT INTO notice_rows (notice_id, no, application_id)"
    " SELECT $1, row_number() OVER (ORDER BY region_code, unit_name COLLATE \"C\", id), id"
    "   FROM applications WHERE batch_id = $2 AND status = 'proposed'",
    2,
};

static const struct kp_stmt SQL_BATCH_PUBLICITY = {
    "notices_batch_publicity", "UPDATE batches SET status = 'publicity' WHERE id = $1", 1,
};

/* Who is told: the parties of every row (its unit's users and its
 * recommender's), one message per row, in one statement however many. */
static const struct kp_stmt SQL_TELL = {
    "notices_tell",
    "WITH rows AS (SELECT a.id, a.applicant_id, a.recommender_id, a.unit_name FROM notice_rows r"
    "              JOIN applications a ON a.id = r.application_id WHERE r.notice_id = $1),"
    " told AS (SELECT u.id AS user_id, rows.* FROM rows"
    "           JOIN users u ON u.role = 'applicant' AND u.org_id = rows.applicant_id AND NOT u.disabled"
    "          UNION ALL"
    "          SELECT u.id, rows.* FROM rows JOIN recommenders c ON c.id = rows.recommender_id"
    "           JOIN users u ON u.id = c.user_id AND NOT u.disabled)"
    " INSERT INTO notifications (user_id, kind, title, body, data)"
    " SELECT user_id, 'notice.published', '进入公示：' || unit_name, $2,"
    "        json_build_object('application_id', id, 'notice_id', $1::bigint)"
    "   FROM told ORDER BY id, user_id",
    2,
};

/* A notice by id ($1) or by batch ($2); with $3 only once it has started. */
#define NOTICE_COLUMNS                                                                           \
    "n.id, b.id, b.code, b.title, n.title, n.body, " KP_TIME("n.starts_at") ", " KP_TIME("n.ends_at") \
    ", n.starts_at <= now() AND now() < n.ends_at, n.starts_at <= now(), " KP_TIME("n.created_at")   \
    ", " KP_TIME("n.updated_at")
enum { N_ID, N_BATCH_ID, N_BATCH_CODE, N_BATCH_TITLE, N_TITLE, N_BODY, N_STARTS, N_ENDS, N_OPEN,
       N_STARTED, N_CREATED, N_UPDATED };

static const struct kp_stmt SQL_NOTICE = {
    "notices_get",
    "SELECT " NOTICE_COLUMNS " FROM notices n JOIN batches b ON b.id = n.batch_id"
    " WHERE ($1::bigint IS NULL OR n.id = $1) AND ($2::bigint IS NULL OR n.batch_id = $2)"
    "   AND (NOT $3::bool OR n.starts_at <= now())",
    3,
};

static const struct kp_stmt SQL_ROWS = {
    "notices_rows",
    "SELECT r.no, a.region_name, a.unit_name, coalesce(a.base_name, ''), a.recommender_name, a.id, a.status"
    "  FROM notice_rows r JOIN applications a ON a.id = r.application_id"
    " WHERE r.notice_id = $1 ORDER BY r.no",
    1,
};

static const struct kp_stmt SQL_PUBLIC_LIST = {
    "notices_public_list",
    "SELECT " NOTICE_COLUMNS ", (SELECT count(*) FROM notice_rows WHERE notice_id = n.id)"
    "  FROM notices n JOIN batches b ON b.id = n.batch_id"
    " WHERE n.starts_at <= now() AND n.id < $1 ORDER BY n.id DESC LIMIT $2",
    2,
};

static const struct kp_stmt SQL_EXTEND_LOCK = {
    "notices_extend_lock",
    "SELECT b.status, $2::timestamptz < n.ends_at, " KP_TIME("n.ends_at")
    "  FROM notices n JOIN batches b ON b.id = n.batch_id WHERE n.id = $1 FOR UPDATE OF n",
    2,
};

static const struct kp_stmt SQL_EXTEND = {
    "notices_extend", "UPDATE notices SET ends_at = $2, updated_at = now() WHERE id = $1", 2,
};

/* ---- the notice as JSON ---- */

/* {"id","batch":{"code","title"},"title","body","starts_at","ends_at","open"}
 * and, for the admin, the batch's id and whether the notice is public yet. */
static json_t *notice_json(PGresult *res, int i, bool admin)
{
    json_t *batch = json_pack("{s:s, s:s}", "code", PQgetvalue(res, i, N_BATCH_CODE), "title",
                              PQgetvalue(res, i, N_BATCH_TITLE));
    json_t *n = batch ? json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:b}", "id",
                                  (json_int_t)atoll(PQgetvalue(res, i, N_ID)), "batch", batch, "title",
                                  PQgetvalue(res, i, N_TITLE), "body", PQgetvalue(res, i, N_BODY), "starts_at",
                                  PQgetvalue(res, i, N_STARTS), "ends_at", PQgetvalue(res, i, N_ENDS), "open",
                                  PQgetvalue(res, i, N_OPEN)[0] == 't')
                      : NULL;
    if (n && admin) {
        json_object_set_new(batch, "id", json_integer(atoll(PQgetvalue(res, i, N_BATCH_ID))));
        json_object_set_new(n, "public", json_boolean(PQgetvalue(res, i, N_STARTED)[0] == 't'));
        json_object_set_new(n, "created_at", json_string(PQgetvalue(res, i, N_CREATED)));
        json_object_set_new(n, "updated_at", json_string(PQgetvalue(res, i, N_UPDATED)));
    }
    return n;
}

/* The rows: {"no","region","unit_name","base_name","recommender_name",
 * "application_id"}, and for the admin the application's status now. */
static json_t *rows_json(PGresult *res, bool admin)
{
    json_t *rows = json_array();
    for (int i = 0; rows && i < PQntuples(res); i++) {
        json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "no", (json_int_t)atoll(PQgetvalue(res, i, 0)),
                                "region", PQgetvalue(res, i, 1), "unit_name", PQgetvalue(res, i, 2),
                                "base_name", PQgetvalue(res, i, 3), "recommender_name", PQgetvalue(res, i, 4),
                                "application_id", (json_int_t)atoll(PQgetvalue(res, i, 5)));
        if (row && admin)
            json_object_set_new(row, "status", json_string(PQgetvalue(res, i, 6)));
        if (row == NULL || json_array_append_new(rows, row) != 0) {
            json_decref(rows);
            return NULL;
        }
    }
    return rows;
}

struct reading {
    const char *id, *batch;      /* one of them */
    bool admin;                  /* else only a started notice, as the public sees it */
    json_t *body;                /* the notice with its rows, or NULL: none */
};

static enum kp_err read_tx(struct kp_db *db, void *arg)
{
    struct reading *g = arg;
    json_decref(g->body);        /* an earlier attempt's */
    g->body = NULL;
    const char *params[] = { g->id, g->batch, g->admin ? "false" : "true" };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_NOTICE, params, &res);
    if (err)
        return err;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return KP_OK;
    }
    json_t *body = notice_json(res, 0, g->admin);
    char id[24];
    snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, N_ID));
    PQclear(res);
    if (body == NULL)
        return KP_E_NOMEM;
    const char *r[] = { id };
    if ((err = kp_db_exec(db, &SQL_ROWS, r, &res))) {
        json_decref(body);
        return err;
    }
    json_t *rows = rows_json(res, g->admin);
    PQclear(res);
    if (rows == NULL || json_object_set_new(body, "rows", rows) != 0) {
        json_decref(body);
        return KP_E_NOMEM;
    }
    g->body = body;
    return KP_OK;
}

static enum kp_err reply_notice(struct kp_req *r, struct reading *g, unsigned status)
{
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, read_tx, g) : KP_E_NOMEM;
    if (err) {
        json_decref(g->body);
        return err;
    }
    return g->body ? kp_reply_json(r, status, g->body) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
}

/* ---- POST /api/v1/batches/{id}/publicity ---- */

struct publish {
    struct kp_req *r;
    char batch[24], by[24];
    const char *title, *body, *starts_at, *ends_at;
    /* outcome */
    bool found, order;
    const char *why;
    char notice[24];
};

static enum kp_err tell(struct kp_db *db, struct publish *p)
{
    char body[200];
    snprintf(body, sizeof body, "公示期 %s 至 %s，请关注公示及异议情况", p->starts_at, p->ends_at);
    const char *params[] = { p->notice, body };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_TELL, params, &res);
    if (err == KP_OK)
        PQclear(res);
    return err;
}

static enum kp_err publish_tx(struct kp_db *db, void *arg)
{
    struct publish *p = arg;
    p->why = NULL;
    const char *b[] = { p->batch, p->starts_at, p->ends_at };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_PUBLISH_BATCH, b, &res);
    if (err)
        return err;
    p->found = PQntuples(res) == 1;
    if (p->found) {
        const char *status = PQgetvalue(res, 0, 0);
        long long proposed = atoll(PQgetvalue(res, 0, 1)), undecided = atoll(PQgetvalue(res, 0, 2));
        p->order = PQgetvalue(res, 0, 4)[0] == 't';
        if (PQgetvalue(res, 0, 3)[0] == 't')
            p->why = "本批次已发布公示，每批只发布一次";
        else if (strcmp(status, "evaluating") != 0)
            p->why = "批次不在评审阶段";
        else if (proposed == 0 || undecided > 0)
            p->why = "本批次的建议名单尚未确定";
    }
    PQclear(res);
    if (!p->found || p->why || !p->order)
        return KP_OK;
    const char *n[] = { p->batch, p->title, p->body, p->starts_at, p->ends_at, p->by };
    if ((err = kp_db_exec(db, &SQL_INSERT, n, &res)))
        return err;
    snprintf(p->notice, sizeof p->notice, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *rows[] = { p->notice, p->batch };
    if ((err = kp_db_exec(db, &SQL_INSERT_ROWS, rows, &res)))
        return err;
    long long count = atoll(PQcmdTuples(res));
    PQclear(res);
    const char *batch[] = { p->batch };
    if ((err = kp_db_exec(db, &SQL_BATCH_PUBLICITY, batch, &res)))
        return err;
    PQclear(res);
    json_t *data = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "batch_id", (json_int_t)atoll(p->batch), "rows",
                             (json_int_t)count, "starts_at", p->starts_at, "ends_at", p->ends_at, "title", p->title,
                             "batch_status", "publicity");
    err = data ? kp_req_audit(p->r, db, "notice.published", "notice", p->notice, data) : KP_E_NOMEM;
    json_decref(data);
    return err ? err : tell(db, p);
}

enum kp_err kp_api_notices_publish(struct kp_req *r)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct publish p = { .r = r };
    const struct kp_jfield spec[] = {
        KP_JSTRING("title", &p.title, 1, 200),
        KP_JSTRING("body", &p.body, 0, 20000),
        KP_JSTRING("starts_at", &p.starts_at, 1, 40),
        KP_JSTRING("ends_at", &p.ends_at, 1, 40),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    if (p.starts_at && !kp_valid_rfc3339(p.starts_at))
        kp_problem_field(errors, "starts_at", "format", "应为 RFC 3339 时间，如 2021-11-10T16:00:00Z");
    if (p.ends_at && !kp_valid_rfc3339(p.ends_at))
        kp_problem_field(errors, "ends_at", "format", "应为 RFC 3339 时间，如 2021-11-20T16:00:00Z");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    snprintf(p.batch, sizeof p.batch, "%lld", id);
    snprintf(p.by, sizeof p.by, "%lld", kp_req_principal(r)->user_id);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, publish_tx, &p) : KP_E_NOMEM;
    if (err)
        return err;
    if (!p.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (!p.order) {
        errors = json_array();
        kp_problem_field(errors, "ends_at", "order", "公示结束时间应晚于开始时间");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    if (p.why)
        return kp_reply_problem(r, KP_P_INVALID_STATE, p.why);
    struct reading g = { .id = p.notice, .admin = true };
    return reply_notice(r, &g, 201);
}

/* ---- GET /api/v1/batches/{id}/publicity  (admin: before it starts too) ---- */

enum kp_err kp_api_notices_of_batch(struct kp_req *r)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    char batch[24];
    snprintf(batch, sizeof batch, "%lld", id);
    struct reading g = { .batch = batch, .admin = true };
    return reply_notice(r, &g, 200);
}

/* ---- PATCH /api/v1/notices/{id}  {"ends_at"}: extend only ---- */

struct extend {
    struct kp_req *r;
    char id[24];
    const char *ends_at;
    bool found, earlier;
    const char *why;
};

static enum kp_err extend_tx(struct kp_db *db, void *arg)
{
    struct extend *x = arg;
    x->why = NULL;
    const char *params[] = { x->id, x->ends_at };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_EXTEND_LOCK, params, &res);
    if (err)
        return err;
    x->found = PQntuples(res) == 1;
    char from[40] = "";
    if (x->found) {
        x->earlier = PQgetvalue(res, 0, 1)[0] == 't';
        if (strcmp(PQgetvalue(res, 0, 0), "publicity") != 0)
            x->why = "批次已不在公示阶段，公示不能再修改";
        snprintf(from, sizeof from, "%s", PQgetvalue(res, 0, 2));
    }
    PQclear(res);
    if (!x->found || x->why || x->earlier)
        return KP_OK;
    if ((err = kp_db_exec(db, &SQL_EXTEND, params, &res)))
        return err;
    PQclear(res);
    json_t *data = json_pack("{s:s, s:s}", "from", from, "to", x->ends_at);
    err = data ? kp_req_audit(x->r, db, "notice.extended", "notice", x->id, data) : KP_E_NOMEM;
    json_decref(data);
    return err;
}

enum kp_err kp_api_notices_update(struct kp_req *r)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct extend x = { .r = r };
    const struct kp_jfield spec[] = { KP_JSTRING("ends_at", &x.ends_at, 1, 40), KP_JEND };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    if (x.ends_at && !kp_valid_rfc3339(x.ends_at))
        kp_problem_field(errors, "ends_at", "format", "应为 RFC 3339 时间，如 2021-11-20T16:00:00Z");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    snprintf(x.id, sizeof x.id, "%lld", id);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, extend_tx, &x) : KP_E_NOMEM;
    if (err)
        return err;
    if (!x.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (x.earlier) {
        errors = json_array();
        kp_problem_field(errors, "ends_at", "earlier", "公示截止时间只能延后，不能提前");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    if (x.why)
        return kp_reply_problem(r, KP_P_INVALID_STATE, x.why);
    struct reading g = { .id = x.id, .admin = true };
    return reply_notice(r, &g, 200);
}

/* ---- GET /api/v1/public/notices, /public/notices/{id}  (no login) ---- */

/* A list item: the notice without its body and rows, with their count. */
static json_t *list_item(PGresult *res, int i)
{
    json_t *n = notice_json(res, i, false);
    if (n) {
        json_object_del(n, "body");
        json_object_set_new(n, "rows_count", json_integer(atoll(PQgetvalue(res, i, N_UPDATED + 1))));
    }
    return n;
}

static enum kp_err fetch_public(struct kp_db *db, struct kp_list *l)
{
    const char *params[] = { l->after, l->limit };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_PUBLIC_LIST, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, list_item);
    PQclear(res);
    return KP_OK;
}

enum kp_err kp_api_public_notices_list(struct kp_req *r)
{
    return kp_list_reply(r, json_array(), LLONG_MAX, KP_LIST_ONE_READ, fetch_public, NULL);
}

enum kp_err kp_api_public_notices_get(struct kp_req *r)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    char notice[24];
    snprintf(notice, sizeof notice, "%lld", id);
    struct reading g = { .id = notice };
    return reply_notice(r, &g, 200);
}
