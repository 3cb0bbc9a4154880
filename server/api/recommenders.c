/* Recommenders (推荐单位) of three kinds, each with one login account whose
 * initial password is random, shown once in the answer that made it, and
 * must be changed at first login.  The admin manages them; a recommender
 * reads only itself. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "account.h"
#include "api.h"
#include "auth.h"
#include "list.h"
#include "validate.h"
#include "views.h"

#define FROM_RECOMMENDERS \
    " FROM recommenders r JOIN users u ON u.id = r.user_id" \
    " LEFT JOIN regions g ON g.code = r.region_code"

static const struct kp_stmt SQL_REGION = {
    "recommenders_region", "SELECT code FROM regions WHERE name = $1", 1,
};

static const struct kp_stmt SQL_INSERT = {
    "recommenders_insert",
    "WITH r AS (INSERT INTO recommenders (name, kind, region_code, user_id)"
    "           VALUES ($1, $2, $3::int, $4) RETURNING id, user_id)"
    "UPDATE users SET org_id = r.id, email = $5 FROM r WHERE users.id = r.user_id RETURNING r.id",
    5,
};

static const struct kp_stmt SQL_GET = {
    "recommenders_get",
    "SELECT " KP_RECOMMENDER_COLUMNS ", u.id" FROM_RECOMMENDERS
    " WHERE r.id = $3 AND ($1::boolean OR r.id = $2::bigint)",
    3,
};

static const struct kp_stmt SQL_LIST = {
    "recommenders_list",
    "SELECT " KP_RECOMMENDER_COLUMNS FROM_RECOMMENDERS
    " WHERE ($1::boolean OR r.id = $2::bigint) AND r.id > $3"
    "   AND ($4::text IS NULL OR r.kind = $4) AND ($5::text IS NULL OR g.name = $5)"
    "   AND ($6::text IS NULL OR strpos(r.name, $6) > 0)"
    " ORDER BY r.id LIMIT $7",
    7,
};


struct one {
    struct kp_req *r;
    long long id;
    const char *name, *kind, *region, *username, *email;
    bool has_region, has_email;
    struct kp_initial_password pw;
    json_t *recommender;
    bool found, unknown_region;
    char user_id[24];
    const char *action;      /* for password reset, disable, enable */
};

static enum kp_err fetch(struct one *o, struct kp_db *db, const struct kp_rowscope *scope)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", o->id);
    const char *params[] = { scope->all, scope->owner, id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_GET, params, &res);
    if (err)
        return err;
    o->found = PQntuples(res) == 1;
    json_decref(o->recommender);
    o->recommender = o->found ? kp_recommender_json(res, 0) : NULL;
    if (o->found)
        snprintf(o->user_id, sizeof o->user_id, "%s", PQgetvalue(res, 0, KP_RECOMMENDER_NCOLUMNS));
    PQclear(res);
    return KP_OK;
}

static enum kp_err create_tx(struct kp_db *db, void *arg)
{
    struct one *o = arg;
    PGresult *res;
    enum kp_err err;
    char region_code[16] = "";
    o->unknown_region = false;
    if (o->region != NULL) {
        const char *p[] = { o->region };
        if ((err = kp_db_exec(db, &SQL_REGION, p, &res)))
            return err;
        o->unknown_region = PQntuples(res) == 0;
        if (!o->unknown_region)
            snprintf(region_code, sizeof region_code, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
        if (o->unknown_region)
            return KP_OK;
    }
    char uid[24];
    if ((err = kp_account_create(db, "recommender", o->username, o->name, o->pw.hash, uid)))
        return err;
    const char *rec[] = { o->name, o->kind, o->region ? region_code : NULL, uid, o->email };
    if ((err = kp_db_exec(db, &SQL_INSERT, rec, &res)))
        return err;
    o->id = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    const struct kp_rowscope all = { "true", "0" };
    if ((err = fetch(o, db, &all)))
        return err;
    char id[24];
    return kp_req_audit(o->r, db, "recommender.created", "recommender", kp_json_id(o->recommender, id),
                        o->recommender);
}

/* POST /api/v1/recommenders */
enum kp_err kp_api_recommenders_create(struct kp_req *r)
{
    struct one o = { .r = r };
    const struct kp_jfield spec[] = {
        KP_JSTRING("name", &o.name, 1, 100),
        KP_JSTRING("kind", &o.kind, 1, 32),
        KP_JOPTIONAL("region", KP_J_STRING, &o.region, 1, 32, &o.has_region),
        KP_JSTRING("username", &o.username, 1, 64),
        KP_JOPTIONAL("email", KP_J_STRING, &o.email, 3, 254, &o.has_email),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    if (kp_json_take(kp_req_json(r), spec, "", false, errors) == KP_OK) {
        char why[160];
        if (!kp_valid_recommender_kind(o.kind))
            kp_problem_field(errors, "kind", "enum", KP_RECOMMENDER_KIND_MESSAGE);
        else if (strcmp(o.kind, "provincial_cast") == 0 && !o.has_region)
            kp_problem_field(errors, "region", "required", "省级科协必须填写所在地区");
        else if (strcmp(o.kind, "provincial_cast") != 0 && o.has_region)
            kp_problem_field(errors, "region", "unexpected", "只有省级科协有所在地区");
        if (!kp_username_valid(o.username, why, sizeof why))
            kp_problem_field(errors, "username", "invalid", why);
        if (o.email && !kp_email_ok(o.email))
            kp_problem_field(errors, "email", "format", "请填写有效的电子邮箱");
    }
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);

    enum kp_err err = kp_account_initial_password(&o.pw, &kp_req_server(r)->pwcost);
    struct kp_db *db = kp_req_db(r);
    if (err == KP_OK)
        err = db ? kp_db_tx(db, KP_TX_AUDITED, create_tx, &o) : KP_E_NOMEM;
    if (err == KP_E_DB_UNIQUE) {
        kp_account_forget(&o.pw);
        bool name = strcmp(kp_db_last_constraint(db), "recommenders_name_key") == 0;
        kp_problem_field(errors, name ? "name" : "username", "taken", name ? "推荐单位名称已存在" : "用户名已被使用");
        return kp_reply_problem_errors(r, KP_P_CONFLICT, name ? "推荐单位名称已存在" : "用户名已被使用", errors);
    }
    if (err || o.unknown_region) {
        kp_account_forget(&o.pw);
        if (err) {
            json_decref(errors);
            return err;
        }
        kp_problem_field(errors, "region", "enum", KP_REGION_MESSAGE);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    json_decref(errors);
    return kp_reply_json(r, 201, kp_with_initial_password("recommender", o.recommender, &o.pw));
}

static enum kp_err get_tx(struct kp_db *db, void *arg)
{
    struct one *o = arg;
    struct kp_rowscope scope;
    kp_rowscope_own_org(kp_req_principal(o->r), &scope);
    return fetch(o, db, &scope);
}

/* GET /api/v1/recommenders/{id} */
enum kp_err kp_api_recommenders_get(struct kp_req *r)
{
    struct one o = { .r = r };
    if (!kp_req_param_id(r, "id", &o.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, get_tx, &o) : KP_E_NOMEM;
    if (err)
        return err;
    return o.found ? kp_reply_json(r, 200, o.recommender) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
}

struct filters {
    struct kp_rowscope scope;
    const char *kind, *region, *q;
};

static enum kp_err fetch_page(struct kp_db *db, struct kp_list *l)
{
    const struct filters *f = l->arg;
    const char *params[] = { f->scope.all, f->scope.owner, l->after, f->kind, f->region, f->q, l->limit };
    return kp_list_exec(db, l, &SQL_LIST, params, kp_recommender_json);
}

/* GET /api/v1/recommenders?kind&region&q&limit&cursor */
enum kp_err kp_api_recommenders_list(struct kp_req *r)
{
    struct filters f = { .kind = kp_req_query(r, "kind"), .region = kp_req_query(r, "region"),
                         .q = kp_req_query(r, "q") };
    kp_rowscope_own_org(kp_req_principal(r), &f.scope);
    json_t *errors = json_array();
    if (f.kind != NULL && !kp_valid_recommender_kind(f.kind))
        kp_problem_field(errors, "kind", "enum", KP_RECOMMENDER_KIND_MESSAGE);
    return kp_list_reply(r, errors, 0, KP_TX_READ_ONLY, fetch_page, &f);
}

/* ---- the admin's actions on a recommender's account ---- */

static enum kp_err account_tx(struct kp_db *db, void *arg)
{
    struct one *o = arg;
    const struct kp_rowscope all = { "true", "0" };
    enum kp_err err = fetch(o, db, &all);
    if (err || !o->found)
        return err;
    if (strcmp(o->action, "recommender.password_reset") == 0)
        err = kp_account_reset_password(db, o->user_id, o->pw.hash);
    else
        err = kp_account_set_disabled(db, o->user_id, strcmp(o->action, "recommender.disabled") == 0);
    if (err || (err = fetch(o, db, &all)))
        return err;
    char id[24];
    return kp_req_audit(o->r, db, o->action, "recommender", kp_json_id(o->recommender, id), NULL);
}

static enum kp_err account_action(struct kp_req *r, const char *action)
{
    struct one o = { .r = r, .action = action };
    if (!kp_req_param_id(r, "id", &o.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    bool reset = strcmp(action, "recommender.password_reset") == 0;
    enum kp_err err = reset ? kp_account_initial_password(&o.pw, &kp_req_server(r)->pwcost) : KP_OK;
    struct kp_db *db = kp_req_db(r);
    if (err == KP_OK)
        err = db ? kp_db_tx(db, KP_TX_AUDITED, account_tx, &o) : KP_E_NOMEM;
    if (err || !o.found) {
        json_decref(o.recommender);
        kp_account_forget(&o.pw);
        return err ? err : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    if (reset)
        return kp_reply_json(r, 200, kp_with_initial_password("recommender", o.recommender, &o.pw));
    return kp_reply_json(r, 200, o.recommender);
}

/* POST /api/v1/recommenders/{id}/password-reset */
enum kp_err kp_api_recommenders_reset(struct kp_req *r)
{
    return account_action(r, "recommender.password_reset");
}

/* POST /api/v1/recommenders/{id}/disable */
enum kp_err kp_api_recommenders_disable(struct kp_req *r)
{
    return account_action(r, "recommender.disabled");
}

/* POST /api/v1/recommenders/{id}/enable */
enum kp_err kp_api_recommenders_enable(struct kp_req *r)
{
    return account_action(r, "recommender.enabled");
}
