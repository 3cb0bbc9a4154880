// Login throttling, kept in PostgreSQL: per account and per client address,
// failures lead to growing lockouts and then 429 with Retry-After; it holds
// across two kpjdd processes on one database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, sleep } from '../lib/http.js';
import { ADMIN_PASSWORD, createAdmin, login, signIn } from '../lib/accounts.js';

let db, k1, k2;
const env = { KPJD_AUTH_THROTTLE_ACCOUNT: '3', KPJD_AUTH_THROTTLE_ADDRESS: '8', KPJD_AUTH_LOCKOUT_MAX: '4' };
before(async () => {
  db = await createDatabase();
  k1 = await startKpjdd({ db, migrate: true, env });
  k2 = await startKpjdd({ db, env });
  createAdmin(db);
});
after(async () => {
  await k1?.stop();
  await k2?.stop();
  await db?.drop();
});

test('per account: after the allowed failures, 429 with Retry-After, even with the right password', async () => {
  for (let i = 0; i < 3; i++)
    assert.equal((await login(k1.url, 'admin', 'wrong password!')).res.status, 401, `failure ${i + 1}`);
  // the lockout is in the database: the other process refuses too
  for (const url of [k2.url, k1.url]) {
    const { res, body } = await login(url, 'admin');
    assert.equal(res.status, 429);
    assert.equal(body.code, 'too_many_attempts');
    assert.equal(res.headers.get('retry-after'), '1');
  }
  await sleep(1100);
  // the next failure doubles the lockout
  assert.equal((await login(k2.url, 'admin', 'wrong again!!')).res.status, 401);
  const { res } = await login(k1.url, 'admin');
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '2');
  await sleep(2100);
  assert.equal((await login(k1.url, 'admin')).res.status, 201, 'open again after the lockout');
  assert.equal(await db.psql("SELECT count(*) FROM login_throttle WHERE key = 'user:admin'"), '0', 'success clears the account');
});

// PostgreSQL's lower() folds U+0130 (İ) to "i" and the Kelvin sign U+212A
// to "k"; the lock is per account, so no spelling may reach the account
// past it.
test('a locked account stays locked to every spelling of its name: ASCII case variants share the lock, Unicode look-alikes are not the account', async () => {
  await db.psql('DELETE FROM login_throttle');
  createAdmin(db, 'kiosk');
  for (let i = 0; i < 3; i++)
    assert.equal((await login(k1.url, 'kiosk', 'wrong password!')).res.status, 401, `failure ${i + 1}`);
  for (const name of ['kiosk', 'KIOSK', 'Kiosk']) {
    const { res, body } = await login(k1.url, name);
    assert.equal(res.status, 429, name);
    assert.equal(body.code, 'too_many_attempts');
    assert.equal(res.headers.get('retry-after'), '1');
  }
  for (const name of ['\u212Aiosk', 'k\u0130osk', '\u212A\u0130OSK']) {
    const { res, body } = await login(k1.url, name);
    assert.equal(res.status, 401, `${name}: ${JSON.stringify(body)}`);
    assert.equal(body.code, 'invalid_credentials');
  }
  assert.equal(await db.psql("SELECT failures FROM login_throttle WHERE key = 'user:kiosk'"), '3');
  await db.psql('DELETE FROM login_throttle');   // the address's count too, for the tests below
});

// A stolen session must not become a way to guess the password.
test('wrong current passwords at a password change count like failed logins: then 429 with Retry-After, at the change and at login', async () => {
  await db.psql('DELETE FROM login_throttle');
  createAdmin(db, 'guarded');
  const s = await signIn(k1.url, 'guarded');
  const change = (current, url = k1.url) => fetch(`${url}/api/v1/session/password`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify({ current_password: current, new_password: 'a brand new password' }),
  });
  for (let i = 0; i < 3; i++) {
    const p = await expectProblem(await change(`guess number ${i}`), 422, 'validation');
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['current_password', 'incorrect']]);
  }
  // locked, in both processes, even with the right current password
  for (const url of [k2.url, k1.url]) {
    const res = await change(ADMIN_PASSWORD, url);
    await expectProblem(res, 429, 'too_many_attempts');
    assert.equal(res.headers.get('retry-after'), '1');
  }
  assert.equal((await login(k1.url, 'guarded')).res.status, 429, 'the account\'s logins are locked too');
  assert.equal(await db.psql("SELECT failures FROM login_throttle WHERE key = 'addr:127.0.0.1'"), '3');
  // every failed attempt is in the audit trail, without what was typed
  const failed = await db.psql(`SELECT actor_id, entity, entity_id, data::text FROM audit_log
                                 WHERE action = 'user.password_change_failed' ORDER BY id`);
  assert.deepEqual(failed.split('\n'), Array(3).fill(`${s.user.id}|user|${s.user.id}|{"reason":"wrong_password"}`));
  assert.doesNotMatch(await db.psql('SELECT data::text FROM audit_log'), /guess number|brand new/);
  await sleep(1100);
  const ok = await change(ADMIN_PASSWORD);
  assert.equal(ok.status, 200, await ok.text());
  assert.equal(await db.psql("SELECT count(*) FROM login_throttle WHERE key = 'user:guarded'"), '0', 'a change clears the account');
  await db.psql('DELETE FROM login_throttle');
});

test('lockouts grow but never beyond auth.lockout_max', async () => {
  await db.psql("INSERT INTO login_throttle VALUES ('user:capped', 40, now(), NULL)");
  assert.equal((await login(k1.url, 'capped', 'whatever!!!!')).res.status, 401);
  const { res } = await login(k1.url, 'capped', 'whatever!!!!');
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '4');
});

test('an unknown username is throttled like a real one (no account enumeration)', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await login(k1.url, 'ghost', 'x')).res.status, 401);
  await expectProblem((await fetch(`${k1.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"ghost","password":"x"}' })), 429, 'too_many_attempts');
});

test('per address: many usernames from one address are locked too', async () => {
  await db.psql('DELETE FROM login_throttle');
  for (let i = 0; i < 8; i++)
    assert.equal((await login(k1.url, `spray${i}`, 'Password1')).res.status, 401, `attempt ${i + 1}`);
  const { res } = await login(k2.url, 'someone-else', 'Password1');
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get('retry-after')) >= 1);
  assert.equal(await db.psql("SELECT failures FROM login_throttle WHERE key = 'addr:127.0.0.1'"), '8');
});
