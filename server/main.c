/* kpjdd: subcommands, configuration, signals, start and stop.
 * The only file that calls exit(). */

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "gzcache.h"
#include "housekeeping.h"
#include "mailer.h"
#include "outbox.h"
#include "httpd.h"
#include "keys.h"
#include "log.h"
#include "migrate.h"
#include "pwcheck.h"
#include "sdnotify.h"
#include "server.h"

extern char **environ;

#define EXIT_USAGE 2   /* bad command line or configuration */

static void usage(FILE *out)
{
    fprintf(out,
        "usage: kpjdd [-c FILE] [COMMAND]\n"
        "\n"
        "commands:\n"
        "  serve      serve HTTP (the default)\n"
        "  migrate    apply pending database migrations and exit\n"
        "  keygen --out FILE\n"
        "             write a new Ed25519 signing key to FILE (mode 0600) and its\n"
        "             public key to FILE.pub; never overwrites (crypto.signing_key)\n"
        "  create-admin USERNAME [--email ADDRESS]\n"
        "             create an admin account; the password (12-128 characters)\n"
        "             is read from one line of standard input; mail goes to ADDRESS\n"
        "  backup-check\n"
        "             verify the audit chain and every attachment's SHA-256 in the\n"
        "             database (after a restore: see README, \"Backups\"); exit 0 if all hold\n"
        "  sample --seed HEX --rate R [--stratify-by none|region|category] < FILE\n"
        "             draw an on-site spot-check sample (kpjd-sample-v1) as the API\n"
        "             does, from lines 'id<TAB>region<TAB>category'; prints the\n"
        "             selected ids, ascending; needs no configuration or database\n"
        "  routes     print the route table\n"
        "  version    print the version and schema version\n"
        "\n"
        "options:\n"
        "  -c FILE    configuration file (see conf/kpjd.conf); every key can also be\n"
        "             set as KPJD_<SECTION>_<KEY>, e.g. KPJD_DB_CONNINFO\n"
        "  -h, --help this text\n");
}

static struct kp_db_options db_options(const struct kp_config *cfg, struct kp_db_stats *stats)
{
    return (struct kp_db_options){
        .conninfo = cfg->db.conninfo,
        .connect_timeout = cfg->db.connect_timeout,
        .statement_timeout = cfg->db.statement_timeout,
        .tx_retries = cfg->db.tx_retries,
        .stats = stats,
    };
}

/* Migrations run as the owner: db.migrate_conninfo, else db.conninfo. */
static struct kp_db_options migrate_options(const struct kp_config *cfg)
{
    struct kp_db_options opt = db_options(cfg, NULL);
    if (cfg->db.migrate_conninfo[0] != '\0')
        opt.conninfo = cfg->db.migrate_conninfo;
    return opt;
}

/* Applies pending migrations, then grants db.app_role (when set) what it
 * needs on the schema as it now is. */
static enum kp_err migrate_and_grant(const struct kp_config *cfg, PGconn *conn, int *applied,
                                     char *why, size_t why_len)
{
    enum kp_err err = kp_migrate(conn, kp_migrations, kp_migrations_count, applied, why, why_len);
    if (err == KP_OK && cfg->db.app_role[0] != '\0')
        err = kp_grant_app_role(conn, cfg->db.app_role, why, why_len);
    return err;
}

static int cmd_migrate(const struct kp_config *cfg)
{
    struct kp_db_options opt = migrate_options(cfg);
    struct kp_db *db = kp_db_new(&opt);
    if (db == NULL || kp_db_ensure(db) != KP_OK) {
        fprintf(stderr, "kpjdd: migrate: cannot connect to the database (db.migrate_conninfo, "
                        "else db.conninfo)\n");
        kp_db_free(db);
        return 1;
    }
    int applied;
    char why[512];
    enum kp_err err = migrate_and_grant(cfg, kp_db_conn(db), &applied, why, sizeof why);
    kp_db_free(db);
    if (err) {
        fprintf(stderr, "kpjdd: migrate: %s\n", why);
        return 1;
    }
    printf("migrate: %d applied, schema at version %zu\n", applied, kp_migrations_count);
    return 0;
}

/* The grants protect nothing if db.conninfo logs in as another role (the
 * owner, say): say so. */
static void check_serving_role(const struct kp_config *cfg)
{
    struct kp_db_options opt = db_options(cfg, NULL);
    struct kp_db *db = kp_db_new(&opt);
    if (db != NULL && kp_db_ensure(db) == KP_OK) {
        PGresult *r = PQexec(kp_db_conn(db), "SELECT current_user");
        if (PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), cfg->db.app_role) != 0)
            kp_warn("db.conninfo logs in as '%s', not as db.app_role '%s': kpjdd does not serve "
                    "with the privileges granted to it", PQgetvalue(r, 0, 0), cfg->db.app_role);
        PQclear(r);
    }
    kp_db_free(db);
}

/* At start: migrate as the owner and grant db.app_role (db.auto_migrate), or
 * check the schema.  A database we cannot reach is not fatal: kpjdd serves
 * 503 until it comes back.  A schema newer than ours, or changed, is, and so
 * is an application role that could do more than it should. */
static bool prepare_schema(const struct kp_config *cfg)
{
    if (cfg->db.app_role[0] == '\0')
        kp_warn("db.app_role is not set: kpjdd serves as the role that owns the schema, so the "
                "audit trail is only as safe as that role");
    struct kp_db_options opt = cfg->db.auto_migrate ? migrate_options(cfg) : db_options(cfg, NULL);
    struct kp_db *db = kp_db_new(&opt);
    if (db == NULL)
        return false;
    if (kp_db_ensure(db) != KP_OK) {
        kp_warn("database unreachable at start; serving 503 until it is back");
        kp_db_free(db);
        return true;
    }
    char why[512];
    enum kp_err err;
    bool ok = true;
    if (cfg->db.auto_migrate) {
        int applied;
        err = migrate_and_grant(cfg, kp_db_conn(db), &applied, why, sizeof why);
        if (err == KP_E_SCHEMA || err == KP_E_DB) {
            kp_error("refusing to serve: %s", why);
            ok = false;
        } else if (err) {
            kp_warn("migrate at start failed: %s", why);
        }
    } else {
        enum kp_schema_state state;
        err = kp_schema_check(kp_db_conn(db), kp_migrations, kp_migrations_count, &state,
                              why, sizeof why);
        if (err == KP_OK && (state == KP_SCHEMA_NEWER || state == KP_SCHEMA_CHANGED)) {
            kp_error("refusing to serve: %s", why);
            ok = false;
        } else if (err == KP_OK && state == KP_SCHEMA_BEHIND) {
            kp_warn("schema not current (%s); run 'kpjdd migrate'; /readyz answers 503", why);
        }
    }
    kp_db_free(db);
    if (ok && cfg->db.app_role[0] != '\0')
        check_serving_role(cfg);
    return ok;
}

/* The signing key and the retired ones; says what is missing. */
static bool load_keys(const struct kp_config *cfg, struct kp_keyring *keys)
{
    char why[512];
    if (kp_keyring_load(keys, cfg->crypto.signing_key, cfg->crypto.retired_keys, why,
                        sizeof why) != KP_OK) {
        fprintf(stderr, "kpjdd: crypto: %s\n", why);
        return false;
    }
    if (!keys->can_sign)
        kp_warn("crypto.signing_key is not set: audit checkpoints and naming answer 503, and no "
                "checkpoints are made");
    else
        kp_info("signing with key %s", keys->signer.pub.id);
    return true;
}

static enum kp_err record_keys_tx(struct kp_db *db, void *ring)
{
    return kp_keys_record(db, ring);
}

/* The ring's public keys in signing_keys, so that GET /public/keys lists
 * them from the start.  With the database away now, naming records the key
 * it signs with itself. */
static void record_keys(struct kp_server *srv)
{
    if (srv->keys.n == 0)
        return;
    struct kp_db *db = kp_db_new(&srv->db_options);
    enum kp_err err = db ? kp_db_tx(db, 0, record_keys_tx, &srv->keys) : KP_E_NOMEM;
    if (err)
        kp_warn("crypto: the public keys are not recorded yet (%s)", kp_err_str(err));
    kp_db_free(db);
}

static int cmd_serve(const struct kp_config *cfg)
{
    struct kp_server srv = { .cfg = cfg, .ready = -1 };
    struct timespec started;
    clock_gettime(CLOCK_REALTIME, &started);
    srv.start_time = (double)started.tv_sec + (double)started.tv_nsec / 1e9;
    if (realpath(cfg->web.root, srv.web_root) == NULL) {
        fprintf(stderr, "kpjdd: web.root: cannot open %s: %s\n", cfg->web.root, strerror(errno));
        return EXIT_USAGE;
    }
    if (!load_keys(cfg, &srv.keys))
        return EXIT_USAGE;
    srv.db_options = db_options(cfg, &srv.db_stats);
    srv.pwcost = (struct kp_pwcost){ cfg->auth.pwhash_ops, cfg->auth.pwhash_mem };
    char nothing[KP_TOKEN_TEXT];
    kp_token_new(nothing);
    if (kp_password_hash(nothing, &srv.pwcost, srv.dummy_hash) != KP_OK) {
        fprintf(stderr, "kpjdd: auth.pwhash_mem: cannot have that much memory for a hash\n");
        return 1;
    }
    char why[256];
    if (!kp_pwcheck_ready(NULL, why, sizeof why)) {
        fprintf(stderr, "kpjdd: passwords cannot be checked for strength: %s\n", why);
        return 1;
    }
    /* Mail: on when mail.url is set; the settings and credentials are read
     * now, before any thread, or kpjdd does not start. */
    static struct kp_smtp smtp;
    bool mail = cfg->mail.url[0] != '\0';
    if (mail && !kp_smtp_prepare(cfg, &smtp, why, sizeof why)) {
        fprintf(stderr, "kpjdd: %s\n", why);
        return EXIT_USAGE;
    }
    if (mail && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "kpjdd: libcurl failed to initialise\n");
        return 1;
    }
    kp_outbox_setup(mail, cfg->web.public_url, smtp.domain);

    /* Metric labels: "METHOD /pattern" per route, then static, unmatched. */
    const char **labels = calloc(kp_routes_count + 2, sizeof *labels);
    char (*label_text)[128] = calloc(kp_routes_count, sizeof *label_text);
    if (labels == NULL || label_text == NULL) {
        free(labels);
        free(label_text);
        return 1;
    }
    for (size_t i = 0; i < kp_routes_count; i++) {
        snprintf(label_text[i], sizeof label_text[i], "%s %s", kp_routes[i].method,
                 kp_routes[i].pattern);
        labels[i] = label_text[i];
    }
    labels[KP_METRIC_STATIC] = "static";
    labels[KP_METRIC_UNMATCHED] = "unmatched";
    srv.metrics = kp_metrics_new(kp_routes_count + 2, labels);
    srv.gz = kp_gzcache_new(KP_STATIC_GZ_CACHE);

    int rc = 1;
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    /* Blocked before any thread starts, so only sigwait below sees them. */
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct kp_httpd *httpd = NULL;
    struct kp_housekeeping *hk = NULL;
    struct kp_mailer *mailer = NULL;
    kp_sd_notify(cfg->db.auto_migrate ? "STATUS=migrating the database schema"
                                      : "STATUS=checking the database schema");
    bool ready = srv.metrics != NULL && srv.gz != NULL && prepare_schema(cfg);
    if (ready)
        record_keys(&srv);
    if (ready && (hk = kp_housekeeping_start(&srv)) != NULL &&
        (!mail || (mailer = kp_mailer_start(&srv, &smtp)) != NULL) &&
        (httpd = kp_httpd_start(&srv)) != NULL) {
        /* Ready for systemd (Type=notify) once the port answers, after the
         * schema was migrated or checked.  /readyz may still say 503 (the
         * database away): that is the load balancer's question, not the
         * service manager's. */
        if (!kp_sd_notifyf("READY=1\nSTATUS=serving on %s", cfg->http.listen))
            kp_warn("systemd: cannot write to NOTIFY_SOCKET");
        int sig;
        sigwait(&stop, &sig);
        kp_sd_notifyf("STOPPING=1\nSTATUS=stopping: in-flight requests get %us",
                      cfg->http.shutdown_grace);
        kp_info("%s: stopping (in-flight requests get %us)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                cfg->http.shutdown_grace);
        kp_httpd_stop(httpd);
        kp_info("stopped");
        rc = 0;
    }
    if (mailer != NULL)
        kp_mailer_stop(mailer);
    if (hk != NULL)
        kp_housekeeping_stop(hk);
    kp_smtp_clear(&smtp);
    if (mail)
        curl_global_cleanup();
    kp_metrics_free(srv.metrics);
    kp_gzcache_free(srv.gz);
    kp_keyring_clear(&srv.keys);
    free(labels);
    free(label_text);
    return rc;
}

int main(int argc, char **argv)
{
    const char *file = NULL, *command = NULL, *operand = NULL, *email = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else if (argv[i][0] != '-' && command == NULL) {
            command = argv[i];
            if (strcmp(command, "sample") == 0)       /* the rest are its own (sample.c) */
                return sodium_init() < 0 ? 1 : kp_cli_sample(argc - i - 1, argv + i + 1);
        } else if (argv[i][0] != '-' && operand == NULL && strcmp(command, "create-admin") == 0) {
            operand = argv[i];
        } else if (strcmp(argv[i], "--email") == 0 && i + 1 < argc && email == NULL &&
                   command != NULL && strcmp(command, "create-admin") == 0) {
            email = argv[++i];
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc && operand == NULL &&
                   command != NULL && strcmp(command, "keygen") == 0) {
            operand = argv[++i];
        } else {
            fprintf(stderr, "kpjdd: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }

    if (command == NULL)
        command = "serve";
    if (strcmp(command, "version") == 0) {
        printf("kpjdd %s (schema version %zu)\n", KPJD_VERSION, kp_migrations_count);
        return 0;
    }
    if (strcmp(command, "routes") == 0) {
        for (size_t i = 0; i < kp_routes_count; i++)
            printf("%s %s\n", kp_routes[i].method, kp_routes[i].pattern);
        return 0;
    }
    if (strcmp(command, "create-admin") == 0 && operand == NULL) {
        fprintf(stderr, "kpjdd: create-admin needs a USERNAME\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(command, "keygen") == 0) {
        if (operand == NULL) {
            fprintf(stderr, "kpjdd: keygen needs --out FILE\n");
            usage(stderr);
            return EXIT_USAGE;
        }
        return sodium_init() < 0 ? 1 : kp_cli_keygen(operand);
    }
    if (strcmp(command, "serve") != 0 && strcmp(command, "migrate") != 0 &&
        strcmp(command, "create-admin") != 0 && strcmp(command, "backup-check") != 0) {
        fprintf(stderr, "kpjdd: unknown command '%s'\n", command);
        usage(stderr);
        return EXIT_USAGE;
    }

    static struct kp_config cfg;
    char why[512];
    kp_config_defaults(&cfg);
    if ((file != NULL && kp_config_load_file(&cfg, file, why, sizeof why) != KP_OK) ||
        kp_config_apply_env(&cfg, environ, why, sizeof why) != KP_OK ||
        kp_config_check(&cfg, why, sizeof why) != KP_OK) {
        fprintf(stderr, "kpjdd: %s\n", why);
        return EXIT_USAGE;
    }
    kp_log_set_level(cfg.log.level);
    kp_log_set_format(cfg.log.format);
    if (sodium_init() < 0) {
        fprintf(stderr, "kpjdd: libsodium failed to initialise\n");
        return 1;
    }
    if (strcmp(command, "create-admin") == 0)
        return kp_cli_create_admin(&cfg, operand, email);
    if (strcmp(command, "backup-check") == 0)
        return kp_cli_backup_check(&cfg);
    return strcmp(command, "migrate") == 0 ? cmd_migrate(&cfg) : cmd_serve(&cfg);
}
