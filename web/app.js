// Entry module: a tiny client-side router on location.pathname.
// The server answers index.html for the UI's own routes, so any path may
// arrive here; the router decides which view renders it, after asking
// session.js whether the page's visitor may see it.
import { setAuthHandler } from './api.js';
import * as session from './session.js';
import { renderHeader, renderFlash } from './layout.js';
import { loading, failure } from './states.js';
import { closeDialogs } from './dialog.js';
import { refreshUnread, forgetUnread } from './unread.js';

export const SITE_NAME = '全国科普教育基地创建与认定平台';

// Each view module exports `title` (string, or function of params) and
// `render(root, { params, signal, navigate, user })`. `signal` aborts when
// the user navigates away, so a view can cancel its requests and timers.
// A route names its view by `load`, a dynamic import, so that a page
// fetches only its own view's modules (see loadView).
//
// access: 'public'  anyone; the header offers 登录 or 进入工作台
//         'guest'   the login page: no session needed, none probed
//         'session' a session, even one that must change its password first
//         'user'    a session free to use the platform
// roles:  who may see it (others get the 无权访问 view)
const routes = [
  { pattern: /^\/(?:index\.html)?$/, load: () => import('./views/landing.js'), access: 'public' },
  { pattern: /^\/login$/, load: () => import('./views/login.js'), access: 'guest' },
  { pattern: /^\/password$/, load: () => import('./views/password.js'), access: 'session' },
  { pattern: /^\/forgot-password$/, load: () => import('./views/forgot-password.js'), access: 'guest' },
  { pattern: /^\/reset-password$/, load: () => import('./views/reset-password.js'), access: 'guest' },
  { pattern: /^\/home$/, load: () => import('./views/home.js'), access: 'user' },
  { pattern: /^\/notifications$/, load: () => import('./views/notifications.js'), access: 'user' },
  { pattern: /^\/audit$/, load: () => import('./views/audit.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/admin\/mail$/, load: () => import('./views/mail-outbox.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches$/, load: () => import('./views/batches.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/new$/, load: () => import('./views/batch-new.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})$/, load: () => import('./views/batch.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/quotas$/, load: () => import('./views/batch-quotas.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/contacts$/, load: () => import('./views/batch-contacts.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/review$/, load: () => import('./views/batch-review.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/sample$/, load: () => import('./views/batch-sample.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/sample\/print$/, load: () => import('./views/batch-sample-print.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/onsite\/(?<app>\d{1,18})$/, load: () => import('./views/onsite-check.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/rubric$/, load: () => import('./views/batch-rubric.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/experts$/, load: () => import('./views/batch-experts.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/assignments$/, load: () => import('./views/batch-assign.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/progress$/, load: () => import('./views/batch-progress.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/ranking$/, load: () => import('./views/batch-ranking.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/experts$/, load: () => import('./views/experts.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/recommenders$/, load: () => import('./views/recommenders.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/recommenders\/new$/, load: () => import('./views/recommender-new.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/my\/batches$/, load: () => import('./views/my-batches.js'), access: 'user', roles: ['recommender'] },
  { pattern: /^\/my\/batches\/(?<id>\d{1,18})$/, load: () => import('./views/my-batch.js'), access: 'user', roles: ['recommender'] },
  { pattern: /^\/my\/batches\/(?<id>\d{1,18})\/invitations$/, load: () => import('./views/my-invitations.js'), access: 'user', roles: ['recommender'] },
  { pattern: /^\/my\/batches\/(?<id>\d{1,18})\/invitations\/print$/, load: () => import('./views/my-invitations-print.js'), access: 'user', roles: ['recommender'] },
  { pattern: /^\/applications$/, load: () => import('./views/applications.js'), access: 'user', roles: ['applicant'] },
  { pattern: /^\/applications\/(?<id>\d{1,18})$/, load: () => import('./views/application.js'), access: 'user', roles: ['applicant'] },
  { pattern: /^\/review$/, load: () => import('./views/review.js'), access: 'user', roles: ['recommender'] },
  { pattern: /^\/review\/(?<id>\d{1,18})$/, load: () => import('./views/review-detail.js'), access: 'user', roles: ['recommender'] },
  { pattern: /^\/admin\/applications$/, load: () => import('./views/admin-applications.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/admin\/applications\/(?<id>\d{1,18})$/, load: () => import('./views/review-detail.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/assignments$/, load: () => import('./views/assignments.js'), access: 'user', roles: ['expert'] },
  { pattern: /^\/assignments\/(?<id>\d{1,18})$/, load: () => import('./views/assignment.js'), access: 'user', roles: ['expert'] },
  { pattern: /^\/register$/, load: () => import('./views/register.js'), access: 'public' },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/publicity$/, load: () => import('./views/batch-publicity.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/naming$/, load: () => import('./views/batch-naming.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/admin\/bases$/, load: () => import('./views/admin-bases.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/admin\/bases\/(?<id>\d{1,18})$/, load: () => import('./views/admin-base.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/my\/bases\/(?<id>\d{1,18})$/, load: () => import('./views/my-base.js'), access: 'user', roles: ['applicant'] },
  { pattern: /^\/admin\/term$/, load: () => import('./views/term-desk.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/admin\/term\/reports\/(?<base>\d{1,18})\/(?<year>\d{4})$/, load: () => import('./views/term-report.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/carry-over$/, load: () => import('./views/batch-carry-over.js'), access: 'user', roles: ['admin'] },
  { pattern: /^\/notices$/, load: () => import('./views/notices.js'), access: 'public' },
  { pattern: /^\/notices\/(?<id>\d{1,18})$/, load: () => import('./views/notice.js'), access: 'public' },
  { pattern: /^\/objections\/(?<receipt>[^/]{1,64})$/, load: () => import('./views/objection.js'), access: 'public' },
  { pattern: /^\/bases$/, load: () => import('./views/public-bases.js'), access: 'public' },
  { pattern: /^\/verify(?:\/(?<no>[^/]{1,64}))?$/, load: () => import('./views/verify.js'), access: 'public' },
  { pattern: /^\/my\/unit$/, load: () => import('./views/unit.js'), access: 'user', roles: ['applicant'] },
];

const loadNotFound = () => import('./views/not-found.js');
const loadForbidden = () => import('./views/forbidden.js');

function match(pathname) {
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (m) return { route, params: m.groups ?? {} };
  }
  return { route: { load: loadNotFound, access: 'public' }, params: { path: pathname } };
}

// Views already loaded, by loader: a page seen before renders at once,
// without a loading state in between.
const loadedViews = new Map();

function loadView(load) {
  return load().then((view) => {
    loadedViews.set(load, view);
    return view;
  });
}

// Where to send someone who needs to sign in first, coming back to `next`.
export function loginPath(next = location.pathname + location.search) {
  return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

const chrome = {
  slot: document.getElementById('header-slot'),
  brand: document.querySelector('.site-header .brand'),
  flash: document.getElementById('flash'),
};

let current = null;       // AbortController of the view on screen
let currentArea = 'public';
let pendingFlash = null;  // shown by the next render

// view: a loaded view module, or null while it loads.
function setTitle(view, params) {
  const title = typeof view?.title === 'function' ? view.title(params) : view?.title;
  document.title = title && title !== SITE_NAME ? `${title} - ${SITE_NAME}` : SITE_NAME;
}

function drawHeader() {
  const user = session.currentUser();
  renderHeader(chrome, {
    user,
    area: currentArea,
    path: location.pathname,
    forced: Boolean(user?.must_change_password),
    onLogout: logout,
  });
}

async function logout() {
  try {
    await session.logout();
  } catch (err) {
    renderFlash(chrome.flash, { kind: 'error', text: `退出登录失败：${err.message}` });
    return;
  }
  forgetUnread();
  navigate('/login', { flash: { text: '您已退出登录。' } });
}

// Focus the page's heading (or the main area) so that keyboard and screen
// reader users start reading at the new page.
function focusPage(root) {
  const heading = root.querySelector('h1');
  const target = heading ?? root;
  if (heading && !heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
  window.scrollTo(0, 0);
  target.focus({ preventScroll: true });
}

async function render({ focus = false } = {}) {
  const root = document.getElementById('app');
  closeDialogs();
  current?.abort();
  current = new AbortController();
  const { signal } = current;
  const { route, params } = match(location.pathname);
  let load = route.load;
  // The view's modules download while the session is asked about.
  const pending = loadedViews.has(load) ? null : loadView(load);
  pending?.catch(() => {});   // awaited, and a failure shown, below

  renderFlash(chrome.flash, pendingFlash);
  pendingFlash = null;
  currentArea = route.access === 'guest' ? 'guest' : route.access === 'public' ? 'public' : 'app';

  if (route.access === 'session' || route.access === 'user') {
    let user;
    if (!session.isLoaded()) {
      drawHeader();
      setTitle(loadedViews.get(load) ?? null, params);
      loading(root);
    }
    try {
      user = await session.load();
    } catch (err) {
      if (signal.aborted) return;
      failure(root, err, { title: '无法确认登录状态', onRetry: () => render({ focus: true }) });
      if (focus) focusPage(root);
      return;
    }
    if (signal.aborted) return;
    if (!user) {
      navigate(loginPath(), { replace: true });
      return;
    }
    if (user.must_change_password && route.access === 'user') {
      navigate('/password', { replace: true });
      return;
    }
    if (route.roles && !route.roles.includes(user.role)) load = loadForbidden;
  } else if (route.access === 'public') {
    // Only to choose between 登录 and 进入工作台; no probe without a hint.
    session.loadIfHinted().catch(() => {});
  }

  let view = loadedViews.get(load);
  if (!view) {
    drawHeader();
    setTitle(null, params);
    loading(root);
    try {
      view = await (load === route.load ? pending : loadView(load));
    } catch (err) {
      // A module that did not arrive (offline, a deploy in between): say so,
      // and retry by reloading, as a failed import() is not fetched again.
      if (signal.aborted) return;
      failure(root, err, { title: '页面加载失败', onRetry: () => location.reload() });
      if (focus) focusPage(root);
      return;
    }
    if (signal.aborted) return;
  }

  setTitle(view, params);
  drawHeader();
  if (currentArea === 'app' && !session.currentUser()?.must_change_password) refreshUnread();
  root.replaceChildren();
  view.render(root, { params, signal, navigate, user: session.currentUser() });
  if (focus) focusPage(root);
}

// options: replace (history entry), flash ({ text, kind } shown on the new page)
export function navigate(path, { replace = false, flash = null } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  pendingFlash = flash;
  render({ focus: true });
}

// A 401 `unauthenticated` or 403 `password_change_required` from any call.
setAuthHandler((code) => {
  if (code === 'unauthenticated') {
    session.forget();
    if (location.pathname !== '/login') {
      navigate(loginPath(), { replace: true, flash: { kind: 'error', text: '登录已失效，请重新登录。' } });
    }
  } else if (code === 'password_change_required') {
    session.requirePasswordChange();
    if (location.pathname !== '/password') navigate('/password', { replace: true });
  }
});

session.onChange(() => drawHeader());

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
