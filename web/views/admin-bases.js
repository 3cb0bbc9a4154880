// 基地管理 (admin, /admin/bases): every base, filtered by batch, region,
// category and status and searched by name (kept in the URL), a page at a
// time; a base opens its page (status changes, plaque, certificate). With
// a batch chosen, the link to that batch's print file of certificates.
import { h, replace } from '../dom.js';
import { query, listAll } from '../api.js';
import { CATEGORIES } from '../format.js';
import { field } from '../forms.js';
import { emptyBlock } from '../states.js';
import { dataTable, pagedList, filterForm } from '../paged-list.js';
import { fillRegionSelect } from '../regions.js';
import { categoryName } from '../appform.js';
import { BASE_STATUS, baseBadge, termText, batchCertificatesPdf } from '../publicity.js';

export const title = '基地管理';

const PAGE = 20;
const KEYS = ['batch_id', 'region', 'category', 'status', 'q'];

export function render(root, { signal }) {
  const params = new URLSearchParams(location.search);
  const initial = Object.fromEntries(KEYS.map((k) => [k, params.get(k) ?? '']));

  const batch = field({ id: 'bases-batch', label: '批次', options: [{ value: '', label: '全部批次' }] });
  const region = field({ id: 'bases-region', label: '所在地区', options: [{ value: '', label: '全部' }] });
  const category = field({ id: 'bases-category', label: '类别',
    options: [{ value: '', label: '全部' },
      ...Object.entries(CATEGORIES).map(([value, text]) => ({ value, label: text, selected: value === initial.category }))] });
  const status = field({ id: 'bases-status', label: '状态',
    options: [{ value: '', label: '全部' },
      ...Object.entries(BASE_STATUS).map(([value, text]) => ({ value, label: text, selected: value === initial.status }))] });
  const q = field({ id: 'bases-q', label: '搜索',
    attrs: { type: 'search', placeholder: '基地名称、单位或证书编号', maxlength: 100, autocomplete: 'off', value: initial.q } });
  const clear = h('button', { type: 'button', class: 'button button-secondary' }, '清除');
  const form = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': '筛选基地' },
    h('div', { class: 'filter-fields filter-fields-5' }, batch.wrap, region.wrap, category.wrap, status.wrap, q.wrap),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '筛选'), clear));
  const printLink = h('p', { id: 'bases-print' });

  const table = dataTable({
    label: '基地列表', className: 'table table-cards bases-table',
    columns: ['基地名称 / 单位', '证书编号', '类别', '所在地区', '届期', '状态'],
  });
  let active = { ...initial };
  const list = pagedList({
    signal,
    url: (cursor) => `/bases${query({ ...active, limit: PAGE, cursor })}`,
    into: table.tbody,
    view: table.wrap,
    row: (b) => h('tr', { dataset: { id: String(b.id) } },
      h('td', { class: 'cell-title' }, h('a', { href: `/admin/bases/${b.id}`, dataset: { link: '' } }, b.name),
        h('span', { class: 'block small muted' }, b.unit_name)),
      h('td', { class: 'nowrap', dataset: { label: '证书编号' } }, b.certificate_no),
      h('td', { dataset: { label: '类别' } }, categoryName(b.category)),
      h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, b.region),
      h('td', { class: 'nowrap', dataset: { label: '届期' } }, termText(b)),
      h('td', { class: 'nowrap', dataset: { label: '状态' } }, baseBadge(b.status))),
    empty: () => (Object.values(active).some(Boolean)
      ? emptyBlock('没有符合条件的基地', '请调整筛选条件。')
      : emptyBlock('还没有基地', '批次认定命名后，基地会列在这里。')),
    titles: ['基地加载失败', '更多基地加载失败'],
    unit: '个',
    noun: '基地',
  });

  const showPrint = () => replace(printLink, active.batch_id
    ? h('a', { class: 'button button-secondary', href: batchCertificatesPdf(active.batch_id), target: '_blank', rel: 'noopener' },
      '下载本批次全部证书（印制文件，PDF）')
    : null);

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '基地管理'),
        h('p', { class: 'muted' }, '已认定命名的全国科普教育基地：查看证书，办理暂停、恢复、撤销和牌匾交接。')),
      form, printLink, list.summary, list.body));

  filterForm(form, {
    path: '/admin/bases',
    read: () => ({ batch_id: batch.value(), region: region.value(), category: category.value(), status: status.value(), q: q.value().trim() }),
    live: [batch, region, category, status],
    clear: { button: clear, fields: [batch, region, category, status, q] },
    onApply: (values) => { active = values; showPrint(); list.reload(); },
  });

  fillRegionSelect(region.input, { empty: '全部', selected: initial.region }).catch(() => {});
  (async () => {
    let batches;
    try {
      batches = await listAll('/batches', {}, { signal, limit: 100 });
    } catch {
      if (signal.aborted) return;
      // The filter still names the batch of the URL, by its id.
      batches = initial.batch_id ? [{ id: initial.batch_id, title: `批次 ${initial.batch_id}` }] : [];
      batch.setError('批次列表加载失败，请刷新页面重试');
    }
    if (signal.aborted) return;
    replace(batch.input, h('option', { value: '' }, '全部批次'),
      batches.map((b) => h('option', { value: String(b.id), selected: String(b.id) === initial.batch_id }, b.title)));
  })();
  showPrint();
  list.load();
}
