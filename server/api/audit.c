/* The audit trail (admin): every state change, newest first, filtered and
 * keyset-paged, with who acted by name and the Chinese names of actions,
 * and as CSV; the verification of its hash chain against the signed
 * checkpoints; and the checkpoints themselves, public so that anyone can
 * keep a copy. */

#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "audit.h"
#include "auditlabel.h"
#include "auditlist.h"
#include "auth.h"
#include "csv.h"
#include "filename.h"
#include "list.h"
#include "log.h"
#include "validate.h"
#include "views.h"

/* ---- the list and its CSV ---- */

/* Digits only, no sign or leading zero, and small enough for a bigint: a
 * value PostgreSQL would refuse must be a 422 here, not a 500 there. */
static bool positive_bigint(const char *s)
{
    size_t len = strlen(s);
    return len >= 1 && len <= 18 && s[0] >= '1' && s[0] <= '9' && strspn(s, "0123456789") == len;
}

struct filters {
    struct kp_auditlist_filters f;
    char from[40], to[40];   /* the bounds as PostgreSQL reads them */
};

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's
 * days_from_civil). */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - (int)(era * 400);
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* A time bound as the query gives it, checked: an RFC 3339 time, or a
 * date in Beijing time — `from` its first instant, `to` the instant after
 * its last (written "24:00:00", which PostgreSQL reads as the next
 * midnight), so that from=to=one day is that whole day.  Writes the bound
 * for SQL into out and its instant in microseconds since the epoch. */
static bool time_bound(const char *s, bool end, char out[40], long long *us)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, zone = 8 * 60;
    if (kp_valid_date(s)) {
        sscanf(s, "%4d-%2d-%2d", &y, &mo, &d);
        snprintf(out, 40, "%.10s %s+08:00", s, end ? "24:00:00" : "00:00:00");
        h = end ? 24 : 0;
    } else if (strlen(s) < 40 && kp_valid_rfc3339(s)) {
        sscanf(s, "%4d-%2d-%2d%*c%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec);
        const char *p = s + 19;
        if (*p == '.') {
            size_t digits = strspn(++p, "0123456789");
            for (size_t i = 0, scale = 100000; i < 6; i++, scale /= 10)
                frac += i < digits ? (p[i] - '0') * (int)scale : 0;
            p += digits;
        }
        zone = *p == '+' || *p == '-' ? (*p == '-' ? -1 : 1) * (atoi(p + 1) * 60 + atoi(p + 4)) : 0;
        snprintf(out, 40, "%s", s);
    } else {
        return false;
    }
    *us = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - zone * 60LL) * 1000000 + frac;
    return true;
}

#define TIME_MESSAGE "应为 RFC 3339 时间（如 2026-12-07T08:00:00Z）或北京时间的日期（如 2026-12-07）"

static bool given(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* The filters of GET /audit and /audit.csv, checked; field errors appended
 * to `errors`.  Whether all were good. */
static bool take_filters(struct kp_req *r, struct filters *x, json_t *errors)
{
    struct kp_auditlist_filters *f = &x->f;
    *f = (struct kp_auditlist_filters){
        .entity = kp_req_query(r, "entity"),
        .entity_id = kp_req_query(r, "entity_id"),
        .actor_id = kp_req_query(r, "actor_id"),
        .action = kp_req_query(r, "action"),
    };
    size_t before = json_array_size(errors);
    if (f->actor_id != NULL && !positive_bigint(f->actor_id))
        kp_problem_field(errors, "actor_id", "type", "应为正整数");
    const char *from = kp_req_query(r, "from"), *to = kp_req_query(r, "to");
    long long from_us = 0, to_us = 0;
    if (given(from) && !time_bound(from, false, x->from, &from_us))
        kp_problem_field(errors, "from", "format", TIME_MESSAGE);
    else
        f->from = given(from) ? x->from : NULL;
    if (given(to) && !time_bound(to, true, x->to, &to_us))
        kp_problem_field(errors, "to", "format", TIME_MESSAGE);
    else
        f->to = given(to) ? x->to : NULL;
    if (f->from != NULL && f->to != NULL && from_us >= to_us)
        kp_problem_field(errors, "to", "order", "结束时间应晚于开始时间");
    return json_array_size(errors) == before;
}

static json_t *label_or_null(const char *label)
{
    return label ? json_string(label) : json_null();
}

static json_t *row_json(PGresult *res, int i)
{
    json_t *data = json_loads(PQgetvalue(res, i, 7), 0, NULL);
    const char *action = PQgetvalue(res, i, 4), *entity = PQgetvalue(res, i, 5);
    return json_pack("{s:I, s:s, s:o, s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)atoll(PQgetvalue(res, i, 0)), "at", PQgetvalue(res, i, 1),
        "actor_id", PQgetisnull(res, i, 2) ? json_null() : json_integer(atoll(PQgetvalue(res, i, 2))),
        "actor_role", PQgetvalue(res, i, 3),
        "actor_name", kp_text_or_null(res, i, 10), "action", action,
        "action_label", label_or_null(kp_audit_action_label(action)),
        "entity", entity, "entity_label", label_or_null(kp_audit_entity_label(entity)),
        "entity_id", kp_text_or_null(res, i, 6), "data", data ? data : json_object(),
        "request_id", kp_text_or_null(res, i, 8), "ip", kp_text_or_null(res, i, 9),
        "actor_org", kp_text_or_null(res, i, 11));
}

static enum kp_err fetch(struct kp_db *db, struct kp_list *l)
{
    const struct filters *x = l->arg;
    const char *params[KP_AUDITLIST_MAX_PARAMS];
    kp_auditlist_params(&x->f, l->after, l->limit, params);
    return kp_list_exec(db, l, kp_auditlist_page_stmt(kp_auditlist_shape(&x->f)), params, row_json);
}

/* GET /api/v1/audit?entity&entity_id&actor_id&action&from&to&limit&cursor */
enum kp_err kp_api_audit_list(struct kp_req *r)
{
    struct filters x = { 0 };
    json_t *errors = json_array();
    take_filters(r, &x, errors);
    return kp_list_reply(r, errors, LLONG_MAX, KP_LIST_ONE_READ, fetch, &x);
}

static json_t *labels_json(const struct kp_audit_label *t, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "code", t[i].code, "label", t[i].label));
    return a;
}

/* GET /api/v1/audit/labels: the Chinese names of actions and objects
 * (lib/domain/auditlabel.c), for the UI's pickers. */
enum kp_err kp_api_audit_labels(struct kp_req *r)
{
    size_t na, ne;
    const struct kp_audit_label *a = kp_audit_actions(&na), *e = kp_audit_entities(&ne);
    return kp_reply_json(r, 200, json_pack("{s:o, s:o}", "actions", labels_json(a, na),
                                           "entities", labels_json(e, ne)));
}

/* The export streams (kp_req_pooled_blocks) block by block in keyset order,
 * each block one statement of at most KP_AUDITLIST_BLOCK rows below the
 * last id written, so memory holds one block however long the log.  Rows
 * appended meanwhile have higher ids and are not in it. */
struct export {
    struct filters x;
    char *query[KP_AUDITLIST_FILTERS];   /* copies of the query's filters */
    char after[24];          /* the last id written */
    struct kp_buf text;      /* the CSV of the last block read */
};

static void free_export(void *cls)
{
    struct export *e = cls;
    for (int i = 0; i < KP_AUDITLIST_FILTERS; i++)
        free(e->query[i]);
    kp_buf_free(&e->text);
    free(e);
}

/* The body is read after the handler returns: the filters it borrowed
 * from the query are copied. */
static bool keep_filters(struct export *e)
{
    const char **f[KP_AUDITLIST_FILTERS] = { &e->x.f.entity, &e->x.f.entity_id, &e->x.f.actor_id,
                                             &e->x.f.action, &e->x.f.from, &e->x.f.to };
    for (int i = 0; i < KP_AUDITLIST_FILTERS; i++) {
        if (*f[i] == NULL)
            continue;
        e->query[i] = strdup(*f[i]);
        if (e->query[i] == NULL)
            return false;
        *f[i] = e->query[i];
    }
    return true;
}

static void cell(struct kp_buf *b, PGresult *res, int i, int col, bool last)
{
    kp_csv_cell(b, PQgetisnull(res, i, col) ? "" : PQgetvalue(res, i, col), last);
}

static void label_cell(struct kp_buf *b, const char *label, const char *code)
{
    kp_csv_cell(b, label ? label : code, false);
}

/* The next block as CSV in e->text: one statement, no transaction. */
static enum kp_err export_block(void *cls, struct kp_db *db, bool *done)
{
    struct export *e = cls;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", KP_AUDITLIST_BLOCK);
    const char *params[KP_AUDITLIST_MAX_PARAMS];
    kp_auditlist_params(&e->x.f, e->after, limit, params);
    PGresult *res;
    enum kp_err err = kp_db_read(db, kp_auditlist_block_stmt(kp_auditlist_shape(&e->x.f)), params, &res);
    if (err)
        return err;
    int rows = PQntuples(res);
    for (int i = 0; i < rows; i++) {
        const char *action = PQgetvalue(res, i, 4), *entity = PQgetvalue(res, i, 5);
        cell(&e->text, res, i, 0, false);
        cell(&e->text, res, i, 1, false);
        label_cell(&e->text, kp_audit_action_label(action), action);
        kp_csv_cell(&e->text, action, false);
        cell(&e->text, res, i, 10, false);
        cell(&e->text, res, i, 11, false);
        kp_csv_cell(&e->text, kp_audit_role_label(PQgetvalue(res, i, 3)), false);
        cell(&e->text, res, i, 2, false);
        label_cell(&e->text, kp_audit_entity_label(entity), entity);
        cell(&e->text, res, i, 6, false);
        cell(&e->text, res, i, 7, false);
        cell(&e->text, res, i, 8, false);
        cell(&e->text, res, i, 9, true);
    }
    if (rows > 0)
        snprintf(e->after, sizeof e->after, "%s", PQgetvalue(res, rows - 1, 0));
    *done = rows < KP_AUDITLIST_BLOCK;
    PQclear(res);
    return e->text.failed ? KP_E_NOMEM : KP_OK;
}

/* GET /api/v1/audit.csv?entity&entity_id&actor_id&action&from&to: the
 * filtered rows, newest first, for people (Chinese names, Beijing time),
 * as 审计日志-<today in Beijing>.csv. */
enum kp_err kp_api_audit_csv(struct kp_req *r)
{
    struct export *e = calloc(1, sizeof *e);
    json_t *errors = json_array();
    if (e == NULL || errors == NULL) {
        free(e);
        json_decref(errors);
        return KP_E_NOMEM;
    }
    if (!take_filters(r, &e->x, errors)) {
        free(e);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    json_decref(errors);
    snprintf(e->after, sizeof e->after, "%lld", LLONG_MAX);
    kp_buf_append(&e->text, "\xEF\xBB\xBF", 3);       /* a BOM: Excel then reads UTF-8 */
    kp_buf_printf(&e->text, "\"编号\",\"时间（北京时间）\",\"操作\",\"操作代码\",\"操作人\",\"所属单位\",\"角色\","
                            "\"账号编号\",\"对象类型\",\"对象编号\",\"详情\",\"请求号\",\"IP\"\r\n");
    if (!keep_filters(e) || e->text.failed) {
        free_export(e);
        return KP_E_NOMEM;
    }
    time_t beijing = time(NULL) + 8 * 3600;
    struct tm day;
    gmtime_r(&beijing, &day);
    char name[64], disposition[KP_FILENAME_DISPOSITION_MAX];
    strftime(name, sizeof name, "审计日志-%Y%m%d.csv", &day);
    kp_filename_attachment(name, disposition);
    struct MHD_Response *resp = kp_req_pooled_blocks(r, &e->text, export_block, e, free_export);
    if (resp == NULL)
        return KP_E_NOMEM;
    MHD_add_response_header(resp, "Content-Type", "text/csv; charset=utf-8");
    MHD_add_response_header(resp, "Content-Disposition", disposition);
    return kp_reply_response(r, 200, resp, 0);
}

struct verify {
    const struct kp_keyring *keys;
    struct kp_audit_verdict v;
};

static enum kp_err verify_tx(struct kp_db *db, void *arg)
{
    struct verify *x = arg;
    return kp_audit_verify(db, x->keys, &x->v);
}

/* GET /api/v1/audit/verify */
enum kp_err kp_api_audit_verify(struct kp_req *r)
{
    struct verify x = { .keys = &kp_req_server(r)->keys };
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, verify_tx, &x) : KP_E_NOMEM;
    if (err)
        return err;
    const struct kp_audit_verdict *v = &x.v;
    return kp_reply_json(r, 200, json_pack("{s:b, s:I, s:o, s:b, s:I, s:o}", "ok", v->ok,
        "count", (json_int_t)v->count,
        "first_bad_id", v->first_bad_id ? json_integer(v->first_bad_id) : json_null(),
        "checkpoints_ok", v->checkpoints_ok, "checkpoints", (json_int_t)v->checkpoints,
        "problem", v->problem[0] ? json_string(v->problem) : json_null()));
}

/* ---- checkpoints ---- */

static json_t *checkpoint_json(const struct kp_checkpoint *cp)
{
    return json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)cp->id,
                     "last_audit_id", (json_int_t)cp->last_audit_id, "count", (json_int_t)cp->count,
                     "head_hash", cp->head_hash, "at", cp->at, "key_id", cp->key_id,
                     "signature", cp->signature);
}

struct make {
    struct kp_req *r;
    struct kp_checkpoint cp;
};

/* The audit row of the making comes first, so the checkpoint covers it. */
static enum kp_err make_tx(struct kp_db *db, void *arg)
{
    struct make *m = arg;
    long long id;
    enum kp_err err = kp_checkpoint_reserve_id(db, &id);
    if (err)
        return err;
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%lld", id);
    err = kp_req_audit(m->r, db, "audit.checkpoint_created", "audit_checkpoint", id_text, NULL);
    bool made;
    if (err == KP_OK)
        err = kp_checkpoint_make(db, &kp_req_server(m->r)->keys.signer, id, false, &m->cp, &made);
    return err;
}

/* POST /api/v1/audit/checkpoints */
enum kp_err kp_api_audit_checkpoint_create(struct kp_req *r)
{
    if (!kp_req_server(r)->keys.can_sign)
        return kp_reply_problem(r, KP_P_UNAVAILABLE,
                                "未配置签名密钥（crypto.signing_key），无法生成审计检查点");
    struct make m = { .r = r };
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, make_tx, &m) : KP_E_NOMEM;
    if (err)
        return err;
    return kp_reply_json(r, 201, checkpoint_json(&m.cp));
}

static const struct kp_stmt SQL_CHECKPOINTS = {
    "audit_checkpoints_list",
    "SELECT id, last_audit_id, count, head_hash,"
    "       to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), key_id, signature"
    "  FROM audit_checkpoints WHERE id < $1 ORDER BY id DESC LIMIT $2",
    2,
};

static json_t *checkpoint_row(PGresult *res, int i)
{
    struct kp_checkpoint cp = {
        .id = atoll(PQgetvalue(res, i, 0)),
        .last_audit_id = atoll(PQgetvalue(res, i, 1)),
        .count = atoll(PQgetvalue(res, i, 2)),
    };
    snprintf(cp.head_hash, sizeof cp.head_hash, "%s", PQgetvalue(res, i, 3));
    snprintf(cp.at, sizeof cp.at, "%s", PQgetvalue(res, i, 4));
    snprintf(cp.key_id, sizeof cp.key_id, "%s", PQgetvalue(res, i, 5));
    snprintf(cp.signature, sizeof cp.signature, "%s", PQgetvalue(res, i, 6));
    return checkpoint_json(&cp);
}

static enum kp_err fetch_checkpoints(struct kp_db *db, struct kp_list *l)
{
    const char *params[] = { l->after, l->limit };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_CHECKPOINTS, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, checkpoint_row);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/public/audit/checkpoints?limit&cursor (newest first) */
enum kp_err kp_api_audit_checkpoints_list(struct kp_req *r)
{
    return kp_list_reply(r, json_array(), LLONG_MAX, KP_TX_READ_ONLY, fetch_checkpoints, NULL);
}

/* ---- the periodic checkpoint (a housekeeping task) ---- */

unsigned kp_audit_checkpoint_every(const struct kp_config *cfg)
{
    return cfg->audit.checkpoint_interval ? cfg->audit.checkpoint_interval : 3600;
}

struct periodic {
    const struct kp_signing_key *key;
    struct kp_checkpoint cp;
    bool made;
};

/* Not audited: the system's own routine, and a row per checkpoint would
 * always leave something new to checkpoint. */
static enum kp_err periodic_tx(struct kp_db *db, void *arg)
{
    struct periodic *p = arg;
    return kp_checkpoint_make(db, p->key, 0, true, &p->cp, &p->made);
}

enum kp_err kp_audit_checkpoint_periodic(struct kp_server *srv, struct kp_db *db)
{
    if (!srv->keys.can_sign || srv->cfg->audit.checkpoint_interval == 0)
        return KP_OK;
    struct periodic p = { .key = &srv->keys.signer };
    enum kp_err err = kp_db_tx(db, KP_TX_AUDITED, periodic_tx, &p);
    if (err == KP_OK && p.made)
        kp_info("housekeeping: audit checkpoint %lld signed (%lld rows, up to row %lld)", p.cp.id,
                p.cp.count, p.cp.last_audit_id);
    return err;
}
