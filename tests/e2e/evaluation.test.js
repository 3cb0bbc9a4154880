// The admin's evaluation workspace in a real browser against a real kpjdd
// and PostgreSQL: 初评 in bulk on the worksheet (a 不通过 without 意见
// refused by the server and shown on its row, nothing saved), one review
// changed on the application's page; the on-site sample drawn with a seed
// and strata, checked against kpj-sample-v1 computed here, printed, and
// drawn again by `kpjdd sample` from the page's command and candidates.tsv;
// an on-site check recorded (the server's refusal beside its field) with
// an evidence upload; the rubric edited with its live sum, saved after the
// server's refusals per row and of the sum.
//
// Six applications are registered through the API and made `recommended`
// in SQL (their form and recommendation are other tests' business); the
// batch is then moved to 评审中. The tests run in order and share the state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startKpjdd, createDatabase, runKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeBatch, makeRecommender, makeApplication } from '../lib/fixtures.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept, texts } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';
import { PDF_BYTES, tempFile, removeTempFiles } from './lib/applications.js';

// name, region, category; the worksheet fails 中国科学技术馆 (with 意见) and
// 企业科普展厅 (at first without), the application page passes the latter.
const UNITS = [
  ['北京天文馆', '北京市', 'venue'],
  ['上海科技馆', '上海市', 'venue'],
  ['中国科学技术馆', '北京市', 'education_research'],
  ['北京自然博物馆', '北京市', 'natural_resources'],
  ['上海自然博物馆', '上海市', 'natural_resources'],
  ['企业科普展厅', '北京市', 'enterprise'],
];
const FAIL_COMMENTS = '申报材料与实际开放情况不符。';
// The seed the admin types: 32 bytes anyone can derive from this text.
const SEED = createHash('sha256').update('kpjd e2e evaluation seed').digest('hex');

let db;
let server;
let browser;
let admin;     // bearer session of the admin
let batch;
let apps;      // [{ id, name, region, category }] in UNITS' order
const state = {};

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  batch = await makeBatch(admin, { status: 'open' });
  const rec = await makeRecommender(server.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' });
  apps = [];
  for (const [name, region, category] of UNITS) {
    const reg = await makeApplication(server.url, rec.session, batch.id, { unit: { name, region } });
    apps.push({ id: reg.application.id, name, region, category });
  }
  for (const a of apps) {
    await db.psql(`UPDATE applications SET status = 'recommended', recommended_at = now(),
                   base_name = '${a.name}科普教育基地', category = '${a.category}' WHERE id = ${a.id}`);
  }
  const moved = await admin.api('PATCH', `/batches/${batch.id}`, { status: 'evaluating' });
  assert.equal(moved.status, 200, await moved.text());
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

const apiPath = (r) => new URL(r.url()).pathname;
const app = (name) => apps.find((a) => a.name === name);
const row = (page, name) => page.locator(`.review-table tbody tr[data-id="${app(name).id}"]`);

// A full-page screenshot taken at the end of the page, where a sticky bar
// of buttons sits in its place rather than over the rows.
async function shot(page, name, options = {}) {
  if (options.fullPage !== false) await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  return screenshot(page, name, options);
}

async function clickFor(page, locator, method, pathRe) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && pathRe.test(apiPath(r))),
    locator.click(),
  ]);
  return res;
}

async function statuses() {
  const res = await admin.api('GET', `/applications?batch_id=${batch.id}&limit=200`);
  assert.equal(res.status, 200);
  const { items } = await res.json();
  return Object.fromEntries(items.map((a) => [apps.find((x) => x.id === a.id).name, a.status]));
}

// kpjd-sample-v1, from API.md, independently of kpjdd: in each stratum the
// ids ordered by hex(HMAC-SHA256(seed bytes, decimal id)), then by id; the
// first ceil(num/den × size) of each; their union ascending.
function drawSample(seedHex, num, den, candidates) {
  const key = Buffer.from(seedHex, 'hex');
  const groups = new Map();
  for (const c of candidates) groups.set(c.stratum, [...(groups.get(c.stratum) ?? []), c.id]);
  const out = [];
  for (const ids of groups.values()) {
    const order = ids.map((id) => ({ id, mac: createHmac('sha256', key).update(String(id)).digest('hex') }))
      .sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : a.id - b.id));
    out.push(...order.slice(0, Math.floor((num * ids.length + den - 1) / den)).map((x) => x.id));
  }
  return out.sort((a, b) => a - b);
}

test('初评: the worksheet passes and fails in bulk; a fail without comments is refused on its row', { timeout: 120000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${server.url}/batches/${batch.id}`);
  await waitForPage(page, `/batches/${batch.id}`, batch.title);
  const sections = page.locator('nav[aria-label="批次页面"] a');
  assert.deepEqual(await texts(sections), ['基本信息', '名额', '联系人', '初评', '实地抽检', '评分标准', '专家与回避', '专家分配', '评分进度', '排名与建议名单', '终期优秀转入', '公示与异议', '认定命名']);
  await sections.filter({ hasText: '初评' }).click();
  await waitForPage(page, `/batches/${batch.id}/review`, batch.title);
  await page.locator('#rv-counts', { hasText: '待初评 6 项 · 初评通过 0 项 · 初评未通过 0 项' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.review-table tbody tr').length === 6);
  assert.equal(await page.locator('#rv-submit').isDisabled(), true, 'nothing to submit yet');
  assert.equal(await page.locator('#rv-set-pass').isDisabled(), true, 'nothing ticked yet');

  // The filters narrow the list (the region, then a search), kept in the URL.
  await page.getByLabel('所在地区').selectOption('上海市');
  await page.waitForFunction(() => document.querySelectorAll('.review-table tbody tr').length === 2);
  assert.equal(new URL(page.url()).searchParams.get('region'), '上海市');
  await page.getByLabel('所在地区').selectOption('');
  await page.getByLabel('搜索').fill('自然博物馆');
  await page.getByRole('button', { name: '筛选' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.review-table tbody tr').length === 2);
  await page.getByLabel('搜索').fill('');
  await page.getByRole('button', { name: '筛选' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.review-table tbody tr').length === 6);

  // Tick all, set them to 通过; then two to 不通过 on their rows, one with 意见.
  await page.getByLabel('选择本页全部可初评的申报').check();
  await page.locator('#rv-picked', { hasText: '已选 6 项' }).waitFor();
  await page.locator('#rv-set-pass').click();
  assert.equal((await page.locator('#rv-submit').textContent()).trim(), '提交初评（6 项）');
  await page.getByLabel('“中国科学技术馆科普教育基地”的初评结论').selectOption('fail');
  await page.getByLabel('“中国科学技术馆科普教育基地”的初评意见').fill(FAIL_COMMENTS);
  await page.getByLabel('“企业科普展厅科普教育基地”的初评结论').selectOption('fail');
  await shot(page, 'evaluation-review-sheet');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.ok(await pageOverflow(page) <= 0, 'the worksheet fits a phone');
  await shot(page, 'evaluation-review-sheet-phone');
  await page.setViewportSize({ width: 1280, height: 800 });

  const refused = await clickFor(page, page.locator('#rv-submit'), 'POST', /\/initial-review$/);
  assert.equal(refused.status(), 422);
  const sent = JSON.parse(refused.request().postData()).items;
  assert.equal(sent.length, 6);
  assert.deepEqual(sent.find((i) => i.application_id === app('中国科学技术馆').id), {
    application_id: app('中国科学技术馆').id, result: 'fail', comments: FAIL_COMMENTS,
  });
  const failed = row(page, '企业科普展厅');
  await failed.locator('.field-error', { hasText: '初评不通过须写明意见' }).waitFor();
  assert.equal(await page.getByLabel('“企业科普展厅科普教育基地”的初评意见').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#rv-message').textContent(), /1 处有误.*都未保存/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), `rv-${app('企业科普展厅').id}-comments`,
    'focus on the comments the server asks for');
  assert.deepEqual(Object.values(await statuses()), Array(6).fill('recommended'), 'all or nothing');
  await shot(page, 'evaluation-review-refused');

  await page.getByLabel('“企业科普展厅科普教育基地”的初评意见').fill('展厅面积不足。');
  assert.equal(await failed.locator('.field-error').first().textContent(), '', 'the error goes as one types');
  const ok = await clickFor(page, page.locator('#rv-submit'), 'POST', /\/initial-review$/);
  assert.equal(ok.status(), 200);
  await page.locator('#rv-message', { hasText: '已提交 6 项初评' }).waitFor();
  await page.locator('.empty-title', { hasText: '没有待初评的申报' }).waitFor();
  await page.locator('#rv-counts', { hasText: '待初评 0 项 · 初评通过 4 项 · 初评未通过 2 项' }).waitFor();
  const now = await statuses();
  assert.equal(now['中国科学技术馆'], 'initial_failed');
  assert.equal(now['企业科普展厅'], 'initial_failed');
  assert.equal(Object.values(now).filter((s) => s === 'initial_passed').length, 4);

  // The reviewed ones under 初评未通过, with their comments and who reviewed.
  await page.getByLabel('状态').selectOption('initial_failed');
  await page.waitForFunction(() => document.querySelectorAll('.review-table tbody tr').length === 2);
  assert.match(await row(page, '中国科学技术馆').locator('.cell-review').textContent(), new RegExp(`^初评未通过${FAIL_COMMENTS}系统管理员 · `));
  assert.equal(await page.getByLabel('“中国科学技术馆科普教育基地”的初评结论').inputValue(), 'fail');
  assert.deepEqual(await labelProblems(page), []);
  assert.ok(await pageOverflow(page) <= 0, 'no sideways scrolling of the page');
  await shot(page, 'evaluation-review');
  assert.deepEqual(errorsExcept(browser.errors(page), [404, 422]), []);
  await page.close();
});

test('初评: one review changed on the application page, in a dialog', { timeout: 60000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${server.url}/batches/${batch.id}/review?status=initial_failed`);
  await waitForPage(page, `/batches/${batch.id}/review`, batch.title);
  await row(page, '企业科普展厅').getByRole('link', { name: '企业科普展厅' }).click();
  const id = app('企业科普展厅').id;
  await waitForPage(page, `/admin/applications/${id}`, '企业科普展厅科普教育基地');
  await page.locator('#eval-initial', { hasText: '展厅面积不足。' }).waitFor();
  assert.match(await page.locator('.eval-facts').textContent(), /尚未抽取样本/);

  await page.getByRole('button', { name: '修改初评' }).click();
  const dialog = page.getByRole('dialog', { name: '初评“企业科普展厅科普教育基地”' });
  await dialog.waitFor();
  assert.equal(await dialog.getByLabel('不通过', { exact: true }).isChecked(), true, 'the current result');
  assert.equal(await dialog.getByLabel('初评意见').inputValue(), '展厅面积不足。');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'radio', 'focus in the dialog');
  await dialog.getByLabel('通过', { exact: true }).check();
  await dialog.getByLabel('初评意见').fill('补充材料后复核通过。');
  await shot(page, 'evaluation-review-one', { fullPage: false });
  const res = await clickFor(page, dialog.getByRole('button', { name: '提交初评' }), 'POST', new RegExp(`/applications/${id}/initial-review$`));
  assert.equal(res.status(), 200);
  assert.deepEqual(JSON.parse(res.request().postData()), { result: 'pass', comments: '补充材料后复核通过。' });
  await page.locator('#review-notice', { hasText: '已提交初评' }).waitFor();
  assert.match(await page.locator('#eval-initial').textContent(), /^通过补充材料后复核通过。系统管理员 · /);
  assert.equal((await page.locator('h1 .badge').textContent()).trim(), '初评通过');
  assert.deepEqual(errorsExcept(browser.errors(page), [404]), []);
  await page.close();
});

test('实地抽检: the sample drawn with a seed by region, as kpjd-sample-v1 draws it; printed; redrawn by kpjdd sample', { timeout: 120000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${server.url}/batches/${batch.id}/sample`);
  await waitForPage(page, `/batches/${batch.id}/sample`, batch.title);
  await page.locator('#sample-waiting', { hasText: '候选申报（初评通过）：5 份。已推荐的申报均已初评。' }).waitFor();

  // Checked here first: a rate out of range, a seed that is not 64 hex digits.
  await page.getByLabel('抽检比例（%）').fill('0');
  await page.getByLabel('随机种子（可不填）').fill('abc');
  await page.locator('#sample-draw').click();
  assert.match(await page.locator('#sample-rate-error').textContent(), /大于 0、不超过 100/);
  assert.match(await page.locator('#sample-seed-error').textContent(), /64 位十六进制/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'sample-rate');

  await page.getByLabel('抽检比例（%）').fill('40');
  await page.getByLabel('按所在地区分层').check();
  await page.getByLabel('随机种子（可不填）').fill(SEED.toUpperCase());
  assert.deepEqual(await labelProblems(page), []);
  await shot(page, 'evaluation-sample-form');
  await page.locator('#sample-draw').click();
  const confirm = page.getByRole('dialog', { name: '抽取实地抽检样本？' });
  await confirm.waitFor();
  assert.match(await confirm.textContent(), /40%、按所在地区分层，使用填写的随机种子/);
  const drawn = await clickFor(page, confirm.getByRole('button', { name: '抽取' }), 'POST', /\/onsite-sample$/);
  assert.equal(drawn.status(), 201);
  assert.deepEqual(JSON.parse(drawn.request().postData()), { stratify_by: 'region', rate: 0.4, seed: SEED });
  const sample = await drawn.json();

  const candidates = apps.filter((a) => a.name !== '中国科学技术馆').map((a) => ({ id: a.id, stratum: a.region }));
  const expected = drawSample(SEED, 2, 5, candidates);
  assert.deepEqual(sample.selected, expected, 'the server drew what kpjd-sample-v1 draws');
  assert.equal(expected.length, 3, 'ceil(0.4 × 3) of 北京市 and ceil(0.4 × 2) of 上海市');
  state.drawn = expected;

  await page.locator('h2', { hasText: '实地抽检样本' }).waitFor();
  assert.equal(await page.locator('#sample-seed-value').textContent(), SEED);
  const facts = await page.locator('.sample-facts').textContent();
  for (const want of ['40%（0.4）', '按所在地区分层', '5 份（抽样时初评通过的申报）', '3 份', 'kpjd-sample-v1']) {
    assert.ok(facts.includes(want), `${want} in ${facts}`);
  }
  await page.waitForFunction(() => document.querySelectorAll('.sample-table tbody tr').length === 3);
  assert.deepEqual((await page.locator('.sample-table tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id)))), expected);
  assert.equal(await page.locator('#sample-progress').textContent(), '共 3 份，已核查 0 份。');
  assert.deepEqual(await labelProblems(page), []);
  await shot(page, 'evaluation-sample');

  // From now on the initial reviews read only.
  await page.locator('nav[aria-label="批次页面"] a', { hasText: '初评' }).click();
  await page.locator('#rv-locked', { hasText: '初评结果不能再更改' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.review-table tbody tr').length === 5);
  assert.equal(await page.getByLabel('状态').inputValue(), 'initial_passed', 'nothing waits: the passed ones first');
  assert.equal(await page.locator('.review-table select, .review-table textarea, #rv-submit').count(), 0);
  await page.locator('nav[aria-label="批次页面"] a', { hasText: '实地抽检' }).click();

  // The printable list: the seed, the drawn, and the recipe; candidates.tsv
  // and the printed command give the same ids through kpjdd sample.
  await page.locator('#sample-print').click();
  await waitForPage(page, `/batches/${batch.id}/sample/print`, '实地抽检名单');
  await page.waitForFunction(() => document.querySelectorAll('.sample-print-table tbody tr').length === 3);
  assert.equal(await page.locator('#print-seed').textContent(), SEED);
  const command = await page.locator('#print-command').textContent();
  assert.equal(command, `kpjdd sample --seed ${SEED} --rate 0.4 --stratify-by region < candidates.tsv`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#sample-tsv').click()]);
  assert.equal(download.suggestedFilename(), 'candidates.tsv');
  const tsv = await readFile(await download.path(), 'utf8');
  assert.equal(tsv.trim().split('\n').length, 5);
  const args = command.replace(/^kpjdd /, '').replace(/ < candidates\.tsv$/, '').split(' ');
  const redrawn = runKpjdd(args, { input: tsv });
  assert.equal(redrawn.status, 0, redrawn.stderr);
  assert.deepEqual(redrawn.stdout.trim().split('\n').map(Number), expected);
  assert.deepEqual(await page.locator('.sample-print-table tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id))), expected);
  await shot(page, 'evaluation-sample-print-screen', { fullPage: false });
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.print-toolbar').isVisible(), false, 'no buttons on paper');
  assert.equal(await page.locator('.site-header').isVisible(), false);
  await shot(page, 'evaluation-sample-print');
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(errorsExcept(browser.errors(page), [404]), []);
  await page.close();
});

test('实地核查: the record of a visit, refused then saved; the evidence uploaded and listed', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  const id = state.drawn[0];
  const name = apps.find((a) => a.id === id).name;
  await page.goto(`${server.url}/batches/${batch.id}/sample`);
  await page.locator(`.sample-table tbody tr[data-id="${id}"]`).getByRole('link', { name: `填写“${name}”的核查记录` }).click();
  await waitForPage(page, `/batches/${batch.id}/onsite/${id}`, `${name}科普教育基地`);
  await page.locator('#onsite-current', { hasText: '尚未填写核查记录' }).waitFor();

  // Nothing filled: said here. A fail without findings: said by the server, beside 核查情况.
  await page.locator('#onsite-save').click();
  assert.equal(await page.locator('#onsite-inspectors-error').textContent(), '请填写核查人员');
  assert.equal(await page.locator('#onsite-visited-on-error').textContent(), '请选择核查日期');
  assert.equal(await page.locator('#onsite-result-error').textContent(), '请选择核查结论');
  const today = await page.getByLabel('核查日期').getAttribute('max');
  assert.match(today, /^\d{4}-\d{2}-\d{2}$/);
  await page.getByLabel('核查人员').fill('张检查、李核实');
  await page.getByLabel('核查日期').fill(today);
  await page.getByLabel('不通过', { exact: true }).check();
  const refused = await clickFor(page, page.locator('#onsite-save'), 'PUT', /\/onsite-check$/);
  assert.equal(refused.status(), 422);
  await page.locator('#onsite-findings-error', { hasText: '核查不通过须写明发现的问题' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'onsite-findings');

  await page.getByLabel('核查情况').fill('现场展厅关闭，未见科普活动记录。');
  const saved = await clickFor(page, page.locator('#onsite-save'), 'PUT', /\/onsite-check$/);
  assert.equal(saved.status(), 200);
  assert.deepEqual(JSON.parse(saved.request().postData()), {
    inspectors: ['张检查', '李核实'], visited_on: today, result: 'fail', findings: '现场展厅关闭，未见科普活动记录。',
  });
  await page.locator('#onsite-notice', { hasText: '核查不通过' }).waitFor();
  assert.equal((await page.locator('h1 .badge').textContent()).trim(), '实地抽检未通过');
  assert.match(await page.locator('#onsite-current').textContent(), /不通过.*张检查、李核实.*现场展厅关闭/);
  assert.equal(await page.getByLabel('核查人员').inputValue(), '张检查、李核实', 'the form holds the record to correct');

  // Evidence: a PDF with a Chinese name, with its progress, then listed.
  const file = await tempFile('核查记录表.pdf', PDF_BYTES);
  const [up] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /\/attachments$/.test(apiPath(r))),
    page.getByLabel('上传核查材料（PDF、PNG、JPEG 或 MP4）').setInputFiles(file),
  ]);
  assert.equal(up.status(), 201);
  assert.equal(new URL(up.url()).searchParams.get('kind'), 'onsite_evidence');
  await page.locator('#onsite-files .attachment-name', { hasText: '核查记录表.pdf' }).waitFor();
  await page.locator('.upload[data-state="done"]').waitFor();
  const res = await admin.api('GET', `/applications/${id}`);
  const after = await res.json();
  assert.equal(after.status, 'onsite_failed');
  assert.deepEqual(after.onsite_check.inspectors, ['张检查', '李核实']);
  assert.deepEqual(after.attachments.map((a) => [a.kind, a.filename]), [['onsite_evidence', '核查记录表.pdf']]);
  assert.deepEqual(await labelProblems(page), []);
  await shot(page, 'evaluation-onsite');

  // The sample's list says so.
  await page.getByRole('link', { name: '实地抽检' }).click();
  await page.locator('#sample-progress', { hasText: '已核查 1 份' }).waitFor();
  assert.match(await page.locator(`.sample-table tbody tr[data-id="${id}"]`).textContent(), new RegExp(`不通过${today}`));
  assert.deepEqual(errorsExcept(browser.errors(page), [422]), []);
  await page.close();
});

test('评分标准: rows added and removed, the live sum, the server refusing a row and the sum, then saved', { timeout: 90000 }, async () => {
  const page = await freshPage();
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${server.url}/batches/${batch.id}/rubric`);
  await waitForPage(page, `/batches/${batch.id}/rubric`, batch.title);
  await page.locator('#rubric-updated', { hasText: '本批次还没有评分标准' }).waitFor();
  const sum = page.locator('#rubric-sum');
  assert.equal(await page.locator('.rubric-table tbody tr').count(), 1);
  assert.equal(await page.getByRole('button', { name: '删除第 1 项' }).isDisabled(), true, 'at least one row');

  await page.getByLabel('第 1 项的指标代码').fill('science');
  await page.getByLabel('第 1 项的指标名称').fill('科普内容的科学性');
  await page.getByLabel('第 1 项的权重').fill('40');
  assert.match(await sum.textContent(), /^权重合计：40 \/ 100（还差 60/);
  assert.equal(await sum.getAttribute('class'), 'rubric-sum rubric-sum-bad');
  await page.locator('#rubric-add').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), await page.getByLabel('第 2 项的指标代码').getAttribute('id'),
    'focus on the new row');
  await page.getByLabel('第 2 项的指标代码').fill('Facilities');
  await page.getByLabel('第 2 项的指标名称').fill('场馆设施与开放');
  await page.getByLabel('第 2 项的权重').fill('35');
  await page.locator('#rubric-add').click();
  await page.getByLabel('第 3 项的指标代码').fill('science');
  await page.getByLabel('第 3 项的指标名称').fill('科普活动与成效');
  await page.getByLabel('第 3 项的权重').fill('20');
  assert.match(await sum.textContent(), /^权重合计：95 \/ 100（还差 5，合计须为 100）$/);
  await shot(page, 'evaluation-rubric-sum');

  // A row too many, removed: the rows after it renumber.
  await page.locator('#rubric-add').click();
  await page.getByLabel('第 4 项的权重').fill('50');
  assert.match(await sum.textContent(), /超出 45/);
  await page.getByRole('button', { name: '删除第 4 项' }).click();
  assert.equal(await page.locator('.rubric-table tbody tr').count(), 3);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), '删除第 3 项', 'focus stays in the table');

  // The server names a bad key and a duplicate on their rows, and the sum beside the sum.
  const refused = await clickFor(page, page.locator('#rubric-save'), 'PUT', /\/rubric$/);
  assert.equal(refused.status(), 422);
  await page.locator(`#${await page.getByLabel('第 2 项的指标代码').getAttribute('id')}-error`, { hasText: '只能由小写字母、数字和下划线组成' }).waitFor();
  assert.match(await page.locator(`#${await page.getByLabel('第 3 项的指标代码').getAttribute('id')}-error`).textContent(), /与第 1 项的键重复/);
  assert.match(await page.locator('#rubric-sum-error').textContent(), /各项权重之和应为 100（现为 95）/);
  assert.equal(await page.getByLabel('第 2 项的指标代码').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#rubric-message').textContent(), /未保存/);
  assert.deepEqual(await labelProblems(page), []);
  await shot(page, 'evaluation-rubric-refused');

  await page.getByLabel('第 2 项的指标代码').fill('facilities');
  await page.getByLabel('第 3 项的指标代码').fill('activities');
  await page.getByLabel('第 3 项的权重').fill('25');
  assert.match(await sum.textContent(), /^权重合计：100 \/ 100（合计正确）$/);
  assert.equal(await sum.getAttribute('class'), 'rubric-sum rubric-sum-ok');
  const saved = await clickFor(page, page.locator('#rubric-save'), 'PUT', /\/rubric$/);
  assert.equal(saved.status(), 200);
  const criteria = [
    { key: 'science', name: '科普内容的科学性', weight: 40 },
    { key: 'facilities', name: '场馆设施与开放', weight: 35 },
    { key: 'activities', name: '科普活动与成效', weight: 25 },
  ];
  assert.deepEqual(JSON.parse(saved.request().postData()), { criteria });
  await page.locator('#rubric-notice', { hasText: '已保存评分标准（3 项）' }).waitFor();
  await page.locator('#rubric-updated', { hasText: '上次保存' }).waitFor();

  // As the server keeps it, after a reload.
  await page.reload();
  await page.locator('#rubric-updated', { hasText: '上次保存' }).waitFor();
  assert.equal(await page.getByLabel('第 2 项的指标名称').inputValue(), '场馆设施与开放');
  const res = await admin.api('GET', `/batches/${batch.id}/rubric`);
  assert.deepEqual((await res.json()).criteria, criteria);
  await shot(page, 'evaluation-rubric');
  assert.deepEqual(errorsExcept(browser.errors(page), [404, 422]), []);
  await page.close();
});

test('on a phone: the pages fit the screen', { timeout: 60000 }, async () => {
  const page = await freshPage({ width: 390, height: 844 });
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${server.url}/batches/${batch.id}/review?status=initial_passed`);
  await page.waitForFunction(() => document.querySelectorAll('.review-table tbody tr').length > 0);
  assert.ok(await pageOverflow(page) <= 0, 'the 初评 page does not scroll sideways');
  await shot(page, 'evaluation-review-phone');
  await page.goto(`${server.url}/batches/${batch.id}/sample`);
  await page.waitForFunction(() => document.querySelectorAll('.sample-table tbody tr').length === 3);
  assert.ok(await pageOverflow(page) <= 0, 'the 实地抽检 page does not scroll sideways');
  await shot(page, 'evaluation-sample-phone');
  await page.goto(`${server.url}/batches/${batch.id}/rubric`);
  await page.locator('#rubric-updated', { hasText: '上次保存' }).waitFor();
  assert.ok(await pageOverflow(page) <= 0, 'the 评分标准 page does not scroll sideways');
  await shot(page, 'evaluation-rubric-phone');
  assert.deepEqual(errorsExcept(browser.errors(page), []), []);
  await page.close();
});
