// Behind a reverse proxy: X-Forwarded-For is believed only from the
// addresses in http.trusted_proxies, and then names the client that login
// throttling, rate limits and the audit trail see.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, login, signIn } from '../lib/accounts.js';

let db, direct, proxied;
before(async () => {
  db = await createDatabase();
  direct = await startKpjdd({ db, migrate: true, env: { KPJD_AUTH_THROTTLE_ADDRESS: '2' } });
  proxied = await startKpjdd({ db, env: { KPJD_HTTP_TRUSTED_PROXIES: '127.0.0.0/8', KPJD_AUTH_THROTTLE_ADDRESS: '2' } });
  createAdmin(db);
});
after(async () => {
  await direct?.stop();
  await proxied?.stop();
  await db?.drop();
});

const auditIps = async (url) => {
  const admin = await signIn(url, 'admin');
  const rows = (await (await admin.api('GET', '/audit?action=session.login_failed&limit=200')).json()).items;
  return rows.map((r) => r.ip);
};

test('from a trusted proxy, the forwarded client is the one audited and throttled', async () => {
  const xff = (ip) => ({ 'x-forwarded-for': `6.6.6.6, ${ip}` });   // the left part is the client's own claim
  assert.equal((await login(proxied.url, 'nobody1', 'wrong', xff('203.0.113.7'))).res.status, 401);
  assert.equal((await login(proxied.url, 'nobody2', 'wrong', xff('203.0.113.7'))).res.status, 401);
  // the address 203.0.113.7 is now locked; 198.51.100.9 behind the same proxy is not
  assert.equal((await login(proxied.url, 'nobody3', 'wrong', xff('203.0.113.7'))).res.status, 429);
  assert.equal((await login(proxied.url, 'nobody4', 'wrong', xff('198.51.100.9'))).res.status, 401);
  const ips = await auditIps(proxied.url);
  assert.ok(ips.includes('203.0.113.7') && ips.includes('198.51.100.9'), ips.join(' '));
  assert.ok(!ips.includes('6.6.6.6'), 'the forged part is never believed');
});

test('without trusted proxies the header is ignored: the peer is the client', async () => {
  await db.psql('DELETE FROM login_throttle');
  for (const fake of ['192.0.2.1', '192.0.2.2'])
    assert.equal((await login(direct.url, `spoof-${fake}`, 'wrong', { 'x-forwarded-for': fake })).res.status, 401);
  // both failures counted against 127.0.0.1, whatever the header said
  const { res } = await login(direct.url, 'spoof-3', 'wrong', { 'x-forwarded-for': '192.0.2.3' });
  assert.equal(res.status, 429);
  await db.psql('DELETE FROM login_throttle');
  const ips = await auditIps(direct.url);
  assert.ok(!ips.some((ip) => ip.startsWith('192.0.2.')), ips.join(' '));
});
