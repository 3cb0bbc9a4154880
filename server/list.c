#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "list.h"

/* How many of the rows make the page (one more says there is a next);
 * sets more and last_id. */
static int page_rows(struct kp_list *l, PGresult *res)
{
    int rows = PQntuples(res);
    l->more = rows > l->page.limit;
    if (l->more)
        rows = l->page.limit;
    if (rows > 0)
        l->last_id = atoll(PQgetvalue(res, rows - 1, 0));
    return rows;
}

void kp_list_take(struct kp_list *l, PGresult *res, json_t *(*row)(PGresult *res, int i))
{
    json_array_clear(l->items);
    int rows = page_rows(l, res);
    for (int i = 0; i < rows; i++)
        json_array_append_new(l->items, row(res, i));
}

enum kp_err kp_list_exec(struct kp_db *db, struct kp_list *l, const struct kp_stmt *stmt,
                         const char *const *params, json_t *(*row)(PGresult *res, int i))
{
    PGresult *res;
    enum kp_err err = kp_db_exec(db, stmt, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, row);
    PQclear(res);
    return KP_OK;
}

void kp_list_take_text(struct kp_list *l, PGresult *res,
                       void (*row)(struct kp_buf *b, PGresult *res, int i))
{
    l->as_text = true;
    l->text.len = 0;
    int rows = page_rows(l, res);
    for (int i = 0; i < rows; i++) {
        if (i > 0)
            kp_buf_append(&l->text, ",", 1);
        row(&l->text, res, i);
    }
}

void kp_list_key(struct kp_list *l, json_t *key)
{
    json_decref(l->last_key);
    l->last_key = key;
}

/* The next_cursor: null on the last page (and, as kp_page_next_id's, when
 * out of memory). */
static json_t *next_cursor(const struct kp_list *l)
{
    if (l->last_key == NULL || !l->more)
        return kp_page_next_id(l->more, l->last_id);
    char *cursor = kp_cursor_encode(l->last_key);
    json_t *next = cursor ? json_string(cursor) : NULL;
    free(cursor);
    return next ? next : json_null();
}

/* {"items":[...],"next_cursor":...} from the items' text. */
static enum kp_err reply_text(struct kp_req *r, struct kp_list *l)
{
    json_t *next = next_cursor(l);
    char *cursor = json_dumps(next, JSON_ENCODE_ANY);
    json_decref(next);
    struct kp_buf b = { 0 };
    kp_buf_printf(&b, "{\"items\":[");
    if (l->text.len > 0)
        kp_buf_append(&b, l->text.data, l->text.len);
    kp_buf_printf(&b, "],\"next_cursor\":%s}", cursor ? cursor : "null");
    free(cursor);
    size_t len;
    char *body = l->text.failed ? NULL : kp_buf_take(&b, &len);
    kp_buf_free(&b);
    if (body == NULL)
        return KP_E_NOMEM;
    return kp_reply_data(r, 200, "application/json; charset=utf-8", body, len);
}

struct run {
    struct kp_list *l;
    kp_list_fetch fetch;
};

static enum kp_err run_tx(struct kp_db *db, void *arg)
{
    struct run *x = arg;
    return x->fetch(db, x->l);
}

/* The page after the handler's filters, with either cursor: an id's when
 * key_ok is NULL, else the list's own key. */
static enum kp_err reply(struct kp_req *r, json_t *errors, long long first, kp_list_key_ok key_ok,
                         unsigned flags, kp_list_fetch fetch, void *arg)
{
    struct kp_list l = { .arg = arg, .items = json_array() };
    if (errors == NULL || l.items == NULL) {
        json_decref(errors);
        json_decref(l.items);
        return KP_E_NOMEM;
    }
    const char *limit = kp_req_query(r, "limit"), *cursor = kp_req_query(r, "cursor");
    if (key_ok == NULL) {
        kp_page_parse_id(limit, cursor, &l.page, errors);
    } else if (kp_page_parse(limit, cursor, &l.page, errors) == KP_OK && l.page.after != NULL &&
               !key_ok(l.page.after)) {
        kp_problem_field(errors, "cursor", "invalid", "无效的分页游标");
    }
    if (json_array_size(errors) > 0) {
        kp_page_free(&l.page);
        json_decref(l.items);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    json_decref(errors);
    if (key_ok == NULL)
        snprintf(l.after, sizeof l.after, "%lld", kp_page_after_id(&l.page, first));
    snprintf(l.limit, sizeof l.limit, "%d", l.page.limit + 1);
    struct kp_db *db = kp_req_db(r);
    struct run x = { &l, fetch };
    enum kp_err err = db == NULL                   ? KP_E_NOMEM
                      : (flags & KP_LIST_ONE_READ) ? fetch(db, &l)
                                                   : kp_db_tx(db, flags, run_tx, &x);
    kp_page_free(&l.page);
    /* a keyed list with more rows names the key to go on from */
    assert(err || key_ok == NULL || !l.more || l.last_key != NULL);
    if (err == KP_OK && l.as_text) {
        json_decref(l.items);
        err = reply_text(r, &l);
    } else if (err == KP_OK) {
        err = kp_reply_json(r, 200, json_pack("{s:o, s:o}", "items", l.items, "next_cursor",
                                              next_cursor(&l)));
    } else {
        json_decref(l.items);
        if (err == KP_E_NOT_FOUND)
            err = kp_reply_problem(r, KP_P_NOT_FOUND, NULL);
    }
    kp_buf_free(&l.text);
    json_decref(l.last_key);
    return err;
}

enum kp_err kp_list_reply(struct kp_req *r, json_t *errors, long long first, unsigned flags,
                          kp_list_fetch fetch, void *arg)
{
    return reply(r, errors, first, NULL, flags, fetch, arg);
}

enum kp_err kp_list_reply_keyed(struct kp_req *r, json_t *errors, kp_list_key_ok key_ok, unsigned flags,
                                kp_list_fetch fetch, void *arg)
{
    return reply(r, errors, 0, key_ok, flags, fetch, arg);
}
