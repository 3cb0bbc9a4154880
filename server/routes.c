/* The route table: method, path, handler, who may call it, flags.  Every
 * route the daemon answers is here and in openapi.json
 * (tests/api/openapi.test.js holds the two together).  A route admits only
 * the roles it names. */

#include "api/api.h"
#include "role.h"
#include "server.h"

#define JSON    KP_ROUTE_JSON_BODY
#define PENDING KP_ROUTE_PENDING_OK
#define RAW     KP_ROUTE_RAW_BODY
#define STREAM  KP_ROUTE_STREAM
#define SLOW    KP_ROUTE_SLOW      /* hashes a password, or moves files or CSV: on the pool */
#define OWN     KP_ROUTE_OWN_SESSION  /* one statement checks the session and reads the row */
#define SECRET  KP_ROUTE_SECRET_PATH  /* the path carries a secret: logs show the pattern */
#define UPLOAD_MEDIA "application/pdf image/png image/jpeg video/mp4"
#define CSP_MEDIA "application/csp-report application/json application/reports+json"

const struct kp_route kp_routes[] = {
    /* operations */
    { "GET",    "/healthz",                          kp_api_healthz,            KP_PUBLIC,    0,    NULL, NULL },
    { "GET",    "/readyz",                           kp_api_readyz,             KP_PUBLIC,    0,    NULL, NULL },
    { "GET",    "/metrics",                          kp_api_metrics,            KP_PUBLIC,    0,    NULL, NULL },
    { "GET",    "/api/v1/openapi.json",              kp_api_openapi,            KP_PUBLIC,    0,    NULL, NULL },
    { "POST",   "/api/v1/csp-reports",               kp_api_csp_report,         KP_PUBLIC,    JSON, CSP_MEDIA, NULL },
    /* reference data */
    { "GET",    "/api/v1/regions",                   kp_api_regions_list,       KP_PUBLIC,    0,    NULL, NULL },
    { "GET",    "/api/v1/limits",                    kp_api_limits,             KP_PUBLIC,    0,    NULL, NULL },
    /* session */
    { "POST",   "/api/v1/session",                   kp_api_session_create,     KP_PUBLIC,    JSON | SLOW, NULL, NULL },
    { "GET",    "/api/v1/session",                   kp_api_session_get,        KP_SIGNED_IN, PENDING | OWN, NULL, NULL },
    { "DELETE", "/api/v1/session",                   kp_api_session_delete,     KP_SIGNED_IN, PENDING, NULL, NULL },
    { "PUT",    "/api/v1/session/password",          kp_api_session_password,   KP_SIGNED_IN, PENDING | JSON | SLOW, NULL, NULL },
    { "PUT",    "/api/v1/session/mail",              kp_api_session_mail,       KP_SIGNED_IN, JSON | SLOW, NULL, NULL },
    { "POST",   "/api/v1/password-reset",            kp_api_password_reset_request, KP_PUBLIC, JSON, NULL, NULL },
    { "POST",   "/api/v1/password-reset/{token}",    kp_api_password_reset_confirm, KP_PUBLIC, JSON | SLOW | SECRET, NULL, NULL },
    /* notifications and audit */
    { "GET",    "/api/v1/notifications",             kp_api_notifications_list, KP_SIGNED_IN, 0,    NULL, NULL },
    { "POST",   "/api/v1/notifications/{id}/read",   kp_api_notifications_read, KP_SIGNED_IN, 0,    NULL, NULL },
    { "GET",    "/api/v1/notifications/unread-count", kp_api_notifications_unread, KP_SIGNED_IN, 0,  NULL, NULL },
    { "GET",    "/api/v1/audit",                     kp_api_audit_list,         KP_ADMIN,     0,    NULL, NULL },
    { "GET",    "/api/v1/mail/outbox",               kp_api_outbox_list,        KP_ADMIN,     0,    NULL, NULL },
    { "POST",   "/api/v1/mail/outbox/{id}/resend",   kp_api_outbox_resend,      KP_ADMIN,     0,    NULL, NULL },
    { "GET",    "/api/v1/audit/verify",              kp_api_audit_verify,       KP_ADMIN,     SLOW,    NULL, NULL },
    { "GET",    "/api/v1/audit/labels",              kp_api_audit_labels,       KP_ADMIN,     0,    NULL, NULL },
    { "GET",    "/api/v1/audit.csv",                 kp_api_audit_csv,          KP_ADMIN,     SLOW,    NULL, NULL },
    { "POST",   "/api/v1/audit/checkpoints",         kp_api_audit_checkpoint_create, KP_ADMIN, 0,   NULL, NULL },
    { "GET",    "/api/v1/public/audit/checkpoints",  kp_api_audit_checkpoints_list, KP_PUBLIC, 0,   NULL, NULL },
    /* batches */
    { "POST",   "/api/v1/batches",                   kp_api_batches_create,     KP_ADMIN,     JSON, NULL, NULL },
    { "GET",    "/api/v1/batches",                   kp_api_batches_list,       KP_SIGNED_IN, 0,    NULL, NULL },
    { "GET",    "/api/v1/batches/{id}",              kp_api_batches_get,        KP_SIGNED_IN, 0,    NULL, NULL },
    { "PATCH",  "/api/v1/batches/{id}",              kp_api_batches_update,     KP_ADMIN,     JSON, NULL, NULL },
    /* recommenders, quotas, contacts */
    { "POST",   "/api/v1/recommenders",              kp_api_recommenders_create, KP_ADMIN,    JSON | SLOW, NULL, NULL },
    { "GET",    "/api/v1/recommenders",              kp_api_recommenders_list,  KP_ADMIN | KP_RECOMMENDER, 0, NULL, NULL },
    { "GET",    "/api/v1/recommenders/{id}",         kp_api_recommenders_get,   KP_ADMIN | KP_RECOMMENDER, 0, NULL, NULL },
    { "POST",   "/api/v1/recommenders/{id}/password-reset", kp_api_recommenders_reset, KP_ADMIN, SLOW, NULL, NULL },
    { "POST",   "/api/v1/recommenders/{id}/disable", kp_api_recommenders_disable, KP_ADMIN,   0,    NULL, NULL },
    { "POST",   "/api/v1/recommenders/{id}/enable",  kp_api_recommenders_enable, KP_ADMIN,    0,    NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/quotas",       kp_api_quotas_get,         KP_ADMIN | KP_RECOMMENDER, 0, NULL, NULL },
    { "PUT",    "/api/v1/batches/{id}/quotas",       kp_api_quotas_put,         KP_ADMIN,     JSON, NULL, NULL },
    { "POST",   "/api/v1/batches/{id}/quotas/import", kp_api_quotas_import,     KP_ADMIN,     RAW | SLOW,  "text/csv", NULL },
    { "PUT",    "/api/v1/batches/{id}/contact",      kp_api_contact_put,        KP_RECOMMENDER, JSON, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/contact",      kp_api_contact_get,        KP_RECOMMENDER, 0,  NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/contacts",     kp_api_contacts_list,      KP_ADMIN,     0,    NULL, NULL },
    /* the workbenches: a batch's progress per recommender */
    { "GET",    "/api/v1/batches/{id}/dashboard",    kp_api_dashboard_get,      KP_ADMIN | KP_RECOMMENDER, 0, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/dashboard.csv", kp_api_dashboard_csv,     KP_ADMIN,     0,    NULL, NULL },
    /* invitation codes and registration */
    { "POST",   "/api/v1/batches/{id}/invitations",  kp_api_invitations_create, KP_RECOMMENDER, JSON, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/invitations",  kp_api_invitations_list,   KP_RECOMMENDER, 0,  NULL, NULL },
    { "DELETE", "/api/v1/invitations/{code}",        kp_api_invitations_revoke, KP_RECOMMENDER, 0,  NULL, NULL },
    { "GET",    "/api/v1/invitations/{code}",        kp_api_invitations_lookup, KP_PUBLIC,    0,    NULL, NULL },
    { "POST",   "/api/v1/applicants",                kp_api_applicants_create,  KP_PUBLIC,    JSON | SLOW, NULL, NULL },
    { "GET",    "/api/v1/applicants/{id}",           kp_api_applicants_get,     KP_SIGNED_IN, 0,    NULL, NULL },
    { "PATCH",  "/api/v1/applicants/{id}",           kp_api_applicants_patch,   KP_ADMIN | KP_APPLICANT, JSON, NULL, NULL },
    /* applications and their attachments */
    { "GET",    "/api/v1/applications",              kp_api_applications_list,  KP_SIGNED_IN, 0,    NULL, NULL },
    { "GET",    "/api/v1/applications.csv",          kp_api_applications_csv,   KP_SIGNED_IN, SLOW,    NULL, NULL },
    { "GET",    "/api/v1/applications/{id}",         kp_api_applications_get,   KP_SIGNED_IN, OWN,  NULL, NULL },
    { "PATCH",  "/api/v1/applications/{id}",         kp_api_applications_patch, KP_APPLICANT, JSON, NULL, NULL },
    { "POST",   "/api/v1/applications/{id}/submit",  kp_api_applications_submit, KP_APPLICANT, 0,   NULL, NULL },
    { "POST",   "/api/v1/applications/{id}/return",  kp_api_applications_return, KP_RECOMMENDER, JSON, NULL, NULL },
    { "POST",   "/api/v1/applications/{id}/decline", kp_api_applications_decline, KP_RECOMMENDER, JSON, NULL, NULL },
    { "POST",   "/api/v1/applications/{id}/recommend", kp_api_applications_recommend, KP_RECOMMENDER, JSON, NULL, NULL },
    { "POST",   "/api/v1/applications/{id}/withdraw-recommendation", kp_api_applications_withdraw, KP_RECOMMENDER, JSON | KP_ROUTE_JSON_OPTIONAL, NULL, NULL },
    { "GET",    "/api/v1/applications/{id}/history", kp_api_applications_history, KP_SIGNED_IN, 0,   NULL, NULL },
    /* evaluation: 初评 */
    { "POST",   "/api/v1/applications/{id}/initial-review", kp_api_initial_review, KP_ADMIN, JSON, NULL, NULL },
    { "POST",   "/api/v1/batches/{id}/initial-review", kp_api_batches_initial_review, KP_ADMIN, JSON, NULL, NULL },
    /* evaluation: 评分标准 */
    { "PUT",    "/api/v1/batches/{id}/rubric",       kp_api_rubric_put,         KP_ADMIN,     JSON, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/rubric",       kp_api_rubric_get,         KP_ADMIN,     0,    NULL, NULL },
    /* evaluation: 实地抽检 */
    { "POST",   "/api/v1/batches/{id}/onsite-sample", kp_api_onsite_sample_draw, KP_ADMIN, JSON, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/onsite-sample", kp_api_onsite_sample_get,  KP_ADMIN, 0,    NULL, NULL },
    { "PUT",    "/api/v1/applications/{id}/onsite-check", kp_api_onsite_check, KP_ADMIN, JSON, NULL, NULL },
    /* evaluation: assignments and scores */
    { "POST",   "/api/v1/batches/{id}/assignments",  kp_api_assignments_make,   KP_ADMIN,     JSON | SLOW, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/assignments",  kp_api_assignments_list,   KP_ADMIN,     0,    NULL, NULL },
    { "GET",    "/api/v1/assignments",               kp_api_assignments_mine,   KP_EXPERT,    0,    NULL, NULL },
    { "POST",   "/api/v1/assignments/{id}/replace",  kp_api_assignments_replace, KP_ADMIN,    0,    NULL, NULL },
    { "PUT",    "/api/v1/assignments/{id}/score",    kp_api_assignments_score,  KP_EXPERT,    JSON, NULL, NULL },
    { "POST",   "/api/v1/assignments/{id}/submit",   kp_api_assignments_submit, KP_EXPERT,    0,    NULL, NULL },
    { "POST",   "/api/v1/assignments/{id}/recuse",   kp_api_assignments_recuse, KP_EXPERT,    JSON, NULL, NULL },
    /* evaluation: ranking and the proposed list */
    { "GET",    "/api/v1/batches/{id}/ranking",      kp_api_ranking_get,        KP_ADMIN,     0,    NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/ranking.csv",  kp_api_ranking_csv,        KP_ADMIN,     0,    NULL, NULL },
    { "POST",   "/api/v1/batches/{id}/proposed-list", kp_api_proposed_list,     KP_ADMIN,     JSON, NULL, NULL },
    /* public notice (公示) and objections (异议) */
    { "POST",   "/api/v1/batches/{id}/publicity",    kp_api_notices_publish,    KP_ADMIN,     JSON | SLOW, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/publicity",    kp_api_notices_of_batch,   KP_ADMIN,     0,    NULL, NULL },
    { "PATCH",  "/api/v1/notices/{id}",              kp_api_notices_update,     KP_ADMIN,     JSON, NULL, NULL },
    { "GET",    "/api/v1/public/notices",            kp_api_public_notices_list, KP_PUBLIC,   0,    NULL, NULL },
    { "GET",    "/api/v1/public/notices/{id}",       kp_api_public_notices_get, KP_PUBLIC,    0,    NULL, NULL },
    { "POST",   "/api/v1/public/notices/{id}/objections", kp_api_objections_file, KP_PUBLIC, JSON, NULL, NULL },
    { "GET",    "/api/v1/public/objections/{receipt}", kp_api_objections_receipt, KP_PUBLIC, 0,   NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/objections",   kp_api_objections_list,    KP_ADMIN,     0,    NULL, NULL },
    { "POST",   "/api/v1/objections/{id}/finding",   kp_api_objections_finding, KP_ADMIN,     JSON, NULL, NULL },
    /* naming, bases and certificates */
    { "POST",   "/api/v1/batches/{id}/naming",       kp_api_naming,             KP_ADMIN,     JSON | SLOW, NULL, NULL },
    { "GET",    "/api/v1/bases",                     kp_api_bases_list,         KP_ADMIN | KP_APPLICANT, 0, NULL, NULL },
    { "GET",    "/api/v1/bases/{id}",                kp_api_bases_get,          KP_ADMIN | KP_APPLICANT, 0, NULL, NULL },
    { "POST",   "/api/v1/bases/{id}/suspend",        kp_api_bases_suspend,      KP_ADMIN,     JSON, NULL, NULL },
    { "POST",   "/api/v1/bases/{id}/reinstate",      kp_api_bases_reinstate,    KP_ADMIN,     JSON, NULL, NULL },
    { "POST",   "/api/v1/bases/{id}/revoke",         kp_api_bases_revoke,       KP_ADMIN,     JSON, NULL, NULL },
    { "POST",   "/api/v1/bases/{id}/plaque",         kp_api_bases_plaque,       KP_ADMIN,     JSON, NULL, NULL },
    { "GET",    "/api/v1/public/bases",              kp_api_public_bases_list,  KP_PUBLIC,    0,    NULL, NULL },
    /* term management: 终期考核, carry-over */
    { "PUT",    "/api/v1/bases/{id}/term-assessment", kp_api_bases_term_assessment, KP_ADMIN, JSON, NULL, NULL },
    { "POST",   "/api/v1/batches/{id}/carry-over",   kp_api_batches_carry_over, KP_ADMIN,     0,    NULL, NULL },
    { "GET",    "/api/v1/public/certificates/{certificate_no}", kp_api_public_certificate, KP_PUBLIC, 0, NULL, NULL },
    { "GET",    "/api/v1/public/keys",               kp_api_public_keys,        KP_PUBLIC,    0,    NULL, NULL },
    { "POST",   "/api/v1/applications/{id}/attachments", kp_api_attachments_upload, KP_APPLICANT | KP_ADMIN, STREAM | SLOW, UPLOAD_MEDIA, &kp_attachment_upload },
    /* term management: annual reports and their evaluation */
    { "POST",   "/api/v1/annual-reports/reminders",  kp_api_annual_reports_remind, KP_ADMIN,  JSON, NULL, NULL },
    { "GET",    "/api/v1/annual-reports",            kp_api_annual_reports_list, KP_ADMIN,    0,    NULL, NULL },
    { "GET",    "/api/v1/annual-reports.csv",        kp_api_annual_reports_csv, KP_ADMIN,     SLOW, NULL, NULL },
    { "POST",   "/api/v1/bases/{id}/annual-reports", kp_api_annual_reports_file, KP_ADMIN | KP_APPLICANT, JSON, NULL, NULL },
    { "GET",    "/api/v1/bases/{id}/annual-reports", kp_api_annual_reports_of_base, KP_ADMIN | KP_APPLICANT, 0, NULL, NULL },
    { "PUT",    "/api/v1/annual-reports/{id}",       kp_api_annual_reports_correct, KP_ADMIN | KP_APPLICANT, JSON, NULL, NULL },
    { "PUT",    "/api/v1/annual-reports/{id}/evaluation", kp_api_annual_reports_evaluate, KP_ADMIN, JSON, NULL, NULL },
    { "POST",   "/api/v1/annual-reports/{id}/attachments", kp_api_attachments_upload, KP_ADMIN | KP_APPLICANT, STREAM | SLOW, UPLOAD_MEDIA, &kp_annual_report_upload },
    /* evaluation: 认定专家, 回避 */
    { "POST",   "/api/v1/experts",                   kp_api_experts_create,     KP_ADMIN,     JSON | SLOW, NULL, NULL },
    { "GET",    "/api/v1/experts",                   kp_api_experts_list,       KP_ADMIN,     0,    NULL, NULL },
    { "GET",    "/api/v1/experts/{id}",              kp_api_experts_get,        KP_ADMIN,     0,    NULL, NULL },
    { "PATCH",  "/api/v1/experts/{id}",              kp_api_experts_update,     KP_ADMIN,     JSON, NULL, NULL },
    { "POST",   "/api/v1/experts/{id}/disable",      kp_api_experts_disable,    KP_ADMIN,     0,    NULL, NULL },
    { "POST",   "/api/v1/experts/{id}/enable",       kp_api_experts_enable,     KP_ADMIN,     0,    NULL, NULL },
    { "POST",   "/api/v1/experts/{id}/conflicts",    kp_api_conflicts_declare,  KP_ADMIN,     JSON, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/conflicts",    kp_api_conflicts_list,     KP_ADMIN,     0,    NULL, NULL },
    { "GET",    "/api/v1/attachments/{id}",          kp_api_attachments_get,    KP_SIGNED_IN, SLOW,    NULL, NULL },
    { "DELETE", "/api/v1/attachments/{id}",          kp_api_attachments_delete, KP_APPLICANT, SLOW,    NULL, NULL },
    /* certificates (PDF, rendered on the pool as they stream) */
    { "GET",    "/api/v1/bases/{id}/certificate.pdf", kp_api_bases_certificate, KP_ADMIN | KP_APPLICANT, SLOW, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/certificates.pdf", kp_api_batches_certificates, KP_ADMIN, SLOW, NULL, NULL },
    /* printable documents (PDF drawn on the pool as they stream; CSV) */
    { "GET",    "/api/v1/applications/{id}/form.pdf", kp_api_applications_form_pdf, KP_SIGNED_IN, SLOW, NULL, NULL },
    { "GET",    "/api/v1/applications/{id}/receipt.pdf", kp_api_applications_receipt_pdf, KP_SIGNED_IN, SLOW, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/recommendation-sheet.pdf", kp_api_recommendation_sheet_pdf, KP_ADMIN | KP_RECOMMENDER, SLOW, NULL, NULL },
    { "GET",    "/api/v1/batches/{id}/recommendation-sheet.csv", kp_api_recommendation_sheet_csv, KP_ADMIN | KP_RECOMMENDER, SLOW, NULL, NULL },
};

const size_t kp_routes_count = sizeof kp_routes / sizeof kp_routes[0];
