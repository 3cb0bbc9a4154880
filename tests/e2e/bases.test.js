// Bases (基地) in a real browser against a real kpjdd and PostgreSQL: the
// admin's 基地管理 (filters in the URL, 暂停 and 恢复 with a reason, the
// plaque's handover, 撤销 after its warning, the certificate PDF, looked at
// as an image, its QR code leading to the check), the public directory (valid bases only, search and
// filters), the public certificate check for a valid and a revoked
// certificate — the signature checked in the browser with WebCrypto
// Ed25519 and said so —, a tampered answer, a browser without Ed25519 (the
// server's word, said so) and an unknown number, each on
// a desktop and a 390 px phone, and the applicant's own base.
//
// The batch is named through the API: three proposed applications (the
// publicity fixture), a notice whose window is already over, then naming.
// The tests run in order and share the state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKpjdd, createDatabase, runKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { proposedBatch, publishNotice, dbTime } from '../lib/publicity.js';
import { launch, screenshot, screenshotDir } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept, texts } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';

// 北京 (11), 上海 (31), 广东 (44): the certificates are numbered in this order.
const UNITS = ['广东科学中心', '北京天文馆', '上海科技馆'];
const PHONE = { width: 390, height: 844 };
// A term running now (by the database clock), so the bases are not 过期.
const TERM = new Date().getUTCFullYear();
const REVOKE_REASON = '经查，该馆申报材料存在虚假内容。';
const PUBLIC_URL = 'https://kpjd.example.org';

const tmp = mkdtempSync(join(tmpdir(), 'kpjd-e2e-bases-'));
let db;
let server;
let browser;
let admin;
let batch;
let apps;
let bases;   // by unit name

before(async () => {
  const key = join(tmp, 'signing.key');
  const r = runKpjdd(['keygen', '--out', key]);
  assert.equal(r.status, 0, r.stderr);
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true, env: {
    KPJD_INVITATIONS_LOOKUP_LIMIT: '10000', KPJD_CRYPTO_SIGNING_KEY: key, KPJD_WEB_PUBLIC_URL: PUBLIC_URL,
  } });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  ({ batch, apps } = await proposedBatch(server.url, db, admin, { count: 3, units: UNITS, term_start_year: TERM }));
  await publishNotice(admin, batch.id, { starts_at: await dbTime(db, -7200), ends_at: await dbTime(db, -60) });
  const res = await admin.api('POST', `/batches/${batch.id}/naming`, { named_on: '2026-12-01', decision_no: '科协发普字〔2026〕12号' });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  bases = Object.fromEntries(JSON.parse(text).bases.map((b) => [b.unit_name, b]));
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

async function adminPage(size = { width: 1280, height: 800 }) {
  await browser.context.clearCookies();
  const page = await browser.newPage(size);
  page.setDefaultTimeout(10000);
  await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
  return page;
}

async function publicPage(size = { width: 1280, height: 800 }) {
  await browser.context.clearCookies();
  const page = await browser.newPage(size);
  page.setDefaultTimeout(10000);
  return page;
}

// One status change through its dialog. → the answer.
async function changeStatus(page, button, title, confirm, reason) {
  await page.locator(button).click();
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.getByLabel('原因').fill(reason);
  return clickFor(page, dialog.getByRole('button', { name: confirm }), 'POST', /\/bases\/\d+\/(suspend|reinstate|revoke)$/);
}

test('基地管理: filters in the URL; 暂停 and 恢复 with a reason; the plaque; 撤销 after its warning; the certificate PDF', { timeout: 90000 }, async () => {
  const page = await adminPage();
  await page.locator('nav[aria-label="主导航"] a', { hasText: '基地管理' }).click();
  await waitForPage(page, '/admin/bases', '基地管理');
  await page.waitForFunction(() => document.querySelectorAll('.bases-table tbody tr').length === 3);
  assert.deepEqual((await texts(page.locator('.bases-table tbody td:nth-child(2)'))).sort(),
    [1, 2, 3].map((n) => `KPJD-${TERM}-00000${n}`));
  assert.equal(bases['北京天文馆'].certificate_no, `KPJD-${TERM}-000001`, 'numbered in the notice order');
  await page.getByLabel('所在地区').selectOption('上海市');
  await page.waitForFunction(() => document.querySelectorAll('.bases-table tbody tr').length === 1);
  assert.equal(new URL(page.url()).searchParams.get('region'), '上海市');
  await page.getByLabel('批次').selectOption(String(batch.id));
  await page.locator('#bases-print a').waitFor();
  assert.equal(await page.locator('#bases-print a').getAttribute('href'), `/api/v1/batches/${batch.id}/certificates.pdf`);
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'bases-admin-list');

  const shanghai = bases['上海科技馆'];
  await page.locator('.bases-table tbody tr a', { hasText: shanghai.name }).click();
  await waitForPage(page, `/admin/bases/${shanghai.id}`, shanghai.name);
  await page.locator('h1 .badge', { hasText: '有效' }).waitFor();
  assert.equal(await page.locator('#base-pdf').getAttribute('href'), `/api/v1/bases/${shanghai.id}/certificate.pdf`);

  let res = await changeStatus(page, '#base-suspend', '暂停基地资格？', '暂停', '整改期间暂停。');
  assert.equal(res.status(), 200, await res.text());
  assert.deepEqual(res.request().postDataJSON(), { reason: '整改期间暂停。' });
  await page.locator('#base-notice', { hasText: '已暂停' }).waitFor();
  await page.locator('h1 .badge', { hasText: '暂停' }).waitFor();
  await page.locator('#base-reason', { hasText: '整改期间暂停。' }).waitFor();
  res = await changeStatus(page, '#base-reinstate', '恢复基地资格？', '恢复', '整改完成。');
  assert.equal(res.status(), 200, await res.text());
  await page.locator('h1 .badge', { hasText: '有效' }).waitFor();

  // The plaque: the recipient is required.
  await page.locator('#plaque-submit').click();
  await page.locator('#plaque-recipient-error', { hasText: '请填写接收人' }).waitFor();
  await page.getByLabel('接收人').fill('上海科技馆 王馆长');
  res = await clickFor(page, page.locator('#plaque-submit'), 'POST', /\/plaque$/);
  assert.equal(res.status(), 201, await res.text());
  assert.equal(res.request().postDataJSON().recipient, '上海科技馆 王馆长');
  await page.locator('#base-notice', { hasText: '已登记牌匾交接' }).waitFor();
  await page.locator('#plaque-list li', { hasText: '接收人：上海科技馆 王馆长' }).waitFor();

  // 撤销: the dialog says it is final; afterwards no action is offered.
  await page.locator('#base-revoke').click();
  const dialog = page.getByRole('dialog', { name: '撤销基地资格？' });
  await dialog.locator('.warn-text', { hasText: '撤销是最终决定，不能恢复' }).waitFor();
  await screenshot(page, 'bases-revoke-confirm', { fullPage: false });
  await dialog.getByLabel('原因').fill(REVOKE_REASON);
  res = await clickFor(page, dialog.getByRole('button', { name: '撤销资格' }), 'POST', /\/revoke$/);
  assert.equal(res.status(), 200, await res.text());
  await page.locator('h1 .badge', { hasText: '撤销' }).waitFor();
  await page.locator('#base-final', { hasText: '不能再变更' }).waitFor();
  assert.equal(await page.locator('#base-suspend, #base-reinstate, #base-revoke').count(), 0);
  assert.deepEqual(await labelProblems(page), []);
  await screenshot(page, 'bases-admin-revoked');
  await page.setViewportSize(PHONE);
  assert.ok(await pageOverflow(page) <= 0, 'the base page fits a phone');
  await screenshot(page, 'bases-admin-revoked-phone');

  // The certificate PDF behind the link: fetched with the page's session,
  // one A4 landscape page, rendered to PNG to be looked at.
  const pdf = await page.evaluate(async (href) => {
    const r = await fetch(href);
    return { type: r.headers.get('content-type'), bytes: [...new Uint8Array(await r.arrayBuffer())] };
  }, `/api/v1/bases/${bases['北京天文馆'].id}/certificate.pdf`);
  assert.match(pdf.type, /^application\/pdf/);
  const file = join(tmp, 'certificate.pdf');
  writeFileSync(file, Buffer.from(pdf.bytes));
  assert.equal(Buffer.from(pdf.bytes).subarray(0, 5).toString('latin1'), '%PDF-');
  execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', file, join(screenshotDir(), 'bases-certificate')]);
  assert.ok(existsSync(join(screenshotDir(), 'bases-certificate.png')));
  // Its QR code leads to this UI's check of that certificate.
  execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', file, join(tmp, 'certificate')]);
  const qr = execFileSync('zbarimg', ['--quiet', '--raw', join(tmp, 'certificate.png')], { encoding: 'utf8' }).trim();
  assert.equal(qr, `${PUBLIC_URL}/verify/${bases['北京天文馆'].certificate_no}`);
  await page.goto(`${server.url}${new URL(qr).pathname}`);
  await page.locator('#verify-signature[data-ok="true"]').waitFor();
  assert.deepEqual(errorsExcept(browser.errors(page), []), []);
  await page.close();
});

test('基地名录 (anyone): valid bases only, searched and filtered, on a desktop and a phone', { timeout: 60000 }, async () => {
  for (const [size, name] of [[{ width: 1280, height: 800 }, 'bases-directory'], [PHONE, 'bases-directory-phone']]) {
    const page = await publicPage(size);
    await page.goto(`${server.url}/`);
    await page.locator('nav[aria-label="公开信息"] a', { hasText: '基地名录' }).click();
    await waitForPage(page, '/bases', '基地名录');
    await page.waitForFunction(() => document.querySelectorAll('.bases-table tbody tr').length === 2);
    assert.equal(await page.locator('.bases-table tbody tr', { hasText: '上海科技馆' }).count(), 0, 'the revoked base is not listed');
    const beijing = page.locator('.bases-table tbody tr', { hasText: '北京天文馆' });
    assert.match(await beijing.textContent(), /科技场馆类|教育科研|三农|企业类|自然资源类|其他类/);
    assert.match(await beijing.textContent(), new RegExp(`${TERM}–${TERM + 4} 年`));
    assert.equal(await beijing.getByRole('link').getAttribute('href'), `/verify/${bases['北京天文馆'].certificate_no}`);
    assert.ok(await pageOverflow(page) <= 0);
    await screenshot(page, name);

    await page.getByLabel('搜索').fill('天文');
    await page.getByRole('button', { name: '查找' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.bases-table tbody tr').length === 1);
    assert.equal(new URL(page.url()).searchParams.get('q'), '天文');
    await page.getByRole('button', { name: '清除' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.bases-table tbody tr').length === 2);
    await page.getByLabel('所在地区').selectOption('广东省');
    await page.waitForFunction(() => document.querySelectorAll('.bases-table tbody tr').length === 1);
    await page.getByLabel('所在地区').selectOption('');
    await page.getByLabel('届期起始年').fill('20x1');
    await page.getByRole('button', { name: '查找' }).click();
    await page.locator('#bases-year-error', { hasText: '4 位年份' }).waitFor();
    await page.getByLabel('届期起始年').fill(String(TERM - 5));
    await page.getByRole('button', { name: '查找' }).click();
    await page.locator('.empty-title', { hasText: '没有符合条件的基地' }).waitFor();
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(errorsExcept(browser.errors(page), [401]), []);
    await page.close();
  }
});

test('证书核验: a valid certificate, its signature checked in the browser, on a desktop and a phone', { timeout: 60000 }, async () => {
  const b = bases['北京天文馆'];
  for (const [size, name] of [[{ width: 1280, height: 800 }, 'verify-valid'], [PHONE, 'verify-valid-phone']]) {
    const page = await publicPage(size);
    await page.goto(`${server.url}/verify/${b.certificate_no}`);
    await waitForPage(page, `/verify/${b.certificate_no}`, `证书核验 ${b.certificate_no}`);
    const sig = page.locator('#verify-signature');
    await sig.waitFor();
    assert.equal(await sig.getAttribute('data-method'), 'browser', 'Debian chromium checks Ed25519 itself');
    assert.equal(await sig.getAttribute('data-ok'), 'true');
    assert.match(await sig.textContent(), /签名有效（浏览器本地验证）/);
    assert.equal(await page.locator('#verify-status').getAttribute('data-status'), 'valid');
    assert.match(await page.locator('#verify-status').textContent(), /证书状态：✓ 有效/);
    const facts = await page.locator('.verify-facts').textContent();
    for (const text of ['北京天文馆科普教育基地', '北京天文馆', '北京市', `${TERM}-${TERM + 4} 年`, b.certificate_no, '2026-12-01', '中国科学技术协会']) {
      assert.ok(facts.includes(text), `the facts name ${text}`);
    }
    assert.ok(await pageOverflow(page) <= 0);
    assert.deepEqual(await labelProblems(page), []);
    await screenshot(page, name);
    assert.deepEqual(errorsExcept(browser.errors(page), [401]), []);
    await page.close();
  }
});

test('证书核验: the revoked certificate says so with the reason; a tampered answer fails the check; an unknown number', { timeout: 60000 }, async () => {
  const b = bases['上海科技馆'];
  for (const [size, name] of [[{ width: 1280, height: 800 }, 'verify-revoked'], [PHONE, 'verify-revoked-phone']]) {
    const page = await publicPage(size);
    await page.goto(`${server.url}/verify/${b.certificate_no}`);
    await page.locator('#verify-status[data-status="revoked"]').waitFor();
    assert.match(await page.locator('#verify-status').textContent(), /撤销/);
    await page.locator('#verify-reason', { hasText: REVOKE_REASON }).waitFor();
    assert.equal(await page.locator('#verify-signature').getAttribute('data-ok'), 'true', 'the signature still checks');
    assert.ok(await pageOverflow(page) <= 0);
    await screenshot(page, name);
    assert.deepEqual(errorsExcept(browser.errors(page), [401]), []);
    await page.close();
  }

  // The answer altered on the way (another unit's name in the signed text):
  // the browser's own check catches it.
  const page = await publicPage();
  const good = bases['北京天文馆'];
  await page.route(`**/api/v1/public/certificates/${good.certificate_no}`, async (route) => {
    const res = await route.fetch();
    const cert = await res.json();
    cert.payload_canonical = cert.payload_canonical.replace('北京天文馆', '北京假天文馆');
    await route.fulfill({ response: res, json: cert });
  });
  await page.goto(`${server.url}/verify/${good.certificate_no}`);
  await page.locator('#verify-signature[data-ok="false"]').waitFor();
  assert.match(await page.locator('#verify-signature').textContent(), /签名无效（浏览器本地验证）/);
  assert.equal(await page.locator('#verify-status').getAttribute('data-status'), 'untrusted');
  await screenshot(page, 'verify-tampered');
  await page.unroute('**/api/v1/public/certificates/**');

  // A browser without Ed25519 in WebCrypto: the page says the facts are
  // as the server states them, not checked here.
  const old = await browser.newPage(PHONE);
  await old.addInitScript(() => {
    const importKey = crypto.subtle.importKey.bind(crypto.subtle);
    crypto.subtle.importKey = (format, key, alg, ...rest) => ((alg?.name ?? alg) === 'Ed25519'
      ? Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError'))
      : importKey(format, key, alg, ...rest));
  });
  await old.goto(`${server.url}/verify/${good.certificate_no}`);
  await old.locator('#verify-signature[data-method="server"]').waitFor();
  assert.match(await old.locator('#verify-signature').textContent(), /签名有效（服务器声明，未在本地验证）.*不支持 Ed25519/);
  assert.equal(await old.locator('#verify-status').getAttribute('data-status'), 'valid');
  await screenshot(old, 'verify-server-stated-phone');
  assert.deepEqual(errorsExcept(browser.errors(old), [401]), []);
  await old.close();

  // Typed in the form, lower case: an unknown number.
  await page.getByLabel('证书编号').fill('kpjd-2021-999999');
  await page.getByRole('button', { name: '核验' }).click();
  await waitForPage(page, '/verify/KPJD-2021-999999');
  await page.locator('#verify-missing', { hasText: '查无此证书' }).waitFor();
  await screenshot(page, 'verify-unknown', { fullPage: false });
  assert.deepEqual(errorsExcept(browser.errors(page), [401, 404]), []);
  await page.close();
});

test('我的基地: the applicant sees its base with the certificate and the check', { timeout: 60000 }, async () => {
  const a = apps.find((x) => x.unit_name === '北京天文馆');
  const b = bases['北京天文馆'];
  await browser.context.clearCookies();
  const page = await browser.newPage(PHONE);
  page.setDefaultTimeout(10000);
  await signIn(page, server.url, a.username, a.password);
  const card = page.locator(`.base-card[data-id="${b.id}"]`);
  await card.waitFor();
  assert.match(await card.textContent(), new RegExp(`${b.certificate_no}`));
  await card.locator('.badge', { hasText: '有效' }).waitFor();
  assert.equal(await card.getByRole('link', { name: /下载证书/ }).getAttribute('href'), `/api/v1/bases/${b.id}/certificate.pdf`);
  assert.ok(await pageOverflow(page) <= 0);
  await screenshot(page, 'bases-applicant-home-phone');
  await card.getByRole('link', { name: /核验证书/ }).click();
  await waitForPage(page, `/verify/${b.certificate_no}`);
  await page.locator('#verify-signature[data-ok="true"]').waitFor();
  assert.deepEqual(errorsExcept(browser.errors(page), []), []);
  await page.close();
});
