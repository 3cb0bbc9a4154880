/* The housekeeping thread: a table of periodic tasks, each run once at start
 * and then every `every(cfg)` seconds, only while the schema is current (the
 * tables a task touches may not exist before the migration). */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "api/api.h"
#include "housekeeping.h"
#include "log.h"
#include "migrate.h"
#include "remind.h"

struct task {
    const char *name;
    unsigned (*every)(const struct kp_config *cfg);   /* seconds between runs */
    enum kp_err (*run)(struct kp_server *srv, struct kp_db *db);
};

/* ---- the tasks ---- */

/* One statement with its parameters, in a transaction; `count` is the rows
 * it changed. */
struct sweep {
    const struct kp_stmt *stmt;
    const char *const *params;
    int count;
};

static enum kp_err sweep_tx(struct kp_db *db, void *arg)
{
    struct sweep *s = arg;
    PGresult *res;
    enum kp_err err = kp_db_exec(db, s->stmt, s->params, &res);
    if (err == KP_OK) {
        s->count = atoi(PQcmdTuples(res));
        PQclear(res);
    }
    return err;
}

/* An upload cut off (a client gone, a kill -9, the database away) leaves an
 * incomplete attachment, never listed or served: it is removed here once
 * its row has gone unmarked for attachments.upload_grace seconds.  A live
 * upload marks it more often than that (attachments.c), however long the
 * upload takes, so only dead ones go. */
static const struct kp_stmt SQL_SWEEP_UPLOADS = {
    "hk_sweep_uploads",
    "DELETE FROM attachments WHERE NOT complete AND created_at < now() - make_interval(secs => $1::int)",
    1,
};

static enum kp_err sweep_uploads(struct kp_server *srv, struct kp_db *db)
{
    char grace[16];
    snprintf(grace, sizeof grace, "%u", srv->cfg->attachments.upload_grace);
    const char *params[] = { grace };
    struct sweep s = { &SQL_SWEEP_UPLOADS, params, 0 };
    enum kp_err err = kp_db_tx(db, 0, sweep_tx, &s);
    if (err == KP_OK && s.count > 0)
        kp_info("housekeeping: swept %d incomplete uploads", s.count);
    return err;
}

/* A dead upload goes at most 1.5 graces after its last sign of life. */
static unsigned half_the_upload_grace(const struct kp_config *cfg)
{
    return cfg->attachments.upload_grace / 2;
}

/* Failed logins leave a row per username tried (made-up ones too) and per
 * address.  Once its window is over and any lockout has ended a row tells
 * nothing; a day later it goes. */
static const struct kp_stmt SQL_EXPIRE_THROTTLE = {
    "hk_expire_login_throttle",
    "DELETE FROM login_throttle"
    " WHERE last_failure_at < now() - make_interval(secs => greatest($1::int, 86400))"
    "   AND (locked_until IS NULL OR locked_until < now())",
    1,
};

static enum kp_err expire_throttle(struct kp_server *srv, struct kp_db *db)
{
    char window[16];
    snprintf(window, sizeof window, "%u", srv->cfg->auth.throttle_window);
    const char *params[] = { window };
    struct sweep s = { &SQL_EXPIRE_THROTTLE, params, 0 };
    enum kp_err err = kp_db_tx(db, 0, sweep_tx, &s);
    if (err == KP_OK && s.count > 0)
        kp_info("housekeeping: expired %d login throttle rows", s.count);
    return err;
}

/* Deadline reminders (lib/domain/remind.h), REMIND_BATCH a run: a longer
 * list waits for the next run. */
#define REMIND_BATCH 500

static enum kp_err remind_tx(struct kp_db *db, void *arg)
{
    return kp_remind_due(db, REMIND_BATCH, arg);
}

static enum kp_err send_reminders(struct kp_server *srv, struct kp_db *db)
{
    (void)srv;
    int sent = 0;
    enum kp_err err = kp_db_tx(db, 0, remind_tx, &sent);
    if (err == KP_OK && sent > 0)
        kp_info("housekeeping: sent %d deadline reminders", sent);
    return err;
}

static unsigned reminders_every(const struct kp_config *cfg)
{
    return cfg->reminders.every;
}

static unsigned hourly(const struct kp_config *cfg)
{
    (void)cfg;
    return 3600;
}

static const struct task tasks[] = {
    { "sweep_uploads", half_the_upload_grace, sweep_uploads },
    { "expire_login_throttle", hourly, expire_throttle },
    { "audit_checkpoint", kp_audit_checkpoint_every, kp_audit_checkpoint_periodic },
    { "deadline_reminders", reminders_every, send_reminders },
};
#define NTASKS (sizeof tasks / sizeof tasks[0])

/* ---- the thread ---- */

struct kp_housekeeping {
    struct kp_server *srv;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

bool kp_schema_current(struct kp_db *db)
{
    enum kp_schema_state state;
    char why[256];
    return kp_db_ensure(db) == KP_OK &&
           kp_schema_check(kp_db_conn(db), kp_migrations, kp_migrations_count, &state, why,
                           sizeof why) == KP_OK &&
           state == KP_SCHEMA_CURRENT;
}

static void *run(void *arg)
{
    struct kp_housekeeping *hk = arg;
    struct kp_db *db = kp_db_new(&hk->srv->db_options);
    time_t due[NTASKS] = { 0 };                  /* 0: at once */
    pthread_mutex_lock(&hk->lock);
    while (!hk->stop && db != NULL) {
        pthread_mutex_unlock(&hk->lock);
        time_t now = time(NULL), next = now + 60;
        bool current = kp_schema_current(db);       /* else: try again in a minute */
        for (size_t i = 0; i < NTASKS; i++) {
            if (current && due[i] <= now) {
                enum kp_err err = tasks[i].run(hk->srv, db);
                if (err)
                    kp_warn("housekeeping: %s: %s", tasks[i].name, kp_err_str(err));
                due[i] = time(NULL) + tasks[i].every(hk->srv->cfg);
            }
            if (due[i] > 0 && due[i] < next)
                next = due[i];
        }
        pthread_mutex_lock(&hk->lock);
        struct timespec until = { .tv_sec = next };
        while (!hk->stop && pthread_cond_timedwait(&hk->wake, &hk->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&hk->lock);
    kp_db_free(db);
    return NULL;
}

struct kp_housekeeping *kp_housekeeping_start(struct kp_server *srv)
{
    struct kp_housekeeping *hk = calloc(1, sizeof *hk);
    if (hk == NULL)
        return NULL;
    hk->srv = srv;
    pthread_mutex_init(&hk->lock, NULL);
    pthread_cond_init(&hk->wake, NULL);          /* CLOCK_REALTIME, as time() */
    if (pthread_create(&hk->thread, NULL, run, hk) != 0) {
        kp_error("housekeeping: cannot start its thread");
        pthread_cond_destroy(&hk->wake);
        pthread_mutex_destroy(&hk->lock);
        free(hk);
        return NULL;
    }
    return hk;
}

void kp_housekeeping_stop(struct kp_housekeeping *hk)
{
    pthread_mutex_lock(&hk->lock);
    hk->stop = true;
    pthread_cond_signal(&hk->wake);
    pthread_mutex_unlock(&hk->lock);
    pthread_join(hk->thread, NULL);
    pthread_cond_destroy(&hk->wake);
    pthread_mutex_destroy(&hk->lock);
    free(hk);
}
