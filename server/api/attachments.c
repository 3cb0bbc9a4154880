/* Attachments of an application: the signed and sealed application form,
 * evidence, a video.  An upload is the raw file as the body, with its real
 * Content-Type (checked against the file's first bytes) and its name in
 * Content-Disposition; it streams into PostgreSQL in CHUNK-sized rows, so a
 * request never holds more than one chunk.  A download streams out the same
 * way, to those who may see the application.  The rows are written and read
 * on the slow-work pool (the routes are KP_ROUTE_SLOW; take only buffers).
 *
 * Until it is complete an attachment's created_at is its upload's last sign
 * of life: the upload moves it forward every upload_grace/4 seconds while
 * data comes, and server/housekeeping.c sweeps incomplete rows left unmarked
 * for attachments.upload_grace, the remains of uploads cut off by a kill -9
 * or a lost database.  Completion sets it to the moment the attachment came
 * to exist.
 *
 * An annual report (annual_reports.c) holds files the same way: kind
 * annual_report, uploaded by the base's own unit or the programme office
 * while the report is not evaluated, seen by them. */

#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api.h"
#include "appstate.h"
#include "auth.h"
#include "filename.h"
#include "httputil.h"
#include "magic.h"
#include "views.h"

#define CHUNK (256 * 1024)
#define ATTACHMENT_COLUMNS \
    "at.id, at.kind, at.filename, at.content_type, at.size, at.sha256, " KP_TIME("at.created_at")

/* The application, locked: its status, the bytes it holds, and whether it
 * may take on-site evidence now (its batch in evaluation, its sample drew
 * it). */
static const struct kp_stmt SQL_EDITABLE = {
    "attachments_editable",
    "SELECT a.status, (SELECT coalesce(sum(size), 0) FROM attachments WHERE application_id = a.id AND complete),"
    "       EXISTS (SELECT 1 FROM batches b JOIN onsite_samples s ON s.batch_id = b.id"
    "                WHERE b.id = a.batch_id AND b.status = 'evaluating' AND a.id = ANY (s.selected))"
    "  FROM applications a WHERE a.id = $3 AND " KP_APPSCOPE_SQL " FOR UPDATE OF a",
    3,
};

/* The annual report, locked, in the scope of $1 (role) and $2 (the
 * applicant's unit): whether it is evaluated, the bytes it holds, and
 * whether its base is revoked. */
static const struct kp_stmt SQL_REPORT_EDITABLE = {
    "attachments_report_editable",
    "SELECT r.evaluated_at IS NOT NULL,"
    "       (SELECT coalesce(sum(size), 0) FROM attachments WHERE annual_report_id = r.id AND complete),"
    "       b.status = 'revoked'"
    "  FROM annual_reports r JOIN bases b ON b.id = r.base_id"
    " WHERE r.id = $3 AND ($1::text = 'admin' OR ($1::text = 'applicant' AND b.applicant_id = $2::bigint))"
    " FOR UPDATE OF r",
    3,
};

static const struct kp_stmt SQL_BEGIN = {
    "attachments_begin",
    "INSERT INTO attachments (application_id, kind, filename, content_type) VALUES ($1, $2, $3, $4)"
    " RETURNING id",
    4,
};

static const struct kp_stmt SQL_REPORT_BEGIN = {
    "attachments_report_begin",
    "INSERT INTO attachments (annual_report_id, kind, filename, content_type) VALUES ($1, $2, $3, $4)"
    " RETURNING id",
    4,
};

static const struct kp_stmt SQL_CHUNK = {
    "attachments_chunk",
    "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES ($1, $2, $3)",
    3,
};

/* The upload is alive: keeps its row from the sweep of abandoned ones. */
static const struct kp_stmt SQL_TOUCH = {
    "attachments_touch", "UPDATE attachments SET created_at = now() WHERE id = $1 AND NOT complete", 1,
};

static const struct kp_stmt SQL_COMPLETE = {
    "attachments_complete",
    "WITH at AS (UPDATE attachments SET size = $2, sha256 = $3, complete = true, created_at = now()"
    "            WHERE id = $1"
    "            RETURNING *),"
    "     bump AS (UPDATE applications SET version = version + 1, updated_at = now()"
    "              WHERE id = (SELECT application_id FROM at) RETURNING version)"
    "SELECT " ATTACHMENT_COLUMNS ", (SELECT version FROM bump) FROM at",
    3,
};

static const struct kp_stmt SQL_REPORT_COMPLETE = {
    "attachments_report_complete",
    "WITH at AS (UPDATE attachments SET size = $2, sha256 = $3, complete = true, created_at = now()"
    "            WHERE id = $1"
    "            RETURNING *),"
    "     bump AS (UPDATE annual_reports SET version = version + 1, updated_at = now()"
    "              WHERE id = (SELECT annual_report_id FROM at) RETURNING version)"
    "SELECT " ATTACHMENT_COLUMNS ", (SELECT version FROM bump) FROM at",
    3,
};

static const struct kp_stmt SQL_DISCARD = {
    "attachments_discard", "DELETE FROM attachments WHERE id = $1 AND NOT complete", 1,
};

/* An attachment of an application in the caller's scope, or of an annual
 * report of the caller's own base (or any, for the admin). */
static const struct kp_stmt SQL_FIND = {
    "attachments_find",
    "SELECT " ATTACHMENT_COLUMNS ", a.id, a.status, r.id FROM attachments at"
    "  LEFT JOIN applications a ON a.id = at.application_id"
    "  LEFT JOIN annual_reports r ON r.id = at.annual_report_id"
    "  LEFT JOIN bases rb ON rb.id = r.base_id"
    " WHERE at.id = $3 AND at.complete"
    "   AND ((a.id IS NOT NULL AND " KP_APPSCOPE_SQL ")"
    "        OR (r.id IS NOT NULL AND ($1::text = 'admin'"
    "                                  OR ($1::text = 'applicant' AND rb.applicant_id = $2::bigint))))",
    3,
};

static const struct kp_stmt SQL_READ_CHUNK = {
    "attachments_read_chunk",
    "SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2",
    2,
};

static const struct kp_stmt SQL_LOCK_APP = {
    "attachments_lock_application", "SELECT status FROM applications WHERE id = $1 FOR UPDATE", 1,
};

/* A report's file goes while the report is not evaluated. */
static const struct kp_stmt SQL_LOCK_REPORT = {
    "attachments_lock_report", "SELECT evaluated_at IS NULL FROM annual_reports WHERE id = $1 FOR UPDATE", 1,
};

static const struct kp_stmt SQL_REPORT_DELETE = {
    "attachments_report_delete",
    "WITH gone AS (DELETE FROM attachments WHERE id = $1 RETURNING annual_report_id)"
    "UPDATE annual_reports SET version = version + 1, updated_at = now()"
    " WHERE id = (SELECT annual_report_id FROM gone)",
    1,
};

static const struct kp_stmt SQL_DELETE = {
    "attachments_delete",
    "WITH gone AS (DELETE FROM attachments WHERE id = $1 RETURNING application_id)"
    "UPDATE applications SET version = version + 1, updated_at = now()"
    " WHERE id = (SELECT application_id FROM gone)",
    1,
};

json_t *kp_attachment_json(PGresult *res, int row, int col)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s}",
                     "id", (json_int_t)atoll(PQgetvalue(res, row, col)),
                     "kind", PQgetvalue(res, row, col + 1), "filename", PQgetvalue(res, row, col + 2),
                     "content_type", PQgetvalue(res, row, col + 3),
                     "size", (json_int_t)atoll(PQgetvalue(res, row, col + 4)),
                     "sha256", PQgetvalue(res, row, col + 5), "created_at", PQgetvalue(res, row, col + 6));
}

/* "200 MB", "512 KB": limits as a person reads them. */
static void size_text(size_t bytes, char *out, size_t n)
{
    if (bytes >= (1u << 20))
        snprintf(out, n, "%zu MB", bytes >> 20);
    else
        snprintf(out, n, "%zu KB", bytes >> 10);
}

static const char *type_name(const char *type)
{
    return !strcmp(type, "application/pdf") ? "PDF 文件" : !strcmp(type, "image/png") ? "PNG 图片"
         : !strcmp(type, "image/jpeg") ? "JPEG 图片" : !strcmp(type, "video/mp4") ? "MP4 视频" : type;
}

static bool valid_kind(const char *kind)
{
    return kind && (!strcmp(kind, "application_form") || !strcmp(kind, "evidence") ||
                    !strcmp(kind, "video") || !strcmp(kind, "other") || !strcmp(kind, "onsite_evidence"));
}

/* The applicant uploads its own files; the programme office only the
 * evidence of its on-site checks; both a report's files.  NULL when `role`
 * may upload `kind`. */
static const char *kind_refusal(const char *kind, enum kp_role role)
{
    if (strcmp(kind, "annual_report") == 0)
        return NULL;
    bool onsite = strcmp(kind, "onsite_evidence") == 0;
    if (onsite && role != KP_ROLE_ADMIN)
        return "实地核查材料由评审办公室上传";
    if (!onsite && role == KP_ROLE_ADMIN)
        return "评审办公室只上传实地核查材料（kind=onsite_evidence）";
    return NULL;
}

/* Why the locked row (SQL_EDITABLE, or SQL_REPORT_EDITABLE for kind
 * annual_report) may not take the upload now; NULL when it may. */
static const char *state_refusal(const char *kind, PGresult *res)
{
    if (strcmp(kind, "annual_report") == 0)
        return PQgetvalue(res, 0, 2)[0] == 't'   ? "基地已撤销，不能再修改年度报告"
               : PQgetvalue(res, 0, 0)[0] == 't' ? "年度报告已评估，不能再修改附件"
                                                 : NULL;
    if (strcmp(kind, "onsite_evidence") == 0)
        return PQgetvalue(res, 0, 2)[0] == 't' ? NULL : "只有本批次实地抽检样本中的申报可上传核查材料";
    return kp_app_transition(PQgetvalue(res, 0, 0), KP_APP_EDIT, KP_ROLE_APPLICANT)
           ? NULL : "申报已提交，不能再修改附件";
}

/* The signed form is a PDF scan, the video an MP4; evidence any picture or
 * PDF; anything of the four for "other".  NULL when the type fits. */
static const char *type_refusal(const char *kind, const char *type)
{
    if (!strcmp(kind, "application_form") && strcmp(type, "application/pdf") != 0)
        return "申报表扫描件应为 PDF";
    if (!strcmp(kind, "video") && strcmp(type, "video/mp4") != 0)
        return "视频应为 MP4";
    if (!strcmp(kind, "evidence") && !strcmp(type, "video/mp4"))
        return "证明材料应为 PDF、PNG 或 JPEG";
    if (!strcmp(kind, "annual_report") && !strcmp(type, "video/mp4"))
        return "年度报告附件应为 PDF、PNG 或 JPEG";
    return NULL;
}

/* ---- the upload, as a stream ---- */

static time_t monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

enum failure { NONE, TOO_LARGE, WRONG_TYPE, STORE_FAILED };

struct upload {
    struct kp_req *r;
    struct kp_appscope scope;
    char app[24], id[24];             /* app: the holder, an application or (report) an annual report */
    bool report;
    char kind[20], type[20], filename[KP_FILENAME_MAX + 1];
    long long attachment;
    uint64_t size, limit;           /* limit: what this file may still grow to */
    unsigned char head[KP_MAGIC_PREFIX];
    size_t head_n;
    unsigned char *buf;
    size_t fill;
    int seq;
    time_t touched;                 /* CLOCK_MONOTONIC seconds of the last SQL_TOUCH (or the start) */
    crypto_hash_sha256_state sha;
    enum failure failure;
    enum kp_err store_err;
    bool found, complete, over_total;
    const char *refusal;
    json_t *answer;
};

static enum kp_err begin_tx(struct kp_db *db, void *arg)
{
    struct upload *u = arg;
    const char *params[] = { u->scope.role, u->scope.org, u->app };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, u->report ? &SQL_REPORT_EDITABLE : &SQL_EDITABLE, params, &res);
    if (err)
        return err;
    u->found = PQntuples(res) == 1;
    u->refusal = NULL;
    if (u->found) {
        u->refusal = state_refusal(u->kind, res);
        const struct kp_config *cfg = kp_req_server(u->r)->cfg;
        uint64_t used = (uint64_t)atoll(PQgetvalue(res, 0, 1));
        uint64_t left = cfg->attachments.max_total > used ? cfg->attachments.max_total - used : 0;
        u->limit = left < cfg->attachments.max_file ? left : cfg->attachments.max_file;
    }
    PQclear(res);
    if (!u->found || u->refusal)
        return KP_OK;
    const char *row[] = { u->app, u->kind, u->filename, u->type };
    if ((err = kp_db_exec(db, u->report ? &SQL_REPORT_BEGIN : &SQL_BEGIN, row, &res)))
        return err;
    u->attachment = atoll(PQgetvalue(res, 0, 0));
    snprintf(u->id, sizeof u->id, "%lld", u->attachment);
    PQclear(res);
    return KP_OK;
}

/* `report`: the holder is an annual report (kind annual_report only). */
static enum kp_err begin(struct kp_req *r, bool report)
{
    long long app;
    if (!kp_req_param_id(r, "id", &app))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct upload *u = calloc(1, sizeof *u);
    if (u == NULL)
        return KP_E_NOMEM;
    kp_req_set_state(r, u);
    u->r = r;
    u->report = report;
    snprintf(u->app, sizeof u->app, "%lld", app);
    kp_appscope_for(kp_req_principal(r), &u->scope);
    const char *kind = kp_req_query(r, "kind");
    json_t *errors = json_array();
    if (report && (kind == NULL || strcmp(kind, "annual_report") != 0))
        kp_problem_field(errors, "kind", "enum", "年度报告的附件应为 annual_report");
    else if (!report && !valid_kind(kind))
        kp_problem_field(errors, "kind", "enum", "应为 application_form、evidence、video、other 或 onsite_evidence");
    else
        snprintf(u->kind, sizeof u->kind, "%s", kind);
    switch (kp_filename_from_disposition(kp_req_header(r, "Content-Disposition"), u->filename,
                                         sizeof u->filename)) {
    case KP_FILENAME_OK:
        break;
    case KP_FILENAME_MISSING:
        kp_problem_field(errors, "filename", "required",
                         "请在 Content-Disposition 中给出文件名（filename*=UTF-8''...）");
        break;
    case KP_FILENAME_MALFORMED:
        kp_problem_field(errors, "filename", "encoding",
                         "文件名应为 UTF-8 编码（filename*=UTF-8''...），不含 NUL 字符");
        break;
    }
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    const char *forbidden = kind_refusal(u->kind, kp_req_principal(r)->role);
    if (forbidden)
        return kp_reply_problem(r, KP_P_FORBIDDEN, forbidden);
    const char *ct = kp_req_header(r, "Content-Type");
    size_t tl = strcspn(ct, "; \t");
    snprintf(u->type, sizeof u->type, "%.*s", (int)(tl < sizeof u->type ? tl : 0), ct);
    for (char *p = u->type; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    const char *mismatch = type_refusal(u->kind, u->type);
    if (mismatch)
        return kp_reply_problem(r, KP_P_UNSUPPORTED_MEDIA_TYPE, mismatch);
    const struct kp_config *cfg = kp_req_server(r)->cfg;
    uint64_t declared = 0;
    const char *cl = kp_req_header(r, "Content-Length");
    bool has_length = cl && kp_parse_content_length(cl, &declared);
    char limit[32], detail[96];
    if (has_length && declared > cfg->attachments.max_file) {
        size_text(cfg->attachments.max_file, limit, sizeof limit);
        snprintf(detail, sizeof detail, "单个附件不能超过 %s", limit);
        return kp_reply_problem(r, KP_P_TOO_LARGE, detail);
    }
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, 0, begin_tx, u) : KP_E_NOMEM;
    if (err)
        return err;
    if (!u->found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (u->refusal)
        return kp_reply_problem(r, KP_P_INVALID_STATE, u->refusal);
    if (has_length && declared > u->limit) {
        size_text(cfg->attachments.max_total, limit, sizeof limit);
        snprintf(detail, sizeof detail, "附件总量不能超过 %s", limit);
        return kp_reply_problem(r, KP_P_TOO_LARGE, detail);
    }
    u->buf = malloc(CHUNK);
    if (u->buf == NULL)
        return KP_E_NOMEM;
    crypto_hash_sha256_init(&u->sha);
    u->touched = monotonic_seconds();
    return KP_OK;
}

static enum kp_err upload_begin(struct kp_req *r)
{
    return begin(r, false);
}

static enum kp_err report_upload_begin(struct kp_req *r)
{
    return begin(r, true);
}

static enum kp_err chunk_tx(struct kp_db *db, void *arg)
{
    struct upload *u = arg;
    char seq[16];
    snprintf(seq, sizeof seq, "%d", u->seq);
    const char *params[] = { u->id, seq, (const char *)u->buf };
    const int lengths[] = { 0, 0, (int)u->fill };
    const int formats[] = { 0, 0, 1 };                 /* the data goes binary */
    PGresult *res;
    enum kp_err err = kp_db_exec_binary(db, &SQL_CHUNK, params, lengths, formats, false, &res);
    if (err == KP_OK)
        PQclear(res);
    return err;
}

static void flush(struct upload *u)
{
    if (u->fill == 0 || u->failure != NONE)
        return;
    struct kp_db *db = kp_req_db(u->r);
    enum kp_err err = db ? kp_db_tx(db, 0, chunk_tx, u) : KP_E_NOMEM;
    if (err) {
        u->failure = STORE_FAILED;
        u->store_err = err;
        return;
    }
    u->seq++;
    u->fill = 0;
}

static enum kp_err touch_tx(struct kp_db *db, void *arg)
{
    struct upload *u = arg;
    const char *params[] = { u->id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_TOUCH, params, &res);
    if (err == KP_OK)
        PQclear(res);
    return err;
}

/* Whether a quarter of the grace has passed since the row was last marked
 * alive: a chunk may take longer than the grace to fill on a slow line. */
static bool mark_due(const struct upload *u)
{
    unsigned every = kp_req_server(u->r)->cfg->attachments.upload_grace / 4;
    return monotonic_seconds() - u->touched >= (time_t)(every > 0 ? every : 1);
}

/* On the pool: marks the row alive. */
static void keep_alive(struct upload *u)
{
    struct kp_db *db = kp_req_db(u->r);
    enum kp_err err = db ? kp_db_tx(db, 0, touch_tx, u) : KP_E_NOMEM;
    if (err) {
        u->failure = STORE_FAILED;
        u->store_err = err;
        return;
    }
    u->touched = monotonic_seconds();
}

/* On the event thread: checks and buffers what fits of a piece; a full
 * chunk, or a row due to be marked alive, waits for upload_flush. */
static size_t upload_take(struct kp_req *r, const char *piece, size_t n)
{
    struct upload *u = kp_req_state(r);
    if (u == NULL || u->buf == NULL || u->failure != NONE)
        return n;                                      /* refused already: drop the rest */
    if (u->fill == CHUNK || mark_due(u))
        return 0;
    size_t take = CHUNK - u->fill < n ? CHUNK - u->fill : n;
    if (u->size + take > u->limit) {
        u->failure = TOO_LARGE;
        return n;
    }
    for (size_t i = 0; u->head_n < KP_MAGIC_PREFIX && i < take; i++)
        u->head[u->head_n++] = (unsigned char)piece[i];
    if (u->head_n == KP_MAGIC_PREFIX && u->size < KP_MAGIC_PREFIX &&
        !kp_magic_matches(u->type, u->head, u->head_n)) {
        u->failure = WRONG_TYPE;
        return n;
    }
    u->size += take;
    crypto_hash_sha256_update(&u->sha, (const unsigned char *)piece, take);
    memcpy(u->buf + u->fill, piece, take);
    u->fill += take;
    return take;
}

/* On the pool: marks the row alive when due, writes a full chunk. */
static void upload_flush(struct kp_req *r)
{
    struct upload *u = kp_req_state(r);
    if (u == NULL)
        return;
    if (mark_due(u))
        keep_alive(u);
    if (u->failure == NONE && u->fill == CHUNK)
        flush(u);
}

static enum kp_err complete_tx(struct kp_db *db, void *arg)
{
    struct upload *u = arg;
    const char *params[] = { u->scope.role, u->scope.org, u->app };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, u->report ? &SQL_REPORT_EDITABLE : &SQL_EDITABLE, params, &res);
    if (err)
        return err;
    u->refusal = PQntuples(res) == 1 ? state_refusal(u->kind, res) : u->report ? "年度报告已不可见" : "申报已不可见";
    /* Uploads that overlapped each passed the check at their start: the
     * total is decided here, under the application's lock. */
    uint64_t stored = u->refusal ? 0 : (uint64_t)atoll(PQgetvalue(res, 0, 1));
    u->over_total = !u->refusal &&
                    stored + u->size > kp_req_server(u->r)->cfg->attachments.max_total;
    PQclear(res);
    if (u->refusal || u->over_total)
        return KP_OK;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[65], size[24];
    crypto_hash_sha256_state copy = u->sha;            /* a retry finalises again */
    crypto_hash_sha256_final(&copy, digest);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    snprintf(size, sizeof size, "%llu", (unsigned long long)u->size);
    const char *done[] = { u->id, size, hex };
    if ((err = kp_db_exec(db, u->report ? &SQL_REPORT_COMPLETE : &SQL_COMPLETE, done, &res)))
        return err;
    if (PQntuples(res) != 1) {             /* swept: silent past the grace (a stalled database) */
        PQclear(res);
        u->refusal = "上传中断过久，已被清理，请重新上传";
        return KP_OK;
    }
    json_decref(u->answer);
    u->answer = kp_attachment_json(res, 0, 0);
    /* the upload changed its holder: a client's next If-Match needs this */
    json_object_set_new(u->answer, u->report ? "report_version" : "application_version",
                        json_integer(atoll(PQgetvalue(res, 0, 7))));
    PQclear(res);
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s}", u->report ? "annual_report_id" : "application_id", u->app,
                             "kind", u->kind,
                             "filename", u->filename, "size", size, "sha256", hex);
    err = kp_req_audit(u->r, db, "attachment.uploaded", "attachment", u->id, data);
    json_decref(data);
    return err;
}

/* POST /api/v1/applications/{id}/attachments?kind=  (the body is the file) */
enum kp_err kp_api_attachments_upload(struct kp_req *r)
{
    struct upload *u = kp_req_state(r);
    if (u == NULL)
        return KP_E_NOMEM;
    char detail[128], one[32], all[32];
    size_text(kp_req_server(r)->cfg->attachments.max_file, one, sizeof one);
    size_text(kp_req_server(r)->cfg->attachments.max_total, all, sizeof all);
    if (u->failure == NONE && u->size < KP_MAGIC_PREFIX && !kp_magic_matches(u->type, u->head, u->head_n))
        u->failure = WRONG_TYPE;
    switch (u->failure) {
    case TOO_LARGE:
        snprintf(detail, sizeof detail, "附件超过大小限制（单个 %s，合计 %s）", one, all);
        return kp_reply_problem(r, KP_P_TOO_LARGE, detail);
    case WRONG_TYPE:
        snprintf(detail, sizeof detail, "文件内容不是%s，请检查文件", type_name(u->type));
        return kp_reply_problem(r, KP_P_UNSUPPORTED_MEDIA_TYPE, detail);
    case STORE_FAILED:
        return u->store_err;
    case NONE:
        break;
    }
    flush(u);
    if (u->failure == STORE_FAILED)
        return u->store_err;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, complete_tx, u) : KP_E_NOMEM;
    if (err)
        return err;
    if (u->refusal)
        return kp_reply_problem(r, KP_P_INVALID_STATE, u->refusal);
    if (u->over_total) {
        snprintf(detail, sizeof detail, "附件总量不能超过 %s", all);
        return kp_reply_problem(r, KP_P_TOO_LARGE, detail);
    }
    u->complete = true;
    json_t *answer = u->answer;
    u->answer = NULL;
    return kp_reply_json(r, 201, answer);
}

static enum kp_err discard_tx(struct kp_db *db, void *arg)
{
    struct upload *u = arg;
    const char *params[] = { u->id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_DISCARD, params, &res);
    if (err == KP_OK)
        PQclear(res);
    return err;
}

/* An upload that did not complete leaves nothing behind. */
static void upload_end(struct kp_req *r)
{
    struct upload *u = kp_req_state(r);
    if (u == NULL)
        return;
    if (u->attachment && !u->complete) {
        struct kp_db *db = kp_req_db(r);
        if (db)
            kp_db_tx(db, 0, discard_tx, u);
    }
    json_decref(u->answer);
    free(u->buf);
    free(u);
    kp_req_set_state(r, NULL);
}

const struct kp_stream kp_attachment_upload = { upload_begin, upload_take, upload_flush, upload_end };
const struct kp_stream kp_annual_report_upload = { report_upload_begin, upload_take, upload_flush, upload_end };

/* ---- GET /api/v1/attachments/{id} ---- */

struct download {
    char id[24];
    long long chunk;                  /* index held in data, -1: none */
    PGresult *data;
};

static enum kp_err read_tx(struct kp_db *db, void *arg)
{
    struct download *d = arg;
    char seq[24];
    snprintf(seq, sizeof seq, "%lld", d->chunk);
    const char *params[] = { d->id, seq };
    PQclear(d->data);
    d->data = NULL;
    return kp_db_exec_binary(db, &SQL_READ_CHUNK, params, NULL, NULL, true, &d->data);
}

/* On the pool (kp_req_pooled_body): copies from the chunk holding `pos`. */
static ssize_t read_file(void *cls, struct kp_db *db, uint64_t pos, char *out, size_t max)
{
    struct download *d = cls;
    long long want = (long long)(pos / CHUNK);
    if (d->chunk != want || d->data == NULL) {
        d->chunk = want;
        if (kp_db_tx(db, KP_TX_READ_ONLY, read_tx, d) != KP_OK || PQntuples(d->data) != 1)
            return -1;
    }
    size_t offset = pos % CHUNK, have = (size_t)PQgetlength(d->data, 0, 0);
    if (offset >= have)
        return -1;
    size_t n = have - offset < max ? have - offset : max;
    memcpy(out, PQgetvalue(d->data, 0, 0) + offset, n);
    return (ssize_t)n;
}

static void free_download(void *cls)
{
    struct download *d = cls;
    PQclear(d->data);
    free(d);
}

struct find {
    struct kp_appscope scope;
    char id[24];
    bool found;
    json_t *attachment;
    char app[24], status[32];
    char report[24];                  /* the annual report holding it, or "" */
};

static enum kp_err find_tx(struct kp_db *db, void *arg)
{
    struct find *f = arg;
    const char *params[] = { f->scope.role, f->scope.org, f->id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_FIND, params, &res);
    if (err)
        return err;
    f->found = PQntuples(res) == 1;
    json_decref(f->attachment);
    f->attachment = f->found ? kp_attachment_json(res, 0, 0) : NULL;
    if (f->found) {
        snprintf(f->app, sizeof f->app, "%s", PQgetvalue(res, 0, 7));
        snprintf(f->status, sizeof f->status, "%s", PQgetvalue(res, 0, 8));
        snprintf(f->report, sizeof f->report, "%s", PQgetvalue(res, 0, 9));
    }
    PQclear(res);
    return KP_OK;
}

static enum kp_err find(struct kp_req *r, struct find *f)
{
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return KP_E_NOT_FOUND;
    snprintf(f->id, sizeof f->id, "%lld", id);
    kp_appscope_for(kp_req_principal(r), &f->scope);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, find_tx, f) : KP_E_NOMEM;
    if (err == KP_OK && !f->found)
        err = KP_E_NOT_FOUND;
    return err;
}

enum kp_err kp_api_attachments_get(struct kp_req *r)
{
    struct find f = { .attachment = NULL };
    enum kp_err err = find(r, &f);
    if (err) {
        json_decref(f.attachment);
        return err == KP_E_NOT_FOUND ? kp_reply_problem(r, KP_P_NOT_FOUND, NULL) : err;
    }
    struct download *d = calloc(1, sizeof *d);
    if (d == NULL) {
        json_decref(f.attachment);
        return KP_E_NOMEM;
    }
    snprintf(d->id, sizeof d->id, "%s", f.id);
    d->chunk = -1;
    uint64_t size = (uint64_t)json_integer_value(json_object_get(f.attachment, "size"));
    struct MHD_Response *resp = kp_req_pooled_body(r, size, read_file, d, free_download);
    if (resp == NULL) {
        json_decref(f.attachment);
        return KP_E_NOMEM;
    }
    const char *name = json_string_value(json_object_get(f.attachment, "filename"));
    char encoded[KP_FILENAME_MAX * 3 + 1], disposition[sizeof encoded + 64], etag[70];
    kp_filename_encode(name, encoded, sizeof encoded);
    snprintf(disposition, sizeof disposition, "attachment; filename*=UTF-8''%s", encoded);
    snprintf(etag, sizeof etag, "\"%s\"", json_string_value(json_object_get(f.attachment, "sha256")));
    MHD_add_response_header(resp, "Content-Type",
                            json_string_value(json_object_get(f.attachment, "content_type")));
    MHD_add_response_header(resp, "Content-Disposition", disposition);
    MHD_add_response_header(resp, "ETag", etag);
    json_decref(f.attachment);
    return kp_reply_response(r, 200, resp, size);
}

struct removal {
    struct kp_req *r;
    struct find f;
    bool editable;
};

static enum kp_err delete_tx(struct kp_db *db, void *arg)
{
    struct removal *x = arg;
    bool report = x->f.report[0] != '\0';
    const char *holder[] = { report ? x->f.report : x->f.app };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, report ? &SQL_LOCK_REPORT : &SQL_LOCK_APP, holder, &res);
    if (err)
        return err;
    x->editable = PQntuples(res) == 1 &&
                  (report ? PQgetvalue(res, 0, 0)[0] == 't'
                          : kp_app_transition(PQgetvalue(res, 0, 0), KP_APP_EDIT, KP_ROLE_APPLICANT) != NULL);
    PQclear(res);
    if (!x->editable)
        return KP_OK;
    const char *params[] = { x->f.id };
    if ((err = kp_db_exec(db, report ? &SQL_REPORT_DELETE : &SQL_DELETE, params, &res)))
        return err;
    PQclear(res);
    return kp_req_audit(x->r, db, "attachment.deleted", "attachment", x->f.id, x->f.attachment);
}

/* DELETE /api/v1/attachments/{id}  (the applicant, while the application is editable) */
enum kp_err kp_api_attachments_delete(struct kp_req *r)
{
    struct removal x = { .r = r };
    enum kp_err err = find(r, &x.f);
    if (err == KP_OK) {
        struct kp_db *db = kp_req_db(r);
        err = kp_db_tx(db, KP_TX_AUDITED, delete_tx, &x);
    }
    json_decref(x.f.attachment);
    if (err == KP_E_NOT_FOUND)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (err)
        return err;
    return x.editable ? kp_reply_empty(r, 204)
                      : kp_reply_problem(r, KP_P_INVALID_STATE, x.f.report[0] ? "年度报告已评估，不能再修改附件"
                                                                             : "申报已提交，不能再修改附件");
}
