// Hostile query strings and path parameters on every route of the route
// table, as anonymous and as each role: never a 5xx, and every 4xx an
// application/problem+json with a registered code.  And the rule that makes
// most of it so: a query argument that is not UTF-8 or holds a NUL is 422
// `validation` naming it, before any handler runs; a path that is not UTF-8
// names nothing (404).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { REPO_ROOT, runKpjdd, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeInvitation, makeRecommender } from '../lib/fixtures.js';

let k, admin, rec, applicant, real;

const keyDir = mkdtempSync(join(tmpdir(), 'kpjd-hostile-'));
after(() => rmSync(keyDir, { recursive: true, force: true }));

before(async () => {
  // Configured as in production (a signing key: without one, checkpoints
  // rightly answer 503), with limits high enough that the walk reaches the
  // handlers, not the 429s.
  const key = join(keyDir, 'signing.key');
  const gen = runKpjdd(['keygen', '--out', key]);
  assert.equal(gen.status, 0, gen.stderr);
  k = await startKpjdd({ migrate: true, env: { KPJD_INVITATIONS_LOOKUP_LIMIT: '100000',
    KPJD_CSP_REPORT_LIMIT: '100000', KPJD_CRYPTO_SIGNING_KEY: key } });
  createAdmin(k.db);
  admin = await signIn(k.url, 'admin');
  rec = await makeRecommender(k.url, admin);
  const batch = await makeBatch(admin, { status: 'open' });
  const reg = await makeApplication(k.url, rec.session, batch.id);
  applicant = await signIn(k.url, reg.username, reg.password);
  const file = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(100, 0x20)]);
  const up = await fetch(`${k.url}/api/v1/applications/${reg.application.id}/attachments?kind=evidence`, {
    method: 'POST',
    headers: { authorization: `Bearer ${applicant.token}`, 'content-type': 'application/pdf', 'content-disposition': "attachment; filename*=UTF-8''a.pdf" },
    body: file,
  });
  assert.equal(up.status, 201, await up.clone().text());
  const contact = await rec.session.api('PUT', `/batches/${batch.id}/contact`, {
    name: '张三', department: '科普部', position: '干事', office_phone: '010-68571234', mobile: '13912345678',
    email: 'z@example.cn', address: '北京市海淀区复兴路3号',
  });
  assert.equal(contact.status, 200, await contact.clone().text());
  const expert = await admin.api('POST', '/experts', { name: '专家', username: 'hostile.expert', organization: '某所', field: '天文' });
  assert.equal(expert.status, 201, await expert.clone().text());
  const notification = (await (await admin.api('GET', '/notifications')).json()).items[0];
  assert.ok(notification, 'filing the contact form notified the admin');
  real = {                       // an id that exists, for each kind of route
    batches: batch.id, recommenders: rec.id, applications: reg.application.id,
    attachments: (await up.json()).id, notifications: notification.id,
    invitations: await makeInvitation(rec.session, batch.id), experts: (await expert.json()).expert.id,
  };
});
after(async () => { await k?.stop(); });

// ---------------------------------------------------------------------------
// the routes, and what to send them

const openapi = JSON.parse(readFileSync(join(REPO_ROOT, 'openapi.json'), 'utf8'));

// The query parameters openapi.json documents for a route.
function queryParams(method, path) {
  const item = openapi.paths[path] ?? {};
  const params = [...(item.parameters ?? []), ...(item[method.toLowerCase()]?.parameters ?? [])];
  return params
    .map((p) => (p.$ref ? p.$ref.replace(/^#\//, '').split('/').reduce((o, part) => o[part], openapi) : p))
    .filter((p) => p.in === 'query')
    .map((p) => p.name);
}

function routeTable() {
  const r = runKpjdd(['routes']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').map((line) => {
    const [method, path] = line.split(' ');
    return { method, path, query: queryParams(method, path) };
  });
}

// Query values, already percent-encoded as they go on the wire.
const TEN_KB = 10 * 1024;
const VALUES = [
  '%FF', '%C0%AF', '%ED%A0%80', '%F4%90%80%80', '%E4%B8',     // not UTF-8
  '%00', 'a%00b', '%1B%5B2J%0D%0A', '%C2%85', '%E2%80%AE',   // NUL, controls, bidi
  '', '0', '1', '-1', '1e3', '1.5', '0x10', '+1', '%201', 'abc', 'true',
  '99999999999999999999', '-99999999999999999999', '9223372036854775807', '9223372036854775808',
  '%27%22%3B--', '%25', 'a%', '%zz', '+', '%E4%B8%AD%E6%96%87', '%EF%BC%91',
  'x'.repeat(TEN_KB), '%E4%B8%AD'.repeat(TEN_KB / 9),
];
const CURSORS = ['AAAA', 'eyJpZCI6MX0', 'MTIz', '_-_-', '====', 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ'];
const LIMITS = ['0', '201', '200', 'abc', '1e3', '-0', '00050', '50abc', ' 5'.replace(' ', '%20')];

// Query strings for a route: each documented parameter (and limit and
// cursor) with each value; repeated parameters; bad names, unknown ones.
function queryStrings(route) {
  const names = [...new Set([...route.query, 'limit', 'cursor'])];
  const out = [];
  for (const name of names) for (const v of VALUES) out.push(`${name}=${v}`);
  for (const v of CURSORS) out.push(`cursor=${v}`);
  for (const v of LIMITS) out.push(`limit=${v}`);
  for (const name of names) out.push(`${name}=1&${name}=2`, `${name}=1&${name}=%FF`, `${name}&${name}=`);
  out.push('%FF=1', '%00=1', 'a%00b=1', '=1', '&&&', '?', `${'k'.repeat(TEN_KB)}=1`, 'unknown=%FF', 'unknown=%00',
    names.map((n) => `${n}=%FF`).join('&'), names.map((n) => `${n}=-1`).join('&'));
  return out;
}

// Values for a path parameter, percent-encoded.
const IDS = ['0', '-1', '999999999', '99999999999999999999', '9223372036854775807', '9223372036854775808',
  'abc', '1e3', '1.5', '0x1', '+1', '%201', '1%20', '%EF%BC%91', '%FF', '%C0%AF', '%ED%A0%80', '%1B', '%C2%85',
  '%E2%80%AE', '1%00', '%25', 'a%', '1'.repeat(TEN_KB)];
const CODES = ['x', 'ABCDEFGHJKMN', 'abcd-efgh-jkmn', '------------', '%FF', '%00', '%1B', '%E4%B8%AD', 'Z'.repeat(TEN_KB)];

// The kind of thing a route's parameter names: /api/v1/batches/{id}/... → batches.
const kindOf = (path) => path.split('/')[3];

// Path parameters to try: the real one only where nothing changes (safe
// methods, and an upload refused before it starts), made-up ones everywhere.
function pathsFor(route) {
  if (!route.path.includes('{')) return [route.path];
  const kind = kindOf(route.path);
  const fake = route.path.includes('{code}') ? CODES : IDS;
  const safe = route.method === 'GET' || route.path.endsWith('/attachments');
  const values = safe ? [String(real[kind]), ...fake] : fake;
  return values.map((v) => route.path.replace(/\{[a-z]+\}/, v));
}

// The path the query walk uses: the real parameter for safe methods, else
// one that exists nowhere (so that no state changes).
function queryPath(route) {
  if (!route.path.includes('{')) return route.path;
  const safe = route.method === 'GET' || route.path.endsWith('/attachments');
  const v = safe ? String(real[kindOf(route.path)]) : (route.path.includes('{code}') ? 'ABCDEFGHJKMN' : '999999999');
  return route.path.replace(/\{[a-z]+\}/, v);
}

// Headers and body for the route's kind of body: JSON `{}`, CSV, a file.
function bodyFor(route) {
  if (route.method === 'GET' || route.method === 'DELETE') return {};
  if (route.path.endsWith('/quotas/import')) return { type: 'text/csv', body: 'nobody,1\n' };
  if (route.path.endsWith('/attachments')) return { type: 'application/pdf', body: '%PDF-1.7\n' };
  if (route.path.endsWith('/submit') || route.path.endsWith('/withdraw-recommendation') ||
      route.path.endsWith('/read') || /\/(password-reset|disable|enable)$/.test(route.path)) return {};
  return { type: 'application/json', body: '{}' };
}

const CODES_REGISTERED = new Set(['bad_json', 'unauthenticated', 'invalid_credentials', 'forbidden', 'csrf',
  'password_change_required', 'not_found', 'method_not_allowed', 'invalid_state', 'deadline_passed',
  'quota_exhausted', 'barred', 'conflict', 'version_mismatch', 'too_large', 'unsupported_media_type',
  'validation', 'too_many_attempts', 'unavailable']);

// Sends one request; resolves a description of what is wrong with the answer, or null.
async function judge(method, url, token, { type, body }) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (type) headers['content-type'] = type;
  let res;
  try {
    res = await fetch(url, { method, headers, body });
  } catch (e) {
    return `${method} ${url.slice(0, 200)}: ${e.message}`;
  }
  const text = await res.text();
  const what = `${method} ${url.slice(0, 200)} → ${res.status} ${text.slice(0, 200)}`;
  if (res.status >= 500) return what;
  if (res.status < 400) return null;
  if (!/^application\/problem\+json/.test(res.headers.get('content-type') ?? '')) return `${what} (not problem+json)`;
  let p;
  try { p = JSON.parse(text); } catch { return `${what} (body not JSON)`; }
  if (p.status !== res.status || !CODES_REGISTERED.has(p.code) || p.type !== `urn:kpjd:problem:${p.code}`) return `${what} (problem body)`;
  return null;
}

// Runs fns with at most `n` at a time; resolves their results.
async function pooled(fns, n = 6) {
  const results = [];
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < fns.length) {
      const i = next++;
      results[i] = await fns[i]();
    }
  }));
  return results;
}

// DELETE /session would end the very session the walk runs as.
const SKIPPED = new Set(['DELETE /api/v1/session']);

async function walk(token) {
  const jobs = [];
  for (const route of routeTable()) {
    if (SKIPPED.has(`${route.method} ${route.path}`)) continue;
    const send = bodyFor(route);
    for (const path of pathsFor(route)) jobs.push(() => judge(route.method, k.url + path, token, send));
    const path = queryPath(route);
    for (const q of queryStrings(route)) jobs.push(() => judge(route.method, `${k.url}${path}?${q}`, token, send));
  }
  const failures = (await pooled(jobs)).filter(Boolean);
  assert.ok(jobs.length > 1000, `${jobs.length} requests`);
  assert.deepEqual(failures.slice(0, 30), [], `${failures.length} of ${jobs.length} answers were wrong`);
}

describe('every route, hostile query strings and path parameters: no 5xx, every 4xx problem+json', () => {
  test('anonymous', async () => { await walk(null); });
  test('admin', async () => { await walk(admin.token); });
  test('recommender', async () => { await walk(rec.session.token); });
  test('applicant', async () => { await walk(applicant.token); });
  test('and the sessions survived the walk (so it ran as each role to the end)', async () => {
    for (const s of [admin, rec.session, applicant]) assert.equal((await s.api('GET', '/session')).status, 200);
  });
});

describe('query arguments must be UTF-8 text', () => {
  const fieldsOf = async (res) => (await expectProblem(res, 422, 'validation')).errors.map((e) => [e.field, e.code]);

  test('invalid UTF-8 in a query parameter is 422 naming it (the routes of the review)', async () => {
    for (const [path, field] of [
      ['/regions?q=%FF', 'q'], ['/applications?q=%FF', 'q'], ['/applications?region=%ED%A0%80', 'region'],
      ['/applications.csv?q=%F4%90%80%80', 'q'], ['/applications.csv?region=%C0%AF', 'region'],
      ['/audit?action=%FF', 'action'], ['/batches?q=%E4%B8', 'q'], ['/recommenders?limit=10&q=a%80', 'q'],
    ]) {
      assert.deepEqual(await fieldsOf(await admin.api('GET', path)), [[field, 'encoding']], path);
    }
  });

  test('before authentication, on any path', async () => {
    assert.deepEqual(await fieldsOf(await fetch(`${k.url}/api/v1/audit?action=%FF`)), [['action', 'encoding']]);
    assert.deepEqual(await fieldsOf(await fetch(`${k.url}/healthz?x=%FF`)), [['x', 'encoding']]);
    assert.deepEqual(await fieldsOf(await fetch(`${k.url}/index.html?v=%FF`)), [['v', 'encoding']]);
  });

  test('a NUL in a value, which a C string would silently cut, is refused too', async () => {
    assert.deepEqual(await fieldsOf(await admin.api('GET', '/audit?action=session.login%00x')), [['action', 'encoding']]);
    assert.deepEqual(await fieldsOf(await admin.api('GET', '/regions?q=%00')), [['q', 'encoding']]);
  });

  test('a bad name is named with its bytes percent-encoded', async () => {
    assert.deepEqual(await fieldsOf(await admin.api('GET', '/regions?%FF%FE=1')), [['%FF%FE', 'encoding']]);
    assert.deepEqual(await fieldsOf(await admin.api('GET', '/regions?q%1B%00=1')), [['q%1B%00', 'encoding']]);
  });

  test('valid UTF-8 passes: Chinese text, controls that are text, a repeated parameter', async () => {
    const res = await admin.api('GET', `/regions?q=${encodeURIComponent('北京')}`);
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).items.map((r) => r.name), ['北京市']);
    assert.equal((await admin.api('GET', '/applications?q=%1B%E2%80%AE')).status, 200);
    assert.equal((await admin.api('GET', '/regions?q=a&q=b')).status, 200);
  });

  test('a path that is not UTF-8 is 404', async () => {
    for (const path of ['/api/v1/regions%FF', '/api/v1/batches/%ED%A0%80', '/%C0%AF', '/index.html%FF']) {
      await expectProblem(await admin.api('GET', path.replace('/api/v1', '')), 404, 'not_found');
    }
  });
});
