// Small pieces several views share: status badges, the sub-navigation of
// a page with sections, a definition list of facts, and a deadline.
import { h } from './dom.js';
import { BATCH_STATUS, INVITATION_STATUS, APPLICATION_STATUS, formatDeadline, isPast, label } from './format.js';

// A coloured badge: tone picks the colour (badge-<tone> in style.css).
export function badge(text, tone = 'neutral') {
  return h('span', { class: `badge badge-${tone}` }, text);
}

const BATCH_TONE = { draft: 'neutral', open: 'ok', evaluating: 'info', publicity: 'warn', closed: 'muted' };
export function batchBadge(status) {
  return badge(label(BATCH_STATUS, status), BATCH_TONE[status] ?? 'neutral');
}

const INVITATION_TONE = { unused: 'ok', used: 'info', revoked: 'muted', expired: 'muted' };
export function invitationBadge(status) {
  return badge(label(INVITATION_STATUS, status), INVITATION_TONE[status] ?? 'neutral');
}

const APPLICATION_TONE = {
  draft: 'neutral', submitted: 'info', returned: 'warn', recommended: 'ok', not_recommended: 'muted', expired: 'muted',
  initial_passed: 'info', initial_failed: 'muted', onsite_failed: 'muted', proposed: 'ok', final_rejected: 'muted',
  named: 'ok', withdrawn_after_objection: 'muted',
};
export function applicationBadge(status) {
  return badge(label(APPLICATION_STATUS, status), APPLICATION_TONE[status] ?? 'neutral');
}

// The mark of an application that entered on its base's end-of-term
// result (fast_track: 'excellent' carried over, 'qualified' straight to
// final evaluation), or null. A sign beside the words, not colour alone.
export const FAST_TRACK = { excellent: '优秀直接认定', qualified: '合格直通终评' };
export function fastTrackBadge(fastTrack) {
  return fastTrack ? h('span', { class: 'badge badge-fast', dataset: { fastTrack } }, `★ ${FAST_TRACK[fastTrack] ?? fastTrack}`) : null;
}

// Links to the sections of one thing, the current one marked.
// items: [{ href, label }]; current: the href on screen.
export function subnav(ariaLabel, items, current) {
  return h('nav', { class: 'subnav', 'aria-label': ariaLabel },
    h('ul', null, items.map((item) => h('li', null,
      h('a', { href: item.href, dataset: { link: '' }, 'aria-current': item.href === current ? 'page' : null },
        item.label)))));
}

// <dl> of [label, value] pairs; null values are left out.
export function facts(pairs, className = '') {
  return h('dl', { class: `facts ${className}`.trim() },
    pairs.filter(([, v]) => v != null).map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));
}

// A deadline in China time, with 已截止 once it has passed.
export function deadline(value) {
  return h('span', { class: 'deadline' },
    h('time', { datetime: value }, formatDeadline(value)),
    isPast(value) && badge('已截止', 'muted'));
}
