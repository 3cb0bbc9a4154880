// 公示 (public): the notices that have started, newest first, each with
// its batch, its window in Beijing time and whether it is still open.
import { h, replace } from '../dom.js';
import { query } from '../api.js';
import { emptyBlock } from '../states.js';
import { pagedList } from '../paged-list.js';
import { noticeBadge, noticeWindow } from '../publicity.js';

export const title = '公示';

export function render(root, { signal }) {
  const into = h('ul', { class: 'notice-list' });
  const list = pagedList({
    signal,
    url: (cursor) => `/public/notices${query({ limit: 20, cursor })}`,
    into,
    view: into,
    row: (n) => h('li', { class: 'notice-item', dataset: { id: String(n.id) } },
      h('h2', { class: 'notice-item-title' },
        h('a', { href: `/notices/${n.id}`, dataset: { link: '' } }, n.title), ' ', noticeBadge(n)),
      h('p', { class: 'muted small' }, n.batch ? `${n.batch.title}（${n.batch.code}）` : null),
      h('p', { class: 'small' }, '公示期：', noticeWindow(n)),
      n.rows_count != null && h('p', { class: 'small' }, `拟认定名单：${n.rows_count} 个`)),
    empty: () => emptyBlock('暂无公示', '认定批次的拟认定名单公示后会列在这里。'),
    titles: ['公示加载失败', '更多公示加载失败'],
    unit: '项',
    noun: '公示',
  });
  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '公示'),
        h('p', { class: 'muted' }, '全国科普教育基地拟认定名单的公示。公示期内，对名单中的单位有异议的，可以在公示页面实名提出。')),
      list.summary, list.body));
  list.load();
}
