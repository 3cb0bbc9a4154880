/* lib/json: strict request bodies and typed field specs whose errors name
 * the field; lengths count characters, and Chinese is the normal case. */
#include <check.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "problem.h"
#include "support/unit.h"

static char why[256];
static json_t *errors;

static void setup(void)
{
    why[0] = '\0';
    errors = json_array();
    ck_assert_ptr_nonnull(errors);
}

static void teardown(void)
{
    json_decref(errors);
}

static json_t *parse(const char *text)
{
    json_t *doc = NULL;
    enum kp_err err = kp_json_parse_body(text, strlen(text), &doc, why, sizeof why);
    ck_assert_msg(err == KP_OK, "'%s': %s", text, why);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static void parse_fails(const char *buf, size_t len, const char *why_contains)
{
    json_t *doc = (json_t *)1;
    enum kp_err err = kp_json_parse_body(buf, len, &doc, why, sizeof why);
    ck_assert_int_eq(err, KP_E_INVAL);
    ck_assert_ptr_null(doc);
    ck_assert_msg(strstr(why, why_contains) != NULL, "why '%s' lacks '%s'", why, why_contains);
}

/* errors[i] is {"field": field, "code": code, "message": message (if given)}. */
static void assert_error(size_t i, const char *field, const char *code, const char *message)
{
    ck_assert_uint_gt(json_array_size(errors), i);
    json_t *e = json_array_get(errors, i);
    ck_assert_uint_eq(json_object_size(e), 3);
    ck_assert_str_eq(json_string_value(json_object_get(e, "field")), field);
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), code);
    const char *msg = json_string_value(json_object_get(e, "message"));
    ck_assert_ptr_nonnull(msg);
    ck_assert_uint_gt(strlen(msg), 0);
    if (message)
        ck_assert_str_eq(msg, message);
}

/* `n` copies of `unit` as a JSON document {"<name>": "..."} */
static json_t *repeated(const char *name, const char *unit, size_t n)
{
    size_t ul = strlen(unit);
    char *s = malloc(n * ul + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * ul, unit, ul);
    s[n * ul] = '\0';
    json_t *doc = json_pack("{s:s}", name, s);
    free(s);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

START_TEST(parse_object)
{
    json_t *doc = parse(" {\"name\": \"北京市第一社会福利院\", \"beds\": 120, \"x\": {\"y\": [1, 2]}}\n");
    ck_assert(json_is_object(doc));
    ck_assert_str_eq(json_string_value(json_object_get(doc, "name")), "北京市第一社会福利院");
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "beds")), 120);
    json_decref(doc);
    doc = parse("{}");
    ck_assert_uint_eq(json_object_size(doc), 0);
    json_decref(doc);
}
END_TEST

START_TEST(parse_uses_len_not_nul)
{
    const char buf[] = "{\"a\": 1}{\"b\": 2}";
    json_t *doc = NULL;
    ck_assert_int_eq(kp_json_parse_body(buf, 8, &doc, why, sizeof why), KP_OK);
    ck_assert_ptr_nonnull(json_object_get(doc, "a"));
    json_decref(doc);
    parse_fails(buf, sizeof buf - 1, "line 1");        /* two documents */
}
END_TEST

START_TEST(parse_invalid)
{
    const char *bad[] = { "{\"a\":}", "{\"a\": 1", "{'a': 1}", "{\"a\": 1,}", "{a: 1}",
                          "{\"a\": 01}", "{\"a\": NaN}", "{} x", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_fails(bad[i], strlen(bad[i]), "column");
    parse_fails("{\n\"a\": tru}", 11, "(line 2, column");
}
END_TEST

START_TEST(parse_duplicate_keys)
{
    const char text[] = "{\"a\": 1, \"b\": 2, \"a\": 3}";
    parse_fails(text, strlen(text), "duplicate");
    const char nested[] = "{\"o\": {\"k\": 1, \"k\": 1}}";
    parse_fails(nested, strlen(nested), "duplicate");
}
END_TEST

START_TEST(parse_not_an_object)
{
    const char *arrays[] = { "[]", "[{\"a\": 1}]" };
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        parse_fails(arrays[i], strlen(arrays[i]), "");
        ck_assert_str_eq(why, "the body must be a JSON object");
    }
    /* scalars jansson itself refuses at the top */
    const char *scalars[] = { "\"text\"", "42", "null", "true" };
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
        parse_fails(scalars[i], strlen(scalars[i]), "expected");
}
END_TEST

START_TEST(parse_invalid_utf8)
{
    const char *bad[] = {
        "{\"a\": \"\xff\"}",              /* never valid */
        "{\"a\": \"\xc0\xaf\"}",          /* overlong "/" */
        "{\"a\": \"\xe4\xb8\"}",          /* truncated 中 */
        "{\"a\": \"\xed\xa0\x80\"}",      /* an encoded surrogate */
        "{\"a\": \"\xf4\x90\x80\x80\"}",  /* above U+10FFFF */
        "{\"\xe4\": 1}",               /* in a key */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_fails(bad[i], strlen(bad[i]), "");
}
END_TEST

START_TEST(parse_nul_refused)
{
    const char escaped[] = "{\"a\": \"x\\u0000y\"}";
    parse_fails(escaped, strlen(escaped), "");
    const char raw[] = "{\"a\": \"x\0y\"}";
    parse_fails(raw, sizeof raw - 1, "");
}
END_TEST

START_TEST(utf8_chars)
{
    ck_assert_uint_eq(kp_utf8_chars(""), 0);
    ck_assert_uint_eq(kp_utf8_chars("abc"), 3);
    ck_assert_uint_eq(kp_utf8_chars("中文"), 2);
    ck_assert_uint_eq(kp_utf8_chars("é"), 1);
    ck_assert_uint_eq(kp_utf8_chars("😀"), 1);
    ck_assert_uint_eq(kp_utf8_chars("养老院 A 栋 3 号楼😀"), 13);
}
END_TEST

START_TEST(utf8_prefix_ascii)
{
    ck_assert_uint_eq(kp_utf8_prefix("", 0), 0);
    ck_assert_uint_eq(kp_utf8_prefix("", 5), 0);
    ck_assert_uint_eq(kp_utf8_prefix("abcdef", 0), 0);
    ck_assert_uint_eq(kp_utf8_prefix("abcdef", 1), 1);
    ck_assert_uint_eq(kp_utf8_prefix("abcdef", 4), 4);
    ck_assert_uint_eq(kp_utf8_prefix("abcdef", 6), 6);     /* exact fit */
    ck_assert_uint_eq(kp_utf8_prefix("abcdef", 7), 6);     /* shorter than max */
    ck_assert_uint_eq(kp_utf8_prefix("abcdef", 1000), 6);
}
END_TEST

START_TEST(utf8_prefix_backs_off_to_a_boundary)
{
    const char *s = "中文字";                             /* three 3-byte characters */
    ck_assert_uint_eq(strlen(s), 9);
    const size_t want[] = { 0, 0, 0, 3, 3, 3, 6, 6, 6, 9, 9 };
    for (size_t max = 0; max < sizeof want / sizeof want[0]; max++)
        ck_assert_msg(kp_utf8_prefix(s, max) == want[max], "max %zu: %zu, expected %zu", max,
                      kp_utf8_prefix(s, max), want[max]);
    /* mixed: "a中b" is 1 + 3 + 1 bytes */
    ck_assert_uint_eq(kp_utf8_prefix("a中b", 1), 1);
    ck_assert_uint_eq(kp_utf8_prefix("a中b", 2), 1);
    ck_assert_uint_eq(kp_utf8_prefix("a中b", 3), 1);
    ck_assert_uint_eq(kp_utf8_prefix("a中b", 4), 4);
    ck_assert_uint_eq(kp_utf8_prefix("a中b", 5), 5);
    /* two-byte characters */
    ck_assert_uint_eq(kp_utf8_prefix("éé", 3), 2);
    ck_assert_uint_eq(kp_utf8_prefix("éé", 1), 0);
}
END_TEST

START_TEST(utf8_prefix_four_byte)
{
    const char *s = "😀x😀";                              /* 4 + 1 + 4 bytes */
    ck_assert_uint_eq(strlen(s), 9);
    ck_assert_uint_eq(kp_utf8_prefix(s, 0), 0);
    ck_assert_uint_eq(kp_utf8_prefix(s, 1), 0);
    ck_assert_uint_eq(kp_utf8_prefix(s, 3), 0);
    ck_assert_uint_eq(kp_utf8_prefix(s, 4), 4);
    ck_assert_uint_eq(kp_utf8_prefix(s, 5), 5);
    ck_assert_uint_eq(kp_utf8_prefix(s, 8), 5);
    ck_assert_uint_eq(kp_utf8_prefix(s, 9), 9);
    /* whatever the cut, the prefix is whole characters */
    const char *mixed = "养老院 A 栋😀é3 号楼";
    size_t len = strlen(mixed);
    for (size_t max = 0; max <= len + 1; max++) {
        size_t n = kp_utf8_prefix(mixed, max);
        ck_assert_uint_le(n, max);
        ck_assert_uint_le(n, len);
        ck_assert_msg(n == len || ((unsigned char)mixed[n] & 0xC0) != 0x80,
                      "max %zu cuts a character at %zu", max, n);
        /* and the longest such: the next boundary is past max */
        size_t next = n + 1;
        while (next < len && ((unsigned char)mixed[next] & 0xC0) == 0x80)
            next++;
        ck_assert_msg(n == len || next > max, "max %zu: %zu is not the longest", max, n);
    }
}
END_TEST

START_TEST(string_length_counts_characters)
{
    const char *profile = NULL;
    const struct kp_jfield spec[] = { KP_JSTRING("profile", &profile, 0, 2000), KP_JEND };

    json_t *doc = repeated("profile", "中", 2000);         /* 6000 bytes */
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(doc, "profile"))), 6000);
    ck_assert_int_eq(kp_json_take(doc, spec, "form.", false, errors), KP_OK);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert_ptr_nonnull(profile);
    ck_assert_uint_eq(kp_utf8_chars(profile), 2000);
    json_decref(doc);

    profile = NULL;
    doc = repeated("profile", "中", 2001);
    ck_assert_int_eq(kp_json_take(doc, spec, "form.", false, errors), KP_E_INVAL);
    ck_assert_uint_eq(json_array_size(errors), 1);
    assert_error(0, "form.profile", "too_long", "不能超过 2000 个字符（现为 2001 个）");
    ck_assert_ptr_null(profile);                            /* not taken */
    json_decref(doc);
}
END_TEST

START_TEST(string_length_mixed)
{
    const char *name = NULL;
    const struct kp_jfield spec[] = { KP_JSTRING("name", &name, 1, 4), KP_JEND };
    json_t *doc = parse("{\"name\": \"养老😀A\"}");   /* 4 characters, 11 bytes */
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
    ck_assert_str_eq(name, "养老😀A");
    json_decref(doc);
    doc = parse("{\"name\": \"养老😀AB\"}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_E_INVAL);
    assert_error(0, "name", "too_long", "不能超过 4 个字符（现为 5 个）");
    json_decref(doc);
}
END_TEST

START_TEST(string_too_short)
{
    const char *name = "unchanged", *code = "unchanged";
    const struct kp_jfield spec[] = {
        KP_JSTRING("name", &name, 1, 50),
        KP_JSTRING("code", &code, 3, 10),
        KP_JEND,
    };
    json_t *doc = parse("{\"name\": \"\", \"code\": \"中文\"}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_E_INVAL);
    ck_assert_uint_eq(json_array_size(errors), 2);
    assert_error(0, "name", "too_short", "不能为空");
    assert_error(1, "code", "too_short", "至少 3 个字符");
    ck_assert_str_eq(name, "unchanged");
    ck_assert_str_eq(code, "unchanged");
    json_decref(doc);
}
END_TEST

START_TEST(required_missing)
{
    const char *profile = NULL;
    long long staff = -1;
    const struct kp_jfield spec[] = {
        KP_JSTRING("profile", &profile, 0, 2000),
        KP_JINT("staff", &staff, 0, 100000),
        KP_JEND,
    };
    json_t *doc = parse("{\"staff\": 3}");
    ck_assert_int_eq(kp_json_take(doc, spec, "form.", false, errors), KP_E_INVAL);
    ck_assert_uint_eq(json_array_size(errors), 1);
    assert_error(0, "form.profile", "required", "必填");
    ck_assert_int_eq(staff, 3);
    json_decref(doc);
}
END_TEST

START_TEST(null_is_not_absent)
{
    const char *s = NULL;
    bool seen = false;
    const struct kp_jfield spec[] = {
        KP_JOPTIONAL("note", KP_J_STRING, &s, 0, 10, &seen),
        KP_JEND,
    };
    json_t *doc = parse("{\"note\": null}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_E_INVAL);
    assert_error(0, "note", "type", "应为字符串");
    ck_assert(seen);
    json_decref(doc);
}
END_TEST

START_TEST(wrong_types)
{
    const char *s = NULL;
    long long i = 0;
    double d = 0;
    bool b = false;
    json_t *o = NULL;
    const struct kp_jfield spec[] = {
        KP_JSTRING("s", &s, 0, 10),
        KP_JINT("i", &i, 0, 10),
        KP_JNUMBER("d", &d, 0, 10),
        KP_JBOOL("b", &b),
        KP_JOBJECT("o", &o),
        KP_JEND,
    };
    json_t *doc = parse("{\"s\": 5, \"i\": \"5\", \"d\": \"5\", \"b\": 1, \"o\": []}");
    ck_assert_int_eq(kp_json_take(doc, spec, "x.", false, errors), KP_E_INVAL);
    ck_assert_uint_eq(json_array_size(errors), 5);
    assert_error(0, "x.s", "type", "应为字符串");
    assert_error(1, "x.i", "type", "应为整数");
    assert_error(2, "x.d", "type", "应为数字");
    assert_error(3, "x.b", "type", "应为 true 或 false");
    assert_error(4, "x.o", "type", "应为对象");
    json_decref(doc);

    /* a real is not an integer, even a whole one */
    json_array_clear(errors);
    const struct kp_jfield ispec[] = { KP_JINT("i", &i, 0, 10), KP_JEND };
    doc = parse("{\"i\": 5.0}");
    ck_assert_int_eq(kp_json_take(doc, ispec, "", false, errors), KP_E_INVAL);
    assert_error(0, "i", "type", NULL);
    json_decref(doc);
}
END_TEST

START_TEST(values_taken)
{
    const char *s = NULL;
    long long i = 0;
    double d = 0, whole = 0;
    bool b = false;
    json_t *o = NULL;
    const struct kp_jfield spec[] = {
        KP_JSTRING("s", &s, 0, 10),
        KP_JINT("i", &i, LLONG_MIN, LLONG_MAX),
        KP_JNUMBER("d", &d, -10, 10),
        KP_JNUMBER("whole", &whole, 0, 10),
        KP_JBOOL("b", &b),
        KP_JOBJECT("o", &o),
        KP_JEND,
    };
    json_t *doc = parse("{\"s\": \"甲\", \"i\": -9223372036854775808, \"d\": -2.5, \"whole\": 3,"
                        " \"b\": true, \"o\": {\"k\": 1}}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
    ck_assert_str_eq(s, "甲");
    ck_assert(i == LLONG_MIN);
    ck_assert_double_eq(d, -2.5);
    ck_assert_double_eq(whole, 3.0);          /* an integer is a number */
    ck_assert(b);
    ck_assert_ptr_eq(o, json_object_get(doc, "o"));
    json_decref(doc);
}
END_TEST

START_TEST(int_range)
{
    long long days = -1;
    const struct kp_jfield spec[] = { KP_JINT("open_days_per_year", &days, 0, 366), KP_JEND };
    const char *ok[] = { "{\"open_days_per_year\": 0}", "{\"open_days_per_year\": 366}" };
    const long long want[] = { 0, 366 };
    for (size_t k = 0; k < 2; k++) {
        json_t *doc = parse(ok[k]);
        ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
        ck_assert_int_eq(days, want[k]);
        json_decref(doc);
    }
    days = -1;
    const char *bad[] = { "{\"open_days_per_year\": 367}", "{\"open_days_per_year\": -1}",
                          "{\"open_days_per_year\": 9223372036854775807}" };
    for (size_t k = 0; k < 3; k++) {
        json_array_clear(errors);
        json_t *doc = parse(bad[k]);
        ck_assert_int_eq(kp_json_take(doc, spec, "form.", false, errors), KP_E_INVAL);
        ck_assert_uint_eq(json_array_size(errors), 1);
        assert_error(0, "form.open_days_per_year", "range", "应在 0 到 366 之间");
        ck_assert_int_eq(days, -1);
        json_decref(doc);
    }
}
END_TEST

START_TEST(number_range)
{
    double score = -1;
    const struct kp_jfield spec[] = { KP_JNUMBER("score", &score, 0, 100), KP_JEND };
    json_t *doc = parse("{\"score\": 100.5}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_E_INVAL);
    assert_error(0, "score", "range", "应在 0 到 100 之间");
    ck_assert_double_eq(score, -1);
    json_decref(doc);
    json_array_clear(errors);
    doc = parse("{\"score\": 99.75}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
    ck_assert_double_eq(score, 99.75);
    json_decref(doc);
}
END_TEST

START_TEST(unknown_fields)
{
    long long a = 0;
    const struct kp_jfield spec[] = { KP_JINT("a", &a, 0, 10), KP_JEND };
    json_t *doc = parse("{\"a\": 1, \"extra\": true}");
    ck_assert_int_eq(kp_json_take(doc, spec, "form.", false, errors), KP_E_INVAL);
    ck_assert_uint_eq(json_array_size(errors), 1);
    assert_error(0, "form.extra", "unknown", "不认识的字段");
    ck_assert_int_eq(a, 1);

    json_array_clear(errors);
    a = 0;
    ck_assert_int_eq(kp_json_take(doc, spec, "form.", true, errors), KP_OK);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert_int_eq(a, 1);
    json_decref(doc);
}
END_TEST

START_TEST(nullable_fields)
{
    const char *note = NULL;
    long long n = 0;
    bool note_seen = false, n_seen = false;
    const struct kp_jfield spec[] = {
        KP_JNULLABLE("note", KP_J_STRING, &note, 1, 10, &note_seen),
        KP_JNULLABLE("n", KP_J_INT, &n, 1, 10, &n_seen),
        KP_JEND,
    };
    /* null: seen, the output untouched, no error */
    json_t *doc = parse("{\"note\": null, \"n\": null}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
    ck_assert(note_seen && n_seen);
    ck_assert_ptr_null(note);
    ck_assert_int_eq(n, 0);
    json_decref(doc);

    /* absent: not seen */
    doc = parse("{}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
    ck_assert(!note_seen && !n_seen);
    json_decref(doc);

    /* a value is checked as any other */
    doc = parse("{\"note\": \"ok\", \"n\": 10}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
    ck_assert_str_eq(note, "ok");
    ck_assert_int_eq(n, 10);
    json_decref(doc);
    doc = parse("{\"note\": \"\", \"n\": false}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_E_INVAL);
    assert_error(0, "note", "too_short", NULL);
    assert_error(1, "n", "type", NULL);
    json_decref(doc);
}
END_TEST

START_TEST(optional_fields)
{
    const char *note = "default";
    long long n = 7;
    bool note_seen = true, n_seen = true, flag = false;
    const struct kp_jfield spec[] = {
        KP_JOPTIONAL("note", KP_J_STRING, &note, 0, 100, &note_seen),
        KP_JOPTIONAL("n", KP_J_INT, &n, 0, 10, &n_seen),
        KP_JOPTIONAL("flag", KP_J_BOOL, &flag, 0, 0, NULL),
        KP_JEND,
    };
    json_t *doc = parse("{}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
    ck_assert(!note_seen);
    ck_assert(!n_seen);
    ck_assert_str_eq(note, "default");
    ck_assert_int_eq(n, 7);
    ck_assert(!flag);
    json_decref(doc);

    doc = parse("{\"n\": 0, \"flag\": true}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
    ck_assert(!note_seen);
    ck_assert(n_seen);
    ck_assert_int_eq(n, 0);
    ck_assert(flag);
    json_decref(doc);

    /* sent but invalid: present, and an error */
    doc = parse("{\"n\": 11}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_E_INVAL);
    ck_assert(n_seen);
    assert_error(0, "n", "range", NULL);
    json_decref(doc);
}
END_TEST

START_TEST(errors_collected_at_once)
{
    const char *name = NULL, *profile = NULL;
    long long staff = 0, days = 0;
    bool open = false;
    const struct kp_jfield spec[] = {
        KP_JSTRING("name", &name, 1, 50),
        KP_JINT("staff_fulltime", &staff, 0, 100000),
        KP_JINT("open_days_per_year", &days, 0, 366),
        KP_JSTRING("profile", &profile, 0, 2000),
        KP_JBOOL("open", &open),
        KP_JEND,
    };
    json_t *doc = parse("{\"name\": \"\", \"staff_fulltime\": \"many\", \"open_days_per_year\": 400,"
                        " \"open\": true, \"zzz\": 1}");
    ck_assert_int_eq(kp_json_take(doc, spec, "form.", false, errors), KP_E_INVAL);
    ck_assert_uint_eq(json_array_size(errors), 5);
    assert_error(0, "form.name", "too_short", NULL);
    assert_error(1, "form.staff_fulltime", "type", NULL);
    assert_error(2, "form.open_days_per_year", "range", NULL);
    assert_error(3, "form.profile", "required", NULL);
    assert_error(4, "form.zzz", "unknown", NULL);
    ck_assert(open);                      /* the good field is still taken */
    json_decref(doc);
}
END_TEST

START_TEST(object_fields_nested)
{
    json_t *form = NULL;
    const char *title = NULL;
    const struct kp_jfield outer[] = { KP_JOBJECT("form", &form), KP_JSTRING("title", &title, 1, 20), KP_JEND };
    long long beds = 0;
    const char *profile = NULL;
    const struct kp_jfield inner[] = {
        KP_JINT("beds", &beds, 0, 10000),
        KP_JSTRING("profile", &profile, 0, 5),
        KP_JEND,
    };
    json_t *doc = parse("{\"title\": \"申报\", \"form\": {\"beds\": 20000, \"profile\": \"简介过长了一点\"}}");
    ck_assert_int_eq(kp_json_take(doc, outer, "", false, errors), KP_OK);
    ck_assert_ptr_nonnull(form);
    ck_assert_str_eq(title, "申报");
    ck_assert_int_eq(kp_json_take(form, inner, "form.", false, errors), KP_E_INVAL);
    ck_assert_uint_eq(json_array_size(errors), 2);
    assert_error(0, "form.beds", "range", NULL);
    assert_error(1, "form.profile", "too_long", "不能超过 5 个字符（现为 7 个）");
    json_decref(doc);
}
END_TEST

START_TEST(array_fields_bounded)
{
    json_t *items = NULL;
    const struct kp_jfield spec[] = { KP_JARRAY("items", &items, 1, 3), KP_JEND };
    json_t *doc = parse("{\"items\": [{\"a\": 1}, 2]}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
    ck_assert_ptr_eq(items, json_object_get(doc, "items"));          /* borrowed */
    json_decref(doc);
    items = NULL;
    doc = parse("{\"items\": []}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_E_INVAL);
    json_decref(doc);
    doc = parse("{\"items\": [1, 2, 3, 4]}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_E_INVAL);
    json_decref(doc);
    doc = parse("{\"items\": {\"0\": 1}}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_E_INVAL);
    json_decref(doc);
    ck_assert_ptr_null(items);                                        /* untouched on error */
    ck_assert_uint_eq(json_array_size(errors), 3);
    assert_error(0, "items", "too_short", "至少 1 项");
    assert_error(1, "items", "too_long", "不能超过 3 项");
    assert_error(2, "items", "type", "应为数组");
}
END_TEST

START_TEST(result_counts_only_new_errors)
{
    kp_problem_field(errors, "earlier", "range", "x");
    long long a = 0;
    const struct kp_jfield spec[] = { KP_JINT("a", &a, 0, 10), KP_JEND };
    json_t *doc = parse("{\"a\": 2}");
    ck_assert_int_eq(kp_json_take(doc, spec, "", false, errors), KP_OK);
    ck_assert_uint_eq(json_array_size(errors), 1);
    ck_assert_int_eq(a, 2);
    json_decref(doc);
}
END_TEST

/* Shortest round-trip texts.  The digits are python3's repr() (David Gay's
 * shortest algorithm, an implementation apart from ours); the spelling is
 * printf's %g ("1", not python's "1.0"). */
START_TEST(number_text_shortest)
{
    const struct { double x; const char *text; } t[] = {
        { 0.3, "0.3" }, { 0.25, "0.25" }, { 1.0, "1" }, { 0.05, "0.05" }, { 1e-9, "1e-09" },
        { 2.5e-5, "2.5e-05" }, { 0.1 + 0.2, "0.30000000000000004" }, { 2.0 / 3, "0.6666666666666666" },
        { 3.141592653589793, "3.141592653589793" }, { 5e-324, "5e-324" },
        { DBL_MAX, "1.7976931348623157e+308" }, { 1e21, "1e+21" }, { 123.0, "123" }, { -0.0, "-0" },
        { -0.3, "-0.3" },
    };
    char text[KP_JSON_NUMBER_TEXT];
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        ck_assert(kp_json_number_text(t[i].x, text));
        ck_assert_str_eq(text, t[i].text);
    }
    ck_assert(!kp_json_number_text(NAN, text));
    ck_assert(!kp_json_number_text(INFINITY, text));
    ck_assert(!kp_json_number_text(-INFINITY, text));
}
END_TEST

/* Any finite double: its text reads back as it, jansson takes the text as
 * JSON, and one digit fewer would not read back. */
START_TEST(number_text_round_trips)
{
    uint64_t state = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 20000; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        double x;
        memcpy(&x, &state, sizeof x);
        if (!isfinite(x))
            continue;
        char text[KP_JSON_NUMBER_TEXT], fewer[512];            /* %g of any precision fits */
        ck_assert(kp_json_number_text(x, text));
        ck_assert_msg(strtod(text, NULL) == x, "%s", text);
        int digits = 0;                            /* significant: after the leading zeros */
        for (const char *p = text + strspn(text, "-0."); *p && *p != 'e'; p++)
            digits += *p >= '0' && *p <= '9';
        if (i % 20 == 0) {
            json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);   /* "-8723128687905034" is an integer to it */
            double back = json_number_value(j);
            json_decref(j);
            ck_assert_msg(back == x, "%s", text);
        }
        snprintf(fewer, sizeof fewer, "%.*g", digits - 1, x);
        ck_assert_msg(digits == 1 || strtod(fewer, NULL) != x, "%s: %s would do", text, fewer);
    }
}
END_TEST

static Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, parse_object);
    tcase_add_test(tc, array_fields_bounded);
    tcase_add_test(tc, parse_uses_len_not_nul);
    tcase_add_test(tc, parse_invalid);
    tcase_add_test(tc, parse_duplicate_keys);
    tcase_add_test(tc, parse_not_an_object);
    tcase_add_test(tc, parse_invalid_utf8);
    tcase_add_test(tc, parse_nul_refused);
    tcase_add_test(tc, utf8_chars);
    tcase_add_test(tc, utf8_prefix_ascii);
    tcase_add_test(tc, utf8_prefix_backs_off_to_a_boundary);
    tcase_add_test(tc, utf8_prefix_four_byte);
    tcase_add_test(tc, string_length_counts_characters);
    tcase_add_test(tc, string_length_mixed);
    tcase_add_test(tc, string_too_short);
    tcase_add_test(tc, required_missing);
    tcase_add_test(tc, null_is_not_absent);
    tcase_add_test(tc, wrong_types);
    tcase_add_test(tc, values_taken);
    tcase_add_test(tc, int_range);
    tcase_add_test(tc, number_range);
    tcase_add_test(tc, unknown_fields);
    tcase_add_test(tc, optional_fields);
    tcase_add_test(tc, nullable_fields);
    tcase_add_test(tc, errors_collected_at_once);
    tcase_add_test(tc, object_fields_nested);
    tcase_add_test(tc, result_counts_only_new_errors);
    tcase_add_test(tc, number_text_shortest);
    tcase_add_test(tc, number_text_round_trips);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kp_test_run(json_suite());
}
