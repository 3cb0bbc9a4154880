/* The applicant unit: its registration, and its own data afterwards.
 *
 * Registration (public): a unit enters its invitation code, its details
 * and an account, and gets the account and a draft application in the
 * code's batch, bound to the code's recommender.  Everything happens in
 * one transaction that also marks the code used, so that two registrations
 * racing for one code give exactly one success.  A unit whose base was
 * assessed unqualified at the end of an earlier term is refused (409
 * barred) before anything is made (lib/domain/term.h).
 *
 * Its data (GET/PATCH /applicants/{id}, 单位信息): the unit itself reads
 * it always and changes it while one of its applications may be edited
 * (draft or returned: the state table of lib/domain/appstate.c); its
 * recommenders read it; the admin reads and changes it at any time.
 * Anyone else meets 404.  A change is checked field by field as
 * registration checks it, keeps the credit code (the unit's identity in
 * every batch), and is audited with each changed field's old and new
 * value. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "account.h"
#include "api.h"
#include "appstate.h"
#include "audit.h"
#include "auth.h"
#include "creditcode.h"
#include "httputil.h"
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

/* The account's address is the unit's contact address (notify.c mails it). */
static const struct kp_stmt SQL_USER = {
    "applicants_user",
    "INSERT INTO users (username, role, org_id, display_name, password_hash, email)"
    " VALUES ($1, 'applicant', $2, $3, $4, $5) RETURNING id",
    5,
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

/* The unit's text fields, in SQL_UNIT's order after credit_code and
 * region, as registration takes them and a change may send them: the API's
 * name and the longest value in characters. */
enum { NAME, ADDRESS, LEGAL, SUPERVISOR, CONTACT, PHONE, EMAIL, NFIELDS };
static const struct {
    const char *name;
    long long max;
} UNIT_FIELDS[NFIELDS] = {
    [NAME] = { "name", 100 },
    [ADDRESS] = { "address", 200 },
    [LEGAL] = { "legal_representative", 50 },
    [SUPERVISOR] = { "supervising_body", 100 },
    [CONTACT] = { "contact_name", 50 },
    [PHONE] = { "contact_phone", 20 },
    [EMAIL] = { "contact_email", 254 },
};
#define REGION_MAX 32

/* The formats beyond length: a phone and an e-mail address, each when
 * given (NULL: not sent), named `prefix` + field. */
static void check_contact(const char *phone, const char *email, const char *prefix, json_t *errors)
{
    char field[48];
    snprintf(field, sizeof field, "%scontact_phone", prefix);
    if (phone && !kp_valid_phone(phone))
        kp_problem_field(errors, field, "format", "请填写有效的联系电话");
    snprintf(field, sizeof field, "%scontact_email", prefix);
    if (email && !kp_email_ok(email))
        kp_problem_field(errors, field, "format", "请填写有效的电子邮箱");
}

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
    const char *sp[] = { g->username, unit, g->unit[NAME], g->hash, g->unit[EMAIL] };
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
    check_contact(g->unit[PHONE], g->unit[EMAIL], "unit.", errors);
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
    struct kp_jfield unit_spec[NFIELDS + 3], *f = unit_spec;   /* in the API's order */
    *f++ = (struct kp_jfield)KP_JSTRING(UNIT_FIELDS[NAME].name, &g.unit[NAME], 1, UNIT_FIELDS[NAME].max);
    *f++ = (struct kp_jfield)KP_JSTRING("credit_code", &g.credit_typed, 1, 40);
    *f++ = (struct kp_jfield)KP_JSTRING("region", &g.region, 1, REGION_MAX);
    for (int i = NAME + 1; i < NFIELDS; i++)
        *f++ = (struct kp_jfield)KP_JSTRING(UNIT_FIELDS[i].name, &g.unit[i], 1, UNIT_FIELDS[i].max);
    *f = (struct kp_jfield)KP_JEND;
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

/* ---- the unit's own data: GET and PATCH /api/v1/applicants/{id} ---- */

/* The unit in the caller's scope (KP_UNITSCOPE_SQL: $1 role, $2
 * organisation), with its version and the statuses of its applications
 * ("draft,submitted"; "" when none).  PATCH locks the row. */
#define UNIT_READ                                                                         \
    "SELECT " KP_APPLICANT_COLUMNS ", u.version,"                                         \
    "       coalesce((SELECT string_agg(DISTINCT a.status, ',') FROM applications a"       \
    "                  WHERE a.applicant_id = u.id), '')"                                 \
    "  FROM applicant_units u JOIN users s ON s.org_id = u.id AND s.role = 'applicant'"   \
    "  JOIN regions g ON g.code = u.region_code"                                          \
    " WHERE u.id = $3 AND " KP_UNITSCOPE_SQL
enum { U_NAME = 3, U_REGION = 5, U_ADDRESS, U_VERSION = KP_APPLICANT_NCOLUMNS, U_STATUSES };

static const struct kp_stmt SQL_UNIT_GET = { "applicants_get", UNIT_READ, 3 };
static const struct kp_stmt SQL_UNIT_LOCK = { "applicants_lock", UNIT_READ " FOR UPDATE OF u", 3 };

/* $2..$8 the text fields in UNIT_FIELDS' order, $9 the region's code; NULL
 * keeps a value. */
static const struct kp_stmt SQL_UNIT_UPDATE = {
    "applicants_update",
    "UPDATE applicant_units SET name = coalesce($2, name), address = coalesce($3, address),"
    "   legal_representative = coalesce($4, legal_representative),"
    "   supervising_body = coalesce($5, supervising_body), contact_name = coalesce($6, contact_name),"
    "   contact_phone = coalesce($7, contact_phone), contact_email = coalesce($8, contact_email),"
    "   region_code = coalesce($9::integer, region_code), version = version + 1"
    " WHERE id = $1",
    9,
};

/* The unit's account shows its name (users.display_name, set at
 * registration): a new name goes there too ($2; NULL keeps it).  A new
 * contact address ($3) becomes the account's only when it has none: the
 * account's address is where a reset link goes, changed only by
 * PUT /session/mail with the password, or by the admin. */
static const struct kp_stmt SQL_UNIT_ACCOUNT = {
    "applicants_account",
    "UPDATE users SET display_name = coalesce($2, display_name), email = coalesce(email, $3)"
    " WHERE role = 'applicant' AND org_id = $1",
    3,
};

/* Whether one of the statuses ("draft,submitted") lets the unit edit its
 * application, and so its own data. */
static bool unit_may_edit(const char *statuses)
{
    char copy[512], *save = NULL;
    snprintf(copy, sizeof copy, "%s", statuses);
    for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save))
        if (kp_app_transition(s, KP_APP_EDIT, KP_ROLE_APPLICANT) != NULL)
            return true;
    return false;
}

/* Whether the caller may change this unit now: the admin always, the unit
 * while it may edit an application, nobody else. */
static bool may_change(const struct kp_principal *p, const char *statuses)
{
    return p->role == KP_ROLE_ADMIN || (p->role == KP_ROLE_APPLICANT && unit_may_edit(statuses));
}

/* The unit as GET shows it: the registration's object, its version and
 * whether the caller may change it now.  Its account (user_id, username)
 * is the unit's and the admin's business, not its recommender's: a login
 * name is half of what a password guess needs. */
static json_t *unit_json(struct kp_req *r, PGresult *res)
{
    json_t *unit = kp_applicant_json(res, 0);
    if (unit == NULL)
        return NULL;
    if (kp_req_principal(r)->role == KP_ROLE_RECOMMENDER) {
        json_object_del(unit, "user_id");
        json_object_del(unit, "username");
    }
    json_object_set_new(unit, "version", json_integer(atoll(PQgetvalue(res, 0, U_VERSION))));
    json_object_set_new(unit, "editable",
                        json_boolean(may_change(kp_req_principal(r), PQgetvalue(res, 0, U_STATUSES))));
    return unit;
}

static enum kp_err reply_unit(struct kp_req *r, json_t *unit)
{
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)json_integer_value(json_object_get(unit, "version")));
    kp_req_add_header(r, "ETag", etag);
    return kp_reply_json(r, 200, unit);
}

struct unit_op {
    struct kp_req *r;
    struct kp_appscope scope;
    char id[24];
    /* PATCH */
    const char *value[NFIELDS];          /* NULL: not sent */
    const char *region;                  /* its name, NULL: not sent */
    char region_code[24];
    long long if_match;                  /* -1: none */
    /* outcome */
    bool found;
    enum kp_problem refusal;             /* refused (409, 412) when why is not "" */
    char why[512];
    json_t *unit;
};

static enum kp_err unit_read(struct kp_db *db, struct unit_op *o, const struct kp_stmt *stmt, PGresult **res)
{
    const char *params[] = { o->scope.role, o->scope.org, o->id };
    enum kp_err err = kp_db_exec(db, stmt, params, res);
    if (err)
        return err;
    o->found = PQntuples(*res) == 1;
    return KP_OK;
}

static enum kp_err get_tx(struct kp_db *db, void *arg)
{
    struct unit_op *o = arg;
    PGresult *res;
    enum kp_err err = unit_read(db, o, &SQL_UNIT_GET, &res);
    if (err)
        return err;
    json_decref(o->unit);
    o->unit = o->found ? unit_json(o->r, res) : NULL;
    PQclear(res);
    return o->found && o->unit == NULL ? KP_E_NOMEM : KP_OK;
}

/* The statuses of a unit's applications in Chinese ("已提交、已推荐"). */
static void status_labels(const char *statuses, char *out, size_t n)
{
    char copy[512], *save = NULL;
    size_t len = 0;
    snprintf(copy, sizeof copy, "%s", statuses);
    out[0] = '\0';
    for (char *s = strtok_r(copy, ",", &save); s && len < n; s = strtok_r(NULL, ",", &save))
        len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "、" : "", kp_app_status_label(s));
}

static enum kp_err patch_tx(struct kp_db *db, void *arg)
{
    struct unit_op *o = arg;
    o->why[0] = '\0';
    PGresult *res;
    enum kp_err err = unit_read(db, o, &SQL_UNIT_LOCK, &res);
    if (err || !o->found) {
        if (err == KP_OK)
            PQclear(res);
        return err;
    }
    const char *statuses = PQgetvalue(res, 0, U_STATUSES);
    if (!may_change(kp_req_principal(o->r), statuses)) {
        char labels[200];
        status_labels(statuses, labels, sizeof labels);
        if (labels[0])
            snprintf(o->why, sizeof o->why, "只有申报处于草稿或退回修改时才能修改单位信息；本单位的申报目前为：%s。"
                                            "如需更正，请联系推荐单位或中国科协", labels);
        else
            snprintf(o->why, sizeof o->why, "本单位没有申报，不能修改单位信息");
        o->refusal = KP_P_INVALID_STATE;
        PQclear(res);
        return KP_OK;
    }
    if (o->if_match >= 0 && o->if_match != atoll(PQgetvalue(res, 0, U_VERSION))) {
        snprintf(o->why, sizeof o->why, "单位信息已在别处修改，请刷新后再编辑");
        o->refusal = KP_P_VERSION_MISMATCH;
        PQclear(res);
        return KP_OK;
    }
    /* what changes: each field sent with another value, old → new */
    json_t *changes = json_object();
    const char *set[NFIELDS + 2] = { o->id };
    static const int column[NFIELDS] = { U_NAME, U_ADDRESS, U_ADDRESS + 1, U_ADDRESS + 2,
                                         U_ADDRESS + 3, U_ADDRESS + 4, U_ADDRESS + 5 };
    for (int i = 0; i < NFIELDS; i++) {
        const char *before = PQgetvalue(res, 0, column[i]);
        if (o->value[i] && strcmp(o->value[i], before) != 0) {
            set[1 + i] = o->value[i];
            json_object_set_new(changes, UNIT_FIELDS[i].name,
                                json_pack("{s:s, s:s}", "from", before, "to", o->value[i]));
        }
    }
    if (o->region && strcmp(o->region, PQgetvalue(res, 0, U_REGION)) != 0) {
        set[1 + NFIELDS] = o->region_code;
        json_object_set_new(changes, "region",
                            json_pack("{s:s, s:s}", "from", PQgetvalue(res, 0, U_REGION), "to", o->region));
    }
    PQclear(res);
    if (changes == NULL)
        return KP_E_NOMEM;
    if (json_object_size(changes) > 0) {
        if ((err = kp_db_exec(db, &SQL_UNIT_UPDATE, set, &res)) == KP_OK) {
            PQclear(res);
            const char *account[] = { o->id, set[1 + NAME], set[1 + EMAIL] };
            if ((set[1 + NAME] || set[1 + EMAIL]) && (err = kp_db_exec(db, &SQL_UNIT_ACCOUNT, account, &res)) == KP_OK)
                PQclear(res);
        }
        json_t *data = json_pack("{s:O}", "changes", changes);
        if (err == KP_OK)
            err = data ? kp_req_audit(o->r, db, "applicant.updated", "applicant", o->id, data) : KP_E_NOMEM;
        json_decref(data);
    }
    json_decref(changes);
    return err ? err : get_tx(db, o);
}

static bool take_unit_id(struct kp_req *r, struct unit_op *o)
{
    long long v;
    if (!kp_req_param_id(r, "id", &v))
        return false;
    snprintf(o->id, sizeof o->id, "%lld", v);
    kp_appscope_for(kp_req_principal(r), &o->scope);
    return true;
}

static enum kp_err run_unit(struct kp_req *r, struct unit_op *o, kp_tx_fn fn, unsigned flags)
{
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, flags, fn, o) : KP_E_NOMEM;
    if (err || !o->found || o->why[0]) {
        json_decref(o->unit);
        if (err)
            return err;
        return o->found ? kp_reply_problem(r, o->refusal, o->why) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    return reply_unit(r, o->unit);
}

/* GET /api/v1/applicants/{id} */
enum kp_err kp_api_applicants_get(struct kp_req *r)
{
    struct unit_op o = { .r = r };
    if (!take_unit_id(r, &o))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    return run_unit(r, &o, get_tx, KP_TX_READ_ONLY);
}

/* PATCH /api/v1/applicants/{id}: any of the text fields and `region`;
 * `credit_code` is refused, optional If-Match */
enum kp_err kp_api_applicants_patch(struct kp_req *r)
{
    struct unit_op o = { .r = r };
    if (!take_unit_id(r, &o))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const char *credit = NULL;
    bool has_credit = false;
    struct kp_jfield spec[NFIELDS + 3], *f = spec;
    for (int i = 0; i < NFIELDS; i++)
        *f++ = (struct kp_jfield)KP_JOPTIONAL(UNIT_FIELDS[i].name, KP_J_STRING, &o.value[i], 1,
                                              UNIT_FIELDS[i].max, NULL);
    *f++ = (struct kp_jfield)KP_JOPTIONAL("region", KP_J_STRING, &o.region, 1, REGION_MAX, NULL);
    *f++ = (struct kp_jfield)KP_JNULLABLE("credit_code", KP_J_STRING, &credit, 0, 1000, &has_credit);
    *f = (struct kp_jfield)KP_JEND;
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    if (has_credit)
        kp_problem_field(errors, "credit_code", "read_only",
                         "统一社会信用代码是单位的标识，不能修改；填错的请联系中国科协");
    check_contact(o.value[PHONE], o.value[EMAIL], "", errors);
    if (!kp_if_match_version(kp_req_header(r, "If-Match"), &o.if_match))
        kp_problem_field(errors, "If-Match", "format", "If-Match 应为带引号的版本号，如 \"3\"");
    struct kp_db *db = kp_req_db(r);
    if (db == NULL) {
        json_decref(errors);
        return KP_E_NOMEM;
    }
    if (o.region) {                       /* reference data: looked up before the change */
        const char *rp[] = { o.region };
        PGresult *res;
        enum kp_err err = kp_db_read(db, &SQL_REGION, rp, &res);
        if (err) {
            json_decref(errors);
            return err;
        }
        if (PQntuples(res) == 1)
            snprintf(o.region_code, sizeof o.region_code, "%s", PQgetvalue(res, 0, 0));
        else
            kp_problem_field(errors, "region", "enum", KP_REGION_MESSAGE);
        PQclear(res);
    }
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    return run_unit(r, &o, patch_tx, KP_TX_AUDITED);
}
