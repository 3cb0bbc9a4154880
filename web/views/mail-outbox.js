// 邮件发送 (admin): the mail outbox newest first — to whom, what, its
// status, attempts and the mail server's last answer — filtered by status
// (kept in the URL), 加载更多 pages on; 重新发送 (after a confirmation)
// makes a failed message pending again.  Bodies are never shown: the
// server does not give them (a reset mail's holds a link).
import { h, replace } from '../dom.js';
import { api, query } from '../api.js';
import { formatDateTime } from '../format.js';
import { field } from '../forms.js';
import { emptyBlock } from '../states.js';
import { dataTable, pagedList, filterForm } from '../paged-list.js';
import { badge } from '../widgets.js';
import { confirmDialog } from '../dialog.js';
import { errorText } from '../states.js';

export const title = '邮件发送';

const PAGE = 50;
const COLUMNS = ['创建时间（北京时间）', '收件人', '主题', '状态', '尝试次数', '最近错误', '操作'];
const STATUS = {
  pending: ['待发送', 'info'],
  sending: ['发送中', 'info'],
  sent: ['已发送', 'ok'],
  failed: ['发送失败', 'warn'],
};

const statusBadge = (s) => badge(STATUS[s]?.[0] ?? s, STATUS[s]?.[1] ?? 'neutral');

export function render(root, { signal }) {
  const params = new URLSearchParams(location.search);
  const status = field({
    id: 'outbox-status', label: '状态',
    options: [{ value: '', label: '全部状态' },
      ...Object.entries(STATUS).map(([value, [text]]) => ({ value, label: text }))],
  });
  status.input.value = STATUS[params.get('status')] ? params.get('status') : '';
  const message = h('div', { class: 'form-message', role: 'alert' });
  const say = (text, kind = 'error') => {
    message.className = `form-message${text ? ` form-message-${kind}` : ''}`;
    replace(message, text ?? '');
  };

  // The row of one message; a failed one has 重新发送.
  function row(m) {
    const tr = h('tr', { dataset: { id: String(m.id) } });
    const fill = (item) => {
      let action = null;
      if (item.status === 'failed') {
        action = h('button', { type: 'button', class: 'button button-secondary button-small' },
          '重新发送', h('span', { class: 'visually-hidden' }, `发给 ${item.to} 的邮件`));
        action.addEventListener('click', () => resend(item, action, fill));
      }
      replace(tr,
        h('td', { class: 'nowrap' }, h('time', { datetime: item.created_at }, formatDateTime(item.created_at))),
        h('td', { class: 'outbox-to' }, item.to),
        h('td', null, item.subject, h('code', { class: 'action-code' }, item.kind)),
        h('td', null, statusBadge(item.status),
          item.sent_at ? h('span', { class: 'muted small' }, formatDateTime(item.sent_at)) : null),
        h('td', { class: 'num' }, String(item.attempts)),
        h('td', { class: 'outbox-error' }, item.last_error ?? h('span', { class: 'muted' }, '—')),
        h('td', null, action));
    };
    fill(m);
    return tr;
  }

  async function resend(item, button, fill) {
    say(null);
    const ok = await confirmDialog({
      title: '重新发送邮件',
      body: `将重新发送发给 ${item.to} 的邮件“${item.subject}”，尝试次数从 0 重新计算。确定吗？`,
      confirmText: '重新发送',
    });
    if (!ok || signal.aborted) return;
    button.disabled = true;
    try {
      const again = await api('POST', `/mail/outbox/${item.id}/resend`, undefined, { signal });
      fill(again);
      say(`发给 ${again.to} 的邮件已重新排队，稍后发送。`, 'ok');
    } catch (err) {
      if (signal.aborted) return;
      button.disabled = false;
      say(`重新发送失败：${errorText(err)}`);
    }
  }

  const table = dataTable({ label: '邮件列表', className: 'table outbox-table', columns: COLUMNS });
  const read = () => ({ status: status.value() });
  const list = pagedList({
    signal,
    url: (cursor) => `/mail/outbox${query({ ...read(), limit: PAGE, cursor })}`,
    row,
    into: table.tbody,
    view: table.wrap,
    empty: () => emptyBlock('没有符合条件的邮件'),
    titles: ['邮件列表加载失败', '更多邮件加载失败'],
    unit: '封',
    noun: '邮件',
  });
  const form = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': '筛选邮件' },
    h('div', { class: 'filter-fields' }, status.wrap),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '筛选')));

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '邮件发送'),
        h('p', { class: 'muted' }, '平台发出的每一封邮件：通知、截止提醒和找回密码。发送失败的邮件可重新发送；找回密码的邮件含有时效链接，不能重新发送，请用户重新申请。时间均为北京时间。')),
      form,
      message,
      list.summary,
      list.body));

  filterForm(form, { path: '/admin/mail', read, live: [status], onApply: () => { say(null); list.reload(); } });
  list.load();
}
