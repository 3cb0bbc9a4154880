/* lib/domain/dashboard: the dashboard statement at the programme's scale.
 * On dashboard_seed.sql (400 recommenders, 100,000 applications, 130,000
 * codes in ten batches), run as the admin and as one
 * recommender more than five times on one kp_db connection (when
 * PostgreSQL may switch to a generic plan), then EXPLAIN ANALYZE EXECUTE
 * of the same prepared statement on batch 1 must read applications and
 * invitations by an index alone (no sequential scan, no heap fetch) and
 * sort nothing on disk; the same with generic plans forced.  Its counts equal independent ones, and
 * the unread count of the header reads its partial index.  Needs
 * PostgreSQL (support/testdb.h). */
#include <check.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dashboard.h"
#include "db.h"
#include "support/testdb.h"
#include "support/unit.h"

static const char *const MIGRATIONS[] = {
    "migrations/0001_regions.sql", "migrations/0002_accounts.sql", "migrations/0003_batches.sql",
    "migrations/0004_attachments.sql", "migrations/0005_least_privilege.sql",
    "migrations/0006_list_indexes.sql", "migrations/0007_list_summaries.sql",
    "migrations/0008_search_trigrams.sql", "migrations/0009_list_names.sql", "migrations/0010_initial_review.sql",
    "migrations/0011_rubric.sql", "migrations/0012_onsite_sample.sql", "migrations/0013_onsite_check.sql",
    "migrations/0014_experts.sql", "migrations/0015_assignments.sql", "migrations/0016_publicity.sql",
    "migrations/0017_bases.sql", "migrations/0018_annual_reports.sql", "migrations/0019_term.sql",
    "migrations/0020_submit_deadline.sql", "migrations/0024_workbench.sql",
};

static void seed(void)
{
    kp_testdb_create();
    free(kp_testdb_sql("DROP SCHEMA public CASCADE"));
    free(kp_testdb_sql("CREATE SCHEMA public"));
    for (size_t i = 0; i < sizeof MIGRATIONS / sizeof *MIGRATIONS; i++)
        kp_testdb_run_file(kp_testdb_owner(), MIGRATIONS[i]);
    /* No autovacuum here: an automatic ANALYZE of any table of this database
     * holds a snapshot that keeps VACUUM from marking the newest pages
     * all-visible, and the planner then prefers the heap to an index-only
     * scan, at random under load. */
    free(kp_testdb_sql("DO $$ DECLARE t regclass; BEGIN"
                       " FOR t IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                       "  WHERE n.nspname = 'public' AND c.relkind = 'r' LOOP"
                       "  EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', t);"
                       " END LOOP; END $$"));
    kp_testdb_run_file(kp_testdb_owner(), "tests/unit/dashboard_seed.sql");
    /* as autovacuum leaves tables that stopped changing: analyzed, and the
     * visibility map set (index-only scans); a worker that started before
     * the switch may still hold a snapshot, so until every page is marked */
    for (int tries = 0;; tries++) {
        free(kp_testdb_sql("VACUUM ANALYZE applications, invitations, notifications, quotas, contacts, recommenders"));
        if (kp_testdb_sql_ll("SELECT count(*) FROM pg_class WHERE relname IN ('applications', 'invitations',"
                             " 'notifications') AND relallvisible < relpages", NULL) == 0)
            break;
        ck_assert_msg(tries < 60, "the visibility map is still not set after 60 VACUUMs");
        sleep(1);
    }
}

/* The admin on batch 1, and recommender 7 on it. */
static const char *const ADMIN[] = { "1", "true" };
static const char *const RECOMMENDER[] = { "1", "false", "7" };

static PGresult *run(struct kp_db *db, const char *const *params)
{
    PGresult *res = NULL;
    const struct kp_stmt *stmt = params == ADMIN ? &kp_dashboard_all : &kp_dashboard_own;
    ck_assert_int_eq(kp_db_read(db, stmt, params, &res), KP_OK);
    return res;
}

/* What is wrong with a plan node and its children: "" when nothing.
 * `indexed`: applications and invitations must be read by an index alone. */
static void check_node(const json_t *node, bool indexed, char *why, size_t size)
{
    const char *type = json_string_value(json_object_get(node, "Node Type"));
    const char *rel = json_string_value(json_object_get(node, "Relation Name"));
    const char *space = json_string_value(json_object_get(node, "Sort Space Type"));
    if (indexed && type && rel && (strcmp(rel, "applications") == 0 || strcmp(rel, "invitations") == 0
                                   || strcmp(rel, "notifications") == 0)
        && strcmp(type, "Index Only Scan") != 0)
        snprintf(why, size, "%s read by a %s", rel, type);
    if (space && strcmp(space, "Disk") == 0)
        snprintf(why, size, "a sort spilled to disk");
    const json_t *plans = json_object_get(node, "Plans");
    for (size_t i = 0; i < json_array_size(plans) && why[0] == '\0'; i++)
        check_node(json_array_get(plans, i), indexed, why, size);
}

/* EXPLAIN (ANALYZE, BUFFERS) of `sql` on `c`: fails on check_node's
 * findings, or when the plan does not name the index `want` (NULL: any);
 * says the execution time and the pages it touched. */
static void explain(PGconn *c, const char *sql, const char *what, bool indexed, const char *want)
{
    char text[512];
    snprintf(text, sizeof text, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) %s", sql);
    PGresult *res = PQexec(c, text);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", text, PQresultErrorMessage(res));
    json_t *plan = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    ck_assert_msg(want == NULL || strstr(PQgetvalue(res, 0, 0), want), "%s: not by %s: %s", what, want,
                  PQgetvalue(res, 0, 0));
    PQclear(res);
    ck_assert_ptr_nonnull(plan);
    const json_t *top = json_array_get(plan, 0);
    const json_t *root = json_object_get(top, "Plan");
    char why[256] = "";
    check_node(root, indexed, why, sizeof why);
    if (why[0] != '\0') {
        char *dump = json_dumps(plan, JSON_INDENT(1));
        fprintf(stderr, "test_dashboard: %s\n", dump ? dump : "");
        free(dump);
    }
    ck_assert_msg(why[0] == '\0', "%s: %s", what, why);
    printf("test_dashboard: %s: %.1f ms, %lld pages\n", what, json_real_value(json_object_get(top, "Execution Time")),
           (long long)(json_integer_value(json_object_get(root, "Shared Hit Blocks"))
                       + json_integer_value(json_object_get(root, "Shared Read Blocks"))));
    json_decref(plan);
}

static void explain_both(struct kp_db *db, const char *how)
{
    char what[64];
    snprintf(what, sizeof what, "admin, %s", how);
    explain(kp_db_conn(db), "EXECUTE dashboard_all('1', 'true')", what, true, NULL);
    snprintf(what, sizeof what, "recommender, %s", how);
    explain(kp_db_conn(db), "EXECUTE dashboard_own('1', 'false', '7')", what, true, NULL);
}

START_TEST(plans_after_many_executions)
{
    struct kp_db *db = kp_testdb_new_db();
    for (int k = 0; k < 7; k++) {
        PQclear(run(db, ADMIN));
        PQclear(run(db, RECOMMENDER));
    }
    explain_both(db, "after 7 runs");
    kp_db_free(db);
    db = kp_testdb_new_db();           /* prepared anew, generic from the start */
    ck_assert_int_eq(kp_db_ensure(db), KP_OK);
    PQclear(PQexec(kp_db_conn(db), "SET plan_cache_mode = force_generic_plan"));
    PQclear(run(db, ADMIN));
    PQclear(run(db, RECOMMENDER));
    explain_both(db, "generic plan");
    kp_db_free(db);
}
END_TEST

static long long count(const char *sql)
{
    return kp_testdb_sql_ll(sql, NULL);
}

static long long value(PGresult *res, int row, int col)
{
    return atoll(PQgetvalue(res, row, col));
}

START_TEST(counts_are_the_rows)
{
    struct kp_db *db = kp_testdb_new_db();
    PGresult *res = run(db, ADMIN);
    ck_assert_int_eq(PQnfields(res), KP_DASH_NCOLUMNS);
    ck_assert_int_eq(PQntuples(res), 400);
    ck_assert_int_eq(value(res, 0, KP_DASH_ROWS), 400);
    /* the sums, each against its own count */
    static const char *const sums[KP_DASHBOARD_NCOUNTS] = {
        "SELECT sum(quota) FROM quotas WHERE batch_id = 1",
        "SELECT count(*) FROM applications WHERE batch_id = 1 AND recommended_at IS NOT NULL",
        "SELECT count(*) FROM invitations WHERE batch_id = 1 AND revoked_at IS NULL",
        "SELECT count(*) FROM invitations WHERE batch_id = 1 AND used_at IS NOT NULL",
        "SELECT count(*) FROM invitations WHERE batch_id = 1 AND used_at IS NULL AND revoked_at IS NULL",
        "SELECT count(*) FROM applications WHERE batch_id = 1 AND status = 'draft'",
        "SELECT count(*) FROM applications WHERE batch_id = 1 AND status = 'submitted'",
        "SELECT count(*) FROM applications WHERE batch_id = 1 AND status = 'returned'",
        "SELECT count(*) FROM applications WHERE batch_id = 1 AND status = 'not_recommended'",
    };
    for (int k = 0; k < KP_DASHBOARD_NCOUNTS; k++)
        ck_assert_msg(value(res, 0, KP_DASH_SUMS + k) == count(sums[k]), "%s", kp_dashboard_counts[k]);
    ck_assert_int_eq(value(res, 0, KP_DASH_FILED_SUM), 200);
    /* each row against its recommender's own counts, ordered by kind then id */
    char prev[32] = "";
    long long prev_id = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *kind = PQgetvalue(res, i, KP_DASH_KIND);
        long long id = value(res, i, KP_DASH_ID);
        int order = strcmp(prev, kind);
        ck_assert(order < 0 || (order == 0 && prev_id < id));
        snprintf(prev, sizeof prev, "%s", kind);
        prev_id = id;
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM applications WHERE batch_id = 1 AND recommender_id = %lld"
                 " AND status = 'submitted'", id);
        ck_assert_int_eq(value(res, i, KP_DASH_QUOTA + 6), count(sql));
        snprintf(sql, sizeof sql, "SELECT count(*) FROM invitations WHERE batch_id = 1 AND recommender_id = %lld"
                 " AND used_at IS NOT NULL", id);
        ck_assert_int_eq(value(res, i, KP_DASH_QUOTA + 3), count(sql));
        ck_assert_str_eq(PQgetvalue(res, i, KP_DASH_FILED), id % 2 == 1 ? "t" : "f");
    }
    PQclear(res);
    /* a recommender: its own row, the sums of that row */
    res = run(db, RECOMMENDER);
    ck_assert_int_eq(PQntuples(res), 1);
    ck_assert_int_eq(value(res, 0, KP_DASH_ID), 7);
    for (int k = 0; k < KP_DASHBOARD_NCOUNTS; k++)
        ck_assert_int_eq(value(res, 0, KP_DASH_SUMS + k), value(res, 0, KP_DASH_QUOTA + k));
    PQclear(res);
    kp_db_free(db);
}
END_TEST

/* The header's count (server/api/notifications.c, UNREAD_COUNT) for a
 * user with 500 notifications, 50 of them unread. */
START_TEST(unread_count_reads_its_index)
{
    long long user = count("SELECT id FROM users WHERE username = 'rec7'");
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM notifications WHERE user_id = %lld AND read_at IS NULL", user);
    ck_assert_int_eq(count(sql), 50);
    explain(kp_testdb_owner(), sql, "unread count", true, "\"notifications_unread\"");
}
END_TEST

int main(void)
{
    if (!kp_testdb_init("dashboard"))
        return EXIT_FAILURE;
    Suite *s = suite_create("dashboard");
    TCase *tc = tcase_create("scale");
    tcase_add_unchecked_fixture(tc, seed, kp_testdb_drop);
    tcase_set_timeout(tc, 280);
    tcase_add_test(tc, plans_after_many_executions);
    tcase_add_test(tc, counts_are_the_rows);
    tcase_add_test(tc, unread_count_reads_its_index);
    suite_add_tcase(s, tc);
    return kp_test_run(s);
}
