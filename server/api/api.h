/* The handlers, one file per resource; routes.c names them. */
#ifndef KP_API_H
#define KP_API_H

#include "server.h"

/* health.c */
enum kp_err kp_api_healthz(struct kp_req *r);
enum kp_err kp_api_readyz(struct kp_req *r);
/* metrics.c */
enum kp_err kp_api_metrics(struct kp_req *r);
/* openapi.c */
enum kp_err kp_api_openapi(struct kp_req *r);
/* regions.c */
enum kp_err kp_api_regions_list(struct kp_req *r);
/* limits.c */
enum kp_err kp_api_limits(struct kp_req *r);
/* csp_reports.c */
enum kp_err kp_api_csp_report(struct kp_req *r);
/* session.c */
enum kp_err kp_api_session_create(struct kp_req *r);
enum kp_err kp_api_session_get(struct kp_req *r);
enum kp_err kp_api_session_delete(struct kp_req *r);
enum kp_err kp_api_session_password(struct kp_req *r);
enum kp_err kp_api_session_mail(struct kp_req *r);

/* mail_outbox.c */
enum kp_err kp_api_outbox_list(struct kp_req *r);
enum kp_err kp_api_outbox_resend(struct kp_req *r);
/* password_reset.c */
enum kp_err kp_api_password_reset_request(struct kp_req *r);
enum kp_err kp_api_password_reset_confirm(struct kp_req *r);
/* audit.c */
enum kp_err kp_api_audit_list(struct kp_req *r);
enum kp_err kp_api_audit_verify(struct kp_req *r);
enum kp_err kp_api_audit_labels(struct kp_req *r);
enum kp_err kp_api_audit_csv(struct kp_req *r);
enum kp_err kp_api_audit_checkpoint_create(struct kp_req *r);
enum kp_err kp_api_audit_checkpoints_list(struct kp_req *r);
/* The periodic signed checkpoint, a housekeeping task: seconds between
 * runs (audit.checkpoint_interval), and one run (nothing when it is 0, when
 * no key is configured, or when no row was added since the last one). */
unsigned kp_audit_checkpoint_every(const struct kp_config *cfg);
enum kp_err kp_audit_checkpoint_periodic(struct kp_server *srv, struct kp_db *db);
/* notifications.c */
enum kp_err kp_api_notifications_list(struct kp_req *r);
enum kp_err kp_api_notifications_read(struct kp_req *r);
enum kp_err kp_api_notifications_unread(struct kp_req *r);

/* batches.c */
enum kp_err kp_api_batches_create(struct kp_req *r);
enum kp_err kp_api_batches_list(struct kp_req *r);
enum kp_err kp_api_batches_get(struct kp_req *r);
enum kp_err kp_api_batches_update(struct kp_req *r);
/* recommenders.c */
enum kp_err kp_api_recommenders_create(struct kp_req *r);
enum kp_err kp_api_recommenders_list(struct kp_req *r);
enum kp_err kp_api_recommenders_get(struct kp_req *r);
enum kp_err kp_api_recommenders_reset(struct kp_req *r);
enum kp_err kp_api_recommenders_disable(struct kp_req *r);
enum kp_err kp_api_recommenders_enable(struct kp_req *r);
/* quotas.c */
enum kp_err kp_api_quotas_get(struct kp_req *r);
enum kp_err kp_api_quotas_put(struct kp_req *r);
enum kp_err kp_api_quotas_import(struct kp_req *r);
/* contacts.c */
enum kp_err kp_api_contact_put(struct kp_req *r);
enum kp_err kp_api_contact_get(struct kp_req *r);
enum kp_err kp_api_contacts_list(struct kp_req *r);

/* the workbenches (dashboard.c) */
enum kp_err kp_api_dashboard_get(struct kp_req *r);
enum kp_err kp_api_dashboard_csv(struct kp_req *r);
/* invitations.c */
enum kp_err kp_api_invitations_create(struct kp_req *r);
enum kp_err kp_api_invitations_list(struct kp_req *r);
enum kp_err kp_api_invitations_revoke(struct kp_req *r);
enum kp_err kp_api_invitations_lookup(struct kp_req *r);
/* Counts a public request naming an invitation code against the caller's
 * address; over the limit, queues 429 and sets *allowed false. */
enum kp_err kp_invitations_rate_check(struct kp_req *r, bool *allowed);
/* reviews.c: 初评 */
enum kp_err kp_api_initial_review(struct kp_req *r);
enum kp_err kp_api_batches_initial_review(struct kp_req *r);
/* rubrics.c: 评分标准 */
enum kp_err kp_api_rubric_put(struct kp_req *r);
enum kp_err kp_api_rubric_get(struct kp_req *r);
/* samples.c: 实地抽检 */
enum kp_err kp_api_onsite_sample_draw(struct kp_req *r);
enum kp_err kp_api_onsite_sample_get(struct kp_req *r);
/* onsite.c: 实地核查 */
enum kp_err kp_api_onsite_check(struct kp_req *r);
/* assignments.c: 专家分配与评分 */
enum kp_err kp_api_assignments_make(struct kp_req *r);
enum kp_err kp_api_assignments_list(struct kp_req *r);
enum kp_err kp_api_assignments_mine(struct kp_req *r);
enum kp_err kp_api_assignments_replace(struct kp_req *r);
enum kp_err kp_api_assignments_score(struct kp_req *r);
enum kp_err kp_api_assignments_submit(struct kp_req *r);
enum kp_err kp_api_assignments_recuse(struct kp_req *r);
/* ranking.c: 排名与建议名单 */
enum kp_err kp_api_ranking_get(struct kp_req *r);
enum kp_err kp_api_ranking_csv(struct kp_req *r);
enum kp_err kp_api_proposed_list(struct kp_req *r);
/* notices.c: 公示 */
enum kp_err kp_api_notices_publish(struct kp_req *r);
enum kp_err kp_api_notices_of_batch(struct kp_req *r);
enum kp_err kp_api_notices_update(struct kp_req *r);
enum kp_err kp_api_public_notices_list(struct kp_req *r);
enum kp_err kp_api_public_notices_get(struct kp_req *r);
/* objections.c: 异议 */
enum kp_err kp_api_objections_file(struct kp_req *r);
enum kp_err kp_api_objections_receipt(struct kp_req *r);
enum kp_err kp_api_objections_list(struct kp_req *r);
enum kp_err kp_api_objections_finding(struct kp_req *r);
/* experts.c: 认定专家 */
enum kp_err kp_api_experts_create(struct kp_req *r);
enum kp_err kp_api_experts_list(struct kp_req *r);
enum kp_err kp_api_experts_get(struct kp_req *r);
enum kp_err kp_api_experts_update(struct kp_req *r);
enum kp_err kp_api_experts_disable(struct kp_req *r);
enum kp_err kp_api_experts_enable(struct kp_req *r);
/* conflicts.c: 回避 */
enum kp_err kp_api_conflicts_declare(struct kp_req *r);
enum kp_err kp_api_conflicts_list(struct kp_req *r);
/* naming.c: 认定命名 */
enum kp_err kp_api_naming(struct kp_req *r);
/* bases.c: 基地 */
enum kp_err kp_api_bases_list(struct kp_req *r);
enum kp_err kp_api_bases_get(struct kp_req *r);
enum kp_err kp_api_bases_suspend(struct kp_req *r);
enum kp_err kp_api_bases_reinstate(struct kp_req *r);
enum kp_err kp_api_bases_revoke(struct kp_req *r);
enum kp_err kp_api_bases_plaque(struct kp_req *r);
enum kp_err kp_api_public_bases_list(struct kp_req *r);
/* The bases of a batch as the API shows them, in certificate order, into
 * *items (replacing what was there), in the caller's transaction.  Caller
 * owns *items. */
enum kp_err kp_bases_of_batch(struct kp_db *db, const char *batch, json_t **items);
/* annual_reports.c: 年度科普工作报告与绩效评估 */
enum kp_err kp_api_annual_reports_file(struct kp_req *r);
enum kp_err kp_api_annual_reports_of_base(struct kp_req *r);
enum kp_err kp_api_annual_reports_correct(struct kp_req *r);
enum kp_err kp_api_annual_reports_evaluate(struct kp_req *r);
enum kp_err kp_api_annual_reports_list(struct kp_req *r);
enum kp_err kp_api_annual_reports_csv(struct kp_req *r);
enum kp_err kp_api_annual_reports_remind(struct kp_req *r);
/* The base `id` as `who` may see it, with its plaques, into *out (replacing
 * what was there; NULL when not visible), in the caller's transaction. */
enum kp_err kp_bases_load(struct kp_db *db, const struct kp_principal *who, const char *id, json_t **out);
/* term.c: 终期考核 and its effect on the next batch */
enum kp_err kp_api_bases_term_assessment(struct kp_req *r);
enum kp_err kp_api_batches_carry_over(struct kp_req *r);
/* Moves batch `batch`'s recommended applications of units whose base was
 * assessed qualified at the end of an earlier term to initial_passed with
 * fast_track "qualified", each audited and told; *moved counts them.  In
 * the caller's transaction: the batch's move to evaluating. */
enum kp_err kp_term_fast_track(struct kp_req *r, struct kp_db *db, const char *batch, int *moved);
/* certificates.c: 证书核验 */
enum kp_err kp_api_public_certificate(struct kp_req *r);
enum kp_err kp_api_public_keys(struct kp_req *r);
/* applicants.c */
enum kp_err kp_api_applicants_create(struct kp_req *r);
enum kp_err kp_api_applicants_get(struct kp_req *r);
enum kp_err kp_api_applicants_patch(struct kp_req *r);

/* applications.c */
/* The application `id` in `scope`, as the API shows it with its
 * attachments, into *out (replacing what was there; NULL when not found or
 * not visible).  Runs in the caller's transaction.  Caller owns *out. */
enum kp_err kp_application_load(struct kp_db *db, const struct kp_appscope *scope, const char *id,
                                json_t **out);
/* 200 with the application (stolen) and its ETag "<version>". */
enum kp_err kp_reply_application(struct kp_req *r, json_t *app);
enum kp_err kp_api_applications_list(struct kp_req *r);
enum kp_err kp_api_applications_csv(struct kp_req *r);
enum kp_err kp_api_applications_get(struct kp_req *r);
enum kp_err kp_api_applications_patch(struct kp_req *r);
enum kp_err kp_api_applications_submit(struct kp_req *r);
enum kp_err kp_api_applications_return(struct kp_req *r);
enum kp_err kp_api_applications_decline(struct kp_req *r);
enum kp_err kp_api_applications_recommend(struct kp_req *r);
enum kp_err kp_api_applications_withdraw(struct kp_req *r);
enum kp_err kp_api_applications_history(struct kp_req *r);      /* history.c */
/* certificate_pdf.c */
enum kp_err kp_api_bases_certificate(struct kp_req *r);
enum kp_err kp_api_batches_certificates(struct kp_req *r);
/* documents.c: 申报表 and 回执 as PDF */
enum kp_err kp_api_applications_form_pdf(struct kp_req *r);
enum kp_err kp_api_applications_receipt_pdf(struct kp_req *r);
/* Answers 200 with the document of `flow` (stolen) titled `title`, named
 * `filename` (inline), its pages drawn on the pool as the answer streams. */
struct kp_flow;
enum kp_err kp_reply_flow(struct kp_req *r, struct kp_flow *flow, const char *title,
                          const char *filename);
/* recommendation_sheet.c: 推荐汇总表 */
enum kp_err kp_api_recommendation_sheet_pdf(struct kp_req *r);
enum kp_err kp_api_recommendation_sheet_csv(struct kp_req *r);
/* attachments.c */
extern const struct kp_stream kp_attachment_upload;
extern const struct kp_stream kp_annual_report_upload;
enum kp_err kp_api_attachments_upload(struct kp_req *r);
enum kp_err kp_api_attachments_get(struct kp_req *r);
enum kp_err kp_api_attachments_delete(struct kp_req *r);

#endif
