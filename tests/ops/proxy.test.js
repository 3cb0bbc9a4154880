// Two kpjdd replicas on one database behind nginx running the shipped
// deploy/nginx/kpjd.conf (tests/lib/nginx.js): any replica serves any
// session, the quota holds when nginx spreads a race over both, and the
// client address that login throttling and the audit trail see is the one
// nginx saw, whatever the client wrote in X-Forwarded-For.
//
// On one machine nginx's clients and nginx itself would all be 127.0.0.1:
// nginx connects to kpjdd from 127.0.0.2 (proxy_bind; kpjdd trusts that
// address alone), and the clients of the address tests connect from
// 127.0.0.3 and 127.0.0.4.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeBatch, makeRecommender, registerApplicant } from '../lib/fixtures.js';
import { sleep } from '../lib/http.js';
import { freePort, startNginx } from '../lib/nginx.js';

const PROXY = '127.0.0.2';
let db, a, b, nginx, admin;

before(async () => {
  db = await createDatabase();
  const env = { KPJD_HTTP_TRUSTED_PROXIES: PROXY, KPJD_AUTH_THROTTLE_ADDRESS: '3', KPJD_HTTP_DRAIN_IDLE: '8' };
  const [pa, pb] = [await freePort(), await freePort()];
  a = await startKpjdd({ db, migrate: true, env: { ...env, KPJD_HTTP_LISTEN: `127.0.0.1:${pa}` } });
  b = await startKpjdd({ db, env: { ...env, KPJD_HTTP_LISTEN: `127.0.0.1:${pb}` } });
  nginx = await startNginx({ upstreams: [a.port, b.port], bind: PROXY });
  createAdmin(db);
  admin = await signIn(nginx.url, 'admin');
});
after(async () => {
  await nginx?.stop();
  await a?.stop();
  await b?.stop();
  await db?.drop();
});

// The replicas (ports) nginx sent the requests matching `re` to, from its access log.
function upstreamsOf(re) {
  const ports = new Set();
  for (const line of nginx.accessLog().split('\n'))
    if (re.test(line)) for (const m of line.matchAll(/127\.0\.0\.1:(\d+)/g)) ports.add(Number(m[1]));
  return ports;
}

// A request through nginx from the local address `from`.
function requestFrom(from, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port: nginx.port, localAddress: from, method, path, agent: false,
      headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) } },
    (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

test('a session made through one replica works on the other, and through nginx on both', async () => {
  const s = await signIn(a.url, 'admin');                       // directly on A
  const onB = await fetch(`${b.url}/api/v1/session`, { headers: { authorization: `Bearer ${s.token}` } });
  assert.equal(onB.status, 200);
  assert.equal((await onB.json()).user.username, 'admin');

  // a cookie session through nginx; unsafe requests with its CSRF token go to both replicas
  const c = await signIn(nginx.url, 'admin');
  for (let i = 0; i < 6; i++) {
    const res = await c.api('GET', '/session', undefined, { auth: 'cookie' });
    assert.equal(res.status, 200);
  }
  assert.deepEqual(upstreamsOf(/"GET \/api\/v1\/session /), new Set([a.port, b.port]), 'nginx used both replicas');

  // signed out through nginx (one replica): gone on both
  assert.equal((await s.api('DELETE', '/session')).status, 204);
  for (const url of [a.url, b.url]) {
    const res = await fetch(`${url}/api/v1/session`, { headers: { authorization: `Bearer ${s.token}` } });
    assert.equal(res.status, 401, url);
  }
});

test("X-Request-Id passes through nginx; without one, nginx's own reaches kpjdd", async () => {
  const mine = await fetch(`${nginx.url}/healthz`, { headers: { 'x-request-id': 'ops-proxy-1' } });
  assert.equal(mine.headers.get('x-request-id'), 'ops-proxy-1');
  const theirs = await fetch(`${nginx.url}/healthz`);
  assert.match(theirs.headers.get('x-request-id'), /^[0-9a-f]{32}$/, 'nginx $request_id');
  // kpjdd logs a request once it is answered: soon after the client has the answer
  const line = `req=${theirs.headers.get('x-request-id')} GET /healthz`;
  for (let i = 0; i < 50 && !(a.log() + b.log()).includes(line); i++) await sleep(100);
  assert.ok((a.log() + b.log()).includes(line), 'in kpjdd\'s log');
});

test('the client address kpjdd throttles and audits is the one nginx saw, not what the client wrote', async () => {
  await db.psql('DELETE FROM login_throttle');
  const fail = (from, i) => requestFrom(from, 'POST', '/api/v1/session', {
    headers: { 'x-forwarded-for': `6.6.6.${i}, 10.0.0.${i}` },           // a fresh lie each time
    body: { username: `nobody${from}-${i}`, password: 'wrong password' },
  });
  for (let i = 1; i <= 3; i++) assert.equal((await fail('127.0.0.3', i)).status, 401, `failure ${i}`);
  const locked = await fail('127.0.0.3', 4);
  assert.equal(locked.status, 429, 'the fourth failure from 127.0.0.3 is refused, whatever its header');
  assert.equal((await fail('127.0.0.4', 5)).status, 401, 'another client behind the same nginx is not');
  assert.deepEqual(upstreamsOf(/"POST \/api\/v1\/session /), new Set([a.port, b.port]),
    'the failures were spread over both replicas, the throttle is shared');

  const ips = (await db.psql(`SELECT DISTINCT ip FROM audit_log WHERE action = 'session.login_failed' ORDER BY ip`)).split('\n');
  assert.deepEqual(ips, ['127.0.0.3', '127.0.0.4'], 'the audit trail has the real clients, not 6.6.6.x, 10.0.0.x or nginx');
  await db.psql('DELETE FROM login_throttle');
});

test('8 recommendations at once through nginx over both replicas, 3 places: exactly 3 win', async () => {
  const N = 8, QUOTA = 3;
  const rec = await makeRecommender(nginx.url, admin, { name: '上海市科学技术协会', kind: 'provincial_cast', region: '上海市' });
  const batch = await makeBatch(admin, { status: 'open' });
  assert.equal((await admin.api('PUT', `/batches/${batch.id}/quotas`, { quotas: [{ recommender_id: rec.id, quota: QUOTA }] })).status, 200);
  const codes = (await (await rec.session.api('POST', `/batches/${batch.id}/invitations`, { count: N })).json()).items;
  const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
  const ids = await Promise.all(codes.map(async ({ code }) => {
    const reg = await registerApplicant(nginx.url, code, { unit: { region: '上海市' } });
    const s = await signIn(nginx.url, reg.username, reg.password);
    const id = reg.application.id;
    const patch = await s.api('PATCH', `/applications/${id}`, { base_name: `${reg.applicant.name}科普基地`, category: 'venue',
      form: { staff_fulltime: 5, staff_parttime: 10, volunteers: 50, open_days_per_year: 250, annual_visitors: 80000,
        venue_area_m2: 3000, annual_funding_wan: 120.5, activities_last3y: 60,
        profile: '单位简介', work_summary: '科普工作简介', conditions: '保障条件', plan: '三年发展规划' } });
    assert.equal(patch.status, 200, await patch.text());
    const up = await fetch(`${nginx.url}/api/v1/applications/${id}/attachments?kind=application_form`, {
      method: 'POST', body: PDF,
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/pdf',
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent('申报表.pdf')}` } });
    assert.equal(up.status, 201, await up.text());
    assert.equal((await s.api('POST', `/applications/${id}/submit`)).status, 200);
    return id;
  }));

  const results = await Promise.all(ids.map(async (id) => {
    const res = await rec.session.api('POST', `/applications/${id}/recommend`, { opinion: '同意推荐' });
    return { id, status: res.status, code: (await res.json()).code };
  }));
  const odd = results.filter((r) => !(r.status === 200 || (r.status === 409 && r.code === 'quota_exhausted')));
  assert.deepEqual(odd, [], 'every answer is 200 or 409 quota_exhausted');
  assert.equal(results.filter((r) => r.status === 200).length, QUOTA, JSON.stringify(results));
  assert.deepEqual(upstreamsOf(/"POST \/api\/v1\/applications\/\d+\/recommend /), new Set([a.port, b.port]),
    'nginx spread the race over both replicas');
  assert.equal(await db.psql(`SELECT count(*) FROM applications WHERE batch_id = ${batch.id} AND status = 'recommended'`),
    String(QUOTA));
  const used = (await (await admin.api('GET', `/batches/${batch.id}/quotas`)).json()).items[0].used;
  assert.equal(used, QUOTA);
});
