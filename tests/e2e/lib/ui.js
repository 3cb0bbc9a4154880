// Small helpers for the browser tests of the batch pages: China time
// (UTC+8) the way the UI reads and writes it, and sideways overflow.

const CHINA_OFFSET_MS = 8 * 3600e3;
const pad = (n) => String(n).padStart(2, '0');

// A Date → the datetime-local value of that instant in China ("2021-10-26T00:00").
export function chinaInput(date) {
  const t = new Date(date.getTime() + CHINA_OFFSET_MS);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
}

// A datetime-local value in China time → how the UI shows the deadline:
// "2021-10-25 24:00" for midnight, else "2021-10-25 17:30".
export function chinaDeadlineText(input) {
  const [date, time] = input.split('T');
  if (time !== '00:00') return `${date} ${time}`;
  const prev = new Date(Date.parse(`${date}T00:00:00Z`) - 24 * 3600e3);
  return `${prev.getUTCFullYear()}-${pad(prev.getUTCMonth() + 1)}-${pad(prev.getUTCDate())} 24:00`;
}

// How far the page scrolls sideways (≤ 0: it does not).
export function pageOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

// What is wrong with the page's form controls and ids: a control without
// a label (<label for>, aria-label or aria-labelledby), an aria-describedby
// or aria-labelledby pointing nowhere, an id used twice. → [] when fine.
export function labelProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const seen = new Map();
    for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
    for (const [id, n] of seen) if (n > 1) problems.push(`id "${id}" used ${n} times`);
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      const named = el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) problems.push(`no label: ${el.outerHTML.slice(0, 80)}`);
    }
    for (const el of document.querySelectorAll('[aria-describedby], [aria-labelledby], [aria-controls]')) {
      for (const attr of ['aria-describedby', 'aria-labelledby', 'aria-controls']) {
        for (const id of (el.getAttribute(attr) ?? '').split(/\s+/).filter(Boolean)) {
          if (!document.getElementById(id)) problems.push(`${attr} → missing #${id} on ${el.tagName.toLowerCase()}`);
        }
      }
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
      const name = (el.getAttribute('aria-label') || el.textContent || '').trim();
      if (!name) problems.push(`no name: ${el.outerHTML.slice(0, 80)}`);
    }
    return problems;
  });
}
