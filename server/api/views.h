/* How the API shows the objects that several resources return: the
 * columns to select and the JSON built from them. */
#ifndef KP_VIEWS_H
#define KP_VIEWS_H

#include <jansson.h>
#include <libpq-fe.h>

#define KP_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Batch: select from `batches b`. */
#define KP_BATCH_COLUMNS                                                       \
    "b.id, b.code, b.title, b.term_start_year, b.term_end_year, "              \
    KP_TIME("b.contact_deadline") ", " KP_TIME("b.recommend_deadline") ", "    \
    "b.status, " KP_TIME("b.created_at")
json_t *kp_batch_json(PGresult *res, int row);

/* Recommender: select from `recommenders r JOIN users u ON u.id = r.user_id
 * LEFT JOIN regions g ON g.code = r.region_code`. */
#define KP_RECOMMENDER_COLUMNS \
    "r.id, r.name, r.kind, g.name, u.username, u.disabled, " KP_TIME("r.created_at")
json_t *kp_recommender_json(PGresult *res, int row);

/* Application: select from applications a with KP_APPLICATION_FROM.  The
 * attachments are added by the caller (an empty array here). */
#define KP_APPLICATION_COLUMNS                                                          \
    "a.id, a.batch_id, a.recommender_id, r.name, a.applicant_id, u.name, g.name,"       \
    " a.base_name, a.category, a.form::text, a.status, a.version, "                     \
    KP_TIME("a.submitted_at") ", " KP_TIME("a.recommended_at") ","                      \
    " a.recommend_opinion, a.return_reason, a.decline_reason, "                         \
    KP_TIME("a.created_at") ", " KP_TIME("a.updated_at") ", bt.code, bt.title"
#define KP_APPLICATION_FROM                                                             \
    " FROM applications a JOIN recommenders r ON r.id = a.recommender_id"               \
    " JOIN applicant_units u ON u.id = a.applicant_id JOIN regions g ON g.code = u.region_code" \
    " JOIN batches bt ON bt.id = a.batch_id"
json_t *kp_application_json(PGresult *res, int row);

/* Applicant unit with its account: select from applicant_units u JOIN users
 * s ON s.org_id = u.id AND s.role = 'applicant' JOIN regions g ON g.code =
 * u.region_code. */
#define KP_APPLICANT_COLUMNS                                                            \
    "u.id, s.id, s.username, u.name, u.credit_code, g.name, u.address,"                 \
    " u.legal_representative, u.supervising_body, u.contact_name, u.contact_phone,"     \
    " u.contact_email, " KP_TIME("u.created_at")
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

/* The "id" of an object as text, for audit rows.  Returns buf. */
const char *kp_json_id(const json_t *obj, char buf[24]);

/* A text column, or null when SQL NULL.  New reference. */
json_t *kp_text_or_null(PGresult *res, int row, int col);

#endif
