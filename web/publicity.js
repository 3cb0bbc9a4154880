// The words and small pieces of the public notice (公示), the objections
// (异议) and the bases (基地) that the public pages, the admin's desks and
// the applicant's pages share: the notice's window and whether it is open,
// an objection's and a base's status as badges, receipts grouped for
// reading, and where a batch's notice is found.
import { h } from './dom.js';
import { api, ApiError, API_BASE } from './api.js';
import { formatDeadline, isPast } from './format.js';
import { badge } from './widgets.js';

// ---- the notice ----

// 'upcoming' (the admin sees it before it starts), 'open' or 'ended'.
// `open` is the server's answer by the database clock; the start, which
// the public answers never show before it has come, by this browser's.
export function noticeState(notice) {
  if (notice.open) return 'open';
  return isPast(notice.starts_at) ? 'ended' : 'upcoming';
}

const NOTICE_WORDS = { upcoming: ['未开始', 'info'], open: ['公示中', 'warn'], ended: ['已结束', 'muted'] };

export function noticeBadge(notice) {
  const [text, tone] = NOTICE_WORDS[noticeState(notice)];
  return badge(text, tone);
}

// "2026-12-01 09:00 至 2026-12-08 24:00（北京时间）" with <time> elements.
export function noticeWindow(notice) {
  return h('span', { class: 'notice-window' },
    h('time', { datetime: notice.starts_at }, formatDeadline(notice.starts_at)), ' 至 ',
    h('time', { datetime: notice.ends_at }, formatDeadline(notice.ends_at)),
    h('span', { class: 'muted' }, '（北京时间）'));
}

// The notice of a batch for the admin, or null before one is published.
export async function loadBatchNotice(batchId, signal) {
  try {
    return await api('GET', `/batches/${batchId}/publicity`, undefined, { signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

// A text in paragraphs, one per blank-line-separated block; single line
// breaks stay (white-space: pre-line in .prose-text).
export function paragraphs(text) {
  return String(text ?? '').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)
    .map((p) => h('p', { class: 'prose-text' }, p));
}

// ---- objections ----

export const OBJECTION_STATUS = { received: '待处理', upheld: '异议成立', dismissed: '异议不成立' };
const OBJECTION_TONE = { received: 'info', upheld: 'warn', dismissed: 'muted' };

export function objectionBadge(status) {
  return badge(OBJECTION_STATUS[status] ?? status, OBJECTION_TONE[status] ?? 'neutral');
}

// The receipt alphabet (the invitation codes'): 16 characters.
export const RECEIPT_LENGTH = 16;
const RECEIPT_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

// What someone typed → the 16 characters, or null.
export function normalizeReceipt(text) {
  const code = String(text ?? '').replace(/[\s-]/g, '').toUpperCase();
  return code.length === RECEIPT_LENGTH && [...code].every((c) => RECEIPT_ALPHABET.includes(c)) ? code : null;
}

// "ABCD-EFGH-JKMN-PQRS": groups of four, to read out and copy by eye.
export function showReceipt(code) {
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

// ---- bases ----

export const BASE_STATUS = { valid: '有效', suspended: '暂停', revoked: '撤销', expired: '过期' };
const BASE_TONE = { valid: 'ok', suspended: 'warn', revoked: 'warn', expired: 'muted' };
// A sign beside the word, so the status never rests on colour alone.
const BASE_SIGN = { valid: '✓', suspended: '‖', revoked: '✕', expired: '○' };

export function baseBadge(status) {
  return badge([BASE_SIGN[status] ? `${BASE_SIGN[status]} ` : '', BASE_STATUS[status] ?? status].join(''),
    BASE_TONE[status] ?? 'neutral');
}

// "2021–2025 年"
export function termText(base) {
  return `${base.term_start_year}–${base.term_end_year} 年`;
}

export const certificatePdf = (baseId) => `${API_BASE}/bases/${baseId}/certificate.pdf`;
export const batchCertificatesPdf = (batchId) => `${API_BASE}/batches/${batchId}/certificates.pdf`;
export const verifyPath = (no) => `/verify/${encodeURIComponent(no)}`;
