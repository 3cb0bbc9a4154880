/* Initial review (初评): the programme office passes or fails each
 * recommended application of a batch in evaluation, one by one or in bulk
 * (all or nothing).  A fail says why.  A review may be changed while the
 * batch is in evaluation, until its on-site sample is drawn.  Which status moves where is lib/domain/appstate.c's table; each
 * decision is audited and told to the applicant and its recommender. */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "appstate.h"
#include "auth.h"
#include "buf.h"
#include "notify.h"

#define COMMENTS_MAX 2000
#define BULK_MAX 2000          /* items of one bulk review: more than a batch's recommendations */

/* The applications to review, locked, in the order asked: $1 the ids
 * ('{...}'), $2 the batch (NULL: any). */
static const struct kp_stmt SQL_LOCK = {
    "reviews_lock",
    "SELECT k.id, x.* FROM unnest($1::bigint[]) WITH ORDINALITY AS k(id, n)"
    "  LEFT JOIN LATERAL (SELECT a.status, a.batch_id, a.applicant_id, a.recommender_id, a.unit_name,"
    "                            b.status AS batch_status,"
    "                            EXISTS (SELECT 1 FROM onsite_samples WHERE batch_id = b.id) AS sampled,"
    "                            a.fast_track"
    "                       FROM applications a JOIN batches b ON b.id = a.batch_id"
    "                      WHERE a.id = k.id AND a.batch_id = coalesce($2::bigint, a.batch_id)"
    "                        FOR UPDATE OF a) x ON true"
    " ORDER BY k.n",
    2,
};

static const struct kp_stmt SQL_BATCH = {
    "reviews_batch", "SELECT status FROM batches WHERE id = $1 FOR SHARE", 1,
};

static const struct kp_stmt SQL_REVIEW = {
    "reviews_write",
    "UPDATE applications SET status = $2, initial_result = $3, initial_comments = nullif($4, ''),"
    "   initial_by = $5, initial_by_name = (SELECT display_name FROM users WHERE id = $5),"
    "   initial_at = now(), version = version + 1, updated_at = now()"
    " WHERE id = $1",
    5,
};

struct item {
    char id[24];
    const char *result, *comments;    /* borrowed from the request's body */
};

struct review {
    struct kp_req *r;
    const char *batch;                /* bulk: the batch in the path; NULL for one */
    struct item *items;
    size_t n;
    /* outcome */
    bool found;                       /* one: the application exists */
    enum kp_problem refusal;          /* when why is set */
    const char *why;                  /* NULL: not refused */
    json_t *errors;                   /* bulk: items.N.application_id */
    json_t *app;                      /* one: the application after */
};

/* Takes {"result","comments"} at `prefix` ("" or "items.N."). */
static void take_item(const json_t *obj, const char *prefix, struct item *it, bool with_id, json_t *errors)
{
    long long id = 0;
    bool has_comments = false;
    it->comments = "";
    const struct kp_jfield one[] = {
        KP_JSTRING("result", &it->result, 1, 8),
        KP_JOPTIONAL("comments", KP_J_STRING, &it->comments, 0, COMMENTS_MAX, &has_comments),
        KP_JEND,
    };
    const struct kp_jfield bulk[] = {
        KP_JINT("application_id", &id, 1, 999999999999999999LL),
        KP_JSTRING("result", &it->result, 1, 8),
        KP_JOPTIONAL("comments", KP_J_STRING, &it->comments, 0, COMMENTS_MAX, &has_comments),
        KP_JEND,
    };
    it->result = NULL;
    if (!json_is_object(obj)) {
        char path[48];
        snprintf(path, sizeof path, "%.*s", (int)strlen(prefix) - 1, prefix);
        kp_problem_field(errors, path, "type", "应为对象");
        return;
    }
    size_t before = json_array_size(errors);
    kp_json_take(obj, with_id ? bulk : one, prefix, false, errors);
    snprintf(it->id, sizeof it->id, "%lld", id);
    char path[64];
    if (it->result && strcmp(it->result, "pass") != 0 && strcmp(it->result, "fail") != 0) {
        snprintf(path, sizeof path, "%sresult", prefix);
        kp_problem_field(errors, path, "enum", "应为 pass 或 fail");
    }
    if (json_array_size(errors) == before && strcmp(it->result, "fail") == 0 &&
        strspn(it->comments, " \t\r\n") == strlen(it->comments)) {
        snprintf(path, sizeof path, "%scomments", prefix);
        kp_problem_field(errors, path, "required", "初评不通过须写明意见");
    }
}

static enum kp_err tell(struct kp_db *db, const char *applicant, const char *recommender, const char *id,
                        const char *unit, const struct item *it)
{
    bool pass = strcmp(it->result, "pass") == 0;
    char title[600];
    snprintf(title, sizeof title, "初评%s：%s", pass ? "通过" : "未通过", unit);
    json_t *data = json_pack("{s:I, s:s}", "application_id", (json_int_t)atoll(id), "result", it->result);
    enum kp_err err = data ? kp_notify_parties(db, applicant, recommender, "application.initial_reviewed", title,
                                               it->comments[0] ? it->comments : (pass ? "进入后续评审" : NULL), data)
                           : KP_E_NOMEM;
    json_decref(data);
    return err;
}

/* Records item i's review of the locked row i: status, columns, audit,
 * notices. */
static enum kp_err write_one(struct kp_db *db, struct review *v, PGresult *rows, int i, const char *to)
{
    const struct item *it = &v->items[i];
    char by[24];
    snprintf(by, sizeof by, "%lld", kp_req_principal(v->r)->user_id);
    const char *params[] = { it->id, to, it->result, it->comments, by };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_REVIEW, params, &res);
    if (err)
        return err;
    PQclear(res);
    json_t *data = json_pack("{s:s, s:s, s:s}", "from", PQgetvalue(rows, i, 1), "to", to, "result", it->result);
    if (data && it->comments[0])
        json_object_set_new(data, "comments", json_string(it->comments));
    err = data ? kp_req_audit(v->r, db, "application.initial_reviewed", "application", it->id, data)
               : KP_E_NOMEM;
    json_decref(data);
    return err ? err : tell(db, PQgetvalue(rows, i, 3), PQgetvalue(rows, i, 4), it->id, PQgetvalue(rows, i, 5), it);
}

/* Why row i may not be reviewed (NULL: it may), its new status in *to. */
static const char *refusal_of(PGresult *rows, int i, const struct item *it, const char **to)
{
    static char why[160];
    if (strcmp(PQgetvalue(rows, i, 6), "evaluating") != 0)
        return "批次不在评审阶段";
    if (PQgetvalue(rows, i, 7)[0] == 't')
        return "本批次已抽取实地抽检样本，初评结果不能再更改";
    if (!PQgetisnull(rows, i, 8))       /* went straight to final evaluation (term.c) */
        return "该申报依终期考核结果直接进入终评，不经初评";
    *to = kp_app_transition(PQgetvalue(rows, i, 1),
                            strcmp(it->result, "pass") == 0 ? KP_APP_INITIAL_PASS : KP_APP_INITIAL_FAIL,
                            KP_ROLE_ADMIN);
    if (*to == NULL) {
        snprintf(why, sizeof why, "申报当前状态为“%s”，不能初评", kp_app_status_label(PQgetvalue(rows, i, 1)));
        return why;
    }
    return NULL;
}

static enum kp_err review_tx(struct kp_db *db, void *arg)
{
    struct review *v = arg;
    v->why = NULL;
    v->found = false;
    json_array_clear(v->errors);
    PGresult *rows;
    enum kp_err err;
    if (v->batch) {
        const char *b[] = { v->batch };
        if ((err = kp_db_exec(db, &SQL_BATCH, b, &rows)))
            return err;
        v->found = PQntuples(rows) == 1;
        bool evaluating = v->found && strcmp(PQgetvalue(rows, 0, 0), "evaluating") == 0;
        PQclear(rows);
        if (!v->found)
            return KP_OK;                           /* 404 */
        if (!evaluating) {
            v->refusal = KP_P_INVALID_STATE;
            v->why = "批次不在评审阶段";
            return KP_OK;
        }
    }
    struct kp_buf ids = { 0 };
    kp_buf_append(&ids, "{", 1);
    for (size_t i = 0; i < v->n; i++)
        kp_buf_printf(&ids, "%s%s", i ? "," : "", v->items[i].id);
    kp_buf_append(&ids, "}", 1);
    if (ids.failed) {
        kp_buf_free(&ids);
        return KP_E_NOMEM;
    }
    const char *params[] = { ids.data, v->batch };
    err = kp_db_exec(db, &SQL_LOCK, params, &rows);
    kp_buf_free(&ids);
    if (err)
        return err;
    assert((size_t)PQntuples(rows) == v->n);      /* one row per id asked, found or not */
    /* Everything is checked before anything is written: all or nothing. */
    const char *to[BULK_MAX];
    for (size_t i = 0; i < v->n; i++) {
        char path[48];
        snprintf(path, sizeof path, "items.%zu.application_id", i);
        if (PQgetisnull(rows, (int)i, 1)) {
            if (v->batch == NULL) {
                PQclear(rows);
                return KP_OK;                       /* one: 404 */
            }
            kp_problem_field(v->errors, path, "not_found", "本批次没有这份申报");
            continue;
        }
        const char *why = refusal_of(rows, (int)i, &v->items[i], &to[i]);
        if (why && v->batch == NULL) {
            v->found = true;
            v->refusal = KP_P_INVALID_STATE;
            v->why = why;
            PQclear(rows);
            return KP_OK;
        }
        if (why)
            kp_problem_field(v->errors, path, "invalid_state", why);
    }
    v->found = true;
    if (json_array_size(v->errors) > 0) {
        bool missing = false;
        for (size_t i = 0; i < json_array_size(v->errors); i++)
            missing |= strcmp(json_string_value(json_object_get(json_array_get(v->errors, i), "code")),
                              "not_found") == 0;
        v->refusal = missing ? KP_P_VALIDATION : KP_P_INVALID_STATE;
        v->why = missing ? "有申报不属于本批次" : "有申报不能初评";
        PQclear(rows);
        return KP_OK;
    }
    for (size_t i = 0; i < v->n && err == KP_OK; i++)
        err = write_one(db, v, rows, (int)i, to[i]);
    PQclear(rows);
    if (err || v->batch)
        return err;
    struct kp_appscope admin;
    kp_appscope_for(kp_req_principal(v->r), &admin);
    return kp_application_load(db, &admin, v->items[0].id, &v->app);
}

static enum kp_err run(struct kp_req *r, struct review *v)
{
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, review_tx, v) : KP_E_NOMEM;
    if (err == KP_OK && !v->found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (err == KP_OK && v->why && json_array_size(v->errors) > 0) {
        json_t *errors = v->errors;
        v->errors = NULL;
        return kp_reply_problem_errors(r, v->refusal, v->why, errors);
    }
    if (err == KP_OK && v->why)
        return kp_reply_problem(r, v->refusal, v->why);
    if (err)
        return err;
    if (v->batch)
        return kp_reply_json(r, 200, json_pack("{s:I}", "count", (json_int_t)v->n));
    json_t *app = v->app;
    v->app = NULL;
    if (app == NULL)
        return KP_E_NOMEM;
    return kp_reply_application(r, app);
}

/* POST /api/v1/applications/{id}/initial-review  {"result","comments"} */
enum kp_err kp_api_initial_review(struct kp_req *r)
{
    struct item it;
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    take_item(kp_req_json(r), "", &it, false, errors);
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    snprintf(it.id, sizeof it.id, "%lld", id);
    struct review v = { .r = r, .items = &it, .n = 1, .errors = errors };
    enum kp_err err = run(r, &v);
    json_decref(v.errors);
    json_decref(v.app);
    return err;
}

/* POST /api/v1/batches/{id}/initial-review  {"items":[{"application_id","result","comments"}]}:
 * all or nothing. */
enum kp_err kp_api_batches_initial_review(struct kp_req *r)
{
    long long batch;
    if (!kp_req_param_id(r, "id", &batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    json_t *list = NULL, *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    const struct kp_jfield spec[] = { KP_JARRAY("items", &list, 1, BULK_MAX), KP_JEND };
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    size_t n = json_array_size(list);
    struct item *items = calloc(n ? n : 1, sizeof *items);
    if (items == NULL) {
        json_decref(errors);
        return KP_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "items.%zu.", i);
        take_item(json_array_get(list, i), prefix, &items[i], true, errors);
        for (size_t j = 0; j < i && atoll(items[i].id) > 0; j++)
            if (strcmp(items[j].id, items[i].id) == 0) {
                char path[48];
                snprintf(path, sizeof path, "items.%zu.application_id", i);
                kp_problem_field(errors, path, "duplicate", "同一申报只能出现一次");
                break;
            }
    }
    if (json_array_size(errors) > 0) {
        free(items);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    char batch_id[24];
    snprintf(batch_id, sizeof batch_id, "%lld", batch);
    struct review v = { .r = r, .batch = batch_id, .items = items, .n = n, .errors = errors };
    enum kp_err err = run(r, &v);
    json_decref(v.errors);
    json_decref(v.app);
    free(items);
    return err;
}
