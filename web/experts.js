// The final evaluation (终评) as the admin's pages show it: the words of
// assignment statuses and conflict kinds, and the batch's experts,
// assignments and applications loaded whole, by id.
import { h } from './dom.js';
import { listAll } from './api.js';
import { badge } from './widgets.js';
import { batchApplications } from './evaluation.js';

export const ASSIGNMENT_STATUS = {
  pending: '待评分', draft: '评分中', submitted: '已提交', recused: '已回避', replaced: '已改派',
};
const ASSIGNMENT_TONE = { pending: 'neutral', draft: 'info', submitted: 'ok', recused: 'warn', replaced: 'muted' };

export const CONFLICT_KIND = {
  credit_code: '所在单位信用代码相同',
  organization: '所在单位或主管单位相同',
  recommender: '由同一推荐单位推荐',
  declared: '申报回避',
};

// An assignment's status stops counting once recused or replaced.
export const ACTIVE = new Set(['pending', 'draft', 'submitted']);

export function assignmentBadge(status) {
  return badge(ASSIGNMENT_STATUS[status] ?? status, ASSIGNMENT_TONE[status] ?? 'neutral');
}

// Every expert, as a Map id → expert.
export async function expertsById(signal) {
  const items = await listAll('/experts', {}, { signal });
  return new Map(items.map((e) => [e.id, e]));
}

// Every application of the batch, as a Map id → summary.
export async function applicationsById(batchId, signal) {
  const items = await batchApplications(batchId, {}, signal);
  return new Map(items.map((a) => [a.id, a]));
}

// Every assignment of the batch (all statuses).
export function batchAssignments(batchId, signal) {
  return listAll(`/batches/${batchId}/assignments`, {}, { signal });
}

// "张三（中国科学院物理研究所）", or "专家 #7" for an id not loaded.
export function expertName(experts, id) {
  const e = experts.get(id);
  return e ? e.name : `专家 #${id}`;
}

export function expertCell(experts, id) {
  const e = experts.get(id);
  return e
    ? [e.name, h('span', { class: 'block small muted' }, e.organization)]
    : `专家 #${id}`;
}

export function applicationCell(apps, id) {
  const a = apps.get(id);
  return a
    ? [a.unit_name, h('span', { class: 'block small muted' }, a.base_name || '（基地名称未填写）')]
    : `申报 #${id}`;
}

// A score or statistic in points, 2 decimals as the API rounds them; — for none.
export function points(value) {
  return value == null ? '—' : Number(value).toFixed(2);
}
