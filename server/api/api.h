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
/* csp_reports.c */
enum kp_err kp_api_csp_report(struct kp_req *r);
/* session.c */
enum kp_err kp_api_session_create(struct kp_req *r);
enum kp_err kp_api_session_get(struct kp_req *r);
enum kp_err kp_api_session_delete(struct kp_req *r);
enum kp_err kp_api_session_password(struct kp_req *r);
/* audit.c */
enum kp_err kp_api_audit_list(struct kp_req *r);
enum kp_err kp_api_audit_verify(struct kp_req *r);
/* notifications.c */
enum kp_err kp_api_notifications_list(struct kp_req *r);
enum kp_err kp_api_notifications_read(struct kp_req *r);

#endif
