/* Expert assignments and scoring (终评).  The programme office assigns
 * experts to a batch's candidates in one go (lib/domain/assign.c: N
 * distinct experts each, never a conflict, loads as even as conflicts
 * allow, reproducible from the seed kept in assignment_rounds), may assign
 * again while no score is submitted, and replaces a recused or disabled
 * expert's assignment.  An expert sees its own assignments, saves drafts of
 * its scores against the batch's rubric, submits them (then they are
 * sealed: the database refuses any change) or recuses itself (a declared
 * conflict). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "assign.h"
#include "auth.h"
#include "buf.h"
#include "list.h"
#include "notify.h"
#include "rubric.h"
#include "views.h"

#define ASSIGNMENT_COLUMNS                                                                     \
    "x.id, x.batch_id, x.application_id, x.expert_id, x.status, x.scores::text, x.comment,"    \
    " x.total, " KP_TIME("x.submitted_at") ", x.recuse_reason, x.replaced_by, "               \
    KP_TIME("x.created_at") ", " KP_TIME("x.updated_at")
enum { X_ID, X_BATCH, X_APP, X_EXPERT, X_STATUS, X_SCORES, X_COMMENT, X_TOTAL, X_SUBMITTED, X_RECUSE,
       X_REPLACED_BY, X_CREATED, X_UPDATED, X_COLUMNS };

/* ---- statements ---- */

/* The batch, locked: status, whether it has a rubric, whether any score
 * is submitted. */
static const struct kp_stmt SQL_BATCH = {
    "assignments_batch",
    "SELECT b.status, EXISTS (SELECT 1 FROM rubrics WHERE batch_id = b.id),"
    "       EXISTS (SELECT 1 FROM assignments WHERE batch_id = b.id AND status = 'submitted')"
    "  FROM batches b WHERE b.id = $1 FOR UPDATE",
    1,
};

static const struct kp_stmt SQL_CANDIDATES = {
    "assignments_candidates",
    "SELECT id FROM applications WHERE batch_id = $1 AND status = 'initial_passed' ORDER BY id", 1,
};

static const struct kp_stmt SQL_EXPERTS = {
    "assignments_experts",
    "SELECT e.id FROM experts e JOIN users u ON u.id = e.user_id WHERE NOT u.disabled ORDER BY e.id", 0,
};

static const struct kp_stmt SQL_CONFLICTS = {
    "assignments_conflicts",
    "SELECT DISTINCT expert_id, application_id FROM expert_conflicts WHERE batch_id = $1", 1,
};

static const struct kp_stmt SQL_CLEAR = {
    "assignments_clear", "DELETE FROM assignments WHERE batch_id = $1", 1,
};

static const struct kp_stmt SQL_ROUND = {
    "assignments_round",
    "INSERT INTO assignment_rounds (batch_id, seed, per_application, made_by) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (batch_id) DO UPDATE SET seed = $2, per_application = $3, made_by = $4, made_at = now()",
    4,
};

static const struct kp_stmt SQL_INSERT = {
    "assignments_insert",
    "INSERT INTO assignments (batch_id, application_id, expert_id)"
    " SELECT $1, p.a, p.e FROM unnest($2::bigint[], $3::bigint[]) AS p(a, e)",
    3,
};

static const struct kp_stmt SQL_ITEMS = {
    "assignments_items",
    "SELECT id, application_id, expert_id, status FROM assignments WHERE batch_id = $1"
    " ORDER BY application_id, expert_id",
    1,
};

/* One notice per expert: how many applications it now has in the batch. */
static const struct kp_stmt SQL_EXPERT_USERS = {
    "assignments_expert_users",
    "SELECT e.user_id, count(*) FROM assignments x JOIN experts e ON e.id = x.expert_id"
    " WHERE x.batch_id = $1 GROUP BY e.user_id ORDER BY e.user_id",
    1,
};

/* Admin's list: $1 batch, $2 after, $3 expert (NULL any), $4 application (NULL any), $5 limit. */
static const struct kp_stmt SQL_LIST = {
    "assignments_list",
    "SELECT " ASSIGNMENT_COLUMNS " FROM assignments x WHERE x.batch_id = $1 AND x.id > $2"
    "   AND ($3::bigint IS NULL OR x.expert_id = $3) AND ($4::bigint IS NULL OR x.application_id = $4)"
    " ORDER BY x.id LIMIT $5",
    5,
};

/* The expert's own: $1 expert, $2 after, $3 limit; with the application's
 * names and the batch's rubric. */
static const struct kp_stmt SQL_MINE = {
    "assignments_mine",
    "SELECT " ASSIGNMENT_COLUMNS ", a.unit_name, a.base_name, coalesce(r.criteria::text, '[]')"
    "  FROM assignments x JOIN applications a ON a.id = x.application_id"
    "  LEFT JOIN rubrics r ON r.batch_id = x.batch_id"
    " WHERE x.expert_id = $1 AND x.id > $2 AND x.status <> 'replaced' ORDER BY x.id LIMIT $3",
    3,
};

/* One assignment, locked, in the caller's reach ($2: the expert's id, or
 * NULL for the admin), with its batch's status and rubric. */
static const struct kp_stmt SQL_LOCK = {
    "assignments_lock",
    "SELECT " ASSIGNMENT_COLUMNS ", b.status, r.criteria::text"
    "  FROM assignments x JOIN batches b ON b.id = x.batch_id LEFT JOIN rubrics r ON r.batch_id = x.batch_id"
    " WHERE x.id = $1 AND ($2::bigint IS NULL OR x.expert_id = $2) FOR UPDATE OF x",
    2,
};
enum { L_BATCH_STATUS = X_COLUMNS, L_CRITERIA };

static const struct kp_stmt SQL_GET = {
    "assignments_get", "SELECT " ASSIGNMENT_COLUMNS " FROM assignments x WHERE x.id = $1", 1,
};

static const struct kp_stmt SQL_DRAFT = {
    "assignments_draft",
    "UPDATE assignments SET status = 'draft', scores = $2::jsonb, comment = nullif($3, ''), updated_at = now()"
    " WHERE id = $1",
    3,
};

static const struct kp_stmt SQL_SUBMIT = {
    "assignments_submit",
    "UPDATE assignments SET status = 'submitted', total = $2, submitted_at = now(), updated_at = now()"
    " WHERE id = $1",
    2,
};

static const struct kp_stmt SQL_RECUSE = {
    "assignments_recuse",
    "WITH d AS (INSERT INTO declared_conflicts (expert_id, application_id, reason, declared_by)"
    "           VALUES ($2, $3, $4, $5) ON CONFLICT DO NOTHING)"
    " UPDATE assignments SET status = 'recused', recuse_reason = $4, updated_at = now() WHERE id = $1",
    5,
};

/* Who may take over application $2 of batch $1: enabled, no conflict, not
 * already on it in any way; with their active load in the batch. */
static const struct kp_stmt SQL_ELIGIBLE = {
    "assignments_eligible",
    "SELECT e.id, (SELECT count(*) FROM assignments y WHERE y.batch_id = $1 AND y.expert_id = e.id"
    "                 AND y.status IN ('pending', 'draft', 'submitted'))"
    "  FROM experts e JOIN users u ON u.id = e.user_id"
    " WHERE NOT u.disabled"
    "   AND NOT EXISTS (SELECT 1 FROM expert_conflicts c WHERE c.expert_id = e.id AND c.application_id = $2)"
    "   AND NOT EXISTS (SELECT 1 FROM assignments y WHERE y.expert_id = e.id AND y.application_id = $2)"
    " ORDER BY e.id",
    2,
};

static const struct kp_stmt SQL_ROUND_SEED = {
    "assignments_round_seed", "SELECT seed FROM assignment_rounds WHERE batch_id = $1", 1,
};

static const struct kp_stmt SQL_REPLACE = {
    "assignments_replace",
    "WITH n AS (INSERT INTO assignments (batch_id, application_id, expert_id) VALUES ($2, $3, $4) RETURNING id)"
    " UPDATE assignments SET status = 'replaced', replaced_by = (SELECT id FROM n), updated_at = now()"
    "  WHERE id = $1 RETURNING replaced_by",
    4,
};

static const struct kp_stmt SQL_EXPERT_USER = {
    "assignments_expert_user", "SELECT user_id FROM experts WHERE id = $1", 1,
};

/* ---- the assignment as the API shows it ---- */

static json_t *assignment_json(PGresult *res, int row)
{
    json_t *scores = PQgetisnull(res, row, X_SCORES) ? json_object() : json_loads(PQgetvalue(res, row, X_SCORES), 0, NULL);
    json_t *total = PQgetisnull(res, row, X_TOTAL) ? json_null()
                                                    : kp_rubric_points_json(atoi(PQgetvalue(res, row, X_TOTAL)));
    return json_pack("{s:I, s:I, s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s}",
                     "id", (json_int_t)atoll(PQgetvalue(res, row, X_ID)),
                     "batch_id", (json_int_t)atoll(PQgetvalue(res, row, X_BATCH)),
                     "application_id", (json_int_t)atoll(PQgetvalue(res, row, X_APP)),
                     "expert_id", (json_int_t)atoll(PQgetvalue(res, row, X_EXPERT)),
                     "status", PQgetvalue(res, row, X_STATUS),
                     "scores", scores, "comment", kp_text_or_null(res, row, X_COMMENT), "total", total,
                     "submitted_at", kp_text_or_null(res, row, X_SUBMITTED),
                     "recuse_reason", kp_text_or_null(res, row, X_RECUSE),
                     "replaced_by", PQgetisnull(res, row, X_REPLACED_BY)
                                        ? json_null() : json_integer(atoll(PQgetvalue(res, row, X_REPLACED_BY))),
                     "created_at", PQgetvalue(res, row, X_CREATED), "updated_at", PQgetvalue(res, row, X_UPDATED));
}

static json_t *mine_json(PGresult *res, int row)
{
    json_t *item = assignment_json(res, row);
    if (item) {
        json_object_set_new(item, "unit_name", json_string(PQgetvalue(res, row, X_COLUMNS)));
        json_object_set_new(item, "base_name", kp_text_or_null(res, row, X_COLUMNS + 1));
        json_object_set_new(item, "rubric", json_loads(PQgetvalue(res, row, X_COLUMNS + 2), 0, NULL));
    }
    return item;
}

static enum kp_err load(struct kp_db *db, const char *id, json_t **out)
{
    const char *params[] = { id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_GET, params, &res);
    if (err)
        return err;
    json_decref(*out);
    *out = PQntuples(res) == 1 ? assignment_json(res, 0) : NULL;
    PQclear(res);
    return *out ? KP_OK : KP_E_NOMEM;
}

static bool take_id(struct kp_req *r, char id[24])
{
    long long v;
    if (!kp_req_param_id(r, "id", &v))
        return false;
    snprintf(id, 24, "%lld", v);
    return true;
}

/* A JSON array's text of ids: '{1,2,3}' for PostgreSQL. */
static void id_array(struct kp_buf *b, const struct kp_assign_pair *p, size_t n, bool experts)
{
    kp_buf_append(b, "{", 1);
    for (size_t i = 0; i < n; i++)
        kp_buf_printf(b, "%s%lld", i ? "," : "", experts ? p[i].expert_id : p[i].application_id);
    kp_buf_append(b, "}", 1);
}

/* ---- POST /batches/{id}/assignments ---- */

struct making {
    struct kp_req *r;
    char batch[24];
    int per_application;
    unsigned char seed[KP_ASSIGN_SEED_LEN];
    /* outcome */
    bool found;
    const char *why;                 /* 409 */
    json_t *short_of;                /* 422 errors */
    json_t *answer;
};

/* Reads the column of ids in `res` into a new array (caller frees). */
static long long *ids_of(PGresult *res, int col, size_t *n)
{
    *n = (size_t)PQntuples(res);
    long long *ids = calloc(*n ? *n : 1, sizeof *ids);
    for (size_t i = 0; ids && i < *n; i++)
        ids[i] = atoll(PQgetvalue(res, (int)i, col));
    return ids;
}

static enum kp_err store(struct kp_db *db, struct making *m, const struct kp_assign *a)
{
    char seed[2 * KP_ASSIGN_SEED_LEN + 1], per[8], by[24];
    sodium_bin2hex(seed, sizeof seed, m->seed, sizeof m->seed);
    snprintf(per, sizeof per, "%d", m->per_application);
    snprintf(by, sizeof by, "%lld", kp_req_principal(m->r)->user_id);
    const char *clear[] = { m->batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_CLEAR, clear, &res);
    if (err)
        return err;
    PQclear(res);
    const char *round[] = { m->batch, seed, per, by };
    if ((err = kp_db_exec(db, &SQL_ROUND, round, &res)))
        return err;
    PQclear(res);
    struct kp_buf apps = { 0 }, experts = { 0 };
    id_array(&apps, a->pairs, a->npairs, false);
    id_array(&experts, a->pairs, a->npairs, true);
    const char *ins[] = { m->batch, apps.data, experts.data };
    err = apps.failed || experts.failed ? KP_E_NOMEM : kp_db_exec(db, &SQL_INSERT, ins, &res);
    kp_buf_free(&apps);
    kp_buf_free(&experts);
    if (err)
        return err;
    PQclear(res);
    json_t *data = json_pack("{s:s, s:i, s:I}", "seed", seed, "per_application", m->per_application,
                             "count", (json_int_t)a->npairs);
    err = data ? kp_req_audit(m->r, db, "batch.experts_assigned", "batch", m->batch, data) : KP_E_NOMEM;
    json_decref(data);
    if (err || (err = kp_db_exec(db, &SQL_EXPERT_USERS, clear, &res)))
        return err;
    json_t *about = json_pack("{s:I}", "batch_id", (json_int_t)atoll(m->batch));
    for (int i = 0; i < PQntuples(res) && err == KP_OK; i++) {
        char body[80];
        snprintf(body, sizeof body, "本批次分配给您 %s 份申报，请在评审工作台查看", PQgetvalue(res, i, 1));
        err = kp_notify(db, atoll(PQgetvalue(res, i, 0)), "assignment.assigned", "您有新的评审任务", body, about);
    }
    json_decref(about);
    PQclear(res);
    if (err)
        return err;
    /* the answer */
    if ((err = kp_db_exec(db, &SQL_ITEMS, clear, &res)))
        return err;
    json_t *items = json_array(), *loads = json_array();
    for (int i = 0; i < PQntuples(res) && items; i++)
        json_array_append_new(items, json_pack("{s:I, s:I, s:I, s:s}", "id", (json_int_t)atoll(PQgetvalue(res, i, 0)),
                                               "application_id", (json_int_t)atoll(PQgetvalue(res, i, 1)),
                                               "expert_id", (json_int_t)atoll(PQgetvalue(res, i, 2)),
                                               "status", PQgetvalue(res, i, 3)));
    PQclear(res);
    for (size_t i = 0; i < a->nloads && loads; i++)
        json_array_append_new(loads, json_pack("{s:I, s:i}", "expert_id", (json_int_t)a->loads[i].expert_id,
                                               "count", a->loads[i].count));
    json_decref(m->answer);
    m->answer = json_pack("{s:I, s:i, s:o, s:o}", "count", (json_int_t)a->npairs, "per_application",
                          m->per_application, "loads", loads, "items", items);
    return m->answer ? KP_OK : KP_E_NOMEM;
}

static enum kp_err make_tx(struct kp_db *db, void *arg)
{
    struct making *m = arg;
    m->why = NULL;
    json_array_clear(m->short_of);
    const char *params[] = { m->batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH, params, &res);
    if (err)
        return err;
    m->found = PQntuples(res) == 1;
    if (m->found) {
        if (strcmp(PQgetvalue(res, 0, 0), "evaluating") != 0)
            m->why = "批次不在评审阶段";
        else if (PQgetvalue(res, 0, 1)[0] != 't')
            m->why = "请先设置本批次的评分标准";
        else if (PQgetvalue(res, 0, 2)[0] == 't')
            m->why = "已有专家提交评分，不能重新分配";
    }
    PQclear(res);
    if (!m->found || m->why)
        return KP_OK;
    PGresult *cands, *experts, *conflicts;
    if ((err = kp_db_exec(db, &SQL_CANDIDATES, params, &cands)))
        return err;
    if ((err = kp_db_exec(db, &SQL_EXPERTS, NULL, &experts))) {
        PQclear(cands);
        return err;
    }
    if ((err = kp_db_exec(db, &SQL_CONFLICTS, params, &conflicts))) {
        PQclear(cands);
        PQclear(experts);
        return err;
    }
    size_t nc, ne, nx = (size_t)PQntuples(conflicts);
    long long *c = ids_of(cands, 0, &nc), *e = ids_of(experts, 0, &ne);
    struct kp_assign_conflict *x = calloc(nx ? nx : 1, sizeof *x);
    for (size_t i = 0; x && i < nx; i++)
        x[i] = (struct kp_assign_conflict){ atoll(PQgetvalue(conflicts, (int)i, 0)),
                                            atoll(PQgetvalue(conflicts, (int)i, 1)) };
    PQclear(cands);
    PQclear(experts);
    PQclear(conflicts);
    struct kp_assign a = { 0 };
    if (c == NULL || e == NULL || x == NULL)
        err = KP_E_NOMEM;
    else if (nc > KP_ASSIGN_MAX_CANDIDATES || ne > KP_ASSIGN_MAX_EXPERTS ||
             (unsigned long long)nc * ne > KP_ASSIGN_MAX_PAIRS)
        m->why = "候选申报或专家过多，超出一次分配的上限";
    else {
        const struct kp_assign_input in = { c, nc, e, ne, x, nx, m->per_application, m->seed };
        err = kp_assign_run(&in, &a);
    }
    free(c);
    free(e);
    free(x);
    if (err == KP_OK && !m->why && a.nshort > 0) {
        for (size_t i = 0; i < a.nshort; i++) {
            char field[40];
            snprintf(field, sizeof field, "applications.%lld", a.short_of[i]);
            kp_problem_field(m->short_of, field, "too_few_experts", "没有利益冲突的可用专家不足");
        }
    } else if (err == KP_OK && !m->why)
        err = store(db, m, &a);
    kp_assign_free(&a);
    return err;
}

/* POST /api/v1/batches/{id}/assignments  {"per_application","seed"?}: on the slow-work pool */
enum kp_err kp_api_assignments_make(struct kp_req *r)
{
    struct making m = { .r = r };
    if (!take_id(r, m.batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    long long per = 0;
    const char *seed = NULL;
    const struct kp_jfield spec[] = {
        KP_JINT("per_application", &per, 1, KP_ASSIGN_PER_APPLICATION_MAX),
        KP_JOPTIONAL("seed", KP_J_STRING, &seed, 2 * KP_ASSIGN_SEED_LEN, 2 * KP_ASSIGN_SEED_LEN, NULL),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    if (seed && (sodium_hex2bin(m.seed, sizeof m.seed, seed, strlen(seed), NULL, NULL, NULL) != 0 ||
                 strspn(seed, "0123456789abcdefABCDEF") != strlen(seed)))
        kp_problem_field(errors, "seed", "format", "种子应为 64 位十六进制字符");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    if (seed == NULL)
        randombytes_buf(m.seed, sizeof m.seed);
    m.per_application = (int)per;
    m.short_of = errors;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, make_tx, &m) : KP_E_NOMEM;
    if (err == KP_OK && !m.found)
        err = kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    else if (err == KP_OK && m.why)
        err = kp_reply_problem(r, KP_P_INVALID_STATE, m.why);
    else if (err == KP_OK && json_array_size(m.short_of) > 0) {
        err = kp_reply_problem_errors(r, KP_P_VALIDATION, "有申报没有足够的可用专家，未作任何分配", m.short_of);
        m.short_of = NULL;
    } else if (err == KP_OK) {
        err = kp_reply_json(r, 201, m.answer);
        m.answer = NULL;
    }
    json_decref(m.short_of);
    json_decref(m.answer);
    return err;
}

/* ---- lists ---- */

struct listing {
    char batch[24];
    const char *expert, *application;
    char org[24];
};

static enum kp_err fetch_batch(struct kp_db *db, struct kp_list *l)
{
    const struct listing *x = l->arg;
    const char *params[] = { x->batch, l->after, x->expert, x->application, l->limit };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_LIST, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, assignment_json);
    PQclear(res);
    return KP_OK;
}

static bool positive_id(const char *v)
{
    return v && v[0] >= '1' && v[0] <= '9' && strspn(v, "0123456789") == strlen(v) && strlen(v) <= 18;
}

/* GET /api/v1/batches/{id}/assignments?expert_id&application_id&limit&cursor */
enum kp_err kp_api_assignments_list(struct kp_req *r)
{
    struct listing x = { .expert = kp_req_query(r, "expert_id"), .application = kp_req_query(r, "application_id") };
    if (!take_id(r, x.batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    json_t *errors = json_array();
    if (x.expert && !positive_id(x.expert))
        kp_problem_field(errors, "expert_id", "type", "应为专家编号（正整数）");
    if (x.application && !positive_id(x.application))
        kp_problem_field(errors, "application_id", "type", "应为申报编号（正整数）");
    return kp_list_reply(r, errors, 0, KP_TX_READ_ONLY, fetch_batch, &x);
}

static enum kp_err fetch_mine(struct kp_db *db, struct kp_list *l)
{
    const struct listing *x = l->arg;
    const char *params[] = { x->org, l->after, l->limit };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_MINE, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, mine_json);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/assignments?limit&cursor (expert: its own, not replaced) */
enum kp_err kp_api_assignments_mine(struct kp_req *r)
{
    struct listing x = { 0 };
    snprintf(x.org, sizeof x.org, "%lld", kp_req_principal(r)->org_id);
    return kp_list_reply(r, json_array(), 0, KP_TX_READ_ONLY, fetch_mine, &x);
}

/* ---- one assignment: replace, score, submit, recuse ---- */

enum act { REPLACE, SCORE, SUBMIT, RECUSE };

struct acting {
    struct kp_req *r;
    enum act act;
    char id[24];
    const json_t *scores;
    const char *comment, *reason;
    /* outcome */
    bool found;
    const char *why;                 /* 409 */
    json_t *errors;                  /* 422 */
    json_t *answer;
    char answer_id[24];
};

static enum kp_err replace(struct kp_db *db, struct acting *a, PGresult *row)
{
    const char *batch = PQgetvalue(row, 0, X_BATCH), *app = PQgetvalue(row, 0, X_APP);
    const char *p[] = { batch, app };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_ELIGIBLE, p, &res);
    if (err)
        return err;
    size_t n = (size_t)PQntuples(res);
    struct kp_assign_load *loads = calloc(n ? n : 1, sizeof *loads);
    for (size_t i = 0; loads && i < n; i++)
        loads[i] = (struct kp_assign_load){ atoll(PQgetvalue(res, (int)i, 0)), atoi(PQgetvalue(res, (int)i, 1)) };
    PQclear(res);
    if (loads == NULL)
        return KP_E_NOMEM;
    const char *b[] = { batch };
    if ((err = kp_db_exec(db, &SQL_ROUND_SEED, b, &res))) {
        free(loads);
        return err;
    }
    unsigned char seed[KP_ASSIGN_SEED_LEN] = { 0 };
    if (PQntuples(res) == 1)
        sodium_hex2bin(seed, sizeof seed, PQgetvalue(res, 0, 0), 64, NULL, NULL, NULL);
    PQclear(res);
    long long expert;
    err = kp_assign_pick(loads, n, NULL, 0, seed, &expert);
    free(loads);
    if (err == KP_E_NOT_FOUND) {
        a->why = "没有可接替的专家（均有利益冲突、已停用或已参与本申报）";
        return KP_OK;
    }
    if (err)
        return err;
    char who[24];
    snprintf(who, sizeof who, "%lld", expert);
    const char *rp[] = { a->id, batch, app, who };
    if ((err = kp_db_exec(db, &SQL_REPLACE, rp, &res)))
        return err;
    snprintf(a->answer_id, sizeof a->answer_id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    json_t *data = json_pack("{s:s, s:I, s:I}", "replaced_by", a->answer_id, "from_expert",
                             (json_int_t)atoll(PQgetvalue(row, 0, X_EXPERT)), "to_expert", (json_int_t)expert);
    err = data ? kp_req_audit(a->r, db, "assignment.replaced", "assignment", a->id, data) : KP_E_NOMEM;
    json_decref(data);
    const char *eu[] = { who };
    if (err || (err = kp_db_exec(db, &SQL_EXPERT_USER, eu, &res)))
        return err;
    json_t *about = json_pack("{s:I}", "application_id", (json_int_t)atoll(app));
    if (PQntuples(res) == 1)
        err = kp_notify(db, atoll(PQgetvalue(res, 0, 0)), "assignment.assigned", "您有新的评审任务",
                        "接替另一位专家的评审，请在评审工作台查看", about);
    json_decref(about);
    PQclear(res);
    return err;
}

static enum kp_err score(struct kp_db *db, struct acting *a, PGresult *row, const struct kp_rubric *rubric)
{
    struct kp_rubric_sheet sheet;
    PGresult *res;
    enum kp_err err;
    if (a->act == SCORE) {
        if (!kp_rubric_scores_read(rubric, a->scores, KP_RUBRIC_DRAFT, &sheet, a->errors))
            return KP_OK;
        char *text = json_dumps(a->scores, JSON_COMPACT);
        const char *p[] = { a->id, text, a->comment ? a->comment : "" };
        err = text ? kp_db_exec(db, &SQL_DRAFT, p, &res) : KP_E_NOMEM;
        json_t *data = json_pack("{s:O}", "scores", a->scores);
        free(text);
        if (err == KP_OK) {
            PQclear(res);
            err = data ? kp_req_audit(a->r, db, "assignment.scored", "assignment", a->id, data) : KP_E_NOMEM;
        }
        json_decref(data);
        return err;
    }
    /* SUBMIT: the draft as saved, whole */
    json_t *saved = PQgetisnull(row, 0, X_SCORES) ? json_object() : json_loads(PQgetvalue(row, 0, X_SCORES), 0, NULL);
    bool whole = saved && kp_rubric_scores_read(rubric, saved, KP_RUBRIC_SUBMIT, &sheet, a->errors);
    if (!whole) {
        json_decref(saved);
        return saved ? KP_OK : KP_E_NOMEM;
    }
    int total = kp_rubric_total(rubric, &sheet);
    char t[16];
    snprintf(t, sizeof t, "%d", total);
    const char *p[] = { a->id, t };
    if ((err = kp_db_exec(db, &SQL_SUBMIT, p, &res))) {
        json_decref(saved);
        return err;
    }
    PQclear(res);
    char points[KP_RUBRIC_POINTS_LEN];
    kp_rubric_points(total, points);
    json_t *data = json_pack("{s:o, s:s}", "scores", saved, "total", points);
    err = data ? kp_req_audit(a->r, db, "assignment.submitted", "assignment", a->id, data) : KP_E_NOMEM;
    json_decref(data);
    return err;
}

static enum kp_err recuse(struct kp_db *db, struct acting *a, PGresult *row)
{
    char by[24];
    snprintf(by, sizeof by, "%lld", kp_req_principal(a->r)->user_id);
    const char *p[] = { a->id, PQgetvalue(row, 0, X_EXPERT), PQgetvalue(row, 0, X_APP), a->reason, by };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_RECUSE, p, &res);
    if (err)
        return err;
    PQclear(res);
    json_t *data = json_pack("{s:s}", "reason", a->reason);
    err = data ? kp_req_audit(a->r, db, "assignment.recused", "assignment", a->id, data) : KP_E_NOMEM;
    if (err == KP_OK) {
        json_object_set_new(data, "assignment_id", json_integer(atoll(a->id)));
        err = kp_notify_role(db, "admin", "assignment.recused", "专家申请回避，请安排替换", a->reason, data);
    }
    json_decref(data);
    return err;
}

static enum kp_err act_tx(struct kp_db *db, void *arg)
{
    struct acting *a = arg;
    a->why = NULL;
    json_array_clear(a->errors);
    char expert[24];
    snprintf(expert, sizeof expert, "%lld", kp_req_principal(a->r)->org_id);
    const char *params[] = { a->id, a->act == REPLACE ? NULL : expert };
    PGresult *row;
    enum kp_err err = kp_db_exec(db, &SQL_LOCK, params, &row);
    if (err)
        return err;
    a->found = PQntuples(row) == 1;
    if (!a->found) {
        PQclear(row);
        return KP_OK;
    }
    const char *status = PQgetvalue(row, 0, X_STATUS);
    bool open = strcmp(status, "pending") == 0 || strcmp(status, "draft") == 0;
    struct kp_rubric rubric;
    json_t *criteria = PQgetisnull(row, 0, L_CRITERIA) ? NULL : json_loads(PQgetvalue(row, 0, L_CRITERIA), 0, NULL);
    json_t *ignored = json_array();
    bool has_rubric = criteria && ignored && kp_rubric_read(criteria, &rubric, ignored);
    json_decref(criteria);
    json_decref(ignored);
    if (strcmp(PQgetvalue(row, 0, L_BATCH_STATUS), "evaluating") != 0)
        a->why = "批次不在评审阶段";
    else if (a->act == REPLACE && (strcmp(status, "submitted") == 0 || strcmp(status, "replaced") == 0))
        a->why = strcmp(status, "submitted") == 0 ? "评分已提交，不能替换" : "已被替换";
    else if (a->act != REPLACE && !open)
        a->why = strcmp(status, "submitted") == 0 ? "评分已提交，不能再更改" : "这项评审任务已结束";
    else if ((a->act == SCORE || a->act == SUBMIT) && !has_rubric)
        a->why = "本批次的评分标准尚未设置";
    if (!a->why) {
        err = a->act == REPLACE ? replace(db, a, row)
              : a->act == RECUSE ? recuse(db, a, row)
                                 : score(db, a, row, &rubric);
        if (a->act != REPLACE)
            snprintf(a->answer_id, sizeof a->answer_id, "%s", a->id);
    }
    PQclear(row);
    if (err || a->why || json_array_size(a->errors) > 0)
        return err;
    return load(db, a->answer_id, &a->answer);
}

static enum kp_err run_act(struct kp_req *r, struct acting *a)
{
    a->r = r;
    a->errors = json_array();
    if (a->errors == NULL)
        return KP_E_NOMEM;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, act_tx, a) : KP_E_NOMEM;
    if (err == KP_OK && !a->found)
        err = kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    else if (err == KP_OK && a->why)
        err = kp_reply_problem(r, KP_P_INVALID_STATE, a->why);
    else if (err == KP_OK && json_array_size(a->errors) > 0) {
        err = kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, a->errors);
        a->errors = NULL;
    } else if (err == KP_OK) {
        err = kp_reply_json(r, a->act == REPLACE ? 201 : 200, a->answer);
        a->answer = NULL;
    }
    json_decref(a->errors);
    json_decref(a->answer);
    return err;
}

/* POST /api/v1/assignments/{id}/replace (admin) */
enum kp_err kp_api_assignments_replace(struct kp_req *r)
{
    struct acting a = { .act = REPLACE };
    return take_id(r, a.id) ? run_act(r, &a) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
}

/* PUT /api/v1/assignments/{id}/score  {"scores":{"<key>":0..100},"comment"?} (expert) */
enum kp_err kp_api_assignments_score(struct kp_req *r)
{
    struct acting a = { .act = SCORE };
    if (!take_id(r, a.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    json_t *scores = NULL;
    const struct kp_jfield spec[] = {
        KP_JOBJECT("scores", &scores),
        KP_JOPTIONAL("comment", KP_J_STRING, &a.comment, 0, 2000, NULL),
        KP_JEND,
    };
    if (!kp_req_take(r, spec))
        return KP_OK;
    a.scores = scores;
    return run_act(r, &a);
}

/* POST /api/v1/assignments/{id}/submit (expert) */
enum kp_err kp_api_assignments_submit(struct kp_req *r)
{
    struct acting a = { .act = SUBMIT };
    return take_id(r, a.id) ? run_act(r, &a) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
}

/* POST /api/v1/assignments/{id}/recuse  {"reason"} (expert) */
enum kp_err kp_api_assignments_recuse(struct kp_req *r)
{
    struct acting a = { .act = RECUSE };
    if (!take_id(r, a.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const struct kp_jfield spec[] = { KP_JSTRING("reason", &a.reason, 1, 1000), KP_JEND };
    if (!kp_req_take(r, spec))
        return KP_OK;
    return run_act(r, &a);
}
