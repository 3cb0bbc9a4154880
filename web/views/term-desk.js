// 届期管理 (admin, /admin/term): the annual reports (年度科普工作报告) of a
// year, filtered by region, category and evaluated or not (kept in the
// URL), a page at a time, each opening its evaluation; the CSV of the same
// filters; the year's completion per region; and 催报, which says how many
// bases it will tell before it asks and what the server answered after.
//
// No endpoint counts the bases due, so the completion is computed here
// from two lists: the valid bases (GET /bases?status=valid) whose term holds
// the year, and the year's reports (GET /annual-reports?year). Both are
// read whole, up to LIST_BOUND rows each; past that the page says the
// figures are incomplete. The reminder's count is the same difference; the
// server's answer (`notified`) may be lower when a unit has no enabled
// account, and the page says so.
import { h, replace } from '../dom.js';
import { api, query, listAll, API_BASE } from '../api.js';
import { CATEGORIES } from '../format.js';
import { field } from '../forms.js';
import { emptyBlock, loadingBlock, errorBlock } from '../states.js';
import { confirmDialog } from '../dialog.js';
import { dataTable, pagedList, filterForm } from '../paged-list.js';
import { fillRegionSelect } from '../regions.js';
import { categoryName } from '../appform.js';
import { gradeBadge, chinaYear, figureText } from '../annual.js';

export const title = '届期管理';

const PAGE = 20;
const KEYS = ['year', 'region', 'category', 'evaluated'];
const BOUND_PAGES = 50;                 // × 200 rows: 10,000 bases, 10,000 reports
export const LIST_BOUND = BOUND_PAGES * 200;

// The year's figures per region: [{ region, due, reported }] by region
// name, with the totals and the bases that are due and have not reported.
export function completion(bases, reports, year) {
  const reportedBases = new Set(reports.map((r) => r.base_id));
  const byRegion = new Map();
  const missing = [];
  for (const b of bases) {
    if (b.status !== 'valid' || year < b.term_start_year || year > b.term_end_year) continue;
    const row = byRegion.get(b.region) ?? { region: b.region, due: 0, reported: 0 };
    row.due += 1;
    if (reportedBases.has(b.id)) row.reported += 1;
    else missing.push(b);
    byRegion.set(b.region, row);
  }
  const rows = [...byRegion.values()].sort((a, b) => a.region.localeCompare(b.region, 'zh-CN'));
  const total = rows.reduce((t, r) => ({ due: t.due + r.due, reported: t.reported + r.reported }), { due: 0, reported: 0 });
  return { rows, total, missing };
}

const pct = (a, b) => (b ? `${Math.round((a / b) * 1000) / 10}%` : '—');

export function render(root, { signal }) {
  const params = new URLSearchParams(location.search);
  const thisYear = chinaYear();
  const initial = Object.fromEntries(KEYS.map((k) => [k, params.get(k) ?? '']));
  if (!/^\d{4}$/.test(initial.year)) initial.year = String(thisYear);

  const years = [];
  for (let y = thisYear; y >= thisYear - 10; y--) years.push(y);
  if (!years.includes(Number(initial.year))) years.push(Number(initial.year));
  const year = field({ id: 'term-year', label: '年度',
    options: years.map((y) => ({ value: String(y), label: `${y} 年度`, selected: String(y) === initial.year })) });
  const region = field({ id: 'term-region', label: '所在地区', options: [{ value: '', label: '全部' }] });
  const category = field({ id: 'term-category', label: '类别',
    options: [{ value: '', label: '全部' },
      ...Object.entries(CATEGORIES).map(([value, text]) => ({ value, label: text, selected: value === initial.category }))] });
  const evaluated = field({ id: 'term-evaluated', label: '评估',
    options: [{ value: '', label: '全部' }, { value: 'false', label: '未评估', selected: initial.evaluated === 'false' },
      { value: 'true', label: '已评估', selected: initial.evaluated === 'true' }] });
  const clear = h('button', { type: 'button', class: 'button button-secondary' }, '清除');
  const form = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': '筛选年度报告' },
    h('div', { class: 'filter-fields' }, year.wrap, region.wrap, category.wrap, evaluated.wrap),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '筛选'), clear));

  const csv = h('a', { class: 'button button-secondary', id: 'term-csv', download: '' }, '导出 CSV');
  const completionArea = h('div', { id: 'term-completion' });
  const remindArea = h('div', { id: 'term-remind' });
  const notice = h('div', { id: 'term-notice' });

  const table = dataTable({
    label: '年度报告列表', className: 'table table-cards reports-table',
    columns: ['基地 / 单位', '证书编号', '所在地区', '类别', '接待人次', '科普活动', '评估'],
  });
  let active = { ...initial };
  const list = pagedList({
    signal,
    url: (cursor) => `/annual-reports${query({ ...active, limit: PAGE, cursor })}`,
    into: table.tbody,
    view: table.wrap,
    row: (r) => h('tr', { dataset: { id: String(r.id) } },
      h('td', { class: 'cell-title' },
        h('a', { href: `/admin/term/reports/${r.base_id}/${r.year}`, dataset: { link: '' } }, r.base_name),
        h('span', { class: 'block small muted' }, `${r.unit_name} · ${r.year} 年度`)),
      h('td', { class: 'nowrap', dataset: { label: '证书编号' } }, r.certificate_no),
      h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, r.region),
      h('td', { dataset: { label: '类别' } }, categoryName(r.category)),
      h('td', { class: 'nowrap', dataset: { label: '接待人次' } }, figureText(r.visitors, '人次')),
      h('td', { class: 'nowrap', dataset: { label: '科普活动' } }, figureText(r.activities, '次')),
      h('td', { class: 'nowrap', dataset: { label: '评估' } }, r.evaluation
        ? [gradeBadge(r.evaluation.grade), ` ${r.evaluation.score} 分`]
        : h('span', { class: 'badge badge-neutral' }, '未评估'))),
    empty: () => (active.region || active.category || active.evaluated
      ? emptyBlock('没有符合条件的年度报告', '请调整筛选条件。')
      : emptyBlock(`还没有 ${active.year} 年度的报告`, '基地提交年度报告后会列在这里。')),
    titles: ['年度报告加载失败', '更多年度报告加载失败'],
    unit: '份',
    noun: '报告',
  });

  const showCsv = () => {
    csv.href = `${API_BASE}/annual-reports.csv${query(active)}`;
    csv.setAttribute('aria-label', `导出 ${active.year} 年度报告（CSV，按当前筛选）`);
  };

  // ---- completion and reminders: the year's due bases and reports ----
  let countGeneration = 0;
  async function count() {
    const mine = ++countGeneration;
    const y = Number(active.year);
    replace(completionArea, loadingBlock('正在统计完成情况…'));
    replace(remindArea);
    let bases;
    let reports;
    try {
      [bases, reports] = await Promise.all([
        listAll('/bases', { status: 'valid' }, { signal, maxPages: BOUND_PAGES }),
        listAll('/annual-reports', { year: y }, { signal, maxPages: BOUND_PAGES }),
      ]);
    } catch (err) {
      if (signal.aborted || mine !== countGeneration) return;
      replace(completionArea, errorBlock(err, { title: '完成情况统计失败', onRetry: count }));
      return;
    }
    if (signal.aborted || mine !== countGeneration) return;
    const c = completion(bases, reports, y);
    const partial = bases.length >= LIST_BOUND || reports.length >= LIST_BOUND;
    const rows = active.region ? c.rows.filter((r) => r.region === active.region) : c.rows;
    replace(completionArea,
      c.rows.length === 0
        ? h('p', { class: 'muted', id: 'completion-none' }, `${y} 年度没有应报的有效基地。`)
        : [
          h('p', { id: 'completion-total' }, totalText(y, c)),
          h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '各地区完成情况（可横向滚动）' },
            h('table', { class: 'table completion-table' },
              h('caption', { class: 'visually-hidden' }, `${y} 年度各地区完成情况`),
              h('thead', null, h('tr', null, ['所在地区', '应报', '已报', '未报', '完成率'].map((t) => h('th', { scope: 'col' }, t)))),
              h('tbody', null, rows.map((r) => h('tr', { dataset: { region: r.region } },
                h('th', { scope: 'row' }, r.region),
                h('td', { class: 'num' }, String(r.due)),
                h('td', { class: 'num' }, String(r.reported)),
                h('td', { class: 'num' }, String(r.due - r.reported)),
                h('td', { class: 'num' }, h('span', { class: 'completion-bar' },
                  h('meter', { min: '0', max: String(r.due), value: String(r.reported), 'aria-label': `${r.region}完成率` }),
                  ` ${pct(r.reported, r.due)}`))))))),
        ],
      h('p', { class: 'muted small' }, partial
        ? `基地或报告超过 ${LIST_BOUND} 条，以上只统计了前 ${LIST_BOUND} 条，数字不完整。`
        : '应报：届期包含该年度、当前状态为有效的基地；暂停、撤销、过期的基地不计入。'));
    remind(y, c.missing.length);
  }

  // The whole country's figures, or the chosen region's with the country's after.
  function totalText(y, c) {
    const country = `应报 ${c.total.due} 个有效基地，已报 ${c.total.reported} 个，完成率 ${pct(c.total.reported, c.total.due)}`;
    if (!active.region) return `${y} 年度：${country}。`;
    const r = c.rows.find((x) => x.region === active.region) ?? { due: 0, reported: 0 };
    return `${active.region} ${y} 年度：应报 ${r.due} 个有效基地，已报 ${r.reported} 个，完成率 ${pct(r.reported, r.due)}（全国：${country}）。`;
  }

  function remind(y, expected) {
    if (y > thisYear) {
      replace(remindArea, h('p', { class: 'muted' }, '该年度尚未开始，不能催报。'));
      return;
    }
    const button = h('button', { type: 'button', class: 'button', id: 'term-remind-button', disabled: expected === 0 },
      expected ? `催报（将通知 ${expected} 个未报基地）` : '催报（没有未报的基地）');
    const scope = active.region ? h('p', { class: 'muted small', id: 'term-remind-scope' }, '催报面向全国所有未报基地，不限于所选地区。') : null;
    button.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: `催报 ${y} 年度报告？`,
        body: h('div', null,
          h('p', { id: 'remind-count' }, `将向 ${expected} 个尚未提交 ${y} 年度报告的有效基地发送站内通知。`),
          h('p', { class: 'muted' }, '通知发给基地所属单位的账号；账号均已停用的单位收不到通知，不计入实际通知数。')),
        confirmText: `发送通知`,
      });
      if (!ok || signal.aborted) return;
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      button.textContent = '正在发送…';
      let answer;
      try {
        answer = await api('POST', '/annual-reports/reminders', { year: y }, { signal });
      } catch (err) {
        if (signal.aborted) return;
        replace(notice, errorBlock(err, { title: '催报失败' }));
        button.disabled = false;
        button.removeAttribute('aria-busy');
        button.textContent = `催报（将通知 ${expected} 个未报基地）`;
        return;
      }
      if (signal.aborted) return;
      replace(notice, h('p', { class: 'form-message form-message-ok', role: 'status', id: 'remind-done', tabindex: '-1' },
        `已向 ${answer.notified} 个未报基地发送 ${y} 年度报告催报通知。`,
        answer.notified !== expected ? `（预计 ${expected} 个；其余单位没有可用账号或已在此期间提交）` : ''));
      notice.querySelector('#remind-done')?.focus();
      button.removeAttribute('aria-busy');
      button.textContent = '已催报';
    });
    replace(remindArea, button, scope);
  }

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '届期管理'),
        h('p', { class: 'muted' }, '基地年度科普工作报告的完成情况、催报和年度绩效评估；终期考核在各基地页面进行，终期优秀基地的转入在批次页面进行。')),
      form,
      notice,
      h('section', { class: 'panel', 'aria-labelledby': 'completion-title' },
        h('div', { class: 'panel-head' },
          h('h2', { id: 'completion-title' }, '完成情况'),
          remindArea),
        completionArea),
      h('section', { class: 'section-tight', 'aria-labelledby': 'reports-title' },
        h('div', { class: 'panel-head' },
          h('h2', { id: 'reports-title' }, '年度报告'),
          csv),
        list.summary, list.body)));

  filterForm(form, {
    path: '/admin/term',
    read: () => ({ year: year.value(), region: region.value(), category: category.value(), evaluated: evaluated.value() }),
    live: [year, region, category, evaluated],
    clear: { button: clear, fields: [region, category, evaluated] },
    onApply: (values) => {
      const yearChanged = values.year !== active.year || values.region !== active.region;
      active = values;
      replace(notice);
      showCsv();
      list.reload();
      if (yearChanged) count();
    },
  });

  fillRegionSelect(region.input, { empty: '全部', selected: initial.region }).catch(() => {});
  showCsv();
  list.load();
  count();
}
