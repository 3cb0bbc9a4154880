// The number of unread notifications beside 通知 in the header: asked for
// on every page the router draws and again when a notification is read
// (GET /notifications/unread-count). The link keeps its text; the number
// is drawn from its data-unread-count (style.css) and told by its label
// ("通知，3 条未读").
import { api } from './api.js';

let unread = 0;
let asked = 0;   // answers to older questions are dropped

// Paints every [data-unread] link under `root` with the last count.
export function paintUnread(root = document) {
  for (const link of root.querySelectorAll('[data-unread]')) {
    if (unread > 0) {
      link.dataset.unreadCount = unread > 99 ? '99+' : String(unread);
      link.setAttribute('aria-label', `${link.textContent}，${unread} 条未读`);
    } else {
      delete link.dataset.unreadCount;
      link.removeAttribute('aria-label');
    }
  }
}

// Asks the server again and repaints. A failure leaves the links as they
// were: the next page asks again.
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
  paintUnread();
}

// After signing out: nothing to show for the next user until asked.
export function forgetUnread() {
  asked++;
  unread = 0;
}
