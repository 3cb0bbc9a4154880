/* lib/db and lib/migrate against a real PostgreSQL: transactions commit or
 * roll back, serialization failures are retried, a killed connection is
 * replaced once, an unreachable server fails fast; BEGIN and COMMIT go
 * prepared; kp_db_read runs one statement in one round trip, outside any
 * transaction; migrations apply once,
 * in order, and refuse a database they do not recognise.
 *
 * Needs KPJD_TEST_PGHOST, KPJD_TEST_PGPORT, KPJD_TEST_PGSUPER (a superuser)
 * and KPJD_TEST_DBUSER (the role that owns the test database); `./dev test`
 * sets them.  Each test case gets a fresh database kpjd_unit_db_<pid>
 * (support/testdb.h). */
#include <check.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "migrate.h"
#include "support/testdb.h"
#include "support/unit.h"

/* ---- kp_db ------------------------------------------------------------ */

static struct kp_db_stats stats;
static struct kp_db *db;

static struct kp_db *new_db(const char *conninfo, unsigned tx_retries, unsigned statement_timeout)
{
    const struct kp_db_options opt = {
        .conninfo = conninfo,
        .connect_timeout = 2,
        .statement_timeout = statement_timeout,
        .tx_retries = tx_retries,
        .stats = &stats,
    };
    struct kp_db *d = kp_db_new(&opt);
    ck_assert_ptr_nonnull(d);
    return d;
}

static void tx_setup(void)
{
    memset(&stats, 0, sizeof stats);
    free(kp_testdb_sql("DROP TABLE IF EXISTS kv"));
    free(kp_testdb_sql("CREATE TABLE kv (k integer PRIMARY KEY, v text)"));
    db = new_db(kp_testdb_conninfo(), 3, 0);
}

static void tx_teardown(void)
{
    kp_db_free(db);
    db = NULL;
}

static const struct kp_stmt INSERT_KV = {
    "unit_insert_kv", "INSERT INTO kv (k, v) VALUES ($1, $2)", 2 };
static const struct kp_stmt RAISE_40001 = {
    "unit_raise_40001", "DO $$ BEGIN RAISE EXCEPTION 'unit' USING ERRCODE = '40001'; END $$", 0 };
static const struct kp_stmt BACKEND_PID = {
    "unit_backend_pid", "SELECT pg_backend_pid()", 0 };
static const struct kp_stmt SYNTAX_ERROR = {
    "unit_syntax_error", "SELEC 1", 0 };
static const struct kp_stmt DIVIDE_BY_ZERO = {
    "unit_divide_by_zero", "SELECT 1 / (random() * 0)::int", 0 };
static const struct kp_stmt SLEEP = {
    "unit_sleep", "SELECT pg_sleep(1)", 0 };
static const struct kp_stmt COUNT_KV = {
    "unit_count_kv", "SELECT count(*) FROM kv", 0 };

static enum kp_err run(struct kp_db *d, const struct kp_stmt *st, const char *const *params)
{
    PGresult *r = NULL;
    enum kp_err err = kp_db_exec(d, st, params, &r);
    if (err == KP_OK) {
        ck_assert_ptr_nonnull(r);
        PQclear(r);
    } else {
        ck_assert_ptr_null(r);
    }
    return err;
}

static long rows_with(const char *k)
{
    return kp_testdb_sql_ll("SELECT count(*) FROM kv WHERE k = $1", k);
}

struct insert_arg {
    const char *k, *v;
    enum kp_err then;          /* what the fn returns after inserting */
    int attempts;
    int fail_attempts;         /* attempts that raise 40001 after inserting */
};

static enum kp_err insert_fn(struct kp_db *d, void *p)
{
    struct insert_arg *a = p;
    a->attempts++;
    const char *params[] = { a->k, a->v };
    enum kp_err err = run(d, &INSERT_KV, params);
    if (err)
        return err;
    if (a->attempts <= a->fail_attempts)
        return run(d, &RAISE_40001, NULL);
    return a->then;
}

START_TEST(tx_commits)
{
    struct insert_arg a = { "1", "一", KP_OK, 0, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, insert_fn, &a), KP_OK);
    ck_assert_int_eq(a.attempts, 1);
    ck_assert_int_eq(rows_with("1"), 1);
    char *v = kp_testdb_sql("SELECT v FROM kv WHERE k = 1");
    ck_assert_str_eq(v, "一");
    free(v);
    ck_assert(kp_db_connected(db));
    ck_assert_ptr_nonnull(kp_db_conn(db));
    ck_assert_int_eq(PQtransactionStatus(kp_db_conn(db)), PQTRANS_IDLE);
    ck_assert_uint_eq(stats.connects, 1);
    ck_assert_uint_eq(stats.open, 1);
    ck_assert_uint_eq(stats.tx_retries, 0);
}
END_TEST

START_TEST(tx_rolls_back_on_error)
{
    struct insert_arg a = { "2", "二", KP_E_INVAL, 0, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, insert_fn, &a), KP_E_INVAL);
    ck_assert_int_eq(a.attempts, 1);                  /* only the database's errors are retried */
    ck_assert_int_eq(rows_with("2"), 0);
    ck_assert_int_eq(PQtransactionStatus(kp_db_conn(db)), PQTRANS_IDLE);
    /* the connection is fine for the next one */
    struct insert_arg b = { "2", "二", KP_OK, 0, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, insert_fn, &b), KP_OK);
    ck_assert_int_eq(rows_with("2"), 1);
    ck_assert_uint_eq(stats.connects, 1);
}
END_TEST

START_TEST(tx_retries_serialization_failure)
{
    struct insert_arg a = { "3", "三", KP_OK, 0, 1 };
    ck_assert_int_eq(kp_db_tx(db, 0, insert_fn, &a), KP_OK);
    ck_assert_int_eq(a.attempts, 2);
    ck_assert_uint_eq(stats.tx_retries, 1);
    ck_assert_str_eq(kp_db_last_sqlstate(db), "40001");
    /* the first attempt's insert was rolled back, or the second would
     * have hit the primary key */
    ck_assert_int_eq(rows_with("3"), 1);
    ck_assert_uint_eq(stats.connects, 1);
}
END_TEST

START_TEST(tx_retries_give_up)
{
    struct insert_arg a = { "4", "四", KP_OK, 0, 1000 };
    ck_assert_int_eq(kp_db_tx(db, 0, insert_fn, &a), KP_E_DB_RETRY);
    ck_assert_int_eq(a.attempts, 3 + 1);              /* tx_retries + 1 */
    ck_assert_uint_eq(stats.tx_retries, 3);
    ck_assert_int_eq(rows_with("4"), 0);

    kp_db_free(db);
    db = new_db(kp_testdb_conninfo(), 0, 0);
    struct insert_arg b = { "4", "四", KP_OK, 0, 1000 };
    ck_assert_int_eq(kp_db_tx(db, 0, insert_fn, &b), KP_E_DB_RETRY);
    ck_assert_int_eq(b.attempts, 1);
    ck_assert_uint_eq(stats.tx_retries, 3);
}
END_TEST

START_TEST(tx_unique_violation)
{
    free(kp_testdb_sql("INSERT INTO kv VALUES (5, 'there')"));
    struct insert_arg a = { "5", "again", KP_OK, 0, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, insert_fn, &a), KP_E_DB_UNIQUE);
    ck_assert_int_eq(a.attempts, 1);
    ck_assert_str_eq(kp_db_last_sqlstate(db), "23505");
    char *v = kp_testdb_sql("SELECT v FROM kv WHERE k = 5");
    ck_assert_str_eq(v, "there");
    free(v);
    ck_assert(kp_db_connected(db));
}
END_TEST

static enum kp_err two_inserts_fn(struct kp_db *d, void *p)
{
    (void)p;
    const char *first[] = { "6", "first" }, *dup[] = { "6", "dup" };
    enum kp_err err = run(d, &INSERT_KV, first);
    return err ? err : run(d, &INSERT_KV, dup);
}

START_TEST(tx_error_rolls_back_earlier_statements)
{
    ck_assert_int_eq(kp_db_tx(db, 0, two_inserts_fn, NULL), KP_E_DB_UNIQUE);
    ck_assert_int_eq(rows_with("6"), 0);
}
END_TEST

static enum kp_err stmt_fn(struct kp_db *d, void *p)
{
    return run(d, p, NULL);
}

START_TEST(tx_syntax_error)
{
    ck_assert_int_eq(kp_db_tx(db, 0, stmt_fn, (void *)&SYNTAX_ERROR), KP_E_DB);
    ck_assert_str_eq(kp_db_last_sqlstate(db), "42601");
    ck_assert_int_eq(kp_db_tx(db, 0, stmt_fn, (void *)&DIVIDE_BY_ZERO), KP_E_DB);
    ck_assert_str_eq(kp_db_last_sqlstate(db), "22012");
    /* neither broke the connection, and a failed prepare is tried again */
    ck_assert(kp_db_connected(db));
    ck_assert_int_eq(kp_db_tx(db, 0, stmt_fn, (void *)&COUNT_KV), KP_OK);
    ck_assert_int_eq(kp_db_tx(db, 0, stmt_fn, (void *)&SYNTAX_ERROR), KP_E_DB);
    ck_assert_uint_eq(stats.connects, 1);
    ck_assert_uint_eq(stats.lost, 0);
    ck_assert_uint_eq(stats.tx_retries, 0);
}
END_TEST

START_TEST(tx_read_only)
{
    struct insert_arg a = { "7", "七", KP_OK, 0, 0 };
    ck_assert_int_eq(kp_db_tx(db, KP_TX_READ_ONLY, insert_fn, &a), KP_E_DB);
    ck_assert_str_eq(kp_db_last_sqlstate(db), "25006");   /* read_only_sql_transaction */
    ck_assert_int_eq(rows_with("7"), 0);
    ck_assert_int_eq(kp_db_tx(db, KP_TX_READ_ONLY, stmt_fn, (void *)&COUNT_KV), KP_OK);
}
END_TEST

START_TEST(tx_statement_timeout)
{
    kp_db_free(db);
    db = new_db(kp_testdb_conninfo(), 3, 100);
    ck_assert_int_eq(kp_db_tx(db, 0, stmt_fn, (void *)&SLEEP), KP_E_DB_SLOW);   /* busy: 503, not a bug */
    ck_assert_str_eq(kp_db_last_sqlstate(db), "57014");     /* canceled: not "gone" */
    ck_assert(kp_db_connected(db));
    ck_assert_uint_eq(stats.lost, 0);
    ck_assert_uint_eq(stats.tx_retries, 0);
}
END_TEST

START_TEST(exec_null_parameter)
{
    struct insert_arg a = { "8", NULL, KP_OK, 0, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, insert_fn, &a), KP_OK);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT count(*) FROM kv WHERE k = 8 AND v IS NULL", NULL),
                     1);
}
END_TEST

static enum kp_err pid_fn(struct kp_db *d, void *p)
{
    PGresult *r;
    enum kp_err err = kp_db_exec(d, &BACKEND_PID, NULL, &r);
    if (err)
        return err;
    *(long *)p = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    return KP_OK;
}

START_TEST(reconnect_after_backend_killed)
{
    long pid = 0, pid2 = 0;
    ck_assert_int_eq(kp_db_tx(db, 0, pid_fn, &pid), KP_OK);
    ck_assert_int_gt(pid, 0);
    ck_assert_uint_eq(stats.connects, 1);

    char pid_text[24];
    snprintf(pid_text, sizeof pid_text, "%ld", pid);
    char *killed = kp_testdb_sql_on(kp_testdb_super(), "SELECT pg_terminate_backend($1, 5000)",
                                    pid_text);                  /* waits */
    ck_assert_str_eq(killed, "t");
    free(killed);

    ck_assert_int_eq(kp_db_tx(db, 0, pid_fn, &pid2), KP_OK);   /* re-prepared, transparently */
    ck_assert_int_gt(pid2, 0);
    ck_assert_int_ne(pid2, pid);
    ck_assert_uint_eq(stats.lost, 1);
    ck_assert_uint_eq(stats.connects, 2);
    ck_assert_uint_eq(stats.open, 1);
    ck_assert_uint_eq(stats.connect_failures, 0);

    /* and it stays usable */
    long pid3 = 0;
    ck_assert_int_eq(kp_db_tx(db, 0, pid_fn, &pid3), KP_OK);
    ck_assert_int_eq(pid3, pid2);
    ck_assert_uint_eq(stats.connects, 2);
}
END_TEST

static const struct kp_stmt ISOLATION = {
    "unit_isolation", "SELECT current_setting('transaction_isolation')", 0 };
static const struct kp_stmt PREPARED_TX = {
    "unit_prepared_tx",
    "SELECT string_agg(statement, ', ' ORDER BY statement) FROM pg_prepared_statements"
    " WHERE statement IN ('BEGIN ISOLATION LEVEL SERIALIZABLE', 'COMMIT', 'ROLLBACK')", 0 };

struct text_arg {
    const struct kp_stmt *stmt;
    char text[128];
};

static enum kp_err text_fn(struct kp_db *d, void *p)
{
    struct text_arg *a = p;
    PGresult *r;
    enum kp_err err = kp_db_exec(d, a->stmt, NULL, &r);
    if (err)
        return err;
    snprintf(a->text, sizeof a->text, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return KP_OK;
}

static void read_text(const struct kp_stmt *stmt, char *out, size_t n)
{
    PGresult *r = NULL;
    ck_assert_int_eq(kp_db_read(db, stmt, NULL, &r), KP_OK);
    snprintf(out, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

START_TEST(tx_control_prepared)
{
    struct text_arg a = { &PREPARED_TX, "" };
    ck_assert_int_eq(kp_db_tx(db, 0, text_fn, &a), KP_OK);
    ck_assert_str_eq(a.text, "BEGIN ISOLATION LEVEL SERIALIZABLE, COMMIT, ROLLBACK");
    /* once prepared, a transaction of one statement is three round trips */
    uint64_t before = stats.round_trips;
    ck_assert_int_eq(kp_db_tx(db, 0, text_fn, &a), KP_OK);
    ck_assert_uint_eq(stats.round_trips - before, 3);
    /* a failed transaction rolls back with the prepared ROLLBACK */
    struct insert_arg bad = { "9", "九", KP_OK, 0, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, insert_fn, &bad), KP_OK);
    ck_assert_int_eq(kp_db_tx(db, 0, insert_fn, &bad), KP_E_DB_UNIQUE);
    ck_assert_int_eq(PQtransactionStatus(kp_db_conn(db)), PQTRANS_IDLE);
}
END_TEST

/* ---- the audit turn (KP_TX_AUDITED) ------------------------------------ */

/* Sessions of the test database holding the turn. */
static long long turn_holders(void)
{
    return kp_testdb_sql_ll("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                            " WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = 4242018"
                            "   AND l.granted AND d.datname = current_database()", NULL);
}

/* insert_fn, checking that the turn is held throughout. */
static enum kp_err turn_fn(struct kp_db *d, void *p)
{
    ck_assert(kp_db_holds_turn(d));
    ck_assert_int_eq(turn_holders(), 1);
    return insert_fn(d, p);
}

START_TEST(audited_tx_takes_turn)
{
    struct insert_arg a = { "10", "十", KP_OK, 0, 0 };
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, turn_fn, &a), KP_OK);
    ck_assert(!kp_db_holds_turn(db));
    ck_assert_int_eq(turn_holders(), 0);
    ck_assert_int_eq(rows_with("10"), 1);
    /* the turn rides with BEGIN and with COMMIT: once prepared, one
     * statement is three round trips, as without it */
    struct insert_arg b = { "11", "十一", KP_OK, 0, 0 };
    uint64_t before = stats.round_trips;
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, turn_fn, &b), KP_OK);
    ck_assert_uint_eq(stats.round_trips - before, 3);
    struct text_arg t = { &ISOLATION, "" };
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, text_fn, &t), KP_OK);
    ck_assert_str_eq(t.text, "serializable");
    ck_assert_uint_eq(stats.connects, 1);
}
END_TEST

static enum kp_err swallow_fn(struct kp_db *d, void *p)
{
    (void)p;
    ck_assert_int_eq(run(d, &SYNTAX_ERROR, NULL), KP_E_DB);
    return KP_OK;                      /* as if nothing had failed: COMMIT answers ROLLBACK */
}

START_TEST(audited_tx_gives_turn_back_on_every_path)
{
    struct insert_arg own_error = { "12", "x", KP_E_INVAL, 0, 0 };
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, turn_fn, &own_error), KP_E_INVAL);
    ck_assert_int_eq(turn_holders(), 0);
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, swallow_fn, NULL), KP_E_DB);
    ck_assert_int_eq(turn_holders(), 0);
    ck_assert_int_eq(PQtransactionStatus(kp_db_conn(db)), PQTRANS_IDLE);
    /* serialization failures: each try takes its turn and gives it back */
    struct insert_arg retried = { "13", "x", KP_OK, 0, 2 };
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, turn_fn, &retried), KP_OK);
    ck_assert_int_eq(retried.attempts, 3);
    ck_assert_int_eq(rows_with("13"), 1);
    struct insert_arg used_up = { "14", "x", KP_OK, 0, 1000 };
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, turn_fn, &used_up), KP_E_DB_RETRY);
    ck_assert_int_eq(turn_holders(), 0);
    ck_assert(!kp_db_holds_turn(db));
    ck_assert_uint_eq(stats.connects, 1);
    /* another connection gets the turn at once (a leaked one would keep
     * it waiting past its statement timeout) */
    struct kp_db *other = new_db(kp_testdb_conninfo(), 0, 2000);
    struct insert_arg next = { "15", "x", KP_OK, 0, 0 };
    ck_assert_int_eq(kp_db_tx(other, KP_TX_AUDITED, turn_fn, &next), KP_OK);
    kp_db_free(other);
}
END_TEST

/* Waiting for the turn too long (statement_timeout) fails the transaction
 * without holding anything; the BEGIN that ran after the failed lock is
 * ended with the connection. */
START_TEST(audited_tx_turn_timeout)
{
    kp_db_free(db);
    db = new_db(kp_testdb_conninfo(), 3, 200);
    PGconn *holder = kp_testdb_connect(kp_testdb_user());
    free(kp_testdb_sql_on(holder, "SELECT pg_advisory_lock(4242018)", NULL));
    struct insert_arg a = { "16", "x", KP_OK, 0, 0 };
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, turn_fn, &a), KP_E_DB_SLOW);     /* 503, not 500 */
    ck_assert_str_eq(kp_db_last_sqlstate(db), "57014");
    ck_assert_int_eq(a.attempts, 0);
    ck_assert(!kp_db_holds_turn(db));
    ck_assert_int_eq(turn_holders(), 1);                   /* the holder's */
    PQfinish(holder);
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, turn_fn, &a), KP_OK);
    ck_assert_int_eq(rows_with("16"), 1);
    ck_assert_int_eq(turn_holders(), 0);
}
END_TEST

START_TEST(read_one_round_trip)
{
    char level[64];
    read_text(&ISOLATION, level, sizeof level);              /* connects, prepares */
    ck_assert_str_eq(level, "read committed");                /* no SERIALIZABLE transaction */
    ck_assert_int_eq(PQtransactionStatus(kp_db_conn(db)), PQTRANS_IDLE);
    uint64_t before = stats.round_trips;
    read_text(&ISOLATION, level, sizeof level);
    ck_assert_uint_eq(stats.round_trips - before, 1);
    struct text_arg a = { &ISOLATION, "" };
    ck_assert_int_eq(kp_db_tx(db, 0, text_fn, &a), KP_OK);
    ck_assert_str_eq(a.text, "serializable");
}
END_TEST

START_TEST(read_retries_and_reconnects)
{
    PGresult *r = (PGresult *)1;
    ck_assert_int_eq(kp_db_read(db, &RAISE_40001, NULL, &r), KP_E_DB_RETRY);
    ck_assert_ptr_null(r);
    ck_assert_uint_eq(stats.tx_retries, 3);

    long pid = 0;
    ck_assert_int_eq(kp_db_tx(db, 0, pid_fn, &pid), KP_OK);
    char pid_text[24];
    snprintf(pid_text, sizeof pid_text, "%ld", pid);
    char *killed = kp_testdb_sql_on(kp_testdb_super(), "SELECT pg_terminate_backend($1, 5000)",
                                    pid_text);
    ck_assert_str_eq(killed, "t");
    free(killed);
    char level[64];
    read_text(&ISOLATION, level, sizeof level);               /* found broken, reconnected */
    ck_assert_uint_eq(stats.lost, 1);
    ck_assert_uint_eq(stats.connects, 2);
}
END_TEST

static enum kp_err never_called_fn(struct kp_db *d, void *p)
{
    (void)d;
    (*(int *)p)++;
    return KP_OK;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(unreachable_server)
{
    kp_db_free(db);
    db = new_db("host=/nonexistent-kpjd-socket-dir dbname=kpjd", 3, 0);
    int calls = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(kp_db_tx(db, 0, never_called_fn, &calls), KP_E_DB_GONE);
    ck_assert_msg(seconds_since(&t0) < 1.0, "took %.2f s", seconds_since(&t0));
    ck_assert_int_eq(calls, 0);
    ck_assert_uint_eq(stats.connect_failures, 1);
    ck_assert_uint_eq(stats.connects, 0);
    ck_assert_uint_eq(stats.open, 0);
    ck_assert(!kp_db_connected(db));
    ck_assert_ptr_null(kp_db_conn(db));

    /* within the second: no new attempt */
    ck_assert_int_eq(kp_db_tx(db, 0, never_called_fn, &calls), KP_E_DB_GONE);
    ck_assert_int_eq(kp_db_ensure(db), KP_E_DB_GONE);
    ck_assert_uint_eq(stats.connect_failures, 1);
    ck_assert_int_eq(calls, 0);

    /* after it, one more */
    struct timespec pause = { 1, 100 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    ck_assert_int_eq(kp_db_ensure(db), KP_E_DB_GONE);
    ck_assert_uint_eq(stats.connect_failures, 2);
}
END_TEST

START_TEST(ensure_and_free)
{
    ck_assert(!kp_db_connected(db));                  /* lazy */
    ck_assert_ptr_null(kp_db_conn(db));
    ck_assert_int_eq(kp_db_ensure(db), KP_OK);
    ck_assert(kp_db_connected(db));
    ck_assert_int_eq(kp_db_ensure(db), KP_OK);        /* no second connect */
    ck_assert_uint_eq(stats.connects, 1);
    ck_assert_uint_eq(stats.open, 1);
    /* our session settings, under the operator's conninfo */
    PGresult *r = PQexec(kp_db_conn(db), "SELECT current_setting('TimeZone'), current_user, "
                                         "current_setting('application_name')");
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    ck_assert_str_eq(PQgetvalue(r, 0, 0), "UTC");
    ck_assert_str_eq(PQgetvalue(r, 0, 1), kp_testdb_user());
    ck_assert_str_eq(PQgetvalue(r, 0, 2), "kpjdd");
    PQclear(r);
    kp_db_free(db);
    db = NULL;
    ck_assert_uint_eq(stats.open, 0);
    kp_db_free(NULL);
}
END_TEST

/* An operator's conninfo with options of its own replaces ours: kp_db
 * still writes timestamps at UTC in ISO style (lib/store/pgtime.h reads them). */
START_TEST(clock_despite_operator_options)
{
    kp_db_free(db);
    char conninfo[1200];
    snprintf(conninfo, sizeof conninfo, "%s options='-c TimeZone=Asia/Shanghai -c DateStyle=German,DMY'",
             kp_testdb_conninfo());
    db = new_db(conninfo, 3, 0);
    ck_assert_int_eq(kp_db_ensure(db), KP_OK);
    PGresult *r = PQexec(kp_db_conn(db), "SELECT current_setting('TimeZone'), current_setting('DateStyle'),"
                                         " '2026-12-07 20:14:28.5+08'::timestamptz::text");
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    ck_assert_str_eq(PQgetvalue(r, 0, 0), "UTC");
    ck_assert_str_eq(PQgetvalue(r, 0, 1), "ISO, DMY");
    ck_assert_str_eq(PQgetvalue(r, 0, 2), "2026-12-07 12:14:28.5+00");
    PQclear(r);
}
END_TEST

/* ---- migrations ------------------------------------------------------- */

#define MIG(v, name, text) { (v), (name), (text), sizeof(text) - 1 }

static const char SQL_T1[] = "CREATE TABLE t1 (id integer PRIMARY KEY);\n";
static const char SQL_T2[] = "CREATE TABLE t2 (id integer PRIMARY KEY, name text NOT NULL);\n"
                             "INSERT INTO t2 VALUES (1, '第一');\n";
static const char SQL_T3[] = "CREATE TABLE t3 (id integer);\n";

static const struct kp_migration two[] = {
    MIG(1, "0001_t1.sql", SQL_T1),
    MIG(2, "0002_t2.sql", SQL_T2),
};
static const struct kp_migration three[] = {
    MIG(1, "0001_t1.sql", SQL_T1),
    MIG(2, "0002_t2.sql", SQL_T2),
    MIG(3, "0003_t3.sql", SQL_T3),
};

static char why[1024];

static void migrate_setup(void)
{
    free(kp_testdb_sql("DROP TABLE IF EXISTS schema_migrations, t1, t2, t3, t4"));
    why[0] = '\0';
}

static bool table_exists(const char *name)
{
    return kp_testdb_sql_ll("SELECT count(*) FROM pg_tables WHERE tablename = $1", name) == 1;
}

static enum kp_schema_state check_state(const struct kp_migration *list, size_t n)
{
    enum kp_schema_state state = (enum kp_schema_state)-1;
    enum kp_err err = kp_schema_check(kp_testdb_owner(), list, n, &state, why, sizeof why);
    ck_assert_msg(err == KP_OK, "schema check: %s: %s", kp_err_str(err), why);
    return state;
}

static void migrate_ok(const struct kp_migration *list, size_t n, int want_applied)
{
    int applied = -1;
    enum kp_err err = kp_migrate(kp_testdb_owner(), list, n, &applied, why, sizeof why);
    ck_assert_msg(err == KP_OK, "migrate: %s: %s", kp_err_str(err), why);
    ck_assert_int_eq(applied, want_applied);
}

START_TEST(migrate_fresh_database)
{
    ck_assert_int_eq(check_state(two, 2), KP_SCHEMA_BEHIND);
    ck_assert_str_eq(why, "no migration applied yet (this build knows 2)");
    ck_assert_int_eq(check_state(two, 0), KP_SCHEMA_CURRENT);

    migrate_ok(two, 2, 2);
    ck_assert(table_exists("t1"));
    ck_assert(table_exists("t2"));
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT count(*) FROM t2", NULL), 1);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT count(*) FROM schema_migrations", NULL), 2);
    char *name = kp_testdb_sql("SELECT name FROM schema_migrations WHERE version = 2");
    ck_assert_str_eq(name, "0002_t2.sql");
    free(name);
    char hex[65], *stored = kp_testdb_sql("SELECT sha256 FROM schema_migrations WHERE version = 1");
    kp_migration_sha256(&two[0], hex);
    ck_assert_str_eq(stored, hex);
    free(stored);

    ck_assert_int_eq(check_state(two, 2), KP_SCHEMA_CURRENT);
    ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(migrate_twice_applies_nothing)
{
    migrate_ok(two, 2, 2);
    migrate_ok(two, 2, 0);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT count(*) FROM t2", NULL), 1);   /* not run again */
    ck_assert_int_eq(check_state(two, 2), KP_SCHEMA_CURRENT);
}
END_TEST

START_TEST(migrate_behind_then_catches_up)
{
    migrate_ok(two, 2, 2);
    ck_assert_int_eq(check_state(three, 3), KP_SCHEMA_BEHIND);
    ck_assert_str_eq(why, "2 of 3 migrations applied");
    ck_assert(!table_exists("t3"));                   /* a check changes nothing */
    migrate_ok(three, 3, 1);
    ck_assert(table_exists("t3"));
    ck_assert_int_eq(check_state(three, 3), KP_SCHEMA_CURRENT);
}
END_TEST

START_TEST(migrate_changed)
{
    migrate_ok(two, 2, 2);
    const struct kp_migration edited[] = {
        MIG(1, "0001_t1.sql", SQL_T1),
        MIG(2, "0002_t2.sql", "CREATE TABLE t2 (id integer PRIMARY KEY);\n"),
        MIG(3, "0003_t3.sql", SQL_T3),
    };
    ck_assert_int_eq(check_state(edited, 2), KP_SCHEMA_CHANGED);
    ck_assert_msg(strstr(why, "migration 0002_t2.sql was changed after it was applied") != NULL,
                  "%s", why);
    int applied = -1;
    ck_assert_int_eq(kp_migrate(kp_testdb_owner(), edited, 3, &applied, why, sizeof why),
                     KP_E_SCHEMA);
    ck_assert_int_eq(applied, 0);
    ck_assert_msg(strstr(why, "0002_t2.sql") != NULL, "%s", why);
    ck_assert(!table_exists("t3"));                   /* nothing after it ran */

    /* a change of a single byte (even a trailing newline) counts */
    const struct kp_migration newline[] = {
        { 1, "0001_t1.sql", SQL_T1, sizeof SQL_T1 - 2 },
        MIG(2, "0002_t2.sql", SQL_T2),
    };
    ck_assert_int_eq(check_state(newline, 2), KP_SCHEMA_CHANGED);
    ck_assert_msg(strstr(why, "0001_t1.sql") != NULL, "%s", why);
}
END_TEST

START_TEST(migrate_newer)
{
    migrate_ok(two, 2, 2);
    ck_assert_int_eq(check_state(two, 1), KP_SCHEMA_NEWER);
    ck_assert_msg(strstr(why, "migration 2 (0002_t2.sql)") != NULL, "%s", why);
    int applied = -1;
    ck_assert_int_eq(kp_migrate(kp_testdb_owner(), two, 1, &applied, why, sizeof why),
                     KP_E_SCHEMA);
    ck_assert_int_eq(applied, 0);
    ck_assert_msg(strstr(why, "newer") != NULL, "%s", why);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT count(*) FROM schema_migrations", NULL), 2);
}
END_TEST

START_TEST(migrate_failure_rolls_back)
{
    migrate_ok(two, 2, 2);
    const struct kp_migration bad[] = {
        MIG(1, "0001_t1.sql", SQL_T1),
        MIG(2, "0002_t2.sql", SQL_T2),
        MIG(3, "0003_t3.sql", SQL_T3),
        MIG(4, "0004_bad.sql", "CREATE TABLE t4 (id integer);\nINSERT INTO t1 VALUES (1);\nSELEC oops;\n"),
    };
    int applied = -1;
    ck_assert_int_eq(kp_migrate(kp_testdb_owner(), bad, 4, &applied, why, sizeof why), KP_E_DB);
    ck_assert_int_eq(applied, 1);                     /* 0003 went in before 0004 failed */
    ck_assert_msg(strstr(why, "migration 0004_bad.sql failed") != NULL, "%s", why);
    ck_assert(table_exists("t3"));
    ck_assert(!table_exists("t4"));                   /* the failed one left nothing */
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT count(*) FROM t1", NULL), 0);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT max(version) FROM schema_migrations", NULL), 3);
    ck_assert_int_eq(PQtransactionStatus(kp_testdb_owner()), PQTRANS_IDLE);
    ck_assert_int_eq(check_state(bad, 4), KP_SCHEMA_BEHIND);

    /* the advisory lock was released: another session can take it */
    PGconn *other = kp_testdb_connect(kp_testdb_user());
    char *got = kp_testdb_sql_on(other, "SELECT pg_try_advisory_lock(4242017)", NULL);
    ck_assert_str_eq(got, "t");
    free(got);
    PQfinish(other);
}
END_TEST

START_TEST(migration_sha256)
{
    const struct kp_migration empty = { 1, "0001_x.sql", "", 0 };
    char hex[65];
    kp_migration_sha256(&empty, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const struct kp_migration abc = { 1, "0001_x.sql", "abcdef", 3 };   /* len counts, not NUL */
    kp_migration_sha256(&abc, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

static Suite *db_suite(void)
{
    Suite *s = suite_create("db");
    TCase *tc = tcase_create("tx");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, kp_testdb_create, kp_testdb_drop);
    tcase_add_checked_fixture(tc, tx_setup, tx_teardown);
    tcase_add_test(tc, tx_commits);
    tcase_add_test(tc, tx_rolls_back_on_error);
    tcase_add_test(tc, tx_retries_serialization_failure);
    tcase_add_test(tc, tx_retries_give_up);
    tcase_add_test(tc, tx_unique_violation);
    tcase_add_test(tc, tx_error_rolls_back_earlier_statements);
    tcase_add_test(tc, tx_syntax_error);
    tcase_add_test(tc, tx_read_only);
    tcase_add_test(tc, tx_statement_timeout);
    tcase_add_test(tc, exec_null_parameter);
    tcase_add_test(tc, reconnect_after_backend_killed);
    tcase_add_test(tc, unreachable_server);
    tcase_add_test(tc, ensure_and_free);
    tcase_add_test(tc, clock_despite_operator_options);
    tcase_add_test(tc, tx_control_prepared);
    tcase_add_test(tc, audited_tx_takes_turn);
    tcase_add_test(tc, audited_tx_gives_turn_back_on_every_path);
    tcase_add_test(tc, audited_tx_turn_timeout);
    tcase_add_test(tc, read_one_round_trip);
    tcase_add_test(tc, read_retries_and_reconnects);
    suite_add_tcase(s, tc);

    tc = tcase_create("migrate");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, kp_testdb_create, kp_testdb_drop);
    tcase_add_checked_fixture(tc, migrate_setup, NULL);
    tcase_add_test(tc, migrate_fresh_database);
    tcase_add_test(tc, migrate_twice_applies_nothing);
    tcase_add_test(tc, migrate_behind_then_catches_up);
    tcase_add_test(tc, migrate_changed);
    tcase_add_test(tc, migrate_newer);
    tcase_add_test(tc, migrate_failure_rolls_back);
    tcase_add_test(tc, migration_sha256);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!kp_testdb_init("db"))
        return EXIT_FAILURE;
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    return kp_test_run(db_suite());
}
