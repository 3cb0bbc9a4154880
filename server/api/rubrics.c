/* The final evaluation's rubric of a batch (评分标准): weighted criteria,
 * read and checked by lib/domain/rubric.c, set by the programme office at
 * any stage of the batch and read back as it was set, until the first
 * score is submitted against it: then it is fixed. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "rubric.h"
#include "views.h"

static const struct kp_stmt SQL_GET = {
    "rubrics_get",
    "SELECT r.criteria::text, " KP_TIME("r.updated_at") " FROM rubrics r WHERE r.batch_id = $1",
    1,
};

/* The batch, locked, and whether an expert has submitted a score against
 * its rubric (then the rubric is fixed). */
static const struct kp_stmt SQL_BATCH = {
    "rubrics_batch",
    "SELECT EXISTS (SELECT 1 FROM assignments WHERE batch_id = b.id AND status = 'submitted')"
    "  FROM batches b WHERE b.id = $1 FOR UPDATE",
    1,
};

static const struct kp_stmt SQL_PUT = {
    "rubrics_put",
    "INSERT INTO rubrics (batch_id, criteria, set_by) VALUES ($1, $2::jsonb, $3)"
    " ON CONFLICT (batch_id) DO UPDATE SET criteria = $2::jsonb, set_by = $3, updated_at = now()",
    3,
};

struct put {
    struct kp_req *r;
    char batch[24];
    char *criteria;            /* the checked rubric's JSON text */
    bool found, fixed;
};

static enum kp_err put_tx(struct kp_db *db, void *arg)
{
    struct put *p = arg;
    const char *b[] = { p->batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH, b, &res);
    if (err)
        return err;
    p->found = PQntuples(res) == 1;
    p->fixed = p->found && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!p->found || p->fixed)
        return KP_OK;
    char by[24];
    snprintf(by, sizeof by, "%lld", kp_req_principal(p->r)->user_id);
    const char *params[] = { p->batch, p->criteria, by };
    if ((err = kp_db_exec(db, &SQL_PUT, params, &res)))
        return err;
    PQclear(res);
    json_t *data = json_pack("{s:o}", "criteria", json_loads(p->criteria, 0, NULL));
    err = data ? kp_req_audit(p->r, db, "batch.rubric_set", "batch", p->batch, data) : KP_E_NOMEM;
    json_decref(data);
    return err;
}

/* {"criteria":[...],"updated_at"}: the stored criteria's text as it is. */
static enum kp_err reply_rubric(struct kp_req *r, struct kp_db *db, const char *batch)
{
    const char *params[] = { batch };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_GET, params, &res);
    if (err)
        return err;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return kp_reply_problem(r, KP_P_NOT_FOUND, "本批次尚未设置评分标准");
    }
    struct kp_buf b = { 0 };
    kp_buf_printf(&b, "{\"criteria\":%s,\"updated_at\":\"%s\"}", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    PQclear(res);
    size_t len;
    char *text = kp_buf_take(&b, &len);
    return text ? kp_reply_data(r, 200, "application/json; charset=utf-8", text, len) : KP_E_NOMEM;
}

static bool take_batch(struct kp_req *r, char id[24])
{
    long long v;
    if (!kp_req_param_id(r, "id", &v))
        return false;
    snprintf(id, 24, "%lld", v);
    return true;
}

/* PUT /api/v1/batches/{id}/rubric  {"criteria":[{"key","name","weight"}]} */
enum kp_err kp_api_rubric_put(struct kp_req *r)
{
    struct put p = { .r = r };
    if (!take_batch(r, p.batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    json_t *body = kp_req_json(r), *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    struct kp_rubric rubric;
    kp_rubric_read(json_object_get(body, "criteria"), &rubric, errors);
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
        if (strcmp(key, "criteria") != 0)
            kp_problem_field(errors, key, "unknown", "不认识的字段");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    json_t *criteria = kp_rubric_json(&rubric);
    p.criteria = criteria ? json_dumps(criteria, JSON_COMPACT) : NULL;
    json_decref(criteria);
    if (p.criteria == NULL)
        return KP_E_NOMEM;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, put_tx, &p) : KP_E_NOMEM;
    free(p.criteria);
    if (err)
        return err;
    if (!p.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (p.fixed)
        return kp_reply_problem(r, KP_P_INVALID_STATE, "已有专家按此评分标准提交评分，不能再修改");
    return reply_rubric(r, db, p.batch);
}

/* GET /api/v1/batches/{id}/rubric */
enum kp_err kp_api_rubric_get(struct kp_req *r)
{
    char batch[24];
    if (!take_batch(r, batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct kp_db *db = kp_req_db(r);
    return db ? reply_rubric(r, db, batch) : KP_E_NOMEM;
}
