// Term management (届期管理) in a real browser against a real kpjdd and
// PostgreSQL: the unit's base page (file a year's annual report with the
// form — its own checks, a field the server refuses, a year already filed
// elsewhere —, correct it, upload a file, see it evaluated and read-only),
// the admin's term desk (completion per region, 催报 with its count before
// and the answer after, filters and the CSV link, the evaluation form),
// the end-of-term assessment on the base page (refused before the term's
// last year, with the reason), carry-over of an excellent base into the
// next batch with its preview and the fast-track mark in the lists, and
// a registration barred by an unqualified result; on a desktop and a 390 px
// phone, without console errors, every control labelled.
//
// Three bases are named through the API for the term ending this year
// (by the database clock): 北京天文馆, 上海科技馆, 广东科学中心. The tests
// run in order and share the state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKpjdd, createDatabase, runKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeBatch, makeInvitation } from '../lib/fixtures.js';
import { proposedBatch, publishNotice, dbTime } from '../lib/publicity.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept, texts } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';

const UNITS = ['广东科学中心', '北京天文馆', '上海科技馆'];
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
// A 1×1 PNG (the server checks the magic bytes).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==', 'base64');

const tmp = mkdtempSync(join(tmpdir(), 'kpjd-e2e-term-'));
let db;
let server;
let browser;
let admin;
let apps;        // by unit name
let bases;       // by unit name, as the admin reads them (with credit codes)
let rec;
let Y;           // this year in China by the database clock
let namedBatch;  // the batch the bases were named in

before(async () => {
  const key = join(tmp, 'signing.key');
  const r = runKpjdd(['keygen', '--out', key]);
  assert.equal(r.status, 0, r.stderr);
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000', KPJD_CRYPTO_SIGNING_KEY: key } });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  Y = Number(await db.psql(`SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int`));
  const named = await proposedBatch(server.url, db, admin, { count: 3, units: UNITS, term_start_year: Y - 4 });
  rec = named.recommender;
  namedBatch = named.batch;
  apps = Object.fromEntries(named.apps.map((a) => [a.unit_name, a]));
  await publishNotice(admin, named.batch.id, { starts_at: await dbTime(db, -7200), ends_at: await dbTime(db, -60) });
  const res = await admin.api('POST', `/batches/${named.batch.id}/naming`, { named_on: `${Y}-01-15` });
  assert.equal(res.status, 200, await res.text());
  const list = await (await admin.api('GET', `/bases?batch_id=${named.batch.id}`)).json();
  bases = Object.fromEntries(list.items.map((b) => [b.unit_name, b]));
  assert.deepEqual(Object.keys(bases).sort(), [...UNITS].sort());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop({ allowFailure: true }).catch(() => {});
  await db?.drop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
});

const apiPath = (r) => new URL(r.url()).pathname;

async function clickFor(page, locator, method, pathRe) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && pathRe.test(apiPath(r))),
    locator.click(),
  ]);
  return res;
}

async function pageAs(username, password, size = DESKTOP) {
  await browser.context.clearCookies();
  const page = await browser.newPage(size);
  page.setDefaultTimeout(10000);
  await signIn(page, server.url, username, password);
  return page;
}

async function fillReport(page, v) {
  for (const [label, value] of Object.entries(v)) await page.getByLabel(label, { exact: true }).fill(String(value));
}

const FIGURES = {
  开放天数: 300, 接待人次: 125000, 科普活动次数: 86, 专职人员: 12, 兼职人员: 20, 志愿者: 150, '经费（万元）': 320.5,
};

test('the unit files, corrects and documents a year\'s annual report on its base page', { timeout: 120000 }, async () => {
  const a = apps['北京天文馆'];
  const b = bases['北京天文馆'];
  const page = await pageAs(a.username, a.password);
  const card = page.locator(`.base-card[data-id="${b.id}"]`);
  await card.getByRole('link', { name: /年度报告/ }).click();
  await waitForPage(page, `/my/bases/${b.id}`, b.name);
  assert.equal(await page.locator('#base-pdf').getAttribute('href'), `/api/v1/bases/${b.id}/certificate.pdf`);
  assert.equal(await page.locator('#base-verify').getAttribute('href'), `/verify/${b.certificate_no}`);
  await page.locator('#reports-none').waitFor();
  // The years of the term so far; the last one not filed comes first.
  assert.deepEqual(await page.locator('#report-year option').evaluateAll((os) => os.map((o) => o.value)),
    [0, 1, 2, 3, 4].map((i) => String(Y - 4 + i)));
  assert.equal(await page.getByLabel('选择年度').inputValue(), String(Y));
  await page.getByLabel('选择年度').selectOption(String(Y - 1));
  await page.locator('#report-form-title', { hasText: `填报 ${Y - 1} 年度报告` }).waitFor();

  // The form's own checks: nothing is sent.
  await page.locator('#report-submit').click();
  await page.locator('#report-open-days-error', { hasText: '请填写开放天数' }).waitFor();
  await fillReport(page, { ...FIGURES, 开放天数: 400, 志愿者: '12a' });
  await page.locator('#report-submit').click();
  await page.locator('#report-open-days-error', { hasText: '不能超过 366' }).waitFor();
  await page.locator('#report-volunteers-error', { hasText: '整数' }).waitFor();
  // The highlights' counter, and a figure only the server refuses, named beside its field.
  await fillReport(page, { ...FIGURES, 接待人次: '9999999999999' });
  await page.getByLabel('工作亮点', { exact: true }).fill('全年开放天象厅，举办“星空下的科学”系列讲座。');
  assert.equal((await page.locator('#report-highlights-count').textContent()).trim(), '23 / 3000 字');
  let res = await clickFor(page, page.locator('#report-submit'), 'POST', /\/bases\/\d+\/annual-reports$/);
  assert.equal(res.status(), 422);
  await page.locator('#report-visitors-error:not(:empty)').waitFor();
  assert.equal(await page.getByLabel('接待人次', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'report-visitors');

  await page.getByLabel('接待人次', { exact: true }).fill(String(FIGURES.接待人次));
  res = await clickFor(page, page.locator('#report-submit'), 'POST', /\/bases\/\d+\/annual-reports$/);
  assert.equal(res.status(), 201, await res.text());
  assert.deepEqual(res.request().postDataJSON(), {
    year: Y - 1, open_days: 300, visitors: 125000, activities: 86, staff_fulltime: 12, staff_parttime: 20, volunteers: 150,
    funding_wan: 320.5, highlights: '全年开放天象厅，举办“星空下的科学”系列讲座。',
  });
  await page.locator('#base-notice', { hasText: `已提交 ${Y - 1} 年度报告` }).waitFor();
  await page.locator(`.reports-table tr[data-year="${Y - 1}"]`, { hasText: '未评估' }).waitFor();

  // Corrected (with the version it read), then a file uploaded and listed.
  await page.locator('#report-form-title', { hasText: `修改 ${Y - 1} 年度报告` }).waitFor();
  await page.getByLabel('接待人次', { exact: true }).fill('130000');
  res = await clickFor(page, page.locator('#report-submit'), 'PUT', /\/annual-reports\/\d+$/);
  assert.equal(res.status(), 200, await res.text());
  assert.match(res.request().headers()['if-match'], /^"\d+"$/);
  await page.locator('#base-notice', { hasText: '已保存' }).waitFor();
  assert.equal(await page.getByLabel('接待人次', { exact: true }).inputValue(), '130000');
  res = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /\/annual-reports\/\d+\/attachments$/.test(apiPath(r))),
    page.getByLabel(/上传附件/).setInputFiles({ name: '天象厅活动.png', mimeType: 'image/png', buffer: PNG }),
  ]).then(([r]) => r);
  assert.equal(res.status(), 201, await res.text());
  const file = page.locator('#report-files .attachment', { hasText: '天象厅活动.png' });
  await file.waitFor();
  await page.locator(`.reports-table tr[data-year="${Y - 1}"] .report-files-count`, { hasText: '1 个' }).waitFor();
  assert.match(await file.getByRole('link', { name: '下载' }).getAttribute('href'), /^\/api\/v1\/attachments\/\d+$/);
  // A text file is refused here, before sending.
  await page.getByLabel(/上传附件/).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
  await page.locator('#report-file-error', { hasText: '不是 PDF、PNG 或 JPEG' }).waitFor();
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'term-unit-report');

  // A year filed meanwhile elsewhere (another session): the server's 409, in Chinese.
  const other = await apiSignIn(server.url, a.username, a.password);
  const filed = await other.api('POST', `/bases/${b.id}/annual-reports`, {
    year: Y - 2, open_days: 280, visitors: 90000, activities: 60, staff_fulltime: 10, staff_parttime: 18, volunteers: 120,
    funding_wan: 280, highlights: '',
  });
  assert.equal(filed.status, 201, await filed.text());
  await page.getByLabel('选择年度').selectOption(String(Y - 2));
  await fillReport(page, FIGURES);
  res = await clickFor(page, page.locator('#report-submit'), 'POST', /\/bases\/\d+\/annual-reports$/);
  assert.equal(res.status(), 409);
  await page.locator('#report-message', { hasText: '该基地该年度的报告已存在' }).waitFor();

  await page.setViewportSize(PHONE);
  await page.goto(`${server.url}/my/bases/${b.id}?year=${Y - 1}`);
  await page.locator('#report-form-title', { hasText: `修改 ${Y - 1} 年度报告` }).waitFor();
  assert.ok(await pageOverflow(page) <= 0, 'the base page fits a phone');
  await screenshot(page, 'term-unit-report-phone');
  assert.deepEqual(errorsExcept(browser.errors(page), [409, 422]), []);
  await page.close();
});

test('the admin\'s term desk: completion per region, 催报 with its count, filters, CSV, the evaluation', { timeout: 120000 }, async () => {
  const b = bases['北京天文馆'];
  const page = await pageAs('admin', ADMIN_PASSWORD);
  await page.locator('nav[aria-label="主导航"] a', { hasText: '届期管理' }).click();
  await waitForPage(page, '/admin/term', '届期管理');
  await page.getByLabel('年度', { exact: true }).selectOption(String(Y - 1));
  await page.locator('#completion-total', { hasText: `${Y - 1} 年度：应报 3 个有效基地，已报 1 个，完成率 33.3%` }).waitFor();
  const beijing = page.locator('.completion-table tr[data-region="北京市"] td');
  assert.deepEqual((await texts(beijing)).slice(0, 3), ['1', '1', '0'], 'due, reported, missing');
  await page.waitForFunction(() => document.querySelectorAll('.reports-table tbody tr').length === 1);
  assert.equal(await page.locator('#term-csv').getAttribute('href'), `/api/v1/annual-reports.csv?year=${Y - 1}`);

  // 催报: the count before, a confirmation, the server's count after.
  const remind = page.locator('#term-remind-button');
  await remind.filter({ hasText: '将通知 2 个未报基地' }).waitFor();
  await remind.click();
  const dialog = page.getByRole('dialog', { name: `催报 ${Y - 1} 年度报告？` });
  await dialog.locator('#remind-count', { hasText: `将向 2 个尚未提交 ${Y - 1} 年度报告的有效基地` }).waitFor();
  await screenshot(page, 'term-remind-confirm', { fullPage: false });
  const res = await clickFor(page, dialog.getByRole('button', { name: '发送通知' }), 'POST', /\/annual-reports\/reminders$/);
  assert.equal(res.status(), 200);
  assert.deepEqual(res.request().postDataJSON(), { year: Y - 1 });
  assert.deepEqual(await res.json(), { notified: 2 });
  await page.locator('#remind-done', { hasText: `已向 2 个未报基地发送 ${Y - 1} 年度报告催报通知。` }).waitFor();

  // Filters in the URL and in the CSV link.
  await page.getByLabel('所在地区', { exact: true }).selectOption('上海市');
  await page.locator('.empty-title', { hasText: '没有符合条件的年度报告' }).waitFor();
  await page.locator('.completion-table tr[data-region="上海市"]').waitFor();
  await page.getByLabel('所在地区', { exact: true }).selectOption('北京市');
  await page.locator('#completion-total', { hasText: `北京市 ${Y - 1} 年度：应报 1 个有效基地，已报 1 个，完成率 100%（全国：应报 3 个有效基地，已报 1 个` }).waitFor();
  await page.locator('#term-remind-scope', { hasText: '不限于所选地区' }).waitFor();
  await page.getByLabel('评估', { exact: true }).selectOption('false');
  await page.waitForFunction(() => document.querySelectorAll('.reports-table tbody tr').length === 1);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('region'), '北京市');
  assert.equal(url.searchParams.get('evaluated'), 'false');
  assert.equal(await page.locator('#term-csv').getAttribute('href'),
    `/api/v1/annual-reports.csv?year=${Y - 1}&region=${encodeURIComponent('北京市')}&evaluated=false`);
  const csv = await page.evaluate(async (href) => { const r = await fetch(href); return { status: r.status, text: await r.text() }; },
    await page.locator('#term-csv').getAttribute('href'));
  assert.equal(csv.status, 200);
  assert.match(csv.text, /北京天文馆/);
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'term-desk');

  // The report and its evaluation.
  await page.locator('.reports-table tbody a', { hasText: b.name }).click();
  await waitForPage(page, `/admin/term/reports/${b.id}/${Y - 1}`, `${b.name} · ${Y - 1} 年度科普工作报告`);
  assert.match(await page.locator('.report-facts').textContent(), /130,000 人次/);
  await page.locator('.attachment', { hasText: '天象厅活动.png' }).waitFor();
  await page.locator('#eval-submit').click();
  await page.locator('#eval-score-error', { hasText: '请填写评估得分' }).waitFor();
  await page.locator('#eval-grade-error', { hasText: '请选择评估等级' }).waitFor();
  await page.getByLabel('评估得分（0–100）').fill('100.5');
  await page.locator('#eval-submit').click();
  await page.locator('#eval-score-error', { hasText: '0–100' }).waitFor();
  await page.getByLabel('评估得分（0–100）').fill('92.5');
  await page.getByLabel('优秀', { exact: true }).check();
  await page.getByLabel('评估意见', { exact: true }).fill('活动丰富，接待量大。');
  const ev = await clickFor(page, page.locator('#eval-submit'), 'PUT', /\/annual-reports\/\d+\/evaluation$/);
  assert.equal(ev.status(), 200, await ev.text());
  assert.deepEqual(ev.request().postDataJSON(), { score: 92.5, grade: 'excellent', comments: '活动丰富，接待量大。' });
  await page.locator('#report-notice', { hasText: '已保存评估结果：优秀，92.5 分' }).waitFor();
  assert.match(await page.locator('#eval-current').textContent(), /优秀.*92\.5 分.*活动丰富/);
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'term-report-evaluated');
  await page.setViewportSize(PHONE);
  assert.ok(await pageOverflow(page) <= 0, 'the report page fits a phone');
  await screenshot(page, 'term-report-evaluated-phone');
  await page.goto(`${server.url}/admin/term?year=${Y - 1}`);
  await page.locator('#completion-total').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.reports-table tbody tr').length === 1);
  assert.ok(await pageOverflow(page) <= 0, 'the desk fits a phone');
  await screenshot(page, 'term-desk-phone');
  assert.deepEqual(errorsExcept(browser.errors(page), []), []);
  await page.close();
});

test('the unit sees the evaluation, and the report read-only', { timeout: 60000 }, async () => {
  const a = apps['北京天文馆'];
  const b = bases['北京天文馆'];
  const page = await pageAs(a.username, a.password, PHONE);
  await page.goto(`${server.url}/my/bases/${b.id}?year=${Y - 1}`);
  await page.locator('#report-evaluation', { hasText: `${Y - 1} 年度绩效评估结果` }).waitFor();
  assert.match(await page.locator('#report-evaluation').textContent(), /优秀.*92\.5 分.*活动丰富，接待量大/);
  await page.locator('#report-locked', { hasText: '报告已评估，不能再修改' }).waitFor();
  assert.equal(await page.locator('#report-submit, #report-file').count(), 0, 'no form, no upload');
  await page.locator('#report-view .attachment', { hasText: '天象厅活动.png' }).waitFor();
  await page.locator(`.reports-table tr[data-year="${Y - 1}"] .badge`, { hasText: '优秀' }).waitFor();
  assert.ok(await pageOverflow(page) <= 0);
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'term-unit-evaluated-phone');
  assert.deepEqual(errorsExcept(browser.errors(page), []), []);
  await page.close();
});

test('end-of-term assessment on the base page: refused before the last year with the reason; then given', { timeout: 60000 }, async () => {
  // 上海科技馆's term is made to end next year (a fixture shortcut): too early.
  const sh = bases['上海科技馆'];
  await db.psql(`UPDATE bases SET term_end_year = ${Y + 1} WHERE id = ${sh.id}`);
  const page = await pageAs('admin', ADMIN_PASSWORD);
  await page.goto(`${server.url}/admin/bases/${sh.id}`);
  await page.locator('#term-early', { hasText: `届期最后一年（${Y + 1} 年）起才能进行终期考核` }).waitFor();
  await page.getByLabel('合格', { exact: true }).check();
  await page.getByLabel('考核意见', { exact: true }).fill('按期提交年度报告。');
  let res = await clickFor(page, page.locator('#term-submit'), 'PUT', /\/bases\/\d+\/term-assessment$/);
  assert.equal(res.status(), 409);
  await page.locator('#term-message', { hasText: `届期最后一年（${Y + 1} 年）起才能进行终期考核` }).waitFor();

  const gd = bases['广东科学中心'];
  await page.goto(`${server.url}/admin/bases/${gd.id}`);
  await page.locator('#term-none').waitFor();
  await page.locator(`#base-reports li[data-year="${Y}"] .badge`, { hasText: '未提交' }).waitFor();
  await page.locator('#term-submit').click();
  await page.locator('#term-result-error', { hasText: '请选择考核结果' }).waitFor();
  await page.locator('#term-comments-error', { hasText: '请填写考核意见' }).waitFor();
  await page.getByLabel('优秀', { exact: true }).check();
  await page.getByLabel('考核意见', { exact: true }).fill('届期内科普成效显著。');
  res = await clickFor(page, page.locator('#term-submit'), 'PUT', /\/bases\/\d+\/term-assessment$/);
  assert.equal(res.status(), 200, await res.text());
  assert.deepEqual(res.request().postDataJSON(), { result: 'excellent', comments: '届期内科普成效显著。' });
  await page.locator('#base-notice', { hasText: '已保存终期考核结果：优秀' }).waitFor();
  await page.locator('#term-title .badge', { hasText: '终期考核：优秀' }).waitFor();
  assert.match(await page.locator('#term-current').textContent(), /届期内科普成效显著。.*优秀直接认定/);
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'term-assessment');
  await page.setViewportSize(PHONE);
  assert.ok(await pageOverflow(page) <= 0);
  await screenshot(page, 'term-assessment-phone');
  assert.deepEqual(errorsExcept(browser.errors(page), [409]), []);
  await page.close();
});

test('carry-over into the next batch: the preview, the result, the fast-track mark in the lists', { timeout: 90000 }, async () => {
  const gd = bases['广东科学中心'];
  const next = await makeBatch(admin, { status: 'evaluating', term_start_year: Y + 1, term_end_year: Y + 5 });
  const page = await pageAs('admin', ADMIN_PASSWORD);
  await page.goto(`${server.url}/batches/${next.id}`);
  await page.locator('nav.subnav a', { hasText: '终期优秀转入' }).click();
  await waitForPage(page, `/batches/${next.id}/carry-over`, next.title);
  await page.locator(`#carry-preview tr[data-id="${gd.id}"]`).waitFor();
  assert.equal(await page.locator('#carry-preview tbody tr').count(), 1, 'only the excellent base enters');
  await page.locator('#carry-none').waitFor();
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'term-carry-preview');
  await page.locator('#carry-button', { hasText: '转入 1 个基地' }).click();
  const dialog = page.getByRole('dialog', { name: '转入 1 个终期考核优秀的基地？' });
  await dialog.locator('#carry-confirm-list li', { hasText: gd.name }).waitFor();
  const res = await clickFor(page, dialog.getByRole('button', { name: '确认转入' }), 'POST', /\/batches\/\d+\/carry-over$/);
  assert.equal(res.status(), 200, await res.text());
  assert.equal((await res.json()).count, 1);
  await page.locator('#carry-notice', { hasText: '已转入 1 个终期考核优秀的基地' }).waitFor();
  const row = page.locator('#carry-done tbody tr');
  await row.locator('.badge', { hasText: '★ 优秀直接认定' }).waitFor();
  await row.locator('.badge', { hasText: '拟认定' }).waitFor();
  await page.locator('.empty-title', { hasText: '没有待转入的基地' }).waitFor();
  assert.equal(await page.locator('#carry-button').count(), 0, 'nothing left to carry over');
  await screenshot(page, 'term-carry-done');
  await page.setViewportSize(PHONE);
  assert.ok(await pageOverflow(page) <= 0);
  await screenshot(page, 'term-carry-done-phone');

  // The mark in the admin's application list and on the application's page.
  await page.setViewportSize(DESKTOP);
  await page.goto(`${server.url}/admin/applications?batch_id=${next.id}`);
  const listed = page.locator('.apps-table tbody tr', { hasText: gd.unit_name });
  await listed.locator('.badge', { hasText: '优秀直接认定' }).waitFor();
  await listed.getByRole('link', { name: gd.unit_name }).click();
  await page.waitForURL(/\/admin\/applications\/\d+$/);
  await page.locator('h1 .badge', { hasText: '优秀直接认定' }).waitFor();
  await page.locator('h1 .badge', { hasText: '拟认定' }).waitFor();
  await screenshot(page, 'term-carried-application');

  // The other mark: an application marked qualified in SQL (how one gets
  // there is the API tests' business), in the list and on its page.
  const sh = apps['上海科技馆'];
  await db.psql(`UPDATE applications SET fast_track = 'qualified' WHERE id = ${sh.id}`);
  await page.goto(`${server.url}/admin/applications?batch_id=${namedBatch.id}`);
  const qualified = page.locator('.apps-table tbody tr', { hasText: sh.unit_name });
  await qualified.locator('.badge', { hasText: '★ 合格直通终评' }).waitFor();
  assert.equal(await page.locator('.apps-table .badge-fast').count(), 1, 'only the marked one');
  await qualified.getByRole('link', { name: sh.unit_name }).click();
  await page.locator('h1 .badge', { hasText: '合格直通终评' }).waitFor();
  // 404: the batch has no on-site sample yet.
  assert.deepEqual(errorsExcept(browser.errors(page), [404]), []);
  await page.close();
});

test('a unit assessed unqualified is refused at registration, and told why', { timeout: 90000 }, async () => {
  const bj = bases['北京天文馆'];
  const assessed = await admin.api('PUT', `/bases/${bj.id}/term-assessment`, { result: 'unqualified', comments: '连续两年未提交报告。' });
  assert.equal(assessed.status, 200, await assessed.text());
  const open = await makeBatch(admin, { status: 'open', term_start_year: Y + 1, term_end_year: Y + 5 });
  const code = await makeInvitation(rec.session, open.id);
  await browser.context.clearCookies();
  const page = await browser.newPage(PHONE);
  page.setDefaultTimeout(10000);
  await page.goto(`${server.url}/register?code=${code}`);
  await waitForPage(page, '/register', '申报单位注册');
  await page.locator('#reg-invitation').waitFor();
  await page.getByLabel('统一社会信用代码').fill(bj.credit_code);
  await page.getByLabel('单位名称').fill('北京天文馆');
  await page.getByLabel('所在地区').selectOption('北京市');
  await page.getByLabel('地址', { exact: true }).fill('北京市西城区西直门外大街 138 号');
  await page.getByLabel('法定代表人').fill('李明');
  await page.getByLabel('主管部门').fill('北京市科学技术协会');
  await page.getByLabel('联系人', { exact: true }).fill('张华');
  await page.getByLabel('联系电话').fill('010-51583311');
  await page.getByLabel('电子邮箱').fill('zhanghua@bjp.example.cn');
  await page.getByLabel('用户名').fill('bjp2031');
  await page.getByLabel('密码', { exact: true }).fill('applicant password 1');
  await page.getByLabel('确认密码').fill('applicant password 1');
  const res = await clickFor(page, page.getByRole('button', { name: '注册并创建申报' }), 'POST', /^\/api\/v1\/applicants$/);
  assert.equal(res.status(), 409);
  assert.equal((await res.json()).code, 'barred');
  const message = page.locator('.form-message-error');
  await message.filter({ hasText: `不能注册：该单位的全国科普教育基地“${bj.name}”` }).waitFor();
  assert.match(await message.textContent(), /终期考核不合格，不得参加本批次申报/);
  await page.locator('#reg-unit-credit-code-error', { hasText: '不得参加本批次申报' }).waitFor();
  assert.equal((await page.locator('#reg-unit-credit-code-ok').textContent()).trim(), '');
  assert.ok(await pageOverflow(page) <= 0);
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'term-register-barred-phone');
  assert.deepEqual(errorsExcept(browser.errors(page), [401, 409]), []);
  await page.close();
});
