// The weight of the first page: the landing page and /login load under
// 100 KiB transferred (summed from Chromium's own network events, every
// request of the page), their scripts and stylesheet gzip-coded, and only
// their own view's modules: views load on demand through import(), with a
// loading state while they come and an error state when one cannot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { config, startKpjdd } from '../lib/kpjdd.js';
import { launch, screenshot } from './lib/browser.js';
import { errorsExcept } from './lib/session.js';

const BUDGET = 100 * 1024;

let server;
let browser;

before(async () => {
  server = await startKpjdd({ migrate: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Loads `path` in a fresh page with the HTTP cache off (a first visit) and
// waits for its h1; → { total, requests: [{ url, bytes, encoding }] } where
// bytes are what came over the wire (encodedDataLength: headers and body).
async function weigh(path, heading) {
  const page = await browser.newPage({ width: 1280, height: 800 });
  const cdp = await browser.context.newCDPSession(page);
  const requests = new Map();
  cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, bytes: 0 }));
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.encoding = e.response.headers['Content-Encoding'] ?? e.response.headers['content-encoding'];
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.goto(server.url + path, { waitUntil: 'networkidle' });
  await page.locator('h1', { hasText: heading }).waitFor({ timeout: 15000 });
  const list = [...requests.values()];
  const total = list.reduce((sum, r) => sum + r.bytes, 0);
  assert.deepEqual(errorsExcept(browser.errors(page), [401]), []);
  await cdp.detach();
  await page.close();
  return { total, requests: list };
}

// The modules `file` (under web/) imports statically, and theirs: what a
// page needs before its view (dynamic import() calls are not followed).
function staticImports(file, seen = new Set()) {
  const text = readFileSync(join(config.webRoot, file), 'utf8');
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gm)) {
    const dep = relative(config.webRoot, join(config.webRoot, dirname(file), m[1]));
    if (!seen.has(dep)) {
      seen.add(dep);
      staticImports(dep, seen);
    }
  }
  return seen;
}

test("index.html preloads exactly app.js's static imports", () => {
  const html = readFileSync(join(config.webRoot, 'index.html'), 'utf8');
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="\/([^"]+)">/g)].map((m) => m[1]);
  assert.deepEqual(preloaded.toSorted(), [...staticImports('app.js')].toSorted());
  assert.ok(preloaded.includes('dom.js'), 'imports of imports too');
});

for (const [path, heading, view] of [['/', '全国科普教育基地创建与认定平台', 'landing'], ['/login', '登录', 'login']]) {
  test(`${path} loads under 100 KiB, gzip-coded, with only its own view`, { timeout: 60000 }, async (t) => {
    const { total, requests } = await weigh(path, heading);
    t.diagnostic(`${path}: ${requests.length} requests, ${total} bytes`);
    for (const r of requests) t.diagnostic(`  ${r.bytes}\t${r.encoding ?? '-'}\t${new URL(r.url).pathname}`);
    assert.ok(total > 0 && requests.every((r) => r.bytes > 0), 'every request was weighed');
    assert.ok(total < BUDGET, `${path}: ${total} bytes transferred, budget ${BUDGET}`);
    const paths = requests.map((r) => new URL(r.url).pathname);
    for (const must of ['/app.js', '/style.css', `/views/${view}.js`]) assert.ok(paths.includes(must), must);
    const views = paths.filter((p) => p.startsWith('/views/'));
    assert.deepEqual(views, [`/views/${view}.js`], 'no other view is fetched');
    for (const r of requests) {
      if (/\.(js|css|html)$|^\/(login)?$/.test(new URL(r.url).pathname))
        assert.equal(r.encoding, 'gzip', `${r.url} is gzip-coded`);
    }
  });
}

test('the title comes from the view once loaded; other views load as the user goes', { timeout: 60000 }, async () => {
  const page = await browser.newPage({ width: 1280, height: 800 });
  const fetched = [];
  page.on('request', (req) => fetched.push(new URL(req.url()).pathname));
  await page.goto(server.url + '/');
  await page.locator('h1').first().waitFor();
  assert.ok(!fetched.includes('/views/login.js'));
  await page.getByRole('link', { name: '登录', exact: true }).first().click();
  await page.locator('h1', { hasText: '登录' }).waitFor();
  assert.ok(fetched.includes('/views/login.js'));
  assert.equal(await page.title(), '登录 - 全国科普教育基地创建与认定平台');
  await page.goBack();
  await page.locator('h1', { hasText: '全国科普教育基地创建与认定平台' }).waitFor();
  assert.equal(await page.title(), '全国科普教育基地创建与认定平台');
  assert.deepEqual(errorsExcept(browser.errors(page), [401]), []);
  await page.close();
});

test('a view that does not arrive shows an error with a way to retry, not a blank page', { timeout: 60000 }, async () => {
  for (const [name, width, height] of [['view-failed', 1280, 800], ['view-failed-phone', 390, 844]]) {
    const page = await browser.newPage({ width, height });
    let blocked = true;
    await page.route('**/views/notices.js', (route) => (blocked ? route.abort('failed') : route.continue()));
    await page.goto(server.url + '/notices');
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 15000 });
    assert.equal((await page.locator('h1').textContent()).trim(), '页面加载失败');
    assert.match(await alert.textContent(), /请刷新后重试/);
    await screenshot(page, name);
    // 重试 reloads the page, which fetches the module again
    blocked = false;
    await Promise.all([page.waitForEvent('load'), alert.getByRole('button', { name: '重试' }).click()]);
    await page.locator('h1', { hasText: '公示' }).waitFor({ timeout: 15000 });
    const errors = browser.errors(page).filter((e) => !/views\/notices\.js|Failed to load resource|dynamically imported module/.test(e));
    assert.deepEqual(errorsExcept(errors, [401]), []);
    await page.close();
  }
});
