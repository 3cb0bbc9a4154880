// One annual report (admin, /admin/term/reports/{base}/{year}): the base,
// the year's figures, highlights and files, and the evaluation form
// (年度科普绩效评估: a score 0–100, a grade, comments). The evaluation may
// be given again; the unit is told each time. There is no GET of one
// report: it is read from the base's reports (GET /bases/{id}/annual-reports).
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { field, radioField, submitButton, formMessage, onSubmit } from '../forms.js';
import { loading, failure, emptyBlock } from '../states.js';
import { facts } from '../widgets.js';
import { setPageTitle } from '../batch-page.js';
import { categoryName, attachmentList } from '../appform.js';
import { baseBadge, termText, paragraphs } from '../publicity.js';
import { GRADES, COMMENTS_MAX, reportFacts, evaluationFacts, countedField } from '../annual.js';

export const title = (params) => `${params.year} 年度报告`;

export function render(root, { params, signal }) {
  const year = Number(params.year);
  const load = async ({ flash } = {}) => {
    if (!flash) loading(root);
    let base;
    let reports;
    try {
      [base, reports] = await Promise.all([
        api('GET', `/bases/${params.base}`, undefined, { signal }),
        api('GET', `/bases/${params.base}/annual-reports`, undefined, { signal }),
      ]);
    } catch (err) {
      if (signal.aborted) return;
      const missing = err instanceof ApiError && err.status === 404;
      failure(root, err, { title: missing ? '基地不存在' : '年度报告加载失败', onRetry: missing ? null : load });
      return;
    }
    if (signal.aborted) return;
    setPageTitle(`${base.name} · ${year} 年度报告`);
    show(base, (reports?.items ?? []).find((r) => r.year === year) ?? null, flash);
  };

  function evaluationForm(report) {
    const ev = report.evaluation;
    const score = field({ id: 'eval-score', label: '评估得分（0–100）', hint: '最多两位小数。',
      attrs: { type: 'text', inputmode: 'decimal', required: true, autocomplete: 'off', value: ev ? String(ev.score) : '' } });
    const grade = radioField({ id: 'eval-grade', legend: '评估等级', choices: GRADES, selected: ev?.grade });
    const comments = countedField({ id: 'eval-comments', label: '评估意见', max: COMMENTS_MAX, rows: 4,
      hint: '会随评估结果通知基地所属单位。', value: ev?.comments ?? '' });
    const message = formMessage('eval-message');
    const submit = submitButton(ev ? '更新评估结果' : '保存评估结果', '正在保存…');
    submit.id = 'eval-submit';
    const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'eval-title' },
      ev && h('h3', null, '更新评估结果'),
      h('div', { class: 'form-grid' }, score.wrap), grade.wrap, comments.wrap, message,
      h('div', { class: 'form-actions' }, submit));
    onSubmit(form, {
      signal, message, submit, fields: { score, grade, comments }, title: '评估失败',
      read: () => {
        let firstBad = null;
        const text = score.value().trim();
        const n = Number(text);
        if (!text) { score.setError('请填写评估得分'); firstBad ??= score.input; }
        else if (!/^\d{1,3}(\.\d{1,2})?$/.test(text) || n > 100) { score.setError('得分应为 0–100 的数，最多两位小数'); firstBad ??= score.input; }
        if (!grade.value()) { grade.setError('请选择评估等级'); firstBad ??= grade.focusTarget(); }
        if (comments.count() > COMMENTS_MAX) { comments.setError(`评估意见不能超过 ${COMMENTS_MAX} 字`); firstBad ??= comments.input; }
        return { values: { score: n, grade: grade.value(), comments: comments.value().trim() }, firstBad };
      },
      send: (v) => api('PUT', `/annual-reports/${report.id}/evaluation`, v, { signal }),
      done: (answer) => load({ flash: `已保存评估结果：${GRADES[answer.evaluation.grade]}，${answer.evaluation.score} 分；已通知基地所属单位。` }),
    });
    return form;
  }

  function show(base, report, flash) {
    replace(root,
      h('section', { class: 'page' },
        h('div', { class: 'page-head' },
          h('p', { class: 'breadcrumb' },
            h('a', { href: `/admin/term?year=${year}`, dataset: { link: '' } }, '届期管理'),
            h('span', { 'aria-hidden': 'true' }, ' / '),
            h('a', { href: `/admin/bases/${base.id}`, dataset: { link: '' } }, base.certificate_no),
            h('span', { 'aria-hidden': 'true' }, ' / '),
            h('span', null, `${year} 年度`)),
          h('h1', null, `${base.name} · ${year} 年度科普工作报告`)),
        flash && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'report-notice', tabindex: '-1' }, flash),
        h('section', { class: 'panel', 'aria-labelledby': 'report-base-title' },
          h('h2', { id: 'report-base-title', class: 'title-with-badge' }, h('span', null, '基地'), baseBadge(base.status)),
          facts([
            ['单位', base.unit_name],
            ['证书编号', base.certificate_no],
            ['所在地区', base.region],
            ['类别', categoryName(base.category)],
            ['届期', termText(base)],
          ], 'facts-compact')),
        !report
          ? emptyBlock(`该基地尚未提交 ${year} 年度报告`, '可以在届期管理中催报。')
          : [
            h('section', { class: 'panel', 'aria-labelledby': 'report-figures-title' },
              h('h2', { id: 'report-figures-title' }, '填报内容'),
              reportFacts(report),
              h('h3', null, '工作亮点'),
              report.highlights ? paragraphs(report.highlights) : h('p', { class: 'muted' }, '未填写'),
              h('h3', null, '附件'),
              attachmentList(report.attachments ?? [], { kinds: false })),
            h('section', { class: 'panel', 'aria-labelledby': 'eval-title' },
              h('h2', { id: 'eval-title' }, '年度绩效评估'),
              report.evaluation
                ? h('div', { id: 'eval-current' }, evaluationFacts(report.evaluation),
                  h('p', { class: 'muted' }, '评估后报告不能再修改；评估结果可以更新，每次更新都会通知基地。'))
                : h('p', { class: 'muted', id: 'eval-none' }, '尚未评估。评估后基地不能再修改报告。'),
              evaluationForm(report)),
          ]));
    if (flash) root.querySelector('#report-notice')?.focus();
  }

  load();
}
