/* Configuration: built-in defaults, then an INI file (`[section]` and
 * `key = value` lines, `#` comments), then KPJD_<SECTION>_<KEY> environment
 * variables.  Every key is in one table (config.c); conf/kpjd.conf documents
 * each of them.  Loaded once at start, read-only afterwards. */
#ifndef KP_CONFIG_H
#define KP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "err.h"
#include "log.h"

struct kp_config {
    struct {
        char     listen[128];
        unsigned workers;          /* 0: one per online CPU */
        size_t   max_body;         /* bytes */
        unsigned timeout;          /* seconds a connection may idle */
        unsigned request_timeout;  /* seconds from a request's first byte to its last */
        size_t   min_body_rate;    /* bytes per second a body may take longer at */
        size_t   memory_limit;     /* bytes of MHD memory per connection */
        unsigned max_connections;
        unsigned max_per_ip;
        unsigned shutdown_grace;   /* seconds in-flight requests get at shutdown */
        unsigned drain_idle;       /* seconds idle keep-alive clients get to close first */
        unsigned pool_threads;     /* threads for slow work; 0: one per online CPU */
        unsigned pool_queue;       /* slow requests waiting for a pool thread, at most */
        struct kp_addr_list trusted_proxies;   /* whose X-Forwarded-For is believed */
        /* derived from `listen` */
        struct sockaddr_storage listen_addr;
        socklen_t listen_len;
    } http;
    struct {
        char     conninfo[1024];
        char     migrate_conninfo[1024]; /* the owner, for migrations; "": conninfo */
        char     app_role[64];       /* the serving role granted after migrating; "": none */
        bool     auto_migrate;
        unsigned connect_timeout;   /* seconds */
        unsigned statement_timeout; /* milliseconds, 0: none */
        unsigned tx_retries;
    } db;
    struct {
        char root[1024];
        char public_url[512];      /* where the public reaches kpjd: http(s)://host[:port][/path], no trailing slash */
    } web;
    struct {
        unsigned session_idle;      /* seconds without a request before a session ends */
        unsigned session_lifetime;  /* seconds a session lives at most */
        bool     cookie_secure;     /* add Secure to the session cookie (serve behind HTTPS) */
        unsigned pwhash_ops;        /* argon2id passes */
        size_t   pwhash_mem;        /* argon2id memory, bytes */
        unsigned throttle_account;  /* failed logins per account before lockouts begin */
        unsigned throttle_address;  /* failed logins per client address before lockouts begin */
        unsigned throttle_window;   /* seconds after which failures are forgotten */
        unsigned lockout_max;       /* seconds: the longest lockout */
        unsigned reset_address_limit;   /* password-reset requests per client address and window */
        unsigned reset_address_window;  /* seconds */
        unsigned reset_account_limit;   /* reset mails per account and window */
        unsigned reset_account_window;  /* seconds */
    } auth;
    struct {
        size_t max_file;            /* bytes of one attachment */
        size_t max_total;           /* bytes of all attachments of one application */
        unsigned upload_grace;      /* seconds an incomplete upload may stay silent before it is swept */
    } attachments;
    struct {
        unsigned lookup_limit;      /* invitation lookups and registrations per address and window */
        unsigned lookup_window;     /* seconds */
    } invitations;
    struct {
        unsigned limit;             /* objections filed per client address and window */
        unsigned window;            /* seconds */
    } objections;
    struct {
        unsigned report_limit;      /* CSP reports logged per client address and window */
        unsigned report_window;     /* seconds */
    } csp;
    struct {
        char signing_key[1024];     /* private key file (kpjdd keygen); "": none */
        char retired_keys[2048];    /* public key files of earlier keys, white-space separated */
    } crypto;
    struct {
        unsigned checkpoint_interval;   /* seconds between signed checkpoints; 0: off */
    } audit;
    struct {
        unsigned every;                 /* seconds between runs of the deadline reminders */
    } reminders;
    struct {
        enum kp_log_level level;
        enum kp_log_format format;  /* text, or JSON lines for log shippers */
    } log;
    struct {
        struct kp_addr_list allow;
    } metrics;
    struct {
        char     url[512];           /* smtp://host:port or smtps://host:port; "": mail off */
        char     from[512];          /* "addr@x.cn" or "Name <addr@x.cn>" */
        char     credentials_file[1024]; /* user and password for SMTP AUTH; "": none */
        char     starttls[16];       /* off, try, required (smtp:// only) */
        char     domain[256];        /* of Message-IDs; "": the from address's */
        unsigned rate;               /* messages a minute, at most */
        unsigned max_attempts;       /* attempts before a temporary failure is final */
        unsigned retry_base;         /* seconds before the second attempt; doubles after */
        unsigned retry_max;          /* seconds between attempts, at most */
        unsigned poll;               /* seconds between looks for due mail */
        unsigned timeout;            /* seconds one SMTP conversation may take */
    } mail;
};

/* Fills every key with its default. */
void kp_config_defaults(struct kp_config *cfg);

/* Applies a file's keys.  On failure `why` holds one line naming the file,
 * the line and the key, e.g. "kpjd.conf:7: unknown key 'http.listn'". */
enum kp_err kp_config_load_file(struct kp_config *cfg, const char *path,
                                char *why, size_t why_len);

/* The same for text in memory; `name` stands for the file in messages. */
enum kp_err kp_config_load_text(struct kp_config *cfg, const char *name,
                                const char *text, char *why, size_t why_len);

/* Applies KPJD_<SECTION>_<KEY>=value entries of `env` (NULL-terminated, as
 * environ).  A variable naming a known section but an unknown key is an
 * error; variables of other sections (KPJD_TEST_...) are not ours. */
enum kp_err kp_config_apply_env(struct kp_config *cfg, char *const *env,
                                char *why, size_t why_len);

/* Rules between keys, checked once everything is loaded; `why` names the
 * keys.  An upload may stay silent for http.timeout seconds before the
 * connection is closed, and marks its row only now and then
 * (attachments.c): attachments.upload_grace must be at least twice that.
 * mail.url is empty or smtp:// or smtps://, then a host; mail.from is set
 * when it is; mail.starttls is off, try or required. */
enum kp_err kp_config_check(const struct kp_config *cfg, char *why, size_t why_len);

#endif
