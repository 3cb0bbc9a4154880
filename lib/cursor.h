/* List paging (API.md: `limit` 1–200, default 50, opaque `cursor`).  A cursor
 * is the keyset position after the last item: a JSON array of the sort key's
 * values, base64url-encoded, so a deep page costs what the first one does. */
#ifndef KP_CURSOR_H
#define KP_CURSOR_H

#include <jansson.h>
#include <stdbool.h>

#include "err.h"

#define KP_PAGE_DEFAULT 50
#define KP_PAGE_MAX     200

struct kp_page {
    int     limit;
    json_t *after;   /* the decoded cursor (an array), or NULL for the first page; owned */
};

/* Parses the query values (either may be NULL).  Field errors ("limit",
 * "cursor") are appended to `errors`; returns KP_E_INVAL if any were. */
enum kp_err kp_page_parse(const char *limit, const char *cursor, struct kp_page *page,
                          json_t *errors);

/* The same for lists keyed by one integer id: a cursor must be [id]. */
enum kp_err kp_page_parse_id(const char *limit, const char *cursor, struct kp_page *page,
                             json_t *errors);

/* The id after which the page starts, or `first` on the first page. */
long long kp_page_after_id(const struct kp_page *page, long long first);

/* The next_cursor of a page keyed by id: a string after `last_id` when
 * there are more rows, else null.  New reference. */
json_t *kp_page_next_id(bool more, long long last_id);

void kp_page_free(struct kp_page *page);

/* Encodes a key array as a cursor.  Caller frees; NULL on failure. */
char *kp_cursor_encode(const json_t *key);

#endif
