// 基地名录 (public, /bases): the valid bases, searched by name and
// filtered by region, category and the start year of their term (kept in
// the URL), a page at a time; each links to its certificate's check.
import { h, replace } from '../dom.js';
import { query } from '../api.js';
import { CATEGORIES } from '../format.js';
import { field } from '../forms.js';
import { emptyBlock } from '../states.js';
import { dataTable, pagedList, filterForm } from '../paged-list.js';
import { fillRegionSelect } from '../regions.js';
import { categoryName } from '../appform.js';
import { termText, verifyPath } from '../publicity.js';

export const title = '基地名录';

const PAGE = 20;
const KEYS = ['q', 'region', 'category', 'term_start_year'];

export function render(root, { signal }) {
  const params = new URLSearchParams(location.search);
  const initial = Object.fromEntries(KEYS.map((k) => [k, params.get(k) ?? '']));

  const q = field({ id: 'bases-q', label: '搜索',
    attrs: { type: 'search', placeholder: '基地名称或单位名称', maxlength: 100, autocomplete: 'off', value: initial.q } });
  const region = field({ id: 'bases-region', label: '所在地区', options: [{ value: '', label: '全部' }] });
  const category = field({ id: 'bases-category', label: '类别',
    options: [{ value: '', label: '全部' },
      ...Object.entries(CATEGORIES).map(([value, text]) => ({ value, label: text, selected: value === initial.category }))] });
  // No hint below it: the row of filters stays one height.
  const year = field({ id: 'bases-year', label: '届期起始年',
    attrs: { type: 'text', inputmode: 'numeric', maxlength: 4, autocomplete: 'off', placeholder: '如 2021', value: initial.term_start_year } });
  const clear = h('button', { type: 'button', class: 'button button-secondary' }, '清除');
  const form = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': '查找基地' },
    h('div', { class: 'filter-fields' }, q.wrap, region.wrap, category.wrap, year.wrap),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '查找'), clear));

  const table = dataTable({
    label: '全国科普教育基地名录', className: 'table table-cards bases-table',
    columns: ['基地名称 / 单位', '类别', '所在地区', '届期', '证书编号'],
  });
  let active = { ...initial };
  const list = pagedList({
    signal,
    url: (cursor) => `/public/bases${query({ ...active, limit: PAGE, cursor })}`,
    into: table.tbody,
    view: table.wrap,
    row: (b) => h('tr', { dataset: { certificate: b.certificate_no } },
      h('td', { class: 'cell-title' }, b.name, h('span', { class: 'block small muted' }, b.unit_name)),
      h('td', { dataset: { label: '类别' } }, categoryName(b.category)),
      h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, b.region),
      h('td', { class: 'nowrap', dataset: { label: '届期' } }, termText(b)),
      h('td', { class: 'nowrap', dataset: { label: '证书编号' } },
        h('a', { href: verifyPath(b.certificate_no), dataset: { link: '' }, 'aria-label': `核验证书 ${b.certificate_no}（${b.name}）` },
          b.certificate_no))),
    empty: () => (Object.values(active).some(Boolean)
      ? emptyBlock('没有符合条件的基地', '请调整查找条件。')
      : emptyBlock('暂无基地', '认定命名后，有效的全国科普教育基地会列在这里。')),
    titles: ['基地名录加载失败', '更多基地加载失败'],
    unit: '个',
    noun: '基地',
  });

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '基地名录'),
        h('p', { class: 'muted' }, '经中国科协认定命名、证书有效的全国科普教育基地。点击证书编号可核验证书。')),
      form, list.summary, list.body));

  filterForm(form, {
    path: '/bases',
    read: () => ({ q: q.value().trim(), region: region.value(), category: category.value(), term_start_year: year.value().trim() }),
    check: () => {
      const y = year.value().trim();
      if (y && !/^(20\d\d|2100)$/.test(y)) {   // the server's 2000–2100
        year.setError('请填写 4 位年份，如 2021');
        year.input.focus();
        return false;
      }
      return true;
    },
    live: [region, category],
    clear: { button: clear, fields: [q, region, category, year] },
    onApply: (values) => { active = values; list.reload(); },
  });

  fillRegionSelect(region.input, { empty: '全部', selected: initial.region }).catch(() => {});
  list.load();
}
