/* Lists keyed by one integer id: the handler checks its own filters, the
 * fetch function runs one page's SQL, and kp_list_reply does the rest —
 * limit and cursor (422), the read-only transaction, the next cursor, and
 * {"items","next_cursor"}.  Lists keyed by several values the same way
 * with kp_list_reply_keyed. */
#ifndef KP_LIST_H
#define KP_LIST_H

#include "buf.h"
#include "cursor.h"
#include "server.h"

struct kp_list {
    struct kp_page page;
    void *arg;               /* the handler's filters */
    char after[24];          /* the id to start after, as text for SQL */
    char limit[16];          /* page.limit + 1: one more row says there is a next page */
    json_t *items;           /* filled by kp_list_take */
    struct kp_buf text;      /* or by kp_list_take_text: the items' JSON, comma-separated */
    bool as_text;
    long long last_id;
    json_t *last_key;        /* kp_list_reply_keyed: the last row's key (kp_list_key) */
    bool more;
};

/* Runs one page's statement (binding l->after, l->limit and its filters)
 * and hands the result to kp_list_take.  KP_E_NOT_FOUND answers 404 (the
 * list's parent does not exist or is not visible). */
typedef enum kp_err (*kp_list_fetch)(struct kp_db *db, struct kp_list *l);

/* Takes the page's rows (column 0 is the id) through `row`; clears what an
 * earlier attempt of the transaction took. */
void kp_list_take(struct kp_list *l, PGresult *res, json_t *(*row)(PGresult *res, int i));

/* What most fetch functions do: runs `stmt` with `params` and takes its
 * rows through `row` (kp_list_take). */
enum kp_err kp_list_exec(struct kp_db *db, struct kp_list *l, const struct kp_stmt *stmt,
                         const char *const *params, json_t *(*row)(PGresult *res, int i));

/* Takes the page's rows (column 0 is the id) through `row`, which writes
 * one item's JSON: the answer is then put together as text. */
void kp_list_take_text(struct kp_list *l, PGresult *res,
                       void (*row)(struct kp_buf *b, PGresult *res, int i));

/* kp_list_reply's flag for a fetch that runs one statement through
 * kp_db_read: its own snapshot is consistent, so no transaction (no BEGIN
 * and COMMIT round trips). */
#define KP_LIST_ONE_READ 0x100u

/* `errors` holds the handler's filter errors (stolen; may be empty).
 * `first`: the id before the first row (0 for ascending lists, LLONG_MAX for
 * newest first); `flags`: kp_db_tx's, or KP_LIST_ONE_READ. */
enum kp_err kp_list_reply(struct kp_req *r, json_t *errors, long long first, unsigned flags,
                          kp_list_fetch fetch, void *arg);

/* Lists whose order is a key of several values (a conflict: application,
 * expert, kind): the cursor is the last item's key, a JSON array, and
 * `key_ok` says whether a decoded one is a key of this list (else 422
 * cursor).  The fetch binds l->page.after's values (NULL on the first
 * page) and, after kp_list_take, names the key of the page's last row with
 * kp_list_key when l->more. */
typedef bool (*kp_list_key_ok)(const json_t *key);
enum kp_err kp_list_reply_keyed(struct kp_req *r, json_t *errors, kp_list_key_ok key_ok, unsigned flags,
                                kp_list_fetch fetch, void *arg);

/* The key of the page's last row (stolen; replaces one an earlier attempt
 * of the transaction named). */
void kp_list_key(struct kp_list *l, json_t *key);

#endif
