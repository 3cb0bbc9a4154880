// Starvation: idle and trickling connections cannot keep new clients out
// (near http.max_connections the idle and slowest go first), and a request
// must be in whole within http.request_timeout of its first byte however
// steadily it trickles, unless its body keeps coming at http.min_body_rate.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { createDatabase, startKpjdd } from '../lib/kpjdd.js';
import { parseResponse, sleep } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';
import { makeApplication, makeBatch, makeRecommender } from '../lib/fixtures.js';

// Opens a connection from `localAddress` (127.0.0.0/8 is all loopback);
// resolves the socket once connected.  Errors are ignored: the server
// closing it is what several tests wait for.
function connect(url, localAddress = '127.0.0.1') {
  const { hostname, port } = new URL(url);
  const sock = net.connect({ host: hostname, port: Number(port), localAddress });
  sock.on('error', () => {});
  sock.closedAt = new Promise((resolve) => sock.once('close', () => resolve(performance.now())));
  return new Promise((resolve) => {
    sock.once('connect', () => resolve(sock));
    sock.once('close', () => resolve(sock));
  });
}

// Writes `text` one byte every `everyMs` until it is all sent or the socket
// closes; resolves the number of bytes written by then.
function trickle(sock, text, everyMs) {
  return new Promise((resolve) => {
    let i = 0;
    const timer = setInterval(() => {
      if (i >= text.length || sock.destroyed || !sock.writable) {
        clearInterval(timer);
        resolve(i);
        return;
      }
      sock.write(text[i++]);
    }, everyMs);
    sock.once('close', () => { clearInterval(timer); resolve(i); });
  });
}

// Sends `request` on a fresh connection from `localAddress` and resolves
// the answer, or rejects when none came within `ms`.
async function ask(url, localAddress, request, ms) {
  const sock = await connect(url, localAddress);
  const chunks = [];
  sock.on('data', (c) => chunks.push(c));
  sock.write(request);
  const timer = setTimeout(() => sock.destroy(), ms);
  await sock.closedAt;
  clearTimeout(timer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) throw new Error(`no answer within ${ms} ms`);
  return parseResponse(text);
}

// Resolves the answer to one request on an open keep-alive connection.
function answerOn(sock, request) {
  return new Promise((resolve) => {
    let text = '';
    const onData = (c) => {
      text += c.toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const length = end < 0 ? null : Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (end >= 0 && text.length >= end + 4 + length) {
        sock.off('data', onData);
        resolve(parseResponse(text));
      }
    };
    sock.on('data', onData);
    sock.write(request);
  });
}

const HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
const LOGIN_HEAD = (length) => 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\n' +
  `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('1,000 idle or trickling connections', () => {
  // 20 addresses × 50 connections: http.max_per_ip (64) limits one address.
  const ADDRESSES = 20;
  const PER_ADDRESS = 50;
  let k;
  const socks = [];
  let ticker;

  before(async () => { k = await startKpjdd(); });
  after(async () => {
    clearInterval(ticker);
    for (const s of socks) s.destroy();
    await k?.stop();
  });

  test('do not keep a fresh client out: it is answered within 1 s', async () => {
    // A third idle, a third trickling its headers, a third trickling a body.
    const opening = [];
    for (let a = 0; a < ADDRESSES; a++) {
      for (let i = 0; i < PER_ADDRESS; i++) {
        const kind = (a * PER_ADDRESS + i) % 3;
        opening.push(connect(k.url, `127.0.0.${a + 2}`).then((sock) => {
          socks.push(sock);
          sock.trickles = kind !== 0;
          if (kind === 1) sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ');
          if (kind === 2) sock.write(LOGIN_HEAD(100000) + '{"username":"');
        }));
      }
    }
    await Promise.all(opening);
    assert.equal(socks.length, ADDRESSES * PER_ADDRESS);
    ticker = setInterval(() => {
      for (const s of socks) if (s.trickles && s.writable) s.write('a');
    }, 1000);
    await sleep(2500);   // the server has taken in all it will, the trickles are under way

    const started = performance.now();
    const res = await ask(k.url, '127.0.0.250', 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 1000);
    const ms = performance.now() - started;
    assert.equal(res.status, 200);
    assert.ok(ms < 1000, `answered after ${Math.round(ms)} ms`);
    assert.match(k.log(), /idle or slow ones to keep room for new clients/);
  });
});

describe('http.request_timeout', () => {
  // 3 s for a request; a body may take longer at 1 KiB/s or more.
  const env = { KPJD_HTTP_REQUEST_TIMEOUT: '3', KPJD_HTTP_MIN_BODY_RATE: '1K' };
  const PDF_HEAD = (a, length) => `POST /api/v1/applications/${a.id}/attachments?kind=other HTTP/1.1\r\n` +
    `Host: x\r\nAuthorization: Bearer ${a.token}\r\nContent-Type: application/pdf\r\n` +
    `Content-Disposition: attachment; filename="a.pdf"\r\nContent-Length: ${length}\r\n\r\n%PDF-1.7\n`;
  let db, k, applicant;

  before(async () => {
    db = await createDatabase();
    k = await startKpjdd({ db, migrate: true, env });
    createAdmin(db);
    const admin = await signIn(k.url, 'admin');
    const rec = await makeRecommender(k.url, admin);
    const batch = await makeBatch(admin, { status: 'open' });
    const reg = await makeApplication(k.url, rec.session, batch.id);
    const session = await signIn(k.url, reg.username, reg.password);
    applicant = { id: reg.application.id, token: session.token };
  });
  after(async () => {
    await k?.stop();
    await db?.drop();
  });

  // Starts trickling `rest` a byte a second after `head`; resolves the
  // seconds from the first byte of the request to the server closing the
  // connection, and the bytes trickled by then.
  async function cutOffAfter(sock, rest, firstByteAt) {
    const sent = trickle(sock, rest, 1000);
    const closed = await Promise.race([sock.closedAt, sleep(9000).then(() => null)]);
    sock.destroy();
    assert.ok(closed !== null, 'still open 9 s after the request began');
    return { seconds: (closed - firstByteAt) / 1000, sent: await sent };
  }

  test('a trickled request is closed at its deadline though it keeps sending', async () => {
    const cases = {
      // headers that never end
      headers: { head: 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ', rest: 'a'.repeat(60) },
      // a JSON body a byte a second
      body: { head: LOGIN_HEAD(100), rest: '{"username":"' + 'a'.repeat(80) + '"}' },
      // an upload a byte a second (a streamed route)
      upload: { head: PDF_HEAD(applicant, 200), rest: 'x'.repeat(191) },
    };
    await Promise.all(Object.entries(cases).map(async ([name, { head, rest }]) => {
      const sock = await connect(k.url);
      const firstByteAt = performance.now();
      sock.write(head);
      const { seconds, sent } = await cutOffAfter(sock, rest, firstByteAt);
      assert.ok(seconds >= 2.5 && seconds < 5.5, `${name}: closed after ${seconds} s`);
      assert.ok(sent >= 2, `${name}: it kept sending (${sent} bytes)`);
    }));
  });

  test('on a keep-alive connection the clock starts at the next request\'s first byte', async () => {
    const sock = await connect(k.url);
    assert.equal((await answerOn(sock, HEALTHZ)).status, 200);
    await sleep(4000);                 // idle for longer than request_timeout: still open
    assert.ok(!sock.destroyed && sock.writable, 'an idle keep-alive connection was closed');
    const firstByteAt = performance.now();
    sock.write(HEALTHZ[0]);            // then the rest of its request line a byte a second
    const { seconds } = await cutOffAfter(sock, HEALTHZ.slice(1), firstByteAt);
    assert.ok(seconds >= 2.5 && seconds < 5.5, `closed after ${seconds} s`);
  });

  test('a body that keeps coming at http.min_body_rate may take longer', async () => {
    const sock = await connect(k.url);
    const body = JSON.stringify({ username: 'nobody', password: 'p'.repeat(6000) });
    const answer = new Promise((resolve) => {
      const chunks = [];
      sock.on('data', (c) => chunks.push(c));
      sock.closedAt.then(() => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    const started = performance.now();
    sock.write(LOGIN_HEAD(Buffer.byteLength(body)).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
    for (let i = 0; i < body.length; i += 1536) {   // 1.5 KiB a second: above 1 KiB/s
      sock.write(body.slice(i, i + 1536));
      await sleep(1000);
    }
    const text = await Promise.race([answer, sleep(5000).then(() => '')]);
    sock.destroy();
    assert.ok(performance.now() - started > 4000, 'the body took longer than request_timeout');
    const res = parseResponse(text);
    assert.ok(res.status >= 400 && res.status < 500, `answered ${res.status}: ${text}`);
  });
});
