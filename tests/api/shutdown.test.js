// Graceful shutdown: SIGTERM stops new connections, lets the request in
// flight finish, and exits 0; a request stuck past http.shutdown_grace does
// not hold the exit forever.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import { startKpjdd } from '../lib/kpjdd.js';
import { openRaw, sleep } from '../lib/http.js';

const BODY = JSON.stringify({ 'csp-report': { 'violated-directive': 'script-src', 'blocked-uri': 'inline' } });
const HEAD = 'POST /api/v1/csp-reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/csp-report\r\n' +
  `Content-Length: ${Buffer.byteLength(BODY)}\r\n\r\n`;

function connectRefused(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(port), hostname);
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', (e) => resolve(e.code === 'ECONNREFUSED'));
  });
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal} during an in-flight request: the request completes, then kpjdd exits 0`, async () => {
    const k = await startKpjdd();
    const { sock, answer, connected } = openRaw(k.url);
    await connected;
    sock.write(HEAD + BODY.slice(0, 10));          // the request is in flight
    await sleep(200);
    k.proc.kill(signal);
    await sleep(300);
    assert.equal(k.proc.exitCode, null, 'still running while the request is in flight');
    assert.ok(await connectRefused(k.url), 'no new connections once stopping');
    sock.write(BODY.slice(10));
    const res = await answer;
    assert.equal(res.status, 204);
    assert.equal(res.headers.connection, 'close');
    const { code } = await k.stop();
    assert.equal(code, 0);
    assert.match(k.log(), new RegExp(`${signal}: stopping`));
    assert.match(k.log(), /info  stopped/);
  });
}

test('a request stuck past http.shutdown_grace is cut off and kpjdd still exits 0', async () => {
  const k = await startKpjdd({ env: { KPJD_HTTP_SHUTDOWN_GRACE: '1' } });
  const { sock, answer, connected } = openRaw(k.url);
  await connected;
  sock.write(HEAD + BODY.slice(0, 10));           // and never the rest
  await sleep(200);
  const started = Date.now();
  const { code } = await k.stop();
  assert.equal(code, 0);
  const took = Date.now() - started;
  assert.ok(took >= 900 && took < 5000, `exit after the grace period (${took} ms)`);
  assert.match(k.log(), /1 requests still running after 1s/);
  await answer.catch(() => {});
});
