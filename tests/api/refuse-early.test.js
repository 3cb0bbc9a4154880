// Who may call a route is decided from the headers, before a byte of the
// body is read: a client that may not call it cannot make the server wait
// for (and buffer) a body.  Every request here declares 900,000 bytes (under
// http.max_body) and sends none of them: the refusal must come anyway.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startKpjdd } from '../lib/kpjdd.js';
import { openRaw, sleep } from '../lib/http.js';
import { createAdmin, signIn } from '../lib/accounts.js';

let k, admin;
before(async () => {
  k = await startKpjdd({ migrate: true });
  createAdmin(k.db);
  admin = await signIn(k.url, 'admin');
});
after(async () => { await k?.stop(); });

// Sends the request line and `headers` with a declared body of 900,000
// bytes and no body; resolves the answer, or fails when none came in 3 s.
async function withoutBody(requestLine, headers = [], type = 'application/json') {
  const { sock, answer, connected } = openRaw(k.url);
  await connected;
  sock.write([requestLine, 'Host: x', `Content-Type: ${type}`, 'Content-Length: 900000', ...headers]
    .join('\r\n') + '\r\n\r\n');
  const res = await Promise.race([answer, sleep(3000).then(() => null)]);
  sock.destroy();
  assert.ok(res !== null, `${requestLine}: no answer before the body`);
  return res;
}

function assertProblem(res, status, code) {
  assert.equal(res.status, status, res.body);
  assert.equal(JSON.parse(res.body).code, code);
}

describe('refused before the body is read', () => {
  test('401 without a session, on JSON and raw-body routes', async () => {
    assertProblem(await withoutBody('POST /api/v1/batches HTTP/1.1'), 401, 'unauthenticated');
    assertProblem(await withoutBody('PUT /api/v1/session/password HTTP/1.1'), 401, 'unauthenticated');
    assertProblem(await withoutBody('PATCH /api/v1/applications/1 HTTP/1.1'), 401, 'unauthenticated');
    assertProblem(await withoutBody('POST /api/v1/batches/1/quotas/import HTTP/1.1', [], 'text/csv'),
      401, 'unauthenticated');
  });

  test('401 for a session token that is not one', async () => {
    assertProblem(await withoutBody('POST /api/v1/batches HTTP/1.1', ['Authorization: Bearer not-a-token']),
      401, 'unauthenticated');
  });

  test('403 for a signed-in caller whose role the route does not admit', async () => {
    assertProblem(await withoutBody('PUT /api/v1/batches/1/contact HTTP/1.1', [`Authorization: Bearer ${admin.token}`]),
      403, 'forbidden');
  });

  test('403 for a cookie without its CSRF token, and for a cross-site request to a public route', async () => {
    assertProblem(await withoutBody('POST /api/v1/batches HTTP/1.1', [`Cookie: ${admin.cookie}`]), 403, 'csrf');
    assertProblem(await withoutBody('POST /api/v1/session HTTP/1.1', ['Sec-Fetch-Site: cross-site']), 403, 'csrf');
  });

  test('404, 405 and 415 as before', async () => {
    assertProblem(await withoutBody('POST /api/v1/nothing-here HTTP/1.1'), 404, 'not_found');
    assertProblem(await withoutBody('PUT /api/v1/batches HTTP/1.1'), 405, 'method_not_allowed');
    assertProblem(await withoutBody('POST /api/v1/batches HTTP/1.1', [`Authorization: Bearer ${admin.token}`], 'text/plain'),
      415, 'unsupported_media_type');
  });
});

describe('admitted callers still send their body', () => {
  test('a public JSON route reads its body', async () => {
    const { sock, answer, connected } = openRaw(k.url);
    await connected;
    const body = JSON.stringify({ username: 'admin', password: 'not the password' });
    sock.write(`POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    await sleep(300);
    sock.write(body);
    const res = await answer;
    assertProblem(res, 401, 'invalid_credentials');
  });

  test('a signed-in JSON route reads its body', async () => {
    const res = await admin.api('POST', '/batches', { code: 'X' });
    assert.equal(res.status, 422, await res.text());
  });
});
