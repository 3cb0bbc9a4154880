/* The connection table and its watchdog.
 *
 * libmicrohttpd has no call that closes a connection from outside its own
 * thread, and its timeout (http.timeout) starts again with every byte, so a
 * client that trickles a request never meets it.  So we keep our own entry
 * per connection (MHD_OPTION_NOTIFY_CONNECTION) and a watchdog thread that,
 * a few times a second, calls shutdown(2) on the socket of a connection that
 * must go.  MHD's worker then sees the socket end, closes the connection
 * the usual way (answering nothing; the request was not in) and reports it
 * closed; nothing of MHD's is touched from the watchdog.
 *
 * Why shutdown(2) on a descriptor we do not own is safe: the watchdog only
 * calls it holding the table's mutex, and MHD reports a connection closed
 * (MHD_CONNECTION_NOTIFY_CLOSED, whose callback takes the same mutex and
 * removes the entry) before it close(2)s the socket — in 0.9.75, in
 * MHD_cleanup_connections and on the failure path of new_connection_process_,
 * the only places a started connection's socket is closed.  So while an
 * entry is in the table its descriptor is still that connection's, never a
 * number the kernel has handed to someone else.  The same holds under the
 * thread pool: each worker reports its own connections; the table does not
 * care which.
 *
 * When does a request begin?  MHD tells us when the request line is in
 * (kp_conn_request_begun), but a client may trickle the request line
 * itself.  The kernel counts the bytes it has received on a TCP socket
 * (TCP_INFO's tcpi_bytes_received): the count at the previous answer is the
 * base, and the tick that sees it grow is when the next request began (to
 * within a tick).  Until then the connection is idle, and time spent idle
 * on a keep-alive connection does not count against the next request.
 *
 * The per-address cap (http.max_per_ip) is ours too: MHD's own
 * (MHD_OPTION_PER_IP_CONNECTION_LIMIT) cannot spare an address, and behind
 * a reverse proxy every connection comes from the proxy.  A connection from
 * an address that is not in http.trusted_proxies and already has max_per_ip
 * open is shut down as soon as MHD reports it started, before it is read:
 * MHD then closes it unanswered.  Counting walks the table (the watchdog
 * walks it five times a second anyway): a few microseconds per accept at
 * 1,000 connections. */

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "addr.h"
#include "connlimit.h"
#include "conns.h"
#include "log.h"

/* A tick costs one getsockopt per idle connection, under the table's mutex:
 * about 1.5 ms at 1,000 open connections, 11 ms at 10,000 (measured). */
#define TICK_MS 200

enum phase { IDLE, RECEIVING, ANSWERING };

struct kp_conn {
    struct kp_conns *table;
    struct kp_conn *prev, *next;
    int fd;
    struct sockaddr_storage peer;
    bool capped;             /* counts against http.max_per_ip: not a trusted proxy */
    enum phase phase;
    bool closing;            /* shut down (watchdog, or over the cap); MHD will close it */
    uint64_t since_us;       /* IDLE: accept or last answer; RECEIVING: first byte */
    uint64_t rx_base;        /* IDLE: bytes the kernel had received by then */
    uint64_t body_bytes;     /* RECEIVING: of the body, so far */
    struct kp_conn_rank rank;   /* the watchdog's, for one tick */
};

struct kp_conns {
    struct kp_conn_limits limits;
    unsigned max_per_ip;                 /* 0: no cap */
    struct kp_addr_list trusted_proxies; /* spared the cap */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    struct kp_conn *head;
    unsigned open;                       /* entries in the list */
    struct kp_conn **candidates;   /* max_connections of them: never more are open */
    unsigned refused;              /* over max_per_ip since the watchdog last said so */
    pthread_t thread;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Bytes the kernel has received on the socket; false when it cannot say. */
static bool received_bytes(int fd, uint64_t *bytes)
{
    struct tcp_info info;
    socklen_t len = sizeof info;
    memset(&info, 0, sizeof info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received)
        return false;
    *bytes = info.tcpi_bytes_received;
    return true;
}

/* ---- the connection's own thread ---- */

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    if (a->ss_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
    return false;
}

/* Whether `c`'s address already has max_per_ip connections open.  The
 * table's mutex is held; `c` is not in the table yet. */
static bool over_address_cap(const struct kp_conns *t, const struct kp_conn *c)
{
    if (!c->capped)
        return false;
    unsigned open = 0;
    for (const struct kp_conn *o = t->head; o != NULL; o = o->next)
        if (o->capped && !o->closing && same_address(&o->peer, &c->peer) && ++open >= t->max_per_ip)
            return true;
    return false;
}

/* Shuts the connection down; MHD closes it.  The table's mutex is held. */
static void shut(struct kp_conn *c)
{
    if (shutdown(c->fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
        kp_warn("http: shutdown of a connection failed: %s", strerror(errno));
    c->closing = true;
}

/* Enters `c`, or shuts it down first when its address is over the cap (it
 * stays in the table until MHD reports it closed, like any other). */
static void table_insert(struct kp_conns *t, struct kp_conn *c)
{
    pthread_mutex_lock(&t->lock);
    if (over_address_cap(t, c)) {
        shut(c);
        t->refused++;
    }
    c->next = t->head;
    if (t->head != NULL)
        t->head->prev = c;
    t->head = c;
    t->open++;
    pthread_mutex_unlock(&t->lock);
}

static void table_remove(struct kp_conns *t, struct kp_conn *c)
{
    pthread_mutex_lock(&t->lock);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        t->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    t->open--;
    pthread_mutex_unlock(&t->lock);
}

unsigned kp_conns_open(struct kp_conns *t)
{
    pthread_mutex_lock(&t->lock);
    unsigned n = t->open;
    pthread_mutex_unlock(&t->lock);
    return n;
}

void kp_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode code)
{
    struct kp_conns *t = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct kp_conn *c = *socket_context;
        if (c != NULL) {
            table_remove(t, c);          /* before MHD closes the socket */
            free(c);
            *socket_context = NULL;
        }
        return;
    }
    const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct kp_conn *c = fd != NULL ? calloc(1, sizeof *c) : NULL;
    *socket_context = c;
    if (c == NULL)
        return;                          /* served, but not watched */
    c->table = t;
    c->fd = fd->connect_fd;
    const union MHD_ConnectionInfo *peer = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (peer != NULL && peer->client_addr != NULL) {
        const struct sockaddr *sa = peer->client_addr;
        memcpy(&c->peer, sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                       : sizeof(struct sockaddr_in));
        c->capped = t->max_per_ip > 0 && !kp_addr_list_match(&t->trusted_proxies, sa);
    }
    c->phase = IDLE;
    c->since_us = now_us();
    table_insert(t, c);
}

struct kp_conn *kp_conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

void kp_conn_request_begun(struct kp_conn *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->table->lock);
    if (c->phase == IDLE) {
        c->phase = RECEIVING;
        c->since_us = now_us();
    }
    pthread_mutex_unlock(&c->table->lock);
}

void kp_conn_body_read(struct kp_conn *c, size_t n)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->table->lock);
    c->body_bytes += n;
    pthread_mutex_unlock(&c->table->lock);
}

void kp_conn_request_in(struct kp_conn *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->table->lock);
    c->phase = ANSWERING;
    pthread_mutex_unlock(&c->table->lock);
}

void kp_conn_answered(struct kp_conn *c)
{
    if (c == NULL)
        return;
    uint64_t base = 0;
    bool known = received_bytes(c->fd, &base);   /* our thread: the socket is open */
    pthread_mutex_lock(&c->table->lock);
    c->phase = known ? IDLE : RECEIVING;          /* unknown: the deadline runs from now */
    c->since_us = now_us();
    c->rx_base = base;
    c->body_bytes = 0;
    pthread_mutex_unlock(&c->table->lock);
}

/* ---- the watchdog ---- */

static int by_eviction_order(const void *a, const void *b)
{
    const struct kp_conn *x = *(struct kp_conn *const *)a;
    const struct kp_conn *y = *(struct kp_conn *const *)b;
    if (kp_conn_evict_before(&x->rank, &y->rank))
        return -1;
    return kp_conn_evict_before(&y->rank, &x->rank) ? 1 : 0;
}

/* One pass over the table: idle connections whose next request has begun
 * start their clock; receiving ones past their deadline are closed; then,
 * if too many are open, the first in eviction order.  The mutex is held. */
static void tick(struct kp_conns *t, unsigned *expired, unsigned *evicted, unsigned *open)
{
    uint64_t now = now_us();
    size_t n = 0;
    *expired = *evicted = *open = 0;
    for (struct kp_conn *c = t->head; c != NULL; c = c->next) {
        if (c->closing)
            continue;
        uint64_t bytes;
        if (c->phase == IDLE && (!received_bytes(c->fd, &bytes) || bytes > c->rx_base)) {
            c->phase = RECEIVING;
            c->since_us = now;
        }
        if (c->phase == RECEIVING) {
            uint64_t deadline = kp_conn_deadline_us(&t->limits, c->since_us, c->body_bytes);
            if (now >= deadline) {
                shut(c);
                (*expired)++;
                continue;
            }
            c->rank = (struct kp_conn_rank){ .idle = false, .key_us = deadline };
        } else {
            c->rank = (struct kp_conn_rank){ .idle = true, .key_us = c->since_us };
        }
        (*open)++;
        if (c->phase != ANSWERING && n < t->limits.max_connections)
            t->candidates[n++] = c;
    }
    unsigned excess = kp_conn_excess(&t->limits, *open);
    if (excess == 0)
        return;
    qsort(t->candidates, n, sizeof *t->candidates, by_eviction_order);
    for (size_t i = 0; i < n && i < excess; i++) {
        shut(t->candidates[i]);
        (*evicted)++;
    }
}

static void *watchdog(void *arg)
{
    struct kp_conns *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&t->wake, &t->lock, &until);
        if (t->stopping)
            break;
        unsigned expired, evicted, open;
        tick(t, &expired, &evicted, &open);
        unsigned refused = t->refused;
        t->refused = 0;
        if (refused > 0) {
            pthread_mutex_unlock(&t->lock);
            kp_warn("http: refused %u connections from addresses that had http.max_per_ip (%u) open",
                    refused, t->max_per_ip);
            pthread_mutex_lock(&t->lock);
        }
        if (expired + evicted > 0) {   /* one line per tick, however many */
            pthread_mutex_unlock(&t->lock);
            kp_info("http: closed %u connections whose request was not in by its deadline "
                    "and %u idle or slow ones to keep room for new clients (%u open)",
                    expired, evicted, open - evicted);
            pthread_mutex_lock(&t->lock);
        }
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

struct kp_conns *kp_conns_start(const struct kp_config *cfg)
{
    struct kp_conns *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->limits = (struct kp_conn_limits){
        .request_us = (uint64_t)cfg->http.request_timeout * 1000000u,
        .min_body_rate = cfg->http.min_body_rate,
        .max_connections = cfg->http.max_connections,
    };
    t->max_per_ip = cfg->http.max_per_ip;
    t->trusted_proxies = cfg->http.trusted_proxies;
    t->candidates = calloc(cfg->http.max_connections, sizeof *t->candidates);
    pthread_condattr_t attr;
    bool ok = t->candidates != NULL && pthread_condattr_init(&attr) == 0;
    if (ok) {
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        ok = pthread_cond_init(&t->wake, &attr) == 0;
        pthread_condattr_destroy(&attr);
    }
    if (ok && pthread_mutex_init(&t->lock, NULL) != 0) {
        pthread_cond_destroy(&t->wake);
        ok = false;
    }
    if (ok && pthread_create(&t->thread, NULL, watchdog, t) != 0) {
        pthread_mutex_destroy(&t->lock);
        pthread_cond_destroy(&t->wake);
        ok = false;
    }
    if (!ok) {
        kp_error("http: cannot start the connection watchdog");
        free(t->candidates);
        free(t);
        return NULL;
    }
    return t;
}

void kp_conns_stop(struct kp_conns *t)
{
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->wake);
    free(t->candidates);
    free(t);
}
