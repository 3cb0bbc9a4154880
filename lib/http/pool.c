/* The slow-work pool.
 *
 * DESIGN.md: "Slow work never blocks an event thread: the connection is
 * suspended and the work runs in a bounded pool."  MHD's event threads
 * (http.workers) each multiplex many connections; an argon2id hash, an
 * export or a chunk of a file written to PostgreSQL run there would stall
 * every other connection of that thread.  So the HTTP side (server/httpd.c)
 * makes such work a job: the event thread suspends the connection, queues
 * the job here and goes back to its loop; a pool thread runs the job, which
 * keeps its answer in the request, and resumes the connection; MHD then
 * calls the event thread again, which queues the answer.
 *
 * What runs here: the handlers of routes marked KP_ROUTE_SLOW (password
 * hashing and verification, CSV export and import, attachment uploads and
 * downloads), each piece of an upload written to the database, each block of
 * a download read from it.
 *
 * Bounds: `threads` threads, each opening its own database connection on
 * first use (thread-local, as the event threads do), so the daemon holds at
 * most http.workers + http.pool_threads connections.  A request is admitted
 * once, with its first job, into a bounded place: when `queue` jobs already
 * wait it is refused, and the HTTP side answers 503 `unavailable` with
 * Retry-After instead of letting the client hang.  The later jobs of an
 * admitted request (the next piece of its upload, the next block of its
 * download) take unbounded places: refusing them would break an answer half
 * sent, and there is at most one per connection, so the connection limit
 * bounds them.
 *
 * Stopping: kp_pool_stop refuses new places, lets every job placed run (the
 * HTTP side makes queued handlers answer 503 quickly once its grace is
 * over), and joins the threads.  Every suspended connection has then been
 * resumed, as MHD_stop_daemon requires. */

#include <pthread.h>
#include <stdlib.h>

#include "log.h"
#include "pool.h"

struct kp_pool {
    pthread_mutex_t lock;
    pthread_cond_t work;         /* a job was queued, or the pool stops */
    struct kp_pool_job *head, *tail;
    unsigned queue;              /* the bound on waiting jobs for bounded places */
    unsigned waiting;            /* places taken and not yet started */
    unsigned running;            /* jobs started and not yet done */
    unsigned reserved;           /* places taken and not yet filled */
    bool stopping, stopped;
    unsigned nthreads;
    pthread_t threads[];
};

/* A worker: runs jobs until the pool stops and nothing placed is left.
 * (It waits on the condition between jobs, so the loop runs once a job.) */
static void *worker(void *arg)
{
    struct kp_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->head == NULL && !(p->stopping && p->reserved == 0))
            pthread_cond_wait(&p->work, &p->lock);
        struct kp_pool_job *job = p->head;
        if (job != NULL) {
            p->head = job->next;
            if (p->head == NULL)
                p->tail = NULL;
            p->waiting--;
            p->running++;
        }
        pthread_mutex_unlock(&p->lock);
        if (job == NULL)
            return NULL;                 /* stopping, and nothing left to run */
        job->run(job->arg);
        pthread_mutex_lock(&p->lock);
        p->running--;
        pthread_mutex_unlock(&p->lock);
    }
}

struct kp_pool *kp_pool_new(unsigned threads, unsigned queue)
{
    if (threads == 0)
        threads = 1;
    struct kp_pool *p = calloc(1, sizeof *p + threads * sizeof p->threads[0]);
    if (p == NULL)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    p->queue = queue;
    for (; p->nthreads < threads; p->nthreads++) {
        int err = pthread_create(&p->threads[p->nthreads], NULL, worker, p);
        if (err != 0) {
            kp_error("pool: cannot start thread %u of %u", p->nthreads + 1, threads);
            kp_pool_free(p);
            return NULL;
        }
    }
    return p;
}

bool kp_pool_reserve(struct kp_pool *p, bool bounded)
{
    pthread_mutex_lock(&p->lock);
    bool ok = !p->stopping && !(bounded && p->waiting >= p->queue);
    if (ok) {
        p->waiting++;
        p->reserved++;
    }
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void kp_pool_submit(struct kp_pool *p, struct kp_pool_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->tail != NULL)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    p->reserved--;
    /* While stopping, the last place filled may let idle workers exit. */
    if (p->stopping)
        pthread_cond_broadcast(&p->work);
    else
        pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
}

unsigned kp_pool_waiting(struct kp_pool *p)
{
    pthread_mutex_lock(&p->lock);
    unsigned n = p->waiting;
    pthread_mutex_unlock(&p->lock);
    return n;
}

unsigned kp_pool_running(struct kp_pool *p)
{
    pthread_mutex_lock(&p->lock);
    unsigned n = p->running;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void kp_pool_stop(struct kp_pool *p)
{
    pthread_mutex_lock(&p->lock);
    bool already = p->stopped;
    p->stopping = true;
    p->stopped = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    if (already)
        return;
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
}

void kp_pool_free(struct kp_pool *p)
{
    if (p == NULL)
        return;
    kp_pool_stop(p);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
