// The password-reset journey in a real browser: 忘记密码？ on the login page,
// the request (the same words whoever is named), the mail as a real SMTP
// server received it, its link opened as it stands, a new password set, and
// a login with it; at 1280 and 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { startSmtp } from '../lib/smtp.js';
import { launch, screenshot } from './lib/browser.js';
import { migrate, createAdmin, submitLogin, waitForPage, errorsExcept } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';

const USER = { username: 'unit.reset', password: 'quiet horse battery', email: 'reset.me@example.cn' };
const NEW_PASSWORD = 'lantern over the harbour 88';
const SENT = '若该账号存在并登记了邮箱，我们已发送重置链接，30 分钟内有效。';

let db, smtp, server, browser;

function freePort() {
  return new Promise((resolveP, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolveP(port)); });
  });
}

before(async () => {
  smtp = await startSmtp();
  db = await createDatabase();
  migrate(db);
  createAdmin(db, USER.username, USER.password);
  await db.psql(`UPDATE users SET email = '${USER.email}' WHERE username = '${USER.username}'`);
  // The mail's link must lead here: web.public_url is this daemon's address.
  const port = await freePort();
  server = await startKpjdd({
    db,
    env: {
      KPJD_HTTP_LISTEN: `127.0.0.1:${port}`, KPJD_WEB_PUBLIC_URL: `http://127.0.0.1:${port}`,
      KPJD_MAIL_URL: smtp.url, KPJD_MAIL_POLL: '1', KPJD_MAIL_FROM: 'noreply@kpjd.example.cn',
    },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop({ allowFailure: true }).catch(() => {});
  await db?.drop().catch(() => {});
  await smtp?.close();
});

async function requestFor(page, login) {
  const input = page.getByLabel('用户名或邮箱', { exact: true });
  await input.fill(login);
  const [res] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/password-reset'),
    input.press('Enter'),
  ]);
  assert.equal(res.status(), 202);
  await page.locator('#forgot-message', { hasText: SENT }).waitFor();
}

for (const size of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
  test(`forgot password → mail → link → new password → login, at ${size.width} px`, { timeout: 90000 }, async () => {
    await browser.context.clearCookies();
    const page = await browser.newPage(size);
    const narrow = size.width < 600;
    const received = smtp.messages().length;

    await page.goto(`${server.url}/login`);
    await page.getByRole('link', { name: '忘记密码？' }).click();
    await waitForPage(page, '/forgot-password', '找回密码');
    assert.match(await page.title(), /^找回密码 - /);
    assert.deepEqual(await labelProblems(page), []);

    // an unknown name gets the very same words, and no mail
    await requestFor(page, 'no.such.user');
    await screenshot(page, `password-reset-requested-${size.width}`);
    await requestFor(page, narrow ? USER.email.toUpperCase() : USER.username);
    const mail = (await smtp.waitFor((m) => m.to.includes(USER.email), { count: received + 1 }))[received];
    assert.equal(smtp.messages().length, received + 1, 'one mail, for the real account only');
    const link = /(http:\/\/\S+\/reset-password#[A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
    assert.ok(link, mail.text);

    // the link as the mail gives it; the token leaves the address bar at once
    await page.goto(link);
    await waitForPage(page, '/reset-password', '设置新密码');
    assert.equal(new URL(page.url()).hash, '');
    assert.deepEqual(await labelProblems(page), []);
    const fresh = page.getByLabel('新密码', { exact: true });
    const confirm = page.getByLabel('确认新密码', { exact: true });

    // the server's own reason, in Chinese, beside the field
    await fresh.fill('unit.reset.2024abc');
    await confirm.fill('unit.reset.2024abc');
    await confirm.press('Enter');
    await page.locator('#reset-new-error', { hasText: /用户名/ }).waitFor();
    await screenshot(page, `password-reset-refused-${size.width}`);

    await fresh.fill(NEW_PASSWORD + size.width);
    await confirm.fill(NEW_PASSWORD + size.width);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/password-reset/') && r.request().method() === 'POST'),
      page.getByRole('button', { name: '设置新密码' }).click(),
    ]);
    assert.equal(res.status(), 204);
    await page.getByText('新密码已设置。').waitFor();
    assert.ok(await pageOverflow(page) <= 0, 'no sideways scrolling');
    await screenshot(page, `password-reset-done-${size.width}`);

    // the link is spent
    await page.goto(link);
    await page.getByRole('button', { name: '设置新密码' }).waitFor();
    await fresh.fill('another fine sentence 42');
    await confirm.fill('another fine sentence 42');
    await confirm.press('Enter');
    await page.getByText('链接无效或已过期').waitFor();

    await page.getByRole('link', { name: '返回登录' }).click();
    await waitForPage(page, '/login', '登录');
    assert.equal((await submitLogin(page, USER.username, NEW_PASSWORD + size.width)).status, 201);
    await waitForPage(page, '/home', '工作台');
    assert.deepEqual(errorsExcept(browser.errors(page), [401, 404, 422]), []);
    await page.close();
  });
}
