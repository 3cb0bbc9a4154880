// The evaluation stage of a batch as the admin's pages show it: the words
// of its results, the on-site sample, the batch's applications counted by
// status, and the short summaries of an initial review and an on-site check.
import { h } from './dom.js';
import { api, query, ApiError } from './api.js';
import { formatDateTime } from './format.js';
import { badge } from './widgets.js';

export const RESULT = { pass: '通过', fail: '不通过' };

// The statuses an initial review may move from (until the sample is drawn).
export const REVIEWABLE = new Set(['recommended', 'initial_passed', 'initial_failed']);

// The batch's stages in which its evaluation pages mean something.
export const EVALUATED = new Set(['evaluating', 'publicity', 'closed']);

// GET /batches/{id}/onsite-sample → the sample, or null before it is drawn.
export async function loadSample(batchId, signal) {
  try {
    return await api('GET', `/batches/${batchId}/onsite-sample`, undefined, { signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

// How many applications of the batch are in `status` (pages through them).
export async function countStatus(batchId, status, signal) {
  let n = 0;
  let cursor = null;
  do {
    const page = await api('GET', `/applications${query({ batch_id: batchId, status, limit: 200, cursor })}`,
      undefined, { signal });
    n += page?.items?.length ?? 0;
    cursor = page?.next_cursor ?? null;
  } while (cursor);
  return n;
}

// The badge of an initial review or an on-site check: 通过 / 不通过.
export function resultBadge(result, prefix = '') {
  return badge(`${prefix}${RESULT[result] ?? result}`, result === 'pass' ? 'ok' : 'warn');
}

// Who recorded something and when: "系统管理员 · 2026-10-08 14:30:05".
export function byline(record) {
  return h('span', { class: 'byline' }, record.by ?? '—', ' · ',
    h('time', { datetime: record.at }, formatDateTime(record.at)));
}
