#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"

#define CONNECT_BACKOFF_US 1000000   /* after a failed connect, fail fast for 1 s */

struct kp_db {
    char *conninfo;
    unsigned connect_timeout, statement_timeout, tx_retries;
    struct kp_db_stats *stats;
    PGconn *conn;
    const struct kp_stmt **prepared;  /* prepared on this connection */
    size_t nprepared, cap;
    uint64_t failed_at_us;            /* last failed connect, 0: none */
    bool holds_turn;                  /* the audit turn (TX_TURN_LOCK) is held: inside kp_db_tx only */
    const char *retry_stmt;           /* the statement that last failed with 40001/40P01 (static) */
    char sqlstate[6];
    char constraint[64];
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#define STAT_ADD(db, field, n) \
    do { if ((db)->stats) atomic_fetch_add_explicit(&(db)->stats->field, (n), memory_order_relaxed); } while (0)

struct kp_db *kp_db_new(const struct kp_db_options *opt)
{
    struct kp_db *db = calloc(1, sizeof *db);
    if (db == NULL)
        return NULL;
    db->conninfo = strdup(opt->conninfo);
    if (db->conninfo == NULL) {
        free(db);
        return NULL;
    }
    db->connect_timeout = opt->connect_timeout;
    db->statement_timeout = opt->statement_timeout;
    db->tx_retries = opt->tx_retries;
    db->stats = opt->stats;
    return db;
}

static void drop_connection(struct kp_db *db)
{
    if (db->conn == NULL)
        return;
    PQfinish(db->conn);
    db->conn = NULL;
    db->nprepared = 0;
    db->holds_turn = false;           /* PostgreSQL ends a lost session's locks with it */
    STAT_ADD(db, open, (uint64_t)-1);
}

void kp_db_free(struct kp_db *db)
{
    if (db == NULL)
        return;
    drop_connection(db);
    free(db->prepared);
    free(db->conninfo);
    free(db);
}

/* PostgreSQL's NOTICEs ("relation already exists, skipping") are for
 * debugging, not for the operator's log. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    kp_debug("database notice: %s", message);
}

/* Whether the connection writes timestamps as lib/store/pgtime.h reads them.
 * Our options ask for it, but an operator's conninfo may carry its own
 * options instead; the server reports both settings at connect, so asking
 * costs nothing, and setting them is a round trip only then. */
static bool clock_as_written(PGconn *conn)
{
    const char *zone = PQparameterStatus(conn, "TimeZone");
    const char *style = PQparameterStatus(conn, "DateStyle");
    if (zone != NULL && strcmp(zone, "UTC") == 0 && style != NULL && strncmp(style, "ISO,", 4) == 0)
        return true;
    PGresult *res = PQexec(conn, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

enum kp_err kp_db_ensure(struct kp_db *db)
{
    if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
        return KP_OK;
    if (db->conn != NULL) {
        drop_connection(db);
        STAT_ADD(db, lost, 1);
    }
    if (db->failed_at_us != 0 && now_us() - db->failed_at_us < CONNECT_BACKOFF_US)
        return KP_E_DB_GONE;
    char timeout[16], options[128];
    snprintf(timeout, sizeof timeout, "%u", db->connect_timeout);
    snprintf(options, sizeof options, "-c TimeZone=UTC -c DateStyle=ISO -c statement_timeout=%u",
             db->statement_timeout);
    /* Ours first: keys in the operator's conninfo (expanded from dbname)
     * override them. */
    const char *keys[] = { "connect_timeout", "application_name", "options", "client_encoding",
                           "dbname", NULL };
    const char *vals[] = { timeout, "kpjdd", options, "UTF8", db->conninfo, NULL };
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        if (db->failed_at_us == 0)      /* say it once per outage, not per request */
            kp_warn("database: cannot connect: %s",
                    conn ? PQerrorMessage(conn) : "out of memory");
        PQfinish(conn);
        db->failed_at_us = now_us();
        STAT_ADD(db, connect_failures, 1);
        return KP_E_DB_GONE;
    }
    PQsetNoticeProcessor(conn, on_notice, NULL);
    if (!clock_as_written(conn)) {
        kp_warn("database: cannot set TimeZone UTC and DateStyle ISO: %s", PQerrorMessage(conn));
        PQfinish(conn);
        db->failed_at_us = now_us();
        STAT_ADD(db, connect_failures, 1);
        return KP_E_DB_GONE;
    }
    if (db->failed_at_us != 0)
        kp_info("database: connected again");
    db->failed_at_us = 0;
    db->conn = conn;
    db->nprepared = 0;
    STAT_ADD(db, connects, 1);
    STAT_ADD(db, open, 1);
    return KP_OK;
}

PGconn *kp_db_conn(struct kp_db *db)
{
    return db->conn;
}

bool kp_db_connected(const struct kp_db *db)
{
    return db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK;
}

const char *kp_db_last_sqlstate(const struct kp_db *db)
{
    return db->sqlstate;
}

const char *kp_db_last_constraint(const struct kp_db *db)
{
    return db->constraint;
}

/* Classifies a failed result and clears it. */
static enum kp_err failure(struct kp_db *db, PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    snprintf(db->constraint, sizeof db->constraint, "%s", constraint ? constraint : "");
    enum kp_err err;
    if (PQstatus(db->conn) == CONNECTION_BAD || strncmp(db->sqlstate, "08", 2) == 0 ||
        strncmp(db->sqlstate, "57P0", 4) == 0) {          /* connection lost, server shut down */
        err = KP_E_DB_GONE;
    } else if (strcmp(db->sqlstate, "40001") == 0 || strcmp(db->sqlstate, "40P01") == 0) {
        err = KP_E_DB_RETRY;
        db->retry_stmt = what;
    } else if (strcmp(db->sqlstate, "57014") == 0 || strcmp(db->sqlstate, "55P03") == 0) {
        err = KP_E_DB_SLOW;              /* db.statement_timeout, or a lock not had in time */
        kp_warn("database: %s outran its time limit: %s", what,
                res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
    } else if (strcmp(db->sqlstate, "23505") == 0) {
        err = KP_E_DB_UNIQUE;
    } else if (strcmp(db->sqlstate, "23514") == 0) {
        err = KP_E_DB_CHECK;
    } else {
        err = KP_E_DB;
        kp_error("database: %s failed: %s %s", what, db->sqlstate,
                 res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
    }
    PQclear(res);
    if (err == KP_E_DB_GONE) {
        kp_warn("database: connection lost (%s)", what);
        drop_connection(db);
        STAT_ADD(db, lost, 1);
    }
    return err;
}

static bool is_prepared(const struct kp_db *db, const struct kp_stmt *stmt)
{
    for (size_t i = 0; i < db->nprepared; i++)
        if (db->prepared[i] == stmt)
            return true;
    return false;
}

static enum kp_err prepare(struct kp_db *db, const struct kp_stmt *stmt)
{
    if (db->nprepared == db->cap) {
        size_t cap = db->cap ? db->cap * 2 : 32;
        const struct kp_stmt **p = realloc(db->prepared, cap * sizeof *p);
        if (p == NULL)
            return KP_E_NOMEM;
        db->prepared = p;
        db->cap = cap;
    }
    STAT_ADD(db, round_trips, 1);
    PGresult *res = PQprepare(db->conn, stmt->name, stmt->sql, stmt->nparams, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return failure(db, res, stmt->name);
    PQclear(res);
    db->prepared[db->nprepared++] = stmt;
    return KP_OK;
}

enum kp_err kp_db_exec(struct kp_db *db, const struct kp_stmt *stmt,
                       const char *const *params, PGresult **res)
{
    return kp_db_exec_binary(db, stmt, params, NULL, NULL, false, res);
}

enum kp_err kp_db_exec_binary(struct kp_db *db, const struct kp_stmt *stmt,
                              const char *const *params, const int *lengths, const int *formats,
                              bool binary_result, PGresult **res)
{
    assert(db->conn != NULL);          /* callers run inside kp_db_tx or kp_db_read */
    *res = NULL;
    if (!is_prepared(db, stmt)) {
        enum kp_err err = prepare(db, stmt);
        if (err)
            return err;
    }
    STAT_ADD(db, round_trips, 1);
    PGresult *r = PQexecPrepared(db->conn, stmt->name, stmt->nparams, params, lengths, formats,
                                 binary_result ? 1 : 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return failure(db, r, stmt->name);
    *res = r;
    return KP_OK;
}

/* Transaction control goes as prepared statements too, parsed once per
 * connection.  All are prepared together before the first BEGIN, outside
 * any transaction: inside one that failed, nothing can be prepared, not
 * even the ROLLBACK. */
static const struct kp_stmt TX_BEGIN = {
    "kp_tx_begin", "BEGIN ISOLATION LEVEL SERIALIZABLE", 0 };
static const struct kp_stmt TX_BEGIN_READ_ONLY = {
    "kp_tx_begin_read_only", "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY", 0 };
static const struct kp_stmt TX_COMMIT = { "kp_tx_commit", "COMMIT", 0 };
static const struct kp_stmt TX_ROLLBACK = { "kp_tx_rollback", "ROLLBACK", 0 };

/* The audit turn (KP_TX_AUDITED): every transaction that appends to the
 * hash-chained audit log extends the one head in audit_head, so two of them
 * at once cannot both commit under SERIALIZABLE.  They take turns instead:
 * a session-level advisory lock, taken before BEGIN so that the snapshot
 * the transaction works from is taken after the previous turn committed
 * (a lock taken inside the transaction, after its first statement, leaves
 * it with an older head and a serialization failure).  Released right
 * after COMMIT or ROLLBACK, in the same round trip; a connection that is
 * lost or dropped releases it on the server.  Any constant not used
 * elsewhere (the migrations use 4242017). */
static const struct kp_stmt TX_TURN_LOCK = {
    "kp_tx_turn_lock", "SELECT pg_advisory_lock(4242018)", 0 };
static const struct kp_stmt TX_TURN_UNLOCK = {
    "kp_tx_turn_unlock", "SELECT pg_advisory_unlock(4242018)", 0 };

static enum kp_err prepare_tx(struct kp_db *db)
{
    static const struct kp_stmt *const all[] = { &TX_BEGIN, &TX_BEGIN_READ_ONLY, &TX_COMMIT,
                                                 &TX_ROLLBACK, &TX_TURN_LOCK, &TX_TURN_UNLOCK };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        if (is_prepared(db, all[i]))
            continue;
        enum kp_err err = prepare(db, all[i]);
        if (err)
            return err;
    }
    return KP_OK;
}

/* Runs two prepared statements without parameters in one round trip (a
 * libpq pipeline), each in its own implicit segment (a Sync after each):
 * the second runs even when the first fails, and a BEGIN second starts a
 * transaction of its own.  res[i] gets each statement's result (caller
 * PQclears), or NULL; KP_E_DB_GONE (connection dropped) when the exchange
 * itself broke, else KP_OK: the caller reads the results. */
static enum kp_err pipelined(struct kp_db *db, const struct kp_stmt *first,
                             const struct kp_stmt *second, PGresult *res[2])
{
    const struct kp_stmt *const stmts[2] = { first, second };
    PGconn *conn = db->conn;
    res[0] = res[1] = NULL;
    STAT_ADD(db, round_trips, 1);
    bool ok = PQenterPipelineMode(conn) == 1;
    for (int i = 0; i < 2 && ok; i++)
        ok = PQsendQueryPrepared(conn, stmts[i]->name, 0, NULL, NULL, NULL, 0) == 1 &&
             PQpipelineSync(conn) == 1;
    /* Per statement: its result, the NULL that ends it, the sync's. */
    for (int i = 0; i < 2 && ok; i++) {
        res[i] = PQgetResult(conn);
        PGresult *end = res[i] ? PQgetResult(conn) : NULL;
        PGresult *sync = res[i] && end == NULL ? PQgetResult(conn) : NULL;
        ok = res[i] != NULL && end == NULL && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        PQclear(end);
        PQclear(sync);
    }
    ok = ok && PQexitPipelineMode(conn) == 1;
    if (ok)
        return KP_OK;
    kp_warn("database: connection lost (pipeline of %s and %s): %s", first->name, second->name,
            PQerrorMessage(conn));
    PQclear(res[0]);
    PQclear(res[1]);
    res[0] = res[1] = NULL;
    drop_connection(db);           /* nothing to trust on it, the turn's lock included */
    STAT_ADD(db, lost, 1);
    return KP_E_DB_GONE;
}

/* The result of a statement run by pipelined(): KP_OK and *r kept, or the
 * error (result cleared, as failure() does). */
static enum kp_err outcome(struct kp_db *db, PGresult **r, const char *what)
{
    ExecStatusType st = PQresultStatus(*r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return KP_OK;
    enum kp_err err = failure(db, *r, what);
    *r = NULL;
    return err;
}

/* Ends the turn with `end` (COMMIT or ROLLBACK), run in the same round
 * trip; *end_res (caller PQclears) is its result on KP_OK.  An unlock
 * that does not answer true leaves the lock's state unknown: the
 * connection is dropped rather than risk holding the turn. */
static enum kp_err end_turn(struct kp_db *db, const struct kp_stmt *end, PGresult **end_res)
{
    assert(db->holds_turn);
    PGresult *res[2];
    *end_res = NULL;
    enum kp_err err = pipelined(db, end, &TX_TURN_UNLOCK, res);
    if (err)
        return err;
    bool unlocked = PQresultStatus(res[1]) == PGRES_TUPLES_OK &&
                    strcmp(PQgetvalue(res[1], 0, 0), "t") == 0;
    PQclear(res[1]);
    err = outcome(db, &res[0], end->name);
    if (!unlocked && db->conn != NULL) {
        kp_error("database: the audit turn was not released; dropping the connection");
        drop_connection(db);
        PQclear(res[0]);
        return KP_E_DB_GONE;
    }
    db->holds_turn = false;
    *end_res = res[0];
    return err;
}

/* BEGIN; for an audited transaction, the turn first, in the same round
 * trip.  On failure nothing is held and no transaction is open. */
static enum kp_err begin(struct kp_db *db, unsigned flags)
{
    PGresult *r;
    enum kp_err err = prepare_tx(db);
    if (err)
        return err;
    if (!(flags & KP_TX_AUDITED)) {
        err = kp_db_exec(db, (flags & KP_TX_READ_ONLY) ? &TX_BEGIN_READ_ONLY : &TX_BEGIN, NULL, &r);
        if (err == KP_OK)
            PQclear(r);
        return err;
    }
    PGresult *res[2];
    STAT_ADD(db, turn_waiting, 1);
    err = pipelined(db, &TX_TURN_LOCK, &TX_BEGIN, res);
    STAT_ADD(db, turn_waiting, (uint64_t)-1);
    if (err)
        return err;
    enum kp_err locked = outcome(db, &res[0], TX_TURN_LOCK.name);
    if (db->conn == NULL) {            /* lost while waiting for the turn */
        PQclear(res[1]);
        return locked;
    }
    db->holds_turn = locked == KP_OK;
    enum kp_err begun = outcome(db, &res[1], TX_BEGIN.name);
    PQclear(res[0]);
    PQclear(res[1]);
    if (locked == KP_OK && begun == KP_OK)
        return KP_OK;
    /* One of the two failed (a statement timeout while waiting for the
     * turn, say): rather than undo the other, end the session, which ends
     * both on the server. */
    if (db->conn != NULL && (db->holds_turn || PQtransactionStatus(db->conn) != PQTRANS_IDLE))
        drop_connection(db);
    return locked != KP_OK ? locked : begun;
}

/* COMMIT of a transaction that hit an error answers "ROLLBACK" without
 * failing: that is a tx function that swallowed an error, and not a commit.
 * An audited transaction's turn ends with it, committed or not. */
static enum kp_err commit(struct kp_db *db)
{
    PGresult *r;
    enum kp_err err = db->holds_turn ? end_turn(db, &TX_COMMIT, &r)
                                     : kp_db_exec(db, &TX_COMMIT, NULL, &r);
    if (err)
        return err;
    bool committed = strcmp(PQcmdStatus(r), "COMMIT") == 0;
    PQclear(r);
    if (!committed) {
        kp_error("database: COMMIT rolled back: a statement failed inside the transaction");
        return KP_E_DB;
    }
    return KP_OK;
}

static void rollback(struct kp_db *db)
{
    PGresult *r = NULL;
    if (db->conn == NULL)
        return;
    enum kp_err err = db->holds_turn ? end_turn(db, &TX_ROLLBACK, &r)
                                     : kp_db_exec(db, &TX_ROLLBACK, NULL, &r);
    if (err == KP_OK)
        PQclear(r);
}

/* A few milliseconds, growing with the attempt, jittered so that two
 * transactions that collided don't collide again in step. */
static void backoff(unsigned attempt)
{
    unsigned max_us = 2000u << (attempt < 6 ? attempt : 6);
    struct timespec ts = { 0, (long)(randombytes_uniform(max_us) + 500) * 1000 };
    nanosleep(&ts, NULL);
}

/* One more retry by db->retry_stmt: its slot, found or claimed (two
 * threads claiming one slot for different names: the loser goes on), or
 * retried_other when all are taken. */
static void count_retry(struct kp_db *db)
{
    struct kp_db_stats *st = db->stats;
    const char *name = db->retry_stmt ? db->retry_stmt : "unknown";
    if (st == NULL)
        return;
    for (size_t i = 0; i < KP_DB_RETRY_NAMES; i++) {
        const char *have = atomic_load_explicit(&st->retried[i].stmt, memory_order_acquire);
        if (have == NULL) {
            const char *expected = NULL;
            if (atomic_compare_exchange_strong_explicit(&st->retried[i].stmt, &expected, name,
                                                        memory_order_acq_rel, memory_order_acquire))
                have = name;
            else
                have = expected;              /* another thread's, maybe the same name */
        }
        if (have == name || strcmp(have, name) == 0) {
            atomic_fetch_add_explicit(&st->retried[i].n, 1, memory_order_relaxed);
            return;
        }
    }
    atomic_fetch_add_explicit(&st->retried_other, 1, memory_order_relaxed);
}

/* Whether kp_db_read or kp_db_tx runs its work again after `err`: a
 * serialization failure or deadlock up to db.tx_retries times (backing
 * off), and once a connection that broke while idle (PostgreSQL restarted),
 * found broken here. */
static bool run_again(struct kp_db *db, enum kp_err err, unsigned *attempt, bool *reconnected)
{
    if (err == KP_E_DB_RETRY && *attempt < db->tx_retries) {
        ++*attempt;
        STAT_ADD(db, tx_retries, 1);
        count_retry(db);
        backoff(*attempt);
        return true;
    }
    if (err == KP_E_DB_GONE && !*reconnected) {
        *reconnected = true;
        db->failed_at_us = 0;
        return true;
    }
    return false;
}

static enum kp_err read_retrying(struct kp_db *db, const struct kp_stmt *stmt,
                             const char *const *params, PGresult **res)
{
    *res = NULL;
    bool reconnected = false;
    unsigned attempt = 0;
    assert(!db->holds_turn);           /* not inside an audited transaction */
    for (;;) {
        enum kp_err err = kp_db_ensure(db);
        if (err)
            return err;
        err = kp_db_exec(db, stmt, params, res);
        /* A read, and the idle clock it may wind, can safely run again. */
        if (!run_again(db, err, &attempt, &reconnected))
            return err;
    }
}

/* One attempt: BEGIN (with the turn when audited), fn, COMMIT or ROLLBACK.
 * Whatever happens, no turn is held on return: every path that ends the
 * transaction ends the turn, or drops the connection. */
static enum kp_err attempt_tx(struct kp_db *db, unsigned flags, kp_tx_fn fn, void *arg,
                              bool *committing)
{
    *committing = false;
    enum kp_err err = begin(db, flags);
    if (err)
        return err;
    err = fn(db, arg);
    if (err == KP_OK) {
        *committing = true;
        return commit(db);
    }
    rollback(db);
    return err;
}

bool kp_db_holds_turn(const struct kp_db *db)
{
    return db->holds_turn;
}

static enum kp_err tx_retrying(struct kp_db *db, unsigned flags, kp_tx_fn fn, void *arg)
{
    bool reconnected = false;
    unsigned attempt = 0;
    assert(!(flags & KP_TX_READ_ONLY) || !(flags & KP_TX_AUDITED));
    for (;;) {
        assert(!db->holds_turn);       /* no session lock is held between transactions */
        enum kp_err err = kp_db_ensure(db);
        if (err)
            return err;
        bool committing;
        err = attempt_tx(db, flags, fn, arg, &committing);
        assert(!db->holds_turn);
        if (err == KP_OK)
            return KP_OK;
        /* A commit that broke may or may not have happened; anything else
         * committed nothing, so a fresh try is safe. */
        if (err == KP_E_DB_GONE && committing)
            return err;
        if (!run_again(db, err, &attempt, &reconnected))
            return err;
    }
}

/* The connection counts as busy (kpjd_db_connections_busy) from the first
 * attempt to the last answer, back-offs and waits for the turn included. */
enum kp_err kp_db_read(struct kp_db *db, const struct kp_stmt *stmt,
                       const char *const *params, PGresult **res)
{
    STAT_ADD(db, busy, 1);
    enum kp_err err = read_retrying(db, stmt, params, res);
    STAT_ADD(db, busy, (uint64_t)-1);
    return err;
}

enum kp_err kp_db_tx(struct kp_db *db, unsigned flags, kp_tx_fn fn, void *arg)
{
    STAT_ADD(db, busy, 1);
    enum kp_err err = tx_retrying(db, flags, fn, arg);
    STAT_ADD(db, busy, (uint64_t)-1);
    return err;
}
