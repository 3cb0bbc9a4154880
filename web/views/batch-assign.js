// One batch (admin), section 专家分配: assign the final candidates to
// experts (每份申报的专家人数, an optional seed), the experts' loads, the
// candidates with too few eligible experts named when the server refuses,
// and every assignment with 改派 on those recused or of a disabled expert.
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { field, submitButton, formMessage, onSubmit } from '../forms.js';
import { loadingBlock, errorBlock, emptyBlock, errorText } from '../states.js';
import { confirmDialog } from '../dialog.js';
import { withBatch, batchHead } from '../batch-page.js';
import {
  ACTIVE, assignmentBadge, expertsById, applicationsById, batchAssignments, expertName, expertCell, applicationCell,
} from '../experts.js';

export const title = '专家分配';

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/assignments`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 专家分配' });

  async function show(batch, { notice, loads } = {}) {
    let experts; let apps; let assignments;
    try {
      [experts, apps, assignments] = await Promise.all([
        expertsById(signal), applicationsById(batch.id, signal), batchAssignments(batch.id, signal)]);
    } catch (err) {
      if (signal.aborted) return;
      replace(root, h('section', { class: 'page' }, batchHead(batch, { role: 'admin', current }),
        errorBlock(err, { title: '分配信息加载失败', onRetry: () => show(batch) })));
      return;
    }
    if (signal.aborted) return;
    const active = assignments.filter((a) => ACTIVE.has(a.status));
    const submitted = assignments.some((a) => a.status === 'submitted');
    const notice2 = formMessage('assign-notice');
    if (notice) notice2.show(notice, 'ok');

    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'assign-title' },
          h('h2', { id: 'assign-title', tabindex: '-1' }, '分配终评专家'),
          h('p', null, '每份初评通过（含实地核查通过）的申报分配给指定人数的专家；有回避关系或已停用的专家不参加，各专家的评审份数尽量均衡（相差不超过 1 份）。'),
          batch.status !== 'evaluating'
            ? h('p', { class: 'status-note' }, '批次不在评审阶段，不能分配专家。')
            : submitted
              ? h('p', { class: 'status-note' }, '已有专家提交评分，分配已固定；个别专家回避后可逐条改派。')
              : assignForm(batch, experts, apps, active.length),
          notice2,
          loadTable(experts, loads ?? countLoads(active))),
        h('section', { class: 'panel', 'aria-labelledby': 'assign-list-title' },
          h('h2', { id: 'assign-list-title' }, '分配明细'),
          assignmentTable(batch, experts, apps, assignments, notice2))));
  }

  function countLoads(active) {
    const counts = new Map();
    for (const a of active) counts.set(a.expert_id, (counts.get(a.expert_id) ?? 0) + 1);
    return [...counts].map(([expert_id, count]) => ({ expert_id, count }));
  }

  function loadTable(experts, loads) {
    if (!loads.length) return emptyBlock('还没有分配', '填写每份申报的专家人数后点击“分配专家”。');
    const sorted = [...loads].sort((a, b) => b.count - a.count || expertName(experts, a.expert_id).localeCompare(expertName(experts, b.expert_id), 'zh'));
    return h('div', null,
      h('h3', { id: 'loads-title' }, '各专家评审份数'),
      h('div', { class: 'table-wrap loads-wrap', tabindex: '0', role: 'region', 'aria-label': '各专家评审份数（可横向滚动）' },
        h('table', { class: 'table loads-table', 'aria-labelledby': 'loads-title' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, '专家'), h('th', { scope: 'col', class: 'num' }, '评审份数'))),
          h('tbody', null, sorted.map((l) => h('tr', { dataset: { expert: String(l.expert_id) } },
            h('td', null, expertCell(experts, l.expert_id)),
            h('td', { class: 'num' }, String(l.count))))))));
  }

  function assignForm(batch, experts, apps, existing) {
    const per = field({
      id: 'assign-per', label: '每份申报的专家人数', hint: '1–15 人。',
      attrs: { type: 'number', min: '1', max: '15', step: '1', inputmode: 'numeric', class: 'input input-short', required: true, value: '5' },
    });
    const seed = field({
      id: 'assign-seed', label: '随机种子（可不填）', hint: '64 位十六进制字符；不填由服务器生成。同样的种子、专家和申报得到同样的分配。',
      attrs: { type: 'text', autocomplete: 'off', spellcheck: 'false', class: 'input input-code input-seed', maxlength: 64 },
    });
    const message = formMessage('assign-message');
    const problems = h('div', { id: 'assign-problems' });
    const submit = submitButton(existing ? '重新分配专家' : '分配专家', '正在分配…');
    submit.id = 'assign-submit';
    const form = h('form', { class: 'form form-wide', novalidate: true, 'aria-labelledby': 'assign-title' },
      h('div', { class: 'form-grid' }, per.wrap, seed.wrap), message, problems, h('div', { class: 'form-actions' }, submit));

    onSubmit(form, {
      signal, message, submit, title: '分配失败', fields: { per_application: per, seed },
      read: () => {
        replace(problems);
        const n = per.value().trim();
        if (!/^\d+$/.test(n) || Number(n) < 1 || Number(n) > 15) {
          per.setError('请填写 1–15 的整数');
          return { firstBad: per.input };
        }
        const s = seed.value().trim().toLowerCase();
        if (s && !/^[0-9a-f]{64}$/.test(s)) {
          seed.setError('随机种子应为 64 位十六进制字符（0–9、a–f），或留空');
          return { firstBad: seed.input };
        }
        return { values: { per_application: Number(n), ...(s ? { seed: s } : {}) } };
      },
      send: async (values) => {
        if (existing) {
          const ok = await confirmDialog({
            title: '重新分配专家？',
            body: h('p', null, `现有的 ${existing} 条分配将被新的分配替换，专家已保存的评分草稿随之作废。`),
            confirmText: '重新分配', danger: true,
          });
          if (!ok) return null;
        }
        try {
          return await api('POST', `/batches/${batch.id}/assignments`, values, { signal });
        } catch (err) {
          const few = err instanceof ApiError ? err.errors.filter((e) => e?.code === 'too_few_experts') : [];
          if (!few.length) throw err;
          replace(problems, h('div', { class: 'callout callout-warn', id: 'assign-too-few' },
            h('p', { class: 'callout-title' }, `以下 ${few.length} 份申报没有足够的可分配专家，未作任何分配：`),
            h('ul', null, few.map((e) => {
              const id = Number(/^applications\.(\d+)$/.exec(e.field ?? '')?.[1]);
              const a = apps.get(id);
              return h('li', { dataset: { application: String(id) } },
                h('strong', null, a ? `${a.unit_name}（${a.region}）` : `申报 #${id}`), '：', e.message);
            })),
            h('p', null, '请减少每份申报的专家人数，或在专家库中添加专家后重试。')));
          return null;
        }
      },
      done: (answer) => {
        submit.busy(false);
        if (!answer) return;
        show(batch, { notice: `已分配：${answer.count} 条，每份申报 ${answer.per_application} 位专家。`, loads: answer.loads });
        root.querySelector('#assign-title')?.focus();
      },
    });
    return form;
  }

  function assignmentTable(batch, experts, apps, assignments, notice) {
    if (!assignments.length) return emptyBlock('还没有分配', null);
    const sorted = [...assignments].sort((a, b) => a.application_id - b.application_id || a.id - b.id);
    return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '分配明细（可横向滚动）' },
      h('table', { class: 'table table-cards assignments-table' },
        h('caption', { class: 'visually-hidden' }, '分配明细'),
        h('thead', null, h('tr', null, ['申报单位 / 基地名称', '专家', '状态', '操作'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, sorted.map((a) => {
          const e = experts.get(a.expert_id);
          const movable = batch.status === 'evaluating' && (a.status === 'recused' || (e?.disabled && (a.status === 'pending' || a.status === 'draft')));
          const button = movable ? h('button', { type: 'button', class: 'button button-secondary button-small', 'aria-label': `改派“${apps.get(a.application_id)?.unit_name ?? a.application_id}”中${expertName(experts, a.expert_id)}的评审` }, '改派') : null;
          button?.addEventListener('click', async () => {
            notice.show(null);
            button.disabled = true;
            let fresh;
            try {
              fresh = await api('POST', `/assignments/${a.id}/replace`, undefined, { signal });
            } catch (err) {
              if (signal.aborted) return;
              button.disabled = false;
              notice.show(`改派失败：${errorText(err)}`);
              button.focus();
              return;
            }
            if (signal.aborted) return;
            show(batch, { notice: `已改派给${expertName(experts, fresh.expert_id)}。` });
          });
          return h('tr', { dataset: { id: String(a.id), status: a.status } },
            h('td', { class: 'cell-title' }, applicationCell(apps, a.application_id)),
            h('td', { dataset: { label: '专家' } }, expertCell(experts, a.expert_id),
              e?.disabled && h('span', { class: 'block small warn-text' }, '（已停用）')),
            h('td', { class: 'nowrap', dataset: { label: '状态' } }, assignmentBadge(a.status),
              a.recuse_reason && h('span', { class: 'block small muted' }, `回避原因：${a.recuse_reason}`)),
            h('td', { class: 'nowrap' }, button || '—'));
        }))));
  }
}
