/* The OpenAPI 3.1 description this build was compiled with. */

#include "api.h"
#include "openapi.h"

/* GET /api/v1/openapi.json */
enum kp_err kp_api_openapi(struct kp_req *r)
{
    return kp_reply_static(r, 200, "application/json; charset=utf-8",
                           kp_openapi_json, kp_openapi_json_len);
}
