// A deadline with the time left, ticking once a second until it passes or
// the view goes (its signal aborts). The deadline reads in Beijing time
// whatever the browser's zone; the time left is by this browser's clock
// (the server's decides, this only tells).
import { h, replace } from './dom.js';
import { formatDeadline } from './format.js';
import { badge } from './widgets.js';

const pad = (n) => String(n).padStart(2, '0');

// Milliseconds → "3 天 04:12:09" (the days only when there are some).
export function timeLeft(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(s / 86400);
  const clock = `${pad(Math.floor(s / 3600) % 24)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  return days > 0 ? `${days} 天 ${clock}` : clock;
}

// The same in words for screen readers, to the minute: "3天4小时12分钟".
function timeLeftWords(ms) {
  const m = Math.max(0, Math.floor(ms / 60000));
  const days = Math.floor(m / 1440);
  const hours = Math.floor(m / 60) % 24;
  return `${days ? `${days}天` : ''}${days || hours ? `${hours}小时` : ''}${m % 60}分钟`;
}

// label: what closes ('推荐截止'); value: RFC 3339. → an element.
// The ticking text is aria-hidden (a screen reader would otherwise be read
// a new number every second); a role="timer" line says it in words and
// changes once a minute. When the deadline passes the line says 已截止.
export function countdown(label, value, signal) {
  const at = Date.parse(value ?? '');
  const left = h('span', { class: 'countdown-left', 'aria-hidden': 'true' });
  const words = h('span', { class: 'visually-hidden', role: 'timer' });
  const box = h('p', { class: 'countdown', dataset: { deadline: value ?? '' } },
    h('span', { class: 'countdown-when' }, h('span', { class: 'countdown-label' }, `${label}：`),
      h('time', { datetime: value }, `${formatDeadline(value)}（北京时间）`)),
    h('span', { class: 'countdown-rest' }, left, words));
  if (Number.isNaN(at)) return box;
  let timer = null;
  let spoken = '';
  const tick = () => {
    const ms = at - Date.now();
    if (ms <= 0) {
      clearInterval(timer);
      replace(box.querySelector('.countdown-rest'), badge('已截止', 'muted'));
      box.classList.add('countdown-over');
      return;
    }
    left.textContent = `剩余 ${timeLeft(ms)}`;
    const text = `剩余${timeLeftWords(ms)}`;
    if (text !== spoken) words.textContent = spoken = text;
    box.classList.toggle('countdown-soon', ms < 3 * 86400e3);
  };
  tick();
  if (at > Date.now()) {
    timer = setInterval(tick, 1000);
    signal?.addEventListener('abort', () => clearInterval(timer), { once: true });
  }
  return box;
}
