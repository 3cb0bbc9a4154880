/* How the API shows the objects that several resources return: the
 * columns to select and the JSON built from them. */
#ifndef KP_VIEWS_H
#define KP_VIEWS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "account.h"
#include "buf.h"

#define KP_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Today in Beijing as an export's file name carries it: "20261207". */
#define KP_TODAY_SQL "to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')"

/* Batch: select from `batches b`. */
#define KP_BATCH_COLUMNS                                                       \
    "b.id, b.code, b.title, b.term_start_year, b.term_end_year, "              \
    KP_TIME("b.contact_deadline") ", " KP_TIME("b.recommend_deadline") ", "    \
    "b.status, " KP_TIME("b.created_at") ", " KP_TIME("b.submit_deadline")
json_t *kp_batch_json(PGresult *res, int row);

/* Recommender: select from `recommenders r JOIN users u ON u.id = r.user_id
 * LEFT JOIN regions g ON g.code = r.region_code`. */
#define KP_RECOMMENDER_COLUMNS \
    "r.id, r.name, r.kind, g.name, u.username, u.disabled, " KP_TIME("r.created_at") ", u.email"
enum { KP_RECOMMENDER_NCOLUMNS = 8 };
json_t *kp_recommender_json(PGresult *res, int row);

/* Application: select KP_APPLICATION_COLUMNS KP_APPLICATION_FROM, one
 * table: the names it shows are kept on the row
 * (migrations/0009_list_names.sql).  The columns come in the order of enum
 * kp_app_column; a list item (lib/store/applist.c) selects the first
 * KP_APP_SUMMARY of them, the same way.  Timestamps as PostgreSQL writes
 * them: kp_application_write converts (lib/store/pgtime.h). */
#define KP_APPLICATION_COLUMNS                                                          \
    "a.id, a.batch_id, a.recommender_id, a.recommender_name, a.applicant_id,"           \
    " a.unit_name, a.region_name, a.base_name, a.category, a.status, a.version,"        \
    " a.submitted_at, a.recommended_at, a.recommend_opinion, a.return_reason,"          \
    " a.decline_reason, a.created_at, a.updated_at, a.batch_code, a.batch_title,"       \
    " a.initial_result, a.initial_comments, a.initial_by_name, a.initial_at,"           \
    " a.onsite_result, a.onsite_inspectors::text, a.onsite_visited_on, a.onsite_findings," \
    " a.onsite_by_name, a.onsite_at, a.fast_track, a.withdraw_reason,"                  \
    " a.form::text"
#define KP_APPLICATION_FROM " FROM applications a"
enum kp_app_column {
    KP_APP_ID, KP_APP_BATCH_ID, KP_APP_RECOMMENDER_ID, KP_APP_RECOMMENDER_NAME,
    KP_APP_APPLICANT_ID, KP_APP_UNIT_NAME, KP_APP_REGION, KP_APP_BASE_NAME, KP_APP_CATEGORY,
    KP_APP_STATUS, KP_APP_VERSION, KP_APP_SUBMITTED_AT, KP_APP_RECOMMENDED_AT,
    KP_APP_RECOMMEND_OPINION, KP_APP_RETURN_REASON, KP_APP_DECLINE_REASON, KP_APP_CREATED_AT,
    KP_APP_UPDATED_AT, KP_APP_BATCH_CODE, KP_APP_BATCH_TITLE,
    KP_APP_INITIAL_RESULT, KP_APP_INITIAL_COMMENTS, KP_APP_INITIAL_BY, KP_APP_INITIAL_AT,
    KP_APP_ONSITE_RESULT, KP_APP_ONSITE_INSPECTORS, KP_APP_ONSITE_VISITED_ON, KP_APP_ONSITE_FINDINGS,
    KP_APP_ONSITE_BY, KP_APP_ONSITE_AT, KP_APP_FAST_TRACK, KP_APP_WITHDRAW_REASON,
    KP_APP_SUMMARY,                      /* the columns of a list item */
    KP_APP_FORM = KP_APP_SUMMARY,        /* jsonb's own text */
    KP_APP_COLUMNS
};

/* Writes the application of `row`, its columns from `col`, as the API
 * shows it: in full with `attachments` (a JSON array's text), or as a list
 * item (no form, no attachments) when that is NULL.  Numbers and the form
 * go through as PostgreSQL wrote them: no parse, no print. */
void kp_application_write(struct kp_buf *b, PGresult *res, int row, int col, const char *attachments);

/* The same as a JSON object, attachments empty (the caller fills them). */
json_t *kp_application_json(PGresult *res, int row);

/* Applicant unit with its account: select from applicant_units u JOIN users
 * s ON s.org_id = u.id AND s.role = 'applicant' JOIN regions g ON g.code =
 * u.region_code. */
#define KP_APPLICANT_COLUMNS                                                            \
    "u.id, s.id, s.username, u.name, u.credit_code, g.name, u.address,"                 \
    " u.legal_representative, u.supervising_body, u.contact_name, u.contact_phone,"     \
    " u.contact_email, " KP_TIME("u.created_at")
#define KP_APPLICANT_NCOLUMNS 13
json_t *kp_applicant_json(PGresult *res, int row);

/* Attachment (attachments.c): from ATTACHMENT columns starting at `col`:
 * id, kind, filename, content_type, size, sha256, created_at. */
json_t *kp_attachment_json(PGresult *res, int row, int col);

/* An invitation code's status, from `invitations i JOIN batches b`: unused
 * until used or revoked; expired once the recommend deadline has passed or
 * the batch has left the application stage. */
#define KP_INVITATION_STATUS                                                    \
    "CASE WHEN i.used_at IS NOT NULL THEN 'used'"                               \
    "     WHEN i.revoked_at IS NOT NULL THEN 'revoked'"                         \
    "     WHEN now() >= b.recommend_deadline OR b.status <> 'open' THEN 'expired'" \
    "     ELSE 'unused' END"

/* {"<key>": obj, "initial_password"}: an account the admin made or reset,
 * its password shown this once.  Steals obj; wipes *pw. */
json_t *kp_with_initial_password(const char *key, json_t *obj, struct kp_initial_password *pw);

/* The "id" of an object as text, for audit rows.  Returns buf. */
const char *kp_json_id(const json_t *obj, char buf[24]);

/* A text column, or null when SQL NULL.  New reference. */
json_t *kp_text_or_null(PGresult *res, int row, int col);

#endif
