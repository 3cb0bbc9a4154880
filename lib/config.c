#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

enum kind { K_STRING, K_UINT, K_SIZE, K_BOOL, K_LISTEN, K_LOGLEVEL, K_ADDRS, K_URL,
             K_LOGFORMAT };

struct key {
    const char   *section;
    const char   *name;
    enum kind     kind;
    size_t        offset;
    size_t        size;        /* of the field (K_STRING: buffer size) */
    unsigned long min, max;    /* K_UINT, K_SIZE */
    const char   *def;
};

#define F(field) offsetof(struct kp_config, field), sizeof(((struct kp_config *)0)->field)

static const struct key keys[] = {
    { "http", "listen",          K_LISTEN,   F(http.listen),          0, 0, "127.0.0.1:8080" },
    { "http", "workers",         K_UINT,     F(http.workers),         0, 1024, "0" },
    { "http", "max_body",        K_SIZE,     F(http.max_body),        1024, 1UL << 30, "1M" },
    { "http", "timeout",         K_UINT,     F(http.timeout),         1, 3600, "30" },
    { "http", "request_timeout", K_UINT,     F(http.request_timeout), 1, 3600, "30" },
    { "http", "min_body_rate",   K_SIZE,     F(http.min_body_rate),   1, 1UL << 30, "8K" },
    { "http", "memory_limit",    K_SIZE,     F(http.memory_limit),    16384, 16UL << 20, "64K" },
    { "http", "max_connections", K_UINT,     F(http.max_connections), 1, 100000, "1000" },
    { "http", "max_per_ip",      K_UINT,     F(http.max_per_ip),      0, 100000, "64" },
    { "http", "shutdown_grace",  K_UINT,     F(http.shutdown_grace),  0, 600, "10" },
    { "http", "drain_idle",      K_UINT,     F(http.drain_idle),      0, 600, "0" },
    { "http", "pool_threads",    K_UINT,     F(http.pool_threads),    0, 1024, "0" },
    { "http", "pool_queue",      K_UINT,     F(http.pool_queue),      1, 100000, "64" },
    { "http", "trusted_proxies", K_ADDRS,    F(http.trusted_proxies), 0, 0, "" },
    { "db",   "conninfo",        K_STRING,   F(db.conninfo),          0, 0, "dbname=kpjd" },
    { "db",   "migrate_conninfo", K_STRING,  F(db.migrate_conninfo),  0, 0, "" },
    { "db",   "app_role",        K_STRING,   F(db.app_role),          0, 0, "" },
    { "db",   "auto_migrate",    K_BOOL,     F(db.auto_migrate),      0, 0, "true" },
    { "db",   "connect_timeout", K_UINT,     F(db.connect_timeout),   1, 60, "3" },
    { "db",   "statement_timeout", K_UINT,   F(db.statement_timeout), 0, 3600000, "15000" },
    { "db",   "tx_retries",      K_UINT,     F(db.tx_retries),        0, 100, "10" },
    { "web",  "root",            K_STRING,   F(web.root),             0, 0, "web" },
    { "web",  "public_url",      K_URL,      F(web.public_url),       0, 0, "http://127.0.0.1:8080" },
    { "auth", "session_idle",    K_UINT,     F(auth.session_idle),    1, 86400, "1800" },
    { "auth", "session_lifetime", K_UINT,    F(auth.session_lifetime), 1, 2592000, "43200" },
    { "auth", "cookie_secure",   K_BOOL,     F(auth.cookie_secure),   0, 0, "false" },
    /* at least libsodium's interactive level: 2 passes, 64 MiB */
    { "auth", "pwhash_ops",      K_UINT,     F(auth.pwhash_ops),      2, 20, "2" },
    { "auth", "pwhash_mem",      K_SIZE,     F(auth.pwhash_mem),      64UL << 20, 1UL << 30, "64M" },
    { "auth", "throttle_account", K_UINT,    F(auth.throttle_account), 1, 1000, "5" },
    { "auth", "throttle_address", K_UINT,    F(auth.throttle_address), 1, 100000, "20" },
    { "auth", "throttle_window", K_UINT,     F(auth.throttle_window), 1, 86400, "900" },
    { "auth", "lockout_max",     K_UINT,     F(auth.lockout_max),     1, 86400, "900" },
    { "auth", "reset_address_limit",  K_UINT, F(auth.reset_address_limit),  1, 100000, "5" },
    { "auth", "reset_address_window", K_UINT, F(auth.reset_address_window), 1, 86400, "900" },
    { "auth", "reset_account_limit",  K_UINT, F(auth.reset_account_limit),  1, 100, "3" },
    { "auth", "reset_account_window", K_UINT, F(auth.reset_account_window), 1, 86400, "3600" },
    { "attachments", "max_file",  K_SIZE, F(attachments.max_file),  1024, 1UL << 34, "200M" },
    { "attachments", "max_total", K_SIZE, F(attachments.max_total), 1024, 1UL << 36, "500M" },
    { "attachments", "upload_grace", K_UINT, F(attachments.upload_grace), 2, 86400, "600" },
    { "invitations", "lookup_limit",  K_UINT, F(invitations.lookup_limit),  1, 100000, "30" },
    { "invitations", "lookup_window", K_UINT, F(invitations.lookup_window), 1, 86400, "60" },
    { "objections", "limit",     K_UINT,     F(objections.limit),     1, 100000, "10" },
    { "objections", "window",    K_UINT,     F(objections.window),    1, 604800, "3600" },
    { "csp",  "report_limit",    K_UINT,     F(csp.report_limit),     1, 100000, "20" },
    { "csp",  "report_window",   K_UINT,     F(csp.report_window),    1, 86400, "60" },
    { "crypto", "signing_key",   K_STRING,   F(crypto.signing_key),   0, 0, "" },
    { "crypto", "retired_keys",  K_STRING,   F(crypto.retired_keys),  0, 0, "" },
    { "audit", "checkpoint_interval", K_UINT, F(audit.checkpoint_interval), 0, 604800, "3600" },
    { "reminders", "every",      K_UINT,     F(reminders.every),      1, 86400, "3600" },
    { "log",  "level",           K_LOGLEVEL, F(log.level),            0, 0, "info" },
    { "log",  "format",          K_LOGFORMAT, F(log.format),          0, 0, "text" },
    { "metrics", "allow",        K_ADDRS,    F(metrics.allow),        0, 0, "127.0.0.1 ::1" },
    { "mail", "url",             K_STRING,   F(mail.url),             0, 0, "" },
    { "mail", "from",            K_STRING,   F(mail.from),            0, 0, "" },
    { "mail", "credentials_file", K_STRING,  F(mail.credentials_file), 0, 0, "" },
    { "mail", "starttls",        K_STRING,   F(mail.starttls),        0, 0, "try" },
    { "mail", "domain",          K_STRING,   F(mail.domain),          0, 0, "" },
    { "mail", "rate",            K_UINT,     F(mail.rate),            1, 100000, "60" },
    { "mail", "max_attempts",    K_UINT,     F(mail.max_attempts),    1, 100, "8" },
    { "mail", "retry_base",      K_UINT,     F(mail.retry_base),      1, 86400, "60" },
    { "mail", "retry_max",       K_UINT,     F(mail.retry_max),       1, 604800, "21600" },
    { "mail", "poll",            K_UINT,     F(mail.poll),            1, 3600, "10" },
    { "mail", "timeout",         K_UINT,     F(mail.timeout),         1, 600, "30" },
};

#define NKEYS (sizeof keys / sizeof keys[0])

static bool parse_ulong(const char *s, unsigned long *out)
{
    if (!isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0)
        return false;
    unsigned long mult = 1;
    if (*end == 'K' || *end == 'k') mult = 1UL << 10, end++;
    else if (*end == 'M' || *end == 'm') mult = 1UL << 20, end++;
    else if (*end == 'G' || *end == 'g') mult = 1UL << 30, end++;
    if (*end != '\0' || v > (unsigned long)-1 / mult)
        return false;
    *out = v * mult;
    return true;
}

/* Whether v is an http(s) URL the public can be sent to (in certificates'
 * QR codes): a scheme, a host of letters, digits, '.', '-' (or an IPv6
 * literal in brackets), an optional port, an optional path of printable
 * ASCII; no user, query or fragment.  Trailing slashes are not counted:
 * `len` is the length without them. */
static bool public_url(const char *v, size_t *len)
{
    const char *host = strncmp(v, "https://", 8) == 0 ? v + 8
                     : strncmp(v, "http://", 7) == 0  ? v + 7 : NULL;
    if (host == NULL)
        return false;
    const char *p = host;
    if (*p == '[') {
        p += 1 + strspn(p + 1, "0123456789abcdefABCDEF:.");
        if (*p++ != ']' || p - host < 4)
            return false;
    } else {
        p += strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
        if (p == host || *host == '.' || *host == '-')
            return false;
    }
    if (*p == ':') {
        size_t digits = strspn(p + 1, "0123456789");
        if (digits == 0 || digits > 5 || strtoul(p + 1, NULL, 10) > 65535)
            return false;
        p += 1 + digits;
    }
    if (*p != '\0' && *p != '/')
        return false;
    for (const char *q = p; *q; q++)
        if (*q <= ' ' || *q > '~' || *q == '?' || *q == '#' || *q == '"' || *q == '\\')
            return false;
    size_t n = strlen(v);
    while (n > (size_t)(p - v) && v[n - 1] == '/')
        n--;
    *len = n;
    return true;
}

/* Sets one key from text; on failure writes what was expected into why. */
static enum kp_err set_value(struct kp_config *cfg, const struct key *k, const char *v,
                             char *why, size_t n)
{
    char *field = (char *)cfg + k->offset;
    unsigned long u;
    switch (k->kind) {
    case K_STRING:
        if (strlen(v) >= k->size) {
            snprintf(why, n, "longer than %zu bytes", k->size - 1);
            return KP_E_INVAL;
        }
        memcpy(field, v, strlen(v) + 1);
        return KP_OK;
    case K_UINT:
    case K_SIZE:
        if (!parse_ulong(v, &u) || (k->kind == K_UINT && !isdigit((unsigned char)v[strlen(v) - 1]))
            || u < k->min || u > k->max) {
            snprintf(why, n, "expected %s from %lu to %lu, got '%s'",
                     k->kind == K_SIZE ? "a size (bytes, or with K, M, G)" : "an integer",
                     k->min, k->max, v);
            return KP_E_INVAL;
        }
        if (k->kind == K_UINT)
            *(unsigned *)(void *)field = (unsigned)u;
        else
            *(size_t *)(void *)field = u;
        return KP_OK;
    case K_BOOL:
        if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
            *(bool *)(void *)field = true;
        else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0"))
            *(bool *)(void *)field = false;
        else {
            snprintf(why, n, "expected true or false, got '%s'", v);
            return KP_E_INVAL;
        }
        return KP_OK;
    case K_LISTEN:
        if (strlen(v) >= k->size ||
            kp_addr_parse_listen(v, &cfg->http.listen_addr, &cfg->http.listen_len) != KP_OK) {
            snprintf(why, n, "expected an address like 127.0.0.1:8080 or [::1]:8080, got '%s'", v);
            return KP_E_INVAL;
        }
        memcpy(field, v, strlen(v) + 1);
        return KP_OK;
    case K_LOGLEVEL:
        if (!kp_log_level_parse(v, (enum kp_log_level *)(void *)field)) {
            snprintf(why, n, "expected debug, info, warn or error, got '%s'", v);
            return KP_E_INVAL;
        }
        return KP_OK;
    case K_LOGFORMAT:
        if (!kp_log_format_parse(v, (enum kp_log_format *)(void *)field)) {
            snprintf(why, n, "expected text or json, got '%s'", v);
            return KP_E_INVAL;
        }
        return KP_OK;
    case K_URL: {
        size_t len;
        if (!public_url(v, &len) || len >= k->size) {
            snprintf(why, n, "expected an http:// or https:// URL (a host, a port, a path; "
                     "no query), got '%s'", v);
            return KP_E_INVAL;
        }
        memcpy(field, v, len);
        field[len] = '\0';
        return KP_OK;
    }
    case K_ADDRS:
        if (kp_addr_list_parse(v, (struct kp_addr_list *)(void *)field) != KP_OK) {
            snprintf(why, n, "expected IP addresses or networks (10.0.0.0/8), got '%s'", v);
            return KP_E_INVAL;
        }
        return KP_OK;
    }
    return KP_E_INVAL;
}

void kp_config_defaults(struct kp_config *cfg)
{
    char why[256];
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NKEYS; i++) {
        enum kp_err err = set_value(cfg, &keys[i], keys[i].def, why, sizeof why);
        (void)err;
        assert(err == KP_OK);           /* the table's defaults are valid */
    }
}

static const struct key *find_key(const char *section, const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static bool known_section(const char *section)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].section, section) == 0)
            return true;
    return false;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

enum kp_err kp_config_load_text(struct kp_config *cfg, const char *name,
                                const char *text, char *why, size_t why_len)
{
    char section[32] = "";
    bool seen[NKEYS] = { false };
    unsigned lineno = 0;
    const char *p = text;
    while (*p) {
        char line[2048];
        size_t len = strcspn(p, "\n");
        lineno++;
        if (len >= sizeof line) {
            snprintf(why, why_len, "%s:%u: line too long", name, lineno);
            return KP_E_INVAL;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        p += len + (p[len] == '\n');
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (end == NULL || end[1] != '\0' || (size_t)(end - s - 1) >= sizeof section) {
                snprintf(why, why_len, "%s:%u: expected [section]", name, lineno);
                return KP_E_INVAL;
            }
            *end = '\0';
            if (!known_section(s + 1)) {
                snprintf(why, why_len, "%s:%u: unknown section '%s'", name, lineno, s + 1);
                return KP_E_INVAL;
            }
            strcpy(section, s + 1);
            continue;
        }
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(why, why_len, "%s:%u: expected 'key = value'", name, lineno);
            return KP_E_INVAL;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        size_t vl = strlen(value);
        if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
            value[vl - 1] = '\0';
            value++;
        }
        const struct key *k = find_key(section, key);
        if (k == NULL) {
            snprintf(why, why_len, "%s:%u: unknown key '%s%s%s'", name, lineno,
                     section, *section ? "." : "", key);
            return KP_E_INVAL;
        }
        if (seen[k - keys]) {
            snprintf(why, why_len, "%s:%u: %s.%s is set twice", name, lineno, k->section, k->name);
            return KP_E_INVAL;
        }
        seen[k - keys] = true;
        char expected[200];
        if (set_value(cfg, k, value, expected, sizeof expected) != KP_OK) {
            snprintf(why, why_len, "%s:%u: %s.%s: %s", name, lineno, k->section, k->name, expected);
            return KP_E_INVAL;
        }
    }
    return KP_OK;
}

enum kp_err kp_config_load_file(struct kp_config *cfg, const char *path,
                                char *why, size_t why_len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(why, why_len, "cannot read %s: %s", path, strerror(errno));
        return KP_E_IO;
    }
    char *text = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&text, &cap, '\0', f);  /* the whole file */
    bool failed = ferror(f);
    fclose(f);
    if (n < 0 && failed) {
        free(text);
        snprintf(why, why_len, "cannot read %s: %s", path, strerror(errno));
        return KP_E_IO;
    }
    enum kp_err err = kp_config_load_text(cfg, path, n < 0 ? "" : text, why, why_len);
    free(text);
    return err;
}

enum kp_err kp_config_apply_env(struct kp_config *cfg, char *const *env,
                                char *why, size_t why_len)
{
    for (; *env; env++) {
        const char *var = *env;
        if (strncmp(var, "KPJD_", 5) != 0)
            continue;
        const char *eq = strchr(var, '=');
        if (eq == NULL)
            continue;
        const char *name = var + 5;
        size_t name_len = (size_t)(eq - name);
        const struct key *match = NULL;
        bool section_known = false;
        for (size_t i = 0; i < NKEYS; i++) {
            size_t sl = strlen(keys[i].section), kl = strlen(keys[i].name);
            if (name_len <= sl || name[sl] != '_' || strncasecmp(name, keys[i].section, sl) != 0)
                continue;
            section_known = true;
            if (name_len == sl + 1 + kl && strncasecmp(name + sl + 1, keys[i].name, kl) == 0)
                match = &keys[i];
        }
        if (match == NULL && section_known) {
            snprintf(why, why_len, "%.*s: unknown configuration key", (int)(eq - var), var);
            return KP_E_INVAL;
        }
        if (match == NULL)
            continue;
        char expected[200];
        if (set_value(cfg, match, eq + 1, expected, sizeof expected) != KP_OK) {
            snprintf(why, why_len, "%.*s: %s", (int)(eq - var), var, expected);
            return KP_E_INVAL;
        }
    }
    return KP_OK;
}

enum kp_err kp_config_check(const struct kp_config *cfg, char *why, size_t why_len)
{
    if (cfg->attachments.upload_grace < 2 * cfg->http.timeout) {
        snprintf(why, why_len, "attachments.upload_grace (%u s) must be at least twice http.timeout "
                 "(%u s): an upload may be silent that long and still be alive",
                 cfg->attachments.upload_grace, cfg->http.timeout);
        return KP_E_INVAL;
    }
    const char *url = cfg->mail.url;
    const char *host = strncmp(url, "smtp://", 7) == 0 ? url + 7 : strncmp(url, "smtps://", 8) == 0 ? url + 8 : NULL;
    if (*url != '\0' && (host == NULL || *host == '\0' || *host == '/' || strpbrk(url, " \t\r\n") != NULL)) {
        snprintf(why, why_len, "mail.url: expected smtp://host:port or smtps://host:port, got '%s'", url);
        return KP_E_INVAL;
    }
    if (*url != '\0' && cfg->mail.from[0] == '\0') {
        snprintf(why, why_len, "mail.from: the sender's address is needed when mail.url is set");
        return KP_E_INVAL;
    }
    const char *tls = cfg->mail.starttls;
    if (strcmp(tls, "off") != 0 && strcmp(tls, "try") != 0 && strcmp(tls, "required") != 0) {
        snprintf(why, why_len, "mail.starttls: expected off, try or required, got '%s'", tls);
        return KP_E_INVAL;
    }
    /* The domain goes into every Message-ID: a bad one would fail every mail. */
    const char *dom = cfg->mail.domain;
    size_t dl = strlen(dom);
    if (dl > 0 && (dl > 200 || strspn(dom, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != dl ||
                   dom[0] == '.' || dom[0] == '-' || dom[dl - 1] == '.' || strstr(dom, "..") != NULL)) {
        snprintf(why, why_len, "mail.domain: expected a domain name (letters, digits, '-', '.'), got '%s'", dom);
        return KP_E_INVAL;
    }
    /* With `try`, whoever sits between us and the server can strip
     * STARTTLS and read the password that AUTH then sends. */
    if (cfg->mail.credentials_file[0] != '\0' && strncmp(url, "smtp://", 7) == 0 &&
        strcmp(tls, "required") != 0) {
        snprintf(why, why_len, "mail.credentials_file is set: mail.starttls must be 'required' "
                 "(or mail.url smtps://), or the password may cross the network in clear");
        return KP_E_INVAL;
    }
    return KP_OK;
}
