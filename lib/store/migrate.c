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

/* ---- the serving role's privileges ---- */

/* Why `role` must not serve: it does not exist, is the owner itself, can
 * become it or any other role, or owns something.  NULL when it may. */
static const char SQL_ROLE_CHECK[] =
    "SELECT CASE"
    "  WHEN r.oid IS NULL THEN 'does not exist'"
    "  WHEN r.rolsuper THEN 'is a superuser'"
    "  WHEN r.rolcreaterole THEN 'has CREATEROLE'"
    "  WHEN r.rolname = current_user THEN 'is the role that migrates (db.migrate_conninfo)'"
    "  WHEN pg_has_role(r.oid, current_user, 'MEMBER') THEN 'is a member of the owner role'"
    "  WHEN EXISTS (SELECT 1 FROM pg_class WHERE relowner = r.oid)"
    "    OR EXISTS (SELECT 1 FROM pg_proc WHERE proowner = r.oid)"
    "    OR EXISTS (SELECT 1 FROM pg_namespace WHERE nspowner = r.oid)"
    "    OR EXISTS (SELECT 1 FROM pg_type WHERE typowner = r.oid)"
    "    THEN 'owns objects in this database'"
    "  END"
    "  FROM (SELECT $1::text AS name) n LEFT JOIN pg_roles r ON r.rolname = n.name";

/* The statements that give `role` ($1) exactly what kpjdd needs, computed
 * from the catalog after every migration run, so a table added by a later
 * migration is covered without a line here.  Every table of schema public
 * gets SELECT, INSERT, UPDATE, DELETE except the few listed: the audit
 * trail is append-only and its head moves only through audit_log's trigger
 * (as the owner); schema_migrations is the owner's record; regions is
 * reference data.  Sequences: USAGE (nextval), never UPDATE (setval).  No
 * TRUNCATE, REFERENCES, TRIGGER, CREATE anywhere, and no ownership.  CREATE
 * on schema public is taken from PUBLIC when the owner role owns it
 * (PostgreSQL 15 no longer grants it; older databases may). */
static const char SQL_GRANTS[] =
    "WITH exceptions (name, privileges) AS (VALUES"
    "    ('audit_log', 'SELECT, INSERT'),"
    "    ('audit_checkpoints', 'SELECT, INSERT'),"
    "    ('audit_head', 'SELECT'),"
    "    ('schema_migrations', 'SELECT'),"
    "    ('regions', 'SELECT')),"
    " tables AS (SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    "             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')),"
    " steps (step, name, sql) AS ("
    "  SELECT 1, '', 'REVOKE CREATE ON SCHEMA public FROM PUBLIC'"
    "   WHERE pg_has_role((SELECT nspowner FROM pg_namespace WHERE nspname = 'public'), 'USAGE')"
    "  UNION ALL SELECT 2, '', format('REVOKE ALL ON SCHEMA public FROM %I', $1::text)"
    "  UNION ALL SELECT 3, '', format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', $1::text)"
    "  UNION ALL SELECT 4, '', format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', $1::text)"
    "  UNION ALL SELECT 5, '', format('GRANT USAGE ON SCHEMA public TO %I', $1::text)"
    "  UNION ALL SELECT 6, t.relname::text, format('GRANT %s ON TABLE public.%I TO %I',"
    "                   coalesce(e.privileges, 'SELECT, INSERT, UPDATE, DELETE'), t.relname, $1::text)"
    "    FROM tables t LEFT JOIN exceptions e ON e.name = t.relname"
    "  UNION ALL SELECT 7, '', format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO %I', $1::text))"
    "SELECT sql FROM steps ORDER BY step, name";

/* Runs one statement with the role as $1; the first value of the first
 * row (or NULL), caller PQclears *res. */
static bool with_role(PGconn *conn, const char *sql, const char *role, PGresult **res, char *why,
                      size_t why_len)
{
    *res = PQexecParams(conn, sql, 1, NULL, &role, NULL, NULL, 0);
    if (PQresultStatus(*res) == PGRES_TUPLES_OK)
        return true;
    snprintf(why, why_len, "granting db.app_role '%s': %s", role, PQresultErrorMessage(*res));
    PQclear(*res);
    *res = NULL;
    return false;
}

static enum kp_err grant_tx(PGconn *conn, const char *role, char *why, size_t why_len)
{
    PGresult *r;
    if (!with_role(conn, SQL_ROLE_CHECK, role, &r, why, why_len))
        return KP_E_DB;
    bool refused = !PQgetisnull(r, 0, 0);
    if (refused)
        snprintf(why, why_len, "db.app_role '%s' %s: the serving role must be a plain role that "
                 "owns nothing", role, PQgetvalue(r, 0, 0));
    PQclear(r);
    if (refused)
        return KP_E_SCHEMA;
    if (!with_role(conn, SQL_GRANTS, role, &r, why, why_len))
        return KP_E_DB;
    int rows = PQntuples(r);
    bool ok = true;
    for (int i = 0; i < rows && ok; i++)
        ok = command_ok(conn, PQgetvalue(r, i, 0), why, why_len);
    PQclear(r);
    return ok ? KP_OK : KP_E_DB;
}

enum kp_err kp_grant_app_role(PGconn *conn, const char *role, char *why, size_t why_len)
{
    why[0] = '\0';
    /* Under the migration lock: two processes granting at once would meet
     * with "tuple concurrently updated". */
    if (!command_ok(conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")", why, why_len))
        return PQstatus(conn) == CONNECTION_OK ? KP_E_DB : KP_E_DB_GONE;
    enum kp_err err = KP_E_DB;
    if (command_ok(conn, "BEGIN", why, why_len)) {
        err = grant_tx(conn, role, why, why_len);
        char ignore[8];
        if (err || !command_ok(conn, "COMMIT", why, why_len)) {
            command_ok(conn, "ROLLBACK", ignore, sizeof ignore);
            err = err ? err : KP_E_DB;
        }
    }
    char ignore[8];
    command_ok(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")", ignore, sizeof ignore);
    if (err == KP_OK)
        kp_info("migrate: granted db.app_role '%s' what kpjdd needs", role);
    return err;
}
