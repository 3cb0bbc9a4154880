/* lib/csv: CSV as spreadsheets write it.  Records are collected through the
 * callback and compared field by field; every input is handed over in a
 * heap block of exactly its length (no NUL after it), so that AddressSanitizer
 * sees any read past the end. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "support/unit.h"

/* ---- collecting records ------------------------------------------------ */

#define MAX_RECORDS 64

struct record {
    unsigned line;
    size_t n;
    char *fields[KP_CSV_MAX_FIELDS + 1];
};

static struct {
    struct record rec[MAX_RECORDS];
    size_t n;
    size_t fail_at;            /* the callback refuses this record (1-based; 0: never) */
    enum kp_err fail_with;
} got;

static char why[256];

static void reset(void)
{
    for (size_t r = 0; r < got.n; r++)
        for (size_t f = 0; f < got.rec[r].n; f++)
            free(got.rec[r].fields[f]);
    memset(&got, 0, sizeof got);
}

static enum kp_err collect(void *arg, unsigned line, const char *const *fields, size_t nfields)
{
    ck_assert_ptr_eq(arg, &got);
    ck_assert_uint_ge(nfields, 1);
    ck_assert_uint_le(nfields, KP_CSV_MAX_FIELDS);
    ck_assert_uint_lt(got.n, MAX_RECORDS);
    struct record *r = &got.rec[got.n++];
    r->line = line;
    r->n = nfields;
    for (size_t f = 0; f < nfields; f++) {
        ck_assert_ptr_nonnull(fields[f]);
        r->fields[f] = strdup(fields[f]);
    }
    if (got.fail_at == got.n)
        return got.fail_with;
    return KP_OK;
}

/* Parses len bytes of text (copied to a block of exactly that size). */
static enum kp_err parse_n(const char *text, size_t len)
{
    reset();
    char *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, text, len);
    memset(why, 0, sizeof why);
    enum kp_err err = kp_csv_parse(copy, len, collect, &got, why, sizeof why);
    free(copy);
    return err;
}

static enum kp_err parse(const char *text)
{
    return parse_n(text, strlen(text));
}

/* Record r (0-based) starts on `line` and has exactly the fields given. */
#define RECORD(r, ln, ...)                                                               \
    do {                                                                                 \
        const char *want_[] = { __VA_ARGS__ };                                           \
        size_t nwant_ = sizeof want_ / sizeof want_[0];                                  \
        ck_assert_msg((r) < got.n, "record %d missing (%zu records)", (int)(r), got.n);  \
        ck_assert_msg(got.rec[r].line == (ln), "record %d on line %u, expected %u",      \
                      (int)(r), got.rec[r].line, (unsigned)(ln));                        \
        ck_assert_msg(got.rec[r].n == nwant_, "record %d has %zu fields, expected %zu",  \
                      (int)(r), got.rec[r].n, nwant_);                                   \
        for (size_t f_ = 0; f_ < nwant_; f_++)                                           \
            ck_assert_msg(strcmp(got.rec[r].fields[f_], want_[f_]) == 0,                 \
                          "record %d field %zu: \"%s\", expected \"%s\"", (int)(r), f_,  \
                          got.rec[r].fields[f_], want_[f_]);                             \
    } while (0)

#define RECORDS(n_) ck_assert_msg(got.n == (n_), "%zu records, expected %d", got.n, (int)(n_))

/* ---- tests ------------------------------------------------------------ */

START_TEST(lf_and_crlf)
{
    ck_assert_int_eq(parse("a,b,c\nd,e,f\n"), KP_OK);
    RECORDS(2);
    RECORD(0, 1, "a", "b", "c");
    RECORD(1, 2, "d", "e", "f");

    ck_assert_int_eq(parse("a,b,c\r\nd,e,f\r\n"), KP_OK);
    RECORDS(2);
    RECORD(0, 1, "a", "b", "c");
    RECORD(1, 2, "d", "e", "f");

    /* mixed */
    ck_assert_int_eq(parse("a\r\nb\nc\r\n"), KP_OK);
    RECORDS(3);
    RECORD(0, 1, "a");
    RECORD(1, 2, "b");
    RECORD(2, 3, "c");
}
END_TEST

START_TEST(last_line_without_newline)
{
    ck_assert_int_eq(parse("a,b\nc,d"), KP_OK);
    RECORDS(2);
    RECORD(0, 1, "a", "b");
    RECORD(1, 2, "c", "d");
    ck_assert_int_eq(parse("only"), KP_OK);
    RECORDS(1);
    RECORD(0, 1, "only");
    ck_assert_int_eq(parse("a,b\r\nc,\"d\""), KP_OK);
    RECORDS(2);
    RECORD(1, 2, "c", "d");
    ck_assert_int_eq(parse("x,"), KP_OK);
    RECORDS(1);
    RECORD(0, 1, "x", "");
}
END_TEST

START_TEST(bom)
{
    ck_assert_int_eq(parse("\xEF\xBB\xBFname,quota\r\n中国科技馆,3\r\n"), KP_OK);
    RECORDS(2);
    RECORD(0, 1, "name", "quota");
    RECORD(1, 2, "中国科技馆", "3");
    /* a quote right after the mark opens a quoted field */
    ck_assert_int_eq(parse("\xEF\xBB\xBF\"a,b\",c\n"), KP_OK);
    RECORDS(1);
    RECORD(0, 1, "a,b", "c");
    /* only the mark: nothing */
    ck_assert_int_eq(parse("\xEF\xBB\xBF"), KP_OK);
    RECORDS(0);
    ck_assert_int_eq(parse("\xEF\xBB\xBF\r\n\r\n"), KP_OK);
    RECORDS(0);
    /* only one mark is stripped, and only at the start */
    ck_assert_int_eq(parse("\xEF\xBB\xBF\xEF\xBB\xBFx\n"), KP_OK);
    RECORDS(1);
    RECORD(0, 1, "\xEF\xBB\xBFx");
    /* a partial mark is text (and here not UTF-8) */
    ck_assert_int_eq(parse("\xEF\xBBx\n"), KP_E_INVAL);
}
END_TEST

START_TEST(quoted_fields)
{
    ck_assert_int_eq(parse("\"a,b\",c\n\"1,2,3\",\"\"\n"), KP_OK);
    RECORDS(2);
    RECORD(0, 1, "a,b", "c");
    RECORD(1, 2, "1,2,3", "");
    /* doubled quotes */
    ck_assert_int_eq(parse("\"say \"\"hi\"\"\",\"\"\"\",\"a\"\"\"\"b\"\n"), KP_OK);
    RECORDS(1);
    RECORD(0, 1, "say \"hi\"", "\"", "a\"\"b");
    /* quoted and unquoted side by side, CRLF */
    ck_assert_int_eq(parse("x,\"y\",z\r\n\"单位,名称\",\"北京市\"\r\n"), KP_OK);
    RECORDS(2);
    RECORD(0, 1, "x", "y", "z");
    RECORD(1, 2, "单位,名称", "北京市");
}
END_TEST

START_TEST(newlines_in_quotes)
{
    /* the record keeps its first line; the next starts after the last */
    ck_assert_int_eq(parse("\"line1\nline2\",x\nnext,y\n\"a\n\nb\n\",z\nlast,w"), KP_OK);
    RECORDS(4);
    RECORD(0, 1, "line1\nline2", "x");
    RECORD(1, 3, "next", "y");
    RECORD(2, 4, "a\n\nb\n", "z");
    RECORD(3, 8, "last", "w");
    /* CRLF inside quotes is kept; outside it ends the record */
    ck_assert_int_eq(parse("\"a\r\nb\",c\r\nd,e\r\n"), KP_OK);
    RECORDS(2);
    RECORD(0, 1, "a\r\nb", "c");
    RECORD(1, 3, "d", "e");
    /* a quoted field that is all newlines and commas */
    ck_assert_int_eq(parse("1,\"\n,\n,\"\n2,x\n"), KP_OK);
    RECORDS(2);
    RECORD(0, 1, "1", "\n,\n,");
    RECORD(1, 4, "2", "x");
}
END_TEST

START_TEST(blank_lines)
{
    ck_assert_int_eq(parse("\n\na,b\n\n\nc,d\n\n"), KP_OK);
    RECORDS(2);
    RECORD(0, 3, "a", "b");
    RECORD(1, 6, "c", "d");
    ck_assert_int_eq(parse("\r\n\r\na\r\n\r\nb"), KP_OK);
    RECORDS(2);
    RECORD(0, 3, "a");
    RECORD(1, 5, "b");
    ck_assert_int_eq(parse(""), KP_OK);
    RECORDS(0);
    ck_assert_int_eq(parse("\n"), KP_OK);
    RECORDS(0);
    ck_assert_int_eq(parse("\r\n\n\r\n"), KP_OK);
    RECORDS(0);
    /* a quoted empty field is a record, not a blank line */
    ck_assert_int_eq(parse("\"\"\nx\n"), KP_OK);
    RECORDS(2);
    RECORD(0, 1, "");
    RECORD(1, 2, "x");
}
END_TEST

START_TEST(empty_fields)
{
    ck_assert_int_eq(parse("a,,c\n,b,\n,,z\nx,\n"), KP_OK);
    RECORDS(4);
    RECORD(0, 1, "a", "", "c");
    RECORD(1, 2, "", "b", "");
    RECORD(2, 3, "", "", "z");
    RECORD(3, 4, "x", "");
    ck_assert_int_eq(parse("\"\",\"\",q\r\n"), KP_OK);
    RECORDS(1);
    RECORD(0, 1, "", "", "q");
}
END_TEST

START_TEST(chinese_text)
{
    const char *text = "推荐单位,名额,备注\n"
                       "中国科学技术协会,5,\"第一批，含“科普”基地\"\n"
                       "广东省科学技术协会,12,𠀀𪚥\n";
    ck_assert_int_eq(parse(text), KP_OK);
    RECORDS(3);
    RECORD(0, 1, "推荐单位", "名额", "备注");
    RECORD(1, 2, "中国科学技术协会", "5", "第一批，含“科普”基地");
    RECORD(2, 3, "广东省科学技术协会", "12", "𠀀𪚥");
}
END_TEST

START_TEST(unterminated_quote)
{
    ck_assert_int_eq(parse("a,b\nc,\"d\ne,f\n"), KP_E_INVAL);
    ck_assert_msg(strstr(why, "第 2 行") != NULL, "why: %s", why);
    RECORDS(1);                                  /* records before it were seen */
    RECORD(0, 1, "a", "b");

    ck_assert_int_eq(parse("\"abc"), KP_E_INVAL);
    ck_assert_msg(strstr(why, "第 1 行") != NULL, "why: %s", why);
    RECORDS(0);

    /* the line where the record starts, after blank lines and a
     * multi-line field */
    ck_assert_int_eq(parse("\"x\ny\",1\n\n\n\"open,2\r\nmore\r\n"), KP_E_INVAL);
    ck_assert_msg(strstr(why, "第 5 行") != NULL, "why: %s", why);
    RECORDS(1);
    /* a doubled quote at the very end does not close */
    ck_assert_int_eq(parse("a,\"b\"\""), KP_E_INVAL);
    ck_assert_msg(strstr(why, "第 1 行") != NULL, "why: %s", why);
    ck_assert_int_eq(parse("\""), KP_E_INVAL);
    ck_assert_int_eq(parse("a\n\""), KP_E_INVAL);
    ck_assert_msg(strstr(why, "第 2 行") != NULL, "why: %s", why);
}
END_TEST

START_TEST(too_many_fields)
{
    char text[512];
    /* exactly KP_CSV_MAX_FIELDS: fine */
    char *p = text;
    for (int i = 0; i < KP_CSV_MAX_FIELDS; i++)
        p += sprintf(p, "%sf%d", i ? "," : "", i);
    strcpy(p, "\nok\n");
    ck_assert_int_eq(parse(text), KP_OK);
    RECORDS(2);
    ck_assert_uint_eq(got.rec[0].n, KP_CSV_MAX_FIELDS);
    ck_assert_str_eq(got.rec[0].fields[KP_CSV_MAX_FIELDS - 1], "f15");

    /* one more, on line 3 */
    p = text + sprintf(text, "a\n\n");
    for (int i = 0; i <= KP_CSV_MAX_FIELDS; i++)
        p += sprintf(p, "%sf%d", i ? "," : "", i);
    strcpy(p, "\nnever\n");
    ck_assert_int_eq(parse(text), KP_E_INVAL);
    ck_assert_msg(strstr(why, "第 3 行") != NULL, "why: %s", why);
    RECORDS(1);
    RECORD(0, 1, "a");

    /* an empty 17th field counts; so do quoted commas not */
    p = text;
    for (int i = 0; i < KP_CSV_MAX_FIELDS; i++)
        p += sprintf(p, "x,");
    strcpy(p, "\n");
    ck_assert_int_eq(parse(text), KP_E_INVAL);
    ck_assert_msg(strstr(why, "第 1 行") != NULL, "why: %s", why);
    ck_assert_int_eq(parse("\",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\",x\n"), KP_OK);
    RECORDS(1);
    ck_assert_uint_eq(got.rec[0].n, 2);

    /* far more, without a newline at the end */
    p = text;
    for (int i = 0; i < 100; i++)
        p += sprintf(p, "%d,", i);
    ck_assert_int_eq(parse(text), KP_E_INVAL);
}
END_TEST

START_TEST(invalid_utf8)
{
    const char *bad[] = {
        "\xFF",                          /* never in UTF-8 */
        "\xFE\xFF",
        "\x80",                          /* a lone continuation byte */
        "\xC3\x28",                      /* a lead byte without its continuation */
        "\xE4\xB8",                      /* cut short at the end */
        "\xE4\xB8\x41",
        "\xC0\xAF", "\xC1\xBF",          /* overlong two-byte forms */
        "\xE0\x80\xAF", "\xE0\x9F\xBF",  /* overlong three-byte forms */
        "\xF0\x80\x80\xAF", "\xF0\x8F\xBF\xBF",   /* overlong four-byte forms */
        "\xED\xA0\x80", "\xED\xBF\xBF",  /* UTF-16 surrogates */
        "\xF4\x90\x80\x80",              /* above U+10FFFF */
        "\xF5\x80\x80\x80", "\xF8\x88\x80\x80\x80",
        "\xD6\xD0\xB9\xFA",              /* 中国 in GBK, as Excel saves it */
    };
    char text[64];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int n = snprintf(text, sizeof text, "name,quota\n\nx,%s\n", bad[k]);
        ck_assert_msg(parse_n(text, (size_t)n) == KP_E_INVAL, "case %zu accepted", k);
        ck_assert_msg(strstr(why, "UTF-8") != NULL, "case %zu, why: %s", k, why);
        ck_assert_msg(strstr(why, "第 3 行") != NULL, "case %zu, why: %s", k, why);
        RECORDS(0);                      /* nothing is handed on from such a file */
    }
    /* the edges of what is valid */
    const char *good[] = {
        "\xC2\x80", "\xDF\xBF",                  /* U+0080, U+07FF */
        "\xE0\xA0\x80", "\xEF\xBF\xBF",          /* U+0800, U+FFFF */
        "\xED\x9F\xBF", "\xEE\x80\x80",          /* U+D7FF, U+E000: around the surrogates */
        "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF",  /* U+10000, U+10FFFF */
    };
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        int n = snprintf(text, sizeof text, "x,%s\n", good[k]);
        ck_assert_msg(parse_n(text, (size_t)n) == KP_OK, "good case %zu refused: %s", k, why);
        RECORDS(1);
        RECORD(0, 1, "x", good[k]);
    }
    /* a sequence cut short by the end of the input, no newline after it */
    const char *cut[] = { "x,\xC3", "x,\xE4\xB8", "x,\xE4", "x,\xF0\x9F\x98", "\xF0" };
    for (size_t k = 0; k < sizeof cut / sizeof cut[0]; k++) {
        ck_assert_msg(parse(cut[k]) == KP_E_INVAL, "cut case %zu accepted", k);
        ck_assert_msg(strstr(why, "第 1 行") != NULL, "cut case %zu, why: %s", k, why);
    }
    /* a NUL byte cannot be kept in a C string field */
    ck_assert_int_eq(parse_n("a,b\0c\n", 6), KP_E_INVAL);
    RECORDS(0);
    /* the line of a bad byte inside a quoted multi-line field is the
     * physical line */
    ck_assert_int_eq(parse("\"a\nb\n\xFF\",x\n"), KP_E_INVAL);
    ck_assert_msg(strstr(why, "第 3 行") != NULL, "why: %s", why);
}
END_TEST

START_TEST(callback_error_stops)
{
    reset();
    const char *text = "a\nb\nc\nd\n";
    /* parse() resets `got`, so set the failure up around it by hand */
    char *copy = strdup(text);
    got.fail_at = 2;
    got.fail_with = KP_E_NOT_FOUND;
    ck_assert_int_eq(kp_csv_parse(copy, strlen(copy), collect, &got, why, sizeof why),
                     KP_E_NOT_FOUND);
    RECORDS(2);                                    /* a and b, then it stopped */
    RECORD(1, 2, "b");
    reset();
    got.fail_at = 1;
    got.fail_with = KP_E_NOMEM;
    ck_assert_int_eq(kp_csv_parse(copy, strlen(copy), collect, &got, why, sizeof why),
                     KP_E_NOMEM);
    RECORDS(1);
    reset();
    got.fail_at = 4;                               /* the last record */
    got.fail_with = KP_E_INVAL;
    ck_assert_int_eq(kp_csv_parse(copy, strlen(copy), collect, &got, why, sizeof why),
                     KP_E_INVAL);
    RECORDS(4);
    free(copy);
    /* the last record without a newline too */
    reset();
    got.fail_at = 2;
    got.fail_with = KP_E_DB;
    ck_assert_int_eq(kp_csv_parse("a\nb", 3, collect, &got, why, sizeof why), KP_E_DB);
    RECORDS(2);
}
END_TEST

START_TEST(length_is_respected)
{
    /* only len bytes are read: the rest of the string is not there */
    ck_assert_int_eq(parse_n("a,b\nc,d", 3), KP_OK);
    RECORDS(1);
    RECORD(0, 1, "a", "b");
    ck_assert_int_eq(parse_n("\"a\"\"", 3), KP_OK);          /* "a" */
    RECORDS(1);
    RECORD(0, 1, "a");
    ck_assert_int_eq(parse_n("a,b\r\n", 4), KP_OK);         /* cut between CR and LF */
    RECORDS(1);
    ck_assert_str_eq(got.rec[0].fields[0], "a");
    ck_assert_int_eq(parse_n("\"", 1), KP_E_INVAL);
}
END_TEST

/* A larger file, checked record by record without storing it. */
struct expect {
    unsigned line;       /* where the next record should start */
    int next;            /* its number */
};

static enum kp_err check_record(void *arg, unsigned line, const char *const *fields,
                                size_t nfields)
{
    struct expect *e = arg;
    char want[64];
    ck_assert_uint_eq(line, e->line);
    ck_assert_uint_eq(nfields, 2);
    snprintf(want, sizeof want, "%d", e->next);
    ck_assert_str_eq(fields[0], want);
    snprintf(want, sizeof want, e->next % 3 ? "推荐单位%d" : "单位\n%d", e->next);
    ck_assert_str_eq(fields[1], want);
    e->line += e->next % 3 ? 1 : 2;
    e->next++;
    return KP_OK;
}

START_TEST(many_records)
{
    enum { COUNT = 3000 };
    size_t cap = COUNT * 64, len = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    len += (size_t)sprintf(text, "\xEF\xBB\xBF");
    for (int i = 0; i < COUNT; i++)
        len += (size_t)sprintf(text + len, i % 3 ? "%d,推荐单位%d\r\n" : "%d,\"单位\n%d\"\r\n", i, i);
    ck_assert_uint_lt(len, cap);
    char *exact = malloc(len);
    ck_assert_ptr_nonnull(exact);
    memcpy(exact, text, len);
    free(text);
    struct expect e = { 1, 0 };
    ck_assert_int_eq(kp_csv_parse(exact, len, check_record, &e, why, sizeof why), KP_OK);
    ck_assert_int_eq(e.next, COUNT);
    free(exact);
}

/* kp_csv_cell: quoted, quotes doubled, formulas made plain, and what it
 * writes reads back through kp_csv_parse as the text (with its '). */
static enum kp_err take_first(void *arg, unsigned line, const char *const *fields, size_t n)
{
    (void)line;
    ck_assert_uint_eq(n, 2);
    snprintf(arg, 64, "%s|%s", fields[0], fields[1]);
    return KP_OK;
}

START_TEST(cells_for_excel)
{
    static const char *const cases[][2] = {
        { "北京动物园", "\"北京动物园\"," },
        { "say \"hi\"", "\"say \"\"hi\"\"\"," },
        { "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"," },
        { "+86 10", "\"'+86 10\"," }, { "-1", "\"'-1\"," }, { "@SUM", "\"'@SUM\"," },
        { "\t=1", "\"'\t=1\"," }, { "", "\"\"," }, { "a=b", "\"a=b\"," },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct kp_buf b = { 0 };
        kp_csv_cell(&b, cases[i][0], false);
        ck_assert_msg(b.len == strlen(cases[i][1]) && memcmp(b.data, cases[i][1], b.len) == 0, "%s", cases[i][0]);
        kp_buf_free(&b);
    }
    struct kp_buf b = { 0 };
    kp_csv_cell(&b, "say \"=hi\"", false);
    kp_csv_cell(&b, "=2", true);
    ck_assert_uint_eq(b.len >= 2 && memcmp(b.data + b.len - 2, "\r\n", 2) == 0, 1);
    char line[64] = "", fault[80];
    ck_assert_int_eq(kp_csv_parse(b.data, b.len, take_first, line, fault, sizeof fault), KP_OK);
    ck_assert_str_eq(line, "say \"=hi\"|'=2");
    kp_buf_free(&b);
}
END_TEST

END_TEST

static Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_checked_fixture(tc, NULL, reset);
    tcase_add_test(tc, lf_and_crlf);
    tcase_add_test(tc, last_line_without_newline);
    tcase_add_test(tc, bom);
    tcase_add_test(tc, quoted_fields);
    tcase_add_test(tc, newlines_in_quotes);
    tcase_add_test(tc, blank_lines);
    tcase_add_test(tc, empty_fields);
    tcase_add_test(tc, chinese_text);
    tcase_add_test(tc, unterminated_quote);
    tcase_add_test(tc, too_many_fields);
    tcase_add_test(tc, invalid_utf8);
    tcase_add_test(tc, callback_error_stops);
    tcase_add_test(tc, length_is_respected);
    tcase_add_test(tc, many_records);
    tcase_add_test(tc, cells_for_excel);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(csv_suite());
}
