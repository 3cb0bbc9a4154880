// The evaluation stage of a batch as the admin's pages show it: the words
// of its results, the on-site sample (loaded, its rate as a percentage),
// the batch's applications counted or listed by status, and the short
// summaries of an initial review and an on-site check.
import { h } from './dom.js';
import { api, listAll, query, ApiError } from './api.js';
import { formatDateTime } from './format.js';
import { badge } from './widgets.js';

export const RESULT = { pass: '通过', fail: '不通过' };

export const STRATIFY = { none: '不分层', region: '按所在地区分层', category: '按类别分层' };

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

// Every application of the batch (summaries), filtered by `params`.
export function batchApplications(batchId, params, signal) {
  return listAll('/applications', { batch_id: batchId, ...params }, { signal });
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

// A rate as the decimal it is, never in exponent form: 0.3 → "0.3",
// 1e-9 → "0.000000001" (a rate has at most 9 decimal places).
export function rateDecimal(rate) {
  const text = String(rate);
  return /e/i.test(text) ? rate.toFixed(9).replace(/\.?0+$/, '') : text;
}

// Moves the decimal point of a decimal text `shift` places to the right
// (negative: left), exactly, on the digits: ("0.3", 2) → "30".
function shiftDecimal(text, shift) {
  const [int, frac = ''] = text.split('.');
  let digits = int + frac;
  let point = int.length + shift;
  if (point < 1) { digits = '0'.repeat(1 - point) + digits; point = 1; }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const rest = digits.slice(point).replace(/0+$/, '');
  return rest ? `${whole}.${rest}` : whole;
}

// 0.3 → "30%".
export function ratePercent(rate) {
  return `${shiftDecimal(rateDecimal(rate), 2)}%`;
}

// A percentage as typed ("30", "12.5") → the rate's decimal text ("0.3",
// "0.125"), or null when it is not a number in (0, 100] with at most 7
// decimal places (the API takes 9 for the rate).
export function percentToRate(text) {
  const t = (text ?? '').trim().replace(/[%％]$/, '').trim();
  if (!/^\d{1,3}(\.\d{1,7})?$/.test(t)) return null;
  const value = Number(t);
  if (!(value > 0 && value <= 100)) return null;
  return shiftDecimal(t, -2);
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
