/* The route table.  Every route the daemon answers is here and in
 * openapi.json; tests/api/openapi.test.js holds the two together. */

#include "api/api.h"
#include "server.h"

#define CSP_MEDIA "application/csp-report application/json application/reports+json"

const struct kp_route kp_routes[] = {
    { "GET",  "/healthz",                kp_api_healthz,       0, NULL },
    { "GET",  "/readyz",                 kp_api_readyz,        0, NULL },
    { "GET",  "/metrics",                kp_api_metrics,       0, NULL },
    { "GET",  "/api/v1/openapi.json",    kp_api_openapi,       0, NULL },
    { "GET",  "/api/v1/regions",         kp_api_regions_list,  0, NULL },
    { "POST", "/api/v1/csp-reports",     kp_api_csp_report,    KP_ROUTE_JSON_BODY, CSP_MEDIA },
};

const size_t kp_routes_count = sizeof kp_routes / sizeof kp_routes[0];
