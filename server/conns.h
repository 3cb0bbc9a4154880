/* The open connections and their watchdog: closes a connection whose
 * request is not in by its deadline (http.request_timeout, http.min_body_rate)
 * and, when the server nears http.max_connections, the idle and the slowest
 * ones first (lib/http/connlimit.h has the rules); and refuses a connection from
 * an address that has http.max_per_ip open, unless it is one of
 * http.trusted_proxies.  The watchdog is one thread;
 * the connection callbacks run on MHD's worker threads; one mutex covers
 * the table. */
#ifndef KP_CONNS_H
#define KP_CONNS_H

#include <microhttpd.h>
#include <stddef.h>

#include "config.h"

struct kp_conns;
struct kp_conn;

/* Starts the watchdog.  NULL on failure (logged). */
struct kp_conns *kp_conns_start(const struct kp_config *cfg);

/* Stops the watchdog and frees the table; after MHD_stop_daemon, when every
 * connection has been reported closed. */
void kp_conns_stop(struct kp_conns *t);

/* The connections open now (those MHD has reported started and not yet
 * closed). */
unsigned kp_conns_open(struct kp_conns *t);

/* MHD_OPTION_NOTIFY_CONNECTION's callback; `cls` is the table. */
void kp_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode code);

/* The entry of an MHD connection; NULL when it is not tracked (out of
 * memory at accept).  Valid until MHD reports the connection closed.  The
 * functions below take NULL and then do nothing; they are called on the
 * connection's own thread. */
struct kp_conn *kp_conn_of(struct MHD_Connection *conn);

/* The request line is in: the request has begun, if the watchdog has not
 * already seen its first byte. */
void kp_conn_request_begun(struct kp_conn *c);

/* `n` more bytes of the body are in. */
void kp_conn_body_read(struct kp_conn *c, size_t n);

/* The whole request is in, or it was answered before its body was read:
 * no deadline from here on. */
void kp_conn_request_in(struct kp_conn *c);

/* The answer is sent (or the request ended): the connection is idle again. */
void kp_conn_answered(struct kp_conn *c);

#endif
