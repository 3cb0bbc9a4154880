/* A fresh PostgreSQL database for a unit test, and SQL that must succeed.
 *
 * The suites that need PostgreSQL (test_db, test_auditlog, test_notify,
 * test_throttle, test_ratelimit) read KPJD_TEST_PGHOST, KPJD_TEST_PGPORT
 * (default 5432), KPJD_TEST_PGSUPER (a superuser, default postgres) and
 * KPJD_TEST_DBUSER (the role that owns the test database, default kpjd);
 * `./dev test` sets them.  Without KPJD_TEST_PGHOST such a suite fails: it
 * never skips.
 *
 * One test database per process, kpjd_unit_<prefix>_<pid>: created (after
 * dropping a leftover of a crashed run) through a superuser connection and
 * owned by KPJD_TEST_DBUSER, dropped again at the end.  Use it as
 *
 *     int main(void)
 *     {
 *         if (!kp_testdb_init("notify"))
 *             return EXIT_FAILURE;
 *         ...
 *     }
 *
 * and tcase_add_unchecked_fixture(tc, kp_testdb_create, kp_testdb_drop). */
#ifndef KP_TEST_TESTDB_H
#define KP_TEST_TESTDB_H

#include <libpq-fe.h>
#include <stdbool.h>

struct kp_db;

/* Reads the environment and names the database kpjd_unit_<prefix>_<pid>.
 * False, after saying why on standard error as test_<prefix>, when
 * KPJD_TEST_PGHOST is not set: main then returns EXIT_FAILURE. */
bool kp_testdb_init(const char *prefix);

/* Unchecked fixture: the fresh database, with a superuser connection to
 * database postgres and the owner's connection to the new one. */
void kp_testdb_create(void);

/* Its teardown: closes both connections and drops the database (WITH
 * (FORCE): connections a test left open do not keep it). */
void kp_testdb_drop(void);

const char *kp_testdb_name(void);
const char *kp_testdb_user(void);          /* KPJD_TEST_DBUSER: the owner */
const char *kp_testdb_superuser(void);     /* KPJD_TEST_PGSUPER */
const char *kp_testdb_conninfo(void);      /* the owner on the test database */

/* Between create and drop: the owner on the test database, to look behind
 * kp_db's back; the superuser on database postgres. */
PGconn *kp_testdb_owner(void);
PGconn *kp_testdb_super(void);

/* A new connection to the test database as `user` (notices silenced);
 * fails the test when it cannot connect.  The caller PQfinishes it. */
PGconn *kp_testdb_connect(const char *user);

/* A kp_db on the test database as the owner: connect_timeout 2,
 * statement_timeout 10000, tx_retries 3, no stats.  Caller kp_db_frees. */
struct kp_db *kp_testdb_new_db(void);

/* Runs SQL on `c` that must succeed, with at most one parameter ($1, when
 * `param` is not NULL); returns the first value of the first row, if any
 * and not NULL (caller frees). */
char *kp_testdb_sql_on(PGconn *c, const char *text, const char *param);

/* The same on the owner's connection. */
char *kp_testdb_sql(const char *text);
char *kp_testdb_sql1(const char *text, const char *param);

/* The owner's query's first value as a number; fails the test when there
 * is none. */
long long kp_testdb_sql_ll(const char *text, const char *param);

/* Runs the whole file `rel` of the source tree (e.g.
 * "migrations/0002_accounts.sql") on `c`; it must succeed. */
void kp_testdb_run_file(PGconn *c, const char *rel);

/* As the owner: drops and re-creates schema public, then runs the
 * migration file `rel` of the source tree. */
void kp_testdb_fresh_schema(const char *rel);

#endif
