/* The HTTP side: libmicrohttpd with an epoll thread pool, the request life
 * cycle (route, limits, body, dispatch, access log) and graceful stop. */
#ifndef KP_HTTPD_H
#define KP_HTTPD_H

#include "server.h"

struct kp_httpd;

/* Starts serving; logs "listening on http://ADDR".  NULL on failure (logged). */
struct kp_httpd *kp_httpd_start(struct kp_server *srv);

/* Stops accepting, lets in-flight requests finish within the configured
 * grace, then closes every connection and joins the workers. */
void kp_httpd_stop(struct kp_httpd *h);

#endif
