/* Objections (异议) to a public notice: anyone files one under a real name
 * against a row of the notice while its window is open (by the database
 * clock), rate limited per address, and holds a receipt to follow it.  The
 * objector's name, phone, e-mail, organisation and text are personal data:
 * they are stored in the row and shown on the admin's objection desk, and
 * nowhere else — not in an answer to anyone else, not in the audit's data,
 * not in a log line.  The admin records one finding per objection; an
 * upheld one withdraws the application (withdrawn_after_objection). */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "api.h"
#include "appstate.h"
#include "auth.h"
#include "invitecode.h"
#include "list.h"
#include "notify.h"
#include "ratecheck.h"
#include "validate.h"
#include "views.h"

/* The notice if it has started, whether its window is open, whether the
 * application is one of its rows (and its unit then). */
static const struct kp_stmt SQL_NOTICE = {
    "objections_notice",
    "SELECT n.starts_at <= now() AND now() < n.ends_at, a.unit_name, n.batch_id FROM notices n"
    "  LEFT JOIN notice_rows r ON r.notice_id = n.id AND r.application_id = $2"
    "  LEFT JOIN applications a ON a.id = r.application_id"
    " WHERE n.id = $1 AND n.starts_at <= now()",
    2,
};

/* A receipt already given is skipped, and the insert tried with another. */
static const struct kp_stmt SQL_INSERT = {
    "objections_insert",
    "INSERT INTO objections (notice_id, application_id, receipt, name, phone, email, organization, content)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (receipt) DO NOTHING RETURNING id",
    8,
};

static const struct kp_stmt SQL_RECEIPT = {
    "objections_receipt",
    "SELECT status, reply, " KP_TIME("decided_at") " FROM objections WHERE receipt = $1",
    1,
};

/* The objection as the admin sees it: everything. */
#define OBJECTION_COLUMNS                                                                               \
    "o.id, o.notice_id, n.batch_id, o.application_id, r.no, a.unit_name, coalesce(a.base_name, ''),"    \
    " a.status, o.receipt, o.name, o.phone, o.email, o.organization, o.content, o.status, o.reply,"     \
    " " KP_TIME("o.decided_at") ", o.decided_by, " KP_TIME("o.created_at")
#define OBJECTION_FROM                                                                                  \
    " FROM objections o JOIN notices n ON n.id = o.notice_id"                                          \
    " JOIN notice_rows r ON r.notice_id = o.notice_id AND r.application_id = o.application_id"         \
    " JOIN applications a ON a.id = o.application_id"

static const struct kp_stmt SQL_GET = {
    "objections_get", "SELECT " OBJECTION_COLUMNS OBJECTION_FROM " WHERE o.id = $1", 1,
};

static const struct kp_stmt SQL_LIST = {
    "objections_list",
    "SELECT " OBJECTION_COLUMNS OBJECTION_FROM
    " WHERE n.batch_id = $1 AND ($2::text IS NULL OR o.status = $2) AND o.id > $3 ORDER BY o.id LIMIT $4",
    4,
};

static const struct kp_stmt SQL_BATCH = {
    "objections_batch", "SELECT 1 FROM batches WHERE id = $1", 1,
};

/* The objection, its application and batch, locked. */
static const struct kp_stmt SQL_FINDING_LOCK = {
    "objections_finding_lock",
    "SELECT o.status, o.application_id, a.status, a.applicant_id, a.recommender_id, a.unit_name, b.status"
    "  FROM objections o JOIN applications a ON a.id = o.application_id"
    "  JOIN notices n ON n.id = o.notice_id JOIN batches b ON b.id = n.batch_id"
    " WHERE o.id = $1 FOR UPDATE OF o, a",
    1,
};

static const struct kp_stmt SQL_DECIDE = {
    "objections_decide",
    "UPDATE objections SET status = $2, reply = $3, decided_by = $4, decided_at = now() WHERE id = $1",
    4,
};

static const struct kp_stmt SQL_WITHDRAW = {
    "objections_withdraw",
    "UPDATE applications SET status = $2, updated_at = now(), version = version + 1 WHERE id = $1",
    2,
};

static json_t *objection_json(PGresult *res, int i)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:o,"
                     " s:s}",
                     "id", (json_int_t)atoll(PQgetvalue(res, i, 0)),
                     "notice_id", (json_int_t)atoll(PQgetvalue(res, i, 1)),
                     "batch_id", (json_int_t)atoll(PQgetvalue(res, i, 2)),
                     "application_id", (json_int_t)atoll(PQgetvalue(res, i, 3)),
                     "no", (json_int_t)atoll(PQgetvalue(res, i, 4)),
                     "unit_name", PQgetvalue(res, i, 5), "base_name", PQgetvalue(res, i, 6),
                     "application_status", PQgetvalue(res, i, 7), "receipt", PQgetvalue(res, i, 8),
                     "name", PQgetvalue(res, i, 9), "phone", PQgetvalue(res, i, 10),
                     "email", kp_text_or_null(res, i, 11), "organization", kp_text_or_null(res, i, 12),
                     "content", PQgetvalue(res, i, 13), "status", PQgetvalue(res, i, 14),
                     "reply", kp_text_or_null(res, i, 15), "decided_at", kp_text_or_null(res, i, 16),
                     "decided_by", PQgetisnull(res, i, 17) ? json_null() : json_integer(atoll(PQgetvalue(res, i, 17))),
                     "created_at", PQgetvalue(res, i, 18));
}

/* Whether s has a control character (a name or organisation is one line). */
static bool has_control(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* ---- POST /api/v1/public/notices/{id}/objections  (no login) ---- */

struct filing {
    struct kp_req *r;
    char notice[24], application[24];
    const char *name, *phone, *email, *organization, *content;
    /* outcome */
    bool found, open, row;
    char receipt[KP_RECEIPT_LEN + 1];
};

static enum kp_err file_tx(struct kp_db *db, void *arg)
{
    struct filing *f = arg;
    const char *n[] = { f->notice, f->application };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_NOTICE, n, &res);
    if (err)
        return err;
    f->found = PQntuples(res) == 1;
    f->open = f->found && PQgetvalue(res, 0, 0)[0] == 't';
    f->row = f->found && !PQgetisnull(res, 0, 1);
    char unit[600] = "", batch[24] = "";
    if (f->row) {
        snprintf(unit, sizeof unit, "%s", PQgetvalue(res, 0, 1));
        snprintf(batch, sizeof batch, "%s", PQgetvalue(res, 0, 2));
    }
    PQclear(res);
    if (!f->found || !f->open || !f->row)
        return KP_OK;
    char id[24] = "";
    while (id[0] == '\0') {
        kp_invitecode_receipt_new(f->receipt);
        const char *params[] = { f->notice, f->application, f->receipt, f->name, f->phone, f->email,
                                 f->organization, f->content };
        if ((err = kp_db_exec(db, &SQL_INSERT, params, &res)))
            return err;
        if (PQntuples(res) == 1)
            snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    /* the facts of the filing only: who filed it and what it says stay in its row */
    json_t *data = json_pack("{s:I, s:I}", "notice_id", (json_int_t)atoll(f->notice), "application_id",
                             (json_int_t)atoll(f->application));
    err = data ? kp_req_audit(f->r, db, "objection.filed", "objection", id, data) : KP_E_NOMEM;
    json_decref(data);
    if (err)
        return err;
    char title[700];
    snprintf(title, sizeof title, "收到公示异议：%s", unit);
    json_t *about = json_pack("{s:I, s:I, s:I}", "objection_id", (json_int_t)atoll(id), "application_id",
                              (json_int_t)atoll(f->application), "batch_id", (json_int_t)atoll(batch));
    err = about ? kp_notify_role(db, "admin", "objection.received", title, "请在异议处理中核查并答复", about)
                : KP_E_NOMEM;
    json_decref(about);
    return err;
}

enum kp_err kp_api_objections_file(struct kp_req *r)
{
    const struct kp_config *cfg = kp_req_server(r)->cfg;
    bool allowed;
    enum kp_err err = kp_ratecheck_address(r, "objection", cfg->objections.limit, cfg->objections.window,
                                           "提交异议过于频繁，请稍后再试", &allowed);
    if (err || !allowed)
        return err;
    long long notice;
    if (!kp_req_param_id(r, "id", &notice))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct filing f = { .r = r };
    long long application = 0;
    const struct kp_jfield spec[] = {
        KP_JINT("application_id", &application, 1, LLONG_MAX),
        KP_JSTRING("name", &f.name, 2, 50),
        KP_JSTRING("phone", &f.phone, 1, 32),
        KP_JNULLABLE("email", KP_J_STRING, &f.email, 0, 254, NULL),
        KP_JNULLABLE("organization", KP_J_STRING, &f.organization, 0, 200, NULL),
        KP_JSTRING("content", &f.content, 10, 5000),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    if (f.name && has_control(f.name))
        kp_problem_field(errors, "name", "format", "姓名不能含控制字符");
    if (f.phone && !kp_valid_mainland_phone(f.phone))
        kp_problem_field(errors, "phone", "format", "应为中国大陆手机号码，或带区号的固定电话，如 010-68571234");
    if (f.email && f.email[0] == '\0')
        f.email = NULL;
    if (f.email && !kp_email_ok(f.email))
        kp_problem_field(errors, "email", "format", "电子邮箱格式有误");
    if (f.organization && f.organization[0] == '\0')
        f.organization = NULL;
    if (f.organization && has_control(f.organization))
        kp_problem_field(errors, "organization", "format", "单位名称不能含控制字符");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    snprintf(f.notice, sizeof f.notice, "%lld", notice);
    snprintf(f.application, sizeof f.application, "%lld", application);
    struct kp_db *db = kp_req_db(r);
    err = db ? kp_db_tx(db, KP_TX_AUDITED, file_tx, &f) : KP_E_NOMEM;
    if (err)
        return err;
    if (!f.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (!f.open)
        return kp_reply_problem(r, KP_P_DEADLINE_PASSED, "公示期已结束，不再受理异议");
    if (!f.row) {
        errors = json_array();
        kp_problem_field(errors, "application_id", "not_found", "不是本公示名单中的一项");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    return kp_reply_json(r, 201, json_pack("{s:s, s:s}", "receipt", f.receipt, "status", "received"));
}

/* ---- GET /api/v1/public/objections/{receipt}  (no login; nothing personal) ---- */

enum kp_err kp_api_objections_receipt(struct kp_req *r)
{
    char receipt[KP_RECEIPT_LEN + 1];
    if (!kp_invitecode_receipt_parse(kp_req_param(r, "receipt"), receipt))
        return kp_reply_problem(r, KP_P_NOT_FOUND, "回执号有误，请核对后重新输入");
    const char *params[] = { receipt };
    PGresult *res;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_read(db, &SQL_RECEIPT, params, &res) : KP_E_NOMEM;
    if (err)
        return err;
    json_t *body = PQntuples(res) == 1 ? json_pack("{s:s, s:o, s:o}", "status", PQgetvalue(res, 0, 0), "reply",
                                                   kp_text_or_null(res, 0, 1), "decided_at",
                                                   kp_text_or_null(res, 0, 2))
                                       : NULL;
    bool none = PQntuples(res) == 0;
    PQclear(res);
    if (none)
        return kp_reply_problem(r, KP_P_NOT_FOUND, "回执号有误，请核对后重新输入");
    return body ? kp_reply_json(r, 200, body) : KP_E_NOMEM;
}

/* ---- GET /api/v1/batches/{id}/objections?status&limit&cursor  (admin) ---- */

struct filters {
    char batch[24];
    const char *status;
};

static enum kp_err fetch_page(struct kp_db *db, struct kp_list *l)
{
    const struct filters *f = l->arg;
    const char *b[] = { f->batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH, b, &res);
    if (err)
        return err;
    bool found = PQntuples(res) == 1;
    PQclear(res);
    if (!found)
        return KP_E_NOT_FOUND;
    const char *params[] = { f->batch, f->status, l->after, l->limit };
    return kp_list_exec(db, l, &SQL_LIST, params, objection_json);
}

enum kp_err kp_api_objections_list(struct kp_req *r)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct filters f = { .status = kp_req_query(r, "status") };
    snprintf(f.batch, sizeof f.batch, "%lld", id);
    json_t *errors = json_array();
    if (f.status && strcmp(f.status, "received") != 0 && strcmp(f.status, "upheld") != 0 &&
        strcmp(f.status, "dismissed") != 0)
        kp_problem_field(errors, "status", "enum", "应为 received、upheld 或 dismissed");
    return kp_list_reply(r, errors, 0, KP_TX_READ_ONLY, fetch_page, &f);
}

/* ---- POST /api/v1/objections/{id}/finding  {"result","reply"}  (admin) ---- */

struct finding {
    struct kp_req *r;
    char id[24], by[24];
    const char *result, *reply;
    /* outcome */
    bool found;
    const char *why;
};

/* The upheld objection's application leaves the list, told to its parties. */
static enum kp_err withdraw(struct kp_db *db, struct finding *d, PGresult *res)
{
    const char *app = PQgetvalue(res, 0, 1);
    const char *to = kp_app_transition(PQgetvalue(res, 0, 2), KP_APP_OBJECTION_UPHELD, KP_ROLE_ADMIN);
    if (to == NULL)
        return KP_OK;            /* withdrawn already, by an earlier upheld objection */
    const char *params[] = { app, to };
    PGresult *done;
    enum kp_err err = kp_db_exec(db, &SQL_WITHDRAW, params, &done);
    if (err)
        return err;
    PQclear(done);
    json_t *data = json_pack("{s:s, s:s, s:I}", "from", PQgetvalue(res, 0, 2), "to", to, "objection_id",
                             (json_int_t)atoll(d->id));
    err = data ? kp_req_audit(d->r, db, "application.withdrawn_after_objection", "application", app, data)
               : KP_E_NOMEM;
    json_decref(data);
    if (err)
        return err;
    char title[700];
    snprintf(title, sizeof title, "公示异议成立：%s", PQgetvalue(res, 0, 5));
    json_t *about = json_pack("{s:I, s:s}", "application_id", (json_int_t)atoll(app), "status", to);
    err = about ? kp_notify_parties(db, PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4),
                                    "application.withdrawn_after_objection", title,
                                    "经核查，公示期间收到的异议成立，该申报撤销拟认定", about)
                : KP_E_NOMEM;
    json_decref(about);
    return err;
}

static enum kp_err finding_tx(struct kp_db *db, void *arg)
{
    struct finding *d = arg;
    d->why = NULL;
    const char *params[] = { d->id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_FINDING_LOCK, params, &res);
    if (err)
        return err;
    d->found = PQntuples(res) == 1;
    if (d->found && strcmp(PQgetvalue(res, 0, 0), "received") != 0)
        d->why = "该异议已有处理结论，只能处理一次";
    else if (d->found && strcmp(PQgetvalue(res, 0, 6), "publicity") != 0)
        d->why = "批次已不在公示阶段";
    if (!d->found || d->why) {
        PQclear(res);
        return KP_OK;
    }
    const char *decide[] = { d->id, d->result, d->reply, d->by };
    PGresult *done;
    if ((err = kp_db_exec(db, &SQL_DECIDE, decide, &done))) {
        PQclear(res);
        return err;
    }
    PQclear(done);
    json_t *data = json_pack("{s:s, s:I}", "result", d->result, "application_id",
                             (json_int_t)atoll(PQgetvalue(res, 0, 1)));
    err = data ? kp_req_audit(d->r, db, "objection.decided", "objection", d->id, data) : KP_E_NOMEM;
    json_decref(data);
    if (err == KP_OK && strcmp(d->result, "upheld") == 0)
        err = withdraw(db, d, res);
    PQclear(res);
    return err;
}

enum kp_err kp_api_objections_finding(struct kp_req *r)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct finding d = { .r = r };
    const struct kp_jfield spec[] = {
        KP_JSTRING("result", &d.result, 1, 16),
        KP_JSTRING("reply", &d.reply, 1, 5000),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    if (d.result && strcmp(d.result, "upheld") != 0 && strcmp(d.result, "dismissed") != 0)
        kp_problem_field(errors, "result", "enum", "应为 upheld 或 dismissed");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    snprintf(d.id, sizeof d.id, "%lld", id);
    snprintf(d.by, sizeof d.by, "%lld", kp_req_principal(r)->user_id);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, finding_tx, &d) : KP_E_NOMEM;
    if (err)
        return err;
    if (!d.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (d.why)
        return kp_reply_problem(r, KP_P_INVALID_STATE, d.why);
    const char *params[] = { d.id };
    PGresult *res;
    if ((err = kp_db_read(db, &SQL_GET, params, &res)))
        return err;
    json_t *body = PQntuples(res) == 1 ? objection_json(res, 0) : NULL;
    PQclear(res);
    return body ? kp_reply_json(r, 200, body) : KP_E_NOMEM;
}
