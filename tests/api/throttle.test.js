// Login throttling, kept in PostgreSQL: per account and per client address,
// failures lead to growing lockouts and then 429 with Retry-After; it holds
// across two kpjdd processes on one database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, sleep } from '../lib/http.js';
import { createAdmin, login } from '../lib/accounts.js';

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
