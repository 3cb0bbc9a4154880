// One base (admin, /admin/bases/{id}): its facts and certificate (the PDF,
// the public check), its status with the reason, 暂停 / 恢复 / 撤销 with a
// required reason (撤销 is final and says so), and recording the plaque's
// handover (牌匾交接).
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { field, submitButton, formMessage, onSubmit } from '../forms.js';
import { loading, failure } from '../states.js';
import { textDialog } from '../dialog.js';
import { facts } from '../widgets.js';
import { chinaToday, charCount } from '../format.js';
import { setPageTitle } from '../batch-page.js';
import { categoryName } from '../appform.js';
import { baseBadge, termText, certificatePdf, verifyPath } from '../publicity.js';

export const title = '基地';

const REASON_MAX = 2000;
const RECIPIENT_MAX = 100;

// The status changes, by the status they start from (once the term is
// over only revocation is left).
const ACTIONS = {
  suspend: {
    from: ['valid'], label: '暂停', title: '暂停基地资格？', confirm: '暂停',
    intro: '暂停期间，证书核验页面显示“暂停”及原因，基地不在公开名录中。可以恢复。',
  },
  reinstate: {
    from: ['suspended'], label: '恢复', title: '恢复基地资格？', confirm: '恢复',
    intro: '恢复后证书重新有效，基地重新列入公开名录。',
  },
  revoke: {
    from: ['valid', 'suspended', 'expired'], label: '撤销', title: '撤销基地资格？', confirm: '撤销资格', danger: true,
    intro: '撤销后证书作废，核验页面显示“撤销”及原因。撤销是最终决定，不能恢复。',
  },
};

export function render(root, { params, signal }) {
  const load = async ({ flash } = {}) => {
    if (!flash) loading(root);
    let base;
    try {
      base = await api('GET', `/bases/${encodeURIComponent(params.id)}`, undefined, { signal });
    } catch (err) {
      if (signal.aborted) return;
      const missing = err instanceof ApiError && err.status === 404;
      failure(root, err, { title: missing ? '基地不存在' : '基地加载失败', onRetry: missing ? null : load });
      return;
    }
    if (signal.aborted) return;
    setPageTitle(base.name);
    show(base, flash);
  };

  function show(base, flash) {
    const plaques = base.plaques ?? [];
    const actions = Object.entries(ACTIONS).filter(([, a]) => a.from.includes(base.status));
    const buttons = actions.map(([key, a]) => {
      const button = h('button', {
        type: 'button', id: `base-${key}`, class: a.danger ? 'button button-danger-outline' : 'button button-secondary',
      }, a.label);
      button.addEventListener('click', async () => {
        const done = await textDialog({
          id: `base-${key}-dialog`, title: a.title,
          intro: h('div', null, h('p', null, `${base.name}（证书编号 ${base.certificate_no}）`), h('p', { class: a.danger ? 'warn-text' : null }, a.intro)),
          label: '原因', hint: '原因会在证书核验页面公开显示。', maxLength: REASON_MAX,
          confirmText: a.confirm, danger: Boolean(a.danger),
          onSubmit: (reason) => api('POST', `/bases/${base.id}/${key}`, { reason }, { signal }),
        });
        if (done != null && !signal.aborted) load({ flash: `已${a.label}：${base.name}。` });
      });
      return button;
    });

    const plaque = {
      issued_on: field({ id: 'plaque-date', label: '交接日期', attrs: { type: 'date', required: true, value: chinaToday() } }),
      recipient: field({ id: 'plaque-recipient', label: '接收人', hint: '接收牌匾的单位人员姓名（及职务）。',
        attrs: { type: 'text', required: true, maxlength: RECIPIENT_MAX } }),
    };
    const plaqueMessage = formMessage('plaque-message');
    const plaqueSubmit = submitButton('登记牌匾交接', '正在登记…');
    plaqueSubmit.id = 'plaque-submit';
    const plaqueForm = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'plaque-title' },
      h('div', { class: 'form-grid' }, plaque.issued_on.wrap, plaque.recipient.wrap),
      plaqueMessage, h('div', { class: 'form-actions' }, plaqueSubmit));
    onSubmit(plaqueForm, {
      signal, message: plaqueMessage, submit: plaqueSubmit, fields: plaque, title: '登记失败',
      read: () => {
        const v = { issued_on: plaque.issued_on.value(), recipient: plaque.recipient.value().trim() };
        let firstBad = null;
        if (!v.issued_on) { plaque.issued_on.setError('请填写交接日期'); firstBad ??= plaque.issued_on.input; }
        if (!v.recipient) { plaque.recipient.setError('请填写接收人'); firstBad ??= plaque.recipient.input; }
        else if (charCount(v.recipient) > RECIPIENT_MAX) { plaque.recipient.setError(`接收人不能超过 ${RECIPIENT_MAX} 字`); firstBad ??= plaque.recipient.input; }
        return { values: v, firstBad };
      },
      send: (v) => api('POST', `/bases/${base.id}/plaque`, v, { signal }),
      done: (answer, v) => load({ flash: `已登记牌匾交接：${v.issued_on}，接收人 ${v.recipient}。` }),
    });

    replace(root,
      h('section', { class: 'page' },
        h('div', { class: 'page-head' },
          h('p', { class: 'breadcrumb' },
            h('a', { href: '/admin/bases', dataset: { link: '' } }, '基地管理'),
            h('span', { 'aria-hidden': 'true' }, ' / '),
            h('span', null, base.certificate_no)),
          h('h1', { class: 'title-with-badge' }, h('span', null, base.name), baseBadge(base.status))),
        flash && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'base-notice', tabindex: '-1' }, flash),
        h('section', { class: 'panel', 'aria-labelledby': 'base-facts-title' },
          h('div', { class: 'panel-head' },
            h('h2', { id: 'base-facts-title' }, '证书'),
            h('div', { class: 'row-actions' },
              h('a', { class: 'button button-secondary', id: 'base-pdf', href: certificatePdf(base.id), target: '_blank', rel: 'noopener' }, '证书（PDF）'),
              h('a', { class: 'button button-secondary', href: verifyPath(base.certificate_no), dataset: { link: '' } }, '核验页面'))),
          facts([
            ['证书编号', base.certificate_no],
            ['基地名称', base.name],
            ['单位', base.unit_name],
            ['统一社会信用代码', base.credit_code],
            ['类别', categoryName(base.category)],
            ['所在地区', base.region],
            ['届期', termText(base)],
            ['命名日期', base.named_on],
            ['命名文号', base.decision_no],
            ['申报', h('a', { href: `/admin/applications/${base.application_id}`, dataset: { link: '' } }, `查看申报表`)],
          ], 'facts-compact')),
        h('section', { class: 'panel', 'aria-labelledby': 'base-status-title' },
          h('h2', { id: 'base-status-title', class: 'title-with-badge' }, h('span', null, '状态'), baseBadge(base.status)),
          base.status_reason && h('p', { id: 'base-reason' }, h('strong', null, '原因：'), base.status_reason),
          buttons.length
            ? h('div', { class: 'row-actions' }, buttons)
            : h('p', { class: 'muted', id: 'base-final' }, '基地资格已撤销，不能再变更。')),
        h('section', { class: 'panel', 'aria-labelledby': 'plaque-title' },
          h('h2', { id: 'plaque-title' }, '牌匾交接'),
          plaques.length
            ? h('ul', { class: 'plaque-list', id: 'plaque-list' }, plaques.map((p) => h('li', null,
              h('time', { datetime: p.issued_on }, p.issued_on), ' 交接，接收人：', p.recipient)))
            : h('p', { class: 'muted', id: 'plaque-none' }, '尚未登记牌匾交接。'),
          base.status === 'revoked'
            ? h('p', { class: 'muted' }, '基地资格已撤销，不再交接牌匾。')
            : [h('p', { class: 'muted' }, '牌匾交给基地时登记交接日期和接收人。'), plaqueForm])));
    if (flash) root.querySelector('#base-notice')?.focus();
  }

  load();
}
