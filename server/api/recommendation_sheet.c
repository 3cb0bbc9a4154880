/* The 推荐汇总表 of a recommender in a batch (API.md, "Unit profiles and
 * printable documents"), as PDF and as CSV: the applications it
 * recommended, in the order it recommended them, with its opinions, and its
 * quota used and total.  A recommender gets its own; the admin names the
 * recommender with ?recommender_id=.  A batch the caller cannot see (a
 * draft, to a recommender) is 404 as one that does not exist.  The rows are
 * held while the document is made: at most the recommender's quota
 * (quotas.quota ≤ 10000) of them. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "appdoc.h"
#include "appstate.h"
#include "auth.h"
#include "buf.h"
#include "csv.h"
#include "filename.h"
#include "flow.h"
#include "views.h"

/* The batch, the recommender, its quota and places used, the time and
 * Beijing date now; nothing when the batch or the recommender is unknown
 * or the batch is hidden from the caller ($1: kp_batchscope_for). */
static const struct kp_stmt SQL_SHEET = {
    "sheet_head",
    "SELECT b.code, b.title, r.name,"
    "       coalesce((SELECT quota FROM quotas q WHERE q.batch_id = b.id AND q.recommender_id = r.id), 0),"
    "       (SELECT count(*) FROM applications a WHERE a.batch_id = b.id AND a.recommender_id = r.id"
    "           AND a.recommended_at IS NOT NULL),"
    "       " KP_TIME("now()") ", to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')"
    "  FROM batches b, recommenders r"
    " WHERE b.id = $2 AND r.id = $3 AND " KP_BATCHSCOPE_SQL("$1"),
    3,
};
enum { H_CODE, H_TITLE, H_RECOMMENDER, H_QUOTA, H_USED, H_NOW, H_DATE };

static const struct kp_stmt SQL_ROWS = {
    "sheet_rows",
    "SELECT a.id, a.unit_name, a.base_name, a.category, a.region_name, " KP_TIME("a.recommended_at") ","
    "       a.recommend_opinion"
    "  FROM applications a"
    " WHERE a.batch_id = $1 AND a.recommender_id = $2 AND a.recommended_at IS NOT NULL"
    " ORDER BY a.recommended_at, a.id",
    2,
};
enum { R_ID, R_UNIT, R_BASE, R_CATEGORY, R_REGION, R_AT, R_OPINION };

struct sheet {
    char batch[24], recommender[24];
    PGresult *head, *rows;
};

/* The sheet asked for, read; an answer queued instead (422, 404) leaves
 * s->head NULL. */
static enum kp_err read_sheet(struct kp_req *r, struct sheet *s)
{
    long long batch;
    const struct kp_principal *who = kp_req_principal(r);
    const char *given = kp_req_query(r, "recommender_id");
    if (who->role == KP_ROLE_ADMIN) {
        if (given == NULL) {
            json_t *errors = json_array();
            kp_problem_field(errors, "recommender_id", "required", "请指定推荐单位（recommender_id）");
            return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
        }
        if (given[0] < '1' || given[0] > '9' || strspn(given, "0123456789") != strlen(given)
            || strlen(given) > 18) {
            json_t *errors = json_array();
            kp_problem_field(errors, "recommender_id", "type", "应为推荐单位编号（正整数）");
            return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
        }
        snprintf(s->recommender, sizeof s->recommender, "%s", given);
    } else {
        snprintf(s->recommender, sizeof s->recommender, "%lld", who->org_id);
        /* another recommender's sheet is not there for this one */
        if (given != NULL && strcmp(given, s->recommender) != 0)
            return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    if (!kp_req_param_id(r, "id", &batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(s->batch, sizeof s->batch, "%lld", batch);
    const char *params[] = { kp_batchscope_for(who), s->batch, s->recommender };
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_read(db, &SQL_SHEET, params, &s->head) : KP_E_NOMEM;
    if (err)
        return err;
    if (PQntuples(s->head) != 1) {
        PQclear(s->head);
        s->head = NULL;
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    const char *rows[] = { s->batch, s->recommender };
    if ((err = kp_db_read(db, &SQL_ROWS, rows, &s->rows))) {
        PQclear(s->head);
        s->head = NULL;
    }
    return err;
}

static void free_sheet(struct sheet *s)
{
    PQclear(s->head);
    PQclear(s->rows);
}

static const char *beijing(PGresult *res, int row, int col, char out[KP_APPDOC_TIME_MAX])
{
    if (PQgetisnull(res, row, col) || !kp_appdoc_beijing(PQgetvalue(res, row, col), out, KP_APPDOC_TIME_MAX))
        return "";
    return out;
}

/* The 申报编号 of row i into out. */
static const char *number(const struct sheet *s, int i, char out[KP_APPDOC_NUMBER_MAX])
{
    if (!kp_appdoc_number(PQgetvalue(s->head, 0, H_CODE), atoll(PQgetvalue(s->rows, i, R_ID)), out,
                          KP_APPDOC_NUMBER_MAX))
        out[0] = '\0';
    return out;
}

/* ---- PDF ---------------------------------------------------------------- */

static const struct kp_pdf_color INK = { 0.10, 0.10, 0.10 };
static const struct kp_pdf_color GREY = { 0.40, 0.40, 0.40 };

/* The space for the recommender's seal and its head's signature. */
static void draw_seal(struct kp_pdf *d, double x, double y, double width, const void *data)
{
    (void)data;
    static const struct kp_pdf_style s = { .face = KP_PDF_SERIF, .size = 11, .color = INK };
    double half = width / 2, line_y = y + KP_PDF_MM(14);
    kp_pdf_text(d, &s, x, line_y - 14, half, "负责人签字：");
    kp_pdf_line(d, x + KP_PDF_MM(24), line_y, x + half - KP_PDF_MM(8), line_y, 0.6, INK);
    kp_pdf_text(d, &s, x + half, line_y - 14, half, "推荐单位盖章：");
    kp_pdf_rect(d, x + half + KP_PDF_MM(28), y, KP_PDF_MM(40), KP_PDF_MM(30), 0.4, GREY);
    kp_pdf_text(d, &s, x, y + KP_PDF_MM(36), half, "日期：        年      月      日");
}

/* GET /api/v1/batches/{id}/recommendation-sheet.pdf */
enum kp_err kp_api_recommendation_sheet_pdf(struct kp_req *r)
{
    struct sheet s = { 0 };
    enum kp_err err = read_sheet(r, &s);
    if (err || s.head == NULL)
        return err;
    PGresult *h = s.head;
    char header[700];
    snprintf(header, sizeof header, "推荐汇总表　%s　%s", PQgetvalue(h, 0, H_CODE), PQgetvalue(h, 0, H_RECOMMENDER));
    struct kp_flow *f = kp_flow_new(KP_PDF_A4_LANDSCAPE, header, NULL);
    if (f == NULL) {
        free_sheet(&s);
        return KP_E_NOMEM;
    }
    kp_flow_title(f, "全国科普教育基地推荐汇总表");
    char batch[600], quota[96], now[KP_APPDOC_TIME_MAX];
    snprintf(batch, sizeof batch, "%s　%s", PQgetvalue(h, 0, H_CODE), PQgetvalue(h, 0, H_TITLE));
    snprintf(quota, sizeof quota, "已推荐 %s 个 / 名额 %s 个", PQgetvalue(h, 0, H_USED), PQgetvalue(h, 0, H_QUOTA));
    const struct kp_flow_cell facts[][4] = {
        { { "推荐单位", 0.15, true, KP_PDF_LEFT }, { PQgetvalue(h, 0, H_RECOMMENDER), 0.85, false, KP_PDF_LEFT } },
        { { "批次", 0.15, true, KP_PDF_LEFT }, { batch, 0.85, false, KP_PDF_LEFT } },
        { { "名额使用", 0.15, true, KP_PDF_LEFT }, { quota, 0.35, false, KP_PDF_LEFT },
          { "制表时间", 0.15, true, KP_PDF_LEFT }, { beijing(h, 0, H_NOW, now), 0.35, false, KP_PDF_LEFT } },
    };
    kp_flow_row(f, facts[0], 2);
    kp_flow_row(f, facts[1], 2);
    kp_flow_row(f, facts[2], 4);
    kp_flow_gap(f, KP_PDF_MM(4));
    static const struct kp_flow_cell head[] = {
        { "序号", 0.04, false, KP_PDF_CENTER }, { "申报编号", 0.11, false, KP_PDF_LEFT },
        { "申报单位", 0.15, false, KP_PDF_LEFT }, { "基地名称", 0.16, false, KP_PDF_LEFT },
        { "类别", 0.09, false, KP_PDF_LEFT }, { "所在地区", 0.07, false, KP_PDF_LEFT },
        { "推荐时间", 0.12, false, KP_PDF_LEFT }, { "推荐意见", 0.26, false, KP_PDF_LEFT },
    };
    kp_flow_head(f, head, 8);
    int n = PQntuples(s.rows);
    for (int i = 0; i < n; i++) {
        char no[24], code[KP_APPDOC_NUMBER_MAX], at[KP_APPDOC_TIME_MAX];
        snprintf(no, sizeof no, "%d", i + 1);
        const struct kp_flow_cell c[] = {
            { no, 0.04, false, KP_PDF_CENTER }, { number(&s, i, code), 0.11, false, KP_PDF_LEFT },
            { PQgetvalue(s.rows, i, R_UNIT), 0.15, false, KP_PDF_LEFT },
            { PQgetvalue(s.rows, i, R_BASE), 0.16, false, KP_PDF_LEFT },
            { kp_app_category_label(PQgetvalue(s.rows, i, R_CATEGORY)), 0.09, false, KP_PDF_LEFT },
            { PQgetvalue(s.rows, i, R_REGION), 0.07, false, KP_PDF_LEFT },
            { beijing(s.rows, i, R_AT, at), 0.12, false, KP_PDF_LEFT },
            { PQgetvalue(s.rows, i, R_OPINION), 0.26, false, KP_PDF_LEFT },
        };
        kp_flow_row(f, c, 8);
    }
    if (n == 0) {
        struct kp_flow_cell none = { "尚未推荐申报", 1, false, KP_PDF_CENTER };
        kp_flow_row(f, &none, 1);
    }
    kp_flow_gap(f, KP_PDF_MM(8));
    kp_flow_part(f, KP_PDF_MM(42), draw_seal, NULL, 0);

    char title[700], filename[300];
    snprintf(title, sizeof title, "推荐汇总表 %s %s", PQgetvalue(h, 0, H_CODE), PQgetvalue(h, 0, H_RECOMMENDER));
    snprintf(filename, sizeof filename, "推荐汇总表-%s-%s.pdf", PQgetvalue(h, 0, H_CODE), PQgetvalue(h, 0, H_DATE));
    free_sheet(&s);
    return kp_reply_flow(r, f, title, filename);
}

/* ---- CSV ---------------------------------------------------------------- */

/* GET /api/v1/batches/{id}/recommendation-sheet.csv */
enum kp_err kp_api_recommendation_sheet_csv(struct kp_req *r)
{
    struct sheet s = { 0 };
    enum kp_err err = read_sheet(r, &s);
    if (err || s.head == NULL)
        return err;
    struct kp_buf b = { 0 };
    kp_buf_append(&b, "\xEF\xBB\xBF", 3);       /* a BOM: Excel then reads UTF-8 */
    static const char *const columns[] = { "序号", "申报编号", "申报单位", "基地名称", "类别",
                                           "所在地区", "推荐时间", "推荐意见" };
    size_t ncol = sizeof columns / sizeof columns[0];
    for (size_t c = 0; c < ncol; c++)
        kp_csv_cell(&b, columns[c], c + 1 == ncol);
    for (int i = 0; i < PQntuples(s.rows); i++) {
        char no[24], code[KP_APPDOC_NUMBER_MAX], at[KP_APPDOC_TIME_MAX];
        snprintf(no, sizeof no, "%d", i + 1);
        kp_csv_cell(&b, no, false);
        kp_csv_cell(&b, number(&s, i, code), false);
        kp_csv_cell(&b, PQgetvalue(s.rows, i, R_UNIT), false);
        kp_csv_cell(&b, PQgetvalue(s.rows, i, R_BASE), false);
        kp_csv_cell(&b, kp_app_category_label(PQgetvalue(s.rows, i, R_CATEGORY)), false);
        kp_csv_cell(&b, PQgetvalue(s.rows, i, R_REGION), false);
        kp_csv_cell(&b, beijing(s.rows, i, R_AT, at), false);
        kp_csv_cell(&b, PQgetvalue(s.rows, i, R_OPINION), true);
    }
    char name[KP_FILENAME_MAX + 1], disposition[KP_FILENAME_DISPOSITION_MAX];
    snprintf(name, sizeof name, "推荐汇总表-%s-%s.csv", PQgetvalue(s.head, 0, H_CODE),
             PQgetvalue(s.head, 0, H_DATE));
    free_sheet(&s);
    kp_filename_attachment(name, disposition);
    size_t len;
    char *text = kp_buf_take(&b, &len);
    if (text == NULL)
        return KP_E_NOMEM;
    if ((err = kp_req_add_header(r, "Content-Disposition", disposition))) {
        free(text);
        return err;
    }
    return kp_reply_data(r, 200, "text/csv; charset=utf-8", text, len);
}
