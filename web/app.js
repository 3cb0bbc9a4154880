// Entry module: a tiny client-side router on location.pathname.
// The server answers index.html for the UI's own routes, so any path may
// arrive here; the router decides which view renders it, after asking
// session.js whether the page's visitor may see it.
import * as landing from './views/landing.js';
import * as login from './views/login.js';
import * as password from './views/password.js';
import * as home from './views/home.js';
import * as notifications from './views/notifications.js';
import * as audit from './views/audit.js';
import * as batches from './views/batches.js';
import * as batchNew from './views/batch-new.js';
import * as batch from './views/batch.js';
import * as batchQuotas from './views/batch-quotas.js';
import * as batchContacts from './views/batch-contacts.js';
import * as batchReview from './views/batch-review.js';
import * as batchSample from './views/batch-sample.js';
import * as batchSamplePrint from './views/batch-sample-print.js';
import * as batchRubric from './views/batch-rubric.js';
import * as batchExperts from './views/batch-experts.js';
import * as batchAssign from './views/batch-assign.js';
import * as batchProgress from './views/batch-progress.js';
import * as batchRanking from './views/batch-ranking.js';
import * as experts from './views/experts.js';
import * as onsiteCheck from './views/onsite-check.js';
import * as recommenders from './views/recommenders.js';
import * as recommenderNew from './views/recommender-new.js';
import * as myBatches from './views/my-batches.js';
import * as myBatch from './views/my-batch.js';
import * as myInvitations from './views/my-invitations.js';
import * as myInvitationsPrint from './views/my-invitations-print.js';
import * as register from './views/register.js';
import * as applications from './views/applications.js';
import * as application from './views/application.js';
import * as review from './views/review.js';
import * as reviewDetail from './views/review-detail.js';
import * as assignments from './views/assignments.js';
import * as assignment from './views/assignment.js';
import * as adminApplications from './views/admin-applications.js';
import * as notices from './views/notices.js';
import * as notice from './views/notice.js';
import * as objection from './views/objection.js';
import * as publicBases from './views/public-bases.js';
import * as verify from './views/verify.js';
import * as batchPublicity from './views/batch-publicity.js';
import * as batchNaming from './views/batch-naming.js';
import * as adminBases from './views/admin-bases.js';
import * as adminBase from './views/admin-base.js';
import * as myBase from './views/my-base.js';
import * as termDesk from './views/term-desk.js';
import * as termReport from './views/term-report.js';
import * as batchCarryOver from './views/batch-carry-over.js';
import * as forbidden from './views/forbidden.js';
import * as notFound from './views/not-found.js';
import * as unit from './views/unit.js';
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
//
// access: 'public'  anyone; the header offers 登录 or 进入工作台
//         'guest'   the login page: no session needed, none probed
//         'session' a session, even one that must change its password first
//         'user'    a session free to use the platform
// roles:  who may see it (others get the 无权访问 view)
const routes = [
  { pattern: /^\/(?:index\.html)?$/, view: landing, access: 'public' },
  { pattern: /^\/login$/, view: login, access: 'guest' },
  { pattern: /^\/password$/, view: password, access: 'session' },
  { pattern: /^\/home$/, view: home, access: 'user' },
  { pattern: /^\/notifications$/, view: notifications, access: 'user' },
  { pattern: /^\/audit$/, view: audit, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches$/, view: batches, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/new$/, view: batchNew, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})$/, view: batch, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/quotas$/, view: batchQuotas, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/contacts$/, view: batchContacts, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/review$/, view: batchReview, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/sample$/, view: batchSample, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/sample\/print$/, view: batchSamplePrint, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/onsite\/(?<app>\d{1,18})$/, view: onsiteCheck, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/rubric$/, view: batchRubric, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/experts$/, view: batchExperts, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/assignments$/, view: batchAssign, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/progress$/, view: batchProgress, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/ranking$/, view: batchRanking, access: 'user', roles: ['admin'] },
  { pattern: /^\/experts$/, view: experts, access: 'user', roles: ['admin'] },
  { pattern: /^\/recommenders$/, view: recommenders, access: 'user', roles: ['admin'] },
  { pattern: /^\/recommenders\/new$/, view: recommenderNew, access: 'user', roles: ['admin'] },
  { pattern: /^\/my\/batches$/, view: myBatches, access: 'user', roles: ['recommender'] },
  { pattern: /^\/my\/batches\/(?<id>\d{1,18})$/, view: myBatch, access: 'user', roles: ['recommender'] },
  { pattern: /^\/my\/batches\/(?<id>\d{1,18})\/invitations$/, view: myInvitations, access: 'user', roles: ['recommender'] },
  { pattern: /^\/my\/batches\/(?<id>\d{1,18})\/invitations\/print$/, view: myInvitationsPrint, access: 'user', roles: ['recommender'] },
  { pattern: /^\/applications$/, view: applications, access: 'user', roles: ['applicant'] },
  { pattern: /^\/applications\/(?<id>\d{1,18})$/, view: application, access: 'user', roles: ['applicant'] },
  { pattern: /^\/review$/, view: review, access: 'user', roles: ['recommender'] },
  { pattern: /^\/review\/(?<id>\d{1,18})$/, view: reviewDetail, access: 'user', roles: ['recommender'] },
  { pattern: /^\/admin\/applications$/, view: adminApplications, access: 'user', roles: ['admin'] },
  { pattern: /^\/admin\/applications\/(?<id>\d{1,18})$/, view: reviewDetail, access: 'user', roles: ['admin'] },
  { pattern: /^\/assignments$/, view: assignments, access: 'user', roles: ['expert'] },
  { pattern: /^\/assignments\/(?<id>\d{1,18})$/, view: assignment, access: 'user', roles: ['expert'] },
  { pattern: /^\/register$/, view: register, access: 'public' },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/publicity$/, view: batchPublicity, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/naming$/, view: batchNaming, access: 'user', roles: ['admin'] },
  { pattern: /^\/admin\/bases$/, view: adminBases, access: 'user', roles: ['admin'] },
  { pattern: /^\/admin\/bases\/(?<id>\d{1,18})$/, view: adminBase, access: 'user', roles: ['admin'] },
  { pattern: /^\/my\/bases\/(?<id>\d{1,18})$/, view: myBase, access: 'user', roles: ['applicant'] },
  { pattern: /^\/admin\/term$/, view: termDesk, access: 'user', roles: ['admin'] },
  { pattern: /^\/admin\/term\/reports\/(?<base>\d{1,18})\/(?<year>\d{4})$/, view: termReport, access: 'user', roles: ['admin'] },
  { pattern: /^\/batches\/(?<id>\d{1,18})\/carry-over$/, view: batchCarryOver, access: 'user', roles: ['admin'] },
  { pattern: /^\/notices$/, view: notices, access: 'public' },
  { pattern: /^\/notices\/(?<id>\d{1,18})$/, view: notice, access: 'public' },
  { pattern: /^\/objections\/(?<receipt>[^/]{1,64})$/, view: objection, access: 'public' },
  { pattern: /^\/bases$/, view: publicBases, access: 'public' },
  { pattern: /^\/verify(?:\/(?<no>[^/]{1,64}))?$/, view: verify, access: 'public' },
  { pattern: /^\/my\/unit$/, view: unit, access: 'user', roles: ['applicant'] },
];

function match(pathname) {
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (m) return { route, params: m.groups ?? {} };
  }
  return { route: { view: notFound, access: 'public' }, params: { path: pathname } };
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

function setTitle(view, params) {
  const title = typeof view.title === 'function' ? view.title(params) : view.title;
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
  let view = route.view;

  renderFlash(chrome.flash, pendingFlash);
  pendingFlash = null;
  currentArea = route.access === 'guest' ? 'guest' : route.access === 'public' ? 'public' : 'app';

  if (route.access === 'session' || route.access === 'user') {
    let user;
    if (!session.isLoaded()) {
      drawHeader();
      setTitle(view, params);
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
    if (route.roles && !route.roles.includes(user.role)) view = forbidden;
  } else if (route.access === 'public') {
    // Only to choose between 登录 and 进入工作台; no probe without a hint.
    session.loadIfHinted().catch(() => {});
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
