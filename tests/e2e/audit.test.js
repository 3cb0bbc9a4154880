// The audit log for people and Beijing time everywhere (issue 13 items 6
// and 7), in a browser whose time zone is New York: the audit page shows
// event times in Beijing time, actors by name and organisation and
// actions in Chinese; it filters by an action picked by its Chinese name
// and by a range of Beijing dates, opens a record whole, and downloads
// the CSV of what it shows; a batch's deadlines read, and its edit form
// writes, Beijing time.  On a desktop and a 390 px phone, without console
// errors, every control labelled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startKpjdd, createDatabase } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeBatch, makeRecommender } from '../lib/fixtures.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const LONG_NAME = `中国${'天文与空间科学'.repeat(8)}学会`;   // 61 characters: wraps, never cut off

let db, server, browser, admin, batch, rec;

// An instant as the UI must show it: Beijing wall-clock time.
const beijing = (iso) => new Date(Date.parse(iso) + 8 * 3600e3).toISOString().slice(0, 19).replace('T', ' ');
const beijingDay = (ms, days = 0) => new Date(ms + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  // 16:00Z is midnight in Beijing (the deadline reads "24:00" of the day
  // before) and 11:00 in New York.
  batch = await makeBatch(admin, {
    contact_deadline: '2031-10-25T16:00:00Z', recommend_deadline: '2031-11-10T06:30:00Z',
  });
  rec = await makeRecommender(server.url, admin, { name: LONG_NAME });
  browser = await launch({ timezoneId: 'America/New_York' });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await db?.drop();
});

async function audit(q = '') {
  return (await (await admin.api('GET', `/audit?limit=200${q}`)).json()).items;
}

for (const [name, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`the audit log (${name}): Beijing times, names, Chinese filters, a record whole, the CSV`, async () => {
    const page = await browser.newPage(size);
    assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), 'America/New_York');
    await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
    await page.goto(`${server.url}/audit`);
    await waitForPage(page, '/audit', '审计日志');
    const rows = page.locator('.audit-table tbody tr');
    await rows.first().waitFor();
    const items = await audit();
    assert.equal(await rows.count(), items.length);
    const first = rows.first();
    assert.equal((await first.locator('time').textContent()).trim(), beijing(items[0].at));

    // 操作 picked by its Chinese name: the list and the CSV link follow.
    await page.getByLabel('操作', { exact: true }).selectOption({ label: '创建推荐单位' });
    await page.locator('.audit-table tbody tr', { hasText: '创建推荐单位' }).first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.audit-table tbody tr').length === 1);
    const row = rows.first();
    assert.match(await row.textContent(), /系统管理员平台管理员/);
    assert.match(await row.textContent(), /创建推荐单位recommender\.created/);
    assert.match(new URL(page.url()).search, /action=recommender\.created/);

    // A range of Beijing dates: today holds it, tomorrow does not.
    const today = beijingDay(Date.now());
    await page.getByLabel('开始日期（北京时间）').fill(beijingDay(Date.now(), 1));
    await page.getByRole('button', { name: '筛选', exact: true }).click();
    await page.getByText('没有符合条件的审计记录').waitFor();
    await page.getByLabel('开始日期（北京时间）').fill(today);
    await page.getByLabel('结束日期（北京时间）').fill(today);
    await page.getByRole('button', { name: '筛选', exact: true }).click();
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.match(new URL(page.url()).search, new RegExp(`from=${today}&to=${today}`));
    await screenshot(page, `audit-${name}`);
    assert.ok(await pageOverflow(page) <= 0, 'no sideways scroll of the page');
    assert.deepEqual(await labelProblems(page), []);

    // The record whole: every field of data labelled, the long name whole.
    await row.getByRole('button', { name: /查看/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const text = await dialog.textContent();
    for (const want of ['操作人系统管理员', '所属单位平台管理员', '名称name', LONG_NAME, '用户名username', rec.username,
      `${beijing(items.find((i) => i.action === 'recommender.created').at)}（北京时间）`])
      assert.ok(text.includes(want), want);
    const value = dialog.locator('.audit-value', { hasText: LONG_NAME });
    const box = await value.boundingBox();
    const dialogBox = await dialog.boundingBox();
    assert.ok(box.x + box.width <= dialogBox.x + dialogBox.width, 'the long value wraps inside the dialog');
    await dialog.getByText('原始 JSON').click();
    assert.match(await dialog.locator('pre').textContent(), /"kind": "national_society"/);
    await screenshot(page, `audit-detail-${name}`);
    await dialog.getByRole('button', { name: '关闭' }).click();

    // The actor's name filters by the actor.
    await row.getByRole('button', { name: '系统管理员' }).click();
    await page.waitForURL((u) => u.searchParams.get('actor_id') === String(items.find((i) => i.action === 'recommender.created').actor_id));
    assert.equal(await page.getByLabel('操作人账号编号').inputValue(), new URL(page.url()).searchParams.get('actor_id'));
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);

    // The CSV of what the filters select.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '导出 CSV' }).click()]);
    assert.equal(download.suggestedFilename(), `审计日志-${today.replaceAll('-', '')}.csv`);
    const csv = await readFile(await download.path());
    assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const lines = csv.subarray(3).toString('utf8').trim().split('\r\n');
    assert.equal(lines.length, 2);
    assert.match(lines[1], new RegExp(`"创建推荐单位","recommender.created","系统管理员","平台管理员"`));
    assert.deepEqual(errorsExcept(browser.errors(page), []), []);
    await page.close();
  });
}

test('a batch in New York: deadlines read and written in Beijing time', async () => {
  const page = await browser.newPage(DESKTOP);
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  await page.goto(`${server.url}/batches/${batch.id}`);
  await page.locator('h1', { hasText: batch.title }).waitFor();
  const body = await page.locator('main').textContent();
  assert.ok(body.includes('2031-10-25 24:00'), 'midnight in Beijing reads 24:00 of the day before');
  assert.ok(body.includes('2031-11-10 14:30'));
  const contact = page.getByLabel('联系人报送截止时间');
  if (await contact.count() === 0) await page.getByRole('button', { name: /编辑|修改/ }).first().click();
  assert.equal(await contact.inputValue(), '2031-10-26T00:00');
  assert.equal(await page.getByLabel('推荐截止时间').inputValue(), '2031-11-10T14:30');
  await contact.fill('2031-10-27T09:15');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'PATCH'),
    page.getByRole('button', { name: '保存修改' }).click(),
  ]);
  assert.deepEqual(JSON.parse(res.request().postData()), { contact_deadline: '2031-10-27T09:15:00+08:00' });
  assert.equal((await res.json()).contact_deadline, '2031-10-27T01:15:00Z');
  await page.locator('main', { hasText: '2031-10-27 09:15' }).waitFor();
  // The audit row of it, in Beijing time on the page.
  const row = (await audit('&action=batch.updated'))[0];
  await page.goto(`${server.url}/audit?action=batch.updated`);
  await page.locator('.audit-table time', { hasText: beijing(row.at) }).first().waitFor();
  await screenshot(page, 'audit-batch-newyork');
  assert.deepEqual(errorsExcept(browser.errors(page), []), []);
  await page.close();
});
