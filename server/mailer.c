/* The mail sender (mailer.h): recover, expire, claim, send, record. */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "housekeeping.h"
#include "log.h"
#include "mailer.h"

/* Messages claimed at once, at most. */
#define BATCH 10

struct kp_mailer {
    struct kp_server *srv;
    struct kp_smtp smtp;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_bool stop;
    char claim[33];          /* the next claim's name: new once a claim answered */
};

static void new_claim_name(struct kp_mailer *m)
{
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(m->claim, sizeof m->claim, rnd, sizeof rnd);
}

/* A message claimed by a sender that died (or lost its database) stays
 * 'sending'.  Whether it left is unknown, so it is not sent again: once
 * its claim is older than any live sender takes for a batch (BATCH sends of
 * mail.timeout seconds each, and a minute), it is failed.  The status test
 * makes it happen once. */
static const struct kp_stmt SQL_INTERRUPTED = {
    "mail_interrupted",
    "UPDATE email_outbox SET status = 'failed', last_error = 'interrupted, outcome unknown',"
    "       body = coalesce(body_after, body)"
    " WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1::int)",
    1,
};

/* A message past its end (a reset link's) is never sent. */
static const struct kp_stmt SQL_EXPIRE = {
    "mail_expire",
    "UPDATE email_outbox SET status = 'failed', last_error = 'expired', body = coalesce(body_after, body)"
    " WHERE status = 'pending' AND expires_at <= now()",
    0,
};

/* Claims up to $1 due messages, essential ones (a reset link, valid for
 * half an hour) before the rest and then oldest first, skipping those
 * another sender is claiming right now; committed on its own before any is
 * sent.  On deadline day hundreds of notifications may wait at mail.rate
 * per minute; a reset link must not wait behind them.
 *
 * $2 names the claim.  A claim whose answer was lost (the connection broke
 * after the commit) is made again under the same name until one answers,
 * and `mine` hands back what the lost one took: those rows are sent now,
 * not left 'sending' to be failed as interrupted. */
static const struct kp_stmt SQL_CLAIM = {
    "mail_claim",
    "WITH fresh AS (SELECT id FROM email_outbox"
    "                WHERE status = 'pending' AND next_attempt_at <= now()"
    "                  AND (expires_at IS NULL OR expires_at > now())"
    "                ORDER BY essential DESC, next_attempt_at, id LIMIT $1::int FOR UPDATE SKIP LOCKED),"
    "     mine AS (SELECT id FROM email_outbox WHERE status = 'sending' AND claimed_by = $2)"
    " UPDATE email_outbox o SET status = 'sending', claimed_at = now(), claimed_by = $2,"
    "        attempts = o.attempts + CASE WHEN o.status = 'pending' THEN 1 ELSE 0 END"
    "  WHERE o.id IN (SELECT id FROM fresh UNION ALL SELECT id FROM mine)"
    " RETURNING o.id, o.to_addr, o.subject, o.body, o.message_id, o.attempts,"
    "           extract(epoch FROM o.created_at)::bigint",
    2,
};
enum { C_ID, C_TO, C_SUBJECT, C_BODY, C_MESSAGE_ID, C_ATTEMPTS, C_CREATED };

/* Each outcome changes only a row this sender still holds ('sending'). */
static const struct kp_stmt SQL_SENT = {
    "mail_sent",
    "UPDATE email_outbox SET status = 'sent', sent_at = now(), last_error = NULL,"
    "       body = coalesce(body_after, body)"
    " WHERE id = $1 AND status = 'sending'",
    1,
};

static const struct kp_stmt SQL_RETRY = {
    "mail_retry",
    "UPDATE email_outbox SET status = 'pending', claimed_at = NULL, last_error = $2,"
    "       next_attempt_at = now() + make_interval(secs => $3::int)"
    " WHERE id = $1 AND status = 'sending'",
    3,
};

static const struct kp_stmt SQL_FAILED = {
    "mail_failed",
    "UPDATE email_outbox SET status = 'failed', last_error = $2, body = coalesce(body_after, body)"
    " WHERE id = $1 AND status = 'sending'",
    2,
};

/* Claimed, not tried: back to the queue as it was (shutdown). */
static const struct kp_stmt SQL_RELEASE = {
    "mail_release",
    "UPDATE email_outbox SET status = 'pending', claimed_at = NULL, attempts = attempts - 1"
    " WHERE id = $1 AND status = 'sending'",
    1,
};

static enum kp_err run1(struct kp_db *db, const struct kp_stmt *stmt, const char *const *params, int *count)
{
    PGresult *res;
    enum kp_err err = kp_db_read(db, stmt, params, &res);
    if (err == KP_OK) {
        if (count != NULL)
            *count = atoi(PQcmdTuples(res));
        PQclear(res);
    }
    return err;
}

/* Sends row i of a claim and records the outcome; false when it could not
 * be recorded. */
static bool deliver(struct kp_mailer *m, struct kp_db *db, PGresult *res, int i)
{
    const struct kp_config *cfg = m->srv->cfg;
    const char *id = PQgetvalue(res, i, C_ID), *to = PQgetvalue(res, i, C_TO);
    unsigned attempts = (unsigned)atoi(PQgetvalue(res, i, C_ATTEMPTS));
    struct kp_mail_msg msg = {
        .from = &m->smtp.from, .to = to, .subject = PQgetvalue(res, i, C_SUBJECT),
        .body = PQgetvalue(res, i, C_BODY), .message_id = PQgetvalue(res, i, C_MESSAGE_ID),
        .date = (time_t)atoll(PQgetvalue(res, i, C_CREATED)),
    };
    struct kp_buf text = { 0 };
    struct kp_smtp_result r;
    enum kp_err err = kp_mail_build(&text, &msg);
    if (err == KP_E_INVAL) {
        r = (struct kp_smtp_result){ KP_MAIL_PERMANENT, "not sent: the address or the text is not acceptable" };
    } else if (err) {
        r = (struct kp_smtp_result){ KP_MAIL_TEMPORARY, "out of memory" };
    } else {
        kp_smtp_send(&m->smtp, to, text.data, text.len, &m->stop, &r);
    }
    kp_buf_free(&text);
    /* Cut short by our own shutdown: not the server's fault, no attempt spent. */
    if (r.outcome == KP_MAIL_TEMPORARY && atomic_load(&m->stop))
        return run1(db, &SQL_RELEASE, (const char *const[]){ id }, NULL) == KP_OK;
    if (r.outcome == KP_MAIL_TEMPORARY && attempts >= cfg->mail.max_attempts)
        r.outcome = KP_MAIL_PERMANENT;
    char delay[16];
    snprintf(delay, sizeof delay, "%u", kp_mail_backoff(cfg->mail.retry_base, cfg->mail.retry_max, attempts));
    switch (r.outcome) {
    case KP_MAIL_SENT:
        err = run1(db, &SQL_SENT, (const char *const[]){ id }, NULL);
        atomic_fetch_add(&m->srv->mail_sent, 1);
        kp_info("mail: %s sent to %s", id, to);
        break;
    case KP_MAIL_TEMPORARY:
        err = run1(db, &SQL_RETRY, (const char *const[]){ id, r.answer, delay }, NULL);
        atomic_fetch_add(&m->srv->mail_retried, 1);
        kp_warn("mail: %s to %s: attempt %u failed, again in %s s: %s", id, to, attempts, delay, r.answer);
        break;
    case KP_MAIL_UNKNOWN: {
        char why[sizeof r.answer];
        snprintf(why, sizeof why, "%s", r.answer);
        snprintf(r.answer, sizeof r.answer, "outcome unknown, the message went out: %.300s", why);
    }
        /* fall through */
    case KP_MAIL_PERMANENT:
        err = run1(db, &SQL_FAILED, (const char *const[]){ id, r.answer }, NULL);
        atomic_fetch_add(&m->srv->mail_failed, 1);
        kp_warn("mail: %s to %s failed: %s", id, to, r.answer);
        break;
    }
    if (err)
        kp_warn("mail: %s: the outcome is not recorded (%s); it stays claimed", id, kp_err_str(err));
    return err == KP_OK;
}

/* One round: recover and expire, then claim and send up to `room`
 * messages.  Returns how many were claimed. */
static int round_(struct kp_mailer *m, struct kp_db *db, unsigned room)
{
    char bound[16], limit[16];
    snprintf(bound, sizeof bound, "%u", BATCH * m->srv->cfg->mail.timeout + 60);
    snprintf(limit, sizeof limit, "%u", room < BATCH ? room : BATCH);
    int n = 0;
    if (run1(db, &SQL_INTERRUPTED, (const char *const[]){ bound }, &n) == KP_OK && n > 0)
        kp_warn("mail: %d messages were being sent by a sender that stopped; marked failed", n);
    if (run1(db, &SQL_EXPIRE, NULL, &n) == KP_OK && n > 0)
        kp_info("mail: %d messages expired unsent", n);
    if (room == 0)
        return 0;
    PGresult *res;
    if (kp_db_read(db, &SQL_CLAIM, (const char *const[]){ limit, m->claim }, &res) != KP_OK)
        return 0;                                 /* the same name next time */
    new_claim_name(m);
    int claimed = PQntuples(res), i = 0;
    /* An outcome that cannot be recorded means the database is away: the
     * rest is not sent (its outcome could not be recorded either) but
     * handed back, if the database lets us. */
    bool recorded = true;
    for (; i < claimed && recorded && !atomic_load(&m->stop); i++)
        recorded = deliver(m, db, res, i);
    for (; i < claimed; i++)
        run1(db, &SQL_RELEASE, (const char *const[]){ PQgetvalue(res, i, C_ID) }, NULL);
    PQclear(res);
    return claimed;
}

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
    struct kp_mailer *m = arg;
    const struct kp_config *cfg = m->srv->cfg;
    struct kp_db *db = kp_db_new(&m->srv->db_options);
    struct kp_mail_bucket bucket;
    kp_mail_bucket_init(&bucket, cfg->mail.rate, cfg->mail.rate < BATCH ? cfg->mail.rate : BATCH, monotonic());
    bool current = false;
    while (!atomic_load(&m->stop) && db != NULL) {
        current = current || kp_schema_current(db);     /* else: look again after a poll */
        double wait = cfg->mail.poll;
        if (current) {
            unsigned room = kp_mail_bucket_available(&bucket, monotonic());
            int claimed = round_(m, db, room);
            kp_mail_bucket_take(&bucket, (unsigned)claimed);
            if (room == 0 || (unsigned)claimed == (room < BATCH ? room : BATCH)) {
                double next = kp_mail_bucket_wait(&bucket);   /* more may be due: when the rate allows */
                wait = next < wait ? next : wait;
            }
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long long ns = until.tv_nsec + (long long)(wait * 1e9);
        until.tv_sec += ns / 1000000000;
        until.tv_nsec = ns % 1000000000;
        pthread_mutex_lock(&m->lock);
        while (!atomic_load(&m->stop) && pthread_cond_timedwait(&m->wake, &m->lock, &until) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&m->lock);
    }
    kp_db_free(db);
    return NULL;
}

struct kp_mailer *kp_mailer_start(struct kp_server *srv, const struct kp_smtp *smtp)
{
    struct kp_mailer *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->srv = srv;
    m->smtp = *smtp;
    atomic_init(&m->stop, false);
    new_claim_name(m);
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->wake, NULL);           /* CLOCK_REALTIME */
    if (pthread_create(&m->thread, NULL, run, m) != 0) {
        kp_error("mail: cannot start the sender's thread");
        pthread_cond_destroy(&m->wake);
        pthread_mutex_destroy(&m->lock);
        kp_smtp_clear(&m->smtp);
        free(m);
        return NULL;
    }
    kp_info("mail: sending through %s as %s", smtp->url, smtp->from.addr);
    return m;
}

void kp_mailer_stop(struct kp_mailer *m)
{
    pthread_mutex_lock(&m->lock);
    atomic_store(&m->stop, true);
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    pthread_cond_destroy(&m->wake);
    pthread_mutex_destroy(&m->lock);
    kp_smtp_clear(&m->smtp);
    free(m);
}
