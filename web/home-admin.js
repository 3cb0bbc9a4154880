// The admin's dashboard (工作台): one batch at a time, per recommender its
// quota, codes issued and used, applications in draft, submitted and
// recommended, and whether it filed its contact form; the totals in the
// table's foot, and the same as CSV (GET /batches/{id}/dashboard.csv).
import { h, replace } from './dom.js';
import { api, download, listAll, saveBlob } from './api.js';
import { BATCH_STATUS, RECOMMENDER_KINDS, label } from './format.js';
import { loadingBlock, errorBlock, errorText } from './states.js';
import { field } from './forms.js';
import { badge } from './widgets.js';
import { countdown } from './countdown.js';

// Columns: heading, the row's value, the total's value.
const COLUMNS = [
  ['推荐名额', (r) => (r.quota == null ? '—' : r.quota), (t) => t.quota],
  ['已推荐', (r) => r.recommended, (t) => t.recommended],
  ['邀请码 已发放', (r) => r.codes_issued, (t) => t.codes_issued],
  ['邀请码 已使用', (r) => r.codes_used, (t) => t.codes_used],
  ['草稿', (r) => r.drafts, (t) => t.drafts],
  ['待审核', (r) => r.submitted, (t) => t.submitted],
  ['退回修改', (r) => r.returned, (t) => t.returned],
];

const cell = (head, value) => h('td', { class: 'num', dataset: { label: head } }, String(value));

function table(d) {
  const heads = ['推荐单位', ...COLUMNS.map(([c]) => c), '联系人'];
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '各推荐单位进度（可横向滚动）' },
    h('table', { class: 'table table-cards dashboard-table', id: 'dashboard-table' },
      h('caption', { class: 'visually-hidden' }, `${d.batch.title}：各推荐单位进度`),
      h('thead', null, h('tr', null, heads.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, d.items.map((r) => h('tr', { dataset: { recommender: String(r.recommender_id) } },
        h('th', { scope: 'row', class: 'cell-title' }, r.recommender_name,
          h('span', { class: 'small muted' }, ` ${label(RECOMMENDER_KINDS, r.kind)}${r.region ? ` · ${r.region}` : ''}`)),
        COLUMNS.map(([head, value]) => cell(head, value(r))),
        h('td', { dataset: { label: '联系人' } }, r.contact_filed ? badge('已报送', 'ok') : badge('未报送', 'warn'))))),
      h('tfoot', null, h('tr', { class: 'dashboard-total' },
        h('th', { scope: 'row', class: 'cell-title' }, `合计（${d.totals.recommenders} 个推荐单位）`),
        COLUMNS.map(([head, , total]) => cell(head, total(d.totals))),
        h('td', { dataset: { label: '联系人' } }, `已报送 ${d.totals.contact_filed} / ${d.totals.recommenders}`)))));
}

// 各批次进度 on the workbench. → a section that loads itself.
export function adminDashboard(signal) {
  const choose = field({ id: 'dashboard-batch', label: '批次', options: [] });
  const csv = h('button', { type: 'button', class: 'button button-secondary', id: 'dashboard-csv', disabled: true }, '下载 CSV');
  const csvNote = h('p', { class: 'field-error', role: 'alert' });
  const body = h('div', null, loadingBlock());
  const box = h('section', { class: 'section-tight bench', 'aria-labelledby': 'dashboard-title' },
    h('div', { class: 'section-head' },
      h('h2', { id: 'dashboard-title' }, '各推荐单位进度')),
    h('div', { class: 'dashboard-controls' }, choose.wrap, csv), csvNote, body);

  let generation = 0;
  const show = async () => {
    const mine = ++generation;
    const id = choose.value();
    csv.disabled = true;
    replace(csvNote);
    replace(body, loadingBlock());
    let d;
    try {
      d = await api('GET', `/batches/${id}/dashboard`, undefined, { signal });
    } catch (err) {
      if (signal.aborted || mine !== generation) return;
      replace(body, errorBlock(err, { title: '进度加载失败', onRetry: show }));
      return;
    }
    if (signal.aborted || mine !== generation) return;
    csv.disabled = false;
    replace(body,
      h('p', { class: 'dashboard-status' }, badge(label(BATCH_STATUS, d.batch.status), d.batch.status === 'open' ? 'ok' : 'neutral')),
      d.batch.status === 'open' && countdown('推荐截止', d.batch.recommend_deadline, signal),
      d.items.length
        ? table(d)
        : h('p', { class: 'muted' }, '本批次尚未下达推荐名额，也没有邀请码和申报。'),
      d.truncated && h('p', { class: 'muted' }, `只列出前 ${d.items.length} 个推荐单位；合计包括全部。`));
  };
  choose.input.addEventListener('change', show);
  csv.addEventListener('click', async () => {
    csv.disabled = true;
    replace(csvNote);
    try {
      const { blob, filename } = await download(`/batches/${choose.value()}/dashboard.csv`, { signal, filename: '推荐进度.csv' });
      saveBlob(blob, filename);
    } catch (err) {
      if (!signal.aborted) replace(csvNote, `下载失败：${errorText(err)}`);
    } finally {
      csv.disabled = false;
    }
  });

  (async () => {
    let batches;
    try {
      batches = await listAll('/batches', {}, { signal, limit: 200, maxPages: 5 });
    } catch (err) {
      if (!signal.aborted) replace(body, errorBlock(err, { title: '批次加载失败' }));
      return;
    }
    if (signal.aborted) return;
    if (!batches.length) {
      replace(body, h('p', { class: 'muted' }, '还没有批次。'));
      return;
    }
    // the newest open batch first, else the newest
    const first = batches.find((b) => b.status === 'open') ?? batches[0];
    replace(choose.input, batches.map((b) => h('option', { value: String(b.id), selected: b.id === first.id },
      `${b.title}（${b.code}）· ${label(BATCH_STATUS, b.status)}`)));
    show();
  })();
  return box;
}
