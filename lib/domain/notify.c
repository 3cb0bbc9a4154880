#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailkind.h"
#include "notify.h"
#include "outbox.h"

/* Every statement below inserts notifications and answers, for each user it
 * wrote to, what mailing them needs (the columns of MAILTO). */
#define MAILTO " SELECT u.id, u.email, u.mail_opt_out, u.role, u.disabled" \
               "   FROM n JOIN users u ON u.id = n.user_id"
enum { M_ID, M_EMAIL, M_OPT_OUT, M_ROLE, M_DISABLED };

/* The email twin of the notifications just written: one message for each
 * enabled recipient with an address who wants this kind (kp_outbox_put,
 * in the same transaction). */
static enum kp_err mail(struct kp_db *db, PGresult *res, const char *kind, const char *title,
                        const char *body, const json_t *data)
{
    enum kp_mailkind how = kp_mailkind_of(kind);
    if (!kp_outbox_on() || how == KP_MAIL_NEVER)
        return KP_OK;
    enum kp_err err = KP_OK;
    for (int i = 0; i < PQntuples(res) && err == KP_OK; i++) {
        if (PQgetisnull(res, i, M_EMAIL) || *PQgetvalue(res, i, M_DISABLED) == 't' ||
            (how == KP_MAIL_OPTIONAL && *PQgetvalue(res, i, M_OPT_OUT) == 't'))
            continue;
        char path[64];
        kp_mailkind_path(PQgetvalue(res, i, M_ROLE), data, path, sizeof path);
        char *text = kp_mailkind_body(title, body, kp_outbox_public_url(), path,
                                      how == KP_MAIL_ESSENTIAL);
        if (text == NULL)
            return KP_E_NOMEM;
        struct kp_outbox_msg m = {
            .user_id = atoll(PQgetvalue(res, i, M_ID)), .to = PQgetvalue(res, i, M_EMAIL),
            .kind = kind, .essential = how == KP_MAIL_ESSENTIAL, .subject = title, .body = text,
        };
        err = kp_outbox_put(db, &m, NULL);
        free(text);
    }
    return err;
}

static const struct kp_stmt SQL_NOTIFY = {
    "notify_insert",
    "WITH n AS (INSERT INTO notifications (user_id, kind, title, body, data)"
    "           VALUES ($1, $2, $3, $4, $5::json) RETURNING user_id)" MAILTO,
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
    if (err == KP_OK) {
        err = mail(db, res, kind, title, body, data);
        PQclear(res);
    }
    free(text);
    return err;
}

static const struct kp_stmt SQL_NOTIFY_ONCE = {
    "notify_once",
    "WITH n AS (INSERT INTO notifications (user_id, kind, title, body, data, once_key)"
    "           VALUES ($1, $2, $3, $4, $5::json, $6)"
    "           ON CONFLICT (user_id, once_key) WHERE once_key IS NOT NULL DO NOTHING"
    "           RETURNING user_id)" MAILTO,
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
        *created = PQntuples(res) == 1;
        err = mail(db, res, kind, title, body, data);
        PQclear(res);
    }
    free(text);
    return err;
}

static const struct kp_stmt SQL_NOTIFY_ROLE = {
    "notify_role",
    "WITH n AS (INSERT INTO notifications (user_id, kind, title, body, data)"
    "           SELECT id, $3, $4, $5, $6::json FROM users"
    "            WHERE role = $1 AND NOT disabled AND $2::text IS NULL"
    "           RETURNING user_id)" MAILTO,
    6,
};

static const struct kp_stmt SQL_NOTIFY_PARTIES = {
    "notify_parties",
    "WITH n AS (INSERT INTO notifications (user_id, kind, title, body, data)"
    "           SELECT id, $3, $4, $5, $6::json FROM users WHERE NOT disabled"
    "              AND ((role = 'applicant' AND org_id = $1::bigint)"
    "                   OR id = (SELECT user_id FROM recommenders WHERE id = $2::bigint))"
    "           RETURNING user_id)" MAILTO,
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
    if (err == KP_OK) {
        err = mail(db, res, kind, title, body, data);
        PQclear(res);
    }
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
