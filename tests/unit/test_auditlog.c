/* lib/audit against PostgreSQL: kp_audit_append writes the hash chain that
 * kp_audit_verify recomputes, the stored data is the exact text that was
 * hashed, tampering is found and named, and the table refuses changes.
 * (test_audit.c pins the serialisation itself, without a database.)
 *
 * Signed checkpoints catch what the unkeyed chain cannot: a chain rewritten
 * and re-hashed, and a tail cut off with the head moved back.
 *
 * Needs KPJD_TEST_PGHOST, KPJD_TEST_PGPORT, KPJD_TEST_PGSUPER and
 * KPJD_TEST_DBUSER like test_db, and fails without them.  Runs
 * migrations/0002_accounts.sql and 0005_least_privilege.sql in a fresh
 * database kpjd_unit_auditlog_<pid>. */
#include <check.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "db.h"
#include "signing.h"
#include "support/testdb.h"
#include "support/unit.h"

static struct kp_db *db;

/* The audit trail's migrations in an empty schema, as DBUSER. */
static void apply_0002(void)
{
    kp_testdb_fresh_schema("migrations/0002_accounts.sql");
    kp_testdb_run_file(kp_testdb_owner(), "migrations/0005_least_privilege.sql");
}

/* A signing key made by kp_key_generate in a temporary directory. */
static struct kp_keyring ring;
static char key_dir[64];

static void make_key(void)
{
    snprintf(key_dir, sizeof key_dir, "/tmp/kpjd-unit-auditlog-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(key_dir));
    char path[128], why[256];
    snprintf(path, sizeof path, "%s/signing.key", key_dir);
    struct kp_public_key pub;
    ck_assert_int_eq(kp_key_generate(path, &pub, why, sizeof why), KP_OK);
    ck_assert_int_eq(kp_keyring_load(&ring, path, "", why, sizeof why), KP_OK);
    ck_assert_str_eq(ring.signer.pub.id, pub.id);
    unlink(path);
    strcat(path, ".pub");
    unlink(path);
    rmdir(key_dir);
}

/* The superuser on the test database: what an attacker with the server's
 * disk, or a careless operator, could do. */
static PGconn *root;

static void audit_setup(void)
{
    apply_0002();
    make_key();
    db = kp_testdb_new_db();
    root = kp_testdb_connect(kp_testdb_superuser());
}

static void audit_teardown(void)
{
    kp_keyring_clear(&ring);
    kp_db_free(db);
    db = NULL;
    if (root)
        PQfinish(root);
    root = NULL;
}

/* ---- helpers ---------------------------------------------------------- */

struct append {
    struct kp_actor actor;
    const char *action, *entity, *entity_id;
    json_t *data;
};

struct appends {
    const struct append *list;
    size_t n;
    enum kp_err then;          /* returned after appending */
    int attempts;
    void (*between)(void);     /* run on the first attempt, before appending */
};

static enum kp_err append_fn(struct kp_db *d, void *p)
{
    struct appends *a = p;
    a->attempts++;
    if (a->between && a->attempts == 1) {
        /* take the transaction's snapshot, then let someone else append */
        PGresult *r = PQexec(kp_db_conn(d), "SELECT count(*) FROM audit_log");
        ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
        PQclear(r);
        a->between();
    }
    for (size_t i = 0; i < a->n; i++) {
        const struct append *x = &a->list[i];
        enum kp_err err = kp_audit_append(d, &x->actor, x->action, x->entity, x->entity_id,
                                          x->data);
        if (err)
            return err;
    }
    return a->then;
}

static enum kp_err append_all(const struct append *list, size_t n)
{
    struct appends a = { list, n, KP_OK, 0, NULL };
    return kp_db_tx(db, KP_TX_AUDITED, append_fn, &a);
}

static void append_one(long long user, const char *role, const char *action, const char *entity,
                       const char *entity_id, json_t *data)
{
    const struct append x = { { user, role, "req-1", "10.0.0.7" }, action, entity, entity_id,
                              data };
    ck_assert_int_eq(append_all(&x, 1), KP_OK);
}

static enum kp_err verify_fn(struct kp_db *d, void *p)
{
    return kp_audit_verify(d, &ring, p);
}

static struct kp_audit_verdict verify(void)
{
    struct kp_audit_verdict v;
    memset(&v, 0x5a, sizeof v);
    ck_assert_int_eq(kp_db_tx(db, KP_TX_READ_ONLY, verify_fn, &v), KP_OK);
    return v;
}

static void assert_ok(long long count)
{
    struct kp_audit_verdict v = verify();
    ck_assert_msg(v.ok, "chain broken at %lld", v.first_bad_id);
    ck_assert_int_eq(v.count, count);
    ck_assert_int_eq(v.first_bad_id, 0);
}

static void assert_bad(long long count, long long first_bad_id)
{
    struct kp_audit_verdict v = verify();
    ck_assert_msg(!v.ok, "tampering not found");
    ck_assert_int_eq(v.count, count);
    ck_assert_int_eq(v.first_bad_id, first_bad_id);
}

static char *column(const char *col, long long id)
{
    char text[256], idt[24];
    snprintf(text, sizeof text, "SELECT %s FROM audit_log WHERE id = $1", col);
    snprintf(idt, sizeof idt, "%lld", id);
    return kp_testdb_sql1(text, idt);
}

static long long rows(void)
{
    return kp_testdb_sql_ll("SELECT count(*) FROM audit_log", NULL);
}

/* As the superuser, with the append-only trigger off. */
static void tamper(const char *text)
{
    free(kp_testdb_sql_on(root, "ALTER TABLE audit_log DISABLE TRIGGER USER", NULL));
    free(kp_testdb_sql_on(root, text, NULL));
    free(kp_testdb_sql_on(root, "ALTER TABLE audit_log ENABLE TRIGGER USER", NULL));
}

/* Three rows: ids 1, 2, 3. */
static void three_rows(void)
{
    json_t *d2 = json_pack("{s:s, s:i}", "username", "alice", "attempt", 3);
    json_t *d3 = json_pack("{s:s}", "名称", "养老院");
    const struct append list[] = {
        { { 0, "anonymous", NULL, NULL }, "login.fail", "user", NULL, NULL },
        { { 7, "admin", "req-2", "10.0.0.7" }, "user.create", "user", "8", d2 },
        { { 8, "applicant", "req-3", "::1" }, "org.update", "org", "3", d3 },
    };
    ck_assert_int_eq(append_all(list, 3), KP_OK);
    json_decref(d2);
    json_decref(d3);
    ck_assert_int_eq(rows(), 3);
}

/* ---- appending and verifying ------------------------------------------ */

START_TEST(empty_log_verifies)
{
    assert_ok(0);
}
END_TEST

START_TEST(append_and_verify)
{
    three_rows();
    assert_ok(3);

    /* what was stored, field by field */
    char *v = column("actor_id IS NULL", 1);
    ck_assert_str_eq(v, "t");                  /* user 0: no actor */
    free(v);
    v = column("actor_role || '|' || action || '|' || entity || '|' || "
               "coalesce(entity_id, '-') || '|' || coalesce(request_id, '-') || '|' || "
               "coalesce(ip, '-')", 1);
    ck_assert_str_eq(v, "anonymous|login.fail|user|-|-|-");
    free(v);
    v = column("data::text", 1);
    ck_assert_str_eq(v, "{}");                 /* NULL data is {} */
    free(v);
    v = column("actor_id::text || '|' || actor_role || '|' || entity_id || '|' || request_id "
               "|| '|' || ip", 2);
    ck_assert_str_eq(v, "7|admin|8|req-2|10.0.0.7");
    free(v);

    /* the links: the first row's prev_hash is "", each next one's is the
     * previous hash, and the head holds the last */
    v = column("prev_hash", 1);
    ck_assert_str_eq(v, "");
    free(v);
    char *h1 = column("hash", 1), *h2 = column("hash", 2), *h3 = column("hash", 3);
    char *p2 = column("prev_hash", 2), *p3 = column("prev_hash", 3);
    ck_assert_uint_eq(strlen(h1), 64);
    ck_assert_str_eq(p2, h1);
    ck_assert_str_eq(p3, h2);
    char *head = kp_testdb_sql("SELECT last_hash FROM audit_head");
    ck_assert_str_eq(head, h3);
    ck_assert_str_ne(h1, h2);
    free(h1), free(h2), free(h3), free(p2), free(p3), free(head);

    /* appends in later transactions continue the chain */
    append_one(9, "expert", "review.submit", "review", "12", NULL);
    assert_ok(4);
    /* at is microseconds in UTC, and not in the future */
    v = column("at <= now() AND at > now() - interval '1 minute'", 4);
    ck_assert_str_eq(v, "t");
    free(v);
}
END_TEST

/* The data column is the text that was hashed: compact, keys sorted, UTF-8
 * as is. */
START_TEST(data_stored_byte_for_byte)
{
    json_t *d = json_pack("{s:i, s:s, s:[i,i], s:s, s:{s:b, s:n}, s:s}",
                          "zeta", 1, "alpha", "北京市朝阳区", "mid", 1, 2,
                          "名称", "养老院😀", "obj", "y", 1, "x",
                          "esc", "quote\" back\\ slash/ nl\n tab\t");
    append_one(7, "admin", "batch.create", "batch", "1", d);
    json_decref(d);
    char *v = column("data::text", 1);
    ck_assert_str_eq(v, "{\"alpha\":\"北京市朝阳区\",\"esc\":\"quote\\\" back\\\\ slash/ nl\\n "
                        "tab\\t\",\"mid\":[1,2],\"obj\":{\"x\":null,\"y\":true},\"zeta\":1,"
                        "\"名称\":\"养老院😀\"}");
    free(v);
    assert_ok(1);

    /* the stored hash is the hash of exactly these fields */
    PGresult *r = PQexec(kp_testdb_owner(),
                         "SELECT id, to_char(at AT TIME ZONE 'UTC', "
                         "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor_id, actor_role, action,"
                         " entity, entity_id, data::text, request_id, ip, prev_hash, hash"
                         " FROM audit_log WHERE id = 1");
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    ck_assert_int_eq(PQntuples(r), 1);
    const char *at = PQgetvalue(r, 0, 1);
    ck_assert_uint_eq(strlen(at), 27);
    ck_assert_int_eq(at[26], 'Z');
    struct kp_audit_row row;
    const char **f[] = { &row.id, &row.at, &row.actor_id, &row.actor_role, &row.action,
                         &row.entity, &row.entity_id, &row.data, &row.request_id, &row.ip,
                         &row.prev_hash };
    for (int i = 0; i < 11; i++)
        *f[i] = PQgetisnull(r, 0, i) ? NULL : PQgetvalue(r, 0, i);
    char h[KP_AUDIT_HASH_LEN];
    kp_audit_hash(&row, h);
    ck_assert_str_eq(h, PQgetvalue(r, 0, 11));
    PQclear(r);
}
END_TEST

static enum kp_err fail_after_fn(struct kp_db *d, void *p)
{
    (void)p;
    const struct kp_actor a = { 7, "admin", NULL, NULL };
    enum kp_err err = kp_audit_append(d, &a, "batch.delete", "batch", "1", NULL);
    return err ? err : KP_E_INVAL;
}

START_TEST(rolled_back_append_leaves_nothing)
{
    three_rows();
    char *head = kp_testdb_sql("SELECT last_hash FROM audit_head");
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, fail_after_fn, NULL), KP_E_INVAL);
    ck_assert_int_eq(rows(), 3);
    char *after = kp_testdb_sql("SELECT last_hash FROM audit_head");
    ck_assert_str_eq(after, head);
    free(head);
    free(after);
    /* the id it took is a gap; the chain does not care */
    append_one(7, "admin", "batch.create", "batch", "2", NULL);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT max(id) FROM audit_log", NULL), 5);
    assert_ok(4);
}
END_TEST

static struct kp_db *other;

static void someone_else_appends(void)
{
    const struct append x = { { 3, "recommender", "req-other", NULL }, "other.append", "x", NULL,
                              NULL };
    struct appends a = { &x, 1, KP_OK, 0, NULL };
    ck_assert_int_eq(kp_db_tx(other, KP_TX_AUDITED, append_fn, &a), KP_OK);
}

/* Backends holding the audit turn (lib/store/db.c's session lock 4242018). */
static long long turn_holders(void)
{
    return kp_testdb_sql_ll("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                            " WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = 4242018"
                            "   AND l.granted AND d.datname = current_database()", NULL);
}

static void turn_is_held(void)
{
    ck_assert_int_eq(turn_holders(), 1);
}

/* Appends take turns: the turn is held for the whole transaction and only
 * then, so a second connection's append that follows runs at once, on the
 * newest head, without a retry. */
START_TEST(appends_take_turns)
{
    other = kp_testdb_new_db();
    append_one(1, "admin", "first", "x", NULL, NULL);
    ck_assert_int_eq(turn_holders(), 0);
    const struct append x = { { 7, "admin", "req-mine", NULL }, "mine", "x", NULL, NULL };
    struct appends a = { &x, 1, KP_OK, 0, turn_is_held };
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, append_fn, &a), KP_OK);
    ck_assert_int_eq(a.attempts, 1);
    ck_assert_int_eq(turn_holders(), 0);
    someone_else_appends();
    kp_db_free(other);
    other = NULL;
    ck_assert_int_eq(rows(), 3);
    char *v = kp_testdb_sql("SELECT string_agg(action, ',' ORDER BY id) FROM audit_log");
    ck_assert_str_eq(v, "first,mine,other.append");
    free(v);
    assert_ok(3);
}
END_TEST

/* The turn never outlives its transaction: not after a rollback, nor after
 * the connection died inside the transaction (the retry on a new
 * connection takes it again and gives it back). */
static struct kp_db *victim;

static void kill_my_connection(void)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", PQbackendPID(kp_db_conn(victim)));
    free(kp_testdb_sql(sql));
}

START_TEST(turn_released_on_every_path)
{
    three_rows();
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, fail_after_fn, NULL), KP_E_INVAL);
    ck_assert_int_eq(turn_holders(), 0);
    victim = db;
    const struct append x = { { 7, "admin", "req-killed", NULL }, "after.kill", "x", NULL, NULL };
    struct appends a = { &x, 1, KP_OK, 0, kill_my_connection };
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, append_fn, &a), KP_OK);
    ck_assert_int_eq(a.attempts, 2);
    ck_assert_int_eq(turn_holders(), 0);
    other = kp_testdb_new_db();
    someone_else_appends();              /* would wait for ever on a leaked turn */
    kp_db_free(other);
    other = NULL;
    assert_ok(5);
}
END_TEST

/* Across verify's pages of 1000 rows. */
START_TEST(many_rows)
{
    static struct append list[1001];
    for (size_t i = 0; i < 1001; i++)
        list[i] = (struct append){ { (long long)i % 5, "admin", NULL, NULL }, "bulk", "x", NULL,
                                   NULL };
    ck_assert_int_eq(append_all(list, 1000), KP_OK);
    assert_ok(1000);
    ck_assert_int_eq(append_all(list, 1), KP_OK);
    assert_ok(1001);
    tamper("UPDATE audit_log SET action = 'bulk!' WHERE id = 1001");
    assert_bad(1001, 1001);
    tamper("UPDATE audit_log SET action = 'bulk' WHERE id = 1001");
    assert_ok(1001);
    tamper("UPDATE audit_log SET action = 'bulk!' WHERE id = 1000");
    assert_bad(1001, 1000);
}
END_TEST

/* kp_audit_append_many: the rows of one bulk act (naming a batch), in two
 * round trips, chained in order after what came before and before what
 * comes after; their data as text, byte for byte. */
struct many {
    const char *const *ids;
    const json_t *const *data;
    size_t n;
};

static enum kp_err many_fn(struct kp_db *d, void *p)
{
    const struct many *m = p;
    const struct kp_actor actor = { 7, "admin", "req-many", "10.0.0.8" };
    return kp_audit_append_many(d, &actor, "application.named", "application", m->ids, m->data, m->n);
}

START_TEST(append_many_chains)
{
    append_one(0, "anonymous", "login.fail", "user", NULL, NULL);
    static char idtext[1500][12];
    static const char *ids[1500];
    static const json_t *data[1500];
    json_t *d = json_pack("{s:s, s:s}", "certificate_no", "KPJD-2021-000001", "名称", "养老院\"x\"");
    for (size_t i = 0; i < 1500; i++) {
        snprintf(idtext[i], sizeof idtext[i], "%zu", i + 100);
        ids[i] = idtext[i];
        data[i] = i == 1 ? d : NULL;
    }
    ids[2] = NULL;                                   /* an entity without an id */
    /* round trips counted: one row costs what 1,500 do */
    struct kp_db_stats stats = { 0 };
    const struct kp_db_options opt = { .conninfo = kp_testdb_conninfo(), .connect_timeout = 2,
                                       .tx_retries = 3, .stats = &stats };
    struct kp_db *counted = kp_db_new(&opt);
    struct many m = { ids, data, 1 };
    ck_assert_int_eq(kp_db_tx(counted, KP_TX_AUDITED, many_fn, &m), KP_OK);   /* row 2: connects, prepares */
    uint64_t t0 = atomic_load(&stats.round_trips);
    ck_assert_int_eq(kp_db_tx(counted, KP_TX_AUDITED, many_fn, &m), KP_OK);   /* row 3 */
    uint64_t t1 = atomic_load(&stats.round_trips);
    m.n = 1500;
    ck_assert_int_eq(kp_db_tx(counted, KP_TX_AUDITED, many_fn, &m), KP_OK);   /* rows 4..1503 */
    uint64_t t2 = atomic_load(&stats.round_trips);
    ck_assert_uint_eq(t2 - t1, t1 - t0);
    kp_db_free(counted);
    append_one(9, "expert", "review.submit", "review", "12", NULL);           /* row 1504 */
    assert_ok(1504);
    char *v = column("entity_id || '|' || actor_id || '|' || request_id || '|' || ip || '|' || data::text", 5);
    ck_assert_str_eq(v, "101|7|req-many|10.0.0.8|{\"certificate_no\":\"KPJD-2021-000001\",\"名称\":\"养老院\\\"x\\\"\"}");
    free(v);
    v = column("coalesce(entity_id, '-') || '|' || data::text", 6);
    ck_assert_str_eq(v, "-|{}");
    free(v);
    char *order = kp_testdb_sql("SELECT bool_and(entity_id::int = id + 96) FROM audit_log"
                                " WHERE id >= 4 AND action = 'application.named' AND entity_id IS NOT NULL");
    ck_assert_str_eq(order, "t");
    free(order);
    /* none at all: nothing written */
    m.n = 0;
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, many_fn, &m), KP_OK);
    assert_ok(1504);
    tamper("UPDATE audit_log SET entity_id = '999' WHERE id = 800");
    assert_bad(1504, 800);
    json_decref(d);
}
END_TEST

/* ---- tampering -------------------------------------------------------- */

START_TEST(modified_row_named)
{
    three_rows();
    tamper("UPDATE audit_log SET data = '{\"名称\":\"别的\"}' WHERE id = 3");
    assert_bad(3, 3);
    /* only the first bad row is named, and one bad row does not hide
     * nothing after it: the next ones still link to its stored hash */
    tamper("UPDATE audit_log SET data = '{\"名称\":\"养老院\"}' WHERE id = 3");
    assert_ok(3);
    tamper("UPDATE audit_log SET entity_id = '9' WHERE id = 2");
    assert_bad(3, 2);
}
END_TEST

START_TEST(every_column_counts)
{
    three_rows();
    const char *changes[] = {
        "at = at + interval '1 microsecond'",
        "actor_id = 9",
        "actor_id = NULL",
        "actor_role = 'expert'",
        "action = 'user.delete'",
        "entity = 'org'",
        "entity_id = NULL",
        "data = '{\"attempt\":3,\"username\":\"mallory\"}'",
        "data = '{\"attempt\": 3,\"username\":\"alice\"}'",   /* the same JSON, other text */
        "request_id = NULL",
        "ip = '10.0.0.8'",
        "ip = NULL",
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        free(kp_testdb_sql_on(root, "BEGIN", NULL));
        free(kp_testdb_sql_on(root, "ALTER TABLE audit_log DISABLE TRIGGER USER", NULL));
        char text[256];
        snprintf(text, sizeof text, "UPDATE audit_log SET %s WHERE id = 2", changes[i]);
        free(kp_testdb_sql_on(root, text, NULL));
        free(kp_testdb_sql_on(root, "ALTER TABLE audit_log ENABLE TRIGGER USER", NULL));
        free(kp_testdb_sql_on(root, "COMMIT", NULL));
        struct kp_audit_verdict v = verify();
        ck_assert_msg(!v.ok && v.first_bad_id == 2, "%s: not found (ok %d, bad %lld)", changes[i],
                      v.ok, v.first_bad_id);
        /* undo: a fresh log for the next change */
        kp_db_free(db);
        apply_0002();
        db = kp_testdb_new_db();
        three_rows();
        assert_ok(3);
    }
}
END_TEST

/* Rewriting a row's hash to match its new content moves the break to the
 * next row, whose prev_hash no longer matches. */
START_TEST(rehashed_row_breaks_next)
{
    three_rows();
    PGresult *r = PQexec(kp_testdb_owner(),
                         "SELECT id, to_char(at AT TIME ZONE 'UTC', "
                         "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor_id, actor_role, action,"
                         " entity, entity_id, 'forged'::text, request_id, ip, prev_hash"
                         " FROM audit_log WHERE id = 2");
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    struct kp_audit_row row;
    const char **f[] = { &row.id, &row.at, &row.actor_id, &row.actor_role, &row.action,
                         &row.entity, &row.entity_id, &row.data, &row.request_id, &row.ip,
                         &row.prev_hash };
    for (int i = 0; i < 11; i++)
        *f[i] = PQgetisnull(r, 0, i) ? NULL : PQgetvalue(r, 0, i);
    row.data = "{\"username\":\"mallory\"}";
    char h[KP_AUDIT_HASH_LEN], text[512];
    kp_audit_hash(&row, h);
    PQclear(r);
    snprintf(text, sizeof text, "UPDATE audit_log SET data = '{\"username\":\"mallory\"}', "
                                "hash = '%s' WHERE id = 2", h);
    tamper(text);
    assert_bad(3, 3);
}
END_TEST

START_TEST(removed_rows)
{
    three_rows();
    /* the last one: the head no longer matches, and the new last row is bad */
    tamper("DELETE FROM audit_log WHERE id = 3");
    assert_bad(2, 2);
    /* and after it the one before */
    tamper("DELETE FROM audit_log WHERE id = 2");
    assert_bad(1, 1);
}
END_TEST

START_TEST(removed_all_rows)
{
    three_rows();
    /* an empty log whose head remembers rows is not a fresh log */
    tamper("DELETE FROM audit_log");
    struct kp_audit_verdict v = verify();
    ck_assert_msg(!v.ok, "an emptied log verifies");
    ck_assert_int_eq(v.count, 0);
}
END_TEST

START_TEST(removed_middle_row)
{
    three_rows();
    tamper("DELETE FROM audit_log WHERE id = 2");
    assert_bad(2, 3);
    /* the first row */
    kp_db_free(db);
    apply_0002();
    db = kp_testdb_new_db();
    three_rows();
    tamper("DELETE FROM audit_log WHERE id = 1");
    assert_bad(2, 2);
}
END_TEST

START_TEST(reordered_rows)
{
    three_rows();
    /* rows 2 and 3 swap places (their ids), content and hashes kept */
    tamper("UPDATE audit_log SET id = 100 WHERE id = 2; UPDATE audit_log SET id = 2 WHERE id = 3; "
           "UPDATE audit_log SET id = 3 WHERE id = 100");
    assert_bad(3, 2);
}
END_TEST

START_TEST(head_rewound)
{
    three_rows();
    free(kp_testdb_sql("UPDATE audit_head SET last_hash = "
                       "(SELECT hash FROM audit_log WHERE id = 2)"));
    assert_bad(3, 3);
}
END_TEST

/* ---- signed checkpoints ----------------------------------------------- */

static enum kp_err checkpoint_fn(struct kp_db *d, void *p)
{
    bool made;
    enum kp_err err = kp_checkpoint_make(d, &ring.signer, 0, false, p, &made);
    ck_assert(err || made);
    return err;
}

static struct kp_checkpoint checkpoint(void)
{
    struct kp_checkpoint cp;
    ck_assert_int_eq(kp_db_tx(db, KP_TX_AUDITED, checkpoint_fn, &cp), KP_OK);
    return cp;
}

/* The chain intact, a checkpoint that fails: `problem` says why. */
static void assert_checkpoint_fails(long long count, const char *problem)
{
    struct kp_audit_verdict v = verify();
    ck_assert_msg(!v.ok && !v.checkpoints_ok, "checkpoint did not catch it: %s", v.problem);
    ck_assert_int_eq(v.first_bad_id, 0);              /* the chain itself holds */
    ck_assert_int_eq(v.count, count);
    ck_assert_msg(strstr(v.problem, problem) != NULL, "problem: %s", v.problem);
}

/* As the superuser, who knows the (unkeyed) hash: every hash recomputed
 * from the first row on, and the head moved to the new last one. */
static void rechain(void)
{
    PGresult *r = PQexec(kp_testdb_owner(),
                         "SELECT id, to_char(at AT TIME ZONE 'UTC', "
                         "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor_id, actor_role, action,"
                         " entity, entity_id, data::text, request_id, ip FROM audit_log ORDER BY id");
    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    char prev[KP_AUDIT_HASH_LEN] = "";
    free(kp_testdb_sql_on(root, "ALTER TABLE audit_log DISABLE TRIGGER USER", NULL));
    for (int i = 0; i < PQntuples(r); i++) {
        struct kp_audit_row row;
        const char **f[] = { &row.id, &row.at, &row.actor_id, &row.actor_role, &row.action,
                             &row.entity, &row.entity_id, &row.data, &row.request_id, &row.ip };
        for (int c = 0; c < 10; c++)
            *f[c] = PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
        row.prev_hash = prev;
        char h[KP_AUDIT_HASH_LEN];
        kp_audit_hash(&row, h);
        const char *params[] = { prev, h, row.id };
        PGresult *u = PQexecParams(root, "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3",
                                   3, NULL, params, NULL, NULL, 0);
        ck_assert_int_eq(PQresultStatus(u), PGRES_COMMAND_OK);
        PQclear(u);
        snprintf(prev, sizeof prev, "%s", h);
    }
    free(kp_testdb_sql_on(root, "ALTER TABLE audit_log ENABLE TRIGGER USER", NULL));
    free(kp_testdb_sql_on(root, "UPDATE audit_head SET last_hash = $1,"
                                " last_id = (SELECT coalesce(max(id), 0) FROM audit_log),"
                                " count = (SELECT count(*) FROM audit_log)", prev));
    PQclear(r);
}

START_TEST(checkpoint_signed_and_verified)
{
    struct kp_checkpoint empty = checkpoint();       /* of the empty log */
    ck_assert_int_eq(empty.last_audit_id, 0);
    ck_assert_int_eq(empty.count, 0);
    ck_assert_str_eq(empty.head_hash, "");
    three_rows();
    struct kp_checkpoint cp = checkpoint();
    ck_assert_int_eq(cp.last_audit_id, 3);
    ck_assert_int_eq(cp.count, 3);
    char *head = kp_testdb_sql("SELECT last_hash FROM audit_head");
    ck_assert_str_eq(cp.head_hash, head);
    free(head);
    ck_assert_str_eq(cp.key_id, ring.signer.pub.id);
    /* the signature is Ed25519 over the canonical payload, under the ring's key */
    char *payload = kp_checkpoint_canonical(cp.at, cp.count, cp.head_hash, cp.last_audit_id);
    ck_assert(kp_sign_verify(&ring.keys[0], payload, strlen(payload), cp.signature));
    free(payload);
    append_one(0, "system", "later.row", "x", NULL, NULL);   /* rows after it are fine */
    struct kp_audit_verdict v = verify();
    ck_assert_msg(v.ok && v.checkpoints_ok, "%s", v.problem);
    ck_assert_int_eq(v.checkpoints, 2);
    ck_assert_int_eq(v.count, 4);
    ck_assert_str_eq(v.problem, "");
}
END_TEST

/* Without a checkpoint a re-hashed chain verifies; after one it does not. */
START_TEST(rechained_history_caught)
{
    three_rows();
    tamper("UPDATE audit_log SET data = '{\"username\":\"mallory\"}' WHERE id = 2");
    rechain();
    assert_ok(3);                                     /* the chain alone cannot tell */

    kp_db_free(db);
    apply_0002();
    db = kp_testdb_new_db();
    three_rows();
    checkpoint();
    append_one(0, "system", "later.row", "x", NULL, NULL);
    tamper("UPDATE audit_log SET data = '{\"username\":\"mallory\"}' WHERE id = 2");
    rechain();
    assert_checkpoint_fails(4, "第 3 行的哈希与检查点");
}
END_TEST

START_TEST(truncated_tail_caught)
{
    three_rows();
    checkpoint();
    /* rows 2 and 3 go, and the head is moved back to row 1 */
    tamper("DELETE FROM audit_log WHERE id > 1");
    free(kp_testdb_sql_on(root, "UPDATE audit_head SET last_hash = (SELECT hash FROM audit_log"
                                " WHERE id = 1), last_id = 1, count = 1", NULL));
    assert_checkpoint_fails(1, "日志却止于第 1 行");
}
END_TEST

START_TEST(removed_row_before_checkpoint_caught)
{
    three_rows();
    checkpoint();
    tamper("DELETE FROM audit_log WHERE id = 3");
    rechain();   /* row 2 is now the head, rows 1-2 re-hashed: only the checkpoint knows */
    assert_checkpoint_fails(2, "日志却止于第 2 行");
    /* and a middle row removed, the chain re-hashed: the count gives it away */
    kp_db_free(db);
    apply_0002();
    db = kp_testdb_new_db();
    three_rows();
    checkpoint();
    tamper("DELETE FROM audit_log WHERE id = 2");
    rechain();
    assert_checkpoint_fails(2, "第 3 行的哈希与检查点");
}
END_TEST

START_TEST(forged_or_unknown_checkpoint_caught)
{
    three_rows();
    struct kp_checkpoint cp = checkpoint();
    /* a checkpoint moved back to fit a shorter log: its signature fails */
    char idt[24];
    snprintf(idt, sizeof idt, "%lld", cp.id);
    free(kp_testdb_sql_on(root, "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER", NULL));
    free(kp_testdb_sql_on(root, "UPDATE audit_checkpoints SET count = 2, last_audit_id = 2,"
                                " head_hash = (SELECT hash FROM audit_log WHERE id = 2)"
                                " WHERE id = $1", idt));
    free(kp_testdb_sql_on(root, "ALTER TABLE audit_checkpoints ENABLE TRIGGER USER", NULL));
    assert_checkpoint_fails(3, "签名不符");

    /* a key the server does not know (not configured, nor retired) */
    kp_db_free(db);
    apply_0002();
    db = kp_testdb_new_db();
    three_rows();
    checkpoint();
    struct kp_keyring known = ring;
    kp_keyring_clear(&ring);
    make_key();                     /* the server's key was replaced, the old one not retired */
    assert_checkpoint_fails(3, "未知");
    ring.keys[ring.n++] = known.keys[0];   /* retired: verifies again */
    struct kp_audit_verdict v = verify();
    ck_assert_msg(v.ok, "%s", v.problem);
    kp_keyring_clear(&known);
}
END_TEST

/* The serving role cannot move the head: only a row that extends it may
 * be inserted, and then the trigger moves it. */
START_TEST(insert_must_extend_head)
{
    three_rows();
    PGresult *r = PQexec(kp_testdb_owner(),
                         "INSERT INTO audit_log (id, at, actor_role, action, entity, data, prev_hash, hash)"
                         " VALUES (99, now(), 'system', 'forged', 'x', '{}', 'not-the-head', 'h')");
    ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23514");
    PQclear(r);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT last_id FROM audit_head", NULL), 3);
    ck_assert_int_eq(kp_testdb_sql_ll("SELECT count FROM audit_head", NULL), 3);
    assert_ok(3);
}
END_TEST

/* ---- the table refuses changes ---------------------------------------- */

static const struct kp_stmt UPDATE_ROW = {
    "unit_audit_update", "UPDATE audit_log SET action = 'x' WHERE id = 1", 0 };
static const struct kp_stmt DELETE_ROW = {
    "unit_audit_delete", "DELETE FROM audit_log WHERE id = 3", 0 };
static const struct kp_stmt TRUNCATE = {
    "unit_audit_truncate", "TRUNCATE audit_log", 0 };

static enum kp_err stmt_fn(struct kp_db *d, void *p)
{
    PGresult *r = NULL;
    enum kp_err err = kp_db_exec(d, p, NULL, &r);
    if (err == KP_OK)
        PQclear(r);
    else
        ck_assert_ptr_null(r);
    return err;
}

START_TEST(append_only)
{
    three_rows();
    const struct kp_stmt *stmts[] = { &UPDATE_ROW, &DELETE_ROW, &TRUNCATE };
    for (size_t i = 0; i < 3; i++) {
        ck_assert_msg(kp_db_tx(db, 0, stmt_fn, (void *)stmts[i]) == KP_E_DB, "%s allowed",
                      stmts[i]->sql);
        ck_assert_str_eq(kp_db_last_sqlstate(db), "42501");   /* insufficient_privilege */
    }
    ck_assert_int_eq(rows(), 3);
    char *v = column("action", 1);
    ck_assert_str_eq(v, "login.fail");
    free(v);
    assert_ok(3);
    /* the same for the owner on a plain connection */
    PGresult *r = PQexec(kp_testdb_owner(), "DELETE FROM audit_log");
    ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
    PQclear(r);
    ck_assert_int_eq(rows(), 3);
}
END_TEST

static Suite *auditlog_suite(void)
{
    Suite *s = suite_create("auditlog");
    TCase *tc = tcase_create("auditlog");
    tcase_set_timeout(tc, 100);
    tcase_add_unchecked_fixture(tc, kp_testdb_create, kp_testdb_drop);
    tcase_add_checked_fixture(tc, audit_setup, audit_teardown);
    tcase_add_test(tc, empty_log_verifies);
    tcase_add_test(tc, append_and_verify);
    tcase_add_test(tc, data_stored_byte_for_byte);
    tcase_add_test(tc, rolled_back_append_leaves_nothing);
    tcase_add_test(tc, appends_take_turns);
    tcase_add_test(tc, turn_released_on_every_path);
    tcase_add_test(tc, many_rows);
    tcase_add_test(tc, append_many_chains);
    tcase_add_test(tc, modified_row_named);
    tcase_add_test(tc, every_column_counts);
    tcase_add_test(tc, rehashed_row_breaks_next);
    tcase_add_test(tc, removed_rows);
    tcase_add_test(tc, removed_all_rows);
    tcase_add_test(tc, removed_middle_row);
    tcase_add_test(tc, reordered_rows);
    tcase_add_test(tc, head_rewound);
    tcase_add_test(tc, append_only);
    tcase_add_test(tc, checkpoint_signed_and_verified);
    tcase_add_test(tc, rechained_history_caught);
    tcase_add_test(tc, truncated_tail_caught);
    tcase_add_test(tc, removed_row_before_checkpoint_caught);
    tcase_add_test(tc, forged_or_unknown_checkpoint_caught);
    tcase_add_test(tc, insert_must_extend_head);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!kp_testdb_init("auditlog"))
        return EXIT_FAILURE;
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    return kp_test_run(auditlog_suite());
}
