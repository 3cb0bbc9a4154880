// The site header: the platform name, and on its right either the public
// pages (公示 · 基地名录 · 证书核验) with the entry (登录 / 进入工作台) or, for a signed-in page, the navigation by role,
// who is signed in and 退出登录. Below 900 px the signed-in part folds into
// a 菜单 button. Also the flash line under the header for short notices.
import { h, replace } from './dom.js';
import { roleName } from './format.js';
import { paintUnread } from './unread.js';

// Navigation by role; every entry is a page that exists.
const NAV = [
  { path: '/home', label: '工作台' },
  { path: '/batches', label: '批次管理', roles: ['admin'] },
  { path: '/recommenders', label: '推荐单位', roles: ['admin'] },
  { path: '/experts', label: '认定专家', roles: ['admin'] },
  { path: '/admin/applications', label: '申报管理', roles: ['admin'] },
  { path: '/admin/bases', label: '基地管理', roles: ['admin'] },
  { path: '/admin/term', label: '届期管理', roles: ['admin'] },
  { path: '/my/batches', label: '推荐工作', roles: ['recommender'] },
  { path: '/review', label: '申报审核', roles: ['recommender'] },
  { path: '/applications', label: '我的申报', roles: ['applicant'] },
  { path: '/my/unit', label: '单位信息', roles: ['applicant'] },
  { path: '/assignments', label: '评审任务', roles: ['expert'] },
  { path: '/notifications', label: '通知' },
  { path: '/admin/mail', label: '邮件发送', roles: ['admin'] },
  { path: '/audit', label: '审计日志', roles: ['admin'] },
];

// The public pages, in the header of every page open to anyone.
const PUBLIC_NAV = [
  { path: '/notices', label: '公示' },
  { path: '/bases', label: '基地名录' },
  { path: '/verify', label: '证书核验' },
];

// Whether `path` is the entry's page or one below it (/batches/3/quotas).
function inSection(path, item) {
  return path === item.path || path.startsWith(`${item.path}/`);
}

export function navFor(role) {
  return NAV.filter((item) => !item.roles || item.roles.includes(role));
}

// header: { slot, brand } elements of index.html.
// state: { user, area, path, forced, onLogout }
//   area: 'public' (landing), 'guest' (login), 'app' (signed-in pages)
//   forced: the user must change the password first: no navigation
export function renderHeader({ slot, brand }, { user, area, path, forced, onLogout }) {
  const header = slot.closest('.site-header');
  header.classList.remove('menu-open');
  header.classList.toggle('site-header-app', area === 'app');
  // A long navigation leaves no room for the brand's second half.
  header.classList.toggle('site-header-long-nav', area === 'app' && Boolean(user) && !forced && navFor(user.role).length > 3);
  brand.setAttribute('href', user && !forced ? '/home' : '/');

  if (area === 'guest' || (area === 'app' && !user)) { // the login page; a session still loading
    replace(slot);
    return;
  }
  if (area === 'public') {
    replace(slot,
      h('nav', { class: 'public-nav', 'aria-label': '公开信息' },
        h('ul', null, PUBLIC_NAV.map((item) => h('li', null,
          h('a', {
            href: item.path,
            dataset: { link: '' },
            'aria-current': path === item.path ? 'page' : inSection(path, item) ? 'true' : null,
          }, item.label))))),
      user
        ? h('a', { class: 'header-button', href: user.must_change_password ? '/password' : '/home', dataset: { link: '' } }, '进入工作台')
        : h('a', { class: 'header-button', href: '/login', dataset: { link: '' } }, '登录'));
    return;
  }

  const logout = h('button', { type: 'button', class: 'header-logout' }, '退出登录');
  logout.addEventListener('click', async () => {
    logout.disabled = true;
    logout.textContent = '正在退出…';
    try {
      await onLogout();
    } finally {
      if (logout.isConnected) {
        logout.disabled = false;
        logout.textContent = '退出登录';
      }
    }
  });

  const nav = forced ? null : h('nav', { class: 'site-nav', 'aria-label': '主导航' },
    h('ul', null, navFor(user.role).map((item) => h('li', null,
      h('a', {
        href: item.path,
        dataset: { link: '' },
        'aria-current': path === item.path ? 'page' : inSection(path, item) ? 'true' : null,
        'data-unread': item.path === '/notifications' ? '' : null,
      }, item.label)))));
  if (nav) paintUnread(nav);

  const menu = h('div', { class: 'site-menu', id: 'site-menu' },
    nav,
    h('div', { class: 'user-box' },
      h('span', { class: 'user-name' }, user.display_name || user.username),
      h('span', { class: 'user-role' }, roleName(user.role)),
      logout));

  const toggle = h('button', {
    type: 'button', class: 'menu-toggle', 'aria-expanded': 'false', 'aria-controls': 'site-menu',
  }, h('span', { class: 'menu-icon', 'aria-hidden': 'true' }), '菜单');
  const setOpen = (open) => {
    header.classList.toggle('menu-open', open);
    toggle.setAttribute('aria-expanded', String(open));
  };
  toggle.addEventListener('click', () => setOpen(!header.classList.contains('menu-open')));
  menu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && header.classList.contains('menu-open')) {
      setOpen(false);
      toggle.focus();
    }
  });

  replace(slot, toggle, menu);
}

// The notice line under the header: { text, kind: 'ok' | 'error' } or null.
// `area` is a live region that stays in the page (empty when idle), so a
// screen reader announces what appears in it.
export function renderFlash(area, flash) {
  if (!flash) {
    replace(area);
    return;
  }
  replace(area, h('div', { class: 'wrap' },
    h('p', { class: `flash flash-${flash.kind ?? 'ok'}` }, flash.text)));
}
