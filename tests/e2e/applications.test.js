// Steps 5–6 of a batch in a real browser against a real kpjdd and
// PostgreSQL: an applicant fills its 申报表 section by section (saved as it
// goes, only the changed keys, with If-Match), uploads its signed form with
// a progress bar, is told what is missing, submits; its recommender
// returns it with a reason; the applicant fixes and resubmits; the
// recommender recommends within its quota (and is refused past it and past
// the deadline); the admin finds it by status and exports the CSV.
//
// The batch, the recommender (quota 2) and the applicant are made through
// the API (tests/lib/fixtures.js). The tests run in order and share what they build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { beijingDate } from '../lib/exports.js';
import { startKpjdd, createDatabase } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeBatch, makeRecommender, makeApplication, NEW_PASSWORD } from '../lib/fixtures.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept, texts } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';
import { PDF_BYTES, tempFile, removeTempFiles, fillViaApi, uploadViaApi, submitViaApi } from './lib/applications.js';

const REC_NAME = '北京市科学技术协会';
const UNIT_NAME = '北京天文馆';
const BASE_NAME = '北京天文馆科普教育基地';
const RETURN_REASON = '请补充近三年科普活动的具体情况，并上传活动照片作为证明材料。';
const OPINION = '该馆天文科普特色鲜明，同意推荐。';

let db;
let server;
let browser;
let admin;     // bearer session of the admin
let rec;       // { id, username, password, session }
let batch;
let unit;      // { applicant, application, username, password }
let unitApi;   // bearer session of the applicant

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  batch = await makeBatch(admin, { status: 'open' });
  rec = await makeRecommender(server.url, admin, { name: REC_NAME, kind: 'provincial_cast', region: '北京市' });
  const q = await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: [{ recommender_id: rec.id, quota: 2 }] });
  assert.equal(q.status, 200, await q.text());
  unit = await makeApplication(server.url, rec.session, batch.id, { unit: { name: UNIT_NAME } });
  unitApi = await apiSignIn(server.url, unit.username, unit.password);
  browser = await launch();
});

after(async () => {
  await removeTempFiles();
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

const mainNav = (page) => page.locator('nav[aria-label="主导航"] a');
const apiPath = (r) => new URL(r.url()).pathname;
const appPath = () => `/api/v1/applications/${unit.application.id}`;

async function clickFor(page, locator, method, pathRe) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && pathRe.test(apiPath(r))),
    locator.click(),
  ]);
  return res;
}

// Does `action` and waits for the PATCH of the application it causes. → the Response.
async function saved(page, action) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'PATCH' && apiPath(r) === appPath()),
    action(),
  ]);
  return res;
}

// The application as the server has it now.
async function current() {
  const res = await unitApi.api('GET', `/applications/${unit.application.id}`);
  assert.equal(res.status, 200);
  return res.json();
}

// Waits until the save status reads "已保存 hh:mm".
async function waitSaved(page) {
  await page.locator('#save-status[data-state="saved"]', { hasText: /^已保存 \d{2}:\d{2}$/ }).waitFor();
}

test('the applicant fills the form section by section; it saves as it goes', { timeout: 120000 }, async () => {
  const page = await freshPage();
  const patches = [];
  page.on('request', (r) => {
    if (r.method() === 'PATCH' && apiPath(r) === appPath()) {
      patches.push({ body: JSON.parse(r.postData()), ifMatch: r.headers()['if-match'] });
    }
  });
  await signIn(page, server.url, unit.username, unit.password);
  assert.deepEqual(await texts(mainNav(page)), ['工作台', '我的申报', '单位信息', '通知']);

  // The workbench lists the application from the API.
  const card = page.locator('.app-card');
  await card.waitFor();
  assert.equal((await card.locator('.badge').textContent()).trim(), '草稿');
  for (const v of [UNIT_NAME, batch.title, REC_NAME, '北京市']) assert.match(await card.textContent(), new RegExp(v));

  await mainNav(page).filter({ hasText: '我的申报' }).click();
  await waitForPage(page, '/applications', '我的申报');
  await page.getByRole('link', { name: '填写申报表' }).click();
  await waitForPage(page, `/applications/${unit.application.id}`, UNIT_NAME);
  assert.equal((await page.locator('h1 .badge').textContent()).trim(), '草稿');
  assert.equal((await page.locator('#save-status').textContent()).trim(), '修改会自动保存');

  // 基本信息: leaving a field saves it, with only its key and the version.
  await page.getByLabel('基地名称').fill(BASE_NAME);
  let res = await saved(page, () => page.getByLabel('基地名称').press('Tab'));
  assert.equal(res.status(), 200);
  assert.deepEqual(patches[0], { body: { base_name: BASE_NAME }, ifMatch: `"${unit.application.version}"` });
  await waitSaved(page);
  await page.locator('h1', { hasText: BASE_NAME }).waitFor();
  res = await saved(page, () => page.getByLabel('类别').selectOption('venue'));
  assert.deepEqual(patches[1].body, { category: 'venue' });
  assert.equal(patches[1].ifMatch, `"${unit.application.version + 1}"`, 'the version of the last answer');

  // 基本数据: a bad number is said beside its field and not sent.
  await page.getByLabel('年开放天数').fill('400');
  await page.getByLabel('年开放天数').press('Tab');
  await page.locator('#app-open-days-per-year-error', { hasText: '年开放天数不能超过 366' }).waitFor();
  await page.locator('#save-status[data-state="invalid"]').waitFor();
  const figures = {
    专职科普人员数: ['12', 12], 兼职科普人员数: ['30', 30], 科普志愿者人数: ['200', 200], 年开放天数: ['300', 300],
    年接待人次: ['500,000', 500000], '科普场地面积（平方米）': ['8000.5', 8000.5], '年科普经费（万元）': ['350.25', 350.25],
    近三年科普活动次数: ['120', 120],
  };
  for (const [text, [typed]] of Object.entries(figures)) await page.getByLabel(text, { exact: true }).fill(typed);
  await page.getByLabel('近三年科普活动次数').press('Tab');
  await page.waitForFunction(() => !document.querySelector('#app-open-days-per-year-error')?.textContent);
  await waitSaved(page);

  // A narrative saves after a pause in typing, without leaving the field.
  const profile = page.getByRole('textbox', { name: '单位简介' });
  const profileText = '北京天文馆是我国第一座大型天文馆，1957 年建成开放。\n\n馆内设有天象厅、宇宙剧场和天文展厅。';
  res = await saved(page, () => profile.fill(profileText));
  assert.deepEqual(patches.at(-1).body, { form: { profile: profileText } });
  assert.equal((await page.locator('#app-profile-count').textContent()).trim(), `${[...profileText].length} / 2000 字`);
  assert.equal(await profile.evaluate((el) => el === document.activeElement), true, 'still typing there');

  // Characters are counted, not bytes; over the limit the counter turns red and nothing is sent.
  const plan = page.getByRole('textbox', { name: '三年发展规划' });
  await plan.fill('规'.repeat(3001));
  await page.locator('#app-plan-count.counter-over', { hasText: '3001 / 3000 字，超出 1 字' }).waitFor();
  await plan.press('Tab');
  await page.locator('#app-plan-error', { hasText: '请删减 1 字' }).waitFor();
  await page.locator('#save-status[data-state="invalid"]').waitFor();
  await plan.fill('今后三年建设天文科普资源库，打造青少年天文教育品牌。');
  await saved(page, () => plan.press('Tab'));
  assert.ok(!patches.some((p) => p.body.form?.plan?.length > 3000), 'the long plan was never sent');

  await page.getByRole('textbox', { name: '科普工作简介' }).fill('近三年开展天文科普活动 120 场，接待观众 150 万人次。');
  await saved(page, () => page.getByRole('textbox', { name: '科普工作简介' }).press('Tab'));
  // 保障条件 stays empty for now: submitting will say so.

  // 已命名情况: a row saves once complete.
  await page.getByRole('button', { name: '添加一项' }).click();
  await page.getByLabel('名称', { exact: true }).fill('北京市科普教育基地');
  await page.getByLabel('授予单位').fill('北京市科学技术协会');
  await page.getByLabel('日期').fill('2019-05-20');
  res = await saved(page, () => page.getByLabel('上传申报表扫描件（PDF）').focus());
  assert.deepEqual(patches.at(-1).body, { form: { honors: [{ title: '北京市科普教育基地', issuer: '北京市科学技术协会', date: '2019-05-20' }] } });
  await waitSaved(page);

  // Every save carried the version it was made on, and never what was not touched.
  for (const p of patches) {
    assert.match(p.ifMatch, /^"\d+"$/);
    assert.ok(!('conditions' in (p.body.form ?? {})), `untouched field sent: ${JSON.stringify(p.body)}`);
  }
  const seen = new Set(patches.flatMap((p) => [...Object.keys(p.body), ...Object.keys(p.body.form ?? {})]));
  assert.equal(seen.has('form'), true);
  assert.equal(patches.filter((p) => 'base_name' in p.body).length, 1, 'the base name was sent once');
  const app = await current();
  assert.equal(app.base_name, BASE_NAME);
  assert.equal(app.category, 'venue');
  for (const [, [, value]] of Object.entries(figures)) assert.ok(Object.values(app.form).includes(value), `${value} saved`);
  assert.equal(app.form.open_days_per_year, 300);
  assert.equal(app.form.profile, profileText);
  assert.equal(app.form.conditions, undefined);

  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'application-form');

  // The same page on a phone.
  const phone = await browser.newPage({ width: 360, height: 740 });
  await phone.goto(`${server.url}/applications/${unit.application.id}`);
  await phone.locator('#app-base-name').waitFor();
  assert.equal(await phone.getByLabel('基地名称').inputValue(), BASE_NAME);
  assert.ok(await pageOverflow(phone) <= 0, `the form scrolls sideways by ${await pageOverflow(phone)}px`);
  assert.deepEqual(await labelProblems(phone), []);
  await screenshot(phone, 'application-form-phone');
  await screenshot(phone, 'application-form-phone-top', { fullPage: false });
  assert.deepEqual(browser.errors(phone), []);
  await phone.close();

  // A change made elsewhere: the next save is refused (412) and the page says so.
  const elsewhere = await unitApi.api('PATCH', `/applications/${unit.application.id}`, { form: { staff_parttime: 31 } });
  assert.equal(elsewhere.status, 200);
  await page.getByLabel('专职科普人员数').fill('13');
  res = await saved(page, () => page.getByLabel('专职科普人员数').press('Tab'));
  assert.equal(res.status(), 412);
  const conflict = page.locator('#save-status .save-conflict');
  await conflict.waitFor();
  assert.match(await conflict.textContent(), /申报已在别处修改/);
  await conflict.getByRole('button', { name: '重新载入' }).click();
  await page.locator('#save-status', { hasText: '修改会自动保存' }).waitFor();
  assert.equal(await page.getByLabel('兼职科普人员数').inputValue(), '31');
  assert.equal(await page.getByLabel('专职科普人员数').inputValue(), '12');

  assert.deepEqual(errorsExcept(browser.errors(page), [412]), []);
  await page.close();
});

test('the applicant uploads its signed form and sees it listed', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, unit.username, unit.password);
  await page.goto(`${server.url}/applications/${unit.application.id}`);
  await page.locator('#app-base-name').waitFor();

  // A file that is not what its name says is refused by the server in Chinese.
  const fake = await tempFile('活动照片.png', Buffer.from('this is not a picture'));
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /\/attachments$/.test(apiPath(r))),
    page.getByLabel('上传证明材料（PDF、PNG 或 JPEG）').setInputFiles(fake),
  ]);
  assert.equal(refused.status(), 415);
  await page.locator('#app-file-evidence-error', { hasText: '文件内容不是有效的 PDF、PNG 或 JPEG 文件' }).waitFor();

  // The signed form: the bar reaches 100% and the file is listed with 下载.
  const pdf = await tempFile('申报表（盖章）.pdf', PDF_BYTES);
  const [created] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /\/attachments$/.test(apiPath(r))),
    page.getByLabel('上传申报表扫描件（PDF）').setInputFiles(pdf),
  ]);
  assert.equal(created.status(), 201);
  const sent = await created.request().allHeaders();
  assert.equal(sent['content-type'], 'application/pdf');
  assert.equal(sent['content-disposition'], `attachment; filename*=UTF-8''${encodeURIComponent('申报表（盖章）.pdf')}`);
  assert.ok(sent['x-csrf-token'], 'the CSRF token travels with the upload');
  const block = page.locator('#upload-application_form');
  const done = block.locator('.upload[data-state="done"]');
  await done.waitFor();
  assert.equal(await done.locator('progress').evaluate((el) => el.value), 100);
  assert.equal((await done.locator('.upload-pct').textContent()).trim(), '100%');
  assert.match(await done.textContent(), /上传完成/);
  const item = block.locator('.attachment', { hasText: '申报表（盖章）.pdf' });
  await item.waitFor();
  const attachment = { id: Number(await item.getAttribute('data-id')) };
  assert.match(await item.textContent(), /申报表（盖章）\.pdf/);
  assert.match(await item.textContent(), new RegExp(`${PDF_BYTES.length} B`));
  const href = await item.getByRole('link', { name: '下载' }).getAttribute('href');
  assert.equal(href, `/api/v1/attachments/${attachment.id}`);
  const bytes = await page.evaluate(async (u) => (await fetch(u)).text(), href);
  assert.ok(bytes.startsWith('%PDF-1.4'));
  await screenshot(page, 'application-upload');

  // Another file, then 删除 (asked first).
  const other = await tempFile('说明.pdf', PDF_BYTES);
  await page.getByLabel('上传其他（PDF、PNG、JPEG 或 MP4）').setInputFiles(other);
  const extra = page.locator('#upload-other .attachment', { hasText: '说明.pdf' });
  await extra.waitFor();
  await extra.getByRole('button', { name: '删除' }).click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.textContent(), /删除“说明\.pdf”/);
  const removed = await clickFor(page, dialog.getByRole('button', { name: '删除' }), 'DELETE', /^\/api\/v1\/attachments\/\d+$/);
  assert.equal(removed.status(), 204);
  await extra.waitFor({ state: 'detached' });

  // Saving after the uploads still works (each upload moved the version).
  await page.getByLabel('专职科普人员数').fill('14');
  const res = await saved(page, () => page.getByLabel('专职科普人员数').press('Tab'));
  assert.equal(res.status(), 200);
  await waitSaved(page);

  assert.deepEqual(errorsExcept(browser.errors(page), [415]), []);
  await page.close();
});

test('an upload over the size limits is refused in words', { timeout: 90000 }, async () => {
  // A second kpjdd on the same database, with tiny limits.
  const small = await startKpjdd({ db, env: { KPJD_ATTACHMENTS_MAX_FILE: '4K', KPJD_ATTACHMENTS_MAX_TOTAL: '6K' } });
  try {
    const other = await makeApplication(small.url, rec.session, batch.id, { unit: { name: '北京自然博物馆' } });
    const page = await freshPage();
    await signIn(page, small.url, other.username, other.password);
    await page.goto(`${small.url}/applications/${other.application.id}`);
    await page.locator('#app-base-name').waitFor();
    const input = page.getByLabel('上传申报表扫描件（PDF）');
    const big = await tempFile('扫描件（大）.pdf', Buffer.concat([PDF_BYTES, Buffer.alloc(64 * 1024, 0x20)]));
    // The field says the limits (GET /limits); a file over one is stopped before it is sent.
    await page.locator('#app-file-application-form-limits', { hasText: '单个文件不超过 4 KB，本申报全部附件合计不超过 6 KB' }).waitFor();
    const posts = [];
    page.on('request', (r) => { if (r.method() === 'POST' && /\/attachments$/.test(apiPath(r))) posts.push(r); });
    await input.setInputFiles(big);
    await page.locator('#app-file-application-form-error', { hasText: '“扫描件（大）.pdf”有 64.' }).waitFor();
    assert.match(await page.locator('#app-file-application-form-error').textContent(), /超过单个文件 4 KB 的限制，未上传。$/);
    assert.equal(posts.length, 0);
    // Two that fit one by one, but not together.
    const part = await tempFile('分册.pdf', Buffer.concat([PDF_BYTES, Buffer.alloc(3000, 0x20)]));
    await input.setInputFiles(part);
    await page.locator('#upload-application_form .attachment', { hasText: '分册.pdf' }).waitFor();
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && /\/attachments$/.test(apiPath(r))),
      input.setInputFiles(part),
    ]);
    assert.equal(res.status(), 413);
    await page.locator('#app-file-application-form-error', { hasText: '附件总量不能超过' }).waitFor();
    assert.equal(await page.locator('#upload-application_form .attachment').count(), 1);
    // A file that is not a PDF at all is stopped before it is sent.
    const text = await tempFile('说明.txt', Buffer.from('plain text'));
    await input.setInputFiles(text);
    await page.locator('#app-file-application-form-error', { hasText: '“说明.txt”不是 PDF 文件' }).waitFor();
    assert.deepEqual(errorsExcept(browser.errors(page), [401, 413]), []);
    await page.close();
  } finally {
    await small.stop({ allowFailure: true });
  }
});

test('submitting with a field missing lists it; complete, it is submitted', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, unit.username, unit.password);
  await page.goto(`${server.url}/applications/${unit.application.id}`);
  await page.locator('#app-base-name').waitFor();

  // Incomplete: the list at once, no question asked, nothing sent.
  const submits = [];
  page.on('request', (r) => { if (r.method() === 'POST' && /\/submit$/.test(apiPath(r))) submits.push(r); });
  await page.getByRole('button', { name: '提交申报' }).click();
  const missing = page.locator('#app-missing');
  await missing.locator('.missing-title', { hasText: '还缺少以下 1 项' }).waitFor();
  assert.equal(await page.getByRole('dialog').count(), 0);
  assert.equal(submits.length, 0);
  assert.deepEqual(await texts(missing.locator('.missing-list button')), ['保障条件']);
  await page.waitForFunction(() => document.activeElement?.id === 'app-conditions');
  assert.equal((await page.locator('#app-conditions-error').textContent()).trim(), '请填写保障条件');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'application-missing', { fullPage: false });

  await page.getByRole('textbox', { name: '保障条件' }).fill('场馆面积 2 万平方米，配备专职科普人员 12 名，年科普经费 350 万元，制定了科普工作管理制度。');
  await saved(page, () => page.getByRole('textbox', { name: '保障条件' }).press('Tab'));
  await page.getByRole('button', { name: '提交申报' }).click();
  const confirm = page.getByRole('dialog', { name: '提交申报？' });
  assert.match(await confirm.textContent(), new RegExp(REC_NAME));
  assert.equal(await missing.textContent(), '', 'the list is gone once nothing is missing');
  const ok = await clickFor(page, confirm.getByRole('button', { name: '确认提交' }), 'POST', /\/submit$/);
  assert.equal(ok.status(), 200);
  await page.locator('h1 .badge', { hasText: '已提交' }).waitFor();
  await page.locator('#app-notice', { hasText: '申报已提交给推荐单位' }).waitFor();
  assert.equal(await page.locator('textarea, input').count(), 0, 'read only now');
  assert.match(await page.locator('#ro-attachments').locator('..').textContent(), /申报表（盖章）\.pdf/);
  assert.equal((await current()).status, 'submitted');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('the recommender sees its quota and returns the application with a reason', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, rec.username, NEW_PASSWORD);
  assert.deepEqual(await texts(mainNav(page)), ['工作台', '推荐工作', '申报审核', '通知']);
  await mainNav(page).filter({ hasText: '申报审核' }).click();
  await waitForPage(page, '/review', '申报审核');
  const quota = page.locator(`#quota-${batch.id}`);
  await quota.waitFor();
  assert.match(await quota.textContent(), /已推荐 0 \/ 名额 2/);
  const row = page.locator(`.apps-table tbody tr[data-id="${unit.application.id}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(UNIT_NAME));
  assert.match(await row.textContent(), new RegExp(BASE_NAME));
  assert.equal((await row.locator('.badge').textContent()).trim(), '已提交');

  // Filters: status, and a search that finds nothing.
  await page.getByLabel('状态').selectOption('returned');
  await page.locator('.empty-title', { hasText: '没有符合条件的申报' }).waitFor();
  await page.getByLabel('状态').selectOption('submitted');
  await row.waitFor();
  assert.equal(new URL(page.url()).searchParams.get('status'), 'submitted');
  await page.getByLabel('搜索').fill('天文');
  await clickFor(page, page.getByRole('button', { name: '筛选' }), 'GET', /^\/api\/v1\/applications$/);
  await row.waitFor();
  await screenshot(page, 'review-list');

  await row.getByRole('link', { name: UNIT_NAME }).click();
  await waitForPage(page, `/review/${unit.application.id}`, BASE_NAME);
  assert.match(await page.locator('#review-quota').textContent(), /已推荐 0 \/ 名额 2/);
  for (const v of ['北京天文馆是我国第一座大型天文馆', '北京市科普教育基地', '500,000 人次', '申报表（盖章）.pdf']) {
    assert.ok((await page.locator('.app-readonly').textContent()).includes(v), `${v} shown`);
  }
  const href = await page.locator('#ro-attachments').locator('..').getByRole('link', { name: '下载' }).getAttribute('href');
  assert.ok((await page.evaluate(async (u) => (await fetch(u)).text(), href)).startsWith('%PDF'));
  await screenshot(page, 'review-detail');

  // 退回修改 needs a reason.
  await page.getByRole('button', { name: '退回修改' }).click();
  const dialog = page.getByRole('dialog', { name: `退回修改“${UNIT_NAME}”` });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: '退回修改' }).click();
  assert.equal((await dialog.locator('.field-error').textContent()).trim(), '请填写原因');
  await dialog.getByLabel(/^原因/).fill(RETURN_REASON);
  assert.equal((await dialog.locator('.counter').textContent()).trim(), `${[...RETURN_REASON].length} / 1000 字`);
  await screenshot(page, 'review-return-dialog', { fullPage: false });
  const returned = await clickFor(page, dialog.getByRole('button', { name: '退回修改' }), 'POST', /\/return$/);
  assert.equal(returned.status(), 200);
  assert.deepEqual(JSON.parse(returned.request().postData()), { reason: RETURN_REASON });
  await page.locator('h1 .badge', { hasText: '退回修改' }).waitFor();
  await page.locator('#review-notice', { hasText: '已退回修改' }).waitFor();
  assert.match(await page.locator('#app-outcome').textContent(), new RegExp(RETURN_REASON));
  assert.equal(await page.getByRole('button', { name: '推荐' }).count(), 0);
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('the applicant sees the reason, fixes and resubmits', { timeout: 90000 }, async () => {
  // The unit submission deadline (单位提交截止) has passed: a returned
  // application is still resubmitted until the recommend deadline.
  await db.psql(`UPDATE batches SET submit_deadline = now() - interval '1 minute' WHERE id = ${batch.id}`);
  const page = await freshPage();
  await signIn(page, server.url, unit.username, unit.password);
  // The notice leads to the application.
  await mainNav(page).filter({ hasText: '通知' }).click();
  const notice = page.locator('.notif', { hasText: '申报被退回修改' });
  await notice.waitFor();
  assert.match(await notice.textContent(), new RegExp(RETURN_REASON));
  await notice.getByRole('link', { name: '查看申报' }).click();
  await waitForPage(page, `/applications/${unit.application.id}`, BASE_NAME);
  assert.equal((await page.locator('h1 .badge').textContent()).trim(), '退回修改');
  const outcome = page.locator('#app-outcome');
  assert.match(await outcome.textContent(), /推荐单位退回修改，原因：/);
  assert.match(await outcome.textContent(), new RegExp(RETURN_REASON));
  const note = await page.locator('#app-deadline-note').textContent();
  assert.match(note, /^推荐截止：/);
  assert.match(note, /退回修改的申报在推荐截止前都可以重新提交/);
  assert.equal(await page.locator('#app-deadline').count(), 0);
  await screenshot(page, 'application-returned');

  const summary = page.getByRole('textbox', { name: '科普工作简介' });
  assert.match(await summary.inputValue(), /120 场/);
  await summary.fill('近三年开展天文科普活动 120 场，其中“天文进校园”48 场、流动天文馆 36 场、公众观测 36 场，接待观众 150 万人次。');
  await saved(page, () => summary.press('Tab'));
  await waitSaved(page);
  await page.getByRole('button', { name: '重新提交' }).click();
  const ok = await clickFor(page, page.getByRole('dialog').getByRole('button', { name: '确认重新提交' }), 'POST', /\/submit$/);
  assert.equal(ok.status(), 200);
  await page.locator('h1 .badge', { hasText: '已提交' }).waitFor();
  await page.locator('#app-notice', { hasText: '已重新提交' }).waitFor();
  assert.deepEqual(browser.errors(page), []);
  await page.close();

  const cleared = await admin.api('PATCH', `/batches/${batch.id}`, { submit_deadline: null });
  assert.equal(cleared.status, 200, await cleared.text());
});

// An application of `name`, complete and submitted through the API.
async function submitted(name) {
  const made = await makeApplication(server.url, rec.session, batch.id, { unit: { name } });
  const session = await apiSignIn(server.url, made.username, made.password);
  await fillViaApi(session, made.application.id, { baseName: `${name}科普教育基地` });
  await uploadViaApi(server.url, session, made.application.id);
  await submitViaApi(session, made.application.id);
  return made;
}

test('the recommender recommends within its quota, withdraws, declines; past the quota and the deadline it is refused', { timeout: 120000 }, async () => {
  const second = await submitted('中国科学技术馆');
  const third = await submitted('上海科技馆');

  const page = await freshPage();
  await signIn(page, server.url, rec.username, NEW_PASSWORD);
  await page.goto(`${server.url}/review/${unit.application.id}`);
  await page.locator('h1 .badge', { hasText: '已提交' }).waitFor();
  await page.getByRole('button', { name: '推荐', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `推荐“${UNIT_NAME}”` });
  assert.match(await dialog.textContent(), /已推荐 0 \/ 名额 2/);
  await dialog.getByLabel(/^推荐意见/).fill(OPINION);
  const done = await clickFor(page, dialog.getByRole('button', { name: '推荐', exact: true }), 'POST', /\/recommend$/);
  assert.equal(done.status(), 200);
  assert.deepEqual(JSON.parse(done.request().postData()), { opinion: OPINION });
  await page.locator('h1 .badge', { hasText: '已推荐' }).waitFor();
  await page.locator('#review-quota', { hasText: '已推荐 1 / 名额 2' }).waitFor();
  assert.match(await page.locator('#app-outcome').textContent(), new RegExp(OPINION));

  // 撤回推荐 (with a reason) frees the place; then it is recommended again.
  await page.getByRole('button', { name: '撤回推荐' }).click();
  const confirm = page.getByRole('dialog', { name: `撤回对“${UNIT_NAME}”的推荐` });
  await confirm.getByLabel(/^撤回原因/).fill('重新核对名额。');
  const withdrawn = await clickFor(page, confirm.getByRole('button', { name: '撤回推荐' }), 'POST', /\/withdraw-recommendation$/);
  assert.equal(withdrawn.status(), 200);
  assert.deepEqual(JSON.parse(withdrawn.request().postData()), { reason: '重新核对名额。' });
  await page.locator('h1 .badge', { hasText: '已提交' }).waitFor();
  await page.locator('#review-quota', { hasText: '已推荐 0 / 名额 2' }).waitFor();
  await page.getByRole('button', { name: '推荐', exact: true }).click();
  const again = page.getByRole('dialog');
  await again.getByLabel(/^推荐意见/).fill(OPINION);
  await clickFor(page, again.getByRole('button', { name: '推荐', exact: true }), 'POST', /\/recommend$/);
  await page.locator('#review-quota', { hasText: '已推荐 1 / 名额 2' }).waitFor();
  await page.getByRole('button', { name: '撤回推荐' }).waitFor();
  await screenshot(page, 'review-recommended');

  await page.getByRole('link', { name: '申报审核' }).first().click();
  await waitForPage(page, '/review', '申报审核');
  await page.locator(`#quota-${batch.id}`, { hasText: '已推荐 1 / 名额 2' }).waitFor();

  // The quota cut to what is used while the page is open: the server still
  // refuses with the numbers (a page loaded after it disables 推荐: review.test.js).
  await page.goto(`${server.url}/review/${second.application.id}`);
  await page.getByRole('button', { name: '推荐', exact: true }).waitFor();
  const cut = await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: [{ recommender_id: rec.id, quota: 1 }] });
  assert.equal(cut.status, 200, await cut.text());
  await page.getByRole('button', { name: '推荐', exact: true }).click();
  let box = page.getByRole('dialog');
  await box.getByLabel(/^推荐意见/).fill('同意推荐。');
  let refused = await clickFor(page, box.getByRole('button', { name: '推荐', exact: true }), 'POST', /\/recommend$/);
  assert.equal(refused.status(), 409);
  assert.equal((await refused.json()).code, 'quota_exhausted');
  await box.locator('.form-message', { hasText: '推荐名额已用完（已推荐 1 / 名额 1）' }).waitFor();
  await box.getByRole('button', { name: '取消' }).click();
  await page.locator('#review-notice', { hasText: '推荐名额已用完（已推荐 1 / 名额 1）' }).waitFor();
  await page.locator('#review-blocked', { hasText: '名额已用完：1/1' }).waitFor();
  assert.ok(await page.getByRole('button', { name: '推荐', exact: true }).isDisabled());

  // 不予推荐, with its reason.
  await page.getByRole('button', { name: '不予推荐' }).click();
  box = page.getByRole('dialog', { name: '不予推荐“中国科学技术馆”' });
  await box.getByLabel(/^原因/).fill('申报材料与科普教育基地的认定条件差距较大。');
  const declined = await clickFor(page, box.getByRole('button', { name: '不予推荐' }), 'POST', /\/decline$/);
  assert.equal(declined.status(), 200);
  await page.locator('h1 .badge', { hasText: '不予推荐' }).waitFor();
  assert.match(await page.locator('#app-outcome').textContent(), /不予推荐，原因：申报材料与科普教育基地的认定条件差距较大/);
  await page.locator('.review-note', { hasText: '已决定不予推荐' }).waitFor();

  // The deadline passes while the page is open: 推荐已截止.
  const restore = await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: [{ recommender_id: rec.id, quota: 2 }] });
  assert.equal(restore.status, 200);
  await page.goto(`${server.url}/review/${third.application.id}`);
  await page.getByRole('button', { name: '推荐', exact: true }).waitFor();
  const ago = (ms) => new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const moved = await admin.api('PATCH', `/batches/${batch.id}`, { contact_deadline: ago(3600e3), recommend_deadline: ago(60e3) });
  assert.equal(moved.status, 200, await moved.text());
  await page.getByRole('button', { name: '推荐', exact: true }).click();
  box = page.getByRole('dialog');
  await box.getByLabel(/^推荐意见/).fill('同意推荐。');
  refused = await clickFor(page, box.getByRole('button', { name: '推荐', exact: true }), 'POST', /\/recommend$/);
  assert.equal(refused.status(), 409);
  assert.equal((await refused.json()).code, 'deadline_passed');
  await box.locator('.form-message', { hasText: '推荐已截止' }).waitFor();
  await page.keyboard.press('Escape');
  await page.locator('#review-notice', { hasText: '推荐已截止' }).waitFor();
  await page.locator('#review-blocked', { hasText: /推荐已于 .*（北京时间）截止，不能再审核/ }).waitFor();
  for (const name of ['推荐', '退回修改', '不予推荐']) {
    assert.ok(await page.getByRole('button', { name, exact: true }).isDisabled(), `${name} disabled`);
  }

  assert.deepEqual(errorsExcept(browser.errors(page), [409]), []);
  await page.close();
});

test('the admin finds it by status and exports the CSV', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  assert.deepEqual(await texts(mainNav(page)), ['工作台', '批次管理', '推荐单位', '认定专家', '申报管理', '基地管理', '届期管理', '通知', '邮件发送', '审计日志']);
  await mainNav(page).filter({ hasText: '申报管理' }).click();
  await waitForPage(page, '/admin/applications', '申报管理');
  await page.waitForFunction(() => document.querySelectorAll('.apps-table tbody tr').length === 4);
  await page.getByLabel('状态').selectOption('recommended');
  await page.waitForFunction(() => document.querySelectorAll('.apps-table tbody tr').length === 1);
  const row = page.locator(`.apps-table tbody tr[data-id="${unit.application.id}"]`);
  assert.match(await row.textContent(), new RegExp(REC_NAME));
  assert.equal((await row.locator('.badge').textContent()).trim(), '已推荐');
  assert.equal(new URL(page.url()).searchParams.get('status'), 'recommended');
  await screenshot(page, 'admin-applications');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '导出 CSV' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^申报列表-全部批次-\d{8}\.csv$/, 'named by batch and date');
  assert.ok([beijingDate(Date.now() - 60000), beijingDate()].some((d) => download.suggestedFilename().endsWith(`-${d}.csv`)));
  const csv = await readFile(await download.path());
  assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the BOM');
  const text = csv.subarray(3).toString('utf8');
  assert.ok(text.includes(UNIT_NAME), 'the unit is in it');
  assert.ok(text.includes('已推荐'));
  assert.ok(!text.includes('中国科学技术馆'), 'only what the filter selects');
  assert.equal(text.trim().split('\r\n').length, 2);
  await page.locator('#apps-notice', { hasText: '已导出' }).waitFor();

  // The read-only detail, without the recommender's actions.
  await row.getByRole('link', { name: UNIT_NAME }).click();
  await waitForPage(page, `/admin/applications/${unit.application.id}`, BASE_NAME);
  assert.match(await page.locator('#app-outcome').textContent(), new RegExp(OPINION));
  assert.equal(await page.locator('.review-panel').count(), 0);
  assert.ok((await page.locator('.app-readonly').textContent()).includes('申报表（盖章）.pdf'));
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('the pages fit a 360 px phone', { timeout: 90000 }, async () => {
  const phone = { width: 360, height: 740 };
  const check = async (page, path, shot) => {
    await page.goto(server.url + path);
    await page.locator('h1').waitFor();
    await page.waitForFunction(() => !document.querySelector('.state-loading'));
    assert.ok(await pageOverflow(page) <= 0, `${path} scrolls sideways by ${await pageOverflow(page)}px`);
    assert.deepEqual(await labelProblems(page), [], `${path}: labels and ids`);
    if (shot) await screenshot(page, shot);
  };
  let page = await freshPage(phone);
  await signIn(page, server.url, rec.username, NEW_PASSWORD);
  await check(page, '/review', 'review-list-phone');
  await check(page, `/review/${unit.application.id}`, 'review-detail-phone');
  assert.deepEqual(browser.errors(page), []);
  await page.close();

  page = await freshPage(phone);
  await signIn(page, server.url, unit.username, unit.password);
  await check(page, '/home');
  await check(page, '/applications', 'applications-phone');
  await check(page, `/applications/${unit.application.id}`, 'application-recommended-phone');
  assert.deepEqual(browser.errors(page), []);
  await page.close();

  page = await freshPage(phone);
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  await check(page, '/admin/applications', 'admin-applications-phone');
  await check(page, `/admin/applications/${unit.application.id}`);
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

// Last, so that the lists above stay as they are.
test('a draft answers to the unit submission deadline, and its page says it has passed', { timeout: 60000 }, async () => {
  // a batch of its own: the recommend deadline of `batch` has passed by now
  const other = await makeBatch(admin, { status: 'open' });
  await db.psql(`UPDATE batches SET submit_deadline = now() - interval '1 minute' WHERE id = ${other.id}`);
  const late = await makeApplication(server.url, rec.session, other.id, { unit: { name: '北京晚到科技馆' } });
  const page = await freshPage();
  await signIn(page, server.url, late.username, late.password);
  await page.goto(`${server.url}/applications/${late.application.id}`);
  await page.locator('#app-deadline', { hasText: '单位提交截止已过，申报不能再提交。' }).waitFor();
  assert.match(await page.locator('#app-deadline-note').textContent(), /^单位提交截止：/);
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('kpjdd stops cleanly', { timeout: 30000 }, async () => {
  const { code } = await server.stop({ keepDb: false });
  assert.equal(code, 0);
});
