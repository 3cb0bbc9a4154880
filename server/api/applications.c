/* Applications: the applicant's form and its submission, and the
 * recommender's review.  Visibility (KP_APPSCOPE_SQL): the admin sees all,
 * an applicant its own, a recommender those bound to it; anything else is
 * 404.  Which action is allowed from which status, by whom, is the table in
 * lib/domain/appstate.c.  Deadlines are judged by the database clock; the quota is
 * decided in the database under the quota row's lock, so it holds however
 * many requests arrive at once from however many kpjdd processes. */

#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "applist.h"
#include "appform.h"
#include "appstate.h"
#include "auth.h"
#include "buf.h"
#include "csv.h"
#include "filename.h"
#include "list.h"
#include "notify.h"
#include "views.h"

#define WITHDRAW_REASON_MAX 500   /* characters */

#define ATTACHMENT_COLUMNS \
    "at.id, at.kind, at.filename, at.content_type, at.size, at.sha256, " KP_TIME("at.created_at")

static const struct kp_stmt SQL_GET = {
    "applications_get",
    "SELECT " KP_APPLICATION_COLUMNS KP_APPLICATION_FROM " WHERE a.id = $3 AND " KP_APPSCOPE_SQL,
    3,
};

static const struct kp_stmt SQL_ATTACHMENTS = {
    "applications_attachments",
    "SELECT " ATTACHMENT_COLUMNS " FROM attachments at WHERE application_id = $1 AND complete ORDER BY id",
    1,
};

/* The row to change, locked, with what the rules need to know about it. */
static const struct kp_stmt SQL_LOCK = {
    "applications_lock",
    "SELECT a.status, a.version, a.base_name, a.category, a.form::text, a.batch_id,"
    "       a.recommender_id, a.applicant_id, u.name, b.status, now() >= b.recommend_deadline,"
    "       EXISTS (SELECT 1 FROM attachments WHERE application_id = a.id AND complete"
    "                  AND kind = 'application_form'),"
    "       coalesce(now() >= b.submit_deadline, false)"
    "  FROM applications a JOIN batches b ON b.id = a.batch_id"
    "  JOIN applicant_units u ON u.id = a.applicant_id"
    " WHERE a.id = $3 AND " KP_APPSCOPE_SQL " FOR UPDATE OF a",
    3,
};

static const struct kp_stmt SQL_EDIT = {
    "applications_edit",
    "UPDATE applications SET base_name = CASE WHEN $2 THEN $3 ELSE base_name END,"
    "   category = CASE WHEN $4 THEN $5 ELSE category END, form = $6::jsonb,"
    "   version = version + 1, updated_at = now() WHERE id = $1",
    6,
};

/* One statement per move: the status, and what goes with it. */
static const struct kp_stmt SQL_MOVE = {
    "applications_move",
    "UPDATE applications SET status = $2, version = version + 1, updated_at = now(),"
    "   submitted_at = CASE WHEN $2 = 'submitted' AND status <> 'recommended' THEN now() ELSE submitted_at END,"
    "   recommended_at = CASE WHEN $2 = 'recommended' THEN now()"
    "                         WHEN $2 = 'submitted' THEN NULL ELSE recommended_at END,"
    "   recommend_opinion = CASE WHEN $2 = 'recommended' THEN $3"
    "                            WHEN $2 = 'submitted' THEN NULL ELSE recommend_opinion END,"
    "   return_reason = CASE WHEN $2 = 'returned' THEN $3 ELSE return_reason END,"
    "   decline_reason = CASE WHEN $2 = 'not_recommended' THEN $3 ELSE decline_reason END,"
    "   withdraw_reason = CASE WHEN $4 THEN $3"            /* a withdrawal, with its reason or none */
    "                          WHEN $2 = 'submitted' THEN NULL ELSE withdraw_reason END"   /* resubmitted */
    " WHERE id = $1",
    4,
};

/* Locked: two recommendations at once wait for each other here. */
static const struct kp_stmt SQL_QUOTA = {
    "applications_quota",
    "SELECT coalesce((SELECT quota FROM quotas WHERE batch_id = $1 AND recommender_id = $2 FOR UPDATE), 0),"
    "       (SELECT count(*) FROM applications WHERE batch_id = $1 AND recommender_id = $2"
    "           AND recommended_at IS NOT NULL)",
    2,
};

static const struct kp_stmt SQL_APPLICANT_USERS = {
    "applications_applicant_users",
    "SELECT id FROM users WHERE role = 'applicant' AND org_id = $1 AND NOT disabled",
    1,
};

static const struct kp_stmt SQL_RECOMMENDER_USER = {
    "applications_recommender_user", "SELECT user_id FROM recommenders WHERE id = $1", 1,
};

/* ---- one application, as the API shows it ---- */

enum kp_err kp_application_load(struct kp_db *db, const struct kp_appscope *scope, const char *id,
                                json_t **out)
{
    const char *params[] = { scope->role, scope->org, id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_GET, params, &res);
    if (err)
        return err;
    json_decref(*out);
    *out = PQntuples(res) == 1 ? kp_application_json(res, 0) : NULL;
    PQclear(res);
    if (*out == NULL)
        return KP_OK;
    const char *aid[] = { id };
    if ((err = kp_db_exec(db, &SQL_ATTACHMENTS, aid, &res)))
        return err;
    json_t *list = json_object_get(*out, "attachments");
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(list, kp_attachment_json(res, i, 0));
    PQclear(res);
    return KP_OK;
}

enum kp_err kp_reply_application(struct kp_req *r, json_t *app)
{
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)json_integer_value(json_object_get(app, "version")));
    kp_req_add_header(r, "ETag", etag);
    return kp_reply_json(r, 200, app);
}

/* GET: the session, the row in its scope and the row's attachments, in
 * one statement and one round trip (auth.h, KP_ROUTE_OWN_SESSION).  The
 * stored form and the attachments come as JSON text that goes to the
 * client as it is. */
static const struct kp_stmt SQL_READ = {
    "applications_read",
    KP_SESSION_WITH("$1", "$2")
    " SELECT " KP_SESSION_COLUMNS ", app.*"
    "   FROM s LEFT JOIN LATERAL (SELECT " KP_APPLICATION_COLUMNS ","
    "          (SELECT coalesce(json_agg(json_build_object('id', at.id, 'kind', at.kind,"
    "                    'filename', at.filename, 'content_type', at.content_type,"
    "                    'size', at.size, 'sha256', coalesce(at.sha256, ''),"
    "                    'created_at', " KP_TIME("at.created_at") ") ORDER BY at.id), '[]')"
    "             FROM attachments at WHERE at.application_id = a.id AND at.complete)"
    "        " KP_APPLICATION_FROM
    "        WHERE a.id = $3::bigint AND " KP_APPSCOPE_OF("s.role", "s.org") ") app ON true",
    3,
};

/* Columns of SQL_READ after the session's: KP_APPLICATION_COLUMNS, then
 * the attachments. */
enum { READ_ATTACHMENTS = KP_APP_COLUMNS };

static bool take_id(struct kp_req *r, char id[24])
{
    long long v;
    if (!kp_req_param_id(r, "id", &v))
        return false;
    snprintf(id, 24, "%lld", v);
    return true;
}

/* The gate's part and the answer, from the one row SQL_READ gave. */
static enum kp_err reply_read(struct kp_req *r, struct kp_db *db, PGresult *res, bool via_cookie)
{
    struct kp_principal who = { .role = KP_ROLE_ANONYMOUS };
    if (PQntuples(res) == 1)
        kp_session_take(res, 0, 0, &who);
    who.via_cookie = via_cookie;
    if (!kp_auth_admit(r, &who))
        return KP_OK;                                   /* refused: the answer is queued */
    enum kp_err err = kp_session_touch(db, &who);
    if (err)
        return err;
    int c = KP_SESSION_NCOLUMNS;
    if (PQgetisnull(res, 0, c))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    char etag[32];
    snprintf(etag, sizeof etag, "\"%s\"", PQgetvalue(res, 0, c + KP_APP_VERSION));
    struct kp_buf b = { 0 };
    kp_application_write(&b, res, 0, c, PQgetvalue(res, 0, c + READ_ATTACHMENTS));
    size_t len;
    char *text = kp_buf_take(&b, &len);
    if (text == NULL)
        return KP_E_NOMEM;
    kp_req_add_header(r, "ETag", etag);
    return kp_reply_data(r, 200, "application/json; charset=utf-8", text, len);
}

/* GET /api/v1/applications/{id}: one round trip.  A malformed id is a row
 * that does not exist: the session still decides 401 before 404. */
enum kp_err kp_api_applications_get(struct kp_req *r)
{
    char hash[KP_TOKEN_HASH], idle[16], id[24];
    bool via_cookie;
    if (!kp_session_token_hash(r, hash, &via_cookie)) {
        static const struct kp_principal anonymous = { .role = KP_ROLE_ANONYMOUS };
        kp_auth_admit(r, &anonymous);                   /* 401 */
        return KP_OK;
    }
    struct kp_db *db = kp_req_db(r);
    if (db == NULL)
        return KP_E_NOMEM;
    kp_session_idle_param(r, idle);
    const char *params[] = { hash, idle, take_id(r, id) ? id : NULL };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_READ, params, &res);
    if (err)
        return err;
    err = reply_read(r, db, res, via_cookie);
    PQclear(res);
    return err;
}

/* ---- changes: PATCH and the actions share the locked read ---- */

struct change {
    struct kp_req *r;
    struct kp_appscope scope;
    char id[24];
    enum kp_app_action action;
    /* PATCH */
    const char *base_name, *category;
    bool has_base_name, has_category;
    json_t *form_patch;
    long long if_match;               /* -1: none */
    /* review */
    const char *text;                 /* reason or opinion */
    /* outcome */
    bool found;
    enum kp_problem refusal;
    const char *why;
    char why_buf[160];
    json_t *missing;                  /* submit: what is lacking */
    json_t *app;
};

static enum kp_err refuse(struct change *c, enum kp_problem p, const char *why)
{
    c->refusal = p;
    c->why = why;
    return KP_OK;
}

static enum kp_err notify_applicant(struct kp_db *db, const char *applicant, const char *kind,
                                    const char *title, const char *body, const char *app_id)
{
    const char *params[] = { applicant };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_APPLICANT_USERS, params, &res);
    if (err)
        return err;
    json_t *data = json_pack("{s:I}", "application_id", (json_int_t)atoll(app_id));
    for (int i = 0; i < PQntuples(res) && err == KP_OK; i++)
        err = kp_notify(db, atoll(PQgetvalue(res, i, 0)), kind, title, body, data);
    json_decref(data);
    PQclear(res);
    return err;
}

static enum kp_err notify_recommender(struct kp_db *db, const char *recommender, const char *unit,
                                      const char *app_id)
{
    const char *params[] = { recommender };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_RECOMMENDER_USER, params, &res);
    if (err)
        return err;
    char title[600];
    snprintf(title, sizeof title, "收到申报：%s", unit);
    json_t *data = json_pack("{s:I}", "application_id", (json_int_t)atoll(app_id));
    if (PQntuples(res) == 1)
        err = kp_notify(db, atoll(PQgetvalue(res, 0, 0)), "application.submitted", title,
                        "请在推荐截止前审核", data);
    json_decref(data);
    PQclear(res);
    return err;
}

static enum kp_err change_tx(struct kp_db *db, void *arg)
{
    struct change *c = arg;
    c->why = NULL;
    json_decref(c->missing);
    c->missing = NULL;
    const char *params[] = { c->scope.role, c->scope.org, c->id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_LOCK, params, &res);
    if (err)
        return err;
    c->found = PQntuples(res) == 1;
    if (!c->found) {
        PQclear(res);
        return KP_OK;
    }
    char from[32], batch[24], recommender[24], applicant[24], unit[512];   /* 100 characters of up to 4 bytes */
    snprintf(from, sizeof from, "%s", PQgetvalue(res, 0, 0));
    long long version = atoll(PQgetvalue(res, 0, 1));
    bool had_base = !PQgetisnull(res, 0, 2), had_category = !PQgetisnull(res, 0, 3);
    char base_name[512] = "", category[32] = "";
    snprintf(base_name, sizeof base_name, "%s", PQgetvalue(res, 0, 2));
    snprintf(category, sizeof category, "%s", PQgetvalue(res, 0, 3));
    json_t *form = json_loads(PQgetvalue(res, 0, 4), 0, NULL);
    snprintf(batch, sizeof batch, "%s", PQgetvalue(res, 0, 5));
    snprintf(recommender, sizeof recommender, "%s", PQgetvalue(res, 0, 6));
    snprintf(applicant, sizeof applicant, "%s", PQgetvalue(res, 0, 7));
    snprintf(unit, sizeof unit, "%s", PQgetvalue(res, 0, 8));
    bool batch_open = strcmp(PQgetvalue(res, 0, 9), "open") == 0;
    bool past_deadline = PQgetvalue(res, 0, 10)[0] == 't';
    bool has_form_file = PQgetvalue(res, 0, 11)[0] == 't';
    bool past_submit_deadline = PQgetvalue(res, 0, 12)[0] == 't';
    PQclear(res);
    if (form == NULL)
        return KP_E_NOMEM;

    const char *to = kp_app_transition(from, c->action, kp_req_principal(c->r)->role);
    if (to == NULL) {
        json_decref(form);
        snprintf(c->why_buf, sizeof c->why_buf, "申报当前状态为“%s”，不能执行此操作",
                 kp_app_status_label(from));
        return refuse(c, KP_P_INVALID_STATE, c->why_buf);
    }
    if (c->action != KP_APP_EDIT && (past_deadline || !batch_open)) {
        json_decref(form);
        return past_deadline ? refuse(c, KP_P_DEADLINE_PASSED, "推荐已截止")
                             : refuse(c, KP_P_INVALID_STATE, "批次不在申报阶段");
    }
    if (c->action == KP_APP_SUBMIT && past_submit_deadline && kp_app_submit_deadline_binds(from)) {
        json_decref(form);
        return refuse(c, KP_P_DEADLINE_PASSED, "单位提交已截止");
    }
    if (c->action == KP_APP_EDIT) {
        if (c->if_match >= 0 && c->if_match != version) {
            json_decref(form);
            return refuse(c, KP_P_VERSION_MISMATCH, "申报已在别处修改，请刷新后再编辑");
        }
        if (c->form_patch)
            kp_appform_merge(form, c->form_patch);
        char *text = json_dumps(form, JSON_COMPACT);
        const char *edit[] = { c->id, c->has_base_name ? "true" : "false", c->base_name,
                               c->has_category ? "true" : "false", c->category, text };
        err = text ? kp_db_exec(db, &SQL_EDIT, edit, &res) : KP_E_NOMEM;
        free(text);
        if (err == KP_OK) {
            PQclear(res);
            json_t *fields = json_array();
            if (c->has_base_name) json_array_append_new(fields, json_string("base_name"));
            if (c->has_category) json_array_append_new(fields, json_string("category"));
            const char *key;
            json_t *v;
            json_object_foreach(c->form_patch, key, v) {
                char path[80];
                snprintf(path, sizeof path, "form.%s", key);
                json_array_append_new(fields, json_string(path));
            }
            json_t *data = json_pack("{s:o, s:s}", "fields", fields, "status", from);
            err = kp_req_audit(c->r, db, "application.updated", "application", c->id, data);
            json_decref(data);
        }
        json_decref(form);
        return err ? err : kp_application_load(db, &c->scope, c->id, &c->app);
    }
    if (c->action == KP_APP_SUBMIT) {
        c->missing = json_array();
        kp_appform_missing(had_base ? base_name : NULL, had_category ? category : NULL, form,
                           has_form_file, c->missing);
        if (json_array_size(c->missing) > 0) {
            json_decref(form);
            return refuse(c, KP_P_VALIDATION, "申报表尚未填写完整");
        }
    }
    json_decref(form);
    if (c->action == KP_APP_RECOMMEND) {
        const char *q[] = { batch, recommender };
        if ((err = kp_db_exec(db, &SQL_QUOTA, q, &res)))
            return err;
        long long quota = atoll(PQgetvalue(res, 0, 0)), used = atoll(PQgetvalue(res, 0, 1));
        PQclear(res);
        if (used >= quota) {
            snprintf(c->why_buf, sizeof c->why_buf, "推荐名额已用完（已推荐 %lld / 名额 %lld）", used, quota);
            return refuse(c, KP_P_QUOTA_EXHAUSTED, c->why_buf);
        }
    }
    const char *move[] = { c->id, to, c->text, c->action == KP_APP_WITHDRAW ? "true" : "false" };
    if ((err = kp_db_exec(db, &SQL_MOVE, move, &res)))
        return err;
    PQclear(res);
    static const char *const actions[] = {
        [KP_APP_SUBMIT] = "application.submitted", [KP_APP_RETURN] = "application.returned",
        [KP_APP_DECLINE] = "application.declined", [KP_APP_RECOMMEND] = "application.recommended",
        [KP_APP_WITHDRAW] = "application.recommendation_withdrawn",
    };
    json_t *data = json_pack("{s:s, s:s}", "from", from, "to", to);
    if (c->text)
        json_object_set_new(data, c->action == KP_APP_RECOMMEND ? "opinion" : "reason", json_string(c->text));
    err = kp_req_audit(c->r, db, actions[c->action], "application", c->id, data);
    json_decref(data);
    if (err)
        return err;
    switch (c->action) {
    case KP_APP_SUBMIT:
        err = notify_recommender(db, recommender, unit, c->id);
        break;
    case KP_APP_RETURN:
        err = notify_applicant(db, applicant, "application.returned", "申报被退回修改", c->text, c->id);
        break;
    case KP_APP_DECLINE:
        err = notify_applicant(db, applicant, "application.declined", "申报未获推荐", c->text, c->id);
        break;
    case KP_APP_RECOMMEND:
        err = notify_applicant(db, applicant, "application.recommended", "申报已获推荐", c->text, c->id);
        break;
    case KP_APP_WITHDRAW:
        err = notify_applicant(db, applicant, "application.recommendation_withdrawn",
                               "推荐单位撤回了推荐，申报回到待审核", c->text, c->id);
        break;
    default:
        break;
    }
    return err ? err : kp_application_load(db, &c->scope, c->id, &c->app);
}

static enum kp_err run_change(struct kp_req *r, struct change *c)
{
    kp_appscope_for(kp_req_principal(r), &c->scope);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, change_tx, c) : KP_E_NOMEM;
    if (err || !c->found || c->why) {
        json_decref(c->app);
        if (err) {
            json_decref(c->missing);
            return err;
        }
        if (!c->found)
            return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
        if (c->refusal == KP_P_VALIDATION)
            return kp_reply_problem_errors(r, KP_P_VALIDATION, c->why, c->missing);
        json_decref(c->missing);
        return kp_reply_problem(r, c->refusal, c->why);
    }
    json_decref(c->missing);
    return kp_reply_application(r, c->app);
}

/* "\"7\"" → 7; -1 when absent or "*" (any version); false when malformed. */
static bool parse_if_match(const char *h, long long *out)
{
    *out = -1;
    if (h == NULL || strcmp(h, "*") == 0)
        return true;
    char *end;
    if (h[0] != '"' || h[1] < '0' || h[1] > '9')
        return false;
    *out = strtoll(h + 1, &end, 10);
    return end[0] == '"' && end[1] == '\0';
}

/* PATCH /api/v1/applications/{id}  {"base_name","category","form"} with optional If-Match */
enum kp_err kp_api_applications_patch(struct kp_req *r)
{
    struct change c = { .r = r, .action = KP_APP_EDIT };
    if (!take_id(r, c.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const struct kp_jfield spec[] = {
        KP_JOPTIONAL("base_name", KP_J_STRING, &c.base_name, 1, 100, &c.has_base_name),
        KP_JOPTIONAL("category", KP_J_STRING, &c.category, 1, 32, &c.has_category),
        KP_JOPTIONAL("form", KP_J_OBJECT, &c.form_patch, 0, 0, NULL),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    if (c.has_category && c.category && !kp_app_category_valid(c.category))
        kp_problem_field(errors, "category", "enum",
                         "应为 venue、education_research、agriculture、enterprise、natural_resources 或 other");
    if (c.form_patch)
        kp_appform_check(c.form_patch, errors);
    if (!parse_if_match(kp_req_header(r, "If-Match"), &c.if_match))
        kp_problem_field(errors, "If-Match", "format", "If-Match 应为带引号的版本号，如 \"3\"");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    return run_change(r, &c);
}

/* POST /api/v1/applications/{id}/submit */
enum kp_err kp_api_applications_submit(struct kp_req *r)
{
    struct change c = { .r = r, .action = KP_APP_SUBMIT, .if_match = -1 };
    if (!take_id(r, c.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    return run_change(r, &c);
}

static enum kp_err review(struct kp_req *r, enum kp_app_action action, const char *field, long long max)
{
    struct change c = { .r = r, .action = action, .if_match = -1 };
    if (!take_id(r, c.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const struct kp_jfield spec[] = { KP_JSTRING(field, &c.text, 1, max), KP_JEND };
    if (!kp_req_take(r, spec))
        return KP_OK;
    return run_change(r, &c);
}

/* POST /api/v1/applications/{id}/return  {"reason"} */
enum kp_err kp_api_applications_return(struct kp_req *r)
{
    return review(r, KP_APP_RETURN, "reason", 1000);
}

/* POST /api/v1/applications/{id}/decline  {"reason"} */
enum kp_err kp_api_applications_decline(struct kp_req *r)
{
    return review(r, KP_APP_DECLINE, "reason", 1000);
}

/* POST /api/v1/applications/{id}/recommend  {"opinion"} */
enum kp_err kp_api_applications_recommend(struct kp_req *r)
{
    return review(r, KP_APP_RECOMMEND, "opinion", 2000);
}

/* POST /api/v1/applications/{id}/withdraw-recommendation  optional {"reason"}:
 * the body may be absent (scripts written before the reason existed). */
enum kp_err kp_api_applications_withdraw(struct kp_req *r)
{
    struct change c = { .r = r, .action = KP_APP_WITHDRAW, .if_match = -1 };
    if (!take_id(r, c.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const struct kp_jfield spec[] = {
        KP_JOPTIONAL("reason", KP_J_STRING, &c.text, 1, WITHDRAW_REASON_MAX, NULL), KP_JEND,
    };
    if (kp_req_json(r) != NULL && !kp_req_take(r, spec))
        return KP_OK;
    return run_change(r, &c);
}

/* ---- lists ---- */

static bool take_filters(struct kp_req *r, struct kp_applist_filters *f, json_t *errors)
{
    f->batch = kp_req_query(r, "batch_id");
    f->status = kp_req_query(r, "status");
    f->category = kp_req_query(r, "category");
    f->region = kp_req_query(r, "region");
    f->q = kp_req_query(r, "q");
    const char *order = kp_req_query(r, "order");
    f->oldest = order != NULL && strcmp(order, "oldest") == 0;
    size_t before = json_array_size(errors);
    if (order && !f->oldest && strcmp(order, "newest") != 0)
        kp_problem_field(errors, "order", "enum", "应为 newest 或 oldest");
    if (f->batch && (f->batch[0] < '1' || f->batch[0] > '9' || strspn(f->batch, "0123456789") != strlen(f->batch) ||
                     strlen(f->batch) > 18))
        kp_problem_field(errors, "batch_id", "type", "应为批次编号（正整数）");
    if (f->status && !kp_app_status_valid(f->status))
        kp_problem_field(errors, "status", "enum", "不是有效的申报状态");
    if (f->category && !kp_app_category_valid(f->category))
        kp_problem_field(errors, "category", "enum", "不是有效的基地类别");
    return json_array_size(errors) == before;
}

struct listing {
    struct kp_appscope scope;
    struct kp_applist_filters f;
};

/* A list item: the application without form and attachments (the columns
 * of kp_applist_page_stmt). */
static void summary(struct kp_buf *b, PGresult *res, int row)
{
    kp_application_write(b, res, row, 0, NULL);
}

static enum kp_err fetch(struct kp_db *db, struct kp_list *l)
{
    const struct listing *x = l->arg;
    enum kp_applist_scope scope = kp_applist_scope_of(x->scope.role);
    const char *params[KP_APPLIST_MAX_PARAMS];
    kp_applist_params(scope, x->scope.org, &x->f, l->after, l->limit, params);
    PGresult *res;
    enum kp_err err = kp_db_read(db, kp_applist_page_stmt(kp_applist_shape(scope, &x->f)), params, &res);
    if (err)
        return err;
    kp_list_take_text(l, res, summary);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/applications?batch_id&status&category&region&q&order&limit&cursor:
 * summaries (GET one for its form and attachments), newest first, or
 * oldest first with order=oldest (a reviewer's queue: status=submitted&order=oldest) */
enum kp_err kp_api_applications_list(struct kp_req *r)
{
    struct listing x;
    kp_appscope_for(kp_req_principal(r), &x.scope);
    json_t *errors = json_array();
    take_filters(r, &x.f, errors);
    return kp_list_reply(r, errors, x.f.oldest ? 0 : LLONG_MAX, KP_LIST_ONE_READ, fetch, &x);
}

/* The export streams (kp_req_pooled_blocks): the handler fetches the ids in
 * the export's order (800 KB for 100,000 rows), then each block of the body
 * reads the next EXPORT_BLOCK rows by id and writes them as CSV, so memory
 * holds one block whatever the size.  A block reads its rows as they are
 * then; a row gone since is left out. */
#define EXPORT_BLOCK 5000        /* rows: about 1 MB of CSV */

struct export {
    long long *ids;          /* in the export's order */
    size_t nids, next;       /* next: the first id not yet read */
    bool unit_data;          /* the units' credit codes and contacts: not for an expert (GET /applicants/{id}) */
    struct kp_buf text;      /* the CSV of the last block read (kp_req_pooled_blocks) */
    long long number;        /* 序号 of the last row written */
};

static void free_export(void *cls)
{
    struct export *x = cls;
    free(x->ids);
    kp_buf_free(&x->text);
    free(x);
}

struct export_ids {
    struct kp_appscope scope;
    struct kp_applist_filters f;
    struct export *x;
    const char *batchscope;
    char filename[400];      /* 申报列表-<batch code>-<Beijing date>.csv */
};

/* The file's name: the batch's code (none when the batch is not one the
 * caller sees) and today's date in Beijing. */
static const struct kp_stmt SQL_EXPORT_NAME = {
    "applications_export_name",
    "SELECT " KP_TODAY_SQL ", (SELECT b.code FROM batches b WHERE b.id = $1::bigint AND " KP_BATCHSCOPE_SQL("$2") ")",
    2,
};

static enum kp_err export_ids_tx(struct kp_db *db, void *arg)
{
    struct export_ids *e = arg;
    enum kp_applist_scope scope = kp_applist_scope_of(e->scope.role);
    const char *params[KP_APPLIST_MAX_PARAMS];
    kp_applist_params(scope, e->scope.org, &e->f, NULL, NULL, params);
    PGresult *res;
    enum kp_err err = kp_db_exec(db, kp_applist_export_ids_stmt(kp_applist_shape(scope, &e->f)), params, &res);
    if (err)
        return err;
    size_t n = (size_t)PQntuples(res);
    long long *ids = malloc((n ? n : 1) * sizeof *ids);
    if (ids == NULL) {
        PQclear(res);
        return KP_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
    PQclear(res);
    free(e->x->ids);
    e->x->ids = ids;
    e->x->nids = n;
    const char *np[] = { e->f.batch, e->batchscope };
    if ((err = kp_db_exec(db, &SQL_EXPORT_NAME, np, &res)))
        return err;
    if (e->f.batch == NULL)
        snprintf(e->filename, sizeof e->filename, "申报列表-全部批次-%s.csv", PQgetvalue(res, 0, 0));
    else if (PQgetisnull(res, 0, 1))
        snprintf(e->filename, sizeof e->filename, "申报列表-%s.csv", PQgetvalue(res, 0, 0));
    else
        snprintf(e->filename, sizeof e->filename, "申报列表-%s-%s.csv", PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
    PQclear(res);
    return KP_OK;
}

/* On the pool: the rows of ids [next, next + EXPORT_BLOCK) as CSV in
 * x->text; one statement, without a transaction (a block reads its rows as
 * they are).  Each block moves `next` on, so the export ends. */
static enum kp_err export_block(void *cls, struct kp_db *db, bool *done)
{
    struct export *x = cls;
    if (x->next >= x->nids) {    /* nothing matched: the header alone */
        *done = true;
        return KP_OK;
    }
    size_t end = x->nids - x->next < EXPORT_BLOCK ? x->nids : x->next + EXPORT_BLOCK;
    struct kp_buf ids = { 0 };
    kp_buf_append(&ids, "{", 1);
    for (size_t i = x->next; i < end; i++)
        kp_buf_printf(&ids, i == x->next ? "%lld" : ",%lld", x->ids[i]);
    kp_buf_append(&ids, "}", 1);
    if (ids.failed) {
        kp_buf_free(&ids);
        return KP_E_NOMEM;
    }
    const char *params[] = { ids.data };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &KP_APPLIST_EXPORT_ROWS, params, &res);
    kp_buf_free(&ids);
    if (err)
        return err;
    for (int i = 0; i < PQntuples(res); i++) {
        char n[24];
        snprintf(n, sizeof n, "%lld", x->number + i + 1);
        kp_csv_cell(&x->text, n, false);
        for (int c = 0; c < KP_EXPORT_COLUMNS; c++) {
            const char *v = PQgetvalue(res, i, c);
            if (c == KP_EXPORT_CATEGORY)
                v = kp_app_category_label(v);
            else if (c == KP_EXPORT_STATUS)
                v = kp_app_status_label(v);
            else if (!x->unit_data && (c == KP_EXPORT_CREDIT_CODE || c == KP_EXPORT_CONTACT || c == KP_EXPORT_PHONE))
                v = "";
            kp_csv_cell(&x->text, v, c == KP_EXPORT_COLUMNS - 1);
        }
    }
    int rows = PQntuples(res);
    PQclear(res);
    if (x->text.failed)
        return KP_E_NOMEM;
    x->number += rows;
    x->next = end;
    *done = x->next >= x->nids;
    return KP_OK;
}

/* GET /api/v1/applications.csv?batch_id&status&category&region&q */
enum kp_err kp_api_applications_csv(struct kp_req *r)
{
    struct export_ids e = { .x = calloc(1, sizeof *e.x) };
    json_t *errors = json_array();
    if (e.x == NULL || errors == NULL) {
        free(e.x);
        json_decref(errors);
        return KP_E_NOMEM;
    }
    kp_appscope_for(kp_req_principal(r), &e.scope);
    e.x->unit_data = kp_req_principal(r)->role != KP_ROLE_EXPERT;
    e.batchscope = kp_batchscope_for(kp_req_principal(r));
    if (!take_filters(r, &e.f, errors)) {
        free(e.x);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    json_decref(errors);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, export_ids_tx, &e) : KP_E_NOMEM;
    struct export *x = e.x;
    kp_buf_append(&x->text, "\xEF\xBB\xBF", 3);       /* a BOM: Excel then reads UTF-8 */
    kp_buf_printf(&x->text, "\"序号\",\"所在地区\",\"申报单位\",\"基地名称\",\"推荐单位\",\"类别\",\"状态\","
                            "\"批次\",\"统一社会信用代码\",\"联系人\",\"联系电话\",\"提交时间\",\"推荐时间\",\"推荐意见\"\r\n");
    if (err || x->text.failed) {
        free_export(x);
        return err ? err : KP_E_NOMEM;
    }
    struct MHD_Response *resp = kp_req_pooled_blocks(r, &x->text, export_block, x, free_export);
    if (resp == NULL)
        return KP_E_NOMEM;
    MHD_add_response_header(resp, "Content-Type", "text/csv; charset=utf-8");
    char disposition[KP_FILENAME_DISPOSITION_MAX];
    kp_filename_attachment(e.filename, disposition);
    MHD_add_response_header(resp, "Content-Disposition", disposition);
    return kp_reply_response(r, 200, resp, 0);
}
