#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

static enum kp_log_level min_level = KP_LOG_INFO;

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

void kp_log_set_level(enum kp_log_level level)
{
    min_level = level;
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

void kp_log(enum kp_log_level level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char line[2048], msg[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ %-5s ",
                          ts.tv_nsec / 1000000, names[level]);
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
        msg[0] = '\0';
    va_end(ap);
    append_escaped(line, &n, sizeof line - 1, msg);
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
