/* lib/store/auditlist: the plans of GET /audit's statements hold at
 * 120,000 rows (auditlist_seed.sql).  Every shape's page statement runs
 * more than five times with mixed values on one kp_db connection (when
 * PostgreSQL may switch to its generic plan), then EXPLAIN ANALYZE EXECUTE,
 * page 1 and a deep page, must show no sequential scan of audit_log and no
 * sort spilled to disk; the same again with generic plans forced; and the
 * export's block statements once.  Also the parameter layout, and that a
 * time range (read through another index and sorted) pages exactly as a
 * plain query does.  Needs PostgreSQL (support/testdb.h). */
#include <check.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlist.h"
#include "buf.h"
#include "db.h"
#include "support/testdb.h"
#include "support/unit.h"

static const char *const MIGRATIONS[] = {
    "migrations/0001_regions.sql", "migrations/0002_accounts.sql", "migrations/0003_batches.sql",
    "migrations/0004_attachments.sql", "migrations/0005_least_privilege.sql", "migrations/0006_list_indexes.sql",
    "migrations/0007_list_summaries.sql", "migrations/0008_search_trigrams.sql", "migrations/0009_list_names.sql",
    "migrations/0010_initial_review.sql", "migrations/0011_rubric.sql", "migrations/0012_onsite_sample.sql",
    "migrations/0013_onsite_check.sql", "migrations/0014_experts.sql", "migrations/0022_audit_filters.sql",
};

static void seed(void)
{
    kp_testdb_create();
    free(kp_testdb_sql("DROP SCHEMA public CASCADE"));
    free(kp_testdb_sql("CREATE SCHEMA public"));
    for (size_t i = 0; i < sizeof MIGRATIONS / sizeof *MIGRATIONS; i++)
        kp_testdb_run_file(kp_testdb_owner(), MIGRATIONS[i]);
    kp_testdb_run_file(kp_testdb_owner(), "tests/unit/auditlist_seed.sql");
}

/* The values of round `k`: common and rare in turn. */
static void values_for(int k, unsigned bits, struct kp_auditlist_filters *f)
{
    static const char *const entity[] = { "session", "application", "base" };
    static const char *const entity_id[] = { "7", "12345", "99999" };
    static const char *const actor[] = { "32", "401", "99999" };
    static const char *const action[] = { "application.updated", "session.logout", "base.revoked" };
    static const char *const from[] = { "2025-03-01 00:00:00+08:00", "2026-06-20T00:00:00Z", "2020-01-01 00:00:00+08:00" };
    static const char *const to[] = { "2025-03-02 24:00:00+08:00", "2026-12-31T16:00:00Z", "2025-01-02 00:00:00+08:00" };
    *f = (struct kp_auditlist_filters){
        .entity = bits & 1 ? entity[k % 3] : NULL,
        .entity_id = bits & 2 ? entity_id[k % 3] : NULL,
        .actor_id = bits & 4 ? actor[k % 3] : NULL,
        .action = bits & 8 ? action[k % 3] : NULL,
        .from = bits & 16 ? from[k % 3] : NULL,
        .to = bits & 32 ? to[k % 3] : NULL,
    };
}

struct run {
    const struct kp_stmt *stmt;
    const char *params[KP_AUDITLIST_MAX_PARAMS];
};

static enum kp_err run_tx(struct kp_db *db, void *arg)
{
    struct run *x = arg;
    PGresult *res;
    enum kp_err err = kp_db_exec(db, x->stmt, x->params, &res);
    if (err == KP_OK)
        PQclear(res);
    return err;
}

static void warm(struct kp_db *db, int rounds)
{
    for (int k = 0; k < rounds; k++)
        for (unsigned bits = 0; bits < KP_AUDITLIST_SHAPES; bits++) {
            struct kp_auditlist_filters f;
            values_for(k, bits, &f);
            struct run x = { .stmt = kp_auditlist_page_stmt(kp_auditlist_shape(&f)) };
            kp_auditlist_params(&f, k % 3 == 2 ? "60000" : "9223372036854775807", "51", x.params);
            ck_assert_int_eq(kp_db_tx(db, KP_TX_READ_ONLY, run_tx, &x), KP_OK);
        }
}

static void check_node(const json_t *node, const char *name, char *why, size_t size)
{
    const char *type = json_string_value(json_object_get(node, "Node Type"));
    const char *rel = json_string_value(json_object_get(node, "Relation Name"));
    const char *space = json_string_value(json_object_get(node, "Sort Space Type"));
    if (type && rel && strcmp(type, "Seq Scan") == 0 && strcmp(rel, "audit_log") == 0)
        snprintf(why, size, "%s: a sequential scan of audit_log", name);
    if (space && strcmp(space, "Disk") == 0)
        snprintf(why, size, "%s: a sort spilled to disk", name);
    const json_t *plans = json_object_get(node, "Plans");
    for (size_t i = 0; i < json_array_size(plans) && why[0] == '\0'; i++)
        check_node(json_array_get(plans, i), name, why, size);
}

/* EXPLAIN ANALYZE EXECUTE of the prepared statement; returns its execution
 * time in ms. */
static double explain(struct kp_db *db, const struct kp_stmt *stmt, const char *const *params, int n,
                      const char *page)
{
    ck_assert_int_eq(n, stmt->nparams);
    PGconn *c = kp_db_conn(db);
    char sql[2048];
    int len = snprintf(sql, sizeof sql, "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE %s(", stmt->name);
    for (int i = 0; i < n; i++) {
        char *lit = PQescapeLiteral(c, params[i], strlen(params[i]));
        ck_assert_ptr_nonnull(lit);
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s%s", i ? ", " : "", lit);
        PQfreemem(lit);
    }
    snprintf(sql + len, sizeof sql - (size_t)len, ")");
    PGresult *res = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(res));
    json_t *plan = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    ck_assert_ptr_nonnull(plan);
    char why[256] = "";
    json_t *top = json_array_get(plan, 0);
    check_node(json_object_get(top, "Plan"), stmt->name, why, sizeof why);
    if (why[0] != '\0') {
        char *text = json_dumps(plan, JSON_INDENT(1));
        fprintf(stderr, "test_auditlist: %s\n", text ? text : "");
        free(text);
    }
    ck_assert_msg(why[0] == '\0', "%s (page %s)", why, page);
    double ms = json_real_value(json_object_get(top, "Execution Time"));
    json_decref(plan);
    return ms;
}

static void explain_all(struct kp_db *db, const char *what)
{
    double worst = 0;
    const char *worst_name = "";
    for (unsigned bits = 0; bits < KP_AUDITLIST_SHAPES; bits++) {
        for (int k = 0; k < 3; k++) {
            struct kp_auditlist_filters f;
            values_for(k, bits, &f);
            const char *params[KP_AUDITLIST_MAX_PARAMS];
            for (int deep = 0; deep < 2; deep++) {
                const struct kp_stmt *stmt = kp_auditlist_page_stmt(kp_auditlist_shape(&f));
                int n = kp_auditlist_params(&f, deep ? "60000" : "9223372036854775807", "51", params);
                double ms = explain(db, stmt, params, n, deep ? "deep" : "1");
                if (ms > worst) {
                    worst = ms;
                    worst_name = stmt->name;
                }
            }
            if (k == 0) {
                struct run x = { .stmt = kp_auditlist_block_stmt(kp_auditlist_shape(&f)) };
                int n = kp_auditlist_params(&f, "9223372036854775807", "2000", x.params);
                ck_assert_int_eq(kp_db_tx(db, KP_TX_READ_ONLY, run_tx, &x), KP_OK);   /* prepares it */
                explain(db, x.stmt, x.params, n, "block");
            }
        }
    }
    fprintf(stderr, "test_auditlist: %s: slowest page %.1f ms (%s)\n", what, worst, worst_name);
}

START_TEST(plans_after_many_executions)
{
    struct kp_db *db = kp_testdb_new_db();
    warm(db, 7);
    explain_all(db, "custom or kept plans");
    kp_db_free(db);
}
END_TEST

START_TEST(generic_plans)
{
    struct kp_db *db = kp_testdb_new_db();
    warm(db, 1);
    PQclear(PQexec(kp_db_conn(db), "SET plan_cache_mode = force_generic_plan"));
    explain_all(db, "generic plans");
    kp_db_free(db);
}
END_TEST

/* The ids of a walk page by page (of 50) as "id,id,...", at most `pages`. */
static void walk(struct kp_db *db, const struct kp_auditlist_filters *f, int pages, struct kp_buf *out)
{
    struct run x = { .stmt = kp_auditlist_page_stmt(kp_auditlist_shape(f)) };
    char after[24] = "9223372036854775807";
    for (int page = 0; page < pages; page++) {
        kp_auditlist_params(f, after, "50", x.params);
        PGresult *res;
        ck_assert_int_eq(kp_db_read(db, x.stmt, x.params, &res), KP_OK);
        int n = PQntuples(res);
        for (int i = 0; i < n; i++)
            kp_buf_printf(out, "%s%s", out->len ? "," : "", PQgetvalue(res, i, 0));
        if (n > 0)
            snprintf(after, sizeof after, "%s", PQgetvalue(res, n - 1, 0));
        PQclear(res);
        if (n < 50)
            break;
    }
}

/* A time range, narrow and old (through audit_log_at) or wide (through the
 * window), with and without an action, walked page by page, is exactly
 * what a plain query finds, newest first. */
START_TEST(time_range_pages_as_a_query_does)
{
    static const struct { const char *action, *from, *to, *where; } cases[] = {
        { "session.logout", "2025-03-01 00:00:00+08:00", "2025-03-09 24:00:00+08:00",
          "action = 'session.logout' AND at >= '2025-03-01 00:00:00+08' AND at < '2025-03-10 00:00:00+08'" },
        { NULL, "2025-03-01 00:00:00+08:00", "2025-03-01 18:00:00+08:00",
          "at >= '2025-03-01 00:00:00+08' AND at < '2025-03-01 18:00:00+08'" },
        { "application.updated", "2025-06-01T00:00:00Z", NULL, "action = 'application.updated' AND at >= '2025-06-01Z'" },
        { NULL, NULL, "2026-10-01T00:00:00Z", "at < '2026-10-01Z'" },
    };
    struct kp_db *db = kp_testdb_new_db();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct kp_auditlist_filters f = { .action = cases[i].action, .from = cases[i].from, .to = cases[i].to };
        struct kp_buf got = { 0 };
        walk(db, &f, 6, &got);
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT string_agg(id::text, ',' ORDER BY id DESC) FROM (SELECT id FROM audit_log"
                 " WHERE %s ORDER BY id DESC LIMIT 300) s", cases[i].where);
        char *want = kp_testdb_sql(sql);
        ck_assert_int_gt((int)strlen(want), 100);
        ck_assert_msg(strcmp(got.data, want) == 0, "case %zu: got %.60s, want %.60s", i, got.data, want);
        free(want);
        kp_buf_free(&got);
    }
    kp_db_free(db);
}
END_TEST

START_TEST(params_follow_the_shape)
{
    const struct kp_auditlist_filters f = { .actor_id = "7", .to = "2026-12-07 24:00:00+08:00", .entity = "" };
    const char *p[KP_AUDITLIST_MAX_PARAMS];
    ck_assert_int_eq(kp_auditlist_params(&f, "99", "51", p), 4);
    ck_assert_str_eq(p[0], "99");
    ck_assert_str_eq(p[1], "7");
    ck_assert_str_eq(p[2], "2026-12-07 24:00:00+08:00");
    ck_assert_str_eq(p[3], "51");
    unsigned shape = kp_auditlist_shape(&f);
    ck_assert_uint_eq(shape, 4 | 32);
    ck_assert_int_eq(kp_auditlist_page_stmt(shape)->nparams, 4);
    ck_assert_int_eq(kp_auditlist_block_stmt(shape)->nparams, 4);
    ck_assert_ptr_nonnull(strstr(kp_auditlist_page_stmt(shape)->sql, "win_full"));
    ck_assert_ptr_null(strstr(kp_auditlist_page_stmt(4)->sql, "win_full"));
    ck_assert_ptr_nonnull(strstr(kp_auditlist_block_stmt(shape)->sql, "Asia/Shanghai"));
    ck_assert_str_ne(kp_auditlist_page_stmt(shape)->name, kp_auditlist_block_stmt(shape)->name);
}
END_TEST

int main(void)
{
    if (!kp_testdb_init("auditlist"))
        return EXIT_FAILURE;
    Suite *s = suite_create("auditlist");
    TCase *tc = tcase_create("shapes");
    tcase_add_test(tc, params_follow_the_shape);
    suite_add_tcase(s, tc);
    tc = tcase_create("plans");
    tcase_add_unchecked_fixture(tc, seed, kp_testdb_drop);
    tcase_set_timeout(tc, 280);
    tcase_add_test(tc, plans_after_many_executions);
    tcase_add_test(tc, generic_plans);
    tcase_add_test(tc, time_range_pages_as_a_query_does);
    suite_add_tcase(s, tc);
    return kp_test_run(s);
}
