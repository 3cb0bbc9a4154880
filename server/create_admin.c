/* kpjdd create-admin USERNAME [--email ADDRESS]: the first account, made
 * from the command line with the password on standard input (never in
 * argv, where `ps` would show it). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "email.h"
#include "account.h"
#include "audit.h"
#include "cli.h"
#include "db.h"
#include "migrate.h"
#include "password.h"
#include "validate.h"

static const struct kp_stmt SQL_INSERT = {
    "create_admin_insert",
    "INSERT INTO users (username, role, display_name, password_hash, email)"
    " VALUES ($1, 'admin', '系统管理员', $2, $3) RETURNING id",
    3,
};

struct admin {
    const char *username, *email;     /* email: NULL when none */
    char hash[KP_PWHASH_LEN];
    char id[24];
};

static enum kp_err insert_tx(struct kp_db *db, void *arg)
{
    struct admin *a = arg;
    const char *params[] = { a->username, a->hash, a->email };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_INSERT, params, &res);
    if (err)
        return err;
    snprintf(a->id, sizeof a->id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const struct kp_actor system = { 0, "system", NULL, NULL };
    json_t *data = json_pack("{s:s, s:s, s:s, s:o}", "username", a->username, "role", "admin",
                             "via", "create-admin", "email", a->email ? json_string(a->email) : json_null());
    err = kp_audit_append(db, &system, "user.created", "user", a->id, data);
    json_decref(data);
    return err;
}

/* The first line of standard input, without its line end. */
static bool read_password(char *buf, size_t n)
{
    if (fgets(buf, (int)n, stdin) == NULL)
        return false;
    size_t len = strcspn(buf, "\r\n");
    if (buf[len] == '\0' && len == n - 1)     /* no line end within the buffer: too long */
        return false;
    buf[len] = '\0';
    return true;
}

int kp_cli_create_admin(const struct kp_config *cfg, const char *username, const char *email)
{
    char why[256];
    if (!kp_username_valid(username, why, sizeof why)) {
        fprintf(stderr, "kpjdd: create-admin: invalid username '%s': %s\n", username, why);
        return 1;
    }
    if (email != NULL && !kp_email_ok(email)) {
        fprintf(stderr, "kpjdd: create-admin: invalid email address '%s'\n", email);
        return 1;
    }
    char password[KP_PASSWORD_MAX * 4 + 2];
    if (!read_password(password, sizeof password)) {
        fprintf(stderr, "kpjdd: create-admin: give the password (%d to %d characters) on one "
                        "line of standard input\n", KP_PASSWORD_MIN, KP_PASSWORD_MAX);
        return 1;
    }
    if (!kp_password_acceptable(password, username, why, sizeof why)) {
        sodium_memzero(password, sizeof password);
        fprintf(stderr, "kpjdd: create-admin: password refused: %s (%d to %d characters, "
                        "no dictionary word, nothing simple or systematic, not the username)\n",
                why, KP_PASSWORD_MIN, KP_PASSWORD_MAX);
        return 1;
    }
    struct admin a = { .username = username, .email = email };
    const struct kp_pwcost cost = { cfg->auth.pwhash_ops, cfg->auth.pwhash_mem };
    enum kp_err err = kp_password_hash(password, &cost, a.hash);
    sodium_memzero(password, sizeof password);
    if (err) {
        fprintf(stderr, "kpjdd: create-admin: cannot hash the password: out of memory\n");
        return 1;
    }

    const struct kp_db_options opt = { cfg->db.conninfo, cfg->db.connect_timeout,
                                       cfg->db.statement_timeout, cfg->db.tx_retries, NULL };
    struct kp_db *db = kp_db_new(&opt);
    if (db == NULL || kp_db_ensure(db) != KP_OK) {
        fprintf(stderr, "kpjdd: create-admin: cannot connect to the database (db.conninfo)\n");
        kp_db_free(db);
        return 1;
    }
    enum kp_schema_state state;
    err = kp_schema_check(kp_db_conn(db), kp_migrations, kp_migrations_count, &state, why, sizeof why);
    if (err || state != KP_SCHEMA_CURRENT) {
        fprintf(stderr, "kpjdd: create-admin: the database schema is not current (%s): "
                        "run 'kpjdd migrate' first\n", err ? kp_err_str(err) : why);
        kp_db_free(db);
        return 1;
    }
    err = kp_db_tx(db, KP_TX_AUDITED, insert_tx, &a);
    kp_db_free(db);
    if (err == KP_E_DB_UNIQUE) {
        fprintf(stderr, "kpjdd: create-admin: the username '%s' is taken\n", username);
        return 1;
    }
    if (err) {
        fprintf(stderr, "kpjdd: create-admin: %s\n", kp_err_str(err));
        return 1;
    }
    printf("created admin '%s' (user id %s)\n", username, a.id);
    return 0;
}
