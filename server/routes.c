/* The route table: method, path, handler, who may call it, flags.  Every
 * route the daemon answers is here and in openapi.json
 * (tests/api/openapi.test.js holds the two together).  A route admits only
 * the roles it names. */

#include "api/api.h"
#include "role.h"
#include "server.h"

#define JSON    KP_ROUTE_JSON_BODY
#define PENDING KP_ROUTE_PENDING_OK
#define CSP_MEDIA "application/csp-report application/json application/reports+json"

const struct kp_route kp_routes[] = {
    /* operations */
    { "GET",    "/healthz",                          kp_api_healthz,            KP_PUBLIC,    0,    NULL },
    { "GET",    "/readyz",                           kp_api_readyz,             KP_PUBLIC,    0,    NULL },
    { "GET",    "/metrics",                          kp_api_metrics,            KP_PUBLIC,    0,    NULL },
    { "GET",    "/api/v1/openapi.json",              kp_api_openapi,            KP_PUBLIC,    0,    NULL },
    { "POST",   "/api/v1/csp-reports",               kp_api_csp_report,         KP_PUBLIC,    JSON, CSP_MEDIA },
    /* reference data */
    { "GET",    "/api/v1/regions",                   kp_api_regions_list,       KP_PUBLIC,    0,    NULL },
    /* session */
    { "POST",   "/api/v1/session",                   kp_api_session_create,     KP_PUBLIC,    JSON, NULL },
    { "GET",    "/api/v1/session",                   kp_api_session_get,        KP_SIGNED_IN, PENDING, NULL },
    { "DELETE", "/api/v1/session",                   kp_api_session_delete,     KP_SIGNED_IN, PENDING, NULL },
    { "PUT",    "/api/v1/session/password",          kp_api_session_password,   KP_SIGNED_IN, PENDING | JSON, NULL },
    /* notifications and audit */
    { "GET",    "/api/v1/notifications",             kp_api_notifications_list, KP_SIGNED_IN, 0,    NULL },
    { "POST",   "/api/v1/notifications/{id}/read",   kp_api_notifications_read, KP_SIGNED_IN, 0,    NULL },
    { "GET",    "/api/v1/audit",                     kp_api_audit_list,         KP_ADMIN,     0,    NULL },
    { "GET",    "/api/v1/audit/verify",              kp_api_audit_verify,       KP_ADMIN,     0,    NULL },
};

const size_t kp_routes_count = sizeof kp_routes / sizeof kp_routes[0];
