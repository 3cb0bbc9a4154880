// One base (admin, /admin/bases/{id}): its facts and certificate (the PDF,
// the public check), its status with the reason, 暂停 / 恢复 / 撤销 with a
// required reason (撤销 is final and says so), its annual reports by year
// (each opening its evaluation), the end-of-term assessment (终期考核) and
// recording the plaque's handover (牌匾交接).
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { field, radioField, submitButton, formMessage, onSubmit } from '../forms.js';
import { loading, failure } from '../states.js';
import { textDialog } from '../dialog.js';
import { facts } from '../widgets.js';
import { chinaToday, charCount } from '../format.js';
import { setPageTitle } from '../batch-page.js';
import { categoryName } from '../appform.js';
import { baseBadge, termText, certificatePdf, verifyPath } from '../publicity.js';
import { TERM_RESULTS, TERM_EFFECT, COMMENTS_MAX, termResultBadge, gradeBadge, countedField, chinaYear, baseWithReports } from '../annual.js';

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
    let reports;
    try {
      ({ base, reports } = await baseWithReports(params.id, signal));
    } catch (err) {
      if (signal.aborted) return;
      const missing = err instanceof ApiError && err.status === 404;
      failure(root, err, { title: missing ? '基地不存在' : '基地加载失败', onRetry: missing ? null : load });
      return;
    }
    if (signal.aborted) return;
    setPageTitle(base.name);
    show(base, reports, flash);
  };

  // The annual reports by year, each opening its evaluation.
  function reportsPanel(base, reports) {
    const byYear = new Map(reports.map((r) => [r.year, r]));
    const years = [];
    for (let y = base.term_start_year; y <= Math.min(base.term_end_year, chinaYear()); y++) years.push(y);
    for (const y of byYear.keys()) if (!years.includes(y)) years.push(y);
    years.sort((a, b) => a - b);
    return h('section', { class: 'panel', 'aria-labelledby': 'base-reports-title' },
      h('h2', { id: 'base-reports-title' }, '年度报告'),
      years.length
        ? h('ul', { class: 'report-years', id: 'base-reports' }, years.map((y) => {
          const r = byYear.get(y);
          return h('li', { dataset: { year: String(y) } },
            r ? h('a', { href: `/admin/term/reports/${base.id}/${y}`, dataset: { link: '' } }, `${y} 年度`) : h('span', null, `${y} 年度`),
            ' ',
            !r ? h('span', { class: 'badge badge-warn' }, '未提交')
              : r.evaluation ? [gradeBadge(r.evaluation.grade), h('span', { class: 'muted' }, ` ${r.evaluation.score} 分`)]
                : h('span', { class: 'badge badge-info' }, '待评估'));
        }))
        : h('p', { class: 'muted' }, '届期尚未开始，没有应报的年度。'));
  }

  // 终期考核: the result with its comments; in the term's last year or
  // later (the server refuses earlier, and says why).
  function termPanel(base) {
    const current = base.term_assessment;
    const result = radioField({ id: 'term-result', legend: '考核结果', choices: TERM_RESULTS, selected: current?.result });
    const comments = countedField({ id: 'term-comments', label: '考核意见', max: COMMENTS_MAX, rows: 4,
      hint: '会通知基地所属单位及其推荐单位。', value: current?.comments ?? '' });
    const message = formMessage('term-message');
    const submit = submitButton(current ? '更新终期考核结果' : '保存终期考核结果', '正在保存…');
    submit.id = 'term-submit';
    const early = chinaYear() < base.term_end_year;
    const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'term-title' },
      result.wrap, comments.wrap, message, h('div', { class: 'form-actions' }, submit));
    onSubmit(form, {
      signal, message, submit, fields: { result, comments }, title: '考核失败',
      read: () => {
        let firstBad = null;
        if (!result.value()) { result.setError('请选择考核结果'); firstBad ??= result.focusTarget(); }
        const n = comments.count();
        if (!comments.value().trim()) { comments.setError('请填写考核意见'); firstBad ??= comments.input; }
        else if (n > COMMENTS_MAX) { comments.setError(`考核意见不能超过 ${COMMENTS_MAX} 字`); firstBad ??= comments.input; }
        return { values: { result: result.value(), comments: comments.value().trim() }, firstBad };
      },
      send: (v) => api('PUT', `/bases/${base.id}/term-assessment`, v, { signal }),
      done: (answer, v) => load({ flash: `已保存终期考核结果：${TERM_RESULTS[v.result]}。` }),
    });
    return h('section', { class: 'panel', 'aria-labelledby': 'term-title', id: 'term-panel' },
      h('h2', { id: 'term-title', class: 'title-with-badge' }, h('span', null, '终期考核'), current && termResultBadge(current.result)),
      current
        ? h('div', { id: 'term-current' },
          h('p', null, h('strong', null, '考核意见：'), current.comments ?? '—'),
          h('p', { class: 'muted' }, TERM_EFFECT[current.result]))
        : h('p', { class: 'muted', id: 'term-none' }, '尚未进行终期考核。'),
      base.status === 'revoked'
        ? h('p', { class: 'muted' }, '基地资格已撤销，不进行终期考核。')
        : [
          early && h('p', { class: 'callout callout-warn', id: 'term-early' },
            `届期最后一年（${base.term_end_year} 年）起才能进行终期考核。`),
          h('ul', { class: 'muted small term-effects' },
            Object.entries(TERM_RESULTS).map(([k, label]) => h('li', null, `${label}：${TERM_EFFECT[k]}`))),
          form,
        ]);
  }

  function show(base, reports, flash) {
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
        reportsPanel(base, reports),
        termPanel(base),
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
