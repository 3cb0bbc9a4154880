/* lib/pool: jobs run on the pool's threads, side by side up to the thread
 * count; a bounded place is refused while `queue` jobs wait, an unbounded
 * one is not; stopping runs every job placed, then refuses places. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "pool.h"
#include "support/unit.h"

/* A gate jobs wait at until the test opens it. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_uint ran, inside, most_inside;
static pthread_t caller;
static atomic_bool on_caller;

static void gate_reset(void)
{
    gate_open = false;
    atomic_store(&ran, 0);
    atomic_store(&inside, 0);
    atomic_store(&most_inside, 0);
    atomic_store(&on_caller, false);
    caller = pthread_self();
}

static void gate_release(void)
{
    pthread_mutex_lock(&gate_lock);
    gate_open = true;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
}

/* Counts itself in, waits at the gate, counts itself done. */
static void gated(void *arg)
{
    (void)arg;
    if (pthread_equal(pthread_self(), caller))
        atomic_store(&on_caller, true);
    unsigned now = atomic_fetch_add(&inside, 1) + 1;
    unsigned most = atomic_load(&most_inside);
    while (now > most && !atomic_compare_exchange_weak(&most_inside, &most, now))
        ;
    pthread_mutex_lock(&gate_lock);
    while (!gate_open)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    atomic_fetch_sub(&inside, 1);
    atomic_fetch_add(&ran, 1);
}

static void place(struct kp_pool *p, struct kp_pool_job *job, bool bounded)
{
    ck_assert(kp_pool_reserve(p, bounded));
    job->run = gated;
    job->arg = NULL;
    kp_pool_submit(p, job);
}

/* Waits (at most 5 s) until `n` jobs are inside the gate. */
static void wait_inside(unsigned n)
{
    for (int i = 0; i < 500 && atomic_load(&inside) < n; i++)
        nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
    ck_assert_uint_eq(atomic_load(&inside), n);
}

START_TEST(jobs_run_on_the_pool_threads_side_by_side)
{
    gate_reset();
    struct kp_pool *p = kp_pool_new(3, 10);
    ck_assert_ptr_nonnull(p);
    struct kp_pool_job jobs[5] = { 0 };
    for (int i = 0; i < 5; i++)
        place(p, &jobs[i], true);
    wait_inside(3);                               /* three threads, three at once */
    ck_assert_uint_eq(kp_pool_waiting(p), 2);
    gate_release();
    kp_pool_free(p);                              /* runs what waits, joins */
    ck_assert_uint_eq(atomic_load(&ran), 5);
    ck_assert_uint_eq(atomic_load(&most_inside), 3);
    ck_assert(!atomic_load(&on_caller));
}
END_TEST

START_TEST(bounded_places_are_refused_while_the_queue_is_full)
{
    gate_reset();
    struct kp_pool *p = kp_pool_new(1, 2);
    struct kp_pool_job jobs[5] = { 0 };
    place(p, &jobs[0], true);
    wait_inside(1);                               /* running: no longer waiting */
    place(p, &jobs[1], true);
    ck_assert(kp_pool_reserve(p, true));          /* a place taken counts before its job */
    ck_assert(!kp_pool_reserve(p, true));         /* two wait: full */
    jobs[2].run = gated;
    kp_pool_submit(p, &jobs[2]);
    ck_assert(!kp_pool_reserve(p, true));
    place(p, &jobs[3], false);                    /* the next job of admitted work */
    ck_assert_uint_eq(kp_pool_waiting(p), 3);
    gate_release();
    for (int i = 0; i < 500 && atomic_load(&ran) < 4; i++)
        nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
    ck_assert_uint_eq(atomic_load(&ran), 4);
    place(p, &jobs[4], true);                     /* room again */
    kp_pool_free(p);
    ck_assert_uint_eq(atomic_load(&ran), 5);
}
END_TEST

struct stopper {
    struct kp_pool *p;
};

static void *stop_it(void *arg)
{
    kp_pool_stop(((struct stopper *)arg)->p);
    return NULL;
}

/* Jobs placed while the stop had not begun yet (below). */
static struct kp_pool_job early[500];

START_TEST(stop_runs_every_job_placed_then_refuses)
{
    gate_reset();
    struct kp_pool *p = kp_pool_new(1, 5);
    struct kp_pool_job jobs[3] = { 0 };
    place(p, &jobs[0], true);
    place(p, &jobs[1], true);
    wait_inside(1);
    ck_assert(kp_pool_reserve(p, false));         /* taken before the stop, filled after */
    struct stopper s = { p };
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, stop_it, &s), 0);
    unsigned n = 0;                               /* places taken before the stop began */
    while (n < 500 && kp_pool_reserve(p, false)) {
        early[n].run = gated;
        kp_pool_submit(p, &early[n++]);
        nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
    }
    ck_assert_uint_lt(n, 500);
    ck_assert(!kp_pool_reserve(p, true));
    jobs[2].run = gated;
    kp_pool_submit(p, &jobs[2]);                  /* the stop waits for this place */
    gate_release();
    pthread_join(t, NULL);
    ck_assert_uint_eq(atomic_load(&ran), 3 + n);
    ck_assert_uint_eq(kp_pool_waiting(p), 0);
    kp_pool_stop(p);                              /* again: nothing happens */
    kp_pool_free(p);
}
END_TEST

START_TEST(zero_threads_means_one)
{
    gate_reset();
    gate_open = true;
    struct kp_pool *p = kp_pool_new(0, 1);
    struct kp_pool_job job;
    place(p, &job, true);
    kp_pool_free(p);
    ck_assert_uint_eq(atomic_load(&ran), 1);
    kp_pool_free(NULL);
}
END_TEST

static Suite *pool_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_add_test(tc, jobs_run_on_the_pool_threads_side_by_side);
    tcase_add_test(tc, bounded_places_are_refused_while_the_queue_is_full);
    tcase_add_test(tc, stop_runs_every_job_placed_then_refuses);
    tcase_add_test(tc, zero_threads_means_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(pool_suite());
}
