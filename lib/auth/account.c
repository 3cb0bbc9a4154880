#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "db.h"
#include "json.h"

/* ASCII only, whatever the locale. */
static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool kp_username_valid(const char *name, char *why, size_t why_len)
{
    size_t n = strlen(name);
    if (n < KP_USERNAME_MIN || n > KP_USERNAME_MAX) {
        snprintf(why, why_len, "用户名长度应为 %d 到 %d 个字符", KP_USERNAME_MIN, KP_USERNAME_MAX);
        return false;
    }
    if (!alnum(name[0])) {
        snprintf(why, why_len, "用户名应以字母或数字开头");
        return false;
    }
    for (const char *p = name; *p; p++)
        if (!(alnum(*p) || *p == '_' || *p == '.' || *p == '@' || *p == '-')) {
            snprintf(why, why_len, "用户名只能包含字母、数字和 _ . @ -");
            return false;
        }
    return true;
}

void kp_username_fold(const char *name, char *out, size_t out_len)
{
    size_t n = kp_utf8_prefix(name, out_len - 1);
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    out[n] = '\0';
}

enum kp_err kp_account_initial_password(struct kp_initial_password *p, const struct kp_pwcost *cost)
{
    kp_password_random(p->password);
    return kp_password_hash(p->password, cost, p->hash);
}

void kp_account_forget(struct kp_initial_password *p)
{
    sodium_memzero(p, sizeof *p);
}

static const struct kp_stmt SQL_CREATE = {
    "account_create",
    "INSERT INTO users (username, role, display_name, password_hash, must_change_password)"
    " VALUES ($1, $2, $3, $4, true) RETURNING id",
    4,
};

static const struct kp_stmt SQL_SET_DISABLED = {
    "account_set_disabled", "UPDATE users SET disabled = $2 WHERE id = $1", 2,
};

static const struct kp_stmt SQL_RESET_PASSWORD = {
    "account_reset_password",
    "UPDATE users SET password_hash = $2, must_change_password = true, password_changed_at = now()"
    " WHERE id = $1",
    2,
};

static const struct kp_stmt SQL_END_SESSIONS = {
    "account_end_sessions",
    "UPDATE sessions SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL",
    1,
};

/* Runs a statement whose rows nobody reads. */
static enum kp_err run(struct kp_db *db, const struct kp_stmt *stmt, const char *const *params)
{
    PGresult *res;
    enum kp_err err = kp_db_exec(db, stmt, params, &res);
    if (err == KP_OK)
        PQclear(res);
    return err;
}

enum kp_err kp_account_create(struct kp_db *db, const char *role, const char *username,
                              const char *display_name, const char *hash, char user_id[24])
{
    const char *params[] = { username, role, display_name, hash };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_CREATE, params, &res);
    if (err)
        return err;
    snprintf(user_id, 24, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return KP_OK;
}

enum kp_err kp_account_end_sessions(struct kp_db *db, const char *user_id, int *ended)
{
    const char *params[] = { user_id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_END_SESSIONS, params, &res);
    if (err)
        return err;
    if (ended)
        *ended = atoi(PQcmdTuples(res));
    PQclear(res);
    return KP_OK;
}

enum kp_err kp_account_set_disabled(struct kp_db *db, const char *user_id, bool disabled)
{
    const char *params[] = { user_id, disabled ? "true" : "false" };
    enum kp_err err = run(db, &SQL_SET_DISABLED, params);
    if (err || !disabled)
        return err;
    return kp_account_end_sessions(db, user_id, NULL);   /* logged out now, not at the next request */
}

enum kp_err kp_account_reset_password(struct kp_db *db, const char *user_id, const char *hash)
{
    const char *params[] = { user_id, hash };
    enum kp_err err = run(db, &SQL_RESET_PASSWORD, params);
    return err ? err : kp_account_end_sessions(db, user_id, NULL);
}
