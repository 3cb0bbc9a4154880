#include <stddef.h>
#include <string.h>

#include "appstate.h"

/* The role KP_ROLE_ANONYMOUS here stands for the system itself. */
static const struct row {
    const char *from;
    enum kp_app_action action;
    enum kp_role role;
    const char *to;
} table[] = {
    { "draft",       KP_APP_EDIT,      KP_ROLE_APPLICANT,   "draft" },
    { "returned",    KP_APP_EDIT,      KP_ROLE_APPLICANT,   "returned" },
    { "draft",       KP_APP_SUBMIT,    KP_ROLE_APPLICANT,   "submitted" },
    { "returned",    KP_APP_SUBMIT,    KP_ROLE_APPLICANT,   "submitted" },
    { "submitted",   KP_APP_RETURN,    KP_ROLE_RECOMMENDER, "returned" },
    { "submitted",   KP_APP_DECLINE,   KP_ROLE_RECOMMENDER, "not_recommended" },
    { "submitted",   KP_APP_RECOMMEND, KP_ROLE_RECOMMENDER, "recommended" },
    { "recommended", KP_APP_WITHDRAW,  KP_ROLE_RECOMMENDER, "submitted" },
    { "draft",       KP_APP_EXPIRE,    KP_ROLE_ANONYMOUS,   "expired" },
    { "submitted",   KP_APP_EXPIRE,    KP_ROLE_ANONYMOUS,   "expired" },
    { "returned",    KP_APP_EXPIRE,    KP_ROLE_ANONYMOUS,   "expired" },
    { "recommended",    KP_APP_INITIAL_PASS, KP_ROLE_ADMIN, "initial_passed" },
    { "recommended",    KP_APP_INITIAL_FAIL, KP_ROLE_ADMIN, "initial_failed" },
    { "initial_passed", KP_APP_INITIAL_PASS, KP_ROLE_ADMIN, "initial_passed" },
    { "initial_passed", KP_APP_INITIAL_FAIL, KP_ROLE_ADMIN, "initial_failed" },
    { "initial_failed", KP_APP_INITIAL_PASS, KP_ROLE_ADMIN, "initial_passed" },
    { "initial_failed", KP_APP_INITIAL_FAIL, KP_ROLE_ADMIN, "initial_failed" },
    { "initial_passed", KP_APP_ONSITE_PASS,  KP_ROLE_ADMIN, "initial_passed" },
    { "initial_passed", KP_APP_ONSITE_FAIL,  KP_ROLE_ADMIN, "onsite_failed" },
    { "onsite_failed",  KP_APP_ONSITE_PASS,  KP_ROLE_ADMIN, "initial_passed" },
    { "onsite_failed",  KP_APP_ONSITE_FAIL,  KP_ROLE_ADMIN, "onsite_failed" },
    { "initial_passed", KP_APP_PROPOSE,      KP_ROLE_ADMIN, "proposed" },
    { "initial_passed", KP_APP_FINAL_REJECT, KP_ROLE_ADMIN, "final_rejected" },
    { "proposed",       KP_APP_OBJECTION_UPHELD, KP_ROLE_ADMIN, "withdrawn_after_objection" },
    { "proposed",       KP_APP_NAME,         KP_ROLE_ADMIN, "named" },
};

const char *kp_app_transition(const char *from, enum kp_app_action action, enum kp_role role)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].action == action && table[i].role == role && strcmp(table[i].from, from) == 0)
            return table[i].to;
    return NULL;
}

bool kp_app_submit_deadline_binds(const char *from)
{
    return strcmp(from, "draft") == 0;
}

static const struct label { const char *name, *label; } statuses[] = {
    { "draft", "草稿" }, { "submitted", "已提交" }, { "returned", "退回修改" },
    { "recommended", "已推荐" }, { "not_recommended", "不予推荐" }, { "expired", "逾期未报" },
    { "initial_passed", "初评通过" }, { "initial_failed", "初评未通过" },
    { "onsite_failed", "实地抽检未通过" }, { "proposed", "拟认定" },
    { "final_rejected", "终评未通过" }, { "named", "已命名" },
    { "withdrawn_after_objection", "异议成立撤销" },
};

/* In the API's order, which kp_app_category_index answers. */
static const struct label categories[] = {
    { "venue", "科技场馆类" }, { "education_research", "教育科研与重大工程类" },
    { "agriculture", "“三农”类" }, { "enterprise", "企业类" },
    { "natural_resources", "自然资源类" }, { "other", "其他类" },
};

_Static_assert(sizeof categories / sizeof categories[0] == KP_APP_CATEGORIES,
               "KP_APP_CATEGORIES counts the table");

static const char *find(const struct label *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].label;
    return NULL;
}

bool kp_app_status_valid(const char *status)
{
    return find(statuses, sizeof statuses / sizeof statuses[0], status) != NULL;
}

bool kp_app_category_valid(const char *category)
{
    return find(categories, sizeof categories / sizeof categories[0], category) != NULL;
}

int kp_app_category_index(const char *category)
{
    for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++)
        if (strcmp(categories[i].name, category) == 0)
            return (int)i;
    return -1;
}

const char *kp_app_status_label(const char *status)
{
    const char *l = find(statuses, sizeof statuses / sizeof statuses[0], status);
    return l ? l : status;
}

const char *kp_app_category_label(const char *category)
{
    const char *l = find(categories, sizeof categories / sizeof categories[0], category);
    return l ? l : category;
}
