// A clean hand-off at SIGTERM behind a reverse proxy (http.drain_idle): the
// idle keep-alive connections kpjdd has are left for their client to close,
// so that no request the proxy sends on one meets a connection closed under
// it; a request that comes on one meanwhile is answered, with Connection:
// close, and /readyz answers 503.  Past drain_idle kpjdd closes what is left.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import { startKpjdd } from '../lib/kpjdd.js';
import { parseResponse, sleep } from '../lib/http.js';

// A keep-alive connection: send(head) resolves the next whole answer
// (Content-Length bodies only, as kpjdd's small answers are); `closed`
// resolves when the server closes it.
async function keepAlive(url) {
  const { hostname, port } = new URL(url);
  const sock = net.connect(Number(port), hostname);
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  let buf = Buffer.alloc(0);
  let waiting = null;
  const closed = new Promise((resolve) => sock.on('close', resolve));
  sock.on('error', () => {});
  sock.on('data', (c) => {
    buf = Buffer.concat([buf, c]);
    const split = buf.indexOf('\r\n\r\n');
    if (waiting === null || split < 0) return;
    const head = parseResponse(buf.subarray(0, split + 4).toString('utf8'));
    const len = Number(head.headers['content-length'] ?? 0);
    if (buf.length < split + 4 + len) return;
    const res = parseResponse(buf.subarray(0, split + 4 + len).toString('utf8'));
    buf = buf.subarray(split + 4 + len);
    const w = waiting;
    waiting = null;
    w(res);
  });
  return {
    sock,
    closed,
    send(path) {
      const answer = new Promise((resolve) => { waiting = resolve; });
      sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      return answer;
    },
  };
}

const exited = (k) => new Promise((resolve) => {
  if (k.proc.exitCode !== null) resolve();
  else k.proc.once('exit', resolve);
});

test('at SIGTERM an idle keep-alive connection stays open for its client: a request on it is answered, /readyz says 503, Connection: close', async () => {
  const k = await startKpjdd({ env: { KPJD_HTTP_DRAIN_IDLE: '8' } });
  const c = await keepAlive(k.url);
  const before = await c.send('/readyz');
  assert.equal(before.status, 200);
  assert.notEqual(before.headers.connection, 'close', 'kept alive while serving');

  k.proc.kill('SIGTERM');
  await sleep(500);
  assert.equal(k.proc.exitCode, null, 'waits for the idle connection');
  const health = await c.send('/healthz');
  assert.equal(health.status, 200, 'a request on it is served');
  assert.equal(health.headers.connection, 'close', 'and the client is told not to send another');
  await c.closed;
  const started = Date.now();
  await exited(k);
  assert.ok(Date.now() - started < 3000, 'exits once its client has gone, not at drain_idle');
  const { code } = await k.stop();
  assert.equal(code, 0);
});

test('while stopping, /readyz on a connection kpjdd still has answers 503', async () => {
  const k = await startKpjdd({ env: { KPJD_HTTP_DRAIN_IDLE: '8' } });
  const c = await keepAlive(k.url);
  assert.equal((await c.send('/healthz')).status, 200);
  k.proc.kill('SIGTERM');
  await sleep(300);
  const ready = await c.send('/readyz');
  assert.equal(ready.status, 503);
  assert.equal(JSON.parse(ready.body).code, 'unavailable');
  assert.equal(ready.headers.connection, 'close');
  await c.closed;
  assert.equal((await k.stop()).code, 0);
});

test('a client that closes its idle connection after SIGTERM lets kpjdd exit then', async () => {
  const k = await startKpjdd({ env: { KPJD_HTTP_DRAIN_IDLE: '8' } });
  const c = await keepAlive(k.url);
  assert.equal((await c.send('/healthz')).status, 200);
  k.proc.kill('SIGTERM');
  await sleep(1000);
  assert.equal(k.proc.exitCode, null);
  const started = Date.now();
  c.sock.end();
  await exited(k);
  assert.ok(Date.now() - started < 2000, `exited ${Date.now() - started} ms after the client closed`);
  assert.equal((await k.stop()).code, 0);
});

test('past http.drain_idle kpjdd closes the idle connections left and exits 0', async () => {
  const k = await startKpjdd({ env: { KPJD_HTTP_DRAIN_IDLE: '1' } });
  const c = await keepAlive(k.url);
  assert.equal((await c.send('/healthz')).status, 200);
  const started = Date.now();
  const { code } = await k.stop();
  const took = Date.now() - started;
  assert.equal(code, 0);
  assert.ok(took >= 900 && took < 5000, `closed at drain_idle (${took} ms)`);
  assert.match(k.log(), /closing 1 connections their clients kept open past http\.drain_idle/);
  await c.closed;
});

test('with http.drain_idle = 0 (the default) idle connections are closed at once', async () => {
  const k = await startKpjdd();
  const c = await keepAlive(k.url);
  assert.equal((await c.send('/healthz')).status, 200);
  const started = Date.now();
  assert.equal((await k.stop()).code, 0);
  assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
  await c.closed;
});
