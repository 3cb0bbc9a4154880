// Mail in the UI: the account page's 邮件通知 (the address and whether to
// receive mail that is not essential) saved, refused when malformed, and
// shown again after a reload; the admin's 邮件发送 page (the outbox by
// status) with a failed message sent again after a confirmation.  On a
// desktop and a 390 px phone, without console errors, every control
// labelled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKpjdd, createDatabase } from '../lib/kpjdd.js';
import { createAdmin, signIn as apiSignIn, ADMIN_PASSWORD } from '../lib/accounts.js';
import { makeRecommender, NEW_PASSWORD } from '../lib/fixtures.js';
import { launch, screenshot } from './lib/browser.js';
import { signIn, waitForPage, errorsExcept } from './lib/session.js';
import { pageOverflow, labelProblems } from './lib/ui.js';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

let db, server, browser, admin;
const recs = {};

before(async () => {
  db = await createDatabase();
  server = await startKpjdd({ db, migrate: true });
  createAdmin(db, 'admin', ADMIN_PASSWORD);
  admin = await apiSignIn(server.url, 'admin', ADMIN_PASSWORD);
  recs.desktop = await makeRecommender(server.url, admin, { name: '中国科普作家协会' });
  recs.phone = await makeRecommender(server.url, admin, { name: '北京市科学技术协会' });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await db?.drop();
});

const settingsOf = (username) => db.psql(`SELECT coalesce(email, '-') || ' ' || mail_opt_out FROM users WHERE username = '${username}'`);

// One message in the outbox, as lib/domain/outbox.c writes it; → its id.
async function queue({ to, subject, status, error = null, attempts = 0 }) {
  const out = await db.psql(`
    INSERT INTO email_outbox (kind, essential, to_addr, subject, body, message_id, status, attempts, last_error,
                              next_attempt_at, sent_at)
    VALUES ('deadline.reminder', false, '${to}', '${subject}', '正文', '${Math.random()}@kpjd.test', '${status}',
            ${attempts}, ${error ? `'${error}'` : 'NULL'}, now() + interval '1 hour', ${status === 'sent' ? 'now()' : 'NULL'})
    RETURNING id`);
  return Number(out.split('\n')[0]);
}

for (const [name, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`the account page's mail settings (${name}): saved, refused when malformed, shown after a reload`, async () => {
    const rec = recs[name];
    const page = await browser.newPage(size);
    await signIn(page, server.url, rec.username, NEW_PASSWORD);
    await page.goto(`${server.url}/password`);
    await waitForPage(page, '/password', '修改密码');
    const section = page.locator('#mail-settings');
    await section.getByRole('heading', { name: '邮件通知' }).waitFor();
    const email = section.getByLabel('电子邮箱');
    const wanted = section.getByLabel('接收非必要邮件（通知、截止提醒）');
    assert.equal(await email.inputValue(), '');
    assert.equal(await wanted.isChecked(), true);

    await email.fill('not an address');
    await section.getByRole('button', { name: '保存邮件设置' }).click();
    await section.locator('.field-error', { hasText: '请填写有效的电子邮箱' }).waitFor();
    assert.equal(await settingsOf(rec.username), '- false');

    const address = `kepu-${name}@example.cn`;
    const password = section.getByLabel('登录密码（验证身份）');
    assert.equal(await password.isVisible(), true, 'the address differs from the saved one: the password is asked');
    await email.fill(address);
    await wanted.uncheck();
    await section.getByRole('button', { name: '保存邮件设置' }).click();
    await section.locator('.field-error', { hasText: '修改邮箱需要输入当前密码' }).waitFor();
    await password.fill('not-the-password');
    await section.getByRole('button', { name: '保存邮件设置' }).click();
    await section.locator('.field-error', { hasText: '当前密码不正确' }).waitFor();
    assert.equal(await settingsOf(rec.username), '- false');
    await password.fill(NEW_PASSWORD);
    await section.getByRole('button', { name: '保存邮件设置' }).click();
    await section.locator('.form-message-ok', { hasText: `邮件将发往 ${address}` }).waitFor();
    assert.equal(await password.isVisible(), false, 'saved: the password field goes away');
    assert.equal(await settingsOf(rec.username), `${address} true`);
    assert.ok(await pageOverflow(page) <= 0, 'no sideways scroll of the page');
    assert.deepEqual(await labelProblems(page), []);
    await screenshot(page, `mail-settings-${name}`);

    await page.reload();
    await waitForPage(page, '/password', '修改密码');
    await page.locator('#mail-settings').waitFor();
    assert.equal(await page.locator('#mail-email').inputValue(), address);
    assert.equal(await page.locator('#mail-wanted').isChecked(), false);
    // the opt-out alone asks no password
    await page.locator('#mail-wanted').check();
    assert.equal(await page.locator('#mail-password').isVisible(), false);
    await page.getByRole('button', { name: '保存邮件设置' }).click();
    await page.locator('#mail-settings .form-message-ok').waitFor();
    assert.equal(await settingsOf(rec.username), `${address} false`);
    assert.deepEqual(errorsExcept(browser.errors(page), [422]), []);
    await page.close();
  });
}

for (const [name, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`the admin's outbox (${name}): by status, a failed message sent again after a confirmation`, async () => {
    const sent = await queue({ to: `ok-${name}@example.cn`, subject: `推荐即将截止（${name}）`, status: 'sent', attempts: 1 });
    const failed = await queue({ to: `reject-${name}@example.cn`, subject: `联系人报送即将截止（${name}）`, status: 'failed',
      attempts: 5, error: '550 5.1.1 <reject@example.cn>: mailbox unavailable' });
    const page = await browser.newPage(size);
    await signIn(page, server.url, 'admin', ADMIN_PASSWORD);
    if (name === 'desktop') {
      await page.locator('nav[aria-label="主导航"] a', { hasText: '邮件发送' }).click();
    } else {
      await page.goto(`${server.url}/admin/mail`);
    }
    await waitForPage(page, '/admin/mail', '邮件发送');
    const row = (id) => page.locator(`.outbox-table tbody tr[data-id="${id}"]`);
    await row(failed).waitFor();
    assert.match(await row(sent).textContent(), /已发送/);
    assert.match(await row(failed).textContent(), /发送失败.*5.*550 5\.1\.1/s);
    assert.equal(await row(sent).getByRole('button').count(), 0, 'only a failed one has 重新发送');

    await page.getByLabel('状态', { exact: true }).selectOption({ label: '发送失败' });
    await page.waitForFunction(() => new URL(location.href).searchParams.get('status') === 'failed');
    await row(sent).waitFor({ state: 'detached' });
    await row(failed).waitFor();
    assert.ok(await pageOverflow(page) <= 0, 'no sideways scroll of the page');
    assert.deepEqual(await labelProblems(page), []);
    await screenshot(page, `mail-outbox-${name}`);

    // 取消 leaves it; 重新发送 in the dialog sends it again
    await row(failed).getByRole('button', { name: /重新发送/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: '取消' }).click();
    assert.equal(await db.psql(`SELECT status FROM email_outbox WHERE id = ${failed}`), 'failed');
    await row(failed).getByRole('button', { name: /重新发送/ }).click();
    const dialog = page.getByRole('dialog');
    assert.match(await dialog.textContent(), new RegExp(`reject-${name}@example\\.cn`));
    await screenshot(page, `mail-outbox-confirm-${name}`);
    await dialog.getByRole('button', { name: '重新发送' }).click();
    await page.locator('.form-message-ok', { hasText: '已重新排队' }).waitFor();
    await row(failed).locator('.badge', { hasText: '待发送' }).waitFor();
    assert.equal(await row(failed).getByRole('button').count(), 0);
    assert.equal(await db.psql(`SELECT status || ' ' || attempts FROM email_outbox WHERE id = ${failed}`), 'pending 0');
    assert.equal(await db.psql(`SELECT count(*) FROM audit_log WHERE action = 'email.resent' AND entity_id = '${failed}'`), '1');
    assert.deepEqual(errorsExcept(browser.errors(page), []), []);
    await page.close();
  });
}
