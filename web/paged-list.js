// The paged lists of the admin and recommender pages: a table (or any
// container) filled page by page from an API list, 加载更多 while there is
// a next_cursor, the loading / error / empty states, a live summary line
// ("已显示 20 个批次，还有更多"), and a filter form kept in the URL.
import { h, replace } from './dom.js';
import { api, query } from './api.js';
import { loadingBlock, errorBlock } from './states.js';

// A horizontally scrollable table with a hidden caption.
// → { wrap, tbody }. label: the region's name ('批次列表'); caption: the
// table's, when it differs.
export function dataTable({ label, caption = label, className, columns }) {
  const tbody = h('tbody');
  const wrap = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `${label}（可横向滚动）` },
    h('table', { class: className },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
      tbody));
  return { wrap, tbody };
}

// → { body, summary, load(), reload(), pristine() }: put `body` (and
// `summary`, when `unit` is given) on the page, then call load().
//   url(cursor): the API path of a page (cursor null for the first);
//   row(item): the node of one item, appended to `into`;
//   view: what shows once there are items (it holds `into`);
//   empty(): the node shown when the first page is empty;
//   titles: [first page failed, a further page failed];
//   unit, noun: the summary's words ('个', '批次'); no summary without unit.
// reload() starts again from the first page; answers to earlier loads
// are dropped.
export function pagedList({ signal, url, row, into, view, empty, titles, unit, noun = '' }) {
  const body = h('div');
  const more = h('div', { class: 'more' });
  const summary = unit ? h('p', { class: 'muted table-summary', role: 'status' }) : null;
  let cursor = null;
  let shown = 0;
  let generation = 0;

  async function load() {
    const mine = generation;
    const first = cursor === null;
    if (first) {
      replace(body, loadingBlock());
      if (summary) replace(summary);
    } else {
      replace(more, loadingBlock('正在加载更多…'));
    }
    let page;
    try {
      page = await api('GET', url(cursor), undefined, { signal });
    } catch (err) {
      if (signal.aborted || mine !== generation) return;
      const box = errorBlock(err, { title: first ? titles[0] : titles[1], onRetry: load });
      if (first) replace(body, box);
      else replace(more, box);
      return;
    }
    if (signal.aborted || mine !== generation) return;
    const items = page?.items ?? [];
    if (first) {
      shown = 0;
      replace(into);
      if (items.length === 0) {
        replace(body, empty());
        if (summary) replace(summary, `共 0 ${unit}`);
        return;
      }
      replace(body, view, more);
    }
    into.append(...items.map(row));
    shown += items.length;
    cursor = page?.next_cursor ?? null;
    if (summary) replace(summary, cursor ? `已显示 ${shown} ${unit}${noun}，还有更多` : `共 ${shown} ${unit}${noun}`);
    replace(more, cursor
      ? h('button', { type: 'button', class: 'button button-secondary', onclick: load }, '加载更多')
      : null);
  }

  function reload() {
    generation += 1;
    cursor = null;
    load();
  }

  // Nothing loaded yet (and no page but the first asked for).
  const pristine = () => cursor === null && !into.children.length;

  return { body, summary, load, reload, pristine };
}

// Binds a filter form to the URL: on submit (after `check()`, which
// returns false to stop) or on a change of a `live` field, the values of
// `read()` go in the URL of `path` and `onApply(values)` runs. With
// `clear` ({ button, fields }) the button empties the fields, applies and
// focuses the first one. → apply().
export function filterForm(form, { path, read, check, live = [], clear, onApply }) {
  const apply = () => {
    const values = read();
    history.replaceState(null, '', `${path}${query(values)}`);
    onApply(values);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (check && !check()) return;
    apply();
  });
  for (const f of live) f.input.addEventListener('change', apply);
  clear?.button.addEventListener('click', () => {
    for (const f of clear.fields) {
      f.input.value = '';
      f.setError(null);
    }
    apply();
    clear.fields[0].input.focus();
  });
  return apply;
}
