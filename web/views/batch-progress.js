// One batch (admin), section 评分进度: per expert how many applications are
// assigned and how many submitted (未完成 marks the late ones), and per
// application whether its scoring is complete. Recused and replaced
// assignments do not count.
import { h, replace } from '../dom.js';
import { loadingBlock, errorBlock, emptyBlock } from '../states.js';
import { badge } from '../widgets.js';
import { withBatch, batchHead } from '../batch-page.js';
import { ACTIVE, expertsById, applicationsById, batchAssignments, expertCell, applicationCell, expertName } from '../experts.js';

export const title = '评分进度';

// [{ key, assigned, submitted }] from the active assignments, by `keyOf`.
function tally(active, keyOf) {
  const m = new Map();
  for (const a of active) {
    const t = m.get(keyOf(a)) ?? { key: keyOf(a), assigned: 0, submitted: 0 };
    t.assigned += 1;
    if (a.status === 'submitted') t.submitted += 1;
    m.set(t.key, t);
  }
  return [...m.values()];
}

const doneBadge = (t) => (t.submitted === t.assigned ? badge('已完成', 'ok') : badge('未完成', 'warn'));

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/progress`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 评分进度' });

  function show(batch) {
    const area = h('div', null, loadingBlock());
    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'progress-title' },
          h('h2', { id: 'progress-title', tabindex: '-1' }, '评分进度'),
          h('p', null, '专家提交的评分不能再修改。所有申报的评分完成后，才能在“排名与建议名单”中确定建议名单。'),
          area)));

    const load = async () => {
      replace(area, loadingBlock());
      let experts; let apps; let assignments;
      try {
        [experts, apps, assignments] = await Promise.all([
          expertsById(signal), applicationsById(batch.id, signal), batchAssignments(batch.id, signal)]);
      } catch (err) {
        if (signal.aborted) return;
        replace(area, errorBlock(err, { title: '评分进度加载失败', onRetry: load }));
        return;
      }
      if (signal.aborted) return;
      const active = assignments.filter((a) => ACTIVE.has(a.status));
      if (!active.length) {
        replace(area, emptyBlock('还没有分配专家', '在“专家分配”中分配后，这里显示各专家的评分进度。'));
        return;
      }
      const byExpert = tally(active, (a) => a.expert_id)
        .sort((a, b) => (a.submitted === a.assigned) - (b.submitted === b.assigned)
          || expertName(experts, a.key).localeCompare(expertName(experts, b.key), 'zh'));
      const byApp = tally(active, (a) => a.application_id).sort((a, b) => a.key - b.key);
      const late = byExpert.filter((t) => t.submitted < t.assigned).length;
      const open = byApp.filter((t) => t.submitted < t.assigned).length;
      const submitted = active.filter((a) => a.status === 'submitted').length;

      replace(area,
        h('p', { class: open ? 'callout callout-warn' : 'status-note', id: 'progress-summary' },
          `共 ${active.length} 条评审，已提交 ${submitted} 条。`,
          open ? `${late} 位专家尚未全部提交，${open} 份申报的评分未完成。` : '全部申报的评分已完成。'),
        h('h3', { id: 'progress-experts-title' }, '按专家'),
        h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '按专家的评分进度（可横向滚动）' },
          h('table', { class: 'table table-cards progress-experts', 'aria-labelledby': 'progress-experts-title' },
            h('thead', null, h('tr', null, ['专家', '分配', '已提交', '进度'].map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', null, byExpert.map((t) => h('tr', { dataset: { expert: String(t.key) }, class: t.submitted < t.assigned ? 'row-late' : null },
              h('td', null, expertCell(experts, t.key)),
              h('td', { class: 'num', dataset: { label: '分配' } }, String(t.assigned)),
              h('td', { class: 'num', dataset: { label: '已提交' } }, String(t.submitted)),
              h('td', { class: 'nowrap', dataset: { label: '进度' } }, doneBadge(t))))))),
        h('h3', { id: 'progress-apps-title' }, '按申报'),
        h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '按申报的评分进度（可横向滚动）' },
          h('table', { class: 'table table-cards progress-apps', 'aria-labelledby': 'progress-apps-title' },
            h('thead', null, h('tr', null, ['申报单位 / 基地名称', '专家', '已提交', '评分'].map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', null, byApp.map((t) => h('tr', { dataset: { application: String(t.key) } },
              h('td', { class: 'cell-title' }, applicationCell(apps, t.key)),
              h('td', { class: 'num', dataset: { label: '专家' } }, String(t.assigned)),
              h('td', { class: 'num', dataset: { label: '已提交' } }, String(t.submitted)),
              h('td', { class: 'nowrap', dataset: { label: '评分' } }, doneBadge(t))))))));
    };
    load();
  }
}
