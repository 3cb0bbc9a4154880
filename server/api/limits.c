/* The limits a form tells before the user meets them: the size of one
 * attachment and of all of an application's (attachments.max_file and
 * max_total, kpjd.conf), and a password's length.  Public: the
 * registration form needs them before login.  The server still enforces
 * each one (413, 422); this only lets the UI say them. */

#include "api.h"
#include "password.h"

/* GET /api/v1/limits */
enum kp_err kp_api_limits(struct kp_req *r)
{
    const struct kp_config *cfg = kp_req_server(r)->cfg;
    return kp_reply_json(r, 200, json_pack("{s:{s:I, s:I}, s:{s:i, s:i}}",
        "attachments", "max_file", (json_int_t)cfg->attachments.max_file,
                       "max_total", (json_int_t)cfg->attachments.max_total,
        "password", "min_length", KP_PASSWORD_MIN, "max_length", KP_PASSWORD_MAX));
}
