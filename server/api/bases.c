/* Named bases (全国科普教育基地): the admin's register of them and an
 * applicant's own, their status (suspended, reinstated, revoked for good:
 * lib/domain/basestate.h), the plaques handed over, and the public
 * directory of the bases that are valid now.  A base is made by naming
 * (naming.c); its certificate is checked at /public/certificates
 * (certificates.c).  The status shown is read with the database clock:
 * `expired` after the term (KP_BASE_STATUS_SQL).
 * Visibility: admin → all; applicant → its own; the public → valid ones,
 * without the credit code. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "appstate.h"
#include "auth.h"
#include "basestate.h"
#include "list.h"
#include "notify.h"
#include "validate.h"
#include "views.h"

#define REASON_MAX    2000
#define RECIPIENT_MAX 100
#define Q_MAX         100

/* A base as the API shows it, from `bases b JOIN regions g`; the credit
 * code last, so that the public directory can leave it out. */
#define BASE_COLUMNS                                                                      \
    "b.id, b.certificate_no, b.name, b.unit_name, g.name, b.category,"                    \
    " b.term_start_year, b.term_end_year, b.batch_id, b.application_id,"                  \
    " to_char(b.named_on, 'YYYY-MM-DD'), " KP_BASE_STATUS_SQL ", b.status_reason,"         \
    " b.decision_no, b.credit_code,"                                                      \
    " b.term_result, b.term_comments, b.term_assessed_by, " KP_TIME("b.term_assessed_at")
#define BASE_FROM " FROM bases b JOIN regions g ON g.code = b.region_code"
enum { B_ID, B_NO, B_NAME, B_UNIT, B_REGION, B_CATEGORY, B_START, B_END, B_BATCH, B_APPLICATION,
       B_NAMED_ON, B_STATUS, B_REASON, B_DECISION, B_CREDIT_CODE,
       B_TERM_RESULT, B_TERM_COMMENTS, B_TERM_BY, B_TERM_AT, B_NCOLUMNS };

/* "term_assessment": {"result","comments","assessed_by","assessed_at"}, or
 * null before the end-of-term assessment (term.c). */
static json_t *term_assessment_json(PGresult *res, int i)
{
    if (PQgetisnull(res, i, B_TERM_RESULT))
        return json_null();
    return json_pack("{s:s, s:o, s:I, s:s}", "result", PQgetvalue(res, i, B_TERM_RESULT),
                     "comments", kp_text_or_null(res, i, B_TERM_COMMENTS),
                     "assessed_by", (json_int_t)atoll(PQgetvalue(res, i, B_TERM_BY)),
                     "assessed_at", PQgetvalue(res, i, B_TERM_AT));
}

static json_t *base_json(PGresult *res, int i, bool with_credit_code)
{
    json_t *b = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:s, s:s, s:o, s:o}",
        "id", (json_int_t)atoll(PQgetvalue(res, i, B_ID)), "certificate_no", PQgetvalue(res, i, B_NO),
        "name", PQgetvalue(res, i, B_NAME), "unit_name", PQgetvalue(res, i, B_UNIT),
        "region", PQgetvalue(res, i, B_REGION), "category", PQgetvalue(res, i, B_CATEGORY),
        "term_start_year", atoi(PQgetvalue(res, i, B_START)), "term_end_year", atoi(PQgetvalue(res, i, B_END)),
        "batch_id", (json_int_t)atoll(PQgetvalue(res, i, B_BATCH)),
        "application_id", (json_int_t)atoll(PQgetvalue(res, i, B_APPLICATION)),
        "named_on", PQgetvalue(res, i, B_NAMED_ON), "status", PQgetvalue(res, i, B_STATUS),
        "status_reason", kp_text_or_null(res, i, B_REASON), "decision_no", kp_text_or_null(res, i, B_DECISION));
    if (b != NULL && with_credit_code) {   /* and the assessment: neither is the public's */
        json_object_set_new(b, "credit_code", json_string(PQgetvalue(res, i, B_CREDIT_CODE)));
        json_object_set_new(b, "term_assessment", term_assessment_json(res, i));
    }
    return b;
}

static json_t *admin_row(PGresult *res, int i)
{
    return base_json(res, i, true);
}

static json_t *public_row(PGresult *res, int i)
{
    return base_json(res, i, false);
}

static const struct kp_stmt SQL_OF_BATCH = {
    "bases_of_batch", "SELECT " BASE_COLUMNS BASE_FROM " WHERE b.batch_id = $1 ORDER BY b.certificate_no", 1,
};

enum kp_err kp_bases_of_batch(struct kp_db *db, const char *batch, json_t **items)
{
    const char *params[] = { batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_OF_BATCH, params, &res);
    if (err)
        return err;
    json_t *list = json_array();
    for (int i = 0; i < PQntuples(res) && list; i++)
        if (json_array_append_new(list, admin_row(res, i)) != 0) {
            json_decref(list);
            list = NULL;
        }
    PQclear(res);
    json_decref(*items);
    *items = list;
    return list ? KP_OK : KP_E_NOMEM;
}

/* ---- lists ---- */

/* The filters every list of bases takes; NULL when not asked. */
struct filters {
    struct kp_rowscope scope;
    const char *batch, *region, *category, *status, *q, *term;
    bool directory;               /* the public's: no credit code */
};

static bool positive_id(const char *s)
{
    size_t len = strlen(s);
    return len >= 1 && len <= 18 && s[0] >= '1' && s[0] <= '9' && strspn(s, "0123456789") == len;
}

static void take_common(struct kp_req *r, struct filters *f, json_t *errors)
{
    f->region = kp_req_query(r, "region");
    f->category = kp_req_query(r, "category");
    f->q = kp_req_query(r, "q");
    if (f->q && f->q[0] == '\0')
        f->q = NULL;
    if (f->category && !kp_app_category_valid(f->category))
        kp_problem_field(errors, "category", "enum", "不是有效的基地类别");
    if (f->q && kp_utf8_chars(f->q) > Q_MAX)
        kp_problem_field(errors, "q", "too_long", "搜索词最多 100 个字");
}

/* $1 after, $2 limit, then the scope and the filters.  q looks in the base's
 * and the unit's names (a few thousand bases a term: no index needed), or is
 * a certificate number, in either case. */
#define LIST_WHERE                                                                        \
    " WHERE b.id > $1 AND ($3::boolean OR b.applicant_id = $4::bigint)"                   \
    "   AND ($5::bigint IS NULL OR b.batch_id = $5)"                                     \
    "   AND ($6::text IS NULL OR g.name = $6)"                                           \
    "   AND ($7::text IS NULL OR b.category = $7)"                                       \
    "   AND ($8::text IS NULL OR " KP_BASE_STATUS_SQL " = $8)"                           \
    "   AND ($9::text IS NULL OR strpos(b.name, $9) > 0 OR strpos(b.unit_name, $9) > 0"  \
    "        OR b.certificate_no = upper($9))"                                           \
    "   AND ($10::int IS NULL OR b.term_start_year = $10)"                               \
    " ORDER BY b.id LIMIT $2"

static const struct kp_stmt SQL_LIST = { "bases_list", "SELECT " BASE_COLUMNS BASE_FROM LIST_WHERE, 10 };

static const char *const STATUSES[] = { "valid", "suspended", "revoked", "expired" };

static enum kp_err fetch(struct kp_db *db, struct kp_list *l)
{
    const struct filters *f = l->arg;
    const char *params[] = { l->after, l->limit, f->scope.all, f->scope.owner, f->batch, f->region,
                             f->category, f->status, f->q, f->term };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_LIST, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, f->directory ? public_row : admin_row);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/bases?batch_id&region&category&status&q&limit&cursor
 * (admin: all; an applicant: its own) */
enum kp_err kp_api_bases_list(struct kp_req *r)
{
    struct filters f = { .batch = kp_req_query(r, "batch_id"), .status = kp_req_query(r, "status") };
    kp_rowscope_own_org(kp_req_principal(r), &f.scope);
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    take_common(r, &f, errors);
    if (f.batch && !positive_id(f.batch))
        kp_problem_field(errors, "batch_id", "type", "应为批次编号（正整数）");
    bool known = f.status == NULL;
    for (size_t i = 0; i < sizeof STATUSES / sizeof *STATUSES && !known; i++)
        known = strcmp(f.status, STATUSES[i]) == 0;
    if (!known)
        kp_problem_field(errors, "status", "enum", "应为 valid、suspended、revoked 或 expired");
    return kp_list_reply(r, errors, 0, KP_LIST_ONE_READ, fetch, &f);
}

/* GET /api/v1/public/bases?q&region&category&term_start_year&limit&cursor:
 * the directory of the bases valid now (no login, no credit code) */
enum kp_err kp_api_public_bases_list(struct kp_req *r)
{
    struct filters f = { .scope = { .all = "true", .owner = "0" }, .status = "valid",
                         .term = kp_req_query(r, "term_start_year"), .directory = true };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    take_common(r, &f, errors);
    if (f.term && (strlen(f.term) != 4 || strspn(f.term, "0123456789") != 4 || atoi(f.term) < 2000 ||
                   atoi(f.term) > 2100))
        kp_problem_field(errors, "term_start_year", "type", "应为届期起始年份，如 2021");
    return kp_list_reply(r, errors, 0, KP_LIST_ONE_READ, fetch, &f);
}

/* ---- one base ---- */

/* The base with its plaques, in the caller's scope ($2, $3). */
static const struct kp_stmt SQL_GET = {
    "bases_get",
    "SELECT " BASE_COLUMNS ","
    "       (SELECT coalesce(json_agg(json_build_object('id', p.id, 'issued_on', to_char(p.issued_on, 'YYYY-MM-DD'),"
    "                                                   'recipient', p.recipient, 'recorded_by', p.recorded_by,"
    "                                                   'created_at', " KP_TIME("p.created_at") ") ORDER BY p.id),"
    "                         '[]')"
    "          FROM plaques p WHERE p.base_id = b.id)::text"
    BASE_FROM " WHERE b.id = $1 AND ($2::boolean OR b.applicant_id = $3::bigint)",
    3,
};

typedef enum kp_err (*run_fn)(struct kp_db *db, const struct kp_stmt *stmt, const char *const *params,
                              PGresult **res);

/* *out: the base `id` as the caller may see it, NULL when it may not; with
 * `run` kp_db_exec (in a transaction) or kp_db_read (a read alone). */
static enum kp_err load(struct kp_db *db, run_fn run, const struct kp_principal *who, const char *id, json_t **out)
{
    struct kp_rowscope scope;
    kp_rowscope_own_org(who, &scope);
    const char *params[] = { id, scope.all, scope.owner };
    PGresult *res;
    enum kp_err err = run(db, &SQL_GET, params, &res);
    if (err)
        return err;
    json_decref(*out);
    *out = NULL;
    if (PQntuples(res) == 1) {
        *out = admin_row(res, 0);
        json_t *plaques = json_loads(PQgetvalue(res, 0, B_NCOLUMNS), 0, NULL);
        if (*out == NULL || plaques == NULL || json_object_set_new(*out, "plaques", plaques) != 0)
            err = KP_E_NOMEM;
    }
    PQclear(res);
    return err;
}

static bool take_id(struct kp_req *r, char id[24])
{
    long long n;
    if (!kp_req_param_id(r, "id", &n))
        return false;
    snprintf(id, 24, "%lld", n);
    return true;
}

enum kp_err kp_bases_load(struct kp_db *db, const struct kp_principal *who, const char *id, json_t **out)
{
    return load(db, kp_db_exec, who, id, out);
}

/* GET /api/v1/bases/{id}: the base and its plaques, in one statement */
enum kp_err kp_api_bases_get(struct kp_req *r)
{
    char id[24];
    if (!take_id(r, id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    json_t *base = NULL;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? load(db, kp_db_read, kp_req_principal(r), id, &base) : KP_E_NOMEM;
    if (err) {
        json_decref(base);
        return err;
    }
    return base ? kp_reply_json(r, 200, base) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
}

/* ---- status: suspend, reinstate, revoke ---- */

static const struct kp_stmt SQL_LOCK = {
    "bases_lock",
    "SELECT b.status, " KP_BASE_TERM_OVER_SQL ", b.applicant_id, b.recommender_id, b.name"
    "  FROM bases b WHERE b.id = $1 FOR UPDATE",
    1,
};

/* A suspended or revoked base says why; a valid one says nothing. */
static const struct kp_stmt SQL_SET_STATUS = {
    "bases_set_status",
    "UPDATE bases SET status = $2, status_reason = CASE WHEN $2 = 'valid' THEN NULL ELSE $3 END,"
    "       updated_at = now()"
    " WHERE id = $1",
    3,
};

static const struct {
    const char *audit, *verb, *told;
} ACTIONS[] = {
    [KP_BASE_SUSPEND] = { "base.suspended", "暂停", "基地已暂停" },
    [KP_BASE_REINSTATE] = { "base.reinstated", "恢复", "基地已恢复" },
    [KP_BASE_REVOKE] = { "base.revoked", "撤销", "基地已撤销" },
};

static const char *status_label(const char *status)
{
    return strcmp(status, "valid") == 0       ? "有效"
           : strcmp(status, "suspended") == 0 ? "暂停"
                                              : "已撤销";
}

struct change {
    struct kp_req *r;
    char id[24];
    enum kp_base_action action;
    const char *reason;
    /* outcome */
    bool found;
    const char *why;
    char why_buf[160];
    json_t *base;
};

static enum kp_err change_tx(struct kp_db *db, void *arg)
{
    struct change *c = arg;
    c->why = NULL;
    const char *id[] = { c->id };
    PGresult *row;
    enum kp_err err = kp_db_exec(db, &SQL_LOCK, id, &row);
    if (err)
        return err;
    c->found = PQntuples(row) == 1;
    if (!c->found) {
        PQclear(row);
        return KP_OK;
    }
    const char *from = PQgetvalue(row, 0, 0);
    bool term_over = PQgetvalue(row, 0, 1)[0] == 't';
    const char *to = kp_base_transition(from, term_over, c->action);
    if (to == NULL) {
        if (strcmp(from, "revoked") == 0)
            c->why = "基地已撤销，撤销不可恢复";
        else if (term_over)
            snprintf(c->why_buf, sizeof c->why_buf, "基地届期已满，只能撤销，不能%s", ACTIONS[c->action].verb);
        else
            snprintf(c->why_buf, sizeof c->why_buf, "基地当前状态为“%s”，不能%s", status_label(from),
                     ACTIONS[c->action].verb);
        c->why = c->why ? c->why : c->why_buf;
        PQclear(row);
        return KP_OK;
    }
    const char *set[] = { c->id, to, c->reason };
    PGresult *res;
    if ((err = kp_db_exec(db, &SQL_SET_STATUS, set, &res)) == KP_OK) {
        PQclear(res);
        json_t *data = json_pack("{s:s, s:s, s:s}", "from", from, "to", to, "reason", c->reason);
        err = data ? kp_req_audit(c->r, db, ACTIONS[c->action].audit, "base", c->id, data) : KP_E_NOMEM;
        json_decref(data);
    }
    if (err == KP_OK) {
        char title[600];
        snprintf(title, sizeof title, "%s：%s", ACTIONS[c->action].told, PQgetvalue(row, 0, 4));
        json_t *about = json_pack("{s:I, s:s}", "base_id", (json_int_t)atoll(c->id), "status", to);
        err = about ? kp_notify_parties(db, PQgetvalue(row, 0, 2), PQgetvalue(row, 0, 3), ACTIONS[c->action].audit,
                                        title, c->reason, about)
                    : KP_E_NOMEM;
        json_decref(about);
    }
    PQclear(row);
    return err ? err : load(db, kp_db_exec, kp_req_principal(c->r), c->id, &c->base);
}

static enum kp_err change(struct kp_req *r, enum kp_base_action action)
{
    struct change c = { .r = r, .action = action };
    if (!take_id(r, c.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const struct kp_jfield spec[] = { KP_JSTRING("reason", &c.reason, 1, REASON_MAX), KP_JEND };
    if (!kp_req_take(r, spec))
        return KP_OK;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, change_tx, &c) : KP_E_NOMEM;
    if (err) {
        json_decref(c.base);
        return err;
    }
    if (!c.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (c.why) {
        json_decref(c.base);
        return kp_reply_problem(r, KP_P_INVALID_STATE, c.why);
    }
    return kp_reply_json(r, 200, c.base);
}

/* POST /api/v1/bases/{id}/suspend {"reason"} */
enum kp_err kp_api_bases_suspend(struct kp_req *r)
{
    return change(r, KP_BASE_SUSPEND);
}

/* POST /api/v1/bases/{id}/reinstate {"reason"} */
enum kp_err kp_api_bases_reinstate(struct kp_req *r)
{
    return change(r, KP_BASE_REINSTATE);
}

/* POST /api/v1/bases/{id}/revoke {"reason"}: final */
enum kp_err kp_api_bases_revoke(struct kp_req *r)
{
    return change(r, KP_BASE_REVOKE);
}

/* ---- plaques ---- */

/* A revoked base gets no plaque; the date must have come (in China). */
static const struct kp_stmt SQL_PLAQUE_LOCK = {
    "bases_plaque_lock",
    "SELECT b.status, $2::date <= (now() AT TIME ZONE 'Asia/Shanghai')::date FROM bases b WHERE b.id = $1 FOR UPDATE",
    2,
};

static const struct kp_stmt SQL_PLAQUE = {
    "bases_plaque",
    "INSERT INTO plaques (base_id, issued_on, recipient, recorded_by) VALUES ($1, $2, $3, $4)"
    " RETURNING id, base_id, to_char(issued_on, 'YYYY-MM-DD'), recipient, recorded_by, " KP_TIME("created_at"),
    4,
};

struct plaque {
    struct kp_req *r;
    char id[24];
    const char *issued_on, *recipient;
    /* outcome */
    bool found, revoked, future;
    json_t *plaque;
};

static enum kp_err plaque_tx(struct kp_db *db, void *arg)
{
    struct plaque *p = arg;
    const char *lock[] = { p->id, p->issued_on };
    PGresult *row;
    enum kp_err err = kp_db_exec(db, &SQL_PLAQUE_LOCK, lock, &row);
    if (err)
        return err;
    p->found = PQntuples(row) == 1;
    p->revoked = p->found && strcmp(PQgetvalue(row, 0, 0), "revoked") == 0;
    p->future = p->found && PQgetvalue(row, 0, 1)[0] != 't';
    PQclear(row);
    if (!p->found || p->revoked || p->future)
        return KP_OK;
    char by[24];
    snprintf(by, sizeof by, "%lld", kp_req_principal(p->r)->user_id);
    const char *params[] = { p->id, p->issued_on, p->recipient, by };
    PGresult *res;
    if ((err = kp_db_exec(db, &SQL_PLAQUE, params, &res)))
        return err;
    json_decref(p->plaque);
    p->plaque = json_pack("{s:I, s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)atoll(PQgetvalue(res, 0, 0)),
                          "base_id", (json_int_t)atoll(PQgetvalue(res, 0, 1)), "issued_on", PQgetvalue(res, 0, 2),
                          "recipient", PQgetvalue(res, 0, 3), "recorded_by", (json_int_t)atoll(PQgetvalue(res, 0, 4)),
                          "created_at", PQgetvalue(res, 0, 5));
    PQclear(res);
    if (p->plaque == NULL)
        return KP_E_NOMEM;
    json_t *data = json_pack("{s:O, s:s, s:s}", "plaque_id", json_object_get(p->plaque, "id"), "issued_on",
                             p->issued_on, "recipient", p->recipient);
    err = data ? kp_req_audit(p->r, db, "base.plaque_recorded", "base", p->id, data) : KP_E_NOMEM;
    json_decref(data);
    return err;
}

/* POST /api/v1/bases/{id}/plaque {"issued_on","recipient"}: a handover of
 * the plaque (牌匾) recorded */
enum kp_err kp_api_bases_plaque(struct kp_req *r)
{
    struct plaque p = { .r = r };
    if (!take_id(r, p.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const struct kp_jfield spec[] = {
        KP_JSTRING("issued_on", &p.issued_on, 1, 10),
        KP_JSTRING("recipient", &p.recipient, 1, RECIPIENT_MAX),
        KP_JEND,
    };
    if (!kp_req_take(r, spec))
        return KP_OK;
    if (!kp_valid_date(p.issued_on)) {
        json_t *errors = json_array();
        kp_problem_field(errors, "issued_on", "format", "应为 YYYY-MM-DD 格式的日期");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, plaque_tx, &p) : KP_E_NOMEM;
    if (err) {
        json_decref(p.plaque);
        return err;
    }
    if (!p.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (p.revoked)
        return kp_reply_problem(r, KP_P_INVALID_STATE, "基地已撤销，不能再颁发牌匾");
    if (p.future) {
        json_t *errors = json_array();
        kp_problem_field(errors, "issued_on", "range", "颁发日期不能晚于今天");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    return kp_reply_json(r, 201, p.plaque);
}
