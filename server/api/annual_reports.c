/* Annual reports (年度科普工作报告) of named bases and their evaluation
 * (年度科普绩效评估).  Each year of its term a base's own unit (the
 * applicant that applied) or the programme office files the year's figures
 * and highlights, once per year; they may be corrected until the office
 * evaluates the report (a score, a grade, comments), which is told to the
 * unit.  The office lists and exports the reports by year, region,
 * category and evaluated or not, and reminds every valid base that has not
 * reported on a year.  Files attached to a report are attachments of kind
 * annual_report (attachments.c).  The years a base may report on:
 * lib/domain/annual.h.
 * Visibility: admin → all; applicant → its own bases' reports. */

#include <assert.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annual.h"
#include "api.h"
#include "appstate.h"
#include "auth.h"
#include "basestate.h"
#include "csv.h"
#include "filename.h"
#include "list.h"
#include "notify.h"
#include "views.h"

#define HIGHLIGHTS_MAX 3000
#define COMMENTS_MAX   2000
#define FUNDING_MAX    10000000      /* 万元: a thousand billion yuan, as the application form's */
#define COUNT_MAX      1000000000000LL

#define CURRENT_YEAR_SQL "extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int"

/* A report's fields as a list shows them, from `annual_reports r JOIN bases
 * b JOIN regions g`; the whole report adds the highlights and its files.
 * Built by the database as JSON text: funding_wan stays the decimal it was
 * written as. */
#define REPORT_SUMMARY_FIELDS                                                                           \
    "'id', r.id, 'base_id', r.base_id, 'certificate_no', b.certificate_no, 'base_name', b.name,"        \
    " 'unit_name', b.unit_name, 'region', g.name, 'category', b.category, 'year', r.year,"              \
    " 'open_days', r.open_days, 'visitors', r.visitors, 'activities', r.activities,"                    \
    " 'staff_fulltime', r.staff_fulltime, 'staff_parttime', r.staff_parttime,"                          \
    " 'volunteers', r.volunteers, 'funding_wan', r.funding_wan, 'filed_by', r.filed_by,"                \
    " 'version', r.version, 'created_at', " KP_TIME("r.created_at") ","                                 \
    " 'updated_at', " KP_TIME("r.updated_at") ","                                                       \
    " 'evaluation', CASE WHEN r.evaluated_at IS NULL THEN NULL ELSE json_build_object("                  \
    "     'score', r.score, 'grade', r.grade, 'comments', r.comments, 'evaluated_by', r.evaluated_by,"  \
    "     'evaluated_at', " KP_TIME("r.evaluated_at") ") END"
#define REPORT_SUMMARY "json_build_object(" REPORT_SUMMARY_FIELDS ")::text"
#define REPORT_WHOLE                                                                                    \
    "json_build_object(" REPORT_SUMMARY_FIELDS ", 'highlights', r.highlights, 'attachments',"           \
    " (SELECT coalesce(json_agg(json_build_object('id', at.id, 'kind', at.kind, 'filename', at.filename," \
    "                                   'content_type', at.content_type, 'size', at.size,"               \
    "                                   'sha256', at.sha256, 'created_at', " KP_TIME("at.created_at") ")" \
    "                  ORDER BY at.id), '[]')"                                                          \
    "    FROM attachments at WHERE at.annual_report_id = r.id AND at.complete))::text"
#define REPORT_FROM " FROM annual_reports r JOIN bases b ON b.id = r.base_id JOIN regions g ON g.code = b.region_code"

static bool take_id(struct kp_req *r, char id[24])
{
    long long n;
    if (!kp_req_param_id(r, "id", &n))
        return false;
    snprintf(id, 24, "%lld", n);
    return true;
}

/* ---- the figures: one parse for filing and correcting ---- */

struct figures {
    long long year, open_days, visitors, activities, staff_fulltime, staff_parttime, volunteers;
    double funding;
    char funding_text[KP_JSON_NUMBER_TEXT];
    const char *highlights;
};

/* Takes the body into *f; false when the answer (422) is queued. */
static bool take_figures(struct kp_req *r, struct figures *f)
{
    const struct kp_jfield spec[] = {
        KP_JINT("year", &f->year, 2000, 2100),
        KP_JINT("open_days", &f->open_days, 0, 366),
        KP_JINT("visitors", &f->visitors, 0, COUNT_MAX),
        KP_JINT("activities", &f->activities, 0, COUNT_MAX),
        KP_JINT("staff_fulltime", &f->staff_fulltime, 0, COUNT_MAX),
        KP_JINT("staff_parttime", &f->staff_parttime, 0, COUNT_MAX),
        KP_JINT("volunteers", &f->volunteers, 0, COUNT_MAX),
        KP_JNUMBER("funding_wan", &f->funding, 0, FUNDING_MAX),
        KP_JSTRING("highlights", &f->highlights, 0, HIGHLIGHTS_MAX),
        KP_JEND,
    };
    if (!kp_req_take(r, spec))
        return false;
    bool finite = kp_json_number_text(f->funding, f->funding_text);
    assert(finite && "a number JSON held is finite");
    (void)finite;
    return true;
}

static enum kp_err year_problem(struct kp_req *r, const char *why)
{
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    kp_problem_field(errors, "year", "range", why);
    return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
}

static json_t *figures_json(const struct figures *f)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "year", (json_int_t)f->year,
                     "open_days", (json_int_t)f->open_days, "visitors", (json_int_t)f->visitors,
                     "activities", (json_int_t)f->activities, "staff_fulltime", (json_int_t)f->staff_fulltime,
                     "staff_parttime", (json_int_t)f->staff_parttime, "volunteers", (json_int_t)f->volunteers,
                     "funding_wan", f->funding_text, "highlights", f->highlights);
}

/* The outcome of a write, answered by reply(). */
struct outcome {
    bool found;
    enum kp_problem refusal;          /* KP_P__COUNT: none */
    const char *why;
    const char *year_why;             /* 422 year */
    char *report;                     /* the report's JSON text (malloc) */
    char etag[32];
};

static enum kp_err reply(struct kp_req *r, enum kp_err err, struct outcome *o, unsigned status)
{
    if (err == KP_E_DB_UNIQUE)          /* two writers raced for one year: the second loses */
        err = kp_reply_problem(r, KP_P_CONFLICT, "该年度的报告已存在");
    else if (err == KP_OK && !o->found)
        err = kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    else if (err == KP_OK && o->refusal != KP_P__COUNT)
        err = kp_reply_problem(r, o->refusal, o->why);
    else if (err == KP_OK && o->year_why)
        err = year_problem(r, o->year_why);
    else if (err == KP_OK && o->report == NULL)
        err = KP_E_NOMEM;
    else if (err == KP_OK) {
        if (o->etag[0])
            kp_req_add_header(r, "ETag", o->etag);
        char *text = o->report;
        o->report = NULL;
        err = kp_reply_data(r, status, "application/json; charset=utf-8", text, strlen(text));
    }
    free(o->report);
    return err;
}

static const struct kp_stmt SQL_GET = {
    "annual_reports_get", "SELECT " REPORT_WHOLE ", r.version" REPORT_FROM " WHERE r.id = $1", 1,
};

static enum kp_err load_report(struct kp_db *db, const char *id, struct outcome *o)
{
    const char *params[] = { id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_GET, params, &res);
    if (err)
        return err;
    free(o->report);
    o->report = PQntuples(res) == 1 ? strdup(PQgetvalue(res, 0, 0)) : NULL;
    if (PQntuples(res) == 1)
        snprintf(o->etag, sizeof o->etag, "\"%s\"", PQgetvalue(res, 0, 1));
    PQclear(res);
    return o->report ? KP_OK : KP_E_NOMEM;
}

/* ---- POST /bases/{id}/annual-reports ---- */

/* The base in the caller's scope ($2, $3), with the current year in China. */
static const struct kp_stmt SQL_BASE = {
    "annual_reports_base",
    "SELECT b.status, b.term_start_year, b.term_end_year, " CURRENT_YEAR_SQL
    "  FROM bases b WHERE b.id = $1 AND ($2::boolean OR b.applicant_id = $3::bigint) FOR SHARE",
    3,
};

/* One per base and year: a second for the same year inserts nothing. */
static const struct kp_stmt SQL_FILE = {
    "annual_reports_file",
    "INSERT INTO annual_reports (base_id, year, open_days, visitors, activities, staff_fulltime,"
    "                            staff_parttime, volunteers, funding_wan, highlights, filed_by)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::numeric, $10, $11)"
    " ON CONFLICT (base_id, year) DO NOTHING RETURNING id",
    11,
};

#define FIGURE_PARAMS(f, s) s.year, s.open_days, s.visitors, s.activities, s.fulltime, s.parttime, \
                            s.volunteers, (f)->funding_text, (f)->highlights

/* The integers as text for SQL. */
struct figure_text {
    char year[24], open_days[24], visitors[24], activities[24], fulltime[24], parttime[24], volunteers[24];
};

static void figure_text(const struct figures *f, struct figure_text *t)
{
    snprintf(t->year, sizeof t->year, "%lld", f->year);
    snprintf(t->open_days, sizeof t->open_days, "%lld", f->open_days);
    snprintf(t->visitors, sizeof t->visitors, "%lld", f->visitors);
    snprintf(t->activities, sizeof t->activities, "%lld", f->activities);
    snprintf(t->fulltime, sizeof t->fulltime, "%lld", f->staff_fulltime);
    snprintf(t->parttime, sizeof t->parttime, "%lld", f->staff_parttime);
    snprintf(t->volunteers, sizeof t->volunteers, "%lld", f->volunteers);
}

/* Why a base stored as `status` takes no report: revoked is final. */
static const char *status_refusal(const char *status)
{
    return strcmp(status, "revoked") == 0 ? "基地已撤销，不能再提交或修改年度报告" : NULL;
}

struct filing {
    struct kp_req *r;
    char base[24];
    struct figures f;
    struct outcome o;
};

static enum kp_err file_tx(struct kp_db *db, void *arg)
{
    struct filing *x = arg;
    struct outcome *o = &x->o;
    o->refusal = KP_P__COUNT;
    o->year_why = NULL;
    struct kp_rowscope scope;
    kp_rowscope_own_org(kp_req_principal(x->r), &scope);
    const char *lock[] = { x->base, scope.all, scope.owner };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BASE, lock, &res);
    if (err)
        return err;
    o->found = PQntuples(res) == 1;
    if (o->found) {
        o->why = status_refusal(PQgetvalue(res, 0, 0));
        o->refusal = o->why ? KP_P_INVALID_STATE : KP_P__COUNT;
        o->year_why = kp_annual_year_refusal((int)x->f.year, atoi(PQgetvalue(res, 0, 1)),
                                             atoi(PQgetvalue(res, 0, 2)), atoi(PQgetvalue(res, 0, 3)));
    }
    PQclear(res);
    if (!o->found || o->why || o->year_why)
        return KP_OK;
    struct figure_text t;
    figure_text(&x->f, &t);
    char by[24];
    snprintf(by, sizeof by, "%lld", kp_req_principal(x->r)->user_id);
    const char *params[] = { x->base, FIGURE_PARAMS(&x->f, t), by };
    if ((err = kp_db_exec(db, &SQL_FILE, params, &res)))
        return err;
    if (PQntuples(res) == 0) {
        PQclear(res);
        o->refusal = KP_P_CONFLICT;
        o->why = "该基地该年度的报告已存在，请修改已有报告";
        return KP_OK;
    }
    char id[24];
    snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    json_t *data = figures_json(&x->f);
    if (data)
        json_object_set_new(data, "base_id", json_integer(atoll(x->base)));
    err = data ? kp_req_audit(x->r, db, "annual_report.filed", "annual_report", id, data) : KP_E_NOMEM;
    json_decref(data);
    return err ? err : load_report(db, id, o);
}

/* POST /api/v1/bases/{id}/annual-reports {"year","open_days",...,"highlights"} */
enum kp_err kp_api_annual_reports_file(struct kp_req *r)
{
    struct filing x = { .r = r };
    if (!take_id(r, x.base))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (!take_figures(r, &x.f))
        return KP_OK;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, file_tx, &x) : KP_E_NOMEM;
    return reply(r, err, &x.o, 201);
}

/* ---- PUT /annual-reports/{id} ---- */

/* The report, locked, in the caller's scope, with its base. */
static const struct kp_stmt SQL_LOCK = {
    "annual_reports_lock",
    "SELECT r.version, r.evaluated_at IS NOT NULL, b.status, b.term_start_year, b.term_end_year, "
    CURRENT_YEAR_SQL ", EXISTS (SELECT 1 FROM annual_reports o"
    "                            WHERE o.base_id = r.base_id AND o.year = $4 AND o.id <> r.id),"
    "       b.applicant_id, b.name, r.year"
    "  FROM annual_reports r JOIN bases b ON b.id = r.base_id"
    " WHERE r.id = $1 AND ($2::boolean OR b.applicant_id = $3::bigint) FOR UPDATE OF r",
    4,
};

static const struct kp_stmt SQL_CORRECT = {
    "annual_reports_correct",
    "UPDATE annual_reports SET year = $2, open_days = $3, visitors = $4, activities = $5, staff_fulltime = $6,"
    "       staff_parttime = $7, volunteers = $8, funding_wan = $9::numeric, highlights = $10,"
    "       version = version + 1, updated_at = now()"
    " WHERE id = $1 AND evaluated_at IS NULL",
    10,
};

/* "\"7\"" → 7; -1 when absent or "*"; false when malformed (applications.c's rule). */
static bool parse_if_match(const char *h, long long *out)
{
    *out = -1;
    if (h == NULL || strcmp(h, "*") == 0)
        return true;
    char *end;
    if (h[0] != '"' || h[1] < '0' || h[1] > '9')
        return false;
    *out = strtoll(h + 1, &end, 10);
    return end[0] == '"' && end[1] == '\0';
}

struct correction {
    struct kp_req *r;
    char id[24];
    long long if_match;
    struct figures f;
    struct outcome o;
};

static enum kp_err correct_tx(struct kp_db *db, void *arg)
{
    struct correction *c = arg;
    struct outcome *o = &c->o;
    o->refusal = KP_P__COUNT;
    o->year_why = NULL;
    o->why = NULL;
    struct kp_rowscope scope;
    kp_rowscope_own_org(kp_req_principal(c->r), &scope);
    struct figure_text t;
    figure_text(&c->f, &t);
    const char *lock[] = { c->id, scope.all, scope.owner, t.year };
    PGresult *row;
    enum kp_err err = kp_db_exec(db, &SQL_LOCK, lock, &row);
    if (err)
        return err;
    o->found = PQntuples(row) == 1;
    if (o->found) {
        if (PQgetvalue(row, 0, 1)[0] == 't') {
            o->refusal = KP_P_INVALID_STATE;
            o->why = "年度报告已评估，不能再修改";
        } else if ((o->why = status_refusal(PQgetvalue(row, 0, 2))) != NULL)
            o->refusal = KP_P_INVALID_STATE;
        else if (c->if_match >= 0 && c->if_match != atoll(PQgetvalue(row, 0, 0))) {
            o->refusal = KP_P_VERSION_MISMATCH;
            o->why = "报告已被他人修改，请刷新后再改";
        } else if ((o->year_why = kp_annual_year_refusal((int)c->f.year, atoi(PQgetvalue(row, 0, 3)),
                                                          atoi(PQgetvalue(row, 0, 4)),
                                                          atoi(PQgetvalue(row, 0, 5)))) == NULL &&
                   PQgetvalue(row, 0, 6)[0] == 't') {
            o->refusal = KP_P_CONFLICT;
            o->why = "该基地该年度的报告已存在";
        }
    }
    PQclear(row);
    if (!o->found || o->why || o->year_why)
        return KP_OK;
    const char *params[] = { c->id, FIGURE_PARAMS(&c->f, t) };
    PGresult *res;
    if ((err = kp_db_exec(db, &SQL_CORRECT, params, &res)))
        return err;
    PQclear(res);
    json_t *data = figures_json(&c->f);
    err = data ? kp_req_audit(c->r, db, "annual_report.corrected", "annual_report", c->id, data) : KP_E_NOMEM;
    json_decref(data);
    return err ? err : load_report(db, c->id, o);
}

/* PUT /api/v1/annual-reports/{id} {the figures} with optional If-Match:
 * until it is evaluated */
enum kp_err kp_api_annual_reports_correct(struct kp_req *r)
{
    struct correction c = { .r = r };
    if (!take_id(r, c.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (!parse_if_match(kp_req_header(r, "If-Match"), &c.if_match)) {
        json_t *errors = json_array();
        kp_problem_field(errors, "If-Match", "format", "If-Match 应为带引号的版本号，如 \"3\"");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    if (!take_figures(r, &c.f))
        return KP_OK;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, correct_tx, &c) : KP_E_NOMEM;
    return reply(r, err, &c.o, 200);
}

/* ---- PUT /annual-reports/{id}/evaluation ---- */

static const struct kp_stmt SQL_EVALUATE = {
    "annual_reports_evaluate",
    "UPDATE annual_reports SET score = $2::numeric, grade = $3, comments = $4, evaluated_by = $5,"
    "       evaluated_at = now(), version = version + 1, updated_at = now()"
    " WHERE id = $1",
    5,
};

struct evaluation {
    struct kp_req *r;
    char id[24];
    double score;
    char score_text[KP_JSON_NUMBER_TEXT];
    const char *grade, *comments;
    struct outcome o;
};

static enum kp_err evaluate_tx(struct kp_db *db, void *arg)
{
    struct evaluation *e = arg;
    struct outcome *o = &e->o;
    o->refusal = KP_P__COUNT;
    const char *lock[] = { e->id, "true", "0", "0" };
    PGresult *row;
    enum kp_err err = kp_db_exec(db, &SQL_LOCK, lock, &row);
    if (err)
        return err;
    o->found = PQntuples(row) == 1;
    if (!o->found) {
        PQclear(row);
        return KP_OK;
    }
    char by[24];
    snprintf(by, sizeof by, "%lld", kp_req_principal(e->r)->user_id);
    const char *params[] = { e->id, e->score_text, e->grade, e->comments, by };
    PGresult *res;
    if ((err = kp_db_exec(db, &SQL_EVALUATE, params, &res)) == KP_OK) {
        PQclear(res);
        json_t *data = json_pack("{s:s, s:s, s:s, s:b}", "score", e->score_text, "grade", e->grade, "comments",
                                 e->comments, "again", PQgetvalue(row, 0, 1)[0] == 't');
        err = data ? kp_req_audit(e->r, db, "annual_report.evaluated", "annual_report", e->id, data) : KP_E_NOMEM;
        json_decref(data);
    }
    if (err == KP_OK) {
        char title[600];
        snprintf(title, sizeof title, "%s %s 年度科普工作报告已评估：%s（%s 分）", PQgetvalue(row, 0, 8),
                 PQgetvalue(row, 0, 9), kp_annual_grade_label(e->grade), e->score_text);
        json_t *about = json_pack("{s:I, s:s}", "annual_report_id", (json_int_t)atoll(e->id), "grade", e->grade);
        /* the base's unit only: no recommender stands behind a named base's reports */
        err = about ? kp_notify_parties(db, PQgetvalue(row, 0, 7), NULL, "annual_report.evaluated", title,
                                        e->comments, about)
                    : KP_E_NOMEM;
        json_decref(about);
    }
    PQclear(row);
    return err ? err : load_report(db, e->id, o);
}

/* PUT /api/v1/annual-reports/{id}/evaluation {"score","grade","comments"?} */
enum kp_err kp_api_annual_reports_evaluate(struct kp_req *r)
{
    struct evaluation e = { .r = r, .comments = "" };
    if (!take_id(r, e.id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    const struct kp_jfield spec[] = {
        KP_JNUMBER("score", &e.score, 0, 100),
        KP_JSTRING("grade", &e.grade, 1, 16),
        KP_JOPTIONAL("comments", KP_J_STRING, &e.comments, 0, COMMENTS_MAX, NULL),
        KP_JEND,
    };
    e.score = -1;
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    if (e.score >= 0 && (!kp_annual_score_exact(e.score) || !kp_json_number_text(e.score, e.score_text)))
        kp_problem_field(errors, "score", "range", "分数最多保留两位小数");
    if (e.grade && !kp_annual_grade_valid(e.grade))
        kp_problem_field(errors, "grade", "enum", "应为 excellent、good、qualified 或 unqualified");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, evaluate_tx, &e) : KP_E_NOMEM;
    return reply(r, err, &e.o, 200);
}

/* ---- GET /bases/{id}/annual-reports ---- */

/* The base's reports, whole, by year; the base itself first (a row of
 * NULL when it has none), so that an unknown base is told from one without
 * reports in one statement. */
static const struct kp_stmt SQL_OF_BASE = {
    "annual_reports_of_base",
    "SELECT (SELECT coalesce(json_agg(x.j ORDER BY x.year), '[]')::text"
    "          FROM (SELECT " REPORT_WHOLE "::json AS j, r.year" REPORT_FROM " WHERE r.base_id = s.id) x)"
    "  FROM bases s WHERE s.id = $1 AND ($2::boolean OR s.applicant_id = $3::bigint)",
    3,
};

/* GET /api/v1/bases/{id}/annual-reports: every report of the base, by year */
enum kp_err kp_api_annual_reports_of_base(struct kp_req *r)
{
    char id[24];
    if (!take_id(r, id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct kp_rowscope scope;
    kp_rowscope_own_org(kp_req_principal(r), &scope);
    const char *params[] = { id, scope.all, scope.owner };
    struct kp_db *db = kp_req_db(r);
    PGresult *res;
    enum kp_err err = db ? kp_db_read(db, &SQL_OF_BASE, params, &res) : KP_E_NOMEM;
    if (err)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    struct kp_buf b = { 0 };
    kp_buf_printf(&b, "{\"items\":%s,\"next_cursor\":null}", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (b.failed) {
        kp_buf_free(&b);
        return KP_E_NOMEM;
    }
    return kp_reply_data(r, 200, "application/json; charset=utf-8", b.data, b.len);
}

/* ---- the admin's list and its CSV ---- */

struct filters {
    const char *year, *region, *category, *evaluated;
};

static void take_filters(struct kp_req *r, struct filters *f, json_t *errors)
{
    f->year = kp_req_query(r, "year");
    f->region = kp_req_query(r, "region");
    f->category = kp_req_query(r, "category");
    f->evaluated = kp_req_query(r, "evaluated");
    if (f->year && (strlen(f->year) != 4 || strspn(f->year, "0123456789") != 4 || atoi(f->year) < 2000 ||
                    atoi(f->year) > 2100))
        kp_problem_field(errors, "year", "type", "应为年份，如 2024");
    if (f->category && !kp_app_category_valid(f->category))
        kp_problem_field(errors, "category", "enum", "不是有效的基地类别");
    if (f->evaluated && strcmp(f->evaluated, "true") != 0 && strcmp(f->evaluated, "false") != 0)
        kp_problem_field(errors, "evaluated", "enum", "应为 true 或 false");
}

/* $1 after, $2 limit, then the filters; by id. */
#define LIST_WHERE                                                                        \
    " WHERE r.id > $1"                                                                    \
    "   AND ($3::int IS NULL OR r.year = $3)"                                             \
    "   AND ($4::text IS NULL OR g.name = $4)"                                            \
    "   AND ($5::text IS NULL OR b.category = $5)"                                        \
    "   AND ($6::boolean IS NULL OR (r.evaluated_at IS NOT NULL) = $6)"                   \
    " ORDER BY r.id LIMIT $2"

static const struct kp_stmt SQL_LIST = {
    "annual_reports_list", "SELECT r.id, " REPORT_SUMMARY REPORT_FROM LIST_WHERE, 6,
};

static void summary_row(struct kp_buf *b, PGresult *res, int i)
{
    kp_buf_append(b, PQgetvalue(res, i, 1), (size_t)PQgetlength(res, i, 1));
}

static enum kp_err fetch(struct kp_db *db, struct kp_list *l)
{
    const struct filters *f = l->arg;
    const char *params[] = { l->after, l->limit, f->year, f->region, f->category, f->evaluated };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_LIST, params, &res);
    if (err)
        return err;
    kp_list_take_text(l, res, summary_row);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/annual-reports?year&region&category&evaluated&limit&cursor (admin) */
enum kp_err kp_api_annual_reports_list(struct kp_req *r)
{
    struct filters f;
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    take_filters(r, &f, errors);
    return kp_list_reply(r, errors, 0, KP_LIST_ONE_READ, fetch, &f);
}

#define EXPORT_BLOCK "2000"           /* rows a statement: about 600 KB of CSV */

static const struct kp_stmt SQL_EXPORT = {
    "annual_reports_export",
    "SELECT r.id, r.year, g.name, b.certificate_no, b.name, b.unit_name, b.category, r.open_days, r.visitors,"
    "       r.activities, r.staff_fulltime, r.staff_parttime, r.volunteers, r.funding_wan, r.highlights,"
    "       r.score, r.grade, r.comments, " KP_TIME("r.evaluated_at")
    REPORT_FROM LIST_WHERE,
    6,
};

struct export {
    struct filters f;
    char year[8], region[256], category[32], evaluated[8];   /* the filters, copied: the request's end first */
    long long after;
    struct kp_buf text;               /* the CSV of the last block read (kp_req_pooled_blocks) */
};

static void free_export(void *cls)
{
    struct export *x = cls;
    kp_buf_free(&x->text);
    free(x);
}

/* The next block of rows after x->after as CSV in x->text: one statement,
 * keyset by id, so each block costs what the first does. */
static enum kp_err export_block(void *cls, struct kp_db *db, bool *done)
{
    struct export *x = cls;
    char after[24];
    snprintf(after, sizeof after, "%lld", x->after);
    const char *params[] = { after, EXPORT_BLOCK, x->f.year, x->f.region, x->f.category, x->f.evaluated };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_EXPORT, params, &res);
    if (err)
        return err;
    int rows = PQntuples(res);
    for (int i = 0; i < rows; i++) {
        for (int c = 1; c <= 18; c++) {
            const char *v = PQgetvalue(res, i, c);
            if (c == 6)
                v = kp_app_category_label(v);
            else if (c == 16 && !PQgetisnull(res, i, c))
                v = kp_annual_grade_label(v);
            kp_csv_cell(&x->text, v, c == 18);
        }
        x->after = atoll(PQgetvalue(res, i, 0));
    }
    *done = rows < atoi(EXPORT_BLOCK);
    PQclear(res);
    return x->text.failed ? KP_E_NOMEM : KP_OK;
}

static const char *keep(const char *value, char *buf, size_t n)
{
    if (value == NULL)
        return NULL;
    snprintf(buf, n, "%s", value);
    return buf;
}

static const struct kp_stmt SQL_TODAY = { "annual_reports_today", "SELECT " KP_TODAY_SQL, 0 };

/* GET /api/v1/annual-reports.csv?year&region&category&evaluated (admin):
 * 年度报告-<year, or 全部年度>-<Beijing date>.csv */
enum kp_err kp_api_annual_reports_csv(struct kp_req *r)
{
    struct filters f;
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    take_filters(r, &f, errors);
    if (f.region && strlen(f.region) >= 256)
        kp_problem_field(errors, "region", "too_long", "地区名称过长");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    struct kp_db *db = kp_req_db(r);
    PGresult *res;
    enum kp_err err = db ? kp_db_read(db, &SQL_TODAY, NULL, &res) : KP_E_NOMEM;
    if (err)
        return err;
    char name[64], disposition[KP_FILENAME_DISPOSITION_MAX];
    snprintf(name, sizeof name, "年度报告-%s-%s.csv", f.year ? f.year : "全部年度", PQgetvalue(res, 0, 0));
    PQclear(res);
    kp_filename_attachment(name, disposition);
    struct export *x = calloc(1, sizeof *x);
    if (x == NULL)
        return KP_E_NOMEM;
    x->f.year = keep(f.year, x->year, sizeof x->year);
    x->f.region = keep(f.region, x->region, sizeof x->region);
    x->f.category = keep(f.category, x->category, sizeof x->category);
    x->f.evaluated = keep(f.evaluated, x->evaluated, sizeof x->evaluated);
    kp_buf_append(&x->text, "\xEF\xBB\xBF", 3);       /* a BOM: Excel then reads UTF-8 */
    kp_buf_printf(&x->text, "\"年度\",\"所在地区\",\"证书编号\",\"基地名称\",\"依托单位\",\"类别\",\"开放天数\","
                            "\"接待人次\",\"科普活动次数\",\"专职人员\",\"兼职人员\",\"志愿者\",\"科普经费（万元）\","
                            "\"工作亮点\",\"评估分数\",\"评估等级\",\"评估意见\",\"评估时间\"\r\n");
    if (x->text.failed) {
        free_export(x);
        return KP_E_NOMEM;
    }
    struct MHD_Response *resp = kp_req_pooled_blocks(r, &x->text, export_block, x, free_export);
    if (resp == NULL)
        return KP_E_NOMEM;
    MHD_add_response_header(resp, "Content-Type", "text/csv; charset=utf-8");
    MHD_add_response_header(resp, "Content-Disposition", disposition);
    return kp_reply_response(r, 200, resp, 0);
}

/* ---- POST /annual-reports/reminders ---- */

/* Every base valid now (KP_BASE_STATUS_SQL) whose term holds year $1 and
 * which has not reported on it gets one message, to its unit's enabled
 * accounts; the count, in the same statement, is of the bases told (a unit
 * whose accounts are all disabled hears nothing and is not counted). */
static const struct kp_stmt SQL_REMIND = {
    "annual_reports_remind",
    "WITH due AS (SELECT b.id, b.applicant_id, b.name FROM bases b"
    "              WHERE " KP_BASE_STATUS_SQL " = 'valid' AND $1::int BETWEEN b.term_start_year AND b.term_end_year"
    "                AND $1::int <= " CURRENT_YEAR_SQL
    "                AND NOT EXISTS (SELECT 1 FROM annual_reports r WHERE r.base_id = b.id AND r.year = $1)),"
    "     sent AS (INSERT INTO notifications (user_id, kind, title, body, data)"
    "              SELECT u.id, 'annual_report.reminder', '请提交 ' || $1 || ' 年度科普工作报告：' || d.name, $2,"
    "                     json_build_object('base_id', d.id, 'year', $1::int)"
    "                FROM due d JOIN users u ON u.role = 'applicant' AND u.org_id = d.applicant_id AND NOT u.disabled"
    "              RETURNING data->>'base_id' AS base)"
    "SELECT (SELECT count(DISTINCT base) FROM sent), (SELECT count(*) FROM sent), " CURRENT_YEAR_SQL,
    2,
};

struct reminder {
    struct kp_req *r;
    long long year;
    bool future;
    long long notified;
};

static enum kp_err remind_tx(struct kp_db *db, void *arg)
{
    struct reminder *m = arg;
    char year[24];
    snprintf(year, sizeof year, "%lld", m->year);
    const char *params[] = { year, "基地应每年提交年度科普工作报告，请登录平台填报。" };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_REMIND, params, &res);
    if (err)
        return err;
    m->notified = atoll(PQgetvalue(res, 0, 0));
    long long messages = atoll(PQgetvalue(res, 0, 1));
    m->future = m->year > atoll(PQgetvalue(res, 0, 2));     /* nothing is due then: nothing was sent */
    PQclear(res);
    if (m->future)
        return KP_OK;
    json_t *data = json_pack("{s:I, s:I, s:I}", "year", (json_int_t)m->year, "notified", (json_int_t)m->notified,
                             "messages", (json_int_t)messages);
    err = data ? kp_req_audit(m->r, db, "annual_report.reminded", "annual_reports", year, data) : KP_E_NOMEM;
    json_decref(data);
    return err;
}

/* POST /api/v1/annual-reports/reminders {"year"} → {"notified"} */
enum kp_err kp_api_annual_reports_remind(struct kp_req *r)
{
    struct reminder m = { .r = r };
    const struct kp_jfield spec[] = { KP_JINT("year", &m.year, 2000, 2100), KP_JEND };
    if (!kp_req_take(r, spec))
        return KP_OK;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, remind_tx, &m) : KP_E_NOMEM;
    if (err)
        return err;
    if (m.future)
        return year_problem(r, "该年度尚未开始，不能催报");
    return kp_reply_json(r, 200, json_pack("{s:I}", "notified", (json_int_t)m.notified));
}
