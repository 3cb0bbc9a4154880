// 批次管理 (admin): every batch, newest first, filtered by status; 加载更多
// pages on; 新建批次 opens the form. Deadlines read in China time.
import { h, replace } from '../dom.js';
import { query } from '../api.js';
import { BATCH_FLOW, BATCH_STATUS } from '../format.js';
import { field } from '../forms.js';
import { emptyBlock } from '../states.js';
import { dataTable, pagedList, filterForm } from '../paged-list.js';
import { batchBadge, deadline } from '../widgets.js';

export const title = '批次管理';

const PAGE = 20;
const COLUMNS = ['批次编号', '批次名称', '任期', '联系人报送截止', '推荐截止', '状态'];

function row(b) {
  return h('tr', { dataset: { id: String(b.id) } },
    h('td', { class: 'nowrap', dataset: { label: '批次编号' } }, b.code),
    h('td', { class: 'cell-title' }, h('a', { href: `/batches/${b.id}`, dataset: { link: '' } }, b.title)),
    h('td', { class: 'nowrap', dataset: { label: '任期' } }, `${b.term_start_year}–${b.term_end_year}`),
    h('td', { class: 'nowrap', dataset: { label: '联系人报送截止' } }, deadline(b.contact_deadline)),
    h('td', { class: 'nowrap', dataset: { label: '推荐截止' } }, deadline(b.recommend_deadline)),
    h('td', { class: 'nowrap', dataset: { label: '状态' } }, batchBadge(b.status)));
}

export function render(root, { signal }) {
  const initial = new URLSearchParams(location.search).get('status') ?? '';
  const status = field({
    id: 'batches-status',
    label: '状态',
    options: [{ value: '', label: '全部' },
      ...BATCH_FLOW.map((s) => ({ value: s, label: BATCH_STATUS[s], selected: s === initial }))],
  });
  const form = h('form', { class: 'filters filters-inline', role: 'search', 'aria-label': '筛选批次' },
    h('div', { class: 'filter-fields filter-fields-narrow' }, status.wrap),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '筛选')));

  const table = dataTable({ label: '批次列表', className: 'table table-cards batches-table', columns: COLUMNS });
  const list = pagedList({
    signal,
    url: (cursor) => `/batches${query({ status: status.value(), limit: PAGE, cursor })}`,
    row,
    into: table.tbody,
    view: table.wrap,
    empty: () => (status.value()
      ? emptyBlock('没有该状态的批次', '请选择其他状态。')
      : emptyBlock('还没有批次', '点击“新建批次”开启第一轮认定。')),
    titles: ['批次列表加载失败', '更多批次加载失败'],
    unit: '个',
    noun: '批次',
  });

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head page-head-row' },
        h('div', null,
          h('h1', null, '批次管理'),
          h('p', { class: 'muted' }, '每个批次是一轮认定：设定任期和截止时间，下达推荐名额，收集联系人，然后依次推进到评审、公示和结束。截止时间均为北京时间。')),
        h('a', { class: 'button', href: '/batches/new', dataset: { link: '' } }, '新建批次')),
      form, list.summary, list.body));

  // A select changes the list at once; the button stays for keyboard users
  // who expect to confirm.
  filterForm(form, { path: '/batches', read: () => ({ status: status.value() }), live: [status], onApply: list.reload });

  list.load();
}
