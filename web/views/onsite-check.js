// 实地核查 (admin): one application the on-site sample drew — the record
// of the visit (核查人员, 核查日期, 核查结论, 核查情况; PUT, correctable while
// the batch is in 评审中) and the evidence files of kind onsite_evidence,
// uploaded with a progress bar and listed with their downloads.
import { h, replace } from '../dom.js';
import { api, upload, ApiError } from '../api.js';
import { charCount, chinaToday } from '../format.js';
import { field, radioField, submitButton, formMessage, onSubmit } from '../forms.js';
import { loading, failure, errorText } from '../states.js';
import { setPageTitle } from '../batch-page.js';
import { facts } from '../widgets.js';
import { uploadLimits, oversize } from '../limits.js';
import {
  applicationFacts, applicationName, applicationTitle, attachmentList, fileType, ONSITE_EVIDENCE,
} from '../appform.js';
import { RESULT, loadSample, resultBadge, byline } from '../evaluation.js';
import { applicationNumber } from '../documents.js';

export const title = '实地核查';

const INSPECTORS_MAX = 10;
const FINDINGS_MAX = 5000;

// "张检查、李核实" → ['张检查', '李核实']: names apart by 、 , ， ; ； or a line break.
export function splitNames(text) {
  return text.split(/[、,，;；\n]+/).map((s) => s.trim()).filter(Boolean);
}

export function render(root, { params, signal }) {
  const samplePath = `/batches/${params.id}/sample`;

  async function load({ notice, focus } = {}) {
    loading(root);
    let app;
    let batch;
    let sample;
    try {
      [app, batch, sample] = await Promise.all([
        api('GET', `/applications/${encodeURIComponent(params.app)}`, undefined, { signal }),
        api('GET', `/batches/${encodeURIComponent(params.id)}`, undefined, { signal }),
        loadSample(params.id, signal),
      ]);
    } catch (err) {
      if (signal.aborted) return;
      const missing = err instanceof ApiError && err.status === 404;
      failure(root, err, { title: missing ? '申报或批次不存在' : '实地核查信息加载失败', onRetry: missing ? null : () => load() });
      return;
    }
    if (signal.aborted) return;
    if (app.batch_id !== batch.id) {
      failure(root, new ApiError(404, { detail: '这份申报不属于本批次。' }), { title: '申报不存在' });
      return;
    }
    setPageTitle(`${applicationName(app)} · 实地核查`);
    show(app, batch, sample, notice);
    if (focus) root.querySelector(focus)?.focus();
  }

  function show(app, batch, sample, notice) {
    const drawn = Boolean(sample?.selected?.includes(app.id));
    const h1 = applicationTitle(app);
    h1.setAttribute('tabindex', '-1');
    const record = app.onsite_check;
    replace(root,
      h('section', { class: 'page page-application' },
        h('div', { class: 'page-head' },
          h('p', { class: 'breadcrumb' },
            h('a', { href: '/batches', dataset: { link: '' } }, '批次管理'),
            h('span', { 'aria-hidden': 'true' }, ' / '),
            h('a', { href: `/batches/${batch.id}`, dataset: { link: '' } }, batch.code),
            h('span', { 'aria-hidden': 'true' }, ' / '),
            h('a', { href: samplePath, dataset: { link: '' } }, '实地抽检'),
            h('span', { 'aria-hidden': 'true' }, ' / '),
            h('span', null, `申报编号 ${applicationNumber(app)}`)),
          h1,
          applicationFacts(app, batch.title),
          h('p', null, h('a', { href: `/admin/applications/${app.id}`, dataset: { link: '' } }, '查看申报表'))),
        notice && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'onsite-notice', tabindex: '-1' }, notice),
        drawn
          ? [recordPanel(app, batch, record), evidencePanel(app, batch)]
          : h('p', { class: 'status-note', id: 'onsite-not-drawn' }, sample
            ? '这份申报没有被实地抽检样本抽中，不需要实地核查。'
            : '本批次尚未抽取实地抽检样本。')));
  }

  // ---- the record of the visit ----
  function recordPanel(app, batch, record) {
    const open = batch.status === 'evaluating';
    const inspectors = field({
      id: 'onsite-inspectors', label: '核查人员',
      hint: `参加实地核查的人员姓名，多人用顿号（、）或逗号分隔，1–${INSPECTORS_MAX} 人。`,
      attrs: { type: 'text', autocomplete: 'off', value: record ? record.inspectors.join('、') : '' },
    });
    const visited = field({
      id: 'onsite-visited-on', label: '核查日期',
      hint: '实地核查的日期（北京时间），不能晚于今天。',
      attrs: { type: 'date', class: 'input input-short', max: chinaToday(), value: record?.visited_on ?? '' },
    });
    const result = radioField({ id: 'onsite-result', legend: '核查结论', choices: RESULT, selected: record?.result });
    const findings = field({
      id: 'onsite-findings', label: '核查情况',
      hint: `现场看到的情况；结论为不通过时须写明发现的问题。至多 ${FINDINGS_MAX} 字。`,
      multiline: true,
      attrs: { rows: '6', class: 'input input-long' },
    });
    findings.input.value = record?.findings ?? '';
    const counter = h('p', { class: 'counter', id: 'onsite-findings-count', 'aria-live': 'off' });
    const count = () => {
      const n = charCount(findings.input.value);
      counter.textContent = `${n} / ${FINDINGS_MAX} 字`;
      counter.classList.toggle('counter-over', n > FINDINGS_MAX);
    };
    findings.input.addEventListener('input', count);
    count();
    findings.wrap.append(counter);

    const message = formMessage('onsite-message');
    const submit = submitButton(record ? '保存修改' : '保存核查记录', '正在保存…');
    submit.id = 'onsite-save';
    const form = open && h('form', { class: 'form form-wide', novalidate: true, 'aria-labelledby': 'onsite-record-title' },
      h('div', { class: 'form-grid' }, inspectors.wrap, visited.wrap),
      result.wrap, findings.wrap, message, h('div', { class: 'form-actions' }, submit));

    // errors[]: inspectors.N goes beside 核查人员, saying whose name it is.
    const names = () => splitNames(inspectors.value());
    const fields = { inspectors, visited_on: visited, result, findings };
    for (let i = 0; i < INSPECTORS_MAX; i++) {
      fields[`inspectors.${i}`] = {
        input: inspectors.input,
        setError: (text) => inspectors.setError(`第 ${i + 1} 位核查人员（${names()[i] ?? ''}）：${text}`),
      };
    }
    if (form) {
      onSubmit(form, {
        signal, message, submit, fields, title: '保存失败',
        read: () => {
          const values = {
            inspectors: names(), visited_on: visited.value(), result: result.value(), findings: findings.value().trim(),
          };
          let firstBad = null;
          if (!values.inspectors.length) { inspectors.setError('请填写核查人员'); firstBad = inspectors.input; }
          else if (values.inspectors.length > INSPECTORS_MAX) {
            inspectors.setError(`核查人员最多 ${INSPECTORS_MAX} 人（现有 ${values.inspectors.length} 人）`);
            firstBad = inspectors.input;
          }
          if (!values.visited_on) { visited.setError('请选择核查日期'); firstBad ??= visited.input; }
          if (!values.result) { result.setError('请选择核查结论'); firstBad ??= result.input; }
          return firstBad ? { firstBad } : { values };
        },
        send: (values) => api('PUT', `/applications/${app.id}/onsite-check`, values, { signal }),
        done: (updated) => load({
          notice: updated.onsite_check.result === 'pass'
            ? '已保存核查记录：核查通过。'
            : '已保存核查记录：核查不通过，申报不再进入终评。',
          focus: '#onsite-notice',
        }),
      });
    }

    return h('section', { class: 'panel', 'aria-labelledby': 'onsite-record-title' },
      h('h2', { id: 'onsite-record-title', tabindex: '-1' }, '实地核查记录'),
      record
        ? h('div', { class: 'onsite-current', id: 'onsite-current' },
          facts([
            ['核查结论', resultBadge(record.result)],
            ['核查日期', record.visited_on],
            ['核查人员', record.inspectors.join('、')],
            ['核查情况', record.findings ? h('span', { class: 'prose-inline' }, record.findings) : h('span', { class: 'muted' }, '未填写')],
            ['记录', byline(record)],
          ], 'facts-compact'))
        : h('p', { class: 'muted', id: 'onsite-current' }, '尚未填写核查记录。'),
      open
        ? [record && h('h3', null, '修改核查记录'), form]
        : h('p', { class: 'muted' }, '批次不在评审阶段，核查记录不能再修改。'));
  }

  // ---- the evidence ----
  function evidencePanel(app, batch) {
    const k = ONSITE_EVIDENCE;
    const open = batch.status === 'evaluating';
    let files = (app.attachments ?? []).filter((a) => a.kind === k.kind);
    const inputId = 'onsite-file';
    const input = h('input', {
      type: 'file', id: inputId, class: 'input input-file', accept: k.accept, multiple: true,
      'aria-describedby': `${inputId}-hint ${inputId}-limits ${inputId}-error`,
    });
    const errorEl = h('p', { class: 'field-error', id: `${inputId}-error`, role: 'alert' });
    const progressList = h('ul', { class: 'upload-list', 'aria-label': '核查材料上传进度' });
    const listArea = h('div', { class: 'upload-files', id: 'onsite-files' });
    const said = h('p', { class: 'visually-hidden', role: 'status' });
    const setError = (text) => replace(errorEl, text ?? '');
    const showList = () => {
      replace(listArea, attachmentList(files, { kinds: false }));
      listArea.querySelector('.attachments-empty')?.replaceChildren('尚未上传核查材料。');
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
      if (!k.types.includes(type)) { setError(`“${file.name}”不是 ${k.typeText} 文件，未上传。`); return; }
      if (file.size === 0) { setError(`“${file.name}”是空文件，未上传。`); return; }
      const big = await oversize(file);
      if (big) { setError(big); return; }
      const bar = h('progress', { max: '100', value: '0', 'aria-label': `“${file.name}”上传进度` });
      const pct = h('span', { class: 'upload-pct' }, '0%');
      const state = h('span', { class: 'upload-state' }, '正在上传');
      const cancel = h('button', { type: 'button', class: 'button-link upload-cancel' }, '取消');
      const li = h('li', { class: 'upload', dataset: { state: 'uploading' } },
        h('span', { class: 'upload-name' }, file.name), bar, pct, state, cancel);
      progressList.append(li);
      const ctrl = new AbortController();
      const stop = () => ctrl.abort();
      signal.addEventListener('abort', stop, { once: true });
      cancel.addEventListener('click', stop);
      let att;
      try {
        att = await upload(`/applications/${app.id}/attachments?kind=${k.kind}`, file, {
          contentType: type,
          signal: ctrl.signal,
          onProgress: (loaded, total) => {
            const p = total ? Math.min(99, Math.floor((loaded / total) * 100)) : 0;
            bar.value = p;
            pct.textContent = `${p}%`;
          },
        });
      } catch (err) {
        signal.removeEventListener('abort', stop);
        if (signal.aborted) return;
        cancel.remove();
        if (err?.name === 'AbortError') { li.dataset.state = 'cancelled'; state.textContent = '已取消'; return; }
        li.dataset.state = 'failed';
        state.textContent = '未上传';
        bar.remove();
        pct.remove();
        setError(err instanceof ApiError && err.status === 413
          ? `文件过大，未上传：${err.detail ?? '超过大小限制'}`
          : `“${file.name}”未上传：${errorText(err)}`);
        return;
      }
      signal.removeEventListener('abort', stop);
      if (signal.aborted) return;
      cancel.remove();
      bar.value = 100;
      pct.textContent = '100%';
      li.dataset.state = 'done';
      state.textContent = '上传完成';
      const listed = { ...att };
      delete listed.application_version;
      files = [...files, listed];
      showList();
      said.textContent = `已上传“${att.filename}”`;
    }

    return h('section', { class: 'panel', 'aria-labelledby': 'onsite-evidence-title' },
      h('h2', { id: 'onsite-evidence-title' }, '核查材料'),
      h('div', { class: 'upload-kind', id: 'upload-onsite-evidence' },
        h('p', { class: 'field-hint', id: `${inputId}-hint` }, k.hint),
        open && [
          h('label', { class: 'field-label upload-label', for: inputId }, `上传核查材料（${k.typeText}）`),
          uploadLimits(`${inputId}-limits`, k.typeText, '本申报全部附件'),
          input, errorEl, progressList],
        listArea, said));
  }

  load();
}
