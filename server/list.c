#include <stdio.h>
#include <stdlib.h>

#include "list.h"

void kp_list_take(struct kp_list *l, PGresult *res, json_t *(*row)(PGresult *res, int i))
{
    json_array_clear(l->items);
    int rows = PQntuples(res);
    l->more = rows > l->page.limit;
    for (int i = 0; i < rows && i < l->page.limit; i++) {
        l->last_id = atoll(PQgetvalue(res, i, 0));
        json_array_append_new(l->items, row(res, i));
    }
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

enum kp_err kp_list_reply(struct kp_req *r, json_t *errors, long long first, unsigned flags,
                          kp_list_fetch fetch, void *arg)
{
    struct kp_list l = { .arg = arg, .items = json_array() };
    if (errors == NULL || l.items == NULL) {
        json_decref(errors);
        json_decref(l.items);
        return KP_E_NOMEM;
    }
    kp_page_parse_id(kp_req_query(r, "limit"), kp_req_query(r, "cursor"), &l.page, errors);
    if (json_array_size(errors) > 0) {
        kp_page_free(&l.page);
        json_decref(l.items);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    json_decref(errors);
    snprintf(l.after, sizeof l.after, "%lld", kp_page_after_id(&l.page, first));
    snprintf(l.limit, sizeof l.limit, "%d", l.page.limit + 1);
    struct kp_db *db = kp_req_db(r);
    struct run x = { &l, fetch };
    enum kp_err err = db ? kp_db_tx(db, flags, run_tx, &x) : KP_E_NOMEM;
    kp_page_free(&l.page);
    if (err) {
        json_decref(l.items);
        return err == KP_E_NOT_FOUND ? kp_reply_problem(r, KP_P_NOT_FOUND, NULL) : err;
    }
    return kp_reply_json(r, 200, json_pack("{s:o, s:o}", "items", l.items, "next_cursor",
                                           kp_page_next_id(l.more, l.last_id)));
}
