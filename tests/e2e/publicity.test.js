// The public notice (公示), objections (异议) and naming (认定命名) in a real
// browser against a real kpjdd and PostgreSQL: the admin publishes the
// notice from the proposed list; anyone, without an account, reads it at
// /notices/{id} (rows in GB/T 2260 order, the window in Beijing time),
// files an objection under a real name against one row — the per-field
// errors, a 422 from the server placed beside its field, the receipt shown
// big — and follows it at /objections/{receipt}, on a desktop and on a
// 390 px phone; the per-address limit answers 429 in words; the admin's
// desk shows the objector's details, records 异议不成立 and, after its
// warning, 异议成立 (the application is withdrawn); the window is
// extended; naming is refused with the reasons while the window is open,
// then done through its confirmation once the window is over (closed in
// SQL, since the database clock judges it).
//
// The batch with three proposed applications comes from the publicity
// fixture (registered through the API, moved on in SQL). The tests run in
// order and share the state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKpjdd, createDatabase, runKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { proposedBatch } from '../lib/publicity.js';
import { launch, screenshot, screenshotDir } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept, texts } from './lib/session.js';
import { pageOverflow, labelProblems, chinaInput } from './lib/ui.js';

// Regions deliberately out of GB/T 2260 order: 广东 (44), 北京 (11), 上海 (31).
const UNITS = ['广东科学中心', '北京天文馆', '上海科技馆'];
const RECEIPT_SHOWN = /^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/;
const PHONE = { width: 390, height: 844 };
const TERM = new Date().getUTCFullYear(); // a term running now: its bases are 有效

const keyDir = mkdtempSync(join(tmpdir(), 'kpjd-e2e-publicity-'));
let db;
let server;
let browser;
let admin;
let batch;
let apps;           // from proposedBatch, [i] in UNITS order
let recommender;    // its name
let notice;         // the notice as POST answered it
const receipts = []; // [{ receipt, application_id }] filed through the pages

before(async () => {
  const key = join(keyDir, 'signing.key');
  const r = runKpjdd(['keygen', '--out', key]);
  assert.equal(r.status, 0, r.stderr);
  db = await createDatabase();
  server = await startKpjdd({
    db, migrate: true,
    env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000', KPJD_CRYPTO_SIGNING_KEY: key, KPJD_OBJECTIONS_LIMIT: '4' },
  });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  const made = await proposedBatch(server.url, db, admin, { count: 3, units: UNITS, term_start_year: TERM });
  ({ batch, apps } = made);
  recommender = made.recommender.recommender.name;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop({ allowFailure: true }).catch(() => {});
  await db?.drop().catch(() => {});
  rmSync(keyDir, { recursive: true, force: true });
});

const apiPath = (r) => new URL(r.url()).pathname;
const app = (unit) => apps.find((a) => a.unit_name === unit);

async function clickFor(page, locator, method, pathRe) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && pathRe.test(apiPath(r))),
    locator.click(),
  ]);
  return res;
}

async function adminPage(size = { width: 1280, height: 800 }) {
  await browser.context.clearCookies();
  const page = await browser.newPage(size);
  page.setDefaultTimeout(10000);
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  return page;
}

// A page with no session at all: the public pages must not send it to /login.
async function publicPage(size = { width: 1280, height: 800 }) {
  await browser.context.clearCookies();
  const page = await browser.newPage(size);
  page.setDefaultTimeout(10000);
  return page;
}

test('发布公示: the admin publishes the notice from the proposed list; naming says why it must wait', { timeout: 60000 }, async () => {
  const page = await adminPage();
  await page.goto(`${server.url}/batches/${batch.id}`);
  await waitForPage(page, `/batches/${batch.id}`, batch.title);
  // No 推进 to 公示中 (the notice makes that move): the way to it instead.
  await page.locator('#batch-next-act a', { hasText: '公示与异议' }).waitFor();
  assert.equal(await page.locator('#batch-advance').count(), 0);
  await page.locator('nav[aria-label="批次页面"] a', { hasText: '公示与异议' }).click();
  await waitForPage(page, `/batches/${batch.id}/publicity`, batch.title);
  await page.locator('h2', { hasText: '发布公示' }).waitFor();
  assert.match(await page.getByLabel('公示标题').inputValue(), /拟认定全国科普教育基地名单公示$/);

  // The end before the start is refused on the page.
  const start = new Date(Date.now() - 2 * 60e3);
  await page.getByLabel('公示开始（北京时间）').fill(chinaInput(start));
  await page.getByLabel('公示结束（北京时间）').fill(chinaInput(new Date(start.getTime() - 3600e3)));
  await page.locator('#publish-submit').click();
  await page.locator('#publish-ends-error', { hasText: '结束时间须晚于开始时间' }).waitFor();

  const end = new Date(Date.now() + 3 * 24 * 3600e3);
  await page.getByLabel('公示结束（北京时间）').fill(chinaInput(end));
  await page.locator('#publish-submit').click();
  const dialog = page.getByRole('dialog', { name: '发布公示？' });
  await dialog.locator('#publish-confirm-text', { hasText: '3 个拟认定申报将向社会公示' }).waitFor();
  await screenshot(page, 'publicity-publish-confirm', { fullPage: false });
  const res = await clickFor(page, dialog.getByRole('button', { name: '发布' }), 'POST', /\/publicity$/);
  assert.equal(res.status(), 201, await res.text());
  notice = await res.json();
  const sent = res.request().postDataJSON();
  assert.equal(sent.starts_at, `${chinaInput(start)}:00+08:00`, 'the window is sent in Beijing time');
  assert.equal(sent.ends_at, `${chinaInput(end)}:00+08:00`);
  await page.locator('#publicity-notice', { hasText: '公示已发布：3 个拟认定申报。' }).waitFor();
  await page.locator('h1 .badge', { hasText: '公示中' }).waitFor();
  await page.locator('#notice-title .badge', { hasText: '公示中' }).waitFor();
  assert.equal(await page.locator('#notice-public-link').getAttribute('href'), `/notices/${notice.id}`);
  await page.locator('.empty-title', { hasText: '还没有异议' }).waitFor();
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'publicity-admin-published');

  await page.locator('nav[aria-label="批次页面"] a', { hasText: '基本信息' }).click();
  await page.locator('#batch-next-act a', { hasText: '认定命名' }).click();
  await waitForPage(page, `/batches/${batch.id}/naming`, batch.title);
  await page.locator('#naming-blocked li', { hasText: '公示期尚未结束' }).waitFor();
  assert.equal(await page.locator('#naming-submit').isDisabled(), true);
  assert.equal(await page.locator('#naming-submit').getAttribute('aria-describedby'), 'naming-blocked');
  assert.deepEqual(errorsExcept(browser.errors(page), [404]), []);
  await page.close();
});

test('公示 (anyone, desktop): the list and the notice without an account; an objection with its errors, then its receipt and status', { timeout: 60000 }, async () => {
  const page = await publicPage();
  await page.goto(`${server.url}/notices`);
  await waitForPage(page, '/notices', '公示');
  const item = page.locator(`.notice-item[data-id="${notice.id}"]`);
  await item.locator('.badge', { hasText: '公示中' }).waitFor();
  assert.match(await item.textContent(), /（北京时间）/);
  await item.getByRole('link').click();
  await waitForPage(page, `/notices/${notice.id}`, notice.title);
  assert.equal(new URL(page.url()).pathname, `/notices/${notice.id}`, 'no detour to /login');
  assert.deepEqual(await texts(page.locator('nav[aria-label="公开信息"] a')), ['公示', '基地名录', '证书核验']);

  // 序号 · 所在地区 · 申报单位 · 基地名称 · 推荐单位, by region code.
  assert.deepEqual(await texts(page.locator('.notice-table thead th')), ['序号', '所在地区', '申报单位', '基地名称', '推荐单位', '异议']);
  const rows = page.locator('.notice-table tbody tr');
  const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.cells].slice(0, 5).map((td) => td.textContent.trim())));
  assert.deepEqual(cells, [
    ['1', '北京市', '北京天文馆', '北京天文馆科普教育基地', recommender],
    ['2', '上海市', '上海科技馆', '上海科技馆科普教育基地', recommender],
    ['3', '广东省', '广东科学中心', '广东科学中心科普教育基地', recommender],
  ]);
  assert.match(await page.locator('.notice-facts').textContent(), /公示期.*至.*（北京时间）/);

  // Nothing filled: every required field says what it needs.
  await page.locator('#objection-submit').click();
  await page.locator('#objection-target-error', { hasText: '请选择' }).waitFor();
  await page.locator('#objection-name-error', { hasText: '请填写真实姓名' }).waitFor();
  await page.locator('#objection-phone-error', { hasText: '请填写电话' }).waitFor();
  await page.locator('#objection-content-error', { hasText: '请填写异议内容' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'objection-target');

  // 提出异议 on a row chooses it in the form.
  await rows.nth(1).getByRole('button', { name: /提出异议/ }).click();
  assert.equal(await page.getByLabel('异议对象').inputValue(), String(app('上海科技馆').id));
  await page.getByLabel('姓名').fill('张三');
  await page.getByLabel('电话').fill('12345');
  await page.getByLabel('异议内容').fill('太短了');
  await page.locator('#objection-submit').click();
  await page.locator('#objection-phone-error', { hasText: '有效的手机号码' }).waitFor();
  await page.locator('#objection-content-error', { hasText: '至少 10 个字' }).waitFor();

  // An application that is not a row of the notice: the server's 422 beside 异议对象.
  await page.getByLabel('电话').fill('13800138000');
  await page.getByLabel('异议内容').fill('该馆申报材料中的年接待人数与实际情况明显不符，请予核实。');
  await page.locator('#objection-target option').nth(1).evaluate((o, id) => { o.value = String(id); }, 999999);
  await page.getByLabel('异议对象').selectOption('999999');
  const refused = await clickFor(page, page.locator('#objection-submit'), 'POST', /\/public\/notices\/\d+\/objections$/);
  assert.equal(refused.status(), 422);
  await page.locator('#objection-target-error').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await page.getByLabel('异议对象').getAttribute('aria-invalid'), 'true');
  await screenshot(page, 'publicity-objection-errors');

  await page.getByLabel('异议对象').selectOption(String(app('上海科技馆').id));
  const filed = await clickFor(page, page.locator('#objection-submit'), 'POST', /\/public\/notices\/\d+\/objections$/);
  assert.equal(filed.status(), 201, await filed.text());
  const answer = await filed.json();
  assert.deepEqual(filed.request().postDataJSON(), {
    application_id: app('上海科技馆').id, name: '张三', phone: '13800138000',
    content: '该馆申报材料中的年接待人数与实际情况明显不符，请予核实。',
  }, 'the empty optional fields are left out');
  const shown = (await page.locator('#objection-receipt').textContent()).trim();
  assert.match(shown, RECEIPT_SHOWN);
  assert.equal(shown.replace(/-/g, ''), answer.receipt);
  await page.locator('.receipt-box', { hasText: '上海科技馆' }).waitFor();
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'publicity-objection-receipt');
  receipts.push({ receipt: answer.receipt, application_id: app('上海科技馆').id });

  await page.locator('#objection-follow').click();
  await waitForPage(page, `/objections/${answer.receipt}`, '异议处理结果');
  await page.locator('#objection-meaning', { hasText: '异议已受理' }).waitFor();
  assert.match(await page.locator('main').textContent(), /待处理/);
  assert.doesNotMatch(await page.locator('main').textContent(), /张三|13800138000/);
  assert.deepEqual(errorsExcept(browser.errors(page), [401, 422]), []);
  await page.close();
});

test('公示 (anyone, 390 px phone): the rows as cards, an objection with its optional fields, the receipt looked up', { timeout: 60000 }, async () => {
  const page = await publicPage(PHONE);
  await page.goto(`${server.url}/notices/${notice.id}`);
  await waitForPage(page, `/notices/${notice.id}`, notice.title);
  await page.locator('.notice-table tbody tr').first().waitFor();
  assert.ok(await pageOverflow(page) <= 0, 'the notice fits a phone');
  await screenshot(page, 'publicity-notice-phone', { fullPage: false });
  await screenshot(page, 'publicity-notice-phone-full');

  await page.locator('.notice-table tbody tr').first().getByRole('button', { name: /提出异议/ }).click();
  assert.equal(await page.getByLabel('异议对象').inputValue(), String(app('北京天文馆').id));
  await page.getByLabel('姓名').fill('李四');
  await page.getByLabel('电话').fill('010-68571234');
  await page.getByLabel('邮箱（选填）').fill('lisi@example.com');
  await page.getByLabel('单位（选填）').fill('某中学');
  await page.getByLabel('异议内容').fill('该馆近三年开放天数不足申报表所填数字，请核实。');
  const filed = await clickFor(page, page.locator('#objection-submit'), 'POST', /\/objections$/);
  assert.equal(filed.status(), 201, await filed.text());
  const answer = await filed.json();
  assert.equal(filed.request().postDataJSON().email, 'lisi@example.com');
  assert.equal(filed.request().postDataJSON().organization, '某中学');
  await page.locator('#objection-receipt').waitFor();
  assert.ok(await pageOverflow(page) <= 0, 'the receipt fits a phone');
  await page.locator('.receipt-box').screenshot({ path: join(screenshotDir(), 'publicity-receipt-phone.png') });
  receipts.push({ receipt: answer.receipt, application_id: app('北京天文馆').id });

  // The lookup form takes the receipt grouped and in lower case.
  await page.getByLabel('回执编号', { exact: true }).fill(answer.receipt.toLowerCase().replace(/(.{4})(?=.)/g, '$1-'));
  await page.getByRole('button', { name: '查询' }).click();
  await waitForPage(page, `/objections/${answer.receipt}`, '异议处理结果');
  await page.locator('#objection-meaning', { hasText: '异议已受理' }).waitFor();
  assert.ok(await pageOverflow(page) <= 0);
  await screenshot(page, 'publicity-objection-status-phone');
  assert.deepEqual(await labelProblems(page), []);
  assert.deepEqual(errorsExcept(browser.errors(page), [401]), []);
  await page.close();
});

test('the per-address limit: the page says in words how long to wait', { timeout: 60000 }, async () => {
  // File through the API (same address) until the limit answers 429; the
  // first of these is the objection upheld below.
  let status = 0;
  for (let i = 0; i < 10 && status !== 429; i++) {
    const res = await fetch(`${server.url}/api/v1/public/notices/${notice.id}/objections`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ application_id: app('广东科学中心').id, name: '王五', phone: '13900139000', content: '该中心的科普活动记录与实际不符，请核实。' }),
    });
    status = res.status;
    if (status === 201) receipts.push({ receipt: (await res.json()).receipt, application_id: app('广东科学中心').id, api: true });
  }
  assert.equal(status, 429, 'the limit is reached');
  assert.ok(receipts.some((r) => r.api), 'one was filed before the limit');

  const page = await publicPage();
  await page.goto(`${server.url}/notices/${notice.id}`);
  await waitForPage(page, `/notices/${notice.id}`, notice.title);
  await page.getByLabel('异议对象').selectOption(String(app('广东科学中心').id));
  await page.getByLabel('姓名').fill('赵六');
  await page.getByLabel('电话').fill('13700137000');
  await page.getByLabel('异议内容').fill('再次提出：该中心的科普活动记录与实际不符。');
  const res = await clickFor(page, page.locator('#objection-submit'), 'POST', /\/objections$/);
  assert.equal(res.status(), 429);
  await page.locator('#objection-message', { hasText: /提交过于频繁.*请在 \d+ (秒|分钟|小时)/ }).waitFor();
  await screenshot(page, 'publicity-objection-429', { fullPage: false });
  assert.deepEqual(errorsExcept(browser.errors(page), [401, 429]), []);
  await page.close();
});

test('异议处理: the objector seen by the admin only; 异议不成立 with a reply; 异议成立 after its warning withdraws the application', { timeout: 60000 }, async () => {
  const page = await adminPage();
  await page.goto(`${server.url}/batches/${batch.id}/publicity`);
  await waitForPage(page, `/batches/${batch.id}/publicity`, batch.title);
  const cards = page.locator('.objection-card');
  await page.waitForFunction((n) => document.querySelectorAll('.objection-card').length === n, receipts.length);
  await page.locator('#objections-summary', { hasText: `共 ${receipts.length} 条异议，${receipts.length} 条待处理。` }).waitFor();
  const zhang = cards.filter({ hasText: '张三' });
  assert.match(await zhang.textContent(), /13800138000/);
  assert.match(await zhang.textContent(), /2\. 上海科技馆 · 上海科技馆科普教育基地/);
  const li = cards.filter({ hasText: '李四' });
  assert.match(await li.textContent(), /lisi@example\.com.*某中学/s);
  await screenshot(page, 'publicity-desk');

  // 异议不成立: the reply is required.
  await zhang.getByRole('button', { name: '异议不成立' }).click();
  let dialog = page.getByRole('dialog', { name: '认定异议不成立？' });
  await dialog.getByRole('button', { name: '确认异议不成立' }).click();
  await dialog.locator('.field-error', { hasText: '请填写答复' }).waitFor();
  await dialog.getByLabel('答复').fill('经核实，该馆年接待人数有票务系统记录为证，异议不成立。');
  let res = await clickFor(page, dialog.getByRole('button', { name: '确认异议不成立' }), 'POST', /\/objections\/\d+\/finding$/);
  assert.equal(res.status(), 200, await res.text());
  assert.deepEqual(res.request().postDataJSON(), { result: 'dismissed', reply: '经核实，该馆年接待人数有票务系统记录为证，异议不成立。' });
  await zhang.locator('.badge', { hasText: '异议不成立' }).waitFor();
  await zhang.locator('.objection-reply', { hasText: '票务系统记录' }).waitFor();

  // 异议成立 on 王五's (广东科学中心): the dialog says the application goes.
  const wang = cards.filter({ hasText: '王五' }).first();
  await wang.getByRole('button', { name: '异议成立' }).click();
  dialog = page.getByRole('dialog', { name: /认定异议成立/ });
  await dialog.locator('#finding-warning', { hasText: '“广东科学中心”的申报将撤销' }).waitFor();
  await dialog.getByLabel('答复').fill('经核实，异议属实，撤销该中心的申报。');
  await screenshot(page, 'publicity-upheld-confirm', { fullPage: false });
  res = await clickFor(page, dialog.getByRole('button', { name: '确认异议成立' }), 'POST', /\/objections\/\d+\/finding$/);
  assert.equal(res.status(), 200, await res.text());
  await wang.locator('.badge', { hasText: '异议成立' }).waitFor();
  const got = await admin.api('GET', `/applications/${app('广东科学中心').id}`);
  assert.equal((await got.json()).status, 'withdrawn_after_objection');

  // The status filter, kept in the URL.
  await page.getByLabel('处理状态').selectOption('received');
  await page.waitForFunction(() => [...document.querySelectorAll('.objection-card')].every((c) => c.dataset.status === 'received'));
  assert.equal(new URL(page.url()).searchParams.get('status'), 'received');
  assert.deepEqual(await labelProblems(page), []);
  await page.setViewportSize(PHONE);
  assert.ok(await pageOverflow(page) <= 0, 'the desk fits a phone');
  await screenshot(page, 'publicity-desk-phone');
  assert.deepEqual(errorsExcept(browser.errors(page), []), []);
  await page.close();

  // The objector reads the reply by the receipt; nothing personal.
  const pub = await publicPage(PHONE);
  await pub.goto(`${server.url}/objections/${receipts[0].receipt}`);
  await pub.locator('#objection-reply', { hasText: '票务系统记录' }).waitFor();
  assert.match(await pub.locator('main').textContent(), /异议不成立/);
  assert.doesNotMatch(await pub.locator('main').textContent(), /张三|13800138000/);
  await screenshot(pub, 'publicity-objection-replied-phone');
  await pub.close();
});

test('延长公示期 and 认定命名: refused while objections wait, then named through the confirmation once the window is over', { timeout: 90000 }, async () => {
  const page = await adminPage();
  await page.goto(`${server.url}/batches/${batch.id}/publicity`);
  await waitForPage(page, `/batches/${batch.id}/publicity`, batch.title);
  // Extending: an earlier end is refused on the page; a later one is sent.
  const ends = page.getByLabel('新的结束时间（北京时间）');
  await ends.fill(chinaInput(new Date(Date.now() + 3600e3)));
  await page.locator('#extend-submit').click();
  await page.locator('#extend-ends-error', { hasText: '须晚于当前结束时间' }).waitFor();
  const later = new Date(Date.now() + 5 * 24 * 3600e3);
  await ends.fill(chinaInput(later));
  const res = await clickFor(page, page.locator('#extend-submit'), 'PATCH', /\/notices\/\d+$/);
  assert.equal(res.status(), 200, await res.text());
  await page.locator('#publicity-notice', { hasText: '公示期已延长至' }).waitFor();

  // Every remaining objection dismissed through the API but one; the
  // window closed by the database clock.
  const open = (await (await admin.api('GET', `/batches/${batch.id}/objections?status=received&limit=200`)).json()).items;
  for (const o of open.slice(1)) {
    const r = await admin.api('POST', `/objections/${o.id}/finding`, { result: 'dismissed', reply: '经核实，异议不成立。' });
    assert.equal(r.status, 200, await r.text());
  }
  await db.psql(`UPDATE notices SET ends_at = now() - interval '1 second' WHERE id = ${notice.id}`);
  await page.goto(`${server.url}/batches/${batch.id}/naming`);
  await waitForPage(page, `/batches/${batch.id}/naming`, batch.title);
  await page.locator('#naming-blocked li', { hasText: '还有 1 条异议没有处理结论' }).waitFor();
  assert.equal(await page.locator('#naming-blocked li', { hasText: '公示期尚未结束' }).count(), 0);
  assert.equal(await page.locator('#naming-submit').isDisabled(), true);
  await screenshot(page, 'publicity-naming-blocked');

  const r = await admin.api('POST', `/objections/${open[0].id}/finding`, { result: 'dismissed', reply: '经核实，异议不成立。' });
  assert.equal(r.status, 200, await r.text());
  await page.reload();
  await page.locator('#naming-title').waitFor();
  assert.equal(await page.locator('#naming-blocked').count(), 0);
  assert.equal(await page.locator('#naming-submit').isDisabled(), false);
  await page.getByLabel('命名文号（选填）').fill('科协发普字〔2026〕12号');
  await page.locator('#naming-submit').click();
  const dialog = page.getByRole('dialog', { name: '认定命名 2 个基地？' });
  await dialog.locator('#naming-confirm-text', { hasText: '2 个拟认定申报将被命名为全国科普教育基地' }).waitFor();
  assert.match(await dialog.textContent(), new RegExp(`KPJD-${TERM}-`));
  await screenshot(page, 'publicity-naming-confirm', { fullPage: false });
  const named = await clickFor(page, dialog.getByRole('button', { name: '命名 2 个基地' }), 'POST', /\/naming$/);
  assert.equal(named.status(), 200, await named.text());
  assert.equal(named.request().postDataJSON().decision_no, '科协发普字〔2026〕12号');
  await page.locator('#naming-notice', { hasText: `已认定命名 2 个基地，证书编号 KPJD-${TERM}-000001 至 KPJD-${TERM}-000002。` }).waitFor();
  await page.locator('h1 .badge', { hasText: '已结束' }).waitFor();
  const rows = page.locator('.bases-table tbody tr');
  await rows.first().waitFor();
  // In the notice's order: 北京 before 上海.
  assert.deepEqual((await texts(rows.locator('td:nth-child(2)'))), [`KPJD-${TERM}-000001`, `KPJD-${TERM}-000002`]);
  await rows.first().locator('.badge', { hasText: '有效' }).waitFor();
  assert.match(await rows.first().textContent(), /北京天文馆/);
  assert.equal(await page.locator('#naming-print').getAttribute('href'), `/api/v1/batches/${batch.id}/certificates.pdf`);
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'publicity-named');
  await page.setViewportSize(PHONE);
  assert.ok(await pageOverflow(page) <= 0, 'the naming page fits a phone');
  await screenshot(page, 'publicity-named-phone');
  assert.deepEqual(errorsExcept(browser.errors(page), []), []);
  await page.close();

  // The ended notice: no form, the words say so.
  const pub = await publicPage();
  await pub.goto(`${server.url}/notices/${notice.id}`);
  await pub.locator('#objection-closed', { hasText: '公示期已结束，不再受理异议' }).waitFor();
  assert.equal(await pub.locator('#objection-submit').count(), 0);
  await pub.locator('h1 .badge', { hasText: '已结束' }).waitFor();
  await pub.close();
});
