// 审计日志 (admin): every state change, newest first as the server gives
// them, filtered by object, object id, actor and action; 加载更多 pages on;
// 校验完整性 asks the server to recompute the hash chain.
import { h, replace } from '../dom.js';
import { api, query } from '../api.js';
import { formatDateTime, roleName, compactJson } from '../format.js';
import { field } from '../forms.js';
import { loadingBlock, errorBlock, emptyBlock } from '../states.js';
import { dataTable, pagedList, filterForm } from '../paged-list.js';

export const title = '审计日志';

const PAGE = 50;

// Readable names for the actions and objects we know; the code is always
// shown too, since it is what the filter takes.
const ACTIONS = {
  'session.login': '登录',
  'session.login_failed': '登录失败',
  'session.logout': '退出登录',
  'user.created': '创建账号',
  'user.password_changed': '修改密码',
  'user.password_change_failed': '修改密码失败（当前密码错误）',
};
const ENTITIES = {
  session: '会话',
  user: '账号',
};

const FILTERS = [
  { key: 'entity', label: '对象类型', placeholder: '如 user、session', attrs: { type: 'text', maxlength: 64 } },
  { key: 'entity_id', label: '对象编号', placeholder: '如 12', attrs: { type: 'text', inputmode: 'numeric', maxlength: 20 }, integer: true },
  { key: 'actor_id', label: '操作人编号', placeholder: '用户编号', attrs: { type: 'text', inputmode: 'numeric', maxlength: 20 }, integer: true },
  { key: 'action', label: '操作', placeholder: '如 session.login', attrs: { type: 'text', maxlength: 64 } },
];

const COLUMNS = ['时间', '操作人', '角色', '操作', '对象', '编号', '请求号', 'IP', '详情'];

function dash(value) {
  return value == null || value === '' ? '—' : String(value);
}

function row(r) {
  const json = compactJson(r.data);
  return h('tr', { dataset: { id: String(r.id) } },
    h('td', { class: 'nowrap' }, h('time', { datetime: r.at }, formatDateTime(r.at))),
    h('td', null, r.actor_id ? `#${r.actor_id}` : '—'),
    h('td', { class: 'nowrap' }, roleName(r.actor_role)),
    h('td', null,
      ACTIONS[r.action] && h('span', { class: 'action-name' }, ACTIONS[r.action]),
      h('code', { class: 'action-code' }, dash(r.action))),
    h('td', null,
      ENTITIES[r.entity] && h('span', { class: 'entity-name' }, ENTITIES[r.entity]),
      h('code', { class: 'entity-code' }, dash(r.entity))),
    h('td', null, dash(r.entity_id)),
    h('td', null, r.request_id ? h('code', { class: 'request-id' }, r.request_id) : '—'),
    h('td', { class: 'nowrap' }, dash(r.ip)),
    h('td', null, json
      ? h('details', { class: 'audit-data' },
        h('summary', null, '查看', h('span', { class: 'visually-hidden' }, `第 ${r.id} 条的详情`)),
        h('pre', null, json))
      : '—'));
}

export function render(root, { signal }) {
  const params = new URLSearchParams(location.search);
  const inputs = FILTERS.map((f) => ({
    ...f,
    field: field({
      id: `audit-${f.key.replace('_', '-')}`,
      label: f.label,
      attrs: { ...f.attrs, placeholder: f.placeholder, value: params.get(f.key) ?? '', autocomplete: 'off', spellcheck: 'false' },
    }),
  }));

  const clear = h('button', { type: 'button', class: 'button button-secondary' }, '清除');
  const form = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': '筛选审计日志' },
    h('div', { class: 'filter-fields' }, inputs.map((i) => i.field.wrap)),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button' }, '筛选'), clear));

  const verifyButton = h('button', { type: 'button', class: 'button button-secondary' }, '校验完整性');
  const verdict = h('div', { class: 'verdict-area', 'aria-live': 'polite' });

  const filterValues = () => Object.fromEntries(inputs.map((i) => [i.key, i.field.value().trim()]));
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
          h('p', { class: 'muted' }, '平台上每一次状态变更都记录在此，记录不可修改或删除；每条记录带有前一条的哈希，构成可校验的审计链。')),
        verifyButton),
      verdict,
      form,
      list.summary,
      list.body));

  filterForm(form, {
    path: '/audit',
    read: filterValues,
    check: () => {
      let firstBad = null;
      for (const i of inputs) {
        const value = i.field.value().trim();
        if (i.integer && value && !/^[1-9]\d{0,17}$/.test(value)) {
          i.field.setError('请输入正整数');
          firstBad ??= i.field.input;
        }
      }
      firstBad?.focus();
      return !firstBad;
    },
    clear: { button: clear, fields: inputs.map((i) => i.field) },
    onApply: list.reload,
  });

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
