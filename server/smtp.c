#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "smtp.h"

/* Reads the two lines of the credentials file. */
static bool read_credentials(const char *path, struct kp_smtp *s, char *why, size_t why_len)
{
    FILE *f = fopen(path, "r");
    struct stat st;
    if (f == NULL || fstat(fileno(f), &st) != 0) {
        snprintf(why, why_len, "mail.credentials_file: cannot read %s: %s", path, strerror(errno));
        if (f != NULL)
            fclose(f);
        return false;
    }
    bool ok = (st.st_mode & 077) == 0;
    if (!ok)
        snprintf(why, why_len, "mail.credentials_file: %s may be read by its group or others "
                 "(chmod 600 it)", path);
    char *lines[] = { s->user, s->password };
    for (int i = 0; ok && i < 2; i++) {
        ok = fgets(lines[i], sizeof s->user, f) != NULL;
        lines[i][strcspn(lines[i], "\r\n")] = '\0';
        if (!ok || lines[i][0] == '\0')
            snprintf(why, why_len, "mail.credentials_file: %s holds no %s on line %d", path,
                     i == 0 ? "user" : "password", i + 1);
        ok = ok && lines[i][0] != '\0';
    }
    fclose(f);
    return ok;
}

bool kp_smtp_prepare(const struct kp_config *cfg, struct kp_smtp *s, char *why, size_t why_len)
{
    memset(s, 0, sizeof *s);
    snprintf(s->url, sizeof s->url, "%s", cfg->mail.url);
    if (!kp_mail_from_parse(cfg->mail.from, &s->from)) {
        snprintf(why, why_len, "mail.from: expected addr@example.cn or 名称 <addr@example.cn>, got '%s'",
                 cfg->mail.from);
        return false;
    }
    snprintf(s->domain, sizeof s->domain, "%s",
             cfg->mail.domain[0] ? cfg->mail.domain : kp_mail_addr_domain(s->from.addr));
    s->use_ssl = strcmp(cfg->mail.starttls, "required") == 0 ? CURLUSESSL_ALL
               : strcmp(cfg->mail.starttls, "try") == 0      ? CURLUSESSL_TRY : CURLUSESSL_NONE;
    s->timeout = cfg->mail.timeout;
    return cfg->mail.credentials_file[0] == '\0' || read_credentials(cfg->mail.credentials_file, s, why, why_len);
}

void kp_smtp_clear(struct kp_smtp *s)
{
    sodium_memzero(s->password, sizeof s->password);
}

/* ---- one message ---- */

struct transfer {
    const char *msg;
    size_t len, pos;
    const atomic_bool *stop;
    char reply[400];             /* the server's first refusal (4xx, 5xx), "" if none */
};

static size_t read_msg(char *out, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t k = size * n < t->len - t->pos ? size * n : t->len - t->pos;
    memcpy(out, t->msg + t->pos, k);
    t->pos += k;
    return k;
}

/* Server replies come to the debug callback as "header" data.  The first
 * refusal is the answer; the QUIT that follows it is not. */
static int keep_reply(CURL *c, curl_infotype type, char *data, size_t n, void *arg)
{
    (void)c;
    struct transfer *t = arg;
    if (type == CURLINFO_HEADER_IN && n > 0 && t->reply[0] == '\0' && (data[0] == '4' || data[0] == '5')) {
        size_t k = n < sizeof t->reply - 1 ? n : sizeof t->reply - 1;
        memcpy(t->reply, data, k);
        t->reply[k] = '\0';
        t->reply[strcspn(t->reply, "\r\n")] = '\0';
    }
    return 0;
}

static int check_stop(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return atomic_load(((struct transfer *)arg)->stop) ? 1 : 0;
}

void kp_smtp_send(const struct kp_smtp *s, const char *to, const char *msg, size_t len,
                  const atomic_bool *stop, struct kp_smtp_result *r)
{
    struct transfer t = { .msg = msg, .len = len, .stop = stop };
    char errbuf[CURL_ERROR_SIZE] = "";
    char from[sizeof s->from.addr + 2];
    snprintf(from, sizeof from, "<%s>", s->from.addr);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    CURL *c = curl_easy_init();
    if (c == NULL || rcpt == NULL) {
        r->outcome = KP_MAIL_TEMPORARY;
        snprintf(r->answer, sizeof r->answer, "out of memory");
        curl_slist_free_all(rcpt);
        curl_easy_cleanup(c);
        return;
    }
    curl_easy_setopt(c, CURLOPT_URL, s->url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_msg);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_USE_SSL, s->use_ssl);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(s->timeout < 10 ? s->timeout : 10));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)s->timeout);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);                 /* for keep_reply only */
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, keep_reply);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_stop);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (s->user[0] != '\0') {
        curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, s->password);
    }
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    r->outcome = kp_mail_outcome_of(rc == CURLE_OK, code, t.pos == t.len);
    if (rc == CURLE_OK)
        r->answer[0] = '\0';
    else if (t.reply[0] != '\0')
        snprintf(r->answer, sizeof r->answer, "%s", t.reply);
    else
        snprintf(r->answer, sizeof r->answer, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
}
