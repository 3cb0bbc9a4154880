#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "problem.h"

enum kp_err kp_json_parse_body(const char *buf, size_t len, json_t **out,
                               char *why, size_t why_len)
{
    json_error_t jerr;
    *out = NULL;
    json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        snprintf(why, why_len, "%s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        return KP_E_INVAL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        snprintf(why, why_len, "the body must be a JSON object");
        return KP_E_INVAL;
    }
    *out = doc;
    return KP_OK;
}

size_t kp_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)   /* not a continuation byte */
            n++;
    return n;
}

size_t kp_utf8_prefix(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)   /* s[max] continues a character */
        max--;
    return max;
}

/* The fewest significant digits that read back as x: 17 always do.  The
 * correctly rounded p-digit text is the nearest to x of all p-digit texts,
 * so if any of them reads back as x, it does.  (No setlocale in kpjdd: the
 * decimal point is '.'.) */
bool kp_json_number_text(double x, char out[KP_JSON_NUMBER_TEXT])
{
    if (!isfinite(x))
        return false;
    for (int p = 1; p <= 17; p++) {
        snprintf(out, KP_JSON_NUMBER_TEXT, "%.*g", p, x);
        if (strtod(out, NULL) == x)
            break;
    }
    return true;
}

/* Only spaces, tabs, line ends and ideographic spaces (U+3000): as good as
 * empty for a field that must have content. */
static bool blank(const char *s)
{
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        else if (strncmp(s, "\xE3\x80\x80", 3) == 0)
            s += 3;
        else
            return false;
    }
    return true;
}

static void field_error(json_t *errors, const char *prefix, const char *name,
                        const char *code, const char *message)
{
    char path[256];
    snprintf(path, sizeof path, "%s%s", prefix, name);
    kp_problem_field(errors, path, code, message);
}

static void take_one(const json_t *v, const struct kp_jfield *f, const char *prefix,
                     json_t *errors)
{
    char msg[160];
    switch (f->type) {
    case KP_J_STRING: {
        if (!json_is_string(v)) {
            field_error(errors, prefix, f->name, "type", "应为字符串");
            return;
        }
        const char *s = json_string_value(v);   /* jansson refuses \u0000 on parse */
        long long chars = (long long)kp_utf8_chars(s);
        if (f->min >= 1 && blank(s)) {
            field_error(errors, prefix, f->name, "too_short", "不能为空");
            return;
        }
        if (chars < f->min) {
            snprintf(msg, sizeof msg, f->min == 1 ? "不能为空" : "至少 %lld 个字符", f->min);
            field_error(errors, prefix, f->name, "too_short", msg);
            return;
        }
        if (chars > f->max) {
            snprintf(msg, sizeof msg, "不能超过 %lld 个字符（现为 %lld 个）", f->max, chars);
            field_error(errors, prefix, f->name, "too_long", msg);
            return;
        }
        *(const char **)f->out = s;
        return;
    }
    case KP_J_INT: {
        if (!json_is_integer(v)) {
            field_error(errors, prefix, f->name, "type", "应为整数");
            return;
        }
        long long x = json_integer_value(v);
        if (x < f->min || x > f->max) {
            snprintf(msg, sizeof msg, "应在 %lld 到 %lld 之间", f->min, f->max);
            field_error(errors, prefix, f->name, "range", msg);
            return;
        }
        *(long long *)f->out = x;
        return;
    }
    case KP_J_NUMBER: {
        if (!json_is_number(v)) {
            field_error(errors, prefix, f->name, "type", "应为数字");
            return;
        }
        double x = json_number_value(v);
        if (!isfinite(x) || x < (double)f->min || x > (double)f->max) {
            snprintf(msg, sizeof msg, "应在 %lld 到 %lld 之间", f->min, f->max);
            field_error(errors, prefix, f->name, "range", msg);
            return;
        }
        *(double *)f->out = x;
        return;
    }
    case KP_J_BOOL:
        if (!json_is_boolean(v)) {
            field_error(errors, prefix, f->name, "type", "应为 true 或 false");
            return;
        }
        *(bool *)f->out = json_is_true(v);
        return;
    case KP_J_OBJECT:
        if (!json_is_object(v)) {
            field_error(errors, prefix, f->name, "type", "应为对象");
            return;
        }
        *(json_t **)f->out = (json_t *)v;
        return;
    case KP_J_ARRAY: {
        if (!json_is_array(v)) {
            field_error(errors, prefix, f->name, "type", "应为数组");
            return;
        }
        long long n = (long long)json_array_size(v);
        if (n < f->min || n > f->max) {
            snprintf(msg, sizeof msg, n < f->min ? "至少 %lld 项" : "不能超过 %lld 项", n < f->min ? f->min : f->max);
            field_error(errors, prefix, f->name, n < f->min ? "too_short" : "too_long", msg);
            return;
        }
        *(json_t **)f->out = (json_t *)v;
        return;
    }
    }
}

enum kp_err kp_json_take(const json_t *obj, const struct kp_jfield *spec,
                         const char *prefix, bool allow_unknown, json_t *errors)
{
    size_t before = json_array_size(errors);
    for (const struct kp_jfield *f = spec; f->name; f++) {
        const json_t *v = json_object_get(obj, f->name);
        if (f->present)
            *f->present = v != NULL;
        if (v == NULL) {
            if (!f->optional)
                field_error(errors, prefix, f->name, "required", "必填");
            continue;
        }
        if (!(f->nullable && json_is_null(v)))
            take_one(v, f, prefix, errors);
    }
    if (!allow_unknown) {
        const char *key;
        const json_t *v;
        json_object_foreach((json_t *)obj, key, v) {
            const struct kp_jfield *f = spec;
            while (f->name && strcmp(f->name, key) != 0)
                f++;
            if (f->name == NULL)
                field_error(errors, prefix, key, "unknown", "不认识的字段");
        }
    }
    return json_array_size(errors) == before ? KP_OK : KP_E_INVAL;
}
