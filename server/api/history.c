/* An application's history (GET /applications/{id}/history): its moves as
 * the audit trail recorded them — submitted, returned with the reason,
 * recommended with the opinion, withdrawn with the reason, reviewed,
 * named... — oldest first, paged like every list.  Readers are those of
 * GET /applications/{id} (KP_APPSCOPE_OF); anyone else gets 404.
 *
 * What an item shows is chosen here, not copied from the audit row: the
 * time, the action, the actor's role, the actor's organisation when it is
 * a unit or a recommender (never a person, an expert or an address), and
 * the reason, opinion, comments or result the move was made with — what
 * the parties were told in their notices anyway.  Edits of the form
 * (application.updated) are left out: they are not moves. */

#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "auditlabel.h"
#include "list.h"
#include "views.h"

/* The moves shown, by their audit action. */
#define HISTORY_ACTIONS                                                                   \
    "'application.submitted', 'application.returned', 'application.declined',"          \
    " 'application.recommended', 'application.recommendation_withdrawn',"               \
    " 'application.expired', 'application.initial_reviewed', 'application.onsite_checked'," \
    " 'application.fast_tracked', 'application.carried_over', 'application.proposed',"  \
    " 'application.final_rejected', 'application.withdrawn_after_objection', 'application.named'"

/* The application in the caller's scope joined to one page of its moves:
 * no row when it is not visible, one row of NULLs when it has no move
 * after the cursor.  $1 role, $2 organisation, $3 the application, $4 the
 * audit id to start after, $5 the row limit.  audit_log_entity
 * (entity, entity_id, id) serves the page in order. */
static const struct kp_stmt SQL_PAGE = {
    "history_page",
    "SELECT l.id, " KP_TIME("l.at") ", l.action, l.actor_role,"
    "       CASE l.actor_role"
    "         WHEN 'applicant' THEN (SELECT n.name FROM users u JOIN applicant_units n ON n.id = u.org_id"
    "                                 WHERE u.id = l.actor_id)"
    "         WHEN 'recommender' THEN (SELECT n.name FROM recommenders n WHERE n.user_id = l.actor_id) END,"
    "       l.data->>'reason', l.data->>'opinion', l.data->>'comments', l.data->>'result'"
    "  FROM applications a LEFT JOIN LATERAL ("
    "       SELECT * FROM audit_log l"
    "        WHERE l.entity = 'application' AND l.entity_id = a.id::text AND l.id > $4::bigint"
    "          AND l.action IN (" HISTORY_ACTIONS ")"
    "        ORDER BY l.id LIMIT $5::bigint) l ON true"
    " WHERE a.id = $3::bigint AND " KP_APPSCOPE_OF("$1::text", "$2::bigint") " ORDER BY l.id",
    5,
};

enum { H_ID, H_AT, H_ACTION, H_ROLE, H_NAME, H_REASON, H_OPINION, H_COMMENTS, H_RESULT };

static void put(json_t *item, const char *key, PGresult *res, int row, int col)
{
    if (!PQgetisnull(res, row, col))
        json_object_set_new(item, key, json_string(PQgetvalue(res, row, col)));
}

/* {"at","action","action_label","actor_role", and what the move carried}; the audit id
 * stays in the cursor. */
static json_t *item(PGresult *res, int row)
{
    const char *action = PQgetvalue(res, row, H_ACTION), *label = kp_audit_action_label(action);
    json_t *it = json_pack("{s:s, s:s, s:s}", "at", PQgetvalue(res, row, H_AT), "action", action,
                           "actor_role", PQgetvalue(res, row, H_ROLE));
    if (it == NULL)
        return NULL;
    if (label != NULL)       /* the audit log's own Chinese name: one table for both */
        json_object_set_new(it, "action_label", json_string(label));
    put(it, "actor_name", res, row, H_NAME);
    put(it, "reason", res, row, H_REASON);
    put(it, "opinion", res, row, H_OPINION);
    put(it, "comments", res, row, H_COMMENTS);
    put(it, "result", res, row, H_RESULT);
    return it;
}

struct history {
    struct kp_appscope scope;
    char id[24];
};

static enum kp_err fetch(struct kp_db *db, struct kp_list *l)
{
    const struct history *x = l->arg;
    const char *params[] = { x->scope.role, x->scope.org, x->id, l->after, l->limit };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_PAGE, params, &res);
    if (err)
        return err;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return KP_E_NOT_FOUND;
    }
    if (PQgetisnull(res, 0, H_ID)) {          /* visible, nothing (more) to show */
        PQclear(res);
        json_array_clear(l->items);
        l->more = false;
        return KP_OK;
    }
    kp_list_take(l, res, item);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/applications/{id}/history?limit&cursor */
enum kp_err kp_api_applications_history(struct kp_req *r)
{
    struct history x;
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(x.id, sizeof x.id, "%lld", id);
    kp_appscope_for(kp_req_principal(r), &x.scope);
    return kp_list_reply(r, json_array(), 0, KP_LIST_ONE_READ, fetch, &x);
}
