#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

static enum kp_log_level min_level = KP_LOG_INFO;
static enum kp_log_format format = KP_LOG_TEXT;

static const char *const names[] = { "debug", "info", "warn", "error" };

bool kp_log_level_parse(const char *s, enum kp_log_level *out)
{
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum kp_log_level)i;
            return true;
        }
    return false;
}

bool kp_log_format_parse(const char *s, enum kp_log_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = KP_LOG_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = KP_LOG_JSON;
    else
        return false;
    return true;
}

void kp_log_set_level(enum kp_log_level level)
{
    min_level = level;
}

void kp_log_set_format(enum kp_log_format f)
{
    format = f;
}

/* Appends msg to line (which holds *n bytes, `cap` in all; one byte is
 * kept for the newline) so that the line shows what the message holds and
 * does nothing to the terminal or viewer that shows it: line ends become
 * spaces (a line is one line); other C0 controls, DEL, C1 controls,
 * bidirectional controls and bytes that are not UTF-8 become \xHH, one per
 * byte.  Stops before a piece that does not fit. */
static void append_escaped(char *line, size_t *n, size_t cap, const char *msg)
{
    size_t len = strlen(msg);
    for (size_t i = 0, step; i < len; i += step) {
        uint32_t cp = 0;
        step = kp_utf8_next(msg + i, len - i, &cp);
        bool valid = step > 0;
        if (!valid)
            step = 1;                           /* judge the next byte on its own */
        if (valid && (cp == '\n' || cp == '\r')) {
            if (*n + 1 >= cap)
                return;
            line[(*n)++] = ' ';
        } else if (!valid || kp_utf8_is_control(cp) || kp_utf8_is_bidi_control(cp)) {
            if (*n + 4 * step >= cap)
                return;
            for (size_t k = 0; k < step; k++)
                *n += (size_t)snprintf(line + *n, 5, "\\x%02X", (unsigned char)msg[i + k]);
        } else {
            if (*n + step >= cap)
                return;
            memcpy(line + *n, msg + i, step);
            *n += step;
        }
    }
}

/* ---- the json format ---- */

/* A JSON line being built.  `limit` keeps three bytes back: the quote that
 * closes a string cut short, the '}' and the newline, so that a line that
 * runs out of room still ends as a whole object. */
struct jline {
    char  *p;
    size_t n, limit;
    bool   full;                 /* a piece did not fit: nothing more is added */
};

/* Appends len bytes whole, or nothing (and the line is full). */
static bool put(struct jline *l, const char *s, size_t len)
{
    if (l->full || l->n + len > l->limit) {
        l->full = true;
        return false;
    }
    memcpy(l->p + l->n, s, len);
    l->n += len;
    return true;
}

/* The body of a JSON string (after its opening quote); its closing quote
 * is written even when the line fills up inside it. */
static void put_string_body(struct jline *l, const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0, step; i < len && !l->full; i += step) {
        uint32_t cp = 0;
        char esc[8 * 4];
        size_t elen = 0;
        step = kp_utf8_next(s + i, len - i, &cp);
        if (step == 0) {                        /* not UTF-8: the text \xHH, as in text lines */
            step = 1;
            elen = (size_t)snprintf(esc, sizeof esc, "\\\\x%02X", (unsigned char)s[i]);
        } else if (cp == '"' || cp == '\\') {
            elen = (size_t)snprintf(esc, sizeof esc, "\\%c", (char)cp);
        } else if (cp == '\n') {
            elen = (size_t)snprintf(esc, sizeof esc, "\\n");
        } else if (cp == '\r') {
            elen = (size_t)snprintf(esc, sizeof esc, "\\r");
        } else if (cp == '\t') {
            elen = (size_t)snprintf(esc, sizeof esc, "\\t");
        } else if (kp_utf8_is_control(cp) || kp_utf8_is_bidi_control(cp)) {
            elen = (size_t)snprintf(esc, sizeof esc, "\\u%04X", (unsigned)cp);  /* all below U+10000 */
        }
        if (elen > 0)
            put(l, esc, elen);
        else
            put(l, s + i, step);
    }
    l->p[l->n++] = '"';                         /* from the bytes kept back */
}

/* ,"key":"value" — the member's head goes whole or not at all. */
static void put_member_string(struct jline *l, const char *key, const char *value)
{
    char head[64];
    int hl = snprintf(head, sizeof head, ",\"%s\":\"", key);
    if (hl < 0 || (size_t)hl >= sizeof head || !put(l, head, (size_t)hl))
        return;
    put_string_body(l, value);
}

static void put_member_num(struct jline *l, const char *key, long long value)
{
    char m[96];
    int ml = snprintf(m, sizeof m, ",\"%s\":%lld", key, value);
    if (ml > 0 && (size_t)ml < sizeof m)
        put(l, m, (size_t)ml);
}

#define MAX_FIELDS 16

static size_t json_line(char *buf, size_t cap, const char *ts, enum kp_log_level level,
                        const struct kp_log_field *fields, size_t nfields, const char *msg)
{
    struct jline l = { .p = buf, .n = 0, .limit = cap - 3 };
    char head[96];
    int hl = snprintf(head, sizeof head, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, names[level]);
    put(&l, head, (size_t)hl);
    put_member_string(&l, "msg", msg);
    for (size_t i = 0; i < nfields && i < MAX_FIELDS; i++) {
        if (fields[i].str != NULL)
            put_member_string(&l, fields[i].key, fields[i].str);
        else
            put_member_num(&l, fields[i].key, fields[i].num);
    }
    buf[l.n++] = '}';
    buf[l.n++] = '\n';
    return l.n;
}

/* ---- both ---- */

static void vlog(enum kp_log_level level, const struct kp_log_field *fields, size_t nfields,
                 const char *fmt, va_list ap)
{
    char line[4096], msg[2048], ts[32];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t tl = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + tl, sizeof ts - tl, ".%03ldZ", now.tv_nsec / 1000000);
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
        msg[0] = '\0';
    size_t n;
    if (format == KP_LOG_JSON) {
        n = json_line(line, sizeof line, ts, level, fields, nfields, msg);
    } else {
        n = (size_t)snprintf(line, 2048, "%s %-5s ", ts, names[level]);
        append_escaped(line, &n, 2048 - 1, msg);
        line[n++] = '\n';
    }
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}

void kp_log(enum kp_log_level level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, NULL, 0, fmt, ap);
    va_end(ap);
}

void kp_log_fields(enum kp_log_level level, const struct kp_log_field *fields, size_t nfields,
                   const char *fmt, ...)
{
    if (level < min_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, fields, nfields, fmt, ap);
    va_end(ap);
}
