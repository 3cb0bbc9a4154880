/* Content-Security-Policy violation reports.  Our CSP allows scripts from
 * our own origin only; when a browser blocks something (an injected script,
 * a broken page of ours) it posts a report here, and we log it, so that a
 * blocked attack or a broken page does not go unseen.  Anyone may post one,
 * so each client address gets csp.report_limit reports per
 * csp.report_window seconds; beyond that 429, and nothing is logged. */

#include <stdio.h>

#include "api.h"
#include "json.h"
#include "log.h"
#include "ratecheck.h"

#define REPORT_FIELD_MAX 2048   /* characters; URLs can be long, logs should not be */

/* Counts this report against the caller's address; over the limit the 429
 * is queued and *allowed is false. */
static enum kp_err rate_check(struct kp_req *r, bool *allowed)
{
    const struct kp_config *cfg = kp_req_server(r)->cfg;
    return kp_ratecheck_address(r, "csp-report", cfg->csp.report_limit, cfg->csp.report_window,
                                "报告过于频繁，请稍后再试", allowed);
}

/* POST /api/v1/csp-reports  {"csp-report": {...}} as browsers send it */
enum kp_err kp_api_csp_report(struct kp_req *r)
{
    bool allowed;
    enum kp_err err = rate_check(r, &allowed);
    if (!allowed)
        return err;
    json_t *report = NULL;
    const char *document = "-", *directive = "-", *blocked = "-";
    const struct kp_jfield outer[] = {
        KP_JOBJECT("csp-report", &report),
        KP_JEND,
    };
    const struct kp_jfield inner[] = {
        KP_JOPTIONAL("document-uri", KP_J_STRING, &document, 0, REPORT_FIELD_MAX, NULL),
        KP_JOPTIONAL("violated-directive", KP_J_STRING, &directive, 0, REPORT_FIELD_MAX, NULL),
        KP_JOPTIONAL("blocked-uri", KP_J_STRING, &blocked, 0, REPORT_FIELD_MAX, NULL),
        KP_JEND,
    };
    json_t *errors = json_array();
    if (errors == NULL)
        return KP_E_NOMEM;
    /* Browsers add fields of their own: only ours are checked. */
    if (kp_json_take(kp_req_json(r), outer, "", true, errors) == KP_OK)
        kp_json_take(report, inner, "csp-report.", true, errors);
    if (json_array_size(errors) > 0)
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    json_decref(errors);
    kp_warn("req=%s csp violation: directive=%.200s blocked=%.200s document=%.200s",
            kp_req_id(r), directive, blocked, document);
    return kp_reply_empty(r, 204);
}
