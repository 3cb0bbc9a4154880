// The recommender's review as its users want it (issue 13 item 3), in a
// real browser: the queue opens on 待审, oldest first, under the quota
// (used/total), the recommend deadline in Beijing time with the time left
// and the pending count; a provincial recommender's region filter offers
// its own region only; with the quota used up 推荐 is disabled and says
// why before anyone writes an opinion; 撤回推荐 asks for a reason, which
// the unit then reads on its page, in its history and in its notice; and
// each page that shows the application shows its 办理记录 — the
// recommender's, the unit's and the admin's. Desktop and a 390 px phone.
//
// The batch (quota 1), the recommender and three units, submitted in
// order, are made through the API. The tests run in order and share them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKpjdd, createDatabase } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeBatch, makeRecommender, makeApplication, NEW_PASSWORD } from '../lib/fixtures.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, waitForPage, texts } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';
import { fillViaApi, uploadViaApi, submitViaApi } from './lib/applications.js';

const REC_NAME = '北京市科学技术协会';
const UNITS = ['北京天文馆', '北京自然博物馆', '中国科学技术馆'];
const OPINION = '该馆天文科普特色鲜明，同意推荐。';
const REASON = '经研究，本批次名额改推其他单位，请谅解。';

let db, server, browser, admin, rec, batch;
let units;     // [{ application, username, password, api }] in the order submitted

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  batch = await makeBatch(admin, { status: 'open' });
  rec = await makeRecommender(server.url, admin, { name: REC_NAME, kind: 'provincial_cast', region: '北京市' });
  const q = await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: [{ recommender_id: rec.id, quota: 1 }] });
  assert.equal(q.status, 200, await q.text());
  units = [];
  for (const name of UNITS) {
    const u = await makeApplication(server.url, rec.session, batch.id, { unit: { name, region: '北京市' } });
    u.api = await apiSignIn(server.url, u.username, u.password);
    await fillViaApi(u.api, u.application.id, { baseName: `${name}科普教育基地` });
    await uploadViaApi(server.url, u.api, u.application.id);
    await submitViaApi(u.api, u.application.id);
    units.push(u);
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop({ allowFailure: true }).catch(() => {});
  await db?.drop().catch(() => {});
});

async function freshPage(size = { width: 1280, height: 800 }) {
  await browser.context.clearCookies();
  const page = await browser.newPage(size);
  page.setDefaultTimeout(10000);
  return page;
}

const apiPath = (r) => new URL(r.url()).pathname;

async function clickFor(page, locator, method, pathRe) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && pathRe.test(apiPath(r))),
    locator.click(),
  ]);
  return res;
}

async function recommendViaApi(u) {
  const res = await rec.session.api('POST', `/applications/${u.application.id}/recommend`, { opinion: OPINION });
  assert.equal(res.status, 200, await res.text());
}

async function loaded(page) {
  await page.waitForFunction(() => !document.querySelector('.state-loading'));
}

test('the queue opens on 待审, oldest first, under quota, deadline and pending count', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, rec.username, NEW_PASSWORD);
  const [list] = await Promise.all([
    page.waitForResponse((r) => apiPath(r) === '/api/v1/applications'),
    page.goto(`${server.url}/review`),
  ]);
  const sent = new URL(list.url()).searchParams;
  assert.equal(sent.get('status'), 'submitted');
  assert.equal(sent.get('order'), 'oldest');
  await waitForPage(page, '/review', '申报审核');
  assert.equal(await page.getByLabel('状态').inputValue(), 'submitted');
  const rows = page.locator('.apps-table tbody tr');
  await rows.nth(2).waitFor();
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id))),
    units.map((u) => u.application.id), 'oldest first');

  const line = page.locator(`#quota-${batch.id}`);
  await line.waitFor();
  const text = await line.textContent();
  assert.match(text, /已推荐 0 \/ 名额 1/);
  assert.match(text, /待审 3 项/);
  assert.match(text, /推荐截止 \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?（北京时间）/);
  const days = Math.floor((Date.parse(batch.recommend_deadline) - Date.now()) / 86400e3);
  assert.match(text, new RegExp(`还剩 (${days}|${days - 1}) 天`));

  // a provincial recommender's region filter: its own region only
  await page.waitForFunction(() => document.querySelector('#apps-region option:last-child')?.value === '北京市');
  assert.deepEqual(await texts(page.locator('#apps-region option')), ['全部', '北京市']);
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'review-queue');

  // 全部 shows every status again, newest first
  const [all] = await Promise.all([
    page.waitForResponse((r) => apiPath(r) === '/api/v1/applications'),
    page.getByLabel('状态').selectOption(''),
  ]);
  assert.equal(new URL(all.url()).searchParams.get('order'), null);
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('with the quota used up 推荐 is disabled and says why, before an opinion is written', { timeout: 90000 }, async () => {
  await recommendViaApi(units[0]);
  const page = await freshPage();
  await signIn(page, server.url, rec.username, NEW_PASSWORD);
  await page.goto(`${server.url}/review/${units[1].application.id}`);
  await page.locator('h1 .badge', { hasText: '已提交' }).waitFor();
  await page.locator('#review-blocked', { hasText: '名额已用完：1/1' }).waitFor();
  const recommend = page.getByRole('button', { name: '推荐', exact: true });
  assert.ok(await recommend.isDisabled());
  assert.equal(await recommend.getAttribute('aria-describedby'), 'review-blocked');
  assert.ok(!(await page.getByRole('button', { name: '退回修改' }).isDisabled()), 'returning needs no quota');
  await recommend.click({ force: true });
  assert.equal(await page.getByRole('dialog').count(), 0, 'no dialog opens');
  await page.locator('#app-history .history-item').first().waitFor();
  assert.deepEqual(await texts(page.locator('#app-history .history-action')), ['提交申报']);
  await screenshot(page, 'review-quota-used-up');

  await page.goto(`${server.url}/review`);
  await page.locator(`#quota-${batch.id}`, { hasText: '名额已用完' }).waitFor();
  assert.match(await page.locator(`#quota-${batch.id}`).textContent(), /待审 2 项/);
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('撤回推荐 asks for a reason; the history records it', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, rec.username, NEW_PASSWORD);
  await page.goto(`${server.url}/review/${units[0].application.id}`);
  await page.locator('h1 .badge', { hasText: '已推荐' }).waitFor();
  await page.getByRole('button', { name: '撤回推荐' }).click();
  const dialog = page.getByRole('dialog', { name: `撤回对“${UNITS[0]}”的推荐` });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: '撤回推荐' }).click();
  assert.equal((await dialog.locator('.field-error').textContent()).trim(), '请填写撤回原因');
  await dialog.getByLabel(/^撤回原因/).fill(REASON);
  assert.equal((await dialog.locator('.counter').textContent()).trim(), `${[...REASON].length} / 500 字`);
  await screenshot(page, 'review-withdraw-dialog', { fullPage: false });
  const done = await clickFor(page, dialog.getByRole('button', { name: '撤回推荐' }), 'POST', /\/withdraw-recommendation$/);
  assert.equal(done.status(), 200);
  assert.deepEqual(JSON.parse(done.request().postData()), { reason: REASON });
  await page.locator('h1 .badge', { hasText: '已提交' }).waitFor();
  await page.locator('#review-notice', { hasText: '已撤回推荐' }).waitFor();
  assert.match(await page.locator('#app-outcome').textContent(), new RegExp(REASON));
  assert.ok(!(await page.getByRole('button', { name: '推荐', exact: true }).isDisabled()), 'the place is free again');

  await page.locator('#app-history .history-item').nth(2).waitFor();
  assert.deepEqual(await texts(page.locator('#app-history .history-action')), ['提交申报', '推荐', '撤回推荐']);
  const items = page.locator('#app-history .history-item');
  assert.match(await items.nth(1).textContent(), new RegExp(`推荐单位：${REC_NAME}.*推荐意见：${OPINION}`));
  assert.match(await items.nth(2).textContent(), new RegExp(`原因：${REASON}`));
  assert.match(await items.nth(0).textContent(), new RegExp(`申报单位：${UNITS[0]}`));
  await screenshot(page, 'review-detail-history');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('the unit reads the reason on its page, in its history and in its notice', { timeout: 90000 }, async () => {
  const u = units[0];
  const page = await freshPage();
  await signIn(page, server.url, u.username, u.password);
  await page.goto(`${server.url}/applications/${u.application.id}`);
  await page.locator('#app-outcome').waitFor();
  const outcome = await page.locator('#app-outcome').textContent();
  assert.match(outcome, /推荐单位撤回了推荐，原因：/);
  assert.match(outcome, new RegExp(REASON));
  await page.locator('#app-history .history-item').nth(2).waitFor();
  assert.deepEqual(await texts(page.locator('#app-history .history-action')), ['提交申报', '推荐', '撤回推荐']);
  await screenshot(page, 'application-withdrawn');

  await page.goto(`${server.url}/notifications`);
  await page.locator('.notif-text', { hasText: REASON }).waitFor();
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('the admin\'s detail shows the same history', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${server.url}/admin/applications/${units[0].application.id}`);
  await page.locator('#app-history .history-item').nth(2).waitFor();
  assert.deepEqual(await texts(page.locator('#app-history .history-action')), ['提交申报', '推荐', '撤回推荐']);
  assert.equal(await page.locator('.review-panel').count(), 0);
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('the pages fit a 390 px phone', { timeout: 90000 }, async () => {
  const phone = { width: 390, height: 844 };
  const check = async (page, path, shot) => {
    await page.goto(server.url + path);
    await page.locator('h1').waitFor();
    await loaded(page);
    assert.ok(await pageOverflow(page) <= 0, `${path} scrolls sideways by ${await pageOverflow(page)}px`);
    assert.deepEqual(await labelProblems(page), [], `${path}: labels and ids`);
    await screenshot(page, shot);
  };
  await recommendViaApi(units[2]);
  let page = await freshPage(phone);
  await signIn(page, server.url, rec.username, NEW_PASSWORD);
  await check(page, '/review', 'review-queue-phone');
  await check(page, `/review/${units[1].application.id}`, 'review-quota-used-up-phone');
  await check(page, `/review/${units[0].application.id}`, 'review-detail-history-phone');
  assert.deepEqual(browser.errors(page), []);
  await page.close();

  page = await freshPage(phone);
  await signIn(page, server.url, units[0].username, units[0].password);
  await check(page, `/applications/${units[0].application.id}`, 'application-withdrawn-phone');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('kpjdd stops cleanly', { timeout: 30000 }, async () => {
  await server.stop();
  server = null;
});
