#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "outbox.h"

static const struct kp_stmt SQL_OUTBOX_PUT = {
    "outbox_put",
    "INSERT INTO email_outbox (id, user_id, kind, essential, to_addr, subject, body, body_after,"
    "                          expires_at, message_id)"
    " SELECT n.id, $1, $2, $3, $4, $5, $6, $7,"
    "        CASE WHEN $8::int > 0 THEN now() + make_interval(secs => $8::int) END,"
    "        n.id || '.' || $9 || '@' || $10"
    "   FROM (SELECT nextval('email_outbox_id_seq') AS id) n",
    10,
};

/* The configuration loaded at start (kp_outbox_setup), read-only afterwards. */
static struct {
    bool on;
    char public_url[512];
    char domain[256];
} setup;

void kp_outbox_setup(bool on, const char *public_url, const char *mail_domain)
{
    setup.on = on;
    snprintf(setup.public_url, sizeof setup.public_url, "%s", public_url);
    snprintf(setup.domain, sizeof setup.domain, "%s", mail_domain);
}

bool kp_outbox_on(void)
{
    return setup.on;
}

const char *kp_outbox_public_url(void)
{
    return setup.public_url;
}

enum kp_err kp_outbox_put(struct kp_db *db, const struct kp_outbox_msg *m, const char *mail_domain)
{
    if (!setup.on)
        return KP_OK;
    if (mail_domain == NULL || *mail_domain == '\0')
        mail_domain = setup.domain;
    assert(m->to != NULL && m->kind != NULL && m->subject != NULL && m->body != NULL);
    char uid[24], valid[16];
    snprintf(uid, sizeof uid, "%lld", m->user_id);
    snprintf(valid, sizeof valid, "%u", m->valid_for);
    unsigned char rnd[8];
    char nonce[sizeof rnd * 2 + 1];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(nonce, sizeof nonce, rnd, sizeof rnd);
    const char *params[] = {
        m->user_id > 0 ? uid : NULL, m->kind, m->essential ? "t" : "f", m->to, m->subject, m->body,
        m->body_after, valid, nonce, mail_domain,
    };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_OUTBOX_PUT, params, &res);
    if (err == KP_OK)
        PQclear(res);
    return err;
}
