#include <math.h>
#include <stdio.h>
#include <string.h>

#include "appform.h"
#include "json.h"
#include "problem.h"
#include "validate.h"

enum kind { INT, NUMBER, TEXT, HONORS };

static const struct field {
    const char *name;
    enum kind kind;
    double max;          /* INT, NUMBER: largest value; TEXT: characters */
    const char *label;
} fields[] = {
    { "staff_fulltime",     INT,    100000,  "专职科普人员数" },
    { "staff_parttime",     INT,    100000,  "兼职科普人员数" },
    { "volunteers",         INT,    1000000, "科普志愿者人数" },
    { "open_days_per_year", INT,    366,     "年开放天数" },
    { "annual_visitors",    INT,    1e9,     "年接待人次" },
    { "venue_area_m2",      NUMBER, 1e8,     "科普场地面积（平方米）" },
    { "annual_funding_wan", NUMBER, 1e7,     "年科普经费（万元）" },
    { "activities_last3y",  INT,    1000000, "近三年科普活动次数" },
    { "profile",            TEXT,   2000,    "单位简介" },
    { "work_summary",       TEXT,   5000,    "科普工作简介" },
    { "conditions",         TEXT,   3000,    "保障条件" },
    { "plan",               TEXT,   3000,    "三年发展规划" },
    { "honors",             HONORS, KP_HONORS_MAX, "已命名情况" },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static void error(json_t *errors, const char *path, const char *code, const char *fmt,
                  const char *a, double n)
{
    char msg[200];
    snprintf(msg, sizeof msg, fmt, a, n);
    kp_problem_field(errors, path, code, msg);
}

static void check_honors(const json_t *v, json_t *errors)
{
    if (!json_is_array(v)) {
        kp_problem_field(errors, "form.honors", "type", "应为数组");
        return;
    }
    if (json_array_size(v) > KP_HONORS_MAX) {
        kp_problem_field(errors, "form.honors", "too_long", "已命名情况最多 50 项");
        return;
    }
    size_t i;
    const json_t *h;
    json_array_foreach(v, i, h) {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "form.honors.%zu.", i);
        if (!json_is_object(h)) {
            prefix[strlen(prefix) - 1] = '\0';
            kp_problem_field(errors, prefix, "type", "应为对象");
            continue;
        }
        const char *title, *issuer, *date;
        const struct kp_jfield spec[] = {
            KP_JSTRING("title", &title, 1, 200),
            KP_JSTRING("issuer", &issuer, 1, 200),
            KP_JSTRING("date", &date, 10, 10),
            KP_JEND,
        };
        if (kp_json_take(h, spec, prefix, false, errors) == KP_OK && !kp_valid_date(date)) {
            char path[64];
            snprintf(path, sizeof path, "%sdate", prefix);
            kp_problem_field(errors, path, "format", "日期应为 YYYY-MM-DD");
        }
    }
}

bool kp_appform_check(const json_t *patch, json_t *errors)
{
    size_t before = json_array_size(errors);
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)patch, key, v) {
        const struct field *f = NULL;
        for (size_t i = 0; i < NFIELDS && f == NULL; i++)
            if (strcmp(fields[i].name, key) == 0)
                f = &fields[i];
        char path[64];
        snprintf(path, sizeof path, "form.%s", key);
        if (f == NULL) {
            kp_problem_field(errors, path, "unknown", "不认识的字段");
            continue;
        }
        if (json_is_null(v))
            continue;                                /* clears it */
        switch (f->kind) {
        case INT:
            if (!json_is_integer(v))
                error(errors, path, "type", "%s应为整数", f->label, 0);
            else if (json_integer_value(v) < 0 || (double)json_integer_value(v) > f->max)
                error(errors, path, "range", "%s应在 0 到 %.0f 之间", f->label, f->max);
            break;
        case NUMBER:
            if (!json_is_number(v))
                error(errors, path, "type", "%s应为数字", f->label, 0);
            else if (!isfinite(json_number_value(v)) || json_number_value(v) < 0 ||
                     json_number_value(v) > f->max)
                error(errors, path, "range", "%s应在 0 到 %.0f 之间", f->label, f->max);
            break;
        case TEXT:
            if (!json_is_string(v))
                error(errors, path, "type", "%s应为文字", f->label, 0);
            else if ((double)kp_utf8_chars(json_string_value(v)) > f->max)
                error(errors, path, "too_long", "%s不能超过 %.0f 个字", f->label, f->max);
            break;
        case HONORS:
            check_honors(v, errors);
            break;
        }
    }
    return json_array_size(errors) == before;
}

void kp_appform_merge(json_t *form, const json_t *patch)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)patch, key, v) {
        if (json_is_null(v))
            json_object_del(form, key);
        else
            json_object_set(form, key, (json_t *)v);
    }
}

void kp_appform_missing(const char *base_name, const char *category, const json_t *form,
                        bool has_application_form, json_t *errors)
{
    if (base_name == NULL || *base_name == '\0')
        kp_problem_field(errors, "base_name", "required", "请填写基地名称");
    if (category == NULL)
        kp_problem_field(errors, "category", "required", "请选择基地类别");
    for (size_t i = 0; i < NFIELDS; i++) {
        if (fields[i].kind == HONORS)
            continue;                                /* having none is an answer */
        const json_t *v = json_object_get(form, fields[i].name);
        bool empty = v == NULL || (json_is_string(v) && json_string_length(v) == 0);
        if (empty) {
            char path[64], msg[120];
            snprintf(path, sizeof path, "form.%s", fields[i].name);
            snprintf(msg, sizeof msg, "请填写%s", fields[i].label);
            kp_problem_field(errors, path, "required", msg);
        }
    }
    if (!has_application_form)
        kp_problem_field(errors, "attachments.application_form", "required",
                         "请上传盖章的申报表扫描件（PDF）");
}

const char *kp_appform_key(size_t i, const char **label, bool *long_text)
{
    if (i >= NFIELDS)
        return NULL;
    *label = fields[i].label;
    *long_text = fields[i].kind == TEXT;
    return fields[i].name;
}
