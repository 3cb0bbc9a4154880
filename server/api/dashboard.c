/* The dashboard of a batch (工作台, issue 13 item 4): per recommender, its
 * quota, its invitation codes and its applications by stage, and whether it
 * filed its contact form; with the totals, as JSON and as CSV for Excel.
 * One statement reads it all (lib/domain/dashboard.h).
 * Visibility: admin → every recommender of the batch; a recommender → its
 * own row (its workbench), not in a draft batch; the CSV is the admin's. */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "csv.h"
#include "dashboard.h"
#include "filename.h"
#include "views.h"

#define NCOUNTS KP_DASHBOARD_NCOUNTS

static json_t *count_or_null(PGresult *res, int i, int col)
{
    return PQgetisnull(res, i, col) ? json_null() : json_integer(atoll(PQgetvalue(res, i, col)));
}

static json_t *batch_json(PGresult *res)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s}",
        "id", (json_int_t)atoll(PQgetvalue(res, 0, KP_DASH_BATCH_ID)), "code", PQgetvalue(res, 0, KP_DASH_BATCH_CODE),
        "title", PQgetvalue(res, 0, KP_DASH_BATCH_TITLE), "status", PQgetvalue(res, 0, KP_DASH_BATCH_STATUS),
        "contact_deadline", PQgetvalue(res, 0, KP_DASH_CONTACT_DEADLINE),
        "submit_deadline", kp_text_or_null(res, 0, KP_DASH_SUBMIT_DEADLINE),
        "recommend_deadline", PQgetvalue(res, 0, KP_DASH_RECOMMEND_DEADLINE));
}

static json_t *item_json(PGresult *res, int i)
{
    json_t *item = json_pack("{s:I, s:s, s:s, s:o, s:b}",
        "recommender_id", (json_int_t)atoll(PQgetvalue(res, i, KP_DASH_ID)),
        "recommender_name", PQgetvalue(res, i, KP_DASH_NAME), "kind", PQgetvalue(res, i, KP_DASH_KIND),
        "region", kp_text_or_null(res, i, KP_DASH_REGION), "contact_filed", PQgetvalue(res, i, KP_DASH_FILED)[0] == 't');
    for (size_t k = 0; item && k < NCOUNTS; k++)
        json_object_set_new(item, kp_dashboard_counts[k], count_or_null(res, i, KP_DASH_QUOTA + (int)k));
    return item;
}

/* The sums of the first row (every row has them); zeros without rows. */
static json_t *totals_json(PGresult *res)
{
    json_t *t = json_pack("{s:I, s:I}", "recommenders", (json_int_t)atoll(PQgetvalue(res, 0, KP_DASH_ROWS)),
                          "contact_filed", (json_int_t)atoll(PQgetvalue(res, 0, KP_DASH_FILED_SUM)));
    for (size_t k = 0; t && k < NCOUNTS; k++)
        json_object_set_new(t, kp_dashboard_counts[k], json_integer(atoll(PQgetvalue(res, 0, KP_DASH_SUMS + (int)k))));
    return t;
}

static bool has_rows(PGresult *res)
{
    return !PQgetisnull(res, 0, KP_DASH_ID);
}

static enum kp_err reply_json(struct kp_req *r, PGresult *res)
{
    json_t *items = json_array();
    for (int i = 0; items && has_rows(res) && i < PQntuples(res); i++)
        json_array_append_new(items, item_json(res, i));
    if (items == NULL)
        return KP_E_NOMEM;
    return kp_reply_json(r, 200, json_pack("{s:o, s:o, s:o, s:b}", "batch", batch_json(res),
        "items", items, "totals", totals_json(res),
        "truncated", atoll(PQgetvalue(res, 0, KP_DASH_ROWS)) > PQntuples(res)));
}

/* One CSV row: name, kind, region, then the counts (an empty quota where
 * there is none), the quota left, and the contact form. */
static void csv_row(struct kp_buf *b, const char *const *head, const char *const *counts,
                    const char *left, const char *filed)
{
    for (int c = 0; c < 3; c++)
        kp_csv_cell(b, head[c], false);
    for (size_t k = 0; k < NCOUNTS; k++) {
        kp_csv_cell(b, counts[k], false);
        if (k == 1)
            kp_csv_cell(b, left, false);
    }
    kp_csv_cell(b, filed, true);
}

/* quota − recommended, or "" without a quota. */
static void left_text(const char *quota, const char *used, char out[24])
{
    out[0] = '\0';
    if (quota[0])
        snprintf(out, 24, "%lld", atoll(quota) - atoll(used));
}

static enum kp_err reply_csv(struct kp_req *r, PGresult *res)
{
    struct kp_buf b = { 0 };
    kp_buf_append(&b, "\xEF\xBB\xBF", 3);            /* a BOM: Excel then reads UTF-8 */
    static const char *const head[] = {
        "推荐单位", "类别", "所在地区", "推荐名额", "已推荐", "剩余名额", "邀请码已发放", "邀请码已使用",
        "邀请码未使用", "草稿", "待审核", "退回修改", "不予推荐", "联系人报送",
    };
    for (size_t h = 0; h < sizeof head / sizeof *head; h++)
        kp_csv_cell(&b, head[h], h + 1 == sizeof head / sizeof *head);
    char left[24];
    const char *counts[NCOUNTS];
    for (int i = 0; has_rows(res) && i < PQntuples(res); i++) {
        const char *names[] = { PQgetvalue(res, i, KP_DASH_NAME), kp_dashboard_kind_label(PQgetvalue(res, i, KP_DASH_KIND)),
                                PQgetvalue(res, i, KP_DASH_REGION) };
        for (size_t k = 0; k < NCOUNTS; k++)
            counts[k] = PQgetvalue(res, i, KP_DASH_QUOTA + (int)k);
        left_text(counts[0], counts[1], left);
        csv_row(&b, names, counts, left, PQgetvalue(res, i, KP_DASH_FILED)[0] == 't' ? "已报送" : "未报送");
    }
    char filed[48];
    snprintf(filed, sizeof filed, "%s/%s", PQgetvalue(res, 0, KP_DASH_FILED_SUM), PQgetvalue(res, 0, KP_DASH_ROWS));
    const char *names[] = { "合计", "", "" };
    for (size_t k = 0; k < NCOUNTS; k++)
        counts[k] = PQgetvalue(res, 0, KP_DASH_SUMS + (int)k);
    left_text(counts[0], counts[1], left);
    csv_row(&b, names, counts, left, filed);

    /* 推荐进度-<batch code>-<YYYYMMDD, Beijing>.csv, named as every export is */
    char name[KP_FILENAME_MAX + 1], disposition[KP_FILENAME_DISPOSITION_MAX];
    snprintf(name, sizeof name, "推荐进度-%s-%s.csv", PQgetvalue(res, 0, KP_DASH_BATCH_CODE), PQgetvalue(res, 0, KP_DASH_TODAY));
    kp_filename_attachment(name, disposition);
    size_t len;
    char *text = kp_buf_take(&b, &len);
    if (text == NULL)
        return KP_E_NOMEM;
    enum kp_err err = kp_req_add_header(r, "Content-Disposition", disposition);
    if (err) {
        free(text);
        return err;
    }
    return kp_reply_data(r, 200, "text/csv; charset=utf-8", text, len);
}

static enum kp_err dashboard(struct kp_req *r, bool csv)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const struct kp_principal *who = kp_req_principal(r);
    bool all = who->role == KP_ROLE_ADMIN;
    char batch[24], own[24];
    snprintf(batch, sizeof batch, "%lld", id);
    snprintf(own, sizeof own, "%lld", who->org_id);
    const char *params[] = { batch, kp_batchscope_for(who), own };
    struct kp_db *db = kp_req_db(r);
    PGresult *res;
    enum kp_err err = db ? kp_db_read(db, all ? &kp_dashboard_all : &kp_dashboard_own, params, &res) : KP_E_NOMEM;
    if (err)
        return err;
    assert(PQntuples(res) == 0 || PQnfields(res) == KP_DASH_NCOLUMNS);
    if (PQntuples(res) == 0)
        err = kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    else
        err = csv ? reply_csv(r, res) : reply_json(r, res);
    PQclear(res);
    return err;
}

/* GET /api/v1/batches/{id}/dashboard (admin: every recommender; a
 * recommender: its own row) */
enum kp_err kp_api_dashboard_get(struct kp_req *r)
{
    return dashboard(r, false);
}

/* GET /api/v1/batches/{id}/dashboard.csv (admin): the same for Excel, with
 * a 合计 line */
enum kp_err kp_api_dashboard_csv(struct kp_req *r)
{
    return dashboard(r, true);
}
