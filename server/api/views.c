#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgtime.h"
#include "views.h"

json_t *kp_text_or_null(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

static json_int_t integer(PGresult *res, int row, int col)
{
    return (json_int_t)atoll(PQgetvalue(res, row, col));
}

json_t *kp_batch_json(PGresult *res, int row)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:o, s:s, s:s, s:s}",
                     "id", integer(res, row, 0), "code", PQgetvalue(res, row, 1),
                     "title", PQgetvalue(res, row, 2),
                     "term_start_year", integer(res, row, 3), "term_end_year", integer(res, row, 4),
                     "contact_deadline", PQgetvalue(res, row, 5),
                     "submit_deadline", kp_text_or_null(res, row, 9),
                     "recommend_deadline", PQgetvalue(res, row, 6),
                     "status", PQgetvalue(res, row, 7), "created_at", PQgetvalue(res, row, 8));
}

json_t *kp_recommender_json(PGresult *res, int row)
{
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:b, s:s, s:o}",
                     "id", integer(res, row, 0), "name", PQgetvalue(res, row, 1),
                     "kind", PQgetvalue(res, row, 2), "region", kp_text_or_null(res, row, 3),
                     "username", PQgetvalue(res, row, 4),
                     "disabled", PQgetvalue(res, row, 5)[0] == 't',
                     "created_at", PQgetvalue(res, row, 6), "email", kp_text_or_null(res, row, 7));
}

json_t *kp_with_initial_password(const char *key, json_t *obj, struct kp_initial_password *pw)
{
    json_t *body = json_pack("{s:o, s:s}", key, obj, "initial_password", pw->password);
    kp_account_forget(pw);
    return body;
}

const char *kp_json_id(const json_t *obj, char buf[24])
{
    snprintf(buf, 24, "%lld", (long long)json_integer_value(json_object_get(obj, "id")));
    return buf;
}

/* ,"key": — appended, not printed: a page of items has a thousand. */
static void put_key(struct kp_buf *b, const char *key)
{
    kp_buf_append(b, ",\"", 2);
    kp_buf_append(b, key, strlen(key));
    kp_buf_append(b, "\":", 2);
}

static void put_text(struct kp_buf *b, const char *key, PGresult *res, int row, int col)
{
    put_key(b, key);
    if (PQgetisnull(res, row, col))
        kp_buf_append(b, "null", 4);
    else
        kp_buf_json_string(b, PQgetvalue(res, row, col));
}

/* A number or a JSON document PostgreSQL wrote, as it is. */
static void put_raw(struct kp_buf *b, const char *key, PGresult *res, int row, int col)
{
    put_key(b, key);
    kp_buf_append(b, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
}

/* A timestamptz as RFC 3339 (or null).  kp_db's connections write them as
 * kp_pgtime_rfc3339 reads them; a value it cannot read (none that
 * PostgreSQL's now() makes) shows as PostgreSQL wrote it. */
static void put_time(struct kp_buf *b, const char *key, PGresult *res, int row, int col)
{
    char stamp[KP_RFC3339_LEN + 1];
    if (!PQgetisnull(res, row, col) &&
        kp_pgtime_rfc3339(PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col), stamp)) {
        put_key(b, key);
        kp_buf_append(b, "\"", 1);
        kp_buf_append(b, stamp, KP_RFC3339_LEN);
        kp_buf_append(b, "\"", 1);
        return;
    }
    put_text(b, key, res, row, col);
}

/* "initial_review": {"result","comments","by","at"}, or null before it,
 * from its four columns starting at `col`. */
static void put_initial_review(struct kp_buf *b, PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        kp_buf_append(b, ",\"initial_review\":null", 22);
        return;
    }
    kp_buf_append(b, ",\"initial_review\":{\"result\":", 28);
    kp_buf_json_string(b, PQgetvalue(res, row, col));
    put_text(b, "comments", res, row, col + 1);
    put_text(b, "by", res, row, col + 2);
    put_time(b, "at", res, row, col + 3);
    kp_buf_append(b, "}", 1);
}

/* "onsite_check": {"inspectors","visited_on","findings","result","by","at"},
 * or null before it, from its six columns starting at `col` (the
 * inspectors as jsonb's own text, the date as ISO). */
static void put_onsite_check(struct kp_buf *b, PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        kp_buf_append(b, ",\"onsite_check\":null", 20);
        return;
    }
    kp_buf_append(b, ",\"onsite_check\":{\"inspectors\":", 30);
    kp_buf_append(b, PQgetvalue(res, row, col + 1), (size_t)PQgetlength(res, row, col + 1));
    put_text(b, "visited_on", res, row, col + 2);
    put_text(b, "findings", res, row, col + 3);
    put_text(b, "result", res, row, col);
    put_text(b, "by", res, row, col + 4);
    put_time(b, "at", res, row, col + 5);
    kp_buf_append(b, "}", 1);
}

/* The application's keys in the API's order, and how each is written:
 * TEXT as a JSON string (or null), RAW as PostgreSQL wrote it (numbers),
 * TIME as RFC 3339, INITIAL and ONSITE as their objects, FORM and
 * ATTACHMENTS only in full (not in a list item). */
enum app_field { TEXT, RAW, TIME, INITIAL, ONSITE, FORM, ATTACHMENTS };
static const struct {
    const char *key;
    enum kp_app_column col;
    enum app_field kind;
} APP_FIELDS[] = {
    { "batch_id", KP_APP_BATCH_ID, RAW },
    { "recommender_id", KP_APP_RECOMMENDER_ID, RAW },
    { "recommender_name", KP_APP_RECOMMENDER_NAME, TEXT },
    { "applicant_id", KP_APP_APPLICANT_ID, RAW },
    { "unit_name", KP_APP_UNIT_NAME, TEXT },
    { "region", KP_APP_REGION, TEXT },
    { "base_name", KP_APP_BASE_NAME, TEXT },
    { "category", KP_APP_CATEGORY, TEXT },
    { "form", KP_APP_FORM, FORM },
    { "status", KP_APP_STATUS, TEXT },
    { "fast_track", KP_APP_FAST_TRACK, TEXT },
    { "version", KP_APP_VERSION, RAW },
    { "submitted_at", KP_APP_SUBMITTED_AT, TIME },
    { "recommended_at", KP_APP_RECOMMENDED_AT, TIME },
    { "recommend_opinion", KP_APP_RECOMMEND_OPINION, TEXT },
    { "return_reason", KP_APP_RETURN_REASON, TEXT },
    { "decline_reason", KP_APP_DECLINE_REASON, TEXT },
    { "withdraw_reason", KP_APP_WITHDRAW_REASON, TEXT },
    { "initial_review", KP_APP_INITIAL_RESULT, INITIAL },
    { "onsite_check", KP_APP_ONSITE_RESULT, ONSITE },
    { "attachments", 0, ATTACHMENTS },
    { "created_at", KP_APP_CREATED_AT, TIME },
    { "updated_at", KP_APP_UPDATED_AT, TIME },
    { "batch_code", KP_APP_BATCH_CODE, TEXT },
    { "batch_title", KP_APP_BATCH_TITLE, TEXT },
};

void kp_application_write(struct kp_buf *b, PGresult *res, int row, int col, const char *attachments)
{
    kp_buf_append(b, "{\"id\":", 6);
    kp_buf_append(b, PQgetvalue(res, row, col + KP_APP_ID), (size_t)PQgetlength(res, row, col + KP_APP_ID));
    for (size_t i = 0; i < sizeof APP_FIELDS / sizeof *APP_FIELDS; i++) {
        const char *key = APP_FIELDS[i].key;
        int c = col + (int)APP_FIELDS[i].col;
        switch (APP_FIELDS[i].kind) {
        case TEXT:
            put_text(b, key, res, row, c);
            break;
        case RAW:
            put_raw(b, key, res, row, c);
            break;
        case TIME:
            put_time(b, key, res, row, c);
            break;
        case INITIAL:
            put_initial_review(b, res, row, c);
            break;
        case ONSITE:
            put_onsite_check(b, res, row, c);
            break;
        case FORM:               /* every write stores an object; anything else shows as {} */
            if (attachments == NULL)
                break;
            if (PQgetvalue(res, row, c)[0] == '{')
                put_raw(b, key, res, row, c);
            else
                kp_buf_append(b, ",\"form\":{}", 10);
            break;
        case ATTACHMENTS:
            if (attachments == NULL)
                break;
            put_key(b, key);
            kp_buf_append(b, attachments, strlen(attachments));
            break;
        }
    }
    kp_buf_append(b, "}", 1);
}

json_t *kp_application_json(PGresult *res, int row)
{
    struct kp_buf b = { 0 };
    kp_application_write(&b, res, row, 0, "[]");
    json_t *app = b.failed ? NULL : json_loadb(b.data, b.len, 0, NULL);
    kp_buf_free(&b);
    return app;
}

json_t *kp_applicant_json(PGresult *res, int row)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                     "id", integer(res, row, 0), "user_id", integer(res, row, 1),
                     "username", PQgetvalue(res, row, 2), "name", PQgetvalue(res, row, 3),
                     "credit_code", PQgetvalue(res, row, 4), "region", PQgetvalue(res, row, 5),
                     "address", PQgetvalue(res, row, 6),
                     "legal_representative", PQgetvalue(res, row, 7),
                     "supervising_body", PQgetvalue(res, row, 8),
                     "contact_name", PQgetvalue(res, row, 9), "contact_phone", PQgetvalue(res, row, 10),
                     "contact_email", PQgetvalue(res, row, 11), "created_at", PQgetvalue(res, row, 12));
}
