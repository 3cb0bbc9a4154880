// An expert's scores against a batch's rubric (终评), as the UI reads and
// counts them: the status of an assignment, one score as typed, and the
// weighted total. The total is kept in integer hundredths of a point, as
// the server keeps it (lib/domain/rubric.c): Σ weight × score, the
// weights summing to 100, so no floating point ever rounds it.
import { h } from './dom.js';
import { listAll } from './api.js';
import { label } from './format.js';
import { badge } from './widgets.js';

export const SCORE_MAX = 100;
export const COMMENT_MAX = 2000;

export const ASSIGNMENT_STATUS = {
  pending: '待评审',
  draft: '评分草稿',
  submitted: '已提交',
  recused: '已回避',
  replaced: '已改派',
};
const ASSIGNMENT_TONE = { pending: 'warn', draft: 'info', submitted: 'ok', recused: 'muted', replaced: 'muted' };

export function assignmentBadge(status) {
  return badge(label(ASSIGNMENT_STATUS, status), ASSIGNMENT_TONE[status] ?? 'neutral');
}

// One score as typed → { empty: true } | { value } | { error }.
export function readScore(text) {
  const t = String(text ?? '').trim();
  if (t === '') return { empty: true };
  if (!/^\d{1,3}$/.test(t) || Number(t) > SCORE_MAX) return { error: `应为 0 到 ${SCORE_MAX} 的整数` };
  return { value: Number(t) };
}

// Σ weight × score over the scored criteria, in hundredths of a point.
export function totalHundredths(rubric, scores) {
  let total = 0;
  for (const c of rubric) {
    const s = scores[c.key];
    if (Number.isInteger(s)) total += c.weight * s;
  }
  return total;
}

// Hundredths → "83.30".
export function pointsText(hundredths) {
  const whole = Math.floor(hundredths / 100);
  return `${whole}.${String(hundredths % 100).padStart(2, '0')}`;
}

// The server's total (a JSON number such as 83.3) → "83.30".
export function totalText(total) {
  return pointsText(Math.round(Number(total) * 100));
}

// The expert's assignments, every page of them.
export function loadAssignments(signal) {
  return listAll('/assignments', {}, { signal });
}

// One assignment of the expert's, or null when it is not (or no longer) its.
export async function loadAssignment(id, signal) {
  const items = await loadAssignments(signal);
  return items.find((x) => String(x.id) === String(id)) ?? null;
}

export function assignmentName(x) {
  return x.base_name || x.unit_name;
}

const NEXT = {
  pending: '评审',
  draft: '继续评审',
  submitted: '查看',
  recused: '查看',
};

// The table of the expert's assignments: name, status, total, link.
export function assignmentTable(items) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table table-cards assignment-table' },
      h('thead', null, h('tr', null,
        ['申报', '状态', '加权总分', '操作'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, items.map((x) => h('tr', { dataset: { id: String(x.id) } },
        h('td', { class: 'cell-title' },
          h('a', { href: `/assignments/${x.id}`, dataset: { link: '' } }, assignmentName(x)),
          x.base_name && h('span', { class: 'muted small cell-sub' }, x.unit_name)),
        h('td', { dataset: { label: '状态' } }, assignmentBadge(x.status)),
        h('td', { class: 'num assignment-total', dataset: { label: '加权总分' } },
          x.status === 'submitted' && x.total != null ? totalText(x.total) : h('span', { class: 'muted' }, '—')),
        h('td', { dataset: { label: '操作' } },
          h('a', { href: `/assignments/${x.id}`, dataset: { link: '' }, 'aria-label': `${NEXT[x.status] ?? '查看'}“${assignmentName(x)}”` },
            NEXT[x.status] ?? '查看')))))));
}

// Counts by status for the line above the table.
export function assignmentCounts(items) {
  const n = (s) => items.filter((x) => x.status === s).length;
  return `共 ${items.length} 项：待评审 ${n('pending')} 项 · 草稿 ${n('draft')} 项 · 已提交 ${n('submitted')} 项 · 已回避 ${n('recused')} 项`;
}
