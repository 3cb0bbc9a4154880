/* One PostgreSQL connection and its prepared statements.  The server keeps
 * one per worker thread, so nothing here locks.  The connection is opened
 * lazily and again after it breaks; statements are prepared on first use on
 * each connection, so a reconnect re-prepares them by itself.
 *
 * Writes run inside kp_db_tx, which retries serialization failures and
 * deadlocks and reconnects once when it finds the connection broken before
 * anything was committed.  A read that one statement answers whole (the
 * session check, with the row it guards) runs alone with kp_db_read: one
 * round trip, no transaction around it. */
#ifndef KP_DB_H
#define KP_DB_H

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* A named prepared statement.  Define them static const next to their
 * caller; `name` must be unique in the program. */
struct kp_stmt {
    const char *name;
    const char *sql;
    int         nparams;
};

/* Serialization failures and deadlocks retried, by the statement that hit
 * them: statement names are static (struct kp_stmt), so the set is bounded
 * by the program; KP_DB_RETRY_NAMES slots, the rest counted together. */
#define KP_DB_RETRY_NAMES 64
struct kp_db_retry_count {
    _Atomic(const char *) stmt;    /* NULL: free slot; set once, never changed */
    _Atomic uint64_t n;
};

/* Counters shared by all connections of a process (for /metrics). */
struct kp_db_stats {
    _Atomic uint64_t open;
    _Atomic uint64_t connects;
    _Atomic uint64_t connect_failures;
    _Atomic uint64_t lost;
    _Atomic uint64_t tx_retries;
    _Atomic uint64_t round_trips;  /* messages sent and waited for: statements, BEGIN, COMMIT, prepares */
    _Atomic uint64_t busy;         /* connections inside kp_db_tx or kp_db_read now */
    _Atomic uint64_t turn_waiting; /* audited transactions waiting for their turn now */
    struct kp_db_retry_count retried[KP_DB_RETRY_NAMES];
    _Atomic uint64_t retried_other;  /* by statements that found no free slot */
};

struct kp_db_options {
    const char *conninfo;          /* copied */
    unsigned connect_timeout;      /* seconds */
    unsigned statement_timeout;    /* milliseconds, 0: none */
    unsigned tx_retries;           /* extra attempts after 40001/40P01 */
    struct kp_db_stats *stats;     /* borrowed, may be NULL; must outlive the db */
};

struct kp_db;

/* Not connected yet.  NULL on allocation failure. */
struct kp_db *kp_db_new(const struct kp_db_options *opt);

/* Closes the connection. */
void kp_db_free(struct kp_db *db);

/* Connects if not connected.  KP_E_DB_GONE when PostgreSQL cannot be
 * reached (a failed attempt is not repeated within a second). */
enum kp_err kp_db_ensure(struct kp_db *db);

/* The live connection, or NULL.  Valid until the next kp_db call. */
PGconn *kp_db_conn(struct kp_db *db);

bool kp_db_connected(const struct kp_db *db);

/* Runs a prepared statement with text parameters (NULL entries are SQL
 * NULL).  On KP_OK *res holds the result (caller PQclears); on error nothing
 * is returned and the error says what happened: KP_E_DB_RETRY, KP_E_DB_UNIQUE,
 * KP_E_DB_GONE (the connection is dropped), KP_E_DB (logged). */
enum kp_err kp_db_exec(struct kp_db *db, const struct kp_stmt *stmt,
                       const char *const *params, PGresult **res);

/* The same with some parameters in binary: lengths[i] and formats[i] (1:
 * binary) as PQexecPrepared takes them (NULL: all text); with
 * `binary_result` the result columns come in binary (bytea as raw bytes). */
enum kp_err kp_db_exec_binary(struct kp_db *db, const struct kp_stmt *stmt,
                              const char *const *params, const int *lengths, const int *formats,
                              bool binary_result, PGresult **res);

/* The SQLSTATE of the last failed statement ("" if none). */
const char *kp_db_last_sqlstate(const struct kp_db *db);

/* The constraint the last failed statement violated ("" if none): tells a
 * handler which unique value was taken. */
const char *kp_db_last_constraint(const struct kp_db *db);

/* Runs one statement on its own (autocommit: the statement is its own
 * transaction, READ COMMITTED), for a read that it answers whole; a
 * data-modifying WITH inside it is committed with it.  Connects if needed,
 * reconnects once when the connection is found broken and retries
 * serialization failures and deadlocks as kp_db_tx does.  Results and
 * errors as kp_db_exec. */
enum kp_err kp_db_read(struct kp_db *db, const struct kp_stmt *stmt,
                       const char *const *params, PGresult **res);

typedef enum kp_err (*kp_tx_fn)(struct kp_db *db, void *arg);

#define KP_TX_READ_ONLY 0x1u
/* fn may append to the audit log (or read its head to sign it): the
 * transaction waits for its turn before it begins, so that audited
 * transactions run one after another instead of colliding on the chain's
 * head.  Keep slow work (password hashing, waiting on a client) out of fn. */
#define KP_TX_AUDITED   0x2u

/* Runs fn in a SERIALIZABLE transaction: commits when it returns KP_OK,
 * rolls back otherwise.  fn may run more than once, so it must not keep
 * side effects outside the database between attempts. */
enum kp_err kp_db_tx(struct kp_db *db, unsigned flags, kp_tx_fn fn, void *arg);

/* Whether a KP_TX_AUDITED transaction is running on db (its turn held). */
bool kp_db_holds_turn(const struct kp_db *db);

#endif
