/* Sessions: log in, who am I, log out, change the password, the mail
 * settings (the account's address and whether it wants mail that is not
 * essential).
 * A token is 32 random bytes; the database keeps only its SHA-256.  A
 * session ends at logout, after auth.session_idle seconds without a
 * request, after auth.session_lifetime seconds in any case, and when its
 * user changes the password (the session that changes it gets a new one).
 * Wrong passwords, at login or at a change, count against the account and
 * the client address in lib/throttle. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "email.h"
#include "account.h"
#include "api.h"
#include "audit.h"
#include "auth.h"
#include "httputil.h"
#include "json.h"
#include "password.h"
#include "throttle.h"
#include "token.h"
#include "validate.h"

#define TIME_FORMAT "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"

/* ---- resolving a request's session (auth.c asks) ---- */

static const struct kp_stmt SQL_RESOLVE = {
    "session_resolve", KP_SESSION_WITH("$1", "$2") " SELECT " KP_SESSION_COLUMNS " FROM s", 2,
};

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%.*s", (int)kp_utf8_prefix(src, n - 1), src);   /* never half a character */
}

void kp_session_take(PGresult *res, int row, int col, struct kp_principal *who)
{
    who->role = KP_ROLE_ANONYMOUS;
    if (PQgetisnull(res, row, col))
        return;
    who->session_id = atoll(PQgetvalue(res, row, col));
    copy(who->csrf_token, sizeof who->csrf_token, PQgetvalue(res, row, col + 1));
    copy(who->expires_at, sizeof who->expires_at, PQgetvalue(res, row, col + 2));
    who->user_id = atoll(PQgetvalue(res, row, col + 3));
    copy(who->username, sizeof who->username, PQgetvalue(res, row, col + 4));
    enum kp_role role;
    bool known = kp_role_parse(PQgetvalue(res, row, col + 5), &role);
    who->org_id = atoll(PQgetvalue(res, row, col + 6));
    copy(who->display_name, sizeof who->display_name, PQgetvalue(res, row, col + 7));
    who->must_change_password = PQgetvalue(res, row, col + 8)[0] == 't';
    who->idle_clock_stale = PQgetvalue(res, row, col + 9)[0] == 't';
    if (known)                                /* the schema's CHECK makes it so */
        who->role = role;
}

bool kp_session_token_hash(struct kp_req *r, char hash[KP_TOKEN_HASH], bool *via_cookie)
{
    char cookie[KP_TOKEN_TEXT + 8];
    const char *token = kp_bearer_token(kp_req_header(r, "Authorization"));
    *via_cookie = false;
    if (token == NULL && kp_cookie_get(kp_req_header(r, "Cookie"), KP_SESSION_COOKIE,
                                       cookie, sizeof cookie)) {
        token = cookie;
        *via_cookie = true;
    }
    return token != NULL && kp_token_hash(token, hash);
}

void kp_session_idle_param(struct kp_req *r, char idle[16])
{
    snprintf(idle, 16, "%u", kp_req_server(r)->cfg->auth.session_idle);
}

static const struct kp_stmt SQL_TOUCH = {
    "session_touch", "UPDATE sessions SET last_seen_at = now() WHERE id = $1", 1,
};

enum kp_err kp_session_touch(struct kp_db *db, const struct kp_principal *who)
{
    if (who->role == KP_ROLE_ANONYMOUS || !who->idle_clock_stale)
        return KP_OK;
    char id[24];
    snprintf(id, sizeof id, "%lld", who->session_id);
    const char *params[] = { id };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_TOUCH, params, &res);
    PQclear(res);
    return err;
}

/* One statement, no transaction: a read-only request costs no BEGIN and
 * COMMIT for its session (and a second statement every few seconds to
 * wind its idle clock). */
enum kp_err kp_session_resolve(struct kp_req *r, struct kp_principal *who)
{
    char hash[KP_TOKEN_HASH], idle[16];
    bool via_cookie;
    who->role = KP_ROLE_ANONYMOUS;
    if (!kp_session_token_hash(r, hash, &via_cookie))
        return KP_OK;                       /* anonymous: nothing to look up */
    struct kp_db *db = kp_req_db(r);
    if (db == NULL)
        return KP_E_NOMEM;
    kp_session_idle_param(r, idle);
    const char *params[] = { hash, idle };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_RESOLVE, params, &res);
    if (err)
        return err;
    if (PQntuples(res) == 1)
        kp_session_take(res, 0, 0, who);
    PQclear(res);
    who->via_cookie = via_cookie;
    return kp_session_touch(db, who);
}

/* ---- the user as the API shows it ---- */

/* The account's mail settings, beside the principal (which holds only
 * what every request needs). */
struct mail_settings {
    char email[256];
    bool has_email, opt_out;
};

static void mail_take(PGresult *res, int row, int col, struct mail_settings *m)
{
    m->has_email = !PQgetisnull(res, row, col);
    copy(m->email, sizeof m->email, PQgetvalue(res, row, col));
    m->opt_out = PQgetvalue(res, row, col + 1)[0] == 't';
}

static json_t *user_json(const struct kp_principal *who, const struct mail_settings *m)
{
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:b, s:o, s:b}",
                     "id", (json_int_t)who->user_id, "username", who->username,
                     "role", kp_role_name(who->role),
                     "org_id", who->org_id ? json_integer(who->org_id) : json_null(),
                     "display_name", who->display_name,
                     "must_change_password", who->must_change_password,
                     "email", m->has_email ? json_string(m->email) : json_null(),
                     "mail_opt_out", m->opt_out);
}

/* GET's shape: the user, the CSRF token, the end of the session. */
static enum kp_err reply_current(struct kp_req *r, const struct kp_principal *who,
                                 const struct mail_settings *m)
{
    return kp_reply_json(r, 200, json_pack("{s:o, s:s, s:s}", "user", user_json(who, m),
                                           "csrf_token", who->csrf_token,
                                           "expires_at", who->expires_at));
}

static enum kp_err set_session_cookie(struct kp_req *r, const char *token, unsigned max_age)
{
    char cookie[160];
    snprintf(cookie, sizeof cookie, KP_SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%u%s",
             token, max_age, kp_req_server(r)->cfg->auth.cookie_secure ? "; Secure" : "");
    return kp_req_add_header(r, "Set-Cookie", cookie);
}

/* ---- POST /api/v1/session ---- */

/* $1 is a valid username folded by kp_username_fold, so pure ASCII: no
 * locale's lower() turns a stored (ASCII) name into it unless the two
 * differ only in ASCII case. */
static const struct kp_stmt SQL_USER_BY_NAME = {
    "session_user_by_name",
    "SELECT id, password_hash, disabled FROM users WHERE lower(username) = $1",
    1,
};

/* The hash is checked again: a password changed since it was verified
 * does not open a session. */
static const struct kp_stmt SQL_CREATE = {
    "session_create",
    "WITH s AS ("
    "  INSERT INTO sessions (user_id, token_hash, csrf_token, expires_at, ip)"
    "  SELECT id, $2, $3, now() + make_interval(secs => $4::int), $5 FROM users"
    "   WHERE id = $1 AND password_hash = $6 AND NOT disabled"
    "  RETURNING id, user_id, expires_at)"
    "SELECT s.id, to_char(s.expires_at AT TIME ZONE 'UTC', " TIME_FORMAT "),"
    "       u.username, u.role, coalesce(u.org_id, 0), u.display_name, u.must_change_password,"
    "       u.email, u.mail_opt_out"
    "  FROM s JOIN users u ON u.id = s.user_id",
    6,
};

#define USER_KEY_PREFIX "user:"
#define FOLDED_MAX 150              /* bytes of a folded name, with its NUL */

/* A login, or a password change (which proves the password the same way
 * and opens a new session too). */
struct login {
    struct kp_req *r;
    const char *username, *password;
    char folded[FOLDED_MAX];        /* username as kp_username_fold gives it */
    bool plausible;                 /* a valid username: worth a lookup */
    char user_key[sizeof USER_KEY_PREFIX + FOLDED_MAX], addr_key[80], ip[64];
    long long wait;                 /* seconds until a locked key opens */
    bool found, disabled;
    long long user_id;
    char hash[KP_PWHASH_LEN];
    /* the new session */
    char token[KP_TOKEN_TEXT], token_hash[KP_TOKEN_HASH], csrf[KP_TOKEN_TEXT];
    struct kp_principal who;
    struct mail_settings mail;
    const char *reason;             /* why a login failed, for the audit trail */
};

/* The throttle keys: "user:<folded name>", the very name the lookup asks
 * for, so that whatever reaches an account counts against its lock; and
 * "addr:<client address>". */
static void throttle_keys(struct login *l, const char *username)
{
    char why[128];
    kp_username_fold(username, l->folded, sizeof l->folded);
    l->plausible = kp_username_valid(username, why, sizeof why);
    snprintf(l->user_key, sizeof l->user_key, USER_KEY_PREFIX "%s", l->folded);
    kp_req_client_ip(l->r, l->ip, sizeof l->ip);
    snprintf(l->addr_key, sizeof l->addr_key, "addr:%s", l->ip);
}

static enum kp_err login_lookup_tx(struct kp_db *db, void *arg)
{
    struct login *l = arg;
    enum kp_err err = kp_throttle_wait(db, l->user_key, l->addr_key, &l->wait);
    if (err || l->wait > 0 || !l->plausible)  /* no account has a name outside the set */
        return err;
    const char *params[] = { l->folded };
    PGresult *res;
    err = kp_db_exec(db, &SQL_USER_BY_NAME, params, &res);
    if (err)
        return err;
    l->found = PQntuples(res) == 1;
    if (l->found) {
        l->user_id = atoll(PQgetvalue(res, 0, 0));
        copy(l->hash, sizeof l->hash, PQgetvalue(res, 0, 1));
        l->disabled = PQgetvalue(res, 0, 2)[0] == 't';
    }
    PQclear(res);
    return KP_OK;
}

/* One more failure for the account and for the address. */
static enum kp_err count_failure(struct kp_db *db, const struct login *l)
{
    const struct kp_config *cfg = kp_req_server(l->r)->cfg;
    const struct kp_throttle_policy policy = { cfg->auth.throttle_window, cfg->auth.lockout_max };
    enum kp_err err = kp_throttle_failure(db, l->user_key, cfg->auth.throttle_account, &policy);
    return err ? err : kp_throttle_failure(db, l->addr_key, cfg->auth.throttle_address, &policy);
}

static enum kp_err login_failed_tx(struct kp_db *db, void *arg)
{
    struct login *l = arg;
    enum kp_err err = count_failure(db, l);
    if (err)
        return err;
    json_t *data = json_pack("{s:s%, s:s}", "username", l->username,
                             kp_utf8_prefix(l->username, 64), "reason", l->reason);
    err = kp_req_audit(l->r, db, "session.login_failed", "session", NULL, data);
    json_decref(data);
    return err;
}

/* Opens a session for l->user_id, provided its password hash is still
 * `hash`; otherwise leaves l->who.session_id 0. */
static enum kp_err session_open(struct kp_db *db, struct login *l, const char *hash)
{
    const struct kp_config *cfg = kp_req_server(l->r)->cfg;
    char uid[24], lifetime[16];
    snprintf(uid, sizeof uid, "%lld", l->user_id);
    snprintf(lifetime, sizeof lifetime, "%u", cfg->auth.session_lifetime);
    const char *params[] = { uid, l->token_hash, l->csrf, lifetime, l->ip, hash };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_CREATE, params, &res);
    if (err)
        return err;
    struct kp_principal *who = &l->who;
    who->session_id = 0;
    if (PQntuples(res) != 1) {               /* changed or disabled meanwhile */
        PQclear(res);
        return KP_OK;
    }
    who->session_id = atoll(PQgetvalue(res, 0, 0));
    copy(who->expires_at, sizeof who->expires_at, PQgetvalue(res, 0, 1));
    copy(who->username, sizeof who->username, PQgetvalue(res, 0, 2));
    kp_role_parse(PQgetvalue(res, 0, 3), &who->role);
    who->org_id = atoll(PQgetvalue(res, 0, 4));
    copy(who->display_name, sizeof who->display_name, PQgetvalue(res, 0, 5));
    who->must_change_password = PQgetvalue(res, 0, 6)[0] == 't';
    who->user_id = l->user_id;
    mail_take(res, 0, 7, &l->mail);
    PQclear(res);
    return KP_OK;
}

static enum kp_err login_ok_tx(struct kp_db *db, void *arg)
{
    struct login *l = arg;
    enum kp_err err = session_open(db, l, l->hash);
    if (err || l->who.session_id == 0)
        return err;
    err = kp_throttle_clear(db, l->user_key);
    if (err)
        return err;
    struct kp_actor actor;
    char ip[64], sid[24];
    kp_req_actor(l->r, &actor, ip);
    actor.user_id = l->who.user_id;           /* the request came in anonymous */
    actor.role = kp_role_name(l->who.role);
    snprintf(sid, sizeof sid, "%lld", l->who.session_id);
    return kp_audit_append(db, &actor, "session.login", "session", sid, NULL);
}

static void new_token(struct login *l)
{
    kp_token_new(l->token);
    kp_token_new(l->csrf);
    kp_token_hash(l->token, l->token_hash);
}

static enum kp_err too_many(struct kp_req *r, const char *what, long long wait)
{
    char detail[128];
    snprintf(detail, sizeof detail, "%s失败次数过多，请 %lld 秒后再试", what, wait);
    return kp_reply_problem_retry(r, KP_P_TOO_MANY_ATTEMPTS, detail, wait);
}

/* The new session: the cookie, and the token in the body for scripts. */
static enum kp_err reply_session(struct kp_req *r, struct login *l, unsigned status)
{
    enum kp_err err = set_session_cookie(r, l->token, kp_req_server(r)->cfg->auth.session_lifetime);
    if (err)
        return err;
    json_t *body = json_pack("{s:o, s:s, s:s, s:s}", "user", user_json(&l->who, &l->mail), "token", l->token,
                             "csrf_token", l->csrf, "expires_at", l->who.expires_at);
    sodium_memzero(l->token, sizeof l->token);
    return kp_reply_json(r, status, body);
}

enum kp_err kp_api_session_create(struct kp_req *r)
{
    struct kp_server *srv = kp_req_server(r);
    struct login l = { .r = r };
    const struct kp_jfield spec[] = {
        KP_JSTRING("username", &l.username, 1, 128),
        KP_JSTRING("password", &l.password, 1, 1024),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    if (kp_json_take(kp_req_json(r), spec, "", false, errors) != KP_OK)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);

    throttle_keys(&l, l.username);
    struct kp_db *db = kp_req_db(r);
    if (db == NULL)
        return KP_E_NOMEM;
    enum kp_err err = kp_db_tx(db, KP_TX_READ_ONLY, login_lookup_tx, &l);
    if (err)
        return err;
    if (l.wait > 0)
        return too_many(r, "登录", l.wait);

    /* The same work whether the user exists or not: no timing oracle. */
    bool ok = kp_password_verify(l.found ? l.hash : srv->dummy_hash, l.password) &&
              l.found && !l.disabled;
    if (ok) {
        new_token(&l);
        err = kp_db_tx(db, KP_TX_AUDITED, login_ok_tx, &l);
        if (err)
            return err;
        ok = l.who.session_id != 0;
    }
    if (!ok) {
        l.reason = !l.found ? "unknown_user" : l.disabled ? "disabled" : "wrong_password";
        err = kp_db_tx(db, KP_TX_AUDITED, login_failed_tx, &l);
        if (err)
            return err;
        return kp_reply_problem(r, KP_P_INVALID_CREDENTIALS, NULL);
    }
    return reply_session(r, &l, 201);
}

/* ---- GET /api/v1/session ---- */

/* The session and the account's mail settings in one statement
 * (auth.h, KP_ROUTE_OWN_SESSION). */
static const struct kp_stmt SQL_CURRENT = {
    "session_current",
    KP_SESSION_WITH("$1", "$2")
    " SELECT " KP_SESSION_COLUMNS ", u.email, u.mail_opt_out FROM s JOIN users u ON u.id = s.uid",
    2,
};

enum kp_err kp_api_session_get(struct kp_req *r)
{
    char hash[KP_TOKEN_HASH], idle[16];
    bool via_cookie;
    struct kp_principal who = { .role = KP_ROLE_ANONYMOUS };
    if (!kp_session_token_hash(r, hash, &via_cookie)) {
        kp_auth_admit(r, &who);                         /* 401 */
        return KP_OK;
    }
    struct kp_db *db = kp_req_db(r);
    if (db == NULL)
        return KP_E_NOMEM;
    kp_session_idle_param(r, idle);
    const char *params[] = { hash, idle };
    PGresult *res;
    enum kp_err err = kp_db_read(db, &SQL_CURRENT, params, &res);
    if (err)
        return err;
    struct mail_settings m = { 0 };
    if (PQntuples(res) == 1) {
        kp_session_take(res, 0, 0, &who);
        mail_take(res, 0, KP_SESSION_NCOLUMNS, &m);
    }
    PQclear(res);
    who.via_cookie = via_cookie;
    if (!kp_auth_admit(r, &who))
        return KP_OK;                                   /* refused: the answer is queued */
    err = kp_session_touch(db, &who);
    return err ? err : reply_current(r, &who, &m);
}

/* ---- DELETE /api/v1/session ---- */

static const struct kp_stmt SQL_END = {
    "session_end", "UPDATE sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL", 1,
};

static enum kp_err logout_tx(struct kp_db *db, void *arg)
{
    struct kp_req *r = arg;
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", kp_req_principal(r)->session_id);
    const char *params[] = { sid };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_END, params, &res);
    if (err)
        return err;
    PQclear(res);
    return kp_req_audit(r, db, "session.logout", "session", sid, NULL);
}

enum kp_err kp_api_session_delete(struct kp_req *r)
{
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, logout_tx, r) : KP_E_NOMEM;
    if (err)
        return err;
    err = set_session_cookie(r, "", 0);
    return err ? err : kp_reply_empty(r, 204);
}

/* ---- PUT /api/v1/session/password ---- */

static const struct kp_stmt SQL_HASH_OF = {
    "session_hash_of", "SELECT password_hash FROM users WHERE id = $1", 1,
};

/* Guarded by the old hash: two changes at once cannot both win (nor one
 * for an account disabled meanwhile). */
static const struct kp_stmt SQL_SET_PASSWORD = {
    "session_set_password",
    "UPDATE users SET password_hash = $2, must_change_password = false, password_changed_at = now()"
    " WHERE id = $1 AND password_hash = $3 AND NOT disabled",
    3,
};

/* The login fields hold the caller: its keys, its current hash (the
 * change's guard) and, once the change is made, its new session. */
struct change {
    struct login l;
    char uid[24];
    const char *current, *fresh;
    char new_hash[KP_PWHASH_LEN];
    bool changed;
};

/* Locked out (like a login), or the current hash. */
static enum kp_err change_lookup_tx(struct kp_db *db, void *arg)
{
    struct change *c = arg;
    enum kp_err err = kp_throttle_wait(db, c->l.user_key, c->l.addr_key, &c->l.wait);
    if (err || c->l.wait > 0)
        return err;
    const char *params[] = { c->uid };
    PGresult *res;
    err = kp_db_exec(db, &SQL_HASH_OF, params, &res);
    if (err)
        return err;
    copy(c->l.hash, sizeof c->l.hash, PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return KP_OK;
}

/* A wrong current password counts as a failed login and is audited. */
static enum kp_err change_failed_tx(struct kp_db *db, void *arg)
{
    struct change *c = arg;
    enum kp_err err = count_failure(db, &c->l);
    if (err)
        return err;
    json_t *data = json_pack("{s:s}", "reason", "wrong_password");
    err = kp_req_audit(c->l.r, db, "user.password_change_failed", "user", c->uid, data);
    json_decref(data);
    return err;
}

static enum kp_err change_tx(struct kp_db *db, void *arg)
{
    struct change *c = arg;
    const char *params[] = { c->uid, c->new_hash, c->l.hash };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_SET_PASSWORD, params, &res);
    if (err)
        return err;
    c->changed = atoi(PQcmdTuples(res)) == 1;
    PQclear(res);
    if (!c->changed)
        return KP_OK;
    int ended;                 /* every session, the caller's too: the caller gets a new one */
    if ((err = kp_account_end_sessions(db, c->uid, &ended)))
        return err;
    err = session_open(db, &c->l, c->new_hash);
    if (err == KP_OK && c->l.who.session_id == 0)
        err = KP_E_DB;                        /* the row updated above: cannot be */
    if (err == KP_OK)
        err = kp_throttle_clear(db, c->l.user_key);
    if (err)
        return err;
    json_t *data = json_pack("{s:i, s:I}", "sessions_ended", ended,
                             "session_id", (json_int_t)c->l.who.session_id);
    err = kp_req_audit(c->l.r, db, "user.password_changed", "user", c->uid, data);
    json_decref(data);
    return err;
}

enum kp_err kp_api_session_password(struct kp_req *r)
{
    const struct kp_principal *who = kp_req_principal(r);
    struct change c = { .l = { .r = r } };
    const struct kp_jfield spec[] = {
        KP_JSTRING("current_password", &c.current, 1, 1024),
        KP_JSTRING("new_password", &c.fresh, 0, 1024),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    if (kp_json_take(kp_req_json(r), spec, "", false, errors) == KP_OK) {
        char why[160];
        if (!kp_password_acceptable(c.fresh, who->username, why, sizeof why))
            kp_problem_field(errors, "new_password", "invalid", why);
        else if (strcmp(c.fresh, c.current) == 0)
            kp_problem_field(errors, "new_password", "unchanged", "新密码不能与当前密码相同");
    }
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);

    snprintf(c.uid, sizeof c.uid, "%lld", who->user_id);
    c.l.user_id = who->user_id;
    throttle_keys(&c.l, who->username);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, change_lookup_tx, &c) : KP_E_NOMEM;
    if (err == KP_OK && c.l.wait > 0) {
        json_decref(errors);
        return too_many(r, "密码验证", c.l.wait);
    }
    if (err == KP_OK && !kp_password_verify(c.l.hash, c.current)) {
        err = kp_db_tx(db, KP_TX_AUDITED, change_failed_tx, &c);
        if (err == KP_OK) {
            kp_problem_field(errors, "current_password", "incorrect", "当前密码不正确");
            return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
        }
    }
    json_decref(errors);
    if (err == KP_OK)
        err = kp_password_hash(c.fresh, &kp_req_server(r)->pwcost, c.new_hash);
    if (err == KP_OK) {
        new_token(&c.l);
        err = kp_db_tx(db, KP_TX_AUDITED, change_tx, &c);
    }
    if (err)
        return err;
    if (!c.changed)
        return kp_reply_problem(r, KP_P_CONFLICT, "密码刚刚已被修改，请重新登录后再试");
    return reply_session(r, &c.l, 200);
}

/* ---- PUT /api/v1/session/mail ---- */

static const struct kp_stmt SQL_MAIL_LOCK = {
    "session_mail_lock", "SELECT email, mail_opt_out FROM users WHERE id = $1 FOR UPDATE", 1,
};

/* $2: whether an address was sent ($3, NULL clears it); $4 NULL keeps the choice. */
static const struct kp_stmt SQL_MAIL_SET = {
    "session_mail_set",
    "UPDATE users SET email = CASE WHEN $2::boolean THEN $3 ELSE email END,"
    "                 mail_opt_out = coalesce($4::boolean, mail_opt_out)"
    " WHERE id = $1 RETURNING email, mail_opt_out",
    4,
};

/* A new address spends the reset links mailed to the old one. */
static const struct kp_stmt SQL_MAIL_SPEND_RESETS = {
    "session_mail_spend_resets",
    "UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL",
    1,
};

struct mail_change {
    struct kp_req *r;
    char uid[24];
    const char *email;
    bool has_email, has_opt_out, opt_out;
    struct mail_settings now;
};

/* {"field": {"from", "to"}} for each setting that changes. */
static json_t *mail_changes(const struct mail_settings *was, const struct mail_settings *now)
{
    json_t *changes = json_object();
    if (was->has_email != now->has_email || strcmp(was->email, now->email) != 0)
        json_object_set_new(changes, "email",
                            json_pack("{s:o, s:o}",
                                      "from", was->has_email ? json_string(was->email) : json_null(),
                                      "to", now->has_email ? json_string(now->email) : json_null()));
    if (was->opt_out != now->opt_out)
        json_object_set_new(changes, "mail_opt_out",
                            json_pack("{s:b, s:b}", "from", was->opt_out, "to", now->opt_out));
    return changes;
}

static enum kp_err mail_tx(struct kp_db *db, void *arg)
{
    struct mail_change *c = arg;
    const char *id[] = { c->uid };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_MAIL_LOCK, id, &res);
    if (err)
        return err;
    struct mail_settings was = { 0 };
    if (PQntuples(res) == 1)                  /* the session's user: it is there */
        mail_take(res, 0, 0, &was);
    PQclear(res);
    const char *params[] = { c->uid, c->has_email ? "true" : "false", c->email,
                             c->has_opt_out ? (c->opt_out ? "true" : "false") : NULL };
    if ((err = kp_db_exec(db, &SQL_MAIL_SET, params, &res)))
        return err;
    if (PQntuples(res) == 1)
        mail_take(res, 0, 0, &c->now);
    PQclear(res);
    json_t *changes = mail_changes(&was, &c->now);
    if (changes == NULL)
        return KP_E_NOMEM;
    if (json_object_get(changes, "email") != NULL) {
        if ((err = kp_db_exec(db, &SQL_MAIL_SPEND_RESETS, id, &res))) {
            json_decref(changes);
            return err;
        }
        PQclear(res);
    }
    if (json_object_size(changes) > 0) {
        json_t *data = json_pack("{s:O}", "changes", changes);
        err = data ? kp_req_audit(c->r, db, "user.mail_settings", "user", c->uid, data) : KP_E_NOMEM;
        json_decref(data);
    }
    json_decref(changes);
    return err;
}

enum kp_err kp_api_session_mail(struct kp_req *r)
{
    const struct kp_principal *who = kp_req_principal(r);
    struct mail_change c = { .r = r };
    const char *current = NULL;
    const struct kp_jfield spec[] = {
        KP_JNULLABLE("email", KP_J_STRING, &c.email, 3, 254, &c.has_email),
        KP_JOPTIONAL("mail_opt_out", KP_J_BOOL, &c.opt_out, 0, 0, &c.has_opt_out),
        KP_JOPTIONAL("current_password", KP_J_STRING, &current, 1, 1024, NULL),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    if (kp_json_take(kp_req_json(r), spec, "", false, errors) == KP_OK && c.email &&
        !kp_email_ok(c.email))
        kp_problem_field(errors, "email", "format", "请填写有效的电子邮箱");
    /* The address is where a reset link goes: changing it takes the
     * password, or a stolen session could take the account for good. */
    if (c.has_email && current == NULL && json_array_size(errors) == 0)
        kp_problem_field(errors, "current_password", "required", "修改邮箱需要输入当前密码");
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    snprintf(c.uid, sizeof c.uid, "%lld", who->user_id);
    struct kp_db *db = kp_req_db(r);
    if (db == NULL) {
        json_decref(errors);
        return KP_E_NOMEM;
    }
    if (c.has_email) {
        struct change pc = { .l = { .r = r } };
        snprintf(pc.uid, sizeof pc.uid, "%s", c.uid);
        pc.l.user_id = who->user_id;
        throttle_keys(&pc.l, who->username);
        enum kp_err err = kp_db_tx(db, KP_TX_READ_ONLY, change_lookup_tx, &pc);
        if (err == KP_OK && pc.l.wait > 0) {
            json_decref(errors);
            return too_many(r, "密码验证", pc.l.wait);
        }
        if (err == KP_OK && !kp_password_verify(pc.l.hash, current)) {
            err = kp_db_tx(db, KP_TX_AUDITED, change_failed_tx, &pc);
            if (err == KP_OK) {
                kp_problem_field(errors, "current_password", "incorrect", "当前密码不正确");
                return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
            }
        }
        if (err) {
            json_decref(errors);
            return err;
        }
    }
    json_decref(errors);
    enum kp_err err = kp_db_tx(db, KP_TX_AUDITED, mail_tx, &c);
    return err ? err : reply_current(r, who, &c.now);
}
