// The list of applications that the recommender (申报审核, /review) and
// the admin (申报管理, /admin/applications) work from: filters by batch,
// status, category, region and a search in unit and base names (kept in
// the URL), newest first, 加载更多 while there is a next page. The
// recommender's opens on 待审 (submitted), oldest first, under its quota,
// deadline and pending count per batch (review-queue.js); the admin can
// export what the filters select as CSV.
import { h, replace } from './dom.js';
import { api, query, listAll, download, saveBlob } from './api.js';
import {
  APPLICATION_STATUS, APPLICATION_STAGE, CATEGORIES, formatDateTime,
} from './format.js';
import { field, formMessage } from './forms.js';
import { loadingBlock, errorBlock, errorText, emptyBlock } from './states.js';
import { dataTable, pagedList, filterForm } from './paged-list.js';
import { fillRegionSelect } from './regions.js';
import { applicationBadge, fastTrackBadge } from './widgets.js';
import { categoryName } from './appform.js';
import { quotaLine, fillReviewRegions } from './review-queue.js';

const PAGE = 20;
const FILTER_KEYS = ['batch_id', 'status', 'category', 'region', 'q'];

// mode: 'review' (recommender) or 'admin'. The recommender's list opens
// on 待审 (submitted), oldest first.
export function renderApplicationList(root, { signal, mode, user }) {
  const admin = mode === 'admin';
  const base = admin ? '/admin/applications' : '/review';
  const params = new URLSearchParams(location.search);
  const initial = Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) ?? '']));
  if (!admin && !location.search) initial.status = 'submitted';
  let batches = [];

  const batch = field({ id: 'apps-batch', label: '批次', options: [{ value: '', label: '全部批次' }] });
  const statuses = admin ? Object.keys(APPLICATION_STATUS) : APPLICATION_STAGE;
  const status = field({
    id: 'apps-status', label: '状态',
    options: [{ value: '', label: '全部' },
      ...statuses.map((s) => ({
        value: s, label: !admin && s === 'submitted' ? '待审（已提交）' : APPLICATION_STATUS[s], selected: s === initial.status,
      }))],
  });
  const category = field({
    id: 'apps-category', label: '类别',
    options: [{ value: '', label: '全部' },
      ...Object.entries(CATEGORIES).map(([value, text]) => ({ value, label: text, selected: value === initial.category }))],
  });
  const region = field({ id: 'apps-region', label: '所在地区', options: [{ value: '', label: '全部' }] });
  const q = field({
    id: 'apps-q', label: '搜索',
    attrs: { type: 'search', placeholder: '申报单位或基地名称', maxlength: 100, autocomplete: 'off', value: initial.q },
  });
  const clear = h('button', { type: 'button', class: 'button button-secondary' }, '清除');
  const form = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': '筛选申报' },
    h('div', { class: 'filter-fields filter-fields-5' }, batch.wrap, status.wrap, category.wrap, region.wrap, q.wrap),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '筛选'), clear));

  const notice = formMessage('apps-notice');
  const exportButton = admin ? h('button', { type: 'button', class: 'button button-secondary', id: 'apps-export' }, '导出 CSV') : null;
  const quotaArea = admin ? null : h('div', { class: 'quota-strip', id: 'review-quotas', 'aria-live': 'polite' }, loadingBlock('正在加载推荐名额…'));
  const columns = ['申报单位 / 基地名称', '类别', '所在地区', '批次', ...(admin ? ['推荐单位'] : []), '状态', '提交时间'];
  const table = dataTable({
    label: '申报列表', className: `table table-cards apps-table${admin ? ' apps-table-admin' : ''}`, columns,
  });
  let active = { ...initial };
  const list = pagedList({
    signal,
    url: (cursor) => `/applications${query({ ...active, order: !admin && active.status === 'submitted' ? 'oldest' : '', limit: PAGE, cursor })}`,
    row,
    into: table.tbody,
    view: table.wrap,
    empty: () => {
      const filters = Object.values(active).filter(Boolean).length;
      if (!admin && active.status === 'submitted' && filters === 1) {
        return emptyBlock('没有待审的申报', '申报单位提交后，待审的申报会按先后出现在这里。');
      }
      return filters
        ? emptyBlock('没有符合条件的申报', '请调整筛选条件。')
        : emptyBlock('还没有申报', admin ? '申报单位注册后，其申报会出现在这里。' : '申报单位凭本单位的邀请码注册后，其申报会出现在这里。');
    },
    titles: ['申报加载失败', '更多申报加载失败'],
    unit: '项',
    noun: '申报',
  });

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head page-head-row' },
        h('div', null,
          h('h1', null, admin ? '申报管理' : '申报审核'),
          h('p', { class: 'muted' }, admin
            ? '各批次的全部申报。可按批次、状态、类别、地区筛选，打开申报表查看，或把筛选出的申报导出为 CSV（可用 Excel 打开）。'
            : '本单位收到的申报，先显示待审的申报，先申报的在前。打开申报表审核：退回修改、不予推荐，或在推荐名额内推荐；推荐截止前可以撤回推荐（须写明原因）。')),
        exportButton),
      quotaArea && h('section', { class: 'panel panel-tight', 'aria-labelledby': 'review-quota-title' },
        h('h2', { id: 'review-quota-title', class: 'visually-hidden' }, '推荐名额'), quotaArea),
      form, notice, list.summary, list.body));

  const batchTitle = (id) => {
    const b = batches.find((x) => x.id === id);
    return b ? b.title : `#${id}`;
  };

  function row(a) {
    const href = `${base}/${a.id}`;
    return h('tr', { dataset: { id: String(a.id) } },
      h('td', { class: 'cell-title' },
        h('a', { href, dataset: { link: '' } }, a.unit_name),
        h('span', { class: 'block small muted' }, a.base_name || '（基地名称未填写）')),
      h('td', { dataset: { label: '类别' } }, categoryName(a.category)),
      h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, a.region),
      h('td', { dataset: { label: '批次' } }, batchTitle(a.batch_id)),
      admin && h('td', { dataset: { label: '推荐单位' } }, a.recommender_name),
      h('td', { class: 'nowrap', dataset: { label: '状态' } }, applicationBadge(a.status), fastTrackBadge(a.fast_track)),
      h('td', { class: 'nowrap', dataset: { label: '提交时间' } },
        a.submitted_at ? h('time', { datetime: a.submitted_at }, formatDateTime(a.submitted_at)) : '—'));
  }

  filterForm(form, {
    path: base,
    read: () => ({
      batch_id: batch.value(), status: status.value(), category: category.value(), region: region.value(), q: q.value().trim(),
    }),
    live: [batch, status, category, region],
    clear: { button: clear, fields: [batch, status, category, region, q] },
    onApply: (values) => { active = values; list.reload(); },
  });

  exportButton?.addEventListener('click', async () => {
    notice.show(null);
    exportButton.disabled = true;
    exportButton.textContent = '正在导出…';
    try {
      const { blob, filename } = await download(`/applications.csv${query(active)}`, { signal, filename: '申报列表.csv' });
      if (signal.aborted) return;
      saveBlob(blob, filename);
      notice.show(`已导出${Object.values(active).some(Boolean) ? '筛选出的' : '全部'}申报（${filename}）。`, 'ok');
    } catch (err) {
      if (signal.aborted) return;
      notice.show(`导出失败：${errorText(err)}`);
    } finally {
      if (!signal.aborted) {
        exportButton.disabled = false;
        exportButton.textContent = '导出 CSV';
      }
    }
  });

  // The quota of each batch, one line each: "已推荐 N / 名额 M".
  async function loadQuotas() {
    const open = batches.filter((b) => b.status !== 'draft');
    if (!open.length) {
      replace(quotaArea, h('p', { class: 'muted' }, '暂无进行中的批次。'));
      return;
    }
    let rows;
    try {
      rows = await Promise.all(open.map(async (b) => {
        const answer = await api('GET', `/batches/${b.id}/quotas`, undefined, { signal });
        return { batch: b, quota: answer?.items?.[0] ?? null };
      }));
    } catch (err) {
      if (signal.aborted) return;
      replace(quotaArea, errorBlock(err, { title: '推荐名额加载失败', onRetry: loadQuotas }));
      return;
    }
    if (signal.aborted) return;
    replace(quotaArea, h('ul', { class: 'quota-lines' }, rows.map(({ batch: b, quota }) => quotaLine(b, quota))));
  }

  async function start() {
    let failed = null;
    try {
      batches = await listAll('/batches', {}, { signal, limit: 100 });
    } catch (err) {
      if (signal.aborted) return;
      batches = [];
      failed = err;
    }
    if (signal.aborted) return;
    replace(batch.input, h('option', { value: '' }, '全部批次'),
      batches.map((b) => h('option', { value: String(b.id), selected: String(b.id) === initial.batch_id }, b.title)));
    if (quotaArea) {
      if (failed) replace(quotaArea, errorBlock(failed, { title: '推荐名额加载失败', onRetry: start }));
      else loadQuotas();
    }
    if (list.pristine()) list.load();
  }

  (admin ? fillRegionSelect(region.input, { empty: '全部', selected: initial.region })
    : fillReviewRegions(region.input, user, { selected: initial.region, signal })).catch(() => {});
  start();
}
