// The unit's own data (单位信息) in a real browser against a real kpjdd and
// PostgreSQL: the unit finds its page in the navigation, reads what it
// registered, edits it (the form's own checks, then a change sent as only
// the changed fields with If-Match; a change made meanwhile elsewhere is
// 412 and the page shows the latest), and once its application is
// submitted can no longer edit and is told why; its recommender sees the
// unit's data in the review; the admin sees it in the application's detail
// and edits it. On a desktop and a 390 px phone, without console errors,
// every control labelled.  The tests run in order and share the state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKpjdd, createDatabase } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';
import { fillViaApi, uploadViaApi, submitViaApi } from './lib/applications.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

let db, server, browser, admin, rec, unit, unitApi;

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  rec = await makeRecommender(server.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' });
  const batch = await makeBatch(admin, { status: 'open' });
  unit = await makeApplication(server.url, rec.session, batch.id, {
    unit: { name: '北京自然博物馆', contact_name: '李四', contact_phone: '010-68571234' },
  });
  unitApi = await apiSignIn(server.url, unit.username, unit.password);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop({ allowFailure: true }).catch(() => {});
  await db?.drop().catch(() => {});
});

const apiPath = (r) => new URL(r.url()).pathname;

async function pageAs(username, password, size = DESKTOP) {
  await browser.context.clearCookies();
  const page = await browser.newPage(size);
  page.setDefaultTimeout(10000);
  await signIn(page, server.url, username, password);
  return page;
}

async function saveFor(page) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'PATCH' && /^\/api\/v1\/applicants\/\d+$/.test(apiPath(r))),
    page.locator('#unit-panel button[type="submit"]').click(),
  ]);
  return res;
}

const fact = (page, label) => page.locator('#unit-panel .facts > div', { has: page.locator('dt', { hasText: label }) }).locator('dd');

test('the unit reads its registration data from the navigation and edits it', { timeout: 120000 }, async () => {
  const page = await pageAs(unit.username, unit.password);
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '单位信息' }).click();
  await waitForPage(page, '/my/unit', '单位信息');
  await page.locator('#unit-edit').waitFor();
  assert.equal((await fact(page, '统一社会信用代码').textContent()).trim(), unit.applicant.credit_code);
  assert.equal((await fact(page, '联系电话').textContent()).trim(), '010-68571234');
  assert.equal(await page.locator('#unit-locked').count(), 0);
  await screenshot(page, 'unit-profile-desktop');

  await page.locator('#unit-edit').click();
  await page.locator('h2', { hasText: '修改登记信息' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'unit-name');
  assert.deepEqual(await labelProblems(page), []);
  assert.equal(await page.getByLabel('所在地区').inputValue(), '北京市');
  // the form's own checks: nothing is sent
  await page.getByLabel('联系电话').fill('');
  await page.getByLabel('电子邮箱').fill('nobody');
  let patches = 0;
  page.on('request', (r) => { if (r.method() === 'PATCH') patches++; });
  await page.locator('#unit-panel button[type="submit"]').click();
  await page.locator('#unit-contact-phone-error', { hasText: '请填写联系电话' }).waitFor();
  await page.locator('#unit-contact-email-error', { hasText: '有效的电子邮箱' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'unit-contact-phone');
  assert.equal(patches, 0);
  await screenshot(page, 'unit-profile-form-desktop');

  // a good change: only the changed fields, with the version read
  await page.getByLabel('单位名称').fill('北京自然博物馆（新馆）');
  await page.getByLabel('所在地区').selectOption('天津市');
  await page.getByLabel('联系人').fill('王小明');
  await page.getByLabel('联系电话').fill('13800138000');
  await page.getByLabel('电子邮箱').fill(unit.applicant.contact_email);
  const res = await saveFor(page);
  assert.equal(res.status(), 200, await res.text());
  assert.deepEqual(res.request().postDataJSON(),
    { name: '北京自然博物馆（新馆）', region: '天津市', contact_name: '王小明', contact_phone: '13800138000' });
  assert.equal(res.request().headers()['if-match'], '"1"');
  await page.locator('#unit-status', { hasText: '单位信息已保存' }).waitFor();
  assert.equal((await fact(page, '单位名称').textContent()).trim(), '北京自然博物馆（新馆）');
  assert.equal((await fact(page, '所在地区').textContent()).trim(), '天津市');
  // the header says the new name at once, not after a reload
  await page.locator('.site-header .user-name', { hasText: '北京自然博物馆（新馆）' }).waitFor({ timeout: 5000 });

  // changed meanwhile elsewhere: 412, and the page shows the latest
  const elsewhere = await admin.api('PATCH', `/applicants/${unit.applicant.id}`, { contact_name: '赵六' });
  assert.equal(elsewhere.status, 200);
  await page.locator('#unit-edit').click();
  await page.getByLabel('联系人').fill('王大明');
  const stale = await saveFor(page);
  assert.equal(stale.status(), 412);
  await page.locator('#unit-status', { hasText: '已在别处修改' }).waitFor();
  assert.equal((await fact(page, '联系人').textContent()).trim(), '赵六');
  assert.deepEqual(errorsExcept(browser.errors(page), [412]), []);
  await page.close();

  // a phone, the form open
  const phone = await pageAs(unit.username, unit.password, PHONE);
  await phone.goto(`${server.url}/my/unit`);
  await phone.locator('#unit-edit').click();
  await phone.getByLabel('单位名称').waitFor();
  assert.ok(await pageOverflow(phone) <= 0, 'the form fits a phone');
  await screenshot(phone, 'unit-profile-form-phone');
  await phone.locator('#unit-panel button', { hasText: '取消' }).click();
  await phone.locator('#unit-edit').waitFor();
  assert.ok(await pageOverflow(phone) <= 0, 'the page fits a phone');
  await screenshot(phone, 'unit-profile-phone');
  assert.deepEqual(browser.errors(phone), []);
  await phone.close();
});

test('once its application is submitted the unit can no longer edit, and is told why', async () => {
  await fillViaApi(unitApi, unit.application.id);
  await uploadViaApi(server.url, unitApi, unit.application.id);
  await submitViaApi(unitApi, unit.application.id);
  const page = await pageAs(unit.username, unit.password);
  await page.goto(`${server.url}/my/unit`);
  await page.locator('#unit-locked', { hasText: '申报提交后单位信息不能修改' }).waitFor();
  assert.equal(await page.locator('#unit-edit').count(), 0);
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('the recommender sees the unit\'s data in its review, read only', async () => {
  for (const size of [DESKTOP, PHONE]) {
    const page = await pageAs(rec.username, rec.password, size);
    await page.goto(`${server.url}/review/${unit.application.id}`);
    await page.locator('#unit-title', { hasText: '申报单位信息' }).waitFor();
    await fact(page, '联系人').filter({ hasText: '赵六' }).waitFor();
    assert.equal((await fact(page, '联系电话').textContent()).trim(), '13800138000');
    assert.equal((await fact(page, '统一社会信用代码').textContent()).trim(), unit.applicant.credit_code);
    assert.equal(await page.locator('#unit-edit').count(), 0);
    assert.ok(await pageOverflow(page) <= 0, 'the review fits');
    await screenshot(page, `unit-profile-review-${size.width}`);
    assert.deepEqual(browser.errors(page), []);
    await page.close();
  }
});

test('the admin sees the unit\'s data in the application\'s detail and edits it', async () => {
  const page = await pageAs('admin', ADMIN_PASSWORD);
  await page.goto(`${server.url}/admin/applications/${unit.application.id}`);
  await page.locator('#unit-title', { hasText: '申报单位信息' }).waitFor();
  await page.locator('#unit-edit').click();
  assert.deepEqual(await labelProblems(page), []);
  await page.getByLabel('法定代表人').fill('孙八');
  const res = await saveFor(page);
  assert.equal(res.status(), 200, await res.text());
  assert.deepEqual(res.request().postDataJSON(), { legal_representative: '孙八' });
  await page.locator('#unit-status', { hasText: '单位信息已保存' }).waitFor();
  assert.equal((await fact(page, '法定代表人').textContent()).trim(), '孙八');
  await screenshot(page, 'unit-profile-admin-desktop');
  const audit = await (await admin.api('GET', `/audit?action=applicant.updated&entity_id=${unit.applicant.id}`)).json();
  assert.deepEqual(audit.items[0].data.changes, { legal_representative: { from: '张三', to: '孙八' } });
  assert.equal(audit.items[0].actor_role, 'admin');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});
