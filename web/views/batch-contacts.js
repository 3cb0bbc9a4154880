// One batch (admin), section 联系人: which recommenders have filed their
// contact form (附件2) and which have not, with the contact details of
// those who filed; 全部 / 已报送 / 未报送, and 加载更多.
import { h, replace } from '../dom.js';
import { query } from '../api.js';
import { RECOMMENDER_KINDS, label, formatDateTime } from '../format.js';
import { emptyBlock } from '../states.js';
import { dataTable, pagedList } from '../paged-list.js';
import { withBatch, batchHead } from '../batch-page.js';
import { badge } from '../widgets.js';

export const title = '联系人';

const PAGE = 50;
const FILTERS = [['', '全部'], ['true', '已报送'], ['false', '未报送']];
const COLUMNS = ['推荐单位', '状态', '联系人', '电话', '电子邮箱', '通讯地址', '报送时间'];

function row(item) {
  const c = item.contact;
  const dash = '—';
  return h('tr', { dataset: { id: String(item.recommender_id) } },
    h('th', { scope: 'row', class: 'cell-name' },
      h('span', { class: 'rec-name' }, item.recommender_name),
      h('span', { class: 'muted small block' },
        label(RECOMMENDER_KINDS, item.kind), item.region ? ` · ${item.region}` : '')),
    h('td', { class: 'nowrap', dataset: { label: '状态' } }, item.filed ? badge('已报送', 'ok') : badge('未报送', 'warn')),
    h('td', { dataset: { label: '联系人' } }, c
      ? h('span', null, h('span', { class: 'block nowrap' }, c.name), h('span', { class: 'muted small block' }, `${c.department} · ${c.position}`))
      : dash),
    h('td', { class: 'nowrap', dataset: { label: '电话' } }, c
      ? h('span', null, h('span', { class: 'block' }, `办公 ${c.office_phone}`), h('span', { class: 'block' }, `手机 ${c.mobile}`))
      : dash),
    h('td', { dataset: { label: '电子邮箱' } }, c ? h('a', { href: `mailto:${c.email}` }, c.email) : dash),
    h('td', { class: 'cell-address', dataset: { label: '通讯地址' } }, c ? c.address : dash),
    h('td', { class: 'nowrap', dataset: { label: '报送时间' } }, c ? h('time', { datetime: c.submitted_at }, formatDateTime(c.submitted_at)) : dash));
}

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/contacts`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 联系人' });

  function show(batch) {
    const initial = new URLSearchParams(location.search).get('filed') ?? '';
    let filter = FILTERS.some(([v]) => v === initial) ? initial : '';
    const table = dataTable({ label: '联系人报送情况', className: 'table table-cards contacts-table', columns: COLUMNS });
    const list = pagedList({
      signal,
      url: (cursor) => `/batches/${batch.id}/contacts${query({ filed: filter, limit: PAGE, cursor })}`,
      row,
      into: table.tbody,
      view: table.wrap,
      empty: () => emptyBlock(
        filter === 'true' ? '还没有推荐单位报送联系人' : filter === 'false' ? '所有推荐单位都已报送联系人' : '还没有推荐单位'),
      titles: ['联系人加载失败', '更多联系人加载失败'],
      unit: '个',
      noun: '推荐单位',
    });

    const tabs = FILTERS.map(([value, text]) => {
      const button = h('button', { type: 'button', class: 'tab', 'aria-pressed': String(filter === value), dataset: { filter: value } }, text);
      button.addEventListener('click', () => {
        if (filter === value) return;
        filter = value;
        for (const t of tabs) t.setAttribute('aria-pressed', String(t.dataset.filter === filter));
        history.replaceState(null, '', `${current}${query({ filed: filter })}`);
        list.reload();
      });
      return button;
    });

    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'contacts-title' },
          h('div', { class: 'panel-head' },
            h('h2', { id: 'contacts-title' }, '联系人报送情况'),
            h('div', { class: 'tabs', role: 'group', 'aria-label': '显示' }, tabs)),
          h('p', { class: 'muted' }, '各推荐单位在联系人报送截止前填报本批次的联系人（附件2）；报送或更新时，管理员会收到通知。已停用的推荐单位不在此列。'),
          list.summary, list.body)));

    list.load();
  }
}
