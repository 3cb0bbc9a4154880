#include <assert.h>
#include <stdio.h>

#include "problem.h"

static const struct kp_problem_info registry[KP_P__COUNT] = {
    [KP_P_BAD_JSON]                 = { "bad_json",                 400, "请求体不是有效的 JSON 对象" },
    [KP_P_UNAUTHENTICATED]          = { "unauthenticated",          401, "请先登录" },
    [KP_P_INVALID_CREDENTIALS]      = { "invalid_credentials",      401, "用户名或密码错误" },
    [KP_P_FORBIDDEN]                = { "forbidden",                403, "无权执行此操作" },
    [KP_P_CSRF]                     = { "csrf",                     403, "请求缺少有效的 CSRF 令牌" },
    [KP_P_PASSWORD_CHANGE_REQUIRED] = { "password_change_required", 403, "请先修改初始密码" },
    [KP_P_NOT_FOUND]                = { "not_found",                404, "未找到" },
    [KP_P_METHOD_NOT_ALLOWED]       = { "method_not_allowed",       405, "不支持该请求方法" },
    [KP_P_INVALID_STATE]            = { "invalid_state",            409, "当前状态不允许此操作" },
    [KP_P_DEADLINE_PASSED]          = { "deadline_passed",          409, "已超过截止时间" },
    [KP_P_QUOTA_EXHAUSTED]          = { "quota_exhausted",          409, "推荐名额已用完" },
    [KP_P_BARRED]                   = { "barred",                   409, "该单位不得参加本批次申报" },
    [KP_P_CONFLICT]                 = { "conflict",                 409, "数据已存在" },
    [KP_P_VERSION_MISMATCH]         = { "version_mismatch",         412, "数据已被修改，请刷新后重试" },
    [KP_P_TOO_LARGE]                = { "too_large",                413, "请求体过大" },
    [KP_P_UNSUPPORTED_MEDIA_TYPE]   = { "unsupported_media_type",   415, "不支持的内容类型" },
    [KP_P_VALIDATION]               = { "validation",               422, "提交的数据有误" },
    [KP_P_TOO_MANY_ATTEMPTS]        = { "too_many_attempts",        429, "尝试次数过多，请稍后再试" },
    [KP_P_INTERNAL]                 = { "internal",                 500, "服务器内部错误" },
    [KP_P_UNAVAILABLE]              = { "unavailable",              503, "服务暂时不可用，请稍后再试" },
};

const struct kp_problem_info *kp_problem_info(enum kp_problem p)
{
    assert(p >= 0 && p < KP_P__COUNT);
    assert(registry[p].code != NULL);        /* every code is registered */
    return &registry[p];
}

json_t *kp_problem_json(enum kp_problem p, const char *detail, json_t *errors)
{
    const struct kp_problem_info *info = kp_problem_info(p);
    char type[96];
    snprintf(type, sizeof type, "urn:kpjd:problem:%s", info->code);
    json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", info->title,
                             "status", (int)info->status, "code", info->code);
    if (body == NULL) {
        json_decref(errors);
        return NULL;
    }
    if (detail != NULL)
        json_object_set_new(body, "detail", json_string(detail));
    if (errors != NULL) {
        size_t total = json_array_size(errors);
        while (json_array_size(errors) > KP_PROBLEM_ERRORS_LISTED)   /* the counted nulls */
            json_array_remove(errors, json_array_size(errors) - 1);
        json_object_set_new(body, "errors", errors);
        json_object_set_new(body, "errors_total", json_integer((json_int_t)total));
    }
    return body;
}

void kp_problem_field(json_t *errors, const char *field, const char *code,
                      const char *message)
{
    if (json_array_size(errors) >= KP_PROBLEM_ERRORS_LISTED) {
        json_array_append_new(errors, json_null());
        return;
    }
    json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field", field,
                                            "code", code, "message", message));
}
