// What reaches the log from outside: every line escapes control characters
// (a path holding ESC cannot drive the terminal that shows the log), and
// CSP reports — which anyone may post and each of which writes a line —
// are limited per client address.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, sleep } from '../lib/http.js';

let k;
before(async () => {
  // Behind a trusted proxy (loopback), so that X-Forwarded-For gives each
  // test its own client address and its own CSP budget.
  k = await startKpjdd({ env: { KPJD_CSP_REPORT_LIMIT: '3', KPJD_CSP_REPORT_WINDOW: '60', KPJD_HTTP_TRUSTED_PROXIES: '127.0.0.0/8' } });
});
after(async () => { await k?.stop(); });

// Bytes of the log that a terminal or a viewer would act on.
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufffd]/u;

function report(ip, fields = { 'violated-directive': "script-src 'self'", 'blocked-uri': 'inline' }) {
  return fetch(`${k.url}/api/v1/csp-reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/csp-report', 'x-forwarded-for': ip },
    body: JSON.stringify({ 'csp-report': fields }),
  });
}

const logLines = (needle) => k.log().split('\n').filter((l) => l.includes(needle));

describe('log lines escape control characters', () => {
  test('a path with ESC, C1, bidi controls and bytes that are not UTF-8 is logged escaped', async () => {
    const id = 'esc-path-check';
    const res = await fetch(`${k.url}/x%1B[2J%1B]0;owned%07y%C2%9Bz%E2%80%AEw%FF.html`, { headers: { 'x-request-id': id } });
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    await sleep(100);
    const [line] = logLines(`req=${id}`);
    assert.ok(line, 'the access log line is there');
    assert.match(line, /GET \/x\\x1B\[2J\\x1B\]0;owned\\x07y\\xC2\\x9Bz\\xE2\\x80\\xAEw\\xFF\.html 404/);
    assert.doesNotMatch(k.log(), RAW_CONTROL, 'no raw control character anywhere in stderr');
    assert.ok(!Buffer.from(k.log(), 'utf8').includes(0x1b), 'no ESC byte');
  });

  test('a CSP report quoting control characters is logged escaped', async () => {
    const res = await report('192.0.2.10', { 'violated-directive': 'script-src\u001b[31m', 'blocked-uri': 'a\u0085b\u202ec' });
    assert.equal(res.status, 204);
    await sleep(100);
    const [line] = logLines('csp violation: directive=script-src');
    assert.ok(line);
    assert.match(line, /directive=script-src\\x1B\[31m blocked=a\\xC2\\x85b\\xE2\\x80\\xAEc/);
    assert.doesNotMatch(k.log(), RAW_CONTROL);
  });
});

describe('CSP reports are limited per client address', () => {
  test('csp.report_limit reports a window are logged; then 429 with Retry-After, and nothing logged', async () => {
    const ip = '198.51.100.20';
    const before = logLines('csp violation').length;
    for (let i = 0; i < 3; i++) assert.equal((await report(ip)).status, 204, `report ${i + 1}`);
    for (let i = 0; i < 3; i++) {
      const res = await report(ip);
      const retry = Number(res.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${res.headers.get('retry-after')}`);
      await expectProblem(res, 429, 'too_many_attempts');
    }
    await sleep(100);
    assert.equal(logLines('csp violation').length - before, 3, 'only the reports within the limit are logged');
  });

  test('another address has its own budget', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await report('198.51.100.30')).status, 204);
    await expectProblem(await report('198.51.100.30'), 429, 'too_many_attempts');
    assert.equal((await report('198.51.100.31')).status, 204);
  });

  test('malformed reports count too', async () => {
    const ip = '198.51.100.40';
    for (let i = 0; i < 3; i++) {
      await expectProblem(await report(ip, 'not an object'), 422, 'validation');
    }
    await expectProblem(await report(ip), 429, 'too_many_attempts');
  });
});
