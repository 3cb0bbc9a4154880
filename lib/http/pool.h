/* A bounded pool of worker threads for slow work (see pool.c for the design).
 * A caller first takes a place (kp_pool_reserve), then queues its job in it
 * (kp_pool_submit): between the two it can prepare for the job running at
 * once on another thread (the HTTP side suspends the connection there). */
#ifndef KP_POOL_H
#define KP_POOL_H

#include <stdbool.h>

struct kp_pool;

/* One job.  The caller owns the memory and keeps it alive until `run`
 * returns; `next` is the pool's. */
struct kp_pool_job {
    void (*run)(void *arg);
    void *arg;
    struct kp_pool_job *next;
};

/* Starts `threads` threads (at least 1) that take jobs in the order they
 * were queued; `queue` bounds the jobs waiting (see kp_pool_reserve).  NULL
 * when memory or threads cannot be had. */
struct kp_pool *kp_pool_new(unsigned threads, unsigned queue);

/* Takes a place for one job.  A `bounded` place is refused while `queue`
 * jobs already wait (placed but not yet started); an unbounded one is not.
 * Every place is refused once kp_pool_stop has begun.  A place taken must be
 * filled by kp_pool_submit. */
bool kp_pool_reserve(struct kp_pool *p, bool bounded);

/* Queues `job` in the place taken; a thread runs job->run(job->arg) soon,
 * possibly before this returns. */
void kp_pool_submit(struct kp_pool *p, struct kp_pool_job *job);

/* Jobs placed but not yet started. */
unsigned kp_pool_waiting(struct kp_pool *p);

/* Jobs started and not yet done. */
unsigned kp_pool_running(struct kp_pool *p);

/* Refuses new places, waits until every job placed has run, and joins the
 * threads.  Idempotent. */
void kp_pool_stop(struct kp_pool *p);

/* Stops the pool if it runs, then frees it.  NULL is fine. */
void kp_pool_free(struct kp_pool *p);

#endif
