#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "mailkind.h"

/* Decisions about someone's own application or base are essential: a unit
 * that opted out must still learn it was returned before the deadline. */
static const struct {
    const char *kind;
    enum kp_mailkind how;
} KINDS[] = {
    { "application.returned",                 KP_MAIL_ESSENTIAL },
    { "application.declined",                 KP_MAIL_ESSENTIAL },
    { "application.recommended",              KP_MAIL_ESSENTIAL },
    { "application.recommendation_withdrawn", KP_MAIL_ESSENTIAL },
    { "application.initial_reviewed",         KP_MAIL_ESSENTIAL },
    { "application.proposed",                 KP_MAIL_ESSENTIAL },
    { "application.final_rejected",           KP_MAIL_ESSENTIAL },
    { "application.withdrawn_after_objection", KP_MAIL_ESSENTIAL },
    { "annual_report.evaluated",              KP_MAIL_ESSENTIAL },
    { "base.term_assessed",                   KP_MAIL_ESSENTIAL },
    { "base.suspended",                       KP_MAIL_ESSENTIAL },
    { "base.reinstated",                      KP_MAIL_ESSENTIAL },
    { "base.revoked",                         KP_MAIL_ESSENTIAL },
    { "password.reset",                       KP_MAIL_ESSENTIAL },
    /* the administrator's bookkeeping: seen in the platform */
    { "contact.filed",                        KP_MAIL_NEVER },
    { "contact.updated",                      KP_MAIL_NEVER },
};

enum kp_mailkind kp_mailkind_of(const char *kind)
{
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(KINDS[i].kind, kind) == 0)
            return KINDS[i].how;
    return KP_MAIL_OPTIONAL;
}

/* Where each role reads an application (web/views/notifications.js). */
static const struct {
    const char *role, *prefix;
} APPLICATION_PAGE[] = {
    { "applicant", "/applications/" },
    { "recommender", "/review/" },
    { "admin", "/admin/applications/" },
};

void kp_mailkind_path(const char *role, const json_t *data, char *out, size_t n)
{
    json_t *app = json_object_get(data, "application_id");
    for (size_t i = 0; json_is_integer(app) && i < sizeof APPLICATION_PAGE / sizeof APPLICATION_PAGE[0]; i++)
        if (strcmp(APPLICATION_PAGE[i].role, role) == 0) {
            snprintf(out, n, "%s%lld", APPLICATION_PAGE[i].prefix, (long long)json_integer_value(app));
            return;
        }
    snprintf(out, n, "/notifications");
}

char *kp_mailkind_body(const char *title, const char *text, const char *public_url, const char *path,
                       bool essential)
{
    struct kp_buf b = { 0 };
    kp_buf_printf(&b, "%s\n\n", title);
    if (text != NULL && *text != '\0')
        kp_buf_printf(&b, "%s\n\n", text);
    kp_buf_printf(&b, "请登录全国科普教育基地管理平台查看：\n%s%s\n\n"
                  "-- \n"
                  "本邮件由全国科普教育基地管理平台自动发送，请勿直接回复。\n%s\n",
                  public_url, path,
                  essential ? "这是与您的申报或基地直接相关的重要通知，即使关闭了邮件通知也会发送。"
                            : "如不希望再收到此类通知邮件，请登录平台，在“账户”页面关闭邮件通知"
                              "（重要通知仍会发送）。");
    return kp_buf_take(&b, NULL);
}
