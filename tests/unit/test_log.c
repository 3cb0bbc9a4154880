/* lib/log: level names, and what reaches standard error: one line per
 * call, whatever the message holds. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "support/unit.h"

START_TEST(level_names)
{
    enum kp_log_level l = KP_LOG_ERROR;
    ck_assert(kp_log_level_parse("debug", &l));
    ck_assert_int_eq(l, KP_LOG_DEBUG);
    ck_assert(kp_log_level_parse("info", &l));
    ck_assert_int_eq(l, KP_LOG_INFO);
    ck_assert(kp_log_level_parse("warn", &l));
    ck_assert_int_eq(l, KP_LOG_WARN);
    ck_assert(kp_log_level_parse("error", &l));
    ck_assert_int_eq(l, KP_LOG_ERROR);
    const char *bad[] = { "", "warning", "inf", "errors", "trace", " info" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        l = KP_LOG_WARN;
        ck_assert_msg(!kp_log_level_parse(bad[i], &l), "'%s' accepted", bad[i]);
        ck_assert_int_eq(l, KP_LOG_WARN);          /* untouched */
    }
}
END_TEST

/* Standard error goes to a temp file between capture_start and capture_end. */
static int saved_stderr = -1;
static FILE *captured;

static void capture_start(void)
{
    fflush(stderr);
    captured = tmpfile();
    ck_assert_ptr_nonnull(captured);
    saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(saved_stderr, 0);
    ck_assert_int_ge(dup2(fileno(captured), STDERR_FILENO), 0);
}

/* Returns what was written; caller frees. */
static char *capture_end(void)
{
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    saved_stderr = -1;
    fseek(captured, 0, SEEK_END);
    long size = ftell(captured);
    rewind(captured);
    char *out = calloc(1, (size_t)size + 1);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(fread(out, 1, (size_t)size, captured), (size_t)size);
    fclose(captured);
    captured = NULL;
    return out;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Splits `text` into its lines (newlines become NULs); returns how many. */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    for (char *p = text, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        *nl = '\0';
        if (n < max)
            lines[n] = p;
        n++;
    }
    return n;
}

/* "2026-11-29T04:55:41.123Z <level padded to 5> <message>", without the newline */
static void assert_line(const char *line, const char *level, const char *message)
{
    ck_assert_msg(strlen(line) > 25, "short line '%s'", line);
    ck_assert_msg(line[4] == '-' && line[7] == '-' && line[10] == 'T' && line[13] == ':' &&
                  line[16] == ':' && line[19] == '.' && line[23] == 'Z' && line[24] == ' ',
                  "timestamp in '%s'", line);
    char want[600];
    snprintf(want, sizeof want, "%-5s %s", level, message);
    ck_assert_str_eq(line + 25, want);
}

START_TEST(one_line_per_call)
{
    kp_log_set_level(KP_LOG_INFO);
    capture_start();
    kp_info("hello %d", 42);
    kp_warn("申报 %s 已提交", "A-1");
    kp_error("boom");
    char *out = capture_end();
    char *lines[4];
    size_t n = split_lines(out, lines, 4);
    ck_assert_uint_eq(n, 3);
    assert_line(lines[0], "info", "hello 42");
    assert_line(lines[1], "warn", "申报 A-1 已提交");
    assert_line(lines[2], "error", "boom");
    free(out);
}
END_TEST

START_TEST(level_filter)
{
    kp_log_set_level(KP_LOG_WARN);
    capture_start();
    kp_debug("no");
    kp_info("no");
    kp_warn("yes1");
    kp_error("yes2");
    char *out = capture_end();
    kp_log_set_level(KP_LOG_INFO);
    ck_assert_uint_eq(count_lines(out), 2);
    ck_assert_ptr_null(strstr(out, "no"));
    ck_assert_ptr_nonnull(strstr(out, "warn  yes1\n"));
    ck_assert_ptr_nonnull(strstr(out, "error yes2\n"));
    free(out);

    kp_log_set_level(KP_LOG_DEBUG);
    capture_start();
    kp_debug("dbg");
    out = capture_end();
    kp_log_set_level(KP_LOG_INFO);
    ck_assert_uint_eq(count_lines(out), 1);
    out[strlen(out) - 1] = '\0';
    assert_line(out, "debug", "dbg");
    free(out);
}
END_TEST

START_TEST(newlines_flattened)
{
    kp_log_set_level(KP_LOG_INFO);
    capture_start();
    kp_info("first\nsecond\r\nthird%s", "\n");
    char *out = capture_end();
    ck_assert_uint_eq(count_lines(out), 1);
    out[strlen(out) - 1] = '\0';
    assert_line(out, "info", "first second  third ");
    free(out);
}
END_TEST

START_TEST(long_message_truncated)
{
    char *big = malloc(5001);
    ck_assert_ptr_nonnull(big);
    memset(big, 'm', 5000);
    big[5000] = '\0';
    kp_log_set_level(KP_LOG_INFO);
    capture_start();
    kp_info("%s", big);
    kp_info("after");
    char *out = capture_end();
    free(big);
    ck_assert_uint_eq(count_lines(out), 2);
    char *nl = strchr(out, '\n');
    ck_assert_uint_eq((size_t)(nl - out), 2046);     /* 2 KiB line buffer, newline kept */
    ck_assert_ptr_nonnull(strstr(nl + 1, "info  after\n"));
    free(out);
}
END_TEST

/* What an attacker can put in a path or a report reaches the log escaped:
 * no terminal escape sequence, no C1 control, no bidi override, no byte
 * that is not UTF-8. */
START_TEST(controls_escaped)
{
    kp_log_set_level(KP_LOG_INFO);
    capture_start();
    kp_info("GET /%s 404", "\x1b[31mred\x1b[0m");
    kp_info("bell\a tab\t nul-free del\x7f");
    kp_info("c1 \xC2\x85 csi \xC2\x9B" "2J");
    kp_info("bidi a\xE2\x80\xAE" "cba b\xE2\x81\xA6" "c");
    kp_info("bad \xFF \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80 cut \xE4\xB8");
    kp_info("kept 申报 \xC2\xA0 \xF0\x9F\x98\x80 \\x1b");
    char *out = capture_end();
    char *lines[8];
    size_t n = split_lines(out, lines, 8);
    ck_assert_uint_eq(n, 6);
    assert_line(lines[0], "info", "GET /\\x1B[31mred\\x1B[0m 404");
    assert_line(lines[1], "info", "bell\\x07 tab\\x09 nul-free del\\x7F");
    assert_line(lines[2], "info", "c1 \\xC2\\x85 csi \\xC2\\x9B2J");
    assert_line(lines[3], "info", "bidi a\\xE2\\x80\\xAEcba b\\xE2\\x81\\xA6c");
    assert_line(lines[4], "info", "bad \\xFF \\xC0\\xAF \\xED\\xA0\\x80 \\xF4\\x90\\x80\\x80 cut \\xE4\\xB8");
    assert_line(lines[5], "info", "kept 申报 \xC2\xA0 \xF0\x9F\x98\x80 \\x1b");
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        ck_assert_msg(*p >= 0x20 || *p == '\n', "raw control 0x%02x in the log", *p);
    free(out);
}
END_TEST

/* A long line of escapes or of Chinese is cut between pieces. */
START_TEST(long_escaped_line_cut_whole)
{
    char big[3000];
    memset(big, 0x1b, sizeof big - 1);
    big[sizeof big - 1] = '\0';
    kp_log_set_level(KP_LOG_INFO);
    capture_start();
    kp_info("%s", big);
    char *out = capture_end();
    ck_assert_uint_eq(count_lines(out), 1);
    size_t len = strlen(out) - 1;                       /* without the newline */
    ck_assert_uint_le(len, 2046);
    ck_assert_uint_eq((len - 31) % 4, 0);              /* after "info  ", whole "\x1B"s */
    ck_assert_str_eq(out + len - 4, "\\x1B\n");
    free(out);

    char cjk[3 * 800 + 1] = "";
    for (int i = 0; i < 800; i++)
        strcat(cjk, "科");
    capture_start();
    kp_info("%s", cjk);
    out = capture_end();
    len = strlen(out) - 1;
    ck_assert_uint_le(len, 2046);
    ck_assert_uint_eq((len - 31) % 3, 0);              /* whole characters after "info  " */
    ck_assert_ptr_null(strstr(out, "\\x"));
    free(out);
}
END_TEST

/* ---- log.format = json ---- */

/* The one line of `out` as a JSON object (asserted), its newline checked. */
static json_t *parse_line(const char *out)
{
    ck_assert_uint_eq(count_lines(out), 1);
    ck_assert_msg(out[strlen(out) - 1] == '\n', "line not ended");
    json_error_t e;
    json_t *o = json_loads(out, JSON_REJECT_DUPLICATES, &e);
    ck_assert_msg(o != NULL, "not JSON (%s): %s", e.text, out);
    ck_assert(json_is_object(o));
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        ck_assert_msg(*p >= 0x20 || *p == '\n', "raw control 0x%02x in a json line", *p);
    return o;
}

static const char *member(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_string(v), "member %s missing or not a string", key);
    return json_string_value(v);
}

START_TEST(json_names)
{
    enum kp_log_format f = KP_LOG_TEXT;
    ck_assert(kp_log_format_parse("json", &f));
    ck_assert_int_eq(f, KP_LOG_JSON);
    ck_assert(kp_log_format_parse("text", &f));
    ck_assert_int_eq(f, KP_LOG_TEXT);
    ck_assert(!kp_log_format_parse("JSON", &f));
    ck_assert(!kp_log_format_parse("", &f));
    ck_assert_int_eq(f, KP_LOG_TEXT);
}
END_TEST

START_TEST(json_line_and_fields)
{
    kp_log_set_level(KP_LOG_INFO);
    kp_log_set_format(KP_LOG_JSON);
    const struct kp_log_field f[] = {
        { "req", "r-1", 0 }, { "route", "GET /applications/{id}", 0 },
        { "status", NULL, 404 }, { "duration_us", NULL, 1234567890123LL },
    };
    capture_start();
    kp_log_fields(KP_LOG_WARN, f, 4, "申报 %s", "A-1");
    char *out = capture_end();
    kp_log_set_format(KP_LOG_TEXT);
    json_t *o = parse_line(out);
    const char *ts = member(o, "ts");           /* RFC 3339, UTC, milliseconds */
    ck_assert_uint_eq(strlen(ts), 24);
    ck_assert_msg(ts[4] == '-' && ts[10] == 'T' && ts[19] == '.' && ts[23] == 'Z', "ts %s", ts);
    ck_assert_str_eq(member(o, "level"), "warn");
    ck_assert_str_eq(member(o, "msg"), "申报 A-1");
    ck_assert_str_eq(member(o, "req"), "r-1");
    ck_assert_str_eq(member(o, "route"), "GET /applications/{id}");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "status")), 404);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "duration_us")), 1234567890123LL);
    ck_assert_uint_eq(json_object_size(o), 7);
    json_decref(o);
    free(out);
}
END_TEST

/* Quotes, backslashes, line ends, controls, bidi controls and bytes that
 * are not UTF-8, in the message and in a field: every line parses, and
 * decodes to what was logged (invalid bytes as the text \xHH). */
START_TEST(json_escaped)
{
    static const struct { const char *in, *decoded; } cases[] = {
        { "say \"hi\" \\ back", "say \"hi\" \\ back" },
        { "a\nb\r\nc\td", "a\nb\r\nc\td" },
        { "GET /\x1b[31mred \x01\x7f", "GET /\x1b[31mred \x01\x7f" },
        { "c1 \xC2\x85 bidi \xE2\x80\xAE" "x \xE2\x81\xA6", "c1 \xC2\x85 bidi \xE2\x80\xAE" "x \xE2\x81\xA6" },
        { "bad \xFF \xC0\xAF cut \xE4\xB8", "bad \\xFF \\xC0\\xAF cut \\xE4\\xB8" },
        { "kept 申报 \xF0\x9F\x98\x80 </script>", "kept 申报 \xF0\x9F\x98\x80 </script>" },
    };
    kp_log_set_level(KP_LOG_INFO);
    kp_log_set_format(KP_LOG_JSON);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct kp_log_field f[] = { { "path", cases[i].in, 0 } };
        capture_start();
        kp_log_fields(KP_LOG_INFO, f, 1, "%s", cases[i].in);
        char *out = capture_end();
        json_t *o = parse_line(out);
        ck_assert_str_eq(member(o, "msg"), cases[i].decoded);
        ck_assert_str_eq(member(o, "path"), cases[i].decoded);
        /* none of the dangerous code points raw in the line itself */
        ck_assert_ptr_null(strstr(out, "\xE2\x80\xAE"));
        ck_assert_ptr_null(strstr(out, "\xC2\x85"));
        json_decref(o);
        free(out);
    }
    kp_log_set_format(KP_LOG_TEXT);
}
END_TEST

/* A line too long for the buffer is cut inside a string, between whole
 * escapes or characters, and still closes: it parses. */
START_TEST(json_long_line_still_parses)
{
    static const char *const fills[] = { "\x1b", "科", "\"", "\xFF", "m" };
    kp_log_set_level(KP_LOG_INFO);
    kp_log_set_format(KP_LOG_JSON);
    for (size_t k = 0; k < sizeof fills / sizeof fills[0]; k++) {
        char big[2000] = "";
        while (strlen(big) + strlen(fills[k]) < sizeof big)
            strcat(big, fills[k]);
        const struct kp_log_field f[] = { { "path", big, 0 }, { "status", NULL, 200 },
                                          { "also", big, 0 } };
        capture_start();
        kp_log_fields(KP_LOG_INFO, f, 3, "%s", big);
        char *out = capture_end();
        ck_assert_uint_le(strlen(out), 4096);              /* newline included */
        json_t *o = parse_line(out);
        ck_assert_str_eq(member(o, "level"), "info");
        json_decref(o);
        free(out);
    }
    kp_log_set_format(KP_LOG_TEXT);
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("log");
    tcase_add_test(tc, level_names);
    tcase_add_test(tc, one_line_per_call);
    tcase_add_test(tc, level_filter);
    tcase_add_test(tc, newlines_flattened);
    tcase_add_test(tc, long_message_truncated);
    tcase_add_test(tc, controls_escaped);
    tcase_add_test(tc, long_escaped_line_cut_whole);
    tcase_add_test(tc, json_names);
    tcase_add_test(tc, json_line_and_fields);
    tcase_add_test(tc, json_escaped);
    tcase_add_test(tc, json_long_line_still_parses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(log_suite());
}
