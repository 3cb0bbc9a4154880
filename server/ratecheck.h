/* Per-address limits of public routes (invitation lookups, CSP reports):
 * one counter per kind and client address in PostgreSQL (lib/ratelimit),
 * so the limit holds across kpjdd processes. */
#ifndef KP_RATECHECK_H
#define KP_RATECHECK_H

#include <stdbool.h>

#include "server.h"

/* Counts this request as one of `kind` from the caller's address: at most
 * `limit` per `window` seconds.  Over the limit the 429 too_many_attempts
 * (with `detail` and Retry-After) is queued and *allowed is false; on a
 * database error *allowed is false and the error is returned. */
enum kp_err kp_ratecheck_address(struct kp_req *r, const char *kind, unsigned limit,
                                 unsigned window, const char *detail, bool *allowed);

#endif
