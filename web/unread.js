// The number of unread notifications beside 通知 in the header: asked for
// on every page the router draws and again when a notification is read
// (GET /notifications/unread-count); every badge on the page shows the
// last answer. Seen as a small number, heard as "3 条未读".
import { h, replace } from './dom.js';
import { api } from './api.js';

let unread = 0;
let asked = 0;   // answers to older questions are dropped

function paint(el) {
  if (unread > 0) {
    replace(el, h('span', { class: 'nav-count', 'aria-hidden': 'true' }, unread > 99 ? '99+' : String(unread)),
      h('span', { class: 'visually-hidden' }, `${unread} 条未读`));
  } else {
    replace(el);
  }
}

// A badge for a link's text; it keeps showing the count as it changes.
export function unreadBadge() {
  const el = h('span', { class: 'unread-badge', dataset: { unread: '' } });
  paint(el);
  return el;
}

// Asks the server again and repaints the badges. A failure leaves them as
// they were: the next page asks again.
export async function refreshUnread() {
  const mine = ++asked;
  let answer;
  try {
    answer = await api('GET', '/notifications/unread-count');
  } catch {
    return;
  }
  if (mine !== asked || typeof answer?.unread !== 'number') return;
  unread = answer.unread;
  for (const el of document.querySelectorAll('[data-unread]')) paint(el);
}

// After signing out: nothing to show for the next user until asked.
export function forgetUnread() {
  asked++;
  unread = 0;
}
