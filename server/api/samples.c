/* The on-site spot-check sample (实地抽检) of a batch in evaluation: drawn
 * once, with kpjd-sample-v1 (lib/domain/sample.h), from the batch's
 * initial_passed applications but the fast-tracked (term.c), once every
 * recommended one has its initial review.  The row keeps the rate, the seed and the strata, so that anyone
 * holding them and the candidate list can draw it again (`kpjdd sample`).
 * Two admins drawing at once: the batch row's lock makes one wait, and it
 * then finds the sample drawn (409). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "auth.h"
#include "buf.h"
#include "notify.h"
#include "sample.h"
#include "views.h"

#define SAMPLE_COLUMNS                                                                    \
    "s.rate, s.seed, s.stratify_by, s.algorithm, s.candidates, array_to_json(s.selected)," \
    " " KP_TIME("s.created_at")

static const struct kp_stmt SQL_GET = {
    "samples_get", "SELECT " SAMPLE_COLUMNS " FROM onsite_samples s WHERE s.batch_id = $1", 1,
};

/* The batch, locked: its status, whether it has a sample, how many
 * recommended applications still wait for their initial review. */
static const struct kp_stmt SQL_BATCH = {
    "samples_batch",
    "SELECT b.status, EXISTS (SELECT 1 FROM onsite_samples WHERE batch_id = b.id),"
    "       (SELECT count(*) FROM applications WHERE batch_id = b.id AND status = 'recommended')"
    "  FROM batches b WHERE b.id = $1 FOR UPDATE",
    1,
};

/* The candidates and their strata (region name, category). */
static const struct kp_stmt SQL_CANDIDATES = {
    "samples_candidates",
    "SELECT id, region_name, coalesce(category, '') FROM applications"
    " WHERE batch_id = $1 AND status = 'initial_passed' AND fast_track IS NULL ORDER BY id",
    1,
};

static const struct kp_stmt SQL_INSERT = {
    "samples_insert",
    "INSERT INTO onsite_samples (batch_id, algorithm, rate, seed, stratify_by, candidates, selected, drawn_by)"
    " VALUES ($1, '" KP_SAMPLE_ALGORITHM "', $2, $3, $4, $5, $6::bigint[], $7)",
    7,
};

/* The drawn applications, to tell their applicants and recommenders. */
static const struct kp_stmt SQL_DRAWN = {
    "samples_drawn",
    "SELECT id, applicant_id, recommender_id, unit_name FROM applications WHERE id = ANY ($1::bigint[]) ORDER BY id",
    1,
};

struct draw {
    struct kp_req *r;
    char batch[24];
    struct kp_sample_rate rate;
    char rate_text[24];
    uint8_t seed[KP_SAMPLE_SEED_LEN];
    enum kp_sample_stratify strata;
    /* outcome */
    bool found;
    const char *why;                 /* refused: 409 invalid_state */
    char why_buf[120];
};

/* The rate as the decimal it is: "0.3", "0.05", "1". */
static void rate_text(const struct kp_sample_rate *rate, char out[24])
{
    if (rate->num == rate->den) {
        snprintf(out, 24, "1");
        return;
    }
    int digits = 0;
    for (uint64_t d = rate->den; d > 1; d /= 10)
        digits++;
    snprintf(out, 24, "0.%0*llu", digits, (unsigned long long)rate->num);
}

static enum kp_err tell(struct kp_db *db, const char *ids)
{
    const char *params[] = { ids };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_DRAWN, params, &res);
    if (err)
        return err;
    for (int i = 0; i < PQntuples(res) && err == KP_OK; i++) {
        char title[600];
        snprintf(title, sizeof title, "入选实地抽检：%s", PQgetvalue(res, i, 3));
        json_t *data = json_pack("{s:I}", "application_id", (json_int_t)atoll(PQgetvalue(res, i, 0)));
        err = data ? kp_notify_parties(db, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), "application.onsite_sampled",
                                       title, "评审办公室将安排实地核查，请保持联系畅通", data)
                   : KP_E_NOMEM;
        json_decref(data);
    }
    PQclear(res);
    return err;
}

/* Draws from the candidates in `res` and records the sample: its row, its
 * audit row, the notices. */
static enum kp_err record(struct kp_db *db, struct draw *d, PGresult *res)
{
    size_t n = (size_t)PQntuples(res);
    struct kp_sample_candidate *c = calloc(n ? n : 1, sizeof *c);
    int64_t *selected = calloc(n ? n : 1, sizeof *selected);
    size_t picked = 0;
    enum kp_err err = c && selected ? KP_OK : KP_E_NOMEM;
    for (size_t i = 0; i < n && err == KP_OK; i++) {
        c[i].id = atoll(PQgetvalue(res, (int)i, 0));
        c[i].stratum = d->strata == KP_SAMPLE_REGION     ? PQgetvalue(res, (int)i, 1)
                       : d->strata == KP_SAMPLE_CATEGORY ? PQgetvalue(res, (int)i, 2)
                                                         : NULL;
    }
    if (err == KP_OK)
        err = kp_sample_draw(d->seed, &d->rate, c, n, selected, &picked, NULL);
    struct kp_buf ids = { 0 };
    kp_buf_append(&ids, "{", 1);
    for (size_t i = 0; i < picked; i++)
        kp_buf_printf(&ids, "%s%lld", i ? "," : "", (long long)selected[i]);
    kp_buf_append(&ids, "}", 1);
    json_t *chosen = json_array();
    for (size_t i = 0; i < picked && chosen; i++)
        json_array_append_new(chosen, json_integer(selected[i]));
    free(c);
    free(selected);
    if (err == KP_OK && (ids.failed || chosen == NULL))
        err = KP_E_NOMEM;
    char seed[KP_SAMPLE_SEED_HEX + 1], count[24], by[24];
    kp_sample_seed_hex(d->seed, seed);
    snprintf(count, sizeof count, "%zu", n);
    snprintf(by, sizeof by, "%lld", kp_req_principal(d->r)->user_id);
    const char *params[] = { d->batch, d->rate_text, seed, kp_sample_stratify_name(d->strata), count,
                             ids.data, by };
    PGresult *ins = NULL;
    if (err == KP_OK)
        err = kp_db_exec(db, &SQL_INSERT, params, &ins);
    PQclear(ins);
    json_t *data = NULL;
    if (err == KP_OK) {
        data = json_pack("{s:s, s:s, s:s, s:s, s:I, s:O}", "algorithm", KP_SAMPLE_ALGORITHM, "rate", d->rate_text,
                         "seed", seed, "stratify_by", kp_sample_stratify_name(d->strata),
                         "candidates", (json_int_t)n, "selected", chosen);
        err = data ? kp_req_audit(d->r, db, "batch.onsite_sample_drawn", "batch", d->batch, data) : KP_E_NOMEM;
    }
    if (err == KP_OK)
        err = tell(db, ids.data);
    json_decref(data);
    json_decref(chosen);
    kp_buf_free(&ids);
    return err;
}

static enum kp_err draw_tx(struct kp_db *db, void *arg)
{
    struct draw *d = arg;
    d->why = NULL;
    const char *params[] = { d->batch };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_BATCH, params, &res);
    if (err)
        return err;
    d->found = PQntuples(res) == 1;
    if (d->found) {
        long long waiting = atoll(PQgetvalue(res, 0, 2));
        if (strcmp(PQgetvalue(res, 0, 0), "evaluating") != 0)
            d->why = "批次不在评审阶段";
        else if (PQgetvalue(res, 0, 1)[0] == 't')
            d->why = "本批次已抽取实地抽检样本，每批只抽一次";
        else if (waiting > 0) {
            snprintf(d->why_buf, sizeof d->why_buf, "尚有 %lld 份已推荐的申报未完成初评", waiting);
            d->why = d->why_buf;
        }
    }
    PQclear(res);
    if (!d->found || d->why)
        return KP_OK;
    if ((err = kp_db_exec(db, &SQL_CANDIDATES, params, &res)))
        return err;
    if ((size_t)PQntuples(res) > KP_SAMPLE_MAX) {
        d->why = "候选申报超过十万份，无法抽取";
        PQclear(res);
        return KP_OK;
    }
    err = record(db, d, res);
    PQclear(res);
    return err;
}

/* {"rate","seed","stratify_by","algorithm","candidates","selected","created_at"} */
static json_t *sample_json(PGresult *res)
{
    json_t *selected = json_loads(PQgetvalue(res, 0, 5), 0, NULL);
    json_t *rate = json_loads(PQgetvalue(res, 0, 0), JSON_DECODE_ANY, NULL);
    if (selected == NULL || rate == NULL) {
        json_decref(selected);
        json_decref(rate);
        return NULL;
    }
    return json_pack("{s:o, s:s, s:s, s:s, s:I, s:o, s:s}", "rate", rate, "seed", PQgetvalue(res, 0, 1),
                     "stratify_by", PQgetvalue(res, 0, 2), "algorithm", PQgetvalue(res, 0, 3),
                     "candidates", (json_int_t)atoll(PQgetvalue(res, 0, 4)), "selected", selected,
                     "created_at", PQgetvalue(res, 0, 6));
}

static enum kp_err reply_sample(struct kp_req *r, struct kp_db *db, const char *batch, unsigned status)
{
    const char *params[] = { batch };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_GET, params, &res);
    if (err)
        return err;
    json_t *body = PQntuples(res) == 1 ? sample_json(res) : NULL;
    bool none = PQntuples(res) == 0;
    PQclear(res);
    if (none)
        return kp_reply_problem(r, KP_P_NOT_FOUND, "本批次尚未抽取实地抽检样本");
    return body ? kp_reply_json(r, status, body) : KP_E_NOMEM;
}

/* POST /api/v1/batches/{id}/onsite-sample  {"rate","seed"?,"stratify_by"?} */
enum kp_err kp_api_onsite_sample_draw(struct kp_req *r)
{
    long long batch;
    if (!kp_req_param_id(r, "id", &batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    struct draw d = { .r = r, .strata = KP_SAMPLE_NONE };
    snprintf(d.batch, sizeof d.batch, "%lld", batch);
    double rate = -1;                /* taken only within [0, 1] */
    const char *seed = NULL, *strata = NULL;
    const struct kp_jfield spec[] = {
        KP_JNUMBER("rate", &rate, 0, 1),
        KP_JOPTIONAL("seed", KP_J_STRING, &seed, KP_SAMPLE_SEED_HEX, KP_SAMPLE_SEED_HEX, NULL),
        KP_JOPTIONAL("stratify_by", KP_J_STRING, &strata, 1, 16, NULL),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    char text[KP_JSON_NUMBER_TEXT];
    if (rate >= 0 && !(kp_json_number_text(rate, text) && kp_sample_rate_parse(text, &d.rate)))
        kp_problem_field(errors, "rate", "range", "抽检比例应大于 0、不超过 1，至多 9 位小数");
    if (seed && !kp_sample_seed_parse(seed, d.seed))
        kp_problem_field(errors, "seed", "format", "种子应为 64 位十六进制字符");
    if (strata && !kp_sample_stratify_parse(strata, &d.strata))
        kp_problem_field(errors, "stratify_by", "enum", "应为 none、region 或 category");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    if (seed == NULL)
        randombytes_buf(d.seed, sizeof d.seed);
    rate_text(&d.rate, d.rate_text);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, draw_tx, &d) : KP_E_NOMEM;
    if (err)
        return err;
    if (!d.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (d.why)
        return kp_reply_problem(r, KP_P_INVALID_STATE, d.why);
    return reply_sample(r, db, d.batch, 201);
}

/* GET /api/v1/batches/{id}/onsite-sample */
enum kp_err kp_api_onsite_sample_get(struct kp_req *r)
{
    long long batch;
    if (!kp_req_param_id(r, "id", &batch))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    char id[24];
    snprintf(id, sizeof id, "%lld", batch);
    struct kp_db *db = kp_req_db(r);
    return db ? reply_sample(r, db, id, 200) : KP_E_NOMEM;
}
