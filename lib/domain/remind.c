#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "notify.h"
#include "remind.h"

/* A deadline ahead within three days, and whose window it is in. */
#define DUE(col) col " > now() AND " col " <= now() + interval '3 days'"

/* Who still has something to do before which deadline: (user, batch,
 * title, deadline, due, pending count), the window and the once key, the
 * ones already sent left out so that LIMIT moves on.  The unit's deadline
 * is per application: a draft's is the submit deadline when the batch has
 * one, a returned one's the recommend deadline (as web/home-applicant.js
 * shows it).  The two are two deadlines with a reminder each ('submit',
 * 'resubmit'): a unit with both a draft and a returned application is
 * reminded of each. */
static const struct kp_stmt SQL_DUE = {
    "remind_due",
    "WITH todo AS ("
    "  SELECT u.id AS user_id, b.id AS batch_id, b.title, 'contact' AS deadline,"
    "         b.contact_deadline AS due, 0::bigint AS pending"
    "    FROM batches b JOIN quotas q ON q.batch_id = b.id"
    "    JOIN users u ON u.role = 'recommender' AND u.org_id = q.recommender_id AND NOT u.disabled"
    "   WHERE b.status = 'open' AND " DUE("b.contact_deadline")
    "     AND NOT EXISTS (SELECT 1 FROM contacts c"
    "                      WHERE c.batch_id = b.id AND c.recommender_id = q.recommender_id)"
    "  UNION ALL"
    "  SELECT u.id, b.id, b.title, a.deadline, min(a.due), count(*)"
    "    FROM (SELECT a.batch_id, a.applicant_id,"
    "                 CASE WHEN a.status = 'draft' AND b.submit_deadline IS NOT NULL THEN 'submit'"
    "                      ELSE 'resubmit' END AS deadline,"
    "                 CASE WHEN a.status = 'draft' THEN coalesce(b.submit_deadline, b.recommend_deadline)"
    "                      ELSE b.recommend_deadline END AS due"
    "            FROM applications a JOIN batches b ON b.id = a.batch_id"
    "           WHERE b.status = 'open' AND a.status IN ('draft', 'returned')) a"
    "    JOIN batches b ON b.id = a.batch_id"
    "    JOIN users u ON u.role = 'applicant' AND u.org_id = a.applicant_id AND NOT u.disabled"
    "   WHERE " DUE("a.due")
    "   GROUP BY u.id, b.id, a.deadline"
    "  UNION ALL"
    "  SELECT u.id, b.id, b.title, 'recommend', b.recommend_deadline, count(*)"
    "    FROM applications a JOIN batches b ON b.id = a.batch_id"
    "    JOIN users u ON u.role = 'recommender' AND u.org_id = a.recommender_id AND NOT u.disabled"
    "   WHERE b.status = 'open' AND a.status = 'submitted' AND " DUE("b.recommend_deadline")
    "   GROUP BY u.id, b.id),"
    " keyed AS ("
    "  SELECT t.*, 'remind:' || t.deadline || ':' || t.batch_id || ':'"
    "         || CASE WHEN t.due <= now() + interval '1 day' THEN '1d' ELSE '3d' END AS once_key"
    "    FROM todo t)"
    "SELECT k.user_id, k.batch_id, k.title, k.deadline, k.pending, k.once_key,"
    "       to_char(k.due AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),"
    "       to_char(k.due AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    "  FROM keyed k"
    " WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = k.user_id AND n.once_key = k.once_key)"
    " ORDER BY k.due, k.user_id LIMIT $1",
    1,
};

enum { C_USER, C_BATCH, C_TITLE, C_DEADLINE, C_PENDING, C_KEY, C_BEIJING, C_DUE };

/* The Chinese title and body of one reminder. */
static void words(PGresult *res, int i, char *title, size_t tn, char *body, size_t bn)
{
    const char *deadline = PQgetvalue(res, i, C_DEADLINE), *batch = PQgetvalue(res, i, C_TITLE);
    const char *at = PQgetvalue(res, i, C_BEIJING), *pending = PQgetvalue(res, i, C_PENDING);
    if (strcmp(deadline, "contact") == 0) {
        snprintf(title, tn, "联系人报送即将截止：%s", batch);
        snprintf(body, bn, "本单位尚未报送该批次的联系人信息（附件2），截止时间为 %s（北京时间），请及时报送。", at);
    } else if (strcmp(deadline, "submit") == 0) {
        snprintf(title, tn, "申报提交即将截止：%s", batch);
        snprintf(body, bn, "本单位在该批次的申报尚未提交（草稿或退回修改），截止时间为 %s（北京时间），"
                           "请及时完成并提交给推荐单位。", at);
    } else if (strcmp(deadline, "resubmit") == 0) {
        snprintf(title, tn, "申报提交即将截止：%s", batch);
        snprintf(body, bn, "本单位在该批次的申报尚未提交（草稿或退回修改），须在推荐截止前提交，"
                           "截止时间为 %s（北京时间），请及时完成并提交给推荐单位。", at);
    } else {
        snprintf(title, tn, "推荐即将截止：%s", batch);
        snprintf(body, bn, "还有 %s 项申报待审核，推荐截止时间为 %s（北京时间），请及时审核。", pending, at);
    }
}

enum kp_err kp_remind_due(struct kp_db *db, int limit, int *sent)
{
    char n[16];
    snprintf(n, sizeof n, "%d", limit);
    const char *params[] = { n };
    PGresult *res;
    *sent = 0;
    enum kp_err err = kp_db_exec(db, &SQL_DUE, params, &res);
    if (err)
        return err;
    for (int i = 0; i < PQntuples(res) && err == KP_OK; i++) {
        char title[700], body[600];        /* a batch title is at most 200 characters */
        words(res, i, title, sizeof title, body, sizeof body);
        json_t *data = json_pack("{s:I, s:s, s:s}", "batch_id", (json_int_t)atoll(PQgetvalue(res, i, C_BATCH)),
                                 "deadline", PQgetvalue(res, i, C_DEADLINE), "due_at", PQgetvalue(res, i, C_DUE));
        bool created = false;
        err = data ? kp_notify_once(db, atoll(PQgetvalue(res, i, C_USER)), PQgetvalue(res, i, C_KEY),
                                    "deadline.reminder", title, body, data, &created)
                   : KP_E_NOMEM;
        json_decref(data);
        *sent += created;
    }
    PQclear(res);
    return err;
}
