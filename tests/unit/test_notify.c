/* lib/notify against PostgreSQL: a notification is a row of `notifications`
 * written in the caller's transaction; kp_notify_role writes one per enabled
 * user of a role.
 *
 * Needs KPJD_TEST_PGHOST, KPJD_TEST_PGPORT, KPJD_TEST_PGSUPER and
 * KPJD_TEST_DBUSER like test_db, and fails without them.  Runs
 * migrations/0002_accounts.sql in a fresh database kpjd_unit_notify_<pid>. */
#include <check.h>
#include <jansson.h>
#include <libgen.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "notify.h"

/* ---- a fresh database of our own ------------------------------------- */

static const char *pghost, *pgport, *pgsuper, *dbuser;
static char dbname[64];
static char owner_conninfo[512];
static PGconn *super;          /* superuser, database postgres */
static PGconn *owner;          /* DBUSER, the test database: to look behind kp_db's back */
static struct kp_db *db;

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *connect_to(const char *user, const char *dbn)
{
    const char *keys[] = { "host", "port", "user", "dbname", NULL };
    const char *vals[] = { pghost, pgport, user, dbn, NULL };
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "cannot connect to %s as %s: %s", dbn, user,
                  PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

/* Runs SQL that must succeed, with at most one parameter ($1); returns the
 * first value of the first row, if any and not NULL (caller frees). */
static char *sql1(PGconn *c, const char *text, const char *param)
{
    PGresult *r = param ? PQexecParams(c, text, 1, NULL, &param, NULL, NULL, 0) : PQexec(c, text);
    ExecStatusType st = PQresultStatus(r);
    ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", text,
                  PQresultErrorMessage(r));
    char *v = st == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)
                  ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return v;
}

static char *sql(PGconn *c, const char *text)
{
    return sql1(c, text, NULL);
}

static long long sql_ll(PGconn *c, const char *text, const char *param)
{
    char *v = sql1(c, text, param);
    ck_assert_msg(v != NULL, "%s: no value", text);
    long long n = atoll(v);
    free(v);
    return n;
}

static void drop_database(void)
{
    char *id = PQescapeIdentifier(super, dbname, strlen(dbname));
    char text[256];
    snprintf(text, sizeof text, "DROP DATABASE IF EXISTS %s WITH (FORCE)", id);
    PQfreemem(id);
    free(sql(super, text));
}

/* Unchecked fixture: a fresh database owned by DBUSER. */
static void database_up(void)
{
    super = connect_to(pgsuper, "postgres");
    drop_database();                                  /* a leftover of a crashed run */
    char *dbid = PQescapeIdentifier(super, dbname, strlen(dbname));
    char *role = PQescapeIdentifier(super, dbuser, strlen(dbuser));
    char text[256];
    snprintf(text, sizeof text, "CREATE DATABASE %s OWNER %s", dbid, role);
    PQfreemem(dbid);
    PQfreemem(role);
    free(sql(super, text));
    owner = connect_to(dbuser, dbname);
}

static void database_down(void)
{
    if (owner)
        PQfinish(owner);
    owner = NULL;
    if (super) {
        drop_database();
        PQfinish(super);
    }
    super = NULL;
}

static struct kp_db *new_db(void)
{
    const struct kp_db_options opt = {
        .conninfo = owner_conninfo,
        .connect_timeout = 2,
        .statement_timeout = 10000,
        .tx_retries = 3,
        .stats = NULL,
    };
    struct kp_db *d = kp_db_new(&opt);
    ck_assert_ptr_nonnull(d);
    return d;
}

/* Reads the environment like test_db; false (after saying why) when the
 * test cannot run. */
static bool pg_env(const char *test)
{
    pghost = getenv("KPJD_TEST_PGHOST");
    pgport = getenv("KPJD_TEST_PGPORT");
    pgsuper = getenv("KPJD_TEST_PGSUPER");
    dbuser = getenv("KPJD_TEST_DBUSER");
    if (pghost == NULL || *pghost == '\0') {
        fprintf(stderr, "%s: KPJD_TEST_PGHOST is not set: this test needs a real PostgreSQL "
                        "(run it through `./dev test`, or start one with `./dev db start` and set "
                        "KPJD_TEST_PGHOST, KPJD_TEST_PGPORT, KPJD_TEST_PGSUPER, KPJD_TEST_DBUSER)\n",
                test);
        return false;
    }
    if (pgport == NULL || *pgport == '\0')
        pgport = "5432";
    if (pgsuper == NULL || *pgsuper == '\0')
        pgsuper = "postgres";
    if (dbuser == NULL || *dbuser == '\0')
        dbuser = "kpjd";
    snprintf(dbname, sizeof dbname, "kpjd_unit_%s_%ld", test + 5, (long)getpid());
    /* conninfo quoting: values in single quotes, \ and ' escaped */
    char host_q[300] = "", *q = host_q;
    for (const char *p = pghost; *p && q < host_q + sizeof host_q - 3; p++) {
        if (*p == '\\' || *p == '\'')
            *q++ = '\\';
        *q++ = *p;
    }
    snprintf(owner_conninfo, sizeof owner_conninfo, "host='%s' port='%s' user='%s' dbname='%s'",
             host_q, pgport, dbuser, dbname);
    return true;
}
/* Runs migrations/0002_accounts.sql, read from the source tree, as DBUSER. */
static void apply_0002(void)
{
    char src[] = __FILE__, path[4096];
    snprintf(path, sizeof path, "%s/../../migrations/0002_accounts.sql", dirname(src));
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *text = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            text = realloc(text, cap);
            ck_assert_ptr_nonnull(text);
        }
        size_t n = fread(text + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    text[len] = '\0';
    free(sql(owner, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"));
    free(sql(owner, text));
    free(text);
}

static char alice[24], bob[24];

static void notify_setup(void)
{
    apply_0002();
    char *id = sql(owner, "INSERT INTO users (username, role, display_name, password_hash) "
                          "VALUES ('alice', 'applicant', '爱丽丝', 'x') RETURNING id");
    snprintf(alice, sizeof alice, "%s", id);
    free(id);
    id = sql(owner, "INSERT INTO users (username, role, display_name, password_hash) "
                    "VALUES ('bob', 'expert', '鲍勃', 'x') RETURNING id");
    snprintf(bob, sizeof bob, "%s", id);
    free(id);
    db = new_db();
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
    return sql_ll(owner, "SELECT count(*) FROM notifications WHERE user_id = $1", user_id);
}

START_TEST(inserts_row)
{
    json_t *data = json_pack("{s:i}", "application_id", 7);
    ck_assert_int_eq(notify(atoll(alice), "application.returned", "申请已退回",
                            "请根据专家意见修改后重新提交。", data), KP_OK);
    json_decref(data);
    ck_assert_int_eq(count_for(alice), 1);
    ck_assert_int_eq(count_for(bob), 0);
    PGresult *r = PQexecParams(owner, "SELECT kind, title, body, data::text, read_at IS NULL,"
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
    char *v = sql1(owner, "SELECT data::text FROM notifications WHERE user_id = $1", bob);
    ck_assert_str_eq(v, "{}");
    free(v);
    /* and a NULL body is an empty one */
    ck_assert_int_eq(notify(atoll(bob), "review.reminder", "评审即将截止", NULL, NULL), KP_OK);
    v = sql1(owner, "SELECT body FROM notifications WHERE user_id = $1 AND kind = 'review.reminder'",
             bob);
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
    PGresult *r = PQexecParams(owner, "SELECT data->>'名称', json_array_length(data->'ids') "
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
    ck_assert_int_eq(sql_ll(owner, "SELECT count(*) FROM notifications", NULL), 0);
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
    free(sql(owner, "INSERT INTO users (username, role, display_name, password_hash) VALUES "
                    "('carol', 'expert', '卡罗尔', 'x'), ('dave', 'expert', '戴夫', 'x'), "
                    "('erin', 'admin', '艾琳', 'x')"));
    free(sql(owner, "UPDATE users SET disabled = true WHERE username = 'dave'"));
    json_t *data = json_pack("{s:i}", "batch_id", 4);
    struct role_note n = { "expert", data };
    ck_assert_int_eq(kp_db_tx(db, 0, notify_role_fn, &n), KP_OK);
    json_decref(data);
    char *v = sql(owner, "SELECT string_agg(u.username || ':' || n.kind || ':' || n.title || ':' "
                         "|| n.body || ':' || n.data::text, ',' ORDER BY u.username) "
                         "FROM notifications n JOIN users u ON u.id = n.user_id");
    ck_assert_str_eq(v, "bob:batch.opened:新批次已开放:请及时提交:{\"batch_id\":4},"
                        "carol:batch.opened:新批次已开放:请及时提交:{\"batch_id\":4}");
    free(v);
    /* NULL data is {}; a role nobody has is no error and no row */
    n = (struct role_note){ "admin", NULL };
    ck_assert_int_eq(kp_db_tx(db, 0, notify_role_fn, &n), KP_OK);
    v = sql(owner, "SELECT n.data::text FROM notifications n JOIN users u ON u.id = n.user_id "
                   "WHERE u.username = 'erin'");
    ck_assert_str_eq(v, "{}");
    free(v);
    n = (struct role_note){ "recommender", NULL };
    ck_assert_int_eq(kp_db_tx(db, 0, notify_role_fn, &n), KP_OK);
    ck_assert_int_eq(sql_ll(owner, "SELECT count(*) FROM notifications", NULL), 3);
}
END_TEST

static Suite *notify_suite(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("notify");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, database_up, database_down);
    tcase_add_checked_fixture(tc, notify_setup, notify_teardown);
    tcase_add_test(tc, inserts_row);
    tcase_add_test(tc, null_data_is_empty_object);
    tcase_add_test(tc, data_with_chinese);
    tcase_add_test(tc, unknown_user_refused);
    tcase_add_test(tc, in_callers_transaction);
    tcase_add_test(tc, notify_role_reaches_enabled_users_of_the_role);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!pg_env("test_notify"))
        return EXIT_FAILURE;
    SRunner *sr = srunner_create(notify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
