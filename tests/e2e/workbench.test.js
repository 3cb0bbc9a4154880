// The three workbenches (工作台) in a real browser against a real kpjdd and
// PostgreSQL: the applicant's applications with the deadline that binds
// each, the time left ticking, and the next step with its link; the
// recommender's open batch with its numbers (to review, quota left,
// contact form, unused codes) and links; the admin's progress per
// recommender with its totals and the CSV; and the unread count beside
// 通知 in the header, which drops when a notification is read. On a
// desktop and a 390 px phone, without console errors, every control
// labelled; screenshots in $KPJD_SCREENSHOT_DIR (default var/screenshots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startKpjdd, createDatabase } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeBatch, makeInvitation, makeRecommender, registerApplicant } from '../lib/fixtures.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';
import { fillViaApi, uploadViaApi, submitViaApi } from './lib/applications.js';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const DAY = 86400e3;

let db, server, browser, admin, rec, other, batch;
const units = {};     // name → { id (application), username, password, session }

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '10000' } });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  batch = await makeBatch(admin, {
    status: 'open', code: '2026-2030年度第三批', title: '2026-2030年度第三批',
    contact_deadline: iso(now + 1 * DAY), submit_deadline: iso(now + 2 * DAY + 3600e3), recommend_deadline: iso(now + 9 * DAY),
  });
  rec = await makeRecommender(server.url, admin, { name: '中国天文学会' });
  other = await makeRecommender(server.url, admin, { name: '北京市科学技术协会', kind: 'provincial_cast', region: '北京市' });
  const q = await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: [
    { recommender_id: rec.id, quota: 3 }, { recommender_id: other.id, quota: 2 }] });
  assert.equal(q.status, 200, await q.text());
  for (const name of ['北京天文馆', '上海天文馆', '紫金山天文台', '青岛天文馆', '国家天文台兴隆观测站']) {
    const reg = await registerApplicant(server.url, await makeInvitation(rec.session, batch.id), { unit: { name } });
    units[name] = { id: reg.application.id, username: reg.username, password: reg.password,
      session: await apiSignIn(server.url, reg.username, reg.password) };
  }
  // 北京天文馆: a draft just begun. 上海天文馆: a complete draft.
  // 紫金山天文台: submitted. 青岛天文馆: returned. 兴隆观测站: recommended.
  for (const name of ['上海天文馆', '紫金山天文台', '青岛天文馆', '国家天文台兴隆观测站']) {
    const u = units[name];
    await fillViaApi(u.session, u.id, { baseName: `${name}科普教育基地` });
    await uploadViaApi(server.url, u.session, u.id);
  }
  for (const name of ['紫金山天文台', '青岛天文馆', '国家天文台兴隆观测站']) await submitViaApi(units[name].session, units[name].id);
  let res = await rec.session.api('POST', `/applications/${units['青岛天文馆'].id}/return`, { reason: '请补充近三年科普活动的证明材料。' });
  assert.equal(res.status, 200, await res.text());
  res = await rec.session.api('POST', `/applications/${units['国家天文台兴隆观测站'].id}/recommend`, { opinion: '同意推荐。' });
  assert.equal(res.status, 200, await res.text());
  await makeInvitation(rec.session, batch.id);            // one spare code
  await makeInvitation(other.session, batch.id);
  res = await other.session.api('PUT', `/batches/${batch.id}/contact`, {
    name: '王芳', department: '科普部', position: '部长', office_phone: '010-68512345',
    mobile: '13912345678', email: 'wangfang@example.cn', address: '北京市海淀区',
  });
  assert.equal(res.status, 200, await res.text());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop({ allowFailure: true }).catch(() => {});
  await db?.drop().catch(() => {});
});

async function pageAs(username, password, size = DESKTOP) {
  await browser.context.clearCookies();
  const page = await browser.newPage(size);
  page.setDefaultTimeout(10000);
  await signIn(page, server.url, username, password);
  return page;
}

async function checkPage(page, name) {
  assert.deepEqual(await labelProblems(page), [], `${name}: unlabelled controls`);
  assert.ok(await pageOverflow(page) <= 0, `${name}: wider than the screen`);
  await screenshot(page, name);
}

const card = (page, name) => page.locator('.bench-app', { has: page.locator('h3', { hasText: name }) });

test('the applicant sees each application\'s deadline ticking and its next step, and follows it', { timeout: 120000 }, async () => {
  for (const [size, tag] of [[DESKTOP, 'desktop'], [PHONE, 'phone']]) {
    const u = units['北京天文馆'];
    const page = await pageAs(u.username, u.password, size);
    const c = card(page, '北京天文馆');
    await c.waitFor();
    assert.match(await c.locator('.badge').first().textContent(), /草稿/);
    // a draft: the unit submission deadline, in Beijing time, and the time left ticking
    const cd = c.locator('.countdown');
    assert.match(await cd.textContent(), /单位提交截止：\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?（北京时间）/);
    assert.equal(await cd.getAttribute('data-deadline'), batch.submit_deadline);
    const left = cd.locator('.countdown-left');
    const first = await left.textContent();
    assert.match(first, /^剩余 2 天 \d{2}:\d{2}:\d{2}$/);
    await page.waitForFunction((t) => document.querySelector('.bench-app .countdown-left')?.textContent !== t, first);
    assert.match(await cd.locator('[role="timer"]').textContent(), /^剩余2天\d+小时\d+分钟$/);
    // what is missing, and the link that does it
    assert.match(await c.locator('.next-step-text').textContent(), /下一步：完成申报表并上传盖章申报表（还缺 \d+ 项：基地名称、类别、/);
    if (tag === 'desktop') await checkPage(page, 'bench-applicant-desktop');
    else await checkPage(page, 'bench-applicant-phone');
    await c.getByRole('link', { name: '填写申报表' }).click();
    await waitForPage(page, `/applications/${u.id}`);
    assert.deepEqual(errorsExcept(browser.errors(page)), []);
    await page.close();
  }

  const expectations = [
    ['上海天文馆', '草稿', /单位提交截止/, /申报表已填写完整，请提交给推荐单位/, '去提交'],
    ['紫金山天文台', '已提交', /推荐截止/, /等待推荐单位审核/, '查看申报表'],
    ['青岛天文馆', '退回修改', /推荐截止/, /按退回意见修改后重新提交/, '修改并重新提交'],
    ['国家天文台兴隆观测站', '已推荐', null, /已获推荐，等待中国科协初评/, '查看申报表'],
  ];
  for (const [name, status, deadline, step, link] of expectations) {
    const u = units[name];
    const page = await pageAs(u.username, u.password);
    const c = card(page, name);
    await c.locator('.next-step').waitFor();
    assert.match(await c.locator('.badge').first().textContent(), new RegExp(status));
    if (deadline) assert.match(await c.locator('.countdown').textContent(), deadline);
    else assert.equal(await c.locator('.countdown').count(), 0);
    assert.match(await c.locator('.next-step-text').textContent(), step);
    assert.equal(await c.getByRole('link', { name: link }).getAttribute('href'), `/applications/${u.id}`);
    if (name === '青岛天文馆') {
      assert.match(await c.locator('.bench-reason').textContent(), /请补充近三年科普活动的证明材料/);
      await screenshot(page, 'bench-applicant-returned');
    }
    assert.deepEqual(errorsExcept(browser.errors(page)), []);
    await page.close();
  }
});

test('the countdowns stop when the workbench is left', { timeout: 60000 }, async () => {
  const u = units['青岛天文馆'];
  await browser.context.clearCookies();
  const page = await browser.newPage(DESKTOP);
  // which intervals are running: the app's only ones are the countdowns
  await page.addInitScript(() => {
    const live = new Set();
    const set = window.setInterval.bind(window);
    const clear = window.clearInterval.bind(window);
    window.setInterval = (...args) => { const id = set(...args); live.add(id); return id; };
    window.clearInterval = (id) => { live.delete(id); clear(id); };
    window.liveIntervals = () => live.size;
  });
  await signIn(page, server.url, u.username, u.password);
  await card(page, '青岛天文馆').locator('.countdown-left').waitFor();
  assert.equal(await page.evaluate(() => window.liveIntervals()), await page.locator('.countdown').count());
  assert.ok(await page.evaluate(() => window.liveIntervals()) >= 1);
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: /^通知/ }).click();
  await waitForPage(page, '/notifications', '通知');
  assert.equal(await page.evaluate(() => window.liveIntervals()), 0);
  assert.deepEqual(errorsExcept(browser.errors(page)), []);
  await page.close();
});

test('the recommender sees its numbers for the open batch, each with the link that acts', { timeout: 60000 }, async () => {
  for (const [size, tag] of [[DESKTOP, 'desktop'], [PHONE, 'phone']]) {
    const page = await pageAs(rec.username, rec.password, size);
    const b = page.locator(`.bench-batch-card[data-batch="${batch.id}"]`);
    await b.waitFor();
    const fig = (id) => b.locator(`[data-figure="b${batch.id}-${id}"]`);
    // made above: one submitted (紫金山), one recommended of a quota of 3, no contact form, 7 codes of which 1 unused
    assert.equal((await fig('pending').locator('strong').textContent()).trim(), '1');
    assert.equal((await fig('quota').locator('strong').textContent()).trim(), '2');
    assert.match(await fig('quota').textContent(), /已推荐 1 \/ 名额 3/);
    assert.equal((await fig('contact').locator('strong').textContent()).trim(), '未报送');
    assert.equal((await fig('codes').locator('strong').textContent()).trim(), '1');
    assert.match(await fig('codes').textContent(), /已发放 6 个，已使用 5 个/);
    assert.match(await b.locator('.countdown').first().textContent(), /推荐截止：.*（北京时间）剩余 \d+ 天/);
    assert.match(await b.locator('.countdown').nth(1).textContent(), /联系人报送截止/);
    assert.equal(await fig('pending').getByRole('link', { name: '去审核' }).getAttribute('href'),
      `/review?batch_id=${batch.id}&status=submitted`);
    assert.equal(await fig('codes').getByRole('link', { name: '管理邀请码' }).getAttribute('href'), `/my/batches/${batch.id}/invitations`);
    await checkPage(page, `bench-recommender-${tag}`);
    if (tag === 'desktop') {
      await fig('contact').getByRole('link', { name: '去报送' }).click();
      await waitForPage(page, `/my/batches/${batch.id}`);
    }
    // that page asks for the contact form, not filed yet: 404
    assert.deepEqual(errorsExcept(browser.errors(page), [404]), []);
    await page.close();
  }
});

test('the admin reads the progress per recommender with totals, and downloads it as CSV', { timeout: 60000 }, async () => {
  for (const [size, tag] of [[DESKTOP, 'desktop'], [PHONE, 'phone']]) {
    const page = await pageAs('admin', ADMIN_PASSWORD, size);
    const table = page.locator('#dashboard-table');
    await table.waitFor();
    assert.equal(await page.getByLabel('批次', { exact: true }).inputValue(), String(batch.id));
    const row = (id) => table.locator(`tbody tr[data-recommender="${id}"] td`);
    // 推荐名额, 已推荐, 已发放, 已使用, 草稿, 待审核, 退回修改, 联系人
    assert.deepEqual((await row(rec.id).allTextContents()).map((t) => t.trim()), ['3', '1', '6', '5', '2', '1', '1', '未报送']);
    assert.deepEqual((await row(other.id).allTextContents()).map((t) => t.trim()), ['2', '0', '1', '0', '0', '0', '0', '已报送']);
    assert.deepEqual((await table.locator('tfoot td').allTextContents()).map((t) => t.trim()),
      ['5', '1', '7', '5', '2', '1', '1', '已报送 1 / 2']);
    await checkPage(page, `bench-admin-${tag}`);
    if (tag === 'desktop') {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#dashboard-csv').click()]);
      const day = await db.psql(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')`);
      assert.equal(download.suggestedFilename(), `推荐进度-${batch.code}-${day}.csv`);
      const bytes = await readFile(await download.path());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
      assert.equal(lines.length, 4);
      assert.equal(lines[3], '"合计","","","5","1","4","7","5","2","2","1","1","0","1/2"');
    }
    assert.deepEqual(errorsExcept(browser.errors(page)), []);
    await page.close();
  }
});

test('通知 in the header counts the unread ones, and drops when one is read', { timeout: 60000 }, async () => {
  const u = units['青岛天文馆'];   // told of its return
  const page = await pageAs(u.username, u.password, PHONE);
  const count = Number(await db.psql(`SELECT count(*) FROM notifications n JOIN users s ON s.id = n.user_id
                                       WHERE s.username = '${u.username}' AND n.read_at IS NULL`));
  assert.ok(count >= 1);
  await page.getByRole('button', { name: '菜单' }).click();
  const link = page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: `通知，${count} 条未读` });
  await link.waitFor();
  assert.equal(await link.getAttribute('data-unread-count'), String(count));
  assert.equal((await link.textContent()).trim(), '通知');
  await screenshot(page, 'bench-badge-phone');
  await link.click();
  await waitForPage(page, '/notifications', '通知');
  await page.getByRole('button', { name: '标为已读' }).first().click();
  const after = count - 1;
  const nav = page.getByRole('navigation', { name: '主导航' });
  if (after > 0) await nav.getByRole('link', { name: `通知，${after} 条未读` }).waitFor({ state: 'attached' });
  else await page.waitForFunction(() => !document.querySelector('.site-nav [data-unread-count]'));
  // the workbench's card says the same after navigating
  await page.goto(`${server.url}/home`);
  await page.locator('#unread-count').waitFor();
  assert.equal((await page.locator('#unread-count').textContent()).trim(), after > 0 ? `${after} 条未读` : '没有未读通知');
  assert.deepEqual(errorsExcept(browser.errors(page)), []);
  await page.close();
});

test('a draft past the unit submission deadline is told so, the countdown stopped', { timeout: 60000 }, async () => {
  const late = await makeBatch(admin, { status: 'open', code: 'LATE1', title: '已过提交截止的批次' });
  const reg = await registerApplicant(server.url, await makeInvitation(rec.session, late.id), { unit: { name: '迟到的科技馆' } });
  await db.psql(`UPDATE batches SET submit_deadline = now() - interval '1 hour' WHERE id = ${late.id}`);
  const page = await pageAs(reg.username, reg.password);
  const c = card(page, '迟到的科技馆');
  await c.locator('.countdown-over').waitFor();
  assert.match(await c.locator('.countdown').textContent(), /单位提交截止：.*已截止/);
  assert.match(await c.locator('.next-step-text').textContent(), /单位提交已截止，本申报未能提交/);
  assert.deepEqual(errorsExcept(browser.errors(page)), []);
  await page.close();
});
