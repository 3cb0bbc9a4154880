// The bundled UI under web/: Content-Types, ETag/304, index.html for the UI's
// own routes, and no way out of the web root.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { config, startKpjdd } from '../lib/kpjdd.js';
import { expectProblem, raw } from '../lib/http.js';

// A copy of web/ with traps in it: a symlink to a file outside the root, a
// symlinked directory that leads out, and a secret beside the root.
const dir = mkdtempSync(join(tmpdir(), 'kpjd-static-'));
const root = join(dir, 'web');
cpSync(config.webRoot, root, { recursive: true });
writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET');
symlinkSync(join(dir, 'secret.txt'), join(root, 'leak.txt'));
symlinkSync(dir, join(root, 'outside'));
symlinkSync(join(root, 'index.html'), join(root, 'alias.html'));

let k;
before(async () => { k = await startKpjdd({ env: { KPJD_WEB_ROOT: root } }); });
after(async () => {
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('files', () => {
  test('index.html at /, with its type and an ETag', async () => {
    const res = await fetch(k.url + '/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(res.headers.get('etag'), /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.match(await res.text(), /<title>/);
  });

  test('Content-Types by extension', async () => {
    const types = { '/app.js': 'text/javascript; charset=utf-8', '/style.css': 'text/css; charset=utf-8',
      '/favicon.svg': 'image/svg+xml', '/index.html': 'text/html; charset=utf-8' };
    for (const [path, type] of Object.entries(types)) {
      const res = await fetch(k.url + path);
      await res.arrayBuffer();
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), type, path);
    }
  });

  test('If-None-Match with the ETag → 304 without a body', async () => {
    const first = await fetch(k.url + '/app.js');
    await first.arrayBuffer();
    const etag = first.headers.get('etag');
    const again = await fetch(k.url + '/app.js', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await again.text()).length, 0);
    const other = await fetch(k.url + '/app.js', { headers: { 'if-none-match': '"nope"' } });
    assert.equal(other.status, 200);
    await other.arrayBuffer();
  });

  test("the UI's own routes get index.html", async () => {
    for (const path of ['/login', '/batches/3', '/a/b/c']) {
      const res = await fetch(k.url + path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(await res.text(), /<title>/);
    }
  });

  test('a missing file with an extension is 404', async () => {
    await expectProblem(await fetch(k.url + '/no-such-file.js'), 404, 'not_found');
    await expectProblem(await fetch(k.url + '/views/none.js'), 404, 'not_found');
  });

  test('a symlink inside the root is followed', async () => {
    const res = await fetch(k.url + '/alias.html');
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });
});

describe('nothing outside web/ can be read', () => {
  const attempts = [
    '/../secret.txt',
    '/../../../../etc/passwd',
    '/%2e%2e/secret.txt',
    '/%2E%2E/%2E%2E/etc/passwd',
    '/..%2fsecret.txt',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/%2e%2e%2fsecret.txt',
    '/views/..%2f..%2fsecret.txt',
    '/./index.html',
    '/..\\secret.txt',
    '/..%5csecret.txt',
    '/index.html%00.js',
    '/%00',
    '/leak.txt',
    '/outside/secret.txt',
    '//etc/passwd',
  ];
  for (const path of attempts) {
    test(`GET ${path}`, async () => {
      const res = await raw(k.url, `GET ${path} HTTP/1.1\r\nHost: x`);
      assert.doesNotMatch(res.body, /TOP-SECRET|root:x:0:0/);
      assert.ok(res.status === 404 || res.status === 400, `status ${res.status}`);
      if (res.status === 404) assert.equal(JSON.parse(res.body).code, 'not_found');
    });
  }
});
