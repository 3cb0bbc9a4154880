#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

static const struct kp_stmt SQL_NOTIFY = {
    "notify_insert",
    "INSERT INTO notifications (user_id, kind, title, body, data) VALUES ($1, $2, $3, $4, $5::json)",
    5,
};

enum kp_err kp_notify(struct kp_db *db, long long user_id, const char *kind, const char *title,
                      const char *body, const json_t *data)
{
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", user_id);
    char *text = data ? json_dumps(data, JSON_COMPACT) : strdup("{}");
    if (text == NULL)
        return KP_E_NOMEM;
    const char *params[] = { uid, kind, title, body ? body : "", text };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_NOTIFY, params, &res);
    if (err == KP_OK)
        PQclear(res);
    free(text);
    return err;
}

static const struct kp_stmt SQL_NOTIFY_ONCE = {
    "notify_once",
    "INSERT INTO notifications (user_id, kind, title, body, data, once_key)"
    " VALUES ($1, $2, $3, $4, $5::json, $6)"
    " ON CONFLICT (user_id, once_key) WHERE once_key IS NOT NULL DO NOTHING",
    6,
};

enum kp_err kp_notify_once(struct kp_db *db, long long user_id, const char *once_key, const char *kind,
                           const char *title, const char *body, const json_t *data, bool *created)
{
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", user_id);
    char *text = data ? json_dumps(data, JSON_COMPACT) : strdup("{}");
    if (text == NULL)
        return KP_E_NOMEM;
    const char *params[] = { uid, kind, title, body ? body : "", text, once_key };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_NOTIFY_ONCE, params, &res);
    if (err == KP_OK) {
        *created = atoi(PQcmdTuples(res)) == 1;
        PQclear(res);
    }
    free(text);
    return err;
}

static const struct kp_stmt SQL_NOTIFY_ROLE = {
    "notify_role",
    "INSERT INTO notifications (user_id, kind, title, body, data)"
    " SELECT id, $3, $4, $5, $6::json FROM users WHERE role = $1 AND NOT disabled AND $2::text IS NULL",
    6,
};

static const struct kp_stmt SQL_NOTIFY_PARTIES = {
    "notify_parties",
    "INSERT INTO notifications (user_id, kind, title, body, data)"
    " SELECT id, $3, $4, $5, $6::json FROM users WHERE NOT disabled"
    "    AND ((role = 'applicant' AND org_id = $1::bigint)"
    "         OR id = (SELECT user_id FROM recommenders WHERE id = $2::bigint))",
    6,
};

/* One statement writes the message for every user it selects by $1, $2. */
static enum kp_err notify_many(struct kp_db *db, const struct kp_stmt *stmt, const char *a, const char *b,
                               const char *kind, const char *title, const char *body, const json_t *data)
{
    char *text = data ? json_dumps(data, JSON_COMPACT) : strdup("{}");
    if (text == NULL)
        return KP_E_NOMEM;
    const char *params[] = { a, b, kind, title, body ? body : "", text };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, stmt, params, &res);
    if (err == KP_OK)
        PQclear(res);
    free(text);
    return err;
}

enum kp_err kp_notify_role(struct kp_db *db, const char *role, const char *kind,
                           const char *title, const char *body, const json_t *data)
{
    return notify_many(db, &SQL_NOTIFY_ROLE, role, NULL, kind, title, body, data);
}

enum kp_err kp_notify_parties(struct kp_db *db, const char *applicant, const char *recommender,
                              const char *kind, const char *title, const char *body, const json_t *data)
{
    return notify_many(db, &SQL_NOTIFY_PARTIES, applicant, recommender, kind, title, body, data);
}
