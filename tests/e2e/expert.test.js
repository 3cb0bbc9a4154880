// The expert's workbench in a real browser against a real kpjdd and
// PostgreSQL: an expert made by the admin (POST /experts) signs in with
// the initial password and must change it; its home lists its assignments;
// an assignment shows the application read only (form and attachment)
// beside the rubric form, whose total is kept live; a draft refused by the
// server (the rubric changed under the page) shows beside its input; a
// draft is saved; a submit with a criterion missing is stopped beside it;
// the complete scores are submitted through the confirmation and the page
// is sealed; another assignment is recused with a reason.
//
// Three applications are registered and filled through the API, made
// `recommended` in SQL, passed in 初评 and assigned, one expert each, to
// the one expert there is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKpjdd, createDatabase } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeBatch, makeRecommender, makeApplication } from '../lib/fixtures.js';
import { launch, screenshot } from './lib/browser.js';
import { submitLogin, waitForPage, errorsExcept, texts } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';
import { fillViaApi, uploadViaApi } from './lib/applications.js';

const RUBRIC = [
  { key: 'conditions', name: '基础条件', weight: 30 },
  { key: 'activities', name: '科普活动', weight: 30 },
  { key: 'management', name: '管理与保障', weight: 40 },
];
const UNITS = ['北京天文馆', '上海科技馆', '中国科学技术馆'];
const EXPERT = { name: '张教授', username: 'zhangjs', organization: '北京师范大学', field: '科学传播' };
const NEW_PASSWORD = 'expert own pass 2021';

let db;
let server;
let browser;
let admin;
let batch;
let apps;        // [{ id, name, attachment }]
let initialPassword;
let expertId;

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  batch = await makeBatch(admin, { status: 'open' });
  const rec = await makeRecommender(server.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' });
  apps = [];
  for (const name of UNITS) {
    const reg = await makeApplication(server.url, rec.session, batch.id, { unit: { name, region: '北京市' } });
    const applicant = await apiSignIn(server.url, reg.username, reg.password);
    await fillViaApi(applicant, reg.application.id, { baseName: `${name}科普教育基地` });
    const att = await uploadViaApi(server.url, applicant, reg.application.id, { name: `${name}申报表.pdf` });
    apps.push({ id: reg.application.id, name: `${name}科普教育基地`, attachment: att });
  }
  await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now()
                 WHERE id IN (${apps.map((a) => a.id).join(',')})`);
  const ok = async (res, status = 200) => {
    const text = await res.text();
    assert.equal(res.status, status, text);
    return text ? JSON.parse(text) : null;
  };
  await ok(await admin.api('PATCH', `/batches/${batch.id}`, { status: 'evaluating' }));
  await ok(await admin.api('POST', `/batches/${batch.id}/initial-review`,
    { items: apps.map((a) => ({ application_id: a.id, result: 'pass' })) }));
  await ok(await admin.api('PUT', `/batches/${batch.id}/rubric`, { criteria: RUBRIC }));
  const made = await ok(await admin.api('POST', '/experts', EXPERT), 201);
  initialPassword = made.initial_password;
  expertId = made.expert.id;
  await ok(await admin.api('POST', `/batches/${batch.id}/assignments`, { per_application: 1 }), 201);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop({ allowFailure: true }).catch(() => {});
  await db?.drop().catch(() => {});
});

const apiPath = (r) => new URL(r.url()).pathname;
const mainNav = (page) => page.locator('nav[aria-label="主导航"] a');
const rowOf = (page, a) => page.locator('.assignment-table tbody tr').filter({ hasText: a.name });

async function clickFor(page, locator, method, pathRe) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && pathRe.test(apiPath(r))),
    locator.click(),
  ]);
  return res;
}

async function stored(appId) {
  const row = await db.psql(`SELECT status || '|' || coalesce(scores::text, '') || '|' || coalesce(total::text, '')
                             FROM assignments WHERE application_id = ${appId} AND expert_id = ${expertId}`);
  const [status, scores, total] = row.split('|');
  return { status, scores: scores ? JSON.parse(scores) : null, total };
}

test('the expert: first sign-in, its assignments, scoring, a draft, a refused and a sealed submit, a recusal', { timeout: 180000 }, async () => {
  await browser.context.clearCookies();
  const page = await browser.newPage({ width: 1280, height: 800 });
  page.setDefaultTimeout(10000);

  // ---- the first sign-in changes the initial password ----
  await page.goto(`${server.url}/login`);
  const answer = await submitLogin(page, EXPERT.username, initialPassword);
  assert.equal(answer.status, 201);
  assert.equal(answer.body.user.role, 'expert');
  assert.equal(answer.body.user.must_change_password, true);
  await waitForPage(page, '/password', '修改密码');
  await page.goto(`${server.url}/assignments`);
  await waitForPage(page, '/password', '修改密码');
  await page.getByLabel('初始密码', { exact: true }).fill(initialPassword);
  await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('确认新密码', { exact: true }).fill(NEW_PASSWORD);
  const changed = await clickFor(page, page.getByRole('button', { name: '修改密码' }), 'PUT', /\/session\/password$/);
  assert.equal(changed.status(), 200);
  await waitForPage(page, '/home', '工作台');

  // ---- the home lists the assignments ----
  assert.deepEqual(await texts(mainNav(page)), ['工作台', '评审任务', '通知']);
  await page.locator('#assignment-counts', { hasText: '共 3 项：待评审 3 项 · 草稿 0 项 · 已提交 0 项 · 已回避 0 项' }).waitFor();
  for (const a of apps) {
    assert.equal((await rowOf(page, a).locator('.badge').textContent()).trim(), '待评审');
    assert.equal((await rowOf(page, a).locator('.assignment-total').textContent()).trim(), '—');
  }
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'expert-home');

  // ---- one assignment: the application read only beside the rubric ----
  const [A, B] = apps;
  await rowOf(page, A).getByRole('link', { name: A.name, exact: true }).click();
  await page.waitForURL((url) => /^\/assignments\/\d+$/.test(url.pathname));
  const pathA = new URL(page.url()).pathname;
  await page.locator('h1', { hasText: A.name }).waitFor();
  await page.locator('#ro-basic').waitFor();
  assert.match(await page.locator('.app-readonly').textContent(), /近三年开展天文科普活动一百余场/);
  const download = page.locator(`.attachment[data-id="${A.attachment.id}"] a`, { hasText: '下载' });
  assert.equal(await download.getAttribute('href'), `/api/v1/attachments/${A.attachment.id}`);
  const fetched = await page.evaluate((href) => fetch(href).then((r) => r.status), `/api/v1/attachments/${A.attachment.id}`);
  assert.equal(fetched, 200, 'the expert reads the attachment of its application');
  assert.equal(await page.locator('.app-readonly input, .app-readonly textarea').count(), 0, 'the application reads only');
  for (const c of RUBRIC) {
    await page.getByLabel(c.name).waitFor();
    assert.match(await page.locator(`label[for="score-${c.key}"]`).textContent(), new RegExp(`权重 ${c.weight}%`));
  }
  assert.equal((await page.locator('#score-total-value').textContent()).trim(), '0.00');
  assert.deepEqual(await labelProblems(page), []);
  assert.ok(await pageOverflow(page) <= 0, 'no sideways scrolling');
  await screenshot(page, 'expert-assignment');

  // ---- the live total, in hundredths ----
  await page.getByLabel('基础条件').fill('85');
  assert.equal((await page.locator('#score-total-value').textContent()).trim(), '25.50');
  await page.getByLabel('科普活动').fill('90');
  assert.equal((await page.locator('#score-total-value').textContent()).trim(), '52.50');
  assert.match(await page.locator('#score-progress').textContent(), /还有 1 项未评/);

  // ---- a draft the server refuses: the rubric changed under the page ----
  const renamed = RUBRIC.map((c) => (c.key === 'management' ? { ...c, key: 'support' } : c));
  assert.equal((await admin.api('PUT', `/batches/${batch.id}/rubric`, { criteria: renamed })).status, 200);
  await page.getByLabel('管理与保障').fill('70');
  const refused = await clickFor(page, page.locator('#score-save'), 'PUT', /\/assignments\/\d+\/score$/);
  assert.equal(refused.status(), 422);
  await page.locator('#score-management-error', { hasText: '评分标准中没有这一项' }).waitFor();
  assert.equal(await page.getByLabel('管理与保障').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'score-management');
  assert.equal((await stored(A.id)).status, 'pending', 'nothing saved');
  await screenshot(page, 'expert-assignment-server-refused');
  assert.equal((await admin.api('PUT', `/batches/${batch.id}/rubric`, { criteria: RUBRIC })).status, 200);

  // ---- a draft with two scores ----
  await page.getByLabel('管理与保障').fill('');
  assert.equal((await page.locator('#score-management-error').textContent()).trim(), '', 'the error goes as one types');
  await page.getByLabel('评审意见（选填）').fill('场馆条件较好，活动丰富。');
  const saved = await clickFor(page, page.locator('#score-save'), 'PUT', /\/assignments\/\d+\/score$/);
  assert.equal(saved.status(), 200);
  await page.locator('#score-message', { hasText: '草稿已保存' }).waitFor();
  assert.equal((await page.locator('h1 .badge').textContent()).trim(), '评分草稿');
  assert.deepEqual(await stored(A.id), { status: 'draft', scores: { conditions: 85, activities: 90 }, total: '' });

  // ---- submit with a criterion missing: stopped beside it, no dialog ----
  await page.locator('#score-submit').click();
  await page.locator('#score-management-error', { hasText: '请为“管理与保障”打分' }).waitFor();
  assert.equal(await page.locator('dialog[open]').count(), 0);
  assert.match(await page.locator('#score-message').textContent(), /还有 1 项未评/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'score-management');
  await page.getByLabel('管理与保障').fill('101');
  await page.locator('#score-submit').click();
  await page.locator('#score-management-error', { hasText: '应为 0 到 100 的整数' }).waitFor();
  await screenshot(page, 'expert-assignment-missing');

  // ---- the reload keeps the draft ----
  await page.reload();
  await page.locator('h1', { hasText: A.name }).waitFor();
  assert.equal(await page.getByLabel('基础条件').inputValue(), '85');
  assert.equal(await page.getByLabel('科普活动').inputValue(), '90');
  assert.equal(await page.getByLabel('管理与保障').inputValue(), '');
  assert.equal(await page.getByLabel('评审意见（选填）').inputValue(), '场馆条件较好，活动丰富。');

  // ---- complete, confirm, sealed ----
  await page.getByLabel('管理与保障').fill('77');
  assert.equal((await page.locator('#score-total-value').textContent()).trim(), '83.30'); // .3×85 + .3×90 + .4×77
  await page.locator('#score-submit').click();
  const dialog = page.locator('dialog[open]');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /提交后评分不能修改/);
  assert.equal((await dialog.locator('#confirm-total').textContent()).trim(), '83.30');
  await screenshot(page, 'expert-assignment-confirm', { fullPage: false });
  await dialog.getByRole('button', { name: '再检查一下' }).click();
  assert.equal(await page.locator('dialog[open]').count(), 0);
  assert.equal((await stored(A.id)).status, 'draft', 'cancelled: nothing submitted');
  await page.locator('#score-submit').click();
  const submitted = await clickFor(page, dialog.getByRole('button', { name: '确认提交' }), 'POST', /\/assignments\/\d+\/submit$/);
  assert.equal(submitted.status(), 200);
  await page.locator('#score-notice', { hasText: '评分已提交，加权总分 83.30 分' }).waitFor();
  await page.locator('#score-sealed').waitFor();
  assert.equal((await page.locator('#score-total strong').textContent()).trim(), '83.30');
  assert.equal((await page.locator('h1 .badge').textContent()).trim(), '已提交');
  assert.equal(await page.locator('.score-aside input, .score-aside textarea, .score-aside button').count(), 0, 'sealed: no controls');
  assert.deepEqual(await texts(page.locator('#score-sealed tbody td:last-child')), ['85', '90', '77']);
  assert.deepEqual(await stored(A.id), { status: 'submitted', scores: { conditions: 85, activities: 90, management: 77 }, total: '8330' });
  await screenshot(page, 'expert-assignment-submitted');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.ok(await pageOverflow(page) <= 0, 'the sealed page fits a phone');
  await screenshot(page, 'expert-assignment-submitted-phone');
  await page.setViewportSize({ width: 1280, height: 800 });

  // ---- recuse from another ----
  await mainNav(page).filter({ hasText: '评审任务' }).click();
  await waitForPage(page, '/assignments', '评审任务');
  assert.equal((await rowOf(page, A).locator('.assignment-total').textContent()).trim(), '83.30');
  await rowOf(page, B).getByRole('link', { name: B.name, exact: true }).click();
  await page.locator('h1', { hasText: B.name }).waitFor();
  assert.notEqual(new URL(page.url()).pathname, pathA);
  await page.locator('#score-recuse').click();
  const recuse = page.locator('dialog[open]');
  await recuse.waitFor();
  assert.match(await recuse.textContent(), /回避后不能撤销/);
  await recuse.getByRole('button', { name: '确认回避' }).click();
  await recuse.locator('.field-error', { hasText: '请填写回避原因' }).waitFor();
  await recuse.getByLabel('回避原因').fill('曾在该单位任职');
  await screenshot(page, 'expert-recuse-dialog', { fullPage: false });
  const recused = await clickFor(page, recuse.getByRole('button', { name: '确认回避' }), 'POST', /\/assignments\/\d+\/recuse$/);
  assert.equal(recused.status(), 200);
  await waitForPage(page, '/assignments', '评审任务');
  assert.match(await page.locator('#flash').textContent(), /已回避/);
  await page.locator('#assignment-counts', { hasText: '共 3 项：待评审 1 项 · 草稿 0 项 · 已提交 1 项 · 已回避 1 项' }).waitFor();
  assert.equal((await rowOf(page, B).locator('.badge').textContent()).trim(), '已回避');
  assert.equal((await stored(B.id)).status, 'recused');
  await screenshot(page, 'expert-assignments');
  await rowOf(page, B).getByRole('link', { name: B.name, exact: true }).click();
  await page.locator('#recused-note', { hasText: '曾在该单位任职' }).waitFor();
  assert.equal(await page.locator('.app-readonly').count(), 0, 'a recused application is not shown');
  await screenshot(page, 'expert-assignment-recused');

  assert.deepEqual(errorsExcept(browser.errors(page), [422]), []);
  await page.close();
});
