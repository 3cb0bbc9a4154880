/* One line per event on standard error: time, level, message.  A line is
 * written with a single write(2), so lines from worker threads never mix.
 * Whatever a message quotes (a path, a header, a report) cannot break the
 * line or reach the terminal that shows it: line ends become spaces; other
 * C0 controls, DEL, C1 controls (U+0080–U+009F), the bidirectional controls
 * of lib/utf8.h and bytes that are not UTF-8 are written as \xHH, one per
 * byte.  A line is at most 2047 bytes; a longer one is cut between
 * characters (never inside an escape). */
#ifndef KP_LOG_H
#define KP_LOG_H

#include <stdbool.h>

enum kp_log_level { KP_LOG_DEBUG, KP_LOG_INFO, KP_LOG_WARN, KP_LOG_ERROR };

/* Parses "debug", "info", "warn", "error". */
bool kp_log_level_parse(const char *s, enum kp_log_level *out);

/* Set once at start, before threads run. */
void kp_log_set_level(enum kp_log_level level);

void kp_log(enum kp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define kp_debug(...) kp_log(KP_LOG_DEBUG, __VA_ARGS__)
#define kp_info(...)  kp_log(KP_LOG_INFO, __VA_ARGS__)
#define kp_warn(...)  kp_log(KP_LOG_WARN, __VA_ARGS__)
#define kp_error(...) kp_log(KP_LOG_ERROR, __VA_ARGS__)

#endif
