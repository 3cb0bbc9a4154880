/* The registry of problem codes (API.md, "Conventions").  Each code has one
 * HTTP status and one default Chinese title; handlers name the code, never a
 * bare status. */
#ifndef KP_PROBLEM_H
#define KP_PROBLEM_H

#include <jansson.h>

enum kp_problem {
    KP_P_BAD_JSON,
    KP_P_UNAUTHENTICATED,
    KP_P_INVALID_CREDENTIALS,
    KP_P_FORBIDDEN,
    KP_P_CSRF,
    KP_P_PASSWORD_CHANGE_REQUIRED,
    KP_P_NOT_FOUND,
    KP_P_METHOD_NOT_ALLOWED,
    KP_P_INVALID_STATE,
    KP_P_DEADLINE_PASSED,
    KP_P_QUOTA_EXHAUSTED,
    KP_P_BARRED,
    KP_P_CONFLICT,
    KP_P_VERSION_MISMATCH,
    KP_P_TOO_LARGE,
    KP_P_UNSUPPORTED_MEDIA_TYPE,
    KP_P_VALIDATION,
    KP_P_TOO_MANY_ATTEMPTS,
    KP_P_INTERNAL,
    KP_P_UNAVAILABLE,
    KP_P__COUNT
};

struct kp_problem_info {
    const char *code;    /* stable, machine-readable */
    unsigned    status;  /* HTTP status */
    const char *title;   /* default human text, Chinese */
};

/* Static storage; `p` must be a valid enum value. */
const struct kp_problem_info *kp_problem_info(enum kp_problem p);

/* An answer lists at most this many field errors (the first ones), so that
 * a 100,000-line bad import is not answered with megabytes of them. */
#define KP_PROBLEM_ERRORS_LISTED 100

/* An RFC 9457 body: type, title, status, code, and detail when non-NULL.
 * `errors` (field errors, an array) is stolen and attached when non-NULL,
 * cut to its first KP_PROBLEM_ERRORS_LISTED, with "errors_total" counting
 * them all.  Caller owns the result; NULL on allocation failure. */
json_t *kp_problem_json(enum kp_problem p, const char *detail, json_t *errors);

/* Appends {"field","code","message"} to `errors` (an array).  Past the
 * first KP_PROBLEM_ERRORS_LISTED it appends only a null, which counts the
 * error (json_array_size stays the number of errors) without building it. */
void kp_problem_field(json_t *errors, const char *field, const char *code,
                      const char *message);

#endif
