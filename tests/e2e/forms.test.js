// Forms that tell before they refuse (issue 13, item 9), in a real browser
// against a real kpjdd: the applicant's 提交 lists what is missing without
// asking to confirm (the server's 422 still decides when the page is out of
// date); a credit code already registered in the batch shows its refusal
// and not the green mark of a well-formed code; a weak password is refused
// with the reason in Chinese; each upload field says the size limits the
// server enforces. Desktop and a 390 px phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKpjdd, createDatabase } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeBatch, makeRecommender, makeApplication, makeInvitation, creditCode } from '../lib/fixtures.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept, texts } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';
import { fillViaApi, uploadViaApi } from './lib/applications.js';

const PHONE = { width: 390, height: 844 };
const SYSTEMATIC = '密码过于简单或有规律（如 123456789012、abcdefghijkl），容易被猜到';

let db, server, browser, admin, rec, batch;
let takenCredit;   // the credit code of a unit registered in the batch

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true, env: { KPJD_ATTACHMENTS_MAX_FILE: '20M', KPJD_ATTACHMENTS_MAX_TOTAL: '60M' } });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  batch = await makeBatch(admin, { status: 'open' });
  rec = await makeRecommender(server.url, admin, { name: '上海市科学技术协会', kind: 'provincial_cast', region: '上海市' });
  takenCredit = creditCode();
  await makeApplication(server.url, rec.session, batch.id, { unit: { credit_code: takenCredit, name: '上海科技馆' } });
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

async function registrationTries(size, shot) {
  const code = await makeInvitation(rec.session, batch.id);
  const page = await freshPage(size);
  await page.goto(`${server.url}/register?code=${code}`);
  await waitForPage(page, '/register', '申报单位注册');
  await page.locator('#reg-invitation').waitFor();
  const n = Math.floor(Math.random() * 1e6);
  await page.getByLabel('单位名称').fill('上海自然博物馆');
  await page.getByLabel('所在地区').selectOption('上海市');
  await page.getByLabel('地址', { exact: true }).fill('上海市静安区北京西路 510 号');
  await page.getByLabel('法定代表人').fill('王强');
  await page.getByLabel('主管部门').fill('上海科技馆');
  await page.getByLabel('联系人', { exact: true }).fill('陈静');
  await page.getByLabel('联系电话').fill('021-68622000');
  await page.getByLabel('电子邮箱').fill(`chenjing${n}@snhm.example.cn`);
  await page.getByLabel('用户名').fill(`snhm${n}`);
  const credit = page.getByLabel('统一社会信用代码');
  const mark = page.locator('#reg-unit-credit-code-ok');
  const creditError = page.locator('#reg-unit-credit-code-error');
  await credit.fill(takenCredit);
  assert.equal((await mark.textContent()).trim(), '✓ 格式和校验位正确', 'well-formed, as far as the page can tell');

  // A weak password: the server's reason in Chinese, beside the field.
  await page.getByLabel('密码', { exact: true }).fill('123456789012');
  await page.getByLabel('确认密码').fill('123456789012');
  const weak = await clickFor(page, page.getByRole('button', { name: '注册并创建申报' }), 'POST', /^\/api\/v1\/applicants$/);
  assert.equal(weak.status(), 422);
  await page.locator('#reg-password-error', { hasText: /\S/ }).waitFor();
  assert.equal((await page.locator('#reg-password-error').textContent()).trim(), SYSTEMATIC);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'reg-password');
  await page.locator('#reg-password').scrollIntoViewIfNeeded();
  await screenshot(page, `${shot}-weak-password`, { fullPage: false });

  // A good one: now the credit code is the trouble, and only that shows.
  await page.getByLabel('密码', { exact: true }).fill('浦江两岸的自然博物馆 2026');
  await page.getByLabel('确认密码').fill('浦江两岸的自然博物馆 2026');
  const dup = await clickFor(page, page.getByRole('button', { name: '注册并创建申报' }), 'POST', /^\/api\/v1\/applicants$/);
  assert.equal(dup.status(), 409);
  await creditError.filter({ hasText: '该单位已在本批次申报' }).waitFor();
  assert.equal((await mark.textContent()).trim(), '', 'no green mark beside the refusal');
  assert.equal(await page.locator('#reg-unit-credit-code-ok.field-ok-done').count(), 0);
  assert.equal(await credit.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'reg-unit-credit-code');
  await credit.scrollIntoViewIfNeeded();
  await screenshot(page, `${shot}-duplicate-credit-code`, { fullPage: false });
  assert.ok(await pageOverflow(page) <= 0, 'no sideways scrolling');
  assert.deepEqual(await labelProblems(page), []);

  // Typed again (any case), the same code is still refused; another is well-formed.
  await credit.fill('');
  await credit.fill(takenCredit.toLowerCase());
  assert.equal((await creditError.textContent()).trim(), '该单位已在本批次申报');
  assert.equal((await mark.textContent()).trim(), '');
  await credit.fill(creditCode());
  assert.equal((await creditError.textContent()).trim(), '');
  assert.equal((await mark.textContent()).trim(), '✓ 格式和校验位正确');
  assert.deepEqual(errorsExcept(browser.errors(page), [409, 422]), []);
  await page.close();
}

test('registration: a weak password is refused in Chinese; a duplicate credit code shows no green mark (desktop)', { timeout: 90000 }, async () => {
  await registrationTries({ width: 1280, height: 800 }, 'forms-register');
});

test('registration: the same on a 390 px phone', { timeout: 90000 }, async () => {
  await registrationTries(PHONE, 'forms-register-phone');
});

async function applicationPage(size, shot) {
  // Filled but for 三年发展规划, and no signed form uploaded.
  const unit = await makeApplication(server.url, rec.session, batch.id, { unit: { name: '上海天文馆' } });
  const unitApi = await apiSignIn(server.url, unit.username, unit.password);
  await fillViaApi(unitApi, unit.application.id, { baseName: '上海天文馆科普教育基地', form: { plan: null } });
  const page = await freshPage(size);
  const submits = [];
  page.on('request', (r) => { if (r.method() === 'POST' && /\/submit$/.test(apiPath(r))) submits.push(r); });
  await signIn(page, server.url, unit.username, unit.password);
  await page.goto(`${server.url}/applications/${unit.application.id}`);
  await page.locator('#app-base-name').waitFor();

  // Every upload field says what it takes and how much (kpjd.conf's limits here: 20M, 60M).
  const limits = page.locator('.upload-kind .upload-limits');
  await limits.first().filter({ hasText: 'MB' }).waitFor();
  assert.deepEqual(await texts(limits), [
    '接受 PDF；单个文件不超过 20 MB，本申报全部附件合计不超过 60 MB',
    '接受 PDF、PNG 或 JPEG；单个文件不超过 20 MB，本申报全部附件合计不超过 60 MB',
    '接受 MP4；单个文件不超过 20 MB，本申报全部附件合计不超过 60 MB',
    '接受 PDF、PNG、JPEG 或 MP4；单个文件不超过 20 MB，本申报全部附件合计不超过 60 MB',
  ]);
  assert.match(await page.locator('#app-file-application-form').getAttribute('aria-describedby'), /app-file-application-form-limits/);

  // 提交: the list of what is missing, in the server's words; no question, nothing sent.
  await page.getByRole('button', { name: '提交申报' }).click();
  const missing = page.locator('#app-missing');
  await missing.locator('.missing-title', { hasText: '还缺少以下 2 项' }).waitFor();
  assert.deepEqual(await texts(missing.locator('.missing-list button')), ['三年发展规划', '申报表扫描件']);
  assert.equal(await page.getByRole('dialog').count(), 0);
  assert.equal(submits.length, 0);
  await page.waitForFunction(() => document.activeElement?.id === 'app-plan');
  assert.equal((await page.locator('#app-plan-error').textContent()).trim(), '请填写三年发展规划');
  assert.match(await page.locator('#app-submit-message').textContent(), /还缺少 2 项/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, `${shot}-missing`, { fullPage: false });
  // Each item leads to its field.
  await missing.getByRole('button', { name: '申报表扫描件' }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'app-file-application-form');
  assert.equal((await page.locator('#app-file-application-form-error').textContent()).trim(), '请上传盖章的申报表扫描件（PDF）');
  await page.locator('#upload-application_form').scrollIntoViewIfNeeded();
  await screenshot(page, `${shot}-limits`, { fullPage: false });
  assert.ok(await pageOverflow(page) <= 0, 'no sideways scrolling');
  assert.deepEqual(await labelProblems(page), []);
  assert.deepEqual(browser.errors(page), []);
  await page.close();
  return { unit, unitApi };
}

test('the applicant: incomplete 提交 lists what is missing without asking; the limits beside each upload (desktop)', { timeout: 90000 }, async () => {
  await applicationPage({ width: 1280, height: 800 }, 'forms-application');
});

test('the applicant on a 390 px phone; and the server stays the authority', { timeout: 90000 }, async () => {
  const { unit, unitApi } = await applicationPage(PHONE, 'forms-application-phone');
  // Complete as the page loads it; the signed form is then deleted
  // elsewhere: the page asks, the server's 422 lists what it lacks.
  await fillViaApi(unitApi, unit.application.id, { baseName: '上海天文馆科普教育基地' });
  const form = await uploadViaApi(server.url, unitApi, unit.application.id);
  const page = await freshPage(PHONE);
  await signIn(page, server.url, unit.username, unit.password);
  await page.goto(`${server.url}/applications/${unit.application.id}`);
  await page.locator('#app-base-name').waitFor();
  const del = await unitApi.api('DELETE', `/attachments/${form.id}`);
  assert.equal(del.status, 204);
  await page.getByRole('button', { name: '提交申报' }).click();
  const confirm = page.getByRole('dialog', { name: '提交申报？' });
  const refused = await clickFor(page, confirm.getByRole('button', { name: '确认提交' }), 'POST', /\/submit$/);
  assert.equal(refused.status(), 422);
  await page.locator('#app-missing .missing-title', { hasText: '还缺少以下 1 项' }).waitFor();
  assert.deepEqual(await texts(page.locator('#app-missing .missing-list button')), ['申报表扫描件']);
  assert.deepEqual(errorsExcept(browser.errors(page), [422]), []);
  await page.close();
});
