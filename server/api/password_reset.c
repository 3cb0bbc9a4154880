/* Password reset, for who forgot the password: a single-use link by mail.
 *
 * POST /password-reset {"login"} names an account by username or by mail
 * address and always answers 202, so that it tells nobody whether an
 * account exists.  Each enabled account with an address that it names gets
 * a mail with a link valid RESET_VALID seconds (at most
 * auth.reset_account_limit per auth.reset_account_window: beyond, nothing
 * is sent); the client address may ask auth.reset_address_limit times per
 * auth.reset_address_window (then 429, whatever it named).
 *
 * POST /password-reset/{token} {"new_password"} sets the password, ends
 * every session of the account and the token; a token used, expired,
 * outlived by a password change or of a disabled account is 404 like an
 * unknown one.  Its path is never logged (KP_ROUTE_SECRET_PATH).
 *
 * Without mail (mail.url unset) the request still answers 202 but makes no
 * link at all. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "audit.h"
#include "auth.h"
#include "outbox.h"
#include "password.h"
#include "ratecheck.h"
#include "resetmail.h"
#include "role.h"
#include "throttle.h"
#include "token.h"

#define RESET_VALID 1800          /* seconds: API.md's 30 minutes */

/* ---- POST /api/v1/password-reset ---- */

/* $1 is the login folded as a username (NULL when it cannot be one), $2
 * as given, for addresses.  `recent` counts the account's reset mails of
 * the window: the serializable transaction makes two requests at once
 * count each other. */
static const struct kp_stmt SQL_ACCOUNTS = {
    "reset_accounts",
    "SELECT u.id, u.username, u.email, lower(u.username) = $1 AS by_name,"
    "       (SELECT count(*) FROM password_resets p WHERE p.user_id = u.id"
    "           AND p.created_at > now() - make_interval(secs => $3::int)) AS recent"
    "  FROM users u"
    " WHERE (lower(u.username) = $1 OR lower(u.email) = lower($2))"
    "   AND u.email IS NOT NULL AND NOT u.disabled"
    " ORDER BY u.id LIMIT 20",                 /* accounts one address may name, at most */
    3,
};

static const struct kp_stmt SQL_INSERT = {
    "reset_insert",
    "INSERT INTO password_resets (user_id, token_hash, expires_at, ip)"
    " VALUES ($1, $2, now() + make_interval(secs => $3::int), $4)",
    4,
};

struct request {
    struct kp_req *r;
    const char *login;
    char folded[KP_USERNAME_MAX + 1];
    bool plausible;                   /* the login can be a username */
    char ip[64];
};

/* One account's token, its mail and its audit row. */
static enum kp_err request_one(struct kp_db *db, struct request *q, const char *uid,
                               const char *username, const char *email, bool by_name)
{
    const struct kp_config *cfg = kp_req_server(q->r)->cfg;
    char token[KP_TOKEN_TEXT], hash[KP_TOKEN_HASH], valid[16];
    char link[sizeof cfg->web.public_url + sizeof KP_RESETMAIL_PAGE + KP_TOKEN_TEXT + 2];
    struct kp_resetmail mail;
    kp_token_new(token);
    kp_token_hash(token, hash);
    snprintf(valid, sizeof valid, "%d", RESET_VALID);
    if (!kp_resetmail_link(cfg->web.public_url, token, link, sizeof link) ||
        !kp_resetmail_text(&mail, username, link, RESET_VALID / 60))
        return KP_E_INVAL;                     /* config.c and the schema bound both */
    const char *params[] = { uid, hash, valid, q->ip };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_INSERT, params, &res);
    if (err == KP_OK) {
        PQclear(res);
        const struct kp_outbox_msg msg = {
            .user_id = atoll(uid), .to = email, .kind = "password.reset", .essential = true,
            .subject = mail.subject, .body = mail.body, .body_after = mail.body_after,
            .valid_for = RESET_VALID,
        };
        err = kp_outbox_put(db, &msg, NULL);
    }
    sodium_memzero(token, sizeof token);
    sodium_memzero(link, sizeof link);
    sodium_memzero(mail.body, sizeof mail.body);
    if (err)
        return err;
    json_t *data = json_pack("{s:s}", "by", by_name ? "username" : "email");
    err = kp_req_audit(q->r, db, "user.password_reset_requested", "user", uid, data);
    json_decref(data);
    return err;
}

static enum kp_err request_tx(struct kp_db *db, void *arg)
{
    struct request *q = arg;
    char window[16];
    snprintf(window, sizeof window, "%u", kp_req_server(q->r)->cfg->auth.reset_account_window);
    unsigned cap = kp_req_server(q->r)->cfg->auth.reset_account_limit;
    const char *params[] = { q->plausible ? q->folded : NULL, q->login, window };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_ACCOUNTS, params, &res);
    if (err)
        return err;
    /* With mail off (no mail.url) no link could reach anyone: none is made. */
    for (int i = 0; kp_outbox_on() && i < PQntuples(res) && err == KP_OK; i++)
        if (strtoul(PQgetvalue(res, i, 4), NULL, 10) < cap)
            err = request_one(db, q, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                              PQgetvalue(res, i, 2), PQgetvalue(res, i, 3)[0] == 't');
    PQclear(res);
    return err;
}

enum kp_err kp_api_password_reset_request(struct kp_req *r)
{
    struct request q = { .r = r };
    const struct kp_jfield spec[] = { KP_JSTRING("login", &q.login, 1, 254), KP_JEND };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    if (kp_json_take(kp_req_json(r), spec, "", false, errors) != KP_OK)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);

    const struct kp_config *cfg = kp_req_server(r)->cfg;
    bool allowed;
    enum kp_err err = kp_ratecheck_address(r, "password_reset", cfg->auth.reset_address_limit,
                                           cfg->auth.reset_address_window,
                                           "重置密码请求过于频繁，请稍后再试", &allowed);
    if (err || !allowed)
        return err;
    char why[128];
    q.plausible = kp_username_valid(q.login, why, sizeof why);
    kp_username_fold(q.login, q.folded, sizeof q.folded);
    kp_req_client_ip(r, q.ip, sizeof q.ip);
    /* The same transaction whoever is named (its turn, its lookup): only
     * the rows it writes for an account differ. */
    struct kp_db *db = kp_req_db(r);
    err = db ? kp_db_tx(db, KP_TX_AUDITED, request_tx, &q) : KP_E_NOMEM;
    return err ? err : kp_reply_empty(r, 202);
}

/* ---- POST /api/v1/password-reset/{token} ---- */

/* What makes a token open the reset (see the migration). */
#define LIVE "p.used_at IS NULL AND p.expires_at > now() AND p.created_at > u.password_changed_at" \
             " AND NOT u.disabled"

static const struct kp_stmt SQL_FIND = {
    "reset_find",
    "SELECT u.username FROM password_resets p JOIN users u ON u.id = p.user_id"
    " WHERE p.token_hash = $1 AND " LIVE,
    1,
};

/* The conditional update spends the token: of two uses at once one wins. */
static const struct kp_stmt SQL_SPEND = {
    "reset_spend",
    "UPDATE password_resets p SET used_at = now() FROM users u"
    " WHERE p.token_hash = $1 AND u.id = p.user_id AND " LIVE
    " RETURNING u.id, u.username, u.role",
    1,
};

/* password_changed_at moves past every other token of the account. */
static const struct kp_stmt SQL_SET = {
    "reset_set_password",
    "UPDATE users SET password_hash = $2, must_change_password = false, password_changed_at = now()"
    " WHERE id = $1",
    2,
};

struct confirm {
    struct kp_req *r;
    char token_hash[KP_TOKEN_HASH];
    char username[KP_USERNAME_MAX + 1];
    char new_hash[KP_PWHASH_LEN];
    bool found;
};

static enum kp_err find_tx(struct kp_db *db, void *arg)
{
    struct confirm *c = arg;
    const char *params[] = { c->token_hash };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_FIND, params, &res);
    if (err)
        return err;
    c->found = PQntuples(res) == 1;
    if (c->found)
        snprintf(c->username, sizeof c->username, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return KP_OK;
}

static enum kp_err reset_tx(struct kp_db *db, void *arg)
{
    struct confirm *c = arg;
    const char *params[] = { c->token_hash };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_SPEND, params, &res);
    if (err)
        return err;
    c->found = PQntuples(res) == 1;
    if (!c->found) {                       /* spent or ended since find_tx */
        PQclear(res);
        return KP_OK;
    }
    char uid[24], folded[KP_USERNAME_MAX + 1], key[sizeof "user:" + KP_USERNAME_MAX];
    enum kp_role role = KP_ROLE_ANONYMOUS;
    snprintf(uid, sizeof uid, "%s", PQgetvalue(res, 0, 0));
    kp_username_fold(PQgetvalue(res, 0, 1), folded, sizeof folded);
    kp_role_parse(PQgetvalue(res, 0, 2), &role);
    PQclear(res);
    snprintf(key, sizeof key, "user:%s", folded);   /* session.c's throttle key */

    const char *set[] = { uid, c->new_hash };
    if ((err = kp_db_exec(db, &SQL_SET, set, &res)))
        return err;
    PQclear(res);
    int ended;
    if ((err = kp_account_end_sessions(db, uid, &ended)) || (err = kp_throttle_clear(db, key)))
        return err;
    struct kp_actor actor;
    char ip[64];
    kp_req_actor(c->r, &actor, ip);
    actor.user_id = atoll(uid);               /* who holds the link: the account's owner */
    actor.role = kp_role_name(role);
    json_t *data = json_pack("{s:i}", "sessions_ended", ended);
    err = kp_audit_append(db, &actor, "user.password_reset", "user", uid, data);
    json_decref(data);
    return err;
}

enum kp_err kp_api_password_reset_confirm(struct kp_req *r)
{
    struct confirm c = { .r = r };
    if (!kp_token_hash(kp_req_param(r, "token"), c.token_hash))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    const char *fresh;
    const struct kp_jfield spec[] = { KP_JSTRING("new_password", &fresh, 0, 1024), KP_JEND };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    bool parsed = kp_json_take(kp_req_json(r), spec, "", false, errors) == KP_OK;
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, find_tx, &c) : KP_E_NOMEM;
    if (err || !c.found) {
        json_decref(errors);
        return err ? err : kp_reply_problem(r, KP_P_NOT_FOUND, "链接无效或已过期，请重新申请重置密码");
    }
    char why[160];
    if (parsed && !kp_password_acceptable(fresh, c.username, why, sizeof why))
        kp_problem_field(errors, "new_password", "invalid", why);
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);

    err = kp_password_hash(fresh, &kp_req_server(r)->pwcost, c.new_hash);
    if (err == KP_OK)
        err = kp_db_tx(db, KP_TX_AUDITED, reset_tx, &c);
    sodium_memzero(c.new_hash, sizeof c.new_hash);
    if (err)
        return err;
    return c.found ? kp_reply_empty(r, 204)
                   : kp_reply_problem(r, KP_P_NOT_FOUND, "链接无效或已过期，请重新申请重置密码");
}
