#include <stdio.h>

#include "resetmail.h"

bool kp_resetmail_link(const char *public_url, const char *token, char *out, size_t n)
{
    int len = snprintf(out, n, "%s" KP_RESETMAIL_PAGE "#%s", public_url, token);
    return len >= 0 && (size_t)len < n;
}

/* One text with the link, or with KP_RESETMAIL_HIDDEN in its place. */
static bool text(char *out, size_t n, const char *username, const char *link, unsigned minutes)
{
    int len = snprintf(out, n,
        "%s，您好：\n"
        "\n"
        "我们收到了为全国科普教育基地创建与认定平台账号“%s”重置密码的请求。"
        "请在 %u 分钟内打开下面的链接设置新密码，链接只能使用一次：\n"
        "\n"
        "%s\n"
        "\n"
        "设置新密码后，该账号在所有设备上的登录都将失效，请用新密码重新登录。\n"
        "如果这不是您本人的操作，请忽略本邮件，您的密码不会改变。\n"
        "\n"
        "全国科普教育基地创建与认定平台\n"
        "（本邮件由系统自动发送，请勿回复）\n",
        username, username, minutes, link);
    return len >= 0 && (size_t)len < n;
}

bool kp_resetmail_text(struct kp_resetmail *m, const char *username, const char *link,
                       unsigned minutes)
{
    snprintf(m->subject, sizeof m->subject, "重置密码 - 全国科普教育基地创建与认定平台");
    return text(m->body, sizeof m->body, username, link, minutes) &&
           text(m->body_after, sizeof m->body_after, username, KP_RESETMAIL_HIDDEN, minutes);
}
