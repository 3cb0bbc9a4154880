/* Province-level regions (DOMAIN.md "Regions"): the 31 provinces and
 * 新疆生产建设兵团.  Public: the registration form needs them before login. */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "cursor.h"

static const struct kp_stmt SQL_REGIONS = {
    "regions_list",
    "SELECT code, name FROM regions"
    " WHERE code > $1 AND ($2::text IS NULL OR strpos(name, $2) > 0)"
    " ORDER BY code LIMIT $3",
    3,
};

struct list {
    const char *q;
    struct kp_page page;
    json_t *items;
    long long last_id;
    bool more;
};

static enum kp_err list_tx(struct kp_db *db, void *arg)
{
    struct list *l = arg;
    char after[24], limit[16];
    snprintf(after, sizeof after, "%lld", kp_page_after_id(&l->page, 0));
    snprintf(limit, sizeof limit, "%d", l->page.limit + 1);   /* one more: is there a next page? */
    const char *params[] = { after, l->q, limit };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_REGIONS, params, &res);
    if (err)
        return err;
    json_array_clear(l->items);
    int rows = PQntuples(res);
    l->more = rows > l->page.limit;
    for (int i = 0; i < rows && i < l->page.limit; i++) {
        json_array_append_new(l->items, json_pack("{s:s, s:s}", "code", PQgetvalue(res, i, 0),
                                                  "name", PQgetvalue(res, i, 1)));
        l->last_id = atoll(PQgetvalue(res, i, 0));
    }
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/regions?q&limit&cursor */
enum kp_err kp_api_regions_list(struct kp_req *r)
{
    struct list l = { .q = kp_req_query(r, "q"), .items = json_array() };
    json_t *errors = json_array();
    if (l.items == NULL || errors == NULL) {
        json_decref(l.items);
        json_decref(errors);
        return KP_E_NOMEM;
    }
    if (kp_page_parse_id(kp_req_query(r, "limit"), kp_req_query(r, "cursor"), &l.page, errors)) {
        kp_page_free(&l.page);
        json_decref(l.items);
        return kp_reply_problem_errors(r, KP_P_VALIDATION, NULL, errors);
    }
    json_decref(errors);
    struct kp_db *db = kp_req_db(r);
    enum kp_err err = db ? kp_db_tx(db, KP_TX_READ_ONLY, list_tx, &l) : KP_E_NOMEM;
    kp_page_free(&l.page);
    if (err) {
        json_decref(l.items);
        return err;
    }
    return kp_reply_json(r, 200, json_pack("{s:o, s:o}", "items", l.items, "next_cursor",
                                           kp_page_next_id(l.more, l.last_id)));
}
