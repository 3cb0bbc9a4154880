/* The request life cycle.  MHD calls us three ways for one request:
 *   uri_started   — the request line is in: allocate the kp_req, start the clock;
 *   on_request    — first with the headers (route, limits, Content-Type), then
 *                   with each piece of body, then once more to answer;
 *   on_completed  — the answer is sent or the connection died: log, count, free.
 * Every answer leaves through kp_reply_response(), which adds the headers every answer
 * carries and keeps the answer in the request; on_request queues it (MHD takes
 * an answer only from there).  Each step also tells the connection's watchdog
 * entry (conns.h) where the request stands, so that a client that is slow to
 * send one is closed at its deadline.
 *
 * Slow work runs on the pool (lib/http/pool.c tells the design): a slow route's
 * handler, an upload's flush, a download's next block.  hand_off() suspends
 * the connection and queues the job; the job resumes the connection as its
 * last act, and MHD calls on_request (or the body reader) again, which finds
 * the work done.  Between the two the event thread does not touch the
 * request. */

#include <arpa/inet.h>
#include <assert.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "auth.h"
#include "conns.h"
#include "httpd.h"
#include "httputil.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "reqid.h"
#include "utf8.h"
#include "webpath.h"

/* Scripts only from our own origin, no inline code, no framing. */
#define CSP "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "       \
            "form-action 'self'; frame-ancestors 'none'; report-uri /api/v1/csp-reports"

struct kp_req {
    struct kp_server *srv;
    struct MHD_Connection *conn;
    struct kp_conn *tracked;             /* the connection's entry for the watchdog, or NULL */
    const char *method, *path;           /* MHD's, valid until completion */
    struct kp_match match;
    size_t metric;                       /* route index or KP_METRIC_* */
    char id[KP_REQID_MAX + 1];
    uint64_t started_us;
    bool headers_seen;                   /* on_request ran once */
    bool replied;
    bool raw_nul;                        /* the raw URI held %00 */
    bool too_large;                      /* a body without Content-Length grew past the limit */
    char *body;
    size_t body_len, body_cap;
    json_t *json;
    struct kp_principal who;
    struct { char *name, *value; } headers[4];   /* added by the handler */
    void *state;                         /* a stream route's */
    bool stream_begun;
    struct MHD_Response *answer;         /* kept by kp_reply_response until on_request queues it */
    unsigned answer_status;
    uint64_t answer_bytes;
    bool dispatched;                     /* the handler ran, or runs on the pool */
    bool admitted;                       /* the pool took a job of this request */
    bool busy;                           /* the pool refused it: 503 once the body is in */
    struct kp_pool_job job;              /* its job on the pool (one at a time) */
    void (*work)(struct kp_req *r);      /* what that job does */
    struct pooled_body *pooled;          /* a body the pool reads (kp_req_pooled_body) */
    unsigned status;                     /* of the answer queued */
    uint64_t bytes;
};

struct kp_httpd {
    struct kp_server *srv;
    struct kp_conns *conns;
    struct MHD_Daemon *daemon;
};

static pthread_key_t db_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;

static void db_key_destroy(void *db)
{
    kp_db_free(db);
}

static void db_key_create(void)
{
    pthread_key_create(&db_key, db_key_destroy);
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- reading the request ---- */

const char *kp_req_param(const struct kp_req *r, const char *name)
{
    return kp_match_param(&r->match, name);
}

const char *kp_req_query(const struct kp_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_check {
    char field[64];                      /* the argument at fault, as kp_query_arg_ok names it */
    bool bad;
};

static enum MHD_Result check_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                       size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct query_check *c = cls;
    if (kp_query_arg_ok(key, key_size, value, value_size, c->field, sizeof c->field))
        return MHD_YES;
    c->bad = true;
    return MHD_NO;
}

/* Handlers take the path's parameters and the query's arguments as C
 * strings into SQL and JSON, which want UTF-8: a path that is not UTF-8
 * names nothing (404), and a query argument that is not UTF-8 or holds a NUL
 * is answered 422 naming it, before any handler runs.  false when the
 * answer is queued. */
static bool request_is_text(struct kp_req *r)
{
    if (!kp_utf8_valid(r->path, strlen(r->path))) {
        kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
        return false;
    }
    struct query_check c = { .bad = false };
    MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, check_query_arg, &c);
    if (!c.bad)
        return true;
    json_t *errors = json_array();
    kp_problem_field(errors, c.field, "encoding", "应为 UTF-8 文本，且不含 NUL 字符");
    kp_reply_problem_errors(r, KP_P_VALIDATION, "查询参数应为 UTF-8 文本", errors);
    return false;
}

const char *kp_req_header(const struct kp_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *kp_req_method(const struct kp_req *r) { return r->method; }
const char *kp_req_path(const struct kp_req *r) { return r->path; }

/* The path as logs show it: a secret route's pattern instead of its token. */
static const char *logged_path(const struct kp_req *r)
{
    return r->match.secret ? r->match.secret : r->path ? r->path : "-";
}
json_t *kp_req_json(const struct kp_req *r) { return r->json; }

void *kp_req_state(const struct kp_req *r) { return r->state; }
void kp_req_set_state(struct kp_req *r, void *state) { r->state = state; }

bool kp_req_param_id(const struct kp_req *r, const char *name, long long *id)
{
    const char *v = kp_match_param(&r->match, name);
    if (v == NULL || *v < '1' || *v > '9' || strlen(v) > 18)
        return false;
    char *end;
    *id = strtoll(v, &end, 10);
    return *end == '\0';
}

bool kp_req_take(struct kp_req *r, const struct kp_jfield *spec)
{
    json_t *errors = json_array();
    if (errors == NULL || kp_json_take(r->json, spec, "", false, errors) != KP_OK) {
        kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
        return false;
    }
    json_decref(errors);
    return true;
}

const char *kp_req_body(const struct kp_req *r, size_t *len)
{
    *len = r->body_len;
    return r->body ? r->body : "";
}
const char *kp_req_id(const struct kp_req *r) { return r->id; }
struct kp_server *kp_req_server(const struct kp_req *r) { return r->srv; }
const struct kp_principal *kp_req_principal(const struct kp_req *r) { return &r->who; }
void kp_req_set_principal(struct kp_req *r, const struct kp_principal *who) { r->who = *who; }
const struct kp_route *kp_req_route(const struct kp_req *r) { return r->match.route; }

bool kp_req_unsafe(const struct kp_req *r)
{
    return strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 &&
           strcmp(r->method, "OPTIONS") != 0;
}

void kp_req_client_ip(const struct kp_req *r, char *buf, size_t n)
{
    const struct sockaddr *sa = kp_req_client(r);
    snprintf(buf, n, "-");
    if (sa == NULL)
        return;
    const struct kp_addr_list *proxies = &r->srv->cfg->http.trusted_proxies;
    if (proxies->n > 0 && kp_addr_list_match(proxies, sa) &&
        kp_addr_forwarded_client(kp_req_header(r, "X-Forwarded-For"), proxies, buf, n))
        return;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)n);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a))
            inet_ntop(AF_INET, a->s6_addr + 12, buf, (socklen_t)n);
        else
            inet_ntop(AF_INET6, a, buf, (socklen_t)n);
    }
}

enum kp_err kp_req_add_header(struct kp_req *r, const char *name, const char *value)
{
    for (size_t i = 0; i < sizeof r->headers / sizeof r->headers[0]; i++)
        if (r->headers[i].name == NULL) {
            r->headers[i].name = strdup(name);
            r->headers[i].value = strdup(value);
            return r->headers[i].name && r->headers[i].value ? KP_OK : KP_E_NOMEM;
        }
    assert(!"more extra headers than a request holds");
    return KP_E_NOMEM;
}

const struct sockaddr *kp_req_client(const struct kp_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return ci ? ci->client_addr : NULL;
}

struct kp_db *kp_req_db(struct kp_req *r)
{
    pthread_once(&db_key_once, db_key_create);
    struct kp_db *db = pthread_getspecific(db_key);
    if (db == NULL) {
        db = kp_db_new(&r->srv->db_options);
        if (db != NULL)
            pthread_setspecific(db_key, db);
    }
    return db;
}

/* ---- slow work, on the pool ---- */

static void run_job(void *arg)
{
    struct kp_req *r = arg;
    struct MHD_Connection *conn = r->conn;
    r->work(r);
    MHD_resume_connection(conn);         /* the last touch: MHD may now finish and free r */
}

/* Runs work(r) on the pool while the connection is suspended.  The first
 * job of a request is its admission and is refused when the queue is full;
 * its later jobs are not (lib/http/pool.c says why).  False when refused (or the
 * pool has stopped).  After true the caller returns to MHD at once without
 * touching r: the job may be done already. */
static bool hand_off(struct kp_req *r, void (*work)(struct kp_req *r))
{
    struct kp_pool *pool = r->srv->pool;
    if (!kp_pool_reserve(pool, !r->admitted))
        return false;
    r->admitted = true;
    r->work = work;
    r->job.run = run_job;
    r->job.arg = r;
    MHD_suspend_connection(r->conn);     /* before the job can resume it */
    kp_pool_submit(pool, &r->job);
    return true;
}

#define BODY_BLOCK (256 * 1024)          /* bytes of a pooled body one job reads */

struct pooled_body {
    struct kp_req *r;                    /* valid while MHD reads the body */
    kp_body_fill fill;
    void *cls;
    void (*free_cls)(void *cls);
    uint64_t size;
    char *block;                         /* BODY_BLOCK bytes: [block_pos, block_pos + block_len) */
    uint64_t block_pos;
    size_t block_len;
    bool failed;
    bool ended;                          /* a body of unknown size has no more bytes */
};

/* On the pool: reads the block at block_pos. */
static void fill_block(struct kp_req *r)
{
    struct pooled_body *b = r->pooled;
    struct kp_db *db = kp_req_db(r);
    bool unknown = b->size == MHD_SIZE_UNKNOWN;
    uint64_t rest = unknown ? BODY_BLOCK : b->size - b->block_pos;
    size_t want = rest < BODY_BLOCK ? (size_t)rest : BODY_BLOCK;
    /* each fill copies at least a byte, ends or fails, so this ends */
    while (!b->failed && !b->ended && b->block_len < want) {
        ssize_t n = db == NULL ? -1 : b->fill(b->cls, db, b->block_pos + b->block_len,
                                              b->block + b->block_len, want - b->block_len);
        if (n == 0 && unknown)
            b->ended = true;
        else if (n <= 0)
            b->failed = true;
        else
            b->block_len += (size_t)n;
    }
}

/* MHD's reader, on the event thread: serves the block in hand, else hands
 * the reading of the next to the pool and answers "nothing yet" (0); MHD
 * asks again for the same position after the resume. */
static ssize_t read_pooled(void *cls, uint64_t pos, char *out, size_t max)
{
    struct pooled_body *b = cls;
    if (b->failed)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (pos < b->block_pos || pos >= b->block_pos + b->block_len) {
        if (b->ended)
            return MHD_CONTENT_READER_END_OF_STREAM;
        b->block_pos = pos;
        b->block_len = 0;
        if (hand_off(b->r, fill_block))
            return 0;
        return MHD_CONTENT_READER_END_WITH_ERROR;     /* the pool has stopped: we are going */
    }
    size_t have = (size_t)(b->block_pos + b->block_len - pos);
    size_t n = have < max ? have : max;
    memcpy(out, b->block + (pos - b->block_pos), n);
    return (ssize_t)n;
}

static void free_pooled(void *cls)
{
    struct pooled_body *b = cls;         /* the request may be gone: b->r is not touched */
    b->free_cls(b->cls);
    free(b->block);
    free(b);
}

struct MHD_Response *kp_req_pooled_body(struct kp_req *r, uint64_t size, kp_body_fill fill,
                                        void *cls, void (*free_cls)(void *cls))
{
    struct pooled_body *b = calloc(1, sizeof *b);
    char *block = malloc(BODY_BLOCK);
    struct MHD_Response *resp = NULL;
    if (b != NULL && block != NULL)
        resp = MHD_create_response_from_callback(size, 64 * 1024, read_pooled, b, free_pooled);
    if (resp == NULL) {
        free(block);
        free(b);
        free_cls(cls);
        return NULL;
    }
    *b = (struct pooled_body){ .r = r, .fill = fill, .cls = cls, .free_cls = free_cls,
                               .size = size, .block = block };
    r->pooled = b;
    return resp;
}

/* ---- answering ---- */

static bool is_api(const struct kp_req *r)
{
    return r->metric != KP_METRIC_STATIC;
}

enum kp_err kp_reply_response(struct kp_req *r, unsigned status, struct MHD_Response *resp,
                              uint64_t bytes)
{
    if (resp == NULL)
        return KP_E_NOMEM;
    if (r->answer != NULL || r->replied) {       /* one answer a request */
        MHD_destroy_response(resp);
        return KP_E_IO;
    }
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (is_api(r))
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    for (size_t i = 0; i < sizeof r->headers / sizeof r->headers[0] && r->headers[i].name; i++)
        MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    if (atomic_load(&r->srv->shutting_down))
        MHD_add_response_header(resp, "Connection", "close");
    r->answer = resp;                    /* on_request queues it, on whichever thread we are */
    r->answer_status = status;
    r->answer_bytes = bytes;
    r->replied = true;
    return KP_OK;
}

enum kp_err kp_reply_data(struct kp_req *r, unsigned status, const char *content_type,
                          char *data, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(data);
        return KP_E_NOMEM;
    }
    MHD_add_response_header(resp, "Content-Type", content_type);
    return kp_reply_response(r, status, resp, len);
}

enum kp_err kp_reply_static(struct kp_req *r, unsigned status, const char *content_type,
                            const char *data, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
    if (resp != NULL)
        MHD_add_response_header(resp, "Content-Type", content_type);
    return kp_reply_response(r, status, resp, len);
}

static enum kp_err reply_json_typed(struct kp_req *r, unsigned status, json_t *body,
                                    const char *content_type, const char *retry_after,
                                    const char *allow)
{
    /* Reals with 15 significant digits, not jansson's 17: a rate of 0.3
     * prints as 0.3, not 0.29999999999999999, and every number the API
     * rounds (points to hundredths, rates to 10^-9) prints as written. */
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(body);
    if (text == NULL)
        return KP_E_NOMEM;
    size_t len = strlen(text);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(text);
        return KP_E_NOMEM;
    }
    MHD_add_response_header(resp, "Content-Type", content_type);
    if (retry_after)
        MHD_add_response_header(resp, "Retry-After", retry_after);
    if (allow)
        MHD_add_response_header(resp, "Allow", allow);
    return kp_reply_response(r, status, resp, len);
}

enum kp_err kp_reply_json(struct kp_req *r, unsigned status, json_t *body)
{
    return reply_json_typed(r, status, body, "application/json; charset=utf-8", NULL, NULL);
}

static enum kp_err problem_full(struct kp_req *r, enum kp_problem p, const char *detail,
                                json_t *errors, const char *allow, long long retry_after)
{
    const struct kp_problem_info *info = kp_problem_info(p);
    char retry[24];
    if (retry_after <= 0 && info->status == 503)
        retry_after = KP_RETRY_AFTER_S;
    snprintf(retry, sizeof retry, "%lld", retry_after);
    return reply_json_typed(r, info->status, kp_problem_json(p, detail, errors),
                            "application/problem+json; charset=utf-8",
                            retry_after > 0 ? retry : NULL, allow);
}

static enum kp_err problem(struct kp_req *r, enum kp_problem p, const char *detail,
                           json_t *errors, const char *allow)
{
    return problem_full(r, p, detail, errors, allow, 0);
}

enum kp_err kp_reply_problem_retry(struct kp_req *r, enum kp_problem p, const char *detail,
                                   long long seconds)
{
    return problem_full(r, p, detail, NULL, NULL, seconds);
}

enum kp_err kp_reply_problem(struct kp_req *r, enum kp_problem p, const char *detail)
{
    return problem(r, p, detail, NULL, NULL);
}

enum kp_err kp_reply_problem_errors(struct kp_req *r, enum kp_problem p, const char *detail,
                                    json_t *errors)
{
    return problem(r, p, detail, errors, NULL);
}

enum kp_err kp_reply_empty(struct kp_req *r, unsigned status)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    return kp_reply_response(r, status, resp, 0);
}

/* ---- the life cycle ---- */

static void *uri_started(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct kp_server *srv = cls;
    struct kp_conn *tracked = kp_conn_of(conn);
    kp_conn_request_begun(tracked);
    struct kp_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;                     /* on_request answers with MHD's own 500 */
    r->srv = srv;
    r->conn = conn;
    r->tracked = tracked;
    r->started_us = now_us();
    r->metric = KP_METRIC_UNMATCHED;
    r->raw_nul = strcasestr(uri, "%00") != NULL;
    atomic_fetch_add(&srv->inflight, 1);
    return r;
}

static void take_request_id(struct kp_req *r)
{
    const char *id = kp_req_header(r, "X-Request-Id");
    if (id != NULL && kp_reqid_is_sane(id))
        snprintf(r->id, sizeof r->id, "%s", id);
    else
        kp_reqid_new(r->id);
}

/* Decides what can be decided from the headers alone: the route, 404/405,
 * 413 for a declared length over the limit, 415, and whether the caller is
 * admitted (401/403, kp_auth_gate) — all before a byte of the body is read,
 * so that nobody who may not call a route makes us buffer its body.  May
 * queue the answer; MHD then sends it and closes the connection unread. */
static void on_headers(struct kp_req *r)
{
    const struct kp_config *cfg = r->srv->cfg;
    take_request_id(r);
    if (!request_is_text(r))
        return;
    if (r->raw_nul) {
        kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
        return;
    }

    switch (kp_router_match(kp_routes, kp_routes_count, r->method, r->path, &r->match)) {
    case KP_MATCH_OK:
        r->metric = r->match.index;
        break;
    case KP_MATCH_METHOD:
        problem(r, KP_P_METHOD_NOT_ALLOWED, NULL, NULL, r->match.allow);
        return;
    case KP_MATCH_NO_PATH:
        if (strncmp(r->path, "/api/", 5) == 0 || strcmp(r->path, "/api") == 0) {
            kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
            return;
        }
        r->metric = KP_METRIC_STATIC;
        if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
            problem(r, KP_P_METHOD_NOT_ALLOWED, NULL, NULL, "GET, HEAD");
            return;
        }
        break;
    }

    const struct kp_route *route = r->match.route;
    bool stream = route != NULL && (route->flags & KP_ROUTE_STREAM);
    uint64_t declared;
    const char *cl = kp_req_header(r, "Content-Length");
    if (!stream && cl != NULL && kp_parse_content_length(cl, &declared) &&
        declared > cfg->http.max_body) {
        char detail[96];
        snprintf(detail, sizeof detail, "请求体不能超过 %zu 字节", cfg->http.max_body);
        kp_reply_problem(r, KP_P_TOO_LARGE, detail);
        return;
    }

    /* An optional body's Content-Type is checked once the body is in (handle). */
    if (route != NULL && (route->flags & (KP_ROUTE_JSON_BODY | KP_ROUTE_RAW_BODY | KP_ROUTE_STREAM)) &&
        !(route->flags & KP_ROUTE_JSON_OPTIONAL)) {
        const char *accepted = route->media ? route->media : "application/json";
        if (!kp_media_accepts(kp_req_header(r, "Content-Type"), accepted)) {
            char detail[160];
            snprintf(detail, sizeof detail, "Content-Type 应为 %s", accepted);
            kp_reply_problem(r, KP_P_UNSUPPORTED_MEDIA_TYPE, detail);
            return;
        }
    }
    if (route == NULL)
        return;                          /* a static file: anyone may GET it */
    enum kp_err err = KP_OK;
    if (kp_auth_gate(r, route, &r->who, &err) && stream) {   /* else refused, or err set */
        r->stream_begun = true;
        err = route->stream->begin(r);
    }
    if (!r->replied && err)
        kp_reply_error(r, err);
}

static void flush_stream(struct kp_req *r)
{
    r->match.route->stream->flush(r);
}

/* A piece of a stream route's body: what the stream takes at once; when its
 * buffer is full, the flush goes to the pool and MHD presents what is left
 * of the piece again after the resume.  *size: what is left. */
static void take_stream(struct kp_req *r, const char *data, size_t *size)
{
    const struct kp_stream *stream = r->match.route->stream;
    size_t left = r->replied || r->busy ? 0 : *size;     /* refused: drop the rest */
    while (left > 0) {                   /* each round takes bytes, or ends the loop */
        size_t took = stream->take(r, data, left);
        data += took;
        left -= took;
        if (took > 0)
            continue;
        if (!hand_off(r, flush_stream)) {
            r->busy = true;              /* the pool is full (or stopped): 503 at the end */
            left = 0;
        }
        break;
    }
    *size = left;
}

static void take_body(struct kp_req *r, const char *data, size_t *size)
{
    const struct kp_route *route = r->match.route;
    if (route != NULL && (route->flags & KP_ROUTE_STREAM)) {
        take_stream(r, data, size);
        return;
    }
    size_t n = *size;
    *size = 0;
    if (r->replied || r->too_large || route == NULL ||
        !(route->flags & (KP_ROUTE_JSON_BODY | KP_ROUTE_RAW_BODY)))
        return;                                  /* nobody reads it: drop it */
    if (r->body_len + n > r->srv->cfg->http.max_body) {
        r->too_large = true;                     /* chunked: no Content-Length to refuse early */
        free(r->body);
        r->body = NULL;
        r->body_len = 0;
        return;
    }
    if (r->body_len + n > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 1024;
        while (cap < r->body_len + n)
            cap *= 2;
        char *b = realloc(r->body, cap);
        if (b == NULL) {
            r->too_large = true;
            return;
        }
        r->body = b;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
}

/* Runs the handler (the body is in) and makes sure of an answer. */
static void handle(struct kp_req *r)
{
    const struct kp_route *route = r->match.route;
    enum kp_err err = KP_OK;
    if (route == NULL) {
        err = kp_static_serve(r);
    } else if (route->flags & KP_ROUTE_STREAM) {
        err = route->handler(r);                         /* the gate ran before the body */
    } else {                                             /* admitted in on_headers */
        if ((route->flags & KP_ROUTE_JSON_OPTIONAL) && r->body_len > 0 &&
            !kp_media_accepts(kp_req_header(r, "Content-Type"), "application/json")) {
            kp_reply_problem(r, KP_P_UNSUPPORTED_MEDIA_TYPE, "Content-Type 应为 application/json");
            return;
        }
        if ((route->flags & KP_ROUTE_JSON_BODY) && !((route->flags & KP_ROUTE_JSON_OPTIONAL) && r->body_len == 0)) {
            char why[200];
            if (kp_json_parse_body(r->body ? r->body : "", r->body_len, &r->json,
                                   why, sizeof why) != KP_OK) {
                kp_reply_problem(r, KP_P_BAD_JSON, why);
                return;
            }
        }
        err = route->handler(r);
    }
    if (!r->replied)
        kp_reply_error(r, err);
}

/* On the pool.  Past the shutdown grace what still waits is told to come
 * back rather than started. */
static void handle_slow(struct kp_req *r)
{
    if (atomic_load(&r->srv->past_grace))
        kp_reply_problem(r, KP_P_UNAVAILABLE, "服务正在停止，请稍后再试");
    else
        handle(r);
}

/* The body is in: answers here, or hands a slow route to the pool (true). */
static bool dispatch(struct kp_req *r)
{
    const struct kp_route *route = r->match.route;
    if (r->too_large) {
        kp_reply_problem(r, KP_P_TOO_LARGE, NULL);
        return false;
    }
    if (!r->busy && route != NULL && (route->flags & KP_ROUTE_SLOW)) {
        if (hand_off(r, handle_slow))
            return true;
        r->busy = true;
    }
    if (r->busy) {
        kp_reply_problem(r, KP_P_UNAVAILABLE, "服务繁忙，请稍后再试");
        return false;
    }
    handle(r);
    return false;
}

void kp_reply_error(struct kp_req *r, enum kp_err err)
{
    if (err == KP_E_DB_GONE) {
        kp_reply_problem(r, KP_P_UNAVAILABLE, "数据库暂时无法连接");
        return;
    }
    if (err == KP_E_DB_RETRY || err == KP_E_DB_SLOW) {  /* colliding after every retry; too slow */
        kp_reply_problem(r, KP_P_UNAVAILABLE, "服务繁忙，请稍后再试");
        return;
    }
    kp_error("req=%s %s %s: handler failed without answering: %s", r->id, r->method, logged_path(r),
             kp_err_str(err));
    kp_reply_problem(r, KP_P_INTERNAL, NULL);
}

/* Queues the answer kp_reply_response kept.  Without one: go on while the
 * body is to come; once the handler has run, nothing can be said: close. */
static enum MHD_Result queue_answer(struct kp_req *r)
{
    if (r->answer == NULL)
        return r->dispatched ? MHD_NO : MHD_YES;
    enum MHD_Result ok = MHD_queue_response(r->conn, r->answer_status, r->answer);
    MHD_destroy_response(r->answer);
    r->answer = NULL;
    if (ok == MHD_YES) {
        r->status = r->answer_status;
        r->bytes = r->answer_bytes;
    }
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **req_cls)
{
    (void)cls;
    (void)conn;
    (void)version;
    struct kp_req *r = *req_cls;
    if (r == NULL)
        return MHD_NO;                           /* out of memory at uri_started */
    if (!r->headers_seen) {
        r->headers_seen = true;
        r->method = method;
        r->path = url;
        on_headers(r);
        if (r->replied)
            kp_conn_request_in(r->tracked);      /* answered early: nothing more is read */
    } else if (*upload_size != 0) {
        size_t offered = *upload_size;
        take_body(r, upload_data, upload_size);
        /* what was taken: a piece left for after a flush is offered again */
        kp_conn_body_read(r->tracked, offered - *upload_size);
        return MHD_YES;                          /* MHD takes no answer while the body comes */
    } else if (!r->dispatched) {
        kp_conn_request_in(r->tracked);          /* the whole request is in */
        if (!r->replied) {
            r->dispatched = true;
            if (dispatch(r))
                return MHD_YES;                  /* on the pool: MHD calls again after the resume */
        }
    }
    return queue_answer(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct kp_server *srv = cls;
    struct kp_req *r = *req_cls;
    kp_conn_answered(kp_conn_of(conn));
    if (r == NULL)
        return;
    uint64_t us = now_us() - r->started_us;
    /* One line per request: never bodies, cookies, tokens or the query.
     * The route is the template ("GET /applications/{id}"), as in /metrics. */
    char client[64];
    kp_req_client_ip(r, client, sizeof client);
    bool early = toe != MHD_REQUEST_TERMINATED_COMPLETED_OK;
    const struct kp_log_field fields[] = {
        { "req", r->id[0] ? r->id : "-", 0 },
        { "method", r->method ? r->method : "-", 0 },
        { "route", kp_metrics_label(srv->metrics, r->metric), 0 },
        { "path", logged_path(r), 0 },
        { "status", NULL, r->status },
        { "bytes", NULL, (long long)r->bytes },
        { "duration_us", NULL, (long long)us },
        { "client", client, 0 },
        { "closed_early", NULL, early },
    };
    kp_log_fields(KP_LOG_INFO, fields, sizeof fields / sizeof fields[0],
                  "req=%s %s %s %u %lluB %lluus%s", fields[0].str, fields[1].str, fields[3].str,
                  r->status, (unsigned long long)r->bytes, (unsigned long long)us,
                  early ? " (connection closed early)" : "");
    if (r->status != 0)
        kp_metrics_observe(srv->metrics, r->metric, r->status, us);
    if (r->stream_begun)
        r->match.route->stream->end(r);
    if (r->answer != NULL)                       /* kept, never queued: the connection died */
        MHD_destroy_response(r->answer);
    json_decref(r->json);
    free(r->body);
    for (size_t i = 0; i < sizeof r->headers / sizeof r->headers[0]; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    sodium_memzero(&r->who, sizeof r->who);   /* it held the CSRF token */
    free(r);
    *req_cls = NULL;
    atomic_fetch_sub(&srv->inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    kp_warn("http: %s", msg);
}

/* Every connection is a file descriptor; besides them each worker holds a
 * few (epoll, its database connection) and the process some more.  A soft
 * limit below that would turn connections away before max_connections. */
static void fit_descriptor_limit(unsigned connections, unsigned workers)
{
    rlim_t need = (rlim_t)connections + 4 * (rlim_t)workers + 64;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < need)
        kp_warn("http: only %llu file descriptors for http.max_connections = %u; "
                "raise the limit (ulimit -n, systemd LimitNOFILE=)",
                (unsigned long long)rl.rlim_cur, connections);
}

struct kp_httpd *kp_httpd_start(struct kp_server *srv)
{
    const struct kp_config *cfg = srv->cfg;
    struct kp_httpd *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->srv = srv;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned workers = cfg->http.workers ? cfg->http.workers : (unsigned)(cpus > 0 ? cpus : 1);
    unsigned pool_threads = cfg->http.pool_threads ? cfg->http.pool_threads
                                                   : (unsigned)(cpus > 0 ? cpus : 1);
    fit_descriptor_limit(cfg->http.max_connections, workers);
    /* + housekeeping's, + the mail sender's when mail is on */
    srv->db_max = workers + pool_threads + 1 + (cfg->mail.url[0] != '\0');
    h->conns = kp_conns_start(cfg);
    srv->pool = h->conns ? kp_pool_new(pool_threads, cfg->http.pool_queue) : NULL;
    if (srv->pool == NULL) {
        if (h->conns)
            kp_conns_stop(h->conns);
        free(h);
        return NULL;
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (cfg->http.listen_addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,      /* first, so it sees everything */
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&cfg->http.listen_addr,
        MHD_OPTION_THREAD_POOL_SIZE, workers,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->http.timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->http.memory_limit,
        MHD_OPTION_CONNECTION_LIMIT, cfg->http.max_connections,
        MHD_OPTION_URI_LOG_CALLBACK, uri_started, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, kp_conns_notify, h->conns,
        MHD_OPTION_END);
    if (h->daemon == NULL) {
        kp_error("http: cannot listen on %s", cfg->http.listen);
        kp_conns_stop(h->conns);
        kp_pool_free(srv->pool);
        srv->pool = NULL;
        free(h);
        return NULL;
    }
    struct sockaddr_storage bound = cfg->http.listen_addr;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info != NULL) {
        if (bound.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&bound)->sin6_port = htons(info->port);
        else
            ((struct sockaddr_in *)&bound)->sin_port = htons(info->port);
    }
    char where[80];
    kp_addr_format((const struct sockaddr *)&bound, where, sizeof where);
    kp_info("listening on http://%s (%u workers, %u for slow work)", where, workers, pool_threads);
    return h;
}

/* Past the grace nothing in flight is waited for; idle connections are
 * waited for until http.drain_idle (from the same start).  A request that
 * comes on an idle connection meanwhile is answered (Connection: close). */
static bool draining(struct kp_httpd *h, uint64_t grace_end, uint64_t idle_end)
{
    uint64_t now = now_us();
    if (now < grace_end && atomic_load(&h->srv->inflight) > 0)
        return true;
    return now < idle_end && kp_conns_open(h->conns) > 0;
}

void kp_httpd_stop(struct kp_httpd *h)
{
    struct kp_server *srv = h->srv;
    atomic_store(&srv->shutting_down, true);
    MHD_socket listen_fd = MHD_quiesce_daemon(h->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    uint64_t start = now_us();
    uint64_t grace_end = start + (uint64_t)srv->cfg->http.shutdown_grace * 1000000u;
    uint64_t idle_end = start + (uint64_t)srv->cfg->http.drain_idle * 1000000u;
    while (draining(h, grace_end, idle_end)) {
        struct timespec ts = { 0, 10 * 1000000 };
        nanosleep(&ts, NULL);
    }
    uint64_t left = atomic_load(&srv->inflight);
    if (left > 0)
        kp_warn("shutdown: %llu requests still running after %us; closing them",
                (unsigned long long)left, srv->cfg->http.shutdown_grace);
    unsigned idle = kp_conns_open(h->conns);
    if (srv->cfg->http.drain_idle > 0 && idle > 0)
        kp_info("shutdown: closing %u connections their clients kept open past http.drain_idle",
                idle);
    /* Every job placed runs (waiting handlers just answer 503), and each
     * resumes its connection: MHD must not stop with one suspended. */
    atomic_store(&srv->past_grace, true);
    kp_pool_stop(srv->pool);
    MHD_stop_daemon(h->daemon);
    kp_conns_stop(h->conns);             /* every connection is reported closed by now */
    kp_pool_free(srv->pool);
    srv->pool = NULL;
    free(h);
}
