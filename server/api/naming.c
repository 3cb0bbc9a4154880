/* Naming (认定命名): once the public notice's window is over and every
 * objection has its finding, the admin names the batch.  Every proposed
 * application on the notice becomes named and gets a base, in the notice's
 * row order, with the next certificate numbers of its term start year
 * (lib/domain/certificate.h) and its certificate signed with the server's
 * key; the batch closes.  All of it is one transaction, in a number of
 * statements that does not grow with the batch: the real first batch named
 * 1,274 at once (tests/bench/naming.sh).
 *
 * Two namings of the same term at once take their numbers from the same
 * counter row, one after the other (the second waits for the first's
 * commit and is run again by kp_db_tx on the new count), so the numbers
 * stay consecutive and never collide. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "appstate.h"
#include "audit.h"
#include "auth.h"
#include "certificate.h"
#include "keys.h"
#include "validate.h"

#define DECISION_NO_MAX 100

/* The batch, locked, with what decides whether it may be named: its
 * notice, whether the window is still open (the database clock), the
 * objections without a finding, proposed applications the notice does not
 * list (never publicised: not to be named), and whether named_on ($2) has
 * come in China. */
static const struct kp_stmt SQL_STATE = {
    "naming_state",
    "SELECT b.status, b.term_start_year, b.term_end_year, n.id,"
    "       to_char(n.ends_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), n.ends_at > now(),"
    "       (SELECT count(*) FROM objections o WHERE o.notice_id = n.id AND o.status = 'received'),"
    "       (SELECT count(*) FROM applications a WHERE a.batch_id = b.id AND a.status = 'proposed'"
    "           AND NOT EXISTS (SELECT 1 FROM notice_rows r"
    "                            WHERE r.notice_id = n.id AND r.application_id = a.id)),"
    "       $2::date <= (now() AT TIME ZONE 'Asia/Shanghai')::date"
    "  FROM batches b LEFT JOIN notices n ON n.batch_id = b.id WHERE b.id = $1 FOR UPDATE OF b",
    2,
};
enum { S_STATUS, S_START, S_END, S_NOTICE, S_ENDS_AT, S_OPEN, S_RECEIVED, S_UNLISTED, S_DATE_OK };

/* The proposed applications in the notice's row order, locked. */
static const struct kp_stmt SQL_CANDIDATES = {
    "naming_candidates",
    "SELECT a.id, a.base_name, a.unit_name, a.category, a.region_name"
    "  FROM notice_rows r JOIN applications a ON a.id = r.application_id"
    " WHERE r.notice_id = $1 AND a.status = 'proposed'"
    " ORDER BY r.no FOR UPDATE OF a",
    1,
};
enum { C_ID, C_BASE, C_UNIT, C_CATEGORY, C_REGION };

/* Takes $2 numbers of term start year $1 in one statement: the last number
 * given before them, or no row when they would pass $3. */
static const struct kp_stmt SQL_TAKE_NUMBERS = {
    "naming_take_numbers",
    "INSERT INTO certificate_counters AS c (term_start_year, last_no) VALUES ($1, $2)"
    " ON CONFLICT (term_start_year) DO UPDATE SET last_no = c.last_no + EXCLUDED.last_no"
    "  WHERE c.last_no + EXCLUDED.last_no <= $3"
    " RETURNING last_no - $2",
    3,
};

/* The bases from $1 ([{"application_id","certificate_no","payload_canonical",
 * "signature"}]) and the applications they name, in one statement. */
static const struct kp_stmt SQL_NAME = {
    "naming_name",
    "WITH x AS (SELECT * FROM json_to_recordset($1::json)"
    "             AS x(application_id bigint, certificate_no text, payload_canonical text, signature text)),"
    " made AS (INSERT INTO bases (certificate_no, batch_id, application_id, applicant_id, name, unit_name,"
    "                             credit_code, region_code, category, recommender_id, term_start_year,"
    "                             term_end_year, named_on, decision_no, payload_canonical, signature, key_id)"
    "          SELECT x.certificate_no, a.batch_id, a.id, a.applicant_id, a.base_name, a.unit_name,"
    "                 a.credit_code, a.region_code, a.category, a.recommender_id, $2::int, $3::int, $4::date,"
    "                 $5::text, x.payload_canonical, x.signature, $6::text"
    "            FROM x JOIN applications a ON a.id = x.application_id ORDER BY x.certificate_no"
    "          RETURNING id, application_id, certificate_no)"
    " UPDATE applications a SET status = $7::text, version = a.version + 1, updated_at = now()"
    "   FROM made WHERE a.id = made.application_id"
    " RETURNING made.application_id, made.id, made.certificate_no",
    7,
};

/* Each named unit's users hear of their base; each recommender once, of
 * how many of its units were named. */
static const struct kp_stmt SQL_TELL = {
    "naming_tell",
    "INSERT INTO notifications (user_id, kind, title, body, data)"
    " SELECT u.id, 'application.named', '认定命名：' || b.name, '证书编号 ' || b.certificate_no,"
    "        json_build_object('application_id', b.application_id, 'base_id', b.id,"
    "                          'certificate_no', b.certificate_no)"
    "   FROM bases b JOIN users u ON u.role = 'applicant' AND u.org_id = b.applicant_id AND NOT u.disabled"
    "  WHERE b.batch_id = $1"
    " UNION ALL"
    " SELECT u.id, 'batch.named', '认定命名：贵单位推荐的 ' || count(*) || ' 个基地已命名', $2,"
    "        json_build_object('batch_id', $1::bigint, 'named', count(*))"
    "   FROM bases b JOIN recommenders r ON r.id = b.recommender_id"
    "   JOIN users u ON u.id = r.user_id AND NOT u.disabled"
    "  WHERE b.batch_id = $1 GROUP BY u.id",
    2,
};

static const struct kp_stmt SQL_CLOSE = {
    "naming_close", "UPDATE batches SET status = 'closed' WHERE id = $1", 1,
};

struct naming {
    struct kp_req *r;
    char batch[24];
    const char *named_on, *decision_no;
    const struct kp_signing_key *key;
    /* outcome */
    bool found, future;
    const char *why;                  /* 409 invalid_state */
    char why_buf[160];
    long long named;
    json_t *bases;
};

/* Why the batch cannot be named now (NULL: it can). */
static const char *refusal(struct naming *m, PGresult *st)
{
    const char *status = PQgetvalue(st, 0, S_STATUS);
    if (strcmp(status, "closed") == 0)
        return "本批次已认定命名";
    if (strcmp(status, "publicity") != 0 || PQgetisnull(st, 0, S_NOTICE))
        return "批次不在公示阶段，不能认定命名";
    if (PQgetvalue(st, 0, S_OPEN)[0] == 't') {
        snprintf(m->why_buf, sizeof m->why_buf, "公示期至 %s（北京时间）结束，结束后才能认定命名",
                 PQgetvalue(st, 0, S_ENDS_AT));
        return m->why_buf;
    }
    if (atoll(PQgetvalue(st, 0, S_RECEIVED)) > 0) {
        snprintf(m->why_buf, sizeof m->why_buf, "尚有 %s 件异议未作出处理结论", PQgetvalue(st, 0, S_RECEIVED));
        return m->why_buf;
    }
    if (atoll(PQgetvalue(st, 0, S_UNLISTED)) > 0) {
        snprintf(m->why_buf, sizeof m->why_buf, "有 %s 份拟认定申报不在公示名单中", PQgetvalue(st, 0, S_UNLISTED));
        return m->why_buf;
    }
    return NULL;
}

/* Numbers, payloads and signatures of the candidates, as SQL_NAME's $1
 * (caller frees); NULL when out of memory. */
static char *certificates(const struct naming *m, PGresult *cands, int year, int end, int first)
{
    json_t *rows = json_array();
    for (int i = 0; i < PQntuples(cands) && rows; i++) {
        char no[KP_CERT_NO_LEN];
        bool numbered = kp_cert_no_format(year, first + i, no);
        const struct kp_cert_facts facts = {
            .base = PQgetvalue(cands, i, C_BASE), .unit = PQgetvalue(cands, i, C_UNIT),
            .category = PQgetvalue(cands, i, C_CATEGORY), .region = PQgetvalue(cands, i, C_REGION),
            .certificate_no = no, .named_on = m->named_on, .term_start_year = year, .term_end_year = end,
        };
        size_t len;
        char *payload = numbered ? kp_cert_payload(&facts, &len) : NULL;
        char sig[KP_SIG_TEXT_LEN];
        if (payload != NULL)
            kp_sign(m->key, payload, len, sig);
        if (payload == NULL ||
            json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s}", "application_id",
                                                  (json_int_t)atoll(PQgetvalue(cands, i, C_ID)), "certificate_no", no,
                                                  "payload_canonical", payload, "signature", sig)) != 0) {
            json_decref(rows);
            rows = NULL;
        }
        free(payload);
    }
    char *text = rows ? json_dumps(rows, JSON_COMPACT) : NULL;
    json_decref(rows);
    return text;
}

/* The audit rows of the named applications: one each, in one go. */
static enum kp_err audit_named(struct naming *m, struct kp_db *db, PGresult *named)
{
    size_t n = (size_t)PQntuples(named);
    const char **ids = calloc(n ? n : 1, sizeof *ids);
    json_t **data = calloc(n ? n : 1, sizeof *data);
    enum kp_err err = ids && data ? KP_OK : KP_E_NOMEM;
    for (size_t i = 0; i < n && err == KP_OK; i++) {
        ids[i] = PQgetvalue(named, (int)i, 0);
        data[i] = json_pack("{s:s, s:s, s:I, s:s}", "from", "proposed", "to", "named", "base_id",
                            (json_int_t)atoll(PQgetvalue(named, (int)i, 1)), "certificate_no",
                            PQgetvalue(named, (int)i, 2));
        if (data[i] == NULL)
            err = KP_E_NOMEM;
    }
    if (err == KP_OK) {
        struct kp_actor actor;
        char ip[64];
        kp_req_actor(m->r, &actor, ip);
        err = kp_audit_append_many(db, &actor, "application.named", "application", ids,
                                   (const json_t *const *)data, n);
    }
    for (size_t i = 0; data && i < n; i++)
        json_decref(data[i]);
    free(ids);
    free(data);
    return err;
}

/* Numbers the candidates, signs and stores their certificates, names the
 * applications and audits each; m->named is how many. */
static enum kp_err name_all(struct naming *m, struct kp_db *db, PGresult *st, PGresult *cands)
{
    int year = atoi(PQgetvalue(st, 0, S_START)), end = atoi(PQgetvalue(st, 0, S_END));
    long long n = PQntuples(cands);
    int first;
    if (!kp_cert_range(0, n, &first)) {
        m->why = "本届期的证书编号不够用";
        return KP_OK;
    }
    char count[24], max[24];
    snprintf(count, sizeof count, "%lld", n);
    snprintf(max, sizeof max, "%d", KP_CERT_SEQ_MAX);
    const char *take[] = { PQgetvalue(st, 0, S_START), count, max };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_TAKE_NUMBERS, take, &res);
    if (err)
        return err;
    bool taken = PQntuples(res) == 1 && kp_cert_range(atoi(PQgetvalue(res, 0, 0)), n, &first);
    PQclear(res);
    if (!taken) {
        m->why = "本届期的证书编号不够用";
        return KP_OK;
    }
    char *rows = certificates(m, cands, year, end, first);
    if (rows == NULL)
        return KP_E_NOMEM;
    const char *to = kp_app_transition("proposed", KP_APP_NAME, KP_ROLE_ADMIN);
    const char *params[] = { rows, PQgetvalue(st, 0, S_START), PQgetvalue(st, 0, S_END), m->named_on,
                             m->decision_no, m->key->pub.id, to };
    err = kp_db_exec(db, &SQL_NAME, params, &res);
    free(rows);
    if (err)
        return err;
    m->named = PQntuples(res);
    err = m->named == n ? audit_named(m, db, res) : KP_E_INVAL;   /* every candidate was locked */
    PQclear(res);
    return err;
}

static enum kp_err naming_tx(struct kp_db *db, void *arg)
{
    struct naming *m = arg;
    m->why = NULL;
    m->named = 0;
    const char *params[] = { m->batch, m->named_on };
    PGresult *st;
    enum kp_err err = kp_db_exec(db, &SQL_STATE, params, &st);
    if (err)
        return err;
    m->found = PQntuples(st) == 1;
    m->why = m->found ? refusal(m, st) : NULL;
    m->future = m->found && !m->why && PQgetvalue(st, 0, S_DATE_OK)[0] != 't';
    if (!m->found || m->why || m->future) {
        PQclear(st);
        return KP_OK;
    }
    const char *notice[] = { PQgetvalue(st, 0, S_NOTICE) };
    PGresult *cands = NULL;
    err = kp_keys_record(db, &kp_req_server(m->r)->keys);   /* the key the certificates name */
    if (err == KP_OK)
        err = kp_db_exec(db, &SQL_CANDIDATES, notice, &cands);
    if (err == KP_OK && PQntuples(cands) > 0)
        err = name_all(m, db, st, cands);
    PQclear(cands);
    PQclear(st);
    if (err || m->why)
        return err;
    const char *batch[] = { m->batch };
    PGresult *res;
    if ((err = kp_db_exec(db, &SQL_CLOSE, batch, &res)))
        return err;
    PQclear(res);
    json_t *data = json_pack("{s:s, s:s, s:I, s:s, s:s?}", "from", "publicity", "to", "closed", "named",
                             (json_int_t)m->named, "named_on", m->named_on, "decision_no", m->decision_no);
    err = data ? kp_req_audit(m->r, db, "batch.named", "batch", m->batch, data) : KP_E_NOMEM;
    json_decref(data);
    const char *tell[] = { m->batch, m->decision_no ? m->decision_no : "" };
    if (err == KP_OK && (err = kp_db_exec(db, &SQL_TELL, tell, &res)) == KP_OK)
        PQclear(res);
    return err ? err : kp_bases_of_batch(db, m->batch, &m->bases);
}

/* POST /api/v1/batches/{id}/naming {"named_on","decision_no"?} */
enum kp_err kp_api_naming(struct kp_req *r)
{
    const struct kp_keyring *keys = &kp_req_server(r)->keys;
    if (!keys->can_sign)
        return kp_reply_problem(r, KP_P_UNAVAILABLE, "未配置签名密钥（crypto.signing_key），无法签发证书和认定命名");
    struct naming m = { .r = r, .key = &keys->signer };
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(m.batch, sizeof m.batch, "%lld", id);
    const struct kp_jfield spec[] = {
        KP_JSTRING("named_on", &m.named_on, 1, 10),
        KP_JOPTIONAL("decision_no", KP_J_STRING, &m.decision_no, 1, DECISION_NO_MAX, NULL),
        KP_JEND,
    };
    if (!kp_req_take(r, spec))
        return KP_OK;
    if (!kp_valid_date(m.named_on)) {
        json_t *errors = json_array();
        kp_problem_field(errors, "named_on", "format", "应为 YYYY-MM-DD 格式的日期");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, naming_tx, &m) : KP_E_NOMEM;
    if (err || !m.found || m.why || m.future)
        json_decref(m.bases);                     /* an earlier attempt's */
    if (err)
        return err;
    if (!m.found)
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    if (m.why)
        return kp_reply_problem(r, KP_P_INVALID_STATE, m.why);
    if (m.future) {
        json_t *errors = json_array();
        kp_problem_field(errors, "named_on", "range", "命名日期不能晚于今天");
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    return kp_reply_json(r, 200, json_pack("{s:I, s:o}", "named", (json_int_t)m.named, "bases",
                                           m.bases ? m.bases : json_array()));
}
