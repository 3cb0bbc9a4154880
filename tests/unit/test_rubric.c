/* lib/domain/rubric: a rubric's criteria checked field by field with every
 * bad one named (criteria.N.<field>), score sheets for drafts and
 * submissions (scores.<key>), the expert's total as exact hundredths, and
 * hundredths printed for JSON and CSV.  Expected totals were computed with
 * python3's fractions.Fraction: sum(Fraction(w * s, 100) for w, s in ...). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rubric.h"
#include "support/unit.h"

static json_t *errors;
static struct kp_rubric rubric;

static void setup(void)
{
    errors = json_array();
    ck_assert_ptr_nonnull(errors);
    memset(&rubric, 0x5a, sizeof rubric);        /* garbage, which reading must not keep */
}

static void teardown(void)
{
    json_decref(errors);
}

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    ck_assert_msg(v != NULL, "test bug: %s in %s", jerr.text, text);
    return v;
}

/* Reads criteria given as JSON text; the errors are left in `errors`. */
static bool read_text(const char *criteria)
{
    json_t *v = load(criteria);
    json_array_clear(errors);
    bool ok = kp_rubric_read(v, &rubric, errors);
    ck_assert_msg(ok == (json_array_size(errors) == 0), "%s: answer and errors disagree", criteria);
    json_decref(v);
    return ok;
}

/* The errors as "field:code field:code ...", in order; every one has a message. */
static const char *errors_text(void)
{
    static char buf[4096];
    size_t len = 0;
    buf[0] = '\0';
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        const char *msg = json_string_value(json_object_get(e, "message"));
        ck_assert_msg(msg != NULL && *msg != '\0', "error %zu has no message", i);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s:%s", i ? " " : "",
                                json_string_value(json_object_get(e, "field")),
                                json_string_value(json_object_get(e, "code")));
        ck_assert_uint_lt(len, sizeof buf);
    }
    return buf;
}

static void refused(const char *criteria, const char *want)
{
    ck_assert_msg(!read_text(criteria), "accepted: %s", criteria);
    ck_assert_msg(strcmp(errors_text(), want) == 0, "%s\n  got  %s\n  want %s", criteria,
                  errors_text(), want);
}

static const char THREE[] =
    "[{\"key\":\"facilities\",\"name\":\"科普场地与设施\",\"weight\":30},"
    " {\"key\":\"activities\",\"name\":\"科普活动\",\"weight\":30},"
    " {\"key\":\"staff_2\",\"name\":\"人员与经费保障\",\"weight\":40}]";

/* n criteria c0, c1, ... named 第1项, 第2项, ..., each of `weight`, as JSON text in out. */
static const char *criteria_text(int n, int weight, char *out, size_t size)
{
    size_t len = (size_t)snprintf(out, size, "[");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, size - len, "%s{\"key\":\"c%d\",\"name\":\"第%d项\",\"weight\":%d}",
                                i ? "," : "", i, i + 1, weight);
    len += (size_t)snprintf(out + len, size - len, "]");
    ck_assert_uint_lt(len, size);
    return out;
}

/* ---- reading a rubric -------------------------------------------------- */

START_TEST(reads_a_rubric)
{
    ck_assert(read_text(THREE));
    ck_assert_int_eq(rubric.n, 3);
    ck_assert_str_eq(rubric.c[0].key, "facilities");
    ck_assert_str_eq(rubric.c[0].name, "科普场地与设施");
    ck_assert_int_eq(rubric.c[0].weight, 30);
    ck_assert_str_eq(rubric.c[1].key, "activities");
    ck_assert_int_eq(rubric.c[1].weight, 30);
    ck_assert_str_eq(rubric.c[2].key, "staff_2");
    ck_assert_str_eq(rubric.c[2].name, "人员与经费保障");
    ck_assert_int_eq(rubric.c[2].weight, 40);
    /* and back: what GET answers is what was put */
    json_t *in = load(THREE), *out = kp_rubric_json(&rubric);
    ck_assert_ptr_nonnull(out);
    ck_assert(json_equal(in, out));
    json_decref(in);
    json_decref(out);
    /* one criterion of weight 100 */
    ck_assert(read_text("[{\"key\":\"all\",\"name\":\"总体\",\"weight\":100}]"));
    ck_assert_int_eq(rubric.n, 1);
    ck_assert_int_eq(rubric.c[0].weight, 100);
}
END_TEST

START_TEST(weights_sum_to_100)
{
    refused("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":30},{\"key\":\"b\",\"name\":\"乙\",\"weight\":69}]",
            "criteria:sum");
    refused("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":30},{\"key\":\"b\",\"name\":\"乙\",\"weight\":71}]",
            "criteria:sum");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
                     "各项权重之和应为 100（现为 101）");
    ck_assert(read_text("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":30},{\"key\":\"b\",\"name\":\"乙\",\"weight\":70}]"));
    refused("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":99}]", "criteria:sum");
    /* a bad weight is named, and no sum is judged without it */
    refused("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":0},{\"key\":\"b\",\"name\":\"乙\",\"weight\":70}]",
            "criteria.0.weight:range");
    refused("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":101}]", "criteria.0.weight:range");
    refused("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":-30},{\"key\":\"b\",\"name\":\"乙\",\"weight\":130}]",
            "criteria.0.weight:range criteria.1.weight:range");
    refused("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":30.0},{\"key\":\"b\",\"name\":\"乙\",\"weight\":70}]",
            "criteria.0.weight:type");
    refused("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":\"30\"},{\"key\":\"b\",\"name\":\"乙\",\"weight\":70}]",
            "criteria.0.weight:type");
    refused("[{\"key\":\"a\",\"name\":\"甲\"},{\"key\":\"b\",\"name\":\"乙\",\"weight\":70}]",
            "criteria.0.weight:required");
}
END_TEST

START_TEST(keys)
{
    ck_assert(read_text("[{\"key\":\"abcdefghijklmnopqrstuvwxyz_01234\",\"name\":\"甲\",\"weight\":100}]"));
    ck_assert_str_eq(rubric.c[0].key, "abcdefghijklmnopqrstuvwxyz_01234");     /* 32 */
    ck_assert(read_text("[{\"key\":\"0\",\"name\":\"甲\",\"weight\":100}]"));
    ck_assert(read_text("[{\"key\":\"_\",\"name\":\"甲\",\"weight\":100}]"));
    const char *bad[][2] = {
        { "\"Facilities\"", "format" },
        { "\"FACILITIES\"", "format" },
        { "\"abcdefghijklmnopqrstuvwxyz_012345\"", "too_long" },    /* 33 */
        { "\"\"", "too_short" },
        { "\"设施\"", "format" },
        { "\"设施设施设施设施设施设施设施设施设施设施设施设施设施设施设施设施设\"", "too_long" },
        { "\"a-b\"", "format" },
        { "\"a.b\"", "format" },
        { "\" a\"", "format" },
        { "\"a \"", "format" },
        { "\"é\"", "format" },
        { "\"ａ\"", "format" },                 /* fullwidth a */
        { "7", "type" },
        { "null", "type" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512], want[64];
        snprintf(text, sizeof text, "[{\"key\":%s,\"name\":\"甲\",\"weight\":100}]", bad[i][0]);
        snprintf(want, sizeof want, "criteria.0.key:%s", bad[i][1]);
        refused(text, want);
    }
    refused("[{\"name\":\"甲\",\"weight\":100}]", "criteria.0.key:required");
}
END_TEST

START_TEST(duplicate_keys)
{
    refused("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":30},{\"key\":\"b\",\"name\":\"乙\",\"weight\":30},"
            " {\"key\":\"a\",\"name\":\"丙\",\"weight\":40}]",
            "criteria.2.key:duplicate");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
                     "与第 1 项的键重复");
    /* three of one key: each later one is named once */
    refused("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":30},{\"key\":\"a\",\"name\":\"乙\",\"weight\":30},"
            " {\"key\":\"a\",\"name\":\"丙\",\"weight\":40}]",
            "criteria.1.key:duplicate criteria.2.key:duplicate");
    /* same name, different keys: fine */
    ck_assert(read_text("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":50},{\"key\":\"b\",\"name\":\"甲\",\"weight\":50}]"));
}
END_TEST

START_TEST(names)
{
    /* 50 characters of 3 bytes each */
    char name50[50 * 3 + 1] = "", text[1024];
    for (int i = 0; i < 50; i++)
        strcat(name50, "评");
    snprintf(text, sizeof text, "[{\"key\":\"a\",\"name\":\"%s\",\"weight\":100}]", name50);
    ck_assert(read_text(text));
    ck_assert_str_eq(rubric.c[0].name, name50);
    /* 50 characters of 4 bytes each: the longest name in bytes */
    char emoji50[50 * 4 + 1] = "";
    for (int i = 0; i < 50; i++)
        strcat(emoji50, "\xF0\x9F\x93\x9A");
    snprintf(text, sizeof text, "[{\"key\":\"a\",\"name\":\"%s\",\"weight\":100}]", emoji50);
    ck_assert(read_text(text));
    ck_assert_str_eq(rubric.c[0].name, emoji50);
    snprintf(text, sizeof text, "[{\"key\":\"a\",\"name\":\"%s评\",\"weight\":100}]", name50);
    refused(text, "criteria.0.name:too_long");
    refused("[{\"key\":\"a\",\"name\":\"\",\"weight\":100}]", "criteria.0.name:too_short");
    refused("[{\"key\":\"a\",\"name\":\"  \\u3000 \",\"weight\":100}]", "criteria.0.name:too_short");
    refused("[{\"key\":\"a\",\"name\":\"科普\\n活动\",\"weight\":100}]", "criteria.0.name:format");
    refused("[{\"key\":\"a\",\"name\":\"科普\\t活动\",\"weight\":100}]", "criteria.0.name:format");
    refused("[{\"key\":\"a\",\"name\":\"abc\\u202Efdp\",\"weight\":100}]", "criteria.0.name:format");
    refused("[{\"key\":\"a\",\"name\":\"abc\\u0085\",\"weight\":100}]", "criteria.0.name:format");
    refused("[{\"key\":\"a\",\"name\":3,\"weight\":100}]", "criteria.0.name:type");
    refused("[{\"key\":\"a\",\"weight\":100}]", "criteria.0.name:required");
}
END_TEST

START_TEST(counts)
{
    char text[4096];
    refused("[]", "criteria:too_short");
    ck_assert(read_text(criteria_text(20, 5, text, sizeof text)));
    ck_assert_int_eq(rubric.n, 20);
    ck_assert_str_eq(rubric.c[19].key, "c19");
    ck_assert_str_eq(rubric.c[19].name, "第20项");
    ck_assert_int_eq(rubric.c[19].weight, 5);
    refused(criteria_text(21, 5, text, sizeof text), "criteria:too_long");
    refused(criteria_text(21, 1, text, sizeof text), "criteria:too_long");
    /* not a list, or none */
    refused("{\"key\":\"a\",\"name\":\"甲\",\"weight\":100}", "criteria:type");
    refused("null", "criteria:type");
    json_array_clear(errors);
    ck_assert(!kp_rubric_read(NULL, &rubric, errors));
    ck_assert_str_eq(errors_text(), "criteria:required");
}
END_TEST

START_TEST(every_bad_field_named)
{
    refused("[{\"key\":\"Bad\",\"name\":\"\",\"weight\":0,\"max\":10},"
            " 7,"
            " {\"key\":\"ok\",\"name\":\"好\",\"weight\":50},"
            " {\"key\":\"ok\",\"name\":\"好\\n\",\"weight\":50}]",
            "criteria.0.name:too_short criteria.0.weight:range criteria.0.max:unknown "
            "criteria.0.key:format criteria.1:type criteria.3.name:format criteria.3.key:duplicate");
    /* all weights valid but the sum is off, with another error beside it */
    refused("[{\"key\":\"A\",\"name\":\"甲\",\"weight\":50},{\"key\":\"b\",\"name\":\"乙\",\"weight\":40}]",
            "criteria.0.key:format criteria:sum");
}
END_TEST

/* ---- score sheets and totals -------------------------------------------- */

static bool scores_text(const char *scores, enum kp_rubric_mode mode, struct kp_rubric_sheet *s)
{
    json_t *v = scores ? load(scores) : NULL;
    json_array_clear(errors);
    bool ok = kp_rubric_scores_read(&rubric, v, mode, s, errors);
    ck_assert_msg(ok == (json_array_size(errors) == 0), "%s: answer and errors disagree", scores);
    json_decref(v);
    return ok;
}

static void scores_refused(const char *scores, enum kp_rubric_mode mode, const char *want)
{
    struct kp_rubric_sheet s;
    ck_assert_msg(!scores_text(scores, mode, &s), "accepted: %s", scores);
    ck_assert_msg(strcmp(errors_text(), want) == 0, "%s\n  got  %s\n  want %s", scores,
                  errors_text(), want);
}

START_TEST(totals)
{
    struct kp_rubric_sheet s;
    ck_assert(read_text(THREE));
    ck_assert(scores_text("{\"facilities\":85,\"activities\":90,\"staff_2\":77}", KP_RUBRIC_SUBMIT, &s));
    ck_assert_int_eq(s.score[0], 85);
    ck_assert_int_eq(s.score[1], 90);
    ck_assert_int_eq(s.score[2], 77);
    ck_assert_int_eq(kp_rubric_total(&rubric, &s), 8330);                 /* 833/10 */
    /* the order of the keys sent does not matter */
    ck_assert(scores_text("{\"staff_2\":77,\"facilities\":85,\"activities\":90}", KP_RUBRIC_SUBMIT, &s));
    ck_assert_int_eq(kp_rubric_total(&rubric, &s), 8330);
    ck_assert(scores_text("{\"facilities\":100,\"activities\":100,\"staff_2\":100}", KP_RUBRIC_SUBMIT, &s));
    ck_assert_int_eq(kp_rubric_total(&rubric, &s), KP_RUBRIC_TOTAL_MAX);
    ck_assert(scores_text("{\"facilities\":0,\"activities\":0,\"staff_2\":0}", KP_RUBRIC_SUBMIT, &s));
    ck_assert_int_eq(kp_rubric_total(&rubric, &s), 0);

    ck_assert(read_text("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":1},{\"key\":\"b\",\"name\":\"乙\",\"weight\":99}]"));
    ck_assert(scores_text("{\"a\":1,\"b\":0}", KP_RUBRIC_SUBMIT, &s));
    ck_assert_int_eq(kp_rubric_total(&rubric, &s), 1);                    /* 1/100 */

    ck_assert(read_text("[{\"key\":\"a\",\"name\":\"甲\",\"weight\":7},{\"key\":\"b\",\"name\":\"乙\",\"weight\":13},"
                        " {\"key\":\"c\",\"name\":\"丙\",\"weight\":80}]"));
    ck_assert(scores_text("{\"a\":99,\"b\":98,\"c\":97}", KP_RUBRIC_SUBMIT, &s));
    ck_assert_int_eq(kp_rubric_total(&rubric, &s), 9727);                 /* 9727/100 */

    /* 20 criteria of weight 5 scored 100, 97, 94, ..., 43 */
    char text[4096], sheet[1024];
    size_t len = (size_t)snprintf(sheet, sizeof sheet, "{");
    for (int i = 0; i < 20; i++)
        len += (size_t)snprintf(sheet + len, sizeof sheet - len, "%s\"c%d\":%d", i ? "," : "", i,
                                100 - 3 * i);
    snprintf(sheet + len, sizeof sheet - len, "}");
    ck_assert(read_text(criteria_text(20, 5, text, sizeof text)));
    ck_assert(scores_text(sheet, KP_RUBRIC_SUBMIT, &s));
    ck_assert_int_eq(kp_rubric_total(&rubric, &s), 7150);                 /* 143/2 */
}
END_TEST

START_TEST(drafts)
{
    struct kp_rubric_sheet s;
    ck_assert(read_text(THREE));
    ck_assert(scores_text("{\"activities\":60}", KP_RUBRIC_DRAFT, &s));
    ck_assert_int_eq(s.score[0], KP_RUBRIC_UNSCORED);
    ck_assert_int_eq(s.score[1], 60);
    ck_assert_int_eq(s.score[2], KP_RUBRIC_UNSCORED);
    ck_assert(scores_text("{}", KP_RUBRIC_DRAFT, &s));
    for (int i = 0; i < KP_RUBRIC_MAX; i++)
        ck_assert_int_eq(s.score[i], KP_RUBRIC_UNSCORED);
    ck_assert(scores_text(NULL, KP_RUBRIC_DRAFT, &s));
    ck_assert_int_eq(s.score[0], KP_RUBRIC_UNSCORED);
    ck_assert(scores_text("{\"facilities\":0,\"staff_2\":100}", KP_RUBRIC_DRAFT, &s));
    ck_assert_int_eq(s.score[0], 0);
    ck_assert_int_eq(s.score[1], KP_RUBRIC_UNSCORED);
    ck_assert_int_eq(s.score[2], 100);
    /* bad entries, in a draft too */
    scores_refused("{\"activities\":60,\"extra\":5}", KP_RUBRIC_DRAFT, "scores.extra:unknown");
    scores_refused("{\"Activities\":60}", KP_RUBRIC_DRAFT, "scores.Activities:unknown");
    scores_refused("{\"activities\":101}", KP_RUBRIC_DRAFT, "scores.activities:range");
    scores_refused("{\"activities\":-1}", KP_RUBRIC_DRAFT, "scores.activities:range");
    scores_refused("{\"activities\":60.5}", KP_RUBRIC_DRAFT, "scores.activities:type");
    scores_refused("{\"activities\":60.0}", KP_RUBRIC_DRAFT, "scores.activities:type");
    scores_refused("{\"activities\":\"60\"}", KP_RUBRIC_DRAFT, "scores.activities:type");
    scores_refused("{\"activities\":null}", KP_RUBRIC_DRAFT, "scores.activities:type");
    scores_refused("{\"activities\":true}", KP_RUBRIC_DRAFT, "scores.activities:type");
    scores_refused("[60]", KP_RUBRIC_DRAFT, "scores:type");
    scores_refused("60", KP_RUBRIC_SUBMIT, "scores:type");
}
END_TEST

START_TEST(submissions_name_each_missing_score)
{
    struct kp_rubric_sheet s;
    ck_assert(read_text(THREE));
    scores_refused("{\"activities\":60}", KP_RUBRIC_SUBMIT, "scores.facilities:required scores.staff_2:required");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
                     "请为“科普场地与设施”打分");
    scores_refused("{}", KP_RUBRIC_SUBMIT,
                   "scores.facilities:required scores.activities:required scores.staff_2:required");
    scores_refused(NULL, KP_RUBRIC_SUBMIT,
                   "scores.facilities:required scores.activities:required scores.staff_2:required");
    /* a bad score is named for what is wrong with it, not also as missing */
    scores_refused("{\"facilities\":85,\"activities\":900,\"staff\":77}", KP_RUBRIC_SUBMIT,
                   "scores.activities:range scores.staff:unknown scores.staff_2:required");
    ck_assert(scores_text("{\"facilities\":85,\"activities\":90,\"staff_2\":77}", KP_RUBRIC_SUBMIT, &s));
}
END_TEST

START_TEST(long_unknown_keys_are_cut_whole)
{
    ck_assert(read_text(THREE));
    /* 100 characters of 3 bytes: the path keeps the first 66 (198 bytes) */
    char key[301] = "", text[400], want[256] = "scores.";
    for (int i = 0; i < 100; i++)
        strcat(key, "项");
    for (int i = 0; i < 66; i++)
        strcat(want, "项");
    strcat(want, ":unknown");
    snprintf(text, sizeof text, "{\"%s\":1}", key);
    scores_refused(text, KP_RUBRIC_DRAFT, want);
}
END_TEST

/* ---- printing hundredths ------------------------------------------------ */

START_TEST(points_printed)
{
    const struct { int h; const char *shortest, *fixed; } cases[] = {
        { 8330, "83.3", "83.30" }, { 8725, "87.25", "87.25" }, { 9000, "90", "90.00" },
        { 7, "0.07", "0.07" },     { 70, "0.7", "0.70" },      { 0, "0", "0.00" },
        { 10000, "100", "100.00" }, { 9999, "99.99", "99.99" }, { 1, "0.01", "0.01" },
        { 100, "1", "1.00" },      { 1005, "10.05", "10.05" },  { 1050, "10.5", "10.50" },
        { 2147483647, "21474836.47", "21474836.47" },
    };
    char out[KP_RUBRIC_POINTS_LEN];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kp_rubric_points(cases[i].h, out);
        ck_assert_str_eq(out, cases[i].shortest);
        kp_rubric_points_fixed(cases[i].h, out);
        ck_assert_str_eq(out, cases[i].fixed);
    }
}
END_TEST

/* Every total 0.00–100.00: the fixed form is printf's %.2f of the nearest
 * double, the shortest form that without trailing zeros, and the JSON
 * number, dumped with 15 digits, the shortest form. */
START_TEST(points_every_total)
{
    for (int h = 0; h <= KP_RUBRIC_TOTAL_MAX; h++) {
        char fixed[KP_RUBRIC_POINTS_LEN], shortest[KP_RUBRIC_POINTS_LEN], want[32];
        kp_rubric_points_fixed(h, fixed);
        snprintf(want, sizeof want, "%.2f", h / 100.0);
        ck_assert_str_eq(fixed, want);
        kp_rubric_points(h, shortest);
        char *end = want + strlen(want);
        while (end[-1] == '0')
            *--end = '\0';
        if (end[-1] == '.')
            end[-1] = '\0';
        ck_assert_str_eq(shortest, want);
        json_t *j = kp_rubric_points_json(h);
        ck_assert_ptr_nonnull(j);
        ck_assert(h % 100 == 0 ? json_is_integer(j) : json_is_real(j));
        char *dumped = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
        ck_assert_ptr_nonnull(dumped);
        ck_assert_str_eq(dumped, shortest);
        ck_assert(h / 100.0 == strtod(dumped, NULL));
        free(dumped);
        json_decref(j);
    }
}
END_TEST

static Suite *rubric_suite(void)
{
    Suite *s = suite_create("rubric");
    TCase *tc = tcase_create("rubric");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reads_a_rubric);
    tcase_add_test(tc, weights_sum_to_100);
    tcase_add_test(tc, keys);
    tcase_add_test(tc, duplicate_keys);
    tcase_add_test(tc, names);
    tcase_add_test(tc, counts);
    tcase_add_test(tc, every_bad_field_named);
    tcase_add_test(tc, totals);
    tcase_add_test(tc, drafts);
    tcase_add_test(tc, submissions_name_each_missing_score);
    tcase_add_test(tc, long_unknown_keys_are_cut_whole);
    tcase_add_test(tc, points_printed);
    tcase_add_test(tc, points_every_total);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(rubric_suite());
}
