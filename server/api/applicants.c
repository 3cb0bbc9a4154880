/* Applicant registration (public): a unit enters its invitation code, its
 * details and an account, and gets the account and a draft application in
 * the code's batch, bound to the code's recommender.  Everything happens in
 * one transaction that also marks the code used, so that two registrations
 * racing for one code give exactly one success.  A unit whose base was
 * assessed unqualified at the end of an earlier term is refused (409
 * barred) before anything is made (lib/domain/term.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "audit.h"
#include "auth.h"
#include "creditcode.h"
#include "invitecode.h"
#include "password.h"
#include "term.h"
#include "validate.h"
#include "views.h"

static const struct kp_stmt SQL_CODE = {
    "applicants_code",
    "SELECT i.batch_id, i.recommender_id, " KP_INVITATION_STATUS ", s.disabled"
    "  FROM invitations i JOIN batches b ON b.id = i.batch_id"
    "  JOIN recommenders r ON r.id = i.recommender_id JOIN users s ON s.id = r.user_id"
    " WHERE i.code = $1 AND " KP_BATCHSCOPE_SQL("$2") " FOR UPDATE OF i",
    2,
};

/* The base that bars the unit $1 from batch $2, if any: assessed
 * unqualified at the end of a term before the batch's (lib/domain/term.h). */
static const struct kp_stmt SQL_BARRED = {
    "applicants_barred",
    "SELECT b.name, b.certificate_no, b.term_start_year, b.term_end_year"
    "  FROM bases b JOIN batches t ON t.id = $2"
    " WHERE b.credit_code = $1 AND " KP_TERM_AFTER_SQL("unqualified", "t.term_start_year")
    " ORDER BY b.term_end_year DESC, b.id DESC LIMIT 1",
    2,
};

static const struct kp_stmt SQL_REGION = {
    "applicants_region", "SELECT code FROM regions WHERE name = $1", 1,
};

static const struct kp_stmt SQL_UNIT = {
    "applicants_unit",
    "INSERT INTO applicant_units (name, credit_code, region_code, address, legal_representative,"
    "                             supervising_body, contact_name, contact_phone, contact_email)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    9,
};

static const struct kp_stmt SQL_USER = {
    "applicants_user",
    "INSERT INTO users (username, role, org_id, display_name, password_hash)"
    " VALUES ($1, 'applicant', $2, $3, $4) RETURNING id",
    4,
};

static const struct kp_stmt SQL_APPLICATION = {
    "applicants_application",
    "INSERT INTO applications (batch_id, recommender_id, applicant_id, credit_code)"
    " VALUES ($1, $2, $3, $4) RETURNING id",
    4,
};

static const struct kp_stmt SQL_USE_CODE = {
    "applicants_use_code", "UPDATE invitations SET used_at = now(), used_by = $2 WHERE code = $1", 2,
};

static const struct kp_stmt SQL_VIEW_APPLICANT = {
    "applicants_view",
    "SELECT " KP_APPLICANT_COLUMNS " FROM applicant_units u"
    "  JOIN users s ON s.org_id = u.id AND s.role = 'applicant'"
    "  JOIN regions g ON g.code = u.region_code WHERE u.id = $1",
    1,
};

static const struct kp_stmt SQL_VIEW_APPLICATION = {
    "applicants_view_application",
    "SELECT " KP_APPLICATION_COLUMNS KP_APPLICATION_FROM " WHERE a.id = $1",
    1,
};

/* unit fields, in SQL_UNIT's order after credit_code and region */
enum { NAME, ADDRESS, LEGAL, SUPERVISOR, CONTACT, PHONE, EMAIL, NFIELDS };

struct registration {
    struct kp_req *r;
    const char *typed_code, *username, *password, *region;
    const char *unit[NFIELDS];
    const char *credit_typed;
    char code[KP_INVITECODE_LEN + 1];
    char credit[KP_CREDITCODE_LEN + 1];
    char hash[KP_PWHASH_LEN];
    bool found;
    const char *refusal;       /* 409 invalid_state */
    char barred[600];          /* 409 barred: why, when not "" */
    bool unknown_region;
    json_t *applicant, *application;
};

static enum kp_err one_id(struct kp_db *db, const struct kp_stmt *stmt, const char *const *params,
                          char id[24])
{
    PGresult *res;
    enum kp_err err = kp_db_exec(db, stmt, params, &res);
    if (err)
        return err;
    snprintf(id, 24, "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return KP_OK;
}

static enum kp_err register_tx(struct kp_db *db, void *arg)
{
    struct registration *g = arg;
    const char *code[] = { g->code, kp_batchscope_for(kp_req_principal(g->r)) };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_CODE, code, &res);
    if (err)
        return err;
    g->found = PQntuples(res) == 1;
    g->refusal = NULL;
    char batch[24] = "", recommender[24] = "";
    if (g->found) {
        snprintf(batch, sizeof batch, "%s", PQgetvalue(res, 0, 0));
        snprintf(recommender, sizeof recommender, "%s", PQgetvalue(res, 0, 1));
        const char *status = PQgetvalue(res, 0, 2);
        if (strcmp(status, "used") == 0)
            g->refusal = "邀请码已被使用";
        else if (strcmp(status, "revoked") == 0)
            g->refusal = "邀请码已被推荐单位撤销";
        else if (strcmp(status, "expired") == 0)
            g->refusal = "邀请码已过期（推荐已截止，或批次已不在申报阶段）";
        else if (PQgetvalue(res, 0, 3)[0] == 't')
            g->refusal = "推荐单位的账号已停用，邀请码暂不可用";
    }
    PQclear(res);
    if (!g->found || g->refusal)
        return KP_OK;
    const char *bar[] = { g->credit, batch };
    if ((err = kp_db_exec(db, &SQL_BARRED, bar, &res)))
        return err;
    g->barred[0] = '\0';
    if (PQntuples(res) == 1)
        snprintf(g->barred, sizeof g->barred,
                 "该单位的全国科普教育基地“%s”（证书编号 %s，%s—%s 年届期）终期考核不合格，不得参加本批次申报",
                 PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
    PQclear(res);
    if (g->barred[0])
        return KP_OK;                    /* nothing made; the code stays unused */

    char region[24], unit[24], user[24], application[24];
    const char *rp[] = { g->region };
    if ((err = one_id(db, &SQL_REGION, rp, region)))
        return err;
    g->unknown_region = region[0] == '\0';
    if (g->unknown_region)
        return KP_OK;
    const char *up[] = { g->unit[NAME], g->credit, region, g->unit[ADDRESS], g->unit[LEGAL],
                         g->unit[SUPERVISOR], g->unit[CONTACT], g->unit[PHONE], g->unit[EMAIL] };
    if ((err = one_id(db, &SQL_UNIT, up, unit)))
        return err;
    const char *sp[] = { g->username, unit, g->unit[NAME], g->hash };
    if ((err = one_id(db, &SQL_USER, sp, user)))
        return err;
    const char *ap[] = { batch, recommender, unit, g->credit };
    if ((err = one_id(db, &SQL_APPLICATION, ap, application)))
        return err;
    const char *use[] = { g->code, unit };
    if ((err = kp_db_exec(db, &SQL_USE_CODE, use, &res)))
        return err;
    PQclear(res);

    const char *vu[] = { unit };
    if ((err = kp_db_exec(db, &SQL_VIEW_APPLICANT, vu, &res)))
        return err;
    json_decref(g->applicant);
    g->applicant = kp_applicant_json(res, 0);
    PQclear(res);
    const char *va[] = { application };
    if ((err = kp_db_exec(db, &SQL_VIEW_APPLICATION, va, &res)))
        return err;
    json_decref(g->application);
    g->application = kp_application_json(res, 0);
    PQclear(res);

    struct kp_actor actor;
    char ip[64];
    kp_req_actor(g->r, &actor, ip);
    actor.user_id = atoll(user);              /* the new account registered itself */
    actor.role = "applicant";
    json_t *data = json_pack("{s:I, s:I, s:I, s:I, s:s, s:s}",
                             "unit_id", (json_int_t)atoll(unit),
                             "application_id", (json_int_t)atoll(application),
                             "batch_id", (json_int_t)atoll(batch),
                             "recommender_id", (json_int_t)atoll(recommender),
                             "invitation", g->code, "credit_code", g->credit);
    err = kp_audit_append(db, &actor, "applicant.registered", "applicant", unit, data);
    json_decref(data);
    return err;
}

static void check_fields(struct registration *g, json_t *errors)
{
    char why[160];
    if (!kp_invitecode_parse(g->typed_code, g->code))
        kp_problem_field(errors, "invitation_code", "check", "邀请码有误，请核对后重新输入（12 位，可含连字符）");
    if (!kp_username_valid(g->username, why, sizeof why))
        kp_problem_field(errors, "username", "invalid", why);
    if (!kp_password_acceptable(g->password, g->username, why, sizeof why))
        kp_problem_field(errors, "password", "invalid", why);
    kp_creditcode_take(g->credit_typed, g->credit, "unit.credit_code", errors);
    if (!kp_valid_phone(g->unit[PHONE]))
        kp_problem_field(errors, "unit.contact_phone", "format", "请填写有效的联系电话");
    if (!kp_valid_email(g->unit[EMAIL]))
        kp_problem_field(errors, "unit.contact_email", "format", "请填写有效的电子邮箱");
}

/* POST /api/v1/applicants */
enum kp_err kp_api_applicants_create(struct kp_req *r)
{
    bool allowed;
    enum kp_err err = kp_invitations_rate_check(r, &allowed);
    if (err || !allowed)
        return err;
    struct registration g = { .r = r };
    json_t *unit = NULL;
    const struct kp_jfield spec[] = {
        KP_JSTRING("invitation_code", &g.typed_code, 1, 40),
        KP_JSTRING("username", &g.username, 1, 64),
        KP_JSTRING("password", &g.password, 1, 1024),
        KP_JOBJECT("unit", &unit),
        KP_JEND,
    };
    const struct kp_jfield unit_spec[] = {
        KP_JSTRING("name", &g.unit[NAME], 1, 100),
        KP_JSTRING("credit_code", &g.credit_typed, 1, 40),
        KP_JSTRING("region", &g.region, 1, 32),
        KP_JSTRING("address", &g.unit[ADDRESS], 1, 200),
        KP_JSTRING("legal_representative", &g.unit[LEGAL], 1, 50),
        KP_JSTRING("supervising_body", &g.unit[SUPERVISOR], 1, 100),
        KP_JSTRING("contact_name", &g.unit[CONTACT], 1, 50),
        KP_JSTRING("contact_phone", &g.unit[PHONE], 1, 20),
        KP_JSTRING("contact_email", &g.unit[EMAIL], 1, 254),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    bool top = kp_json_take(kp_req_json(r), spec, "", false, errors) == KP_OK;
    bool inner = unit != NULL && kp_json_take(unit, unit_spec, "unit.", false, errors) == KP_OK;
    if (top && inner)
        check_fields(&g, errors);
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);

    err = kp_password_hash(g.password, &kp_req_server(r)->pwcost, g.hash);
    struct kp_db *db = kp_req_db(r);
    if (err == KP_OK)
        err = db ? kp_db_tx(db, KP_TX_AUDITED, register_tx, &g) : KP_E_NOMEM;
    if (err == KP_E_DB_UNIQUE) {
        bool username = strcmp(kp_db_last_constraint(db), "users_username_key") == 0;
        kp_problem_field(errors, username ? "username" : "unit.credit_code", "taken",
                         username ? "用户名已被使用" : "该单位已在本批次申报");
        return kp_reply_problem_errors(r, KP_P_CONFLICT,
                                       username ? "用户名已被使用" : "该统一社会信用代码在本批次已有申报",
                                       errors);
    }
    if (err || !g.found || g.refusal || g.barred[0] || g.unknown_region) {
        json_decref(g.applicant);
        json_decref(g.application);
        if (err) {
            json_decref(errors);
            return err;
        }
        if (g.unknown_region) {
            kp_problem_field(errors, "unit.region", "enum", KP_REGION_MESSAGE);
            return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
        }
        json_decref(errors);
        if (g.barred[0])
            return kp_reply_problem(r, KP_P_BARRED, g.barred);
        return g.refusal ? kp_reply_problem(r, KP_P_INVALID_STATE, g.refusal)
                         : kp_reply_problem(r, KP_P_NOT_FOUND, "没有这个邀请码");
    }
    json_decref(errors);
    return kp_reply_json(r, 201, json_pack("{s:o, s:o}", "applicant", g.applicant,
                                           "application", g.application));
}
