/* One line per event on standard error: time, level, message.  A line is
 * written with a single write(2), so lines from worker threads never mix.
 *
 * log.format text: "2026-11-29T04:55:41.123Z info  message".  Whatever a
 * message quotes (a path, a header, a report) cannot break the line or
 * reach the terminal that shows it: line ends become spaces; other C0
 * controls, DEL, C1 controls (U+0080–U+009F), the bidirectional controls
 * of lib/utf8.h and bytes that are not UTF-8 are written as \xHH, one per
 * byte.  A line is at most 2047 bytes; a longer one is cut between
 * characters (never inside an escape).
 *
 * log.format json: one JSON object a line, for log shippers:
 *   {"ts":"2026-11-29T04:55:41.123Z","level":"info","msg":"...", fields...}
 * Strings are JSON-escaped: '"' and '\' as \" and \\, line ends as \n and
 * \r, the other controls above (C0, DEL, C1, bidi) as \uXXXX, so the line
 * itself holds none of them raw; a byte that is not UTF-8 becomes the text
 * \xHH (a backslash and three characters), as in the text format.  A line
 * is at most 4096 bytes, newline included; a string that does not fit is
 * cut between characters and the object is still closed: every line
 * parses. */
#ifndef KP_LOG_H
#define KP_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum kp_log_level { KP_LOG_DEBUG, KP_LOG_INFO, KP_LOG_WARN, KP_LOG_ERROR };
enum kp_log_format { KP_LOG_TEXT, KP_LOG_JSON };

/* Parses "debug", "info", "warn", "error". */
bool kp_log_level_parse(const char *s, enum kp_log_level *out);

/* Parses "text", "json". */
bool kp_log_format_parse(const char *s, enum kp_log_format *out);

/* Set once at start, before threads run. */
void kp_log_set_level(enum kp_log_level level);
void kp_log_set_format(enum kp_log_format format);

void kp_log(enum kp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A structured field of a line: a JSON member in the json format (a string
 * when `str` is not NULL, else the integer `num`); the text format writes
 * the message only, which should say the same for a human. */
struct kp_log_field {
    const char *key;            /* a JSON-safe name: letters, digits, '_' */
    const char *str;
    long long   num;
};

/* kp_log with fields (at most 16; later ones are dropped). */
void kp_log_fields(enum kp_log_level level, const struct kp_log_field *fields, size_t nfields,
                   const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define kp_debug(...) kp_log(KP_LOG_DEBUG, __VA_ARGS__)
#define kp_info(...)  kp_log(KP_LOG_INFO, __VA_ARGS__)
#define kp_warn(...)  kp_log(KP_LOG_WARN, __VA_ARGS__)
#define kp_error(...) kp_log(KP_LOG_ERROR, __VA_ARGS__)

#endif
