/* lib/config: defaults, the INI file, the environment, and the one-line
 * messages that name file:line and key (the operator's only clue). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "support/unit.h"

static struct kp_config cfg;
static char why[512];

static void setup(void)
{
    kp_config_defaults(&cfg);
    why[0] = '\0';
}

/* Loads `text` as "t.conf" and expects failure with exactly `message`. */
static void expect_error(const char *text, const char *message)
{
    enum kp_err err = kp_config_load_text(&cfg, "t.conf", text, why, sizeof why);
    ck_assert_int_eq(err, KP_E_INVAL);
    ck_assert_str_eq(why, message);
}

static void load_ok(const char *text)
{
    enum kp_err err = kp_config_load_text(&cfg, "t.conf", text, why, sizeof why);
    ck_assert_msg(err == KP_OK, "load failed: %s", why);
}

static unsigned listen_port(const struct kp_config *c)
{
    const struct sockaddr *sa = (const struct sockaddr *)&c->http.listen_addr;
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)sa)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
}

static bool allowed(const struct kp_config *c, const char *ip)
{
    struct sockaddr_storage ss = kp_test_sockaddr(ip);
    return kp_addr_list_match(&c->metrics.allow, (const struct sockaddr *)&ss);
}

/* Every field against the defaults of the key table in config.c. */
static void assert_defaults(const struct kp_config *c)
{
    ck_assert_str_eq(c->http.listen, "127.0.0.1:8080");
    ck_assert_int_eq(c->http.listen_addr.ss_family, AF_INET);
    ck_assert_uint_eq(c->http.listen_len, sizeof(struct sockaddr_in));
    ck_assert_uint_eq(listen_port(c), 8080);
    ck_assert_uint_eq(c->http.workers, 0);
    ck_assert_uint_eq(c->http.max_body, 1024 * 1024);
    ck_assert_uint_eq(c->http.timeout, 30);
    ck_assert_uint_eq(c->http.request_timeout, 30);
    ck_assert_uint_eq(c->http.min_body_rate, 8 * 1024);
    ck_assert_uint_eq(c->http.memory_limit, 64 * 1024);
    ck_assert_uint_eq(c->http.max_connections, 1000);
    ck_assert_uint_eq(c->http.max_per_ip, 64);
    ck_assert_uint_eq(c->http.shutdown_grace, 10);
    ck_assert_uint_eq(c->http.pool_threads, 0);
    ck_assert_uint_eq(c->http.pool_queue, 64);
    ck_assert_str_eq(c->db.conninfo, "dbname=kpjd");
    ck_assert(c->db.auto_migrate);
    ck_assert_uint_eq(c->db.connect_timeout, 3);
    ck_assert_uint_eq(c->db.statement_timeout, 15000);
    ck_assert_uint_eq(c->db.tx_retries, 10);
    ck_assert_str_eq(c->web.root, "web");
    ck_assert_str_eq(c->web.public_url, "http://127.0.0.1:8080");
    ck_assert_uint_eq(c->auth.session_idle, 1800);
    ck_assert_uint_eq(c->auth.session_lifetime, 43200);
    ck_assert(!c->auth.cookie_secure);
    ck_assert_uint_eq(c->auth.pwhash_ops, 2);
    ck_assert_uint_eq(c->auth.pwhash_mem, 64UL << 20);
    ck_assert_uint_eq(c->auth.throttle_account, 5);
    ck_assert_uint_eq(c->auth.throttle_address, 20);
    ck_assert_uint_eq(c->auth.throttle_window, 900);
    ck_assert_uint_eq(c->auth.lockout_max, 900);
    ck_assert_uint_eq(c->attachments.upload_grace, 600);
    ck_assert_uint_eq(c->invitations.lookup_limit, 30);
    ck_assert_uint_eq(c->invitations.lookup_window, 60);
    ck_assert_uint_eq(c->objections.limit, 10);
    ck_assert_uint_eq(c->objections.window, 3600);
    ck_assert_uint_eq(c->csp.report_limit, 20);
    ck_assert_uint_eq(c->csp.report_window, 60);
    ck_assert_int_eq(c->log.level, KP_LOG_INFO);
    ck_assert_uint_eq(c->metrics.allow.n, 2);
    ck_assert(allowed(c, "127.0.0.1"));
    ck_assert(allowed(c, "::1"));
    ck_assert(!allowed(c, "127.0.0.2"));
    ck_assert(!allowed(c, "10.0.0.1"));
}

START_TEST(defaults)
{
    assert_defaults(&cfg);
}
END_TEST

/* conf/kpjd.conf says it shows every key with its default: it must set every
 * key (each is first moved off its default) and agree with the table. */
START_TEST(example_conf_shows_defaults)
{
    load_ok("[http]\nlisten = 0.0.0.0:1\nworkers = 7\nmax_body = 2M\ntimeout = 9\n"
            "request_timeout = 8\nmin_body_rate = 1K\n"
            "memory_limit = 32K\nmax_connections = 5\nmax_per_ip = 3\nshutdown_grace = 1\n"
            "pool_threads = 3\npool_queue = 2\n"
            "[db]\nconninfo = x\nauto_migrate = false\nconnect_timeout = 9\n"
            "statement_timeout = 0\ntx_retries = 0\n"
            "[web]\nroot = /elsewhere\npublic_url = https://kpjd.example.cn\n"
            "[auth]\nsession_idle = 1\nsession_lifetime = 2\ncookie_secure = true\n"
            "pwhash_ops = 3\npwhash_mem = 128M\nthrottle_account = 1\nthrottle_address = 2\n"
            "throttle_window = 3\nlockout_max = 4\n"
            "[attachments]\nupload_grace = 5\n"
            "[invitations]\nlookup_limit = 1\nlookup_window = 2\n"
            "[objections]\nlimit = 1\nwindow = 2\n"
            "[csp]\nreport_limit = 1\nreport_window = 2\n"
            "[log]\nlevel = error\n[metrics]\nallow = 10.0.0.0/8\n");
    char path[4096];
    kp_test_source_path("conf/kpjd.conf", path, sizeof path);
    enum kp_err err = kp_config_load_file(&cfg, path, why, sizeof why);
    ck_assert_msg(err == KP_OK, "%s", why);
    assert_defaults(&cfg);
}
END_TEST

START_TEST(load_happy_path)
{
    load_ok("# a comment\n"
            "; another comment\n"
            "\n"
            "   \t\n"
            "[http]\n"
            "  listen = [::1]:9090  \n"
            "workers=4\n"
            "max_body = 10K\n"
            "memory_limit = 1m\n"
            "\t# indented comment\n"
            "[db]\n"
            "conninfo = \"host=/tmp dbname=x user=y\"\n"
            "auto_migrate = OFF\n"
            "[web]\n"
            "root = \"\"\n"
            "[log]\r\n"
            "level = debug\r\n");
    ck_assert_str_eq(cfg.http.listen, "[::1]:9090");
    ck_assert_int_eq(cfg.http.listen_addr.ss_family, AF_INET6);
    ck_assert_uint_eq(cfg.http.listen_len, sizeof(struct sockaddr_in6));
    ck_assert_uint_eq(listen_port(&cfg), 9090);
    ck_assert_uint_eq(cfg.http.workers, 4);
    ck_assert_uint_eq(cfg.http.max_body, 10 * 1024);
    ck_assert_uint_eq(cfg.http.memory_limit, 1024 * 1024);
    ck_assert_str_eq(cfg.db.conninfo, "host=/tmp dbname=x user=y");
    ck_assert(!cfg.db.auto_migrate);
    ck_assert_str_eq(cfg.web.root, "");
    ck_assert_int_eq(cfg.log.level, KP_LOG_DEBUG);
    /* untouched keys keep their defaults */
    ck_assert_uint_eq(cfg.http.timeout, 30);
    ck_assert_uint_eq(cfg.db.tx_retries, 10);
}
END_TEST

START_TEST(empty_text_is_fine)
{
    load_ok("");
    assert_defaults(&cfg);
}
END_TEST

START_TEST(size_suffixes_and_limits)
{
    load_ok("[http]\nmax_body = 1G\n");
    ck_assert_uint_eq(cfg.http.max_body, 1UL << 30);
    setup();
    load_ok("[http]\nmax_body = 1024\n");
    ck_assert_uint_eq(cfg.http.max_body, 1024);
    setup();
    expect_error("[http]\nmax_body = 2G\n",
                 "t.conf:2: http.max_body: expected a size (bytes, or with K, M, G) from 1024 "
                 "to 1073741824, got '2G'");
    setup();
    expect_error("[http]\nmax_body = 1023\n",
                 "t.conf:2: http.max_body: expected a size (bytes, or with K, M, G) from 1024 "
                 "to 1073741824, got '1023'");
    setup();
    expect_error("[http]\nmax_body = 1KB\n",
                 "t.conf:2: http.max_body: expected a size (bytes, or with K, M, G) from 1024 "
                 "to 1073741824, got '1KB'");
    setup();
    /* an integer key takes no suffix */
    expect_error("[http]\nworkers = 1K\n",
                 "t.conf:2: http.workers: expected an integer from 0 to 1024, got '1K'");
}
END_TEST

START_TEST(bools)
{
    const char *yes[] = { "true", "TRUE", "yes", "on", "1" };
    const char *no[] = { "false", "No", "off", "0" };
    char text[64];
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        setup();
        cfg.db.auto_migrate = false;
        snprintf(text, sizeof text, "[db]\nauto_migrate = %s\n", yes[i]);
        load_ok(text);
        ck_assert_msg(cfg.db.auto_migrate, "%s", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        setup();
        snprintf(text, sizeof text, "[db]\nauto_migrate = %s\n", no[i]);
        load_ok(text);
        ck_assert_msg(!cfg.db.auto_migrate, "%s", no[i]);
    }
}
END_TEST

START_TEST(error_unknown_key)
{
    expect_error("# c\n[http]\nlistn = 1.2.3.4:80\n", "t.conf:3: unknown key 'http.listn'");
}
END_TEST

START_TEST(error_key_outside_section)
{
    expect_error("listen = 1.2.3.4:80\n", "t.conf:1: unknown key 'listen'");
}
END_TEST

START_TEST(error_key_of_other_section)
{
    expect_error("[db]\nlisten = 1.2.3.4:80\n", "t.conf:2: unknown key 'db.listen'");
}
END_TEST

START_TEST(error_unknown_section)
{
    expect_error("\n\n[htp]\nlisten = 1.2.3.4:80\n", "t.conf:3: unknown section 'htp'");
}
END_TEST

START_TEST(error_bad_section_header)
{
    expect_error("[http\n", "t.conf:1: expected [section]");
    setup();
    expect_error("[http] x\n", "t.conf:1: expected [section]");
}
END_TEST

START_TEST(error_bad_integer)
{
    expect_error("[http]\nworkers = abc\n",
                 "t.conf:2: http.workers: expected an integer from 0 to 1024, got 'abc'");
    setup();
    expect_error("[http]\nworkers = -1\n",
                 "t.conf:2: http.workers: expected an integer from 0 to 1024, got '-1'");
    setup();
    expect_error("[http]\nworkers =\n",
                 "t.conf:2: http.workers: expected an integer from 0 to 1024, got ''");
    setup();
    expect_error("[http]\nworkers = 99999999999999999999999\n",
                 "t.conf:2: http.workers: expected an integer from 0 to 1024, "
                 "got '99999999999999999999999'");
}
END_TEST

START_TEST(error_out_of_range)
{
    expect_error("[http]\nworkers = 1025\n",
                 "t.conf:2: http.workers: expected an integer from 0 to 1024, got '1025'");
    setup();
    expect_error("[http]\ntimeout = 0\n",
                 "t.conf:2: http.timeout: expected an integer from 1 to 3600, got '0'");
    setup();
    expect_error("[http]\nrequest_timeout = 0\n",
                 "t.conf:2: http.request_timeout: expected an integer from 1 to 3600, got '0'");
    setup();
    expect_error("[http]\nmin_body_rate = 0\n",
                 "t.conf:2: http.min_body_rate: expected a size (bytes, or with K, M, G) "
                 "from 1 to 1073741824, got '0'");
    setup();
    expect_error("[http]\npool_queue = 0\n",     /* no queue at all would refuse every slow request */
                 "t.conf:2: http.pool_queue: expected an integer from 1 to 100000, got '0'");
    setup();
    load_ok("[http]\nworkers = 1024\ntimeout = 1\n");
    ck_assert_uint_eq(cfg.http.workers, 1024);
    ck_assert_uint_eq(cfg.http.timeout, 1);
}
END_TEST

/* web.public_url: what certificates' QR codes point at, so only URLs a
 * phone can open; trailing slashes dropped, so <url>/verify/... has one. */
START_TEST(public_url)
{
    static const struct { const char *in, *out; } good[] = {
        { "http://127.0.0.1:8080", "http://127.0.0.1:8080" },
        { "https://kpjd.example.cn", "https://kpjd.example.cn" },
        { "https://kpjd.example.cn/", "https://kpjd.example.cn" },
        { "https://kpjd.example.cn//", "https://kpjd.example.cn" },
        { "https://www.cast.org.cn/kpjd/", "https://www.cast.org.cn/kpjd" },
        { "http://[::1]:8080", "http://[::1]:8080" },
        { "https://KPJD-1.example.cn:443/a/b", "https://KPJD-1.example.cn:443/a/b" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "[web]\npublic_url = %s\n", good[i].in);
        load_ok(text);
        ck_assert_str_eq(cfg.web.public_url, good[i].out);
    }
    static const char *const bad[] = {
        "", "kpjd.example.cn", "ftp://kpjd.example.cn", "https://", "https:///verify",
        "https://kpjd.example.cn?x=1", "https://kpjd.example.cn/#top", "https://user@kpjd.example.cn",
        "https://kpjd.example.cn:", "https://kpjd.example.cn:99999", "https://kpjd.example.cn:8080x",
        "https://科普.example.cn", "https://kpjd.example.cn/科普", "https://kpjd example.cn",
        "https://.example.cn", "http://[::1", "javascript:alert(1)", "HTTPS://kpjd.example.cn",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256], message[512];
        snprintf(text, sizeof text, "[web]\npublic_url = %s\n", bad[i]);
        snprintf(message, sizeof message, "t.conf:2: web.public_url: expected an http:// or https:// URL "
                 "(a host, a port, a path; no query), got '%s'", bad[i]);
        expect_error(text, message);
    }
    char *env[] = { "KPJD_WEB_PUBLIC_URL=https://kepu.example.cn/", NULL };
    ck_assert_int_eq(kp_config_apply_env(&cfg, env, why, sizeof why), KP_OK);
    ck_assert_str_eq(cfg.web.public_url, "https://kepu.example.cn");
    char *bad_env[] = { "KPJD_WEB_PUBLIC_URL=kepu.example.cn", NULL };
    ck_assert_int_eq(kp_config_apply_env(&cfg, bad_env, why, sizeof why), KP_E_INVAL);
    ck_assert_str_eq(cfg.web.public_url, "https://kepu.example.cn");
}
END_TEST

START_TEST(error_bad_bool)
{
    expect_error("[db]\nauto_migrate = maybe\n",
                 "t.conf:2: db.auto_migrate: expected true or false, got 'maybe'");
}
END_TEST

START_TEST(error_bad_listen)
{
    const char *bad[] = { "localhost:8080", "127.0.0.1", "127.0.0.1:65536", "::1:8080",
                          "[::1]8080", "1.2.3.4:-1" };
    char text[128], message[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setup();
        snprintf(text, sizeof text, "[http]\nlisten = %s\n", bad[i]);
        snprintf(message, sizeof message, "t.conf:2: http.listen: expected an address like "
                 "127.0.0.1:8080 or [::1]:8080, got '%s'", bad[i]);
        expect_error(text, message);
        ck_assert_str_eq(cfg.http.listen, "127.0.0.1:8080");   /* unchanged */
    }
}
END_TEST

START_TEST(error_bad_log_level)
{
    expect_error("[log]\nlevel = verbose\n",
                 "t.conf:2: log.level: expected debug, info, warn or error, got 'verbose'");
}
END_TEST

START_TEST(error_set_twice)
{
    expect_error("[http]\nworkers = 1\n[db]\ntx_retries = 1\n[http]\nworkers = 2\n",
                 "t.conf:6: http.workers is set twice");
}
END_TEST

START_TEST(error_missing_equals)
{
    expect_error("[http]\n\nlisten 127.0.0.1:80\n", "t.conf:3: expected 'key = value'");
}
END_TEST

START_TEST(error_string_too_long)
{
    char text[2000];
    int n = snprintf(text, sizeof text, "[web]\nroot = ");
    memset(text + n, 'a', 1024);
    text[n + 1024] = '\n';
    text[n + 1025] = '\0';
    expect_error(text, "t.conf:2: web.root: longer than 1023 bytes");
    setup();
    text[n + 1023] = '\n';
    text[n + 1024] = '\0';
    load_ok(text);
    ck_assert_uint_eq(strlen(cfg.web.root), 1023);
}
END_TEST

START_TEST(error_line_too_long)
{
    size_t len = 3000;
    char *text = malloc(len + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, '#', len);
    text[len] = '\0';
    enum kp_err err = kp_config_load_text(&cfg, "t.conf", text, why, sizeof why);
    free(text);
    ck_assert_int_eq(err, KP_E_INVAL);
    ck_assert_str_eq(why, "t.conf:1: line too long");
}
END_TEST

START_TEST(metrics_allow)
{
    load_ok("[metrics]\nallow = 10.0.0.0/8, 192.168.1.7 fd00::/8\n");
    ck_assert_uint_eq(cfg.metrics.allow.n, 3);
    ck_assert(allowed(&cfg, "10.200.3.4"));
    ck_assert(allowed(&cfg, "192.168.1.7"));
    ck_assert(allowed(&cfg, "fd12::1"));
    ck_assert(!allowed(&cfg, "127.0.0.1"));       /* the default is replaced */
    ck_assert(!allowed(&cfg, "192.168.1.8"));
    setup();
    load_ok("[metrics]\nallow =\n");
    ck_assert_uint_eq(cfg.metrics.allow.n, 0);
    ck_assert(!allowed(&cfg, "127.0.0.1"));
    setup();
    expect_error("[metrics]\nallow = 127.0.0.1 localhost\n",
                 "t.conf:2: metrics.allow: expected IP addresses or networks (10.0.0.0/8), "
                 "got '127.0.0.1 localhost'");
    setup();
    expect_error("[metrics]\nallow = 10.0.0.0/33\n",
                 "t.conf:2: metrics.allow: expected IP addresses or networks (10.0.0.0/8), "
                 "got '10.0.0.0/33'");
}
END_TEST

START_TEST(env_overrides)
{
    char *env[] = {
        "PATH=/usr/bin",
        "KPJD_HTTP_LISTEN=0.0.0.0:9000",
        "KPJD_DB_CONNINFO=host=/run/pg dbname=other",
        "KPJD_WEB_ROOT=/srv/kpjd/web",
        "KPJD_TEST_WHATEVER=1",
        "KPJD_TEST_PGHOST=/tmp",
        "KPJD_BIN=/x/kpjdd",
        "KPJDX_HTTP_LISTEN=bad",
        NULL,
    };
    enum kp_err err = kp_config_apply_env(&cfg, env, why, sizeof why);
    ck_assert_msg(err == KP_OK, "%s", why);
    ck_assert_str_eq(cfg.http.listen, "0.0.0.0:9000");
    ck_assert_uint_eq(listen_port(&cfg), 9000);
    ck_assert_str_eq(cfg.db.conninfo, "host=/run/pg dbname=other");
    ck_assert_str_eq(cfg.web.root, "/srv/kpjd/web");
    ck_assert_uint_eq(cfg.http.workers, 0);
}
END_TEST

START_TEST(env_overrides_file)
{
    load_ok("[http]\nworkers = 2\n");
    char *env[] = { "KPJD_HTTP_WORKERS=3", "KPJD_METRICS_ALLOW=10.1.0.0/16", NULL };
    ck_assert_int_eq(kp_config_apply_env(&cfg, env, why, sizeof why), KP_OK);
    ck_assert_uint_eq(cfg.http.workers, 3);
    ck_assert_uint_eq(cfg.metrics.allow.n, 1);
    ck_assert(allowed(&cfg, "10.1.2.3"));
}
END_TEST

START_TEST(env_unknown_key)
{
    char *env[] = { "KPJD_WEB_ROOT=/x", "KPJD_HTTP_NOSUCH=1", NULL };
    ck_assert_int_eq(kp_config_apply_env(&cfg, env, why, sizeof why), KP_E_INVAL);
    ck_assert_str_eq(why, "KPJD_HTTP_NOSUCH: unknown configuration key");
}
END_TEST

START_TEST(env_bad_value)
{
    char *env[] = { "KPJD_HTTP_WORKERS=many", NULL };
    ck_assert_int_eq(kp_config_apply_env(&cfg, env, why, sizeof why), KP_E_INVAL);
    ck_assert_str_eq(why, "KPJD_HTTP_WORKERS: expected an integer from 0 to 1024, got 'many'");
    setup();
    char *env2[] = { "KPJD_HTTP_LISTEN=localhost:80", NULL };
    ck_assert_int_eq(kp_config_apply_env(&cfg, env2, why, sizeof why), KP_E_INVAL);
    ck_assert_str_eq(why, "KPJD_HTTP_LISTEN: expected an address like 127.0.0.1:8080 or "
                          "[::1]:8080, got 'localhost:80'");
    setup();
    char *env3[] = { "KPJD_DB_AUTO_MIGRATE=perhaps", NULL };
    ck_assert_int_eq(kp_config_apply_env(&cfg, env3, why, sizeof why), KP_E_INVAL);
    ck_assert_str_eq(why, "KPJD_DB_AUTO_MIGRATE: expected true or false, got 'perhaps'");
}
END_TEST

START_TEST(load_file_ok_and_errors_name_path)
{
    char path[] = "/tmp/kpjd-config-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char text[] = "[http]\nworkers = 3\n[log]\nlevel = warn\n";
    ck_assert_int_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    enum kp_err err = kp_config_load_file(&cfg, path, why, sizeof why);
    ck_assert_msg(err == KP_OK, "%s", why);
    ck_assert_uint_eq(cfg.http.workers, 3);
    ck_assert_int_eq(cfg.log.level, KP_LOG_WARN);

    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("[http]\nworkers = 3\nbogus = 1\n", f);
    fclose(f);
    setup();
    err = kp_config_load_file(&cfg, path, why, sizeof why);
    char expected[256];
    snprintf(expected, sizeof expected, "%s:3: unknown key 'http.bogus'", path);
    unlink(path);
    ck_assert_int_eq(err, KP_E_INVAL);
    ck_assert_str_eq(why, expected);
}
END_TEST

START_TEST(load_file_empty)
{
    char path[] = "/tmp/kpjd-config-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    enum kp_err err = kp_config_load_file(&cfg, path, why, sizeof why);
    unlink(path);
    ck_assert_msg(err == KP_OK, "%s", why);
    assert_defaults(&cfg);
}
END_TEST

START_TEST(load_file_missing)
{
    const char *path = "/nonexistent-kpjd/kpjd.conf";
    ck_assert_int_eq(kp_config_load_file(&cfg, path, why, sizeof why), KP_E_IO);
    ck_assert_str_eq(why, "cannot read /nonexistent-kpjd/kpjd.conf: No such file or directory");
}
END_TEST

START_TEST(auth_keys)
{
    load_ok("[auth]\nsession_idle = 60\nsession_lifetime = 2592000\ncookie_secure = yes\n"
            "pwhash_ops = 20\npwhash_mem = 1G\nthrottle_account = 1000\n"
            "throttle_address = 100000\nthrottle_window = 86400\nlockout_max = 1\n");
    ck_assert_uint_eq(cfg.auth.session_idle, 60);
    ck_assert_uint_eq(cfg.auth.session_lifetime, 2592000);
    ck_assert(cfg.auth.cookie_secure);
    ck_assert_uint_eq(cfg.auth.pwhash_ops, 20);
    ck_assert_uint_eq(cfg.auth.pwhash_mem, 1UL << 30);
    ck_assert_uint_eq(cfg.auth.throttle_account, 1000);
    ck_assert_uint_eq(cfg.auth.throttle_address, 100000);
    ck_assert_uint_eq(cfg.auth.throttle_window, 86400);
    ck_assert_uint_eq(cfg.auth.lockout_max, 1);
    /* the rest of the file's sections are untouched */
    ck_assert_uint_eq(cfg.http.timeout, 30);
    setup();
    load_ok("[auth]\npwhash_mem = 65536K\npwhash_ops = 2\n");        /* exactly the minimum */
    ck_assert_uint_eq(cfg.auth.pwhash_mem, 64UL << 20);
    ck_assert_uint_eq(cfg.auth.pwhash_ops, 2);
}
END_TEST

/* Below libsodium's interactive level a password hash is too cheap. */
START_TEST(auth_pwhash_minimum)
{
    expect_error("[auth]\npwhash_mem = 63M\n",
                 "t.conf:2: auth.pwhash_mem: expected a size (bytes, or with K, M, G) from "
                 "67108864 to 1073741824, got '63M'");
    setup();
    expect_error("[auth]\npwhash_mem = 67108863\n",
                 "t.conf:2: auth.pwhash_mem: expected a size (bytes, or with K, M, G) from "
                 "67108864 to 1073741824, got '67108863'");
    setup();
    expect_error("[auth]\npwhash_mem = 2G\n",
                 "t.conf:2: auth.pwhash_mem: expected a size (bytes, or with K, M, G) from "
                 "67108864 to 1073741824, got '2G'");
    ck_assert_uint_eq(cfg.auth.pwhash_mem, 64UL << 20);          /* unchanged */
    setup();
    expect_error("[auth]\npwhash_ops = 1\n",
                 "t.conf:2: auth.pwhash_ops: expected an integer from 2 to 20, got '1'");
    ck_assert_uint_eq(cfg.auth.pwhash_ops, 2);
    setup();
    expect_error("[auth]\npwhash_ops = 0\n",
                 "t.conf:2: auth.pwhash_ops: expected an integer from 2 to 20, got '0'");
    setup();
    expect_error("[auth]\npwhash_ops = 21\n",
                 "t.conf:2: auth.pwhash_ops: expected an integer from 2 to 20, got '21'");
}
END_TEST

START_TEST(auth_ranges)
{
    expect_error("[auth]\nsession_idle = 0\n",
                 "t.conf:2: auth.session_idle: expected an integer from 1 to 86400, got '0'");
    setup();
    expect_error("[auth]\nsession_idle = 86401\n",
                 "t.conf:2: auth.session_idle: expected an integer from 1 to 86400, got '86401'");
    setup();
    expect_error("[auth]\nsession_lifetime = 0\n",
                 "t.conf:2: auth.session_lifetime: expected an integer from 1 to 2592000, got '0'");
    setup();
    expect_error("[auth]\nthrottle_account = 0\n",
                 "t.conf:2: auth.throttle_account: expected an integer from 1 to 1000, got '0'");
    setup();
    expect_error("[auth]\nthrottle_address = 0\n",
                 "t.conf:2: auth.throttle_address: expected an integer from 1 to 100000, got '0'");
    setup();
    expect_error("[auth]\nthrottle_window = 0\n",
                 "t.conf:2: auth.throttle_window: expected an integer from 1 to 86400, got '0'");
    setup();
    expect_error("[auth]\nlockout_max = 0\n",
                 "t.conf:2: auth.lockout_max: expected an integer from 1 to 86400, got '0'");
    setup();
    expect_error("[auth]\ncookie_secure = sometimes\n",
                 "t.conf:2: auth.cookie_secure: expected true or false, got 'sometimes'");
    setup();
    expect_error("[auth]\nsession_timeout = 5\n", "t.conf:2: unknown key 'auth.session_timeout'");
}
END_TEST

START_TEST(auth_env_overrides)
{
    load_ok("[auth]\nsession_idle = 600\n");
    char *env[] = { "KPJD_AUTH_SESSION_IDLE=120", "KPJD_AUTH_COOKIE_SECURE=on",
                    "KPJD_AUTH_PWHASH_MEM=256M", NULL };
    enum kp_err err = kp_config_apply_env(&cfg, env, why, sizeof why);
    ck_assert_msg(err == KP_OK, "%s", why);
    ck_assert_uint_eq(cfg.auth.session_idle, 120);
    ck_assert(cfg.auth.cookie_secure);
    ck_assert_uint_eq(cfg.auth.pwhash_mem, 256UL << 20);
    ck_assert_uint_eq(cfg.auth.session_lifetime, 43200);

    setup();
    char *bad[] = { "KPJD_AUTH_SESSION_IDLE=0", NULL };
    ck_assert_int_eq(kp_config_apply_env(&cfg, bad, why, sizeof why), KP_E_INVAL);
    ck_assert_str_eq(why, "KPJD_AUTH_SESSION_IDLE: expected an integer from 1 to 86400, got '0'");
    setup();
    char *weak[] = { "KPJD_AUTH_PWHASH_OPS=1", NULL };
    ck_assert_int_eq(kp_config_apply_env(&cfg, weak, why, sizeof why), KP_E_INVAL);
    ck_assert_str_eq(why, "KPJD_AUTH_PWHASH_OPS: expected an integer from 2 to 20, got '1'");
    setup();
    char *unknown[] = { "KPJD_AUTH_NOSUCH=1", NULL };
    ck_assert_int_eq(kp_config_apply_env(&cfg, unknown, why, sizeof why), KP_E_INVAL);
    ck_assert_str_eq(why, "KPJD_AUTH_NOSUCH: unknown configuration key");
}
END_TEST

START_TEST(csp_keys)
{
    char *env[] = { "KPJD_CSP_REPORT_LIMIT=5", "KPJD_CSP_REPORT_WINDOW=3600", NULL };
    enum kp_err err = kp_config_apply_env(&cfg, env, why, sizeof why);
    ck_assert_msg(err == KP_OK, "%s", why);
    ck_assert_uint_eq(cfg.csp.report_limit, 5);
    ck_assert_uint_eq(cfg.csp.report_window, 3600);
    setup();
    expect_error("[csp]\nreport_limit = 0\n",
                 "t.conf:2: csp.report_limit: expected an integer from 1 to 100000, got '0'");
    setup();
    expect_error("[csp]\nreport_window = 86401\n",
                 "t.conf:2: csp.report_window: expected an integer from 1 to 86400, got '86401'");
}
END_TEST

START_TEST(upload_grace)
{
    load_ok("[attachments]\nupload_grace = 86400\n");
    ck_assert_uint_eq(cfg.attachments.upload_grace, 86400);
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_OK);
    setup();
    expect_error("[attachments]\nupload_grace = 1\n",
                 "t.conf:2: attachments.upload_grace: expected an integer from 2 to 86400, got '1'");
    setup();
    expect_error("[attachments]\nupload_grace = 86401\n",
                 "t.conf:2: attachments.upload_grace: expected an integer from 2 to 86400, got '86401'");
    setup();
    char *env[] = { "KPJD_ATTACHMENTS_UPLOAD_GRACE=4", "KPJD_HTTP_TIMEOUT=2", NULL };
    enum kp_err err = kp_config_apply_env(&cfg, env, why, sizeof why);
    ck_assert_msg(err == KP_OK, "%s", why);
    ck_assert_uint_eq(cfg.attachments.upload_grace, 4);
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_OK);    /* exactly twice */
}
END_TEST

/* A live upload may be silent for http.timeout seconds: a grace shorter
 * than twice that could sweep it. */
START_TEST(check_upload_grace_against_timeout)
{
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_OK);    /* the defaults: 600, 30 */
    load_ok("[http]\ntimeout = 301\n");
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_E_INVAL);
    ck_assert_str_eq(why, "attachments.upload_grace (600 s) must be at least twice http.timeout (301 s): "
                          "an upload may be silent that long and still be alive");
    setup();
    load_ok("[http]\ntimeout = 300\n");
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_OK);
    setup();
    load_ok("[http]\ntimeout = 2\n[attachments]\nupload_grace = 3\n");
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_E_INVAL);
}
END_TEST

/* SMTP AUTH over smtp:// only behind a STARTTLS that cannot be stripped. */
START_TEST(check_mail_credentials_need_tls)
{
    load_ok("[mail]\nurl = smtp://mail.example.cn:587\nfrom = a@example.cn\n"
            "credentials_file = /etc/kpjd/smtp\n");
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_E_INVAL);
    ck_assert_msg(strstr(why, "mail.starttls must be 'required'") != NULL, "%s", why);
    setup();
    load_ok("[mail]\nurl = smtp://mail.example.cn:587\nfrom = a@example.cn\n"
            "credentials_file = /etc/kpjd/smtp\nstarttls = required\n");
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_OK);
    setup();
    load_ok("[mail]\nurl = smtps://mail.example.cn:465\nfrom = a@example.cn\n"
            "credentials_file = /etc/kpjd/smtp\n");
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_OK);
    setup();
    load_ok("[mail]\nurl = smtp://127.0.0.1:25\nfrom = a@example.cn\n");   /* no AUTH: try is fine */
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_OK);
    setup();
    load_ok("[mail]\nurl = smtp://127.0.0.1:25\nfrom = a@example.cn\ndomain = kpjd example.cn\n");
    ck_assert_int_eq(kp_config_check(&cfg, why, sizeof why), KP_E_INVAL);
    ck_assert_str_eq(why, "mail.domain: expected a domain name (letters, digits, '-', '.'), got 'kpjd example.cn'");
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, example_conf_shows_defaults);
    tcase_add_test(tc, upload_grace);
    tcase_add_test(tc, check_upload_grace_against_timeout);
    tcase_add_test(tc, check_mail_credentials_need_tls);
    tcase_add_test(tc, load_happy_path);
    tcase_add_test(tc, public_url);
    tcase_add_test(tc, empty_text_is_fine);
    tcase_add_test(tc, size_suffixes_and_limits);
    tcase_add_test(tc, bools);
    tcase_add_test(tc, error_unknown_key);
    tcase_add_test(tc, error_key_outside_section);
    tcase_add_test(tc, error_key_of_other_section);
    tcase_add_test(tc, error_unknown_section);
    tcase_add_test(tc, error_bad_section_header);
    tcase_add_test(tc, error_bad_integer);
    tcase_add_test(tc, error_out_of_range);
    tcase_add_test(tc, error_bad_bool);
    tcase_add_test(tc, error_bad_listen);
    tcase_add_test(tc, error_bad_log_level);
    tcase_add_test(tc, error_set_twice);
    tcase_add_test(tc, error_missing_equals);
    tcase_add_test(tc, error_string_too_long);
    tcase_add_test(tc, error_line_too_long);
    tcase_add_test(tc, metrics_allow);
    tcase_add_test(tc, env_overrides);
    tcase_add_test(tc, env_overrides_file);
    tcase_add_test(tc, env_unknown_key);
    tcase_add_test(tc, env_bad_value);
    tcase_add_test(tc, load_file_ok_and_errors_name_path);
    tcase_add_test(tc, load_file_empty);
    tcase_add_test(tc, load_file_missing);
    tcase_add_test(tc, auth_keys);
    tcase_add_test(tc, auth_pwhash_minimum);
    tcase_add_test(tc, auth_ranges);
    tcase_add_test(tc, auth_env_overrides);
    tcase_add_test(tc, csp_keys);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(config_suite());
}
