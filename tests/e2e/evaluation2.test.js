// The admin's final evaluation (终评) in a real browser against a real
// kpjdd and PostgreSQL: an expert added on the pool page (its initial
// password shown once), a conflict declared on the batch, the assignment
// refused with the applications named, then made with its load table; an
// expert's recusal moved on with 改派; the experts score and submit through
// the API; the progress page names the late expert; the ranking marks an
// outlier in words, links its CSV, and the proposed list is fixed through
// the confirmation that counts 拟认定 and 终评未通过.
//
// Four applications are registered through the API, made `recommended` in
// SQL and passed in 初评 through the API; the rubric is set through the API.
// The tests run in order and share the state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKpjdd, createDatabase } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeBatch, makeRecommender, makeApplication } from '../lib/fixtures.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept, texts } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';

// name, category: three venues ranked against each other, one on its own.
const UNITS = [
  ['北京天文馆', 'venue'],
  ['上海科技馆', 'venue'],
  ['中国科学技术馆', 'venue'],
  ['北京自然博物馆', 'natural_resources'],
];
const EXPERT_PASSWORD = 'expert pass 2021';

let db;
let server;
let browser;
let admin;
let batch;
let apps;           // [{ id, name, category }]
const experts = []; // [{ id, name, username, session }]

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  batch = await makeBatch(admin, { status: 'open' });
  const rec = await makeRecommender(server.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' });
  apps = [];
  for (const [name, category] of UNITS) {
    const reg = await makeApplication(server.url, rec.session, batch.id, { unit: { name, region: '北京市' } });
    apps.push({ id: reg.application.id, name, category });
  }
  for (const a of apps) {
    await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now(),
                   base_name = '${a.name}科普教育基地', category = '${a.category}' WHERE id = ${a.id}`);
  }
  let res = await admin.api('PATCH', `/batches/${batch.id}`, { status: 'evaluating' });
  assert.equal(res.status, 200, await res.text());
  res = await admin.api('POST', `/batches/${batch.id}/initial-review`,
    { items: apps.map((a) => ({ application_id: a.id, result: 'pass' })) });
  assert.equal(res.status, 200, await res.text());
  res = await admin.api('PUT', `/batches/${batch.id}/rubric`, { criteria: [
    { key: 'content', name: '科普内容', weight: 60 }, { key: 'facilities', name: '场馆设施', weight: 40 }] });
  assert.equal(res.status, 200, await res.text());
  // Five experts through the API; the sixth through the page.
  for (let i = 1; i <= 5; i++) {
    res = await admin.api('POST', '/experts', {
      name: `专家${i}`, username: `expert${i}`, organization: `研究院${i}`, field: '科学传播',
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    experts.push({ id: JSON.parse(text).expert.id, name: `专家${i}`, username: `expert${i}`, initial: JSON.parse(text).initial_password });
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop({ allowFailure: true }).catch(() => {});
  await db?.drop().catch(() => {});
});

async function adminPage(size = { width: 1280, height: 800 }) {
  await browser.context.clearCookies();
  const page = await browser.newPage(size);
  page.setDefaultTimeout(10000);
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  return page;
}

const apiPath = (r) => new URL(r.url()).pathname;
const app = (name) => apps.find((a) => a.name === name);
const expert = (name) => experts.find((e) => e.name === name);

async function clickFor(page, locator, method, pathRe) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && pathRe.test(apiPath(r))),
    locator.click(),
  ]);
  return res;
}

// The expert's session after the first login's password change.
async function expertSession(e) {
  const first = await apiSignIn(server.url, e.username, e.initial);
  const change = await first.api('PUT', '/session/password', { current_password: e.initial, new_password: EXPERT_PASSWORD });
  assert.equal(change.status, 200, await change.text());
  return apiSignIn(server.url, e.username, EXPERT_PASSWORD);
}

async function assignments(params = '') {
  const res = await admin.api('GET', `/batches/${batch.id}/assignments?limit=200${params}`);
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

test('专家库: an expert added on the page, its initial password shown once; the navigation leads there', { timeout: 60000 }, async () => {
  const page = await adminPage();
  await page.locator('nav[aria-label="主导航"] a', { hasText: '认定专家' }).click();
  await waitForPage(page, '/experts', '认定专家');
  await page.waitForFunction(() => document.querySelectorAll('.experts-table tbody tr').length === 5);

  await page.getByLabel('姓名', { exact: true }).fill('专家6');
  await page.getByLabel('登录用户名').fill('expert6');
  await page.getByLabel('所在单位', { exact: true }).fill('北京天文馆');
  await page.getByLabel('专业领域').fill('天文学');
  // the recommenders to link an expert to are offered; left empty, none is sent
  await page.waitForFunction(() => document.querySelectorAll('#expert-new-recommender option').length > 1);
  const created = await clickFor(page, page.locator('#expert-new-submit'), 'POST', /\/experts$/);
  assert.equal(created.status(), 201);
  assert.equal(created.request().postDataJSON().recommender_id, undefined);
  const answer = await created.json();
  const dialog = page.getByRole('dialog', { name: '初始密码（仅显示一次）' });
  await dialog.waitFor();
  assert.equal((await dialog.locator('.secret-value').textContent()).trim(), answer.initial_password);
  await screenshot(page, 'evaluation2-expert-password');
  await dialog.getByRole('button', { name: '我已记下，关闭' }).click();
  experts.push({ id: answer.expert.id, name: '专家6', username: 'expert6', initial: answer.initial_password });
  await page.locator('#expert-notice', { hasText: '已添加专家“专家6”' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.experts-table tbody tr').length === 6);
  assert.equal(await page.getByLabel('姓名', { exact: true }).inputValue(), '', 'the form is empty again');

  // Search narrows the list and stays in the URL.
  await page.getByLabel('姓名或单位').fill('天文');
  await page.getByRole('button', { name: '查找' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.experts-table tbody tr').length === 1);
  assert.equal(new URL(page.url()).searchParams.get('q'), '天文');
  await page.getByRole('button', { name: '清除' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.experts-table tbody tr').length === 6);

  // 停用, asked first, then 启用 again.
  const row = page.locator(`.experts-table tr[data-id="${expert('专家5').id}"]`);
  await row.getByRole('button', { name: '停用' }).click();
  await page.getByRole('dialog', { name: '停用专家“专家5”？' }).getByRole('button', { name: '停用' }).click();
  await row.locator('.badge', { hasText: '已停用' }).waitFor();
  await screenshot(page, 'evaluation2-experts');
  await row.getByRole('button', { name: '启用' }).click();
  await page.getByRole('dialog', { name: '启用专家“专家5”？' }).getByRole('button', { name: '启用' }).click();
  await row.locator('.badge', { hasText: '正常' }).waitFor();
  assert.deepEqual(await labelProblems(page), []);
  assert.deepEqual(errorsExcept(browser.errors(page), [422]), []);
  await page.close();
});

test('专家与回避: the automatic conflict listed, one declared through the form', { timeout: 60000 }, async () => {
  const page = await adminPage();
  await page.goto(`${server.url}/batches/${batch.id}`);
  await waitForPage(page, `/batches/${batch.id}`, batch.title);
  const sections = page.locator('nav[aria-label="批次页面"] a');
  assert.deepEqual((await texts(sections)).slice(6), ['专家与回避', '专家分配', '评分进度', '排名与建议名单', '终期优秀转入', '公示与异议', '认定命名']);
  await sections.filter({ hasText: '专家与回避' }).click();
  await waitForPage(page, `/batches/${batch.id}/experts`, batch.title);
  // 专家6 works at 北京天文馆: found by the server.
  await page.locator('.conflicts-table tbody tr', { hasText: '专家6' }).filter({ hasText: '所在单位或主管单位相同' }).waitFor();

  await page.locator('#conflict-submit').click();
  await page.locator('#conflict-expert-error', { hasText: '请选择专家' }).waitFor();
  await page.getByLabel('专家', { exact: true }).selectOption(String(expert('专家1').id));
  await page.getByLabel('申报', { exact: true }).selectOption(String(app('上海科技馆').id));
  await page.getByLabel('回避原因').fill('近三年曾在该馆兼职。');
  const res = await clickFor(page, page.locator('#conflict-submit'), 'POST', /\/experts\/\d+\/conflicts$/);
  assert.equal(res.status(), 201, await res.text());
  assert.deepEqual(JSON.parse(res.request().postData()), { application_id: app('上海科技馆').id, reason: '近三年曾在该馆兼职。' });
  await page.locator('#conflict-notice', { hasText: '已登记：专家1回避“上海科技馆”' }).waitFor();
  const declared = page.locator('.conflicts-table tbody tr', { hasText: '专家1' });
  await declared.filter({ hasText: '申报回避' }).filter({ hasText: '近三年曾在该馆兼职。' }).waitFor();
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'evaluation2-conflicts');
  assert.deepEqual(errorsExcept(browser.errors(page), [422]), []);
  await page.close();
});

test('专家分配: too few experts named by application, then the assignment and its loads; a recusal moved on', { timeout: 60000 }, async () => {
  const page = await adminPage();
  await page.goto(`${server.url}/batches/${batch.id}/assignments`);
  await waitForPage(page, `/batches/${batch.id}/assignments`, batch.title);
  await page.locator('.empty-title', { hasText: '还没有分配' }).first().waitFor();

  // Six experts, conflicts on 北京天文馆 (专家6) and 上海科技馆 (专家1): six each is too many for those two.
  await page.getByLabel('每份申报的专家人数').fill('6');
  const refused = await clickFor(page, page.locator('#assign-submit'), 'POST', /\/assignments$/);
  assert.equal(refused.status(), 422);
  const named = page.locator('#assign-too-few li');
  await named.first().waitFor();
  assert.deepEqual((await named.evaluateAll((els) => els.map((e) => Number(e.dataset.application)))).sort((a, b) => a - b),
    [app('北京天文馆').id, app('上海科技馆').id].sort((a, b) => a - b));
  assert.match(await page.locator('#assign-too-few').textContent(), /北京天文馆（北京市）/);
  assert.equal((await assignments()).length, 0, 'nothing assigned');
  await screenshot(page, 'evaluation2-assign-refused');

  await page.getByLabel('每份申报的专家人数').fill('5');
  const made = await clickFor(page, page.locator('#assign-submit'), 'POST', /\/assignments$/);
  assert.equal(made.status(), 201);
  const answer = await made.json();
  assert.equal(answer.count, 20);
  await page.locator('#assign-notice', { hasText: '已分配：20 条，每份申报 5 位专家。' }).waitFor();
  const loads = page.locator('.loads-table tbody tr');
  assert.equal(await loads.count(), answer.loads.length);
  for (const l of answer.loads) {
    const tr = page.locator(`.loads-table tbody tr[data-expert="${l.expert_id}"]`);
    assert.match(await tr.textContent(), new RegExp(`^${experts.find((e) => e.id === l.expert_id).name}.*${l.count}$`));
  }
  await page.waitForFunction(() => document.querySelectorAll('.assignments-table tbody tr').length === 20);
  await screenshot(page, 'evaluation2-assign');

  // Every expert signs in; one of 中国科学技术馆's recuses, and the sixth
  // expert, the only one left without a conflict, takes over.
  for (const e of experts) e.session = await expertSession(e);
  const mine = (await assignments(`&application_id=${app('中国科学技术馆').id}`))[0];
  const recuser = experts.find((e) => e.id === mine.expert_id);
  const recused = await recuser.session.api('POST', `/assignments/${mine.id}/recuse`, { reason: '曾参与该馆展陈设计。' });
  assert.equal(recused.status, 200, await recused.text());
  await page.reload();
  const row = page.locator(`.assignments-table tr[data-id="${mine.id}"]`);
  await row.locator('.badge', { hasText: '已回避' }).waitFor();
  assert.match(await row.textContent(), /回避原因：曾参与该馆展陈设计。/);
  const moved = await clickFor(page, row.getByRole('button', { name: '改派' }), 'POST', /\/assignments\/\d+\/replace$/);
  assert.equal(moved.status(), 201);
  await page.locator('#assign-notice', { hasText: '已改派给' }).waitFor();
  await page.locator(`.assignments-table tr[data-id="${mine.id}"] .badge`, { hasText: '已改派' }).waitFor();
  assert.deepEqual(await labelProblems(page), []);
  assert.ok(await pageOverflow(page) <= 0);
  assert.deepEqual(errorsExcept(browser.errors(page), [422]), []);
  await page.close();
});

// Scores per application (content, facilities) → total = 0.6 c + 0.4 f.
// 上海科技馆: four experts near 80, one at 40 (an outlier, 40 from the median).
function scoresFor(appName, i) {
  const base = { 北京天文馆: 90, 上海科技馆: 80, 中国科学技术馆: 70, 北京自然博物馆: 85 }[appName];
  if (appName === '上海科技馆' && i === 0) return { content: 40, facilities: 40 };
  return { content: base + i, facilities: base - i };
}

test('评分进度 and 排名: the late expert named, an outlier marked, the proposed list fixed after the confirmation', { timeout: 120000 }, async () => {
  const all = (await assignments()).filter((a) => ['pending', 'draft'].includes(a.status));
  // The late one: an expert of 北京自然博物馆, who leaves it unsubmitted.
  const late = experts.find((e) => e.id === all.find((a) => a.application_id === app('北京自然博物馆').id).expert_id);
  const perApp = new Map();
  for (const a of all.sort((x, y) => x.id - y.id)) {
    const name = apps.find((p) => p.id === a.application_id).name;
    const i = perApp.get(name) ?? 0;
    perApp.set(name, i + 1);
    const s = experts.find((e) => e.id === a.expert_id).session;
    let res = await s.api('PUT', `/assignments/${a.id}/score`, { scores: scoresFor(name, i) });
    assert.equal(res.status, 200, await res.text());
    if (a.expert_id === late.id && a.application_id === app('北京自然博物馆').id) { late.left = a; continue; }
    res = await s.api('POST', `/assignments/${a.id}/submit`);
    assert.equal(res.status, 200, await res.text());
  }
  
  const page = await adminPage();
  await page.goto(`${server.url}/batches/${batch.id}/progress`);
  await waitForPage(page, `/batches/${batch.id}/progress`, batch.title);
  await page.locator('#progress-summary', { hasText: '1 位专家尚未全部提交，1 份申报的评分未完成。' }).waitFor();
  const lateRow = page.locator(`.progress-experts tr[data-expert="${late.id}"]`);
  assert.match(await lateRow.textContent(), new RegExp(`^${late.name}.*未完成$`));
  assert.equal(await page.locator('.progress-experts tbody tr .badge', { hasText: '未完成' }).count(), 1);
  assert.match(await page.locator(`.progress-apps tr[data-application="${app('北京自然博物馆').id}"]`).textContent(), /54未完成$/);
  assert.equal(await page.locator('.progress-apps tbody tr .badge', { hasText: '已完成' }).count(), 3);
  await screenshot(page, 'evaluation2-progress');

  // The ranking refuses to fix the list while one is incomplete.
  await page.locator('nav[aria-label="批次页面"] a', { hasText: '排名与建议名单' }).click();
  await waitForPage(page, `/batches/${batch.id}/ranking`, batch.title);
  await page.locator('#ranking-incomplete', { hasText: '还有 1 份申报的评分未完成' }).waitFor();
  assert.equal(await page.locator('#propose-submit').isDisabled(), true);

  const res = await late.session.api('POST', `/assignments/${late.left.id}/submit`);
  assert.equal(res.status, 200, await res.text());
  await page.reload();
  await page.locator('.ranking-table').first().waitFor();
  assert.equal(await page.locator('#ranking-incomplete').count(), 0);
  assert.deepEqual(await texts(page.locator('.ranking-category h3')), ['科技场馆类（3 份）', '自然资源类（1 份）']);

  // The outlier: marked by a word on 上海科技馆's row only.
  const shanghai = page.locator(`.ranking-table tr[data-application="${app('上海科技馆').id}"]`);
  const marks = shanghai.locator('.total-outlier');
  assert.equal(await marks.count(), 1);
  assert.match(await marks.textContent(), /40\.00.*离群/);
  assert.equal(await page.locator('.total-outlier').count(), 1, 'no other outlier');
  const ranked = await page.locator('.ranking-table').first().locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.application)));
  assert.deepEqual(ranked, [app('北京天文馆').id, app('上海科技馆').id, app('中国科学技术馆').id]);
  assert.equal(await page.locator('#ranking-csv').getAttribute('href'), `/api/v1/batches/${batch.id}/ranking.csv`);
  const csv = await page.evaluate(async (href) => (await fetch(href)).text(), `/api/v1/batches/${batch.id}/ranking.csv`);
  assert.match(csv, /上海科技馆/);
  await screenshot(page, 'evaluation2-ranking');

  // Tick the first of each category; the dialog counts both outcomes.
  await page.locator('#propose-pick').click();
  await page.locator('#propose-count', { hasText: '已勾选 2 份，共 4 份候选申报。' }).waitFor();
  await page.locator('#propose-submit').click();
  const dialog = page.getByRole('dialog', { name: '确定建议名单？' });
  await dialog.locator('#propose-confirm-text', { hasText: '2 份申报将列为“拟认定”，2 份将为“终评未通过”。' }).waitFor();
  await screenshot(page, 'evaluation2-propose-confirm', { fullPage: false });
  const fixed = await clickFor(page, dialog.getByRole('button', { name: '确定名单' }), 'POST', /\/proposed-list$/);
  assert.equal(fixed.status(), 200);
  assert.deepEqual(JSON.parse(fixed.request().postData()).application_ids.sort((a, b) => a - b),
    [app('北京天文馆').id, app('北京自然博物馆').id].sort((a, b) => a - b));
  await page.locator('#ranking-notice', { hasText: '建议名单已确定：2 份拟认定，2 份终评未通过。' }).waitFor();
  await page.locator('#ranking-fixed').waitFor();
  assert.equal(await page.locator('#propose-submit').count(), 0);
  await shanghai.locator('.badge', { hasText: '终评未通过' }).waitFor();
  await page.locator(`.ranking-table tr[data-application="${app('北京天文馆').id}"] .badge`, { hasText: '拟认定' }).waitFor();
  const list = await admin.api('GET', `/applications?batch_id=${batch.id}&limit=200`);
  const statuses = Object.fromEntries((await list.json()).items.map((a) => [apps.find((p) => p.id === a.id).name, a.status]));
  assert.deepEqual(statuses, { 北京天文馆: 'proposed', 上海科技馆: 'final_rejected', 中国科学技术馆: 'final_rejected', 北京自然博物馆: 'proposed' });
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'evaluation2-ranking-fixed');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.ok(await pageOverflow(page) <= 0, 'the ranking fits a phone');
  await screenshot(page, 'evaluation2-ranking-phone');
  assert.deepEqual(errorsExcept(browser.errors(page), [422]), []);
  await page.close();
});
