/* lib/throttle: the lockout schedule, and the failure counts kept in
 * PostgreSQL (table login_throttle of migrations/0002_accounts.sql) so that
 * they hold across processes.
 *
 * The database cases need KPJD_TEST_PGHOST, KPJD_TEST_PGPORT,
 * KPJD_TEST_PGSUPER and KPJD_TEST_DBUSER like test_db, and fail without
 * them; they run in a fresh database kpjd_unit_throttle_<pid>. */
#include <check.h>
#include <limits.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "throttle.h"
#include "support/testdb.h"
#include "support/unit.h"

static struct kp_db *db;

/* ---- kp_throttle_lockout ---------------------------------------------- */

START_TEST(lockout_below_threshold)
{
    for (unsigned f = 0; f < 5; f++)
        ck_assert_int_eq(kp_throttle_lockout(f, 5, 900), 0);
    ck_assert_int_eq(kp_throttle_lockout(0, 1, 900), 0);
    ck_assert_int_eq(kp_throttle_lockout(999, 1000, 900), 0);
    ck_assert_int_eq(kp_throttle_lockout(UINT_MAX - 1, UINT_MAX, 900), 0);
}
END_TEST

START_TEST(lockout_doubles)
{
    ck_assert_int_eq(kp_throttle_lockout(5, 5, 900), 1);       /* at the threshold */
    ck_assert_int_eq(kp_throttle_lockout(6, 5, 900), 2);
    ck_assert_int_eq(kp_throttle_lockout(7, 5, 900), 4);
    ck_assert_int_eq(kp_throttle_lockout(8, 5, 900), 8);
    ck_assert_int_eq(kp_throttle_lockout(14, 5, 900), 512);
    ck_assert_int_eq(kp_throttle_lockout(1, 1, 900), 1);
    ck_assert_int_eq(kp_throttle_lockout(2, 1, 900), 2);
    ck_assert_int_eq(kp_throttle_lockout(UINT_MAX, UINT_MAX, 900), 1);
}
END_TEST

START_TEST(lockout_capped)
{
    ck_assert_int_eq(kp_throttle_lockout(15, 5, 900), 900);    /* 1024 */
    ck_assert_int_eq(kp_throttle_lockout(16, 5, 900), 900);
    ck_assert_int_eq(kp_throttle_lockout(5, 5, 1), 1);
    ck_assert_int_eq(kp_throttle_lockout(9, 5, 1), 1);
    ck_assert_int_eq(kp_throttle_lockout(8, 5, 8), 8);         /* exactly the cap */
    ck_assert_int_eq(kp_throttle_lockout(8, 5, 7), 7);
    ck_assert_int_eq(kp_throttle_lockout(5 + 16, 5, 86400), 65536);
    ck_assert_int_eq(kp_throttle_lockout(5 + 17, 5, 86400), 86400);
    /* below the threshold, even a tiny cap does not lock */
    ck_assert_int_eq(kp_throttle_lockout(4, 5, 1), 0);
}
END_TEST

START_TEST(lockout_huge_counts)
{
    /* no shift past the width of the type, whatever the count */
    const unsigned counts[] = { 5 + 29, 5 + 30, 5 + 31, 5 + 32, 5 + 63, 5 + 64, 1000, 100000,
                                UINT_MAX / 2, UINT_MAX - 1, UINT_MAX };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        ck_assert_int_eq(kp_throttle_lockout(counts[i], 5, 900), 900);
        ck_assert_int_eq(kp_throttle_lockout(counts[i], 5, 86400), 86400);
        ck_assert_int_eq(kp_throttle_lockout(counts[i], 0, UINT_MAX), UINT_MAX);
    }
    ck_assert_int_eq(kp_throttle_lockout(UINT_MAX, 0, 900), 900);
    /* the doubling goes on as long as max allows: never more than max, and
     * never less than the schedule says */
    long long prev = 0;
    for (unsigned over = 0; over < 40; over++) {
        long long s = kp_throttle_lockout(5 + over, 5, UINT_MAX);
        long long want = over < 32 ? 1LL << over : (long long)UINT_MAX;
        ck_assert_msg(s == want, "%u over the threshold: %lld, expected %lld", over, s, want);
        ck_assert_int_ge(s, prev);
        prev = s;
    }
}
END_TEST

/* ---- against PostgreSQL ----------------------------------------------- */

/* Copied from migrations/0002_accounts.sql. */
static const char LOGIN_THROTTLE[] =
    "CREATE TABLE login_throttle ("
    "    key             text PRIMARY KEY,"
    "    failures        integer NOT NULL,"
    "    last_failure_at timestamptz NOT NULL,"
    "    locked_until    timestamptz"
    ")";

static void throttle_setup(void)
{
    free(kp_testdb_sql("DROP TABLE IF EXISTS login_throttle"));
    free(kp_testdb_sql(LOGIN_THROTTLE));
    db = kp_testdb_new_db();
}

static void throttle_teardown(void)
{
    kp_db_free(db);
    db = NULL;
}

struct op {
    enum { FAIL, WAIT, CLEAR } what;
    const char *key, *key2;
    unsigned threshold;
    struct kp_throttle_policy policy;
    long long seconds;
};

static enum kp_err op_fn(struct kp_db *d, void *p)
{
    struct op *o = p;
    switch (o->what) {
    case FAIL:
        return kp_throttle_failure(d, o->key, o->threshold, &o->policy);
    case WAIT:
        o->seconds = -1;
        return kp_throttle_wait(d, o->key, o->key2, &o->seconds);
    case CLEAR:
        return kp_throttle_clear(d, o->key);
    }
    return KP_E_INVAL;
}

static void failure(const char *key, unsigned threshold, unsigned window, unsigned max)
{
    struct op o = { FAIL, key, NULL, threshold, { window, max }, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, op_fn, &o), KP_OK);
}

static long long wait_for(const char *key1, const char *key2)
{
    struct op o = { WAIT, key1, key2, 0, { 0, 0 }, 0 };
    ck_assert_int_eq(kp_db_tx(db, KP_TX_READ_ONLY, op_fn, &o), KP_OK);
    return o.seconds;
}

static void clear(const char *key)
{
    struct op o = { CLEAR, key, NULL, 0, { 0, 0 }, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, op_fn, &o), KP_OK);
}

static long long failures_of(const char *key)
{
    return kp_testdb_sql_ll("SELECT coalesce((SELECT failures FROM login_throttle WHERE key = $1), "
                            "-1)", key);
}

static bool is_locked(const char *key)
{
    return kp_testdb_sql_ll("SELECT count(*) FROM login_throttle WHERE key = $1 AND "
                            "locked_until IS NOT NULL", key) == 1;
}

/* The lock the last failure set, in seconds (both times are that
 * transaction's now(), so this is exact). */
static long long lock_of(const char *key)
{
    return kp_testdb_sql_ll("SELECT extract(epoch FROM locked_until - last_failure_at)::bigint"
                            "  FROM login_throttle WHERE key = $1", key);
}

START_TEST(below_threshold_no_lock)
{
    failure("user:alice", 3, 900, 900);
    failure("user:alice", 3, 900, 900);
    ck_assert_int_eq(failures_of("user:alice"), 2);
    ck_assert(!is_locked("user:alice"));
    ck_assert_int_eq(wait_for("user:alice", "addr:10.0.0.7"), 0);
    ck_assert_int_eq(wait_for("user:alice", NULL), 0);
}
END_TEST

START_TEST(at_threshold_locks)
{
    for (int i = 0; i < 3; i++)
        failure("user:alice", 3, 900, 900);
    ck_assert_int_eq(failures_of("user:alice"), 3);
    ck_assert(is_locked("user:alice"));
    ck_assert_int_eq(lock_of("user:alice"), 1);
    ck_assert_int_eq(wait_for("user:alice", "addr:10.0.0.7"), 1);
    /* then 2, 4, 8 */
    failure("user:alice", 3, 900, 900);
    ck_assert_int_eq(lock_of("user:alice"), 2);
    ck_assert_int_eq(wait_for("user:alice", "addr:10.0.0.7"), 2);
    failure("user:alice", 3, 900, 900);
    ck_assert_int_eq(lock_of("user:alice"), 4);
    ck_assert_int_eq(wait_for("addr:10.0.0.7", "user:alice"), 4);
    failure("user:alice", 3, 900, 900);
    ck_assert_int_eq(lock_of("user:alice"), 8);
    ck_assert_int_eq(wait_for("user:alice", NULL), 8);
    ck_assert_int_eq(failures_of("user:alice"), 6);
    /* other keys are not touched */
    ck_assert_int_eq(failures_of("addr:10.0.0.7"), -1);
    ck_assert_int_eq(wait_for("user:bob", "addr:10.0.0.8"), 0);
}
END_TEST

START_TEST(lock_capped_at_max)
{
    for (int i = 0; i < 4; i++)                 /* 1, 2, 4, then 8 capped to 5 */
        failure("addr:10.0.0.7", 1, 900, 5);
    ck_assert_int_eq(lock_of("addr:10.0.0.7"), 5);
    ck_assert_int_eq(wait_for("addr:10.0.0.7", NULL), 5);
    for (int i = 0; i < 40; i++)
        failure("addr:10.0.0.7", 1, 900, 5);
    ck_assert_int_eq(failures_of("addr:10.0.0.7"), 44);
    ck_assert_int_eq(lock_of("addr:10.0.0.7"), 5);
}
END_TEST

START_TEST(window_resets_count)
{
    /* within the window, failures add up */
    failure("user:carol", 2, 1, 900);
    ck_assert_int_eq(failures_of("user:carol"), 1);
    /* a failure more than a window after the last one starts again */
    struct timespec pause = { 1, 100 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    failure("user:carol", 2, 1, 900);
    ck_assert_int_eq(failures_of("user:carol"), 1);
    ck_assert(!is_locked("user:carol"));
    ck_assert_int_eq(wait_for("user:carol", NULL), 0);
    failure("user:carol", 2, 1, 900);           /* right after: counts */
    ck_assert_int_eq(failures_of("user:carol"), 2);
    ck_assert_int_eq(lock_of("user:carol"), 1);
}
END_TEST

START_TEST(window_by_last_failure)
{
    for (int i = 0; i < 4; i++)
        failure("user:dave", 10, 600, 900);
    ck_assert_int_eq(failures_of("user:dave"), 4);
    /* nine minutes ago: still inside a ten-minute window */
    free(kp_testdb_sql("UPDATE login_throttle SET last_failure_at = now() - interval '9 minutes'"));
    failure("user:dave", 10, 600, 900);
    ck_assert_int_eq(failures_of("user:dave"), 5);
    /* eleven minutes ago: forgotten */
    free(kp_testdb_sql("UPDATE login_throttle SET last_failure_at = now() - interval '11 minutes'"));
    failure("user:dave", 10, 600, 900);
    ck_assert_int_eq(failures_of("user:dave"), 1);
    /* the window is the policy's, not a constant */
    free(kp_testdb_sql("UPDATE login_throttle SET last_failure_at = now() - interval '11 minutes'"));
    failure("user:dave", 10, 3600, 900);
    ck_assert_int_eq(failures_of("user:dave"), 2);
}
END_TEST

START_TEST(clear_removes)
{
    for (int i = 0; i < 3; i++) {
        failure("user:erin", 2, 900, 900);
        failure("addr:10.0.0.9", 2, 900, 900);
    }
    ck_assert_int_eq(wait_for("user:erin", NULL), 2);
    clear("user:erin");
    ck_assert_int_eq(failures_of("user:erin"), -1);
    ck_assert_int_eq(wait_for("user:erin", NULL), 0);
    /* only that key */
    ck_assert_int_eq(failures_of("addr:10.0.0.9"), 3);
    ck_assert_int_eq(wait_for("user:erin", "addr:10.0.0.9"), 2);
    /* clearing what is not there is fine */
    clear("user:nobody");
    /* and counting starts from the beginning */
    failure("user:erin", 2, 900, 900);
    ck_assert_int_eq(failures_of("user:erin"), 1);
    ck_assert(!is_locked("user:erin"));
}
END_TEST

START_TEST(wait_takes_max_of_two_keys)
{
    failure("user:frank", 1, 900, 900);                        /* locked 1 s */
    for (int i = 0; i < 4; i++)                                /* 1, 2, 4, 8 s */
        failure("addr:10.0.0.10", 1, 900, 900);
    ck_assert_int_eq(wait_for("user:frank", NULL), 1);
    ck_assert_int_eq(wait_for("addr:10.0.0.10", NULL), 8);
    ck_assert_int_eq(wait_for("user:frank", "addr:10.0.0.10"), 8);
    ck_assert_int_eq(wait_for("addr:10.0.0.10", "user:frank"), 8);
    ck_assert_int_eq(wait_for("user:frank", "addr:elsewhere"), 1);
    ck_assert_int_eq(wait_for("addr:elsewhere", "user:frank"), 1);
    ck_assert_int_eq(wait_for("user:nobody", "addr:elsewhere"), 0);
    /* rounded up, never down to 0 while locked */
    free(kp_testdb_sql("UPDATE login_throttle SET locked_until = now() + interval '2.2 seconds' "
                       "WHERE key = 'addr:10.0.0.10'"));
    ck_assert_int_eq(wait_for("user:frank", "addr:10.0.0.10"), 3);
    free(kp_testdb_sql("UPDATE login_throttle SET locked_until = now() + "
                       "interval '500 milliseconds' WHERE key = 'addr:10.0.0.10'"));
    free(kp_testdb_sql("UPDATE login_throttle SET locked_until = now() - interval '1 second' "
                       "WHERE key = 'user:frank'"));
    ck_assert_int_eq(wait_for("user:frank", "addr:10.0.0.10"), 1);
    /* a lock that has run out is no lock */
    free(kp_testdb_sql("UPDATE login_throttle SET locked_until = now() - interval '1 second'"));
    ck_assert_int_eq(wait_for("user:frank", "addr:10.0.0.10"), 0);
}
END_TEST

static enum kp_err fail_then_abort_fn(struct kp_db *d, void *p)
{
    enum kp_err err = op_fn(d, p);
    return err ? err : KP_E_INVAL;
}

START_TEST(failure_in_callers_transaction)
{
    /* counted in the caller's transaction: rolled back with it */
    struct op o = { FAIL, "user:gina", NULL, 1, { 900, 900 }, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, fail_then_abort_fn, &o), KP_E_INVAL);
    ck_assert_int_eq(failures_of("user:gina"), -1);
    ck_assert_int_eq(wait_for("user:gina", NULL), 0);
    ck_assert_int_eq(kp_db_tx(db, 0, op_fn, &o), KP_OK);
    ck_assert_int_eq(failures_of("user:gina"), 1);
    /* the database's errors come back as errors */
    free(kp_testdb_sql("DROP TABLE login_throttle"));
    ck_assert_int_eq(kp_db_tx(db, 0, op_fn, &o), KP_E_DB);
    struct op w = { WAIT, "user:gina", NULL, 0, { 0, 0 }, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, op_fn, &w), KP_E_DB);
    struct op c = { CLEAR, "user:gina", NULL, 0, { 0, 0 }, 0 };
    ck_assert_int_eq(kp_db_tx(db, 0, op_fn, &c), KP_E_DB);
}
END_TEST

static Suite *throttle_suite(void)
{
    Suite *s = suite_create("throttle");
    TCase *tc = tcase_create("lockout");
    tcase_add_test(tc, lockout_below_threshold);
    tcase_add_test(tc, lockout_doubles);
    tcase_add_test(tc, lockout_capped);
    tcase_add_test(tc, lockout_huge_counts);
    suite_add_tcase(s, tc);

    tc = tcase_create("db");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, kp_testdb_create, kp_testdb_drop);
    tcase_add_checked_fixture(tc, throttle_setup, throttle_teardown);
    tcase_add_test(tc, below_threshold_no_lock);
    tcase_add_test(tc, at_threshold_locks);
    tcase_add_test(tc, lock_capped_at_max);
    tcase_add_test(tc, window_resets_count);
    tcase_add_test(tc, window_by_last_failure);
    tcase_add_test(tc, clear_removes);
    tcase_add_test(tc, wait_takes_max_of_two_keys);
    tcase_add_test(tc, failure_in_callers_transaction);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!kp_testdb_init("throttle"))
        return EXIT_FAILURE;
    return kp_test_run(throttle_suite());
}
