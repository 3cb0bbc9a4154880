// The HTTP layer: problem bodies for 400/404/405/413/415/422, request ids,
// security headers, Cache-Control, HEAD.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, openRaw, raw } from '../lib/http.js';

let k;
before(async () => { k = await startKpjdd(); });
after(async () => { await k?.stop(); });

const CSP_REPORT = { 'csp-report': { 'document-uri': 'http://127.0.0.1/', 'violated-directive': "script-src 'self'", 'blocked-uri': 'inline' } };

function post(path, body, type = 'application/json') {
  return fetch(k.url + path, { method: 'POST', headers: { 'content-type': type }, body });
}

describe('security headers', () => {
  for (const path of ['/healthz', '/api/v1/regions', '/', '/no/such/api/../x', '/api/v1/nope']) {
    test(`on ${path}`, async () => {
      const res = await fetch(k.url + path);
      await res.arrayBuffer();
      const csp = res.headers.get('content-security-policy');
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
    });
  }

  test('the API is never cached; static files revalidate', async () => {
    const api = await fetch(k.url + '/healthz');
    assert.equal(api.headers.get('cache-control'), 'no-store');
    const page = await fetch(k.url + '/');
    assert.equal(page.headers.get('cache-control'), 'no-cache');
  });
});

describe('request ids', () => {
  test('a sane id is echoed', async () => {
    const res = await fetch(k.url + '/healthz', { headers: { 'x-request-id': 'client-42.a:b_c' } });
    assert.equal(res.headers.get('x-request-id'), 'client-42.a:b_c');
  });

  test('an insane id is replaced by a fresh one', async () => {
    for (const id of ['has space', 'x'.repeat(65), 'quote"', 'semi;colon', 'new%0Aline']) {
      const res = await fetch(k.url + '/healthz', { headers: { 'x-request-id': id } });
      const got = res.headers.get('x-request-id');
      assert.match(got, /^[0-9a-f]{32}$/, `for ${JSON.stringify(id)}`);
    }
  });

  test('the access log has one line per request with method, path, status, bytes, time and id', async () => {
    await fetch(k.url + '/healthz?token=secret-value', { headers: { 'x-request-id': 'log-line-check' } });
    await new Promise((r) => setTimeout(r, 100));
    const line = k.log().split('\n').find((l) => l.includes('req=log-line-check'));
    assert.ok(line, 'access log line present');
    assert.match(line, /req=log-line-check GET \/healthz 200 \d+B \d+us/);
    assert.doesNotMatch(k.log(), /secret-value/, 'the query (which may hold secrets) is not logged');
  });
});

describe('errors are problem+json', () => {
  test('404 for an unknown API path', async () => {
    await expectProblem(await fetch(k.url + '/api/v1/no-such-thing'), 404, 'not_found');
    await expectProblem(await fetch(k.url + '/api/v1/regions/'), 404, 'not_found');
  });

  test('405 with Allow for a known path and another method', async () => {
    const res = await fetch(k.url + '/healthz', { method: 'DELETE' });
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    await expectProblem(res, 405, 'method_not_allowed');
    const res2 = await fetch(k.url + '/api/v1/csp-reports');
    assert.equal(res2.headers.get('allow'), 'POST');
    await expectProblem(res2, 405, 'method_not_allowed');
    const res3 = await fetch(k.url + '/index.html', { method: 'POST', body: 'x' });
    assert.equal(res3.headers.get('allow'), 'GET, HEAD');
    await expectProblem(res3, 405, 'method_not_allowed');
  });

  test('400 for a body that is not a JSON object', async () => {
    for (const body of ['{', '[]', '"text"', '{"a":1,"a":2}', '', '{"a":1} trailing']) {
      const p = await expectProblem(await post('/api/v1/csp-reports', body), 400, 'bad_json');
      assert.equal(typeof p.detail, 'string');
    }
    const invalidUtf8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    await expectProblem(await post('/api/v1/csp-reports', invalidUtf8), 400, 'bad_json');
  });

  test('415 for a JSON endpoint given another Content-Type, or none', async () => {
    await expectProblem(await post('/api/v1/csp-reports', JSON.stringify(CSP_REPORT), 'text/plain'), 415, 'unsupported_media_type');
    await expectProblem(await post('/api/v1/csp-reports', JSON.stringify(CSP_REPORT), 'application/json; charset=latin1'), 415, 'unsupported_media_type');
    const res = await raw(k.url, `POST /api/v1/csp-reports HTTP/1.1\r\nHost: x\r\nContent-Length: 2`, '{}');
    assert.equal(res.status, 415);
    assert.equal(JSON.parse(res.body).code, 'unsupported_media_type');
  });

  test('413 for a declared Content-Length over http.max_body, answered before the body is sent', async () => {
    const { sock, answer, connected } = openRaw(k.url);
    await connected;
    // Declare 100 MB and send nothing of it: the answer must come anyway.
    sock.write('POST /api/v1/csp-reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n');
    const res = await answer;
    assert.equal(res.status, 413);
    const p = JSON.parse(res.body);
    assert.equal(p.code, 'too_large');
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  });

  test('413 for a chunked body that grows past the limit', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    const chunked = `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`;
    const res = await raw(k.url, 'POST /api/v1/csp-reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked', chunked);
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).code, 'too_large');
  });

  test('422 names the bad field', async () => {
    let p = await expectProblem(await post('/api/v1/csp-reports', '{}'), 422, 'validation');
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['csp-report', 'required']]);
    p = await expectProblem(await post('/api/v1/csp-reports', JSON.stringify({ 'csp-report': { 'blocked-uri': 7 } })), 422, 'validation');
    assert.deepEqual(p.errors.map((e) => [e.field, e.code]), [['csp-report.blocked-uri', 'type']]);
    assert.ok(p.errors[0].message.length > 0);
  });
});

describe('CSP reports', () => {
  test('a browser report is logged and answered 204', async () => {
    const res = await post('/api/v1/csp-reports', JSON.stringify(CSP_REPORT), 'application/csp-report');
    assert.equal(res.status, 204);
    await new Promise((r) => setTimeout(r, 100));
    assert.match(k.log(), /csp violation: directive=script-src 'self' blocked=inline/);
  });
});

describe('HEAD', () => {
  test('HEAD on a GET route answers headers without a body', async () => {
    const res = await fetch(k.url + '/healthz', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal((await res.text()).length, 0);
  });
});

describe('metrics', () => {
  test('requests by route and status, a latency histogram and the database state', async () => {
    await fetch(k.url + '/api/v1/regions');
    const text = await (await fetch(k.url + '/metrics')).text();
    assert.match(text, /kpjd_http_requests_total\{route="GET \/api\/v1\/regions",status="200"\} [1-9]/);
    assert.match(text, /kpjd_http_request_duration_seconds_bucket\{route="GET \/api\/v1\/regions",le="\+Inf"\} [1-9]/);
    assert.match(text, /kpjd_http_request_duration_seconds_count\{route="GET \/api\/v1\/regions"\} [1-9]/);
    assert.match(text, /^kpjd_db_connections_open [1-9]/m);
    assert.match(text, /^kpjd_db_connects_total [1-9]/m);
    assert.match(text, /^kpjd_http_inflight_requests 1$/m, 'the metrics request itself');
  });
});
