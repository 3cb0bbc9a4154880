// HTTP helpers for the black-box tests: problem+json assertions and a raw
// socket client for requests fetch() would rewrite (dot segments, %00, a
// half-sent body).
import assert from 'node:assert/strict';
import net from 'node:net';

// Asserts an RFC 9457 answer with the given status and code; returns the body.
export async function expectProblem(res, status, code) {
  const text = await res.text();
  assert.equal(res.status, status, `status (body: ${text})`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = JSON.parse(text);
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(body.type, `urn:kpjd:problem:${code}`);
  assert.equal(typeof body.title, 'string');
  assert.ok(body.title.length > 0);
  return body;
}

// Sends `head` (the request line and headers, CRLF-joined, without the
// blank line) and `body`; resolves { status, headers, body } of the answer.
export function raw(url, head, body = '') {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    const chunks = [];
    sock.setTimeout(10000, () => sock.destroy(new Error('raw request timed out')));
    sock.on('connect', () => sock.end(`${head}\r\nConnection: close\r\n\r\n${body}`));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => resolve(parseResponse(Buffer.concat(chunks).toString('utf8'))));
  });
}

export function parseResponse(text) {
  const split = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, split).split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status, headers, body: text.slice(split + 4) };
}

// Opens a connection and returns it with a promise of the whole answer, so
// a test can send a request in pieces.
export function openRaw(url) {
  const { hostname, port } = new URL(url);
  const sock = net.connect(Number(port), hostname);
  const chunks = [];
  const answer = new Promise((resolve, reject) => {
    sock.setTimeout(20000, () => sock.destroy(new Error('raw request timed out')));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => resolve(parseResponse(Buffer.concat(chunks).toString('utf8'))));
  });
  const connected = new Promise((resolve) => sock.on('connect', resolve));
  return { sock, answer, connected };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A JSON request with no session: api(method, path, body) against /api/v1.
export function anonymous(url) {
  return (method, path, body) => fetch(`${url}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
