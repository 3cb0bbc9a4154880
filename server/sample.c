/* kpjdd sample --seed HEX --rate R [--stratify-by none|region|category]
 *
 * Draws a kpjd-sample-v1 sample (lib/domain/sample.h) offline, as the API
 * draws it, from candidates on standard input: one a line, header-less,
 * tab-separated `id [TAB region [TAB category]]`, LF or CRLF; the id in
 * decimal (1 to 2^63-1, no sign, no leading zero), the column that
 * --stratify-by names present and not empty.  Writes the selected ids,
 * ascending, one a line.  Exit 2 for a bad command line, 1 for bad input,
 * with one line in Chinese and English naming the line at fault. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sample.h"

#define LINE_MAX_BYTES 1024   /* of a line, without its end */
#define COLUMNS 3             /* id, region, category */

struct input {
    struct kp_sample_candidate *c;
    char **strata;            /* owned copies, one a candidate (NULL when unstratified) */
    size_t n, cap;
};

static void input_free(struct input *in)
{
    for (size_t i = 0; i < in->n; i++)
        free(in->strata[i]);
    free(in->strata);
    free(in->c);
}

/* One line: "kpjdd: sample: " and the message. */
__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kpjdd: sample: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static bool parse_id(const char *s, int64_t *out)
{
    if (*s < '1' || *s > '9')
        return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - (*s - '0')) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

/* Reads one line into buf (LINE_MAX_BYTES + 1), without its end.  1 for a
 * line, 0 at the end of input, -1 (and a message) for a line too long, a
 * NUL in it, or a read error. */
static int read_line(char *buf, size_t lineno)
{
    size_t len = 0;
    int ch;
    while ((ch = getchar()) != EOF && ch != '\n') {
        if (ch == '\0') {
            say("第 %zu 行含 NUL 字节 / line %zu: contains a NUL byte", lineno, lineno);
            return -1;
        }
        if (len == LINE_MAX_BYTES + 1) {   /* room for a CR that ends it */
            say("第 %zu 行超过 %d 字节 / line %zu: longer than %d bytes", lineno, LINE_MAX_BYTES,
                lineno, LINE_MAX_BYTES);
            return -1;
        }
        buf[len++] = (char)ch;
    }
    if (ferror(stdin)) {
        say("读取标准输入失败 / cannot read standard input: %s", strerror(errno));
        return -1;
    }
    if (ch == EOF && len == 0)
        return 0;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    if (len > LINE_MAX_BYTES) {
        say("第 %zu 行超过 %d 字节 / line %zu: longer than %d bytes", lineno, LINE_MAX_BYTES,
            lineno, LINE_MAX_BYTES);
        return -1;
    }
    buf[len] = '\0';
    return 1;
}

static const char *const column_zh[] = { "编号", "地区", "类别" };
static const char *const column_en[] = { "id", "region", "category" };

/* Splits and checks one line, and keeps it.  false (and a message) when it
 * cannot be a candidate. */
static bool take_line(struct input *in, char *line, size_t lineno, enum kp_sample_stratify by)
{
    char *field[COLUMNS] = { line, NULL, NULL };
    size_t nf = 1;
    for (char *p = line; (p = strchr(p, '\t')) != NULL; ) {
        if (nf == COLUMNS) {
            say("第 %zu 行多于 %d 列 / line %zu: more than %d columns", lineno, COLUMNS, lineno, COLUMNS);
            return false;
        }
        *p++ = '\0';
        field[nf++] = p;
    }
    int64_t id;
    if (!parse_id(field[0], &id)) {
        say("第 %zu 行：编号应为不带符号和前导零的正整数（至多 %" PRId64 "）/ line %zu: the id must "
            "be a positive integer without sign or leading zeros (at most %" PRId64 ")",
            lineno, INT64_MAX, lineno, INT64_MAX);
        return false;
    }
    /* enum order is column order: region is column 2, category 3 */
    size_t col = by == KP_SAMPLE_REGION ? 1 : by == KP_SAMPLE_CATEGORY ? 2 : 0;
    char *stratum = NULL;
    if (col > 0) {
        if (field[col] == NULL || field[col][0] == '\0') {
            say("第 %zu 行缺少%s（第 %zu 列）/ line %zu: no %s (column %zu)", lineno, column_zh[col],
                col + 1, lineno, column_en[col], col + 1);
            return false;
        }
        if ((stratum = strdup(field[col])) == NULL) {
            say("内存不足 / out of memory");
            return false;
        }
    }
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 256;
        struct kp_sample_candidate *c = realloc(in->c, cap * sizeof *c);
        if (c != NULL)
            in->c = c;
        char **s = c != NULL ? realloc(in->strata, cap * sizeof *s) : NULL;
        if (s == NULL) {
            free(stratum);
            say("内存不足 / out of memory");
            return false;
        }
        in->strata = s;
        in->cap = cap;
    }
    in->strata[in->n] = stratum;
    in->c[in->n++] = (struct kp_sample_candidate){ id, stratum };
    return true;
}

static bool read_input(struct input *in, enum kp_sample_stratify by)
{
    char line[LINE_MAX_BYTES + 2];
    for (size_t lineno = 1;; lineno++) {
        int r = read_line(line, lineno);
        if (r <= 0)
            return r == 0;
        if (line[0] == '\0') {
            say("第 %zu 行是空行 / line %zu: empty line", lineno, lineno);
            return false;
        }
        if (in->n == KP_SAMPLE_MAX) {
            say("候选多于 %d 个（第 %zu 行）/ more than %d candidates (line %zu)", KP_SAMPLE_MAX, lineno,
                KP_SAMPLE_MAX, lineno);
            return false;
        }
        if (!take_line(in, line, lineno, by))
            return false;
    }
}

/* What kp_sample_draw refused, by line (candidate i is line i + 1). */
static void say_fault(const struct input *in, const struct kp_sample_fault *f, enum kp_sample_stratify by)
{
    size_t lineno = f->index + 1;
    size_t col = by == KP_SAMPLE_REGION ? 1 : 2;
    switch (f->kind) {
    case KP_SAMPLE_FAULT_COUNT:
        say("候选多于 %d 个 / more than %d candidates", KP_SAMPLE_MAX, KP_SAMPLE_MAX);
        return;
    case KP_SAMPLE_FAULT_ID:
        say("第 %zu 行：编号应为正整数 / line %zu: the id must be positive", lineno, lineno);
        return;
    case KP_SAMPLE_FAULT_DUPLICATE:
        say("第 %zu 行：编号 %" PRId64 " 重复 / line %zu: id %" PRId64 " appears twice", lineno,
            in->c[f->index].id, lineno, in->c[f->index].id);
        return;
    case KP_SAMPLE_FAULT_STRATUM:
        say("第 %zu 行：%s不是 UTF-8 或超过 %d 字节 / line %zu: the %s is not UTF-8 or longer "
            "than %d bytes", lineno, column_zh[col], KP_SAMPLE_STRATUM_MAX, lineno, column_en[col],
            KP_SAMPLE_STRATUM_MAX);
        return;
    }
}

static const char USAGE[] =
    "usage: kpjdd sample --seed HEX --rate R [--stratify-by none|region|category] < candidates.tsv\n";

/* One line, exit status 2. */
static int usage_error(const char *zh, const char *en, const char *arg)
{
    if (arg != NULL)
        say("%s：'%s' / %s: '%s' (kpjdd sample --help)", zh, arg, en, arg);
    else
        say("%s / %s", zh, en);
    return 2;
}

int kp_cli_sample(int argc, char **argv)
{
    const char *seed_text = NULL, *rate_text = NULL, *by_text = "none";
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(USAGE, stdout);
            return 0;
        }
        const char **opt = strcmp(argv[i], "--seed") == 0        ? &seed_text
                         : strcmp(argv[i], "--rate") == 0        ? &rate_text
                         : strcmp(argv[i], "--stratify-by") == 0 ? &by_text
                                                                 : NULL;
        if (opt == NULL)
            return usage_error("不认识的参数", "unexpected argument", argv[i]);
        if (i + 1 == argc)
            return usage_error("缺少取值", "no value for", argv[i]);
        *opt = argv[++i];
    }
    uint8_t seed[KP_SAMPLE_SEED_LEN];
    struct kp_sample_rate rate;
    enum kp_sample_stratify by;
    if (seed_text == NULL || rate_text == NULL)
        return usage_error("需要 --seed 和 --rate", "--seed and --rate are required (kpjdd sample --help)",
                           NULL);
    if (!kp_sample_seed_parse(seed_text, seed))
        return usage_error("--seed 应为 64 个十六进制字符", "--seed must be 64 hex characters", NULL);
    if (!kp_sample_rate_parse(rate_text, &rate))
        return usage_error("--rate 应为 (0, 1] 中的十进制数，至多 9 位小数",
                           "--rate must be a decimal number in (0, 1] with at most 9 decimal places",
                           NULL);
    if (!kp_sample_stratify_parse(by_text, &by))
        return usage_error("--stratify-by 应为 none、region 或 category",
                           "--stratify-by must be none, region or category", NULL);

    struct input in = { 0 };
    int rc = 1;
    int64_t *selected = NULL;
    size_t m = 0;
    struct kp_sample_fault fault;
    if (!read_input(&in, by))
        goto out;
    if (in.n > 0 && (selected = malloc(in.n * sizeof *selected)) == NULL) {
        say("内存不足 / out of memory");
        goto out;
    }
    enum kp_err err = kp_sample_draw(seed, &rate, in.c, in.n, selected, &m, &fault);
    if (err == KP_E_INVAL) {
        say_fault(&in, &fault, by);
        goto out;
    }
    if (err) {
        say("内存不足 / out of memory");
        goto out;
    }
    for (size_t i = 0; i < m; i++)
        printf("%" PRId64 "\n", selected[i]);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        say("写标准输出失败 / cannot write standard output: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(selected);
    input_free(&in);
    return rc;
}
