// One batch (admin), section 基本信息: where it stands in draft → open →
// evaluating → publicity → closed, a 推进到下一阶段 button (asks first; the
// move to 评审中 makes every unrecommended application 逾期未报) up to 评审中
// — the notice and the naming make the last two moves —, and the
// form to edit its code, title, term and deadlines (PATCH with the changed
// fields only).
import { h, replace } from '../dom.js';
import { api } from '../api.js';
import { BATCH_FLOW, BATCH_STATUS, nextBatchStatus } from '../format.js';
import { submitButton, formMessage, onSubmit } from '../forms.js';
import { errorText } from '../states.js';
import { confirmDialog } from '../dialog.js';
import { withBatch, batchHead } from '../batch-page.js';
import { batchFields, changedFields } from '../batch-form.js';

export const title = '批次详情';

// What moving to each status means, for the confirm dialog.
const MOVE_TEXT = {
  open: ['批次将进入“申报中”：推荐单位可以生成申报邀请码，申报单位可以凭邀请码注册并填写申报。'],
  evaluating: [
    '批次将进入“评审中”：推荐工作结束，名额和联系人不能再修改。',
    '本批次所有尚未被推荐的申报（草稿、已提交、退回修改）将一律标记为“逾期未报”，按自愿放弃办理。此操作不可撤销。',
  ],
};

// The moves an act of its own makes (the server refuses them as edits):
// publishing the notice, naming the batch.
const BY_ACT = {
  publicity: { text: '确定建议名单后，发布公示即进入“公示中”：见', section: 'publicity', label: '公示与异议' },
  closed: { text: '公示期满、异议处理完毕后，认定命名即“已结束”：见', section: 'naming', label: '认定命名' },
};

function stepper(status) {
  const at = BATCH_FLOW.indexOf(status);
  return h('ol', { class: 'stepper', 'aria-label': '批次阶段' },
    BATCH_FLOW.map((s, i) => h('li', {
      class: i < at ? 'step step-done' : i === at ? 'step step-current' : 'step',
      'aria-current': i === at ? 'step' : null,
    }, h('span', { class: 'step-num', 'aria-hidden': 'true' }, String(i + 1)), BATCH_STATUS[s],
    i < at && h('span', { class: 'visually-hidden' }, '（已完成）'))));
}

export function render(root, { params, signal, navigate }) {
  const current = `/batches/${params.id}`;

  function show(batch, { focus } = {}) {
    const next = nextBatchStatus(batch.status);
    const act = next && BY_ACT[next];
    const stageMessage = formMessage('batch-stage-message');
    const advance = next && !act
      ? h('button', { type: 'button', class: 'button', id: 'batch-advance' }, `推进到下一阶段：${BATCH_STATUS[next]}`)
      : null;

    const closed = batch.status === 'closed';
    const { fields, nodes, read } = batchFields(batch, 'batch-edit');
    const message = formMessage('batch-edit-message');
    const submit = submitButton('保存修改', '正在保存…');
    const form = h('form', { class: 'form form-wide', novalidate: true, 'aria-labelledby': 'batch-info-title' },
      h('fieldset', { class: 'fieldset-plain', disabled: closed }, nodes),
      message,
      !closed && h('div', { class: 'form-actions' }, submit));

    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'batch-stage-title' },
          h('h2', { id: 'batch-stage-title', tabindex: '-1' }, '批次阶段'),
          stepper(batch.status),
          act
            ? h('p', { class: 'stage-actions', id: 'batch-next-act' }, act.text,
              h('a', { href: `/batches/${batch.id}/${act.section}`, dataset: { link: '' } }, act.label), '。')
            : next
              ? h('div', { class: 'stage-actions' }, advance,
                h('p', { class: 'muted small' }, MOVE_TEXT[next][0]))
              : h('p', { class: 'muted' }, '本批次已结束。'),
          stageMessage),
        h('section', { class: 'panel', 'aria-labelledby': 'batch-info-title' },
          h('h2', { id: 'batch-info-title', tabindex: '-1' }, '基本信息'),
          closed && h('p', { class: 'muted' }, '已结束的批次不能修改。'),
          form)));

    if (focus) root.querySelector(focus)?.focus();

    advance?.addEventListener('click', async () => {
      stageMessage.show(null);
      const ok = await confirmDialog({
        title: `将批次推进到“${BATCH_STATUS[next]}”？`,
        body: h('div', null,
          h('p', null, `“${batch.title}”当前为“${BATCH_STATUS[batch.status]}”。`),
          MOVE_TEXT[next].map((t) => h('p', { class: next === 'evaluating' && t.includes('逾期未报') ? 'warn-text' : null }, t)),
          h('p', null, '批次阶段只能向前推进，不能退回。')),
        confirmText: `推进到“${BATCH_STATUS[next]}”`,
        danger: next === 'evaluating',
      });
      if (!ok || signal.aborted) return;
      advance.disabled = true;
      advance.textContent = '正在推进…';
      let updated;
      try {
        updated = await api('PATCH', `/batches/${batch.id}`, { status: next }, { signal });
      } catch (err) {
        if (signal.aborted) return;
        advance.disabled = false;
        advance.textContent = `推进到下一阶段：${BATCH_STATUS[next]}`;
        stageMessage.show(`推进失败：${errorText(err)}`);
        advance.focus();
        return;
      }
      if (signal.aborted) return;
      show(updated, { focus: '#batch-stage-title' });
      root.querySelector('#batch-stage-message').show(`批次已推进到“${BATCH_STATUS[updated.status]}”。`, 'ok');
    });

    onSubmit(form, {
      signal, message, submit, fields, title: '保存失败',
      read: () => {
        const { values, firstBad } = read();
        if (firstBad) return { firstBad };
        const changes = changedFields(batch, values);
        if (Object.keys(changes).length === 0) {
          message.show('没有需要保存的修改。', 'info');
          return null;
        }
        return { values: changes };
      },
      send: (changes) => api('PATCH', `/batches/${batch.id}`, changes, { signal }),
      done: (updated) => {
        show(updated, { focus: '#batch-info-title' });
        root.querySelector('#batch-edit-message').show('已保存修改。', 'ok');
      },
    });
  }

  withBatch(root, params.id, signal, show);
}
