// 批次管理 (admin): every batch, newest first, filtered by status; 加载更多
// pages on; 新建批次 opens the form. Deadlines read in China time.
import { h, replace } from '../dom.js';
import { api, query } from '../api.js';
import { BATCH_FLOW, BATCH_STATUS } from '../format.js';
import { field } from '../forms.js';
import { loadingBlock, errorBlock } from '../states.js';
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

  const summary = h('p', { class: 'muted table-summary', role: 'status' });
  const tbody = h('tbody');
  const tableWrap = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '批次列表（可横向滚动）' },
    h('table', { class: 'table table-cards batches-table' },
      h('caption', { class: 'visually-hidden' }, '批次列表'),
      h('thead', null, h('tr', null, COLUMNS.map((c) => h('th', { scope: 'col' }, c)))),
      tbody));
  const body = h('div');
  const more = h('div', { class: 'more' });

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head page-head-row' },
        h('div', null,
          h('h1', null, '批次管理'),
          h('p', { class: 'muted' }, '每个批次是一轮认定：设定任期和截止时间，下达推荐名额，收集联系人，然后依次推进到评审、公示和结束。截止时间均为北京时间。')),
        h('a', { class: 'button', href: '/batches/new', dataset: { link: '' } }, '新建批次')),
      form, summary, body));

  let cursor = null;
  let shown = 0;
  let generation = 0;

  async function loadPage() {
    const mine = generation;
    const first = cursor === null;
    if (first) {
      replace(body, loadingBlock());
      replace(summary);
    } else {
      replace(more, loadingBlock('正在加载更多…'));
    }
    let page;
    try {
      page = await api('GET', `/batches${query({ status: status.value(), limit: PAGE, cursor })}`, undefined, { signal });
    } catch (err) {
      if (signal.aborted || mine !== generation) return;
      const box = errorBlock(err, { title: first ? '批次列表加载失败' : '更多批次加载失败', onRetry: loadPage });
      if (first) replace(body, box);
      else replace(more, box);
      return;
    }
    if (signal.aborted || mine !== generation) return;
    const items = page?.items ?? [];
    if (first) {
      shown = 0;
      replace(tbody);
      if (items.length === 0) {
        replace(body, h('div', { class: 'empty' },
          h('p', { class: 'empty-title' }, status.value() ? '没有该状态的批次' : '还没有批次'),
          h('p', { class: 'muted' }, status.value() ? '请选择其他状态。' : '点击“新建批次”开启第一轮认定。')));
        replace(summary, '共 0 个');
        return;
      }
      replace(body, tableWrap, more);
    }
    tbody.append(...items.map(row));
    shown += items.length;
    cursor = page?.next_cursor ?? null;
    replace(summary, cursor ? `已显示 ${shown} 个批次，还有更多` : `共 ${shown} 个批次`);
    replace(more, cursor
      ? h('button', { type: 'button', class: 'button button-secondary', onclick: loadPage }, '加载更多')
      : null);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    history.replaceState(null, '', `/batches${query({ status: status.value() })}`);
    generation += 1;
    cursor = null;
    loadPage();
  });
  // A select changes the list at once; the button stays for keyboard users
  // who expect to confirm.
  status.input.addEventListener('change', () => form.requestSubmit());

  loadPage();
}
