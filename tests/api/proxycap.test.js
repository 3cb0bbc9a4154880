// The per-address connection cap (http.max_per_ip) behind a reverse proxy:
// it does not apply to http.trusted_proxies (every connection through the
// proxy comes from its address), it still applies to everyone else, and a
// health check is answered while 1,000 connections from the proxy are busy.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { startKpjdd } from '../lib/kpjdd.js';
import { parseResponse, sleep } from '../lib/http.js';

const HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
const PROXY = '127.0.0.1';
const OTHER = '127.0.0.2';

// Opens a connection from `localAddress`; resolves the socket once connected
// (or closed).  `closed` resolves when the server has closed it.
function connect(url, localAddress) {
  const { hostname, port } = new URL(url);
  const sock = net.connect({ host: hostname, port: Number(port), localAddress });
  sock.on('error', () => {});
  sock.closedP = new Promise((resolve) => sock.once('close', resolve));
  return new Promise((resolve) => {
    sock.once('connect', () => resolve(sock));
    sock.once('close', () => resolve(sock));
  });
}

// Sends `request` on an open keep-alive connection; resolves the answer, or
// null when the server closes the connection or nothing came within `ms`.
function answerOn(sock, request, ms = 5000) {
  return new Promise((resolve) => {
    let text = '';
    const done = (value) => {
      clearTimeout(timer);
      sock.off('data', onData);
      resolve(value);
    };
    const onData = (c) => {
      text += c.toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const length = end < 0 ? null : Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (end >= 0 && text.length >= end + 4 + length) done(parseResponse(text));
    };
    const timer = setTimeout(() => done(null), ms);
    sock.on('data', onData);
    sock.closedP.then(() => done(null));
    if (!sock.destroyed) sock.write(request);
  });
}

// `n` keep-alive connections from `address`, each answered once (or not).
async function openAnswered(url, address, n) {
  const socks = [];
  for (let i = 0; i < n; i++) socks.push(await connect(url, address));
  const answers = await Promise.all(socks.map((s) => answerOn(s, HEALTHZ)));
  return { socks, answers };
}

describe('http.max_per_ip behind a trusted proxy', () => {
  let k;
  const socks = [];

  before(async () => {
    k = await startKpjdd({ env: { KPJD_HTTP_TRUSTED_PROXIES: PROXY, KPJD_HTTP_MAX_PER_IP: '64' } });
  });
  after(async () => {
    for (const s of socks) s.destroy();
    await k?.stop();
  });

  test('200 connections from the trusted proxy are all answered', async () => {
    const { socks: open, answers } = await openAnswered(k.url, PROXY, 200);
    socks.push(...open);
    const answered = answers.filter((a) => a?.status === 200).length;
    assert.equal(answered, 200, `${200 - answered} of 200 connections from the proxy were refused`);
    for (const s of open) s.destroy();
  });

  test('another address still gets 64, and the 65th is refused until one closes', async () => {
    const { socks: open, answers } = await openAnswered(k.url, OTHER, 64);
    socks.push(...open);
    assert.equal(answers.filter((a) => a?.status === 200).length, 64);
    const extra = await connect(k.url, OTHER);
    socks.push(extra);
    assert.equal(await answerOn(extra, HEALTHZ), null, 'the 65th connection was answered');
    // A freed place is counted back.
    open[0].destroy();
    await sleep(300);
    const again = await connect(k.url, OTHER);
    socks.push(again);
    assert.equal((await answerOn(again, HEALTHZ))?.status, 200);
    assert.match(k.log(), /refused 1 connections from addresses that had http.max_per_ip \(64\) open/);
  });
});

describe('1,000 busy connections from the trusted proxy', () => {
  let k;
  const socks = [];
  let ticker;

  before(async () => {
    k = await startKpjdd({ migrate: true, env: { KPJD_HTTP_TRUSTED_PROXIES: PROXY } });
  });
  after(async () => {
    clearInterval(ticker);
    for (const s of socks) s.destroy();
    await k?.stop();
  });

  test('a health check is answered within 1 s', async () => {
    // A third kept alive after an answer, a third trickling headers, a third
    // with a login in flight (password hashing on the pool, whose queue
    // overflows: those are answered 503 at once).
    const login = JSON.stringify({ username: 'nobody', password: 'not the password' });
    const opening = [];
    for (let i = 0; i < 1000; i++) {
      opening.push(connect(k.url, PROXY).then((sock) => {
        socks.push(sock);
        sock.trickles = i % 3 === 1;
        if (i % 3 === 0) answerOn(sock, HEALTHZ);
        if (i % 3 === 1) sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ');
        if (i % 3 === 2) {
          sock.write('POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
                     `Content-Length: ${login.length}\r\n\r\n${login}`);
        }
      }));
    }
    await Promise.all(opening);
    ticker = setInterval(() => {
      for (const s of socks) if (s.trickles && s.writable) s.write('a');
    }, 1000);
    await sleep(1500);
    const refused = socks.filter((s) => s.destroyed).length;
    assert.ok(refused < 200, `${refused} of 1,000 connections from the proxy were closed`);

    for (const path of ['/healthz', '/readyz']) {
      const started = performance.now();
      const sock = await connect(k.url, PROXY);
      socks.push(sock);
      const res = await answerOn(sock, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, 1000);
      const ms = performance.now() - started;
      assert.equal(res?.status, 200, `${path}: no answer within 1 s`);
      assert.ok(ms < 1000, `${path}: answered after ${Math.round(ms)} ms`);
    }
  });
});
