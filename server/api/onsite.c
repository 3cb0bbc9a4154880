/* On-site checks (实地核查) of the applications the batch's sample drew:
 * the programme office records who visited, when, what they found, and pass
 * or fail.  A fail sets the application aside (onsite_failed); a pass keeps
 * it, or restores one failed before, in the final evaluation
 * (initial_passed).  The record may be corrected until the batch's experts
 * are assigned; each version is audited and told to the applicant and its
 * recommender.  Evidence files are attachments of kind onsite_evidence
 * (attachments.c). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "appstate.h"
#include "auth.h"
#include "notify.h"

#define INSPECTORS_MAX 10
#define INSPECTOR_NAME_MAX 50
#define FINDINGS_MAX 5000

/* The application, locked, with its batch's status and whether the sample
 * drew it; and whether visited_on ($2) is a date that has come in China
 * (where the visits are: at 07:00 in Beijing it is still yesterday at UTC). */
static const struct kp_stmt SQL_LOCK = {
    "onsite_lock",
    "SELECT a.status, b.status, EXISTS (SELECT 1 FROM onsite_samples s"
    "                                    WHERE s.batch_id = a.batch_id AND a.id = ANY (s.selected)),"
    "       a.applicant_id, a.recommender_id, a.unit_name,"
    "       $2::date <= (now() AT TIME ZONE 'Asia/Shanghai')::date,"
    "       EXISTS (SELECT 1 FROM assignments WHERE batch_id = a.batch_id)"
    "  FROM applications a JOIN batches b ON b.id = a.batch_id WHERE a.id = $1 FOR UPDATE OF a",
    2,
};

static const struct kp_stmt SQL_WRITE = {
    "onsite_write",
    "UPDATE applications SET status = $2, onsite_result = $3, onsite_inspectors = $4::jsonb,"
    "   onsite_visited_on = $5::date, onsite_findings = $6, onsite_by = $7,"
    "   onsite_by_name = (SELECT display_name FROM users WHERE id = $7), onsite_at = now(),"
    "   version = version + 1, updated_at = now()"
    " WHERE id = $1",
    7,
};

struct check {
    struct kp_req *r;
    char id[24];
    const char *result, *visited_on, *findings;
    char *inspectors;                 /* the names as a JSON array's text */
    /* outcome */
    bool found;
    const char *why;                  /* 409 invalid_state */
    char why_buf[120];
    bool future;                      /* visited_on after today: 422 */
    json_t *app;
};

static enum kp_err tell(struct kp_db *db, PGresult *row, const struct check *c)
{
    bool pass = strcmp(c->result, "pass") == 0;
    char title[600];
    snprintf(title, sizeof title, "实地核查%s：%s", pass ? "通过" : "未通过", PQgetvalue(row, 0, 5));
    json_t *data = json_pack("{s:I, s:s}", "application_id", (json_int_t)atoll(c->id), "result", c->result);
    enum kp_err err = data ? kp_notify_parties(db, PQgetvalue(row, 0, 3), PQgetvalue(row, 0, 4),
                                               "application.onsite_checked", title,
                                               c->findings[0] ? c->findings : NULL, data)
                           : KP_E_NOMEM;
    json_decref(data);
    return err;
}

static enum kp_err check_tx(struct kp_db *db, void *arg)
{
    struct check *c = arg;
    c->why = NULL;
    c->future = false;
    const char *params[] = { c->id, c->visited_on };
    PGresult *row;
    enum kp_err err = kp_db_exec(db, &SQL_LOCK, params, &row);
    if (err)
        return err;
    c->found = PQntuples(row) == 1;
    if (!c->found) {
        PQclear(row);
        return KP_OK;
    }
    const char *from = PQgetvalue(row, 0, 0);
    const char *to = kp_app_transition(from, strcmp(c->result, "pass") == 0 ? KP_APP_ONSITE_PASS : KP_APP_ONSITE_FAIL,
                                       KP_ROLE_ADMIN);
    if (strcmp(PQgetvalue(row, 0, 1), "evaluating") != 0)
        c->why = "批次不在评审阶段";
    else if (PQgetvalue(row, 0, 2)[0] != 't')
        c->why = "这份申报不在本批次的实地抽检样本中";
    else if (PQgetvalue(row, 0, 7)[0] == 't')
        c->why = "本批次已分配评审专家，实地核查结果不能再更改";
    else if (to == NULL) {
        snprintf(c->why_buf, sizeof c->why_buf, "申报当前状态为“%s”，不能记录实地核查", kp_app_status_label(from));
        c->why = c->why_buf;
    } else
        c->future = PQgetvalue(row, 0, 6)[0] != 't';
    if (c->why || c->future) {
        PQclear(row);
        return KP_OK;
    }
    char by[24];
    snprintf(by, sizeof by, "%lld", kp_req_principal(c->r)->user_id);
    const char *write[] = { c->id, to, c->result, c->inspectors, c->visited_on, c->findings, by };
    PGresult *res;
    if ((err = kp_db_exec(db, &SQL_WRITE, write, &res))) {
        PQclear(row);
        return err;
    }
    PQclear(res);
    json_t *data = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "from", from, "to", to, "result", c->result,
                             "inspectors", json_loads(c->inspectors, 0, NULL), "visited_on", c->visited_on,
                             "findings", c->findings);
    err = data ? kp_req_audit(c->r, db, "application.onsite_checked", "application", c->id, data) : KP_E_NOMEM;
    json_decref(data);
    if (err == KP_OK)
        err = tell(db, row, c);
    PQclear(row);
    if (err)
        return err;
    struct kp_appscope admin;
    kp_appscope_for(kp_req_principal(c->r), &admin);
    return kp_application_load(db, &admin, c->id, &c->app);
}

/* A calendar date written YYYY-MM-DD that exists (2024-02-29, not 2023-02-29). */
static bool valid_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || strspn(s, "0123456789-") != 10 ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1900 || m < 1 || m > 12 || d < 1)
        return false;
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* The inspectors' names, each 1..INSPECTOR_NAME_MAX characters, as a JSON
 * array's text (caller frees); errors name inspectors.N. */
static char *take_inspectors(const json_t *list, json_t *errors)
{
    json_t *names = json_array();
    for (size_t i = 0; i < json_array_size(list) && names; i++) {
        const char *name = NULL;
        json_t *wrapped = json_pack("{s:O}", "name", json_array_get(list, i));
        const struct kp_jfield spec[] = { KP_JSTRING("name", &name, 1, INSPECTOR_NAME_MAX), KP_JEND };
        json_t *mine = json_array();
        if (wrapped && mine && kp_json_take(wrapped, spec, "", false, mine) == KP_OK)
            json_array_append_new(names, json_string(name));
        for (size_t e = 0; e < json_array_size(mine); e++) {
            char path[32];
            snprintf(path, sizeof path, "inspectors.%zu", i);
            json_t *err = json_array_get(mine, e);
            kp_problem_field(errors, path, json_string_value(json_object_get(err, "code")),
                             json_string_value(json_object_get(err, "message")));
        }
        json_decref(mine);
        json_decref(wrapped);
    }
    char *text = names ? json_dumps(names, JSON_COMPACT) : NULL;
    json_decref(names);
    return text;
}

/* PUT /api/v1/applications/{id}/onsite-check
 *   {"inspectors":[names],"visited_on":"YYYY-MM-DD","findings","result":"pass"|"fail"} */
enum kp_err kp_api_onsite_check(struct kp_req *r)
{
    struct check c = { .r = r };
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(c.id, sizeof c.id, "%lld", id);
    json_t *inspectors = NULL, *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    const struct kp_jfield spec[] = {
        KP_JARRAY("inspectors", &inspectors, 1, INSPECTORS_MAX),
        KP_JSTRING("visited_on", &c.visited_on, 10, 10),
        KP_JSTRING("findings", &c.findings, 0, FINDINGS_MAX),
        KP_JSTRING("result", &c.result, 1, 8),
        KP_JEND,
    };
    kp_json_take(kp_req_json(r), spec, "", false, errors);
    if (inspectors)
        c.inspectors = take_inspectors(inspectors, errors);
    if (c.visited_on && !valid_date(c.visited_on))
        kp_problem_field(errors, "visited_on", "format", "日期应为 YYYY-MM-DD");
    if (c.result && strcmp(c.result, "pass") != 0 && strcmp(c.result, "fail") != 0)
        kp_problem_field(errors, "result", "enum", "应为 pass 或 fail");
    if (c.result && c.findings && strcmp(c.result, "fail") == 0 &&
        strspn(c.findings, " \t\r\n") == strlen(c.findings))
        kp_problem_field(errors, "findings", "required", "核查不通过须写明发现的问题");
    if (json_array_size(errors) > 0) {
        free(c.inspectors);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    json_decref(errors);
    if (c.inspectors == NULL)
        return KP_E_NOMEM;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, check_tx, &c) : KP_E_NOMEM;
    free(c.inspectors);
    if (err == KP_OK && !c.found)
        err = kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    else if (err == KP_OK && c.why)
        err = kp_reply_problem(r, KP_P_INVALID_STATE, c.why);
    else if (err == KP_OK && c.future) {
        json_t *late = json_array();
        kp_problem_field(late, "visited_on", "range", "核查日期不能晚于今天");
        err = late ? kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, late) : KP_E_NOMEM;
    }
    else if (err == KP_OK && c.app == NULL)
        err = KP_E_NOMEM;
    else if (err == KP_OK) {
        json_t *app = c.app;
        c.app = NULL;
        err = kp_reply_application(r, app);
    }
    json_decref(c.app);
    return err;
}
