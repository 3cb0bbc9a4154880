/* The route table: method + path pattern ("/api/v1/batches/{id}") → handler.
 * Patterns are literal segments and `{name}` segments, each of which matches
 * one non-empty path segment.  The table is static; matching is a linear scan
 * (a few dozen routes), done once per request. */
#ifndef KP_ROUTER_H
#define KP_ROUTER_H

#include <stddef.h>

#include "err.h"

struct kp_req;   /* the server's request; the router never looks inside */

typedef enum kp_err (*kp_handler)(struct kp_req *r);

/* Route flags */
#define KP_ROUTE_JSON_BODY   0x1u   /* the body is JSON: Content-Type checked, parsed before the handler */
#define KP_ROUTE_PENDING_OK  0x2u   /* open while the account must change its password */
#define KP_ROUTE_RAW_BODY    0x4u   /* the body is kept as bytes (Content-Type checked against media) */
#define KP_ROUTE_STREAM      0x8u   /* the body goes to the route's stream callbacks as it arrives */
#define KP_ROUTE_SLOW       0x10u   /* the handler runs on the slow-work pool, off the event threads */
#define KP_ROUTE_OWN_SESSION 0x20u  /* GET: the handler checks the session in its own statement (auth.h) */
#define KP_ROUTE_JSON_OPTIONAL 0x40u /* with JSON_BODY: no body at all is allowed (kp_req_json is then NULL) */
#define KP_ROUTE_SECRET_PATH 0x80u  /* a path parameter is a secret (a reset token): never logged */

/* A route that takes its body as a stream (uploads): the gate runs before
 * the body, then begin, then take for each piece as it arrives, flushing
 * whenever take's buffer is full, then the handler once the body is
 * complete; end always runs when the request is over, however it ended.
 * The body is not limited by http.max_body: the route enforces its own
 * limits.  take runs on an event thread and must not wait; flush runs on
 * the slow-work pool. */
struct kp_stream {
    enum kp_err (*begin)(struct kp_req *r);                       /* may answer (refuse) */
    /* Takes what it can of a piece at once (checks it, buffers it) and
     * returns how many bytes; 0 only when it needs a flush first (its
     * buffer is full, or it has other database work to do).  After a
     * refusal it takes everything (and drops it). */
    size_t (*take)(struct kp_req *r, const char *piece, size_t n);
    /* Stores what take gathered: afterwards take takes again.  Records any
     * failure for the handler. */
    void (*flush)(struct kp_req *r);
    void (*end)(struct kp_req *r);                                /* frees, cleans up */
};

struct kp_route {
    const char *method;
    const char *pattern;
    kp_handler  handler;
    unsigned    roles;   /* KP_PUBLIC, KP_ADMIN | ... (role.h); 0 admits nobody */
    unsigned    flags;
    const char *media;   /* accepted Content-Types of the body, space-separated;
                            NULL means "application/json" */
    const struct kp_stream *stream;   /* KP_ROUTE_STREAM routes */
};

#define KP_MAX_PARAMS 4

struct kp_match {
    const struct kp_route *route;  /* NULL unless KP_MATCH_OK */
    size_t index;                  /* of the route in the table */
    size_t nparams;
    struct { const char *name; size_t name_len; char value[128]; } params[KP_MAX_PARAMS];
    char allow[64];                /* KP_MATCH_METHOD: "GET, HEAD, POST" */
    /* The pattern of a KP_ROUTE_SECRET_PATH route the path matched, whatever
     * the method: what logs show instead of the path.  NULL: none. */
    const char *secret;
};

enum kp_match_result { KP_MATCH_OK, KP_MATCH_NO_PATH, KP_MATCH_METHOD };

/* Matches `method` and `path` (decoded, without the query).  HEAD matches
 * GET routes.  A parameter longer than its buffer does not match. */
enum kp_match_result kp_router_match(const struct kp_route *routes, size_t n,
                                     const char *method, const char *path,
                                     struct kp_match *m);

/* The value of parameter `name`, or NULL.  Valid while `m` lives. */
const char *kp_match_param(const struct kp_match *m, const char *name);

#endif
