/* Socket addresses from configuration text: the listen address and the
 * address lists that guard /metrics. */
#ifndef KP_ADDR_H
#define KP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "err.h"

/* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0" (port 0: the kernel picks).
 * Host names are not resolved: a listen address is a literal. */
enum kp_err kp_addr_parse_listen(const char *text, struct sockaddr_storage *out,
                                 socklen_t *len);

/* Writes "host:port" (IPv6 in brackets) into buf. */
void kp_addr_format(const struct sockaddr *sa, char *buf, size_t n);

#define KP_ADDR_LIST_MAX 32

struct kp_addr_net {
    int family;                /* AF_INET or AF_INET6 */
    unsigned char bytes[16];
    unsigned prefix;           /* bits that must match */
};

struct kp_addr_list {
    size_t n;
    struct kp_addr_net nets[KP_ADDR_LIST_MAX];
};

/* "127.0.0.1 ::1 10.0.0.0/8", separated by spaces or commas.  An empty text
 * gives an empty list (nothing matches). */
enum kp_err kp_addr_list_parse(const char *text, struct kp_addr_list *out);

/* Whether `sa` lies in one of the networks.  An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is matched as the IPv4 address it carries. */
bool kp_addr_list_match(const struct kp_addr_list *list, const struct sockaddr *sa);

/* The client behind trusted proxies: walks an X-Forwarded-For header from
 * the right, passing over the addresses in `trusted` (each proxy appends
 * the address it got the request from), and writes the first other one to
 * out.  false, and nothing written, when an entry is not an IP address or
 * every entry is a trusted proxy: the caller then keeps the peer. */
bool kp_addr_forwarded_client(const char *xff, const struct kp_addr_list *trusted,
                              char *out, size_t n);

#endif
