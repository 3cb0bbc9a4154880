#include <string.h>

#include "auditlabel.h"

/* Grouped by object, in the order of the programme. */
static const struct kp_audit_label ACTIONS[] = {
    { "session.login", "登录" },
    { "session.login_failed", "登录失败" },
    { "session.logout", "退出登录" },
    { "user.created", "创建账号" },
    { "user.password_changed", "修改密码" },
    { "user.password_change_failed", "修改密码失败" },
    { "user.mail_settings", "修改邮件设置" },
    { "user.password_reset_requested", "申请重置密码" },
    { "user.password_reset", "通过邮件重置密码" },
    { "batch.created", "创建批次" },
    { "batch.updated", "修改批次" },
    { "quota.set", "设置推荐名额" },
    { "recommender.created", "创建推荐单位" },
    { "recommender.disabled", "停用推荐单位" },
    { "recommender.enabled", "启用推荐单位" },
    { "recommender.password_reset", "重置推荐单位密码" },
    { "contact.filed", "报送联系人" },
    { "contact.updated", "修改联系人" },
    { "invitation.created", "生成邀请码" },
    { "invitation.revoked", "撤销邀请码" },
    { "applicant.registered", "申报单位注册" },
    { "applicant.updated", "修改单位信息" },
    { "application.updated", "保存申报书" },
    { "application.submitted", "提交申报" },
    { "application.returned", "退回修改" },
    { "application.recommended", "推荐" },
    { "application.declined", "不予推荐" },
    { "application.recommendation_withdrawn", "撤回推荐" },
    { "application.expired", "逾期未报" },
    { "attachment.uploaded", "上传附件" },
    { "attachment.deleted", "删除附件" },
    { "application.initial_reviewed", "初评" },
    { "batch.rubric_set", "设置评分细则" },
    { "expert.created", "创建专家" },
    { "expert.updated", "修改专家信息" },
    { "expert.disabled", "停用专家" },
    { "expert.enabled", "启用专家" },
    { "batch.experts_assigned", "分配评审专家" },
    { "expert.conflict_declared", "声明利益冲突" },
    { "assignment.assigned", "分配评审任务" },
    { "assignment.recused", "专家回避" },
    { "assignment.replaced", "更换评审专家" },
    { "assignment.scored", "保存评分" },
    { "assignment.submitted", "提交评分" },
    { "batch.onsite_sample_drawn", "抽取实地核查名单" },
    { "application.onsite_sampled", "抽中实地核查" },
    { "application.onsite_checked", "实地抽检" },
    { "batch.proposed_list_fixed", "确定拟认定名单" },
    { "application.proposed", "列入拟认定名单" },
    { "application.final_rejected", "终评未通过" },
    { "notice.published", "发布公示" },
    { "notice.extended", "延长公示" },
    { "objection.filed", "提出异议" },
    { "objection.received", "收到异议" },
    { "objection.decided", "处理异议" },
    { "application.withdrawn_after_objection", "异议成立，撤销" },
    { "batch.named", "命名" },
    { "application.named", "命名为基地" },
    { "base.plaque_recorded", "登记牌匾交接" },
    { "annual_report.filed", "提交年度报告" },
    { "annual_report.corrected", "更正年度报告" },
    { "annual_report.evaluated", "评估年度报告" },
    { "annual_report.reminded", "催报年度报告" },
    { "base.suspended", "暂停基地资格" },
    { "base.reinstated", "恢复基地资格" },
    { "base.revoked", "撤销基地命名" },
    { "base.term_assessed", "届期考核" },
    { "batch.carried_over", "结转上届基地" },
    { "application.carried_over", "依终期考核直接认定" },
    { "application.fast_tracked", "依终期考核直通终评" },
    { "audit.checkpoint_created", "生成审计检查点" },
    { "email.resent", "重新发送邮件" },
};

static const struct kp_audit_label ENTITIES[] = {
    { "session", "会话" },
    { "user", "账号" },
    { "batch", "批次" },
    { "recommender", "推荐单位" },
    { "contact", "联系人" },
    { "invitation", "邀请码" },
    { "applicant", "申报单位" },
    { "application", "申报" },
    { "attachment", "附件" },
    { "expert", "专家" },
    { "assignment", "评审任务" },
    { "notice", "公示" },
    { "objection", "异议" },
    { "base", "基地" },
    { "annual_report", "年度报告" },
    { "annual_reports", "年度报告（按年度）" },
    { "audit_checkpoint", "审计检查点" },
    { "email", "邮件" },
};

static const char *find(const struct kp_audit_label *t, size_t n, const char *code)
{
    for (size_t i = 0; code != NULL && i < n; i++)
        if (strcmp(t[i].code, code) == 0)
            return t[i].label;
    return NULL;
}

const char *kp_audit_action_label(const char *action)
{
    return find(ACTIONS, sizeof ACTIONS / sizeof *ACTIONS, action);
}

const char *kp_audit_entity_label(const char *entity)
{
    return find(ENTITIES, sizeof ENTITIES / sizeof *ENTITIES, entity);
}

const struct kp_audit_label *kp_audit_actions(size_t *n)
{
    *n = sizeof ACTIONS / sizeof *ACTIONS;
    return ACTIONS;
}

const struct kp_audit_label *kp_audit_entities(size_t *n)
{
    *n = sizeof ENTITIES / sizeof *ENTITIES;
    return ENTITIES;
}

const char *kp_audit_role_label(const char *role)
{
    static const struct kp_audit_label ROLES[] = {
        { "admin", "中国科协管理员" }, { "recommender", "推荐单位" }, { "applicant", "申报单位" },
        { "expert", "评审专家" },      { "anonymous", "未登录用户" }, { "system", "系统" },
    };
    const char *label = find(ROLES, sizeof ROLES / sizeof *ROLES, role);
    return label ? label : role;
}
