// 推荐工作 (recommender): the batches, newest first, each with its status
// and deadlines and the way into this unit's work for it — contact form,
// quota and invitation codes.
import { h, replace } from '../dom.js';
import { query } from '../api.js';
import { emptyBlock } from '../states.js';
import { pagedList } from '../paged-list.js';
import { batchBadge, deadline, facts } from '../widgets.js';

export const title = '推荐工作';

const PAGE = 20;

const WHAT_NOW = {
  draft: '批次筹备中：可以先报送联系人。',
  open: '申报进行中：报送联系人，生成申报邀请码发给拟申报单位，在推荐截止前审核推荐。',
  evaluating: '推荐已结束，进入评审。',
  publicity: '建议名单公示中。',
  closed: '本批次已结束。',
};

function card(b) {
  return h('li', { class: 'card batch-card', dataset: { id: String(b.id) } },
    h('h2', { class: 'card-title title-with-badge' },
      h('a', { href: `/my/batches/${b.id}`, dataset: { link: '' } }, b.title), batchBadge(b.status)),
    facts([
      ['批次编号', b.code],
      ['任期', `${b.term_start_year}–${b.term_end_year} 年`],
      ['联系人报送截止', deadline(b.contact_deadline)],
      ['推荐截止', deadline(b.recommend_deadline)],
    ], 'facts-compact'),
    h('p', { class: 'card-note' }, WHAT_NOW[b.status] ?? ''),
    h('p', { class: 'card-links' },
      h('a', { href: `/my/batches/${b.id}`, dataset: { link: '' } }, '名额与联系人'),
      h('a', { href: `/my/batches/${b.id}/invitations`, dataset: { link: '' } }, '申报邀请码')));
}

export function render(root, { signal, user }) {
  const cards = h('ul', { class: 'cards batch-cards' });
  const list = pagedList({
    signal,
    url: (cursor) => `/batches${query({ limit: PAGE, cursor })}`,
    row: card,
    into: cards,
    view: cards,
    empty: () => emptyBlock('暂无认定批次', '中国科协开启认定批次后，会在这里显示。'),
    titles: ['批次加载失败', '更多批次加载失败'],
  });

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '推荐工作'),
        h('p', { class: 'muted' }, `${user.display_name || user.username}在各认定批次中的工作：报送联系人、查看推荐名额、生成和管理申报邀请码。截止时间均为北京时间。`)),
      list.body));

  list.load();
}
