// One batch for a recommender, section 申报邀请码: generate 1–100 codes
// (batch 申报中, before the recommend deadline), the codes newest first with
// their status, the unit that used each, 复制 and 撤销 (unused ones, asked
// first); filter by status; 打印 opens a print-friendly list.
import { h, replace } from '../dom.js';
import { api, query } from '../api.js';
import { INVITATION_STATUS, formatDateTime, formatDeadline, isPast } from '../format.js';
import { field, submitButton, formMessage, onSubmit } from '../forms.js';
import { emptyBlock, errorText } from '../states.js';
import { dataTable, pagedList, filterForm } from '../paged-list.js';
import { confirmDialog, copyButton } from '../dialog.js';
import { withBatch, batchHead } from '../batch-page.js';
import { invitationBadge } from '../widgets.js';

export const title = '申报邀请码';

const PAGE = 50;
const MAX_COUNT = 100;
const COLUMNS = ['邀请码', '状态', '申报单位', '生成时间', '操作'];

// "ABCDEFGHJKMN" → "ABCD-EFGH-JKMN" when the server gave no display form.
export function displayCode(item) {
  return item.display || item.code.replace(/(.{4})(?=.)/g, '$1-');
}

export function render(root, { params, signal }) {
  const current = `/my/batches/${params.id}/invitations`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 申报邀请码' });

  function show(batch) {
    const initial = new URLSearchParams(location.search).get('status') ?? '';
    const copyStatus = h('p', { class: 'visually-hidden', role: 'status' });
    const notice = formMessage('inv-notice');
    const canMake = batch.status === 'open' && !isPast(batch.recommend_deadline);

    // ---- generate ----
    let makePanel;
    if (canMake) {
      const count = field({
        id: 'inv-count', label: '生成数量', hint: `一次 1–${MAX_COUNT} 个。`,
        attrs: { type: 'number', min: 1, max: MAX_COUNT, step: 1, inputmode: 'numeric', required: true, value: '10' },
      });
      const message = formMessage('inv-make-message');
      const submit = submitButton('生成邀请码', '正在生成…');
      const form = h('form', { class: 'inline-form', novalidate: true, 'aria-labelledby': 'inv-make-title' },
        count.wrap, h('div', { class: 'form-actions' }, submit), message);
      onSubmit(form, {
        signal, message, submit, fields: { count }, title: '生成失败',
        read: () => {
          const raw = count.value().trim();
          const n = Number(raw);
          if (!/^\d+$/.test(raw) || n < 1 || n > MAX_COUNT) {
            count.setError(`请填写 1 到 ${MAX_COUNT} 之间的整数`);
            return { firstBad: count.input };
          }
          return { values: { count: n } };
        },
        send: (values) => api('POST', `/batches/${batch.id}/invitations`, values, { signal }),
        done: (answer, values) => {
          submit.busy(false);
          const made = answer?.items?.length ?? values.count;
          notice.show(`已生成 ${made} 个邀请码，列在下方最前面。`, 'ok');
          if (status.value() !== '' && status.value() !== 'unused') status.input.value = '';
          list.reload();
        },
      });
      makePanel = h('section', { class: 'panel', 'aria-labelledby': 'inv-make-title' },
        h('h2', { id: 'inv-make-title' }, '生成邀请码'),
        h('p', { class: 'muted' }, '把邀请码发给拟申报的单位；每个邀请码只能注册一次，',
          `推荐截止（${formatDeadline(batch.recommend_deadline)}）后未使用的自动失效。尚未使用的邀请码可以撤销。`),
        form);
    } else {
      makePanel = h('section', { class: 'panel', 'aria-labelledby': 'inv-make-title' },
        h('h2', { id: 'inv-make-title' }, '生成邀请码'),
        h('p', { class: 'muted', id: 'inv-closed' }, batch.status === 'draft'
          ? '批次尚未开始申报，开始后即可生成邀请码。'
          : batch.status === 'open' ? `推荐已于 ${formatDeadline(batch.recommend_deadline)} 截止，不能再生成邀请码。`
            : '批次已结束申报，不能再生成邀请码。'));
    }

    // ---- list ----
    const status = field({
      id: 'inv-status', label: '状态',
      options: [{ value: '', label: '全部' },
        ...Object.entries(INVITATION_STATUS).map(([value, text]) => ({ value, label: text, selected: value === initial }))],
    });
    const printLink = h('a', { class: 'button button-secondary', dataset: { link: '' } }, '打印');
    const setPrintHref = () => printLink.setAttribute('href', `${current}/print${query({ status: status.value() || 'unused' })}`);
    setPrintHref();
    const filterFormEl = h('form', { class: 'filters filters-inline', role: 'search', 'aria-label': '筛选邀请码' },
      h('div', { class: 'filter-fields filter-fields-narrow' }, status.wrap),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '筛选'), printLink));

    const table = dataTable({
      label: '邀请码列表', caption: '申报邀请码', className: 'table table-cards invitations-table', columns: COLUMNS,
    });
    const list = pagedList({
      signal,
      url: (cursor) => `/batches/${batch.id}/invitations${query({ status: status.value(), limit: PAGE, cursor })}`,
      row,
      into: table.tbody,
      view: table.wrap,
      empty: () => emptyBlock(status.value() ? `没有${INVITATION_STATUS[status.value()]}的邀请码` : '还没有邀请码',
        !status.value() && canMake && '在上方填写数量，生成邀请码。'),
      titles: ['邀请码加载失败', '更多邀请码加载失败'],
      unit: '个',
      noun: '邀请码',
    });

    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'recommender', current }),
        makePanel,
        h('section', { class: 'panel', 'aria-labelledby': 'inv-list-title' },
          h('h2', { id: 'inv-list-title', tabindex: '-1' }, '我的邀请码'),
          notice, filterFormEl, list.summary, list.body, copyStatus)));

    function row(item) {
      const shown = displayCode(item);
      const codeEl = h('code', { class: 'invite-code', id: `inv-${item.code}` }, shown);
      const actions = h('div', { class: 'row-actions' },
        copyButton(shown, { status: copyStatus, selectable: codeEl, name: `邀请码 ${shown}` }));
      if (item.status === 'unused') {
        const revoke = h('button', { type: 'button', class: 'button button-small button-danger-outline', 'aria-label': `撤销邀请码 ${shown}` }, '撤销');
        revoke.addEventListener('click', () => doRevoke(item, tr, revoke));
        actions.append(revoke);
      }
      const tr = h('tr', { dataset: { code: item.code, status: item.status } },
        h('th', { scope: 'row', class: 'nowrap' }, codeEl),
        h('td', { class: 'nowrap', dataset: { label: '状态' } }, invitationBadge(item.status)),
        h('td', { dataset: { label: '申报单位' } }, h('span', null, item.applicant_name ?? '—',
          item.used_at && h('span', { class: 'muted small block' }, `注册于 ${formatDateTime(item.used_at)}`))),
        h('td', { class: 'nowrap', dataset: { label: '生成时间' } }, item.created_at ? h('time', { datetime: item.created_at }, formatDateTime(item.created_at)) : '—'),
        h('td', null, actions));
      return tr;
    }

    async function doRevoke(item, tr, button) {
      notice.show(null);
      const shown = displayCode(item);
      const ok = await confirmDialog({
        title: `撤销邀请码 ${shown}？`,
        body: '撤销后，该邀请码不能再用于注册，也不能恢复。已发给申报单位的，请告知对方。',
        confirmText: '撤销',
        danger: true,
      });
      if (!ok || signal.aborted) return;
      button.disabled = true;
      try {
        await api('DELETE', `/invitations/${encodeURIComponent(item.code)}`, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        button.disabled = false;
        notice.show(`撤销失败：${errorText(err)}`);
        button.focus();
        return;
      }
      if (signal.aborted) return;
      notice.show(`已撤销邀请码 ${shown}。`, 'ok');
      if (status.value() === 'unused') {
        const next = tr.nextElementSibling ?? tr.previousElementSibling;
        tr.remove();
        (next?.querySelector('button') ?? root.querySelector('#inv-list-title'))?.focus();
      } else {
        const fresh = row({ ...item, status: 'revoked', revoked_at: new Date().toISOString() });
        tr.replaceWith(fresh);
        fresh.querySelector('button')?.focus();
      }
    }

    filterForm(filterFormEl, {
      path: current,
      read: () => ({ status: status.value() }),
      live: [status],
      onApply: () => { setPrintHref(); list.reload(); },
    });

    list.load();
  }
}
