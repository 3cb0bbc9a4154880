// Entry module: a tiny client-side router on location.pathname.
// The server answers index.html for the UI's own routes, so any path may
// arrive here; the router decides which view renders it.
import * as home from './views/home.js';
import * as notFound from './views/not-found.js';

export const SITE_NAME = '全国科普教育基地创建与认定平台';

// Each view module exports `title` (string, or function of params) and
// `render(root, { params, signal, navigate })`. `signal` aborts when the
// user navigates away, so a view can cancel its requests and timers.
const routes = [
  { pattern: /^\/(?:index\.html)?$/, view: home },
];

function match(pathname) {
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (m) return { view: route.view, params: m.groups ?? {} };
  }
  return { view: notFound, params: { path: pathname } };
}

let current = null; // AbortController of the view on screen

function render({ focus = false } = {}) {
  const root = document.getElementById('app');
  current?.abort();
  current = new AbortController();
  const { view, params } = match(location.pathname);
  const title = typeof view.title === 'function' ? view.title(params) : view.title;
  document.title = title && title !== SITE_NAME ? `${title} - ${SITE_NAME}` : SITE_NAME;
  root.replaceChildren();
  view.render(root, { params, signal: current.signal, navigate });
  if (focus) {
    window.scrollTo(0, 0);
    root.focus({ preventScroll: true });
  }
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render({ focus: true });
}

// Internal links carry data-link; let the browser handle modified clicks
// (new tab, download...) and links to other origins.
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest('a[data-link]') : null;
  if (!link || (link.target && link.target !== '_self') || link.hasAttribute('download')) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin) return;
  event.preventDefault();
  if (url.pathname === location.pathname && url.search === location.search) {
    if (url.hash !== location.hash) location.hash = url.hash;
    return;
  }
  navigate(url.pathname + url.search + url.hash);
});

window.addEventListener('popstate', () => render({ focus: true }));

render();
