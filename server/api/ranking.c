/* The ranking of a batch's final candidates (终评) and the proposed list
 * (建议名单).  Each candidate's submitted totals give its statistics and its
 * rank within its category (lib/domain/ranking.c); the programme office
 * reads them as JSON or as CSV for Excel, and, once every candidate's
 * scoring is complete, fixes the proposed list: the candidates it names
 * become proposed, every other one final_rejected, each audited and told to
 * the applicant and its recommender.  Once only. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "appstate.h"
#include "auth.h"
#include "buf.h"
#include "csv.h"
#include "filename.h"
#include "notify.h"
#include "ranking.h"
#include "rubric.h"
#include "views.h"

/* A batch's final candidates, with their submitted totals ("expert:total,"
 * in hundredths, by expert) and how many of their assignments are active
 * and submitted.  $1 the batch, $2 a category (NULL: all).  A base carried
 * over (fast_track excellent: term.c) is proposed without being a
 * candidate: neither ranked nor decided here, it stays proposed. */
#define CANDIDATES_SQL                                                                          \
    "SELECT a.id, a.unit_name, a.base_name, coalesce(a.category, ''), a.region_name, a.recommender_name," \
    "       coalesce(string_agg(x.expert_id || ':' || x.total, ',' ORDER BY x.expert_id)"       \
    "                FILTER (WHERE x.status = 'submitted'), ''),"                              \
    "       count(x.id) FILTER (WHERE x.status IN ('pending', 'draft', 'submitted')),"         \
    "       count(x.id) FILTER (WHERE x.status = 'submitted'), a.status, a.applicant_id, a.recommender_id" \
    "  FROM applications a LEFT JOIN assignments x ON x.application_id = a.id"                 \
    " WHERE a.batch_id = $1 AND a.status IN ('initial_passed', 'proposed', 'final_rejected')"   \
    "   AND a.fast_track IS DISTINCT FROM 'excellent'"                                          \
    "   AND ($2::text IS NULL OR a.category = $2)"                                              \
    " GROUP BY a.id ORDER BY a.id"
enum { C_ID, C_UNIT, C_BASE, C_CATEGORY, C_REGION, C_RECOMMENDER, C_TOTALS, C_ACTIVE, C_SUBMITTED, C_STATUS,
       C_APPLICANT, C_RECOMMENDER_ID };

static const struct kp_stmt SQL_CANDIDATES = { "ranking_candidates", CANDIDATES_SQL, 2 };

static const struct kp_stmt SQL_BATCH = {
    "ranking_batch", "SELECT status, code, " KP_TODAY_SQL " FROM batches WHERE id = $1", 1,
};

static const struct kp_stmt SQL_BATCH_LOCK = {
    "ranking_batch_lock", "SELECT status FROM batches WHERE id = $1 FOR UPDATE", 1,
};

static const struct kp_stmt SQL_DECIDE = {
    "ranking_decide",
    "UPDATE applications SET status = $2, version = version + 1, updated_at = now() WHERE id = $1",
    2,
};

#define MAX_TOTALS KP_RANKING_MAX_N

/* One candidate as read, with its computed statistics. */
struct candidate {
    int row;                          /* in the result */
    int n;
    long long experts[MAX_TOTALS];
    int totals[MAX_TOTALS];
    bool complete;                    /* some active assignment, and all of them submitted */
};

/* Reads row i's "expert:total," list. */
static void take_totals(PGresult *res, int i, struct candidate *c)
{
    const char *p = PQgetvalue(res, i, C_TOTALS);
    c->n = 0;
    while (*p && c->n < MAX_TOTALS) {
        char *end;
        c->experts[c->n] = strtoll(p, &end, 10);
        c->totals[c->n] = (int)strtol(end + 1, &end, 10);
        c->n++;
        p = *end == ',' ? end + 1 : end;
    }
    long long active = atoll(PQgetvalue(res, i, C_ACTIVE)), submitted = atoll(PQgetvalue(res, i, C_SUBMITTED));
    c->complete = active > 0 && active == submitted;
}

/* The candidates of a result, ranked and in the API's order. */
struct ranked {
    struct kp_ranking_row *rows;
    struct candidate *cands;          /* rows[i].data points into it */
    size_t n;
};

static void free_ranked(struct ranked *k)
{
    free(k->rows);
    free(k->cands);
}

static enum kp_err rank_all(PGresult *res, struct ranked *k)
{
    k->n = (size_t)PQntuples(res);
    k->rows = calloc(k->n ? k->n : 1, sizeof *k->rows);
    k->cands = calloc(k->n ? k->n : 1, sizeof *k->cands);
    if (k->rows == NULL || k->cands == NULL) {
        free_ranked(k);
        return KP_E_NOMEM;
    }
    for (size_t i = 0; i < k->n; i++) {
        struct candidate *c = &k->cands[i];
        c->row = (int)i;
        take_totals(res, (int)i, c);
        k->rows[i].application_id = atoll(PQgetvalue(res, (int)i, C_ID));
        k->rows[i].category = kp_app_category_index(PQgetvalue(res, (int)i, C_CATEGORY));
        k->rows[i].data = c;
        enum kp_err err = kp_ranking_stats(c->totals, (size_t)c->n, &k->rows[i].stats);
        if (err) {
            free_ranked(k);
            return err;
        }
    }
    kp_ranking_order(k->rows, k->n);
    return KP_OK;
}

static json_t *points_or_null(const struct kp_ranking_stats *s, int value)
{
    return s->n == 0 ? json_null() : kp_rubric_points_json(value);
}

static json_t *item_json(PGresult *res, const struct kp_ranking_row *row)
{
    const struct candidate *c = row->data;
    const struct kp_ranking_stats *s = &row->stats;
    int i = c->row;
    json_t *totals = json_array(), *outliers = json_array();
    for (int k = 0; k < c->n && totals && outliers; k++) {
        json_array_append_new(totals, json_pack("{s:I, s:o}", "expert_id", (json_int_t)c->experts[k], "total",
                                                kp_rubric_points_json(c->totals[k])));
        if (s->outlier[k])
            json_array_append_new(outliers, json_integer(c->experts[k]));
    }
    return json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
                     "application_id", (json_int_t)row->application_id, "unit_name", PQgetvalue(res, i, C_UNIT),
                     "base_name", PQgetisnull(res, i, C_BASE) ? json_null() : json_string(PQgetvalue(res, i, C_BASE)),
                     "category", PQgetvalue(res, i, C_CATEGORY)[0] ? json_string(PQgetvalue(res, i, C_CATEGORY)) : json_null(),
                     "region", PQgetvalue(res, i, C_REGION), "recommender_name", PQgetvalue(res, i, C_RECOMMENDER),
                     "totals", totals, "n", s->n, "mean", points_or_null(s, s->mean),
                     "median", points_or_null(s, s->median), "trimmed_mean", points_or_null(s, s->trimmed_mean),
                     "spread", points_or_null(s, s->spread), "outliers", outliers,
                     "rank", row->rank ? json_integer(row->rank) : json_null(), "complete", c->complete);
}

/* ---- reading ---- */

struct reading {
    char batch[24];
    const char *category;
    bool csv;
    bool found;
    char filename[400];      /* the CSV's: 排名-<batch code>-<Beijing date>.csv */
    PGresult *res;
};

static enum kp_err read_tx(struct kp_db *db, void *arg)
{
    struct reading *x = arg;
    PQclear(x->res);
    x->res = NULL;
    const char *b[] = { x->batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH, b, &res);
    if (err)
        return err;
    x->found = PQntuples(res) == 1;
    if (x->found)
        snprintf(x->filename, sizeof x->filename, "排名-%s-%s.csv", PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    PQclear(res);
    if (!x->found)
        return KP_OK;
    const char *params[] = { x->batch, x->category };
    return kp_db_exec(db, &SQL_CANDIDATES, params, &x->res);
}

static void csv_row(struct kp_buf *b, PGresult *res, const struct kp_ranking_row *row)
{
    const struct candidate *c = row->data;
    const struct kp_ranking_stats *s = &row->stats;
    int i = c->row;
    char rank[16] = "", n[16], mean[KP_RUBRIC_POINTS_LEN] = "", median[KP_RUBRIC_POINTS_LEN] = "",
         trimmed[KP_RUBRIC_POINTS_LEN] = "", spread[KP_RUBRIC_POINTS_LEN] = "";
    if (row->rank)
        snprintf(rank, sizeof rank, "%d", row->rank);
    snprintf(n, sizeof n, "%d", s->n);
    if (s->n) {
        kp_rubric_points_fixed(s->mean, mean);
        kp_rubric_points_fixed(s->median, median);
        kp_rubric_points_fixed(s->trimmed_mean, trimmed);
        kp_rubric_points_fixed(s->spread, spread);
    }
    struct kp_buf out = { 0 };
    for (int k = 0; k < c->n; k++)
        if (s->outlier[k])
            kp_buf_printf(&out, "%s%lld", out.len ? " " : "", c->experts[k]);
    kp_csv_cell(b, rank, false);
    kp_csv_cell(b, kp_app_category_label(PQgetvalue(res, i, C_CATEGORY)), false);
    kp_csv_cell(b, PQgetvalue(res, i, C_UNIT), false);
    kp_csv_cell(b, PQgetvalue(res, i, C_BASE), false);
    kp_csv_cell(b, PQgetvalue(res, i, C_REGION), false);
    kp_csv_cell(b, PQgetvalue(res, i, C_RECOMMENDER), false);
    kp_csv_cell(b, n, false);
    kp_csv_cell(b, mean, false);
    kp_csv_cell(b, median, false);
    kp_csv_cell(b, trimmed, false);
    kp_csv_cell(b, spread, false);
    kp_csv_cell(b, out.len ? out.data : "", false);
    kp_csv_cell(b, c->complete ? "是" : "否", true);
    kp_buf_free(&out);
}

static enum kp_err reply_ranking(struct kp_req *r, struct reading *x)
{
    struct ranked k;
    enum kp_err err = rank_all(x->res, &k);
    if (err)
        return err;
    if (x->csv) {
        struct kp_buf b = { 0 };
        kp_buf_append(&b, "\xEF\xBB\xBF", 3);        /* a BOM: Excel then reads UTF-8 */
        static const char *const head[] = { "排名", "类别", "申报单位", "基地名称", "所在地区", "推荐单位", "有效评分数",
                                            "平均分", "中位数", "去掉最高最低平均分", "极差", "离群评分专家", "评审完成" };
        for (size_t h = 0; h < sizeof head / sizeof *head; h++)
            kp_csv_cell(&b, head[h], h + 1 == sizeof head / sizeof *head);
        for (size_t i = 0; i < k.n; i++)
            csv_row(&b, x->res, &k.rows[i]);
        free_ranked(&k);
        size_t len;
        char *text = kp_buf_take(&b, &len);
        if (text == NULL)
            return KP_E_NOMEM;
        char disposition[KP_FILENAME_DISPOSITION_MAX];
        kp_filename_attachment(x->filename, disposition);
        kp_req_add_header(r, "Content-Disposition", disposition);
        return kp_reply_data(r, 200, "text/csv; charset=utf-8", text, len);
    }
    json_t *items = json_array();
    for (size_t i = 0; i < k.n && items; i++)
        json_array_append_new(items, item_json(x->res, &k.rows[i]));
    free_ranked(&k);
    return items ? kp_reply_json(r, 200, json_pack("{s:o}", "items", items)) : KP_E_NOMEM;
}

static enum kp_err ranking(struct kp_req *r, bool csv)
{
    struct reading x = { .category = kp_req_query(r, "category"), .csv = csv };
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(x.batch, sizeof x.batch, "%lld", id);
    if (x.category && !kp_app_category_valid(x.category)) {
        json_t *errors = json_array();
        kp_problem_field(errors, "category", "enum", "不是有效的基地类别");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, read_tx, &x) : KP_E_NOMEM;
    if (err == KP_OK)
        err = x.found ? reply_ranking(r, &x) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    PQclear(x.res);
    return err;
}

/* GET /api/v1/batches/{id}/ranking?category */
enum kp_err kp_api_ranking_get(struct kp_req *r)
{
    return ranking(r, false);
}

/* GET /api/v1/batches/{id}/ranking.csv?category: the same for Excel (BOM) */
enum kp_err kp_api_ranking_csv(struct kp_req *r)
{
    return ranking(r, true);
}

/* ---- the proposed list ---- */

struct proposing {
    struct kp_req *r;
    char batch[24];
    long long *ids;
    size_t n;
    /* outcome */
    bool found;
    const char *why;
    char why_buf[120];
    json_t *errors;
    long long proposed, rejected;
};

static enum kp_err decide(struct kp_db *db, struct proposing *p, PGresult *res, int i, bool proposed)
{
    char id[24];
    snprintf(id, sizeof id, "%s", PQgetvalue(res, i, C_ID));
    const char *to = proposed ? "proposed" : "final_rejected";
    const char *params[] = { id, to };
    PGresult *done;
    enum kp_err err = kp_db_exec(db, &SQL_DECIDE, params, &done);
    if (err)
        return err;
    PQclear(done);
    json_t *data = json_pack("{s:s, s:s}", "from", "initial_passed", "to", to);
    err = data ? kp_req_audit(p->r, db, proposed ? "application.proposed" : "application.final_rejected",
                              "application", id, data)
               : KP_E_NOMEM;
    json_decref(data);
    if (err)
        return err;
    char title[600];
    snprintf(title, sizeof title, "%s：%s", proposed ? "列入建议名单" : "终评未通过", PQgetvalue(res, i, C_UNIT));
    json_t *about = json_pack("{s:I, s:s}", "application_id", (json_int_t)atoll(id), "status", to);
    err = about ? kp_notify_parties(db, PQgetvalue(res, i, C_APPLICANT), PQgetvalue(res, i, C_RECOMMENDER_ID),
                                    proposed ? "application.proposed" : "application.final_rejected", title,
                                    proposed ? "将进入公示" : NULL, about)
                : KP_E_NOMEM;
    json_decref(about);
    return err;
}

static enum kp_err propose_tx(struct kp_db *db, void *arg)
{
    struct proposing *p = arg;
    p->why = NULL;
    p->proposed = p->rejected = 0;
    json_array_clear(p->errors);
    const char *b[] = { p->batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH_LOCK, b, &res);
    if (err)
        return err;
    p->found = PQntuples(res) == 1;
    bool evaluating = p->found && strcmp(PQgetvalue(res, 0, 0), "evaluating") == 0;
    PQclear(res);
    if (!p->found)
        return KP_OK;
    if (!evaluating) {
        p->why = "批次不在评审阶段";
        return KP_OK;
    }
    const char *params[] = { p->batch, NULL };
    if ((err = kp_db_exec(db, &SQL_CANDIDATES, params, &res)))
        return err;
    int rows = PQntuples(res), open = 0, decided = 0;
    for (int i = 0; i < rows; i++) {
        struct candidate c;
        take_totals(res, i, &c);
        if (strcmp(PQgetvalue(res, i, C_STATUS), "initial_passed") != 0)
            decided++;
        else if (!c.complete)
            open++;
    }
    if (decided > 0)
        p->why = "本批次的建议名单已确定，只能确定一次";
    else if (open > 0) {
        snprintf(p->why_buf, sizeof p->why_buf, "尚有 %d 份候选申报的专家评分未完成", open);
        p->why = p->why_buf;
    }
    for (size_t k = 0; !p->why && k < p->n; k++) {
        bool candidate = false;
        for (int i = 0; i < rows && !candidate; i++)
            candidate = atoll(PQgetvalue(res, i, C_ID)) == p->ids[k];
        if (!candidate) {
            char field[40];
            snprintf(field, sizeof field, "application_ids.%zu", k);
            kp_problem_field(p->errors, field, "not_found", "不是本批次的终评候选申报");
        }
    }
    if (p->why || json_array_size(p->errors) > 0 || rows == 0) {
        if (!p->why && rows == 0)
            p->why = "本批次没有终评候选申报";
        PQclear(res);
        return KP_OK;
    }
    for (int i = 0; i < rows && err == KP_OK; i++) {
        long long id = atoll(PQgetvalue(res, i, C_ID));
        bool listed = false;
        for (size_t k = 0; k < p->n && !listed; k++)
            listed = p->ids[k] == id;
        err = decide(db, p, res, i, listed);
        *(listed ? &p->proposed : &p->rejected) += 1;
    }
    PQclear(res);
    if (err == KP_OK) {
        json_t *data = json_pack("{s:I, s:I}", "proposed", (json_int_t)p->proposed, "final_rejected", (json_int_t)p->rejected);
        err = data ? kp_req_audit(p->r, db, "batch.proposed_list_fixed", "batch", p->batch, data) : KP_E_NOMEM;
        json_decref(data);
    }
    return err;
}

/* POST /api/v1/batches/{id}/proposed-list  {"application_ids":[...]} */
enum kp_err kp_api_proposed_list(struct kp_req *r)
{
    struct proposing p = { .r = r };
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(p.batch, sizeof p.batch, "%lld", id);
    json_t *list = NULL, *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    const struct kp_jfield spec[] = { KP_JARRAY("application_ids", &list, 0, 10000), KP_JEND };
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    p.n = json_array_size(list);
    p.ids = calloc(p.n ? p.n : 1, sizeof *p.ids);
    if (p.ids == NULL) {
        json_decref(errors);
        return KP_E_NOMEM;
    }
    for (size_t k = 0; k < p.n; k++) {
        json_t *v = json_array_get(list, k);
        char field[40];
        snprintf(field, sizeof field, "application_ids.%zu", k);
        if (!json_is_integer(v) || json_integer_value(v) < 1) {
            kp_problem_field(errors, field, "type", "应为申报编号（正整数）");
            continue;
        }
        p.ids[k] = json_integer_value(v);
        for (size_t j = 0; j < k; j++)
            if (p.ids[j] == p.ids[k]) {
                kp_problem_field(errors, field, "duplicate", "同一申报只能出现一次");
                break;
            }
    }
    if (json_array_size(errors) > 0) {
        free(p.ids);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    p.errors = errors;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, propose_tx, &p) : KP_E_NOMEM;
    free(p.ids);
    if (err == KP_OK && !p.found)
        err = kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    else if (err == KP_OK && p.why)
        err = kp_reply_problem(r, KP_P_INVALID_STATE, p.why);
    else if (err == KP_OK && json_array_size(p.errors) > 0) {
        err = kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, p.errors);
        p.errors = NULL;
    } else if (err == KP_OK)
        err = kp_reply_json(r, 200, json_pack("{s:I, s:I}", "proposed", (json_int_t)p.proposed, "final_rejected",
                                              (json_int_t)p.rejected));
    json_decref(p.errors);
    return err;
}
