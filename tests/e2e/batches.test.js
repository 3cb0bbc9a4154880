// Steps 1–4 of a batch in a real browser against a real kpjdd and
// PostgreSQL: the admin opens a batch, creates a recommender (its initial
// password read from the dialog), sets its quota inline and by CSV; the
// recommender changes its password, files its contact form, makes and
// revokes invitation codes and prints them; the admin sees the contact; a
// unit registers with a code and lands on its workbench with its draft
// application; the recommender sees the code used.
//
// The tests run in order and share the state they build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin } from '../lib/accounts.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, submitLogin, waitForPage, errorsExcept, texts } from './lib/session.js';
import { chinaInput, chinaDeadlineText, pageOverflow, labelProblems } from './lib/ui.js';
import { signIn as apiSignIn } from '../lib/accounts.js';

const ADMIN = { username: 'admin', password: 'correct horse battery' };
const REC = { name: '北京市科学技术协会', username: 'bjkx', region: '北京市' };
const REC2 = { name: '中国科学院', username: 'cas-office' };
const REC_NEW_PASSWORD = '北京科协的新密码 2021';
const CONTACT = {
  姓名: '王晓明', 部门: '科普部', 职务: '副部长', 办公电话: '010-68571234',
  手机: '13800138000', 电子邮箱: 'wangxm@bast.example.cn', 通讯地址: '北京市海淀区复兴路 3 号，100038',
};
const UNIT = {
  name: '北京天文馆', credit: '91350100M000100Y43', username: 'bjtwg', password: '星空下的科普教育基地 2021',
};
const DAY = 24 * 3600e3;

let db;
let server;
let browser;
const state = {}; // what the steps hand on: batch id, passwords, codes

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true });
  createAdmin(db, ADMIN.username, ADMIN.password);
  browser = await launch();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
});

after(async () => {
  await browser?.close();
  await server?.stop({ allowFailure: true }).catch(() => {});
  await db?.drop().catch(() => {});
});

// A page in a browser context without cookies: each role signs in itself.
async function freshPage(size = { width: 1280, height: 800 }) {
  await browser.context.clearCookies();
  const page = await browser.newPage(size);
  page.setDefaultTimeout(10000);
  return page;
}

const mainNav = (page) => page.locator('nav[aria-label="主导航"] a');
const apiPath = (r) => new URL(r.url()).pathname;

// Clicks `locator` and waits for the API answer to `method path`. → the Response.
async function clickFor(page, locator, method, pathRe) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && pathRe.test(apiPath(r))),
    locator.click(),
  ]);
  return res;
}

test('the admin creates a batch and opens it', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  assert.deepEqual(await texts(mainNav(page)), ['工作台', '批次管理', '推荐单位', '认定专家', '申报管理', '基地管理', '届期管理', '通知', '邮件发送', '审计日志']);

  await mainNav(page).filter({ hasText: '批次管理' }).click();
  await waitForPage(page, '/batches', '批次管理');
  await page.locator('.empty-title', { hasText: '还没有批次' }).waitFor();
  await page.getByRole('link', { name: '新建批次' }).click();
  await waitForPage(page, '/batches/new', '新建批次');

  // Nothing filled: every field says so, no request.
  await page.getByRole('button', { name: '创建批次' }).click();
  assert.equal((await page.locator('#batch-new-code-error').textContent()).trim(), '请填写批次编号');
  assert.equal((await page.locator('#batch-new-contact-deadline-error').textContent()).trim(), '请选择截止时间');
  assert.equal(await page.getByLabel('批次编号').getAttribute('aria-invalid'), 'true');

  // Contact deadline: midnight China time 10 days on (reads "… 24:00" of the day before);
  // recommend deadline 30 days on at 17:30.
  const contactAt = new Date(Date.now() + 10 * DAY);
  const recommendAt = new Date(Date.now() + 30 * DAY);
  state.contactInput = `${chinaInput(contactAt).slice(0, 10)}T00:00`;
  state.recommendInput = `${chinaInput(recommendAt).slice(0, 10)}T17:30`;
  await page.getByLabel('批次编号').fill('2021-1');
  await page.getByLabel('批次名称').fill('2021-2025年度第一批');
  await page.getByLabel('任期开始年份').fill('2021');
  await page.getByLabel('任期结束年份').fill('2035');
  await page.getByLabel('联系人报送截止时间').fill(state.contactInput);
  await page.getByLabel('推荐截止时间').fill(state.recommendInput);
  state.contactText = chinaDeadlineText(state.contactInput);
  assert.match(state.contactText, / 24:00$/);
  await page.locator('#batch-new-contact-deadline-hint', { hasText: `将显示为：${state.contactText}` }).waitFor();

  // The term is checked here first…
  await page.getByRole('button', { name: '创建批次' }).click();
  assert.match(await page.locator('#batch-new-term-end-year-error').textContent(), /10 年之间/);
  // … and the server's field errors land beside their fields too (a recommend
  // deadline before the contact one is also caught here, so send it past the client:
  // a duplicate code is the server's to find, below).
  await page.getByLabel('任期结束年份').fill('2025');
  const created = await clickFor(page, page.getByRole('button', { name: '创建批次' }), 'POST', /^\/api\/v1\/batches$/);
  assert.equal(created.status(), 201);
  const batch = await created.json();
  assert.equal(batch.contact_deadline, new Date(`${state.contactInput}:00+08:00`).toISOString().replace('.000Z', 'Z'));
  state.batchId = batch.id;
  await waitForPage(page, `/batches/${batch.id}`, '2021-2025年度第一批');
  assert.match(await page.locator('#flash').textContent(), /已创建批次/);
  assert.equal((await page.locator('h1 .badge').textContent()).trim(), '草稿');
  assert.match(await page.locator('.batch-head').textContent(), new RegExp(state.contactText));
  assert.deepEqual(await texts(page.locator('nav[aria-label="批次页面"] a')), ['基本信息', '名额', '联系人']);
  assert.equal(await mainNav(page).filter({ hasText: '批次管理' }).getAttribute('aria-current'), 'true');

  // Editing: a code taken by another batch is refused beside the field.
  const other = await page.evaluate(async () => {
    const s = await fetch('/api/v1/session').then((r) => r.json());
    const r = await fetch('/api/v1/batches', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
      body: JSON.stringify({ code: '2021-1B', title: '2021-2025年度第一批补充认定', term_start_year: 2021, term_end_year: 2025,
        contact_deadline: '2031-10-25T16:00:00Z', recommend_deadline: '2031-11-10T16:00:00Z' }),
    });
    return r.status;
  });
  assert.equal(other, 201);
  await page.getByLabel('批次编号').fill('2021-1B');
  const dup = await clickFor(page, page.getByRole('button', { name: '保存修改' }), 'PATCH', /^\/api\/v1\/batches\/\d+$/);
  assert.equal(dup.status(), 409);
  await page.locator('#batch-edit-code-error', { hasText: '批次编号已存在' }).waitFor();   // rendered after the answer
  assert.equal((await page.locator('#batch-edit-code-error').textContent()).trim(), '批次编号已存在');
  await page.getByLabel('批次编号').fill('2021-1');
  await page.getByLabel('批次名称').fill('2021-2025年度第一批（测试）');
  const saved = await clickFor(page, page.getByRole('button', { name: '保存修改' }), 'PATCH', /^\/api\/v1\/batches\/\d+$/);
  assert.equal(saved.status(), 200);
  assert.deepEqual(JSON.parse(saved.request().postData()), { title: '2021-2025年度第一批（测试）' }, 'only the changed field');
  await page.locator('#batch-edit-message', { hasText: '已保存修改' }).waitFor();
  await page.getByLabel('批次名称').fill('2021-2025年度第一批');
  await clickFor(page, page.getByRole('button', { name: '保存修改' }), 'PATCH', /^\/api\/v1\/batches\/\d+$/);
  await page.locator('h1', { hasText: /^2021-2025年度第一批草稿$/ }).waitFor();

  // 单位提交截止 (optional): after the recommend deadline is caught here; set,
  // it is the only field sent and the head shows it; emptied, it is removed.
  const unitDeadline = page.getByLabel('单位提交截止时间');
  assert.equal(await unitDeadline.inputValue(), '');
  await unitDeadline.fill(`${state.recommendInput.slice(0, 10)}T18:00`);
  await page.getByRole('button', { name: '保存修改' }).click();
  assert.match(await page.locator('#batch-edit-submit-deadline-error').textContent(), /应早于推荐截止时间/);
  const submitInput = `${chinaInput(new Date(Date.now() + 20 * DAY)).slice(0, 10)}T17:00`;
  await unitDeadline.fill(submitInput);
  const setUnit = await clickFor(page, page.getByRole('button', { name: '保存修改' }), 'PATCH', /^\/api\/v1\/batches\/\d+$/);
  assert.equal(setUnit.status(), 200);
  assert.deepEqual(JSON.parse(setUnit.request().postData()), { submit_deadline: `${submitInput}:00+08:00` });
  await page.locator('.batch-head', { hasText: `单位提交截止${chinaDeadlineText(submitInput)}` }).waitFor();
  await page.getByLabel('单位提交截止时间').fill('');
  const cleared = await clickFor(page, page.getByRole('button', { name: '保存修改' }), 'PATCH', /^\/api\/v1\/batches\/\d+$/);
  assert.deepEqual(JSON.parse(cleared.request().postData()), { submit_deadline: null });
  assert.equal((await cleared.json()).submit_deadline, null);
  await page.locator('#batch-edit-message', { hasText: '已保存修改' }).waitFor();
  assert.doesNotMatch(await page.locator('.batch-head').textContent(), /单位提交截止/);

  await screenshot(page, 'batch-detail');

  // 推进到下一阶段, asked first: cancel changes nothing, confirm opens the batch.
  await page.getByRole('button', { name: /推进到下一阶段：申报中/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /推进到“申报中”/);
  await dialog.getByRole('button', { name: '取消' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await page.locator('h1 .badge').textContent()).trim(), '草稿');
  await page.getByRole('button', { name: /推进到下一阶段：申报中/ }).click();
  const moved = await clickFor(page, page.getByRole('dialog').getByRole('button', { name: '推进到“申报中”' }),
    'PATCH', /^\/api\/v1\/batches\/\d+$/);
  assert.equal(moved.status(), 200);
  await page.locator('h1 .badge', { hasText: '申报中' }).waitFor();
  await page.locator('#batch-stage-message', { hasText: '批次已推进到“申报中”' }).waitFor();

  // The next step warns about 逾期未报; it is only looked at here.
  await page.getByRole('button', { name: /推进到下一阶段：评审中/ }).click();
  assert.match(await page.getByRole('dialog').textContent(), /逾期未报/);
  await screenshot(page, 'batch-advance-confirm', { fullPage: false });
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.equal((await page.locator('h1 .badge').textContent()).trim(), '申报中');

  // The list: China time, status badges, filter.
  await mainNav(page).filter({ hasText: '批次管理' }).click();
  await waitForPage(page, '/batches', '批次管理');
  const row = page.locator(`.batches-table tbody tr[data-id="${batch.id}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), new RegExp(state.contactText));
  assert.match(await row.textContent(), new RegExp(chinaDeadlineText(state.recommendInput)));
  assert.equal((await row.locator('.badge').last().textContent()).trim(), '申报中');
  assert.equal(await page.locator('.batches-table tbody tr').count(), 2);
  await page.getByLabel('状态').selectOption('open');
  await page.waitForFunction(() => document.querySelectorAll('.batches-table tbody tr').length === 1);
  assert.equal(new URL(page.url()).searchParams.get('status'), 'open');
  await page.getByLabel('状态').selectOption('');
  await page.waitForFunction(() => document.querySelectorAll('.batches-table tbody tr').length === 2);
  await screenshot(page, 'batches');

  assert.deepEqual(errorsExcept(browser.errors(page), [409]), []);
  await page.close();
});

test('the admin creates recommenders; the initial password shows once', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await mainNav(page).filter({ hasText: '推荐单位' }).click();
  await waitForPage(page, '/recommenders', '推荐单位');
  await page.getByRole('link', { name: '新建推荐单位' }).click();
  await waitForPage(page, '/recommenders/new', '新建推荐单位');

  // The region is asked only of a 省级科协.
  const region = page.getByLabel('所在地区');
  assert.equal(await region.isVisible(), false);
  await page.getByLabel(/^省级科协/).check();
  assert.equal(await region.isVisible(), true);
  await page.getByLabel('推荐单位名称').fill(REC.name);
  await page.getByRole('button', { name: '创建推荐单位' }).click();
  assert.equal((await page.locator('#rec-new-region-error').textContent()).trim(), '省级科协须选择所在地区');
  await region.selectOption(REC.region);
  await page.getByLabel('登录用户名').fill(REC.username);
  const created = await clickFor(page, page.getByRole('button', { name: '创建推荐单位' }), 'POST', /^\/api\/v1\/recommenders$/);
  assert.equal(created.status(), 201);
  const answer = await created.json();

  const dialog = page.getByRole('dialog', { name: '初始密码（仅显示一次）' });
  await dialog.waitFor();
  state.recPassword = (await dialog.locator('.secret-value').textContent()).trim();
  assert.equal(state.recPassword, answer.initial_password);
  assert.ok(state.recPassword.length >= 12);
  assert.match(await dialog.textContent(), /无法再次查看/);
  assert.match(await dialog.textContent(), new RegExp(REC.username));
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), '复制', 'focus on 复制, not on 关闭');
  await dialog.getByRole('button', { name: '复制初始密码' }).click();
  await dialog.locator('.copy-status', { hasText: '已复制到剪贴板' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), state.recPassword);
  await screenshot(page, 'initial-password', { fullPage: false });
  await dialog.getByRole('button', { name: '我已记下，关闭' }).click();
  await waitForPage(page, '/recommenders', '推荐单位');
  assert.match(await page.locator('#flash').textContent(), /已创建推荐单位/);
  assert.equal(await page.locator('.secret-value').count(), 0, 'not shown again');

  // A second one, of another kind; its username taken first (a 409 beside the field).
  await page.getByRole('link', { name: '新建推荐单位' }).click();
  await waitForPage(page, '/recommenders/new', '新建推荐单位');
  await page.getByLabel('推荐单位名称').fill(REC2.name);
  await page.getByLabel(/^全民科学素质纲要/).check();
  await page.getByLabel('登录用户名').fill(REC.username);
  const taken = await clickFor(page, page.getByRole('button', { name: '创建推荐单位' }), 'POST', /^\/api\/v1\/recommenders$/);
  assert.equal(taken.status(), 409);
  await page.locator('#rec-new-username-error', { hasText: '用户名已被使用' }).waitFor();   // rendered after the answer
  assert.equal((await page.locator('#rec-new-username-error').textContent()).trim(), '用户名已被使用');
  await page.getByLabel('登录用户名').fill(REC2.username);
  await clickFor(page, page.getByRole('button', { name: '创建推荐单位' }), 'POST', /^\/api\/v1\/recommenders$/);
  await page.getByRole('dialog').getByRole('button', { name: '我已记下，关闭' }).click();
  await waitForPage(page, '/recommenders', '推荐单位');

  const rows = page.locator('.recommenders-table tbody tr');
  await page.waitForFunction(() => document.querySelectorAll('.recommenders-table tbody tr').length === 2);
  const bj = rows.filter({ hasText: REC.name });
  assert.match(await bj.textContent(), /省级科协/);
  assert.match(await bj.textContent(), /北京市/);

  // Filters: kind, region, name.
  await page.getByLabel('类别').selectOption('outline_office');
  await clickFor(page, page.getByRole('button', { name: '筛选' }), 'GET', /^\/api\/v1\/recommenders$/);
  await page.waitForFunction(() => document.querySelectorAll('.recommenders-table tbody tr').length === 1);
  assert.deepEqual(await texts(page.locator('.recommenders-table tbody th')), [REC2.name]);
  await page.getByRole('button', { name: '清除' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.recommenders-table tbody tr').length === 2);
  await page.getByLabel('所在地区').selectOption(REC.region);
  await page.getByLabel('名称').fill('科学技术');
  await clickFor(page, page.getByRole('button', { name: '筛选' }), 'GET', /^\/api\/v1\/recommenders$/);
  await page.waitForFunction(() => document.querySelectorAll('.recommenders-table tbody tr').length === 1);
  assert.deepEqual(await texts(page.locator('.recommenders-table tbody th')), [REC.name]);
  await page.getByRole('button', { name: '清除' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.recommenders-table tbody tr').length === 2);

  // 重置密码 on the second: a new initial password, once.
  const cas = rows.filter({ hasText: REC2.name });
  await cas.getByRole('button', { name: '重置密码' }).click();
  await page.getByRole('dialog').getByRole('button', { name: '重置密码' }).click();
  const again = page.getByRole('dialog', { name: '新的初始密码（仅显示一次）' });
  await again.waitFor();
  assert.ok((await again.locator('.secret-value').textContent()).trim().length >= 12);
  await again.getByRole('button', { name: '我已记下，关闭' }).click();
  await page.locator('#rec-notice', { hasText: '已重置' }).waitFor();

  // 停用 and 启用, each asked first.
  await cas.getByRole('button', { name: '停用' }).click();
  await clickFor(page, page.getByRole('dialog').getByRole('button', { name: '停用' }), 'POST', /\/disable$/);
  await cas.locator('.badge', { hasText: '已停用' }).waitFor();
  await screenshot(page, 'recommenders');
  await cas.getByRole('button', { name: '启用' }).click();
  await clickFor(page, page.getByRole('dialog').getByRole('button', { name: '启用' }), 'POST', /\/enable$/);
  await cas.locator('.badge', { hasText: '正常' }).waitFor();

  assert.deepEqual(errorsExcept(browser.errors(page), [409]), []);
  await page.close();
});

test('the admin sets quotas inline and by CSV', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await page.goto(`${server.url}/batches/${state.batchId}`);
  await page.locator('nav[aria-label="批次页面"]').getByRole('link', { name: '名额' }).click();
  await waitForPage(page, `/batches/${state.batchId}/quotas`, '2021-2025年度第一批');

  const input = page.getByLabel(`${REC.name}的名额`);
  await input.waitFor();
  assert.equal(await input.inputValue(), '');
  const save = page.getByRole('button', { name: /^保存修改/ });
  assert.equal(await save.isDisabled(), true, 'nothing to save yet');
  await input.fill('12');
  assert.equal((await save.textContent()).trim(), '保存修改（1 项）');
  const put = await clickFor(page, save, 'PUT', /\/quotas$/);
  assert.equal(put.status(), 200);
  assert.deepEqual(JSON.parse(put.request().postData()), {
    quotas: [{ recommender_id: Number(await page.locator('tr', { has: input }).getAttribute('data-id')), quota: 12 }],
  }, 'only the changed row');
  await page.locator('.form-message-ok', { hasText: '已保存 1 个推荐单位的名额' }).waitFor();
  assert.equal(await page.getByLabel(`${REC.name}的名额`).inputValue(), '12');

  // A bad CSV: each bad line named, nothing applied.
  const bad = '推荐单位,名额\n北京市科学技术协会,20\n中国科学院,很多\n中国科学院,1,2\n';
  await page.getByLabel('名额表文件（CSV）').setInputFiles({ name: '名额-有误.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  const rejected = await clickFor(page, page.getByRole('button', { name: '导入', exact: true }), 'POST', /\/quotas\/import$/);
  assert.equal(rejected.status(), 422);
  assert.equal(rejected.request().headers()['content-type'], 'text/csv; charset=utf-8');
  await page.locator('.import-errors li').first().waitFor();
  assert.deepEqual(await texts(page.locator('.import-errors li')),
    ['第 3 行：名额应为 0 到 10000 的整数', '第 4 行：应为两列：推荐单位名称或编号, 名额']);
  assert.match(await page.locator('#quota-import-result').textContent(), /未做任何修改/);
  assert.equal(await page.getByLabel(`${REC.name}的名额`).inputValue(), '12');
  await screenshot(page, 'quotas');

  // A good one (with a BOM, as Excel writes it) sets both.
  const good = `\ufeff推荐单位,名额\n${REC.name},15\n${REC2.name},8\n`;
  await page.getByLabel('名额表文件（CSV）').setInputFiles({ name: '名额.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  const imported = await clickFor(page, page.getByRole('button', { name: '导入', exact: true }), 'POST', /\/quotas\/import$/);
  assert.equal(imported.status(), 200);
  await page.locator('#quota-import-result', { hasText: '导入成功' }).waitFor();
  assert.equal(await page.getByLabel(`${REC.name}的名额`).inputValue(), '15');
  assert.equal(await page.getByLabel(`${REC2.name}的名额`).inputValue(), '8');
  assert.equal(await page.locator('.import-errors').count(), 0);
  assert.match(await page.locator('.quota-form .table-summary').textContent(), /合计 23 个/);

  // A quota below what is used is the server's to refuse; an empty one is caught here.
  await page.getByLabel(`${REC2.name}的名额`).fill('');
  await page.getByRole('button', { name: /^保存修改/ }).click();
  assert.match(await page.locator(`#quota-${await page.locator('tr', { hasText: REC2.name }).getAttribute('data-id')}-error`).textContent(), /请填写名额/);
  await page.getByRole('button', { name: '撤销修改' }).click();
  assert.equal(await page.getByLabel(`${REC2.name}的名额`).inputValue(), '8');
  await screenshot(page, 'quotas-imported');

  assert.deepEqual(errorsExcept(browser.errors(page), [422]), []);
  await page.close();
});

test('the recommender changes its password, files the contact form, makes and revokes codes', { timeout: 120000 }, async () => {
  const page = await freshPage();
  await page.goto(server.url + '/login');
  const answer = await submitLogin(page, REC.username, state.recPassword);
  assert.equal(answer.status, 201);
  assert.equal(answer.body.user.must_change_password, true);
  await waitForPage(page, '/password', '修改密码');
  await page.getByLabel('初始密码', { exact: true }).fill(state.recPassword);
  await page.getByLabel('新密码', { exact: true }).fill(REC_NEW_PASSWORD);
  await page.getByLabel('确认新密码', { exact: true }).fill(REC_NEW_PASSWORD);
  await page.getByRole('button', { name: '修改密码' }).click();
  await waitForPage(page, '/home', '工作台');
  assert.deepEqual(await texts(mainNav(page)), ['工作台', '推荐工作', '申报审核', '通知']);

  await mainNav(page).filter({ hasText: '推荐工作' }).click();
  await waitForPage(page, '/my/batches', '推荐工作');
  const card = page.locator(`.batch-card[data-id="${state.batchId}"]`);
  await card.waitFor();
  assert.match(await card.textContent(), /申报中/);
  await card.getByRole('link', { name: '2021-2025年度第一批' }).click();
  await waitForPage(page, `/my/batches/${state.batchId}`, '2021-2025年度第一批');

  await page.locator('#my-quota', { hasText: /已推荐\s*0\s*\/\s*名额\s*15/ }).waitFor();
  assert.match(await page.locator('.panel-contact').textContent(), new RegExp(`报送截止：${state.contactText}`));
  await page.locator('.filed-line', { hasText: '未报送' }).waitFor();

  // Client checks, then the form as filed.
  await page.getByRole('button', { name: '报送联系人' }).click();
  assert.equal((await page.locator('#contact-name-error').textContent()).trim(), '请填写姓名');
  for (const [labelText, value] of Object.entries(CONTACT)) await page.getByLabel(labelText, { exact: true }).fill(value);
  await page.getByLabel('手机', { exact: true }).fill('1380013800');
  await page.getByRole('button', { name: '报送联系人' }).click();
  assert.equal((await page.locator('#contact-mobile-error').textContent()).trim(), '请填写 11 位手机号码');
  await page.getByLabel('手机', { exact: true }).fill(CONTACT.手机);
  const filed = await clickFor(page, page.getByRole('button', { name: '报送联系人' }), 'PUT', /\/contact$/);
  assert.equal(filed.status(), 200);
  await page.locator('.form-message-ok', { hasText: '联系人信息已报送' }).waitFor();
  await page.locator('.filed-line', { hasText: '已报送' }).waitFor();
  assert.equal(await page.getByLabel('姓名', { exact: true }).inputValue(), CONTACT.姓名);
  await page.getByRole('button', { name: '更新联系人' }).waitFor();

  // A reload prefills it from GET …/contact.
  await page.reload();
  await waitForPage(page, `/my/batches/${state.batchId}`, '2021-2025年度第一批');
  await page.getByRole('button', { name: '更新联系人' }).waitFor();
  assert.equal(await page.getByLabel('通讯地址', { exact: true }).inputValue(), CONTACT.通讯地址);
  await screenshot(page, 'contact-form');

  // Invitation codes: 3 made, one revoked.
  await page.locator('nav[aria-label="本批次的推荐工作"]').getByRole('link', { name: '申报邀请码' }).click();
  await waitForPage(page, `/my/batches/${state.batchId}/invitations`, '2021-2025年度第一批');
  await page.locator('.empty-title', { hasText: '还没有邀请码' }).waitFor();
  await page.getByLabel('生成数量').fill('0');
  await page.getByRole('button', { name: '生成邀请码' }).click();
  assert.match(await page.locator('#inv-count-error').textContent(), /1 到 100/);
  await page.getByLabel('生成数量').fill('3');
  const made = await clickFor(page, page.getByRole('button', { name: '生成邀请码' }), 'POST', /\/invitations$/);
  assert.equal(made.status(), 201);
  const rows = page.locator('.invitations-table tbody tr');
  await page.waitForFunction(() => document.querySelectorAll('.invitations-table tbody tr').length === 3);
  assert.deepEqual(await texts(rows.locator('.badge')), ['未使用', '未使用', '未使用']);
  const codes = await texts(rows.locator('.invite-code'));
  for (const c of codes) assert.match(c, /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);

  // 复制 puts the code on the clipboard.
  await rows.nth(0).getByRole('button', { name: `复制邀请码 ${codes[0]}` }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), codes[0]);

  // 撤销 the first, after confirming.
  await rows.nth(0).getByRole('button', { name: `撤销邀请码 ${codes[0]}` }).click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.textContent(), new RegExp(codes[0]));
  const revoked = await clickFor(page, dialog.getByRole('button', { name: '撤销' }), 'DELETE', /^\/api\/v1\/invitations\//);
  assert.equal(revoked.status(), 204);
  await rows.nth(0).locator('.badge', { hasText: '已撤销' }).waitFor();
  assert.equal(await rows.nth(0).getByRole('button', { name: /^撤销/ }).count(), 0, 'a revoked code cannot be revoked');
  state.revokedCode = codes[0];
  state.codes = codes.slice(1);
  await screenshot(page, 'invitations');

  // Filter by status.
  await page.getByLabel('状态').selectOption('unused');
  await page.waitForFunction(() => document.querySelectorAll('.invitations-table tbody tr').length === 2);
  assert.deepEqual(await texts(rows.locator('.invite-code')), state.codes);

  // The print view: the unused codes, and 打印 calls window.print().
  await page.getByRole('link', { name: '打印' }).click();
  await waitForPage(page, `/my/batches/${state.batchId}/invitations/print`, '申报邀请码');
  await page.locator('.print-table tbody tr').first().waitFor();
  assert.deepEqual(await texts(page.locator('.print-table .invite-code')), state.codes);
  await page.evaluate(() => { window.printed = 0; window.print = () => { window.printed += 1; }; });
  await page.getByRole('button', { name: '打印' }).click();
  assert.equal(await page.evaluate(() => window.printed), 1);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.site-header').isVisible(), false, 'no header on paper');
  assert.equal(await page.getByRole('button', { name: '打印' }).isVisible(), false, 'no buttons on paper');
  await screenshot(page, 'invitations-print');
  await page.emulateMedia({ media: 'screen' });

  assert.deepEqual(errorsExcept(browser.errors(page), [404]), []);
  await page.close();
});

test('the admin sees the contact as filed', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await page.goto(`${server.url}/batches/${state.batchId}/contacts`);
  await waitForPage(page, `/batches/${state.batchId}/contacts`, '2021-2025年度第一批');
  const bj = page.locator('.contacts-table tbody tr', { hasText: REC.name });
  await bj.waitFor();
  assert.match(await bj.textContent(), /已报送/);
  for (const v of [CONTACT.姓名, CONTACT.手机, CONTACT.电子邮箱, '科普部 · 副部长']) assert.match(await bj.textContent(), new RegExp(v));
  assert.match(await page.locator('.contacts-table tbody tr', { hasText: REC2.name }).textContent(), /未报送/);

  await page.getByRole('button', { name: '未报送', exact: true }).click();
  await page.waitForFunction(() => document.querySelectorAll('.contacts-table tbody tr').length === 1);
  assert.deepEqual(await texts(page.locator('.contacts-table tbody th .rec-name')), [REC2.name]);
  await page.getByRole('button', { name: '已报送', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('.contacts-table tbody th .rec-name')?.textContent === '北京市科学技术协会');
  assert.equal(new URL(page.url()).searchParams.get('filed'), 'true');
  await screenshot(page, 'contacts');

  // The quota table says so too.
  await page.locator('nav[aria-label="批次页面"]').getByRole('link', { name: '名额' }).click();
  const row = page.locator('.quota-table tbody tr', { hasText: REC.name });
  await row.waitFor();
  assert.match(await row.textContent(), /已报送/);

  // And a notification came.
  await mainNav(page).filter({ hasText: '通知' }).click();
  await page.locator('.notif-title', { hasText: `${REC.name}已报送联系人信息` }).waitFor();

  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('a unit registers with an invitation code and lands on its workbench', { timeout: 120000 }, async () => {
  const page = await freshPage();
  await page.goto(server.url + '/');
  await page.getByRole('link', { name: '申报单位注册' }).click();
  await waitForPage(page, '/register', '申报单位注册');

  // Unknown, malformed and revoked codes are refused with the reason.
  await page.getByLabel('申报邀请码').fill('ABC');
  await page.getByRole('button', { name: '下一步' }).click();
  assert.match(await page.locator('#reg-code-error').textContent(), /12 位/);
  await page.getByLabel('申报邀请码').fill('2222-2222-2222');
  const missing = await clickFor(page, page.getByRole('button', { name: '下一步' }), 'GET', /^\/api\/v1\/invitations\//);
  assert.equal(missing.status(), 404);
  await page.locator('#reg-code-error', { hasText: '邀请码不存在或输入有误' }).waitFor();
  await page.getByLabel('申报邀请码').fill(state.revokedCode.toLowerCase());
  await clickFor(page, page.getByRole('button', { name: '下一步' }), 'GET', /^\/api\/v1\/invitations\//);
  await page.locator('#reg-refused', { hasText: '已被推荐单位撤销' }).waitFor();
  assert.match(await page.locator('#reg-refused').textContent(), new RegExp(REC.name));
  await screenshot(page, 'register-refused');

  // A good one, with the link a recommender would send.
  const code = state.codes[0];
  await page.goto(`${server.url}/register?code=${code}`);
  await waitForPage(page, '/register', '申报单位注册');
  const summary = page.locator('#reg-invitation');
  await summary.waitFor();
  assert.match(await summary.textContent(), /2021-2025年度第一批/);
  assert.match(await summary.textContent(), new RegExp(`${REC.name}（省级科协）`));
  assert.match(await summary.textContent(), /未使用/);
  await page.getByRole('button', { name: '更换邀请码' }).click();
  assert.equal(await page.getByLabel('申报邀请码').inputValue(), code);
  await screenshot(page, 'register-code');
  await clickFor(page, page.getByRole('button', { name: '下一步' }), 'GET', /^\/api\/v1\/invitations\//);
  await summary.waitFor();

  // The credit code is checked while typing.
  const credit = page.getByLabel('统一社会信用代码');
  await credit.fill(UNIT.credit.slice(0, 10));
  assert.equal((await page.locator('#reg-unit-credit-code-ok').textContent()).trim(), '已输入 10 / 18 位');
  await credit.fill(UNIT.credit.slice(0, 17) + '4');
  assert.equal((await page.locator('#reg-unit-credit-code-error').textContent()).trim(), '统一社会信用代码校验位不符，请逐位核对');
  assert.equal(await credit.getAttribute('aria-invalid'), 'true');
  await credit.fill('91350100M000100YI3');
  assert.match(await page.locator('#reg-unit-credit-code-error').textContent(), /“I”不可用/);
  await credit.fill(UNIT.credit.toLowerCase());
  assert.equal((await page.locator('#reg-unit-credit-code-ok').textContent()).trim(), '✓ 格式和校验位正确');
  assert.equal(await credit.getAttribute('aria-invalid'), null);

  await page.getByLabel('单位名称').fill(UNIT.name);
  await page.getByLabel('所在地区').selectOption('北京市');
  await page.getByLabel('地址', { exact: true }).fill('北京市西城区西直门外大街 138 号');
  await page.getByLabel('法定代表人').fill('李明');
  await page.getByLabel('主管部门').fill('北京市科学技术协会');
  await page.getByLabel('联系人', { exact: true }).fill('张华');
  await page.getByLabel('联系电话').fill('010-51583311');
  await page.getByLabel('电子邮箱').fill('zhanghua@bjp.example.cn');
  // The username of the recommender is taken: the server's 409 shows beside the field.
  await page.getByLabel('用户名').fill(REC.username);
  await page.getByLabel('密码', { exact: true }).fill(UNIT.password);
  await page.getByLabel('确认密码').fill(UNIT.password + '!');
  await page.getByRole('button', { name: '注册并创建申报' }).click();
  assert.equal((await page.locator('#reg-confirm-error').textContent()).trim(), '两次输入的密码不一致');
  await page.getByLabel('确认密码').fill(UNIT.password);
  const conflict = await clickFor(page, page.getByRole('button', { name: '注册并创建申报' }), 'POST', /^\/api\/v1\/applicants$/);
  assert.equal(conflict.status(), 409);
  await page.locator('#reg-username-error', { hasText: '用户名已被使用' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'reg-username');
  await page.getByLabel('用户名').fill(UNIT.username);
  await screenshot(page, 'register-form');

  const registered = await clickFor(page, page.getByRole('button', { name: '注册并创建申报' }), 'POST', /^\/api\/v1\/applicants$/);
  assert.equal(registered.status(), 201);
  const body = await registered.json();
  assert.equal(body.application.status, 'draft');
  assert.equal(JSON.parse(registered.request().postData()).unit.credit_code, UNIT.credit, 'sent in upper case');

  await waitForPage(page, '/home', '工作台');
  assert.match(await page.locator('#flash').textContent(), /注册成功，已为您创建申报（草稿）/);
  assert.equal((await page.locator('.site-header .user-role').textContent()).trim(), '申报单位');
  assert.equal((await page.locator('.welcome-name').textContent()).trim(), UNIT.name);
  const app = page.locator('.app-card');
  await app.waitFor();
  assert.match(await page.locator('#my-app-title').textContent(), /我的申报/);
  assert.equal((await app.locator('.badge').textContent()).trim(), '草稿');
  for (const v of ['2021-2025年度第一批', REC.name, UNIT.name, '北京市']) assert.match(await app.textContent(), new RegExp(v));
  await screenshot(page, 'register-done');

  // The code cannot be used twice.
  await page.goto(`${server.url}/register?code=${code}`);
  await page.locator('#reg-refused', { hasText: '已被使用' }).waitFor();

  // 401: the session probe of the public pages (this browser signed in before).
  assert.deepEqual(errorsExcept(browser.errors(page), [401, 404, 409]), []);
  await page.close();
});

test('the recommender sees the code used, with the unit\'s name', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, REC.username, REC_NEW_PASSWORD);
  await page.goto(`${server.url}/my/batches/${state.batchId}/invitations`);
  const used = page.locator('.invitations-table tbody tr', { hasText: state.codes[0] });
  await used.waitFor();
  assert.equal((await used.locator('.badge').textContent()).trim(), '已使用');
  assert.match(await used.textContent(), new RegExp(UNIT.name));
  assert.equal(await used.getByRole('button', { name: /^撤销/ }).count(), 0);
  await page.getByLabel('状态').selectOption('used');
  await page.waitForFunction(() => document.querySelectorAll('.invitations-table tbody tr').length === 1);
  await screenshot(page, 'invitations-used');
  assert.deepEqual(browser.errors(page), []);
  await page.close();
});

test('the pages fit a 360 px phone', { timeout: 90000 }, async () => {
  const phone = { width: 360, height: 740 };
  // Each page: no sideways scrolling (wide tables scroll inside their box).
  const check = async (page, path, shot) => {
    await page.goto(server.url + path);
    await page.locator('h1').waitFor();
    await page.waitForFunction(() => !document.querySelector('.state-loading'));
    assert.ok(await pageOverflow(page) <= 0, `${path} scrolls sideways by ${await pageOverflow(page)}px`);
    assert.deepEqual(await labelProblems(page), [], `${path}: labels and ids`);
    if (shot) await screenshot(page, shot);
  };

  let page = await freshPage(phone);
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await check(page, '/batches', 'batches-phone');
  await check(page, `/batches/${state.batchId}`, 'batch-detail-phone');
  await check(page, `/batches/${state.batchId}/quotas`, 'quotas-phone');
  await check(page, `/batches/${state.batchId}/contacts`);
  await check(page, '/recommenders', 'recommenders-phone');
  await check(page, '/recommenders/new');
  await check(page, '/batches/new');
  assert.deepEqual(browser.errors(page), []);
  await page.close();

  page = await freshPage(phone);
  await signIn(page, server.url, REC.username, REC_NEW_PASSWORD);
  await check(page, '/my/batches', 'my-batches-phone');
  await check(page, `/my/batches/${state.batchId}`, 'contact-form-phone');
  await check(page, `/my/batches/${state.batchId}/invitations`, 'invitations-phone');
  await check(page, `/my/batches/${state.batchId}/invitations/print`, 'invitations-print-screen-phone');
  assert.deepEqual(browser.errors(page), []);
  await page.close();

  page = await freshPage(phone);
  await page.goto(`${server.url}/register?code=${state.codes[1]}`);
  await page.locator('#reg-invitation').waitFor();
  assert.ok(await pageOverflow(page) <= 0, `/register scrolls sideways by ${await pageOverflow(page)}px`);
  assert.deepEqual(await labelProblems(page), [], '/register: labels and ids');
  await screenshot(page, 'register-form-phone');
  assert.deepEqual(errorsExcept(browser.errors(page), [401]), []);
  await page.close();
});

test('after the contact deadline the contact form reads only', { timeout: 60000 }, async () => {
  const admin = await apiSignIn(server.url, ADMIN.username, ADMIN.password);
  const page = await freshPage();
  await signIn(page, server.url, REC.username, REC_NEW_PASSWORD);
  await page.goto(`${server.url}/my/batches/${state.batchId}`);
  await page.getByRole('button', { name: '更新联系人' }).waitFor();

  // The deadline passes while the form is open: the server's 409 turns it read-only.
  const past = new Date(Date.now() - 3600e3).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const res = await admin.api('PATCH', `/batches/${state.batchId}`, { contact_deadline: past });
  assert.equal(res.status, 200, await res.text());
  const refused = await clickFor(page, page.getByRole('button', { name: '更新联系人' }), 'PUT', /\/contact$/);
  assert.equal(refused.status(), 409);
  assert.equal((await refused.json()).code, 'deadline_passed');
  await page.locator('.panel-contact .form-message', { hasText: '联系人报送已截止' }).waitFor();
  assert.equal(await page.locator('.panel-contact form').count(), 0);
  await page.locator('.closed-line .badge', { hasText: '已截止' }).waitFor();

  // Opened afterwards, it reads only from the start, with what was filed.
  await page.reload();
  await page.locator('.closed-line', { hasText: '已截止' }).waitFor();
  assert.equal(await page.getByRole('button', { name: '更新联系人' }).count(), 0);
  const filed = await page.locator('.panel-contact .facts').textContent();
  for (const v of Object.values(CONTACT)) assert.ok(filed.includes(v), `${v} shown`);
  await screenshot(page, 'contact-closed');
  assert.deepEqual(errorsExcept(browser.errors(page), [409]), []);
  await page.close();
});

test('the batch list pages on with 加载更多', { timeout: 60000 }, async () => {
  const admin = await apiSignIn(server.url, ADMIN.username, ADMIN.password);
  for (let i = 1; i <= 20; i++) {
    const res = await admin.api('POST', '/batches', {
      code: `2031-${i}`, title: `2031-2035年度第${i}批`, term_start_year: 2031, term_end_year: 2035,
      contact_deadline: '2031-10-25T16:00:00Z', recommend_deadline: '2031-11-10T16:00:00Z',
    });
    assert.equal(res.status, 201, await res.text());
  }
  const page = await freshPage();
  await signIn(page, server.url, ADMIN.username, ADMIN.password);
  await page.goto(server.url + '/batches');
  const rows = page.locator('.batches-table tbody tr');
  await page.waitForFunction(() => document.querySelectorAll('.batches-table tbody tr').length === 20);
  assert.equal((await rows.first().locator('td').first().textContent()).trim(), '2031-20', 'newest first');
  assert.match(await page.locator('.table-summary').textContent(), /已显示 20 个批次，还有更多/);
  await page.getByRole('button', { name: '加载更多' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.batches-table tbody tr').length === 22);
  assert.equal(await page.getByRole('button', { name: '加载更多' }).count(), 0);
  assert.match(await page.locator('.table-summary').textContent(), /共 22 个批次/);

  // A failed load says why, and 重试 tries again.
  await page.route(/\/api\/v1\/batches\?/, (route) => route.fulfill({
    status: 503, contentType: 'application/problem+json',
    body: JSON.stringify({ title: '服务暂时不可用', status: 503, code: 'unavailable', detail: '数据库暂不可用' }),
  }), { times: 1 });
  await page.goto(server.url + '/batches');
  const failed = page.locator('.state-error');
  await failed.waitFor();
  assert.match(await failed.textContent(), /批次列表加载失败/);
  assert.match(await failed.textContent(), /数据库暂不可用/);
  await failed.getByRole('button', { name: '重试' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.batches-table tbody tr').length === 20);

  // A batch that does not exist says so, without a 重试 that cannot help.
  await page.goto(server.url + '/batches/999999/quotas');
  await page.locator('h1', { hasText: '批次不存在' }).waitFor();
  assert.equal(await page.getByRole('button', { name: '重试' }).count(), 0);
  // The recommender's pages are not the admin's.
  await page.goto(`${server.url}/my/batches/${state.batchId}`);
  await page.locator('h1', { hasText: '无权访问' }).waitFor();
  assert.deepEqual(errorsExcept(browser.errors(page), [404, 503]), []);
  await page.close();
});

test('too many code lookups: the wait from Retry-After is shown', { timeout: 60000 }, async () => {
  // Exhaust this address's lookups (30 a minute by default), then try in the browser.
  let limited = false;
  for (let i = 0; i < 60 && !limited; i++) {
    const res = await fetch(`${server.url}/api/v1/invitations/2222-2222-2222`);
    await res.arrayBuffer();
    limited = res.status === 429;
  }
  assert.ok(limited, 'the lookups are rate limited');
  const page = await freshPage();
  await page.goto(server.url + '/register');
  await page.getByLabel('申报邀请码').fill(state.codes[1]);
  const res = await clickFor(page, page.getByRole('button', { name: '下一步' }), 'GET', /^\/api\/v1\/invitations\//);
  assert.equal(res.status(), 429);
  const wait = Number(res.headers()['retry-after']);
  assert.ok(wait >= 1, `Retry-After: ${wait}`);
  await page.locator('#reg-code-message', { hasText: '查询过于频繁' }).waitFor();   // rendered after the answer
  const message = (await page.locator('#reg-code-message').textContent()).trim();
  assert.match(message, /^查询过于频繁，请在 \d+ 秒后再试。$/);
  assert.ok(Number(/\d+/.exec(message)[0]) <= wait);
  const button = page.getByRole('button', { name: /^请等待 \d+ 秒$/ });
  assert.equal(await button.isDisabled(), true, 'the button waits too');
  await screenshot(page, 'register-wait', { fullPage: false });
  assert.deepEqual(errorsExcept(browser.errors(page), [401, 429]), []);
  await page.close();
});

test('kpjdd stops cleanly', { timeout: 30000 }, async () => {
  const { code } = await server.stop({ keepDb: false });
  assert.equal(code, 0);
});
