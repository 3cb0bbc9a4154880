// The front page in a real browser against a real kpjdd and PostgreSQL:
// landing page, service status, phone layout, the not-found view, the way
// to the login page, and a clean shutdown of the daemon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKpjdd } from '../lib/kpjdd.js';
import { launch, screenshot } from './lib/browser.js';

const TITLE = '全国科普教育基地创建与认定平台';
const STEPS = ['名额下达', '联系人报送', '申报邀请码', '单位申报', '推荐单位审核推荐', '初评',
  '实地抽检', '终评', '公示', '认定命名', '年度报告与终期考核'];
const CATEGORIES = ['科技场馆类', '教育科研与重大工程类', '“三农”类', '企业类', '自然资源类', '其他类'];

let server;
let browser;

before(async () => {
  server = await startKpjdd({ migrate: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  // Normally already stopped by the last test; this covers a failure before it.
  await server?.stop({ allowFailure: true }).catch(() => {});
});

// Waits until the footer's status has left the loading state; → its text.
async function serviceStatus(page) {
  await page.waitForFunction(() => {
    const el = document.querySelector('.service-status');
    return el && el.dataset.state && el.dataset.state !== 'loading';
  }, null, { timeout: 15000 });
  return (await page.locator('.service-status .status-text').textContent()).trim();
}

async function texts(locator) {
  return (await locator.allTextContents()).map((t) => t.trim());
}

test('front page at 1280×800', { timeout: 60000 }, async () => {
  const page = await browser.newPage({ width: 1280, height: 800 });
  const res = await page.goto(server.url + '/', { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'] ?? '', /script-src 'self'/,
    'index.html is served with the CSP, so violations would show as console errors');

  assert.equal(await page.title(), TITLE);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.equal((await page.locator('h1').textContent()).trim(), TITLE);
  assert.ok(await page.locator('h1').isVisible());
  assert.match(await page.locator('.lead').textContent(), /中国科协/);

  const steps = page.locator('ol.timeline > li h3');
  assert.deepEqual(await texts(steps), STEPS);
  assert.ok(await steps.first().isVisible());
  assert.deepEqual(await texts(page.locator('.cards h3')), CATEGORIES);
  const roles = await texts(page.locator('.roles dt'));
  for (const role of ['中国科协', '推荐单位', '申报单位', '认定专家委员会']) assert.ok(roles.includes(role), role);

  assert.equal(await serviceStatus(page), '服务正常');
  const login = page.locator('.site-header').getByRole('link', { name: '登录', exact: true });
  assert.ok(await login.isVisible(), 'the header offers 登录');
  assert.equal(await login.getAttribute('href'), '/login');

  await screenshot(page, 'front');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('front page on a phone, 375×740', { timeout: 60000 }, async () => {
  const page = await browser.newPage({ width: 375, height: 740 });
  await page.goto(server.url + '/');
  assert.equal((await page.locator('h1').textContent()).trim(), TITLE);
  assert.equal(await serviceStatus(page), '服务正常');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await screenshot(page, 'front-phone');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('unknown UI path renders the not-found view, with a way home', { timeout: 60000 }, async () => {
  const page = await browser.newPage({ width: 1280, height: 800 });
  const res = await page.goto(server.url + '/no/such/page');
  assert.equal(res.status(), 200, 'the server answers index.html for UI routes');
  assert.equal((await page.locator('h1').textContent()).trim(), '页面不存在');
  assert.match(await page.title(), /^页面不存在/);
  assert.match(await page.locator('main').textContent(), /\/no\/such\/page/);
  await screenshot(page, 'not-found');

  // The link home is handled by the router: no reload, history entry pushed.
  await page.evaluate(() => { window.kpjdNoReload = true; });
  await page.getByRole('link', { name: '返回首页' }).click();
  await page.waitForFunction(() => location.pathname === '/');
  assert.equal((await page.locator('h1').textContent()).trim(), TITLE);
  assert.equal(await page.evaluate(() => window.kpjdNoReload), true, 'navigated without reloading');
  assert.equal(await page.title(), TITLE);
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('h1')?.textContent.trim() === '页面不存在');
  assert.equal(new URL(page.url()).pathname, '/no/such/page');

  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('登录 in the header opens the login page without a reload', { timeout: 60000 }, async () => {
  const page = await browser.newPage({ width: 1280, height: 800 });
  await page.goto(server.url + '/');
  await page.evaluate(() => { window.kpjdNoReload = true; });
  await page.locator('.site-header').getByRole('link', { name: '登录', exact: true }).click();
  await page.waitForFunction(() => location.pathname === '/login');
  assert.equal((await page.locator('h1').textContent()).trim(), '登录');
  assert.equal(await page.evaluate(() => window.kpjdNoReload), true, 'navigated without reloading');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moved to the heading');
  assert.ok(await page.getByLabel('用户名', { exact: true }).isVisible());
  assert.deepEqual(browser.errors(page), [], 'no session probe (and no 401) for a visitor who never signed in');
  await page.close();
});

test('a missing file is a real 404', { timeout: 30000 }, async () => {
  const res = await fetch(server.url + '/no-such-file.js');
  assert.equal(res.status, 404);
  await res.arrayBuffer();
});

test('kpjdd stops cleanly on SIGTERM', { timeout: 30000 }, async () => {
  const { code, signal } = await server.stop();
  assert.equal(code, 0);
  assert.equal(signal, null);
});
