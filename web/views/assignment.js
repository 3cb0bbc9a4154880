// 评审 (expert): one assignment. The application reads as every other
// reader sees it (appform.js: the form and its attachments); beside it the
// rubric: one integer 0–100 per criterion with its weight, the weighted
// total kept live, 评审意见, 保存草稿, 提交评分 after a confirmation that
// says the scores are sealed from then on, and 申请回避 with a reason.
// Submit sends what is on screen as a draft first (the server submits the
// saved draft), then POST …/submit. The server's errors (scores.<key>,
// comment) show beside their fields. A submitted assignment reads only,
// with its total; a recused one says why and no longer shows the
// application (the server no longer lets the expert read it).
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { formatClock, formatDateTime } from '../format.js';
import { field, formMessage } from '../forms.js';
import { loading, failure, errorText } from '../states.js';
import { confirmDialog, textDialog } from '../dialog.js';
import { setPageTitle } from '../batch-page.js';
import { facts } from '../widgets.js';
import { applicationFacts, applicationSections } from '../appform.js';
import {
  COMMENT_MAX, assignmentBadge, assignmentName, loadAssignment, pointsText, readScore,
  totalHundredths, totalText,
} from '../scoring.js';
import { applicationNumber } from '../documents.js';

export const title = '评审';

const WORKING = new Set(['pending', 'draft']);

export function render(root, { params, signal, navigate }) {
  async function load({ notice } = {}) {
    loading(root);
    let x;
    let app = null;
    try {
      x = await loadAssignment(params.id, signal);
      if (x && x.status !== 'recused') {
        app = await api('GET', `/applications/${x.application_id}`, undefined, { signal });
      }
    } catch (err) {
      if (signal.aborted) return;
      failure(root, err, { title: '评审任务加载失败', onRetry: () => load() });
      return;
    }
    if (signal.aborted) return;
    if (!x) {
      failure(root, new ApiError(404), { title: '评审任务不存在' });
      return;
    }
    setPageTitle(`${assignmentName(x)} · 评审`);
    show(x, app, { notice });
  }

  function show(x, app, { notice } = {}) {
    const heading = h('h1', { class: 'title-with-badge', tabindex: '-1' },
      h('span', null, assignmentName(x)), assignmentBadge(x.status));
    const head = h('div', { class: 'page-head' },
      h('p', { class: 'breadcrumb' },
        h('a', { href: '/assignments', dataset: { link: '' } }, '评审任务'),
        h('span', { 'aria-hidden': 'true' }, ' / '),
        h('span', null, app ? `申报编号 ${applicationNumber(app)}` : `申报 #${x.application_id}`)),
      heading,
      app ? applicationFacts(app) : facts([['申报单位', x.unit_name], ['申报 ID', String(x.application_id)]], 'facts-compact'));
    const note = notice && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'score-notice' }, notice);

    if (x.status === 'recused' || !app) {
      replace(root, h('section', { class: 'page' }, head, note,
        h('div', { class: 'outcome outcome-returned', id: 'recused-note', role: 'note' },
          h('p', { class: 'outcome-title' }, '您已申请回避，原因：'),
          h('p', { class: 'outcome-text' }, x.recuse_reason ?? ''),
          h('p', { class: 'outcome-foot' }, '这份申报将由中国科协另行安排专家评审，您不能再查看其申报材料。'))));
      return;
    }
    const aside = WORKING.has(x.status) ? scoreForm(x, heading) : sealed(x);
    replace(root, h('section', { class: 'page page-assignment' }, head, note,
      h('div', { class: 'score-layout' },
        h('div', { class: 'score-main' }, applicationSections(app)),
        aside)));
  }

  // ---- submitted: the scores as they were sealed ----
  function sealed(x) {
    return h('aside', { class: 'score-aside', 'aria-labelledby': 'score-title' },
      h('h2', { id: 'score-title' }, '评分'),
      h('p', { class: 'score-total', id: 'score-total' },
        '加权总分 ', h('strong', null, totalText(x.total)), ' 分'),
      h('table', { class: 'table score-table', id: 'score-sealed' },
        h('thead', null, h('tr', null, ['指标', '权重', '得分'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, x.rubric.map((c) => h('tr', { dataset: { key: c.key } },
          h('th', { scope: 'row' }, c.name),
          h('td', { class: 'num' }, `${c.weight}%`),
          h('td', { class: 'num' }, String(x.scores?.[c.key] ?? '—')))))),
      x.comment && h('div', { class: 'score-comment' },
        h('h3', null, '评审意见'), h('p', null, x.comment)),
      h('p', { class: 'muted small', id: 'score-sealed-note' },
        x.submitted_at && ['提交于 ', h('time', { datetime: x.submitted_at }, formatDateTime(x.submitted_at)), '。'],
        '评分已提交，不能再修改。'));
  }

  // ---- pending or draft: the rubric form ----
  // heading: the h1, whose badge follows the status.
  function scoreForm(x, heading) {
    const inputs = x.rubric.map((c) => {
      const f = field({
        id: `score-${c.key}`,
        label: c.name,
        attrs: {
          type: 'text', inputmode: 'numeric', maxlength: 3, autocomplete: 'off', class: 'input input-score',
          value: x.scores?.[c.key] == null ? '' : String(x.scores[c.key]),
        },
      });
      // The weight beside the label, the input short with its unit.
      f.wrap.querySelector('label').append(h('span', { class: 'score-weight' }, `权重 ${c.weight}%`));
      const box = h('div', { class: 'input-with-unit' });
      f.input.before(box);
      box.append(f.input, h('span', { class: 'input-unit', 'aria-hidden': 'true' }, '分'));
      f.wrap.classList.add('score-field');
      f.input.addEventListener('input', () => refresh());
      return { c, ...f };
    });
    const comment = field({
      id: 'score-comment', label: '评审意见（选填）', multiline: true,
      hint: `不超过 ${COMMENT_MAX} 字。`,
      attrs: { rows: 4, maxlength: COMMENT_MAX },
    });
    comment.input.value = x.comment ?? '';
    const fields = Object.fromEntries(inputs.map((i) => [`scores.${i.c.key}`, i]));
    fields.comment = comment;

    const total = h('strong', { id: 'score-total-value' });
    const progress = h('span', { class: 'muted small', id: 'score-progress' });
    const totalLine = h('p', { class: 'score-total', id: 'score-total', 'aria-live': 'polite' },
      '加权总分 ', total, ' 分 ', progress);
    const message = formMessage('score-message');
    const saveButton = h('button', { type: 'button', class: 'button button-secondary', id: 'score-save' }, '保存草稿');
    const submitButton = h('button', { type: 'button', class: 'button', id: 'score-submit' }, '提交评分');
    const recuseButton = h('button', { type: 'button', class: 'button-link score-recuse', id: 'score-recuse' }, '申请回避');

    // The scores on screen → { scores, missing: [input], bad: [input] }.
    function read() {
      const scores = {};
      const missing = [];
      const bad = [];
      for (const i of inputs) {
        const r = readScore(i.input.value);
        if (r.empty) missing.push(i);
        else if (r.error) bad.push(i);
        else scores[i.c.key] = r.value;
      }
      return { scores, missing, bad };
    }

    function refresh() {
      const { scores, missing, bad } = read();
      total.textContent = pointsText(totalHundredths(x.rubric, scores));
      const open = missing.length + bad.length;
      progress.textContent = open ? `（还有 ${open} 项未评）` : '（各项已评）';
    }
    refresh();

    // Shows each client-side problem beside its input. → the first input in error, or null.
    function showProblems({ missing, bad }, { requireAll }) {
      for (const i of bad) i.setError(readScore(i.input.value).error);
      if (requireAll) for (const i of missing) i.setError(`请为“${i.c.name}”打分`);
      const first = inputs.find((i) => bad.includes(i) || (requireAll && missing.includes(i)));
      return first ?? null;
    }

    // Places a server refusal: errors[] beside their fields, the rest in the message.
    function showServerError(err) {
      let first = null;
      const unplaced = [];
      for (const e of err instanceof ApiError ? err.errors : []) {
        const f = fields[e?.field];
        if (f) {
          f.setError(e.message || '内容有误');
          first ??= f.input;
        } else {
          unplaced.push(e?.message || e?.field);
        }
      }
      if (unplaced.length) message.show(unplaced.join('；'));
      else if (first) message.show('请按提示修改标出的内容。');
      else message.show(errorText(err));
      first?.focus();
    }

    let busy = false;
    function setBusy(on, button, text) {
      busy = on;
      for (const b of [saveButton, submitButton, recuseButton]) b.disabled = on;
      if (button) {
        button.dataset.label ??= button.textContent;
        button.textContent = on ? text : button.dataset.label;
        button.setAttribute('aria-busy', String(on));
      }
    }

    const saveDraft = (scores) => api('PUT', `/assignments/${x.id}/score`,
      { scores, comment: comment.input.value.trim() }, { signal });

    saveButton.addEventListener('click', async () => {
      if (busy) return;
      message.show(null);
      const r = read();
      const first = showProblems(r, { requireAll: false });
      if (first) { message.show('请按提示修改标出的分数。'); first.input.focus(); return; }
      setBusy(true, saveButton, '正在保存…');
      let saved;
      try {
        saved = await saveDraft(r.scores);
      } catch (err) {
        if (signal.aborted) return;
        setBusy(false, saveButton);
        showServerError(err);
        return;
      }
      if (signal.aborted) return;
      setBusy(false, saveButton);
      Object.assign(x, saved);
      replace(heading, h('span', null, assignmentName(x)), assignmentBadge(x.status));
      message.show(`草稿已保存（${formatClock()}）。提交前仍可修改。`, 'ok');
    });

    submitButton.addEventListener('click', async () => {
      if (busy) return;
      message.show(null);
      const r = read();
      const first = showProblems(r, { requireAll: true });
      if (first) {
        const n = r.missing.length + r.bad.length;
        message.show(`还有 ${n} 项未评或分数有误，请按提示修改后再提交。`);
        first.input.focus();
        return;
      }
      const sum = totalHundredths(x.rubric, r.scores);
      const ok = await confirmDialog({
        title: '提交评分',
        body: h('div', null,
          h('p', null, `您将提交对“${assignmentName(x)}”的评分，加权总分 `, h('strong', { id: 'confirm-total' }, pointsText(sum)), ' 分：'),
          h('ul', { class: 'confirm-scores' }, x.rubric.map((c) => h('li', null, `${c.name}（权重 ${c.weight}%）：${r.scores[c.key]} 分`))),
          h('div', { class: 'callout callout-warn' },
            h('p', { class: 'callout-title' }, '提交后评分不能修改'),
            h('p', null, '评分一经提交即封存，不能再修改、撤回或申请回避。请确认各项分数无误。'))),
        confirmText: '确认提交',
        cancelText: '再检查一下',
      });
      if (!ok || signal.aborted) return;
      setBusy(true, submitButton, '正在提交…');
      let done;
      try {
        await saveDraft(r.scores);
        done = await api('POST', `/assignments/${x.id}/submit`, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        setBusy(false, submitButton);
        showServerError(err);
        return;
      }
      if (signal.aborted) return;
      await load({ notice: `评分已提交，加权总分 ${totalText(done.total)} 分。` });
      root.querySelector('h1')?.focus();
    });

    recuseButton.addEventListener('click', async () => {
      if (busy) return;
      const reason = await textDialog({
        id: 'recuse-dialog',
        title: '申请回避',
        intro: h('div', null,
          h('p', null, `与“${assignmentName(x)}”的申报单位有利益关系（如曾在该单位任职、有合作或亲属关系）的，应当回避。`),
          h('div', { class: 'callout callout-warn' },
            h('p', { class: 'callout-title' }, '回避后不能撤销'),
            h('p', null, '回避后您将不能再查看和评审这份申报，已填的评分草稿作废，由中国科协另行安排专家。'))),
        label: '回避原因',
        field: 'reason',
        danger: true,
        confirmText: '确认回避',
        onSubmit: (text) => api('POST', `/assignments/${x.id}/recuse`, { reason: text }, { signal }),
      });
      if (reason == null || signal.aborted) return;
      navigate('/assignments', { flash: { text: `已回避“${assignmentName(x)}”的评审。` } });
    });

    return h('aside', { class: 'score-aside', 'aria-labelledby': 'score-title' },
      h('h2', { id: 'score-title' }, '评分'),
      h('p', { class: 'muted small' }, '各项按 0–100 分的整数打分；加权总分为各项得分乘以权重之和。'),
      inputs.map((i) => i.wrap),
      totalLine,
      comment.wrap,
      message,
      h('div', { class: 'form-actions' }, submitButton, saveButton),
      h('p', { class: 'score-recuse-line' }, '与申报单位有利益关系？', recuseButton));
  }

  load();
}
