/* Contact forms (附件2): each recommender files its contact person for an
 * open batch until the batch's contact deadline, judged by the database
 * clock (a draft batch is the admin's alone: 404).  The admin is notified of
 * each filing and sees who has filed and who has not. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "api.h"
#include "auth.h"
#include "list.h"
#include "notify.h"
#include "validate.h"
#include "views.h"

#define CONTACT_COLUMNS \
    "c.batch_id, c.recommender_id, r.name, c.name, c.department, c.position, c.office_phone," \
    " c.mobile, c.email, c.address, " KP_TIME("c.submitted_at")

static const struct kp_stmt SQL_BATCH = {
    "contacts_batch",
    "SELECT status, now() > contact_deadline FROM batches b WHERE id = $1 AND " KP_BATCHSCOPE_SQL("$2"),
    2,
};

static const struct kp_stmt SQL_UPSERT = {
    "contacts_upsert",
    "INSERT INTO contacts AS c (batch_id, recommender_id, name, department, position, office_phone,"
    "                           mobile, email, address)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    " ON CONFLICT (batch_id, recommender_id) DO UPDATE SET"
    "   name = excluded.name, department = excluded.department, position = excluded.position,"
    "   office_phone = excluded.office_phone, mobile = excluded.mobile, email = excluded.email,"
    "   address = excluded.address, submitted_at = now()"
    " RETURNING (xmax = 0)",      /* true: inserted, false: updated */
    9,
};

/* The recommender's account takes its contact's address when it has none.
 * An address already set is the account's own (where a reset link goes):
 * only PUT /session/mail, with the password, or the admin changes it. */
static const struct kp_stmt SQL_ACCOUNT_EMAIL = {
    "contacts_account_email", "UPDATE users SET email = coalesce(email, $2) WHERE id = $1", 2,
};

static const struct kp_stmt SQL_GET = {
    "contacts_get",
    "SELECT " CONTACT_COLUMNS " FROM contacts c JOIN recommenders r ON r.id = c.recommender_id"
    "  JOIN batches b ON b.id = c.batch_id"
    " WHERE c.batch_id = $1 AND c.recommender_id = $2 AND " KP_BATCHSCOPE_SQL("$3"),
    3,
};

static const struct kp_stmt SQL_LIST = {
    "contacts_list",
    "SELECT r.id, r.name, r.kind, g.name, c.batch_id IS NOT NULL, " CONTACT_COLUMNS
    "  FROM recommenders r JOIN users u ON u.id = r.user_id"
    "  LEFT JOIN regions g ON g.code = r.region_code"
    "  LEFT JOIN contacts c ON c.recommender_id = r.id AND c.batch_id = $1"
    " WHERE NOT u.disabled AND r.id > $2"
    "   AND ($3::boolean IS NULL OR (c.batch_id IS NOT NULL) = $3)"
    "   AND ($4::text IS NULL OR r.kind = $4)"
    " ORDER BY r.id LIMIT $5",
    5,
};

static const struct kp_stmt SQL_BATCH_EXISTS = {
    "contacts_batch_exists", "SELECT 1 FROM batches b WHERE id = $1 AND " KP_BATCHSCOPE_SQL("$2"), 2,
};

/* The contact object from CONTACT_COLUMNS starting at column `c`. */
static json_t *contact_json(PGresult *res, int row, int c)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "batch_id", (json_int_t)atoll(PQgetvalue(res, row, c)),
                     "recommender_id", (json_int_t)atoll(PQgetvalue(res, row, c + 1)),
                     "recommender_name", PQgetvalue(res, row, c + 2),
                     "name", PQgetvalue(res, row, c + 3), "department", PQgetvalue(res, row, c + 4),
                     "position", PQgetvalue(res, row, c + 5), "office_phone", PQgetvalue(res, row, c + 6),
                     "mobile", PQgetvalue(res, row, c + 7), "email", PQgetvalue(res, row, c + 8),
                     "address", PQgetvalue(res, row, c + 9), "submitted_at", PQgetvalue(res, row, c + 10));
}

struct filing {
    struct kp_req *r;
    char batch[24], recommender[24];
    const char *f[7];        /* name, department, position, office_phone, mobile, email, address */
    bool found;
    enum kp_problem refusal;
    const char *why;
    json_t *contact;
};

static enum kp_err fetch(struct filing *c, struct kp_db *db)
{
    const char *params[] = { c->batch, c->recommender, kp_batchscope_for(kp_req_principal(c->r)) };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_GET, params, &res);
    if (err)
        return err;
    c->found = PQntuples(res) == 1;
    if (c->found)
        c->contact = contact_json(res, 0, 0);
    PQclear(res);
    return KP_OK;
}

static enum kp_err file_tx(struct kp_db *db, void *arg)
{
    struct filing *c = arg;
    const char *params[] = { c->batch, kp_batchscope_for(kp_req_principal(c->r)) };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH, params, &res);
    if (err)
        return err;
    c->found = PQntuples(res) == 1;
    c->why = NULL;
    if (c->found) {
        const char *status = PQgetvalue(res, 0, 0);
        if (strcmp(status, "open") != 0) {
            c->refusal = KP_P_INVALID_STATE;
            c->why = "批次已进入评审，不能再报送联系人";
        } else if (PQgetvalue(res, 0, 1)[0] == 't') {
            c->refusal = KP_P_DEADLINE_PASSED;
            c->why = "联系人报送已截止";
        }
    }
    PQclear(res);
    if (!c->found || c->why)
        return KP_OK;
    const char *row[] = { c->batch, c->recommender, c->f[0], c->f[1], c->f[2], c->f[3], c->f[4],
                          c->f[5], c->f[6] };
    if ((err = kp_db_exec(db, &SQL_UPSERT, row, &res)))
        return err;
    bool first = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", kp_req_principal(c->r)->user_id);
    const char *account[] = { uid, c->f[5] };
    if ((err = kp_db_exec(db, &SQL_ACCOUNT_EMAIL, account, &res)))
        return err;
    PQclear(res);
    json_decref(c->contact);
    c->contact = NULL;
    if ((err = fetch(c, db)))
        return err;
    err = kp_req_audit(c->r, db, first ? "contact.filed" : "contact.updated", "contact", c->batch, c->contact);
    if (err)
        return err;
    char title[300];
    snprintf(title, sizeof title, "%s%s联系人信息", kp_req_principal(c->r)->display_name,
             first ? "已报送" : "已更新");
    json_t *data = json_pack("{s:I, s:I}", "batch_id", (json_int_t)atoll(c->batch),
                             "recommender_id", (json_int_t)atoll(c->recommender));
    err = kp_notify_role(db, "admin", first ? "contact.filed" : "contact.updated", title,
                         json_string_value(json_object_get(c->contact, "name")), data);
    json_decref(data);
    return err;
}

/* PUT /api/v1/batches/{id}/contact */
enum kp_err kp_api_contact_put(struct kp_req *r)
{
    struct filing c = { .r = r };
    long long batch;
    if (!kp_req_param_id(r, "id", &batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(c.batch, sizeof c.batch, "%lld", batch);
    snprintf(c.recommender, sizeof c.recommender, "%lld", kp_req_principal(r)->org_id);
    const struct kp_jfield spec[] = {
        KP_JSTRING("name", &c.f[0], 1, 50),
        KP_JSTRING("department", &c.f[1], 1, 100),
        KP_JSTRING("position", &c.f[2], 1, 50),
        KP_JSTRING("office_phone", &c.f[3], 1, 20),
        KP_JSTRING("mobile", &c.f[4], 1, 20),
        KP_JSTRING("email", &c.f[5], 1, 254),
        KP_JSTRING("address", &c.f[6], 1, 200),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    if (kp_json_take(kp_req_json(r), spec, "", false, errors) == KP_OK) {
        if (!kp_valid_phone(c.f[3]))
            kp_problem_field(errors, "office_phone", "format", "请填写有效的办公电话，如 010-68571234");
        if (!kp_valid_mobile(c.f[4]))
            kp_problem_field(errors, "mobile", "format", "请填写 11 位手机号码");
        if (!kp_email_ok(c.f[5]))
            kp_problem_field(errors, "email", "format", "请填写有效的电子邮箱");
    }
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, file_tx, &c) : KP_E_NOMEM;
    if (err || !c.found || c.why) {
        json_decref(c.contact);
        if (err)
            return err;
        return c.why ? kp_reply_problem(r, c.refusal, c.why) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    return kp_reply_json(r, 200, c.contact);
}

static enum kp_err own_tx(struct kp_db *db, void *arg)
{
    return fetch(arg, db);
}

/* GET /api/v1/batches/{id}/contact  (a recommender's own; 404 before it is filed) */
enum kp_err kp_api_contact_get(struct kp_req *r)
{
    struct filing c = { .r = r };
    long long batch;
    if (!kp_req_param_id(r, "id", &batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(c.batch, sizeof c.batch, "%lld", batch);
    snprintf(c.recommender, sizeof c.recommender, "%lld", kp_req_principal(r)->org_id);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, own_tx, &c) : KP_E_NOMEM;
    if (err)
        return err;
    return c.found ? kp_reply_json(r, 200, c.contact) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
}

struct filters {
    char batch[24];
    const char *filed, *kind, *drafts;
};

static json_t *row_json(PGresult *res, int i)
{
    bool filed = PQgetvalue(res, i, 4)[0] == 't';
    return json_pack("{s:I, s:s, s:s, s:o, s:b, s:o}",
        "recommender_id", (json_int_t)atoll(PQgetvalue(res, i, 0)),
        "recommender_name", PQgetvalue(res, i, 1), "kind", PQgetvalue(res, i, 2),
        "region", kp_text_or_null(res, i, 3), "filed", filed,
        "contact", filed ? contact_json(res, i, 5) : json_null());
}

static enum kp_err fetch_page(struct kp_db *db, struct kp_list *l)
{
    const struct filters *f = l->arg;
    const char *b[] = { f->batch, f->drafts };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH_EXISTS, b, &res);
    if (err)
        return err;
    bool found = PQntuples(res) == 1;
    PQclear(res);
    if (!found)
        return KP_E_NOT_FOUND;
    const char *params[] = { f->batch, l->after, f->filed, f->kind, l->limit };
    if ((err = kp_db_exec(db, &SQL_LIST, params, &res)))
        return err;
    kp_list_take(l, res, row_json);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/batches/{id}/contacts?filed&kind&limit&cursor  (admin) */
enum kp_err kp_api_contacts_list(struct kp_req *r)
{
    struct filters f = { .filed = kp_req_query(r, "filed"), .kind = kp_req_query(r, "kind"),
                         .drafts = kp_batchscope_for(kp_req_principal(r)) };
    long long batch;
    if (!kp_req_param_id(r, "id", &batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(f.batch, sizeof f.batch, "%lld", batch);
    json_t *errors = json_array();
    if (f.filed != NULL && strcmp(f.filed, "true") != 0 && strcmp(f.filed, "false") != 0)
        kp_problem_field(errors, "filed", "type", "应为 true 或 false");
    if (f.kind && !kp_valid_recommender_kind(f.kind))
        kp_problem_field(errors, "kind", "enum", KP_RECOMMENDER_KIND_MESSAGE);
    return kp_list_reply(r, errors, 0, KP_TX_READ_ONLY, fetch_page, &f);
}
