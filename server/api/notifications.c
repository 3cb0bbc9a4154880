/* Notifications: each user reads and marks only their own (the admin too);
 * someone else's is 404. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "list.h"

#define AT_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"

static const struct kp_stmt SQL_LIST = {
    "notifications_list",
    "SELECT id, kind, title, body, data::text,"
    "       to_char(created_at AT TIME ZONE 'UTC', " AT_FORMAT "),"
    "       to_char(read_at AT TIME ZONE 'UTC', " AT_FORMAT ")"
    "  FROM notifications"
    " WHERE ($1::boolean OR user_id = $2::bigint) AND id < $3"
    "   AND (NOT $4::boolean OR read_at IS NULL)"
    " ORDER BY id DESC LIMIT $5",
    5,
};

static const struct kp_stmt SQL_READ = {
    "notifications_read",
    "UPDATE notifications SET read_at = coalesce(read_at, now())"
    " WHERE id = $3 AND ($1::boolean OR user_id = $2::bigint)",
    3,
};

struct filters {
    struct kp_rowscope scope;
    bool unread;
};

static json_t *row_json(PGresult *res, int i)
{
    json_t *data = json_loads(PQgetvalue(res, i, 4), 0, NULL);
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:o}",
        "id", (json_int_t)atoll(PQgetvalue(res, i, 0)), "kind", PQgetvalue(res, i, 1),
        "title", PQgetvalue(res, i, 2), "body", PQgetvalue(res, i, 3),
        "data", data ? data : json_object(), "created_at", PQgetvalue(res, i, 5),
        "read_at", PQgetisnull(res, i, 6) ? json_null() : json_string(PQgetvalue(res, i, 6)));
}

static enum kp_err fetch(struct kp_db *db, struct kp_list *l)
{
    const struct filters *f = l->arg;
    const char *params[] = { f->scope.all, f->scope.owner, l->after, f->unread ? "true" : "false",
                             l->limit };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_LIST, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, row_json);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/notifications?unread&limit&cursor */
enum kp_err kp_api_notifications_list(struct kp_req *r)
{
    struct filters f;
    const struct kp_principal *who = kp_req_principal(r);
    kp_rowscope_own_user(who, &f.scope);
    json_t *errors = json_array();
    const char *unread = kp_req_query(r, "unread");
    if (unread != NULL && strcmp(unread, "true") != 0 && strcmp(unread, "false") != 0)
        kp_problem_field(errors, "unread", "type", "应为 true 或 false");
    f.unread = unread != NULL && strcmp(unread, "true") == 0;
    return kp_list_reply(r, errors, LLONG_MAX, KP_TX_READ_ONLY, fetch, &f);
}

struct mark {
    struct kp_rowscope scope;
    char id[24];
    bool found;
};

static enum kp_err read_tx(struct kp_db *db, void *arg)
{
    struct mark *m = arg;
    const char *params[] = { m->scope.all, m->scope.owner, m->id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_READ, params, &res);
    if (err)
        return err;
    m->found = atoi(PQcmdTuples(res)) == 1;
    PQclear(res);
    return KP_OK;
}

/* POST /api/v1/notifications/{id}/read */
enum kp_err kp_api_notifications_read(struct kp_req *r)
{
    struct mark m = { .found = false };
    long long id;
    if (!kp_req_param_id(r, "id", &id))          /* digits that fit a bigint, or no such thing */
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(m.id, sizeof m.id, "%lld", id);
    kp_rowscope_own_user(kp_req_principal(r), &m.scope);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, 0, read_tx, &m) : KP_E_NOMEM;
    if (err)
        return err;
    return m.found ? kp_reply_empty(r, 204) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
}

/* The caller's unread notifications, counted on the partial index of them
 * (migrations/0024_workbench.sql). */
static const struct kp_stmt SQL_UNREAD = {
    "notifications_unread",
    "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    1,
};

/* GET /api/v1/notifications/unread-count → {"unread"} */
enum kp_err kp_api_notifications_unread(struct kp_req *r)
{
    char user[24];
    snprintf(user, sizeof user, "%lld", kp_req_principal(r)->user_id);
    const char *params[] = { user };
    struct kp_db *db = kp_req_db(r);
    PGresult *res;
    enum kp_err err = db ? kp_db_read(db, &SQL_UNREAD, params, &res) : KP_E_NOMEM;
    if (err)
        return err;
    json_int_t n = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return kp_reply_json(r, 200, json_pack("{s:I}", "unread", n));
}
