/* Small HTTP header rules, kept apart from the socket so they can be tested. */
#ifndef KP_HTTPUTIL_H
#define KP_HTTPUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether a Content-Type header names one of `accepted` (space-separated
 * media types).  Case-insensitive, parameters ignored except that a charset,
 * when given, must be utf-8.  NULL content_type: false. */
bool kp_media_accepts(const char *content_type, const char *accepted);

/* Whether an If-None-Match header ("*", or a list of entity tags, weak or
 * strong) matches `etag` (quoted). */
bool kp_etag_matches(const char *if_none_match, const char *etag);

/* The version an If-Match header asks for, where ETags are a quoted
 * version number ("\"7\"" → 7): -1 when the header is absent (NULL) or
 * "*" (any version).  false when it is anything else (a list, a weak tag,
 * a number of more than 18 digits). */
bool kp_if_match_version(const char *if_match, long long *out);
/* Whether an Accept-Encoding header lets a static answer be gzip-coded
 * (RFC 9110 §12.5.3): gzip (or x-gzip, or else "*") with a q above 0 and
 * not below the q that identity is given by name (or through "*").  An
 * element with a malformed q is ignored; codings are case-insensitive.  No
 * header, or an empty one: false, identity. */
bool kp_accepts_gzip(const char *accept_encoding);

/* A Content-Length header's value: digits only, no overflow. */
bool kp_parse_content_length(const char *text, uint64_t *out);

/* The value of cookie `name` in a Cookie header, copied into out (n bytes).
 * false when absent or longer than out. */
bool kp_cookie_get(const char *header, const char *name, char *out, size_t n);

/* The token of an "Authorization: Bearer <token>" header (scheme
 * case-insensitive), or NULL.  Points into `header`. */
const char *kp_bearer_token(const char *header);

/* Whether an Origin header ("https://host:port") names the same host and
 * port as the Host header.  "null" and malformed origins do not. */
bool kp_origin_matches_host(const char *origin, const char *host);

/* Whether one decoded query argument (name and value with their lengths,
 * as the HTTP library hands them; value may be NULL) is text a handler can
 * use: UTF-8 (lib/utf8.h) without a NUL.  When it is not, `field` (n bytes)
 * gets the name to report: the name itself, with any byte that is not part
 * of a printable character percent-encoded. */
bool kp_query_arg_ok(const char *name, size_t name_len, const char *value, size_t value_len,
                     char *field, size_t n);

#endif
