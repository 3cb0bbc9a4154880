// Signing in and the first signed-in pages, in a real browser against a
// real kpjdd and PostgreSQL: login (and its failures), the forced password
// change, the workbench, logout, the audit log with its integrity check,
// notifications, and the phone layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, runKpjdd, startKpjdd } from '../lib/kpjdd.js';
import { launch, screenshot } from './lib/browser.js';
import { migrate, createAdmin, signIn, submitLogin, waitForPage, errorsExcept, texts } from './lib/session.js';

const ADMIN = { username: 'admin', password: 'correct horse battery' };
const SECOND = { username: 'second', password: 'quiet horse battery' };   // not the username (libpwquality)
const SECOND_NEW = '一二三四五六七八九十 星空';
const ADMIN_NAV = ['工作台', '批次管理', '推荐单位', '认定专家', '申报管理', '基地管理', '届期管理', '通知', '邮件发送', '审计日志'];

let db;
let server;
let browser;
const keyDir = mkdtempSync(join(tmpdir(), 'kpjd-e2e-auth-'));

before(async () => {
  db = await createDatabase();
  migrate(db);
  createAdmin(db, ADMIN.username, ADMIN.password);
  createAdmin(db, SECOND.username, SECOND.password);
  // With a signing key, as in production: the first checkpoint is made at start.
  const key = join(keyDir, 'signing.key');
  const gen = runKpjdd(['keygen', '--out', key]);
  assert.equal(gen.status, 0, gen.stderr);
  server = await startKpjdd({ db, env: { KPJD_CRYPTO_SIGNING_KEY: key } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop({ allowFailure: true }).catch(() => {});
  await db?.drop().catch(() => {});
  rmSync(keyDir, { recursive: true, force: true });
});

// A page in a browser context without cookies (every test signs in itself).
async function freshPage(size = { width: 1280, height: 800 }) {
  await browser.context.clearCookies();
  return browser.newPage(size);
}

function mainNav(page) {
  return page.locator('nav[aria-label="主导航"] a');
}

test('(a) an admin signs in and lands on the workbench', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await page.goto(server.url + '/login');
  await page.locator('h1', { hasText: '登录' }).waitFor();
  assert.match(await page.title(), /^登录 - /);
  for (const [label, autocomplete] of [['用户名', 'username'], ['密码', 'current-password']]) {
    const input = page.getByLabel(label, { exact: true });
    assert.equal(await input.getAttribute('autocomplete'), autocomplete, label);
  }
  await screenshot(page, 'login');

  const answer = await submitLogin(page, ADMIN.username, ADMIN.password);
  assert.equal(answer.status, 201);
  const user = answer.body.user;
  assert.equal(user.role, 'admin');
  assert.equal(user.must_change_password, false);
  await waitForPage(page, '/home', '工作台');

  const cookie = (await browser.context.cookies(server.url)).find((c) => c.name === 'kpjd_session');
  assert.ok(cookie, 'the session cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');

  const name = user.display_name || user.username;
  assert.equal((await page.locator('.welcome-name').textContent()).trim(), name);
  assert.equal((await page.locator('.site-header .user-name').textContent()).trim(), name);
  assert.equal((await page.locator('.site-header .user-role').textContent()).trim(), '中国科协管理员');
  assert.deepEqual(await texts(mainNav(page)), ADMIN_NAV);
  assert.equal(await mainNav(page).first().getAttribute('aria-current'), 'page');
  assert.ok(await page.getByRole('button', { name: '退出登录' }).isVisible());
  const cards = await texts(page.locator('.cards-home .card-title'));
  assert.deepEqual(cards, ['批次管理', '推荐单位', '申报管理', '基地管理', '届期管理', '通知', '审计日志', '修改密码']);
  await page.locator('#unread-count').waitFor();
  assert.equal((await page.locator('#unread-count').textContent()).trim(), '没有未读通知');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moved to the heading');

  // A reload keeps the session (GET /session), and the landing page offers the way back in.
  await page.reload();
  await waitForPage(page, '/home', '工作台');
  await page.getByRole('link', { name: '全国科普教育基地' }).waitFor();
  await page.goto(server.url + '/');
  await page.getByRole('link', { name: '进入工作台' }).click();
  await waitForPage(page, '/home', '工作台');

  await screenshot(page, 'home-admin');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('(b) a wrong password says so and stays on the login page', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await page.goto(server.url + '/login');
  await page.locator('h1', { hasText: '登录' }).waitFor();

  // Empty fields are caught before any request.
  await page.getByRole('button', { name: '登录' }).click();
  assert.equal((await page.locator('#login-username-error').textContent()).trim(), '请输入用户名');
  assert.equal((await page.locator('#login-password-error').textContent()).trim(), '请输入密码');
  assert.equal(await page.getByLabel('用户名', { exact: true }).getAttribute('aria-invalid'), 'true');

  const answer = await submitLogin(page, ADMIN.username, 'not the password at all');
  assert.equal(answer.status, 401);
  assert.equal(answer.body.code, 'invalid_credentials');
  await page.locator('#login-message', { hasText: '用户名或密码错误' }).waitFor();
  assert.equal(await page.locator('#login-message').getAttribute('role'), 'alert');
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.equal(await page.getByRole('button', { name: '登录' }).isEnabled(), true, 'the button is usable again');

  // An unknown user gets the same answer.
  const unknown = await submitLogin(page, 'nobody-here', 'not the password at all');
  assert.equal(unknown.status, 401);
  assert.equal((await page.locator('#login-message').textContent()).trim(), '用户名或密码错误');

  await screenshot(page, 'login-error');
  assert.deepEqual(errorsExcept(browser.errors(page), [401]), []);
  await page.close();
});

test('(b2) too many failed logins: the wait from Retry-After is shown', { timeout: 60000 }, async () => {
  // Fail with one (unknown) username until the server locks it for a few
  // seconds, then try once more in the browser within that time.
  const username = 'locked-out';
  const attempt = () => fetch(server.url + '/api/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: 'not the password at all' }),
  });
  let wait = 0;
  for (let i = 0; i < 30 && wait < 4; i++) {
    const res = await attempt();
    await res.arrayBuffer();
    if (res.status === 429) {
      wait = Number(res.headers.get('Retry-After'));
      assert.ok(wait >= 1, `Retry-After: ${res.headers.get('Retry-After')}`);
      if (wait < 4) await new Promise((r) => setTimeout(r, wait * 1000 + 100));
    } else {
      assert.equal(res.status, 401);
    }
  }
  assert.ok(wait >= 4, 'the lockout grew to a few seconds');

  const page = await freshPage();
  await page.goto(server.url + '/login');
  const answer = await submitLogin(page, username, 'not the password at all');
  assert.equal(answer.status, 429);
  assert.equal(answer.body.code, 'too_many_attempts');
  const message = (await page.locator('#login-message').textContent()).trim();
  assert.match(message, /^尝试次数过多，请在 \d+ 秒后再试$/);
  const shown = Number(/(\d+)/.exec(message)[1]);
  assert.ok(shown >= 1 && shown <= wait, `shown ${shown}, Retry-After was ${wait}`);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.deepEqual(errorsExcept(browser.errors(page), [429]), []);
  await page.close();
});

test('(c) the first sign-in must change the password first', { timeout: 60000 }, async () => {
  await db.psql("UPDATE users SET must_change_password = true WHERE username = 'second'");
  const page = await freshPage();
  await page.goto(server.url + '/login');
  const answer = await submitLogin(page, SECOND.username, SECOND.password);
  assert.equal(answer.status, 201);
  assert.equal(answer.body.user.must_change_password, true);
  await waitForPage(page, '/password', '修改密码');
  assert.match(await page.locator('main').textContent(), /首次登录请先修改初始密码/);
  assert.equal(await mainNav(page).count(), 0, 'no navigation until the password is changed');
  assert.ok(await page.getByRole('button', { name: '退出登录' }).first().isVisible());

  // Other signed-in pages send it back here.
  await page.goto(server.url + '/home');
  await waitForPage(page, '/password', '修改密码');

  // Client-side checks, beside their fields.
  await page.getByLabel('初始密码', { exact: true }).fill(SECOND.password);
  await page.getByLabel('新密码', { exact: true }).fill('too short');
  await page.getByLabel('确认新密码', { exact: true }).fill('too short');
  await page.getByRole('button', { name: '修改密码' }).click();
  assert.match(await page.locator('#pw-new-error').textContent(), /至少 12 个字符/);
  await page.getByLabel('新密码', { exact: true }).fill(SECOND_NEW);
  await page.getByLabel('确认新密码', { exact: true }).fill(SECOND_NEW + 'x');
  await page.getByRole('button', { name: '修改密码' }).click();
  assert.equal((await page.locator('#pw-confirm-error').textContent()).trim(), '两次输入的新密码不一致');
  assert.equal((await page.locator('#pw-new-error').textContent()).trim(), '');
  assert.equal(await page.getByLabel('确认新密码', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(new URL(page.url()).pathname, '/password');
  await screenshot(page, 'password-forced');

  // The server's field error (wrong current password) shows beside its field.
  await page.getByLabel('初始密码', { exact: true }).fill('this is not it at all');
  await page.getByLabel('确认新密码', { exact: true }).fill(SECOND_NEW);
  const [wrong] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/session/password'),
    page.getByRole('button', { name: '修改密码' }).click(),
  ]);
  assert.equal(wrong.status(), 422);
  const problem = await wrong.json();
  assert.ok(problem.errors.some((e) => e.field === 'current_password'), JSON.stringify(problem));
  await page.locator('#pw-current-error').filter({ hasText: /\S/ }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/password');

  // A weak new password (libpwquality): the server's Chinese reason beside the field.
  await page.getByLabel('初始密码', { exact: true }).fill(SECOND.password);
  await page.getByLabel('新密码', { exact: true }).fill('123456789012');
  await page.getByLabel('确认新密码', { exact: true }).fill('123456789012');
  const [weak] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/session/password'),
    page.getByRole('button', { name: '修改密码' }).click(),
  ]);
  assert.equal(weak.status(), 422);
  await page.locator('#pw-new-error').filter({ hasText: /\S/ }).waitFor();
  assert.equal((await page.locator('#pw-new-error').textContent()).trim(),
    '密码过于简单或有规律（如 123456789012、abcdefghijkl），容易被猜到');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pw-new');
  await screenshot(page, 'password-weak');
  await page.getByLabel('新密码', { exact: true }).fill(SECOND_NEW);
  await page.getByLabel('确认新密码', { exact: true }).fill(SECOND_NEW);

  // A valid change lands on the workbench, with the navigation back.
  await db.psql(`INSERT INTO notifications (user_id, kind, title)
                 SELECT id, 'test', '欢迎使用' FROM users WHERE username = 'second'`);
  const cookieBefore = (await browser.context.cookies(server.url)).find((c) => c.name === 'kpjd_session');
  await page.getByLabel('初始密码', { exact: true }).fill(SECOND.password);
  const [ok] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/session/password'),
    page.getByRole('button', { name: '修改密码' }).click(),
  ]);
  assert.equal(ok.status(), 200);
  const fresh = await ok.json();            // a new session: the old cookie is dead
  const cookieAfter = (await browser.context.cookies(server.url)).find((c) => c.name === 'kpjd_session');
  assert.equal(cookieAfter.value, fresh.token);
  assert.notEqual(cookieAfter.value, cookieBefore.value);
  const probe = await fetch(server.url + '/api/v1/session', { headers: { Cookie: `kpjd_session=${cookieBefore.value}` } });
  assert.equal(probe.status, 401);
  await probe.arrayBuffer();
  await waitForPage(page, '/home', '工作台');
  assert.match(await page.locator('#flash').textContent(), /密码已修改/);
  assert.deepEqual(await texts(mainNav(page)), ADMIN_NAV);
  await page.locator('#unread-count', { hasText: '1 条未读' }).waitFor(); // the new session reads

  // The next change the user makes goes through at once, with the new
  // session's CSRF token: no 403 on the way.
  const calls = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/')) calls.push([r.request().method(), r.status()]);
  });
  await mainNav(page).filter({ hasText: '通知' }).click();
  await waitForPage(page, '/notifications', '通知');
  const [read] = await Promise.all([
    page.waitForResponse((r) => /\/api\/v1\/notifications\/\d+\/read$/.test(new URL(r.url()).pathname)),
    page.locator('.notif-unread').first().getByRole('button', { name: '标为已读' }).click(),
  ]);
  assert.equal(read.status(), 204);
  assert.equal(read.request().headers()['x-csrf-token'], fresh.csrf_token);
  assert.deepEqual(calls.filter(([, status]) => status >= 400), [], JSON.stringify(calls));
  await page.locator('.notif-meta', { hasText: '已读于' }).waitFor();

  // The new password is the one that signs in now.
  const login = (password) => fetch(server.url + '/api/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: SECOND.username, password }),
  });
  const res = await login(SECOND_NEW);
  assert.equal(res.status, 201);
  assert.equal((await res.json()).user.must_change_password, false);

  assert.deepEqual(errorsExcept(browser.errors(page), [422]), []);
  await page.close();
});

test('(d) logging out returns to the login page and ends the session', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  const before = (await browser.context.cookies(server.url)).find((c) => c.name === 'kpjd_session');
  assert.ok(before);

  await page.getByRole('button', { name: '退出登录' }).click();
  await waitForPage(page, '/login', '登录');
  assert.match(await page.locator('#flash').textContent(), /已退出登录/);
  assert.equal(await page.getByRole('button', { name: '退出登录' }).count(), 0);

  // The old token is dead on the server, not only forgotten by the page.
  const probe = await fetch(server.url + '/api/v1/session', { headers: { Cookie: `kpjd_session=${before.value}` } });
  assert.equal(probe.status, 401);
  await probe.arrayBuffer();

  await page.goto(server.url + '/home');
  await waitForPage(page, '/login', '登录');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/home');

  // Signing in from there goes back where the user was headed.
  await page.goto(server.url + '/audit');
  await waitForPage(page, '/login', '登录');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/audit');
  await submitLogin(page, ADMIN.username, ADMIN.password);
  await waitForPage(page, '/audit', '审计日志');

  assert.deepEqual(errorsExcept(browser.errors(page), [401]), []);
  await page.close();
});

test('(e) the audit log lists the logins and the chain verifies', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await mainNav(page).filter({ hasText: '审计日志' }).click();
  await waitForPage(page, '/audit', '审计日志');
  assert.equal(await mainNav(page).filter({ hasText: '审计日志' }).getAttribute('aria-current'), 'page');

  const rows = page.locator('.audit-table tbody tr');
  await rows.first().waitFor();
  assert.deepEqual(await texts(page.locator('.audit-table thead th')),
    ['时间（北京时间）', '操作人', '操作', '对象', '详情']);
  const logins = rows.filter({ has: page.locator('code', { hasText: /^session\.login$/ }) });
  assert.ok(await logins.count() >= 3, `login rows: ${await logins.count()}`);

  // Filter by action, picked by its Chinese name: only logins remain.
  await page.getByLabel('操作', { exact: true }).selectOption({ label: '登录' });
  await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/audit'),
    page.getByRole('button', { name: '筛选' }).click(),
  ]);
  await rows.first().waitFor();
  const actions = await texts(page.locator('.audit-table tbody .action-code'));
  assert.ok(actions.length >= 3);
  assert.ok(actions.every((a) => a === 'session.login'), actions.join(', '));
  assert.equal(new URL(page.url()).searchParams.get('action'), 'session.login');

  await page.getByRole('button', { name: '校验完整性' }).click();
  const verdict = page.locator('.verdict');
  await verdict.waitFor();
  assert.match((await verdict.locator('.verdict-title').textContent()).trim(), /^审计链完整，共 \d+ 条$/);
  assert.match(await verdict.textContent(), /并与 [1-9]\d* 个签名检查点相符/);

  await screenshot(page, 'audit');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('(f) the notifications page shows its empty state', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await mainNav(page).filter({ hasText: '通知' }).click();
  await waitForPage(page, '/notifications', '通知');
  await page.locator('.empty-title', { hasText: '暂无通知' }).waitFor();
  await page.getByRole('button', { name: '未读' }).click();
  await page.locator('.empty-title', { hasText: '暂无未读通知' }).waitFor();
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('(f2) notifications: unread marked, 标为已读, 加载更多', { timeout: 60000 }, async () => {
  // 30 notifications for the admin, newest last; every third one already read.
  await db.psql(`INSERT INTO notifications (user_id, kind, title, body, created_at, read_at)
    SELECT u.id, 'test', '第 ' || g || ' 条通知', '北京市科学技术协会提交了推荐材料（' || g || '）',
           now() - (30 - g) * interval '1 minute', CASE WHEN g % 3 = 0 THEN now() END
      FROM users u, generate_series(1, 30) g WHERE u.username = 'admin'`);
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await page.locator('#unread-count').waitFor();
  assert.equal((await page.locator('#unread-count').textContent()).trim(), '20 条未读');

  await page.getByRole('link', { name: '通知' }).first().click();
  await waitForPage(page, '/notifications', '通知');
  const items = page.locator('.notif-list > li');
  await items.first().waitFor();
  assert.equal(await items.count(), 20, 'one page of 20');
  assert.equal((await page.locator('.notif-title').first().textContent()).trim(), '第 30 条通知', 'newest first');
  assert.equal((await page.locator('.notif-unread .notif-title').first().textContent()).trim(), '未读第 29 条通知');
  assert.equal(await page.locator('.notif-unread').count(), 13); // 30…11 less 30, 27, …, 12
  assert.equal(await page.getByRole('button', { name: '标为已读' }).count(), 13);

  await page.getByRole('button', { name: '加载更多' }).click();
  await page.locator('.end', { hasText: '已显示全部通知' }).waitFor();
  assert.equal(await items.count(), 30);
  assert.equal(await page.locator('.notif-unread').count(), 20);

  // 标为已读 (a POST with the CSRF token): the mark goes, the item stays.
  const id = await page.locator('.notif-unread').first().getAttribute('data-id');
  const [res] = await Promise.all([
    page.waitForResponse((r) => /\/api\/v1\/notifications\/\d+\/read$/.test(new URL(r.url()).pathname)),
    page.locator('.notif-unread').first().getByRole('button', { name: '标为已读' }).click(),
  ]);
  assert.equal(res.status(), 204);
  await page.locator(`.notif-list > li[data-id="${id}"] .notif-meta`, { hasText: '已读于' }).waitFor();
  assert.equal(await page.locator('.notif-unread').count(), 19);
  assert.equal(await page.evaluate(() => document.activeElement?.closest('li')?.dataset.id != null), true,
    'focus stays on the item');

  await page.getByRole('button', { name: '未读' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.notif-list > li').length === 19);
  assert.equal(await page.locator('.notif-unread').count(), 19);
  assert.equal(await page.getByRole('button', { name: '加载更多' }).count(), 0);

  await mainNav(page).filter({ hasText: '工作台' }).click();
  await waitForPage(page, '/home', '工作台');
  await page.locator('#unread-count', { hasText: '19 条未读' }).waitFor();
  await screenshot(page, 'notifications-home');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('(f3) signing in again in another tab: the old tab takes the new CSRF token', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await page.goto(server.url + '/notifications?unread=true');
  await page.locator('.notif-unread').first().waitFor();

  const other = await browser.newPage(); // same browser: its login replaces the cookie
  await signIn(other, server.url, ADMIN.username, ADMIN.password);
  await other.close();

  const statuses = [];
  page.on('response', (r) => { if (/\/read$/.test(new URL(r.url()).pathname)) statuses.push(r.status()); });
  const count = await page.locator('.notif-unread').count();
  await page.locator('.notif-unread').first().getByRole('button', { name: '标为已读' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('.notif-unread').length === n - 1, count);
  assert.deepEqual(statuses, [403, 204], 'refused with the old token, done with the new one');
  assert.deepEqual(errorsExcept(browser.errors(page), [403]), []);
  await page.close();
});

test('(g) the workbench on a phone, 375×740', { timeout: 60000 }, async () => {
  const page = await freshPage({ width: 375, height: 740 });
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await page.locator('#unread-count').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);

  // The navigation folds into the menu button.
  const toggle = page.getByRole('button', { name: '菜单' });
  assert.ok(await toggle.isVisible());
  assert.equal(await mainNav(page).first().isVisible(), false);
  await screenshot(page, 'home-phone');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.deepEqual(await texts(mainNav(page)), ADMIN_NAV);
  assert.ok(await mainNav(page).first().isVisible());
  await screenshot(page, 'home-phone-menu', { fullPage: false });
  await page.keyboard.press('Escape'); // focus is on the toggle, not in the menu: no change
  await mainNav(page).filter({ hasText: '通知' }).click();
  await waitForPage(page, '/notifications', '通知');
  assert.equal(await mainNav(page).first().isVisible(), false, 'the menu closes on navigation');

  // The audit table scrolls inside its box, not the page.
  await page.goto(server.url + '/audit');
  await page.locator('.audit-table tbody tr').first().waitFor();
  const auditOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(auditOverflow <= 0, `the audit page scrolls sideways by ${auditOverflow}px`);

  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('(h) a recommender has no audit log', { timeout: 60000 }, async () => {
  // No API makes recommenders yet: this one borrows the admin's password hash.
  await db.psql(`INSERT INTO users (username, role, display_name, password_hash)
    SELECT 'rec-bj', 'recommender', '北京市科学技术协会', password_hash FROM users WHERE username = 'admin'`);
  const page = await freshPage();
  await signIn(page, server.url, 'rec-bj', ADMIN.password);
  assert.deepEqual(await texts(mainNav(page)), ['工作台', '推荐工作', '申报审核', '通知']);
  assert.equal((await page.locator('.site-header .user-role').textContent()).trim(), '推荐单位');
  assert.equal((await page.locator('.welcome-name').textContent()).trim(), '北京市科学技术协会');
  assert.deepEqual(await texts(page.locator('.cards-home .card-title')), ['推荐工作', '申报审核', '通知', '修改密码']);

  await page.goto(server.url + '/audit');
  await waitForPage(page, '/audit', '无权访问');
  assert.match(await page.locator('main').textContent(), /推荐单位/);
  await page.getByRole('link', { name: '返回工作台' }).click();
  await waitForPage(page, '/home', '工作台');

  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('(i) the integrity check names the first tampered audit row', { timeout: 60000 }, async () => {
  // Only a superuser can get past the append-only trigger: as an attacker with database access would.
  const target = await db.psql("SELECT min(id) FROM audit_log WHERE action = 'session.login'");
  await db.psql(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;
    UPDATE audit_log SET data = '{"forged":true}' WHERE id = ${Number(target)};
    ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;`);
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await page.goto(server.url + '/audit');
  await page.locator('.audit-table tbody tr').first().waitFor();
  await page.getByRole('button', { name: '校验完整性' }).click();
  const verdict = page.locator('.verdict-bad');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('role'), 'alert');
  assert.equal((await verdict.locator('.verdict-title').textContent()).trim(), `第 ${Number(target)} 条记录被篡改`);
  await screenshot(page, 'audit-tampered', { fullPage: false });
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('(j) a session ended elsewhere, or a password change required, redirects', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);

  // The server ends the session (an admin action, a password change elsewhere):
  // the next request answers 401 and the page goes to the login, keeping the way back.
  await db.psql("UPDATE sessions SET ended_at = now() WHERE ended_at IS NULL");
  await mainNav(page).filter({ hasText: '通知' }).click();
  await waitForPage(page, '/login', '登录');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/notifications');
  assert.match(await page.locator('#flash').textContent(), /登录已失效/);
  await submitLogin(page, ADMIN.username, ADMIN.password);
  await waitForPage(page, '/notifications', '通知');

  // 403 password_change_required from any call leads to the password page.
  // The notifications page's own requests finish first: one still on its
  // way when the flag flips would take the page there before the click.
  await page.waitForLoadState('networkidle');
  await db.psql("UPDATE users SET must_change_password = true WHERE username = 'admin'");
  await mainNav(page).filter({ hasText: '工作台' }).click();
  await waitForPage(page, '/password', '修改密码');
  assert.match(await page.locator('main').textContent(), /首次登录请先修改初始密码/);
  assert.equal(await mainNav(page).count(), 0);
  await db.psql("UPDATE users SET must_change_password = false WHERE username = 'admin'");

  assert.deepEqual(errorsExcept(browser.errors(page), [401, 403]), []);
  await page.close();
});

test('(k) keyboard only: sign in, reach every control, sign out', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await page.goto(server.url + '/login');
  await page.locator('h1', { hasText: '登录' }).waitFor();
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return { id: el?.id ?? '', text: (el?.textContent ?? '').trim(), outline: el ? getComputedStyle(el).outlineStyle : 'none' };
  });
  const tabTo = async (predicate, max = 30) => {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      const f = await focused();
      if (predicate(f)) return f;
    }
    throw new Error('not reachable with Tab');
  };

  await tabTo((f) => f.id === 'login-username');
  await page.keyboard.type(ADMIN.username);
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'login-password');
  await page.keyboard.type(ADMIN.password);
  await page.keyboard.press('Enter');
  await waitForPage(page, '/home', '工作台');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');

  // From the heading, Tab reaches the page's controls and Shift+Tab the
  // header's, up to the skip link; each shows a focus ring.
  const seen = [];
  const walk = async (key, stop) => {
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press(key);
      const f = await focused();
      seen.push(f.text);
      assert.notEqual(f.outline, 'none', `focus ring on ${f.text || f.id}`);
      if (stop(f.text)) return;
    }
    throw new Error(`${key}: never reached the end; seen: ${seen.join(' | ')}`);
  };
  await walk('Tab', (t) => t.startsWith('修改密码'));
  await page.locator('h1').focus();
  await walk('Shift+Tab', (t) => t === '跳到主要内容');
  for (const name of ['跳到主要内容', ...ADMIN_NAV, '退出登录', '通知', '审计日志']) {
    assert.ok(seen.includes(name), `${name} reachable; seen: ${seen.join(' | ')}`);
  }

  await tabTo((f) => f.text === '退出登录');
  await page.keyboard.press('Enter');
  await waitForPage(page, '/login', '登录');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('kpjdd stops cleanly', { timeout: 30000 }, async () => {
  const { code } = await server.stop();
  assert.equal(code, 0);
});
