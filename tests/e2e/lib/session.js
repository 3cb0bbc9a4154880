// Helpers for the browser tests of signed-in pages: accounts made with
// `kpjdd create-admin`, signing in through the login form, and console
// errors without the browser's own line about an HTTP status the test
// expects (Chromium logs "Failed to load resource: ... 401" for every
// fetch answered 401, e.g. the session probe when nobody is signed in).
import assert from 'node:assert/strict';
import { runKpjdd } from '../../lib/kpjdd.js';

// `kpjdd migrate` on db; throws with kpjdd's output when it fails.
export function migrate(db) {
  const r = runKpjdd(['migrate'], { env: db.env });
  assert.equal(r.status, 0, `kpjdd migrate failed:\n${r.stdout}${r.stderr}${r.error ?? ''}`);
}

// `kpjdd create-admin username` with the password on stdin.
export function createAdmin(db, username, password) {
  const r = runKpjdd(['create-admin', username], {
    env: db.env,
    input: `${password}\n`,
  });
  assert.equal(r.status, 0, `kpjdd create-admin ${username} failed:\n${r.stdout}${r.stderr}${r.error ?? ''}`);
}

// Waits until the page's path is `pathname` and its h1 reads `heading`.
export async function waitForPage(page, pathname, heading) {
  await page.waitForURL((url) => url.pathname === pathname, { timeout: 15000 });
  if (heading) await page.locator('h1', { hasText: heading }).waitFor({ timeout: 15000 });
}

// Fills the login form on the current page (/login) and presses Enter in
// the password field. → the JSON of the POST /session answer.
export async function submitLogin(page, username, password) {
  await page.locator('h1', { hasText: '登录' }).waitFor();
  await page.getByLabel('用户名', { exact: true }).fill(username);
  const pw = page.getByLabel('密码', { exact: true });
  await pw.fill(password);
  const [res] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/session' && r.request().method() === 'POST'),
    pw.press('Enter'),
  ]);
  return { status: res.status(), body: await res.json().catch(() => null) };
}

// Opens /login on `baseUrl` and signs in; waits for `landing` (/home).
export async function signIn(page, baseUrl, username, password, { landing = '/home', heading = '工作台' } = {}) {
  await page.goto(`${baseUrl}/login`);
  const answer = await submitLogin(page, username, password);
  assert.equal(answer.status, 201, `POST /session answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  await waitForPage(page, landing, heading);
  return answer.body;
}

const LOAD_FAILED = /^console: Failed to load resource: the server responded with a status of (\d{3})\b/;

// errors from browser.errors(page) minus the load failures with an HTTP
// status in `statuses` (the ones the test provokes on purpose).
export function errorsExcept(errors, statuses = []) {
  return errors.filter((e) => {
    const m = LOAD_FAILED.exec(e);
    return !(m && statuses.includes(Number(m[1])));
  });
}

// The texts of a locator's elements, trimmed.
export async function texts(locator) {
  return (await locator.allTextContents()).map((t) => t.trim());
}
