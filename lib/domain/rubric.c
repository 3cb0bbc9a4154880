#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "problem.h"
#include "rubric.h"
#include "utf8.h"

static bool key_format(const char *key)
{
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

/* A name is a heading: no line breaks, no controls, nothing that reorders
 * the text around it. */
static bool name_format(const char *name)
{
    size_t n = strlen(name), step;
    uint32_t cp;
    for (size_t i = 0; i < n; i += step) {
        step = kp_utf8_next(name + i, n - i, &cp);
        assert(step > 0);                        /* jansson holds valid UTF-8 */
        if (kp_utf8_is_control(cp) || kp_utf8_is_bidi_control(cp))
            return false;
    }
    return true;
}

/* Reads criteria.i into c; appends its errors.  Whether its weight was read
 * (the sum means something only when every weight was). */
static bool read_criterion(const json_t *item, size_t i, struct kp_rubric_criterion *c,
                           json_t *errors)
{
    char prefix[32], path[48];
    snprintf(prefix, sizeof prefix, "criteria.%zu", i);
    if (!json_is_object(item)) {
        kp_problem_field(errors, prefix, "type", "应为对象");
        return false;
    }
    strcat(prefix, ".");
    const char *key = NULL, *name = NULL;
    long long weight = 0;
    const struct kp_jfield spec[] = {
        KP_JSTRING("key", &key, 1, KP_RUBRIC_KEY_MAX),
        KP_JSTRING("name", &name, 1, KP_RUBRIC_NAME_MAX),
        KP_JINT("weight", &weight, 1, 100),
        KP_JEND,
    };
    kp_json_take(item, spec, prefix, false, errors);
    if (key != NULL) {
        snprintf(path, sizeof path, "%skey", prefix);
        if (!key_format(key))
            kp_problem_field(errors, path, "format", "只能由小写字母、数字和下划线组成");
        else
            memcpy(c->key, key, strlen(key) + 1);     /* ≤ 32 characters, all ASCII */
    }
    if (name != NULL) {
        snprintf(path, sizeof path, "%sname", prefix);
        if (!name_format(name))
            kp_problem_field(errors, path, "format", "不能含换行或控制字符");
        else
            memcpy(c->name, name, strlen(name) + 1);  /* ≤ 50 characters of ≤ 4 bytes */
    }
    c->weight = (int)weight;
    return weight != 0;
}

bool kp_rubric_read(const json_t *criteria, struct kp_rubric *out, json_t *errors)
{
    size_t before = json_array_size(errors);
    memset(out, 0, sizeof *out);
    if (criteria == NULL) {
        kp_problem_field(errors, "criteria", "required", "必填");
        return false;
    }
    if (!json_is_array(criteria)) {
        kp_problem_field(errors, "criteria", "type", "应为数组");
        return false;
    }
    size_t n = json_array_size(criteria);
    if (n == 0) {
        kp_problem_field(errors, "criteria", "too_short", "至少要有 1 项评分指标");
        return false;
    }
    if (n > KP_RUBRIC_MAX) {
        kp_problem_field(errors, "criteria", "too_long", "评分指标最多 20 项");
        return false;
    }
    bool weighed = true;
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        struct kp_rubric_criterion *c = &out->c[i];
        weighed &= read_criterion(json_array_get(criteria, i), i, c, errors);
        sum += c->weight;
        for (size_t j = 0; j < i && c->key[0] != '\0'; j++)
            if (strcmp(out->c[j].key, c->key) == 0) {
                char path[48], msg[64];
                snprintf(path, sizeof path, "criteria.%zu.key", i);
                snprintf(msg, sizeof msg, "与第 %zu 项的键重复", j + 1);
                kp_problem_field(errors, path, "duplicate", msg);
                break;
            }
    }
    if (weighed && sum != 100) {
        char msg[64];
        snprintf(msg, sizeof msg, "各项权重之和应为 100（现为 %d）", sum);
        kp_problem_field(errors, "criteria", "sum", msg);
    }
    out->n = (int)n;
    return json_array_size(errors) == before;
}

json_t *kp_rubric_json(const struct kp_rubric *r)
{
    json_t *a = json_array();
    for (int i = 0; a != NULL && i < r->n; i++) {
        const struct kp_rubric_criterion *c = &r->c[i];
        if (json_array_append_new(a, json_pack("{s:s, s:s, s:i}", "key", c->key, "name",
                                               c->name, "weight", c->weight)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static int criterion_index(const struct kp_rubric *r, const char *key)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->c[i].key, key) == 0)
            return i;
    return -1;
}

static void score_error(json_t *errors, const char *key, const char *code, const char *msg)
{
    char path[7 + 200 + 1];                      /* "scores." and a key cut to 200 bytes */
    snprintf(path, sizeof path, "scores.%.*s", (int)kp_utf8_prefix(key, 200), key);
    kp_problem_field(errors, path, code, msg);
}

bool kp_rubric_scores_read(const struct kp_rubric *r, const json_t *scores,
                           enum kp_rubric_mode mode, struct kp_rubric_sheet *out,
                           json_t *errors)
{
    assert(r->n >= 1 && r->n <= KP_RUBRIC_MAX);
    size_t before = json_array_size(errors);
    for (int i = 0; i < KP_RUBRIC_MAX; i++)
        out->score[i] = KP_RUBRIC_UNSCORED;
    if (scores != NULL && !json_is_object(scores)) {
        kp_problem_field(errors, "scores", "type", "应为对象");
        return false;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)scores, key, v) {
        int i = criterion_index(r, key);
        if (i < 0)
            score_error(errors, key, "unknown", "评分标准中没有这一项");
        else if (!json_is_integer(v))
            score_error(errors, key, "type", "应为 0 到 100 的整数");
        else if (json_integer_value(v) < 0 || json_integer_value(v) > KP_RUBRIC_SCORE_MAX)
            score_error(errors, key, "range", "应在 0 到 100 之间");
        else
            out->score[i] = (int)json_integer_value(v);
    }
    if (mode == KP_RUBRIC_SUBMIT)
        for (int i = 0; i < r->n; i++)
            if (out->score[i] == KP_RUBRIC_UNSCORED &&
                json_object_get(scores, r->c[i].key) == NULL) {   /* a bad one is named above */
                char msg[KP_RUBRIC_NAME_MAX * 4 + 32];
                snprintf(msg, sizeof msg, "请为“%s”打分", r->c[i].name);
                score_error(errors, r->c[i].key, "required", msg);
            }
    return json_array_size(errors) == before;
}

int kp_rubric_total(const struct kp_rubric *r, const struct kp_rubric_sheet *s)
{
    int total = 0;
    for (int i = 0; i < r->n; i++) {
        assert(s->score[i] >= 0 && s->score[i] <= KP_RUBRIC_SCORE_MAX);
        total += r->c[i].weight * s->score[i];
    }
    assert(total <= KP_RUBRIC_TOTAL_MAX);        /* weights sum to 100 */
    return total;
}

void kp_rubric_points(int hundredths, char out[KP_RUBRIC_POINTS_LEN])
{
    assert(hundredths >= 0);
    int whole = hundredths / 100, frac = hundredths % 100;
    if (frac == 0)
        snprintf(out, KP_RUBRIC_POINTS_LEN, "%d", whole);
    else if (frac % 10 == 0)
        snprintf(out, KP_RUBRIC_POINTS_LEN, "%d.%d", whole, frac / 10);
    else
        snprintf(out, KP_RUBRIC_POINTS_LEN, "%d.%02d", whole, frac);
}

void kp_rubric_points_fixed(int hundredths, char out[KP_RUBRIC_POINTS_LEN])
{
    assert(hundredths >= 0);
    snprintf(out, KP_RUBRIC_POINTS_LEN, "%d.%02d", hundredths / 100, hundredths % 100);
}

json_t *kp_rubric_points_json(int hundredths)
{
    assert(hundredths >= 0);
    if (hundredths % 100 == 0)
        return json_integer(hundredths / 100);
    return json_real(hundredths / 100.0);        /* the double nearest the decimal */
}
