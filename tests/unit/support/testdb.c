#include "testdb.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "unit.h"

static bool ready;                 /* kp_testdb_init succeeded */
static const char *pghost, *pgport, *pgsuper, *dbuser;
static char dbname[64];
static char owner_conninfo[1024];
static PGconn *super;              /* superuser, database postgres */
static PGconn *owner;              /* DBUSER, the test database */

/* conninfo quoting: the value in single quotes, \ and ' escaped */
static void quote(char *out, size_t size, const char *value)
{
    char *q = out, *end = out + size;
    *q++ = '\'';
    for (const char *p = value; *p && q < end - 4; p++) {
        if (*p == '\\' || *p == '\'')
            *q++ = '\\';
        *q++ = *p;
    }
    *q++ = '\'';
    *q = '\0';
}

bool kp_testdb_init(const char *prefix)
{
    pghost = getenv("KPJD_TEST_PGHOST");
    pgport = getenv("KPJD_TEST_PGPORT");
    pgsuper = getenv("KPJD_TEST_PGSUPER");
    dbuser = getenv("KPJD_TEST_DBUSER");
    if (pghost == NULL || *pghost == '\0') {
        fprintf(stderr, "test_%s: KPJD_TEST_PGHOST is not set: this test needs a real PostgreSQL "
                        "(run it through `./dev test`, or start one with `./dev db start` and set "
                        "KPJD_TEST_PGHOST, KPJD_TEST_PGPORT, KPJD_TEST_PGSUPER, KPJD_TEST_DBUSER)\n",
                prefix);
        return false;
    }
    if (pgport == NULL || *pgport == '\0')
        pgport = "5432";
    if (pgsuper == NULL || *pgsuper == '\0')
        pgsuper = "postgres";
    if (dbuser == NULL || *dbuser == '\0')
        dbuser = "kpjd";
    snprintf(dbname, sizeof dbname, "kpjd_unit_%s_%ld", prefix, (long)getpid());
    char host_q[300], port_q[64], user_q[200], db_q[140];
    quote(host_q, sizeof host_q, pghost);
    quote(port_q, sizeof port_q, pgport);
    quote(user_q, sizeof user_q, dbuser);
    quote(db_q, sizeof db_q, dbname);
    snprintf(owner_conninfo, sizeof owner_conninfo, "host=%s port=%s user=%s dbname=%s", host_q,
             port_q, user_q, db_q);
    ready = true;
    return true;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;         /* "table ... does not exist, skipping" */
}

static PGconn *connect_to(const char *user, const char *db)
{
    const char *keys[] = { "host", "port", "user", "dbname", NULL };
    const char *vals[] = { pghost, pgport, user, db, NULL };
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "cannot connect to %s as %s: %s", db, user,
                  PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

char *kp_testdb_sql_on(PGconn *c, const char *text, const char *param)
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

char *kp_testdb_sql(const char *text)
{
    return kp_testdb_sql_on(owner, text, NULL);
}

char *kp_testdb_sql1(const char *text, const char *param)
{
    return kp_testdb_sql_on(owner, text, param);
}

long long kp_testdb_sql_ll(const char *text, const char *param)
{
    char *v = kp_testdb_sql_on(owner, text, param);
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
    free(kp_testdb_sql_on(super, text, NULL));
}

void kp_testdb_create(void)
{
    ck_assert_msg(ready, "kp_testdb_create before kp_testdb_init");
    super = connect_to(pgsuper, "postgres");
    drop_database();                                  /* a leftover of a crashed run */
    char *db = PQescapeIdentifier(super, dbname, strlen(dbname));
    char *role = PQescapeIdentifier(super, dbuser, strlen(dbuser));
    char text[256];
    snprintf(text, sizeof text, "CREATE DATABASE %s OWNER %s", db, role);
    PQfreemem(db);
    PQfreemem(role);
    free(kp_testdb_sql_on(super, text, NULL));
    owner = connect_to(dbuser, dbname);
}

void kp_testdb_drop(void)
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

const char *kp_testdb_name(void)
{
    return dbname;
}

const char *kp_testdb_user(void)
{
    return dbuser;
}

const char *kp_testdb_superuser(void)
{
    return pgsuper;
}

const char *kp_testdb_conninfo(void)
{
    return owner_conninfo;
}

PGconn *kp_testdb_owner(void)
{
    return owner;
}

PGconn *kp_testdb_super(void)
{
    return super;
}

PGconn *kp_testdb_connect(const char *user)
{
    return connect_to(user, dbname);
}

struct kp_db *kp_testdb_new_db(void)
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

void kp_testdb_run_file(PGconn *c, const char *rel)
{
    char path[4096];
    kp_test_source_path(rel, path, sizeof path);
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
    free(kp_testdb_sql_on(c, text, NULL));
    free(text);
}

void kp_testdb_fresh_schema(const char *rel)
{
    free(kp_testdb_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public"));
    kp_testdb_run_file(owner, rel);
}
