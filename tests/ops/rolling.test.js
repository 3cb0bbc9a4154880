// Zero-downtime rolling restart (README, "Deployment"): two kpjdd replicas
// behind nginx running the shipped deploy/nginx/kpjd.conf, a steady mixed
// load through nginx (list reads, PATCHes with If-Match, attachment uploads
// and downloads), and each replica in turn stopped with SIGTERM, waited
// for, and started again on its port, as the README tells an operator to.
// Asserted: no request failed (every answer the expected one: no 502, no
// 503, no connection error; the client never retries) and no write was
// lost (every acknowledged PATCH and upload is there afterwards, the
// versions count the PATCHes, every file reads back byte for byte).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';
import { sleep } from '../lib/http.js';
import { freePort, startNginx } from '../lib/nginx.js';

const WORKERS = 4;           // concurrent clients, each with its own application
const STEADY_MS = 3000;      // load before the first restart and after the last
const PROXY = '127.0.0.2';
const ENV = { KPJD_HTTP_TRUSTED_PROXIES: PROXY, KPJD_HTTP_DRAIN_IDLE: '8' };

let db, nginx, admin;
const replicas = [];         // { port, k }
let clients;                 // [{ app, session, version, name, uploads: [{ id, sha }] }]

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const pdf = (n) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(n - 9)]);

const start = (port, migrate = false) =>
  startKpjdd({ db, migrate, env: { ...ENV, KPJD_HTTP_LISTEN: `127.0.0.1:${port}` } });

before(async () => {
  db = await createDatabase();
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    replicas.push({ port, k: await start(port, i === 0) });
  }
  nginx = await startNginx({ upstreams: replicas.map((r) => r.port), bind: PROXY });
  createAdmin(db);
  admin = await signIn(nginx.url, 'admin');
  const rec = await makeRecommender(nginx.url, admin);
  const batch = await makeBatch(admin, { status: 'open' });
  clients = await Promise.all(Array.from({ length: WORKERS }, async () => {
    const reg = await makeApplication(nginx.url, rec.session, batch.id);
    const session = await signIn(nginx.url, reg.username, reg.password);
    return { app: reg.application, session, version: reg.application.version, name: null, uploads: [] };
  }));
});
after(async () => {
  await nginx?.stop();
  const stops = await Promise.allSettled(replicas.map((r) => r.k?.stop()));
  await db?.drop();
  for (const s of stops) if (s.status === 'rejected') throw s.reason;
});

// ---- the load: each worker loops over its own application until told to stop

const stats = { requests: 0, byKind: { list: 0, patch: 0, upload: 0, download: 0 }, failures: [] };

async function op(kind, expected, fn) {
  stats.requests++;
  stats.byKind[kind]++;
  const at = Date.now();
  try {
    const res = await fn();
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== expected) {
      stats.failures.push({ kind, status: res.status, at, body: body.toString('utf8').slice(0, 200) });
      return null;
    }
    return { res, body };
  } catch (err) {
    stats.failures.push({ kind, error: String(err.cause?.code ?? err.message), at });
    return null;
  }
}

async function worker(c, w, running) {
  const auth = { authorization: `Bearer ${c.session.token}` };
  for (let i = 0; running(); i++) {
    switch (i % 4) {
      case 0:
        await op('list', 200, () => fetch(`${nginx.url}/api/v1/applications?limit=20`, { headers: auth }));
        break;
      case 1: {
        const name = `滚动重启基地${w}-${i}`;
        const r = await op('patch', 200, () => fetch(`${nginx.url}/api/v1/applications/${c.app.id}`, {
          method: 'PATCH', body: JSON.stringify({ base_name: name }),
          headers: { ...auth, 'content-type': 'application/json', 'if-match': `"${c.version}"` } }));
        if (r) {
          const v = JSON.parse(r.body).version;
          assert.equal(v, c.version + 1, 'each PATCH one version on');
          c.version = v;
          c.name = name;
        }
        break;
      }
      case 2: {
        const file = pdf(48 * 1024 + i);
        const r = await op('upload', 201, () => fetch(`${nginx.url}/api/v1/applications/${c.app.id}/attachments?kind=evidence`, {
          method: 'POST', body: file,
          headers: { ...auth, 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="e${i}.pdf"` } }));
        if (r) {
          const { id, application_version: v } = JSON.parse(r.body);
          assert.equal(v, c.version + 1, 'an upload is one version on too');
          c.version = v;
          c.uploads.push({ id, sha: sha256(file) });
        }
        break;
      }
      default: {
        const up = c.uploads[c.uploads.length - 1];
        if (!up) break;
        const r = await op('download', 200, () => fetch(`${nginx.url}/api/v1/attachments/${up.id}`, { headers: auth }));
        if (r) assert.equal(sha256(r.body), up.sha, 'a download reads back what was uploaded');
      }
    }
  }
}

// SIGTERM, wait for the exit, start again on the same port, wait until
// ready, then until nginx sends it requests again.  → the phases, in ms.
async function restart(r) {
  const t0 = Date.now();
  const { code } = await r.k.stop();
  assert.equal(code, 0);
  assert.doesNotMatch(r.k.log(), /past http\.drain_idle/, 'nginx closed its idle connections itself');
  const exited = Date.now();
  r.k = await start(r.port);
  const ready = await fetch(`${r.k.url}/readyz`);
  assert.equal(ready.status, 200);
  const started = Date.now();
  // nginx tries a failed replica again after fail_timeout, with live traffic
  const deadline = Date.now() + 15000;
  while ((r.k.log().match(/ req=\S+ (GET|POST|PATCH) \/api\/v1\//g) ?? []).length < 3) {
    assert.ok(Date.now() < deadline, 'nginx sends the restarted replica requests again');
    await sleep(100);
  }
  return { drain: exited - t0, start: started - exited, rejoin: Date.now() - started };
}

test('a rolling restart of both replicas under a steady mixed load: no request fails, no write is lost', async (t) => {
  let go = true;
  const t0 = Date.now();
  const load = Promise.all(clients.map((c, w) => worker(c, w, () => go)));
  const phases = [];
  try {
    await sleep(STEADY_MS);
    for (const r of replicas) phases.push(await restart(r));
    await sleep(STEADY_MS);
  } finally {
    go = false;
    await load;
  }
  const secs = (Date.now() - t0) / 1000;
  t.diagnostic(`${stats.requests} requests in ${secs.toFixed(1)} s (${(stats.requests / secs).toFixed(0)}/s): ` +
    JSON.stringify(stats.byKind));
  phases.forEach((p, i) => t.diagnostic(`replica ${i + 1}: drained and exited in ${p.drain} ms, ` +
    `ready in ${p.start} ms, back in nginx's rotation ${p.rejoin} ms later`));
  assert.deepEqual(stats.failures.slice(0, 10), [], `no request failed (${stats.failures.length} did)`);
  for (const k of Object.keys(stats.byKind)) assert.ok(stats.byKind[k] > 0, `some ${k} requests`);

  // every acknowledged write is there
  for (const c of clients) {
    const res = await c.session.api('GET', `/applications/${c.app.id}`);
    const app = await res.json();
    assert.equal(app.version, c.version, 'the version counts the acknowledged writes, no more, no fewer');
    assert.equal(app.base_name, c.name, 'the last acknowledged PATCH is the state');
    const stored = (await db.psql(`SELECT id || ' ' || sha256 FROM attachments
      WHERE application_id = ${c.app.id} AND complete ORDER BY id`)).split('\n').filter(Boolean);
    assert.deepEqual(stored, c.uploads.map((u) => `${u.id} ${u.sha}`), 'every acknowledged upload, and only they');
  }
});
