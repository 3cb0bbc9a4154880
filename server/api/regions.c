/* Province-level regions (DOMAIN.md "Regions"): the 31 provinces and
 * 新疆生产建设兵团.  Public: the registration form needs them before login. */

#include <limits.h>
#include "api.h"
#include "list.h"

static const struct kp_stmt SQL_REGIONS = {
    "regions_list",
    "SELECT code, name FROM regions"
    " WHERE code > $1 AND ($2::text IS NULL OR strpos(name, $2) > 0)"
    " ORDER BY code LIMIT $3",
    3,
};

static json_t *region_json(PGresult *res, int i)
{
    return json_pack("{s:s, s:s}", "code", PQgetvalue(res, i, 0), "name", PQgetvalue(res, i, 1));
}

static enum kp_err fetch(struct kp_db *db, struct kp_list *l)
{
    const char *params[] = { l->after, l->arg, l->limit };
    PGresult *res;
    enum kp_err err = kp_db_exec(db, &SQL_REGIONS, params, &res);
    if (err)
        return err;
    kp_list_take(l, res, region_json);
    PQclear(res);
    return KP_OK;
}

/* GET /api/v1/regions?q&limit&cursor */
enum kp_err kp_api_regions_list(struct kp_req *r)
{
    return kp_list_reply(r, json_array(), 0, KP_TX_READ_ONLY, fetch, (void *)kp_req_query(r, "q"));
}
