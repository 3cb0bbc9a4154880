// One base of the signed-in unit (applicant, /my/bases/{id}): its status
// and certificate (the PDF, the public check), the end-of-term result once
// assessed, and its annual reports (年度科普工作报告): the history by year
// and, for the year chosen (?year=, kept in the URL), the report — filed
// or corrected with its form until the admin evaluates it, its files
// (PDF or images) uploaded, listed and downloaded — or, once evaluated,
// the figures, the evaluation and the form read-only.
import { h, replace } from '../dom.js';
import { api, upload, ApiError } from '../api.js';
import { submitButton, formMessage, onSubmit } from '../forms.js';
import { loading, failure, errorText, emptyBlock } from '../states.js';
import { facts } from '../widgets.js';
import { uploadLimits, oversize } from '../limits.js';
import { setPageTitle } from '../batch-page.js';
import { categoryName, attachmentList, fileType } from '../appform.js';
import { baseBadge, termText, certificatePdf, verifyPath, paragraphs } from '../publicity.js';
import {
  FIGURES, figureFields, reportFacts, evaluationFacts, gradeBadge, reportableYears, termResultBadge, TERM_EFFECT, figureText, baseWithReports,
} from '../annual.js';
import { formatDate } from '../format.js';

export const title = '我的基地';

const FILE_TYPES = ['application/pdf', 'image/png', 'image/jpeg'];
const FILE_ACCEPT = '.pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg';

export function render(root, { params, signal }) {
  const load = async ({ flash, year } = {}) => {
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
    show(base, reports, { flash, year });
  };

  function show(base, reports, { flash, year: asked }) {
    const byYear = new Map(reports.map((r) => [r.year, r]));
    const years = [...new Set([...reportableYears(base), ...byYear.keys()])].sort((a, b) => a - b);
    const fromUrl = Number(new URLSearchParams(location.search).get('year'));
    const missing = years.filter((y) => !byYear.has(y));
    let year = asked ?? (years.includes(fromUrl) ? fromUrl : (missing.at(-1) ?? years.at(-1) ?? null));
    const closed = base.status === 'revoked';

    const reportArea = h('div', { id: 'report-area' });
    const yearSelect = h('select', { id: 'report-year', class: 'input' },
      years.map((y) => h('option', { value: String(y), selected: y === year },
        `${y} 年度${byYear.has(y) ? (byYear.get(y).evaluation ? '（已评估）' : '（已提交）') : '（未提交）'}`)));
    yearSelect.addEventListener('change', () => {
      year = Number(yearSelect.value);
      history.replaceState(null, '', `${location.pathname}?year=${year}`);
      showYear();
    });

    function showYear() {
      if (year == null) {
        replace(reportArea, emptyBlock('暂无可填报的年度', `届期 ${termText(base)}，从届期首年起每年填报。`));
        return;
      }
      const report = byYear.get(year) ?? null;
      replace(reportArea, report?.evaluation || (closed && report)
        ? readOnly(report)
        : closed ? emptyBlock('基地已撤销', '不能再提交年度报告。') : reportForm(report));
    }

    // ---- the history ----
    const history_ = reports.length
      ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '年度报告记录（可横向滚动）' },
        h('table', { class: 'table table-cards reports-table' },
          h('caption', { class: 'visually-hidden' }, '年度报告记录'),
          h('thead', null, h('tr', null, ['年度', '开放天数', '接待人次', '科普活动', '附件', '评估'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', null, reports.map((r) => h('tr', { dataset: { year: String(r.year) } },
            h('td', { class: 'cell-title' }, h('a', { href: `?year=${r.year}`, 'aria-label': `查看 ${r.year} 年度报告`, onclick: (e) => {
              e.preventDefault();
              year = r.year;
              yearSelect.value = String(year);
              history.replaceState(null, '', `${location.pathname}?year=${year}`);
              showYear();
              root.querySelector('#report-title')?.focus();
            } }, `${r.year} 年度`)),
            h('td', { dataset: { label: '开放天数' } }, figureText(r.open_days, '天')),
            h('td', { dataset: { label: '接待人次' } }, figureText(r.visitors, '人次')),
            h('td', { dataset: { label: '科普活动' } }, figureText(r.activities, '次')),
            h('td', { class: 'report-files-count', dataset: { label: '附件' } }, `${r.attachments?.length ?? 0} 个`),
            h('td', { class: 'nowrap', dataset: { label: '评估' } }, r.evaluation
              ? [gradeBadge(r.evaluation.grade), ` ${r.evaluation.score} 分`]
              : h('span', { class: 'muted' }, '未评估')))))))
      : h('p', { class: 'muted', id: 'reports-none' }, '尚未提交年度报告。');

    // ---- read-only: evaluated (or the base revoked) ----
    function readOnly(report) {
      return h('div', { class: 'report-view', id: 'report-view' },
        report.evaluation
          ? h('div', { class: 'report-result', id: 'report-evaluation' },
            h('p', { class: 'callout-title' }, `${report.year} 年度绩效评估结果`),
            evaluationFacts(report.evaluation))
          : null,
        h('p', { class: 'muted', id: 'report-locked' }, report.evaluation ? '报告已评估，不能再修改。' : '基地已撤销，报告不能再修改。'),
        h('h3', null, '填报内容'),
        reportFacts(report),
        h('h4', null, '工作亮点'),
        report.highlights ? paragraphs(report.highlights) : h('p', { class: 'muted' }, '未填写'),
        h('h4', null, '附件'),
        attachmentList(report.attachments ?? [], { kinds: false }));
    }

    // ---- the form: file a new report or correct one ----
    function reportForm(report) {
      const prefix = 'report';
      const { fields, read } = figureFields(prefix, report);
      const message = formMessage('report-message');
      const submit = submitButton(report ? '保存修改' : '提交年度报告', '正在提交…');
      submit.id = 'report-submit';
      const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'report-form-title' },
        h('h3', { id: 'report-form-title' }, report ? `修改 ${year} 年度报告` : `填报 ${year} 年度报告`),
        h('p', { class: 'muted' }, report
          ? '评估之前可以修改；管理员评估后报告不能再修改。'
          : '每个年度提交一份报告；提交后、评估前仍可修改和上传附件。'),
        h('div', { class: 'form-grid report-grid' }, FIGURES.map((f) => fields[f.key].wrap)),
        fields.highlights.wrap,
        message,
        h('div', { class: 'form-actions' }, submit));
      onSubmit(form, {
        signal, message, submit, fields, title: '提交失败',
        read,
        send: (v) => (report
          ? api('PUT', `/annual-reports/${report.id}`, { year, ...v }, { signal, headers: { 'If-Match': `"${report.version}"` } })
          : api('POST', `/bases/${base.id}/annual-reports`, { year, ...v }, { signal })),
        done: () => load({ year, flash: report ? `已保存 ${year} 年度报告的修改。` : `已提交 ${year} 年度报告，可以继续上传附件。` }),
      });
      return h('div', null,
        report && h('p', { class: 'muted small', id: 'report-status' }, `已于 ${formatDate(report.created_at)} 提交，尚未评估。`),
        form,
        report ? filesPanel(report) : h('p', { class: 'muted', id: 'report-files-later' }, '提交报告后可以上传附件（PDF 或图片）。'));
    }

    // ---- the report's files ----
    function filesPanel(report) {
      let files = report.attachments ?? [];
      const inputId = 'report-file';
      const input = h('input', {
        type: 'file', id: inputId, class: 'input input-file', accept: FILE_ACCEPT, multiple: true,
        'aria-describedby': `${inputId}-hint ${inputId}-limits ${inputId}-error`,
      });
      const errorEl = h('p', { class: 'field-error', id: `${inputId}-error`, role: 'alert' });
      const progressList = h('ul', { class: 'upload-list', 'aria-label': '附件上传进度' });
      const listArea = h('div', { class: 'upload-files', id: 'report-files' });
      const said = h('p', { class: 'visually-hidden', role: 'status' });
      const setError = (text) => replace(errorEl, text ?? '');
      const showList = () => {
        replace(listArea, attachmentList(files, { kinds: false }));
        listArea.querySelector('.attachments-empty')?.replaceChildren('尚未上传附件。');
      };
      showList();
      input.addEventListener('change', async () => {
        const chosen = [...(input.files ?? [])];
        input.value = '';
        setError(null);
        for (const li of [...progressList.children]) if (li.dataset.state !== 'uploading') li.remove();
        for (const file of chosen) {
          if (signal.aborted) return;
          await uploadOne(file);
        }
      });

      async function uploadOne(file) {
        const type = fileType(file);
        if (!FILE_TYPES.includes(type)) { setError(`“${file.name}”不是 PDF、PNG 或 JPEG 文件，未上传。`); return; }
        if (file.size === 0) { setError(`“${file.name}”是空文件，未上传。`); return; }
        const big = await oversize(file);
        if (big) { setError(big); return; }
        const bar = h('progress', { max: '100', value: '0', 'aria-label': `“${file.name}”上传进度` });
        const state = h('span', { class: 'upload-state' }, '正在上传');
        const li = h('li', { class: 'upload', dataset: { state: 'uploading' } }, h('span', { class: 'upload-name' }, file.name), bar, state);
        progressList.append(li);
        let att;
        try {
          att = await upload(`/annual-reports/${report.id}/attachments?kind=annual_report`, file, {
            contentType: type, signal,
            onProgress: (loaded, total) => { bar.value = total ? Math.min(99, Math.floor((loaded / total) * 100)) : 0; },
          });
        } catch (err) {
          if (signal.aborted) return;
          li.dataset.state = 'failed';
          state.textContent = '未上传';
          bar.remove();
          setError(err instanceof ApiError && err.status === 413
            ? `文件过大，未上传：${err.detail ?? '超过大小限制'}`
            : `“${file.name}”未上传：${errorText(err)}`);
          return;
        }
        if (signal.aborted) return;
        bar.value = 100;
        li.dataset.state = 'done';
        state.textContent = '上传完成';
        files = [...files, att];
        report.attachments = files;
        root.querySelector(`.reports-table tr[data-year="${report.year}"] .report-files-count`)?.replaceChildren(`${files.length} 个`);
        showList();
        said.textContent = `已上传“${att.filename}”`;
      }

      return h('section', { class: 'upload-kind', id: 'upload-annual-report', 'aria-labelledby': 'report-files-title' },
        h('h3', { id: 'report-files-title' }, '附件'),
        h('p', { class: 'field-hint', id: `${inputId}-hint` }, '年度工作总结、活动照片等，PDF、PNG 或 JPEG 格式，可上传多个；评估后不能再上传。'),
        h('label', { class: 'field-label upload-label', for: inputId }, '上传附件（PDF、PNG 或 JPEG）'),
        uploadLimits(`${inputId}-limits`, 'PDF、PNG 或 JPEG', '本报告全部附件'),
        input, errorEl, progressList, listArea, said);
    }

    const assessment = base.term_assessment;
    replace(root,
      h('section', { class: 'page' },
        h('div', { class: 'page-head' },
          h('p', { class: 'breadcrumb' },
            h('a', { href: '/applications', dataset: { link: '' } }, '我的申报'),
            h('span', { 'aria-hidden': 'true' }, ' / '),
            h('span', null, base.certificate_no)),
          h('h1', { class: 'title-with-badge' }, h('span', null, base.name), baseBadge(base.status))),
        flash && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'base-notice', tabindex: '-1' }, flash),
        h('section', { class: 'panel', 'aria-labelledby': 'base-facts-title' },
          h('div', { class: 'panel-head' },
            h('h2', { id: 'base-facts-title' }, '证书'),
            h('div', { class: 'row-actions' },
              h('a', { class: 'button', id: 'base-pdf', href: certificatePdf(base.id), download: `${base.certificate_no}.pdf` }, '下载证书（PDF）'),
              h('a', { class: 'button button-secondary', id: 'base-verify', href: verifyPath(base.certificate_no), dataset: { link: '' } }, '证书核验页面'))),
          facts([
            ['证书编号', base.certificate_no],
            ['单位', base.unit_name],
            ['类别', categoryName(base.category)],
            ['所在地区', base.region],
            ['届期', termText(base)],
            ['命名日期', base.named_on],
            ['状态', baseBadge(base.status)],
            ['原因', base.status !== 'valid' ? base.status_reason : null],
          ], 'facts-compact')),
        assessment && h('section', { class: 'panel', 'aria-labelledby': 'term-title', id: 'term-result' },
          h('h2', { id: 'term-title', class: 'title-with-badge' }, h('span', null, '终期考核'), termResultBadge(assessment.result)),
          assessment.comments && h('p', null, h('strong', null, '考核意见：'), assessment.comments),
          h('p', { class: 'muted' }, TERM_EFFECT[assessment.result])),
        h('section', { class: 'panel', 'aria-labelledby': 'reports-title' },
          h('h2', { id: 'reports-title' }, '年度科普工作报告'),
          h('p', { class: 'muted' }, `届期内每年提交一份报告（${termText(base)}），由中国科协进行年度绩效评估。`),
          history_),
        h('section', { class: 'panel', 'aria-labelledby': 'report-title' },
          h('h2', { id: 'report-title', tabindex: '-1' }, '年度报告'),
          years.length > 0 && h('div', { class: 'field field-inline' },
            h('label', { for: 'report-year', class: 'field-label' }, '选择年度'), yearSelect),
          reportArea)));
    showYear();
    if (flash) root.querySelector('#base-notice')?.focus();
  }

  load();
}
