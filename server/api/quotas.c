/* The quota table of a batch (推荐名额, 附件1): recommender → how many
 * applications it may recommend.  Set by JSON or by uploading a CSV; a CSV
 * is applied only when every line is good, and each bad line is named.
 * `used` counts the recommender's recommended applications; a quota below it
 * is refused.  `pending` counts its submitted ones awaiting review.  A recommender sees only its own row. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "auth.h"
#include "csv.h"
#include "validate.h"

#define MAX_ROWS 2000

static const struct kp_stmt SQL_BATCH = {
    "quotas_batch", "SELECT status FROM batches b WHERE id = $1 AND " KP_BATCHSCOPE_SQL("$2"), 2,
};

static const struct kp_stmt SQL_TABLE = {
    "quotas_table",
    "SELECT q.recommender_id, r.name, r.kind, q.quota,"
    "       (SELECT count(*) FROM applications a WHERE a.batch_id = q.batch_id"
    "           AND a.recommender_id = q.recommender_id AND a.recommended_at IS NOT NULL),"
    "       EXISTS (SELECT 1 FROM contacts c WHERE c.batch_id = q.batch_id"
    "                  AND c.recommender_id = q.recommender_id),"
    "       (SELECT count(*) FROM applications a WHERE a.batch_id = q.batch_id"    /* pending: awaiting review */
    "           AND a.recommender_id = q.recommender_id AND a.status = 'submitted')"
    "  FROM quotas q JOIN recommenders r ON r.id = q.recommender_id"
    " WHERE q.batch_id = $1 AND ($2::boolean OR q.recommender_id = $3::bigint)"
    "   AND ($4::text IS NULL OR r.kind = $4)"
    " ORDER BY r.kind, r.id",
    4,
};

/* A recommender by id or by its exact name, with what it has used. */
static const struct kp_stmt SQL_RESOLVE = {
    "quotas_resolve",
    "SELECT r.id, r.name, coalesce(q.quota, -1),"
    "       (SELECT count(*) FROM applications a WHERE a.batch_id = $1"
    "           AND a.recommender_id = r.id AND a.recommended_at IS NOT NULL)"
    "  FROM recommenders r LEFT JOIN quotas q ON q.batch_id = $1 AND q.recommender_id = r.id"
    " WHERE r.name = $2 OR r.id = CASE WHEN $2 ~ '^[0-9]{1,18}$' THEN $2::bigint END",
    2,
};

static const struct kp_stmt SQL_UPSERT = {
    "quotas_upsert",
    "INSERT INTO quotas (batch_id, recommender_id, quota) VALUES ($1, $2, $3)"
    " ON CONFLICT (batch_id, recommender_id) DO UPDATE SET quota = excluded.quota",
    3,
};

struct entry {
    char field[48];          /* where an error about it points: "quotas.2.recommender_id", "lines.7" */
    char key[128];           /* recommender id or name, as given */
    long long quota;
};

struct table {
    struct kp_req *r;
    long long batch;
    struct entry *entries;
    size_t n;
    bool csv;                /* an import: a quota below its use is a bad line, not a 409 */
    json_t *errors;          /* the import's bad lines found while reading it, in line order (422) */
    json_t *found_errors;    /* per-entry problems found in the database, in entry order (422) */
    const char *refusal;     /* the batch's state refuses (409) */
    char detail[200];        /* a quota below its use (409) */
    bool found;
    json_t *items;
};

static enum kp_err batch_status(struct table *t, struct kp_db *db, char *status, size_t n)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", t->batch);
    const char *params[] = { id, kp_batchscope_for(kp_req_principal(t->r)) };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH, params, &res);
    if (err)
        return err;
    t->found = PQntuples(res) == 1;
    snprintf(status, n, "%s", t->found ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return KP_OK;
}

static enum kp_err read_table(struct table *t, struct kp_db *db, const char *kind)
{
    struct kp_rowscope scope;
    kp_rowscope_own_org(kp_req_principal(t->r), &scope);
    char id[24];
    snprintf(id, sizeof id, "%lld", t->batch);
    const char *params[] = { id, scope.all, scope.owner, kind };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_TABLE, params, &res);
    if (err)
        return err;
    json_array_clear(t->items);
    for (int i = 0; i < PQntuples(res); i++)
        json_array_append_new(t->items, json_pack(
            "{s:I, s:s, s:s, s:i, s:i, s:b, s:i}",
            "recommender_id", (json_int_t)atoll(PQgetvalue(res, i, 0)),
            "recommender_name", PQgetvalue(res, i, 1), "kind", PQgetvalue(res, i, 2),
            "quota", atoi(PQgetvalue(res, i, 3)), "used", atoi(PQgetvalue(res, i, 4)),
            "contact_submitted", PQgetvalue(res, i, 5)[0] == 't',
            "pending", atoi(PQgetvalue(res, i, 6))));
    PQclear(res);
    return KP_OK;
}

struct view {
    struct table t;
    const char *kind;
};

static enum kp_err get_tx(struct kp_db *db, void *arg)
{
    struct view *v = arg;
    char status[16];
    enum kp_err err = batch_status(&v->t, db, status, sizeof status);
    if (err || !v->t.found)
        return err;
    return read_table(&v->t, db, v->kind);
}

/* GET /api/v1/batches/{id}/quotas?kind */
enum kp_err kp_api_quotas_get(struct kp_req *r)
{
    struct view v = { .t = { .r = r, .items = json_array() }, .kind = kp_req_query(r, "kind") };
    if (v.t.items == NULL)
        return KP_E_NOMEM;
    if (v.kind && !kp_valid_recommender_kind(v.kind)) {
        json_decref(v.t.items);
        json_t *errors = json_array();
        kp_problem_field(errors, "kind", "enum", KP_RECOMMENDER_KIND_MESSAGE);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    if (!kp_req_param_id(r, "id", &v.t.batch)) {
        json_decref(v.t.items);
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, get_tx, &v) : KP_E_NOMEM;
    if (err || !v.t.found) {
        json_decref(v.t.items);
        return err ? err : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    return kp_reply_json(r, 200, json_pack("{s:o}", "items", v.t.items));
}

/* Resolves and checks every entry, then sets them all, or none. */
static enum kp_err apply_tx(struct kp_db *db, void *arg)
{
    struct table *t = arg;
    char status[16], batch[24];
    enum kp_err err = batch_status(t, db, status, sizeof status);
    if (err || !t->found)
        return err;
    if (strcmp(status, "draft") != 0 && strcmp(status, "open") != 0) {
        t->refusal = "评审开始后不能再修改名额";
        return KP_OK;
    }
    snprintf(batch, sizeof batch, "%lld", t->batch);
    json_array_clear(t->found_errors);
    t->detail[0] = '\0';
    long long *ids = calloc(t->n ? t->n : 1, sizeof *ids);
    if (ids == NULL)
        return KP_E_NOMEM;
    json_t *changes = json_array();
    for (size_t i = 0; i < t->n && err == KP_OK; i++) {
        struct entry *e = &t->entries[i];
        const char *params[] = { batch, e->key };
        PGresult *res;
        if ((err = kp_db_exec(db, &SQL_RESOLVE, params, &res)))
            break;
        if (PQntuples(res) != 1) {
            char msg[200];
            snprintf(msg, sizeof msg, "没有这个推荐单位：%s", e->key);
            kp_problem_field(t->found_errors, e->field, "unknown_recommender", msg);
            PQclear(res);
            continue;
        }
        ids[i] = atoll(PQgetvalue(res, 0, 0));
        long long before = atoll(PQgetvalue(res, 0, 2)), used = atoll(PQgetvalue(res, 0, 3));
        for (size_t j = 0; j < i; j++)
            if (ids[j] == ids[i]) {
                kp_problem_field(t->found_errors, e->field, "duplicate", "同一推荐单位出现了两次");
                break;
            }
        if (e->quota < used) {
            char why[sizeof t->detail];
            snprintf(why, sizeof why, "%s 已推荐 %lld 项，名额不能少于 %lld", PQgetvalue(res, 0, 1), used, used);
            if (t->csv)
                kp_problem_field(t->found_errors, e->field, "below_used", why);
            else if (t->detail[0] == '\0')
                snprintf(t->detail, sizeof t->detail, "%s", why);
        }
        if (before != e->quota)
            json_array_append_new(changes, json_pack("{s:I, s:o, s:I}", "recommender_id",
                                                     (json_int_t)ids[i], "from",
                                                     before < 0 ? json_null() : json_integer(before),
                                                     "to", (json_int_t)e->quota));
        PQclear(res);
    }
    if (err == KP_OK && json_array_size(t->errors) == 0 && json_array_size(t->found_errors) == 0 &&
        t->detail[0] == '\0') {
        for (size_t i = 0; i < t->n && err == KP_OK; i++) {
            char rid[24], quota[24];
            snprintf(rid, sizeof rid, "%lld", ids[i]);
            snprintf(quota, sizeof quota, "%lld", t->entries[i].quota);
            const char *params[] = { batch, rid, quota };
            PGresult *res;
            if ((err = kp_db_exec(db, &SQL_UPSERT, params, &res)) == KP_OK)
                PQclear(res);
        }
        if (err == KP_OK && json_array_size(changes) > 0) {
            json_t *data = json_pack("{s:O}", "changes", changes);
            err = kp_req_audit(t->r, db, "quota.set", "batch", batch, data);
            json_decref(data);
        }
        if (err == KP_OK)
            err = read_table(t, db, NULL);
    }
    json_decref(changes);
    free(ids);
    return err;
}

/* The line an error points at ("lines.12" → 12; 0 for a JSON entry's). */
static unsigned long error_line(json_t *error)
{
    const char *field = json_string_value(json_object_get(error, "field"));
    return field && strncmp(field, "lines.", 6) == 0 ? strtoul(field + 6, NULL, 10) : 0;
}

/* Both lists of problems as one, in line order (each list already is):
 * the file's bad lines read and looked up, named in one answer. */
static json_t *merge_errors(json_t *read, json_t *found)
{
    json_t *all = json_array();
    size_t i = 0, j = 0, n = json_array_size(read), m = json_array_size(found);
    while (all && (i < n || j < m)) {
        bool take_read = j == m || (i < n && error_line(json_array_get(read, i)) <= error_line(json_array_get(found, j)));
        json_array_append(all, take_read ? json_array_get(read, i++) : json_array_get(found, j++));
    }
    return all;
}

static enum kp_err apply(struct kp_req *r, struct table *t)
{
    struct kp_db *db = kp_req_db(r);
    t->found_errors = json_array();
    enum kp_err err = db && t->found_errors ? kp_db_tx(db, KP_TX_AUDITED, apply_tx, t) : KP_E_NOMEM;
    json_t *errors = err == KP_OK ? merge_errors(t->errors, t->found_errors) : NULL;
    json_decref(t->errors);
    json_decref(t->found_errors);
    if (err || !t->found || errors == NULL) {
        json_decref(t->items);
        json_decref(errors);
        return err ? err : t->found ? KP_E_NOMEM : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    if (t->refusal || t->detail[0]) {
        json_decref(t->items);
        json_decref(errors);
        return kp_reply_problem(r, KP_P_INVALID_STATE, t->refusal ? t->refusal : t->detail);
    }
    if (json_array_size(errors) > 0) {
        json_decref(t->items);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, "名额表有误，未做任何修改", errors);
    }
    json_decref(errors);
    return kp_reply_json(r, 200, json_pack("{s:o}", "items", t->items));
}

/* PUT /api/v1/batches/{id}/quotas  {"quotas":[{"recommender_id","quota"}]} */
enum kp_err kp_api_quotas_put(struct kp_req *r)
{
    struct table t = { .r = r };
    if (!kp_req_param_id(r, "id", &t.batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    json_t *quotas = json_object_get(kp_req_json(r), "quotas");
    const char *key;
    json_t *value;
    json_object_foreach(kp_req_json(r), key, value)
        if (strcmp(key, "quotas") != 0)
            kp_problem_field(errors, key, "unknown", "不认识的字段");
    if (!json_is_array(quotas))
        kp_problem_field(errors, "quotas", quotas ? "type" : "required", quotas ? "应为数组" : "必填");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    t.n = json_array_size(quotas);
    if (t.n > MAX_ROWS) {
        kp_problem_field(errors, "quotas", "too_long", "一次最多设置 2000 行");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    t.entries = calloc(t.n ? t.n : 1, sizeof *t.entries);
    if (t.entries == NULL) {
        json_decref(errors);
        return KP_E_NOMEM;
    }
    for (size_t i = 0; i < t.n; i++) {
        long long rid = 0;
        const struct kp_jfield row[] = {
            KP_JINT("recommender_id", &rid, 1, 999999999999999LL),
            KP_JINT("quota", &t.entries[i].quota, 0, 10000),
            KP_JEND,
        };
        char prefix[40];
        snprintf(prefix, sizeof prefix, "quotas.%zu.", i);
        json_t *item = json_array_get(quotas, i);
        if (!json_is_object(item)) {
            snprintf(prefix, sizeof prefix, "quotas.%zu", i);
            kp_problem_field(errors, prefix, "type", "应为对象");
            continue;
        }
        kp_json_take(item, row, prefix, false, errors);
        snprintf(t.entries[i].field, sizeof t.entries[i].field, "quotas.%zu.recommender_id", i);
        snprintf(t.entries[i].key, sizeof t.entries[i].key, "%lld", rid);
    }
    if (json_array_size(errors) > 0) {
        free(t.entries);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    t.errors = errors;
    t.items = json_array();
    enum kp_err err = apply(r, &t);
    free(t.entries);
    return err;
}

/* ---- CSV: "推荐单位,名额" lines, by name or id ---- */

struct csv {
    struct table *t;
    size_t cap;
    bool first;
};

static bool parse_quota(const char *s, long long *out)
{
    char *end;
    if (*s < '0' || *s > '9' || strlen(s) > 6)
        return false;
    *out = strtoll(s, &end, 10);
    return *end == '\0' && *out <= 10000;
}

/* A header names the quota column; anything else on the first line is data
 * (and an error if it is not a number: a typo is never skipped silently). */
static bool is_header(const char *second)
{
    return !strcmp(second, "名额") || !strcmp(second, "推荐名额") || !strcasecmp(second, "quota");
}

static enum kp_err csv_record(void *arg, unsigned line, const char *const *fields, size_t n)
{
    struct csv *c = arg;
    struct table *t = c->t;
    bool first = c->first;
    c->first = false;
    char field[40];
    snprintf(field, sizeof field, "lines.%u", line);
    long long quota;
    if (first && n == 2 && is_header(fields[1]))
        return KP_OK;                          /* 推荐单位,名额 */
    if (n != 2) {
        kp_problem_field(t->errors, field, "columns", "应为两列：推荐单位名称或编号, 名额");
        return KP_OK;
    }
    if (!parse_quota(fields[1], &quota)) {
        kp_problem_field(t->errors, field, "quota", "名额应为 0 到 10000 的整数");
        return KP_OK;
    }
    if (fields[0][0] == '\0' || strlen(fields[0]) >= sizeof t->entries[0].key) {
        kp_problem_field(t->errors, field, "recommender", "缺少推荐单位");
        return KP_OK;
    }
    if (t->n == MAX_ROWS) {
        kp_problem_field(t->errors, field, "too_long", "一次最多导入 2000 行");
        return KP_OK;
    }
    if (t->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct entry *e = realloc(t->entries, cap * sizeof *e);
        if (e == NULL)
            return KP_E_NOMEM;
        t->entries = e;
        c->cap = cap;
    }
    struct entry *e = &t->entries[t->n++];
    snprintf(e->field, sizeof e->field, "%s", field);
    snprintf(e->key, sizeof e->key, "%s", fields[0]);
    e->quota = quota;
    return KP_OK;
}

/* POST /api/v1/batches/{id}/quotas/import  (text/csv) */
enum kp_err kp_api_quotas_import(struct kp_req *r)
{
    struct table t = { .r = r, .csv = true, .errors = json_array(), .items = json_array() };
    struct csv c = { .t = &t, .first = true };
    if (t.errors == NULL || t.items == NULL) {
        json_decref(t.errors);
        json_decref(t.items);
        return KP_E_NOMEM;
    }
    if (!kp_req_param_id(r, "id", &t.batch)) {
        json_decref(t.errors);
        json_decref(t.items);
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    size_t len;
    const char *body = kp_req_body(r, &len);
    char why[160];
    enum kp_err err = kp_csv_parse(body, len, csv_record, &c, why, sizeof why);
    if (err == KP_E_INVAL)
        kp_problem_field(t.errors, "file", "csv", why);
    else if (err) {
        free(t.entries);
        json_decref(t.errors);
        json_decref(t.items);
        return err;
    }
    if (t.n == 0 && json_array_size(t.errors) == 0)
        kp_problem_field(t.errors, "file", "empty", "文件中没有名额行");
    if (err == KP_E_INVAL || t.n == 0) {          /* nothing to look up */
        free(t.entries);
        json_decref(t.items);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, "名额表有误，未做任何修改", t.errors);
    }
    err = apply(r, &t);                          /* the lines read well are looked up, whatever the others */
    free(t.entries);
    return err;
}
