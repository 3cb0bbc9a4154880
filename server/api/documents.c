/* An application's printable documents (API.md, "Unit profiles and
 * printable documents"): the 申报表 with every field of the application,
 * watermarked 草稿 until it is submitted, and the 回执 of its submission,
 * to whoever may read the application (KP_APPSCOPE_SQL; anyone else 404).
 * Both are flows (lib/pdf/flow.h): the content is read in one statement
 * and held, the pages are counted once, then each block of the answer
 * draws the next page on the pool (kp_reply_flow), so memory holds the
 * application and one page.  Times are printed in Beijing time
 * (lib/domain/appdoc.h). */
#include <assert.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "appdoc.h"
#include "appform.h"
#include "appstate.h"
#include "buf.h"
#include "filename.h"
#include "flow.h"
#include "log.h"
#include "pdf.h"
#include "views.h"

/* ---- a flow as the answer ---------------------------------------------- */

struct print {
    struct kp_flow *flow;
    struct kp_pdf *doc;
    struct kp_buf out;           /* the document's bytes since the last block was sent */
    bool drawn;                  /* every page drawn */
};

static void free_print(void *cls)
{
    struct print *p = cls;
    kp_pdf_free(p->doc);
    kp_flow_free(p->flow);
    kp_buf_free(&p->out);
    free(p);
}

/* On the pool: the next page into p->out, or the document's end once
 * every page is drawn. */
static enum kp_err next_page(void *cls, struct kp_db *db, bool *end)
{
    (void)db;
    struct print *p = cls;
    enum kp_err err;
    if (p->drawn) {
        *end = true;
        err = kp_pdf_finish(p->doc);
    } else {
        err = kp_flow_next_page(p->flow, p->doc, &p->drawn);
    }
    if (err)
        kp_error("documents: the PDF stopped after %u pages: %s", kp_pdf_pages(p->doc), kp_err_str(err));
    return err;
}

enum kp_err kp_reply_flow(struct kp_req *r, struct kp_flow *flow, const char *title,
                          const char *filename)
{
    struct print *p = calloc(1, sizeof *p);
    if (p == NULL) {
        kp_flow_free(flow);
        return KP_E_NOMEM;
    }
    p->flow = flow;
    const char *why;
    enum kp_err err = kp_pdf_new(kp_pdf_buf_sink, &p->out, title, &p->doc, &why);
    if (err == KP_E_NOT_FOUND)
        kp_error("req=%s documents: font '%s' not found (Debian package fonts-noto-cjk)",
                 kp_req_id(r), why);
    unsigned pages;
    if (err == KP_OK)
        err = kp_flow_paginate(flow, p->doc, &pages);
    if (err) {
        free_print(p);
        return err == KP_E_NOT_FOUND ? KP_E_IO : err;
    }
    struct MHD_Response *resp = kp_req_pooled_blocks(r, &p->out, next_page, p, free_print);
    if (resp == NULL)
        return KP_E_NOMEM;
    char encoded[KP_FILENAME_MAX * 3 + 1], disposition[sizeof encoded + 48];
    kp_filename_encode(filename, encoded, sizeof encoded);
    snprintf(disposition, sizeof disposition, "inline; filename*=UTF-8''%s", encoded);
    MHD_add_response_header(resp, "Content-Type", "application/pdf");
    MHD_add_response_header(resp, "Content-Disposition", disposition);
    return kp_reply_response(r, 200, resp, 0);
}

/* ---- parts both documents show ------------------------------------------ */

static const struct kp_pdf_color INK  = { 0.10, 0.10, 0.10 };
static const struct kp_pdf_color GREY = { 0.40, 0.40, 0.40 };

#define QR_SIZE KP_PDF_MM(26)

/* The number large at the left, the QR code of the application's page at
 * the right. */
struct numbered {
    char number[KP_APPDOC_NUMBER_MAX];
    char url[sizeof ((struct kp_config *)0)->web.public_url + 64];
};

static void draw_numbered(struct kp_pdf *d, double x, double y, double width, const void *data)
{
    const struct numbered *n = data;
    static const struct kp_pdf_style label = { .face = KP_PDF_SANS, .size = 10, .color = GREY };
    static const struct kp_pdf_style number = { .face = KP_PDF_SANS, .size = 16, .bold = true,
                                                .color = INK };
    static const struct kp_pdf_style caption = { .face = KP_PDF_SANS, .size = 7,
                                                 .align = KP_PDF_CENTER, .color = GREY };
    double text_w = width - QR_SIZE - KP_PDF_MM(6);
    double h = kp_pdf_text(d, &label, x, y + KP_PDF_MM(4), text_w, "申报编号");
    kp_pdf_text(d, &number, x, y + KP_PDF_MM(4) + h + 2, text_w, n->number);
    kp_pdf_qr(d, x + width - QR_SIZE, y, QR_SIZE, n->url);
    kp_pdf_text(d, &caption, x + width - QR_SIZE - KP_PDF_MM(4), y + QR_SIZE, QR_SIZE + KP_PDF_MM(8),
                "扫码查看申报");
}

/* The space for the unit head's signature and the unit's seal. */
static void draw_signature(struct kp_pdf *d, double x, double y, double width, const void *data)
{
    (void)data;
    static const struct kp_pdf_style s = { .face = KP_PDF_SERIF, .size = 11, .color = INK };
    static const struct kp_pdf_style note = { .face = KP_PDF_SERIF, .size = 10, .color = GREY };
    kp_pdf_text(d, &note, x, y, width, "本单位承诺：所填内容真实、准确，所附材料真实有效。");
    double half = width / 2, line_y = y + KP_PDF_MM(22);
    kp_pdf_text(d, &s, x, line_y - 14, half, "单位负责人签字：");
    kp_pdf_line(d, x + KP_PDF_MM(30), line_y, x + half - KP_PDF_MM(8), line_y, 0.6, INK);
    kp_pdf_text(d, &s, x + half, line_y - 14, half, "单位盖章：");
    kp_pdf_rect(d, x + half + KP_PDF_MM(22), y + KP_PDF_MM(8), KP_PDF_MM(40), KP_PDF_MM(30), 0.4, GREY);
    double date_y = y + KP_PDF_MM(44);
    kp_pdf_text(d, &s, x, date_y, half, "日期：        年      月      日");
    kp_pdf_text(d, &s, x + half, date_y, half, "日期：        年      月      日");
}

/* ---- reading the application ------------------------------------------- */

/* Everything both documents print, in the caller's scope; $3 the id. */
static const struct kp_stmt SQL_DOCUMENT = {
    "documents_application",
    "SELECT a.id, a.batch_code, a.batch_title, a.recommender_name, a.unit_name, a.region_name,"
    "       a.base_name, a.category, a.status, " KP_TIME("a.submitted_at") ", a.version,"
    "       a.form::text, a.credit_code, u.address, u.legal_representative, u.supervising_body,"
    "       u.contact_name, u.contact_phone, u.contact_email, " KP_TIME("a.recommended_at") ","
    "       a.recommend_opinion, a.return_reason, " KP_TIME("now()") ","
    "       (SELECT coalesce(json_agg(json_build_object('kind', at.kind, 'filename', at.filename,"
    "                 'size', at.size, 'sha256', coalesce(at.sha256, '')) ORDER BY at.id), '[]')"
    "          FROM attachments at WHERE at.application_id = a.id AND at.complete)::text"
    "  FROM applications a JOIN applicant_units u ON u.id = a.applicant_id"
    " WHERE a.id = $3 AND " KP_APPSCOPE_SQL,
    3,
};

enum {
    C_ID, C_BATCH_CODE, C_BATCH_TITLE, C_RECOMMENDER, C_UNIT, C_REGION, C_BASE, C_CATEGORY,
    C_STATUS, C_SUBMITTED_AT, C_VERSION, C_FORM, C_CREDIT_CODE, C_ADDRESS, C_LEGAL, C_SUPERVISING,
    C_CONTACT, C_PHONE, C_EMAIL, C_RECOMMENDED_AT, C_OPINION, C_RETURN_REASON, C_NOW,
    C_ATTACHMENTS,
};

/* The application's page in the UI, for the caller's role. */
static const char *ui_path(const char *role)
{
    if (strcmp(role, "recommender") == 0)
        return "/review/";
    if (strcmp(role, "admin") == 0)
        return "/admin/applications/";
    if (strcmp(role, "expert") == 0)
        return "/assignments";        /* an expert's page is the assignment's: its list */
    return "/applications/";
}

struct doc {
    PGresult *res;
    char number[KP_APPDOC_NUMBER_MAX];
    bool submitted;
    struct numbered head;
};

/* Reads the application `id` for the caller; 404 queued (and *res NULL)
 * when it may not be read. */
static enum kp_err read_doc(struct kp_req *r, struct doc *doc)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct kp_appscope scope;
    kp_appscope_for(kp_req_principal(r), &scope);
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *params[] = { scope.role, scope.org, ids };
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_read(db, &SQL_DOCUMENT, params, &doc->res) : KP_E_NOMEM;
    if (err)
        return err;
    if (PQntuples(doc->res) != 1) {
        PQclear(doc->res);
        doc->res = NULL;
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    PGresult *res = doc->res;
    if (!kp_appdoc_number(PQgetvalue(res, 0, C_BATCH_CODE), id, doc->number, sizeof doc->number))
        return KP_E_INVAL;           /* cannot be: a code has at most 64 characters */
    doc->submitted = kp_appdoc_submitted(PQgetvalue(res, 0, C_STATUS), !PQgetisnull(res, 0, C_SUBMITTED_AT));
    snprintf(doc->head.number, sizeof doc->head.number, "%s", doc->number);
    const char *path = ui_path(scope.role);
    snprintf(doc->head.url, sizeof doc->head.url, "%s%s", kp_req_server(r)->cfg->web.public_url, path);
    if (path[strlen(path) - 1] == '/')
        snprintf(doc->head.url + strlen(doc->head.url), sizeof doc->head.url - strlen(doc->head.url),
                 "%lld", id);
    return KP_OK;
}

static const char *value(PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) || *PQgetvalue(res, 0, col) == '\0' ? "（未填写）"
                                                                       : PQgetvalue(res, 0, col);
}

/* A time of the row in Beijing time into out, or `none` when NULL. */
static const char *beijing(PGresult *res, int col, const char *none, char out[KP_APPDOC_TIME_MAX])
{
    if (PQgetisnull(res, 0, col) || !kp_appdoc_beijing(PQgetvalue(res, 0, col), out, KP_APPDOC_TIME_MAX))
        return none;
    return out;
}

/* Rows of label–value pairs, two pairs a row. */
static void pairs(struct kp_flow *f, const char *const *kv, size_t n)
{
    for (size_t i = 0; i < n; i += 4) {
        struct kp_flow_cell c[4] = {
            { kv[i], 0.17, true, KP_PDF_LEFT }, { kv[i + 1], 0.33, false, KP_PDF_LEFT },
            { i + 2 < n ? kv[i + 2] : "", 0.17, true, KP_PDF_LEFT },
            { i + 2 < n ? kv[i + 3] : "", 0.33, false, KP_PDF_LEFT },
        };
        kp_flow_row(f, c, 4);
    }
}

/* One label–value row across the page. */
static void wide(struct kp_flow *f, const char *label, const char *text)
{
    struct kp_flow_cell c[2] = { { label, 0.17, true, KP_PDF_LEFT }, { text, 0.83, false, KP_PDF_LEFT } };
    kp_flow_row(f, c, 2);
}

/* When the document was made, at its end. */
static void printed_at(struct kp_flow *f, PGresult *res)
{
    char now[KP_APPDOC_TIME_MAX], line[KP_APPDOC_TIME_MAX + 32];
    snprintf(line, sizeof line, "生成时间：%s", beijing(res, C_NOW, "", now));
    kp_flow_gap(f, KP_PDF_MM(3));
    kp_flow_paragraph(f, line);
}

static const char *attachment_kind(const char *kind)
{
    static const char *const names[][2] = {
        { "application_form", "申报表扫描件" }, { "evidence", "证明材料" },
        { "video", "视频" }, { "other", "其他" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(kind, names[i][0]) == 0)
            return names[i][1];
    return kind;
}

/* ---- the 申报表 ---------------------------------------------------------- */

static void form_fields(struct kp_flow *f, const json_t *form)
{
    const char *key, *label;
    bool long_text;
    /* the figures first, two to a row; then the texts, each under its label */
    const char *kv[32];
    char numbers[16][32];
    size_t n = 0, k = 0;
    for (size_t i = 0; (key = kp_appform_key(i, &label, &long_text)) != NULL; i++) {
        const json_t *v = json_object_get(form, key);
        if (long_text || strcmp(key, "honors") == 0)
            continue;
        assert(k < sizeof numbers / sizeof numbers[0]);
        kv[n++] = label;
        if (json_is_integer(v))
            snprintf(numbers[k], sizeof numbers[k], "%lld", (long long)json_integer_value(v));
        else if (json_is_number(v))
            snprintf(numbers[k], sizeof numbers[k], "%.15g", json_number_value(v));
        else
            snprintf(numbers[k], sizeof numbers[k], "（未填写）");
        kv[n++] = numbers[k++];
    }
    kp_flow_heading(f, "二、基本情况");
    pairs(f, kv, n);
    kp_flow_heading(f, "三、工作情况");
    for (size_t i = 0; (key = kp_appform_key(i, &label, &long_text)) != NULL; i++) {
        if (!long_text)
            continue;
        const json_t *v = json_object_get(form, key);
        const char *text = json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v)
                                                                         : "（未填写）";
        struct kp_flow_cell head = { label, 1, true, KP_PDF_LEFT };
        struct kp_flow_cell body = { text, 1, false, KP_PDF_LEFT };
        kp_flow_row(f, &head, 1);
        kp_flow_row(f, &body, 1);
    }
    kp_flow_heading(f, "四、已命名情况");
    static const struct kp_flow_cell head[] = {
        { "序号", 0.08, false, KP_PDF_CENTER }, { "名称", 0.46, false, KP_PDF_LEFT },
        { "授予单位", 0.30, false, KP_PDF_LEFT }, { "日期", 0.16, false, KP_PDF_CENTER },
    };
    kp_flow_head(f, head, 4);
    const json_t *honors = json_object_get(form, "honors");
    size_t i;
    const json_t *h;
    json_array_foreach(honors, i, h) {
        char no[24];
        snprintf(no, sizeof no, "%zu", i + 1);
        const char *title = json_string_value(json_object_get(h, "title"));
        const char *issuer = json_string_value(json_object_get(h, "issuer"));
        const char *date = json_string_value(json_object_get(h, "date"));
        struct kp_flow_cell c[4] = {
            { no, 0.08, false, KP_PDF_CENTER }, { title ? title : "", 0.46, false, KP_PDF_LEFT },
            { issuer ? issuer : "", 0.30, false, KP_PDF_LEFT }, { date ? date : "", 0.16, false, KP_PDF_CENTER },
        };
        kp_flow_row(f, c, 4);
    }
    if (json_array_size(honors) == 0) {
        struct kp_flow_cell none = { "无", 1, false, KP_PDF_CENTER };
        kp_flow_row(f, &none, 1);
    }
}

/* GET /api/v1/applications/{id}/form.pdf */
enum kp_err kp_api_applications_form_pdf(struct kp_req *r)
{
    struct doc doc = { 0 };
    enum kp_err err = read_doc(r, &doc);
    if (err || doc.res == NULL)
        return err;
    PGresult *res = doc.res;
    json_t *form = json_loads(PQgetvalue(res, 0, C_FORM), 0, NULL);
    char header[KP_APPDOC_NUMBER_MAX + 64];
    snprintf(header, sizeof header, "全国科普教育基地申报表　申报编号 %s", doc.number);
    struct kp_flow *f = form ? kp_flow_new(KP_PDF_A4_PORTRAIT, header, doc.submitted ? NULL : "草稿") : NULL;
    if (f == NULL) {
        json_decref(form);
        PQclear(res);
        return KP_E_NOMEM;
    }
    kp_flow_title(f, "全国科普教育基地申报表");
    kp_flow_part(f, QR_SIZE + KP_PDF_MM(6), draw_numbered, &doc.head, sizeof doc.head);

    char batch[600], submitted[KP_APPDOC_TIME_MAX], version[24];
    snprintf(batch, sizeof batch, "%s　%s", PQgetvalue(res, 0, C_BATCH_CODE), PQgetvalue(res, 0, C_BATCH_TITLE));
    snprintf(version, sizeof version, "第 %s 版", PQgetvalue(res, 0, C_VERSION));
    const char *category = PQgetisnull(res, 0, C_CATEGORY) ? "（未选择）"
                           : kp_app_category_label(PQgetvalue(res, 0, C_CATEGORY));
    kp_flow_heading(f, "一、申报单位与基地");
    wide(f, "批次", batch);
    wide(f, "申报单位", value(res, C_UNIT));
    wide(f, "基地名称", value(res, C_BASE));
    const char *kv[] = {
        "基地类别", category,
        "所在地区", value(res, C_REGION),
        "统一社会信用代码", value(res, C_CREDIT_CODE),
        "法定代表人", value(res, C_LEGAL),
        "主管单位", value(res, C_SUPERVISING),
        "推荐单位", value(res, C_RECOMMENDER),
        "联系人", value(res, C_CONTACT),
        "联系电话", value(res, C_PHONE),
        "电子邮箱", value(res, C_EMAIL),
        "申报状态", kp_app_status_label(PQgetvalue(res, 0, C_STATUS)),
        "提交时间", beijing(res, C_SUBMITTED_AT, "尚未提交", submitted),
        "版本", version,
    };
    pairs(f, kv, sizeof kv / sizeof kv[0]);
    wide(f, "通讯地址", value(res, C_ADDRESS));
    char recommended[KP_APPDOC_TIME_MAX];
    if (!PQgetisnull(res, 0, C_RETURN_REASON))
        wide(f, "退回原因", PQgetvalue(res, 0, C_RETURN_REASON));
    if (!PQgetisnull(res, 0, C_RECOMMENDED_AT)) {
        wide(f, "推荐时间", beijing(res, C_RECOMMENDED_AT, "", recommended));
        wide(f, "推荐意见", value(res, C_OPINION));
    }
    form_fields(f, form);
    kp_flow_heading(f, "五、申报单位意见");
    kp_flow_part(f, KP_PDF_MM(52), draw_signature, NULL, 0);
    printed_at(f, res);
    json_decref(form);

    char title[KP_APPDOC_NUMBER_MAX + 64], filename[KP_APPDOC_NUMBER_MAX + 64];
    snprintf(title, sizeof title, "全国科普教育基地申报表 %s", doc.number);
    snprintf(filename, sizeof filename, "申报表-%s.pdf", doc.number);
    PQclear(res);
    return kp_reply_flow(r, f, title, filename);
}

/* ---- the 回执 ------------------------------------------------------------ */

/* GET /api/v1/applications/{id}/receipt.pdf: once submitted */
enum kp_err kp_api_applications_receipt_pdf(struct kp_req *r)
{
    struct doc doc = { 0 };
    enum kp_err err = read_doc(r, &doc);
    if (err || doc.res == NULL)
        return err;
    PGresult *res = doc.res;
    if (!doc.submitted) {
        PQclear(res);
        return kp_reply_problem(r, KP_P_INVALID_STATE, "申报尚未提交，提交后才有回执");
    }
    json_t *attachments = json_loads(PQgetvalue(res, 0, C_ATTACHMENTS), 0, NULL);
    char header[KP_APPDOC_NUMBER_MAX + 64];
    snprintf(header, sizeof header, "全国科普教育基地申报回执　申报编号 %s", doc.number);
    struct kp_flow *f = attachments ? kp_flow_new(KP_PDF_A4_PORTRAIT, header, NULL) : NULL;
    if (f == NULL) {
        json_decref(attachments);
        PQclear(res);
        return KP_E_NOMEM;
    }
    kp_flow_title(f, "全国科普教育基地申报回执");
    kp_flow_part(f, QR_SIZE + KP_PDF_MM(6), draw_numbered, &doc.head, sizeof doc.head);
    char batch[600], submitted[KP_APPDOC_TIME_MAX], version[24];
    snprintf(batch, sizeof batch, "%s　%s", PQgetvalue(res, 0, C_BATCH_CODE), PQgetvalue(res, 0, C_BATCH_TITLE));
    snprintf(version, sizeof version, "第 %s 版", PQgetvalue(res, 0, C_VERSION));
    beijing(res, C_SUBMITTED_AT, "", submitted);
    wide(f, "申报编号", doc.number);
    wide(f, "申报单位", value(res, C_UNIT));
    wide(f, "基地名称", value(res, C_BASE));
    wide(f, "批次", batch);
    wide(f, "推荐单位", value(res, C_RECOMMENDER));
    wide(f, "提交时间", submitted);
    wide(f, "版本", version);
    wide(f, "当前状态", kp_app_status_label(PQgetvalue(res, 0, C_STATUS)));

    kp_flow_heading(f, "提交的材料");
    static const struct kp_flow_cell head[] = {
        { "序号", 0.07, false, KP_PDF_CENTER }, { "类别", 0.14, false, KP_PDF_LEFT },
        { "文件名", 0.33, false, KP_PDF_LEFT }, { "大小（字节）", 0.12, false, KP_PDF_RIGHT },
        { "SHA-256", 0.34, false, KP_PDF_LEFT },
    };
    kp_flow_head(f, head, 5);
    size_t i;
    const json_t *a;
    json_array_foreach(attachments, i, a) {
        char no[24], size[24];
        snprintf(no, sizeof no, "%zu", i + 1);
        snprintf(size, sizeof size, "%lld", (long long)json_integer_value(json_object_get(a, "size")));
        const char *kind = json_string_value(json_object_get(a, "kind"));
        const char *name = json_string_value(json_object_get(a, "filename"));
        const char *sha = json_string_value(json_object_get(a, "sha256"));
        struct kp_flow_cell c[5] = {
            { no, 0.07, false, KP_PDF_CENTER }, { attachment_kind(kind ? kind : ""), 0.14, false, KP_PDF_LEFT },
            { name ? name : "", 0.33, false, KP_PDF_LEFT }, { size, 0.12, false, KP_PDF_RIGHT },
            { sha ? sha : "", 0.34, false, KP_PDF_LEFT },
        };
        kp_flow_row(f, c, 5);
    }
    if (json_array_size(attachments) == 0) {
        struct kp_flow_cell none = { "无", 1, false, KP_PDF_CENTER };
        kp_flow_row(f, &none, 1);
    }
    json_decref(attachments);
    char note[KP_APPDOC_TIME_MAX + 128];
    snprintf(note, sizeof note, "以上材料已于%s提交，由推荐单位审核。本回执由平台生成，扫描二维码可查看申报。",
             submitted);
    kp_flow_gap(f, KP_PDF_MM(4));
    kp_flow_paragraph(f, note);
    printed_at(f, res);

    char title[KP_APPDOC_NUMBER_MAX + 64], filename[KP_APPDOC_NUMBER_MAX + 64];
    snprintf(title, sizeof title, "全国科普教育基地申报回执 %s", doc.number);
    snprintf(filename, sizeof filename, "回执-%s.pdf", doc.number);
    PQclear(res);
    return kp_reply_flow(r, f, title, filename);
}
