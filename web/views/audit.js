// 审计日志 (admin): every state change, newest first as the server gives
// them, with who acted by name and organisation and what was done in
// Chinese; filtered by action and object type (picked by their Chinese
// names), object number, actor and a range of Beijing dates; 加载更多
// pages on; 查看 opens a record whole; 导出 CSV downloads what the filters
// select; 校验完整性 asks the server to recompute the hash chain.
import { h, replace } from '../dom.js';
import { api, query } from '../api.js';
import { formatDateTime, roleName } from '../format.js';
import { field } from '../forms.js';
import { loadingBlock, errorBlock, emptyBlock, loading, failure } from '../states.js';
import { dataTable, pagedList, filterForm } from '../paged-list.js';
import { openAuditDetail } from '../audit-detail.js';

export const title = '审计日志';

const PAGE = 50;
const COLUMNS = ['时间（北京时间）', '操作人', '操作', '对象', '详情'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function dash(value) {
  return value == null || value === '' ? '—' : String(value);
}

export function render(root, { signal }) {
  loading(root, '正在加载审计日志…');
  api('GET', '/audit/labels', undefined, { signal })
    .then((labels) => show(root, signal, labels))
    .catch((err) => { if (!signal.aborted) failure(root, err, { title: '审计日志加载失败' }); });
}

function show(root, signal, labels) {
  const params = new URLSearchParams(location.search);
  const options = (list, all) => [{ value: '', label: all }, ...list.map((a) => ({ value: a.code, label: a.label }))];
  const input = (key, id, label, attrs, extra = {}) => ({
    key,
    field: field({ id, label, ...extra, attrs: { value: params.get(key) ?? '', autocomplete: 'off', ...attrs } }),
  });
  const inputs = [
    input('action', 'audit-action', '操作', {}, { options: options(labels.actions, '全部操作') }),
    input('entity', 'audit-entity', '对象类型', {}, { options: options(labels.entities, '全部对象') }),
    input('entity_id', 'audit-entity-id', '对象编号', { type: 'text', inputmode: 'numeric', maxlength: 20, placeholder: '先选对象类型' }),
    input('actor_id', 'audit-actor-id', '操作人账号编号', { type: 'text', inputmode: 'numeric', maxlength: 20, placeholder: '或点表中的操作人' }),
    input('from', 'audit-from', '开始日期（北京时间）', { type: 'date', min: '2000-01-01', max: '2099-12-31' }),
    input('to', 'audit-to', '结束日期（北京时间）', { type: 'date', min: '2000-01-01', max: '2099-12-31' }),
  ];
  const byKey = Object.fromEntries(inputs.map((i) => [i.key, i.field]));
  for (const i of inputs.slice(0, 2)) i.field.input.value = params.get(i.key) ?? '';

  const clear = h('button', { type: 'button', class: 'button button-secondary' }, '清除');
  const csv = h('a', { class: 'button button-secondary', download: '' }, '导出 CSV');
  const form = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': '筛选审计日志' },
    h('div', { class: 'filter-fields' }, inputs.map((i) => i.field.wrap)),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button' }, '筛选'), clear, csv));

  const verifyButton = h('button', { type: 'button', class: 'button button-secondary' }, '校验完整性');
  const verdict = h('div', { class: 'verdict-area', 'aria-live': 'polite' });

  const filterValues = () => Object.fromEntries(inputs.map((i) => [i.key, i.field.value().trim()]));
  const setCsv = () => { csv.href = `/api/v1/audit.csv${query(filterValues())}`; };
  let apply;

  function actorCell(r) {
    if (r.actor_id == null) return h('td', null, h('span', { class: 'muted' }, roleName(r.actor_role)));
    const pick = h('button', { type: 'button', class: 'button-link', title: '只看此人的操作' }, dash(r.actor_name));
    pick.addEventListener('click', () => {
      byKey.actor_id.input.value = String(r.actor_id);
      apply();
    });
    return h('td', null, pick,
      h('span', { class: 'audit-org' }, dash(r.actor_org)),
      h('span', { class: 'muted small' }, `${roleName(r.actor_role)} · 账号 ${r.actor_id}`));
  }

  function row(r) {
    const open = h('button', { type: 'button', class: 'button-link' },
      '查看', h('span', { class: 'visually-hidden' }, `第 ${r.id} 条记录`));
    open.addEventListener('click', () => openAuditDetail(r));
    return h('tr', { dataset: { id: String(r.id) } },
      h('td', { class: 'nowrap' }, h('time', { datetime: r.at }, formatDateTime(r.at))),
      actorCell(r),
      h('td', null, h('span', { class: 'action-name' }, r.action_label ?? r.action),
        h('code', { class: 'action-code' }, r.action)),
      h('td', null, h('span', { class: 'entity-name' }, r.entity_label ?? r.entity),
        r.entity_id ? h('span', { class: 'muted small' }, `编号 ${r.entity_id}`) : null),
      h('td', null, open));
  }

  const table = dataTable({ label: '审计记录', className: 'table audit-table', columns: COLUMNS });
  const list = pagedList({
    signal,
    url: (cursor) => `/audit${query({ ...filterValues(), limit: PAGE, cursor })}`,
    row,
    into: table.tbody,
    view: table.wrap,
    empty: () => emptyBlock('没有符合条件的审计记录'),
    titles: ['审计日志加载失败', '更多记录加载失败'],
    unit: '条',
  });

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head page-head-row' },
        h('div', null,
          h('h1', null, '审计日志'),
          h('p', { class: 'muted' }, '平台上每一次状态变更都记录在此，记录不可修改或删除；每条记录带有前一条的哈希，构成可校验的审计链。时间均为北京时间。')),
        verifyButton),
      verdict,
      form,
      list.summary,
      list.body));

  apply = filterForm(form, {
    path: '/audit',
    read: filterValues,
    check: () => {
      let firstBad = null;
      const bad = (f, text) => { f.setError(text); firstBad ??= f.input; };
      for (const key of ['entity_id', 'actor_id']) {
        const value = byKey[key].value().trim();
        if (value && !/^[1-9]\d{0,17}$/.test(value)) bad(byKey[key], '请输入正整数');
      }
      if (byKey.entity_id.value().trim() && !byKey.entity.value()) bad(byKey.entity, '按对象编号筛选时请先选对象类型');
      const from = byKey.from.value(), to = byKey.to.value();
      if (from && !DATE.test(from)) bad(byKey.from, '请选择日期');
      if (to && !DATE.test(to)) bad(byKey.to, '请选择日期');
      if (from && to && DATE.test(from) && DATE.test(to) && from > to) bad(byKey.to, '结束日期不能早于开始日期');
      firstBad?.focus();
      return !firstBad;
    },
    live: [byKey.action, byKey.entity],
    clear: { button: clear, fields: inputs.map((i) => i.field) },
    onApply: () => { setCsv(); list.reload(); },
  });
  setCsv();

  verifyButton.addEventListener('click', async () => {
    verifyButton.disabled = true;
    replace(verdict, loadingBlock('正在校验审计链…'));
    try {
      const v = await api('GET', '/audit/verify', undefined, { signal });
      const bad = v?.first_bad_id;
      // Signed checkpoints (GET /public/audit/checkpoints) the chain was held against.
      const checkpoints = v?.checkpoints > 0 ? `，并与 ${v.checkpoints} 个签名检查点相符` : '';
      replace(verdict, v?.ok
        ? h('div', { class: 'verdict verdict-ok' },
          h('p', { class: 'verdict-title' }, `审计链完整，共 ${v.count} 条`),
          h('p', null, `校验时间 ${formatDateTime(new Date().toISOString())}：每条记录的哈希与内容、与前一条记录均一致${checkpoints}。`))
        : h('div', { class: 'verdict verdict-bad', role: 'alert' },
          h('p', { class: 'verdict-title' }, bad ? `第 ${bad} 条记录被篡改` : '审计链校验未通过'),
          h('p', null, bad
            ? `审计链自编号 ${bad} 的记录起不再一致（已校验 ${v?.count ?? 0} 条）。该记录或其前后的记录已被修改、删除或调换，请立即核查数据库的访问情况。`
            : `已校验 ${v?.count ?? 0} 条。请立即核查数据库的访问情况。`),
          v?.problem ? h('p', null, v.problem) : null));
    } catch (err) {
      if (signal.aborted) return;
      replace(verdict, errorBlock(err, { title: '校验失败' }));
    } finally {
      verifyButton.disabled = false;
    }
  });

  list.load();
}
