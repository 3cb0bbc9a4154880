/* Liveness and readiness.  /healthz answers while the process serves;
 * /readyz only while the database answers, its schema is the one this
 * build speaks and it is not stopping, so a load balancer sends no traffic
 * to a kpjdd that can't serve it. */

#include "api.h"
#include "migrate.h"

/* GET /healthz */
enum kp_err kp_api_healthz(struct kp_req *r)
{
    return kp_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

struct readiness {
    enum kp_schema_state state;
    char why[256];
};

static enum kp_err check_schema(struct kp_db *db, void *arg)
{
    struct readiness *rd = arg;
    return kp_schema_check(kp_db_conn(db), kp_migrations, kp_migrations_count,
                           &rd->state, rd->why, sizeof rd->why);
}

/* Keeps the answer for /metrics (kpjd_ready), counting changes: a
 * readiness that flaps shows as kpjd_ready_changes_total climbing. */
static void remember(struct kp_server *srv, bool ready)
{
    int was = atomic_exchange(&srv->ready, ready ? 1 : 0);
    if (was >= 0 && was != (ready ? 1 : 0))
        atomic_fetch_add(&srv->ready_changes, 1);
}

/* GET /readyz.  A kpjdd that is stopping is not ready: it answers what
 * comes on the connections it still has, but a load balancer that asks
 * should send the next requests elsewhere. */
enum kp_err kp_api_readyz(struct kp_req *r)
{
    if (atomic_load(&kp_req_server(r)->shutting_down)) {
        remember(kp_req_server(r), false);
        return kp_reply_problem(r, KP_P_UNAVAILABLE, "服务正在停止");
    }
    struct kp_db *db = kp_req_db(r);
    if (db == NULL)
        return KP_E_NOMEM;
    struct readiness rd;
    enum kp_err err = kp_db_tx(db, KP_TX_READ_ONLY, check_schema, &rd);
    remember(kp_req_server(r), err == KP_OK && rd.state == KP_SCHEMA_CURRENT);
    if (err == KP_E_DB_GONE)
        return kp_reply_problem(r, KP_P_UNAVAILABLE, "数据库暂时无法连接");
    if (err)
        return err;
    if (rd.state != KP_SCHEMA_CURRENT) {
        char detail[320];
        snprintf(detail, sizeof detail, "数据库结构不是本版本所需：%s", rd.why);
        return kp_reply_problem(r, KP_P_UNAVAILABLE, detail);
    }
    return kp_reply_json(r, 200, json_pack("{s:s, s:i}", "status", "ok",
                                           "schema_version", (int)kp_migrations_count));
}
