// Password reset by mail, end to end through a real SMTP server: the link
// in the mail sets a new password once, within 30 minutes; every session
// ends; the answer to the request never tells whether an account exists;
// limits per client address (429) and per account (no more mail); only
// the token's hash is kept, and the token reaches no log.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, sleep } from '../lib/http.js';
import { ADMIN_PASSWORD, createAdmin, createUser, login, signIn } from '../lib/accounts.js';
import { startSmtp } from '../lib/smtp.js';

const PUBLIC_URL = 'https://kpjd.example.cn/portal';
const NEW_PASSWORD = 'lantern over the harbour 88';
const LINK = /(\S+\/reset-password#([A-Za-z0-9_-]{43}))/;

let db, smtp, k1, k2;
const tokens = [];            // every token seen: none may be in a log

before(async () => {
  smtp = await startSmtp();
  db = await createDatabase();
  const env = {
    KPJD_MAIL_URL: smtp.url, KPJD_MAIL_POLL: '1', KPJD_MAIL_FROM: 'noreply@kpjd.example.cn', KPJD_MAIL_RATE: '6000',
    KPJD_LOG_LEVEL: 'debug',
    KPJD_WEB_PUBLIC_URL: PUBLIC_URL, KPJD_HTTP_TRUSTED_PROXIES: '127.0.0.0/8',
  };
  k1 = await startKpjdd({ db, migrate: true, env });
  k2 = await startKpjdd({ db, env });      // the limits hold across processes
  createAdmin(db);
});
after(async () => {
  await k1?.stop();
  await k2?.stop();
  await db?.drop();
  await smtp?.close();
});

let nextAddr = 1;
// Each request from its own client address (through the trusted proxy), so
// that the per-address limit is tested where it is meant to be.
const freshAddr = () => `198.51.100.${nextAddr++}`;

function requestReset(login, { url = k1.url, addr = freshAddr() } = {}) {
  return fetch(`${url}/api/v1/password-reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': addr },
    body: JSON.stringify({ login }),
  });
}

function confirmReset(token, newPassword = NEW_PASSWORD, url = k1.url) {
  return fetch(`${url}/api/v1/password-reset/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ new_password: newPassword }),
  });
}

async function makeAccount(username, email, { disabled = false } = {}) {
  const id = await createUser(db, { username, role: 'applicant' });
  await db.psql(`UPDATE users SET email = ${email ? `'${email}'` : 'NULL'}, disabled = ${disabled} WHERE id = ${id}`);
  return id;
}

const sha256 = (s) => createHash('sha256').update(s).digest('hex');

// The mails to `addr` (any case) once there are `count`; each with its link and token.
async function mailsTo(addr, count = 1) {
  const found = await smtp.waitFor((m) => m.to.some((t) => t.toLowerCase() === addr.toLowerCase()), { count });
  return found.map((m) => {
    const [, link, token] = LINK.exec(m.text) ?? [];
    if (token) tokens.push(token);
    return { ...m, link, token };
  });
}

const outboxCount = async (userId) => Number(await db.psql(`SELECT count(*) FROM email_outbox WHERE user_id = ${userId}`));

test('by username: the mail brings a link to the account address; it sets the password once, and every session ends', async () => {
  const id = await makeAccount('unit.alpha', 'Alpha.Zhang@Example.cn');
  const s1 = await signIn(k1.url, 'unit.alpha');
  const s2 = await signIn(k2.url, 'unit.alpha');
  await db.psql("INSERT INTO login_throttle (key, failures, last_failure_at) VALUES ('user:unit.alpha', 2, now())");

  const res = await requestReset('UNIT.Alpha');
  assert.equal(res.status, 202);
  assert.equal(await res.text(), '');
  const [mail] = await mailsTo('alpha.zhang@example.cn');
  assert.deepEqual(mail.to, ['Alpha.Zhang@Example.cn']);
  assert.match(mail.subject, /重置密码/);
  assert.ok(mail.link.startsWith(`${PUBLIC_URL}/reset-password#`), mail.link);
  assert.match(mail.text, /“unit\.alpha”/);
  assert.match(mail.text, /30 分钟/);

  // only the hash is kept; once delivered, the outbox has no link either
  for (let i = 0; await db.psql(`SELECT status FROM email_outbox WHERE user_id = ${id}`) !== 'sent'; i++) {
    assert.ok(i < 100, 'the outbox row is marked sent');
    await sleep(100);
  }
  assert.equal(await db.psql(`SELECT count(*) FROM password_resets WHERE user_id = ${id} AND token_hash = '${sha256(mail.token)}'`), '1');
  assert.equal(await db.psql(`SELECT count(*) FROM password_resets WHERE password_resets::text LIKE '%${mail.token}%'`), '0');
  assert.equal(await db.psql(`SELECT status || ' ' || kind || ' ' || essential FROM email_outbox WHERE user_id = ${id}`), 'sent password.reset true');
  assert.equal(await db.psql(`SELECT count(*) FROM email_outbox WHERE email_outbox::text LIKE '%${mail.token}%'`), '0');
  assert.match(await db.psql(`SELECT body FROM email_outbox WHERE user_id = ${id}`), /（链接已隐去）/);

  // a weak password: 422 naming new_password in Chinese, and the token still works
  const weak = await expectProblem(await confirmReset(mail.token, 'unit.alpha12345'), 422, 'validation');
  assert.equal(weak.errors[0].field, 'new_password');
  assert.match(weak.errors[0].message, /[\u4e00-\u9fff]/);

  assert.equal((await confirmReset(mail.token, NEW_PASSWORD, k2.url)).status, 204);
  for (const s of [s1, s2])
    await expectProblem(await s.api('GET', '/session'), 401, 'unauthenticated');
  assert.equal((await login(k1.url, 'unit.alpha', ADMIN_PASSWORD)).res.status, 401, 'the old password is gone');
  const fresh = await login(k1.url, 'unit.alpha', NEW_PASSWORD);
  assert.equal(fresh.res.status, 201);
  assert.equal(fresh.body.user.must_change_password, false);
  assert.equal(await db.psql("SELECT count(*) FROM login_throttle WHERE key = 'user:unit.alpha'"), '0');

  // single use
  await expectProblem(await confirmReset(mail.token, 'another good sentence 77'), 404, 'not_found');
  assert.equal((await login(k1.url, 'unit.alpha', NEW_PASSWORD)).res.status, 201);

  // audited: the request anonymously, with no token and no address; the reset as the account
  const rows = (await db.psql(
    `SELECT action || '|' || coalesce(actor_id::text, '-') || '|' || actor_role || '|' || data::text || '|' || ip
       FROM audit_log WHERE entity = 'user' AND entity_id = '${id}' ORDER BY id`)).split('\n');
  assert.equal(rows.length, 2, rows.join('\n'));
  assert.match(rows[0], /^user\.password_reset_requested\|-\|anonymous\|\{"by":\s?"username"\}\|198\.51\.100\.\d+$/);
  assert.match(rows[1], new RegExp(`^user\\.password_reset\\|${id}\\|applicant\\|\\{"sessions_ended":\\s?2\\}\\|`));
  assert.doesNotMatch(rows.join('\n'), /example\.cn|Alpha/i);
});

test('by address, whatever its case: one mail per enabled account with it, each naming its username; disabled accounts and accounts without an address get nothing', async () => {
  const b1 = await makeAccount('unit.beta1', 'shared@example.cn');
  const b2 = await makeAccount('unit.beta2', 'Shared@Example.CN');
  const b3 = await makeAccount('unit.beta3', 'shared@example.cn', { disabled: true });
  const b4 = await makeAccount('unit.beta4', null);
  assert.equal((await requestReset('SHARED@example.cn')).status, 202);
  const mails = await mailsTo('shared@example.cn', 2);
  assert.deepEqual(mails.map((m) => /“(unit\.beta\d)”/.exec(m.text)[1]).sort(), ['unit.beta1', 'unit.beta2']);
  assert.equal((await requestReset('unit.beta3')).status, 202);
  assert.equal((await requestReset('unit.beta4')).status, 202);
  assert.equal(await db.psql(`SELECT count(*) FROM password_resets WHERE user_id IN (${b3}, ${b4})`), '0');
  assert.equal(await outboxCount(b3) + await outboxCount(b4), 0);
  assert.equal(await outboxCount(b1) + await outboxCount(b2), 2);
  const audit = await db.psql(`SELECT string_agg(data::text, ',') FROM audit_log WHERE action = 'user.password_reset_requested' AND entity_id IN ('${b1}', '${b2}')`);
  assert.match(audit, /"by":\s?"email".*"by":\s?"email"/);
  // the token of one account is not the other's
  assert.equal((await confirmReset(mails[0].token)).status, 204);
  assert.equal((await confirmReset(mails[1].token)).status, 204);
});

const COUNTS = 'SELECT concat_ws(\' \', (SELECT count(*) FROM email_outbox), (SELECT count(*) FROM password_resets), (SELECT count(*) FROM audit_log))';

test('an unknown login: the same 202, and nothing written or sent', async () => {
  const before = await db.psql(COUNTS);
  for (const login of ['nobody.here', 'nobody@example.cn', 'x', '中文名字'])
    assert.equal((await requestReset(login)).status, 202, login);
  assert.equal(await db.psql(COUNTS), before);
  await expectProblem(await requestReset(''), 422, 'validation');
  await expectProblem(await fetch(`${k1.url}/api/v1/password-reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 422, 'validation');
});

test('without mail (no mail.url): still 202, and no link is made that nobody could receive', async () => {
  const id = await makeAccount('unit.zeta', 'zeta@example.cn');
  const k3 = await startKpjdd({ db, env: { KPJD_HTTP_TRUSTED_PROXIES: '127.0.0.0/8' } });
  try {
    assert.equal((await requestReset('unit.zeta', { url: k3.url })).status, 202);
  } finally {
    await k3.stop();
  }
  assert.equal(await db.psql(`SELECT count(*) FROM password_resets WHERE user_id = ${id}`), '0');
  assert.equal(await outboxCount(id), 0);
});

test('a token expired, outlived by a newer reset, unknown or malformed: 404', async () => {
  const id = await makeAccount('unit.gamma', 'gamma@example.cn');
  assert.equal((await requestReset('unit.gamma')).status, 202);
  const [first] = await mailsTo('gamma@example.cn');
  await db.psql(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE token_hash = '${sha256(first.token)}'`);
  await expectProblem(await confirmReset(first.token), 404, 'not_found');

  // two live links: the one used ends the other
  assert.equal((await requestReset('gamma@example.cn')).status, 202);
  assert.equal((await requestReset('unit.gamma')).status, 202);
  const [, second, third] = await mailsTo('gamma@example.cn', 3);
  assert.equal((await confirmReset(third.token)).status, 204);
  await expectProblem(await confirmReset(second.token, 'yet another good sentence 3'), 404, 'not_found');

  // a password changed otherwise (by the user, by the admin) ends an outstanding link too
  await db.psql(`UPDATE password_resets SET created_at = created_at - interval '61 minutes' WHERE user_id = ${id}`);
  assert.equal((await requestReset('unit.gamma')).status, 202);
  const fourth = (await mailsTo('gamma@example.cn', 4))[3];
  await db.psql(`UPDATE users SET password_changed_at = now() WHERE id = ${id}`);
  await expectProblem(await confirmReset(fourth.token), 404, 'not_found');

  await expectProblem(await confirmReset(randomBytes(32).toString('base64url')), 404, 'not_found');
  await expectProblem(await confirmReset('not-a-token'), 404, 'not_found');
  await expectProblem(await confirmReset('%E4%B8%AD'), 404, 'not_found');
});

test('per client address: at most 5 requests in 15 minutes, then 429 with Retry-After, alike for real and unknown logins, across processes', async () => {
  await makeAccount('unit.delta', 'delta@example.cn');
  const addr = freshAddr();
  const logins = ['unit.delta', 'nobody.1', 'delta@example.cn', 'nobody.2', 'unit.delta'];
  for (const [i, login] of logins.entries())
    assert.equal((await requestReset(login, { addr, url: i % 2 ? k2.url : k1.url })).status, 202, login);
  const answers = [];
  for (const [login, url] of [['unit.delta', k1.url], ['nobody.3', k2.url]]) {
    const res = await requestReset(login, { addr, url });
    const body = await expectProblem(res, 429, 'too_many_attempts');
    const wait = Number(res.headers.get('retry-after'));
    assert.ok(wait > 850 && wait <= 900, `Retry-After ${wait}`);
    answers.push(body.detail);
  }
  assert.equal(answers[0], answers[1]);
  assert.equal((await requestReset('unit.delta')).status, 202, 'another address is not limited');
});

test('per account: at most 3 mails an hour; beyond, still 202 but no mail', async () => {
  const id = await makeAccount('unit.epsilon', 'epsilon@example.cn');
  for (let i = 0; i < 5; i++)
    assert.equal((await requestReset(i % 2 ? 'epsilon@example.cn' : 'unit.epsilon')).status, 202);
  await mailsTo('epsilon@example.cn', 3);
  await sleep(1500);                          // a fourth would have been sent by now
  assert.equal((await mailsTo('epsilon@example.cn', 3)).length, 3);
  assert.equal(await db.psql(`SELECT count(*) FROM password_resets WHERE user_id = ${id}`), '3');
  assert.equal(await outboxCount(id), 3);
  // an hour later there is room again
  await db.psql(`UPDATE password_resets SET created_at = created_at - interval '61 minutes' WHERE user_id = ${id}`);
  assert.equal((await requestReset('unit.epsilon')).status, 202);
  await mailsTo('epsilon@example.cn', 4);
});

test('no token reaches a log, even at level debug: the path is logged as its pattern', async () => {
  assert.ok(tokens.length >= 8, `${tokens.length} tokens seen`);
  for (const k of [k1, k2]) {
    const logs = k.log() + k.stdout();
    for (const token of tokens)
      assert.ok(!logs.includes(token), 'a token is in the log');
    assert.match(logs, /POST \/api\/v1\/password-reset\/\{token\} 204/);
  }
  // a wrong method is logged without the path too
  const token = randomBytes(32).toString('base64url');
  assert.equal((await fetch(`${k1.url}/api/v1/password-reset/${token}`)).status, 405);
  await sleep(100);
  assert.ok(!(k1.log() + k1.stdout()).includes(token));
});
