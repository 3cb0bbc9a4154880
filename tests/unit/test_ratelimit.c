/* lib/ratelimit: fixed-window rate limits kept in PostgreSQL (table
 * rate_limits of migrations/0003_batches.sql): up to `limit` hits per key and
 * window are allowed, the next are refused with the seconds until the window
 * ends, a new window starts afresh, keys do not share counts, and the hit is
 * part of the caller's transaction.
 *
 * Needs KPJD_TEST_PGHOST, KPJD_TEST_PGPORT, KPJD_TEST_PGSUPER and
 * KPJD_TEST_DBUSER like test_db, and fails without them; it runs in a fresh
 * database kpjd_unit_ratelimit_<pid>. */
#include <check.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "ratelimit.h"
#include "support/testdb.h"
#include "support/unit.h"

static struct kp_db *db;

/* ---- rate_limits ------------------------------------------------------ */

/* Copied from migrations/0003_batches.sql. */
static const char RATE_LIMITS[] =
    "CREATE TABLE rate_limits ("
    "    key          text PRIMARY KEY,"
    "    window_start timestamptz NOT NULL,"
    "    hits         integer NOT NULL"
    ")";

static void rate_setup(void)
{
    free(kp_testdb_sql("DROP TABLE IF EXISTS rate_limits"));
    free(kp_testdb_sql(RATE_LIMITS));
    db = kp_testdb_new_db();
}

static void rate_teardown(void)
{
    kp_db_free(db);
    db = NULL;
}

struct hit {
    const char *key;
    unsigned limit, window;
    bool allowed;
    long long retry_after;
    bool then_abort;           /* roll the transaction back after the hit */
};

static enum kp_err hit_fn(struct kp_db *d, void *p)
{
    struct hit *h = p;
    h->allowed = !h->allowed;          /* must be set either way */
    h->retry_after = -12345;
    enum kp_err err = kp_rate_hit(d, h->key, h->limit, h->window, &h->allowed, &h->retry_after);
    if (err)
        return err;
    return h->then_abort ? KP_E_INVAL : KP_OK;
}

/* One hit in a transaction of its own; whether it was allowed.  *retry
 * (if not NULL) gets retry_after. */
static bool hit(const char *key, unsigned limit, unsigned window, long long *retry)
{
    struct hit h = { key, limit, window, false, 0, false };
    ck_assert_int_eq(kp_db_tx(db, 0, hit_fn, &h), KP_OK);
    if (!h.allowed) {
        ck_assert_msg(h.retry_after >= 1 && h.retry_after <= (long long)window,
                      "%s refused with retry_after %lld (window %u)", key, h.retry_after, window);
    }
    if (retry)
        *retry = h.retry_after;
    return h.allowed;
}

static long long hits_of(const char *key)
{
    return kp_testdb_sql_ll("SELECT coalesce((SELECT hits FROM rate_limits WHERE key = $1), -1)",
                            key);
}

static void pause_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000 * 1000 };
    nanosleep(&t, NULL);
}

/* A key's first hit of a new window sweeps keys idle for a day; a key's
 * later hits do not sweep (the sweep happens once per window). */
START_TEST(idle_keys_are_swept)
{
    ck_assert(hit("addr:10.0.0.7", 5, 60, NULL));
    free(kp_testdb_sql("INSERT INTO rate_limits VALUES ('addr:old', now() - interval '2 days', 3),"
                       " ('addr:recent', now() - interval '2 hours', 3)"));
    ck_assert(hit("addr:10.0.0.7", 5, 60, NULL));              /* not a new window: no sweep */
    ck_assert_int_eq(hits_of("addr:old"), 3);
    ck_assert(hit("addr:10.0.0.8", 5, 60, NULL));              /* a new key: sweeps */
    ck_assert_int_eq(hits_of("addr:old"), -1);
    ck_assert_int_eq(hits_of("addr:recent"), 3);
    ck_assert_int_eq(hits_of("addr:10.0.0.7"), 2);
}
END_TEST

START_TEST(up_to_limit_then_refused)
{
    for (int i = 1; i <= 5; i++) {
        ck_assert_msg(hit("addr:10.0.0.1", 5, 60, NULL), "hit %d refused", i);
        ck_assert_int_eq(hits_of("addr:10.0.0.1"), i);
    }
    long long retry;
    ck_assert(!hit("addr:10.0.0.1", 5, 60, &retry));
    ck_assert_int_ge(retry, 1);
    ck_assert_int_le(retry, 60);
    ck_assert_int_ge(retry, 55);          /* the window started moments ago */
    /* and stays refused within the window */
    for (int i = 0; i < 5; i++)
        ck_assert(!hit("addr:10.0.0.1", 5, 60, NULL));
}
END_TEST

START_TEST(limit_one_and_zero)
{
    ck_assert(hit("k1", 1, 30, NULL));
    ck_assert(!hit("k1", 1, 30, NULL));
    long long retry;
    ck_assert(!hit("k0", 0, 30, &retry));        /* at most 0: none */
    ck_assert_int_ge(retry, 1);
    ck_assert_int_le(retry, 30);
}
END_TEST

START_TEST(retry_after_counts_down)
{
    ck_assert(hit("addr:10.0.0.2", 1, 60, NULL));
    ck_assert(!hit("addr:10.0.0.2", 1, 60, NULL));
    /* the window started 50.5 s ago: 9.5 s left, rounded up */
    free(kp_testdb_sql("UPDATE rate_limits SET window_start = now() - interval '50.5 seconds'"));
    long long retry;
    ck_assert(!hit("addr:10.0.0.2", 1, 60, &retry));
    ck_assert_int_eq(retry, 10);
    /* 59.5 s ago: still refused, never 0 */
    free(kp_testdb_sql("UPDATE rate_limits SET window_start = now() - interval '59.5 seconds'"));
    ck_assert(!hit("addr:10.0.0.2", 1, 60, &retry));
    ck_assert_int_eq(retry, 1);
    /* 61 s ago: a new window */
    free(kp_testdb_sql("UPDATE rate_limits SET window_start = now() - interval '61 seconds'"));
    ck_assert(hit("addr:10.0.0.2", 1, 60, NULL));
    ck_assert_int_eq(hits_of("addr:10.0.0.2"), 1);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT count(*) FROM rate_limits WHERE key = $1 AND "
                                      "window_start > now() - interval '10 seconds'",
                                      "addr:10.0.0.2"),
                     1);
}
END_TEST

START_TEST(new_window_resets)
{
    ck_assert(hit("addr:10.0.0.3", 2, 1, NULL));
    ck_assert(hit("addr:10.0.0.3", 2, 1, NULL));
    long long retry;
    ck_assert(!hit("addr:10.0.0.3", 2, 1, &retry));
    ck_assert_int_eq(retry, 1);
    ck_assert_int_eq(hits_of("addr:10.0.0.3"), 3);
    pause_ms(1100);
    ck_assert(hit("addr:10.0.0.3", 2, 1, NULL));
    ck_assert_int_eq(hits_of("addr:10.0.0.3"), 1);          /* counted afresh */
    ck_assert(hit("addr:10.0.0.3", 2, 1, NULL));
    ck_assert_int_eq(hits_of("addr:10.0.0.3"), 2);
    ck_assert(!hit("addr:10.0.0.3", 2, 1, NULL));
}
END_TEST

START_TEST(keys_independent)
{
    for (int i = 0; i < 3; i++)
        ck_assert(hit("addr:a", 3, 60, NULL));
    ck_assert(!hit("addr:a", 3, 60, NULL));
    /* another key has its own count */
    for (int i = 0; i < 3; i++)
        ck_assert(hit("addr:b", 3, 60, NULL));
    ck_assert(!hit("addr:b", 3, 60, NULL));
    ck_assert(hit("addr:A", 3, 60, NULL));                /* keys are compared exactly */
    ck_assert(hit("addr:a ", 3, 60, NULL));
    ck_assert(hit("lookup:addr:a", 3, 60, NULL));
    ck_assert_int_eq(hits_of("addr:a"), 4);
    ck_assert_int_eq(hits_of("addr:b"), 4);
    ck_assert_int_eq(hits_of("addr:A"), 1);
    ck_assert_int_eq(hits_of("addr:c"), -1);
    /* a new window for one key leaves the other's alone */
    free(kp_testdb_sql("UPDATE rate_limits SET window_start = now() - interval '2 minutes' "
                       "WHERE key = 'addr:a'"));
    ck_assert(hit("addr:a", 3, 60, NULL));
    ck_assert(!hit("addr:b", 3, 60, NULL));
    ck_assert_int_eq(hits_of("addr:a"), 1);
    ck_assert_int_eq(hits_of("addr:b"), 5);
    /* a key with quotes and non-ASCII is just text */
    ck_assert(hit("addr:'; DROP TABLE rate_limits; --", 1, 60, NULL));
    ck_assert(!hit("addr:'; DROP TABLE rate_limits; --", 1, 60, NULL));
    ck_assert(hit("用户:张三", 1, 60, NULL));
    ck_assert_int_eq(hits_of("用户:张三"), 1);
}
END_TEST

START_TEST(window_is_the_callers)
{
    /* the same row read with different windows: the window is a parameter */
    ck_assert(hit("addr:w", 10, 3600, NULL));
    free(kp_testdb_sql("UPDATE rate_limits SET window_start = now() - interval '2 minutes'"));
    ck_assert(hit("addr:w", 10, 3600, NULL));              /* inside an hour */
    ck_assert_int_eq(hits_of("addr:w"), 2);
    ck_assert(hit("addr:w", 10, 60, NULL));                /* past a minute */
    ck_assert_int_eq(hits_of("addr:w"), 1);
}
END_TEST

START_TEST(in_callers_transaction)
{
    /* rolled back with the caller's transaction */
    struct hit h = { "addr:t", 1, 60, false, 0, true };
    ck_assert_int_eq(kp_db_tx(db, 0, hit_fn, &h), KP_E_INVAL);
    ck_assert(h.allowed);
    ck_assert_int_eq(hits_of("addr:t"), -1);
    ck_assert(hit("addr:t", 1, 60, NULL));
    ck_assert(!hit("addr:t", 1, 60, NULL));
    h.then_abort = true;
    ck_assert_int_eq(kp_db_tx(db, 0, hit_fn, &h), KP_E_INVAL);
    ck_assert(!h.allowed);
    ck_assert_int_eq(hits_of("addr:t"), 2);
    /* the database's errors come back as errors */
    free(kp_testdb_sql("DROP TABLE rate_limits"));
    h.then_abort = false;
    ck_assert_int_eq(kp_db_tx(db, 0, hit_fn, &h), KP_E_DB);
}
END_TEST

static Suite *ratelimit_suite(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("db");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, kp_testdb_create, kp_testdb_drop);
    tcase_add_checked_fixture(tc, rate_setup, rate_teardown);
    tcase_add_test(tc, up_to_limit_then_refused);
    tcase_add_test(tc, idle_keys_are_swept);
    tcase_add_test(tc, limit_one_and_zero);
    tcase_add_test(tc, retry_after_counts_down);
    tcase_add_test(tc, new_window_resets);
    tcase_add_test(tc, keys_independent);
    tcase_add_test(tc, window_is_the_callers);
    tcase_add_test(tc, in_callers_transaction);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!kp_testdb_init("ratelimit"))
        return EXIT_FAILURE;
    return kp_test_run(ratelimit_suite());
}
