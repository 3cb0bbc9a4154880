/* The expert committee (认定专家): people who score applications in the
 * final evaluation, each with one login of role `expert` whose initial
 * password is random, shown once in the answer that made it, and must be
 * changed at first login, as a recommender's is (lib/auth/account.h).
 * What an expert works for (organisation, its credit code, the recommender
 * that put it forward) decides its conflicts of interest (conflicts.c).
 * The admin manages them at any stage of a batch. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "account.h"
#include "api.h"
#include "auth.h"
#include "creditcode.h"
#include "list.h"
#include "validate.h"
#include "views.h"

#define EXPERT_COLUMNS                                                                  \
    "e.id, e.name, u.username, e.organization, e.organization_credit_code,"             \
    " e.recommender_id, e.field, g.name, u.disabled, u.email"
#define FROM_EXPERTS \
    " FROM experts e JOIN users u ON u.id = e.user_id LEFT JOIN regions g ON g.code = e.region_code"

/* The region's code ($1 a name; NULL when none is named or none has it),
 * and whether recommender $2 exists (true when none is named). */
static const struct kp_stmt SQL_REFS = {
    "experts_refs",
    "SELECT (SELECT code FROM regions WHERE name = $1),"
    "       $2::bigint IS NULL OR EXISTS (SELECT 1 FROM recommenders WHERE id = $2::bigint)",
    2,
};

static const struct kp_stmt SQL_INSERT = {
    "experts_insert",
    "WITH e AS (INSERT INTO experts (name, organization, organization_credit_code, recommender_id,"
    "                                field, region_code, user_id)"
    "           VALUES ($1, $2, $3, $4::bigint, $5, $6::int, $7) RETURNING id, user_id)"
    "UPDATE users SET org_id = e.id, email = $8 FROM e WHERE users.id = e.user_id RETURNING e.id",
    8,
};

static const struct kp_stmt SQL_GET = {
    "experts_get", "SELECT " EXPERT_COLUMNS ", u.id" FROM_EXPERTS " WHERE e.id = $1", 1,
};
enum { EXPERT_USER_ID = 10 };        /* SQL_GET's column after EXPERT_COLUMNS */

static const struct kp_stmt SQL_LIST = {
    "experts_list",
    "SELECT " EXPERT_COLUMNS FROM_EXPERTS
    " WHERE e.id > $1 AND ($2::boolean IS NULL OR u.disabled = $2::boolean)"
    "   AND ($3::text IS NULL OR g.name = $3)"
    "   AND ($4::text IS NULL OR strpos(e.name, $4) > 0 OR strpos(e.organization, $4) > 0)"
    " ORDER BY e.id LIMIT $5",
    5,
};

/* A field sent as null clears it ($n::boolean says whether it was sent);
 * the login's display name follows the expert's, and its address is the
 * expert's (notify.c mails it). */
static const struct kp_stmt SQL_UPDATE = {
    "experts_update",
    "WITH e AS (UPDATE experts SET name = coalesce($2, name), organization = coalesce($3, organization),"
    "             organization_credit_code = CASE WHEN $4::boolean THEN $5 ELSE organization_credit_code END,"
    "             recommender_id = CASE WHEN $6::boolean THEN $7::bigint ELSE recommender_id END,"
    "             field = coalesce($8, field),"
    "             region_code = CASE WHEN $9::boolean THEN $10::int ELSE region_code END"
    "           WHERE id = $1 RETURNING user_id, name)"
    "UPDATE users SET display_name = e.name,"
    "       email = CASE WHEN $11::boolean THEN $12 ELSE users.email END"
    "  FROM e WHERE users.id = e.user_id",
    12,
};

/* {"id","name","username","organization","organization_credit_code",
 * "recommender_id","field","region","disabled","email"} from EXPERT_COLUMNS. */
static json_t *expert_json(PGresult *res, int row)
{
    json_t *recommender = PQgetisnull(res, row, 5) ? json_null()
                                                   : json_integer(atoll(PQgetvalue(res, row, 5)));
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:b, s:o}",
                     "id", (json_int_t)atoll(PQgetvalue(res, row, 0)), "name", PQgetvalue(res, row, 1),
                     "username", PQgetvalue(res, row, 2), "organization", PQgetvalue(res, row, 3),
                     "organization_credit_code", kp_text_or_null(res, row, 4),
                     "recommender_id", recommender, "field", PQgetvalue(res, row, 6),
                     "region", kp_text_or_null(res, row, 7),
                     "disabled", PQgetvalue(res, row, 8)[0] == 't',
                     "email", kp_text_or_null(res, row, 9));
}

/* What POST and PATCH take.  Optional references start at what no valid
 * value is (KP_JNULLABLE): NULL, 0. */
struct fields {
    const char *name, *username, *organization, *credit_typed, *field, *region, *email;
    long long recommender;
    bool has_credit, has_recommender, has_region, has_email;
    char credit[KP_CREDITCODE_LEN + 1];
};

struct one {
    struct kp_req *r;
    char id[24];
    struct fields f;
    struct kp_initial_password pw;
    json_t *expert;
    char user_id[24];
    bool found;
    bool bad_region, bad_recommender;     /* a reference that named nothing */
    const char *action;            /* expert.disabled, expert.enabled */
};

static enum kp_err fetch(struct one *o, struct kp_db *db)
{
    const char *params[] = { o->id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_GET, params, &res);
    if (err)
        return err;
    o->found = PQntuples(res) == 1;
    json_decref(o->expert);
    o->expert = o->found ? expert_json(res, 0) : NULL;
    if (o->found)
        snprintf(o->user_id, sizeof o->user_id, "%s", PQgetvalue(res, 0, EXPERT_USER_ID));
    PQclear(res);
    return KP_OK;
}

/* The region's code into region ("" when none is named) and whether the
 * named recommender exists: o->bad_region, o->bad_recommender. */
static enum kp_err check_references(struct one *o, struct kp_db *db, char region[16], char recommender[24])
{
    const struct fields *f = &o->f;
    snprintf(recommender, 24, "%lld", f->recommender);
    const char *params[] = { f->region, f->recommender ? recommender : NULL };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_REFS, params, &res);
    if (err)
        return err;
    snprintf(region, 16, "%s", PQgetvalue(res, 0, 0));
    o->bad_region = f->region && PQgetisnull(res, 0, 0);
    o->bad_recommender = PQgetvalue(res, 0, 1)[0] != 't';
    PQclear(res);
    return KP_OK;
}

/* 422 naming the references that named nothing. */
static enum kp_err reply_bad_references(struct kp_req *r, const struct one *o)
{
    json_t *errors = json_array();
    if (o->bad_recommender)
        kp_problem_field(errors, "recommender_id", "not_found", "没有这个推荐单位");
    if (o->bad_region)
        kp_problem_field(errors, "region", "enum", KP_REGION_MESSAGE);
    return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
}

/* The checks beyond types and lengths, once the fields are taken. */
static void check_fields(struct fields *f, json_t *errors)
{
    char why[160];
    if (f->username && !kp_username_valid(f->username, why, sizeof why))
        kp_problem_field(errors, "username", "invalid", why);
    if (f->credit_typed)
        kp_creditcode_take(f->credit_typed, f->credit, "organization_credit_code", errors);
    if (f->email && !kp_email_ok(f->email))
        kp_problem_field(errors, "email", "format", "请填写有效的电子邮箱");
}

/* Takes the body by `spec` into f and checks it: false when the 422 is
 * queued (or *err says why it could not be). */
static bool take_fields(struct kp_req *r, const struct kp_jfield *spec, struct fields *f, enum kp_err *err)
{
    json_t *errors = json_array();
    *err = errors ? KP_OK : KP_E_NOMEM;
    if (errors == NULL)
        return false;
    if (kp_json_take(kp_req_json(r), spec, "", false, errors) == KP_OK)
        check_fields(f, errors);
    if (json_array_size(errors) == 0) {
        json_decref(errors);
        return true;
    }
    *err = kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    return false;
}

/* ---- POST /api/v1/experts ---- */

static enum kp_err create_tx(struct kp_db *db, void *arg)
{
    struct one *o = arg;
    const struct fields *f = &o->f;
    char region[16], recommender[24], uid[24];
    enum kp_err err = check_references(o, db, region, recommender);
    if (err || o->bad_region || o->bad_recommender)
        return err;
    if ((err = kp_account_create(db, "expert", f->username, f->name, o->pw.hash, uid)))
        return err;
    const char *params[] = { f->name, f->organization, f->credit_typed ? f->credit : NULL,
                             f->recommender ? recommender : NULL, f->field, f->region ? region : NULL, uid,
                             f->email };
    PGresult *res;
    if ((err = kp_db_exec(db, &SQL_INSERT, params, &res)))
        return err;
    snprintf(o->id, sizeof o->id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if ((err = fetch(o, db)))
        return err;
    return kp_req_audit(o->r, db, "expert.created", "expert", o->id, o->expert);
}

enum kp_err kp_api_experts_create(struct kp_req *r)
{
    struct one o = { .r = r };
    struct fields *f = &o.f;
    const struct kp_jfield spec[] = {
        KP_JSTRING("name", &f->name, 1, 50),
        KP_JSTRING("username", &f->username, 1, 64),
        KP_JSTRING("organization", &f->organization, 1, 100),
        KP_JOPTIONAL("organization_credit_code", KP_J_STRING, &f->credit_typed, 1, 40, &f->has_credit),
        KP_JOPTIONAL("recommender_id", KP_J_INT, &f->recommender, 1, LLONG_MAX, &f->has_recommender),
        KP_JSTRING("field", &f->field, 1, 100),
        KP_JOPTIONAL("region", KP_J_STRING, &f->region, 1, 32, &f->has_region),
        KP_JOPTIONAL("email", KP_J_STRING, &f->email, 3, 254, &f->has_email),
        KP_JEND,
    };
    enum kp_err err;
    if (!take_fields(r, spec, f, &err))
        return err;
    err = kp_account_initial_password(&o.pw, &kp_req_server(r)->pwcost);
    struct kp_db *db = kp_req_db(r);
    if (err == KP_OK)
        err = db ? kp_db_tx(db, KP_TX_AUDITED, create_tx, &o) : KP_E_NOMEM;
    if (err || o.bad_region || o.bad_recommender) {
        kp_account_forget(&o.pw);
        json_decref(o.expert);
        if (err == KP_E_DB_UNIQUE) {      /* users_username_key: the only unique value */
            json_t *errors = json_array();
            kp_problem_field(errors, "username", "taken", "用户名已被使用");
            return kp_reply_problem_errors(r, KP_P_CONFLICT, "用户名已被使用", errors);
        }
        return err ? err : reply_bad_references(r, &o);
    }
    return kp_reply_json(r, 201, kp_with_initial_password("expert", o.expert, &o.pw));
}

/* ---- GET /api/v1/experts/{id} ---- */

static enum kp_err get_tx(struct kp_db *db, void *arg)
{
    return fetch(arg, db);
}

/* The {id} of the route into o->id; false (404) when it is not an id. */
static bool take_id(struct one *o)
{
    long long id;
    if (!kp_req_param_id(o->r, "id", &id))
        return false;
    snprintf(o->id, sizeof o->id, "%lld", id);
    return true;
}

/* The expert, or 404. */
static enum kp_err reply_expert(struct kp_req *r, enum kp_err err, struct one *o)
{
    if (err || !o->found) {
        json_decref(o->expert);
        return err ? err : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    return kp_reply_json(r, 200, o->expert);
}

enum kp_err kp_api_experts_get(struct kp_req *r)
{
    struct one o = { .r = r };
    if (!take_id(&o))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct kp_db *db = kp_req_db(r);
    return reply_expert(r, db ? kp_db_tx(db, KP_TX_READ_ONLY, get_tx, &o) : KP_E_NOMEM, &o);
}

/* ---- GET /api/v1/experts?q&disabled&region&limit&cursor ---- */

struct filters {
    const char *disabled, *region, *q;
};

static enum kp_err fetch_page(struct kp_db *db, struct kp_list *l)
{
    const struct filters *f = l->arg;
    const char *params[] = { l->after, f->disabled, f->region, f->q, l->limit };
    return kp_list_exec(db, l, &SQL_LIST, params, expert_json);
}

enum kp_err kp_api_experts_list(struct kp_req *r)
{
    struct filters f = { .disabled = kp_req_query(r, "disabled"), .region = kp_req_query(r, "region"),
                         .q = kp_req_query(r, "q") };
    json_t *errors = json_array();
    if (f.disabled != NULL && strcmp(f.disabled, "true") != 0 && strcmp(f.disabled, "false") != 0)
        kp_problem_field(errors, "disabled", "enum", "应为 true 或 false");
    return kp_list_reply(r, errors, 0, KP_TX_READ_ONLY, fetch_page, &f);
}

/* ---- PATCH /api/v1/experts/{id} ---- */

static enum kp_err update_tx(struct kp_db *db, void *arg)
{
    struct one *o = arg;
    const struct fields *f = &o->f;
    enum kp_err err = fetch(o, db);
    if (err || !o->found || json_object_size(kp_req_json(o->r)) == 0)    /* {}: nothing changes */
        return err;
    char region[16], recommender[24];
    if ((err = check_references(o, db, region, recommender)) || o->bad_region || o->bad_recommender)
        return err;
    const char *params[] = { o->id, f->name, f->organization,
                             f->has_credit ? "true" : "false", f->credit_typed ? f->credit : NULL,
                             f->has_recommender ? "true" : "false", f->recommender ? recommender : NULL,
                             f->field, f->has_region ? "true" : "false", f->region ? region : NULL,
                             f->has_email ? "true" : "false", f->email };
    PGresult *res;
    if ((err = kp_db_exec(db, &SQL_UPDATE, params, &res)))
        return err;
    PQclear(res);
    if ((err = fetch(o, db)))
        return err;
    /* the changes as sent, the credit code as stored */
    json_t *changes = json_deep_copy(kp_req_json(o->r));
    if (f->credit_typed)
        json_object_set_new(changes, "organization_credit_code", json_string(f->credit));
    err = changes ? kp_req_audit(o->r, db, "expert.updated", "expert", o->id, changes) : KP_E_NOMEM;
    json_decref(changes);
    return err;
}

enum kp_err kp_api_experts_update(struct kp_req *r)
{
    struct one o = { .r = r };
    struct fields *f = &o.f;
    if (!take_id(&o))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const struct kp_jfield spec[] = {
        KP_JOPTIONAL("name", KP_J_STRING, &f->name, 1, 50, NULL),
        KP_JOPTIONAL("organization", KP_J_STRING, &f->organization, 1, 100, NULL),
        KP_JNULLABLE("organization_credit_code", KP_J_STRING, &f->credit_typed, 1, 40, &f->has_credit),
        KP_JNULLABLE("recommender_id", KP_J_INT, &f->recommender, 1, LLONG_MAX, &f->has_recommender),
        KP_JOPTIONAL("field", KP_J_STRING, &f->field, 1, 100, NULL),
        KP_JNULLABLE("region", KP_J_STRING, &f->region, 1, 32, &f->has_region),
        KP_JNULLABLE("email", KP_J_STRING, &f->email, 3, 254, &f->has_email),
        KP_JEND,
    };
    enum kp_err err;
    if (!take_fields(r, spec, f, &err))
        return err;
    struct kp_db *db = kp_req_db(r);
    err = db ? kp_db_tx(db, KP_TX_AUDITED, update_tx, &o) : KP_E_NOMEM;
    if (err == KP_OK && o.found && (o.bad_region || o.bad_recommender)) {
        json_decref(o.expert);
        return reply_bad_references(r, &o);
    }
    return reply_expert(r, err, &o);
}

/* ---- POST /api/v1/experts/{id}/disable|enable ---- */

static enum kp_err account_tx(struct kp_db *db, void *arg)
{
    struct one *o = arg;
    enum kp_err err = fetch(o, db);
    if (err || !o->found)
        return err;
    if ((err = kp_account_set_disabled(db, o->user_id, strcmp(o->action, "expert.disabled") == 0)) ||
        (err = fetch(o, db)))
        return err;
    return kp_req_audit(o->r, db, o->action, "expert", o->id, NULL);
}

static enum kp_err account_action(struct kp_req *r, const char *action)
{
    struct one o = { .r = r, .action = action };
    if (!take_id(&o))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct kp_db *db = kp_req_db(r);
    return reply_expert(r, db ? kp_db_tx(db, KP_TX_AUDITED, account_tx, &o) : KP_E_NOMEM, &o);
}

enum kp_err kp_api_experts_disable(struct kp_req *r)
{
    return account_action(r, "expert.disabled");
}

enum kp_err kp_api_experts_enable(struct kp_req *r)
{
    return account_action(r, "expert.enabled");
}
