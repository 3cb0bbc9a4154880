// 工作台: who is signed in, what waits for them (the applicant's
// applications with their deadlines and next steps, the recommender's
// open batches, the admin's progress per recommender), and cards to the
// pages this role can use, with the count of unread notifications.
import { h, replace } from '../dom.js';
import { api } from '../api.js';
import { beijingHour, roleName } from '../format.js';
import { loadingBlock, errorBlock } from '../states.js';
import { assignmentsSection } from './assignments.js';
import { myBasesSection } from '../my-bases.js';
import { applicantWorkbench } from '../home-applicant.js';
import { recommenderWorkbench } from '../home-recommender.js';
import { adminDashboard } from '../home-admin.js';

export const title = '工作台';

const ROLE_INTRO = {
  admin: '您可以管理认定批次和推荐单位，下达推荐名额，查看联系人报送情况和全部申报，导出申报列表，发布公示、处理异议、认定命名和管理基地，查看审计日志。',
  recommender: '您可以报送联系人、查看推荐名额、生成申报邀请码，审核本单位收到的申报并在名额内推荐。',
  applicant: '您可以填写和提交本单位的申报表，上传附件，查看推荐单位的审核结果和相关通知。',
  expert: '您可以查看分配给您的申报，按评分标准打分、保存草稿并提交评分；与申报单位有利益关系的，请申请回避。',
};

function greeting(date = new Date()) {
  const hour = beijingHour(date);
  if (hour < 6) return '您好';
  if (hour < 12) return '上午好';
  if (hour < 18) return '下午好';
  return '晚上好';
}

function card({ href, name, text, extra, id }) {
  return h('li', { class: 'card card-link' },
    h('h2', { class: 'card-title', id },
      h('a', { href, dataset: { link: '' } }, name)),
    h('p', null, text),
    extra);
}

export function render(root, { signal, user }) {
  const unread = h('div', { class: 'card-extra' });
  const cards = [
    card({ href: '/notifications', name: '通知', id: 'card-notifications',
      text: '申报、推荐和评审过程中平台发给您的消息。', extra: unread }),
  ];
  if (user.role === 'admin') {
    cards.unshift(
      card({ href: '/batches', name: '批次管理', id: 'card-batches',
        text: '开启认定批次，设定截止时间，下达推荐名额，查看联系人报送情况，推进批次阶段。' }),
      card({ href: '/recommenders', name: '推荐单位', id: 'card-recommenders',
        text: '创建推荐单位及其管理账号，重置密码，停用或启用账号。' }),
      card({ href: '/admin/applications', name: '申报管理', id: 'card-admin-applications',
        text: '各批次的全部申报：按批次、状态、类别、地区筛选，查看申报表，导出 CSV。' }),
      card({ href: '/admin/bases', name: '基地管理', id: 'card-admin-bases',
        text: '已认定命名的基地：证书、暂停、恢复、撤销和牌匾交接。' }),
      card({ href: '/admin/term', name: '届期管理', id: 'card-admin-term',
        text: '基地年度报告的完成情况、催报和年度绩效评估；终期考核与转入下一批次。' }));
    cards.push(card({ href: '/audit', name: '审计日志', id: 'card-audit',
      text: '平台上每一次状态变更的记录；可校验审计链是否完整、未被篡改。' }));
  }
  if (user.role === 'recommender') {
    cards.unshift(
      card({ href: '/my/batches', name: '推荐工作', id: 'card-my-batches',
        text: '各批次的联系人报送、推荐名额和申报邀请码。' }),
      card({ href: '/review', name: '申报审核', id: 'card-review',
        text: '审核申报单位提交的申报：退回修改、不予推荐，或在名额内推荐。' }));
  }
  if (user.role === 'expert') {
    cards.unshift(card({ href: '/assignments', name: '评审任务', id: 'card-assignments',
      text: '分配给您的申报：查看申报材料，逐项打分，提交评分或申请回避。' }));
  }
  if (user.role === 'applicant') {
    cards.unshift(card({ href: '/applications', name: '我的申报', id: 'card-applications',
      text: '填写申报表、上传附件、提交给推荐单位，查看审核结果。' }));
  }
  cards.push(card({ href: '/password', name: '修改密码', id: 'card-password',
    text: '定期更换密码；修改后其他设备上的登录将失效。设置接收通知的电子邮箱。' }));

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '工作台'),
        h('p', { class: 'welcome' },
          `${greeting()}，`, h('strong', { class: 'welcome-name' }, user.display_name || user.username),
          h('span', { class: 'role-badge' }, roleName(user.role))),
        h('p', { class: 'muted' }, ROLE_INTRO[user.role] ?? '')),
      user.role === 'applicant' && myBasesSection(signal),
      user.role === 'applicant' && applicantWorkbench(signal),
      user.role === 'recommender' && recommenderWorkbench(signal),
      user.role === 'admin' && adminDashboard(signal),
      user.role === 'expert' && assignmentsSection(signal),
      h('ul', { class: 'cards cards-home', 'aria-label': '功能' }, cards)));

  const loadUnread = async () => {
    replace(unread, loadingBlock());
    try {
      const { unread: n } = await api('GET', '/notifications/unread-count', undefined, { signal });
      replace(unread, h('p', { class: n > 0 ? 'count count-unread' : 'count', id: 'unread-count' },
        n > 0 ? `${n} 条未读` : '没有未读通知'));
    } catch (err) {
      if (signal.aborted) return;
      replace(unread, errorBlock(err, { title: '未读通知数加载失败', onRetry: loadUnread }));
    }
  };
  loadUnread();
}
