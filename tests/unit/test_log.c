/* lib/log: level names, and what reaches standard error: one line per
 * call, whatever the message holds. */
#include <check.h>
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

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("log");
    tcase_add_test(tc, level_names);
    tcase_add_test(tc, one_line_per_call);
    tcase_add_test(tc, level_filter);
    tcase_add_test(tc, newlines_flattened);
    tcase_add_test(tc, long_message_truncated);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(log_suite());
}
