/* lib/applist: the list statements' plans hold at 100,000 rows.  On a seed
 * of that size (applist_seed.sql), every shape of GET /applications' page
 * statement runs more than five times with mixed values on one kp_db
 * connection (when PostgreSQL may switch a prepared statement to its
 * generic plan), then EXPLAIN ANALYZE EXECUTE of the same prepared
 * statement, page 1 and a deep page, must show no sequential scan of
 * applications and no sort that spilled to disk; and the same again with
 * the generic plans forced.  Needs no timing.  Also the parameter layout
 * per shape, and both orders (newest first, oldest first).  Needs PostgreSQL (support/testdb.h). */
#include <check.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applist.h"
#include "buf.h"
#include "db.h"
#include "support/testdb.h"
#include "support/unit.h"

static const char *const MIGRATIONS[] = {
    "migrations/0001_regions.sql", "migrations/0002_accounts.sql", "migrations/0003_batches.sql",
    "migrations/0004_attachments.sql", "migrations/0005_least_privilege.sql",
    "migrations/0006_list_indexes.sql", "migrations/0007_list_summaries.sql",
    "migrations/0008_search_trigrams.sql", "migrations/0009_list_names.sql", "migrations/0010_initial_review.sql",
    "migrations/0011_rubric.sql", "migrations/0012_onsite_sample.sql", "migrations/0013_onsite_check.sql",
    "migrations/0014_experts.sql", "migrations/0015_assignments.sql",
    /* applications.fast_track, which a page shows (0019 alters bases: 0016, 0017 first) */
    "migrations/0016_publicity.sql", "migrations/0017_bases.sql", "migrations/0019_term.sql",
    "migrations/0021_withdraw_reason.sql",     /* applications.withdraw_reason, which a page shows */
};

static void seed(void)
{
    kp_testdb_create();
    free(kp_testdb_sql("DROP SCHEMA public CASCADE"));
    free(kp_testdb_sql("CREATE SCHEMA public"));
    for (size_t i = 0; i < sizeof MIGRATIONS / sizeof *MIGRATIONS; i++)
        kp_testdb_run_file(kp_testdb_owner(), MIGRATIONS[i]);
    kp_testdb_run_file(kp_testdb_owner(), "tests/unit/applist_seed.sql");
}

/* The values of round `k`: each filter takes turns among common and rare
 * values, so the plans cached along the way have seen both. */
struct values {
    char org[24], after[24], batch[8];
    struct kp_applist_filters f;
};

static void values_for(int k, enum kp_applist_scope scope, unsigned bits, bool deep, struct values *v)
{
    static const char *const status[] = { "submitted", "not_recommended", "draft", "expired" };
    static const char *const category[] = { "venue", "other", "agriculture" };
    static const char *const region[] = { "湖北省", "北京市", "西藏自治区" };
    static const char *const q[] = { "科", "科技", "武汉", "第1008", "天文科普", "第99999科", "馆" };
    snprintf(v->org, sizeof v->org, "%d", scope == KP_APPLIST_RECOMMENDER ? 1 + k % 40 : 1 + k * 7919 % 100000);
    bool oldest = bits & KP_APPLIST_ORDER_BIT;
    snprintf(v->after, sizeof v->after, "%s", deep ? "50000" : oldest ? "0" : "9223372036854775807");
    snprintf(v->batch, sizeof v->batch, "%d", 1 + k % 2);
    v->f = (struct kp_applist_filters){
        .batch = bits & 1 ? v->batch : NULL,
        .status = bits & 2 ? status[k % 4] : NULL,
        .category = bits & 4 ? category[k % 3] : NULL,
        .region = bits & 8 ? region[k % 3] : NULL,
        .q = bits & 16 ? q[k % 7] : NULL,
        .oldest = oldest,
    };
}

static const enum kp_applist_scope SCOPES[] = { KP_APPLIST_ALL, KP_APPLIST_APPLICANT, KP_APPLIST_RECOMMENDER,
                                                 KP_APPLIST_EXPERT };

struct run {
    const struct kp_stmt *stmt;
    const char *params[KP_APPLIST_MAX_PARAMS];
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

/* Runs the page statement of every shape `rounds` times with mixed values. */
static void warm(struct kp_db *db, int rounds)
{
    for (int k = 0; k < rounds; k++)
        for (size_t s = 0; s < sizeof SCOPES / sizeof *SCOPES; s++)
            for (unsigned bits = 0; bits < 2 * KP_APPLIST_ORDER_BIT; bits++) {
                struct values v;
                values_for(k, SCOPES[s], bits, k % 3 == 2, &v);
                struct run x = { .stmt = kp_applist_page_stmt(kp_applist_shape(SCOPES[s], &v.f)) };
                kp_applist_params(SCOPES[s], v.org, &v.f, v.after, "51", x.params);
                ck_assert_int_eq(kp_db_tx(db, KP_TX_READ_ONLY, run_tx, &x), KP_OK);
            }
}

/* What is wrong with a plan node and its children: "" when nothing. */
static void check_node(const json_t *node, const char *shape_name, char *why, size_t size)
{
    const char *type = json_string_value(json_object_get(node, "Node Type"));
    const char *rel = json_string_value(json_object_get(node, "Relation Name"));
    const char *space = json_string_value(json_object_get(node, "Sort Space Type"));
    if (type && rel && strcmp(type, "Seq Scan") == 0 && strcmp(rel, "applications") == 0)
        snprintf(why, size, "%s: a sequential scan of applications", shape_name);
    if (space && strcmp(space, "Disk") == 0)
        snprintf(why, size, "%s: a sort spilled to disk", shape_name);
    const json_t *plans = json_object_get(node, "Plans");
    for (size_t i = 0; i < json_array_size(plans) && why[0] == '\0'; i++)
        check_node(json_array_get(plans, i), shape_name, why, size);
}

/* EXPLAIN ANALYZE EXECUTE of the prepared statement on kp_db's connection. */
static void explain(struct kp_db *db, enum kp_applist_scope scope, unsigned bits, bool deep)
{
    struct values v;
    values_for(3, scope, bits, deep, &v);
    const struct kp_stmt *stmt = kp_applist_page_stmt(kp_applist_shape(scope, &v.f));
    const char *params[KP_APPLIST_MAX_PARAMS];
    int n = kp_applist_params(scope, v.org, &v.f, v.after, "51", params);
    ck_assert_int_eq(n, stmt->nparams);
    PGconn *c = kp_db_conn(db);
    char sql[2048];
    int len = snprintf(sql, sizeof sql, "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE %s(", stmt->name);
    for (int i = 0; i < n; i++) {
        char *lit = params[i] ? PQescapeLiteral(c, params[i], strlen(params[i])) : NULL;
        ck_assert(lit != NULL || params[i] == NULL);
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s%s", i ? ", " : "", lit ? lit : "NULL");
        PQfreemem(lit);
    }
    snprintf(sql + len, sizeof sql - (size_t)len, ")");
    PGresult *res = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(res));
    json_t *plan = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    ck_assert_ptr_nonnull(plan);
    char why[256] = "";
    check_node(json_object_get(json_array_get(plan, 0), "Plan"), stmt->name, why, sizeof why);
    if (why[0] != '\0') {
        char *text = json_dumps(plan, JSON_INDENT(1));
        fprintf(stderr, "test_applist: %s\n", text ? text : "");
        free(text);
    }
    ck_assert_msg(why[0] == '\0', "%s (page %s)", why, deep ? "deep" : "1");
    json_decref(plan);
}

static void explain_all(struct kp_db *db)
{
    for (size_t s = 0; s < sizeof SCOPES / sizeof *SCOPES; s++)
        for (unsigned bits = 0; bits < 2 * KP_APPLIST_ORDER_BIT; bits++) {
            explain(db, SCOPES[s], bits, false);
            explain(db, SCOPES[s], bits, true);
        }
}

START_TEST(plans_after_many_executions)
{
    struct kp_db *db = kp_testdb_new_db();
    warm(db, 7);
    explain_all(db);
    kp_db_free(db);
}
END_TEST

START_TEST(generic_plans)
{
    struct kp_db *db = kp_testdb_new_db();
    warm(db, 1);
    PQclear(PQexec(kp_db_conn(db), "SET plan_cache_mode = force_generic_plan"));
    explain_all(db);
    kp_db_free(db);
}
END_TEST

/* The ids of the first `pages` pages (of 200) of a search as the page
 * statement walks them, written into `out` as "id,id,...". */
static void walk_search(struct kp_db *db, enum kp_applist_scope scope, const char *org, const char *q,
                        const char *status, bool oldest, int pages, struct kp_buf *out)
{
    const struct kp_applist_filters f = { .q = q, .status = status, .oldest = oldest };
    char after[24];
    snprintf(after, sizeof after, "%s", oldest ? "0" : "9223372036854775807");
    struct run x = { .stmt = kp_applist_page_stmt(kp_applist_shape(scope, &f)) };
    for (int page = 0; page < pages; page++) {
        kp_applist_params(scope, org, &f, after, "200", x.params);
        PGresult *res;
        ck_assert_int_eq(kp_db_read(db, x.stmt, x.params, &res), KP_OK);
        int n = PQntuples(res);
        for (int i = 0; i < n; i++)
            kp_buf_printf(out, "%s%s", out->len ? "," : "", PQgetvalue(res, i, 0));
        if (n > 0)
            snprintf(after, sizeof after, "%s", PQgetvalue(res, n - 1, 0));
        PQclear(res);
        if (n < 200)
            break;
    }
}

/* What strpos finds, newest (or oldest) first, as "id,id,...". */
static char *strpos_finds(const char *scope_sql, const char *q, const char *status, bool oldest, int rows)
{
    PGconn *c = kp_testdb_owner();
    char *lit = PQescapeLiteral(c, q, strlen(q));
    char *st = status ? PQescapeLiteral(c, status, strlen(status)) : NULL;
    ck_assert_ptr_nonnull(lit);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(string_agg(id::text, ',' ORDER BY id %s), '') FROM (SELECT id FROM applications"
             " WHERE (strpos(unit_name, %s) > 0 OR strpos(base_name, %s) > 0) AND %s AND status = coalesce(%s, status)"
             " ORDER BY id %s LIMIT %d) s",
             oldest ? "ASC" : "DESC", lit, lit, scope_sql, st ? st : "NULL", oldest ? "ASC" : "DESC", rows);
    PQfreemem(lit);
    PQfreemem(st);
    return kp_testdb_sql(sql);
}

/* The grams: a search of any length, common or rare, through the newest
 * (or oldest) rows or through the index (or both, page after page), finds
 * exactly the names that hold it. */
START_TEST(search_finds_what_strpos_finds)
{
    static const char *const qs[] = {
        "科", "馆", "科技", "第1", "天文", "湖北省", "第1008", "1008科", "天文科普", "第99999科",
        "自然保护区", "基地4217动物科普教育基地", "湖北省第4", "不存在", "第100000青", "2科技馆\n基地4",
    };
    struct kp_db *db = kp_testdb_new_db();
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++)
        for (int variant = 0; variant < 5; variant++) {
            const char *status = variant == 1 ? "not_recommended" : NULL;
            enum kp_applist_scope scope = variant == 2 || variant == 4 ? KP_APPLIST_RECOMMENDER : KP_APPLIST_ALL;
            bool oldest = variant >= 3;
            struct kp_buf got = { 0 };
            walk_search(db, scope, "7", qs[i], status, oldest, 3, &got);
            char *want = strpos_finds(scope == KP_APPLIST_RECOMMENDER ? "recommender_id = 7" : "true", qs[i],
                                      status, oldest, 600);
            ck_assert_msg(strcmp(got.len ? got.data : "", want) == 0, "q=%s variant %d: got %.80s, want %.80s",
                          qs[i], variant, got.len ? got.data : "", want);
            free(want);
            kp_buf_free(&got);
        }
    kp_db_free(db);
}
END_TEST

START_TEST(params_follow_the_shape)
{
    const struct kp_applist_filters f = { .status = "draft", .q = "科技", .region = "" };
    const char *p[KP_APPLIST_MAX_PARAMS];
    ck_assert_int_eq(kp_applist_params(KP_APPLIST_RECOMMENDER, "7", &f, "99", "51", p), 5);
    ck_assert_str_eq(p[0], "7");
    ck_assert_str_eq(p[1], "99");
    ck_assert_str_eq(p[2], "draft");
    ck_assert_str_eq(p[3], "科技");
    ck_assert_str_eq(p[4], "51");
    unsigned shape = kp_applist_shape(KP_APPLIST_RECOMMENDER, &f);
    ck_assert_int_eq(kp_applist_page_stmt(shape)->nparams, 5);
    ck_assert_int_eq(kp_applist_export_ids_stmt(shape)->nparams, 3);
    ck_assert_int_eq(kp_applist_params(KP_APPLIST_NONE, "0", &f, NULL, NULL, p), 2);
    ck_assert_ptr_nonnull(strstr(kp_applist_page_stmt(kp_applist_shape(KP_APPLIST_NONE, &f))->sql, "AND false"));
    ck_assert_str_ne(kp_applist_page_stmt(shape)->name, kp_applist_page_stmt(shape ^ 1)->name);
    const struct kp_applist_filters up = { .status = "draft", .q = "科技", .oldest = true };
    unsigned ascending = kp_applist_shape(KP_APPLIST_RECOMMENDER, &up);
    ck_assert_uint_eq(ascending, shape | KP_APPLIST_ORDER_BIT);
    ck_assert_ptr_nonnull(strstr(kp_applist_page_stmt(ascending)->sql, "a.id > (SELECT $2::bigint)"));
    ck_assert_ptr_null(strstr(kp_applist_page_stmt(ascending)->sql, "DESC"));
    ck_assert_ptr_null(strstr(kp_applist_page_stmt(shape)->sql, "ASC"));
    ck_assert_int_eq(kp_applist_scope_of("expert"), KP_APPLIST_EXPERT);
    ck_assert_int_eq(kp_applist_scope_of("anonymous"), KP_APPLIST_NONE);
    ck_assert_int_eq(kp_applist_scope_of("admin"), KP_APPLIST_ALL);
}
END_TEST

int main(void)
{
    if (!kp_testdb_init("applist"))
        return EXIT_FAILURE;
    Suite *s = suite_create("applist");
    TCase *tc = tcase_create("shapes");
    tcase_add_test(tc, params_follow_the_shape);
    suite_add_tcase(s, tc);
    tc = tcase_create("plans");
    tcase_add_unchecked_fixture(tc, seed, kp_testdb_drop);
    tcase_set_timeout(tc, 280);
    tcase_add_test(tc, plans_after_many_executions);
    tcase_add_test(tc, generic_plans);
    tcase_add_test(tc, search_finds_what_strpos_finds);
    suite_add_tcase(s, tc);
    return kp_test_run(s);
}
