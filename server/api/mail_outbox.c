/* The mail outbox as the admin sees it: every queued message with its
 * status, attempts and last error, never its body (a password-reset mail's
 * holds a link until it has left), and a failed message sent again.  The
 * sender is server/mailer.c; what queues is lib/domain/outbox.h. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"
#include "api.h"
#include "auth.h"
#include "list.h"
#include "validate.h"
#include "views.h"

#define OUTBOX_COLUMNS                                                                  \
    "o.id, o.user_id, o.to_addr, o.kind, o.subject, o.status, o.attempts, "             \
    KP_TIME("o.next_attempt_at") ", o.last_error, " KP_TIME("o.created_at") ", "        \
    KP_TIME("o.sent_at")

static const struct kp_stmt SQL_LIST = {
    "outbox_list",
    "SELECT " OUTBOX_COLUMNS " FROM email_outbox o"
    " WHERE o.id < $1 AND ($2::text IS NULL OR o.status = $2)"
    "   AND ($3::text IS NULL OR o.kind = $3)"
    "   AND ($4::text IS NULL OR lower(o.to_addr) = lower($4))"
    " ORDER BY o.id DESC LIMIT $5",
    5,
};

static const struct kp_stmt SQL_GET = {
    "outbox_get", "SELECT " OUTBOX_COLUMNS " FROM email_outbox o WHERE o.id = $1", 1,
};

/* {"id","user_id","to","kind","subject","status","attempts",
 * "next_attempt_at","last_error","created_at","sent_at"} */
static json_t *item_json(PGresult *res, int i)
{
    json_t *user = PQgetisnull(res, i, 1) ? json_null() : json_integer(atoll(PQgetvalue(res, i, 1)));
    return json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:s, s:o}",
                     "id", (json_int_t)atoll(PQgetvalue(res, i, 0)), "user_id", user,
                     "to", PQgetvalue(res, i, 2), "kind", PQgetvalue(res, i, 3),
                     "subject", PQgetvalue(res, i, 4), "status", PQgetvalue(res, i, 5),
                     "attempts", atoi(PQgetvalue(res, i, 6)), "next_attempt_at", PQgetvalue(res, i, 7),
                     "last_error", kp_text_or_null(res, i, 8), "created_at", PQgetvalue(res, i, 9),
                     "sent_at", kp_text_or_null(res, i, 10));
}

/* ---- GET /api/v1/mail/outbox?status&kind&to&limit&cursor ---- */

struct filters {
    const char *status, *kind, *to;
};

static enum kp_err fetch_page(struct kp_db *db, struct kp_list *l)
{
    const struct filters *f = l->arg;
    const char *params[] = { l->after, f->status, f->kind, f->to, l->limit };
    return kp_list_exec(db, l, &SQL_LIST, params, item_json);
}

static bool valid_status(const char *s)
{
    static const char *const STATUSES[] = { "pending", "sending", "sent", "failed" };
    for (size_t i = 0; i < sizeof STATUSES / sizeof *STATUSES; i++)
        if (strcmp(s, STATUSES[i]) == 0)
            return true;
    return false;
}

/* A kind is a machine name: "deadline.reminder". */
static bool valid_kind(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '_'))
            return false;
    return true;
}

enum kp_err kp_api_outbox_list(struct kp_req *r)
{
    struct filters f = { .status = kp_req_query(r, "status"), .kind = kp_req_query(r, "kind"),
                         .to = kp_req_query(r, "to") };
    json_t *errors = json_array();
    if (f.status && !valid_status(f.status))
        kp_problem_field(errors, "status", "enum", "应为 pending、sending、sent 或 failed");
    if (f.kind && !valid_kind(f.kind))
        kp_problem_field(errors, "kind", "format", "应为通知类型，如 deadline.reminder");
    if (f.to && !kp_email_ok(f.to))
        kp_problem_field(errors, "to", "format", "应为完整的电子邮箱地址");
    return kp_list_reply(r, errors, LLONG_MAX, KP_LIST_ONE_READ, fetch_page, &f);
}

/* ---- POST /api/v1/mail/outbox/{id}/resend ---- */

static const struct kp_stmt SQL_LOCK = {
    "outbox_lock",
    "SELECT status, expires_at IS NOT NULL, to_addr, kind, attempts, last_error"
    "  FROM email_outbox WHERE id = $1 FOR UPDATE",
    1,
};

/* Due at once, with a fresh count of attempts; the last error stays until
 * the next attempt tells another. */
static const struct kp_stmt SQL_RESEND = {
    "outbox_resend",
    "UPDATE email_outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), claimed_at = NULL"
    " WHERE id = $1",
    1,
};

struct resend {
    struct kp_req *r;
    char id[24];
    bool found;
    const char *why;          /* a refusal (409) */
    json_t *item;
};

static enum kp_err resend_tx(struct kp_db *db, void *arg)
{
    struct resend *s = arg;
    const char *params[] = { s->id };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_LOCK, params, &res);
    if (err)
        return err;
    s->found = PQntuples(res) == 1;
    s->why = NULL;
    if (!s->found) {
        PQclear(res);
        return KP_OK;
    }
    if (PQgetvalue(res, 0, 1)[0] == 't')
        s->why = "密码重置邮件中的链接有时效，不能重新发送；请用户重新申请重置密码";
    else if (strcmp(PQgetvalue(res, 0, 0), "failed") != 0)
        s->why = "只有发送失败的邮件可以重新发送";
    json_t *data = s->why ? NULL
                          : json_pack("{s:s, s:s, s:i, s:o}", "to", PQgetvalue(res, 0, 2),
                                      "kind", PQgetvalue(res, 0, 3), "attempts", atoi(PQgetvalue(res, 0, 4)),
                                      "last_error", kp_text_or_null(res, 0, 5));
    PQclear(res);
    if (s->why)
        return KP_OK;
    if (data == NULL)
        return KP_E_NOMEM;
    if ((err = kp_db_exec(db, &SQL_RESEND, params, &res)) == KP_OK) {
        PQclear(res);
        err = kp_req_audit(s->r, db, "email.resent", "email", s->id, data);
    }
    json_decref(data);
    if (err || (err = kp_db_exec(db, &SQL_GET, params, &res)))
        return err;
    json_decref(s->item);
    s->item = item_json(res, 0);
    PQclear(res);
    return KP_OK;
}

enum kp_err kp_api_outbox_resend(struct kp_req *r)
{
    struct resend s = { .r = r };
    long long id;
    if (!kp_req_param_id(r, "id", &id))
        return kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    snprintf(s.id, sizeof s.id, "%lld", id);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_AUDITED, resend_tx, &s) : KP_E_NOMEM;
    if (err || !s.found || s.why) {
        json_decref(s.item);
        if (err)
            return err;
        return s.why ? kp_reply_problem(r, KP_P_INVALID_STATE, s.why) : kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    return kp_reply_json(r, 200, s.item);
}
