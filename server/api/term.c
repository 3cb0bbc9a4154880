/* The end-of-term assessment (终期考核) of a base and its effect on the
 * next batch (API.md, "Term management"; the rules in lib/domain/term.h).
 *  - PUT /bases/{id}/term-assessment: the admin's result, in the term's
 *    last year or later.  It may be corrected until it has had its effect:
 *    once the unit has an application in a batch of a later term (carried
 *    over, fast-tracked, or registered as usual) the result stays.  A bar
 *    leaves nothing behind, so lifting it is a correction like another.
 *  - POST /batches/{id}/carry-over: the excellent bases enter the batch as
 *    proposed applications, bound to their original recommender but
 *    outside every quota (quota use counts recommended_at, which a carried
 *    over application never has), with the original application's form.
 *  - kp_term_fast_track: the qualified units' recommended applications go
 *    straight to final evaluation as the batch enters evaluating.
 * The bar itself is in applicants.c, at registration. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "notify.h"
#include "term.h"
#include "views.h"

#define COMMENTS_MAX 2000

/* ---- the assessment ---- */

/* The base, locked, with the year in China and whether the unit has
 * entered a batch of a later term (the assessment has had its effect). */
static const struct kp_stmt SQL_ASSESS_LOCK = {
    "term_assess_lock",
    "SELECT b.status, b.term_end_year, " KP_TERM_YEAR_SQL ", b.applicant_id, b.recommender_id, b.name,"
    "       b.term_result,"
    "       (SELECT t.code FROM applications a JOIN batches t ON t.id = a.batch_id"
    "         WHERE a.credit_code = b.credit_code AND t.term_start_year > b.term_end_year"
    "         ORDER BY a.id LIMIT 1)"
    "  FROM bases b WHERE b.id = $1 FOR UPDATE",
    1,
};
enum { L_STATUS, L_END, L_YEAR, L_APPLICANT, L_RECOMMENDER, L_NAME, L_RESULT, L_LATER_BATCH };

static const struct kp_stmt SQL_ASSESS = {
    "term_assess",
    "UPDATE bases SET term_result = $2, term_comments = $3, term_assessed_by = $4, term_assessed_at = now(),"
    "       updated_at = now() WHERE id = $1",
    4,
};

struct assessment {
    struct kp_req *r;
    char id[24];
    const char *result, *comments;
    /* outcome */
    bool found;
    char why[300];           /* 409 invalid_state when not "" */
    json_t *base;
};

static enum kp_err assess_tx(struct kp_db *db, void *arg)
{
    struct assessment *a = arg;
    a->why[0] = '\0';
    const char *id[] = { a->id };
    PGresult *row;
    enum kp_err err = kp_db_exec(db, &SQL_ASSESS_LOCK, id, &row);
    if (err)
        return err;
    a->found = PQntuples(row) == 1;
    if (!a->found) {
        PQclear(row);
        return KP_OK;
    }
    int end = atoi(PQgetvalue(row, 0, L_END)), year = atoi(PQgetvalue(row, 0, L_YEAR));
    if (strcmp(PQgetvalue(row, 0, L_STATUS), "revoked") == 0)
        snprintf(a->why, sizeof a->why, "基地已撤销，不进行终期考核");
    else if (!kp_term_assessable(year, end))
        snprintf(a->why, sizeof a->why, "届期最后一年（%d 年）起才能进行终期考核，现在是 %d 年", end, year);
    else if (!PQgetisnull(row, 0, L_LATER_BATCH))
        snprintf(a->why, sizeof a->why, "终期考核结果已生效（该单位已进入批次 %s），不能再更改",
                 PQgetvalue(row, 0, L_LATER_BATCH));
    if (a->why[0]) {
        PQclear(row);
        return KP_OK;
    }
    char by[24];
    snprintf(by, sizeof by, "%lld", kp_req_principal(a->r)->user_id);
    const char *set[] = { a->id, a->result, a->comments, by };
    PGresult *res;
    if ((err = kp_db_exec(db, &SQL_ASSESS, set, &res)) == KP_OK) {
        PQclear(res);
        json_t *data = json_pack("{s:s, s:s, s:o}", "result", a->result, "comments", a->comments, "previous",
                                 kp_text_or_null(row, 0, L_RESULT));
        err = data ? kp_req_audit(a->r, db, "base.term_assessed", "base", a->id, data) : KP_E_NOMEM;
        json_decref(data);
    }
    if (err == KP_OK) {
        char title[600];
        snprintf(title, sizeof title, "终期考核结果：%s（%s）", PQgetvalue(row, 0, L_NAME),
                 kp_term_result_label(a->result));
        json_t *about = json_pack("{s:I, s:s}", "base_id", (json_int_t)atoll(a->id), "result", a->result);
        err = about ? kp_notify_parties(db, PQgetvalue(row, 0, L_APPLICANT), PQgetvalue(row, 0, L_RECOMMENDER),
                                        "base.term_assessed", title, a->comments, about)
                    : KP_E_NOMEM;
        json_decref(about);
    }
    PQclear(row);
    return err ? err : kp_bases_load(db, kp_req_principal(a->r), a->id, &a->base);
}

/* PUT /api/v1/bases/{id}/term-assessment {"result","comments"} (admin) */
enum kp_err kp_api_bases_term_assessment(struct kp_req *r)
{
    struct assessment a = { .r = r };
    long long n;
    if (!kp_req_param_id(r, "id", &n))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(a.id, sizeof a.id, "%lld", n);
    const struct kp_jfield spec[] = {
        KP_JSTRING("result", &a.result, 1, 20),
        KP_JSTRING("comments", &a.comments, 1, COMMENTS_MAX),
        KP_JEND,
    };
    if (!kp_req_take(r, spec))
        return KP_OK;
    if (!kp_term_result_valid(a.result)) {
        json_t *errors = json_array();
        kp_problem_field(errors, "result", "enum", "应为 excellent（优秀）、qualified（合格）或 unqualified（不合格）");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, assess_tx, &a) : KP_E_NOMEM;
    if (err) {
        json_decref(a.base);
        return err;
    }
    if (!a.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (a.why[0]) {
        json_decref(a.base);
        return kp_reply_problem(r, KP_P_INVALID_STATE, a.why);
    }
    return kp_reply_json(r, 200, a.base);
}

/* ---- carry-over of the excellent ---- */

static const struct kp_stmt SQL_BATCH_LOCK = {
    "term_batch_lock", "SELECT status, term_start_year FROM batches WHERE id = $1 FOR UPDATE", 1,
};

/* Each unit ($1 the batch, $2 its term start) with a base assessed
 * excellent at the end of an earlier term, not revoked, and no application
 * in the batch yet: one proposed application, from its latest such base,
 * with that base's original recommender, names and form.  The batch row's
 * lock makes a second call wait and then find them all in. */
static const struct kp_stmt SQL_CARRY = {
    "term_carry_over",
    "INSERT INTO applications (batch_id, recommender_id, applicant_id, credit_code, base_name, category, form,"
    "                          status, fast_track)"
    " SELECT DISTINCT ON (b.credit_code) $1::bigint, b.recommender_id, b.applicant_id, b.credit_code, b.name,"
    "        b.category, o.form, 'proposed', 'excellent'"
    "   FROM bases b JOIN applications o ON o.id = b.application_id"
    "  WHERE " KP_TERM_AFTER_SQL("excellent", "$2::int") " AND b.status <> 'revoked'"
    "    AND NOT EXISTS (SELECT 1 FROM applications x WHERE x.batch_id = $1 AND x.credit_code = b.credit_code)"
    "  ORDER BY b.credit_code, b.term_end_year DESC, b.id DESC"
    " ON CONFLICT (batch_id, credit_code) DO NOTHING"
    " RETURNING id, applicant_id, recommender_id, unit_name, base_name, credit_code",
    2,
};
enum { N_ID, N_APPLICANT, N_RECOMMENDER, N_UNIT, N_BASE_NAME, N_CREDIT_CODE };

static const struct kp_stmt SQL_CARRIED = {
    "term_carried", "SELECT " KP_APPLICATION_COLUMNS KP_APPLICATION_FROM " WHERE a.id = ANY ($1::bigint[]) ORDER BY a.id",
    1,
};

struct carrying {
    struct kp_req *r;
    char batch[24];
    /* outcome */
    bool found;
    const char *why;
    json_t *items;
};

/* Audits and tells the carry-over of row i of `res`. */
static enum kp_err carried(struct carrying *c, struct kp_db *db, PGresult *res, int i)
{
    json_t *data = json_pack("{s:s, s:s, s:I, s:s, s:I}", "to", "proposed", "fast_track", "excellent", "batch_id",
                             (json_int_t)atoll(c->batch), "credit_code", PQgetvalue(res, i, N_CREDIT_CODE),
                             "recommender_id", (json_int_t)atoll(PQgetvalue(res, i, N_RECOMMENDER)));
    enum kp_err err = data ? kp_req_audit(c->r, db, "application.carried_over", "application",
                                          PQgetvalue(res, i, N_ID), data)
                           : KP_E_NOMEM;
    json_decref(data);
    if (err)
        return err;
    char title[600];
    snprintf(title, sizeof title, "终期考核优秀，直接列入建议名单：%s", PQgetvalue(res, i, N_BASE_NAME));
    json_t *about = json_pack("{s:I, s:s, s:s}", "application_id", (json_int_t)atoll(PQgetvalue(res, i, N_ID)),
                              "status", "proposed", "fast_track", "excellent");
    err = about ? kp_notify_parties(db, PQgetvalue(res, i, N_APPLICANT), PQgetvalue(res, i, N_RECOMMENDER),
                                    "application.carried_over", title, "不占推荐名额，将随本批次建议名单公示", about)
                : KP_E_NOMEM;
    json_decref(about);
    return err;
}

static enum kp_err carry_tx(struct kp_db *db, void *arg)
{
    struct carrying *c = arg;
    c->why = NULL;
    const char *b[] = { c->batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH_LOCK, b, &res);
    if (err)
        return err;
    c->found = PQntuples(res) == 1;
    char start[16] = "";
    if (c->found) {
        snprintf(start, sizeof start, "%s", PQgetvalue(res, 0, 1));
        if (strcmp(PQgetvalue(res, 0, 0), "evaluating") != 0)
            c->why = "批次不在评审阶段，不能转入终期考核优秀的基地";
    }
    PQclear(res);
    if (!c->found || c->why)
        return KP_OK;
    const char *params[] = { c->batch, start };
    if ((err = kp_db_exec(db, &SQL_CARRY, params, &res)))
        return err;
    struct kp_buf ids = { 0 };
    kp_buf_append(&ids, "{", 1);
    for (int i = 0; i < PQntuples(res) && err == KP_OK; i++) {
        kp_buf_printf(&ids, "%s%s", i ? "," : "", PQgetvalue(res, i, N_ID));
        err = carried(c, db, res, i);
    }
    kp_buf_append(&ids, "}", 1);
    int n = PQntuples(res);
    PQclear(res);
    if (err == KP_OK && ids.failed)
        err = KP_E_NOMEM;
    if (err == KP_OK) {
        json_t *data = json_pack("{s:i}", "count", n);
        err = data ? kp_req_audit(c->r, db, "batch.carried_over", "batch", c->batch, data) : KP_E_NOMEM;
        json_decref(data);
    }
    if (err == KP_OK) {
        const char *a[] = { ids.data };
        err = kp_db_exec(db, &SQL_CARRIED, a, &res);
    }
    kp_buf_free(&ids);
    if (err)
        return err;
    json_decref(c->items);
    c->items = json_array();
    for (int i = 0; i < PQntuples(res) && c->items; i++)
        if (json_array_append_new(c->items, kp_application_json(res, i)) != 0) {
            json_decref(c->items);
            c->items = NULL;
        }
    PQclear(res);
    return c->items ? KP_OK : KP_E_NOMEM;
}

/* POST /api/v1/batches/{id}/carry-over (admin): → {"count","items"} */
enum kp_err kp_api_batches_carry_over(struct kp_req *r)
{
    struct carrying c = { .r = r };
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(c.batch, sizeof c.batch, "%lld", id);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, carry_tx, &c) : KP_E_NOMEM;
    if (err || !c.found || c.why) {
        json_decref(c.items);
        if (err)
            return err;
        return c.found ? kp_reply_problem(r, KP_P_INVALID_STATE, c.why) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    return kp_reply_json(r, 200, json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(c.items), "items",
                                           c.items));
}

/* ---- the qualified: straight to final evaluation ---- */

static const struct kp_stmt SQL_FAST_TRACK = {
    "term_fast_track",
    "UPDATE applications a SET status = 'initial_passed', fast_track = 'qualified', version = version + 1,"
    "       updated_at = now()"
    "  FROM batches t"
    " WHERE a.batch_id = $1 AND t.id = a.batch_id AND a.status = 'recommended'"
    "   AND EXISTS (SELECT 1 FROM bases b WHERE b.credit_code = a.credit_code AND b.status <> 'revoked'"
    "                 AND " KP_TERM_AFTER_SQL("qualified", "t.term_start_year") ")"
    " RETURNING a.id, a.applicant_id, a.recommender_id, a.unit_name",
    1,
};

enum kp_err kp_term_fast_track(struct kp_req *r, struct kp_db *db, const char *batch, int *moved)
{
    const char *params[] = { batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_FAST_TRACK, params, &res);
    if (err)
        return err;
    *moved = PQntuples(res);
    for (int i = 0; i < *moved && err == KP_OK; i++) {
        json_t *data = json_pack("{s:s, s:s, s:s}", "from", "recommended", "to", "initial_passed", "fast_track",
                                 "qualified");
        err = data ? kp_req_audit(r, db, "application.fast_tracked", "application", PQgetvalue(res, i, 0), data)
                   : KP_E_NOMEM;
        json_decref(data);
        if (err)
            break;
        char title[600];
        snprintf(title, sizeof title, "终期考核合格，直接进入终评：%s", PQgetvalue(res, i, 3));
        json_t *about = json_pack("{s:I, s:s, s:s}", "application_id", (json_int_t)atoll(PQgetvalue(res, i, 0)),
                                  "status", "initial_passed", "fast_track", "qualified");
        err = about ? kp_notify_parties(db, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), "application.fast_tracked",
                                        title, "免于初评和实地抽检", about)
                    : KP_E_NOMEM;
        json_decref(about);
    }
    PQclear(res);
    return err;
}
