// 通知: the caller's messages, newest first as the server gives them, the
// unread ones marked and each with 标为已读 (and 查看申报 when it is about
// an application); 全部 / 未读 filter, and
// 加载更多 while there is a next page.
import { h, replace } from '../dom.js';
import { api, query } from '../api.js';
import { formatDateTime } from '../format.js';
import { loadingBlock, errorBlock, errorText } from '../states.js';
import { refreshUnread } from '../unread.js';

export const title = '通知';

const PAGE = 20;

// Where a notification about an application leads, by role.
const APPLICATION_PAGE = { applicant: '/applications/', recommender: '/review/', admin: '/admin/applications/' };

export function render(root, { signal, user }) {
  let filter = new URLSearchParams(location.search).get('unread') === 'true' ? 'unread' : 'all';
  let cursor = null;
  let generation = 0; // bumps when the filter changes, so stale pages are dropped

  const list = h('ul', { class: 'notif-list', 'aria-labelledby': 'notifications-title' });
  const body = h('div', { class: 'notif-body' });
  const more = h('div', { class: 'more' });
  const status = h('p', { class: 'visually-hidden', role: 'status' });

  const tabs = ['all', 'unread'].map((key) => {
    const button = h('button', {
      type: 'button', class: 'tab', 'aria-pressed': String(filter === key), dataset: { filter: key },
    }, key === 'all' ? '全部' : '未读');
    button.addEventListener('click', () => {
      if (filter === key) return;
      filter = key;
      for (const t of tabs) t.setAttribute('aria-pressed', String(t.dataset.filter === filter));
      history.replaceState(null, '', filter === 'unread' ? '/notifications?unread=true' : '/notifications');
      reload();
    });
    return button;
  });

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head page-head-row' },
        h('h1', { id: 'notifications-title' }, '通知'),
        h('div', { class: 'tabs', role: 'group', 'aria-label': '显示' }, tabs)),
      body, status));

  function item(n) {
    const unread = !n.read_at;
    const itemError = h('p', { class: 'field-error', role: 'alert' });
    const titleId = `notice-${n.id}-title`;
    const li = h('li', { class: unread ? 'notif notif-unread' : 'notif', dataset: { id: String(n.id) }, tabindex: '-1', 'aria-labelledby': titleId },
      h('div', { class: 'notif-main' },
        h('h2', { class: 'notif-title', id: titleId },
          unread && h('span', { class: 'badge badge-unread' }, '未读'),
          n.title || '（无标题）'),
        n.body && h('p', { class: 'notif-text' }, n.body),
        n.data?.application_id && APPLICATION_PAGE[user?.role] && h('p', { class: 'notif-link' },
          h('a', { href: `${APPLICATION_PAGE[user.role]}${n.data.application_id}`, dataset: { link: '' }, 'aria-describedby': titleId }, '查看申报')),
        h('p', { class: 'notif-meta' },
          h('time', { datetime: n.created_at }, formatDateTime(n.created_at)),
          !unread && h('span', null, ` · 已读于 ${formatDateTime(n.read_at)}`))),
      itemError);
    if (unread) {
      const button = h('button', { type: 'button', class: 'button button-secondary button-small' }, '标为已读');
      button.setAttribute('aria-describedby', titleId);
      button.addEventListener('click', async () => {
        button.disabled = true;
        replace(itemError);
        try {
          await api('POST', `/notifications/${encodeURIComponent(n.id)}/read`, undefined, { signal });
        } catch (err) {
          if (signal.aborted) return;
          button.disabled = false;
          replace(itemError, `操作失败：${errorText(err)}`);
          return;
        }
        if (filter === 'unread') {
          const next = li.nextElementSibling ?? li.previousElementSibling;
          li.remove();
          if (!list.children.length && !cursor) showEmpty();
          (next ?? root.querySelector('h1')).focus();
        } else {
          li.replaceWith(item({ ...n, read_at: new Date().toISOString() }));
          list.querySelector(`[data-id="${CSS.escape(String(n.id))}"]`)?.focus();
        }
        replace(status, `已将“${n.title || '通知'}”标为已读`);
        refreshUnread();
      });
      li.querySelector('.notif-main').after(button);
    }
    return li;
  }

  function showEmpty() {
    replace(body, h('div', { class: 'empty' },
      h('p', { class: 'empty-title' }, filter === 'unread' ? '暂无未读通知' : '暂无通知'),
      h('p', { class: 'muted' }, '申报、推荐和评审有新进展时，平台会在这里通知您。')));
  }

  async function loadPage() {
    const mine = generation;
    const first = cursor === null;
    if (first) replace(body, loadingBlock());
    else replace(more, loadingBlock('正在加载更多…'));
    let page;
    try {
      page = await api('GET', `/notifications${query({
        unread: filter === 'unread' ? 'true' : '', limit: PAGE, cursor,
      })}`, undefined, { signal });
    } catch (err) {
      if (signal.aborted || mine !== generation) return;
      const box = errorBlock(err, { title: first ? '通知加载失败' : '更多通知加载失败', onRetry: loadPage });
      if (first) replace(body, box);
      else replace(more, box);
      return;
    }
    if (signal.aborted || mine !== generation) return;
    const items = page?.items ?? [];
    if (first && items.length === 0 && !page?.next_cursor) {
      showEmpty();
      return;
    }
    if (first) {
      replace(list);
      replace(body, list, more);
    }
    const firstNew = items.length ? item(items[0]) : null;
    if (firstNew) list.append(firstNew, ...items.slice(1).map(item));
    cursor = page?.next_cursor ?? null;
    if (cursor) {
      replace(more, h('button', { type: 'button', class: 'button button-secondary', onclick: loadPage }, '加载更多'));
    } else {
      replace(more, list.children.length > PAGE ? h('p', { class: 'muted end' }, '已显示全部通知') : null);
    }
    if (!first) {
      replace(status, `已加载 ${items.length} 条通知`);
      firstNew?.focus();
    }
  }

  function reload() {
    generation += 1;
    cursor = null;
    loadPage();
  }

  loadPage();
}
