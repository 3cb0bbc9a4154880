/* The daemon's shared state and the request API that handlers use.
 * A handler gets a struct kp_req, reads what it needs through kp_req_*,
 * and ends with exactly one kp_reply_* (or returns an error, which the
 * dispatcher turns into 503 `unavailable` or 500 `internal`). */
#ifndef KP_SERVER_H
#define KP_SERVER_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "config.h"
#include "db.h"
#include "json.h"
#include "metrics.h"
#include "password.h"
#include "principal.h"
#include "problem.h"
#include "router.h"
#include "signing.h"

/* Seconds a client is told to wait after a 503. */
#define KP_RETRY_AFTER_S 5

struct kp_pool;
struct kp_gzcache;

/* Bytes the gzip forms of static files may hold in all (server/static.c). */
#define KP_STATIC_GZ_CACHE (8u << 20)

struct kp_server {
    const struct kp_config *cfg;
    char web_root[4096];                 /* realpath of cfg->web.root */
    struct kp_metrics *metrics;
    struct kp_db_stats db_stats;
    struct kp_db_options db_options;
    _Atomic uint64_t inflight;           /* requests between URI and completion */
    atomic_bool shutting_down;
    atomic_bool past_grace;              /* shutdown: slow requests still waiting answer 503 */
    struct kp_pool *pool;                /* slow work (lib/http/pool.c), started with the HTTP side */
    struct kp_pwcost pwcost;             /* from auth.pwhash_* */
    /* A hash of no password: verified against when a login names an unknown
     * user, so that it takes as long as a wrong password. */
    char dummy_hash[KP_PWHASH_LEN];
    struct kp_keyring keys;              /* crypto.signing_key and crypto.retired_keys */
    struct kp_gzcache *gz;               /* gzip forms of static files, KP_STATIC_GZ_CACHE at most */
    _Atomic uint64_t mail_sent;          /* by this process's sender (server/mailer.c) */
    _Atomic uint64_t mail_failed;        /* permanently, or given up */
    _Atomic uint64_t mail_retried;       /* attempts that failed for now */
};

struct kp_req;

/* --- reading the request (pointers valid until the request ends) --- */
const char *kp_req_param(const struct kp_req *r, const char *name);   /* {name} in the route */
const char *kp_req_query(const struct kp_req *r, const char *name);
const char *kp_req_header(const struct kp_req *r, const char *name);
const char *kp_req_method(const struct kp_req *r);
const char *kp_req_path(const struct kp_req *r);
json_t *kp_req_json(const struct kp_req *r);                           /* KP_ROUTE_JSON_BODY routes */
const char *kp_req_body(const struct kp_req *r, size_t *len);          /* KP_ROUTE_RAW_BODY routes */
const struct sockaddr *kp_req_client(const struct kp_req *r);
const char *kp_req_id(const struct kp_req *r);
struct kp_server *kp_req_server(const struct kp_req *r);

/* The caller: KP_ROLE_ANONYMOUS on public routes and before the session is
 * resolved. */
const struct kp_principal *kp_req_principal(const struct kp_req *r);

/* Sets the caller (kp_auth_admit: a handler that read the session itself). */
void kp_req_set_principal(struct kp_req *r, const struct kp_principal *who);

/* The matched route (NULL for static files). */
const struct kp_route *kp_req_route(const struct kp_req *r);

/* The client's address without the port ("127.0.0.1", "::1"). */
void kp_req_client_ip(const struct kp_req *r, char *buf, size_t n);

/* Whether the method changes state (anything but GET, HEAD, OPTIONS). */
bool kp_req_unsafe(const struct kp_req *r);

/* A header sent with the answer (both copied; at most four a request:
 * Set-Cookie, ETag, Content-Disposition, ...). */
enum kp_err kp_req_add_header(struct kp_req *r, const char *name, const char *value);

/* Route parameter `name` as a positive integer id; false when it is not one
 * (the handler answers 404: no such thing). */
bool kp_req_param_id(const struct kp_req *r, const char *name, long long *id);

/* Takes the fields of `spec` from the JSON body (unknown fields refused).
 * On field errors queues 422 and returns false. */
bool kp_req_take(struct kp_req *r, const struct kp_jfield *spec);

/* Per-request state of a stream route (owned by the route's callbacks). */
void *kp_req_state(const struct kp_req *r);
void kp_req_set_state(struct kp_req *r, void *state);

/* This thread's database handle (an event thread's or a pool thread's);
 * NULL only when out of memory. */
struct kp_db *kp_req_db(struct kp_req *r);

/* --- answering (each returns KP_OK once the answer is queued) --- */

/* `body` is stolen. */
enum kp_err kp_reply_json(struct kp_req *r, unsigned status, json_t *body);

/* `data` (len bytes) is stolen and freed with free(3). */
enum kp_err kp_reply_data(struct kp_req *r, unsigned status, const char *content_type,
                          char *data, size_t len);

/* `data` is static and outlives the daemon. */
enum kp_err kp_reply_static(struct kp_req *r, unsigned status, const char *content_type,
                            const char *data, size_t len);

enum kp_err kp_reply_empty(struct kp_req *r, unsigned status);

/* Answers with the problem an error stands for when the handler could not
 * answer itself: 503 unavailable for an unreachable or too busy database,
 * 500 internal otherwise (logged). */
void kp_reply_error(struct kp_req *r, enum kp_err err);

/* A response built by the caller (a file, say); `resp` is consumed.  Like
 * every kp_reply_*, it may be called on an event thread or on a pool thread:
 * the answer is kept in the request and queued when MHD next calls. */
struct MHD_Response;
enum kp_err kp_reply_response(struct kp_req *r, unsigned status, struct MHD_Response *resp,
                              uint64_t bytes);

/* A response body read off the event threads, a block at a time: `fill`
 * runs on a pool thread with that thread's database handle and copies up to
 * `max` bytes of the body from `pos` into `out`, returning how many (at
 * least 1), or -1 when it cannot (the connection is then cut).  With `size`
 * MHD_SIZE_UNKNOWN the body is sent chunked and fill returns 0 at its end;
 * `pos` then only grows.  `cls` is
 * freed with free_cls when the response is done.  For KP_ROUTE_SLOW routes
 * (the request is admitted to the pool already).  The response goes to
 * kp_reply_response; NULL when out of memory (`cls` freed then too). */
typedef ssize_t (*kp_body_fill)(void *cls, struct kp_db *db, uint64_t pos, char *out, size_t max);
struct MHD_Response *kp_req_pooled_body(struct kp_req *r, uint64_t size, kp_body_fill fill,
                                        void *cls, void (*free_cls)(void *cls));

/* A body made a block at a time on the pool, for answers whose bytes come
 * from work (an export's rows read a block at a time, a document's pages
 * drawn one by one), sent chunked (server/blocks.c).  `out` is a buffer
 * inside `cls`; what it holds now is the body's first bytes.  `next`
 * appends the next block to `out` — emptied before each call, and called
 * only once MHD has taken all of it, so memory holds one block — and sets
 * *end when the body is complete; each call must move the body on towards
 * its end.  An error from `next` (or `out` failed) cuts the connection;
 * `next` says what happened in the log.  Otherwise as kp_req_pooled_body. */
struct kp_buf;
typedef enum kp_err (*kp_block_next)(void *cls, struct kp_db *db, bool *end);
struct MHD_Response *kp_req_pooled_blocks(struct kp_req *r, struct kp_buf *out, kp_block_next next,
                                          void *cls, void (*free_cls)(void *cls));

/* application/problem+json; `detail` may be NULL.  503 carries
 * Retry-After. */
enum kp_err kp_reply_problem(struct kp_req *r, enum kp_problem p, const char *detail);

/* The same with Retry-After: seconds (429). */
enum kp_err kp_reply_problem_retry(struct kp_req *r, enum kp_problem p, const char *detail,
                                   long long seconds);

/* The same with field errors (an array, stolen). */
enum kp_err kp_reply_problem_errors(struct kp_req *r, enum kp_problem p, const char *detail,
                                    json_t *errors);

/* The route table (routes.c). */
extern const struct kp_route kp_routes[];
extern const size_t kp_routes_count;
/* Metric slots after the routes: static files, and requests no route took. */
#define KP_METRIC_STATIC    (kp_routes_count)
#define KP_METRIC_UNMATCHED (kp_routes_count + 1)

/* Serves web/ (static.c). */
enum kp_err kp_static_serve(struct kp_req *r);

#endif
