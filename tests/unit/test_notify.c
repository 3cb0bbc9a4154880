/* lib/notify against PostgreSQL: a notification is a row of `notifications`
 * written in the caller's transaction; kp_notify_role writes one per enabled
 * user of a role.
 *
 * Needs KPJD_TEST_PGHOST, KPJD_TEST_PGPORT, KPJD_TEST_PGSUPER and
 * KPJD_TEST_DBUSER like test_db, and fails without them.  Runs
 * migrations/0002_accounts.sql in a fresh database kpjd_unit_notify_<pid>. */
#include <check.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "notify.h"
#include "support/testdb.h"
#include "support/unit.h"

static struct kp_db *db;

static char alice[24], bob[24];

static void notify_setup(void)
{
    kp_testdb_fresh_schema("migrations/0002_accounts.sql");
    /* what the mail side of notify reads (0025_mail.sql's columns) */
    free(kp_testdb_sql("ALTER TABLE users ADD COLUMN email text, "
                       "ADD COLUMN mail_opt_out boolean NOT NULL DEFAULT false"));
    char *id = kp_testdb_sql("INSERT INTO users (username, role, display_name, password_hash) "
                             "VALUES ('alice', 'applicant', '爱丽丝', 'x') RETURNING id");
    snprintf(alice, sizeof alice, "%s", id);
    free(id);
    id = kp_testdb_sql("INSERT INTO users (username, role, display_name, password_hash) "
                       "VALUES ('bob', 'expert', '鲍勃', 'x') RETURNING id");
    snprintf(bob, sizeof bob, "%s", id);
    free(id);
    db = kp_testdb_new_db();
}

static void notify_teardown(void)
{
    kp_db_free(db);
    db = NULL;
}

struct note {
    long long user_id;
    const char *kind, *title, *body;
    json_t *data;
    enum kp_err then;      /* returned after notifying */
};

static enum kp_err notify_fn(struct kp_db *d, void *p)
{
    struct note *n = p;
    enum kp_err err = kp_notify(d, n->user_id, n->kind, n->title, n->body, n->data);
    return err ? err : n->then;
}

static enum kp_err notify(long long user_id, const char *kind, const char *title,
                          const char *body, json_t *data)
{
    struct note n = { user_id, kind, title, body, data, KP_OK };
    return kp_db_tx(db, 0, notify_fn, &n);
}

static long long count_for(const char *user_id)
{
    return kp_testdb_sql_ll("SELECT count(*) FROM notifications WHERE user_id = $1", user_id);
}

START_TEST(inserts_row)
{
    json_t *data = json_pack("{s:i}", "application_id", 7);
    ck_assert_int_eq(notify(atoll(alice), "application.returned", "申请已退回",
                            "请根据专家意见修改后重新提交。", data), KP_OK);
    json_decref(data);
    ck_assert_int_eq(count_for(alice), 1);
    ck_assert_int_eq(count_for(bob), 0);
    PGresult *r = PQexecParams(kp_testdb_owner(),
                               "SELECT kind, title, body, data::text, read_at IS NULL,"
                               "       created_at > now() - interval '1 minute'"
                               "  FROM notifications WHERE user_id = $1", 1, NULL,
                               (const char *const[]){ alice }, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    ck_assert_int_eq(PQntuples(r), 1);
    ck_assert_str_eq(PQgetvalue(r, 0, 0), "application.returned");
    ck_assert_str_eq(PQgetvalue(r, 0, 1), "申请已退回");
    ck_assert_str_eq(PQgetvalue(r, 0, 2), "请根据专家意见修改后重新提交。");
    ck_assert_str_eq(PQgetvalue(r, 0, 3), "{\"application_id\":7}");
    ck_assert_str_eq(PQgetvalue(r, 0, 4), "t");                /* unread */
    ck_assert_str_eq(PQgetvalue(r, 0, 5), "t");
    PQclear(r);
}
END_TEST

START_TEST(null_data_is_empty_object)
{
    ck_assert_int_eq(notify(atoll(bob), "review.assigned", "新的评审任务", "", NULL), KP_OK);
    char *v = kp_testdb_sql1("SELECT data::text FROM notifications WHERE user_id = $1", bob);
    ck_assert_str_eq(v, "{}");
    free(v);
    /* and a NULL body is an empty one */
    ck_assert_int_eq(notify(atoll(bob), "review.reminder", "评审即将截止", NULL, NULL), KP_OK);
    v = kp_testdb_sql1("SELECT body FROM notifications WHERE user_id = $1 AND "
                       "kind = 'review.reminder'", bob);
    ck_assert_str_eq(v, "");
    free(v);
    ck_assert_int_eq(count_for(bob), 2);
}
END_TEST

START_TEST(data_with_chinese)
{
    json_t *data = json_pack("{s:s, s:[i,i]}", "名称", "养老院 \"甲\"", "ids", 1, 2);
    ck_assert_int_eq(notify(atoll(alice), "org.updated", "单位信息已更新", "正文", data), KP_OK);
    json_decref(data);
    PGresult *r = PQexecParams(kp_testdb_owner(),
                               "SELECT data->>'名称', json_array_length(data->'ids') "
                               "FROM notifications WHERE user_id = $1", 1, NULL,
                               (const char *const[]){ alice }, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    ck_assert_str_eq(PQgetvalue(r, 0, 0), "养老院 \"甲\"");
    ck_assert_str_eq(PQgetvalue(r, 0, 1), "2");
    PQclear(r);
}
END_TEST

START_TEST(unknown_user_refused)
{
    json_t *data = json_pack("{s:i}", "application_id", 7);
    ck_assert_int_eq(notify(999999, "application.returned", "申请已退回", "", data), KP_E_DB);
    ck_assert_str_eq(kp_db_last_sqlstate(db), "23503");      /* foreign_key_violation */
    ck_assert_int_eq(notify(0, "application.returned", "申请已退回", "", NULL), KP_E_DB);
    json_decref(data);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT count(*) FROM notifications", NULL), 0);
    /* the connection is fine afterwards */
    ck_assert_int_eq(notify(atoll(alice), "x", "标题", "", NULL), KP_OK);
    ck_assert_int_eq(count_for(alice), 1);
}
END_TEST

START_TEST(in_callers_transaction)
{
    /* the notification goes with the change it announces: rolled back with it */
    struct note n = { atoll(alice), "application.returned", "申请已退回", "", NULL, KP_E_INVAL };
    ck_assert_int_eq(kp_db_tx(db, 0, notify_fn, &n), KP_E_INVAL);
    ck_assert_int_eq(count_for(alice), 0);
    n.then = KP_OK;
    ck_assert_int_eq(kp_db_tx(db, 0, notify_fn, &n), KP_OK);
    ck_assert_int_eq(count_for(alice), 1);
}
END_TEST

struct role_note {
    const char *role;
    json_t *data;
};

static enum kp_err notify_role_fn(struct kp_db *d, void *p)
{
    struct role_note *n = p;
    return kp_notify_role(d, n->role, "batch.opened", "新批次已开放", "请及时提交", n->data);
}

START_TEST(notify_role_reaches_enabled_users_of_the_role)
{
    free(kp_testdb_sql("INSERT INTO users (username, role, display_name, password_hash) VALUES "
                       "('carol', 'expert', '卡罗尔', 'x'), ('dave', 'expert', '戴夫', 'x'), "
                       "('erin', 'admin', '艾琳', 'x')"));
    free(kp_testdb_sql("UPDATE users SET disabled = true WHERE username = 'dave'"));
    json_t *data = json_pack("{s:i}", "batch_id", 4);
    struct role_note n = { "expert", data };
    ck_assert_int_eq(kp_db_tx(db, 0, notify_role_fn, &n), KP_OK);
    json_decref(data);
    char *v = kp_testdb_sql("SELECT string_agg(u.username || ':' || n.kind || ':' || n.title "
                            "|| ':' || n.body || ':' || n.data::text, ',' ORDER BY u.username) "
                            "FROM notifications n JOIN users u ON u.id = n.user_id");
    ck_assert_str_eq(v, "bob:batch.opened:新批次已开放:请及时提交:{\"batch_id\":4},"
                        "carol:batch.opened:新批次已开放:请及时提交:{\"batch_id\":4}");
    free(v);
    /* NULL data is {}; a role nobody has is no error and no row */
    n = (struct role_note){ "admin", NULL };
    ck_assert_int_eq(kp_db_tx(db, 0, notify_role_fn, &n), KP_OK);
    v = kp_testdb_sql("SELECT n.data::text FROM notifications n JOIN users u ON u.id = n.user_id "
                      "WHERE u.username = 'erin'");
    ck_assert_str_eq(v, "{}");
    free(v);
    n = (struct role_note){ "recommender", NULL };
    ck_assert_int_eq(kp_db_tx(db, 0, notify_role_fn, &n), KP_OK);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT count(*) FROM notifications", NULL), 3);
}
END_TEST

struct parties_note {
    const char *applicant, *recommender;
};

static enum kp_err notify_parties_fn(struct kp_db *d, void *p)
{
    struct parties_note *n = p;
    return kp_notify_parties(d, n->applicant, n->recommender, "application.proposed", "列入建议名单", NULL, NULL);
}

/* One statement: the unit's enabled applicant users and its recommender's
 * user, nobody else (not another unit's, not a disabled one, not an expert
 * whose org_id happens to match). */
START_TEST(notify_parties_reaches_the_unit_and_its_recommender)
{
    kp_testdb_run_file(kp_testdb_owner(), "migrations/0001_regions.sql");
    kp_testdb_run_file(kp_testdb_owner(), "migrations/0003_batches.sql");
    free(kp_testdb_sql("INSERT INTO users (username, role, org_id, display_name, password_hash) VALUES "
                       "('u7a', 'applicant', 7, '甲', 'x'), ('u7b', 'applicant', 7, '乙', 'x'), "
                       "('u7off', 'applicant', 7, '停', 'x'), ('u8x', 'applicant', 8, '丙', 'x'), "
                       "('e7x', 'expert', 7, '专家', 'x'), ('rec', 'recommender', 3, '推荐', 'x')"));
    free(kp_testdb_sql("UPDATE users SET disabled = true WHERE username = 'u7off'"));
    free(kp_testdb_sql("INSERT INTO recommenders (id, name, kind, user_id)"
                       " SELECT 3, '推荐单位', 'national_society', id FROM users WHERE username = 'rec'"));
    struct parties_note n = { "7", "3" };
    ck_assert_int_eq(kp_db_tx(db, 0, notify_parties_fn, &n), KP_OK);
    char *v = kp_testdb_sql("SELECT string_agg(u.username || ':' || n.title || ':' || n.data::text, ','"
                            " ORDER BY u.username) FROM notifications n JOIN users u ON u.id = n.user_id");
    ck_assert_str_eq(v, "rec:列入建议名单:{},u7a:列入建议名单:{},u7b:列入建议名单:{}");
    free(v);
}
END_TEST

static Suite *notify_suite(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("notify");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, kp_testdb_create, kp_testdb_drop);
    tcase_add_checked_fixture(tc, notify_setup, notify_teardown);
    tcase_add_test(tc, inserts_row);
    tcase_add_test(tc, null_data_is_empty_object);
    tcase_add_test(tc, data_with_chinese);
    tcase_add_test(tc, unknown_user_refused);
    tcase_add_test(tc, in_callers_transaction);
    tcase_add_test(tc, notify_role_reaches_enabled_users_of_the_role);
    tcase_add_test(tc, notify_parties_reaches_the_unit_and_its_recommender);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!kp_testdb_init("notify"))
        return EXIT_FAILURE;
    return kp_test_run(notify_suite());
}
