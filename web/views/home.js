// 工作台: who is signed in, and cards to the pages this role can use now,
// with the count of unread notifications.
import { h, replace } from '../dom.js';
import { api, query } from '../api.js';
import { roleName } from '../format.js';
import { loadingBlock, errorBlock } from '../states.js';

export const title = '工作台';

const ROLE_INTRO = {
  admin: '您可以查看平台通知和审计日志，核验审计记录的完整性。',
  recommender: '您可以在这里查看平台发给本单位的通知。',
  applicant: '您可以在这里查看申报相关的通知。',
  expert: '您可以在这里查看评审相关的通知。',
};

const COUNT_LIMIT = 100; // counted exactly up to here, "100+" beyond

function greeting(date = new Date()) {
  const hour = date.getHours();
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
    cards.push(card({ href: '/audit', name: '审计日志', id: 'card-audit',
      text: '平台上每一次状态变更的记录；可校验审计链是否完整、未被篡改。' }));
  }
  cards.push(card({ href: '/password', name: '修改密码', id: 'card-password',
    text: '定期更换密码；修改后其他设备上的登录将失效。' }));

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '工作台'),
        h('p', { class: 'welcome' },
          `${greeting()}，`, h('strong', { class: 'welcome-name' }, user.display_name || user.username),
          h('span', { class: 'role-badge' }, roleName(user.role))),
        h('p', { class: 'muted' }, ROLE_INTRO[user.role] ?? '')),
      h('ul', { class: 'cards cards-home' }, cards)));

  const loadUnread = async () => {
    replace(unread, loadingBlock());
    try {
      const page = await api('GET', `/notifications${query({ unread: 'true', limit: COUNT_LIMIT })}`, undefined, { signal });
      const n = page?.items?.length ?? 0;
      const text = page?.next_cursor ? `${COUNT_LIMIT}+ 条未读` : n > 0 ? `${n} 条未读` : '没有未读通知';
      replace(unread, h('p', { class: n > 0 ? 'count count-unread' : 'count', id: 'unread-count' }, text));
    } catch (err) {
      if (signal.aborted) return;
      replace(unread, errorBlock(err, { title: '未读通知数加载失败', onRetry: loadUnread }));
    }
  };
  loadUnread();
}
