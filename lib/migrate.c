#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "migrate.h"

/* Any constant will do, as long as nothing else in the database uses it. */
#define MIGRATION_LOCK "4242017"

void kp_migration_sha256(const struct kp_migration *m, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)m->sql, m->len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static bool command_ok(PGconn *conn, const char *sql, char *why, size_t why_len)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        snprintf(why, why_len, "%s", PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

static const char SQL_CREATE_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version    integer PRIMARY KEY,"
    " name       text NOT NULL,"
    " sha256     text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

/* Runs a query that cannot fail for a missing table, so that a caller's
 * transaction stays usable.  NULL result (why set) on failure. */
static PGresult *query(PGconn *conn, const char *sql, char *why, size_t why_len)
{
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        return r;
    snprintf(why, why_len, "%s", PQresultErrorMessage(r));
    PQclear(r);
    return NULL;
}

enum kp_err kp_schema_check(PGconn *conn, const struct kp_migration *list, size_t n,
                            enum kp_schema_state *state, char *why, size_t why_len)
{
    why[0] = '\0';
    PGresult *r = query(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL", why, why_len);
    if (r == NULL)
        return PQstatus(conn) == CONNECTION_OK ? KP_E_DB : KP_E_DB_GONE;
    bool exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!exists) {
        *state = n == 0 ? KP_SCHEMA_CURRENT : KP_SCHEMA_BEHIND;
        if (n)
            snprintf(why, why_len, "no migration applied yet (this build knows %zu)", n);
        return KP_OK;
    }
    r = query(conn, "SELECT version, name, sha256 FROM schema_migrations ORDER BY version",
              why, why_len);
    if (r == NULL)
        return PQstatus(conn) == CONNECTION_OK ? KP_E_DB : KP_E_DB_GONE;
    int rows = PQntuples(r);
    *state = KP_SCHEMA_CURRENT;
    for (int i = 0; i < rows; i++) {
        int version = atoi(PQgetvalue(r, i, 0));
        if (version < 1 || (size_t)version > n) {
            *state = KP_SCHEMA_NEWER;
            snprintf(why, why_len, "the database has migration %d (%s), newer than this kpjdd "
                     "knows (up to %zu): run a newer kpjdd", version, PQgetvalue(r, i, 1), n);
            break;
        }
        const struct kp_migration *m = &list[version - 1];
        char hex[65];
        kp_migration_sha256(m, hex);
        if (strcmp(hex, PQgetvalue(r, i, 2)) != 0) {
            *state = KP_SCHEMA_CHANGED;
            snprintf(why, why_len, "migration %s was changed after it was applied "
                     "(applied sha256 %.12s…, file %.12s…): write a new migration instead",
                     m->name, PQgetvalue(r, i, 2), hex);
            break;
        }
    }
    if (*state == KP_SCHEMA_CURRENT && (size_t)rows < n) {
        *state = KP_SCHEMA_BEHIND;
        snprintf(why, why_len, "%zu of %zu migrations applied", (size_t)rows, n);
    }
    PQclear(r);
    return KP_OK;
}

static enum kp_err apply_one(PGconn *conn, const struct kp_migration *m, char *why, size_t why_len)
{
    char hex[65], version[16];
    kp_migration_sha256(m, hex);
    snprintf(version, sizeof version, "%d", m->version);
    if (!command_ok(conn, "BEGIN", why, why_len))
        return KP_E_DB;
    PGresult *r = PQexec(conn, m->sql);       /* a migration may hold many statements */
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(why, why_len, "migration %s failed: %s", m->name, PQresultErrorMessage(r));
        PQclear(r);
        command_ok(conn, "ROLLBACK", why + strlen(why), 0);
        return KP_E_DB;
    }
    PQclear(r);
    const char *params[] = { version, m->name, hex };
    r = PQexecParams(conn, "INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)",
                     3, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(why, why_len, "recording %s failed: %s", m->name, PQresultErrorMessage(r));
    PQclear(r);
    if (!ok || !command_ok(conn, "COMMIT", why, why_len)) {
        command_ok(conn, "ROLLBACK", why + strlen(why), 0);
        return KP_E_DB;
    }
    kp_info("migrate: applied %s", m->name);
    return KP_OK;
}

enum kp_err kp_migrate(PGconn *conn, const struct kp_migration *list, size_t n,
                       int *applied, char *why, size_t why_len)
{
    *applied = 0;
    why[0] = '\0';
    if (!command_ok(conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")", why, why_len))
        return PQstatus(conn) == CONNECTION_OK ? KP_E_DB : KP_E_DB_GONE;
    enum kp_err err = KP_OK;
    enum kp_schema_state state;
    if (!command_ok(conn, SQL_CREATE_TABLE, why, why_len)) {
        err = KP_E_DB;
        goto unlock;
    }
    /* Read under the lock: another process may have just migrated. */
    err = kp_schema_check(conn, list, n, &state, why, why_len);
    if (err)
        goto unlock;
    if (state == KP_SCHEMA_NEWER || state == KP_SCHEMA_CHANGED) {
        err = KP_E_SCHEMA;
        goto unlock;
    }
    PGresult *r = PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    int have = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : -1;
    if (have < 0)
        snprintf(why, why_len, "%s", PQresultErrorMessage(r));
    PQclear(r);
    if (have < 0) {
        err = KP_E_DB;
        goto unlock;
    }
    why[0] = '\0';
    for (size_t i = (size_t)have; i < n; i++) {
        err = apply_one(conn, &list[i], why, why_len);
        if (err)
            goto unlock;
        (*applied)++;
    }
unlock:;
    char ignore[8];
    command_ok(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")", ignore, sizeof ignore);
    return err;
}
