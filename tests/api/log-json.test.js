// log.format = json: every line kpjdd writes to standard error, from start
// to stop, is one JSON object (JSON.parse) with ts, level and msg; each
// request's line carries its id, method, route template, path, status,
// bytes, duration and client as fields; what a client puts in a path comes
// out escaped, the line intact.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createAdmin, login } from '../lib/accounts.js';
import { raw } from '../lib/http.js';
import { startKpjdd } from '../lib/kpjdd.js';

let k, stopped;
before(async () => {
  k = await startKpjdd({ migrate: true, env: { KPJD_LOG_FORMAT: 'json' } });
  createAdmin(k.db);
  assert.equal((await fetch(`${k.url}/readyz`)).status, 200);
  assert.equal((await login(k.url, 'admin')).res.status, 201);
  assert.equal((await login(k.url, 'admin', 'wrong password')).res.status, 401);
  assert.equal((await fetch(`${k.url}/api/v1/batches/12345`, { headers: { 'x-request-id': 'probe-1' } })).status, 401);
  // a path with ESC, a quote, a backslash, a bidi override and a byte that is not UTF-8
  await raw(k.url, 'GET /no/\x1b[31m"q"\\%E2%80%AE%FF HTTP/1.1\r\nHost: x');
  stopped = await k.stop();
});
after(async () => { await k?.stop(); });

function lines() {
  return stopped.stderr.split('\n').filter((l) => l !== '');
}

test('every line of standard error parses as a JSON object with ts, level, msg', () => {
  const all = lines();
  assert.ok(all.length >= 8, `${all.length} lines`);
  for (const l of all) {
    let o;
    assert.doesNotThrow(() => { o = JSON.parse(l); }, `not JSON: ${l}`);
    assert.match(o.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, l);
    assert.ok(['debug', 'info', 'warn', 'error'].includes(o.level), l);
    assert.equal(typeof o.msg, 'string', l);
    assert.doesNotMatch(l, /[\x00-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/u, `raw control in ${l}`);
  }
  const msgs = all.map((l) => JSON.parse(l).msg);
  assert.ok(msgs.some((m) => m.startsWith('listening on http://')));
  assert.ok(msgs.includes('stopped'));
});

test("a request's line: id, method, route template, path, status, bytes, duration, client", () => {
  const reqs = lines().map((l) => JSON.parse(l)).filter((o) => o.req !== undefined);
  const get = reqs.find((o) => o.req === 'probe-1');
  assert.ok(get, 'the request sent with X-Request-Id probe-1');
  assert.equal(get.method, 'GET');
  assert.equal(get.route, 'GET /api/v1/batches/{id}');
  assert.equal(get.path, '/api/v1/batches/12345');
  assert.equal(get.status, 401);
  assert.equal(typeof get.bytes, 'number');
  assert.ok(Number.isInteger(get.duration_us) && get.duration_us > 0);
  assert.equal(get.client, '127.0.0.1');
  assert.equal(get.closed_early, 0);
  assert.match(get.msg, /^req=probe-1 GET \/api\/v1\/batches\/12345 401 /, 'the text line, as msg');

  const logins = reqs.filter((o) => o.route === 'POST /api/v1/session');
  assert.deepEqual(logins.map((o) => o.status).sort(), [201, 401]);
  const ready = reqs.find((o) => o.route === 'GET /readyz');
  assert.equal(ready.status, 200);
});

test('what a client puts in a path comes out escaped, and decodes to what was sent', () => {
  const reqs = lines().map((l) => JSON.parse(l)).filter((o) => o.req !== undefined);
  const odd = reqs.find((o) => o.path.startsWith('/no/'));
  assert.ok(odd, 'the odd path was logged');
  assert.equal(odd.route, 'unmatched');
  // MHD decodes %E2%80%AE to U+202E and %FF to the byte 0xFF, which is no
  // UTF-8: the text \xFF
  assert.equal(odd.path, '/no/\x1b[31m"q"\\\u202e\\xFF');
  assert.equal(odd.status, 404);
});
