/* Conflicts of interest (回避): an expert never scores an application it
 * conflicts with.  Which pairs conflict is one SQL definition, the view
 * expert_conflicts (migrations/0014_experts.sql): three automatic rules
 * computed from what the expert works for, and the conflicts someone
 * declared, which live in declared_conflicts.  Here the admin declares one
 * and lists a batch's. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "list.h"
#include "views.h"

static const struct kp_stmt SQL_EXPERT = {
    "conflicts_expert", "SELECT 1 FROM experts WHERE id = $1", 1,
};

/* The application exists, and the pair has no declared conflict yet. */
static const struct kp_stmt SQL_DECLARE = {
    "conflicts_declare",
    "WITH a AS (SELECT id FROM applications WHERE id = $2::bigint),"
    "     d AS (INSERT INTO declared_conflicts (expert_id, application_id, reason, declared_by)"
    "           SELECT $1, id, $3, $4 FROM a ON CONFLICT DO NOTHING RETURNING 1)"
    "SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM d)",
    4,
};

static const struct kp_stmt SQL_BATCH = {
    "conflicts_batch", "SELECT 1 FROM batches WHERE id = $1", 1,
};

/* An expert now in conflict with an application it is working on is taken
 * off it (recused, for the programme office to replace), so that no expert
 * ever works on an application it conflicts with.  A submitted score is
 * sealed and stays. */
static const struct kp_stmt SQL_OFF = {
    "conflicts_off",
    "UPDATE assignments SET status = 'recused', recuse_reason = $3, updated_at = now()"
    " WHERE expert_id = $1 AND application_id = $2 AND status IN ('pending', 'draft') RETURNING id",
    3,
};

/* A page of the batch's conflicts in the order of their key
 * (application, expert, kind); the row comparison is pushed into each
 * branch of the view with the batch. */
static const struct kp_stmt SQL_LIST = {
    "conflicts_list",
    "SELECT c.application_id, c.expert_id, c.kind, c.reason FROM expert_conflicts c"
    " WHERE c.batch_id = $1 AND (c.application_id, c.expert_id, c.kind) > ($2::bigint, $3::bigint, $4::text)"
    " ORDER BY c.application_id, c.expert_id, c.kind LIMIT $5",
    5,
};

static const char *const KINDS[] = { "credit_code", "organization", "recommender", "declared" };

/* {"expert_id","application_id","kind","reason"}, from SQL_LIST's columns. */
static json_t *conflict_json(PGresult *res, int row)
{
    return json_pack("{s:I, s:I, s:s, s:s}", "expert_id", (json_int_t)atoll(PQgetvalue(res, row, 1)),
                     "application_id", (json_int_t)atoll(PQgetvalue(res, row, 0)),
                     "kind", PQgetvalue(res, row, 2), "reason", PQgetvalue(res, row, 3));
}

/* ---- POST /api/v1/experts/{id}/conflicts  {"application_id","reason"} ---- */

struct declare {
    struct kp_req *r;
    char expert[24], application[24];
    const char *reason;
    bool found, application_found, declared;
};

static enum kp_err declare_tx(struct kp_db *db, void *arg)
{
    struct declare *d = arg;
    const char *e[] = { d->expert };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_EXPERT, e, &res);
    if (err)
        return err;
    d->found = PQntuples(res) == 1;
    PQclear(res);
    if (!d->found)
        return KP_OK;
    char by[24];
    snprintf(by, sizeof by, "%lld", kp_req_principal(d->r)->user_id);
    const char *params[] = { d->expert, d->application, d->reason, by };
    if ((err = kp_db_exec(db, &SQL_DECLARE, params, &res)))
        return err;
    d->application_found = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
    d->declared = strcmp(PQgetvalue(res, 0, 1), "1") == 0;
    PQclear(res);
    if (!d->declared)
        return KP_OK;
    json_t *data = json_pack("{s:I, s:s}", "application_id", (json_int_t)atoll(d->application),
                             "reason", d->reason);
    err = data ? kp_req_audit(d->r, db, "expert.conflict_declared", "expert", d->expert, data) : KP_E_NOMEM;
    json_decref(data);
    const char *off[] = { d->expert, d->application, d->reason };
    if (err || (err = kp_db_exec(db, &SQL_OFF, off, &res)))
        return err;
    for (int i = 0; i < PQntuples(res) && err == KP_OK; i++) {
        json_t *why = json_pack("{s:s}", "reason", d->reason);
        err = why ? kp_req_audit(d->r, db, "assignment.recused", "assignment", PQgetvalue(res, i, 0), why) : KP_E_NOMEM;
        json_decref(why);
    }
    PQclear(res);
    return err;
}

enum kp_err kp_api_conflicts_declare(struct kp_req *r)
{
    struct declare d = { .r = r };
    long long expert, application;
    if (!kp_req_param_id(r, "id", &expert))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const struct kp_jfield spec[] = {
        KP_JINT("application_id", &application, 1, LLONG_MAX),
        KP_JSTRING("reason", &d.reason, 1, 1000),
        KP_JEND,
    };
    if (!kp_req_take(r, spec))
        return KP_OK;
    snprintf(d.expert, sizeof d.expert, "%lld", expert);
    snprintf(d.application, sizeof d.application, "%lld", application);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, declare_tx, &d) : KP_E_NOMEM;
    if (err)
        return err;
    if (!d.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (!d.application_found) {
        json_t *errors = json_array();
        kp_problem_field(errors, "application_id", "not_found", "没有这份申报");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    if (!d.declared)
        return kp_reply_problem(r, KP_P_CONFLICT, "该专家与这份申报的回避已声明过");
    return kp_reply_json(r, 201, json_pack("{s:I, s:I, s:s, s:s}", "expert_id", (json_int_t)expert,
                                           "application_id", (json_int_t)application,
                                           "kind", "declared", "reason", d.reason));
}

/* ---- GET /api/v1/batches/{id}/conflicts?limit&cursor ---- */

/* A cursor is [application_id, expert_id, kind]. */
static bool conflict_key(const json_t *key)
{
    const char *kind = json_string_value(json_array_get(key, 2));
    if (json_array_size(key) != 3 || !json_is_integer(json_array_get(key, 0)) ||
        !json_is_integer(json_array_get(key, 1)) || kind == NULL)
        return false;
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(kind, KINDS[i]) == 0)
            return true;
    return false;
}

static enum kp_err fetch_page(struct kp_db *db, struct kp_list *l)
{
    const char *batch = l->arg;
    const char *b[] = { batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH, b, &res);
    if (err)
        return err;
    bool found = PQntuples(res) == 1;
    PQclear(res);
    if (!found)
        return KP_E_NOT_FOUND;
    char application[24] = "0", expert[24] = "0";
    const char *kind = "";                         /* before every kind */
    const json_t *after = l->page.after;
    if (after != NULL) {
        snprintf(application, sizeof application, "%lld", (long long)json_integer_value(json_array_get(after, 0)));
        snprintf(expert, sizeof expert, "%lld", (long long)json_integer_value(json_array_get(after, 1)));
        kind = json_string_value(json_array_get(after, 2));
    }
    const char *params[] = { batch, application, expert, kind, l->limit };
    if ((err = kp_list_exec(db, l, &SQL_LIST, params, conflict_json)) || !l->more)
        return err;
    const json_t *last = json_array_get(l->items, json_array_size(l->items) - 1);
    json_t *key = json_pack("[O, O, O]", json_object_get(last, "application_id"),
                            json_object_get(last, "expert_id"), json_object_get(last, "kind"));
    if (key == NULL)
        return KP_E_NOMEM;
    kp_list_key(l, key);
    return KP_OK;
}

enum kp_err kp_api_conflicts_list(struct kp_req *r)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    char batch[24];
    snprintf(batch, sizeof batch, "%lld", id);
    return kp_list_reply_keyed(r, json_array(), conflict_key, KP_TX_READ_ONLY, fetch_page, batch);
}
