// The bundled UI under web/: Content-Types, ETag/304, index.html for the UI's
// own routes, gzip for the clients that accept it, and no way out of the web
// root.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';

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
    assert.match(res.headers.get('etag'), /^"[0-9a-f]+-[0-9a-f]+(-gz)?"$/);
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

// GET (or HEAD) with exactly these headers, the body as bytes: fetch() would
// send its own Accept-Encoding and decode the answer.
function get(path, headers = {}, method = 'GET') {
  const { hostname, port } = new URL(k.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const GZIP = { 'accept-encoding': 'gzip, deflate, br, zstd' };   // what Chromium sends

function webFiles(dirPath = root) {
  return readdirSync(dirPath, { withFileTypes: true }).flatMap((e) => {
    const p = join(dirPath, e.name);
    if (e.isSymbolicLink()) return [];
    return e.isDirectory() ? webFiles(p) : ['/' + relative(root, p)];
  });
}

describe('compression', () => {
  test('every file of the UI comes gzip-coded to a client that accepts it, and gunzips to the file', async () => {
    const files = webFiles().filter((f) => /\.(js|css|html|svg)$/.test(f));
    assert.ok(files.length > 40 && files.includes('/views/login.js'), files.join(' '));
    for (const f of files) {
      const res = await get(f, GZIP);
      assert.equal(res.status, 200, f);
      assert.equal(res.headers['content-encoding'], 'gzip', f);
      assert.equal(res.headers.vary, 'Accept-Encoding', f);
      assert.match(res.headers.etag, /^"[0-9a-f]+-[0-9a-f]+-gz"$/, f);
      assert.equal(Number(res.headers['content-length']), res.body.length, f);
      const file = readFileSync(join(root, f));
      assert.ok(res.body.length < file.length, `${f}: ${res.body.length} < ${file.length}`);
      assert.ok(gunzipSync(res.body).equals(file), `${f} gunzips to the file`);
    }
  });

  test('as it is, with Vary, to a client that does not accept gzip', async () => {
    const file = readFileSync(join(root, 'style.css'));
    const refusals = [undefined, '', 'identity', 'deflate, br', 'gzip;q=0', 'GZIP;Q=0.000, br',
      '*;q=0', 'gzip;q=0, *', 'gzip;q=0.5, identity', 'gzip;q=2', 'gzip;q=.5', 'gzip; q=0.4, *;q=0.5'];
    for (const ae of refusals) {
      const res = await get('/style.css', ae === undefined ? {} : { 'accept-encoding': ae });
      const what = JSON.stringify(ae);
      assert.equal(res.status, 200, what);
      assert.equal(res.headers['content-encoding'], undefined, what);
      assert.equal(res.headers.vary, 'Accept-Encoding', what);
      assert.match(res.headers.etag, /^"[0-9a-f]+-[0-9a-f]+"$/, what);
      assert.ok(res.body.equals(file), what);
    }
    for (const ae of ['gzip', 'x-gzip', '*', 'gzip;q=0.001', 'br;q=1.0, gzip;q=0.8, *;q=0.1', 'identity;q=0.5, gzip']) {
      const res = await get('/style.css', { 'accept-encoding': ae });
      assert.equal(res.headers['content-encoding'], 'gzip', ae);
      assert.ok(gunzipSync(res.body).equals(file), ae);
    }
  });

  test("the UI's own routes get index.html gzip-coded; HEAD says so without a body", async () => {
    const res = await get('/login', GZIP);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.ok(gunzipSync(res.body).equals(readFileSync(join(root, 'index.html'))));
    const head = await get('/app.js', GZIP, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-encoding'], 'gzip');
    assert.equal(head.headers.vary, 'Accept-Encoding');
    assert.equal(head.body.length, 0);
  });

  test('each coding has its own ETag, and 304 answers only the one the client holds', async () => {
    const plain = await get('/app.js');
    const gz = await get('/app.js', GZIP);
    assert.equal(gz.headers.etag, plain.headers.etag.replace(/"$/, '-gz"'));
    const again = await get('/app.js', { ...GZIP, 'if-none-match': gz.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, gz.headers.etag);
    assert.equal(again.headers.vary, 'Accept-Encoding');
    assert.equal(again.headers['content-encoding'], undefined);
    assert.equal((await get('/app.js', { 'if-none-match': plain.headers.etag })).status, 304);
    // a tag of the other coding is not the representation this client gets
    const crossed = await get('/app.js', { 'if-none-match': gz.headers.etag });
    assert.equal(crossed.status, 200);
    assert.equal(crossed.headers['content-encoding'], undefined);
    const crossed2 = await get('/app.js', { ...GZIP, 'if-none-match': plain.headers.etag });
    assert.equal(crossed2.status, 200);
    assert.equal(crossed2.headers['content-encoding'], 'gzip');
  });

  test('a changed file is compressed anew: new ETag, new bytes', async () => {
    const f = join(root, 'changing.js');
    writeFileSync(f, '// first\n'.repeat(100));
    const one = await get('/changing.js', GZIP);
    assert.equal(gunzipSync(one.body).toString(), '// first\n'.repeat(100));
    writeFileSync(f, '// second version\n'.repeat(100));
    const two = await get('/changing.js', GZIP);
    assert.notEqual(two.headers.etag, one.headers.etag);
    assert.equal(gunzipSync(two.body).toString(), '// second version\n'.repeat(100));
  });

  test('images and other packed files go as they are, without Vary', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(4000)]);
    writeFileSync(join(root, 'zeros.png'), png);
    const res = await get('/zeros.png', GZIP);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers.vary, undefined);
    assert.ok(res.body.equals(png));
  });

  test('a tiny file that gzip would make bigger goes as it is', async () => {
    writeFileSync(join(root, 'tiny.js'), ';');
    const res = await get('/tiny.js', GZIP);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers.vary, 'Accept-Encoding');
    assert.equal(res.body.toString(), ';');
  });

  test('hostile Accept-Encoding values are answered, never with a 5xx', async () => {
    const values = ['gzip;q=' + '0'.repeat(5000), ';;;,,,;;', 'gzip;q=1;q=0', '\u00ff', 'gzip;=', '=,=;q',
      'gzip;q=0.5'.repeat(300), ',', '*;q=1e3', 'gzip;q=NaN', 'gzip;q=-0'];
    for (const v of values) {
      const res = await raw(k.url, `GET /app.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${v}`);
      assert.ok(res.status === 200 || res.status === 400 || res.status === 431, `${v.slice(0, 40)}: ${res.status}`);
    }
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
